/*-------------------------------------------------------------------------
 * audit.c
 *    Writing the audit trail: events, the write trigger on every dcpf
 *    table, the append-only guard and read logging.
 *
 * Events are appended to the month's partition of dcpf.audit_event by a
 * direct heap insert (table_multi_insert plus the partition's indexes), in
 * batches: a statement that changes 200k rows writes 200k events without
 * 200k executor start-ups. No privilege, policy or trigger applies to these
 * inserts; nothing but this file writes events (the table has no grants).
 *
 * The write trigger, dcpf.audit_trigger, is an AFTER … FOR EACH STATEMENT
 * trigger with transition tables (one per operation, as PostgreSQL
 * requires): one event per row, with the row's primary key and the person
 * whose data it is; a statement of more than dcpf.audit_group_rows rows,
 * one event per person and per 400 rows, with the rows' keys (grouped
 * events, below). An UPDATE records the names of the changed columns, never
 * their values.
 *
 * Reads of another person's data go through dcpf_audit_read: once per
 * object per transaction, queued in shared memory (auditq.c) so that the
 * event stays when the reading transaction rolls back.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "commands/sequence.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inet.h"
#include "utils/inval.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/xid8.h"
#include "common/hashfn.h"

#include "audit.h"
#include "dcpf.h"

/* events per heap_multi_insert call and per trigger batch */
#define AUDIT_BATCH 256

/* The columns of dcpf.audit_event, found by name in each partition. */
typedef enum AuditColumn
{
	COL_ID,
	COL_OCCURRED_AT,
	COL_XACT_ID,
	COL_ACTION,
	COL_OUTCOME,
	COL_ACTOR_PERSON,
	COL_ACTOR_METHOD,
	COL_ON_BEHALF_OF,
	COL_APPLICATION_ROLE,
	COL_LICENSEE_ID,
	COL_PURPOSE,
	COL_DATABASE_ROLE,
	COL_EFFECTIVE_ROLE,
	COL_CLIENT_ADDRESS,
	COL_APPLICATION_NAME,
	COL_OBJECT_TABLE,
	COL_OBJECT_KEY,
	COL_OBJECT_KEYS,
	COL_SUBJECT_PERSON,
	COL_REFERENCE,
	COL_DETAIL,
	AUDIT_NCOLUMNS
} AuditColumn;

StaticAssertDecl(AUDIT_NCOLUMNS == DCPF_AUDIT_NCOLUMNS, "audit columns");

const char *const dcpf_audit_column_names[DCPF_AUDIT_NCOLUMNS] = {
	"id", "occurred_at", "xact_id", "action", "outcome", "actor_person", "actor_method",
	"on_behalf_of", "application_role", "licensee_id", "purpose", "database_role",
	"effective_role", "client_address", "application_name", "object_table", "object_key",
	"object_keys", "subject_person", "reference", "detail"
};

/*
 * The partition last written (events come in bursts of one month) and the
 * relations the write path needs. Emptied by any invalidation of them.
 */
typedef struct AuditTarget
{
	bool		valid;
	Oid			parent;
	Oid			sequence;
	int32		month;			/* year * 12 + month - 1, UTC */
	Oid			partition;
	AttrNumber	attnum[AUDIT_NCOLUMNS];
} AuditTarget;

static AuditTarget target;

/* Objects read in this transaction (dcpf_audit_read logs each once). */
typedef struct ReadKey
{
	char		table[NAMEDATALEN];
	char		key[DCPF_AUDIT_KEY_MAX];
	char		action[DCPF_AUDIT_WORD_MAX];
} ReadKey;

static HTAB *reads_this_xact = NULL;

/* The first few of them, before a hash table is worth making. */
#define READS_INLINE 8
static ReadKey reads_inline[READS_INLINE];
static int	nreads_inline = 0;

/* The client's address, worked out once per backend ("" for a local socket). */
static bool client_address_known = false;
static char client_address[DCPF_AUDIT_LABEL_MAX];

/* Forget the cached target when one of its relations changes. */
static void
audit_relcache_callback(Datum arg, Oid relid)
{
	if (!target.valid)
		return;
	if (relid == InvalidOid || relid == target.parent || relid == target.partition ||
		relid == target.sequence)
		target.valid = false;
}

/* The per-transaction read memo lives in TopTransactionContext: drop the pointer. */
static void
audit_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			reads_this_xact = NULL;
			nreads_inline = 0;
			break;
		default:
			break;
	}
}

/* Register the callbacks (from _PG_init). */
void
dcpf_audit_init(void)
{
	CacheRegisterRelcacheCallback(audit_relcache_callback, (Datum) 0);
	RegisterXactCallback(audit_xact_callback, NULL);
}

/* The numeric address of the database client, or "" for a local socket. */
static const char *
session_client_address(void)
{
	if (!client_address_known)
	{
		LOCAL_FCINFO(fcinfo, 0);
		Datum		addr;

		client_address[0] = '\0';
		InitFunctionCallInfoData(*fcinfo, NULL, 0, InvalidOid, NULL, NULL);
		addr = inet_client_addr(fcinfo);
		if (!fcinfo->isnull)
			strlcpy(client_address, DatumGetCString(DirectFunctionCall1(inet_out, addr)),
					sizeof(client_address));
		client_address_known = true;
	}
	return client_address;
}

/*
 * Copy a role's name, or "?" for a role that no longer exists. The last two
 * roles asked for are remembered (the session user and the current user
 * rarely change); a renamed role shows its new name from the next session.
 */
static void
role_name(Oid roleid, char *out)
{
	static Oid	known[2] = {InvalidOid, InvalidOid};
	static char names[2][NAMEDATALEN];
	static int	next = 0;
	char	   *name;
	int			i;

	for (i = 0; i < 2; i++)
		if (OidIsValid(known[i]) && known[i] == roleid)
		{
			memcpy(out, names[i], NAMEDATALEN);
			return;
		}
	name = GetUserNameFromId(roleid, true);
	strlcpy(out, name ? name : "?", NAMEDATALEN);
	if (name != NULL)
	{
		known[next] = roleid;
		memcpy(names[next], out, NAMEDATALEN);
		next = 1 - next;
	}
}

void
dcpf_audit_event_init(DcpfAuditEvent *ev, const char *action, const char *outcome)
{
	pg_uuid_t	person;
	pg_uuid_t	licensee;
	bool		has_licensee;
	const char *role;
	const char *purpose;
	const char *method;

	memset(ev, 0, sizeof(*ev));
	ev->database = MyDatabaseId;
	ev->occurred_at = GetCurrentTimestamp();
	strlcpy(ev->action, action, sizeof(ev->action));
	strlcpy(ev->outcome, outcome, sizeof(ev->outcome));
	if (dcpf_identity_describe(&person, &has_licensee, &licensee, &role, &purpose, &method))
	{
		ev->has_actor = true;
		ev->actor_person = person;
		strlcpy(ev->actor_method, method, sizeof(ev->actor_method));
		if (strcmp(method, "act_as") == 0)
		{
			/* a trusted back-end (database_role) acts for the person */
			ev->has_on_behalf_of = true;
			ev->on_behalf_of = person;
		}
		ev->has_licensee = has_licensee;
		ev->licensee = licensee;
		strlcpy(ev->application_role, role, sizeof(ev->application_role));
		strlcpy(ev->purpose, purpose, sizeof(ev->purpose));
	}
	role_name(GetSessionUserId(), ev->database_role);
	role_name(GetUserId(), ev->effective_role);
	strlcpy(ev->client_address, session_client_address(), sizeof(ev->client_address));
	strlcpy(ev->application_name, application_name ? application_name : "", sizeof(ev->application_name));
}

/* A relation of schema dcpf by name, or InvalidOid. */
Oid
dcpf_relation(const char *name)
{
	Oid			nsp = get_namespace_oid("dcpf", true);

	return OidIsValid(nsp) ? get_relname_relid(name, nsp) : InvalidOid;
}

/* The name of a relation of a schema, or of the table whose Citus shard it is (below). */
static const char *
table_name_in(const char *name, Oid nsp)
{
	size_t		len = strlen(name);
	size_t		i = len;
	char		base[NAMEDATALEN];

	while (i > 0 && name[i - 1] >= '0' && name[i - 1] <= '9')
		i--;
	if (i == len || i < 2 || name[i - 1] != '_')
		return name;
	memcpy(base, name, i - 1);
	base[i - 1] = '\0';
	if (!OidIsValid(get_relname_relid(base, nsp)))
		return name;
	return pstrdup(base);
}

/*
 * The name of the table a trigger fired on, as dcpf knows it. On Citus the
 * triggers of a distributed or reference table fire on its shards, which
 * live in the same schema under the table's name with "_<shard id>"
 * appended (portfolio_item_102008): a name that ends in "_" and digits is
 * the shard of the table whose name is the rest when such a table exists in
 * the same schema. No table of dcpf is named another's name with such a
 * suffix (test/pgtap/citus_distribution_plan_holds.sql checks it), so on one
 * server every name is returned as it is. The ciphertexts' associated data,
 * the blind indexes and the audit events name the table, never a shard.
 */
const char *
dcpf_table_name(Relation rel)
{
	return table_name_in(RelationGetRelationName(rel), RelationGetNamespace(rel));
}

/*
 * dcpf.logical_table_name(regclass): the same for SQL and PL/pgSQL triggers,
 * which call it per row: from the catalog caches, without opening the table.
 */
PG_FUNCTION_INFO_V1(dcpf_logical_table_name);
Datum
dcpf_logical_table_name(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	char	   *name = get_rel_name(relid);

	if (name == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	PG_RETURN_TEXT_P(cstring_to_text(table_name_in(name, get_rel_namespace(relid))));
}

/* The UTC month of a time, as year * 12 + month - 1. */
static int32
utc_month(TimestampTz t, int *year, int *month)
{
	struct pg_tm tm;
	fsec_t		fsec;

	if (timestamp2tm(t, NULL, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("audit event time out of range")));
	*year = tm.tm_year;
	*month = tm.tm_mon;
	return tm.tm_year * 12 + tm.tm_mon - 1;
}

/* Find the trail's parent table and sequence, once (until invalidated). */
static void
target_init(void)
{
	if (target.valid)
		return;
	target.parent = dcpf_relation("audit_event");
	target.sequence = dcpf_relation("audit_event_id_seq");
	if (!OidIsValid(target.parent) || !OidIsValid(target.sequence))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the audit trail is missing"),
				 errdetail("dcpf.audit_event or dcpf.audit_event_id_seq does not exist.")));
	target.partition = InvalidOid;
	target.valid = true;
}

/*
 * Point the target at the partition for the month of t: the month's own
 * partition when it exists, else the default one. Both must really be
 * partitions of dcpf.audit_event (a detached copy with the right name is
 * not the log).
 */
static void
choose_partition(TimestampTz t)
{
	int			year;
	int			month;
	int32		m = utc_month(t, &year, &month);
	char		name[NAMEDATALEN];
	Oid			relid;
	Relation	rel;
	TupleDesc	desc;
	int			i;

	target_init();
	if (OidIsValid(target.partition) && target.month == m)
		return;

	snprintf(name, sizeof(name), "audit_event_%04d_%02d", year, month);
	relid = dcpf_relation(name);
	if (!OidIsValid(relid) || !get_rel_relispartition(relid) ||
		get_partition_parent(relid, true) != target.parent)
	{
		static TimestampTz asked_at = 0;
		TimestampTz now = GetCurrentTimestamp();

		/* the month has no partition yet: have the audit worker make it (once a minute at most) */
		if (TimestampDifferenceExceeds(asked_at, now, 60 * 1000))
		{
			asked_at = now;
			dcpf_auditq_request_worker();
		}
		relid = dcpf_relation("audit_event_default");
	}
	if (!OidIsValid(relid) || !get_rel_relispartition(relid) ||
		get_partition_parent(relid, true) != target.parent)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the audit trail has no partition for %04d-%02d", year, month),
				 errdetail("Neither dcpf.%s nor dcpf.audit_event_default is a partition of dcpf.audit_event.", name),
				 errhint("Run dcpf.audit_create_partitions().")));

	rel = table_open(relid, AccessShareLock);
	desc = RelationGetDescr(rel);
	for (i = 0; i < AUDIT_NCOLUMNS; i++)
	{
		AttrNumber	a = InvalidAttrNumber;
		int			j;

		for (j = 0; j < desc->natts; j++)
			if (!TupleDescAttr(desc, j)->attisdropped &&
				strcmp(NameStr(TupleDescAttr(desc, j)->attname), dcpf_audit_column_names[i]) == 0)
				a = j + 1;
		if (a == InvalidAttrNumber)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("audit partition dcpf.%s lacks column \"%s\"", get_rel_name(relid),
							dcpf_audit_column_names[i])));
		target.attnum[i] = a;
	}
	table_close(rel, NoLock);
	target.partition = relid;
	target.month = m;
}

/* A text datum of a fixed-size field, or NULL when it is empty. */
static void
set_text(Datum *values, bool *nulls, AttrNumber a, const char *s)
{
	if (s[0] == '\0')
		return;
	values[a - 1] = CStringGetTextDatum(s);
	nulls[a - 1] = false;
}

/* A uuid datum, or NULL. */
static void
set_uuid(Datum *values, bool *nulls, AttrNumber a, bool present, const pg_uuid_t *u)
{
	if (!present)
		return;
	values[a - 1] = UUIDPGetDatum(u);
	nulls[a - 1] = false;
}

/*
 * Values that repeat from one event to the next (a statement's events share
 * the client; an UPDATE's share the changed columns), parsed once per call
 * of write_to_partition.
 */
typedef struct EventValueCache
{
	char		client_address[DCPF_AUDIT_LABEL_MAX];
	Datum		client_datum;
	char		detail[DCPF_AUDIT_DETAIL_MAX];
	Datum		detail_datum;
} EventValueCache;

/* Form the tuple of one event for the current target partition. */
static HeapTuple
event_tuple(TupleDesc desc, const DcpfAuditEvent *ev, int64 id, Datum xact, EventValueCache *vc)
{
	Datum	   *values = palloc0(desc->natts * sizeof(Datum));
	bool	   *nulls = palloc(desc->natts * sizeof(bool));
	const AttrNumber *at = target.attnum;

	memset(nulls, true, desc->natts * sizeof(bool));
	values[at[COL_ID] - 1] = Int64GetDatum(id);
	nulls[at[COL_ID] - 1] = false;
	values[at[COL_OCCURRED_AT] - 1] = TimestampTzGetDatum(ev->occurred_at);
	nulls[at[COL_OCCURRED_AT] - 1] = false;
	values[at[COL_XACT_ID] - 1] = xact;
	nulls[at[COL_XACT_ID] - 1] = false;
	set_text(values, nulls, at[COL_ACTION], ev->action);
	set_text(values, nulls, at[COL_OUTCOME], ev->outcome);
	set_uuid(values, nulls, at[COL_ACTOR_PERSON], ev->has_actor, &ev->actor_person);
	set_text(values, nulls, at[COL_ACTOR_METHOD], ev->actor_method);
	set_uuid(values, nulls, at[COL_ON_BEHALF_OF], ev->has_on_behalf_of, &ev->on_behalf_of);
	set_text(values, nulls, at[COL_APPLICATION_ROLE], ev->application_role);
	set_uuid(values, nulls, at[COL_LICENSEE_ID], ev->has_licensee, &ev->licensee);
	set_text(values, nulls, at[COL_PURPOSE], ev->purpose);
	set_text(values, nulls, at[COL_DATABASE_ROLE], ev->database_role[0] ? ev->database_role : "?");
	set_text(values, nulls, at[COL_EFFECTIVE_ROLE], ev->effective_role[0] ? ev->effective_role : "?");
	if (ev->client_address[0] != '\0')
	{
		if (vc->client_datum == (Datum) 0 || strcmp(vc->client_address, ev->client_address) != 0)
		{
			vc->client_datum = DirectFunctionCall1(inet_in, CStringGetDatum(ev->client_address));
			strlcpy(vc->client_address, ev->client_address, sizeof(vc->client_address));
		}
		values[at[COL_CLIENT_ADDRESS] - 1] = vc->client_datum;
		nulls[at[COL_CLIENT_ADDRESS] - 1] = false;
	}
	set_text(values, nulls, at[COL_APPLICATION_NAME], ev->application_name);
	set_text(values, nulls, at[COL_OBJECT_TABLE], ev->object_table);
	set_text(values, nulls, at[COL_OBJECT_KEY], ev->object_key);
	if (ev->nobject_keys > 0)
	{
		/* a one-dimensional uuid[] without NULLs: its header, then the keys */
		Size		nbytes = ARR_OVERHEAD_NONULLS(1) + (Size) ev->nobject_keys * UUID_LEN;
		ArrayType  *keys = palloc(nbytes);

		memset(keys, 0, ARR_OVERHEAD_NONULLS(1));
		SET_VARSIZE(keys, nbytes);
		keys->ndim = 1;
		keys->dataoffset = 0;
		keys->elemtype = UUIDOID;
		ARR_DIMS(keys)[0] = ev->nobject_keys;
		ARR_LBOUND(keys)[0] = 1;
		memcpy(ARR_DATA_PTR(keys), ev->object_keys, (Size) ev->nobject_keys * UUID_LEN);
		values[at[COL_OBJECT_KEYS] - 1] = PointerGetDatum(keys);
		nulls[at[COL_OBJECT_KEYS] - 1] = false;
	}
	set_uuid(values, nulls, at[COL_SUBJECT_PERSON], ev->has_subject, &ev->subject);
	set_text(values, nulls, at[COL_REFERENCE], ev->reference);
	if (ev->detail[0] != '\0')
	{
		if (vc->detail_datum == (Datum) 0 || strcmp(vc->detail, ev->detail) != 0)
		{
			vc->detail_datum = DirectFunctionCall1(jsonb_in, CStringGetDatum(ev->detail));
			strlcpy(vc->detail, ev->detail, sizeof(vc->detail));
		}
		values[at[COL_DETAIL] - 1] = vc->detail_datum;
		nulls[at[COL_DETAIL] - 1] = false;
	}
	return heap_form_tuple(desc, values, nulls);
}

/*
 * Open the partition for the month of t, locked. A partition attached
 * meanwhile invalidates the choice while we wait for the lock (the default
 * partition is locked while events move out of it): then choose again, so
 * an event never lands in the default partition outside its range.
 */
static Relation
open_partition(TimestampTz t)
{
	for (;;)
	{
		Relation	rel;

		choose_partition(t);
		rel = table_open(target.partition, RowExclusiveLock);
		AcceptInvalidationMessages();
		if (target.valid && target.partition == RelationGetRelid(rel))
			return rel;
		table_close(rel, RowExclusiveLock);
	}
}

/* Insert events[0..n) (all of one month) into the target partition. */
static void
write_to_partition(const DcpfAuditEvent *events, int n, Datum xact)
{
	Relation	rel = open_partition(events[0].occurred_at);
	TupleDesc	desc = RelationGetDescr(rel);
	EState	   *estate = CreateExecutorState();
	ResultRelInfo *rri = makeNode(ResultRelInfo);
	int			nslots = Min(n, AUDIT_BATCH);
	TupleTableSlot **slots = palloc(sizeof(TupleTableSlot *) * nslots);
	MemoryContext batch_cxt = AllocSetContextCreate(CurrentMemoryContext, "dcpf audit batch",
													ALLOCSET_DEFAULT_SIZES);
	CommandId	cid = GetCurrentCommandId(true);
	EventValueCache vc;
	int			done = 0;
	int			i;

	memset(&vc, 0, sizeof(vc));
	InitResultRelInfo(rri, rel, 1, NULL, 0);
	ExecOpenIndices(rri, false);
	for (i = 0; i < nslots; i++)
		slots[i] = MakeSingleTupleTableSlot(desc, &TTSOpsHeapTuple);
	while (done < n)
	{
		int			k = Min(n - done, nslots);
		MemoryContext old = MemoryContextSwitchTo(batch_cxt);

		for (i = 0; i < k; i++)
		{
			/* numbered in the order they are written: the seal's order */
			int64		id = nextval_internal(target.sequence, false);

			ExecStoreHeapTuple(event_tuple(desc, &events[done + i], id, xact, &vc), slots[i], false);
		}
		table_multi_insert(rel, slots, k, cid, 0, NULL);
		for (i = 0; i < k; i++)
			ExecInsertIndexTuples(rri, slots[i], estate, false, false, NULL, NIL);
		for (i = 0; i < k; i++)
			ExecClearTuple(slots[i]);
		MemoryContextSwitchTo(old);
		MemoryContextReset(batch_cxt);
		/* the cached values lived in batch_cxt */
		vc.client_datum = vc.detail_datum = (Datum) 0;
		done += k;
	}
	for (i = 0; i < nslots; i++)
		ExecDropSingleTupleTableSlot(slots[i]);
	ExecCloseIndices(rri);
	FreeExecutorState(estate);
	MemoryContextDelete(batch_cxt);
	pfree(slots);
	table_close(rel, NoLock);
}

void
dcpf_audit_write(const DcpfAuditEvent *events, int n)
{
	Relation	parent;
	Datum		xact;
	int			start = 0;

	if (n <= 0)
		return;
	if (RecoveryInProgress() || XactReadOnly)
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("cannot write audit events in a read-only transaction")));
	/*
	 * Lock the parent before any partition, as a routed insert would: no
	 * detach under our feet, and the order dcpf.audit_create_partition
	 * takes them in (the parent, then the default partition). A partition
	 * locked first, even only to read its columns, deadlocked with it.
	 */
	target_init();
	parent = table_open(target.parent, RowExclusiveLock);
	xact = FullTransactionIdGetDatum(GetTopFullTransactionId());
	while (start < n)
	{
		int			year;
		int			month;
		int32		m;
		int			end = start + 1;

		choose_partition(events[start].occurred_at);
		m = target.month;	/* write_to_partition opens (and re-checks) it */
		while (end < n && utc_month(events[end].occurred_at, &year, &month) == m)
			end++;
		write_to_partition(events + start, end - start, xact);
		start = end;
	}
	table_close(parent, NoLock);
}

/*
 * What the write trigger needs to know about its table: the primary key's
 * columns, the subject column, the outcome column. Kept in the trigger's
 * fn_extra for the statement.
 */
typedef struct TriggerPlan
{
	Oid			relid;
	char		table[NAMEDATALEN];
	int			nkeys;
	AttrNumber	key[INDEX_MAX_KEYS];
	FmgrInfo	key_out[INDEX_MAX_KEYS];
	AttrNumber	subject;
	AttrNumber	outcome;
	char		insert_action[DCPF_AUDIT_WORD_MAX];
	AttrNumber	shredded_at;	/* data_key only: an UPDATE that sets it is key_shredded */
	bool		restriction_exempt; /* written also for a person whose processing is restricted */
} TriggerPlan;

/* A column of the trigger's table by name, checking its type. */
static AttrNumber
trigger_column(Relation rel, const char *name, Oid type, const char *what)
{
	int			attnum = get_attnum(RelationGetRelid(rel), name);

	if (attnum == InvalidAttrNumber ||
		TupleDescAttr(RelationGetDescr(rel), attnum - 1)->atttypid != type)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dcpf.audit_trigger on %s: %s column \"%s\" is missing or of the wrong type",
						RelationGetRelationName(rel), what, name),
				 errdetail("The %s column must be of type %s.", what, format_type_be(type))));
	return (AttrNumber) attnum;
}

/*
 * The key columns a trigger argument 'key:a,b' names, instead of all of the
 * primary key's: the keys rewritten for Citus (dcpf.citus_key_commands)
 * append the person to the primary key, and a row is still named by its id.
 * Each must be a column of the primary key, named once.
 */
static void
key_columns(Relation rel, Relation index, const char *spec, TriggerPlan *plan)
{
	char	   *copy = pstrdup(spec);
	char	   *name;
	char	   *save = NULL;
	int			n = 0;

	for (name = strtok_r(copy, ",", &save); name != NULL; name = strtok_r(NULL, ",", &save))
	{
		AttrNumber	a = get_attnum(RelationGetRelid(rel), name);
		bool		in_key = false;
		int			i;

		for (i = 0; a != InvalidAttrNumber && i < index->rd_index->indnkeyatts; i++)
			in_key |= index->rd_index->indkey.values[i] == a;
		for (i = 0; i < n; i++)
			in_key &= plan->key[i] != a;
		if (!in_key)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("dcpf.audit_trigger on %s: key column \"%s\" is not a column of the primary key",
							RelationGetRelationName(rel), name),
					 errdetail("The argument 'key:%s' names the primary key's columns that name a row, each once.", spec)));
		plan->key[n++] = a;
	}
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dcpf.audit_trigger on %s: the argument 'key:' names no column", RelationGetRelationName(rel))));
	plan->nkeys = n;
	pfree(copy);
}

/* Work out (once per statement) how to describe the trigger's rows. */
static TriggerPlan *
trigger_plan(FunctionCallInfo fcinfo, TriggerData *td)
{
	Relation	rel = td->tg_relation;
	Trigger    *tg = td->tg_trigger;
	TriggerPlan *plan = (TriggerPlan *) fcinfo->flinfo->fn_extra;
	Oid			pk;
	Relation	index;
	int			i;
	int			nargs = tg->tgnargs;
	const char *key_spec = NULL;

	if (plan != NULL && plan->relid == RelationGetRelid(rel))
		return plan;
	plan = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(TriggerPlan));
	plan->relid = RelationGetRelid(rel);
	strlcpy(plan->table, dcpf_table_name(rel), sizeof(plan->table));
	/* a last argument 'key:a,b' names the row by those primary key columns */
	if (nargs >= 2 && strncmp(tg->tgargs[nargs - 1], "key:", 4) == 0)
		key_spec = tg->tgargs[--nargs] + 4;
	if (nargs < 1 || nargs > 4 ||
		(nargs == 4 && strcmp(tg->tgargs[3], "restriction_exempt") != 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dcpf.audit_trigger on %s takes one to four arguments, and a key", plan->table),
				 errdetail("subject column or '-', [insert action], [outcome column or '-'], ['restriction_exempt'], "
						   "and last, ['key:' primary key columns naming a row]")));
	if (strcmp(tg->tgargs[0], "-") != 0)
		plan->subject = trigger_column(rel, tg->tgargs[0], UUIDOID, "subject");
	strlcpy(plan->insert_action, nargs >= 2 ? tg->tgargs[1] : "create", sizeof(plan->insert_action));
	if (nargs >= 3 && strcmp(tg->tgargs[2], "-") != 0)
		plan->outcome = trigger_column(rel, tg->tgargs[2], TEXTOID, "outcome");
	plan->restriction_exempt = nargs == 4;
	if (strcmp(plan->table, "data_key") == 0)
		plan->shredded_at = trigger_column(rel, "shredded_at", TIMESTAMPTZOID, "shredded_at");

	pk = RelationGetPrimaryKeyIndex(rel);
	if (!OidIsValid(pk))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("audited table %s has no primary key", plan->table),
				 errdetail("Every audit event names its row by the primary key.")));
	index = index_open(pk, AccessShareLock);
	plan->nkeys = index->rd_index->indnkeyatts;
	for (i = 0; i < plan->nkeys; i++)
		plan->key[i] = index->rd_index->indkey.values[i];
	if (key_spec != NULL)
		key_columns(rel, index, key_spec, plan);
	index_close(index, AccessShareLock);
	for (i = 0; i < plan->nkeys; i++)
	{
		Oid			out;
		bool		varlena;

		getTypeOutputInfo(TupleDescAttr(RelationGetDescr(rel), plan->key[i] - 1)->atttypid, &out, &varlena);
		fmgr_info_cxt(out, &plan->key_out[i], fcinfo->flinfo->fn_mcxt);
	}
	fcinfo->flinfo->fn_extra = plan;
	return plan;
}

/* The row's primary key as text: the value, or a row literal for several columns. */
static void
row_key(TriggerPlan *plan, TupleTableSlot *slot, char *out)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	if (plan->nkeys > 1)
		appendStringInfoChar(&buf, '(');
	for (i = 0; i < plan->nkeys; i++)
	{
		bool		isnull;
		Datum		d = slot_getattr(slot, plan->key[i], &isnull);
		char	   *s = isnull ? "" : OutputFunctionCall(&plan->key_out[i], d);

		if (i > 0)
			appendStringInfoChar(&buf, ',');
		if (plan->nkeys > 1)
		{
			const char *p;

			appendStringInfoChar(&buf, '"');
			for (p = s; *p; p++)
			{
				if (*p == '"' || *p == '\\')
					appendStringInfoChar(&buf, *p);
				appendStringInfoChar(&buf, *p);
			}
			appendStringInfoChar(&buf, '"');
		}
		else
			appendStringInfoString(&buf, s);
	}
	if (plan->nkeys > 1)
		appendStringInfoChar(&buf, ')');
	if (buf.len >= DCPF_AUDIT_KEY_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("primary key of a row of %s too long for the audit trail", plan->table),
				 errdetail("An audit event names its row with at most %d bytes.", DCPF_AUDIT_KEY_MAX - 1)));
	memcpy(out, buf.data, buf.len + 1);
	pfree(buf.data);
}

/* changed plus the columns (attribute numbers) an UPDATE changed in a row. */
static Bitmapset *
changed_set(TupleDesc desc, TupleTableSlot *oldslot, TupleTableSlot *newslot, Bitmapset *changed)
{
	int			i;

	slot_getallattrs(oldslot);
	slot_getallattrs(newslot);
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		bool		on = oldslot->tts_isnull[i];
		bool		nn = newslot->tts_isnull[i];

		if (att->attisdropped || bms_is_member(i + 1, changed))
			continue;
		if (on == nn && (on || datumIsEqual(oldslot->tts_values[i], newslot->tts_values[i],
											 att->attbyval, att->attlen)))
			continue;
		changed = bms_add_member(changed, i + 1);
	}
	return changed;
}

/*
 * An event's detail: for an UPDATE the columns changed (in any of its
 * rows), by name, never by value; for a grouped event the number of rows.
 * {"columns": [...]} or nothing for one row, {"rows": n} or {"rows": n,
 * "columns": [...]} for several.
 */
static void
rows_detail(TupleDesc desc, int nrows, const Bitmapset *changed, bool update, char *out)
{
	StringInfoData buf;
	int			a = -1;
	int			c = 0;

	out[0] = '\0';
	if (nrows == 1 && !update)
		return;
	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	if (nrows > 1)
		appendStringInfo(&buf, "\"rows\": %d", nrows);
	if (update)
	{
		appendStringInfoString(&buf, nrows > 1 ? ", \"columns\": [" : "\"columns\": [");
		while ((a = bms_next_member(changed, a)) >= 0)
		{
			if (c++ > 0)
				appendStringInfoString(&buf, ", ");
			escape_json(&buf, NameStr(TupleDescAttr(desc, a - 1)->attname));
		}
		appendStringInfoChar(&buf, ']');
	}
	appendStringInfoChar(&buf, '}');
	if (buf.len < DCPF_AUDIT_DETAIL_MAX)
		memcpy(out, buf.data, buf.len + 1);
	else if (nrows > 1)
		snprintf(out, DCPF_AUDIT_DETAIL_MAX, "{\"rows\": %d, \"columns_changed\": %d}", nrows, c);
	else
		snprintf(out, DCPF_AUDIT_DETAIL_MAX, "{\"columns_changed\": %d}", c);
	pfree(buf.data);
}

/* {"columns": [...]}: the columns an UPDATE changed in one row. */
static void
changed_columns(TupleDesc desc, TupleTableSlot *oldslot, TupleTableSlot *newslot, char *out)
{
	Bitmapset  *changed = changed_set(desc, oldslot, newslot, NULL);

	rows_detail(desc, 1, changed, true, out);
	bms_free(changed);
}

/* The operation of a trigger event, in words. */
static const char *
action_word(TriggerData *td)
{
	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
		return "insert";
	return TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? "update" : "delete";
}

/* The subject of a row, when the table has a subject column and the row names one. */
static bool
row_subject(TriggerPlan *plan, TupleTableSlot *slot, pg_uuid_t *subject)
{
	bool		isnull;
	Datum		d;

	if (plan->subject == InvalidAttrNumber)
		return false;
	d = slot_getattr(slot, plan->subject, &isnull);
	if (isnull)
		return false;
	*subject = *DatumGetUUIDP(d);
	return true;
}

/*
 * A row of a person whose processing is restricted or whose account is
 * deactivated (the new row's person, or for an UPDATE the old row's) fails
 * the statement (restrict.c).
 */
static void
refuse_if_frozen(TriggerData *td, TriggerPlan *plan, TupleTableSlot *oldslot,
				 bool has_subject, const pg_uuid_t *subject, const char *key)
{
	pg_uuid_t	was;
	int			why = has_subject ? dcpf_frozen_why(subject) : 0;

	if (why != 0)
		dcpf_frozen_refuse(plan->table, key, subject, why, action_word(td));
	if (oldslot && row_subject(plan, oldslot, &was) && (why = dcpf_frozen_why(&was)) != 0)
		dcpf_frozen_refuse(plan->table, key, &was, why, action_word(td));
}

/*
 * Grouped events. A statement that changes more than dcpf.audit_group_rows
 * rows of a table whose primary key is one uuid column is recorded as one
 * event per person (and per DCPF_AUDIT_GROUP_MAX_KEYS rows; more when the
 * groups outgrow work_mem), with the rows'
 * keys in object_keys, their number in detail ("rows") and, for an UPDATE,
 * the columns changed in any of them. An event per row would cost the
 * statement 4-7 us a row (its heap tuple and index entry): several times
 * what the rows themselves cost (bench/README.md, benchmark 6b).
 */
int			dcpf_audit_group_rows = 100;	/* dcpf.audit_group_rows */

/* the rows of one person (or of none) in the statement, not yet written */
typedef struct SubjectGroup
{
	pg_uuid_t	subject;		/* the hash key */
	char		status;			/* simplehash's */
	int			nkeys;
	int			cap;			/* room in keys: grows to DCPF_AUDIT_GROUP_MAX_KEYS */
	pg_uuid_t  *keys;			/* allocated when first needed */
	Bitmapset  *changed;		/* an UPDATE's changed columns (attribute numbers) */
} SubjectGroup;

/*
 * The groups' memory (their entries and keys) is held to work_mem (at
 * least 64 kB): past it, every group is written as it stands and the
 * groups start again, so memory stays bounded however many persons one
 * statement touches; a person's rows then take more than one event.
 */
#define GROUP_MEMORY_MIN (64 * 1024)

static inline uint32
subject_hash(pg_uuid_t u)
{
	uint32		w[4];

	memcpy(w, u.data, UUID_LEN);
	return murmurhash32(w[0] ^ w[1] ^ w[2] ^ w[3]);
}

#define SH_PREFIX subjgrp
#define SH_ELEMENT_TYPE SubjectGroup
#define SH_KEY_TYPE pg_uuid_t
#define SH_KEY subject
#define SH_HASH_KEY(tb, key) subject_hash(key)
#define SH_EQUAL(tb, a, b) (memcmp((a).data, (b).data, UUID_LEN) == 0)
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/* Events of a grouped statement on their way to the log. */
typedef struct GroupWriter
{
	const DcpfAuditEvent *template;
	TupleDesc	desc;
	DcpfAuditEvent *batch;
	pg_uuid_t **keys;			/* the queued events' keys, freed once written */
	int			n;
} GroupWriter;

static void
group_flush(GroupWriter *w)
{
	int			i;

	dcpf_audit_write(w->batch, w->n);
	for (i = 0; i < w->n; i++)
		if (w->keys[i] != NULL)
			pfree(w->keys[i]);
	w->n = 0;
}

/* Queue the event of g's rows so far; g starts again, empty. */
static void
group_emit(GroupWriter *w, bool has_subject, SubjectGroup *g, bool update)
{
	DcpfAuditEvent *ev = &w->batch[w->n];

	memcpy(ev, w->template, sizeof(DcpfAuditEvent));
	ev->has_subject = has_subject;
	if (has_subject)
		ev->subject = g->subject;
	w->keys[w->n] = NULL;
	if (g->nkeys == 1)
	{
		/* a person's one row: the event a row has in a smaller statement */
		char	   *text = DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum(&g->keys[0])));

		strlcpy(ev->object_key, text, sizeof(ev->object_key));
		pfree(text);
		rows_detail(w->desc, 1, g->changed, update, ev->detail);
	}
	else
	{
		/* the event takes the group's keys; the group gets new ones when it next needs them */
		ev->object_keys = g->keys;
		ev->nobject_keys = g->nkeys;
		w->keys[w->n] = g->keys;
		g->keys = NULL;
		g->cap = 0;
		rows_detail(w->desc, g->nkeys, g->changed, update, ev->detail);
	}
	g->nkeys = 0;
	bms_free(g->changed);
	g->changed = NULL;
	if (++w->n == AUDIT_BATCH)
		group_flush(w);
}

/* Queue the events of every group that holds rows. */
static void
group_emit_all(GroupWriter *w, subjgrp_hash *groups, SubjectGroup *nobody, bool update)
{
	subjgrp_iterator it;
	SubjectGroup *g;

	subjgrp_start_iterate(groups, &it);
	while ((g = subjgrp_iterate(groups, &it)) != NULL)
		if (g->nkeys > 0)
			group_emit(w, true, g, update);
	if (nobody->nkeys > 0)
		group_emit(w, false, nobody, update);
}

/*
 * The grouped events of one statement (see above). The checks made for a
 * row are those of the event-per-row path: a row of a person whose
 * processing is restricted fails the statement.
 */
static void
audit_grouped(TriggerData *td, TriggerPlan *plan, Tuplestorestate *rows,
			  Tuplestorestate *old_rows, const DcpfAuditEvent *template, bool check_frozen)
{
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "dcpf audit groups", ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	MemoryContext groups_cxt = AllocSetContextCreate(cxt, "dcpf audit group keys", ALLOCSET_DEFAULT_SIZES);
	subjgrp_hash *groups = subjgrp_create(groups_cxt, 256, NULL);
	Size		budget = Max((Size) work_mem * 1024, GROUP_MEMORY_MIN);
	SubjectGroup nobody;
	GroupWriter w;
	TupleTableSlot *slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	TupleTableSlot *oldslot = old_rows ? MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple) : NULL;
	bool		update = old_rows != NULL;
	Size		used = 0;		/* the groups' memory, about */
	SubjectGroup *g;

	memset(&nobody, 0, sizeof(nobody));
	w.template = template;
	w.desc = desc;
	w.batch = palloc(sizeof(DcpfAuditEvent) * AUDIT_BATCH);
	w.keys = palloc(sizeof(pg_uuid_t *) * AUDIT_BATCH);
	w.n = 0;
	if (old_rows)
		tuplestore_rescan(old_rows);
	tuplestore_rescan(rows);
	while (tuplestore_gettupleslot(rows, true, false, slot))
	{
		bool		isnull;
		Datum		key;
		pg_uuid_t	subject;
		bool		has_subject;

		if (oldslot && !tuplestore_gettupleslot(old_rows, true, false, oldslot))
			elog(ERROR, "transition tables of an UPDATE differ in length");
		key = slot_getattr(slot, plan->key[0], &isnull);
		if (isnull)				/* a primary key column: never */
			elog(ERROR, "row of %s without a primary key", plan->table);
		has_subject = row_subject(plan, slot, &subject);
		if (check_frozen)
		{
			char		text[DCPF_AUDIT_KEY_MAX];

			row_key(plan, slot, text);
			refuse_if_frozen(td, plan, oldslot, has_subject, &subject, text);
		}
		if (has_subject)
		{
			bool		found;

			g = subjgrp_insert(groups, subject, &found);
			if (!found)
			{
				g->nkeys = 0;
				g->cap = 0;
				g->keys = NULL;
				g->changed = NULL;
				used += 2 * sizeof(SubjectGroup);	/* the hash keeps some room */
			}
		}
		else
			g = &nobody;
		if (g->nkeys == g->cap)
		{
			int			cap = g->cap == 0 ? 4 : Min(g->cap * 2, DCPF_AUDIT_GROUP_MAX_KEYS);

			g->keys = g->keys == NULL ? MemoryContextAlloc(groups_cxt, sizeof(pg_uuid_t) * cap)
				: repalloc(g->keys, sizeof(pg_uuid_t) * cap);
			used += sizeof(pg_uuid_t) * (cap - g->cap);
			g->cap = cap;
		}
		g->keys[g->nkeys++] = *DatumGetUUIDP(key);
		if (oldslot)
			g->changed = changed_set(desc, oldslot, slot, g->changed);
		if (g->nkeys == DCPF_AUDIT_GROUP_MAX_KEYS)
		{
			used -= sizeof(pg_uuid_t) * g->cap;	/* the event takes the keys */
			group_emit(&w, has_subject, g, update);
		}
		else if (used >= budget)
		{
			/* write everything held (the queued events refer to the keys), then start again */
			group_emit_all(&w, groups, &nobody, update);
			if (w.n > 0)
				group_flush(&w);
			MemoryContextReset(groups_cxt);
			groups = subjgrp_create(groups_cxt, 256, NULL);
			memset(&nobody, 0, sizeof(nobody));
			used = 0;
		}
	}
	/* what is left of each group */
	group_emit_all(&w, groups, &nobody, update);
	if (w.n > 0)
		group_flush(&w);
	ExecDropSingleTupleTableSlot(slot);
	if (oldslot)
		ExecDropSingleTupleTableSlot(oldslot);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
}

/*
 * dcpf.audit_trigger(subject column | '-', [insert action], [outcome
 * column | '-'], ['restriction_exempt']): AFTER INSERT, UPDATE or DELETE FOR
 * EACH STATEMENT with the transition table(s) of the operation. One event
 * per row. A row of a person whose processing is restricted or whose account
 * is deactivated (old or new, for an UPDATE) makes the statement fail,
 * unless the table is exempt or one of dcpf's own functions that may write
 * it is running (restrict.c).
 */
PG_FUNCTION_INFO_V1(dcpf_audit_trigger);
Datum
dcpf_audit_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	TriggerPlan *plan;
	TupleDesc	desc;
	Tuplestorestate *rows;
	Tuplestorestate *old_rows = NULL;
	TupleTableSlot *slot;
	TupleTableSlot *oldslot = NULL;
	DcpfAuditEvent template;
	DcpfAuditEvent *batch;
	const char *action;
	int			n = 0;
	bool		check_frozen;
	MemoryContext row_cxt;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_STATEMENT(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("dcpf.audit_trigger must be an AFTER … FOR EACH STATEMENT trigger")));
	plan = trigger_plan(fcinfo, td);
	desc = RelationGetDescr(td->tg_relation);
	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
	{
		action = plan->insert_action;
		rows = td->tg_newtable;
	}
	else if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		action = "update";
		rows = td->tg_newtable;
		old_rows = td->tg_oldtable;
	}
	else if (TRIGGER_FIRED_BY_DELETE(td->tg_event))
	{
		action = "delete";
		rows = td->tg_oldtable;
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("dcpf.audit_trigger audits INSERT, UPDATE and DELETE")));
	if (rows == NULL || (TRIGGER_FIRED_BY_UPDATE(td->tg_event) && old_rows == NULL))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("dcpf.audit_trigger on %s needs the transition tables of its operation", plan->table),
				 errhint("Create the triggers with dcpf.audit_table().")));

	/* with no one frozen (the usual case) this costs one test per statement */
	check_frozen = plan->subject != InvalidAttrNumber && !plan->restriction_exempt &&
		!dcpf_restriction_exempt_now() && dcpf_frozen_any();
	dcpf_audit_event_init(&template, action, "success");
	strlcpy(template.object_table, plan->table, sizeof(template.object_table));
	if (dcpf_audit_group_rows > 0 && plan->outcome == InvalidAttrNumber &&
		plan->shredded_at == InvalidAttrNumber && plan->nkeys == 1 &&
		TupleDescAttr(desc, plan->key[0] - 1)->atttypid == UUIDOID &&
		strcmp(action, "login") != 0 &&
		tuplestore_tuple_count(rows) > dcpf_audit_group_rows)
	{
		audit_grouped(td, plan, rows, old_rows, &template, check_frozen);
		return PointerGetDatum(NULL);
	}
	batch = palloc(sizeof(DcpfAuditEvent) * AUDIT_BATCH);
	slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	if (old_rows)
	{
		oldslot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
		tuplestore_rescan(old_rows);
	}
	tuplestore_rescan(rows);
	row_cxt = AllocSetContextCreate(CurrentMemoryContext, "dcpf audit row", ALLOCSET_SMALL_SIZES);
	while (tuplestore_gettupleslot(rows, true, false, slot))
	{
		DcpfAuditEvent *ev = &batch[n];
		MemoryContext old;

		/*
		 * The old row is read here, not in row_cxt: a transition table that
		 * spilled to disk hands back a tuple allocated in the current
		 * context, which the slot frees when it takes the next one.
		 */
		if (oldslot && !tuplestore_gettupleslot(old_rows, true, false, oldslot))
			elog(ERROR, "transition tables of an UPDATE differ in length");
		old = MemoryContextSwitchTo(row_cxt);

		memcpy(ev, &template, sizeof(DcpfAuditEvent));
		row_key(plan, slot, ev->object_key);
		ev->has_subject = row_subject(plan, slot, &ev->subject);
		if (check_frozen)
			refuse_if_frozen(td, plan, oldslot, ev->has_subject, &ev->subject, ev->object_key);
		if (oldslot)
		{
			bool		was_shredded;
			bool		is_shredded;

			changed_columns(desc, oldslot, slot, ev->detail);
			if (plan->shredded_at != InvalidAttrNumber)
			{
				(void) slot_getattr(oldslot, plan->shredded_at, &was_shredded);
				(void) slot_getattr(slot, plan->shredded_at, &is_shredded);
				/* isnull flags: shredded_at went from NULL to a time */
				if (was_shredded && !is_shredded)
					strlcpy(ev->action, "key_shredded", sizeof(ev->action));
			}
		}
		if (plan->outcome != InvalidAttrNumber)
		{
			bool		isnull;
			Datum		d = slot_getattr(slot, plan->outcome, &isnull);
			char	   *value = isnull ? pstrdup("unknown") : TextDatumGetCString(d);

			if (strcmp(value, "success") != 0)
			{
				StringInfoData buf;

				strlcpy(ev->outcome, "failure", sizeof(ev->outcome));
				initStringInfo(&buf);
				appendStringInfoString(&buf, "{\"reason\": ");
				escape_json(&buf, value);
				appendStringInfoChar(&buf, '}');
				if (buf.len < DCPF_AUDIT_DETAIL_MAX)
					memcpy(ev->detail, buf.data, buf.len + 1);
			}
		}
		/* a login is the person's own act, also before any identity exists */
		if (strcmp(ev->action, "login") == 0 && !ev->has_actor && ev->has_subject &&
			strcmp(ev->outcome, "success") == 0)
		{
			ev->has_actor = true;
			ev->actor_person = ev->subject;
		}
		MemoryContextSwitchTo(old);
		MemoryContextReset(row_cxt);
		if (++n == AUDIT_BATCH)
		{
			dcpf_audit_write(batch, n);
			n = 0;
		}
	}
	dcpf_audit_write(batch, n);
	ExecDropSingleTupleTableSlot(slot);
	if (oldslot)
		ExecDropSingleTupleTableSlot(oldslot);
	MemoryContextDelete(row_cxt);
	pfree(batch);
	return PointerGetDatum(NULL);
}

/* dcpf.audit_refuse_change(): audit events are never changed or deleted. */
PG_FUNCTION_INFO_V1(dcpf_audit_refuse_change);
Datum
dcpf_audit_refuse_change(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("dcpf.audit_refuse_change must be called as a trigger")));
	/* one argument names what the table holds: events (the default) or seals */
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("audit %s cannot be %s",
					td->tg_trigger->tgnargs > 0 ? td->tg_trigger->tgargs[0] : "events",
					TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? "changed" :
					TRIGGER_FIRED_BY_DELETE(td->tg_event) ? "deleted" : "truncated"),
			 errdetail("The audit trail is append-only; only the retention job removes events, by dropping an expired month's partition.")));
	PG_RETURN_NULL();
}

/* dcpf.audit_refuse_truncate(): TRUNCATE would remove rows without events. */
PG_FUNCTION_INFO_V1(dcpf_audit_refuse_truncate);
Datum
dcpf_audit_refuse_truncate(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("dcpf.audit_refuse_truncate must be called as a trigger")));
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("TRUNCATE of audited table dcpf.%s is not allowed", dcpf_table_name(td->tg_relation)),
			 errdetail("TRUNCATE removes rows without an audit event for each."),
			 errhint("Use DELETE, which is audited row by row.")));
	PG_RETURN_NULL();
}

/* A new identity reads afresh: its reads are logged again (identity.c). */
void
dcpf_audit_forget_reads(void)
{
	if (reads_this_xact != NULL)
		hash_destroy(reads_this_xact);
	reads_this_xact = NULL;
	nreads_inline = 0;
}

/* Whether this transaction already logged the read; remember it when not. */
static bool
read_seen(const ReadKey *probe, bool remember)
{
	bool		found = false;
	int			i;

	for (i = 0; i < nreads_inline; i++)
		if (memcmp(&reads_inline[i], probe, sizeof(ReadKey)) == 0)
			return true;
	if (reads_this_xact != NULL)
		(void) hash_search(reads_this_xact, probe, remember ? HASH_ENTER : HASH_FIND, &found);
	else if (remember && nreads_inline < READS_INLINE)
		memcpy(&reads_inline[nreads_inline++], probe, sizeof(ReadKey));
	else if (remember)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(ReadKey);
		ctl.entrysize = sizeof(ReadKey);
		ctl.hcxt = TopTransactionContext;
		reads_this_xact = hash_create("dcpf reads this transaction", 256, &ctl,
									  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		(void) hash_search(reads_this_xact, probe, HASH_ENTER, &found);
	}
	return found;
}

void
dcpf_audit_read(const char *table, const char *key, const pg_uuid_t *subject, bool denied,
				const char *detail)
{
	ReadKey		probe;
	DcpfAuditEvent ev;
	pg_uuid_t	person;
	pg_uuid_t	licensee;
	bool		has_licensee;
	const char *role;
	const char *purpose;
	const char *method;

	/* one's own data: not logged */
	if (subject != NULL &&
		dcpf_identity_describe(&person, &has_licensee, &licensee, &role, &purpose, &method) &&
		memcmp(person.data, subject->data, UUID_LEN) == 0)
		return;
	memset(&probe, 0, sizeof(probe));
	strlcpy(probe.table, table, sizeof(probe.table));
	strlcpy(probe.key, key ? key : "", sizeof(probe.key));
	strlcpy(probe.action, denied ? "denied" : "read", sizeof(probe.action));
	if (read_seen(&probe, false))
		return;
	dcpf_audit_event_init(&ev, "read", denied ? "denied" : "success");
	strlcpy(ev.object_table, table, sizeof(ev.object_table));
	strlcpy(ev.object_key, probe.key, sizeof(ev.object_key));
	if (subject)
	{
		ev.has_subject = true;
		ev.subject = *subject;
	}
	if (detail)
		strlcpy(ev.detail, detail, sizeof(ev.detail));
	/* queued first: if this fails, the read fails and nothing is remembered */
	dcpf_audit_enqueue(&ev);
	(void) read_seen(&probe, true);
}

/*
 * dcpf.audit_note(action, object_table, object_key, subject, detail, denied): queue
 * an event of the current identity for a read-type action (read, export,
 * print, audit_read) that happened in SQL code of dcpf. Owner only: the
 * functions that read on someone's behalf call it. A read of a row is logged
 * as dcpf_audit_read logs it (not one's own; once per row and transaction).
 */
PG_FUNCTION_INFO_V1(dcpf_audit_note);
Datum
dcpf_audit_note(PG_FUNCTION_ARGS)
{
	static const char *const allowed[] = {"read", "export", "print", "audit_read"};
	DcpfAuditEvent ev;
	char	   *action;
	bool		denied;
	int			i;
	bool		ok = false;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("an action is required")));
	denied = PG_NARGS() > 5 && !PG_ARGISNULL(5) && PG_GETARG_BOOL(5);
	action = text_to_cstring(PG_GETARG_TEXT_PP(0));
	for (i = 0; i < lengthof(allowed); i++)
		ok |= strcmp(action, allowed[i]) == 0;
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("action \"%s\" cannot be noted", action),
				 errdetail("dcpf.audit_note records read, export, print and audit_read; writes are recorded by the triggers.")));
	dcpf_audit_event_init(&ev, action, "success");
	if (!PG_ARGISNULL(1))
		strlcpy(ev.object_table, text_to_cstring(PG_GETARG_TEXT_PP(1)), sizeof(ev.object_table));
	if (!PG_ARGISNULL(2))
	{
		char	   *key = text_to_cstring(PG_GETARG_TEXT_PP(2));

		if (strlen(key) >= DCPF_AUDIT_KEY_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
					 errmsg("object key too long for the audit trail"),
					 errdetail("An object key has at most %d bytes.", DCPF_AUDIT_KEY_MAX - 1)));
		strlcpy(ev.object_key, key, sizeof(ev.object_key));
	}
	if (!PG_ARGISNULL(3))
	{
		ev.has_subject = true;
		ev.subject = *PG_GETARG_UUID_P(3);
	}
	if (!PG_ARGISNULL(4))
	{
		char	   *detail = DatumGetCString(DirectFunctionCall1(jsonb_out, PG_GETARG_DATUM(4)));

		if (strlen(detail) >= DCPF_AUDIT_DETAIL_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
					 errmsg("audit detail too long"),
					 errdetail("The detail of an event has at most %d bytes of JSON.", DCPF_AUDIT_DETAIL_MAX - 1)));
		strlcpy(ev.detail, detail, sizeof(ev.detail));
	}
	/*
	 * A read of a row goes through the reads of this transaction, like the
	 * C readers: one's own data is not logged, and a row read twice in one
	 * transaction (listed, then decrypted) is logged once.
	 */
	if (strcmp(action, "read") == 0 && ev.object_table[0] != '\0' && ev.object_key[0] != '\0')
		dcpf_audit_read(ev.object_table, ev.object_key, ev.has_subject ? &ev.subject : NULL, denied,
						ev.detail[0] != '\0' ? ev.detail : NULL);
	else if (denied)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("only a read of a row can be noted as denied"),
				 errdetail("Give the action read, an object table and an object key.")));
	else
		dcpf_audit_enqueue(&ev);
	PG_RETURN_VOID();
}
