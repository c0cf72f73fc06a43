/*-------------------------------------------------------------------------
 * dcpf.h
 *    Declarations shared by the dcpf C sources: settings and validators.
 *-------------------------------------------------------------------------
 */
#ifndef DCPF_H
#define DCPF_H

#include "postgres.h"

#include "utils/guc.h"
#include "utils/relcache.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

/* guc.c */
typedef enum DcpfCheckDigitMode
{
	DCPF_CHECK_DIGIT_ERROR,
	DCPF_CHECK_DIGIT_WARNING
} DcpfCheckDigitMode;

extern int	dcpf_big_check_digit_mode;
extern int	dcpf_token_cache_seconds;
extern void dcpf_define_gucs(void);

/* validate.c: BIG register numbers */
extern bool dcpf_big_check_digit_ok(const char *digits11);

/*
 * validate.c: character helpers for the validators. They never raise, also
 * not for a truncated multibyte character at the end of the input.
 */
extern int	dcpf_char_len(const char *p, const char *end);
extern int	dcpf_char_count(const char *start, const char *end);
extern char *dcpf_char_at(const char *p, const char *end);

/* scan.c: Luhn and the 11-test, usable by other modules */
extern bool dcpf_luhn_ok(const char *digits, int len);
extern bool dcpf_bsn_digits_ok(const char *digits9);

/* identity.c: the verified identity of the current request */
typedef enum DcpfIdentityScope
{
	DCPF_SCOPE_TRANSACTION = 0,
	DCPF_SCOPE_SESSION
} DcpfIdentityScope;

extern void dcpf_identity_init(void);
extern void dcpf_identity_clear(void);
extern bool dcpf_identity_present(void);
extern bool dcpf_identity_describe(pg_uuid_t *person, bool *has_licensee, pg_uuid_t *licensee,
								   const char **role, const char **purpose, const char **method);
extern void dcpf_identity_set(const pg_uuid_t *person, const pg_uuid_t *licensee,
							  const char *role, const char *purpose, const char *method,
							  DcpfIdentityScope scope);
extern const char *dcpf_identity_acting(pg_uuid_t *licensee);
extern int	dcpf_owner_context_begin(int save_sec_context);
extern void dcpf_owner_context_end(int nestlevel, Oid save_userid, int save_sec_context);
extern uint64 dcpf_identity_version(void);
/* called by the settings of relay.c when a relay or its acceptance changes */
extern void dcpf_identity_relay_changed(void);

/* policy.c: the functions policies call; what a snapshot sees, as a key */
typedef struct DcpfSnapshotKey
{
	TransactionId xmin;
	TransactionId xmax;
	uint32		xcnt;
	int32		subxcnt;
	bool		suboverflowed;
	CommandId	curcid;
} DcpfSnapshotKey;

extern void dcpf_policy_init(void);
extern Oid	dcpf_relation(const char *name);	/* audit.c: a relation of schema dcpf, or InvalidOid */
extern const char *dcpf_table_name(Relation rel);	/* audit.c: a trigger's table, not its Citus shard */
extern bool dcpf_snapshot_key(DcpfSnapshotKey *key);
extern bool dcpf_snapshot_key_equal(const DcpfSnapshotKey *a, const DcpfSnapshotKey *b);

/* relay.c: the verified identity carried to the workers of a Citus cluster */
#define DCPF_RELAY_NAME_MAX 64
#define DCPF_METHOD_RELAY "relay"	/* the method of an identity adopted from a relay */
typedef struct DcpfRelayClaims
{
	pg_uuid_t	person;
	bool		has_licensee;
	pg_uuid_t	licensee;
	TimestampTz issued_at;
	TimestampTz expires_at;
	char		database[DCPF_RELAY_NAME_MAX];
	char		role[DCPF_RELAY_NAME_MAX];
	char		purpose[DCPF_RELAY_NAME_MAX];
	char		method[DCPF_RELAY_NAME_MAX];
} DcpfRelayClaims;

extern char *dcpf_identity_relay;
extern bool dcpf_accept_identity_relay;
extern int	dcpf_identity_relay_lifetime;
extern char *dcpf_relay_issue(const DcpfRelayClaims *claims);
extern void dcpf_relay_accept(const char *relay, DcpfRelayClaims *claims);
extern bool dcpf_identity_relay_check(char **newval, void **extra, GucSource source);
extern void dcpf_identity_relay_assign(const char *newval, void *extra);
extern void dcpf_accept_identity_relay_assign(bool newval, void *extra);

extern void dcpf_check_role_gate(const pg_uuid_t *person, const pg_uuid_t *licensee,
								 const char *role);
extern Oid	dcpf_extension_owner(void);
extern Oid	dcpf_schema_owner(bool missing_ok);	/* identity.c: InvalidOid when missing_ok and absent */
extern bool dcpf_current_user_has_role(const char *rolename);
extern char *dcpf_spi_as_owner(const char *sql, int nargs, Oid *argtypes, Datum *values,
							   const char *nulls, bool read_only);

/* login.c: an Ed25519 private key from a PEM file readable by the server user only */
typedef struct evp_pkey_st EVP_PKEY;
extern EVP_PKEY *dcpf_ed25519_key_load(const char *path, const char *setting, const char *what);

/* guc.c: login settings */
extern int	dcpf_scrypt_log_n;
extern int	dcpf_password_min_length;
extern int	dcpf_token_lifetime;
extern char *dcpf_issuer;
extern char *dcpf_platform_key_file;
extern char *dcpf_audit_signing_key_file;
extern char *dcpf_audit_node;	/* empty: a single server */
/* guc.c: set only by dcpf's own functions (restrict.c checks who sets it) */
extern char *dcpf_restriction_exemption;

/*
 * password.c: scrypt password hashes in PHC string format
 * ($scrypt$ln=17,r=8,p=1$salt$hash). dcpf_password_verify returns whether the
 * password matches; *weaker (when not NULL) says the hash has a lower cost
 * than dcpf.scrypt_log_n. Raises 22023 for a malformed PHC string.
 */
extern char *dcpf_password_hash(const char *password, int len, int log_n);
extern bool dcpf_password_verify(const char *password, int len, const char *phc, bool *weaker);
/* the same work as a verification, against nothing: for unknown accounts */
extern void dcpf_password_dummy_work(const char *password, int len);
/* raises 42501 unless the caller is the owner, a superuser, or the person */
extern void dcpf_check_may_manage(const pg_uuid_t *person);

/*
 * totp.c: RFC 6238 codes. dcpf_totp_accepts accepts a code for the
 * steps now-1 .. now+1 that are later than last_step (-1: none) and returns
 * the accepted step, or -1.
 */
extern int64 dcpf_totp_accepts(const unsigned char *secret, int secret_len, const char *code,
							   int64 last_step);
extern unsigned char *dcpf_totp_open(const unsigned char *sealed, int sealed_len,
									 const pg_uuid_t *person, int *secret_len);
/* a TOTP or recovery code for the person's second factor, consumed when right */
extern bool dcpf_second_factor_ok(const pg_uuid_t *person, const char *code);
extern void dcpf_recovery_code_hash(const char *code, unsigned char *out32);

#endif							/* DCPF_H */
