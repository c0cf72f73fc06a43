/*-------------------------------------------------------------------------
 * jose.c
 *    The SQL functions over the JOSE library (jwk.c, jws.c):
 *    dcpf.jws_verify, dcpf.jws_sign and dcpf.jwk_thumbprint
 *    (sql/015_jose.sql, doc/reference/jose.md), and the mapping of
 *    verification refusals to names, SQLSTATEs and messages.
 *
 * Keys parsed here live in a short-lived memory context, whose deletion
 * releases the OpenSSL keys and wipes the secrets, on success and on error.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "jose.h"

/* A short name of a refusal class, for logs and audit rows. */
const char *
dcpf_jws_refusal_name(DcpfJwsRefusal refusal)
{
	switch (refusal)
	{
		case DCPF_JWS_OK:
			return "ok";
		case DCPF_JWS_MALFORMED:
			return "malformed";
		case DCPF_JWS_TOO_LARGE:
			return "too_large";
		case DCPF_JWS_DUPLICATE_MEMBER:
			return "duplicate_member";
		case DCPF_JWS_UNSUPPORTED_ALG:
			return "unsupported_alg";
		case DCPF_JWS_CRIT:
			return "crit";
		case DCPF_JWS_UNKNOWN_KID:
			return "unknown_kid";
		case DCPF_JWS_KEY_MISMATCH:
			return "key_mismatch";
		case DCPF_JWS_BAD_SIGNATURE:
			return "bad_signature";
	}
	return "unknown";
}

/*
 * The SQLSTATE of a refusal: 22P02 for input that is not a well-formed
 * token, 54000 for one over the size limit, 28000 for a well-formed token
 * that does not authenticate.
 */
int
dcpf_jws_refusal_sqlstate(DcpfJwsRefusal refusal)
{
	switch (refusal)
	{
		case DCPF_JWS_OK:
			return ERRCODE_SUCCESSFUL_COMPLETION;
		case DCPF_JWS_MALFORMED:
		case DCPF_JWS_DUPLICATE_MEMBER:
			return ERRCODE_INVALID_TEXT_REPRESENTATION;
		case DCPF_JWS_TOO_LARGE:
			return ERRCODE_PROGRAM_LIMIT_EXCEEDED;
		case DCPF_JWS_UNSUPPORTED_ALG:
		case DCPF_JWS_CRIT:
		case DCPF_JWS_UNKNOWN_KID:
		case DCPF_JWS_KEY_MISMATCH:
		case DCPF_JWS_BAD_SIGNATURE:
			return ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION;
	}
	return ERRCODE_INTERNAL_ERROR;
}

/* The message of a refusal. */
static const char *
refusal_message(DcpfJwsRefusal refusal)
{
	switch (refusal)
	{
		case DCPF_JWS_OK:
			return "JWS token verified";
		case DCPF_JWS_MALFORMED:
			return "malformed JWS token";
		case DCPF_JWS_TOO_LARGE:
			return "oversized JWS token";
		case DCPF_JWS_DUPLICATE_MEMBER:
			return "duplicate member name in JWS token";
		case DCPF_JWS_UNSUPPORTED_ALG:
			return "unsupported JWS algorithm";
		case DCPF_JWS_CRIT:
			return "unsupported critical JWS header parameter";
		case DCPF_JWS_UNKNOWN_KID:
			return "no matching key for JWS token";
		case DCPF_JWS_KEY_MISMATCH:
			return "key cannot verify this JWS algorithm";
		case DCPF_JWS_BAD_SIGNATURE:
			return "invalid JWS signature";
	}
	return "JWS token refused";
}

/* Raise (or log) a refusal with its SQLSTATE, message and detail. */
void
dcpf_jws_report(int elevel, const DcpfJwsVerifyResult *result)
{
	ereport(elevel,
			(errcode(dcpf_jws_refusal_sqlstate(result->refusal)),
			 errmsg("%s", refusal_message(result->refusal)),
			 result->detail ? errdetail("%s", result->detail) : 0));
}

/* A child of the current context for parsed keys. */
static MemoryContext
jose_key_context(void)
{
	return AllocSetContextCreate(CurrentMemoryContext, "dcpf JOSE keys",
								 ALLOCSET_SMALL_SIZES);
}

/* Build {"header": header, "claims": claims}. */
static Jsonb *
verified_token_jsonb(Jsonb *header, Jsonb *claims)
{
	JsonbParseState *state = NULL;
	JsonbValue	k;
	JsonbValue	v;
	JsonbValue *res;

	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	k.type = jbvString;
	k.val.string.val = "header";
	k.val.string.len = 6;
	pushJsonbValue(&state, WJB_KEY, &k);
	v.type = jbvBinary;
	v.val.binary.data = &header->root;
	v.val.binary.len = VARSIZE(header) - VARHDRSZ;
	pushJsonbValue(&state, WJB_VALUE, &v);
	k.val.string.val = "claims";
	k.val.string.len = 6;
	pushJsonbValue(&state, WJB_KEY, &k);
	v.val.binary.data = &claims->root;
	v.val.binary.len = VARSIZE(claims) - VARHDRSZ;
	pushJsonbValue(&state, WJB_VALUE, &v);
	res = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(res);
}

/* dcpf.jws_verify(token text, jwks jsonb, max_bytes integer): header and claims of a verified token. */
PG_FUNCTION_INFO_V1(dcpf_jws_verify_sql);
Datum
dcpf_jws_verify_sql(PG_FUNCTION_ARGS)
{
	text	   *token = PG_GETARG_TEXT_PP(0);
	Jsonb	   *jwks = PG_GETARG_JSONB_P(1);
	int32		max_bytes = PG_GETARG_INT32(2);
	MemoryContext keycxt;
	MemoryContext oldcxt;
	List	   *keys;
	DcpfJwsVerifyResult result;
	Jsonb	   *out = NULL;

	if (max_bytes <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_bytes must be positive"),
				 errdetail("The limit given was %d.", max_bytes)));

	keycxt = jose_key_context();
	oldcxt = MemoryContextSwitchTo(keycxt);
	keys = dcpf_jwks_parse(jwks, false);
	MemoryContextSwitchTo(oldcxt);

	/* the refusal (detail included) is built in the caller's context */
	if (dcpf_jws_verify(VARDATA_ANY(token), VARSIZE_ANY_EXHDR(token), keys, max_bytes, &result))
		out = verified_token_jsonb(result.header, result.claims);
	MemoryContextDelete(keycxt);
	if (out == NULL)
		dcpf_jws_report(ERROR, &result);
	PG_RETURN_JSONB_P(out);
}

/* dcpf.jws_sign(claims jsonb, jwk jsonb, alg text): a compact JWS of the claims. */
PG_FUNCTION_INFO_V1(dcpf_jws_sign_sql);
Datum
dcpf_jws_sign_sql(PG_FUNCTION_ARGS)
{
	Jsonb	   *claims = PG_GETARG_JSONB_P(0);
	Jsonb	   *jwk = PG_GETARG_JSONB_P(1);
	char	   *alg = text_to_cstring(PG_GETARG_TEXT_PP(2));
	MemoryContext keycxt;
	MemoryContext oldcxt;
	DcpfJwk    *key;
	char	   *claims_text;
	char	   *token;

	if (!JB_ROOT_IS_OBJECT(claims))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid JWT claims"),
				 errdetail("The claims of a JWT are a JSON object.")));
	if (!JB_ROOT_IS_OBJECT(jwk) ||
		getKeyJsonValueFromContainer(&jwk->root, "keys", 4, &(JsonbValue) {0}) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid JSON Web Key"),
				 errdetail("jws_sign takes a single private JWK object, not a key set.")));

	claims_text = JsonbToCString(NULL, &claims->root, VARSIZE(claims));
	keycxt = jose_key_context();
	oldcxt = MemoryContextSwitchTo(keycxt);
	key = dcpf_jwk_parse(&jwk->root, 0, true);
	MemoryContextSwitchTo(oldcxt);
	token = dcpf_jws_sign(claims_text, strlen(claims_text), key, alg, key->kid);
	MemoryContextDelete(keycxt);
	PG_RETURN_TEXT_P(cstring_to_text(token));
}

/* dcpf.jwk_thumbprint(jwk jsonb): the RFC 7638 SHA-256 thumbprint, base64url. */
PG_FUNCTION_INFO_V1(dcpf_jwk_thumbprint_sql);
Datum
dcpf_jwk_thumbprint_sql(PG_FUNCTION_ARGS)
{
	Jsonb	   *jwk = PG_GETARG_JSONB_P(0);
	MemoryContext keycxt = jose_key_context();
	MemoryContext oldcxt = MemoryContextSwitchTo(keycxt);
	char	   *thumbprint = dcpf_jwk_thumbprint(jwk);

	MemoryContextSwitchTo(oldcxt);
	thumbprint = pstrdup(thumbprint);
	MemoryContextDelete(keycxt);
	PG_RETURN_TEXT_P(cstring_to_text(thumbprint));
}
