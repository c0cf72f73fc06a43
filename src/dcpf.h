/*-------------------------------------------------------------------------
 * dcpf.h
 *    Declarations shared by the dcpf C sources: settings and validators.
 *-------------------------------------------------------------------------
 */
#ifndef DCPF_H
#define DCPF_H

#include "postgres.h"

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

/*
 * validate.c: BIG register numbers. dcpf_big_parse writes exactly 11 digits
 * (no terminating NUL) to out11 and returns true, or returns false and, when
 * reason is not NULL, points it to a palloc'd sentence saying why.
 */
extern bool dcpf_big_parse(const char *in, char *out11, const char **reason);
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
extern void dcpf_identity_set(const pg_uuid_t *person, const pg_uuid_t *licensee,
							  const char *role, const char *purpose, const char *method,
							  DcpfIdentityScope scope);
extern void dcpf_check_role_gate(const pg_uuid_t *person, const pg_uuid_t *licensee,
								 const char *role);
extern Oid	dcpf_extension_owner(void);
extern bool dcpf_current_user_has_role(const char *rolename);
extern char *dcpf_spi_as_owner(const char *sql, int nargs, Oid *argtypes, Datum *values,
							   const char *nulls, bool read_only);

#endif							/* DCPF_H */
