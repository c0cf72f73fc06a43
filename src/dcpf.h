/*-------------------------------------------------------------------------
 * dcpf.h
 *    Declarations shared by the dcpf C sources: settings and validators.
 *-------------------------------------------------------------------------
 */
#ifndef DCPF_H
#define DCPF_H

#include "postgres.h"

/* guc.c */
typedef enum DcpfCheckDigitMode
{
	DCPF_CHECK_DIGIT_ERROR,
	DCPF_CHECK_DIGIT_WARNING
} DcpfCheckDigitMode;

extern int	dcpf_big_check_digit_mode;
extern void dcpf_define_gucs(void);

/* validate.c: BIG register numbers */
extern bool dcpf_big_parse(const char *in, char *out11, const char **reason);
extern bool dcpf_big_check_digit_ok(const char *digits11);

/* scan.c: Luhn and the 11-test, usable by other modules */
extern bool dcpf_luhn_ok(const char *digits, int len);
extern bool dcpf_bsn_digits_ok(const char *digits9);

#endif							/* DCPF_H */
