/*-------------------------------------------------------------------------
 * identity.c
 *    The verified identity of the current request: who the end user is,
 *    in which licensee and role, for which purpose.
 *
 * The identity lives in this backend's private memory, never in a GUC or a
 * table that a session could write. Only C code sets it, after a check:
 * dcpf.act_as (a trusted back-end, member of dcpf_service) here, and token
 * authentication. Everything else reads it through STABLE accessors.
 *
 * Scope: by default the identity belongs to the current transaction and is
 * cleared at commit and abort, so it cannot leak to the next client of a
 * transaction-pooled connection. On request it lasts for the session, until
 * DISCARD ALL, RESET ALL, dcpf.clear_identity() or a new identity. An
 * identity set in a (sub)transaction that aborts is cleared in every scope:
 * the record of how it was established was rolled back with it, so it fails
 * closed.
 *
 * The accessors are PARALLEL RESTRICTED: parallel workers do not share this
 * memory, so expressions that read the identity run in the leader.
 *
 * On the workers of a Citus cluster (dcpf.accept_identity_relay = on), a
 * backend without an identity of its own adopts the one carried by
 * dcpf.identity_relay (relay.c) at its first use in a transaction, once
 * verified; it is then an identity of method "relay" and transaction scope.
 * An identity established in the backend itself always wins over a relay.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/namespace.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "audit.h"
#include "dcpf.h"
#include "keys.h"

#define IDENTITY_NAME_MAX 64

/* The one identity of this backend. */
typedef struct DcpfIdentity
{
	bool		valid;
	DcpfIdentityScope scope;
	pg_uuid_t	person;
	bool		has_licensee;
	pg_uuid_t	licensee;
	char		role[IDENTITY_NAME_MAX];
	char		purpose[IDENTITY_NAME_MAX];
	char		method[IDENTITY_NAME_MAX];	/* act_as, token, DCPF_METHOD_RELAY, … */
	TimestampTz established_at;
	SubTransactionId subid;		/* (sub)transaction that set it */
} DcpfIdentity;

static DcpfIdentity identity;

/* counts the identities this backend has had, for caches keyed by one (policy.c) */
static uint64 identity_version = 0;

/* a relay may have to be adopted, or a relayed identity dropped, at the next use */
static bool relay_pending = true;
static bool relay_resolving = false;

static ProcessUtility_hook_type prev_ProcessUtility = NULL;

/* Forget the identity, whatever its scope. */
void
dcpf_identity_clear(void)
{
	explicit_bzero(&identity, sizeof(identity));
	identity_version++;
	relay_pending = true;
	/* what the old identity could decrypt says nothing about the next one */
	dcpf_keys_forget_permissions();
	/* and what it read was logged as its reads, not the next one's */
	dcpf_audit_forget_reads();
}

/* Install an identity; the caller has verified it. */
void
dcpf_identity_set(const pg_uuid_t *person, const pg_uuid_t *licensee,
				  const char *role, const char *purpose, const char *method,
				  DcpfIdentityScope scope)
{
	dcpf_identity_clear();
	identity.person = *person;
	if (licensee)
	{
		identity.has_licensee = true;
		identity.licensee = *licensee;
	}
	strlcpy(identity.role, role ? role : "", sizeof(identity.role));
	strlcpy(identity.purpose, purpose ? purpose : "", sizeof(identity.purpose));
	strlcpy(identity.method, method, sizeof(identity.method));
	identity.scope = scope;
	identity.established_at = GetCurrentTimestamp();
	identity.subid = GetCurrentSubTransactionId();
	identity.valid = true;
}

/* The relay or its acceptance changed: look again at the next use. */
void
dcpf_identity_relay_changed(void)
{
	relay_pending = true;
}

/*
 * Bring the identity up to date with dcpf.identity_relay before it is read:
 * drop a relayed identity whose relay changed, adopt a relay where relays
 * are accepted and the backend has no identity of its own. A relay that does
 * not verify raises (28000) and stays pending, so every use refuses until it
 * is changed.
 */
static void
identity_resolve(void)
{
	DcpfRelayClaims c;

	if (likely(!relay_pending) || relay_resolving)
		return;
	if (identity.valid && strcmp(identity.method, DCPF_METHOD_RELAY) != 0)
	{
		relay_pending = false;	/* an identity of this backend wins */
		return;
	}
	if (identity.valid)
		dcpf_identity_clear();
	if (!dcpf_accept_identity_relay || dcpf_identity_relay == NULL || dcpf_identity_relay[0] == '\0')
	{
		relay_pending = false;
		return;
	}
	if (!IsTransactionState())
		return;					/* adopted at the first use inside one */
	relay_resolving = true;		/* the key lookup below reads tables whose policies ask for the identity */
	PG_TRY();
	{
		dcpf_relay_accept(dcpf_identity_relay, &c);
	}
	PG_FINALLY();
	{
		relay_resolving = false;
	}
	PG_END_TRY();
	dcpf_identity_set(&c.person, c.has_licensee ? &c.licensee : NULL, c.role, c.purpose, DCPF_METHOD_RELAY,
					  DCPF_SCOPE_TRANSACTION);
	relay_pending = false;
	explicit_bzero(&c, sizeof(c));
}

/* Clear a transaction-scoped identity at the end of its transaction. */
static void
identity_xact_callback(XactEvent event, void *arg)
{
	if (!identity.valid)
		return;
	switch (event)
	{
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			/* whatever its scope: the act that set it was rolled back */
			if (identity.subid != InvalidSubTransactionId)
				dcpf_identity_clear();
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PREPARE:
			if (identity.scope == DCPF_SCOPE_TRANSACTION)
				dcpf_identity_clear();
			else
				identity.subid = InvalidSubTransactionId;	/* now committed */
			break;
		default:
			break;
	}
}

/* Follow the identity through savepoints: cleared when its savepoint aborts. */
static void
identity_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						  SubTransactionId parentSubid, void *arg)
{
	if (!identity.valid || identity.subid != mySubid)
		return;
	if (event == SUBXACT_EVENT_ABORT_SUB)
		dcpf_identity_clear();
	else if (event == SUBXACT_EVENT_COMMIT_SUB)
		identity.subid = parentSubid;
}

/*
 * The parts of the identity in force, for the audit trail; false when there
 * is none. The strings point into backend memory and stay valid until the
 * identity changes.
 */
bool
dcpf_identity_describe(pg_uuid_t *person, bool *has_licensee, pg_uuid_t *licensee,
					   const char **role, const char **purpose, const char **method)
{
	identity_resolve();
	if (!identity.valid)
		return false;
	*person = identity.person;
	*has_licensee = identity.has_licensee;
	*licensee = identity.licensee;
	*role = identity.role;
	*purpose = identity.purpose;
	*method = identity.method;
	return true;
}

/*
 * The application role the identity acts in ("" for none), and its
 * licensee, for the policy helpers (policy.c); NULL without an identity or
 * a licensee. The string stays valid until the identity changes.
 */
const char *
dcpf_identity_acting(pg_uuid_t *licensee)
{
	identity_resolve();
	if (!identity.valid || !identity.has_licensee)
		return NULL;
	*licensee = identity.licensee;
	return identity.role;
}

/* Changes with every change of the identity (for caches keyed by it). */
uint64
dcpf_identity_version(void)
{
	identity_resolve();
	return identity_version;
}

/* Whether a verified identity is in force (for keys.c). */
bool
dcpf_identity_present(void)
{
	identity_resolve();
	return identity.valid;
}

/* DISCARD ALL and RESET ALL also forget a session identity. */
static void
identity_process_utility(PlannedStmt *pstmt, const char *queryString,
						 bool readOnlyTree, ProcessUtilityContext context,
						 ParamListInfo params, QueryEnvironment *queryEnv,
						 DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *node = pstmt->utilityStmt;

	if (IsA(node, DiscardStmt) && ((DiscardStmt *) node)->target == DISCARD_ALL)
		dcpf_identity_clear();
	else if (IsA(node, VariableSetStmt) && ((VariableSetStmt *) node)->kind == VAR_RESET_ALL)
		dcpf_identity_clear();

	if (prev_ProcessUtility)
		prev_ProcessUtility(pstmt, queryString, readOnlyTree, context, params,
							queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context,
								params, queryEnv, dest, qc);
}

/* Register the callbacks and the utility hook (from _PG_init). */
void
dcpf_identity_init(void)
{
	RegisterXactCallback(identity_xact_callback, NULL);
	RegisterSubXactCallback(identity_subxact_callback, NULL);
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = identity_process_utility;
}

/*
 * The owner of schema dcpf, i.e. of the extension, as whom checks run; with
 * missing_ok, InvalidOid where dcpf is not installed.
 */
Oid
dcpf_schema_owner(bool missing_ok)
{
	Oid			nsp = get_namespace_oid("dcpf", missing_ok);
	HeapTuple	tup;
	Oid			owner;

	if (!OidIsValid(nsp))
		return InvalidOid;
	tup = SearchSysCache1(NAMESPACEOID, ObjectIdGetDatum(nsp));
	if (!HeapTupleIsValid(tup))
	{
		if (missing_ok)
			return InvalidOid;
		elog(ERROR, "cache lookup failed for namespace %u", nsp);
	}
	owner = ((Form_pg_namespace) GETSTRUCT(tup))->nspowner;
	ReleaseSysCache(tup);
	return owner;
}

/* The owner of schema dcpf; an error where dcpf is not installed. */
Oid
dcpf_extension_owner(void)
{
	return dcpf_schema_owner(false);
}

/* True when the current user has the privileges of the named role. */
bool
dcpf_current_user_has_role(const char *rolename)
{
	Oid			role = get_role_oid(rolename, true);

	return OidIsValid(role) && has_privs_of_role(GetUserId(), role);
}

/*
 * Become the extension owner with search_path = pg_catalog, pg_temp, as fmgr
 * does for a SECURITY DEFINER function that pins its search_path: the
 * statements run so are constants of ours, and with the caller's path an
 * object the caller made in a schema of its own (an operator = for uuids, a
 * function encode) could stand in for pg_catalog's and run as the owner
 * (CVE-2018-1058). Returns the settings' nest level, for
 * dcpf_owner_context_end after success; on an error the (sub)transaction's
 * abort undoes the setting, and the caller restores the user id.
 */
int
dcpf_owner_context_begin(int save_sec_context)
{
	int			nestlevel;

	SetUserIdAndSecContext(dcpf_extension_owner(), save_sec_context | SECURITY_LOCAL_USERID_CHANGE);
	nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	return nestlevel;
}

void
dcpf_owner_context_end(int nestlevel, Oid save_userid, int save_sec_context)
{
	AtEOXact_GUC(true, nestlevel);
	SetUserIdAndSecContext(save_userid, save_sec_context);
}

/*
 * Run one SQL statement with typed parameters as the extension owner (and
 * search_path pinned, above) and return the first column of its first row
 * as text (palloc'd in the caller's context), or NULL. The statement text
 * is a constant of ours; user values travel only as parameters.
 */
char *
dcpf_spi_as_owner(const char *sql, int nargs, Oid *argtypes, Datum *values,
				  const char *nulls, bool read_only)
{
	Oid			save_userid;
	int			save_sec_context;
	int			nestlevel;
	char	   *volatile result = NULL;
	MemoryContext caller = CurrentMemoryContext;

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	nestlevel = dcpf_owner_context_begin(save_sec_context);
	PG_TRY();
	{
		int			rc;

		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		/* a row limit on a write would skip its AFTER STATEMENT triggers (the audit) */
		rc = SPI_execute_with_args(sql, nargs, argtypes, values, nulls, read_only, read_only ? 1 : 0);
		if (rc < 0)
			elog(ERROR, "SPI_execute_with_args failed: %s", SPI_result_code_string(rc));
		if (SPI_processed > 0 && SPI_tuptable != NULL)
		{
			char	   *value = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);

			if (value)
			{
				MemoryContext spi = MemoryContextSwitchTo(caller);

				result = pstrdup(value);
				MemoryContextSwitchTo(spi);
			}
		}
		SPI_finish();
	}
	PG_CATCH();
	{
		SetUserIdAndSecContext(save_userid, save_sec_context);
		PG_RE_THROW();
	}
	PG_END_TRY();
	dcpf_owner_context_end(nestlevel, save_userid, save_sec_context);
	return result;
}

/*
 * Check that a person may act in a licensee and role now: active account,
 * current membership, active licence, accepted EURA. Raises the error that
 * says what is missing; returns normally when all holds.
 */
void
dcpf_check_role_gate(const pg_uuid_t *person, const pg_uuid_t *licensee, const char *role)
{
	Oid			argtypes[3] = {UUIDOID, UUIDOID, TEXTOID};
	Datum		values[3];
	char	   *verdict;

	char		nulls[3] = {' ', ' ', ' '};

	values[0] = UUIDPGetDatum(person);
	values[1] = licensee ? UUIDPGetDatum(licensee) : (Datum) 0;
	values[2] = role ? CStringGetTextDatum(role) : (Datum) 0;
	if (!licensee)
		nulls[1] = 'n';
	if (!role)
		nulls[2] = 'n';
	verdict = dcpf_spi_as_owner("SELECT dcpf.role_gate($1, $2, $3)", 3, argtypes,
								values, nulls, true);
	if (verdict == NULL)
		elog(ERROR, "dcpf.role_gate returned no verdict");
	if (strcmp(verdict, "ok") == 0)
		return;

	if (strcmp(verdict, "unknown_person") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errhidestmt(true),
				 errmsg("identity refused: unknown person"),
				 errdetail("No person with that id exists.")));
	if (strcmp(verdict, "deactivated") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errhidestmt(true),
				 errmsg("identity refused: account deactivated"),
				 errdetail("A deactivated account cannot act in any role.")));
	if (strcmp(verdict, "no_membership") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errhidestmt(true),
				 errmsg("identity refused: no current membership in role \"%s\"", role),
				 errdetail("The person holds no membership in role \"%s\" of that licensee valid now.", role)));
	if (strcmp(verdict, "no_licence") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errhidestmt(true),
				 errmsg("identity refused: the licensee holds no licence in force"),
				 errdetail("Roles are used through a licence on a product; none is in force now (active, begun, and not past its last day or its end).")));
	if (strncmp(verdict, "no_agreement:", 13) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errhidestmt(true),
				 errmsg("role \"%s\" has no End User Role Agreement in force", role),
				 errdetail("No EURA is published for role \"%s\" in product %s, so the role cannot be used.",
						   role, verdict + 13),
				 errhint("A platform administrator must publish one with dcpf.publish_role_agreement.")));
	if (strncmp(verdict, "not_accepted:", 13) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errhidestmt(true),
				 errmsg("role \"%s\" requires accepting its End User Role Agreement", role),
				 errdetail("The agreement in force has not been accepted by this person."),
				 errhint("Accept %s with dcpf.accept_role_agreement.", verdict + 13)));
	elog(ERROR, "unexpected role gate verdict \"%s\"", verdict);
}

/* Record an assumed identity (dcpf.act_as) in dcpf.identity_assumption. */
static void
record_assumption(const pg_uuid_t *person, const pg_uuid_t *licensee,
				  const char *role, const char *reason, bool session_scope)
{
	Oid			argtypes[6] = {TEXTOID, UUIDOID, UUIDOID, TEXTOID, TEXTOID, BOOLOID};
	Datum		values[6];

	char		nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};

	values[0] = CStringGetTextDatum(GetUserNameFromId(GetUserId(), false));
	values[1] = UUIDPGetDatum(person);
	values[2] = licensee ? UUIDPGetDatum(licensee) : (Datum) 0;
	values[3] = role ? CStringGetTextDatum(role) : (Datum) 0;
	values[4] = CStringGetTextDatum(reason);
	values[5] = BoolGetDatum(session_scope);
	if (!licensee)
		nulls[2] = 'n';
	if (!role)
		nulls[3] = 'n';
	(void) dcpf_spi_as_owner(
		"INSERT INTO dcpf.identity_assumption "
		"(database_role, person_id, licensee_id, role_code, reason, session_scope, client_address, application_name) "
		"VALUES ($1, $2, $3, $4, $5, $6, pg_catalog.inet_client_addr(), "
		"pg_catalog.current_setting('application_name')) RETURNING id",
		6, argtypes, values, nulls, false);
}

/*
 * dcpf.act_as(person, licensee, role, reason, session_scope): for trusted
 * back-ends that authenticated the user themselves. Only members of
 * dcpf_service; the role gate applies; every use is recorded. Without
 * licensee and role the identity is the person alone (own data only).
 */
PG_FUNCTION_INFO_V1(dcpf_act_as);
Datum
dcpf_act_as(PG_FUNCTION_ARGS)
{
	pg_uuid_t  *person;
	pg_uuid_t  *licensee;
	char	   *role;
	char	   *reason;
	bool		session_scope;

	if (!dcpf_current_user_has_role("dcpf_service"))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to assume an identity"),
				 errdetail("Only members of dcpf_service may call dcpf.act_as; role \"%s\" is not one.",
						   GetUserNameFromId(GetUserId(), false)),
				 errhint("Applications prove the user with a token and dcpf.authenticate.")));
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("a person is required")));
	if (PG_ARGISNULL(1) != PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("licensee and role go together"),
				 errdetail("Give both to act in a role, or neither to act only as the person (own data, accepting agreements).")));
	reason = PG_ARGISNULL(3) ? "" : text_to_cstring(PG_GETARG_TEXT_PP(3));
	if (strspn(reason, " \t\r\n") == strlen(reason))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a reason is required to assume an identity"),
				 errdetail("Every use of dcpf.act_as is recorded with its reason.")));

	person = PG_GETARG_UUID_P(0);
	licensee = PG_ARGISNULL(1) ? NULL : PG_GETARG_UUID_P(1);
	role = PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2));
	session_scope = PG_ARGISNULL(4) ? false : PG_GETARG_BOOL(4);

	if (role && strlen(role) >= IDENTITY_NAME_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("role name too long"),
				 errdetail("A role code has at most %d characters.", IDENTITY_NAME_MAX - 1)));

	/* an old identity never survives a failed attempt at a new one */
	dcpf_identity_clear();
	if (RecoveryInProgress())
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("cannot assume an identity on a standby"),
				 errdetail("Every use of dcpf.act_as is recorded in dcpf.identity_assumption, "
						   "and this server is a hot standby, which cannot write it."),
				 errhint("Call dcpf.act_as on the primary, or prove the user with a token: "
						 "dcpf.authenticate works on a standby.")));
	dcpf_check_role_gate(person, licensee, role);
	record_assumption(person, licensee, role, reason, session_scope);
	dcpf_identity_set(person, licensee, role, NULL, "act_as",
					  session_scope ? DCPF_SCOPE_SESSION : DCPF_SCOPE_TRANSACTION);
	PG_RETURN_UUID_P(person);
}

/* dcpf.clear_identity(): forget the current identity. */
PG_FUNCTION_INFO_V1(dcpf_clear_identity);
Datum
dcpf_clear_identity(PG_FUNCTION_ARGS)
{
	dcpf_identity_clear();
	PG_RETURN_VOID();
}

/* dcpf.current_person(): the verified person, or NULL. */
PG_FUNCTION_INFO_V1(dcpf_current_person);
Datum
dcpf_current_person(PG_FUNCTION_ARGS)
{
	pg_uuid_t  *result;

	identity_resolve();
	if (!identity.valid)
		PG_RETURN_NULL();
	result = palloc(sizeof(pg_uuid_t));
	*result = identity.person;
	PG_RETURN_UUID_P(result);
}

/* dcpf.current_licensee(): the active licensee, or NULL. */
PG_FUNCTION_INFO_V1(dcpf_current_licensee);
Datum
dcpf_current_licensee(PG_FUNCTION_ARGS)
{
	pg_uuid_t  *result;

	identity_resolve();
	if (!identity.valid || !identity.has_licensee)
		PG_RETURN_NULL();
	result = palloc(sizeof(pg_uuid_t));
	*result = identity.licensee;
	PG_RETURN_UUID_P(result);
}

/* dcpf.current_role(): the active application role, or NULL. */
PG_FUNCTION_INFO_V1(dcpf_current_role);
Datum
dcpf_current_role(PG_FUNCTION_ARGS)
{
	identity_resolve();
	if (!identity.valid || identity.role[0] == '\0')
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(identity.role));
}

/* dcpf.current_purpose(): the declared purpose of processing, or NULL. */
PG_FUNCTION_INFO_V1(dcpf_current_purpose);
Datum
dcpf_current_purpose(PG_FUNCTION_ARGS)
{
	identity_resolve();
	if (!identity.valid || identity.purpose[0] == '\0')
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(identity.purpose));
}

/* dcpf.identity(): the whole identity as one row (NULLs when none). */
PG_FUNCTION_INFO_V1(dcpf_identity);
Datum
dcpf_identity(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[7];
	bool		nulls[7] = {true, true, true, true, true, true, true};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	identity_resolve();
	if (identity.valid)
	{
		pg_uuid_t  *person = palloc(sizeof(pg_uuid_t));

		*person = identity.person;
		values[0] = UUIDPGetDatum(person);
		nulls[0] = false;
		if (identity.has_licensee)
		{
			pg_uuid_t  *licensee = palloc(sizeof(pg_uuid_t));

			*licensee = identity.licensee;
			values[1] = UUIDPGetDatum(licensee);
			nulls[1] = false;
		}
		if (identity.role[0])
		{
			values[2] = CStringGetTextDatum(identity.role);
			nulls[2] = false;
		}
		if (identity.purpose[0])
		{
			values[3] = CStringGetTextDatum(identity.purpose);
			nulls[3] = false;
		}
		values[4] = CStringGetTextDatum(identity.method);
		nulls[4] = false;
		values[5] = CStringGetTextDatum(identity.scope == DCPF_SCOPE_SESSION ? "session" : "transaction");
		nulls[5] = false;
		values[6] = TimestampTzGetDatum(identity.established_at);
		nulls[6] = false;
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}
