/*-------------------------------------------------------------------------
 * scan.c
 *    Scanners for numbers that must not be stored: payment card numbers
 *    (Luhn) and Dutch citizen service numbers (BSN, the 11-test).
 *
 * Text is cut into maximal digit runs: a run starts at a digit and goes on
 * through digits, where two digits may be separated by at most one separator
 * character (' ' or '-' for cards; ' ', '.' or '-' for BSNs). A separator
 * that is not followed by a digit ends the run. A card number is a run of
 * 13 to 19 digits that passes the Luhn check; a BSN is a run of exactly 9
 * digits that passes the 11-test. A 9-digit window inside a longer run is
 * not a BSN, and a card run must be bounded by non-digits.
 *
 * Digits and separators are ASCII, which no server encoding uses as part of
 * a multibyte character, so the scan walks characters and looks at bytes;
 * positions and lengths are reported in characters.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

#include "dcpf.h"

#define CARD_MIN_DIGITS 13
#define CARD_MAX_DIGITS 19
#define BSN_DIGITS		9

/* The two kinds of numbers the scanners look for. */
typedef enum RunKind
{
	RUN_CARD,
	RUN_BSN
} RunKind;

/* One maximal digit run. */
typedef struct DigitRun
{
	const char *start;			/* first digit */
	const char *end;			/* one past the last digit */
	int			char_start;		/* characters before start */
	int			ndigits;		/* all digits in the run */
	char		digits[CARD_MAX_DIGITS];	/* the first CARD_MAX_DIGITS digits */
} DigitRun;

/* The state of a scan for runs of one kind. */
typedef struct RunScanner
{
	const char *p;
	const char *end;
	int			charpos;		/* characters before p */
	RunKind		kind;
} RunScanner;

/* A run that was found, for dcpf.find_sensitive_numbers. */
typedef struct Finding
{
	RunKind		kind;
	int			char_start;
	int			length;
	char	   *masked;
} Finding;

/* True for an ASCII digit. */
static inline bool
scan_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* True for the ASCII whitespace that bsn_is_valid trims. */
static inline bool
scan_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* True when c may separate two digits of a run of this kind. */
static inline bool
scan_separator(RunKind kind, char c)
{
	return c == ' ' || c == '-' || (kind == RUN_BSN && c == '.');
}

/* Start a scan of [s, end) for runs of one kind. */
static void
scanner_init(RunScanner *sc, const char *s, const char *end, RunKind kind)
{
	sc->p = s;
	sc->end = end;
	sc->charpos = 0;
	sc->kind = kind;
}

/* Find the next maximal digit run; false at the end of the text. Never raises. */
static bool
scanner_next(RunScanner *sc, DigitRun *run)
{
	const char *p = sc->p;
	const char *end = sc->end;

	while (p < end && !scan_digit(*p))
	{
		p += dcpf_char_len(p, end);
		sc->charpos++;
	}
	if (p >= end)
	{
		sc->p = p;
		return false;
	}

	run->start = p;
	run->char_start = sc->charpos;
	run->ndigits = 0;
	for (;;)
	{
		if (run->ndigits < CARD_MAX_DIGITS)
			run->digits[run->ndigits] = *p;
		run->ndigits++;
		p++;
		if (p < end && scan_digit(*p))
			continue;
		if (p + 1 < end && scan_separator(sc->kind, *p) && scan_digit(p[1]))
		{
			p++;
			continue;
		}
		break;
	}
	run->end = p;
	sc->charpos += (int) (p - run->start);	/* a run is ASCII only */
	sc->p = p;
	return true;
}

/* True when the run is a number of the scanner's kind. */
static bool
run_matches(RunKind kind, const DigitRun *run)
{
	if (kind == RUN_CARD)
		return run->ndigits >= CARD_MIN_DIGITS && run->ndigits <= CARD_MAX_DIGITS &&
			dcpf_luhn_ok(run->digits, run->ndigits);
	return run->ndigits == BSN_DIGITS && dcpf_bsn_digits_ok(run->digits);
}

/* Find the first number of this kind in [s, end); never raises. */
static bool
scan_find_first(const char *s, const char *end, RunKind kind, DigitRun *run)
{
	RunScanner	sc;

	scanner_init(&sc, s, end, kind);
	while (scanner_next(&sc, run))
		if (run_matches(kind, run))
			return true;
	return false;
}

/* The run with every digit but the last four replaced by '*' (palloc'd). */
static char *
run_masked(const DigitRun *run)
{
	int			len = (int) (run->end - run->start);
	char	   *out = palloc(len + 1);
	int			seen = 0;
	int			i;

	for (i = 0; i < len; i++)
	{
		char		c = run->start[i];

		if (scan_digit(c))
			out[i] = (seen++ < run->ndigits - 4) ? '*' : c;
		else
			out[i] = c;
	}
	out[len] = '\0';
	return out;
}

/* Order findings by position. */
static int
finding_cmp(const void *a, const void *b)
{
	const Finding *fa = (const Finding *) a;
	const Finding *fb = (const Finding *) b;

	if (fa->char_start != fb->char_start)
		return fa->char_start < fb->char_start ? -1 : 1;
	return (int) fa->kind - (int) fb->kind;
}

/* The Luhn check over len ASCII digits; false for anything else. */
bool
dcpf_luhn_ok(const char *digits, int len)
{
	int			sum = 0;
	bool		twice = false;
	int			i;

	if (len <= 0)
		return false;
	for (i = len - 1; i >= 0; i--)
	{
		int			d;

		if (!scan_digit(digits[i]))
			return false;
		d = digits[i] - '0';
		if (twice)
		{
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
		twice = !twice;
	}
	return sum % 10 == 0;
}

/* The BSN 11-test over 9 ASCII digits; all zeros fail. */
bool
dcpf_bsn_digits_ok(const char *digits9)
{
	int			sum = 0;
	bool		all_zero = true;
	int			i;

	for (i = 0; i < BSN_DIGITS; i++)
	{
		int			d;

		if (!scan_digit(digits9[i]))
			return false;
		d = digits9[i] - '0';
		if (d != 0)
			all_zero = false;
		sum += (i < BSN_DIGITS - 1) ? (BSN_DIGITS - i) * d : -d;
	}
	return !all_zero && sum % 11 == 0;
}

/* dcpf.contains_card_number(text): never raises. */
PG_FUNCTION_INFO_V1(dcpf_contains_card_number);
Datum
dcpf_contains_card_number(PG_FUNCTION_ARGS)
{
	text	   *value = PG_GETARG_TEXT_PP(0);
	const char *s = VARDATA_ANY(value);
	DigitRun	run;

	PG_RETURN_BOOL(scan_find_first(s, s + VARSIZE_ANY_EXHDR(value), RUN_CARD, &run));
}

/* dcpf.contains_bsn(text): never raises. */
PG_FUNCTION_INFO_V1(dcpf_contains_bsn);
Datum
dcpf_contains_bsn(PG_FUNCTION_ARGS)
{
	text	   *value = PG_GETARG_TEXT_PP(0);
	const char *s = VARDATA_ANY(value);
	DigitRun	run;

	PG_RETURN_BOOL(scan_find_first(s, s + VARSIZE_ANY_EXHDR(value), RUN_BSN, &run));
}

/* dcpf.bsn_is_valid(text): the trimmed text is 9 digits passing the 11-test. */
PG_FUNCTION_INFO_V1(dcpf_bsn_is_valid);
Datum
dcpf_bsn_is_valid(PG_FUNCTION_ARGS)
{
	text	   *value = PG_GETARG_TEXT_PP(0);
	const char *s = VARDATA_ANY(value);
	const char *end = s + VARSIZE_ANY_EXHDR(value);

	while (s < end && scan_space(*s))
		s++;
	while (end > s && scan_space(end[-1]))
		end--;
	PG_RETURN_BOOL(end - s == BSN_DIGITS && dcpf_bsn_digits_ok(s));
}

/* dcpf.find_sensitive_numbers(text): every card number and BSN in the text. */
PG_FUNCTION_INFO_V1(dcpf_find_sensitive_numbers);
Datum
dcpf_find_sensitive_numbers(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	text	   *value = PG_GETARG_TEXT_PP(0);
	const char *s = VARDATA_ANY(value);
	const char *end = s + VARSIZE_ANY_EXHDR(value);
	static const RunKind kinds[] = {RUN_CARD, RUN_BSN};
	Finding    *findings;
	int			nfindings = 0;
	int			capacity = 8;
	int			k;
	int			i;

	InitMaterializedSRF(fcinfo, 0);

	findings = palloc(capacity * sizeof(Finding));
	for (k = 0; k < (int) lengthof(kinds); k++)
	{
		RunScanner	sc;
		DigitRun	run;

		scanner_init(&sc, s, end, kinds[k]);
		while (scanner_next(&sc, &run))
		{
			if (!run_matches(kinds[k], &run))
				continue;
			if (nfindings == capacity)
			{
				capacity *= 2;
				findings = repalloc(findings, capacity * sizeof(Finding));
			}
			findings[nfindings].kind = kinds[k];
			findings[nfindings].char_start = run.char_start;
			findings[nfindings].length = (int) (run.end - run.start);
			findings[nfindings].masked = run_masked(&run);
			nfindings++;
		}
	}
	qsort(findings, nfindings, sizeof(Finding), finding_cmp);

	for (i = 0; i < nfindings; i++)
	{
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		values[0] = CStringGetTextDatum(findings[i].kind == RUN_CARD ? "card_number" : "bsn");
		values[1] = Int32GetDatum(findings[i].char_start + 1);
		values[2] = Int32GetDatum(findings[i].length);
		values[3] = CStringGetTextDatum(findings[i].masked);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * dcpf.assert_no_card_number(value, what): true, or 23514 naming where the
 * card number starts. Not strict: a NULL value holds no card number.
 */
PG_FUNCTION_INFO_V1(dcpf_assert_no_card_number);
Datum
dcpf_assert_no_card_number(PG_FUNCTION_ARGS)
{
	text	   *value;
	const char *s;
	DigitRun	run;

	if (PG_ARGISNULL(0))
		PG_RETURN_BOOL(true);
	value = PG_GETARG_TEXT_PP(0);
	s = VARDATA_ANY(value);
	if (scan_find_first(s, s + VARSIZE_ANY_EXHDR(value), RUN_CARD, &run))
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("%s must not contain a payment card number",
						PG_ARGISNULL(1) ? "value" : text_to_cstring(PG_GETARG_TEXT_PP(1))),
				 errdetail("A number that passes the Luhn check starts at position %d (%s).",
						   run.char_start + 1, run_masked(&run)),
				 errhint("Payment card numbers are never stored; record only the card type and the bank.")));
	PG_RETURN_BOOL(true);
}
