/*-------------------------------------------------------------------------
 * policy.c
 *    The functions row-level security policies call, beyond the identity
 *    accessors of identity.c.
 *
 * Policies call them directly, not in a subquery: Citus refuses a policy
 * with a subquery on the tables it manages (doc/guides/citus.md), and a
 * direct call of a STABLE function is an index condition, evaluated once
 * per scan, where it is compared with an indexed column. Where policies
 * are OR-ed, or the call takes a column of the row, it runs for every row,
 * so each is made cheap for that:
 *
 *   dcpf.acting_in, dcpf.licensee_if_acting_in
 *       a comparison of strings; the roles of a call site are kept in
 *       fn_extra between calls.
 *   dcpf.my_licensees(), dcpf.my_programmes()
 *       a query, run as the extension owner (they must see memberships
 *       whatever the caller may), whose result is kept until what it read
 *       could have changed: another identity, another transaction, another
 *       command, another transaction ended anywhere (dcpf_snapshot_key), or
 *       a subtransaction rolled back. Within one statement that is once, as
 *       the InitPlan they replace.
 *   dcpf.member_of_my_licensee(person, roles), dcpf.ever_member_of_my_licensee
 *   (person, roles), dcpf.breach_concerns_my_licensee(breach)
 *       one probe of an index under the statement's snapshot, as the
 *       correlated EXISTS they replace, without the executor around it;
 *       past PROBES_BEFORE_SET in one statement, a hash table of the
 *       licensee's members, as the hashed subplan the planner chose for
 *       the EXISTS when it expected many rows. They answer only what the
 *       staff asking may read anyway: the memberships of their own
 *       licensee, the breaches that concern it.
 *
 * All are PARALLEL RESTRICTED, as the identity lives in the leader.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "dcpf.h"
#include "keys.h"

/* ------------------------------------------------------------------------
 * Roles named by a call site
 * ------------------------------------------------------------------------
 */

/* The roles of one call site's text[] argument, kept between calls. */
typedef struct RoleList
{
	bytea	   *array;			/* a copy of the argument, to tell whether it changed */
	int			n;
	text	  **roles;			/* NULL elements left out */
} RoleList;

/* Whether role (NUL-terminated) is the text t. */
static bool
role_is(const char *role, const text *t)
{
	size_t		len = VARSIZE_ANY_EXHDR(t);

	return strlen(role) == len && memcmp(role, VARDATA_ANY(t), len) == 0;
}

/*
 * Bring list up to date with the text[] array, in mcxt: the argument of a
 * call site is nearly always a constant, so this copies it once. True when
 * the list changed.
 */
static bool
role_list_update(RoleList *list, ArrayType *array, MemoryContext mcxt)
{
	MemoryContext old;
	Datum	   *elems;
	bool	   *nulls;
	int			nelems;
	int			i;

	if (list->array != NULL && VARSIZE(list->array) == VARSIZE(array) &&
		memcmp(list->array, array, VARSIZE(array)) == 0)
		return false;
	old = MemoryContextSwitchTo(mcxt);
	if (list->array != NULL)
	{
		pfree(list->array);
		pfree(list->roles);
	}
	list->array = palloc(VARSIZE(array));
	memcpy(list->array, array, VARSIZE(array));
	deconstruct_array((ArrayType *) list->array, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &nelems);
	list->roles = palloc(sizeof(text *) * Max(nelems, 1));
	list->n = 0;
	for (i = 0; i < nelems; i++)
		if (!nulls[i])
			list->roles[list->n++] = DatumGetTextPP(elems[i]);
	MemoryContextSwitchTo(old);
	return true;
}

/* Whether role is one of the list's. */
static bool
role_listed(const RoleList *list, const char *role)
{
	int			i;

	for (i = 0; i < list->n; i++)
		if (role_is(role, list->roles[i]))
			return true;
	return false;
}

/*
 * dcpf.acting_in(role): the identity acts in that role, in a licensee.
 * As current_role() = role AND current_licensee() IS NOT NULL: false
 * without a licensee, NULL when the role or the identity's role is NULL.
 */
PG_FUNCTION_INFO_V1(dcpf_acting_in);
Datum
dcpf_acting_in(PG_FUNCTION_ARGS)
{
	pg_uuid_t	licensee;
	const char *role = dcpf_identity_acting(&licensee);

	if (role == NULL)
		PG_RETURN_BOOL(false);
	if (PG_ARGISNULL(0) || role[0] == '\0')
		PG_RETURN_NULL();
	PG_RETURN_BOOL(role_is(role, PG_GETARG_TEXT_PP(0)));
}

/*
 * dcpf.licensee_if_acting_in(VARIADIC roles): the identity's licensee when
 * its role is one of roles, else NULL (as CASE WHEN current_role() = ANY
 * (roles) THEN current_licensee() END).
 */
PG_FUNCTION_INFO_V1(dcpf_licensee_if_acting_in);
Datum
dcpf_licensee_if_acting_in(PG_FUNCTION_ARGS)
{
	RoleList   *list = (RoleList *) fcinfo->flinfo->fn_extra;
	pg_uuid_t	licensee;
	const char *role = dcpf_identity_acting(&licensee);
	pg_uuid_t  *result;

	if (role == NULL || role[0] == '\0' || PG_ARGISNULL(0))
		PG_RETURN_NULL();
	if (list == NULL)
		fcinfo->flinfo->fn_extra = list = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(RoleList));
	(void) role_list_update(list, PG_GETARG_ARRAYTYPE_P(0), fcinfo->flinfo->fn_mcxt);
	if (!role_listed(list, role))
		PG_RETURN_NULL();
	result = palloc(sizeof(pg_uuid_t));
	*result = licensee;
	PG_RETURN_UUID_P(result);
}

/* ------------------------------------------------------------------------
 * Query results kept while what they read cannot have changed
 * ------------------------------------------------------------------------
 */

/*
 * What an MVCC snapshot sees, told by a few numbers: two snapshots of one
 * transaction with the same xmin, xmax, count of transactions (and
 * subtransactions) in progress and command id see the same rows. A
 * transaction that completed between them lowers the count or raises xmax,
 * and one that began since has an xid at or above xmax, which both treat as
 * in progress; a subtransaction that aborted meanwhile is invisible either
 * way. So statements of one transaction under READ COMMITTED, which take a
 * new snapshot each, share a key while no transaction has ended in
 * between. A snapshot that is not MVCC has no key. Used for what the policy
 * helpers keep here and what dcpf.has_consent keeps (consent.c).
 */
bool
dcpf_snapshot_key(DcpfSnapshotKey *key)
{
	Snapshot	snap;

	if (!ActiveSnapshotSet())
		return false;
	snap = GetActiveSnapshot();
	if (snap->snapshot_type != SNAPSHOT_MVCC)
		return false;
	key->xmin = snap->xmin;
	key->xmax = snap->xmax;
	key->xcnt = snap->xcnt;
	key->subxcnt = snap->subxcnt;
	key->suboverflowed = snap->suboverflowed;
	key->curcid = snap->curcid;
	return true;
}

bool
dcpf_snapshot_key_equal(const DcpfSnapshotKey *a, const DcpfSnapshotKey *b)
{
	return a->xmin == b->xmin && a->xmax == b->xmax && a->xcnt == b->xcnt &&
		a->subxcnt == b->subxcnt && a->suboverflowed == b->suboverflowed && a->curcid == b->curcid;
}

/*
 * What a kept result depends on besides the tables: the identity and the
 * snapshot. Nothing kept outlives its transaction (now(), its writes) or a
 * savepoint rolled back (which may have read its writes): forget_kept lets
 * go of it then.
 */
typedef struct ReadState
{
	uint64		identity;		/* dcpf_identity_version() */
	DcpfSnapshotKey snapshot;
} ReadState;

/* An array of uuids, and the state it was read in, kept in cxt. */
typedef struct KeptIds
{
	bool		valid;
	ReadState	state;
	ArrayType  *ids;
	MemoryContext cxt;
} KeptIds;

static KeptIds kept_licensees;
static KeptIds kept_programmes;

/* The state the current statement reads in; false when nothing may be kept. */
static bool
read_state_now(ReadState *state)
{
	if (!dcpf_snapshot_key(&state->snapshot))
		return false;
	state->identity = dcpf_identity_version();
	return true;
}

static bool
read_state_equal(const ReadState *a, const ReadState *b)
{
	return a->identity == b->identity && dcpf_snapshot_key_equal(&a->snapshot, &b->snapshot);
}

static void member_sets_forget(void);

static void
forget_kept(void)
{
	kept_licensees.valid = false;
	kept_programmes.valid = false;
	member_sets_forget();
	/* the contexts of kept ids stay, empty, for the next transaction */
	if (kept_licensees.cxt != NULL)
		MemoryContextReset(kept_licensees.cxt);
	if (kept_programmes.cxt != NULL)
		MemoryContextReset(kept_programmes.cxt);
}

/* Forget what was kept when a subtransaction rolls back: it may have read its writes. */
static void
policy_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		forget_kept();
}

/* And at the end of every transaction. */
static void
policy_xact_callback(XactEvent event, void *arg)
{
	forget_kept();
}

/* Register the callbacks (from _PG_init). */
void
dcpf_policy_init(void)
{
	RegisterXactCallback(policy_xact_callback, NULL);
	RegisterSubXactCallback(policy_subxact_callback, NULL);
}

/*
 * The queries of dcpf.my_licensees() and dcpf.my_programmes(), run as the
 * extension owner (keys.c: prepared once per session). Every name and
 * operator is qualified, so no search_path changes what they do.
 */
static DcpfSavedQuery q_my_licensees = {
	"SELECT ARRAY(SELECT DISTINCT m.licensee_id FROM dcpf.membership m"
	" WHERE m.person_id OPERATOR(pg_catalog.=) dcpf.current_person()"
	" AND (m.valid_until IS NULL OR m.valid_until OPERATOR(pg_catalog.>) pg_catalog.now()))",
	0, {InvalidOid}
};

static DcpfSavedQuery q_my_programmes = {
	"SELECT ARRAY(SELECT DISTINCT pm.programme_id"
	" FROM dcpf.programme_member pm JOIN dcpf.programme_role r ON r.code OPERATOR(pg_catalog.=) pm.role"
	" WHERE pm.person_id OPERATOR(pg_catalog.=) dcpf.current_person()"
	" AND pm.licensee_id OPERATOR(pg_catalog.=) dcpf.current_licensee()"
	" AND dcpf.current_role() OPERATOR(pg_catalog.=) ANY (r.membership_roles)"
	" AND pm.valid_from OPERATOR(pg_catalog.<=) pg_catalog.now()"
	" AND (pm.valid_until IS NULL OR pm.valid_until OPERATOR(pg_catalog.>) pg_catalog.now())"
	" AND EXISTS (SELECT FROM dcpf.membership m"
	" WHERE m.person_id OPERATOR(pg_catalog.=) pm.person_id AND m.licensee_id OPERATOR(pg_catalog.=) pm.licensee_id"
	" AND m.role_code OPERATOR(pg_catalog.=) dcpf.current_role()"
	" AND m.valid_from OPERATOR(pg_catalog.<=) pg_catalog.now()"
	" AND (m.valid_until IS NULL OR m.valid_until OPERATOR(pg_catalog.>) pg_catalog.now())))",
	0, {InvalidOid}
};

/* Run query (one uuid[]) as the extension owner; its result in the caller's context. */
static ArrayType *
owner_query_ids(DcpfSavedQuery *query)
{
	Datum		out[1];
	bool		isnull[1];

	if (!dcpf_saved_query(query, true, NULL, NULL, true, 1, out, isnull) || isnull[0])
		elog(ERROR, "the query of a policy helper returned no array");
	return DatumGetArrayTypeP(out[0]);
}

/* The result of query for the current state, from kept if still good; a copy in the caller's context. */
static Datum
kept_ids(KeptIds *kept, DcpfSavedQuery *query)
{
	ReadState	now;

	if (!read_state_now(&now))
		return PointerGetDatum(owner_query_ids(query));
	if (!kept->valid || !read_state_equal(&kept->state, &now))
	{
		ArrayType  *ids;

		kept->valid = false;
		if (kept->cxt == NULL)
			kept->cxt = AllocSetContextCreate(TopMemoryContext, "dcpf kept policy ids", ALLOCSET_SMALL_SIZES);
		ids = owner_query_ids(query);
		MemoryContextReset(kept->cxt);
		kept->ids = (ArrayType *) MemoryContextAlloc(kept->cxt, VARSIZE(ids));
		memcpy(kept->ids, ids, VARSIZE(ids));
		kept->state = now;
		kept->valid = true;
		return PointerGetDatum(ids);
	}
	return PointerGetDatum(DatumGetArrayTypePCopy(PointerGetDatum(kept->ids)));
}

/* dcpf.my_licensees(): the licensees of the person's memberships that have not ended. */
PG_FUNCTION_INFO_V1(dcpf_my_licensees);
Datum
dcpf_my_licensees(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(kept_ids(&kept_licensees, &q_my_licensees));
}

/*
 * dcpf.my_programmes(): the programmes of the licensee the identity acts
 * in, of which it is a current member through the role it acts in, with
 * that membership current too.
 */
PG_FUNCTION_INFO_V1(dcpf_my_programmes);
Datum
dcpf_my_programmes(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(kept_ids(&kept_programmes, &q_my_programmes));
}

/* ------------------------------------------------------------------------
 * Probes of one index
 * ------------------------------------------------------------------------
 */

/* A table of dcpf and one of its indexes, found once per call site. */
typedef struct ProbeSite
{
	Oid			heap;
	Oid			index;
	AttrNumber	attnum;			/* the column the probe reads besides the key */
	AttrNumber	attnum2;
	RoleList	roles;
} ProbeSite;

/* Find table, index and the columns read in schema dcpf. */
static void
site_init(ProbeSite *site, const char *table, const char *index, const char *column, const char *column2)
{
	site->heap = dcpf_relation(table);
	site->index = dcpf_relation(index);
	if (!OidIsValid(site->heap) || !OidIsValid(site->index))
		elog(ERROR, "dcpf.%s or its index %s is missing", table, index);
	site->attnum = get_attnum(site->heap, column);
	site->attnum2 = column2 ? get_attnum(site->heap, column2) : InvalidAttrNumber;
	if (site->attnum == InvalidAttrNumber || (column2 && site->attnum2 == InvalidAttrNumber))
		elog(ERROR, "dcpf.%s lacks a column a policy helper reads", table);
}

/* The site of a call site, kept in fn_extra; its table and index are found at its first probe. */
static ProbeSite *
probe_site(FunctionCallInfo fcinfo)
{
	ProbeSite  *site = (ProbeSite *) fcinfo->flinfo->fn_extra;

	if (site == NULL)
		fcinfo->flinfo->fn_extra = site = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(ProbeSite));
	return site;
}

/* The same, ready to probe. */
static ProbeSite *
probe_site_ready(ProbeSite *site, const char *table, const char *index,
				 const char *column, const char *column2)
{
	if (!OidIsValid(site->heap))
		site_init(site, table, index, column, column2);
	return site;
}

typedef bool (*ProbeMatch) (TupleTableSlot *slot, const ProbeSite *site, const void *arg);

/*
 * Whether the index of site holds, for the uuids keys[0..nkeys-1] of its
 * leading columns, a row visible to the current statement that match
 * accepts (a match that accepts none sees every such row). The locks stay
 * until the end of the transaction, as the statement's own would.
 */
static bool
probe(const ProbeSite *site, int nkeys, const pg_uuid_t *keys, ProbeMatch match, const void *arg)
{
	Relation	heap = table_open(site->heap, AccessShareLock);
	Relation	index = index_open(site->index, AccessShareLock);
	Snapshot	snap = ActiveSnapshotSet() ? GetActiveSnapshot() : GetTransactionSnapshot();
	ScanKeyData skey[2];
	IndexScanDesc scan;
	TupleTableSlot *slot;
	bool		found = false;
	int			i;

	Assert(nkeys >= 1 && nkeys <= 2);
	for (i = 0; i < nkeys; i++)
		ScanKeyInit(&skey[i], i + 1, BTEqualStrategyNumber, F_UUID_EQ, UUIDPGetDatum(&keys[i]));
	slot = table_slot_create(heap, NULL);
	scan = index_beginscan(heap, index, snap, nkeys, 0);
	index_rescan(scan, skey, nkeys, NULL, 0);
	while (!found && index_getnext_slot(scan, ForwardScanDirection, slot))
		found = match == NULL || match(slot, site, arg);
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	index_close(index, NoLock);
	table_close(heap, NoLock);
	return found;
}

/* What a membership probe asks: of which licensee, and whether an ended one counts. */
typedef struct MembershipWanted
{
	pg_uuid_t	licensee;
	bool		ended_too;
} MembershipWanted;

/* A membership of the wanted licensee that has not ended (valid_until NULL or later than now()), or any. */
static bool
membership_of(TupleTableSlot *slot, const ProbeSite *site, const void *arg)
{
	const MembershipWanted *wanted = (const MembershipWanted *) arg;
	bool		isnull;
	Datum		value = slot_getattr(slot, site->attnum, &isnull);

	if (isnull || memcmp(DatumGetUUIDP(value), &wanted->licensee, sizeof(pg_uuid_t)) != 0)
		return false;
	if (wanted->ended_too)
		return true;
	value = slot_getattr(slot, site->attnum2, &isnull);
	return isnull || DatumGetTimestampTz(value) > GetCurrentTransactionStartTimestamp();
}

/*
 * A statement that asks about many persons (a list of the licensee's
 * people) would probe the index for each. After PROBES_BEFORE_SET probes in
 * one read state, the licensee's members are read once into a hash table
 * and the rest are answered from it: what the planner did with the EXISTS
 * these functions replace (a hashed subplan) when it expected many rows.
 * Reading the set costs about as much as a probe per membership of the
 * licensee, so a statement pays at most about that on top of its probes.
 */
#define PROBES_BEFORE_SET 1000

typedef struct MemberSet
{
	bool		valid;
	ReadState	state;
	MembershipWanted wanted;
	uint64		probes;			/* made in this state */
	HTAB	   *members;		/* pg_uuid_t keys; NULL until read */
	MemoryContext cxt;			/* holds members; NULL until read */
} MemberSet;

static MemberSet member_sets[2];	/* [ended_too] */

static void
member_set_forget(MemberSet *set)
{
	if (set->cxt != NULL)
		MemoryContextDelete(set->cxt);
	memset(set, 0, sizeof(*set));
}

/* Collect the person of every wanted membership of the licensee into the set. */
static bool
member_set_add(TupleTableSlot *slot, const ProbeSite *site, const void *arg)
{
	const MemberSet *set = (const MemberSet *) arg;
	bool		isnull;
	Datum		person = slot_getattr(slot, site->attnum, &isnull);

	if (isnull)
		return false;
	if (!set->wanted.ended_too)
	{
		Datum		until = slot_getattr(slot, site->attnum2, &isnull);

		if (!isnull && DatumGetTimestampTz(until) <= GetCurrentTransactionStartTimestamp())
			return false;
	}
	(void) hash_search(set->members, DatumGetUUIDP(person), HASH_ENTER, NULL);
	return false;
}

static void
member_set_read(MemberSet *set)
{
	ProbeSite	site;
	HASHCTL		ctl;

	memset(&site, 0, sizeof(site));
	site_init(&site, "membership", "membership_licensee_role_idx", "person_id", "valid_until");
	set->cxt = AllocSetContextCreate(TopMemoryContext, "dcpf members of a licensee", ALLOCSET_DEFAULT_SIZES);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(pg_uuid_t);
	ctl.entrysize = sizeof(pg_uuid_t);
	ctl.hcxt = set->cxt;
	set->members = hash_create("dcpf members of a licensee", 1024, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	PG_TRY();
	{
		(void) probe(&site, 1, &set->wanted.licensee, member_set_add, set);
	}
	PG_CATCH();
	{
		member_set_forget(set);	/* half read: begin again */
		PG_RE_THROW();
	}
	PG_END_TRY();
}

/*
 * Whether person (argument 0) holds a membership of the licensee the
 * identity acts in, when it acts in one of roles (argument 1). The roles
 * must be staff roles that read their licensee's memberships
 * (membership_staff_read), so that the answer is one the caller may read
 * anyway; another role is refused (22023), also when the identity is not
 * acting in it.
 */
static bool
member_of_my_licensee(FunctionCallInfo fcinfo, bool ended_too)
{
	ProbeSite  *site = probe_site(fcinfo);
	MembershipWanted wanted;
	MemberSet  *set = &member_sets[ended_too ? 1 : 0];
	ReadState	now;
	const char *role;
	int			i;

	if (PG_ARGISNULL(1))
		return false;
	/*
	 * checked when the call site's roles change, not for every row (a call
	 * site whose call raised is not called again: the expression is gone)
	 */
	if (role_list_update(&site->roles, PG_GETARG_ARRAYTYPE_P(1), fcinfo->flinfo->fn_mcxt))
		for (i = 0; i < site->roles.n; i++)
		{
			const text *r = site->roles.roles[i];

			if (!role_is("licensee_admin", r) && !role_is("privacy_officer", r))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("role \"%s\" does not read its licensee's memberships", text_to_cstring(r)),
						 errdetail("Only the staff roles licensee_admin and privacy_officer may be asked about.")));
		}
	memset(&wanted, 0, sizeof(wanted));
	role = dcpf_identity_acting(&wanted.licensee);
	if (role == NULL || PG_ARGISNULL(0) || !role_listed(&site->roles, role))
		return false;
	wanted.ended_too = ended_too;
	probe_site_ready(site, "membership", "membership_person_idx", "licensee_id", "valid_until");
	if (!read_state_now(&now))
		return probe(site, 1, PG_GETARG_UUID_P(0), membership_of, &wanted);
	if (!set->valid || !read_state_equal(&set->state, &now) ||
		memcmp(&set->wanted.licensee, &wanted.licensee, sizeof(pg_uuid_t)) != 0)
	{
		member_set_forget(set);
		set->state = now;
		set->wanted = wanted;
		set->valid = true;
	}
	if (set->members == NULL && ++set->probes > PROBES_BEFORE_SET)
		member_set_read(set);
	if (set->members != NULL)
	{
		bool		found;

		(void) hash_search(set->members, PG_GETARG_UUID_P(0), HASH_FIND, &found);
		return found;
	}
	return probe(site, 1, PG_GETARG_UUID_P(0), membership_of, &wanted);
}

/*
 * dcpf.member_of_my_licensee(person, VARIADIC roles): the identity acts in
 * one of roles, and person holds a membership of its licensee that has not
 * ended.
 */
PG_FUNCTION_INFO_V1(dcpf_member_of_my_licensee);
Datum
dcpf_member_of_my_licensee(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(member_of_my_licensee(fcinfo, false));
}

/* dcpf.ever_member_of_my_licensee(person, VARIADIC roles): the same, an ended membership too. */
PG_FUNCTION_INFO_V1(dcpf_ever_member_of_my_licensee);
Datum
dcpf_ever_member_of_my_licensee(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(member_of_my_licensee(fcinfo, true));
}

/*
 * dcpf.breach_concerns_my_licensee(breach): the identity acts as privacy
 * officer of a licensee that breach concerns (a row of breach_controller).
 */
PG_FUNCTION_INFO_V1(dcpf_breach_concerns_my_licensee);
Datum
dcpf_breach_concerns_my_licensee(PG_FUNCTION_ARGS)
{
	pg_uuid_t	keys[2];
	const char *role = dcpf_identity_acting(&keys[1]);
	ProbeSite  *site;

	if (role == NULL || PG_ARGISNULL(0) || strcmp(role, "privacy_officer") != 0)
		PG_RETURN_BOOL(false);
	site = probe_site_ready(probe_site(fcinfo), "breach_controller", "breach_controller_pkey", "licensee_id", NULL);
	keys[0] = *PG_GETARG_UUID_P(0);
	PG_RETURN_BOOL(probe(site, 2, keys, NULL, NULL));
}

/* Let go of the member sets (at the end of a transaction, or when a savepoint rolls back). */
static void
member_sets_forget(void)
{
	member_set_forget(&member_sets[0]);
	member_set_forget(&member_sets[1]);
}
