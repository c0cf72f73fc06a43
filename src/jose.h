/*-------------------------------------------------------------------------
 * jose.h
 *    JOSE for dcpf: JSON Web Keys (RFC 7517, RFC 8037) and JSON Web
 *    Signatures in compact serialization (RFC 7515) with the algorithms
 *    HS256/384/512, RS256/384/512, PS256/384/512, ES256, ES384 and EdDSA
 *    (Ed25519) of RFC 7518 and RFC 8037.
 *
 * jwk.c parses keys and key sets, jws.c verifies and signs, jose.c holds the
 * SQL functions (sql/015_jose.sql). Everything here is pure: no catalog
 * access, no settings, no clock. dcpf_jws_verify checks the signature only;
 * exp, nbf, iss, aud and every other claim are the caller's job.
 *
 * Key lifetime: a DcpfJwk lives in the memory context that was current when
 * it was parsed. Its EVP_PKEY and its secret bytes are released (the secret
 * wiped) by a reset callback of that context, also when an error unwinds;
 * dcpf_jwk_free releases them earlier.
 *
 * Errors: malformed keys raise 22023 (invalid_parameter_value) with a detail
 * naming the key. A token that does not verify never raises: the result
 * carries a DcpfJwsRefusal and a detail sentence, and the caller decides
 * what to raise or log (dcpf_jws_report raises the mapping that
 * dcpf.jws_verify documents). Only internal failures (out of memory, an
 * OpenSSL error outside the key's control) raise from dcpf_jws_verify.
 *-------------------------------------------------------------------------
 */
#ifndef DCPF_JOSE_H
#define DCPF_JOSE_H

#include "postgres.h"

#include <openssl/evp.h>

#include "nodes/pg_list.h"
#include "utils/jsonb.h"

/* Default for the max_bytes argument of dcpf_jws_verify. */
#define DCPF_JWS_DEFAULT_MAX_BYTES 8192

/* The key types (JWK "kty") dcpf accepts. */
typedef enum DcpfJwkType
{
	DCPF_JWK_RSA,				/* "RSA": n, e; modulus >= 2048 bits */
	DCPF_JWK_EC,				/* "EC": crv P-256 or P-384, x, y */
	DCPF_JWK_OKP,				/* "OKP": crv Ed25519, x */
	DCPF_JWK_OCT				/* "oct": k, at least 32 bytes */
} DcpfJwkType;

/* A parsed JWK. Strings are palloc'd; NULL when the member is absent. */
typedef struct DcpfJwk
{
	int			index;			/* 0-based position in the key set */
	DcpfJwkType kty;
	char	   *kid;
	char	   *alg;			/* when set, the only algorithm the key is for */
	char	   *use;			/* "sig" or NULL (other values are refused) */
	char	   *crv;			/* "P-256", "P-384", "Ed25519"; NULL for RSA, oct */
	int			bits;			/* modulus, field or secret size in bits */
	bool		is_private;		/* holds private (or secret) key material */
	EVP_PKEY   *pkey;			/* RSA, EC, OKP; owned by the key */
	unsigned char *secret;		/* oct: the secret, wiped on release */
	int			secret_len;
} DcpfJwk;

/*
 * jwk.c. dcpf_jwks_parse accepts {"keys": [JWK, ...]} or a single JWK
 * object and returns a List of DcpfJwk *. With allow_private false (the
 * verification path) a JWK with a private member (d, p, q, dp, dq, qi, oth)
 * is refused; oct keys are secret by nature and allowed. Duplicate kid
 * values and empty sets are refused. Raises 22023 for every problem.
 */
extern List *dcpf_jwks_parse(Jsonb *jwks, bool allow_private);
extern DcpfJwk *dcpf_jwk_parse(JsonbContainer *jwk, int index, bool allow_private);
extern void dcpf_jwk_free(DcpfJwk *key);
extern void dcpf_jwks_free(List *keys);
extern const char *dcpf_jwk_type_name(DcpfJwkType kty);
/* "the key with kid \"x\"" or "the key at index 3", for details (palloc'd) */
extern char *dcpf_jwk_describe(const DcpfJwk *key);
/* RFC 7638 thumbprint (SHA-256, base64url) of a single JWK; raises 22023 */
extern char *dcpf_jwk_thumbprint(Jsonb *jwk);

/*
 * jwk.c: base64url without padding (RFC 7515 section 2). Decoding is strict:
 * only [A-Za-z0-9_-], no '=', no whitespace, no length of 4n+1, no stray
 * bits in the last character. Returns NULL and sets *reason (a palloc'd
 * sentence fragment, e.g. "character \"=\" at offset 4 is not base64url")
 * when the input is not canonical base64url. The result is NUL-terminated
 * (one byte beyond *outlen) and palloc'd.
 */
extern unsigned char *dcpf_base64url_decode(const char *in, int len, int *outlen,
											const char **reason);
extern char *dcpf_base64url_encode(const unsigned char *data, int len);

/* Why dcpf_jws_verify refused a token; see dcpf_jws_refusal_sqlstate. */
typedef enum DcpfJwsRefusal
{
	DCPF_JWS_OK = 0,			/* the signature verified */
	DCPF_JWS_MALFORMED,			/* not 3 base64url parts, not a JSON object, ... */
	DCPF_JWS_TOO_LARGE,			/* longer than max_bytes */
	DCPF_JWS_DUPLICATE_MEMBER,	/* a member name twice in header or payload */
	DCPF_JWS_UNSUPPORTED_ALG,	/* "none" in any case, or an unknown algorithm */
	DCPF_JWS_CRIT,				/* a "crit" header member: no extension is understood */
	DCPF_JWS_UNKNOWN_KID,		/* no key with that kid, or no kid and several candidates */
	DCPF_JWS_KEY_MISMATCH,		/* the key cannot verify this alg (confusion) */
	DCPF_JWS_BAD_SIGNATURE		/* the signature does not verify */
} DcpfJwsRefusal;

/* What dcpf_jws_verify found. */
typedef struct DcpfJwsVerifyResult
{
	DcpfJwsRefusal refusal;
	char	   *detail;			/* a sentence saying why; NULL when verified */
	char	   *alg;			/* the header's alg, when it was read */
	char	   *kid;			/* the header's kid, or NULL */
	const DcpfJwk *key;			/* the key that verified */
	Jsonb	   *header;			/* the header, when verified */
	Jsonb	   *claims;			/* the payload (a JSON object), when verified */
} DcpfJwsVerifyResult;

/*
 * jws.c. dcpf_jws_verify checks a compact JWS of len bytes against keys
 * (from dcpf_jwks_parse) and returns true when the signature verifies;
 * otherwise it returns false with result->refusal and result->detail set.
 * It does not check any claim (exp, nbf, iss, aud, ...).
 */
extern bool dcpf_jws_verify(const char *token, int len, List *keys, int max_bytes,
							DcpfJwsVerifyResult *result);

/*
 * jws.c: JSON numbers jsonb_in may refuse (an exponent, or over 1000
 * characters), and jsonb_in of parsed JSON text that, when may_overflow
 * (it holds such a number), does not raise: NULL and a message for a data
 * exception (a number outside numeric's range).
 */
extern bool dcpf_json_number_may_overflow(const char *token);
extern Jsonb *dcpf_jsonb_in_or_null(const char *json, bool may_overflow, char **problem);

/*
 * jose.c: refusals as a short name for logs ("bad_signature"), as SQLSTATE
 * (22P02 malformed or duplicate member, 54000 too large, 28000 the rest),
 * and as an error with message and detail.
 */
extern const char *dcpf_jws_refusal_name(DcpfJwsRefusal refusal);
extern int	dcpf_jws_refusal_sqlstate(DcpfJwsRefusal refusal);
/* ereport at elevel with the SQLSTATE, message and detail of a refusal */
extern void dcpf_jws_report(int elevel, const DcpfJwsVerifyResult *result);
/* true for the algorithm names dcpf verifies and signs */
extern bool dcpf_jws_alg_supported(const char *alg);
/*
 * The confusion rules: true when key may be used with alg (kty and curve
 * match the algorithm's family, the JWK's own alg if any is alg, an oct
 * secret is at least as long as the hash). Otherwise *why is a sentence.
 */
extern bool dcpf_jwk_fits_alg(const DcpfJwk *key, const char *alg, const char **why);

/*
 * jws.c. dcpf_jws_sign signs claims (the UTF-8 text of a JSON object) with
 * a private JWK (or an oct key) and returns the compact JWS, palloc'd. The
 * header is {"alg":...,"kid":...,"typ":"JWT"} (kid left out when NULL).
 * Raises 22023 when the key cannot sign with alg or the claims are not a
 * JSON object.
 */
extern char *dcpf_jws_sign(const char *claims, int claims_len, const DcpfJwk *key,
						   const char *alg, const char *kid);

#endif							/* DCPF_JOSE_H */
