/*-------------------------------------------------------------------------
 * iban.c
 *    IBANs of SEPA countries (ISO 13616): dcpf.iban_is_valid, the type
 *    dcpf.iban and dcpf.iban_display.
 *
 * Input is normalised to the electronic form: spaces are dropped and letters
 * upper-cased. The IBAN must then start with the code of a SEPA country,
 * have that country's length, hold only letters and digits, have check
 * digits 02..98, and pass the mod-97 check (computed piecewise, no bignum).
 * The national part (BBAN) is not checked against each country's layout.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"

#include "dcpf.h"

/* The longest IBAN of any country (ISO 13616 allows up to 34). */
#define IBAN_MAX 34

/* A SEPA country and the length of its IBANs, per the IBAN registry. */
typedef struct IbanCountry
{
	char		code[3];
	int			length;
} IbanCountry;

/*
 * Countries of the SEPA schemes that issue IBANs with their own country
 * code, sorted by code. Territories that use another country's IBANs (the
 * French overseas departments, Aland, Jersey, Guernsey, Isle of Man) are
 * covered by FR, FI and GB.
 */
static const IbanCountry sepa_countries[] = {
	{"AD", 24}, {"AL", 28}, {"AT", 20}, {"BE", 16}, {"BG", 22}, {"CH", 21},
	{"CY", 28}, {"CZ", 24}, {"DE", 22}, {"DK", 18}, {"EE", 20}, {"ES", 24},
	{"FI", 18}, {"FR", 27}, {"GB", 22}, {"GI", 23}, {"GR", 27}, {"HR", 21},
	{"HU", 28}, {"IE", 22}, {"IS", 26}, {"IT", 27}, {"LI", 21}, {"LT", 20},
	{"LU", 20}, {"LV", 21}, {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MK", 19},
	{"MT", 31}, {"NL", 18}, {"NO", 15}, {"PL", 28}, {"PT", 25}, {"RO", 24},
	{"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"VA", 22}
};

/* What a scan of an IBAN found, in the order the checks run. */
typedef enum IbanProblem
{
	IBAN_OK,
	IBAN_BAD_CHAR,				/* neither letter, digit nor space */
	IBAN_EMPTY,					/* no letters or digits at all */
	IBAN_NO_COUNTRY,			/* does not start with two letters */
	IBAN_UNKNOWN_COUNTRY,		/* two letters, but not a SEPA country */
	IBAN_LENGTH,				/* not the country's length */
	IBAN_CHECK_NOT_DIGITS,		/* characters 3 and 4 are not digits */
	IBAN_CHECKSUM				/* mod-97 fails or check digits out of range */
} IbanProblem;

typedef struct IbanScan
{
	char		compact[IBAN_MAX + 1];	/* electronic form, NUL-terminated */
	int			len;			/* letters and digits seen, also beyond IBAN_MAX */
	const char *bad;			/* the offending character (IBAN_BAD_CHAR) */
	const IbanCountry *country; /* set from IBAN_LENGTH on */
} IbanScan;

/* True for an ASCII letter or digit. */
static inline bool
iban_alnum(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* True for an upper-case ASCII letter. */
static inline bool
iban_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

/* True for an ASCII digit. */
static inline bool
iban_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The SEPA country with this two-letter code, or NULL. */
static const IbanCountry *
iban_country(const char *code)
{
	int			lo = 0;
	int			hi = lengthof(sepa_countries) - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		int			cmp = strncmp(code, sepa_countries[mid].code, 2);

		if (cmp == 0)
			return &sepa_countries[mid];
		if (cmp < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* ISO 7064 mod 97-10 of the rearranged IBAN, computed digit by digit. */
static int
iban_mod97(const char *compact, int len)
{
	int			rem = 0;
	int			i;

	for (i = 0; i < len; i++)
	{
		char		c = compact[(i + 4) % len];

		if (iban_digit(c))
			rem = (rem * 10 + (c - '0')) % 97;
		else
			rem = (rem * 100 + (c - 'A' + 10)) % 97;
	}
	return rem;
}

/* Normalise and check [s, end) as an IBAN; never raises. */
static IbanProblem
iban_scan(const char *s, const char *end, IbanScan *scan)
{
	const char *p;
	int			check;

	scan->len = 0;
	scan->bad = NULL;
	scan->country = NULL;
	for (p = s; p < end; p++)
	{
		if (*p == ' ')
			continue;
		if (!iban_alnum(*p))
		{
			scan->bad = p;
			return IBAN_BAD_CHAR;
		}
		if (scan->len < IBAN_MAX)
			scan->compact[scan->len] = (*p >= 'a' && *p <= 'z') ? *p - 'a' + 'A' : *p;
		scan->len++;
	}
	scan->compact[Min(scan->len, IBAN_MAX)] = '\0';

	if (scan->len == 0)
		return IBAN_EMPTY;
	if (scan->len < 2 || !iban_upper(scan->compact[0]) || !iban_upper(scan->compact[1]))
		return IBAN_NO_COUNTRY;
	scan->country = iban_country(scan->compact);
	if (scan->country == NULL)
		return IBAN_UNKNOWN_COUNTRY;
	if (scan->len != scan->country->length)
		return IBAN_LENGTH;
	if (!iban_digit(scan->compact[2]) || !iban_digit(scan->compact[3]))
		return IBAN_CHECK_NOT_DIGITS;
	check = (scan->compact[2] - '0') * 10 + (scan->compact[3] - '0');
	if (check < 2 || check > 98 || iban_mod97(scan->compact, scan->len) != 1)
		return IBAN_CHECKSUM;
	return IBAN_OK;
}

/* Raise the error for an IBAN whose scan found a problem. */
static void
iban_report(const char *input, const char *end, IbanProblem problem,
			const IbanScan *scan)
{
	switch (problem)
	{
		case IBAN_OK:
			break;
		case IBAN_BAD_CHAR:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid IBAN: \"%s\"", input),
					 errdetail("Character \"%s\" at position %d is not a letter or digit.",
							   dcpf_char_at(scan->bad, end),
							   dcpf_char_count(input, scan->bad) + 1),
					 errhint("An IBAN holds letters and digits; spaces between them are allowed.")));
			break;
		case IBAN_EMPTY:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid IBAN: \"%s\"", input),
					 errdetail("The value holds no letters or digits.")));
			break;
		case IBAN_NO_COUNTRY:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid IBAN: \"%s\"", input),
					 errdetail("An IBAN starts with a two-letter country code, not \"%.*s\".",
							   Min(scan->len, 2), scan->compact)));
			break;
		case IBAN_UNKNOWN_COUNTRY:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid IBAN: \"%s\"", input),
					 errdetail("Country code \"%.2s\" is not one of the SEPA countries.",
							   scan->compact),
					 errhint("Only accounts in SEPA countries are accepted.")));
			break;
		case IBAN_LENGTH:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid IBAN: \"%s\"", input),
					 errdetail("An IBAN for %s has %d characters; this one has %d.",
							   scan->country->code, scan->country->length, scan->len)));
			break;
		case IBAN_CHECK_NOT_DIGITS:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid IBAN: \"%s\"", input),
					 errdetail("Characters 3 and 4 of an IBAN are check digits, not \"%.2s\".",
							   scan->compact + 2)));
			break;
		case IBAN_CHECKSUM:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid IBAN: \"%s\"", input),
					 errdetail("The check digits do not match; the IBAN has a typing error.")));
			break;
	}
}

/* Validate an IBAN as typed (len bytes) and return its electronic form. */
static text *
iban_accept(const char *input, int len)
{
	const char *end = input + len;
	IbanScan	scan;
	IbanProblem problem = iban_scan(input, end, &scan);

	if (problem != IBAN_OK)
		iban_report(input, end, problem, &scan);
	return cstring_to_text_with_len(scan.compact, scan.len);
}

/* dcpf.iban_is_valid(text): never raises. */
PG_FUNCTION_INFO_V1(dcpf_iban_is_valid);
Datum
dcpf_iban_is_valid(PG_FUNCTION_ARGS)
{
	text	   *value = PG_GETARG_TEXT_PP(0);
	const char *s = VARDATA_ANY(value);
	IbanScan	scan;

	PG_RETURN_BOOL(iban_scan(s, s + VARSIZE_ANY_EXHDR(value), &scan) == IBAN_OK);
}

/* Input function of dcpf.iban. */
PG_FUNCTION_INFO_V1(dcpf_iban_in);
Datum
dcpf_iban_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);

	PG_RETURN_TEXT_P(iban_accept(str, strlen(str)));
}

/* Binary input of dcpf.iban: the text form, validated like the input. */
PG_FUNCTION_INFO_V1(dcpf_iban_recv);
Datum
dcpf_iban_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			nbytes;
	char	   *str = pq_getmsgtext(buf, buf->len - buf->cursor, &nbytes);

	PG_RETURN_TEXT_P(iban_accept(str, nbytes));
}

/* dcpf.iban_display(iban): groups of four characters separated by spaces. */
PG_FUNCTION_INFO_V1(dcpf_iban_display);
Datum
dcpf_iban_display(PG_FUNCTION_ARGS)
{
	text	   *iban = PG_GETARG_TEXT_PP(0);
	const char *s = VARDATA_ANY(iban);
	int			len = VARSIZE_ANY_EXHDR(iban);
	StringInfoData out;
	int			i;

	initStringInfo(&out);
	for (i = 0; i < len; i++)
	{
		if (i > 0 && i % 4 == 0)
			appendStringInfoChar(&out, ' ');
		appendStringInfoChar(&out, s[i]);
	}
	PG_RETURN_TEXT_P(cstring_to_text_with_len(out.data, out.len));
}
