/*-------------------------------------------------------------------------
 * partition_guard.c
 *    The only way a month leaves the audit trail: dcpf.audit_retention_drop
 *    detaches and drops partitions whose signed record this transaction
 *    wrote (retention.c), and the utility hook refuses every other DROP
 *    TABLE of an audit partition and every DETACH PARTITION from
 *    dcpf.audit_event (42501), for every role, superusers included.
 *
 * The hook is a guard, not a proof: a superuser can get round it (rename
 * the trail, edit the catalogs, restart the server without dcpf) as round
 * the append-only triggers. What that removes has no signed record, so
 * dcpf.audit_verify and tools/audit-verify report it as deleted.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_type_d.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "storage/proc.h"
#include "tcop/utility.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "audit.h"
#include "dcpf.h"
#include "seal.h"

/* Partitions prepared in this transaction (dcpf.audit_retention_drop drops only those). */
#define MAX_PREPARED 64
static Oid	prepared[MAX_PREPARED];
static int	nprepared = 0;
static LocalTransactionId prepared_lxid = InvalidLocalTransactionId;

/* Set only while dcpf.audit_retention_drop detaches and drops: the guard lets it pass. */
static bool retention_dropping = false;
static ProcessUtility_hook_type prev_utility = NULL;

/* dcpf.audit_event, or InvalidOid where dcpf is not installed. */
static Oid
audit_parent(void)
{
	return dcpf_relation("audit_event");
}

/* Whether relid is a partition of parent. */
static bool
partition_of(Oid relid, Oid parent)
{
	return OidIsValid(relid) && OidIsValid(parent) && get_rel_relispartition(relid) &&
		get_partition_parent(relid, true) == parent;
}

/* Whether relid is a partition of dcpf.audit_event. */
bool
dcpf_is_audit_partition(Oid relid)
{
	return partition_of(relid, audit_parent());
}

/* Note a partition whose record retention.c wrote in this transaction. */
void
dcpf_retention_prepared(Oid relid)
{
	if (prepared_lxid != MyProc->lxid)
	{
		nprepared = 0;
		prepared_lxid = MyProc->lxid;
	}
	if (nprepared == MAX_PREPARED)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("at most %d audit partitions are dropped in one transaction", MAX_PREPARED),
				 errhint("Drop older months first, with an earlier cut-off.")));
	prepared[nprepared++] = relid;
}

/*
 * dcpf.audit_retention_drop(partitions): detach and drop partitions whose
 * record this transaction wrote. The caller has locked the trail.
 */
PG_FUNCTION_INFO_V1(dcpf_audit_retention_drop);
Datum
dcpf_audit_retention_drop(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	Datum	   *elems;
	bool	   *elem_nulls;
	int			n;
	int			i;
	Oid			save_userid;
	int			save_sec_context;

	deconstruct_array(arr, REGCLASSOID, sizeof(Oid), true, TYPALIGN_INT, &elems, &elem_nulls, &n);
	for (i = 0; i < n; i++)
	{
		Oid			relid = elem_nulls[i] ? InvalidOid : DatumGetObjectId(elems[i]);
		int			k;

		for (k = 0; k < nprepared; k++)
			if (prepared[k] == relid && prepared_lxid == MyProc->lxid)
				break;
		if (k == nprepared)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("audit partition %s was not prepared for its drop in this transaction",
							OidIsValid(relid) ? get_rel_name(relid) : "NULL"),
					 errdetail("A month leaves the audit trail only with its signed record (dcpf.audit_retention_prepare)."),
					 errhint("Use dcpf.audit_drop_expired_partitions.")));
	}
	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(dcpf_extension_owner(), save_sec_context | SECURITY_LOCAL_USERID_CHANGE);
	PG_TRY();
	{
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		retention_dropping = true;
		for (i = 0; i < n; i++)
		{
			char	   *name = quote_qualified_identifier("dcpf", get_rel_name(DatumGetObjectId(elems[i])));
			Oid			types[1] = {TEXTOID};
			Datum		values[1] = {CStringGetTextDatum(get_rel_name(DatumGetObjectId(elems[i])))};

			/* its record was written, and is still there (not rolled back with a subtransaction) */
			if (SPI_execute_with_args("SELECT 1 FROM dcpf.audit_dropped_partition WHERE partition_name OPERATOR(pg_catalog.=) $1",
									  1, types, values, NULL, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("the record of audit partition %s is missing", name)));
			if (SPI_execute(psprintf("ALTER TABLE dcpf.audit_event DETACH PARTITION %s", name), false, 0) != SPI_OK_UTILITY ||
				SPI_execute(psprintf("DROP TABLE %s", name), false, 0) != SPI_OK_UTILITY)
				elog(ERROR, "could not drop audit partition %s", name);
		}
		retention_dropping = false;
		SPI_finish();
	}
	PG_FINALLY();
	{
		retention_dropping = false;
		SetUserIdAndSecContext(save_userid, save_sec_context);
	}
	PG_END_TRY();
	PG_RETURN_VOID();
}

/* Refuse to remove an audit partition outside retention (42501). */
static void pg_attribute_noreturn()
refuse_removal(const char *how, Oid relid)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("cannot %s audit partition dcpf.%s", how, get_rel_name(relid)),
			 errdetail("A month leaves the audit trail only through dcpf.audit_drop_expired_partitions, "
					   "which records and signs what it removes."),
			 errhint("Run dcpf.audit_drop_expired_partitions as dcpf_maintenance.")));
	pg_unreachable();
}

/*
 * The guard: DROP TABLE of an audit partition and DETACH PARTITION from
 * dcpf.audit_event pass only while dcpf.audit_retention_drop runs.
 */
static void
retention_guard(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
				ProcessUtilityContext context, ParamListInfo params, QueryEnvironment *queryEnv,
				DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *node = pstmt->utilityStmt;

	if (!retention_dropping && IsA(node, DropStmt) && ((DropStmt *) node)->removeType == OBJECT_TABLE)
	{
		Oid			parent = audit_parent();
		ListCell   *lc;

		foreach(lc, ((DropStmt *) node)->objects)
		{
			Oid			relid = OidIsValid(parent)
				? RangeVarGetRelid(makeRangeVarFromNameList((List *) lfirst(lc)), NoLock, true) : InvalidOid;

			if (partition_of(relid, parent))
				refuse_removal("drop", relid);
		}
	}
	else if (!retention_dropping && IsA(node, AlterTableStmt) && ((AlterTableStmt *) node)->objtype == OBJECT_TABLE)
	{
		AlterTableStmt *stmt = (AlterTableStmt *) node;
		Oid			parent = audit_parent();
		ListCell   *lc;

		if (OidIsValid(parent) && RangeVarGetRelid(stmt->relation, NoLock, true) == parent)
			foreach(lc, stmt->cmds)
			{
				AlterTableCmd *cmd = (AlterTableCmd *) lfirst(lc);

				if (cmd->subtype == AT_DetachPartition || cmd->subtype == AT_DetachPartitionFinalize)
				{
					Oid			relid = RangeVarGetRelid(((PartitionCmd *) cmd->def)->name, NoLock, true);

					if (OidIsValid(relid))
						refuse_removal("detach", relid);
				}
			}
	}
	if (prev_utility)
		prev_utility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
}

/* Install the guard (from _PG_init). */
void
dcpf_retention_init(void)
{
	prev_utility = ProcessUtility_hook;
	ProcessUtility_hook = retention_guard;
}
