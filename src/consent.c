/*-------------------------------------------------------------------------
 * consent.c
 *    dcpf.has_consent(person, purpose): whether a person's consent for a
 *    purpose is in force, cheap enough for a row-level security policy.
 *
 * The answer is what dcpf.consent says, read as the caller (security
 * invoker: under the caller's row-level security, so it is false for a
 * consent the caller may not see). A policy asks it for every row it
 * filters, and the rows of one person come many at a time, so each call
 * site (the policy's expression in one query) keeps the answers it found,
 * one per person, for as long as they cannot have changed:
 *
 *  - the same snapshot (dcpf_snapshot_key, policy.c: the same xmin, xmax
 *    and number of transactions in progress, and no command of our own
 *    transaction since, so a withdrawal in this transaction shows at the
 *    next statement, as with the SQL function this replaces);
 *  - the same user (row-level security is per user), and
 *  - the same dcpf identity and no transaction boundary (dcpf_keys_epoch
 *    changes with both).
 *
 * Otherwise it asks
 * the table again (a snapshot that is not MVCC is never trusted). STABLE allows the same answer for the same arguments
 * within a statement; this keeps it only where it is certainly the same.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/uuid.h"

#include "dcpf.h"
#include "audit.h"
#include "keys.h"

/* more distinct persons than this in one scan: start over rather than grow */
#define MEMO_MAX_PERSONS 65536

typedef struct ConsentAnswer
{
	pg_uuid_t	person;			/* hash key */
	bool		given;
} ConsentAnswer;

typedef struct ConsentMemo
{
	bool		valid;
	Oid			userid;
	uint64		epoch;
	DcpfSnapshotKey snapshot;
	text	   *purpose;		/* the purpose the answers are for */
	MemoryContext cxt;			/* holds purpose and answers */
	HTAB	   *answers;
	pg_uuid_t	last_person;	/* the last answer, without a hash lookup */
	bool		last_given;
	bool		has_last;
} ConsentMemo;

static DcpfSavedQuery q_has_consent = {
	"SELECT EXISTS (SELECT FROM dcpf.consent c WHERE c.person_id OPERATOR(pg_catalog.=) $1 "
	"AND c.purpose_code OPERATOR(pg_catalog.=) $2 AND c.state OPERATOR(pg_catalog.=) 'given')",
	2, {UUIDOID, TEXTOID}
};

/* Forget the answers unless they still hold for this snapshot, user and identity. */
static void
memo_check(ConsentMemo *memo, text *purpose)
{
	DcpfSnapshotKey snapshot;
	bool		usable = dcpf_snapshot_key(&snapshot);
	bool		same;

	same = memo->valid && usable && dcpf_snapshot_key_equal(&memo->snapshot, &snapshot) &&
		memo->userid == GetUserId() && memo->epoch == dcpf_keys_epoch() &&
		VARSIZE_ANY_EXHDR(memo->purpose) == VARSIZE_ANY_EXHDR(purpose) &&
		memcmp(VARDATA_ANY(memo->purpose), VARDATA_ANY(purpose), VARSIZE_ANY_EXHDR(purpose)) == 0;
	if (same)
		return;
	MemoryContextReset(memo->cxt);
	memo->answers = NULL;
	memo->has_last = false;
	memo->valid = usable;
	if (!memo->valid)
		return;
	memo->snapshot = snapshot;
	memo->userid = GetUserId();
	memo->epoch = dcpf_keys_epoch();
	memo->purpose = (text *) MemoryContextAlloc(memo->cxt, VARSIZE_ANY(purpose));
	memcpy(memo->purpose, purpose, VARSIZE_ANY(purpose));
}

/* The answer of dcpf.consent, as the caller. */
static bool
consent_lookup(pg_uuid_t *person, text *purpose)
{
	Datum		args[2];
	Datum		out[1];
	bool		isnull[1];

	args[0] = UUIDPGetDatum(person);
	args[1] = PointerGetDatum(purpose);
	return dcpf_saved_query(&q_has_consent, false, args, NULL, true, 1, out, isnull) &&
		!isnull[0] && DatumGetBool(out[0]);
}

PG_FUNCTION_INFO_V1(dcpf_has_consent);
Datum
dcpf_has_consent(PG_FUNCTION_ARGS)
{
	ConsentMemo *memo = (ConsentMemo *) fcinfo->flinfo->fn_extra;
	pg_uuid_t  *person;
	text	   *purpose;
	ConsentAnswer *answer;
	bool		found;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_BOOL(false);
	person = PG_GETARG_UUID_P(0);
	purpose = PG_GETARG_TEXT_PP(1);
	/* a restricted or deactivated person's data is not processed (art. 18) */
	if (dcpf_frozen_any() && dcpf_frozen_why(person) != 0)
		PG_RETURN_BOOL(false);
	if (memo == NULL)
	{
		memo = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(ConsentMemo));
		memo->cxt = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt, "dcpf has_consent answers", ALLOCSET_SMALL_SIZES);
		fcinfo->flinfo->fn_extra = memo;
	}
	memo_check(memo, purpose);
	if (!memo->valid)
		PG_RETURN_BOOL(consent_lookup(person, purpose));
	if (memo->has_last && memcmp(memo->last_person.data, person->data, UUID_LEN) == 0)
		PG_RETURN_BOOL(memo->last_given);
	if (memo->answers == NULL || hash_get_num_entries(memo->answers) >= MEMO_MAX_PERSONS)
	{
		HASHCTL		ctl;

		if (memo->answers != NULL)
			hash_destroy(memo->answers);
		ctl.keysize = sizeof(pg_uuid_t);
		ctl.entrysize = sizeof(ConsentAnswer);
		ctl.hcxt = memo->cxt;
		memo->answers = hash_create("dcpf has_consent answers", 256, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	answer = (ConsentAnswer *) hash_search(memo->answers, person, HASH_FIND, NULL);
	if (answer == NULL)
	{
		bool		given = consent_lookup(person, purpose);

		answer = (ConsentAnswer *) hash_search(memo->answers, person, HASH_ENTER, &found);
		answer->given = given;
	}
	memo->last_person = *person;
	memo->last_given = answer->given;
	memo->has_last = true;
	PG_RETURN_BOOL(answer->given);
}
