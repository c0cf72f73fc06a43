/*-------------------------------------------------------------------------
 * fuzz_password.c
 *    Harness for passwords (src/password.c, compiled here for its
 *    statics): the PHC strings dcpf stores and the policy a new password
 *    is checked against.
 *-------------------------------------------------------------------------
 */
#include "../../src/password.c"

#include "fuzz.h"

static const char *const password_errors[] = {"22023", NULL};

/*
 * '0' then a PHC string: it parses within the documented bounds or raises
 * 22023. '1' then a password: the policy accepts it or refuses with 22023,
 * checked against a person's e-mail, surname and given names.
 */
static void
password_one(const uint8_t *data, size_t size)
{
	char	   *rest;

	if (size == 0 || (data[0] != '0' && data[0] != '1'))
		return;
	rest = dcpf_fuzz_cstring(data + 1, size - 1);
	if (data[0] == '0')
	{
		PhcScrypt	parsed;

		phc_parse(rest, &parsed);
		if (parsed.log_n < 10 || parsed.log_n > 22 || parsed.r < 1 || parsed.r > 32 ||
			parsed.p < 1 || parsed.p > 16 || parsed.salt_len < 8 || parsed.salt_len > 64 ||
			parsed.hash_len < 16 || parsed.hash_len > 64)
			dcpf_fuzz_fail("password: a PHC string parsed outside the bounds (ln=%d r=%d p=%d salt %d hash %d)",
						   parsed.log_n, parsed.r, parsed.p, parsed.salt_len, parsed.hash_len);
	}
	else
	{
		Jsonb	   *context = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(
			"{\"email_local\": \"anna.devries\", \"surname\": \"de Vries\", \"given_names\": \"Anna Maria\"}")));

		check_password_policy(rest, (int) size - 1, context);
	}
}

static void
password_seeds(DcpfFuzzEmit emit)
{
	static const char *const seeds[] = {
		"0$scrypt$ln=17,r=8,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA",
		"0$scrypt$ln=10,r=1,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA",
		"0$scrypt$ln=99,r=8,p=1$c2FsdA$aGFzaA",
		"1correct horse battery staple", "1Welkom2026!", "1annadevries-1987", "1aaaaaaaaaaaaaaa",
		"1Zorgverlener#Utrecht", "1ÅngstrømÉtéÇa", NULL
	};
	const char *const *s;

	for (s = seeds; *s; s++)
		emit(*s, strlen(*s));
}

const DcpfFuzzHarness dcpf_fuzz_password = {
	"password", NULL, password_one, password_seeds, password_errors, true
};
