/*-------------------------------------------------------------------------
 * restrict.c
 *    Frozen persons: restriction of processing (art. 18 AVG) and
 *    deactivated accounts (clause 18 of the privacy statement).
 *
 * Whose data is read-only is kept in a backend-local cache: the persons with
 * a restriction or deactivation in force in dcpf.processing_restriction
 * (lifted_at NULL), sorted, in TopMemoryContext. The audit write trigger
 * (audit.c) asks it for every row of a table with a subject column and
 * refuses the statement when the row is a frozen person's; the SQL function
 * dcpf.processing_restricted asks it for the shares, the consent check, the
 * marketing audience and the notice queue.
 *
 * The cache is read with a direct heap scan under the latest snapshot, and
 * is emptied by any relcache invalidation of dcpf.processing_restriction:
 * every write to that table sends one (dcpf.restriction_changed, a statement
 * trigger), which this backend receives at its next command and every other
 * backend at commit. With nothing frozen, the trigger's cost is one test per
 * statement.
 *
 * A few writes must still reach a frozen person's rows: erasure, the
 * deactivation itself, the person revoking what they shared, the retention
 * purge, the hand-over of a portfolio when a licensee's last licence ends
 * (which the portfolio's own triggers also let detach it from the licensee). The tables that are always exempt (the restriction itself, the
 * requests, notices, security logs, keys, consent) say so when they are put
 * under audit (dcpf.audit_table). The rest is the setting
 * dcpf.restriction_exemption: superuser-only, and its check hook accepts a
 * value only from the extension's owner, so that it can only be set by the
 * SET clause of dcpf's own SECURITY DEFINER functions, for exactly as long
 * as they run.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relscan.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type_d.h"
#include "commands/trigger.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/uuid.h"

#include "audit.h"
#include "dcpf.h"

/* A frozen person and why (DCPF_FROZEN_* bits). */
typedef struct FrozenPerson
{
	pg_uuid_t	person;
	int			why;
} FrozenPerson;

static bool frozen_valid = false;
static uint64 frozen_invalidations = 0;
static Oid	frozen_relid = InvalidOid;	/* dcpf.processing_restriction, once known */
static MemoryContext frozen_cxt = NULL;
static FrozenPerson *frozen = NULL;
static int	nfrozen = 0;
static bool frozen_callback_registered = false;

/* The values dcpf.restriction_exemption accepts, each an act of dcpf's own code. */
static const char *const exemption_values[] = {"erasure", "deactivation", "retention", "reduction", "handover"};

/* Any invalidation of the restriction table (or of everything) empties the cache. */
static void
frozen_relcache_callback(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == frozen_relid)
	{
		frozen_valid = false;
		frozen_invalidations++;
	}
}

/* Order of uuids for the sorted cache. */
static int
frozen_compare(const void *a, const void *b)
{
	return memcmp(((const FrozenPerson *) a)->person.data, ((const FrozenPerson *) b)->person.data, UUID_LEN);
}

/* A column of the restriction table by name and type, for the scan. */
static AttrNumber
restriction_column(Relation rel, const char *name, Oid type)
{
	AttrNumber	attnum = get_attnum(RelationGetRelid(rel), name);

	if (attnum == InvalidAttrNumber || TupleDescAttr(RelationGetDescr(rel), attnum - 1)->atttypid != type)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("dcpf.processing_restriction lacks column \"%s\" of type %s", name, format_type_be(type))));
	return attnum;
}

/*
 * Read the persons frozen now. The scan runs under the latest snapshot, so
 * that a restriction committed before the invalidation arrived is seen
 * whatever the transaction's own snapshot (in parallel mode, where no new
 * snapshot may be taken, the statement's is used and the result is not
 * kept). Without the table (during CREATE EXTENSION) nothing is frozen.
 */
static void
frozen_load(void)
{
	Oid			relid;
	Relation	rel;
	uint64		seen;
	bool		keep;
	Snapshot	snapshot;
	TableScanDesc scan;
	TupleTableSlot *slot;
	AttrNumber	person_att;
	AttrNumber	kind_att;
	AttrNumber	lifted_att;
	MemoryContext cxt;
	FrozenPerson *found;
	int			nfound = 0;
	int			capacity = 16;
	int			i;
	int			j;

	if (!frozen_callback_registered)
	{
		CacheRegisterRelcacheCallback(frozen_relcache_callback, (Datum) 0);
		frozen_callback_registered = true;
	}
	relid = dcpf_relation("processing_restriction");
	if (!OidIsValid(relid))
	{
		nfrozen = 0;
		return;
	}
	rel = table_open(relid, AccessShareLock);
	frozen_relid = relid;
	/* invalidations received from here on make the next use read again */
	seen = frozen_invalidations;
	keep = !IsInParallelMode();
	snapshot = RegisterSnapshot(keep ? GetLatestSnapshot() : GetActiveSnapshot());
	person_att = restriction_column(rel, "person_id", UUIDOID);
	kind_att = restriction_column(rel, "kind", TEXTOID);
	lifted_att = restriction_column(rel, "lifted_at", TIMESTAMPTZOID);

	cxt = AllocSetContextCreate(TopMemoryContext, "dcpf frozen persons", ALLOCSET_SMALL_SIZES);
	found = MemoryContextAlloc(cxt, sizeof(FrozenPerson) * capacity);
	scan = table_beginscan(rel, snapshot, 0, NULL);
	slot = table_slot_create(rel, NULL);
	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		bool		isnull;
		Datum		person;
		char	   *kind;

		(void) slot_getattr(slot, lifted_att, &isnull);
		if (!isnull)
			continue;
		person = slot_getattr(slot, person_att, &isnull);
		if (isnull)
			continue;
		kind = TextDatumGetCString(slot_getattr(slot, kind_att, &isnull));
		if (nfound == capacity)
		{
			capacity *= 2;
			found = repalloc(found, sizeof(FrozenPerson) * capacity);
		}
		found[nfound].person = *DatumGetUUIDP(person);
		found[nfound].why = strcmp(kind, "deactivation") == 0 ? DCPF_FROZEN_DEACTIVATED : DCPF_FROZEN_RESTRICTED;
		nfound++;
		pfree(kind);
	}
	ExecDropSingleTupleTableSlot(slot);
	table_endscan(scan);
	UnregisterSnapshot(snapshot);
	table_close(rel, AccessShareLock);

	/* one entry per person, with every reason */
	qsort(found, nfound, sizeof(FrozenPerson), frozen_compare);
	for (i = 0, j = 0; i < nfound; i++)
	{
		if (j > 0 && frozen_compare(&found[j - 1], &found[i]) == 0)
			found[j - 1].why |= found[i].why;
		else
			found[j++] = found[i];
	}
	if (frozen_cxt != NULL)
		MemoryContextDelete(frozen_cxt);
	frozen_cxt = cxt;
	frozen = found;
	nfrozen = j;
	frozen_valid = keep && frozen_invalidations == seen;
}

bool
dcpf_frozen_any(void)
{
	if (!frozen_valid)
		frozen_load();
	return nfrozen > 0;
}

int
dcpf_frozen_why(const pg_uuid_t *person)
{
	FrozenPerson key;
	FrozenPerson *hit;

	if (!dcpf_frozen_any())
		return 0;
	key.person = *person;
	hit = bsearch(&key, frozen, nfrozen, sizeof(FrozenPerson), frozen_compare);
	return hit ? hit->why : 0;
}

bool
dcpf_restriction_exempt_now(void)
{
	return dcpf_restriction_exemption != NULL && dcpf_restriction_exemption[0] != '\0';
}

void
dcpf_frozen_refuse(const char *table, const char *key, const pg_uuid_t *person, int why, const char *operation)
{
	char	   *who = DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum(person)));

	if (why & DCPF_FROZEN_RESTRICTED)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the data of person %s is read-only", who),
				 errdetail("The %s of row %s of dcpf.%s was refused: processing of this person's data is restricted (art. 18 AVG) until the restriction is lifted.",
						   operation, key, table),
				 errhint("The privacy officer lifts a restriction with dcpf.lift_restriction; erasure stays possible.")));
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("the data of person %s is read-only", who),
			 errdetail("The %s of row %s of dcpf.%s was refused: the person's account is deactivated, and their data is only stored until its retention ends.",
					   operation, key, table),
			 errhint("A privacy officer of a licensee the person belonged to may reactivate the account with dcpf.reactivate_person.")));
}

/*
 * Check hook of dcpf.restriction_exemption: empty, or one of the known acts
 * set while the extension's owner is the current user (the SET clause of
 * dcpf's SECURITY DEFINER functions applies after the switch to the owner).
 * A function's SET clause is only validated (PGC_S_TEST) when it is created.
 */
bool
dcpf_restriction_exemption_check(char **newval, void **extra, GucSource source)
{
	bool		known = false;
	int			i;

	if (*newval == NULL || (*newval)[0] == '\0')
		return true;
	for (i = 0; i < lengthof(exemption_values); i++)
		known |= strcmp(*newval, exemption_values[i]) == 0;
	if (!known)
	{
		GUC_check_errdetail("The exemption names the act it serves: erasure, deactivation, retention, reduction or handover.");
		return false;
	}
	if (source == PGC_S_TEST)
		return true;
	if (!IsTransactionState() || GetUserId() != dcpf_schema_owner(true))
	{
		GUC_check_errcode(ERRCODE_INSUFFICIENT_PRIVILEGE);
		GUC_check_errmsg("dcpf.restriction_exemption is set only by dcpf's own functions");
		GUC_check_errdetail("Only the owner of extension dcpf, in the SET clause of its functions, exempts a write from a restriction of processing.");
		return false;
	}
	return true;
}

/* dcpf.processing_restricted(person): whether the person's data is frozen now. */
PG_FUNCTION_INFO_V1(dcpf_processing_restricted);
Datum
dcpf_processing_restricted(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(dcpf_frozen_why(PG_GETARG_UUID_P(0)) != 0);
}

/*
 * dcpf.restriction_changed(): statement trigger on dcpf.processing_restriction;
 * every backend reads the frozen persons afresh (this one from its next
 * command, the others once the change commits).
 */
PG_FUNCTION_INFO_V1(dcpf_restriction_changed);
Datum
dcpf_restriction_changed(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("dcpf.restriction_changed must be called as a trigger")));
	CacheInvalidateRelcacheByRelid(RelationGetRelid(td->tg_relation));
	return PointerGetDatum(NULL);
}
