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
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <openssl/evp.h>

#include "common/jsonapi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/tuplestore.h"
#include "utils/uuid.h"

#include "dcpf.h"
#include "jose.h"

/* SHA-256 of the token as hex, to name it in logs without keeping it. */
static char *
token_hash_hex(const char *token, int len, unsigned char *digest32)
{
	unsigned int dlen = 0;
	char	   *hex = palloc(65);
	int			i;

	if (!EVP_Digest(token, len, digest32, &dlen, EVP_sha256(), NULL) || dlen != 32)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not hash the token")));
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", digest32[i]);
	return hex;
}

/* Refuse: log one line, raise a class 28 (or given) error, statement hidden. */
static void pg_attribute_noreturn()
refuse(int sqlstate, const char *hash, const char *issuer, const char *reason,
	   const char *detail)
{
	dcpf_identity_clear();
	ereport(LOG,
			(errmsg("dcpf: authentication refused: %s", reason),
			 errdetail_log("issuer \"%s\", token sha256 %s%s%s", issuer ? issuer : "(unknown)",
						   hash, detail ? ": " : "", detail ? detail : ""),
			 errhidestmt(true)));
	ereport(ERROR,
			(errcode(sqlstate),
			 errmsg("token refused: %s", reason),
			 detail ? errdetail("%s", detail) : 0,
			 errhidestmt(true)));
	pg_unreachable();
}

/* Parse len bytes of JSON into jsonb without raising; NULL when it is not JSON. */
static Jsonb *
json_to_jsonb_or_null(char *json, int len)
{
	JsonLexContext *lex = makeJsonLexContextCstringLen(json, len, GetDatabaseEncoding(), true);

	if (pg_parse_json(lex, &nullSemAction) != JSON_SUCCESS)
		return NULL;
	return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(pnstrdup(json, len))));
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

/* Record an accepted authentication. */
static void
record_authentication(const char *issuer, const char *subject, const pg_uuid_t *person,
					  const pg_uuid_t *licensee, const char *role, const unsigned char *digest)
{
	Oid			argtypes[6] = {TEXTOID, TEXTOID, UUIDOID, UUIDOID, TEXTOID, BYTEAOID};
	Datum		values[6];
	char		nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};
	bytea	   *hash = palloc(VARHDRSZ + 32);

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
	char	   *hash;
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
	hash = token_hash_hex(token, len, digest);

	if (len > DCPF_JWS_DEFAULT_MAX_BYTES)
		refuse(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION, hash, NULL, "token too large",
			   psprintf("The token has %d bytes; at most %d are accepted.", len, DCPF_JWS_DEFAULT_MAX_BYTES));

	issuer = peek_issuer(token, len);
	if (issuer == NULL)
		refuse(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION, hash, NULL, "no issuer",
			   "The token is not a compact JWS whose payload is a JSON object with a string \"iss\".");

	values[0] = CStringGetTextDatum(issuer);
	config_text = dcpf_spi_as_owner("SELECT dcpf.issuer_jwks($1)", 1, argtypes, values, NULL, true);
	if (config_text == NULL)
		refuse(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION, hash, issuer, "unknown issuer",
			   "No identity provider with the token's issuer is registered.");
	config = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(config_text)));
	status = jsonb_string_member(config, "status");
	if (status == NULL || strcmp(status, "active") != 0)
		refuse(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION, hash, issuer, "issuer disabled",
			   "The token's identity provider is registered but disabled.");
	keys_value = getKeyJsonValueFromContainer(&config->root, "keys", 4, NULL);
	if (keys_value == NULL || keys_value->type != jbvBinary ||
		JsonContainerSize(keys_value->val.binary.data) == 0)
		refuse(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION, hash, issuer, "issuer has no active key",
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
		refuse(dcpf_jws_refusal_sqlstate(result.refusal), hash, issuer,
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
		refuse(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION, hash, issuer,
			   verdict_code ? verdict_code : "no verdict", jsonb_string_member(verdict, "detail"));

	person = verdict_uuid(verdict, "person");
	licensee = verdict_uuid(verdict, "licensee");
	role = jsonb_string_member(verdict, "role");
	purpose = jsonb_string_member(verdict, "purpose");
	if (person == NULL)
		elog(ERROR, "dcpf.token_verdict accepted a token without a person");
	if (role && strlen(role) >= 64)
		refuse(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION, hash, issuer, "malformed_claim",
			   "The \"dcpf_role\" claim is too long.");

	/* the role gate raises its own errors; it clears nothing we set yet */
	dcpf_check_role_gate(person, licensee, role);
	record_authentication(issuer, jsonb_string_member(verdict, "subject"), person, licensee, role, digest);
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
