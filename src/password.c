/*-------------------------------------------------------------------------
 * password.c
 *    Passwords for dcpf's own login: scrypt hashes in PHC string format,
 *    the password policy, and dcpf.set_password.
 *
 * Hashes are scrypt (OpenSSL 3 EVP_KDF "SCRYPT") with N = 2^dcpf.scrypt_log_n,
 * r = 8, p = 1, a 16-byte salt from pg_strong_random and 32 bytes of output,
 * written as $scrypt$ln=17,r=8,p=1$<salt>$<hash> (standard base64 without
 * padding). The parameters travel with the hash, so the cost can rise: a
 * hash below the current setting is re-hashed at the next successful login.
 * Comparison is constant time (CRYPTO_memcmp); every buffer that held a
 * password or a derived key is wiped.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "catalog/pg_collation_d.h"
#include "catalog/pg_type_d.h"
#include "common/base64.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/formatting.h"
#include "utils/jsonb.h"
#include "utils/uuid.h"

#include "dcpf.h"

#define SCRYPT_R 8
#define SCRYPT_P 1
#define SALT_LEN 16
#define HASH_LEN 32
#define PASSWORD_MAX_BYTES 1024

extern Datum dcpf_current_person(PG_FUNCTION_ARGS);

/*
 * The most common passwords of at least 12 characters (and a few shorter
 * classics that people pad with digits), lower case.
 */
static const char *const common_passwords[] = {
	"123456789012", "1234567890123", "12345678901234", "123456789123", "111111111111",
	"000000000000", "123123123123", "121212121212", "987654321012", "098765432109",
	"password1234", "password12345", "password123456", "passwordpassword", "password!123",
	"qwertyuiopas", "qwertyuiop12", "qwerty123456", "qwertyuiopasdf", "1qaz2wsx3edc",
	"asdfghjkl123", "zxcvbnm12345", "abc123456789", "abcdefghijkl", "abcd12345678",
	"iloveyou1234", "iloveyou12345", "letmein12345", "welcome12345", "welcome123456",
	"welkom123456", "welkom1234567", "wachtwoord12", "wachtwoord123", "wachtwoord1234",
	"wachtwoord!!", "geheim123456", "voetbal12345", "ajax12345678", "feyenoord123",
	"nederland123", "amsterdam123", "rotterdam123", "utrecht12345", "hallo1234567",
	"monkey123456", "dragon123456", "football1234", "baseball1234", "sunshine1234",
	"princess1234", "superman1234", "trustno11234", "starwars1234", "master123456",
	"shadow123456", "michael12345", "jennifer1234", "computer1234", "internet1234",
	"changeme1234", "administrator", "admin1234567", "adminadmin12", "rootroot1234",
	"passw0rd1234", "p@ssw0rd1234", "p@ssword1234", "pa$$word1234", "1q2w3e4r5t6y",
	"q1w2e3r4t5y6", "1234qwerasdf", "qwer1234asdf", "zaq12wsxcde3", "aaaaaaaaaaaa",
	"summer2024!!", "winter2024!!", "spring2024!!", "autumn2024!!", "zomer2024!!!",
	"ziekenhuis12", "verpleging12", "verpleegkundige", "huisarts1234", "dokter123456",
	"medisch12345", "zorg12345678", "patient12345", "portfolio123", "loveyou12345",
	"whatever1234", "freedom12345", "trustno1trustno1", "123qweasdzxc", "qazwsxedcrfv",
	"mustang12345", "liverpool123", "chelsea12345", "arsenal12345", "batman123456",
	NULL
};

/*
 * Common words: a password that is one of these with digits or symbols
 * around it ("welkom123456", "!!wachtwoord2024") is refused.
 */
static const char *const common_words[] = {
	"password", "passwort", "wachtwoord", "welkom", "welcome", "geheim", "secret",
	"qwerty", "qwertyuiop", "qwertyuiopas", "azerty", "asdfgh", "asdfghjkl", "zxcvbnm",
	"abcdef", "abcdefgh", "letmein", "iloveyou", "admin", "administrator", "root",
	"changeme", "monkey", "dragon", "football", "voetbal", "baseball", "sunshine",
	"princess", "superman", "batman", "starwars", "master", "shadow", "hallo",
	"hello", "test", "testtest", "guest", "login", "user", "default", "ajax",
	"feyenoord", "psv", "nederland", "holland", "amsterdam", "rotterdam", "utrecht",
	"zomer", "winter", "lente", "herfst", "summer", "spring", "autumn", "liefde",
	"schatje", "ziekenhuis", "zorg", "dokter", "huisarts", "verpleging",
	"verpleegkundige", "portfolio", "dcpf", "trustno", "freedom", "whatever", "pa$$word",
	"p@ssw0rd", "passw0rd", "p@ssword",
	NULL
};

/* Run scrypt: out gets out_len bytes. Raises on an OpenSSL failure. */
static void
scrypt_derive(const char *password, int len, const unsigned char *salt, int salt_len,
			  int log_n, int r, int p, unsigned char *out, int out_len)
{
	EVP_KDF    *kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL);
	EVP_KDF_CTX *ctx;
	OSSL_PARAM	params[7];
	uint64_t	n = UINT64_C(1) << log_n;
	uint32_t	r32 = (uint32_t) r;
	uint32_t	p32 = (uint32_t) p;
	uint64_t	maxmem = (uint64_t) 128 * r * (n + p + 2) + 1024 * 1024;
	int			ok;

	if (kdf == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not fetch the scrypt key derivation function")));
	ctx = EVP_KDF_CTX_new(kdf);
	EVP_KDF_free(kdf);
	if (ctx == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *) password, len);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *) salt, salt_len);
	params[2] = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n);
	params[3] = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r32);
	params[4] = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p32);
	params[5] = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem);
	params[6] = OSSL_PARAM_construct_end();
	ok = EVP_KDF_derive(ctx, out, out_len, params);
	EVP_KDF_CTX_free(ctx);
	if (ok != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("scrypt failed"),
				 errdetail("OpenSSL could not derive the hash (ln=%d, r=%d, p=%d).", log_n, r, p)));
}

/* Standard base64 without padding, palloc'd. */
static char *
b64_nopad(const unsigned char *data, int len)
{
	int			cap = pg_b64_enc_len(len) + 1;
	char	   *out = palloc(cap);
	int			n = pg_b64_encode((const char *) data, len, out, cap);

	if (n < 0)
		elog(ERROR, "base64 encoding failed");
	while (n > 0 && out[n - 1] == '=')
		n--;
	out[n] = '\0';
	return out;
}

/* Decode unpadded standard base64 into out (at most cap bytes); -1 when invalid. */
static int
b64_nopad_decode(const char *in, int len, unsigned char *out, int cap)
{
	char	   *padded;
	int			n;

	if (len % 4 == 1 || len > 4 * cap)
		return -1;
	padded = palloc(len + 3);
	memcpy(padded, in, len);
	while (len % 4 != 0)
		padded[len++] = '=';
	if (pg_b64_dec_len(len) > cap + 3)
		return -1;
	{
		char	   *buf = palloc(pg_b64_dec_len(len) + 1);

		n = pg_b64_decode(padded, len, buf, pg_b64_dec_len(len));
		if (n < 0 || n > cap)
			return -1;
		memcpy(out, buf, n);
	}
	return n;
}

/* Hash a password with a fresh salt at the given cost: a PHC string. */
char *
dcpf_password_hash(const char *password, int len, int log_n)
{
	unsigned char salt[SALT_LEN];
	unsigned char hash[HASH_LEN];
	char	   *phc;

	if (!pg_strong_random(salt, sizeof(salt)))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate a random salt")));
	scrypt_derive(password, len, salt, SALT_LEN, log_n, SCRYPT_R, SCRYPT_P, hash, HASH_LEN);
	phc = psprintf("$scrypt$ln=%d,r=%d,p=%d$%s$%s", log_n, SCRYPT_R, SCRYPT_P,
				   b64_nopad(salt, SALT_LEN), b64_nopad(hash, HASH_LEN));
	OPENSSL_cleanse(hash, sizeof(hash));
	return phc;
}

/* A PHC scrypt string, parsed. */
typedef struct PhcScrypt
{
	int			log_n;
	int			r;
	int			p;
	unsigned char salt[64];
	int			salt_len;
	unsigned char hash[64];
	int			hash_len;
} PhcScrypt;

/* Parse $scrypt$ln=N,r=R,p=P$salt$hash; raise 22023 when malformed. */
static void
phc_parse(const char *phc, PhcScrypt *out)
{
	int			consumed = 0;
	const char *salt;
	const char *dollar;

	if (sscanf(phc, "$scrypt$ln=%d,r=%d,p=%d$%n", &out->log_n, &out->r, &out->p, &consumed) != 3 ||
		consumed == 0 ||
		out->log_n < 10 || out->log_n > 22 || out->r < 1 || out->r > 32 || out->p < 1 || out->p > 16)
		goto bad;
	salt = phc + consumed;
	dollar = strchr(salt, '$');
	if (dollar == NULL)
		goto bad;
	out->salt_len = b64_nopad_decode(salt, (int) (dollar - salt), out->salt, sizeof(out->salt));
	out->hash_len = b64_nopad_decode(dollar + 1, strlen(dollar + 1), out->hash, sizeof(out->hash));
	if (out->salt_len < 8 || out->hash_len < 16)
		goto bad;
	return;
bad:
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid password hash"),
			 errdetail("A password hash is a PHC string $scrypt$ln=…,r=…,p=…$salt$hash with 8–64 bytes of salt and 16–64 of hash.")));
}

/* Check a password against a PHC string in constant time. */
bool
dcpf_password_verify(const char *password, int len, const char *phc, bool *weaker)
{
	PhcScrypt	parsed;
	unsigned char computed[64];
	bool		match;

	phc_parse(phc, &parsed);
	scrypt_derive(password, len, parsed.salt, parsed.salt_len, parsed.log_n, parsed.r, parsed.p,
				  computed, parsed.hash_len);
	match = CRYPTO_memcmp(computed, parsed.hash, parsed.hash_len) == 0;
	OPENSSL_cleanse(computed, sizeof(computed));
	if (weaker)
		*weaker = parsed.log_n < dcpf_scrypt_log_n || parsed.r < SCRYPT_R;
	return match;
}

/* The cost of one verification at the current setting, for unknown accounts. */
void
dcpf_password_dummy_work(const char *password, int len)
{
	static const unsigned char salt[SALT_LEN] = "dcpf-dummy-salt";
	unsigned char out[HASH_LEN];

	scrypt_derive(password, len, salt, SALT_LEN, dcpf_scrypt_log_n, SCRYPT_R, SCRYPT_P, out, HASH_LEN);
	OPENSSL_cleanse(out, sizeof(out));
}

/* The caller may manage this person's credentials: owner, superuser or the person. */
void
dcpf_check_may_manage(const pg_uuid_t *person)
{
	LOCAL_FCINFO(fcinfo, 0);
	Datum		current;

	if (superuser() || has_privs_of_role(GetUserId(), dcpf_extension_owner()))
		return;
	InitFunctionCallInfoData(*fcinfo, NULL, 0, InvalidOid, NULL, NULL);
	current = dcpf_current_person(fcinfo);
	if (!fcinfo->isnull && memcmp(DatumGetUUIDP(current), person, sizeof(pg_uuid_t)) == 0)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied to manage this person's credentials"),
			 errdetail("Only the person themself (as the verified identity) or the extension owner may.")));
}

/* Refuse a password with a detail. */
static void pg_attribute_noreturn()
refuse_password(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("password refused"),
			 errdetail("%s", detail),
			 errhidestmt(true)));
	pg_unreachable();
}

/* Refuse when lower contains a part (>= 3 characters) of the text src. */
static void
refuse_if_contains_parts(const char *lower, const char *src, const char *what)
{
	char	   *low;
	char	   *p;

	if (src == NULL)
		return;
	low = str_tolower(src, strlen(src), DEFAULT_COLLATION_OID);
	for (p = low; *p;)
	{
		char	   *start;
		char		save;

		/* parts are separated by ASCII non-alphanumerics (space, '-', '.', '_', '+', ''') */
		while (*p && IS_HIGHBIT_SET(*p) == 0 && !isalnum((unsigned char) *p))
			p++;
		start = p;
		while (*p && (IS_HIGHBIT_SET(*p) || isalnum((unsigned char) *p)))
			p++;
		save = *p;
		*p = '\0';
		if (pg_mbstrlen(start) >= 3 && strstr(lower, start) != NULL)
			refuse_password(psprintf("The password contains the person's %s.", what));
		*p = save;
	}
}

/* True when s is in the NULL-terminated list. */
static bool
in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

/* Apply the password policy; raise 22023 with a detail when it fails. */
static void
check_password_policy(const char *password, int len, Jsonb *context)
{
	int			chars;
	char	   *lower;
	char	   *core;
	char	   *end;
	int			i;
	bool		same = true;

	if (len > PASSWORD_MAX_BYTES)
		refuse_password(psprintf("A password has at most %d bytes; this one has %d.", PASSWORD_MAX_BYTES, len));
	chars = pg_mbstrlen_with_len(password, len);
	if (chars < dcpf_password_min_length)
		refuse_password(psprintf("A password needs at least %d characters; this one has %d.",
								 dcpf_password_min_length, chars));
	lower = str_tolower(password, len, DEFAULT_COLLATION_OID);
	for (i = 1; lower[i]; i++)
		if (lower[i] != lower[0])
			same = false;
	if (same)
		refuse_password("The password repeats one character.");
	if (in_list(lower, common_passwords))
		refuse_password("The password is one of the most common passwords.");
	/* the core: without digits and symbols at either end */
	core = lower;
	while (*core && !IS_HIGHBIT_SET(*core) && !isalpha((unsigned char) *core))
		core++;
	end = core + strlen(core);
	while (end > core && !IS_HIGHBIT_SET(end[-1]) && !isalpha((unsigned char) end[-1]))
		end--;
	*end = '\0';
	if (*core == '\0')
		refuse_password("The password has no letters; it is a common number pattern.");
	if (in_list(core, common_words) || in_list(core, common_passwords))
		refuse_password("The password is a common word with digits or symbols added.");

	if (context != NULL)
	{
		const char *keys[3] = {"email_local", "surname", "given_names"};
		const char *what[3] = {"e-mail address", "surname", "given name"};

		for (i = 0; i < 3; i++)
		{
			JsonbValue *v = getKeyJsonValueFromContainer(&context->root, keys[i], strlen(keys[i]), NULL);

			if (v != NULL && v->type == jbvString)
				refuse_if_contains_parts(lower, pnstrdup(v->val.string.val, v->val.string.len), what[i]);
		}
	}
	OPENSSL_cleanse(lower, strlen(lower));
}

/*
 * dcpf.set_password(person, password): check the policy, hash and store.
 * Allowed for the person themself (verified identity) and the owner.
 */
PG_FUNCTION_INFO_V1(dcpf_set_password);
Datum
dcpf_set_password(PG_FUNCTION_ARGS)
{
	pg_uuid_t  *person;
	text	   *pw;
	char	   *password;
	int			len;
	char	   *context_text;
	Jsonb	   *context;
	char	   *phc;
	Oid			argtypes[2] = {UUIDOID, TEXTOID};
	Datum		values[2];

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("a person and a password are required")));
	person = PG_GETARG_UUID_P(0);
	dcpf_check_may_manage(person);
	pw = PG_GETARG_TEXT_PP(1);
	len = VARSIZE_ANY_EXHDR(pw);
	password = pnstrdup(VARDATA_ANY(pw), len);

	values[0] = UUIDPGetDatum(person);
	context_text = dcpf_spi_as_owner("SELECT dcpf.credential_context($1)", 1, argtypes, values, NULL, true);
	if (context_text == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("no person with that id")));
	context = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(context_text)));

	check_password_policy(password, len, context);
	phc = dcpf_password_hash(password, len, dcpf_scrypt_log_n);
	OPENSSL_cleanse(password, len);

	values[1] = CStringGetTextDatum(phc);
	(void) dcpf_spi_as_owner("SELECT dcpf.credential_store_password($1, $2)", 2, argtypes, values, NULL, false);
	PG_RETURN_VOID();
}

/* dcpf.password_hash(password): a PHC string at the current cost (tests). */
PG_FUNCTION_INFO_V1(dcpf_password_hash_sql);
Datum
dcpf_password_hash_sql(PG_FUNCTION_ARGS)
{
	text	   *pw = PG_GETARG_TEXT_PP(0);
	int			len = VARSIZE_ANY_EXHDR(pw);

	if (len > PASSWORD_MAX_BYTES)
		refuse_password(psprintf("A password has at most %d bytes; this one has %d.", PASSWORD_MAX_BYTES, len));
	PG_RETURN_TEXT_P(cstring_to_text(dcpf_password_hash(VARDATA_ANY(pw), len, dcpf_scrypt_log_n)));
}

/* dcpf.password_verify(password, phc): does the password match (tests). */
PG_FUNCTION_INFO_V1(dcpf_password_verify_sql);
Datum
dcpf_password_verify_sql(PG_FUNCTION_ARGS)
{
	text	   *pw = PG_GETARG_TEXT_PP(0);
	int			len = VARSIZE_ANY_EXHDR(pw);

	if (len > PASSWORD_MAX_BYTES)
		PG_RETURN_BOOL(false);
	PG_RETURN_BOOL(dcpf_password_verify(VARDATA_ANY(pw), len, text_to_cstring(PG_GETARG_TEXT_PP(1)), NULL));
}

/* dcpf.password_policy_check(password): raise as set_password would, without a person. */
PG_FUNCTION_INFO_V1(dcpf_password_policy_check);
Datum
dcpf_password_policy_check(PG_FUNCTION_ARGS)
{
	text	   *pw = PG_GETARG_TEXT_PP(0);

	check_password_policy(VARDATA_ANY(pw), VARSIZE_ANY_EXHDR(pw), NULL);
	PG_RETURN_BOOL(true);
}
