/*-------------------------------------------------------------------------
 * authenticate.c
 *    dcpf.authenticate: a signed token in, a verified identity out.
 *
 * The order of the checks: size; the issuer named by the (still unverified)
 * payload, only to pick its keys; the signature over header and payload
 * with those keys (jws.c, which also refuses alg none, algorithm
 * confusion, unknown kids and malformed input); then the claims
 * (dcpf.token_verdict: exp, nbf, iat, lifetime, aud, client, subject link,
 * licensee/role/purpose); then the role gate. Nothing is believed before the
 * signature verified. Every refusal clears any previous identity, raises a
 * class 28 error whose statement (holding the token) is kept out of the
 * server log, and logs one line with the reason and the token's hash.
 *
 * A verified token is cached in this backend, keyed by its SHA-256, for
 * dcpf.token_cache_seconds (and never past its exp): the same token again
 * costs a hash lookup. The cache holds only what the identity needs, in
 * TopMemoryContext, at most TOKEN_CACHE_MAX entries (emptied when full).
 * Whatever could change a verdict (issuers, keys, links, memberships,
 * licences, agreements and acceptances, account status) fires a trigger
 * that invalidates dcpf.issuer_key's relcache entry at commit; every backend
 * receives that invalidation and empties its token cache, so a retired key or
 * an ended membership takes effect in all sessions at once. What changes by
 * the clock alone (a membership's valid_until passing, a licence ending, a
 * new agreement version coming into force) caps the entry's lifetime too
 * (dcpf.role_gate_holds_until).
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <openssl/evp.h>

#include "access/xlog.h"
#include "catalog/namespace.h"
#include "commands/trigger.h"
#include "common/jsonapi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
#include "utils/uuid.h"

#include "audit.h"
#include "dcpf.h"
#include "jose.h"

/*
 * SHA-256 of the token: the cache key, and its name in logs and events.
 * The digest is fetched from the provider once per backend: an implicit
 * fetch on every call cost more than the cache lookup it serves.
 */
static void
token_digest(const char *token, int len, unsigned char *digest32)
{
	static EVP_MD *sha256 = NULL;
	unsigned int dlen = 0;

	if (sha256 == NULL)
		sha256 = EVP_MD_fetch(NULL, "SHA2-256", NULL);
	if (sha256 == NULL || !EVP_Digest(token, len, digest32, &dlen, sha256, NULL) || dlen != 32)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not hash the token")));
}

/* The digest as lower-case hex, to name a token in the log without keeping it. */
static char *
digest_hex(const unsigned char *digest32)
{
	static const char hexdigits[] = "0123456789abcdef";
	char	   *hex = palloc(65);
	int			i;

	for (i = 0; i < 32; i++)
	{
		hex[2 * i] = hexdigits[digest32[i] >> 4];
		hex[2 * i + 1] = hexdigits[digest32[i] & 0x0f];
	}
	hex[64] = '\0';
	return hex;
}

#define TOKEN_CACHE_MAX 1024

/* A verified token, remembered by its hash. */
typedef struct TokenCacheEntry
{
	unsigned char hash[32];		/* key: SHA-256 of the token */
	TimestampTz valid_until;
	pg_uuid_t	person;
	bool		has_licensee;
	pg_uuid_t	licensee;
	char		role[64];
	char		purpose[64];
} TokenCacheEntry;

static HTAB *token_cache = NULL;
static Oid	token_cache_anchor = InvalidOid;	/* dcpf.issuer_key */
static bool token_cache_callback_registered = false;

/*
 * Relcache invalidation of the anchor (or of everything) empties the cache,
 * and the anchor is looked up afresh: dropped with the extension and made
 * anew, dcpf.issuer_key has another OID (a backend kept across DROP and
 * CREATE EXTENSION failed every trigger with "cache lookup failed").
 */
static void
token_cache_relcache_callback(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == token_cache_anchor)
	{
		token_cache_anchor = InvalidOid;
		if (token_cache != NULL)
		{
			hash_destroy(token_cache);
			token_cache = NULL;
		}
	}
}

/* Learn the anchor relation and register the callback, once per backend. */
static void
token_cache_prepare(void)
{
	if (!OidIsValid(token_cache_anchor))
		token_cache_anchor = dcpf_relation("issuer_key");
	if (!token_cache_callback_registered)
	{
		CacheRegisterRelcacheCallback(token_cache_relcache_callback, (Datum) 0);
		token_cache_callback_registered = true;
	}
}

/* The cache, created on first use; emptied when it is full. */
static HTAB *
token_cache_table(void)
{
	HASHCTL		ctl;

	if (token_cache != NULL && hash_get_num_entries(token_cache) < TOKEN_CACHE_MAX)
		return token_cache;
	if (token_cache != NULL)
		hash_destroy(token_cache);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = 32;
	ctl.entrysize = sizeof(TokenCacheEntry);
	ctl.hcxt = TopMemoryContext;
	token_cache = hash_create("dcpf verified tokens", TOKEN_CACHE_MAX, &ctl,
							  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	return token_cache;
}

/* A cached, still valid verification of this token, or NULL. */
static TokenCacheEntry *
token_cache_lookup(const unsigned char *digest)
{
	TokenCacheEntry *entry;

	if (dcpf_token_cache_seconds <= 0 || token_cache == NULL)
		return NULL;
	entry = hash_search(token_cache, digest, HASH_FIND, NULL);
	if (entry == NULL)
		return NULL;
	if (GetCurrentTimestamp() >= entry->valid_until)
	{
		hash_search(token_cache, digest, HASH_REMOVE, NULL);
		return NULL;
	}
	return entry;
}

/* Unix epoch seconds as a TimestampTz. */
static TimestampTz
epoch_to_timestamptz(double epoch)
{
	return (TimestampTz) ((epoch - ((POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY)) * USECS_PER_SEC);
}

/*
 * When the role gate may answer differently by the clock alone
 * (dcpf.role_gate_holds_until), or DT_NOEND when nothing is scheduled.
 */
static TimestampTz
role_gate_holds_until(const pg_uuid_t *person, const pg_uuid_t *licensee, const char *role)
{
	Oid			argtypes[3] = {UUIDOID, UUIDOID, TEXTOID};
	Datum		values[3];
	char	   *epoch;

	if (licensee == NULL || role == NULL)
		return DT_NOEND;		/* the person alone: only changes to rows matter */
	values[0] = UUIDPGetDatum(person);
	values[1] = UUIDPGetDatum(licensee);
	values[2] = CStringGetTextDatum(role);
	epoch = dcpf_spi_as_owner("SELECT EXTRACT(epoch FROM dcpf.role_gate_holds_until($1, $2, $3))",
							  3, argtypes, values, NULL, true);
	if (epoch == NULL)
		return DT_NOEND;
	return epoch_to_timestamptz(DatumGetFloat8(DirectFunctionCall1(float8in, CStringGetDatum(epoch))));
}

/*
 * Remember a verified token until the earliest of: now + cache seconds, its
 * exp, and the moment its role gate may change by the clock alone.
 */
static void
token_cache_store(const unsigned char *digest, double exp_epoch, TimestampTz gate_until,
				  const pg_uuid_t *person, const pg_uuid_t *licensee, const char *role,
				  const char *purpose)
{
	TimestampTz until;
	TimestampTz exp_ts;
	TokenCacheEntry *entry;
	bool		found;

	if (dcpf_token_cache_seconds <= 0)
		return;
	token_cache_prepare();
	until = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), (int64) dcpf_token_cache_seconds * 1000);
	exp_ts = epoch_to_timestamptz(exp_epoch);
	if (exp_ts < until)
		until = exp_ts;
	if (gate_until < until)
		until = gate_until;
	if (until <= GetCurrentTimestamp())
		return;
	entry = hash_search(token_cache_table(), digest, HASH_ENTER, &found);
	entry->valid_until = until;
	entry->person = *person;
	entry->has_licensee = licensee != NULL;
	if (licensee)
		entry->licensee = *licensee;
	strlcpy(entry->role, role ? role : "", sizeof(entry->role));
	strlcpy(entry->purpose, purpose ? purpose : "", sizeof(entry->purpose));
}

/*
 * Trigger: something a token verdict depends on changed. Invalidate the
 * anchor's relcache entry; at commit every backend empties its token cache.
 */
PG_FUNCTION_INFO_V1(dcpf_invalidate_token_caches);
Datum
dcpf_invalidate_token_caches(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("dcpf_invalidate_token_caches must be called as a trigger")));
	token_cache_prepare();
	if (OidIsValid(token_cache_anchor))
		CacheInvalidateRelcacheByRelid(token_cache_anchor);
	return PointerGetDatum(NULL);
}

/* Forget every cached token (dcpf.forget_cached_tokens). */
PG_FUNCTION_INFO_V1(dcpf_forget_cached_tokens);
Datum
dcpf_forget_cached_tokens(PG_FUNCTION_ARGS)
{
	if (token_cache != NULL)
	{
		hash_destroy(token_cache);
		token_cache = NULL;
	}
	PG_RETURN_VOID();
}

/*
 * A refused token is an audit event that must outlive the refusal's own
 * rollback: queued (auditq.c), with the token's SHA-256 as reference and the
 * reason and claimed issuer as facts. A standby cannot write the audit
 * trail: there the refusal's line in the server log (refuse) is the record.
 */
static void
log_refusal(const unsigned char *digest, const char *issuer, const char *reason)
{
	DcpfAuditEvent ev;
	StringInfoData buf;

	if (RecoveryInProgress())
		return;
	dcpf_audit_event_init(&ev, "login", "denied");
	strlcpy(ev.reference, digest_hex(digest), sizeof(ev.reference));
	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"reason\": ");
	escape_json(&buf, reason);
	if (issuer != NULL)
	{
		/* the claimed issuer is the caller's text: bounded, escaped */
		appendStringInfoString(&buf, ", \"issuer\": ");
		escape_json(&buf, pnstrdup(issuer, pg_mbcliplen(issuer, strlen(issuer), 120)));
	}
	appendStringInfoChar(&buf, '}');
	if (buf.len < DCPF_AUDIT_DETAIL_MAX)
		memcpy(ev.detail, buf.data, buf.len + 1);
	dcpf_audit_enqueue(&ev);
}

/* Refuse: log one line, raise a class 28 (or given) error, statement hidden. */
static void pg_attribute_noreturn()
refuse(int sqlstate, const unsigned char *digest, const char *issuer, const char *reason,
	   const char *detail)
{
	dcpf_identity_clear();
	log_refusal(digest, issuer, reason);
	ereport(LOG,
			(errmsg("dcpf: authentication refused: %s", reason),
			 errdetail_log("issuer \"%s\", token sha256 %s%s%s", issuer ? issuer : "(unknown)",
						   digest_hex(digest), detail ? ": " : "", detail ? detail : ""),
			 errhidestmt(true)));
	ereport(ERROR,
			(errcode(sqlstate),
			 errmsg("token refused: %s", reason),
			 detail ? errdetail("%s", detail) : 0,
			 errhidestmt(true)));
	pg_unreachable();
}

/* pg_parse_json's scalar callback: note a number jsonb_in may refuse. */
static void
note_wide_number(void *state, char *token, JsonTokenType tokentype)
{
	if (tokentype == JSON_TOKEN_NUMBER && dcpf_json_number_may_overflow(token))
		*(bool *) state = true;
}

/*
 * Parse len bytes of JSON into jsonb without raising; NULL when it is not
 * JSON, or holds a number PostgreSQL cannot store (the token is not
 * verified yet: whatever it holds is refused and logged, never raised).
 */
static Jsonb *
json_to_jsonb_or_null(char *json, int len)
{
	JsonLexContext *lex = makeJsonLexContextCstringLen(json, len, GetDatabaseEncoding(), true);
	JsonSemAction sem = {0};
	bool		wide_number = false;
	char	   *problem;

	sem.semstate = &wide_number;
	sem.scalar = note_wide_number;
	if (pg_parse_json(lex, &sem) != JSON_SUCCESS)
		return NULL;
	return dcpf_jsonb_in_or_null(pnstrdup(json, len), wide_number, &problem);
}

/* A string member of a jsonb object, palloc'd, or NULL. */
static char *
jsonb_string_member(Jsonb *obj, const char *key)
{
	JsonbValue *v;

	if (obj == NULL || !JB_ROOT_IS_OBJECT(obj))
		return NULL;
	v = getKeyJsonValueFromContainer(&obj->root, key, strlen(key), NULL);
	if (v == NULL || v->type != jbvString)
		return NULL;
	return pnstrdup(v->val.string.val, v->val.string.len);
}

/* The iss of a token's payload, read before any verification, or NULL. */
static char *
peek_issuer(const char *token, int len)
{
	const char *dot1 = memchr(token, '.', len);
	const char *dot2;
	unsigned char *payload;
	int			plen;
	const char *reason;

	if (dot1 == NULL)
		return NULL;
	dot2 = memchr(dot1 + 1, '.', token + len - (dot1 + 1));
	if (dot2 == NULL)
		return NULL;
	payload = dcpf_base64url_decode(dot1 + 1, (int) (dot2 - dot1 - 1), &plen, &reason);
	if (payload == NULL || memchr(payload, '\0', plen) != NULL)
		return NULL;
	return jsonb_string_member(json_to_jsonb_or_null((char *) payload, plen), "iss");
}

/*
 * Record an accepted authentication: a row of dcpf.authentication_event, or
 * on a standby, which cannot write it, a line in the server log with the
 * same facts (the identity is not refused: it reads its own data there).
 */
static void
record_authentication(const char *issuer, const char *subject, const pg_uuid_t *person,
					  const pg_uuid_t *licensee, const char *role, const unsigned char *digest)
{
	Oid			argtypes[6] = {TEXTOID, TEXTOID, UUIDOID, UUIDOID, TEXTOID, BYTEAOID};
	Datum		values[6];
	char		nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};
	bytea	   *hash;

	if (RecoveryInProgress())
	{
		char	   *person_text = DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum(person)));
		char	   *licensee_text = licensee == NULL ? "(none)" :
			DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum(licensee)));

		ereport(LOG,
				(errcode(ERRCODE_SUCCESSFUL_COMPLETION),
				 errmsg("dcpf: authenticated on a standby"),
				 errdetail_log("issuer \"%s\", subject \"%s\", person %s, licensee %s, role %s, token sha256 %s",
							   issuer, subject ? subject : "", person_text, licensee_text, role ? role : "(none)",
							   digest_hex(digest)),
				 errhidestmt(true)));
		return;
	}
	hash = palloc(VARHDRSZ + 32);
	SET_VARSIZE(hash, VARHDRSZ + 32);
	memcpy(VARDATA(hash), digest, 32);
	values[0] = CStringGetTextDatum(issuer);
	values[1] = CStringGetTextDatum(subject);
	values[2] = UUIDPGetDatum(person);
	values[3] = licensee ? UUIDPGetDatum(licensee) : (Datum) 0;
	values[4] = role ? CStringGetTextDatum(role) : (Datum) 0;
	values[5] = PointerGetDatum(hash);
	if (!licensee)
		nulls[3] = 'n';
	if (!role)
		nulls[4] = 'n';
	(void) dcpf_spi_as_owner(
		"INSERT INTO dcpf.authentication_event "
		"(issuer, subject, person_id, licensee_id, role_code, token_sha256, client_address, application_name) "
		"VALUES ($1, $2, $3, $4, $5, $6, pg_catalog.inet_client_addr(), "
		"pg_catalog.current_setting('application_name')) RETURNING id",
		6, argtypes, values, nulls, false);
}

/* A uuid member of the verdict, parsed; NULL when absent or JSON null. */
static pg_uuid_t *
verdict_uuid(Jsonb *verdict, const char *key)
{
	char	   *s = jsonb_string_member(verdict, key);

	if (s == NULL)
		return NULL;
	return DatumGetUUIDP(DirectFunctionCall1(uuid_in, CStringGetDatum(s)));
}

/*
 * dcpf.authenticate(token, session_scope): verify and install the identity.
 */
PG_FUNCTION_INFO_V1(dcpf_authenticate);
Datum
dcpf_authenticate(PG_FUNCTION_ARGS)
{
	text	   *token_text;
	const char *token;
	int			len;
	bool		session_scope = PG_ARGISNULL(1) ? false : PG_GETARG_BOOL(1);
	unsigned char digest[32];
	char	   *issuer;
	char	   *config_text;
	Jsonb	   *config;
	char	   *status;
	JsonbValue *keys_value;
	Jsonb	   *jwks;
	List	   *keys;
	DcpfJwsVerifyResult result;
	Oid			argtypes[2] = {TEXTOID, JSONBOID};
	Datum		values[2];
	char	   *verdict_text;
	Jsonb	   *verdict;
	char	   *verdict_code;
	pg_uuid_t  *person;
	pg_uuid_t  *licensee;
	char	   *role;
	char	   *purpose;

	/* an old identity never survives an attempt at a new one */
	dcpf_identity_clear();

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg("token refused: no token")));
	token_text = PG_GETARG_TEXT_PP(0);
	token = VARDATA_ANY(token_text);
	len = VARSIZE_ANY_EXHDR(token_text);
	token_digest(token, len, digest);

	/* seen and verified shortly before: the identity without the checks */
	{
		TokenCacheEntry *hit = token_cache_lookup(digest);

		if (hit != NULL)
		{
			dcpf_identity_set(&hit->person, hit->has_licensee ? &hit->licensee : NULL,
							  hit->role[0] ? hit->role : NULL, hit->purpose[0] ? hit->purpose : NULL,
							  "token", session_scope ? DCPF_SCOPE_SESSION : DCPF_SCOPE_TRANSACTION);
			person = palloc(sizeof(pg_uuid_t));
			*person = hit->person;
			PG_RETURN_UUID_P(person);
		}
	}

	if (len > DCPF_JWS_DEFAULT_MAX_BYTES)
		refuse(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION, digest, NULL, "token too large",
			   psprintf("The token has %d bytes; at most %d are accepted.", len, DCPF_JWS_DEFAULT_MAX_BYTES));

	issuer = peek_issuer(token, len);
	if (issuer == NULL)
		refuse(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION, digest, NULL, "no issuer",
			   "The token is not a compact JWS whose payload is a JSON object with a string \"iss\".");

	values[0] = CStringGetTextDatum(issuer);
	config_text = dcpf_spi_as_owner("SELECT dcpf.issuer_jwks($1)", 1, argtypes, values, NULL, true);
	if (config_text == NULL)
		refuse(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION, digest, issuer, "unknown issuer",
			   "No identity provider with the token's issuer is registered.");
	config = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(config_text)));
	status = jsonb_string_member(config, "status");
	if (status == NULL || strcmp(status, "active") != 0)
		refuse(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION, digest, issuer, "issuer disabled",
			   "The token's identity provider is registered but disabled.");
	keys_value = getKeyJsonValueFromContainer(&config->root, "keys", 4, NULL);
	if (keys_value == NULL || keys_value->type != jbvBinary ||
		JsonContainerSize(keys_value->val.binary.data) == 0)
		refuse(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION, digest, issuer, "issuer has no active key",
			   "Every key of the token's identity provider has been retired.");

	/* {"keys": [...]} as a Jsonb of its own, for the key set parser */
	{
		JsonbValue	keys_pair;
		JsonbParseState *state = NULL;
		JsonbValue *res;

		pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
		keys_pair.type = jbvString;
		keys_pair.val.string.val = "keys";
		keys_pair.val.string.len = 4;
		pushJsonbValue(&state, WJB_KEY, &keys_pair);
		pushJsonbValue(&state, WJB_VALUE, keys_value);
		res = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
		jwks = JsonbValueToJsonb(res);
	}
	keys = dcpf_jwks_parse(jwks, false);

	memset(&result, 0, sizeof(result));
	if (!dcpf_jws_verify(token, len, keys, DCPF_JWS_DEFAULT_MAX_BYTES, &result))
	{
		dcpf_jwks_free(keys);
		refuse(dcpf_jws_refusal_sqlstate(result.refusal), digest, issuer,
			   dcpf_jws_refusal_name(result.refusal), result.detail);
	}

	/* the signature holds: now the claims */
	values[1] = JsonbPGetDatum(result.claims);
	verdict_text = dcpf_spi_as_owner("SELECT dcpf.token_verdict($1, $2)", 2, argtypes, values, NULL, false);
	dcpf_jwks_free(keys);
	if (verdict_text == NULL)
		elog(ERROR, "dcpf.token_verdict returned no verdict");
	verdict = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(verdict_text)));
	verdict_code = jsonb_string_member(verdict, "verdict");
	if (verdict_code == NULL || strcmp(verdict_code, "ok") != 0)
		refuse(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION, digest, issuer,
			   verdict_code ? verdict_code : "no verdict", jsonb_string_member(verdict, "detail"));

	person = verdict_uuid(verdict, "person");
	licensee = verdict_uuid(verdict, "licensee");
	role = jsonb_string_member(verdict, "role");
	purpose = jsonb_string_member(verdict, "purpose");
	if (person == NULL)
		elog(ERROR, "dcpf.token_verdict accepted a token without a person");
	if (role && strlen(role) >= 64)
		refuse(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION, digest, issuer, "malformed_claim",
			   "The \"dcpf_role\" claim is too long.");

	/* the role gate raises its own errors; it clears nothing we set yet */
	dcpf_check_role_gate(person, licensee, role);
	record_authentication(issuer, jsonb_string_member(verdict, "subject"), person, licensee, role, digest);
	{
		JsonbValue *exp = getKeyJsonValueFromContainer(&verdict->root, "exp", 3, NULL);

		if (exp != NULL && exp->type == jbvNumeric && dcpf_token_cache_seconds > 0)
			token_cache_store(digest,
							  DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(exp->val.numeric))),
							  role_gate_holds_until(person, licensee, role),
							  person, licensee, role, purpose);
	}
	dcpf_identity_set(person, licensee, role, purpose, "token",
					  session_scope ? DCPF_SCOPE_SESSION : DCPF_SCOPE_TRANSACTION);
	PG_RETURN_UUID_P(person);
}

/*
 * dcpf.jwks_keys(jwks): the validated keys of a key set, one row each:
 * kid (the RFC 7638 thumbprint when the JWK has none), kty, alg, thumbprint
 * and the JWK itself. Private members are refused.
 */
PG_FUNCTION_INFO_V1(dcpf_jwks_keys);
Datum
dcpf_jwks_keys(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Jsonb	   *jwks = PG_GETARG_JSONB_P(0);
	List	   *keys;
	ListCell   *lc;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	List	   *key_jsons = NIL;
	int			i = 0;

	InitMaterializedSRF(fcinfo, 0);
	keys = dcpf_jwks_parse(jwks, false);

	/* the JWK objects in the same order as the parsed keys */
	if (JB_ROOT_IS_OBJECT(jwks) &&
		getKeyJsonValueFromContainer(&jwks->root, "keys", 4, NULL) != NULL)
	{
		JsonbValue *arr = getKeyJsonValueFromContainer(&jwks->root, "keys", 4, NULL);

		it = JsonbIteratorInit(arr->val.binary.data);
		while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
			if (tok == WJB_ELEM && v.type == jbvBinary)
				key_jsons = lappend(key_jsons, JsonbValueToJsonb(&v));
	}
	else
		key_jsons = list_make1(jwks);

	foreach(lc, keys)
	{
		DcpfJwk    *key = (DcpfJwk *) lfirst(lc);
		Jsonb	   *json = (Jsonb *) list_nth(key_jsons, i++);
		char	   *thumbprint = dcpf_jwk_thumbprint(json);
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};

		values[0] = CStringGetTextDatum(key->kid ? key->kid : thumbprint);
		values[1] = CStringGetTextDatum(dcpf_jwk_type_name(key->kty));
		if (key->alg)
			values[2] = CStringGetTextDatum(key->alg);
		else
			nulls[2] = true;
		values[3] = CStringGetTextDatum(thumbprint);
		values[4] = JsonbPGetDatum(json);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	dcpf_jwks_free(keys);
	return (Datum) 0;
}
