/*-------------------------------------------------------------------------
 * guc.c
 *    The dcpf.* settings.
 *
 * Every setting is declared here with the narrowest context that works, so
 * the full list of what a DBA can configure is in one place.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/guc.h"

#include "audit.h"
#include "dcpf.h"
#include "keys.h"

int			dcpf_big_check_digit_mode = DCPF_CHECK_DIGIT_ERROR;
int			dcpf_token_cache_seconds = 30;
int			dcpf_scrypt_log_n = 17;
int			dcpf_password_min_length = 12;
int			dcpf_token_lifetime = 900;
char	   *dcpf_issuer = NULL;
char	   *dcpf_platform_key_file = NULL;
char	   *dcpf_audit_signing_key_file = NULL;
char	   *dcpf_audit_node = NULL;
char	   *dcpf_master_key_file = NULL;
char	   *dcpf_master_key_command = NULL;
char	   *dcpf_restriction_exemption = NULL;
int			dcpf_audit_queue_size = 8192;	/* used by auditq.c */
int			dcpf_audit_queue_wait = 5000;	/* used by auditq.c */

static const struct config_enum_entry check_digit_options[] = {
	{"error", DCPF_CHECK_DIGIT_ERROR, false},
	{"warning", DCPF_CHECK_DIGIT_WARNING, false},
	{NULL, 0, false}
};

/*
 * dcpf.audit_node: empty, or a name of 1 to 63 characters from a-z, 0-9, '.',
 * '_' and '-', starting with a letter or digit (as dcpf.audit_node_key's
 * constraint): it is written into every seal's statement as it is.
 */
static bool
audit_node_check(char **newval, void **extra, GucSource source)
{
	const char *p = *newval;

	(void) extra;
	(void) source;
	if (p == NULL || *p == '\0')
		return true;
	if (strlen(p) > 63 || !((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
	{
		GUC_check_errcode(ERRCODE_INVALID_PARAMETER_VALUE);
		GUC_check_errdetail("A node's name is 1 to 63 characters and starts with a lower-case letter or a digit.");
		return false;
	}
	for (; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
		{
			GUC_check_errcode(ERRCODE_INVALID_PARAMETER_VALUE);
			GUC_check_errdetail("A node's name holds only a-z, 0-9, '.', '_' and '-'.");
			return false;
		}
	return true;
}

/* Define every dcpf.* setting and reserve the prefix. */
void
dcpf_define_gucs(void)
{
	DefineCustomEnumVariable("dcpf.big_check_digit",
							 "What a BIG number whose check digit does not match does.",
							 "The BIG register does not publish its check-digit algorithm; "
							 "'error' refuses such numbers, 'warning' accepts them with a warning. "
							 "The 11-digit format is always enforced.",
							 &dcpf_big_check_digit_mode,
							 DCPF_CHECK_DIGIT_ERROR,
							 check_digit_options,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("dcpf.token_cache_seconds",
							"How long a backend reuses a verified token without checking it again.",
							"A token seen again within this many seconds (and before it expires) skips "
							"signature, claim and role-gate checks. Changes to issuers, keys, links, "
							"memberships, licences, agreements or account status empty every backend's "
							"cache at commit. 0 turns the cache off.",
							&dcpf_token_cache_seconds,
							30, 0, 300,
							PGC_SUSET,
							GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomIntVariable("dcpf.audit_group_rows",
							"Rows one statement may change before its audit events are grouped per person.",
							"A statement that changes more rows of a dcpf table (whose primary key is "
							"one uuid column) is recorded as one event per person and per 400 rows, "
							"the rows' keys in object_keys. 0: always one event per row.",
							&dcpf_audit_group_rows,
							100, 0, INT_MAX,
							PGC_SUSET,
							0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("dcpf.scrypt_log_n",
							"The scrypt cost of new password hashes, as log2 of N (r = 8, p = 1).",
							"17 (N = 2^17, 128 MB) follows OWASP guidance. A stored hash with a lower cost "
							"is re-hashed at the next successful login. Tests may lower it to 14 to run fast.",
							&dcpf_scrypt_log_n,
							17, 14, 20,
							PGC_SUSET,
							0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("dcpf.password_min_length",
							"The fewest characters a new password may have.",
							NULL,
							&dcpf_password_min_length,
							12, 8, 128,
							PGC_SUSET,
							0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("dcpf.token_lifetime",
							"How long a token issued by dcpf.login is valid.",
							NULL,
							&dcpf_token_lifetime,
							900, 60, 86400,
							PGC_SIGHUP,
							GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomStringVariable("dcpf.issuer",
							   "The iss claim of tokens issued by dcpf.login, and the issuer name "
							   "dcpf.register_platform_issuer registers.",
							   NULL,
							   &dcpf_issuer,
							   "dcpf",
							   PGC_SIGHUP,
							   0,
							   NULL, NULL, NULL);

	DefineCustomStringVariable("dcpf.audit_signing_key_file",
							   "File holding the private Ed25519 key (PEM) that signs the audit trail's seals.",
							   "Readable by the server user only (mode 0600). Empty: dcpf.audit_seal and "
							   "dcpf.audit_verify are unavailable. dcpf.audit_public_key() gives the public half.",
							   &dcpf_audit_signing_key_file,
							   "",
							   PGC_SIGHUP,
							   GUC_SUPERUSER_ONLY,
							   NULL, NULL, NULL);

	DefineCustomStringVariable("dcpf.audit_node",
							   "The name of this node in a cluster whose nodes each keep and seal their own audit trail.",
							   "Empty on a single server. Set on every node of a Citus cluster, each to its own name: "
							   "every seal then names its node and lists the nodes registered with "
							   "dcpf.audit_register_node, and the sealer refuses to seal with a key not registered "
							   "for this node, or a trail sealed under another name.",
							   &dcpf_audit_node,
							   "",
							   PGC_SIGHUP,
							   0,
							   audit_node_check, NULL, NULL);

	DefineCustomStringVariable("dcpf.platform_key_file",
							   "File holding the platform's private Ed25519 key (PEM), which signs the "
							   "tokens of dcpf.login.",
							   "Readable by the server user only (mode 0600). Empty: dcpf.login is unavailable.",
							   &dcpf_platform_key_file,
							   "",
							   PGC_SIGHUP,
							   GUC_SUPERUSER_ONLY,
							   NULL, NULL, NULL);

	DefineCustomStringVariable("dcpf.master_key_file",
							   "File holding the master key generations and the blind-index key.",
							   "Lines \"master <generation> <64 hex digits>\" and \"blind <64 hex digits>\"; "
							   "readable by the server user only. Empty: see dcpf.master_key_command.",
							   &dcpf_master_key_file,
							   "",
							   PGC_SIGHUP,
							   GUC_SUPERUSER_ONLY,
							   NULL, dcpf_keys_source_assign, NULL);

	DefineCustomStringVariable("dcpf.master_key_command",
							   "Command whose standard output gives the master keys, in the format of "
							   "dcpf.master_key_file.",
							   "Run by each backend that needs the keys; exit status 0. Set this or "
							   "dcpf.master_key_file, not both.",
							   &dcpf_master_key_command,
							   "",
							   PGC_SIGHUP,
							   GUC_SUPERUSER_ONLY,
							   NULL, dcpf_keys_source_assign, NULL);

	/* a server-start setting can only be defined while preloading */
	if (process_shared_preload_libraries_in_progress)
		DefineCustomIntVariable("dcpf.audit_queue_size",
								"How many audit events the shared-memory audit queue holds.",
								"Reads of another person's data are queued here until the audit worker writes "
								"them; each event takes about 1.2 kB of shared memory. Takes effect at server "
								"start, with dcpf in shared_preload_libraries.",
								&dcpf_audit_queue_size,
								8192, 64, 1048576,
								PGC_POSTMASTER,
								0,
								NULL, NULL, NULL);

	DefineCustomIntVariable("dcpf.audit_queue_wait",
							"How long a statement waits for room in a full audit queue before it fails.",
							"The read that could not be queued fails with SQLSTATE 53400. 0: fail at once.",
							&dcpf_audit_queue_wait,
							5000, 0, 60000,
							PGC_SUSET,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomStringVariable("dcpf.restriction_exemption",
							   "Lets dcpf's own functions write the rows of a person whose processing is "
							   "restricted or whose account is deactivated.",
							   "Set only in the SET clause of dcpf's SECURITY DEFINER functions (erasure, "
							   "deactivation, retention, reduction, handover), for as long as they run; the check hook "
							   "refuses anyone but the extension's owner. Empty: no exemption.",
							   &dcpf_restriction_exemption,
							   "",
							   PGC_SUSET,
							   GUC_NOT_IN_SAMPLE | GUC_DISALLOW_IN_FILE | GUC_NO_RESET_ALL,
							   dcpf_restriction_exemption_check, NULL, NULL);

	DefineCustomStringVariable("dcpf.identity_relay",
							   "A relay of the verified identity, from dcpf.identity_relay(), for the workers of a Citus cluster.",
							   "Set with SET LOCAL in the transaction, so that Citus passes it to every worker "
							   "(citus.propagate_set_commands = 'local'). Read only where dcpf.accept_identity_relay "
							   "is on, and only after its MAC, database and expiry are checked. Only a session may "
							   "set it. Empty: no relay.",
							   &dcpf_identity_relay,
							   "",
							   PGC_USERSET,
							   GUC_NOT_IN_SAMPLE | GUC_DISALLOW_IN_FILE | GUC_NO_SHOW_ALL,
							   dcpf_identity_relay_check, dcpf_identity_relay_assign, NULL);

	DefineCustomBoolVariable("dcpf.accept_identity_relay",
							 "Whether a backend without an identity adopts the one in dcpf.identity_relay.",
							 "On for the workers of a Citus cluster, whose backends run the shard parts of the "
							 "coordinator's queries; off on the coordinator and on a single server, where an "
							 "identity is verified in the backend itself.",
							 &dcpf_accept_identity_relay,
							 false,
							 PGC_SUSET,
							 0,
							 NULL, dcpf_accept_identity_relay_assign, NULL);

	DefineCustomIntVariable("dcpf.identity_relay_lifetime",
							"How long a relay from dcpf.identity_relay() is accepted after it was issued.",
							"A worker refuses a relay older than this (it is checked when adopted, at the first "
							"use of the identity in a transaction).",
							&dcpf_identity_relay_lifetime,
							300, 1, 3600,
							PGC_SUSET,
							GUC_UNIT_S,
							NULL, NULL, NULL);

	/* after every definition: reserving drops unknown dcpf.* placeholders */
	MarkGUCPrefixReserved("dcpf");
}
