/*-------------------------------------------------------------------------
 * login.c
 *    dcpf as its own identity provider: dcpf.login checks an e-mail address,
 *    password and second factor, logs the attempt, and issues a short-lived
 *    EdDSA token signed with the platform key.
 *
 * The platform key is an Ed25519 private key in a PEM file named by the
 * superuser-only setting dcpf.platform_key_file. Only this file reads it;
 * it is kept in backend memory (an EVP_PKEY), never in SQL text, logs or
 * tables. dcpf.platform_public_jwk gives its public half for
 * dcpf.register_platform_issuer.
 *
 * A failed login does not raise: it records the attempt in
 * dcpf.login_attempt and returns NULL, the same NULL for every failure, so
 * the record survives when the caller commits and nothing tells an unknown
 * e-mail address from a wrong password. An unknown address costs the same
 * scrypt work as a known one. All SQL runs as the extension owner with typed
 * parameters (sql/110_login.sql).
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/stat.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "access/xlog.h"
#include "catalog/pg_type_d.h"
#include "fmgr.h"
#include "storage/fd.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "dcpf.h"
#include "jose.h"

#define LOGIN_PASSWORD_MAX_BYTES 1024

static EVP_PKEY *platform_key = NULL;
static char *platform_key_path = NULL;

/*
 * Load an Ed25519 private key from a PEM file that only the server user may
 * read; raises 55000, naming the setting, when it is missing or unusable.
 * The caller keeps the key (EVP_PKEY_free) for as long as the setting names
 * the same file.
 */
EVP_PKEY *
dcpf_ed25519_key_load(const char *path, const char *setting, const char *what)
{
	FILE	   *fp;
	struct stat st;
	BIO		   *bio;
	EVP_PKEY   *pkey;
	const char *problem = NULL;
	char	   *detail = NULL;

	if (path == NULL || path[0] == '\0')
	{
		problem = psprintf("no %s is configured", what);
		detail = psprintf("%s is not set.", setting);
	}
	else if ((fp = AllocateFile(path, "r")) == NULL)
	{
		problem = psprintf("could not open the %s file", what);
		detail = psprintf("The file named by %s cannot be opened: %m.", setting);
	}
	else
	{
		if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode))
			problem = psprintf("the %s file is not a regular file", what);
		else if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
		{
			problem = psprintf("the %s file is accessible to others", what);
			detail = pstrdup("The file must have mode 0600 (or 0400): no access for group or others.");
		}
		pkey = NULL;
		if (problem == NULL)
		{
			bio = BIO_new_fp(fp, BIO_NOCLOSE);
			pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
			BIO_free(bio);
		}
		FreeFile(fp);
		if (problem == NULL && pkey == NULL)
		{
			problem = psprintf("could not read the %s", what);
			detail = psprintf("The file named by %s holds no PEM private key.", setting);
		}
		else if (problem == NULL && EVP_PKEY_get_base_id(pkey) != EVP_PKEY_ED25519)
		{
			EVP_PKEY_free(pkey);
			problem = psprintf("the %s is not an Ed25519 key", what);
			detail = pstrdup("dcpf signs with EdDSA (Ed25519).");
		}
		if (problem == NULL)
			return pkey;
	}
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("%s", problem),
			 detail ? errdetail("%s", detail) : 0,
			 errhint("Set %s to a PEM file with an Ed25519 private key, "
					 "readable by the server user only, and reload the configuration.", setting)));
	pg_unreachable();
}

/* The platform key, loaded (again) when the setting names another file. */
static EVP_PKEY *
platform_key_get(void)
{
	if (platform_key != NULL && dcpf_platform_key_file != NULL &&
		strcmp(platform_key_path, dcpf_platform_key_file) == 0)
		return platform_key;
	if (platform_key != NULL)
	{
		EVP_PKEY_free(platform_key);
		pfree(platform_key_path);
		platform_key = NULL;
		platform_key_path = NULL;
	}
	platform_key = dcpf_ed25519_key_load(dcpf_platform_key_file, "dcpf.platform_key_file", "platform key");
	platform_key_path = MemoryContextStrdup(TopMemoryContext, dcpf_platform_key_file);
	return platform_key;
}

/* The public JWK of the platform key, as JSON text. */
static char *
platform_public_jwk_text(void)
{
	unsigned char pub[32];
	size_t		len = sizeof(pub);

	if (EVP_PKEY_get_raw_public_key(platform_key_get(), pub, &len) != 1 || len != 32)
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not read the platform public key")));
	return psprintf("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"%s\",\"alg\":\"EdDSA\",\"use\":\"sig\"}",
					dcpf_base64url_encode(pub, 32));
}

/* dcpf.platform_public_jwk(): the public half of the platform key. */
PG_FUNCTION_INFO_V1(dcpf_platform_public_jwk);
Datum
dcpf_platform_public_jwk(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(platform_public_jwk_text())));
}

/* Seconds since the Unix epoch, now. */
static int64
unix_now(void)
{
	return GetCurrentTimestamp() / USECS_PER_SEC +
		(int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY;
}

/* Sign a token for a person with the platform key. */
static char *
issue_token(const char *person, bool second_factor)
{
	DcpfJwk		key;
	Jsonb	   *jwk = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(platform_public_jwk_text())));
	char	   *kid = dcpf_jwk_thumbprint(jwk);
	unsigned char jti[16];
	int64		now = unix_now();
	StringInfoData claims;

	memset(&key, 0, sizeof(key));
	key.kty = DCPF_JWK_OKP;
	key.crv = "Ed25519";
	key.alg = "EdDSA";
	key.kid = kid;
	key.bits = 256;
	key.is_private = true;
	key.pkey = platform_key_get();

	if (!pg_strong_random(jti, sizeof(jti)))
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not generate a token id")));
	initStringInfo(&claims);
	appendStringInfoString(&claims, "{\"iss\":");
	escape_json(&claims, (dcpf_issuer && dcpf_issuer[0]) ? dcpf_issuer : "dcpf");
	appendStringInfoString(&claims, ",\"sub\":");
	escape_json(&claims, person);
	appendStringInfo(&claims, ",\"aud\":\"dcpf\",\"iat\":" INT64_FORMAT ",\"exp\":" INT64_FORMAT
					 ",\"jti\":\"%s\",\"amr\":[\"pwd\"%s]}",
					 now, now + dcpf_token_lifetime, dcpf_base64url_encode(jti, sizeof(jti)),
					 second_factor ? ",\"otp\"" : "");
	return dcpf_jws_sign(claims.data, claims.len, &key, "EdDSA", kid);
}

/* A string member of a jsonb object, palloc'd, or NULL (also for JSON null). */
static char *
member_string(Jsonb *obj, const char *key)
{
	JsonbValue *v = getKeyJsonValueFromContainer(&obj->root, key, strlen(key), NULL);

	if (v == NULL || v->type != jbvString)
		return NULL;
	return pnstrdup(v->val.string.val, v->val.string.len);
}

/* A boolean member of a jsonb object; false when absent. */
static bool
member_bool(Jsonb *obj, const char *key)
{
	JsonbValue *v = getKeyJsonValueFromContainer(&obj->root, key, strlen(key), NULL);

	return v != NULL && v->type == jbvBool && v->val.boolean;
}

/*
 * dcpf.login(email, password, totp, client): a token, or NULL for every
 * failure. The attempt is always recorded (the caller must commit).
 */
PG_FUNCTION_INFO_V1(dcpf_login);
Datum
dcpf_login(PG_FUNCTION_ARGS)
{
	text	   *email;
	text	   *pw;
	char	   *password;
	int			len;
	char	   *code = PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2));
	Oid			argtypes[5] = {TEXTOID, JSONBOID, TEXTOID, JSONBOID, TEXTOID};
	Datum		values[5];
	char		nulls[5] = {' ', ' ', ' ', ' ', ' '};
	char	   *state_text;
	Jsonb	   *state;
	char	   *person;
	char	   *phc;
	bool		match = false;
	bool		weaker = false;
	const char *outcome;
	char	   *new_phc = NULL;
	char	   *token = NULL;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("an e-mail address and a password are required")));
	if (RecoveryInProgress())
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("cannot log in on a standby"),
				 errdetail("Every login attempt is recorded and counts towards the lockout, "
						   "and this server is a hot standby, which cannot write them."),
				 errhint("Log in on the primary: the token it issues is verified on a standby too.")));
	(void) platform_key_get();
	email = PG_GETARG_TEXT_PP(0);
	pw = PG_GETARG_TEXT_PP(1);
	len = VARSIZE_ANY_EXHDR(pw);
	if (len > LOGIN_PASSWORD_MAX_BYTES)
		len = LOGIN_PASSWORD_MAX_BYTES + 1; /* never matches; same work below */
	password = pnstrdup(VARDATA_ANY(pw), Min(len, LOGIN_PASSWORD_MAX_BYTES));

	/* who, and whether the account or the client address is locked */
	values[0] = PointerGetDatum(email);
	values[1] = PG_ARGISNULL(3) ? (Datum) 0 : PG_GETARG_DATUM(3);
	nulls[1] = PG_ARGISNULL(3) ? 'n' : ' ';
	state_text = dcpf_spi_as_owner("SELECT dcpf.login_lookup($1, $2)", 2, argtypes, values, nulls, false);
	if (state_text == NULL)
		elog(ERROR, "dcpf.login_lookup returned nothing");
	state = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(state_text)));
	person = member_string(state, "person");
	phc = member_string(state, "phc");

	/* the scrypt work is the same for known and unknown addresses */
	if (phc != NULL)
		match = dcpf_password_verify(password, Min(len, LOGIN_PASSWORD_MAX_BYTES), phc, &weaker) &&
			len <= LOGIN_PASSWORD_MAX_BYTES;
	else
		dcpf_password_dummy_work(password, Min(len, LOGIN_PASSWORD_MAX_BYTES));

	if (member_bool(state, "locked"))
		outcome = "locked";
	else if (person == NULL || phc == NULL)
		outcome = "unknown_account";
	else if (!match)
		outcome = "wrong_password";
	else if (member_bool(state, "deactivated"))
		outcome = "deactivated";
	else if (member_bool(state, "totp") && code == NULL)
		outcome = "totp_required";
	else if (member_bool(state, "totp") &&
			 !dcpf_second_factor_ok(DatumGetUUIDP(DirectFunctionCall1(uuid_in, CStringGetDatum(person))), code))
		outcome = "wrong_totp";
	else
	{
		outcome = "success";
		if (weaker)
			new_phc = dcpf_password_hash(password, len, dcpf_scrypt_log_n);
	}
	OPENSSL_cleanse(password, Min(len, LOGIN_PASSWORD_MAX_BYTES));

	/* record the attempt (the first parameter is the e-mail as given) */
	argtypes[1] = UUIDOID;
	values[1] = person ? DirectFunctionCall1(uuid_in, CStringGetDatum(person)) : (Datum) 0;
	nulls[1] = person ? ' ' : 'n';
	values[2] = CStringGetTextDatum(outcome);
	values[3] = PG_ARGISNULL(3) ? (Datum) 0 : PG_GETARG_DATUM(3);
	nulls[3] = PG_ARGISNULL(3) ? 'n' : ' ';
	values[4] = new_phc ? CStringGetTextDatum(new_phc) : (Datum) 0;
	nulls[4] = new_phc ? ' ' : 'n';
	(void) dcpf_spi_as_owner("SELECT dcpf.login_record($1, $2, $3, $4, $5)", 5, argtypes, values, nulls, false);

	if (strcmp(outcome, "success") != 0)
		PG_RETURN_NULL();
	token = issue_token(person, member_bool(state, "totp"));
	PG_RETURN_TEXT_P(cstring_to_text(token));
}
