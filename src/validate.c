/*-------------------------------------------------------------------------
 * validate.c
 *    BIG register numbers (dcpf.big_is_valid, type dcpf.big_number) and the
 *    character helpers the other validators share.
 *
 * A BIG number is written as 11 ASCII digits; spaces between them are
 * allowed and dropped, leading zeros are kept. The check digit is the first
 * digit:
 *
 *    d1 = 11 - ((1*d2 + 6*d3 + 3*d4 + 7*d5 + 9*d6 + 10*d7 + 5*d8 + 8*d9
 *                + 4*d10 + 2*d11) mod 11),  11 -> 0, 10 -> 1,
 *
 * and the second digit must be 9. The register does not publish this rule,
 * so a mismatch raises an error or only a warning, per the setting
 * dcpf.big_check_digit; the 11-digit format is always enforced.
 *
 * Every check is written once, as a function that reports what it found
 * without raising; the predicate uses the result as is and the input
 * functions turn it into an error with a detail.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#include "dcpf.h"

#define BIG_DIGITS 11

/* What a scan of a BIG number found. */
typedef enum BigProblem
{
	BIG_OK,						/* 11 digits, spaces ignored */
	BIG_NOT_DIGIT,				/* a character that is neither digit nor space */
	BIG_DIGIT_COUNT				/* only digits and spaces, but not 11 digits */
} BigProblem;

typedef struct BigScan
{
	char		digits[BIG_DIGITS]; /* the first 11 digits seen */
	int			ndigits;		/* all digits seen, also beyond 11 */
	const char *bad;			/* the offending character (BIG_NOT_DIGIT) */
} BigScan;

/* Weights of digits 1..11 in the check-digit sum (digit 1 is the check digit). */
static const int big_weights[BIG_DIGITS] = {0, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};

/* Byte length of the character at p, clamped to [1, end - p]; 0 at the end. */
int
dcpf_char_len(const char *p, const char *end)
{
	int			len;

	if (p >= end)
		return 0;
	len = pg_encoding_mblen(GetDatabaseEncoding(), p);
	if (len < 1)
		len = 1;
	if (len > end - p)
		len = (int) (end - p);
	return len;
}

/* Number of characters in [start, end), counting a truncated one as one. */
int
dcpf_char_count(const char *start, const char *end)
{
	int			count = 0;

	if (pg_database_encoding_max_length() == 1)
		return (int) (end - start);
	while (start < end)
	{
		start += dcpf_char_len(start, end);
		count++;
	}
	return count;
}

/* The character at p as a palloc'd string, for error details. */
char *
dcpf_char_at(const char *p, const char *end)
{
	return pnstrdup(p, dcpf_char_len(p, end));
}

/* Scan [s, end) as a BIG number; never raises. */
static BigProblem
big_scan(const char *s, const char *end, BigScan *scan)
{
	const char *p;

	scan->ndigits = 0;
	scan->bad = NULL;
	for (p = s; p < end; p++)
	{
		if (*p == ' ')
			continue;
		if (*p >= '0' && *p <= '9')
		{
			if (scan->ndigits < BIG_DIGITS)
				scan->digits[scan->ndigits] = *p;
			scan->ndigits++;
			continue;
		}
		scan->bad = p;
		return BIG_NOT_DIGIT;
	}
	return scan->ndigits == BIG_DIGITS ? BIG_OK : BIG_DIGIT_COUNT;
}

/* The check digit that digits 2..11 call for. */
static int
big_expected_check_digit(const char *digits11)
{
	int			sum = 0;
	int			check;
	int			i;

	for (i = 1; i < BIG_DIGITS; i++)
		sum += big_weights[i] * (digits11[i] - '0');
	check = 11 - sum % 11;
	if (check == 11)
		check = 0;
	else if (check == 10)
		check = 1;
	return check;
}

/* True when digit 2 is 9 and digit 1 is the check digit of digits 2..11. */
bool
dcpf_big_check_digit_ok(const char *digits11)
{
	return digits11[1] == '9' &&
		digits11[0] - '0' == big_expected_check_digit(digits11);
}

/* A sentence saying why a scan that is not BIG_OK failed (palloc'd). */
static char *
big_format_reason(const char *s, const char *end, BigProblem problem,
				  const BigScan *scan)
{
	if (problem == BIG_NOT_DIGIT)
		return psprintf("Character \"%s\" at position %d is not a digit.",
						dcpf_char_at(scan->bad, end),
						dcpf_char_count(s, scan->bad) + 1);
	if (scan->ndigits == 1)
		return pstrdup("The value has 1 digit; a BIG number has 11.");
	return psprintf("The value has %d digits; a BIG number has 11.",
					scan->ndigits);
}

/* A sentence saying which part of the check-digit rule 11 digits break. */
static char *
big_check_digit_reason(const char *digits11)
{
	if (digits11[1] != '9')
		return psprintf("The second digit is %c, but the check-digit rule expects 9.",
						digits11[1]);
	return psprintf("The check digit (the first digit) is %c, but the other digits call for %d.",
					digits11[0], big_expected_check_digit(digits11));
}

/*
 * Validate a BIG number as typed (len bytes, NUL-terminated) and return its 11 digits as
 * text. Format errors always raise; a check-digit mismatch raises or warns
 * per dcpf.big_check_digit.
 */
static text *
big_accept(const char *input, int len)
{
	const char *end = input + len;
	BigScan		scan;
	BigProblem	problem = big_scan(input, end, &scan);

	if (problem != BIG_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid BIG number: \"%s\"", input),
				 errdetail("%s", big_format_reason(input, end, problem, &scan)),
				 errhint("A BIG number is 11 digits; spaces between them are allowed.")));

	if (!dcpf_big_check_digit_ok(scan.digits))
	{
		if (dcpf_big_check_digit_mode == DCPF_CHECK_DIGIT_WARNING)
			ereport(WARNING,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid BIG number: \"%s\"", input),
					 errdetail("%s", big_check_digit_reason(scan.digits)),
					 errhint("The number was accepted because dcpf.big_check_digit is set to warning.")));
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid BIG number: \"%s\"", input),
					 errdetail("%s", big_check_digit_reason(scan.digits)),
					 errhint("Check the number against the BIG register. If the register confirms it, "
							 "a superuser can set dcpf.big_check_digit to warning to accept numbers "
							 "whose check digit does not match.")));
	}

	return cstring_to_text_with_len(scan.digits, BIG_DIGITS);
}

/* dcpf.big_is_valid(text): format and check digit, never raises. */
PG_FUNCTION_INFO_V1(dcpf_big_is_valid);
Datum
dcpf_big_is_valid(PG_FUNCTION_ARGS)
{
	text	   *value = PG_GETARG_TEXT_PP(0);
	const char *s = VARDATA_ANY(value);
	BigScan		scan;

	if (big_scan(s, s + VARSIZE_ANY_EXHDR(value), &scan) != BIG_OK)
		PG_RETURN_BOOL(false);
	PG_RETURN_BOOL(dcpf_big_check_digit_ok(scan.digits));
}

/* Input function of dcpf.big_number. */
PG_FUNCTION_INFO_V1(dcpf_big_number_in);
Datum
dcpf_big_number_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);

	PG_RETURN_TEXT_P(big_accept(str, strlen(str)));
}

/* Binary input of dcpf.big_number: the text form, validated like the input. */
PG_FUNCTION_INFO_V1(dcpf_big_number_recv);
Datum
dcpf_big_number_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			nbytes;
	char	   *str = pq_getmsgtext(buf, buf->len - buf->cursor, &nbytes);

	PG_RETURN_TEXT_P(big_accept(str, nbytes));
}
