/*-------------------------------------------------------------------------
 * fuzz_jose.c
 *    Harnesses for JOSE: base64url, JWK set import, JWS verification and
 *    signing (src/jwk.c, src/jws.c), and the issuer that dcpf.authenticate
 *    reads from a token before it has verified it (src/authenticate.c).
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "nodes/pg_list.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "fuzz.h"
#include "jose.h"

/*
 * Test keys (the private keys of test/sql/jose.sql, public test material):
 * one of each type and size the verifier accepts.
 */
static const char *const test_jwks =
	"{\"keys\":["
	"{\"kty\":\"RSA\",\"kid\":\"rsa-1\",\"n\":\"obdgLZjse5MnfgNHahzY1lOG7PsR8-7SJApgQhKsoop94gz"
	"as5rDx8wVM39XYuDixuQDbwmLXWqlQshCBQ4DD4jRz4YQ7swQ3f17bqDTBNoMAnnBnbq_FNj5pHxtj_31Jd2xc8i0U"
	"gBWDUaR6ZjyHSwn1eH9dIM773O-k2xH647KYWNsMnXF8ZxnTenCxAftlFXVKKpGC7liULFfEyvvb2soPgv4v7wreG4"
	"FKyuNqZtk0haZH1uDrTfjGJKO-pjHqqn-6il1dXpCxRD3_KedK1wh0P4HpDlHszH8G222gWXbfQiqIsxLtSDhpCkV6"
	"ddko7szWrtgrh1Gj_sJhgNFvQ\",\"e\":\"AQAB\",\"d\":\"RfGzwhT913buolSVu0IN0SlgVrhC7A_zyM3KE1n"
	"TXBvtVWt83ijGm_BbjSH7MFOXEjIFgC2PHxDkuI037MrCLSJeqNTSFw6hDvq3O8KIcnVCs4Fo6ikew0wTMX71vk03j"
	"jCkMzFwOHVXwrcunevecBqsghgUESQ_tJIJr-ap9qnkJKzKh9u_RepZ3SeRF5uH66bDh5uBZqOs9ozw97l4e5Qn5se"
	"PR5k105cEmY2CZ59R5oe2tdfbmKPOwDYcdB-ls4ANwpqkbpWLqYR6wj5-ZmZbhWQEJwt2dRnXk8Dot0jjjh40xSC84"
	"Wn_mF4LzwWNPqHzNCDGoxtaSg_7OCE8Sw\",\"p\":\"0ucXsmGtKfLfli52_n9NMhyGnhHpW0JOvOU1yTTIdnDJ-l"
	"iqMN-A4mgnTbiXWlfDPq3S3vu7XgMKpfZPg2ZOwakA0RRcXQnVp172uMifAAfDsn61x5V865rVBa78iAd3-tY9EFCM"
	"hxXbG5ZZogL3TXQ7Ao41v4MvxCQRf3_JzCc\",\"q\":\"xEvMU6s8zm32fS4oFpMgIdwrXHCAwgSFoZDfqZG517vX"
	"TgMnhMDEJxWtrXL7_Wj1TVyn2zK5uYJRQvfMJACqTMjL-GB08_VnZh4P6ZaCiokIs1krGK8-3kKHMkdIUI35NqKUbd"
	"AMxH-1dw_XVehs7bdU2_9rMTTO6E5Cel4KuXs\",\"dp\":\"y2UbMWmJ-v7EKq49DEvxQvbHzQIxL1XPYdUb_iPtg"
	"GxeHhYMbH3ganlQDmCLdxFUtsokp-_WT2BXkJ7vKCYupg47P2iHeyLU7kljX-n7jafvT-FrpkPA6ee0sXqFCRtK1pp"
	"u4aENJeoqGXzyjJCXuBb0Ig7MPxphoqO2TGQNVdk\",\"dq\":\"wW3_1qLytGhfcFM_ZZ9tFnCiueCSwJ08IU1lWO"
	"8ktpV_QHyTQJnDsNAH6NdZwQjgUG9xaOq_YTItaVRNcVzGdAuaExLZrFyym0ocXA3YbTNDw5emhBiMVvAv0Te05sxA"
	"O7pRkTRmoGtIIh8WDq2OSWFS2ccDleV3zirwDy0EXGk\",\"qi\":\"KYpeMdwvqCKkBjuyOvfZAy3SG6QXoBF5hu_"
	"c7vYiGQUFCRe4zo6JK4YetNqWRHilWlYNmmnp2qaFdBWT1PVXT3xkUOt6py_xN7J1XMmkRXnJLM83g_Q55jEdp6P98"
	"8kILyiS73JCgN53aCl600nNvKrijfMfBJWgSESEjsaR-wo\"}"
	","
	"{\"kty\":\"EC\",\"kid\":\"p256-1\",\"crv\":\"P-256\",\"x\":\"pD1ZIRsBmrjym9WsM601kFW0zg_5b"
	"4g98anDoDOAH_U\",\"y\":\"mxCZts_Gji1fyUNKiF5mlaW_kEQA3hkr9UEJ6vNi1EQ\",\"d\":\"6yYXJot7D7O"
	"nCViKBUiB9duFvI188Mp_EQUTE99q-SQ\"}"
	","
	"{\"kty\":\"EC\",\"kid\":\"p384-1\",\"crv\":\"P-384\",\"x\":\"AFUVp64NM2B38CUKH3IY5D7NAE8v_"
	"5qSIa80YZrFXyWQFFYrQJC6d9pRbeR2hsZC\",\"y\":\"qZN-aovLuCxFD-O20Fvlv1FSws0lLZbEcPyYN8ngG3Bq"
	"qpwf2_NL8d0qvcPpFrCP\",\"d\":\"-CHq4UvaK4ZWvKIa8FafZYIEjVIhfp56krhtm1U5qULxPr4KRy8srJ0VGwE"
	"8Onbq\"}"
	","
	"{\"kty\":\"OKP\",\"kid\":\"ed-1\",\"crv\":\"Ed25519\",\"x\":\"7UUKCw1-cSsUJTUwq93ntIZKXD6I"
	"hfrG8eLxLfADWfs\",\"d\":\"BG7Z5dFxeuU-50Uj_WrFEzyU4b6BweNU1Lzuz_bEAnc\"}"
	","
	"{\"kty\":\"oct\",\"kid\":\"hs-32\",\"k\":\"r1bZweJqwkB7IrJbj5YfY8YMCOx5PrUKsUrjVIvpoto\"}"
	","
	"{\"kty\":\"oct\",\"kid\":\"hs-48\",\"k\":\"X0qMB7M_5WRwovaQD3qHWBbaxxVN1zeMtSwh0CXgsxo08nx"
	"DK5No4DU9IdmtqyxG\"}"
	","
	"{\"kty\":\"oct\",\"kid\":\"hs-64\",\"k\":\"k6evHgjie5SAxnDaK1-MaREmquFHCou31fs9WDqWh3upRce"
	"gf3qCCQTwr__y0nMRi-JflE5bIAPub786WcgMFQ\"}"
	"]}";

/* the algorithms each test key signs with, in the order of the set */
static const char *const key_algs[][7] = {
	{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", NULL},
	{"ES256", NULL},
	{"ES384", NULL},
	{"EdDSA", NULL},
	{"HS256", NULL},
	{"HS384", NULL},
	{"HS512", NULL},
};

/* every algorithm name dcpf knows, and some it refuses */
static const char *const alg_names[] = {
	"HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
	"ES256", "ES384", "EdDSA", "none", "NONE", "ES512", "RS1", "", NULL
};

static const char *const json_errors[] = {"22", "54", NULL};

static MemoryContext keys_cxt = NULL;
static List *keys = NIL;

static Jsonb *
jsonb_from(const char *json)
{
	return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(json)));
}

/* The test keys, parsed once into a context of their own. */
static void
keys_init(void)
{
	MemoryContext old;

	if (keys != NIL)
		return;
	keys_cxt = AllocSetContextCreate(TopMemoryContext, "dcpf fuzz keys", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(keys_cxt);
	keys = dcpf_jwks_parse(jsonb_from(test_jwks), true);
	MemoryContextSwitchTo(old);
	if (list_length(keys) != (int) lengthof(key_algs))
		dcpf_fuzz_fail("the test key set has %d keys, expected %d", list_length(keys),
					   (int) lengthof(key_algs));
}

/*
 * base64url: a decoded input encodes back to itself (decoding is strict,
 * so only canonical text decodes), a refusal says why, and any bytes
 * encoded decode back to themselves. Never raises.
 */
static void
base64url_one(const uint8_t *data, size_t size)
{
	char	   *in = palloc(size);	/* not NUL-terminated: the decoder takes a length */
	const char *reason = NULL;
	int			outlen = -1;
	unsigned char *out;
	char	   *encoded;

	memcpy(in, data, size);
	out = dcpf_base64url_decode(in, (int) size, &outlen, &reason);
	if (out != NULL)
	{
		char	   *again = dcpf_base64url_encode(out, outlen);

		if (outlen < 0 || out[outlen] != '\0' || strlen(again) != size || memcmp(again, in, size) != 0)
			dcpf_fuzz_fail("base64url: %zu characters decode to %d bytes that do not encode back to them",
						   size, outlen);
	}
	else if (reason == NULL || reason[0] == '\0')
		dcpf_fuzz_fail("base64url: a refusal without a reason");

	encoded = dcpf_base64url_encode(data, (int) size);
	out = dcpf_base64url_decode(encoded, (int) strlen(encoded), &outlen, &reason);
	if (out == NULL || outlen != (int) size || memcmp(out, data, size) != 0)
		dcpf_fuzz_fail("base64url: %zu bytes do not survive encoding and decoding (%s)", size,
					   out == NULL ? reason : "different bytes");
}

static void
base64url_seeds(DcpfFuzzEmit emit)
{
	static const char *const seeds[] = {
		"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "_-_-", "eyJhbGciOiJIUzI1NiJ9", "AQAB", "A", "Zh", "Zm9=", NULL
	};
	const char *const *s;

	for (s = seeds; *s; s++)
		emit(*s, strlen(*s));
}

const DcpfFuzzHarness dcpf_fuzz_base64url = {
	"base64url", NULL, base64url_one, base64url_seeds, NULL, false
};

/*
 * JWK sets: any JSON text, imported as dcpf.register_identity_provider and
 * dcpf.jws_verify import it (private members refused or allowed, by the
 * input's length), then every key described and matched against every
 * algorithm name, and a single key's thumbprint taken.
 */
static void
jwks_one(const uint8_t *data, size_t size)
{
	Jsonb	   *jwks = jsonb_from(dcpf_fuzz_cstring(data, size));
	List	   *parsed = dcpf_jwks_parse(jwks, size % 2 == 0);
	ListCell   *lc;

	foreach(lc, parsed)
	{
		DcpfJwk    *key = lfirst(lc);
		const char *const *alg;

		if (dcpf_jwk_describe(key) == NULL || dcpf_jwk_type_name(key->kty) == NULL)
			dcpf_fuzz_fail("jwks: a key without a description");
		for (alg = alg_names; *alg; alg++)
		{
			const char *why = NULL;

			if (!dcpf_jwk_fits_alg(key, *alg, &why) && why == NULL)
				dcpf_fuzz_fail("jwks: key refused for %s without a reason", *alg);
		}
	}
	if (list_length(parsed) == 1 && JB_ROOT_IS_OBJECT(jwks) &&
		getKeyJsonValueFromContainer(&jwks->root, "keys", 4, NULL) == NULL)
		(void) dcpf_jwk_thumbprint(jwks);
	dcpf_jwks_free(parsed);
}

static void
jwks_seeds(DcpfFuzzEmit emit)
{
	static const char *const extra[] = {
		"{\"keys\":[]}",
		"{\"kty\":\"oct\",\"k\":\"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow\"}",
		"{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\",\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}",
		"{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\",\"use\":\"sig\",\"alg\":\"EdDSA\"}",
		"{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"X25519\",\"x\":\"hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo\"},{\"kty\":\"DSA\"}]}",
		NULL
	};
	const char *const *s;

	emit(test_jwks, strlen(test_jwks));
	for (s = extra; *s; s++)
		emit(*s, strlen(*s));
}

const DcpfFuzzHarness dcpf_fuzz_jwks = {
	"jwks", NULL, jwks_one, jwks_seeds, json_errors, true
};

/* the key and algorithm an input of this size signs with */
static const DcpfJwk *
signing_key(size_t size, const char **alg)
{
	int			k = (int) (size % lengthof(key_algs));
	int			nalgs = 0;

	while (key_algs[k][nalgs])
		nalgs++;
	*alg = key_algs[k][(size / lengthof(key_algs)) % nalgs];
	return list_nth(keys, k);
}

/* Verify a token; dcpf_jws_verify never raises for a token, only refuses. */
static bool
verify_never_raises(const char *token, int len, DcpfJwsVerifyResult *result)
{
	volatile bool ok = false;

	memset(result, 0, sizeof(*result));
	PG_TRY();
	{
		ok = dcpf_jws_verify(token, len, keys, DCPF_JWS_DEFAULT_MAX_BYTES, result);
	}
	PG_CATCH();
	{
		ErrorData  *e = CopyErrorData();

		dcpf_fuzz_fail("jws: dcpf_jws_verify raised SQLSTATE %s: %s", unpack_sql_state(e->sqlerrcode),
					   e->message);
	}
	PG_END_TRY();
	return ok;
}

/*
 * JWS. An input starting with '{' is claims: signed with a test key (by the
 * input's size), the token must verify and give the same claims back, or,
 * when they hold a number PostgreSQL cannot store, be refused as malformed.
 * Any other input is a token: it is verified against the test keys (a
 * refusal must have a reason and a documented kind), and the issuer is read
 * from it as dcpf.authenticate does before verifying.
 */
static void
jws_one(const uint8_t *data, size_t size)
{
	DcpfJwsVerifyResult result;

	keys_init();
	if (size > 0 && data[0] == '{')
	{
		const char *alg;
		const DcpfJwk *key = signing_key(size, &alg);
		char	   *token = dcpf_jws_sign((const char *) data, (int) size, key, alg, key->kid);

		if (!verify_never_raises(token, (int) strlen(token), &result))
		{
			char	   *problem;

			/* claims with a number jsonb cannot store are refused, as jose.md says */
			if (result.refusal == DCPF_JWS_MALFORMED &&
				dcpf_jsonb_in_or_null(dcpf_fuzz_cstring(data, size), true, &problem) == NULL)
				return;
			dcpf_fuzz_fail("jws: a token signed with %s (%s) does not verify: %s", alg,
						   dcpf_jwk_describe(key), result.detail ? result.detail : "?");
		}
		if (!DatumGetBool(DirectFunctionCall2(jsonb_eq, JsonbPGetDatum(result.claims),
											  JsonbPGetDatum(jsonb_from(dcpf_fuzz_cstring(data, size))))))
			dcpf_fuzz_fail("jws: the verified claims differ from the signed ones");
		return;
	}
	if (verify_never_raises((const char *) data, (int) size, &result))
	{
		if (result.claims == NULL || result.header == NULL || result.key == NULL)
			dcpf_fuzz_fail("jws: verified without header, claims or key");
	}
	else if (result.refusal == DCPF_JWS_OK || result.detail == NULL ||
			 dcpf_jws_refusal_name(result.refusal) == NULL)
		dcpf_fuzz_fail("jws: a refusal without a kind or a reason");
	(void) dcpf_fuzz_peek_issuer((const char *) data, (int) size);
}

static void
jws_seeds(DcpfFuzzEmit emit)
{
	static const char *const claims[] = {
		"{\"iss\":\"https://idp.example.nl\",\"sub\":\"u-1\",\"aud\":\"dcpf\",\"exp\":1900000000,\"nbf\":1700000000}",
		"{\"iss\":\"dcpf\",\"sub\":\"0192b6a0-7c1e-7a5e-9f00-000000000001\",\"exp\":1900000000,\"iat\":1.5e9,\"x\":[1,{\"y\":null}]}",
		"{}",
		NULL
	};
	int			k;
	int			c;

	keys_init();
	for (k = 0; k < (int) lengthof(key_algs); k++)
	{
		const char *const *alg;

		for (alg = key_algs[k]; *alg; alg++)
			for (c = 0; claims[c]; c++)
			{
				const DcpfJwk *key = list_nth(keys, k);
				char	   *token = dcpf_jws_sign(claims[c], strlen(claims[c]), key, *alg, key->kid);

				emit(token, strlen(token));
			}
	}
	for (c = 0; claims[c]; c++)
		emit(claims[c], strlen(claims[c]));
}

const DcpfFuzzHarness dcpf_fuzz_jws = {
	"jws", keys_init, jws_one, jws_seeds, json_errors, true
};
