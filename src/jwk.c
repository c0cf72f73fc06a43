/*-------------------------------------------------------------------------
 * jwk.c
 *    JSON Web Keys (RFC 7517, RFC 7518 section 6, RFC 8037): key sets given
 *    as jsonb become DcpfJwk structs holding OpenSSL keys; RFC 7638
 *    thumbprints; the strict base64url codec the JWS code shares.
 *
 * Keys are built from their JWK parameters with EVP_PKEY_fromdata (RSA,
 * EC) or the raw-key constructors (Ed25519) and checked before use: RSA
 * moduli of at least 2048 bits, EC points on their curve, Ed25519 and EC
 * private keys that match their public part. A key set given for
 * verification must not carry private members; only the signing path
 * accepts them. Every secret byte (oct keys, decoded private members, the
 * OSSL_PARAM copies) is wiped once used; the OpenSSL objects are released
 * by a reset callback of the memory context the key was parsed in, so an
 * error anywhere later cannot leak them.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "common/base64.h"
#include "lib/stringinfo.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "jose.h"

#define RSA_MIN_BITS	2048
#define RSA_MAX_BITS	16384
#define OCT_MIN_BYTES	32
#define OCT_MAX_BYTES	1024

/* What a parse is working on, for error details. */
typedef struct JwkWhere
{
	int			index;
	const char *kid;
} JwkWhere;

/* The private members of RFC 7518 section 6.3.2 and RFC 8037 section 2. */
static const char *const private_members[] = {"d", "p", "q", "dp", "dq", "qi", "oth"};

/* Value of a base64url character, or -1. */
static int
b64url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/* Strict, unpadded base64url decoding; see jose.h. */
unsigned char *
dcpf_base64url_decode(const char *in, int len, int *outlen, const char **reason)
{
	char	   *std;
	int			stdlen;
	unsigned char *out;
	int			outsize;
	int			n;
	int			i;

	for (i = 0; i < len; i++)
	{
		if (b64url_value((unsigned char) in[i]) < 0)
		{
			unsigned char c = (unsigned char) in[i];

			if (c == '=')
				*reason = psprintf("character \"=\" at offset %d is padding, which base64url in JOSE leaves out", i);
			else if (c > 0x20 && c < 0x7f)
				*reason = psprintf("character \"%c\" at offset %d is not in the base64url alphabet", c, i);
			else
				*reason = psprintf("byte 0x%02x at offset %d is not in the base64url alphabet", c, i);
			return NULL;
		}
	}
	if (len % 4 == 1)
	{
		*reason = psprintf("its length %d is not a possible base64url length", len);
		return NULL;
	}
	/* the bits beyond the last full byte must be zero (one encoding per value) */
	if ((len % 4 == 2 && (b64url_value((unsigned char) in[len - 1]) & 0x0f) != 0) ||
		(len % 4 == 3 && (b64url_value((unsigned char) in[len - 1]) & 0x03) != 0))
	{
		*reason = pstrdup("its last character has bits set beyond the encoded bytes");
		return NULL;
	}

	stdlen = (len + 3) / 4 * 4;
	std = palloc(stdlen + 1);
	for (i = 0; i < len; i++)
		std[i] = in[i] == '-' ? '+' : in[i] == '_' ? '/' : in[i];
	for (; i < stdlen; i++)
		std[i] = '=';
	std[stdlen] = '\0';

	outsize = pg_b64_dec_len(stdlen) + 1;
	out = palloc(outsize);
	n = pg_b64_decode(std, stdlen, (char *) out, outsize);
	explicit_bzero(std, stdlen);
	pfree(std);
	if (n < 0)
	{
		pfree(out);
		*reason = pstrdup("it does not decode as base64url");
		return NULL;
	}
	out[n] = '\0';
	*outlen = n;
	return out;
}

/* Unpadded base64url encoding, palloc'd and NUL-terminated. */
char *
dcpf_base64url_encode(const unsigned char *data, int len)
{
	int			size = pg_b64_enc_len(len) + 1;
	char	   *out = palloc(size);
	int			n = pg_b64_encode((const char *) data, len, out, size);
	int			i;

	if (n < 0)
		elog(ERROR, "base64 encoding failed");
	while (n > 0 && out[n - 1] == '=')
		n--;
	out[n] = '\0';
	for (i = 0; i < n; i++)
	{
		if (out[i] == '+')
			out[i] = '-';
		else if (out[i] == '/')
			out[i] = '_';
	}
	return out;
}

/* Name of a key type as JWK writes it. */
const char *
dcpf_jwk_type_name(DcpfJwkType kty)
{
	switch (kty)
	{
		case DCPF_JWK_RSA:
			return "RSA";
		case DCPF_JWK_EC:
			return "EC";
		case DCPF_JWK_OKP:
			return "OKP";
		case DCPF_JWK_OCT:
			return "oct";
	}
	return "?";
}

/* "the key with kid \"x\"" or "the key at index 3": how details name a key. */
char *
dcpf_jwk_describe(const DcpfJwk *key)
{
	if (key->kid)
		return psprintf("the key with kid \"%s\"", key->kid);
	return psprintf("the key at index %d", key->index);
}

/* Raise 22023 for a key: problem is a sentence that goes after the key's name. */
static void
pg_attribute_noreturn()
jwk_refuse(const JwkWhere *where, const char *problem)
{
	if (where->kid)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid JSON Web Key"),
				 errdetail("Key %d (kid \"%s\"): %s", where->index, where->kid, problem)));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid JSON Web Key"),
			 errdetail("Key %d: %s", where->index, problem)));
}

/* A string member of a JWK, or NULL when absent; raises when not a string. */
static char *
jwk_string(JsonbContainer *jwk, const char *name, const JwkWhere *where)
{
	JsonbValue	buf;
	JsonbValue *v = getKeyJsonValueFromContainer(jwk, name, strlen(name), &buf);

	if (v == NULL)
		return NULL;
	if (v->type != jbvString)
		jwk_refuse(where, psprintf("the member \"%s\" is not a string.", name));
	return pnstrdup(v->val.string.val, v->val.string.len);
}

/* A required base64url member, decoded; exact_len > 0 demands that length. */
static unsigned char *
jwk_bytes(JsonbContainer *jwk, const char *name, const JwkWhere *where,
		  int exact_len, int *len)
{
	char	   *s = jwk_string(jwk, name, where);
	const char *reason = NULL;
	unsigned char *bytes;

	if (s == NULL)
	{
		jwk_refuse(where, psprintf("the member \"%s\" is missing.", name));
		return NULL;			/* not reached */
	}
	bytes = dcpf_base64url_decode(s, strlen(s), len, &reason);
	explicit_bzero(s, strlen(s));
	pfree(s);
	if (bytes == NULL)
		jwk_refuse(where, psprintf("the member \"%s\" is not base64url: %s.", name, reason));
	if (*len == 0)
		jwk_refuse(where, psprintf("the member \"%s\" is empty.", name));
	if (exact_len > 0 && *len != exact_len)
	{
		explicit_bzero(bytes, *len);
		jwk_refuse(where, psprintf("the member \"%s\" has %d bytes; it must have exactly %d.",
								   name, *len, exact_len));
	}
	return bytes;
}

/* Wipe and free a decoded member. */
static void
wipe(unsigned char *bytes, int len)
{
	if (bytes)
	{
		explicit_bzero(bytes, len);
		pfree(bytes);
	}
}

/* Wipe every value of an OSSL_PARAM array built by OSSL_PARAM_BLD, then free it. */
static void
params_clear_free(OSSL_PARAM *params)
{
	OSSL_PARAM *p;

	if (params == NULL)
		return;
	for (p = params; p->key != NULL; p++)
		if (p->data != NULL && p->data_size > 0)
			OPENSSL_cleanse(p->data, p->data_size);
	OSSL_PARAM_free(params);
}

/* EVP_PKEY_fromdata for a key type; NULL when OpenSSL refuses the parameters. */
static EVP_PKEY *
pkey_fromdata(const char *type, int selection, OSSL_PARAM *params)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY   *pkey = NULL;

	if (ctx == NULL ||
		EVP_PKEY_fromdata_init(ctx) != 1 ||
		EVP_PKEY_fromdata(ctx, &pkey, selection, params) != 1)
	{
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

/* Public (and, for private keys, pairwise) consistency check of a key. */
static bool
pkey_checks_out(EVP_PKEY *pkey, bool is_private)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	bool		ok;

	if (ctx == NULL)
		return false;
	ok = EVP_PKEY_public_check(ctx) == 1 &&
		(!is_private || EVP_PKEY_pairwise_check(ctx) == 1);
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

/*
 * Structural checks of an RSA public key: n odd; e odd, at least 3, at most
 * 64 bits and below n. EVP_PKEY_public_check would add a Miller-Rabin test
 * of n, milliseconds per parse of a key set for no gain in verification.
 */
static bool
rsa_public_ok(EVP_PKEY *pkey)
{
	BIGNUM	   *n = NULL;
	BIGNUM	   *e = NULL;
	bool		ok;

	ok = EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n) == 1 &&
		EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e) == 1 &&
		BN_is_odd(n) && BN_is_odd(e) && !BN_is_one(e) &&
		BN_num_bits(e) <= 64 && BN_cmp(e, n) < 0;
	BN_free(n);
	BN_free(e);
	return ok;
}

/* Push a big-endian integer as a BIGNUM; false on failure. */
static bool
push_bn(OSSL_PARAM_BLD *bld, const char *name, const unsigned char *bytes, int len,
		BIGNUM **keep, int *nkeep)
{
	BIGNUM	   *bn = BN_bin2bn(bytes, len, NULL);

	if (bn == NULL)
		return false;
	keep[(*nkeep)++] = bn;
	return OSSL_PARAM_BLD_push_BN(bld, name, bn) == 1;
}

/* The RSA members of a JWK as an EVP_PKEY, or NULL with *problem set. */
static EVP_PKEY *
rsa_from_jwk(JsonbContainer *jwk, const JwkWhere *where, bool is_private,
			 const char **problem)
{
	static const char *const names[] = {"n", "e", "d", "p", "q", "dp", "dq", "qi"};
	static const char *const params[] = {
		OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_D,
		OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
		OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
		OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
	int			count = is_private ? 8 : 2;
	/* on the heap, so that PG_CATCH sees what the loop stored */
	unsigned char **bytes = palloc0(8 * sizeof(unsigned char *));
	int		   *lens = palloc0(8 * sizeof(int));
	BIGNUM	   *bns[8] = {0};
	int			nbns = 0;
	OSSL_PARAM_BLD *bld;
	OSSL_PARAM *ossl_params = NULL;
	EVP_PKEY   *pkey = NULL;
	bool		ok;
	int			i;

	/* jwk_bytes raises; decode everything before OpenSSL objects exist */
	PG_TRY();
	{
		for (i = 0; i < count; i++)
			bytes[i] = jwk_bytes(jwk, names[i], where, 0, &lens[i]);
	}
	PG_CATCH();
	{
		for (i = 0; i < count; i++)
			if (bytes[i] != NULL)
				explicit_bzero(bytes[i], lens[i]);
		PG_RE_THROW();
	}
	PG_END_TRY();

	bld = OSSL_PARAM_BLD_new();
	ok = bld != NULL;
	for (i = 0; ok && i < count; i++)
		ok = push_bn(bld, params[i], bytes[i], lens[i], bns, &nbns);
	if (ok)
		ok = (ossl_params = OSSL_PARAM_BLD_to_param(bld)) != NULL;
	if (ok)
		pkey = pkey_fromdata("RSA", is_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
							 ossl_params);

	params_clear_free(ossl_params);
	OSSL_PARAM_BLD_free(bld);
	for (i = 0; i < nbns; i++)
		BN_clear_free(bns[i]);
	for (i = 0; i < count; i++)
		wipe(bytes[i], lens[i]);
	pfree(bytes);
	pfree(lens);

	if (pkey == NULL)
		*problem = "OpenSSL does not accept the RSA parameters.";
	else if (EVP_PKEY_get_bits(pkey) < RSA_MIN_BITS || EVP_PKEY_get_bits(pkey) > RSA_MAX_BITS)
		*problem = psprintf("the RSA modulus has %d bits; dcpf accepts %d to %d.",
							EVP_PKEY_get_bits(pkey), RSA_MIN_BITS, RSA_MAX_BITS);
	else if (!rsa_public_ok(pkey))
		*problem = "the RSA public key is unusable: the modulus must be odd, the exponent odd, at least 3, at most 64 bits and below the modulus.";
	else if (is_private && !pkey_checks_out(pkey, true))
		*problem = "the RSA private key fails OpenSSL's key checks.";
	else
		return pkey;
	EVP_PKEY_free(pkey);
	return NULL;
}

/* The EC members of a JWK (crv P-256 or P-384) as an EVP_PKEY, or NULL with *problem set. */
static EVP_PKEY *
ec_from_jwk(JsonbContainer *jwk, const JwkWhere *where, const char *crv, bool is_private,
			const char **problem)
{
	int			size = strcmp(crv, "P-256") == 0 ? 32 : 48;
	unsigned char *x,
			   *y,
			   *d = NULL;
	int			xlen,
				ylen,
				dlen = 0;
	unsigned char point[1 + 2 * 48];
	OSSL_PARAM_BLD *bld;
	OSSL_PARAM *params = NULL;
	BIGNUM	   *dbn = NULL;
	EVP_PKEY   *pkey = NULL;
	bool		ok;

	x = jwk_bytes(jwk, "x", where, size, &xlen);
	y = jwk_bytes(jwk, "y", where, size, &ylen);
	if (is_private)
		d = jwk_bytes(jwk, "d", where, size, &dlen);
	point[0] = 0x04;			/* uncompressed point: 0x04 || x || y */
	memcpy(point + 1, x, size);
	memcpy(point + 1 + size, y, size);

	bld = OSSL_PARAM_BLD_new();
	ok = bld != NULL &&
		OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, crv, 0) == 1 &&
		OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, 1 + 2 * size) == 1;
	if (ok && is_private)
		ok = (dbn = BN_bin2bn(d, dlen, NULL)) != NULL &&
			OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, dbn) == 1;
	if (ok)
		ok = (params = OSSL_PARAM_BLD_to_param(bld)) != NULL;
	if (ok)
		pkey = pkey_fromdata("EC", is_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params);

	params_clear_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(dbn);
	wipe(x, xlen);
	wipe(y, ylen);
	wipe(d, dlen);

	if (pkey == NULL)
		*problem = psprintf("the point (x, y) is not on the curve %s.", crv);
	else if (!pkey_checks_out(pkey, is_private))
		*problem = is_private ? psprintf("the private key d does not match the point (x, y) on %s.", crv)
			: psprintf("the point (x, y) is not a valid public key on the curve %s.", crv);
	else
		return pkey;
	EVP_PKEY_free(pkey);
	return NULL;
}

/* The OKP members of a JWK (crv Ed25519) as an EVP_PKEY, or NULL with *problem set. */
static EVP_PKEY *
okp_from_jwk(JsonbContainer *jwk, const JwkWhere *where, bool is_private,
			 const char **problem)
{
	unsigned char *x,
			   *d = NULL;
	int			xlen,
				dlen = 0;
	unsigned char derived[32];
	size_t		derived_len = sizeof(derived);
	EVP_PKEY   *pkey;

	x = jwk_bytes(jwk, "x", where, 32, &xlen);
	if (is_private)
	{
		d = jwk_bytes(jwk, "d", where, 32, &dlen);
		pkey = EVP_PKEY_new_raw_private_key_ex(NULL, "ED25519", NULL, d, dlen);
		if (pkey != NULL &&
			(EVP_PKEY_get_raw_public_key(pkey, derived, &derived_len) != 1 ||
			 derived_len != 32 || CRYPTO_memcmp(derived, x, 32) != 0))
		{
			EVP_PKEY_free(pkey);
			wipe(x, xlen);
			wipe(d, dlen);
			*problem = "the private key d does not match the public key x.";
			return NULL;
		}
	}
	else
		pkey = EVP_PKEY_new_raw_public_key_ex(NULL, "ED25519", NULL, x, xlen);
	wipe(x, xlen);
	wipe(d, dlen);
	if (pkey == NULL)
		*problem = "OpenSSL does not accept the Ed25519 key.";
	return pkey;
}

/* Release a key's OpenSSL object and wipe its secret; safe to call twice. */
void
dcpf_jwk_free(DcpfJwk *key)
{
	if (key == NULL)
		return;
	EVP_PKEY_free(key->pkey);
	key->pkey = NULL;
	if (key->secret != NULL)
	{
		OPENSSL_cleanse(key->secret, key->secret_len);
		pfree(key->secret);
		key->secret = NULL;
		key->secret_len = 0;
	}
}

/* Memory context reset callback: release the key's resources. */
static void
jwk_release_callback(void *arg)
{
	DcpfJwk    *key = (DcpfJwk *) arg;

	/* the context is going away: wipe the secret in place, don't pfree */
	EVP_PKEY_free(key->pkey);
	key->pkey = NULL;
	if (key->secret != NULL)
		OPENSSL_cleanse(key->secret, key->secret_len);
	key->secret = NULL;
}

/* Release every key of a list from dcpf_jwks_parse. */
void
dcpf_jwks_free(List *keys)
{
	int			i;

	for (i = 0; i < list_length(keys); i++)
		dcpf_jwk_free((DcpfJwk *) list_nth(keys, i));
}

/* Parse one JWK object (see jose.h); raises 22023. */
DcpfJwk *
dcpf_jwk_parse(JsonbContainer *jwk, int index, bool allow_private)
{
	JwkWhere	where = {index, NULL};
	DcpfJwk    *key;
	MemoryContextCallback *cb;
	char	   *kty;
	const char *problem = NULL;
	bool		has_private = false;
	int			i;

	if (!JsonContainerIsObject(jwk))
		jwk_refuse(&where, "it is not a JSON object.");
	where.kid = jwk_string(jwk, "kid", &where);

	key = palloc0(sizeof(DcpfJwk));
	key->index = index;
	key->kid = (char *) where.kid;
	key->alg = jwk_string(jwk, "alg", &where);
	key->use = jwk_string(jwk, "use", &where);
	kty = jwk_string(jwk, "kty", &where);

	if (kty == NULL)
		jwk_refuse(&where, "the member \"kty\" is missing.");
	for (i = 0; i < lengthof(private_members); i++)
	{
		JsonbValue	buf;

		if (getKeyJsonValueFromContainer(jwk, private_members[i],
										 strlen(private_members[i]), &buf) == NULL)
			continue;
		if (!allow_private)
			jwk_refuse(&where, psprintf("it has the private member \"%s\"; a key set for "
										"verification must hold public keys only.",
										private_members[i]));
		has_private = true;
	}
	if (key->use != NULL && strcmp(key->use, "sig") != 0)
		jwk_refuse(&where, psprintf("its \"use\" is \"%s\"; dcpf only uses keys for signatures (\"sig\").",
									key->use));
	if (key->alg != NULL && !dcpf_jws_alg_supported(key->alg))
		jwk_refuse(&where, psprintf("its \"alg\" \"%s\" is not a supported signature algorithm.",
									key->alg));

	if (strcmp(kty, "RSA") == 0)
	{
		key->kty = DCPF_JWK_RSA;
		key->is_private = has_private;
		key->pkey = rsa_from_jwk(jwk, &where, has_private, &problem);
	}
	else if (strcmp(kty, "EC") == 0)
	{
		key->kty = DCPF_JWK_EC;
		key->crv = jwk_string(jwk, "crv", &where);
		if (key->crv == NULL)
			jwk_refuse(&where, "the member \"crv\" is missing.");
		if (strcmp(key->crv, "P-256") != 0 && strcmp(key->crv, "P-384") != 0)
			jwk_refuse(&where, psprintf("the curve \"%s\" is not supported; EC keys must be on P-256 or P-384.",
										key->crv));
		key->is_private = has_private;
		key->pkey = ec_from_jwk(jwk, &where, key->crv, has_private, &problem);
	}
	else if (strcmp(kty, "OKP") == 0)
	{
		key->kty = DCPF_JWK_OKP;
		key->crv = jwk_string(jwk, "crv", &where);
		if (key->crv == NULL)
			jwk_refuse(&where, "the member \"crv\" is missing.");
		if (strcmp(key->crv, "Ed25519") != 0)
			jwk_refuse(&where, psprintf("the curve \"%s\" is not supported; OKP keys must be Ed25519.",
										key->crv));
		key->is_private = has_private;
		key->pkey = okp_from_jwk(jwk, &where, has_private, &problem);
	}
	else if (strcmp(kty, "oct") == 0)
	{
		key->kty = DCPF_JWK_OCT;
		key->is_private = true;
		if (has_private)
			jwk_refuse(&where, "an oct key has no private members other than \"k\".");
		key->secret = jwk_bytes(jwk, "k", &where, 0, &key->secret_len);
		if (key->secret_len < OCT_MIN_BYTES || key->secret_len > OCT_MAX_BYTES)
		{
			int			n = key->secret_len;

			wipe(key->secret, key->secret_len);
			key->secret = NULL;
			jwk_refuse(&where, psprintf("the secret \"k\" has %d bytes; dcpf accepts %d to %d.",
										n, OCT_MIN_BYTES, OCT_MAX_BYTES));
		}
		key->bits = key->secret_len * 8;
	}
	else
		jwk_refuse(&where, psprintf("the key type \"%s\" is not supported; dcpf accepts RSA, EC, OKP and oct.",
									kty));

	if (key->kty != DCPF_JWK_OCT)
	{
		if (key->pkey == NULL)
			jwk_refuse(&where, problem);
		key->bits = EVP_PKEY_get_bits(key->pkey);
	}

	/* from here on, the context owns the key's resources */
	cb = palloc0(sizeof(MemoryContextCallback));
	cb->func = jwk_release_callback;
	cb->arg = key;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, cb);

	if (key->alg != NULL && !dcpf_jwk_fits_alg(key, key->alg, &problem))
	{
		dcpf_jwk_free(key);
		jwk_refuse(&where, psprintf("its \"alg\" is %s, but %s", key->alg, problem));
	}
	return key;
}

/* Parse a key set or a single JWK (see jose.h); raises 22023. */
List *
dcpf_jwks_parse(Jsonb *jwks, bool allow_private)
{
	JsonbValue	buf;
	JsonbValue *keys;
	List	   *result = NIL;
	int			count;
	int			i;

	if (!JB_ROOT_IS_OBJECT(jwks))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid JSON Web Key Set"),
				 errdetail("A key set is a JSON object {\"keys\": [...]} or a single key object.")));

	keys = getKeyJsonValueFromContainer(&jwks->root, "keys", 4, &buf);
	if (keys == NULL)
		return list_make1(dcpf_jwk_parse(&jwks->root, 0, allow_private));

	if (keys->type != jbvBinary || !JsonContainerIsArray(keys->val.binary.data))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid JSON Web Key Set"),
				 errdetail("The member \"keys\" is not an array.")));
	count = JsonContainerSize(keys->val.binary.data);
	if (count == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid JSON Web Key Set"),
				 errdetail("The key set has no keys.")));

	for (i = 0; i < count; i++)
	{
		JsonbValue *elem = getIthJsonbValueFromContainer(keys->val.binary.data, i);
		DcpfJwk    *key;
		int			j;

		if (elem->type != jbvBinary || !JsonContainerIsObject(elem->val.binary.data))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid JSON Web Key"),
					 errdetail("Key %d: it is not a JSON object.", i)));
		key = dcpf_jwk_parse(elem->val.binary.data, i, allow_private);
		for (j = 0; j < list_length(result); j++)
		{
			DcpfJwk    *other = (DcpfJwk *) list_nth(result, j);

			if (key->kid != NULL && other->kid != NULL && strcmp(key->kid, other->kid) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid JSON Web Key Set"),
						 errdetail("Keys %d and %d both have kid \"%s\"; a kid must pick one key.",
								   other->index, i, key->kid)));
		}
		result = lappend(result, key);
	}
	return result;
}

/* Append "name":"value" (JSON-escaped) to a thumbprint input. */
static void
thumbprint_member(StringInfo buf, JsonbContainer *jwk, const char *name, bool last)
{
	JsonbValue	v;
	char	   *value;

	if (getKeyJsonValueFromContainer(jwk, name, strlen(name), &v) == NULL ||
		v.type != jbvString)
		elog(ERROR, "JWK member \"%s\" vanished after validation", name);
	value = pnstrdup(v.val.string.val, v.val.string.len);
	escape_json(buf, name);
	appendStringInfoChar(buf, ':');
	escape_json(buf, value);
	appendStringInfoChar(buf, last ? '}' : ',');
}

/* RFC 7638 thumbprint of a single JWK (public or private). */
char *
dcpf_jwk_thumbprint(Jsonb *jwk)
{
	DcpfJwk    *key;
	StringInfoData buf;
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int digest_len = 0;

	if (!JB_ROOT_IS_OBJECT(jwk))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid JSON Web Key"),
				 errdetail("A JSON Web Key is a JSON object.")));
	/* validates the key: a thumbprint of a broken key would be a lie */
	key = dcpf_jwk_parse(&jwk->root, 0, true);

	/* the required members in lexicographic order, no whitespace */
	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	switch (key->kty)
	{
		case DCPF_JWK_RSA:
			thumbprint_member(&buf, &jwk->root, "e", false);
			thumbprint_member(&buf, &jwk->root, "kty", false);
			thumbprint_member(&buf, &jwk->root, "n", true);
			break;
		case DCPF_JWK_EC:
			thumbprint_member(&buf, &jwk->root, "crv", false);
			thumbprint_member(&buf, &jwk->root, "kty", false);
			thumbprint_member(&buf, &jwk->root, "x", false);
			thumbprint_member(&buf, &jwk->root, "y", true);
			break;
		case DCPF_JWK_OKP:
			thumbprint_member(&buf, &jwk->root, "crv", false);
			thumbprint_member(&buf, &jwk->root, "kty", false);
			thumbprint_member(&buf, &jwk->root, "x", true);
			break;
		case DCPF_JWK_OCT:
			thumbprint_member(&buf, &jwk->root, "k", false);
			thumbprint_member(&buf, &jwk->root, "kty", true);
			break;
	}
	dcpf_jwk_free(key);

	if (EVP_Digest(buf.data, buf.len, digest, &digest_len, EVP_sha256(), NULL) != 1)
	{
		explicit_bzero(buf.data, buf.len);
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not compute a SHA-256 digest")));
	}
	/* an oct key's thumbprint input contains the secret */
	explicit_bzero(buf.data, buf.len);
	pfree(buf.data);
	return dcpf_base64url_encode(digest, digest_len);
}
