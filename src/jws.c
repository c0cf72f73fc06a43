/*-------------------------------------------------------------------------
 * jws.c
 *    JSON Web Signatures in compact serialization (RFC 7515): verification
 *    against a parsed key set, and signing with a private JWK.
 *
 * Verification, in order: size limit; exactly three base64url parts
 * (strict: no padding, no whitespace, canonical last character); the
 * header as a JSON object without duplicate member names (RFC 7515 section
 * 4: must be rejected), read by PostgreSQL's JSON parser with a semantic
 * action; alg required, supported and not "none"; no crit (dcpf
 * understands no extension); key selection by kid (or the one key that
 * fits when there is no kid); the confusion rules of dcpf_jwk_fits_alg;
 * the signature over ASCII(header '.' payload); only then the payload, as
 * a JSON object without duplicates. Unauthenticated bytes never reach
 * jsonb_in: the header is converted to jsonb only after the signature
 * verified. No claim (exp, nbf, iss, aud, ...) is looked at.
 *
 * OpenSSL objects are freed before any ereport; failures of OpenSSL on
 * attacker-controlled input (a signature that does not parse) count as a
 * bad signature, and the OpenSSL error queue is cleared.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "access/xact.h"
#include "common/jsonapi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/resowner.h"

#include "jose.h"

/* JSON in a token may not nest deeper than this (keeps the parser's recursion small). */
#define JWS_MAX_JSON_DEPTH 64

/* Algorithm families: which key type and which OpenSSL operation. */
typedef enum AlgFamily
{
	FAMILY_HMAC,
	FAMILY_RSA_PKCS1,
	FAMILY_RSA_PSS,
	FAMILY_ECDSA,
	FAMILY_EDDSA
} AlgFamily;

typedef struct JwsAlg
{
	const char *name;			/* as in the header, case-sensitive */
	AlgFamily	family;
	const char *md;				/* OpenSSL digest name; NULL for EdDSA */
	int			size;			/* digest bytes; ECDSA: bytes of r and of s */
	const char *crv;			/* ECDSA, EdDSA: the only curve */
} JwsAlg;

static const JwsAlg jws_algs[] = {
	{"HS256", FAMILY_HMAC, "SHA256", 32, NULL},
	{"HS384", FAMILY_HMAC, "SHA384", 48, NULL},
	{"HS512", FAMILY_HMAC, "SHA512", 64, NULL},
	{"RS256", FAMILY_RSA_PKCS1, "SHA256", 32, NULL},
	{"RS384", FAMILY_RSA_PKCS1, "SHA384", 48, NULL},
	{"RS512", FAMILY_RSA_PKCS1, "SHA512", 64, NULL},
	{"PS256", FAMILY_RSA_PSS, "SHA256", 32, NULL},
	{"PS384", FAMILY_RSA_PSS, "SHA384", 48, NULL},
	{"PS512", FAMILY_RSA_PSS, "SHA512", 64, NULL},
	{"ES256", FAMILY_ECDSA, "SHA256", 32, "P-256"},
	{"ES384", FAMILY_ECDSA, "SHA384", 48, "P-384"},
	{"EdDSA", FAMILY_EDDSA, NULL, 64, "Ed25519"},
};

#define JWS_ALG_LIST "HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384 and EdDSA"

/* What the strict JSON reader collects. */
typedef struct StrictJson
{
	int			depth;
	bool		root_object;	/* the first structure opened is an object */
	List	   *names;			/* stack (innermost first) of lists of member names */
	char	   *duplicate;		/* the first repeated member name */
	char	   *field;			/* the current member name at depth 1 */
	bool		has_alg;
	bool		has_kid;
	bool		has_crit;
	char	   *alg;			/* top-level "alg" when a string */
	char	   *kid;			/* top-level "kid" when a string */
	bool		wide_number;	/* a number numeric_in may refuse */
} StrictJson;

/* The algorithm called name, or NULL. */
static const JwsAlg *
jws_alg_find(const char *name)
{
	int			i;

	for (i = 0; i < lengthof(jws_algs); i++)
		if (strcmp(jws_algs[i].name, name) == 0)
			return &jws_algs[i];
	return NULL;
}

/* true for the algorithm names dcpf verifies and signs. */
bool
dcpf_jws_alg_supported(const char *alg)
{
	return jws_alg_find(alg) != NULL;
}

/* The confusion rules (see jose.h). */
bool
dcpf_jwk_fits_alg(const DcpfJwk *key, const char *alg, const char **why)
{
	const JwsAlg *a = jws_alg_find(alg);
	const char *kty = dcpf_jwk_type_name(key->kty);
	bool		fits;

	if (a == NULL)
	{
		*why = psprintf("\"%s\" is not a supported algorithm.", alg);
		return false;
	}
	switch (a->family)
	{
		case FAMILY_HMAC:
			fits = key->kty == DCPF_JWK_OCT;
			break;
		case FAMILY_RSA_PKCS1:
		case FAMILY_RSA_PSS:
			fits = key->kty == DCPF_JWK_RSA;
			break;
		case FAMILY_ECDSA:
			fits = key->kty == DCPF_JWK_EC && strcmp(key->crv, a->crv) == 0;
			break;
		case FAMILY_EDDSA:
			fits = key->kty == DCPF_JWK_OKP && strcmp(key->crv, a->crv) == 0;
			break;
		default:
			fits = false;
	}
	if (!fits)
	{
		if (key->crv != NULL)
			*why = psprintf("an %s key on %s cannot be used with %s.", kty, key->crv, alg);
		else
			*why = psprintf("an %s key cannot be used with %s.", kty, alg);
		return false;
	}
	if (a->family == FAMILY_HMAC && key->secret_len < a->size)
	{
		*why = psprintf("the oct key has %d bytes; %s needs at least %d.",
						key->secret_len, alg, a->size);
		return false;
	}
	if (key->alg != NULL && strcmp(key->alg, alg) != 0)
	{
		*why = psprintf("the key is restricted to %s by its \"alg\" member.", key->alg);
		return false;
	}
	return true;
}

/* Semantic action: an object opens. */
static void
sj_object_start(void *state)
{
	StrictJson *sj = (StrictJson *) state;

	if (sj->depth == 0)
		sj->root_object = true;
	sj->depth++;
	sj->names = lcons(NIL, sj->names);
}

/* Semantic action: an object closes. */
static void
sj_object_end(void *state)
{
	StrictJson *sj = (StrictJson *) state;

	sj->depth--;
	list_free(linitial(sj->names));
	sj->names = list_delete_first(sj->names);
}

/* Semantic action: an array opens. */
static void
sj_array_start(void *state)
{
	((StrictJson *) state)->depth++;
}

/* Semantic action: an array closes. */
static void
sj_array_end(void *state)
{
	((StrictJson *) state)->depth--;
}

/* Semantic action: a member name (de-escaped); catch duplicates. */
static void
sj_field_start(void *state, char *fname, bool isnull)
{
	StrictJson *sj = (StrictJson *) state;
	List	   *seen = linitial(sj->names);
	int			i;

	if (sj->duplicate == NULL)
	{
		for (i = 0; i < list_length(seen); i++)
		{
			if (strcmp((char *) list_nth(seen, i), fname) == 0)
			{
				sj->duplicate = fname;
				break;
			}
		}
	}
	linitial(sj->names) = lappend(seen, fname);

	if (sj->depth == 1)
	{
		sj->field = fname;
		if (strcmp(fname, "alg") == 0)
			sj->has_alg = true;
		else if (strcmp(fname, "kid") == 0)
			sj->has_kid = true;
		else if (strcmp(fname, "crit") == 0)
			sj->has_crit = true;
	}
}

/* Semantic action: a scalar; keep top-level alg and kid when strings. */
static void
sj_scalar(void *state, char *token, JsonTokenType tokentype)
{
	StrictJson *sj = (StrictJson *) state;

	if (tokentype == JSON_TOKEN_NUMBER && dcpf_json_number_may_overflow(token))
		sj->wide_number = true;
	if (sj->depth != 1 || !sj->root_object || sj->field == NULL ||
		tokentype != JSON_TOKEN_STRING)
		return;
	if (strcmp(sj->field, "alg") == 0)
		sj->alg = token;
	else if (strcmp(sj->field, "kid") == 0)
		sj->kid = token;
}

/* An attacker-chosen header string, clipped for an error detail. */
static const char *
clip(const char *s)
{
	int			len = strlen(s);

	if (len <= 64)
		return s;
	return psprintf("%s...", pnstrdup(s, pg_mbcliplen(s, len, 64)));
}

/*
 * Whether numeric_in, and so jsonb_in, may refuse a JSON number (22003,
 * "value overflows numeric format"): one with an exponent (1e700000000) or
 * so long that its scale may pass numeric's limit. Other numbers always fit.
 */
bool
dcpf_json_number_may_overflow(const char *token)
{
	return strpbrk(token, "eE") != NULL || strlen(token) > 1000;
}

/*
 * jsonb of JSON text that pg_parse_json accepted. Without a number that may
 * not fit (dcpf_json_number_may_overflow), straight from jsonb_in; with one,
 * in a subtransaction, so that a refusal leaves nothing behind: NULL, and
 * *problem the message, when jsonb_in refuses it with a data exception (a
 * number outside numeric's range).
 */
Jsonb *
dcpf_jsonb_in_or_null(const char *json, bool may_overflow, char **problem)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	Jsonb	   *volatile result = NULL;

	if (!may_overflow)
		return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(json)));
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		result = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(json)));
		ReleaseCurrentSubTransaction();
	}
	PG_CATCH();
	{
		ErrorData  *e;

		MemoryContextSwitchTo(cxt);
		e = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		if (ERRCODE_TO_CATEGORY(e->sqlerrcode) != ERRCODE_DATA_EXCEPTION)
			ReThrowError(e);
		*problem = e->message;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(cxt);
	CurrentResourceOwner = owner;
	return result;
}

/* Nesting depth of JSON text, brackets inside strings not counted. */
static int
json_max_depth(const char *s, int len)
{
	int			depth = 0;
	int			max = 0;
	bool		in_string = false;
	int			i;

	for (i = 0; i < len; i++)
	{
		char		c = s[i];

		if (in_string)
		{
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
		}
		else if (c == '"')
			in_string = true;
		else if (c == '{' || c == '[')
			max = Max(max, ++depth);
		else if (c == '}' || c == ']')
			depth--;
	}
	return max;
}

/*
 * Read UTF-8 JSON text (NUL-terminated, len bytes) that must be an object
 * without duplicate member names. On success returns DCPF_JWS_OK and sets
 * *server_text to the text in the server encoding; otherwise a refusal
 * with *detail naming the part.
 */
static DcpfJwsRefusal
strict_json_object(const char *utf8, int len, const char *part, StrictJson *sj,
				   char **server_text, char **detail)
{
	JsonSemAction sem = {0};
	JsonLexContext *lex;
	JsonParseErrorType err;
	char	   *text;

	memset(sj, 0, sizeof(StrictJson));
	if (!pg_verify_mbstr(PG_UTF8, utf8, len, true))
	{
		*detail = psprintf("The %s is not valid UTF-8.", part);
		return DCPF_JWS_MALFORMED;
	}
	if (json_max_depth(utf8, len) > JWS_MAX_JSON_DEPTH)
	{
		*detail = psprintf("The %s nests JSON deeper than %d levels.", part, JWS_MAX_JSON_DEPTH);
		return DCPF_JWS_MALFORMED;
	}
	/* a copy, NUL-terminated, also when no conversion is needed */
	text = pg_any_to_server(utf8, len, PG_UTF8);
	if (text == utf8)
		text = pnstrdup(utf8, len);

	sem.semstate = sj;
	sem.object_start = sj_object_start;
	sem.object_end = sj_object_end;
	sem.array_start = sj_array_start;
	sem.array_end = sj_array_end;
	sem.object_field_start = sj_field_start;
	sem.scalar = sj_scalar;
	lex = makeJsonLexContextCstringLen(text, strlen(text), GetDatabaseEncoding(), true);
	err = pg_parse_json(lex, &sem);
	if (err != JSON_SUCCESS)
	{
		*detail = psprintf("The %s is not valid JSON. %s", part, json_errdetail(err, lex));
		return DCPF_JWS_MALFORMED;
	}
	if (!sj->root_object)
	{
		*detail = psprintf("The %s is not a JSON object.", part);
		return DCPF_JWS_MALFORMED;
	}
	if (sj->duplicate != NULL)
	{
		*detail = psprintf("The %s has the member \"%s\" more than once.", part, clip(sj->duplicate));
		return DCPF_JWS_DUPLICATE_MEMBER;
	}
	*server_text = text;
	return DCPF_JWS_OK;
}

/* Record a refusal; returns false for the caller to return. */
static bool
refuse(DcpfJwsVerifyResult *result, DcpfJwsRefusal refusal, char *detail)
{
	result->refusal = refusal;
	result->detail = detail;
	return false;
}

/* Set the RSA padding of a sign or verify context; false on failure. */
static bool
set_rsa_padding(EVP_PKEY_CTX *pctx, const JwsAlg *a)
{
	if (a->family == FAMILY_RSA_PKCS1)
		return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) > 0;
	if (a->family == FAMILY_RSA_PSS)
		return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
			EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) > 0 &&
			EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, a->md, NULL) > 0;
	return true;
}

/* JOSE r||s (2 * size bytes) as a DER ECDSA-Sig-Value, OPENSSL_malloc'd; NULL on failure. */
static unsigned char *
ecdsa_raw_to_der(const unsigned char *sig, int size, int *derlen)
{
	ECDSA_SIG  *es = ECDSA_SIG_new();
	BIGNUM	   *r = BN_bin2bn(sig, size, NULL);
	BIGNUM	   *s = BN_bin2bn(sig + size, size, NULL);
	unsigned char *der = NULL;

	if (es == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(es, r, s) != 1)
	{
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(es);
		return NULL;
	}
	/* es owns r and s now */
	*derlen = i2d_ECDSA_SIG(es, &der);
	ECDSA_SIG_free(es);
	if (*derlen <= 0)
	{
		OPENSSL_free(der);
		return NULL;
	}
	return der;
}

/*
 * Check a signature with the key's EVP_PKEY: 1 verified, 0 not. Any OpenSSL
 * failure counts as not verified (the signature may be garbage).
 */
static int
pkey_verify(const JwsAlg *a, EVP_PKEY *pkey, const char *input, int inlen,
			const unsigned char *sig, int siglen)
{
	EVP_MD_CTX *ctx;
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char *der = NULL;
	int			derlen = 0;
	int			rc = 0;

	if (a->family == FAMILY_ECDSA)
	{
		der = ecdsa_raw_to_der(sig, a->size, &derlen);
		if (der == NULL)
		{
			ERR_clear_error();
			return 0;
		}
		sig = der;
		siglen = derlen;
	}
	ctx = EVP_MD_CTX_new();
	if (ctx != NULL &&
		EVP_DigestVerifyInit_ex(ctx, &pctx, a->md, NULL, NULL, pkey, NULL) == 1 &&
		set_rsa_padding(pctx, a))
		rc = EVP_DigestVerify(ctx, sig, siglen, (const unsigned char *) input, inlen) == 1;
	EVP_MD_CTX_free(ctx);
	OPENSSL_free(der);
	ERR_clear_error();
	return rc;
}

/* HMAC of input with an oct key into mac (EVP_MAX_MD_SIZE); false on failure. */
static bool
hmac_compute(const JwsAlg *a, const DcpfJwk *key, const char *input, int inlen,
			 unsigned char *mac, size_t *maclen)
{
	if (EVP_Q_mac(NULL, "HMAC", NULL, a->md, NULL, key->secret, key->secret_len,
				  (const unsigned char *) input, inlen, mac, EVP_MAX_MD_SIZE, maclen) == NULL)
	{
		ERR_clear_error();
		return false;
	}
	return true;
}

/* Pick the key for a header (see the file header); NULL with a refusal recorded. */
static const DcpfJwk *
select_key(List *keys, const char *alg, const char *kid, DcpfJwsVerifyResult *result)
{
	const char *why;
	const DcpfJwk *found = NULL;
	int			fitting = 0;
	int			i;

	if (kid != NULL)
	{
		for (i = 0; i < list_length(keys); i++)
		{
			const DcpfJwk *key = list_nth(keys, i);

			if (key->kid != NULL && strcmp(key->kid, kid) == 0)
				found = key;
		}
		if (found == NULL)
		{
			refuse(result, DCPF_JWS_UNKNOWN_KID,
				   psprintf("No key in the key set has kid \"%s\".", clip(kid)));
			return NULL;
		}
		if (!dcpf_jwk_fits_alg(found, alg, &why))
		{
			refuse(result, DCPF_JWS_KEY_MISMATCH,
				   psprintf("The token's alg is %s, and its kid \"%s\" picks a key that does not fit: %s",
							alg, clip(kid), why));
			return NULL;
		}
		return found;
	}

	for (i = 0; i < list_length(keys); i++)
	{
		const DcpfJwk *key = list_nth(keys, i);

		if (dcpf_jwk_fits_alg(key, alg, &why))
		{
			found = key;
			fitting++;
		}
	}
	if (fitting == 0)
	{
		refuse(result, DCPF_JWS_KEY_MISMATCH,
			   psprintf("The token has no kid and no key in the key set can verify %s.", alg));
		return NULL;
	}
	if (fitting > 1)
	{
		refuse(result, DCPF_JWS_UNKNOWN_KID,
			   psprintf("The token has no kid and %d keys in the key set can verify %s; a kid must pick one.",
						fitting, alg));
		return NULL;
	}
	return found;
}

/* Decode one part of the token; NULL with a refusal recorded. */
static unsigned char *
decode_part(const char *start, int len, const char *part, int *outlen,
			DcpfJwsVerifyResult *result)
{
	const char *reason = NULL;
	unsigned char *bytes;

	/* an empty signature is an unsecured token: refused after the alg check */
	if (len == 0 && strcmp(part, "signature") != 0)
	{
		refuse(result, DCPF_JWS_MALFORMED, psprintf("The %s is empty.", part));
		return NULL;
	}
	bytes = dcpf_base64url_decode(start, len, outlen, &reason);
	if (bytes == NULL)
		refuse(result, DCPF_JWS_MALFORMED,
			   psprintf("The %s is not valid base64url: %s.", part, reason));
	return bytes;
}

/* Verify a compact JWS (see jose.h). */
bool
dcpf_jws_verify(const char *token, int len, List *keys, int max_bytes,
				DcpfJwsVerifyResult *result)
{
	const char *dot1 = NULL;
	const char *dot2 = NULL;
	int			parts = 1;
	int			i;
	unsigned char *header,
			   *payload,
			   *sig;
	int			header_len,
				payload_len,
				sig_len;
	StrictJson	hj;
	StrictJson	pj;
	char	   *header_text = NULL;
	char	   *claims_text = NULL;
	char	   *detail = NULL;
	char	   *problem = NULL;
	DcpfJwsRefusal refusal;
	const JwsAlg *a;
	const DcpfJwk *key;
	int			input_len;
	bool		verified;

	memset(result, 0, sizeof(DcpfJwsVerifyResult));
	if (len > max_bytes)
		return refuse(result, DCPF_JWS_TOO_LARGE,
					  psprintf("The token has %d bytes; the limit is %d.", len, max_bytes));

	for (i = 0; i < len; i++)
	{
		if (token[i] != '.')
			continue;
		parts++;
		if (dot1 == NULL)
			dot1 = token + i;
		else if (dot2 == NULL)
			dot2 = token + i;
	}
	if (parts != 3)
		return refuse(result, DCPF_JWS_MALFORMED,
					  psprintf("The token has %d part%s; a compact JWS has exactly 3, separated by dots.",
							   parts, parts == 1 ? "" : "s"));

	header = decode_part(token, dot1 - token, "header", &header_len, result);
	if (header == NULL)
		return false;
	payload = decode_part(dot1 + 1, dot2 - dot1 - 1, "payload", &payload_len, result);
	if (payload == NULL)
		return false;
	sig = decode_part(dot2 + 1, token + len - dot2 - 1, "signature", &sig_len, result);
	if (sig == NULL)
		return false;

	/* the header: a JSON object, no duplicates, a supported alg, no crit */
	refusal = strict_json_object((char *) header, header_len, "header", &hj, &header_text, &detail);
	if (refusal != DCPF_JWS_OK)
		return refuse(result, refusal, detail);
	if (!hj.has_alg)
		return refuse(result, DCPF_JWS_MALFORMED, pstrdup("The header has no \"alg\" member."));
	if (hj.alg == NULL)
		return refuse(result, DCPF_JWS_MALFORMED, pstrdup("The header member \"alg\" is not a string."));
	result->alg = hj.alg;
	if (pg_strcasecmp(hj.alg, "none") == 0)
		return refuse(result, DCPF_JWS_UNSUPPORTED_ALG,
					  psprintf("The algorithm \"%s\" marks an unsecured token, which is never accepted.",
							   clip(hj.alg)));
	a = jws_alg_find(hj.alg);
	if (a == NULL)
		return refuse(result, DCPF_JWS_UNSUPPORTED_ALG,
					  psprintf("The algorithm \"%s\" is not supported; dcpf accepts " JWS_ALG_LIST ".",
							   clip(hj.alg)));
	if (hj.has_crit)
		return refuse(result, DCPF_JWS_CRIT,
					  pstrdup("The header has a \"crit\" member, and dcpf understands no JWS extension."));
	if (hj.has_kid && hj.kid == NULL)
		return refuse(result, DCPF_JWS_MALFORMED, pstrdup("The header member \"kid\" is not a string."));
	result->kid = hj.kid;

	key = select_key(keys, hj.alg, hj.kid, result);
	if (key == NULL)
		return false;

	/* the signature over ASCII(header '.' payload) */
	input_len = dot2 - token;
	if (sig_len == 0)
		return refuse(result, DCPF_JWS_BAD_SIGNATURE,
					  psprintf("The signature is empty; %s requires one.", a->name));
	if (a->family == FAMILY_HMAC)
	{
		unsigned char mac[EVP_MAX_MD_SIZE];
		size_t		mac_len = 0;

		if (!hmac_compute(a, key, token, input_len, mac, &mac_len))
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("could not compute an HMAC with OpenSSL")));
		verified = mac_len == (size_t) sig_len && CRYPTO_memcmp(mac, sig, mac_len) == 0;
		OPENSSL_cleanse(mac, sizeof(mac));
	}
	else if (a->family == FAMILY_ECDSA && sig_len != 2 * a->size)
		return refuse(result, DCPF_JWS_BAD_SIGNATURE,
					  psprintf("The %s signature has %d bytes; it must have exactly %d (r and s of %d bytes each).",
							   a->name, sig_len, 2 * a->size, a->size));
	else
		verified = pkey_verify(a, key->pkey, token, input_len, sig, sig_len) == 1;
	if (!verified)
	{
		char	   *name = dcpf_jwk_describe(key);

		return refuse(result, DCPF_JWS_BAD_SIGNATURE,
					  psprintf("The %s signature does not verify against %s.", a->name, name));
	}

	/* authenticated: now the payload, and the header as jsonb */
	refusal = strict_json_object((char *) payload, payload_len, "payload", &pj, &claims_text, &detail);
	if (refusal != DCPF_JWS_OK)
		return refuse(result, refusal, detail);
	result->header = dcpf_jsonb_in_or_null(header_text, hj.wide_number, &problem);
	if (result->header != NULL)
		result->claims = dcpf_jsonb_in_or_null(claims_text, pj.wide_number, &problem);
	if (result->claims == NULL)
	{
		const char *part = result->header == NULL ? "header" : "payload";

		result->header = NULL;
		return refuse(result, DCPF_JWS_MALFORMED,
					  psprintf("The %s holds a number PostgreSQL cannot store (%s).", part, problem));
	}
	result->key = key;
	result->refusal = DCPF_JWS_OK;
	return true;
}

/* Sign with an EVP_PKEY into sig (EVP_PKEY_get_size bytes); the JOSE length, or -1. */
static int
pkey_sign(const JwsAlg *a, EVP_PKEY *pkey, const char *input, int inlen,
		  unsigned char *sig, size_t sigsize)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	size_t		len = sigsize;
	int			result = -1;

	if (ctx != NULL &&
		EVP_DigestSignInit_ex(ctx, &pctx, a->md, NULL, NULL, pkey, NULL) == 1 &&
		set_rsa_padding(pctx, a) &&
		EVP_DigestSign(ctx, sig, &len, (const unsigned char *) input, inlen) == 1)
		result = (int) len;
	EVP_MD_CTX_free(ctx);

	if (result > 0 && a->family == FAMILY_ECDSA)
	{
		/* DER -> r||s, each left-padded to the coordinate size */
		const unsigned char *p = sig;
		ECDSA_SIG  *es = d2i_ECDSA_SIG(NULL, &p, result);
		const BIGNUM *r = NULL;
		const BIGNUM *s = NULL;

		result = -1;
		if (es != NULL && 2 * (size_t) a->size <= sigsize)
		{
			ECDSA_SIG_get0(es, &r, &s);
			if (BN_bn2binpad(r, sig, a->size) == a->size &&
				BN_bn2binpad(s, sig + a->size, a->size) == a->size)
				result = 2 * a->size;
		}
		ECDSA_SIG_free(es);
	}
	ERR_clear_error();
	return result;
}

/* Sign claims with a private key (see jose.h). */
char *
dcpf_jws_sign(const char *claims, int claims_len, const DcpfJwk *key,
			  const char *alg, const char *kid)
{
	const JwsAlg *a = jws_alg_find(alg);
	const char *why;
	char	   *utf8;
	int			utf8_len;
	char	   *server_text;
	char	   *detail;
	StrictJson	sj;
	StringInfoData header;
	StringInfoData out;
	unsigned char *sig;
	int			sig_len;
	char	   *encoded;

	if (a == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unsupported JWS algorithm"),
				 errdetail("The algorithm \"%s\" is not supported; dcpf signs with " JWS_ALG_LIST ".", alg)));
	if (!dcpf_jwk_fits_alg(key, alg, &why))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("key cannot sign with this JWS algorithm"),
				 errdetail("The algorithm is %s, but %s", alg, why)));
	if (!key->is_private)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("key cannot sign with this JWS algorithm"),
				 errdetail("Signing needs a private key, but %s has only public members.",
						   dcpf_jwk_describe(key))));

	/* (the claims themselves when the database is UTF-8: not NUL-terminated) */
	utf8 = pg_server_to_any(claims, claims_len, PG_UTF8);
	utf8_len = (utf8 == claims) ? claims_len : (int) strlen(utf8);
	if (strict_json_object(utf8, utf8_len, "claims", &sj, &server_text, &detail) != DCPF_JWS_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid JWT claims"),
				 errdetail("%s", detail)));

	initStringInfo(&header);
	appendStringInfoString(&header, "{\"alg\":");
	escape_json(&header, alg);
	if (kid != NULL)
	{
		appendStringInfoString(&header, ",\"kid\":");
		escape_json(&header, kid);
	}
	appendStringInfoString(&header, ",\"typ\":\"JWT\"}");
	/* header and kid are ASCII-safe JSON; kid may hold non-ASCII: send UTF-8 */
	encoded = pg_server_to_any(header.data, header.len, PG_UTF8);

	initStringInfo(&out);
	appendStringInfoString(&out, dcpf_base64url_encode((unsigned char *) encoded, strlen(encoded)));
	appendStringInfoChar(&out, '.');
	appendStringInfoString(&out, dcpf_base64url_encode((unsigned char *) utf8, utf8_len));

	if (a->family == FAMILY_HMAC)
	{
		size_t		mac_len = 0;

		sig = palloc(EVP_MAX_MD_SIZE);
		if (!hmac_compute(a, key, out.data, out.len, sig, &mac_len))
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("could not compute an HMAC with OpenSSL")));
		sig_len = (int) mac_len;
	}
	else
	{
		size_t		sigsize = Max(EVP_PKEY_get_size(key->pkey), 2 * a->size);

		sig = palloc(sigsize);
		sig_len = pkey_sign(a, key->pkey, out.data, out.len, sig, sigsize);
		if (sig_len < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("could not sign with OpenSSL"),
					 errdetail("Signing with %s and %s failed.", alg, dcpf_jwk_describe(key))));
	}
	appendStringInfoChar(&out, '.');
	appendStringInfoString(&out, dcpf_base64url_encode(sig, sig_len));
	return out.data;
}
