/*-------------------------------------------------------------------------
 * totp.c
 *    The second factor of dcpf's own login: RFC 6238 time-based one-time
 *    passwords (HMAC-SHA1, 30-second steps, 6 digits, one step either way)
 *    and single-use recovery codes.
 *
 * The 20-byte secret is shown once (base32, with an otpauth:// URI) and
 * stored encrypted under the person's data key (crypto.c), bound to their
 * row of dcpf.person_credential: a sealed secret copied to another person
 * does not open, and shredding the person's key destroys it.
 *
 * An accepted code's step is stored: a code is never accepted twice, nor an
 * older one after a newer. Recovery codes are stored as SHA-256 hashes and
 * removed when used.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "catalog/pg_type_d.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "dcpf.h"
#include "keys.h"

#define TOTP_SECRET_LEN 20
#define TOTP_STEP 30
#define RECOVERY_CODES 10

static const char base32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/* RFC 4648 base32 without padding, palloc'd. */
static char *
base32_encode(const unsigned char *data, int len)
{
	char	   *out = palloc((len * 8 + 4) / 5 + 1);
	int			o = 0;
	uint32		buffer = 0;
	int			bits = 0;
	int			i;

	for (i = 0; i < len; i++)
	{
		buffer = (buffer << 8) | data[i];
		bits += 8;
		while (bits >= 5)
		{
			out[o++] = base32_alphabet[(buffer >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out[o++] = base32_alphabet[(buffer << (5 - bits)) & 31];
	out[o] = '\0';
	return out;
}

/* Decode base32 (case-insensitive, '=' and spaces ignored); raise 22023 when invalid. */
static unsigned char *
base32_decode(const char *in, int *outlen)
{
	unsigned char *out = palloc(strlen(in) * 5 / 8 + 1);
	int			o = 0;
	uint32		buffer = 0;
	int			bits = 0;
	const char *p;

	for (p = in; *p; p++)
	{
		const char *hit;
		char		c = *p;

		if (c == '=' || c == ' ')
			continue;
		if (c >= 'a' && c <= 'z')
			c -= 'a' - 'A';
		hit = c ? strchr(base32_alphabet, c) : NULL;
		if (hit == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid base32 secret"),
					 errdetail("Base32 uses the letters A–Z and the digits 2–7.")));
		buffer = (buffer << 5) | (uint32) (hit - base32_alphabet);
		bits += 5;
		if (bits >= 8)
		{
			out[o++] = (unsigned char) (buffer >> (bits - 8));
			bits -= 8;
		}
	}
	*outlen = o;
	return out;
}

/* RFC 4226 HOTP of a counter, as a zero-padded decimal string of digits. */
static void
hotp(const unsigned char *secret, int secret_len, uint64 counter, int digits, char *out)
{
	unsigned char msg[8];
	unsigned char mac[EVP_MAX_MD_SIZE];
	size_t		mac_len = 0;
	uint32		binary;
	uint32		modulus = 1;
	int			offset;
	int			i;

	for (i = 7; i >= 0; i--)
	{
		msg[i] = (unsigned char) (counter & 0xff);
		counter >>= 8;
	}
	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA1", NULL, secret, secret_len, msg, sizeof(msg),
				  mac, sizeof(mac), &mac_len) == NULL || mac_len != 20)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not compute HMAC-SHA1")));
	offset = mac[19] & 0x0f;
	binary = ((uint32) (mac[offset] & 0x7f) << 24) | ((uint32) mac[offset + 1] << 16) |
		((uint32) mac[offset + 2] << 8) | (uint32) mac[offset + 3];
	for (i = 0; i < digits; i++)
		modulus *= 10;
	snprintf(out, 11, "%0*u", digits, binary % modulus);
	OPENSSL_cleanse(mac, sizeof(mac));
}

/* The current 30-second step since the Unix epoch. */
static int64
current_step(void)
{
	TimestampTz now = GetCurrentTimestamp();
	int64		unix_seconds = now / USECS_PER_SEC +
		(int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY;

	return unix_seconds / TOTP_STEP;
}

/* The step accepted for a 6-digit code (now-1 .. now+1, after last_step), or -1. */
int64
dcpf_totp_accepts(const unsigned char *secret, int secret_len, const char *code, int64 last_step)
{
	int64		now = current_step();
	int64		step;
	int64		accepted = -1;
	char		expected[12];

	if (strlen(code) != 6 || strspn(code, "0123456789") != 6)
		return -1;
	for (step = now - 1; step <= now + 1; step++)
	{
		hotp(secret, secret_len, (uint64) step, 6, expected);
		/* look at every step whatever matched, in constant time per step */
		if (CRYPTO_memcmp(expected, code, 6) == 0 && step > last_step && accepted < 0)
			accepted = step;
	}
	OPENSSL_cleanse(expected, sizeof(expected));
	return accepted;
}

/* SHA-256 of a recovery code in normal form (lower case, without '-' and spaces). */
void
dcpf_recovery_code_hash(const char *code, unsigned char *out32)
{
	char	   *norm = palloc(strlen(code) + 1);
	int			n = 0;
	const char *p;
	unsigned int len = 0;

	for (p = code; *p; p++)
	{
		if (*p == '-' || *p == ' ')
			continue;
		norm[n++] = (*p >= 'A' && *p <= 'Z') ? *p + ('a' - 'A') : *p;
	}
	if (!EVP_Digest(norm, n, out32, &len, EVP_sha256(), NULL) || len != 32)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not hash the recovery code")));
	OPENSSL_cleanse(norm, n);
}

/* Seal a secret under the person's data key, bound to their credential row. */
static bytea *
totp_seal(const unsigned char *secret, int len, const pg_uuid_t *person)
{
	return dcpf_seal("person_credential", "totp_secret", person, person, secret, len, false);
}

/* Open a sealed secret (raw bytes of the bytea); raises when it does not open. */
unsigned char *
dcpf_totp_open(const unsigned char *sealed, int sealed_len, const pg_uuid_t *person, int *secret_len)
{
	return dcpf_open(sealed, sealed_len, "person_credential", "totp_secret", person, person, false, secret_len);
}

/* Percent-encode for a URI component (RFC 3986 unreserved kept). */
static char *
uri_encode(const char *s)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (; *s; s++)
	{
		unsigned char c = (unsigned char) *s;

		if (isalnum(c) && !IS_HIGHBIT_SET(c))
			appendStringInfoChar(&buf, c);
		else if (c == '-' || c == '.' || c == '_' || c == '~')
			appendStringInfoChar(&buf, c);
		else
			appendStringInfo(&buf, "%%%02X", c);
	}
	return buf.data;
}

/*
 * dcpf.enrol_totp(person): a new secret (replacing an unconfirmed or
 * confirmed one, which stays in force until dcpf.confirm_totp) and ten
 * recovery codes, shown this once.
 */
PG_FUNCTION_INFO_V1(dcpf_enrol_totp);
Datum
dcpf_enrol_totp(PG_FUNCTION_ARGS)
{
	pg_uuid_t  *person = PG_GETARG_UUID_P(0);
	unsigned char secret[TOTP_SECRET_LEN];
	char	   *secret_b32;
	bytea	   *sealed;
	Datum		codes[RECOVERY_CODES];
	Datum		hashes[RECOVERY_CODES];
	Oid			argtypes[3] = {UUIDOID, BYTEAOID, BYTEAARRAYOID};
	Datum		values[3];
	char	   *email;
	char	   *issuer = (dcpf_issuer && dcpf_issuer[0]) ? dcpf_issuer : "dcpf";
	char	   *uri;
	TupleDesc	tupdesc;
	Datum		result[3];
	bool		nulls[3] = {false, false, false};
	int			i;

	dcpf_check_may_manage(person);
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (!pg_strong_random(secret, sizeof(secret)))
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not generate a secret")));
	sealed = totp_seal(secret, sizeof(secret), person);
	secret_b32 = base32_encode(secret, sizeof(secret));
	OPENSSL_cleanse(secret, sizeof(secret));

	for (i = 0; i < RECOVERY_CODES; i++)
	{
		unsigned char raw[7];
		char	   *b32;
		bytea	   *h = palloc(VARHDRSZ + 32);

		if (!pg_strong_random(raw, sizeof(raw)))
			ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not generate a recovery code")));
		b32 = base32_encode(raw, sizeof(raw));	/* 12 characters, 56 bits */
		b32[10] = '\0';			/* keep 50 bits: xxxxx-xxxxx */
		for (char *c = b32; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c += 'a' - 'A';
		codes[i] = CStringGetTextDatum(psprintf("%.5s-%.5s", b32, b32 + 5));
		SET_VARSIZE(h, VARHDRSZ + 32);
		dcpf_recovery_code_hash(b32, (unsigned char *) VARDATA(h));
		hashes[i] = PointerGetDatum(h);
		OPENSSL_cleanse(raw, sizeof(raw));
	}

	values[0] = UUIDPGetDatum(person);
	values[1] = PointerGetDatum(sealed);
	values[2] = PointerGetDatum(construct_array(hashes, RECOVERY_CODES, BYTEAOID, -1, false, TYPALIGN_INT));
	email = dcpf_spi_as_owner("SELECT dcpf.credential_store_totp($1, $2, $3)", 3, argtypes, values, NULL, false);
	if (email == NULL)
		ereport(ERROR, (errcode(ERRCODE_NO_DATA_FOUND), errmsg("no person with that id")));

	uri = psprintf("otpauth://totp/%s:%s?secret=%s&issuer=%s&algorithm=SHA1&digits=6&period=30",
				   uri_encode(issuer), uri_encode(email), secret_b32, uri_encode(issuer));
	result[0] = CStringGetTextDatum(secret_b32);
	result[1] = CStringGetTextDatum(uri);
	result[2] = PointerGetDatum(construct_array(codes, RECOVERY_CODES, TEXTOID, -1, false, TYPALIGN_INT));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), result, nulls)));
}

/*
 * Check a code for a person's enrolled secret and consume it: six digits are
 * a TOTP code, anything else a recovery code (when allow_recovery).
 */
static bool
check_second_factor(const pg_uuid_t *person, const char *code, bool allow_recovery)
{
	Oid			argtypes[2] = {UUIDOID, INT8OID};
	Datum		values[2];
	char	   *state;
	char	   *sep;
	int64		last_step;
	int			sealed_len;
	unsigned char *sealed;
	unsigned char *secret;
	int			secret_len;
	int64		step;

	values[0] = UUIDPGetDatum(person);
	/* a recovery code is checked without opening the secret */
	if (strlen(code) != 6 || strspn(code, "0123456789") != 6)
	{
		bytea	   *h;
		Oid			rtypes[2] = {UUIDOID, BYTEAOID};

		if (!allow_recovery || strlen(code) < 10 || strlen(code) > 32)
			return false;
		h = palloc(VARHDRSZ + 32);
		SET_VARSIZE(h, VARHDRSZ + 32);
		dcpf_recovery_code_hash(code, (unsigned char *) VARDATA(h));
		values[1] = PointerGetDatum(h);
		state = dcpf_spi_as_owner("SELECT dcpf.credential_use_recovery_code($1, $2)", 2, rtypes, values, NULL, false);
		return state != NULL && strcmp(state, "t") == 0;
	}
	/*
	 * "last_step:hex of sealed secret", or NULL when not enrolled or when the
	 * person's key was shredded (the code is then simply wrong: an error
	 * would tell the caller that the password was right)
	 */
	state = dcpf_spi_as_owner("SELECT coalesce(c.totp_last_step, -1)::text OPERATOR(pg_catalog.||) ':' "
							  "OPERATOR(pg_catalog.||) pg_catalog.encode(c.totp_secret_encrypted, 'hex') "
							  "FROM dcpf.person_credential c WHERE c.person_id OPERATOR(pg_catalog.=) $1 "
							  "AND NOT EXISTS (SELECT FROM dcpf.data_key k WHERE k.subject_id OPERATOR(pg_catalog.=) c.person_id "
							  "AND k.shredded_at IS NOT NULL)",
							  1, argtypes, values, NULL, true);
	if (state == NULL || (sep = strchr(state, ':')) == NULL || sep[1] == '\0')
		return false;
	*sep = '\0';
	last_step = pg_strtoint64(state);
	sealed_len = strlen(sep + 1) / 2;
	sealed = palloc(sealed_len);
	hex_decode(sep + 1, sealed_len * 2, (char *) sealed);

	secret = dcpf_totp_open(sealed, sealed_len, person, &secret_len);
	step = dcpf_totp_accepts(secret, secret_len, code, last_step);
	OPENSSL_cleanse(secret, secret_len);
	if (step < 0)
		return false;
	values[1] = Int64GetDatum(step);
	state = dcpf_spi_as_owner("SELECT dcpf.credential_use_totp_step($1, $2)", 2, argtypes, values, NULL, false);
	return state != NULL && strcmp(state, "t") == 0;
}

/* For login.c: a TOTP or recovery code of a confirmed second factor, consumed. */
bool
dcpf_second_factor_ok(const pg_uuid_t *person, const char *code)
{
	return check_second_factor(person, code, true);
}

/* dcpf.confirm_totp(person, code): true and confirmed when the code is right. */
PG_FUNCTION_INFO_V1(dcpf_confirm_totp);
Datum
dcpf_confirm_totp(PG_FUNCTION_ARGS)
{
	pg_uuid_t  *person = PG_GETARG_UUID_P(0);
	char	   *code = text_to_cstring(PG_GETARG_TEXT_PP(1));
	Oid			argtypes[1] = {UUIDOID};
	Datum		values[1];

	dcpf_check_may_manage(person);
	if (!check_second_factor(person, code, false))
		PG_RETURN_BOOL(false);
	values[0] = UUIDPGetDatum(person);
	(void) dcpf_spi_as_owner("SELECT dcpf.credential_confirm_totp($1)", 1, argtypes, values, NULL, false);
	PG_RETURN_BOOL(true);
}

/* dcpf.remove_totp(person, code): true and removed when the code (or a recovery code) is right. */
PG_FUNCTION_INFO_V1(dcpf_remove_totp);
Datum
dcpf_remove_totp(PG_FUNCTION_ARGS)
{
	pg_uuid_t  *person = PG_GETARG_UUID_P(0);
	char	   *code = text_to_cstring(PG_GETARG_TEXT_PP(1));
	Oid			argtypes[1] = {UUIDOID};
	Datum		values[1];

	dcpf_check_may_manage(person);
	if (!check_second_factor(person, code, true))
		PG_RETURN_BOOL(false);
	values[0] = UUIDPGetDatum(person);
	(void) dcpf_spi_as_owner("SELECT dcpf.credential_remove_totp($1)", 1, argtypes, values, NULL, false);
	PG_RETURN_BOOL(true);
}

/* dcpf.totp_code(secret_base32, at, digits): the code at a time (tests, RFC 6238 vectors). */
PG_FUNCTION_INFO_V1(dcpf_totp_code);
Datum
dcpf_totp_code(PG_FUNCTION_ARGS)
{
	char	   *b32 = text_to_cstring(PG_GETARG_TEXT_PP(0));
	TimestampTz at = PG_GETARG_TIMESTAMPTZ(1);
	int			digits = PG_GETARG_INT32(2);
	int			len;
	unsigned char *secret = base32_decode(b32, &len);
	int64		unix_seconds;
	char		code[12];

	if (digits < 6 || digits > 8)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("digits must be 6, 7 or 8")));
	if (len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid base32 secret"),
				 errdetail("The secret is empty.")));
	unix_seconds = at / USECS_PER_SEC + (int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY;
	if (at < 0 && at % USECS_PER_SEC != 0)
		unix_seconds--;
	hotp(secret, len, (uint64) (unix_seconds / TOTP_STEP), digits, code);
	OPENSSL_cleanse(secret, len);
	PG_RETURN_TEXT_P(cstring_to_text(code));
}
