/*-------------------------------------------------------------------------
 * fuzz_relay.c
 *    Harness for identity relays (src/relay.c, compiled here for its
 *    statics): what a worker accepts in dcpf.identity_relay.
 *
 * The first byte chooses:
 *   0  the rest is a relay as a session sets it: refused (28000) unless it
 *      is authentic, and no MAC over it is computed from it;
 *   1  the rest is claims, sealed with the fixed key as dcpf.identity_relay()
 *      would: the parser behind the MAC meets any bytes, and what it accepts
 *      is issued again to the same text;
 *   2  the rest fills the claims of a relay for this database, valid now:
 *      it is accepted, to the same identity.
 *-------------------------------------------------------------------------
 */
#include "../../src/relay.c"

#include "fuzz.h"

static const char *const relay_errors[] = {"28000", NULL};

static void
relay_init(void)
{
	dcpf_fuzz_load_keys();
}

static bool
claims_equal(const DcpfRelayClaims *a, const DcpfRelayClaims *b)
{
	return memcmp(a->person.data, b->person.data, UUID_LEN) == 0 &&
		a->has_licensee == b->has_licensee &&
		(!a->has_licensee || memcmp(a->licensee.data, b->licensee.data, UUID_LEN) == 0) &&
		a->issued_at == b->issued_at && a->expires_at == b->expires_at &&
		strcmp(a->database, b->database) == 0 && strcmp(a->role, b->role) == 0 &&
		strcmp(a->purpose, b->purpose) == 0 && strcmp(a->method, b->method) == 0;
}

/* An accepted relay, issued again from its claims, is the same text. */
static void
reissue_same(const char *relay, const DcpfRelayClaims *c)
{
	char	   *again = dcpf_relay_issue(c);

	if (strcmp(again, relay) != 0)
		dcpf_fuzz_fail("relay: an accepted relay issued again from its claims differs");
}

/* Up to max-1 bytes of data from *pos, up to a 0xff byte or a NUL, as a string. */
static void
take_name(const uint8_t *data, size_t size, size_t *pos, char *out, size_t max)
{
	size_t		n = 0;

	while (*pos < size && data[*pos] != 0xff && data[*pos] != 0 && n < max - 1)
		out[n++] = (char) data[(*pos)++];
	out[n] = '\0';
	if (*pos < size)
		(*pos)++;
}

static void
relay_one(const uint8_t *data, size_t size)
{
	DcpfRelayClaims c;

	if (size == 0)
		return;
	if (data[0] % 3 == 0)
	{
		char	   *relay = dcpf_fuzz_cstring(data + 1, size - 1);

		dcpf_relay_accept(relay, &c);
		reissue_same(relay, &c);	/* only an authentic relay gets here */
	}
	else if (data[0] % 3 == 1)
	{
		char	   *encoded = dcpf_base64url_encode(data + 1, (int) size - 1);
		char	   *text = psprintf("%s%s", RELAY_PREFIX, encoded);
		unsigned char mac[RELAY_MAC_LEN];
		char	   *relay;

		relay_mac(text, (int) strlen(text), mac);
		relay = psprintf("%s.%s", text, dcpf_base64url_encode(mac, RELAY_MAC_LEN));
		if (strlen(relay) > RELAY_MAX_TEXT)
			return;				/* the setting's check hook refuses it first */
		dcpf_relay_accept(relay, &c);
		reissue_same(relay, &c);
	}
	else
	{
		DcpfRelayClaims want;
		DcpfRelayClaims got;
		size_t		pos = 1;
		char	   *relay;

		memset(&want, 0, sizeof(want));
		if (size < 1 + 2 * UUID_LEN + 2)
			return;
		memcpy(want.person.data, data + pos, UUID_LEN);
		pos += UUID_LEN;
		want.has_licensee = (data[pos++] & 1) != 0;
		if (want.has_licensee)
			memcpy(want.licensee.data, data + pos, UUID_LEN);
		pos += UUID_LEN;
		take_name(data, size, &pos, want.role, sizeof(want.role));
		take_name(data, size, &pos, want.purpose, sizeof(want.purpose));
		take_name(data, size, &pos, want.method, sizeof(want.method));
		strlcpy(want.database, get_database_name(MyDatabaseId), sizeof(want.database));
		want.issued_at = GetCurrentTimestamp();
		want.expires_at = want.issued_at + (int64) (1 + data[pos - 1] % 3600) * USECS_PER_SEC;
		relay = dcpf_relay_issue(&want);
		if (strlen(relay) > RELAY_MAX_TEXT)
			dcpf_fuzz_fail("relay: an issued relay is longer than the setting takes");
		dcpf_relay_accept(relay, &got);
		if (!claims_equal(&want, &got))
			dcpf_fuzz_fail("relay: an issued relay was accepted with other claims");
	}
}

static void
relay_seeds(DcpfFuzzEmit emit)
{
	static const char *const texts[] = {
		"dcpf-relay-1..",
		"dcpf-relay-1.AQ.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"dcpf-relay-1.eyJ9.x=",
		NULL
	};
	const char *const *t;
	unsigned char claims[2 + RELAY_FIXED_LEN + 64];
	int			len;

	for (t = texts; *t; t++)
	{
		char	   *seed = psprintf("%c%s", 0, *t);

		emit(seed, strlen(*t) + 1);
	}
	/* claims of version 1, a licensee, short names (mode 1) */
	memset(claims, 0, sizeof(claims));
	claims[0] = 1;
	claims[1] = RELAY_VERSION;
	memset(claims + 2, 0x42, UUID_LEN);
	claims[2 + 17] = 1;
	memset(claims + 2 + 18, 0x17, UUID_LEN);
	len = 2 + RELAY_FIXED_LEN;
	memcpy(claims + len, "\x08" "postgres" "\x0a" "supervisor" "\x00" "\x06" "act_as", 28);
	len += 28;
	emit(claims, len);
	/* a person, a licensee and three names (mode 2) */
	{
		static const char structured[] = "\x02" "0123456789abcdef" "\x01" "fedcba9876543210"
			"medical_trainee\xff" "care\xff" "token";

		emit(structured, sizeof(structured) - 1);
	}
}

const DcpfFuzzHarness dcpf_fuzz_relay = {
	"relay", relay_init, relay_one, relay_seeds, relay_errors, false
};
