/*-------------------------------------------------------------------------
 * relay.c
 *    The verified identity, carried to the nodes of a Citus cluster.
 *
 * The identity lives in the private memory of the backend that verified it
 * (identity.c). On Citus, the shard parts of a query run in other backends,
 * on the workers, where the policies and triggers of dcpf run too and would
 * find no identity. A relay carries it there in a form the worker verifies
 * rather than trusts:
 *
 *     dcpf-relay-1.<base64url(claims)>.<base64url(HMAC-SHA256)>
 *
 * dcpf.identity_relay() issues one where the identity was verified (the
 * coordinator); the application sets it with SET LOCAL dcpf.identity_relay,
 * which Citus passes to every worker of the transaction
 * (citus.propagate_set_commands = 'local'). A node with
 * dcpf.accept_identity_relay = on (the workers) adopts it at its first use
 * of the identity in a transaction, after checking the MAC, the database
 * and the expiry; everywhere else the setting is inert.
 *
 * The MAC key is derived from the blind-index key of the key source, which
 * every node holds (the workers encrypt, decrypt and index the rows they
 * hold): HMAC-SHA256(blind key, "dcpf identity relay key v1"). It stays in
 * a local buffer for the one computation and is wiped. The MAC is checked
 * in constant time before any byte of the claims is read.
 *
 * Claims (version 1, big-endian):
 *     1  version (1)
 *    16  person
 *     1  flags (bit 0: a licensee follows; no other bit is set)
 *    16  licensee (zeros without one)
 *     8  issued at (TimestampTz)
 *     8  expires at (TimestampTz)
 *   1+n  database, role, purpose, method: each a length byte and that many
 *        bytes, no NUL, at most 63
 * and nothing after them.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "commands/dbcommands.h"
#include "common/int.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "port/pg_bswap.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

#include "dcpf.h"
#include "jose.h"
#include "keys.h"

#define RELAY_PREFIX "dcpf-relay-1."
#define RELAY_VERSION 1
#define RELAY_MAC_LEN 32
#define RELAY_FIXED_LEN (1 + 16 + 1 + 16 + 8 + 8)
#define RELAY_MAX_TEXT 1024
#define RELAY_MAX_LIFETIME_USECS (3600 * USECS_PER_SEC)

char	   *dcpf_identity_relay = NULL;
bool		dcpf_accept_identity_relay = false;
int			dcpf_identity_relay_lifetime = 300;

static const char relay_key_label[] = "dcpf identity relay key v1";

/* HMAC-SHA256 of text under the relay key; the key is wiped before returning. */
static void
relay_mac(const char *text, int len, unsigned char *mac)
{
	unsigned char blind[DCPF_KEY_LEN];
	unsigned char key[EVP_MAX_MD_SIZE];
	size_t		key_len = 0;
	size_t		mac_len = 0;
	bool		ok;

	dcpf_blind_key(blind, false);
	ok = EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, blind, DCPF_KEY_LEN,
				   (const unsigned char *) relay_key_label, strlen(relay_key_label),
				   key, sizeof(key), &key_len) != NULL &&
		EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, key_len,
				  (const unsigned char *) text, len, mac, RELAY_MAC_LEN, &mac_len) != NULL &&
		mac_len == RELAY_MAC_LEN;
	OPENSSL_cleanse(blind, sizeof(blind));
	OPENSSL_cleanse(key, sizeof(key));
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not compute the MAC of an identity relay")));
}

static void pg_attribute_noreturn()
relay_refused(const char *why, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
			 errhidestmt(true),
			 errmsg("relayed identity refused: %s", why),
			 errdetail_internal("%s", detail),
			 errhint("A relay comes from dcpf.identity_relay() on the node that verified the identity, "
					 "and is set with SET LOCAL dcpf.identity_relay in the same transaction.")));
}

/* 8 bytes, big-endian */
static void
put_int64(unsigned char *p, int64 v)
{
	uint64		be = pg_hton64((uint64) v);

	memcpy(p, &be, sizeof(be));
}

static int64
get_int64(const unsigned char *p)
{
	uint64		be;

	memcpy(&be, p, sizeof(be));
	return (int64) pg_ntoh64(be);
}

static int
put_string(unsigned char *p, const char *s)
{
	size_t		len = strlen(s);

	Assert(len < DCPF_RELAY_NAME_MAX);
	p[0] = (unsigned char) len;
	memcpy(p + 1, s, len);
	return 1 + (int) len;
}

/* One length-prefixed string into out; false when it does not fit or holds a NUL. */
static bool
get_string(const unsigned char *claims, int len, int *pos, char *out)
{
	int			n;

	if (*pos >= len)
		return false;
	n = claims[*pos];
	if (n >= DCPF_RELAY_NAME_MAX || *pos + 1 + n > len || memchr(claims + *pos + 1, '\0', n) != NULL)
		return false;
	memcpy(out, claims + *pos + 1, n);
	out[n] = '\0';
	*pos += 1 + n;
	return true;
}

/*
 * A relay of the given identity, valid for dcpf.identity_relay_lifetime
 * seconds from now, for the current database (palloc'd).
 */
char *
dcpf_relay_issue(const DcpfRelayClaims *c)
{
	unsigned char claims[RELAY_FIXED_LEN + 4 * DCPF_RELAY_NAME_MAX];
	unsigned char mac[RELAY_MAC_LEN];
	char	   *encoded;
	char	   *text;
	char	   *macb64;
	char	   *result;
	int			pos = 0;

	claims[pos++] = RELAY_VERSION;
	memcpy(claims + pos, c->person.data, UUID_LEN);
	pos += UUID_LEN;
	claims[pos++] = c->has_licensee ? 1 : 0;
	if (c->has_licensee)
		memcpy(claims + pos, c->licensee.data, UUID_LEN);
	else
		memset(claims + pos, 0, UUID_LEN);
	pos += UUID_LEN;
	put_int64(claims + pos, c->issued_at);
	pos += 8;
	put_int64(claims + pos, c->expires_at);
	pos += 8;
	pos += put_string(claims + pos, c->database);
	pos += put_string(claims + pos, c->role);
	pos += put_string(claims + pos, c->purpose);
	pos += put_string(claims + pos, c->method);

	encoded = dcpf_base64url_encode(claims, pos);
	text = psprintf("%s%s", RELAY_PREFIX, encoded);
	relay_mac(text, strlen(text), mac);
	macb64 = dcpf_base64url_encode(mac, RELAY_MAC_LEN);
	result = psprintf("%s.%s", text, macb64);
	OPENSSL_cleanse(mac, sizeof(mac));
	return result;
}

/*
 * Verify a relay and read its claims; raises 28000 with the reason when it
 * is malformed, not signed with this platform's key, for another database
 * or expired. The MAC is compared before the claims are decoded.
 */
void
dcpf_relay_accept(const char *relay, DcpfRelayClaims *c)
{
	size_t		len = strlen(relay);
	const char *dot;
	unsigned char expected[RELAY_MAC_LEN];
	unsigned char *mac;
	unsigned char *claims;
	int			mac_len;
	int			claims_len;
	int			pos;
	const char *reason = NULL;
	bool		mac_ok;
	int64		lifetime;
	TimestampTz now;

	if (len > RELAY_MAX_TEXT || strncmp(relay, RELAY_PREFIX, strlen(RELAY_PREFIX)) != 0)
		relay_refused("malformed", "It does not begin with \"" RELAY_PREFIX "\", or is longer than 1024 characters.");
	dot = strrchr(relay, '.');
	Assert(dot != NULL);
	if (dot < relay + strlen(RELAY_PREFIX) + 1)
		relay_refused("malformed", "It has no claims and MAC after the version.");
	mac = dcpf_base64url_decode(dot + 1, (int) strlen(dot + 1), &mac_len, &reason);
	if (mac == NULL || mac_len != RELAY_MAC_LEN)
		relay_refused("malformed", "Its last part is not a base64url HMAC-SHA256.");

	relay_mac(relay, (int) (dot - relay), expected);
	mac_ok = CRYPTO_memcmp(expected, mac, RELAY_MAC_LEN) == 0;
	OPENSSL_cleanse(expected, sizeof(expected));
	if (!mac_ok)
		relay_refused("signature does not verify",
					  "It was not issued with this platform's keys, or it was altered after it was issued.");

	/* authentic from here on: issued by dcpf.identity_relay() on a node of this platform */
	claims = dcpf_base64url_decode(relay + strlen(RELAY_PREFIX), (int) (dot - relay - strlen(RELAY_PREFIX)),
								   &claims_len, &reason);
	memset(c, 0, sizeof(*c));
	pos = RELAY_FIXED_LEN;
	if (claims == NULL || claims_len < RELAY_FIXED_LEN || claims[0] != RELAY_VERSION || (claims[17] & ~1) != 0 ||
		!get_string(claims, claims_len, &pos, c->database) ||
		!get_string(claims, claims_len, &pos, c->role) ||
		!get_string(claims, claims_len, &pos, c->purpose) ||
		!get_string(claims, claims_len, &pos, c->method) ||
		pos != claims_len)
		relay_refused("malformed", "Its claims are not those of a relay of version 1.");
	memcpy(c->person.data, claims + 1, UUID_LEN);
	c->has_licensee = (claims[17] & 1) != 0;
	memcpy(c->licensee.data, claims + 18, UUID_LEN);
	/* one encoding per identity: without a licensee its bytes are zeros */
	if (!c->has_licensee)
	{
		int			i;

		for (i = 0; i < UUID_LEN; i++)
			if (c->licensee.data[i] != 0)
				relay_refused("malformed", "Its claims are not those of a relay of version 1.");
	}
	c->issued_at = get_int64(claims + 34);
	c->expires_at = get_int64(claims + 42);
	/* (any two int64 may arrive here: their difference can overflow) */
	if (c->expires_at <= c->issued_at || pg_sub_s64_overflow(c->expires_at, c->issued_at, &lifetime) ||
		lifetime > RELAY_MAX_LIFETIME_USECS)
		relay_refused("malformed", "Its lifetime is not between zero and one hour.");

	if (strcmp(c->database, get_database_name(MyDatabaseId)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errhidestmt(true),
				 errmsg("relayed identity refused: issued for another database"),
				 errdetail("It was issued for database \"%s\"; this is database \"%s\".",
						   c->database, get_database_name(MyDatabaseId))));
	now = GetCurrentTimestamp();
	if (now > c->expires_at)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errhidestmt(true),
				 errmsg("relayed identity refused: expired"),
				 errdetail("It expired at %s, %ld s after it was issued (dcpf.identity_relay_lifetime).",
						   timestamptz_to_str(c->expires_at),
						   (long) (lifetime / USECS_PER_SEC)),
				 errhint("Ask the node that verified the identity for a new relay with dcpf.identity_relay().")));
}

/* Check hook of dcpf.identity_relay: per session or transaction only, and of the relay's shape. */
bool
dcpf_identity_relay_check(char **newval, void **extra, GucSource source)
{
	if (*newval == NULL || (*newval)[0] == '\0')
		return true;
	if (source != PGC_S_SESSION && source != PGC_S_CLIENT)
	{
		GUC_check_errcode(ERRCODE_INSUFFICIENT_PRIVILEGE);
		GUC_check_errmsg("dcpf.identity_relay can only be set in a session");
		GUC_check_errdetail("A relay carries one person's identity for minutes; set in a configuration file or "
							"with ALTER ROLE or ALTER DATABASE it would be every session's.");
		return false;
	}
	if (strlen(*newval) > RELAY_MAX_TEXT || strncmp(*newval, RELAY_PREFIX, strlen(RELAY_PREFIX)) != 0)
	{
		GUC_check_errcode(ERRCODE_INVALID_PARAMETER_VALUE);
		GUC_check_errdetail("A relay begins with \"%s\" and has at most %d characters; "
							"it comes from dcpf.identity_relay().", RELAY_PREFIX, RELAY_MAX_TEXT);
		return false;
	}
	return true;
}

/* Assign hook of dcpf.identity_relay and dcpf.accept_identity_relay. */
void
dcpf_identity_relay_assign(const char *newval, void *extra)
{
	dcpf_identity_relay_changed();
}

void
dcpf_accept_identity_relay_assign(bool newval, void *extra)
{
	dcpf_identity_relay_changed();
}

/*
 * dcpf.identity_relay(): a relay of the current identity, for the workers
 * of a Citus cluster. Only an identity verified here is relayed: a relayed
 * one is not relayed again, so that a worker cannot extend its life.
 */
PG_FUNCTION_INFO_V1(dcpf_identity_relay_issue);
Datum
dcpf_identity_relay_issue(PG_FUNCTION_ARGS)
{
	DcpfRelayClaims c;
	const char *role;
	const char *purpose;
	const char *method;
	char	   *database;

	memset(&c, 0, sizeof(c));
	if (!dcpf_identity_describe(&c.person, &c.has_licensee, &c.licensee, &role, &purpose, &method))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg("no identity to relay"),
				 errdetail("A relay carries the verified identity of the current request, and there is none."),
				 errhint("Establish it first with dcpf.authenticate, dcpf.login or dcpf.act_as.")));
	if (strcmp(method, DCPF_METHOD_RELAY) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg("a relayed identity cannot be relayed again"),
				 errdetail("This identity was itself adopted from a relay; a relay is issued only where the "
						   "identity was verified, so that its lifetime cannot be extended."),
				 errhint("Call dcpf.identity_relay() on the coordinator.")));
	database = get_database_name(MyDatabaseId);
	if (strlen(database) >= DCPF_RELAY_NAME_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_NAME_TOO_LONG),
				 errmsg("database name too long for an identity relay"),
				 errdetail("A relay names its database in at most %d bytes.", DCPF_RELAY_NAME_MAX - 1)));
	strlcpy(c.database, database, sizeof(c.database));
	strlcpy(c.role, role, sizeof(c.role));
	strlcpy(c.purpose, purpose, sizeof(c.purpose));
	strlcpy(c.method, method, sizeof(c.method));
	c.issued_at = GetCurrentTimestamp();
	c.expires_at = c.issued_at + (int64) dcpf_identity_relay_lifetime * USECS_PER_SEC;
	PG_RETURN_TEXT_P(cstring_to_text(dcpf_relay_issue(&c)));
}
