/*-------------------------------------------------------------------------
 * names.c
 *    Dutch names: dcpf.display_name and dcpf.name_sort_key.
 *
 * A Dutch surname may carry a tussenvoegsel ("van den" in "van den Berg")
 * that is written before the surname but ignored when filing: "van den Berg"
 * is filed under B. A person may use their own name (E), their partner's
 * (P), the partner's followed by their own (V) or their own followed by the
 * partner's (N), the name-use codes of the BRP. Name parts are trimmed and
 * runs of ASCII whitespace collapsed; NULL and empty parts are skipped.
 * Letters are case-converted with the database's default collation.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_collation.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/formatting.h"

#include "dcpf.h"

/* Separator between the parts of a sort key; sorts below every letter. */
#define SORT_KEY_SEPARATOR '\x01'

/* The display styles. */
typedef enum NameStyle
{
	NAME_STYLE_INITIALS,
	NAME_STYLE_FULL,
	NAME_STYLE_SORTED
} NameStyle;

/* True for the ASCII whitespace that is collapsed. */
static inline bool
name_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Argument argno trimmed, whitespace collapsed; NULL when NULL or empty. */
static char *
name_part(FunctionCallInfo fcinfo, int argno)
{
	text	   *value;
	const char *p;
	const char *end;
	StringInfoData out;

	if (PG_ARGISNULL(argno))
		return NULL;
	value = PG_GETARG_TEXT_PP(argno);
	p = VARDATA_ANY(value);
	end = p + VARSIZE_ANY_EXHDR(value);

	initStringInfo(&out);
	for (; p < end; p++)
	{
		if (name_space(*p))
		{
			if (out.len > 0 && out.data[out.len - 1] != ' ')
				appendStringInfoChar(&out, ' ');
		}
		else
			appendStringInfoChar(&out, *p);
	}
	if (out.len > 0 && out.data[out.len - 1] == ' ')
		out.data[--out.len] = '\0';
	if (out.len == 0)
	{
		pfree(out.data);
		return NULL;
	}
	return out.data;
}

/* Append the character at p in upper case; returns its length in bytes. */
static int
append_upper_char(StringInfo out, const char *p, const char *end)
{
	int			len = dcpf_char_len(p, end);
	char	   *upper = str_toupper(p, len, DEFAULT_COLLATION_OID);

	appendStringInfoString(out, upper);
	pfree(upper);
	return len;
}

/* "Jan Willem" or "Jan-Willem" -> "J.W.": the first letter of each name. */
static char *
initials_from_given_names(const char *given)
{
	const char *p = given;
	const char *end = given + strlen(given);
	StringInfoData out;
	bool		word_start = true;

	initStringInfo(&out);
	while (p < end)
	{
		if (*p == ' ' || *p == '-')
		{
			word_start = true;
			p++;
		}
		else if (word_start)
		{
			p += append_upper_char(&out, p, end);
			appendStringInfoChar(&out, '.');
			word_start = false;
		}
		else
			p += dcpf_char_len(p, end);
	}
	return out.len > 0 ? out.data : NULL;
}

/*
 * Initials as typed in their normal form. With dots, each part between dots
 * is one initial, kept as typed but for its upper-case first letter
 * ("th. j" -> "Th.J."); without dots, every letter is one ("jw" -> "J.W.").
 */
static char *
initials_normalise(const char *initials)
{
	const char *p = initials;
	const char *end = initials + strlen(initials);
	bool		dotted = strchr(initials, '.') != NULL;
	bool		part_start = true;
	StringInfoData out;

	initStringInfo(&out);
	while (p < end)
	{
		if (*p == '.' || *p == ' ' || *p == '-')
		{
			if (!part_start)
				appendStringInfoChar(&out, '.');
			part_start = true;
			p++;
		}
		else if (part_start || !dotted)
		{
			p += append_upper_char(&out, p, end);
			if (!dotted)
				appendStringInfoChar(&out, '.');
			part_start = !dotted;
		}
		else
		{
			int			len = dcpf_char_len(p, end);

			appendBinaryStringInfo(&out, p, len);
			p += len;
		}
	}
	if (!part_start)
		appendStringInfoChar(&out, '.');
	return out.len > 0 ? out.data : NULL;
}

/* "a" and "b" joined by sep, skipping a NULL side; NULL when both are. */
static char *
join2(const char *a, const char *sep, const char *b)
{
	if (a == NULL)
		return b ? pstrdup(b) : NULL;
	if (b == NULL)
		return pstrdup(a);
	return psprintf("%s%s%s", a, sep, b);
}

/* The text with its first character upper-cased. */
static char *
capitalise_first(const char *s)
{
	const char *end = s + strlen(s);
	StringInfoData out;
	int			len;

	initStringInfo(&out);
	len = append_upper_char(&out, s, end);
	appendStringInfoString(&out, s + len);
	return out.data;
}

/* The name-use code, or an error listing the valid ones. NULL means E. */
static char
parse_name_use(FunctionCallInfo fcinfo, int argno)
{
	char	   *use = name_part(fcinfo, argno);

	if (use == NULL && PG_ARGISNULL(argno))
		return 'E';
	if (use != NULL && strlen(use) == 1 && strchr("EPVNepvn", use[0]) != NULL)
		return (char) pg_ascii_toupper((unsigned char) use[0]);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid name_use: \"%s\"", use ? use : ""),
			 errdetail("Valid values of name_use are E (own name), P (partner's name), "
					   "V (partner's name, then own) and N (own name, then partner's).")));
	return 'E';					/* not reached */
}

/* The display style, or an error listing the valid ones. NULL means initials. */
static NameStyle
parse_style(FunctionCallInfo fcinfo, int argno)
{
	char	   *style = name_part(fcinfo, argno);

	if (style == NULL && PG_ARGISNULL(argno))
		return NAME_STYLE_INITIALS;
	if (style != NULL && pg_strcasecmp(style, "initials") == 0)
		return NAME_STYLE_INITIALS;
	if (style != NULL && pg_strcasecmp(style, "full") == 0)
		return NAME_STYLE_FULL;
	if (style != NULL && pg_strcasecmp(style, "sorted") == 0)
		return NAME_STYLE_SORTED;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid style: \"%s\"", style ? style : ""),
			 errdetail("Valid values of style are initials (\"J. van den Berg\"), "
					   "full (\"Jan van den Berg\") and sorted (\"Berg, J. van den\").")));
	return NAME_STYLE_INITIALS; /* not reached */
}

/*
 * dcpf.display_name(given_names, initials, tussenvoegsel, surname,
 * partner_tussenvoegsel, partner_surname, name_use, style): the name as
 * Dutch convention writes it; NULL when there is no surname.
 */
PG_FUNCTION_INFO_V1(dcpf_display_name);
Datum
dcpf_display_name(PG_FUNCTION_ARGS)
{
	char	   *given = name_part(fcinfo, 0);
	char	   *initials_typed = name_part(fcinfo, 1);
	char	   *tussenvoegsel = name_part(fcinfo, 2);
	char	   *surname = name_part(fcinfo, 3);
	char	   *partner_tussenvoegsel = name_part(fcinfo, 4);
	char	   *partner_surname = name_part(fcinfo, 5);
	char		name_use = parse_name_use(fcinfo, 6);
	NameStyle	style = parse_style(fcinfo, 7);
	const char *first_tussenvoegsel;	/* the family name that comes first */
	const char *first_surname;
	char	   *second = NULL;	/* the rest of a compound family name */
	char	   *initials;
	char	   *result;

	if (surname == NULL)
		PG_RETURN_NULL();
	if (partner_surname == NULL)
		name_use = 'E';

	first_tussenvoegsel = tussenvoegsel;
	first_surname = surname;
	if (name_use == 'P' || name_use == 'V')
	{
		first_tussenvoegsel = partner_tussenvoegsel;
		first_surname = partner_surname;
	}
	if (name_use == 'V')
		second = join2(tussenvoegsel, " ", surname);
	else if (name_use == 'N')
		second = join2(partner_tussenvoegsel, " ", partner_surname);

	initials = initials_typed ? initials_normalise(initials_typed)
		: given ? initials_from_given_names(given) : NULL;

	if (style == NAME_STYLE_SORTED)
	{
		/* "Vries-van den Berg, J.W. de" */
		char	   *family = join2(first_surname, "-", second);
		char	   *after_comma = join2(initials, " ", first_tussenvoegsel);

		result = join2(family, ", ", after_comma);
	}
	else
	{
		/* "J.W. de Vries-van den Berg" or "Jan Willem de Vries-van den Berg" */
		char	   *family = join2(join2(first_tussenvoegsel, " ", first_surname), "-", second);
		const char *before = (style == NAME_STYLE_FULL && given) ? given : initials;

		if (before == NULL && first_tussenvoegsel != NULL)
			result = capitalise_first(family);
		else
			result = join2(before, " ", family);
	}
	PG_RETURN_TEXT_P(cstring_to_text(result));
}

/* Append a part of a sort key in lower case. */
static void
append_sort_part(StringInfo key, const char *part)
{
	char	   *lower;

	if (part == NULL)
		return;
	lower = str_tolower(part, strlen(part), DEFAULT_COLLATION_OID);
	appendStringInfoString(key, lower);
	pfree(lower);
}

/*
 * dcpf.name_sort_key(surname, tussenvoegsel, given_names, initials): surname,
 * tussenvoegsel and given names (or initials) in lower case, separated by
 * \x01 so that "Berg" files before "Bergen"; NULL when there is no surname.
 */
PG_FUNCTION_INFO_V1(dcpf_name_sort_key);
Datum
dcpf_name_sort_key(PG_FUNCTION_ARGS)
{
	char	   *surname = name_part(fcinfo, 0);
	char	   *tussenvoegsel = name_part(fcinfo, 1);
	char	   *given = name_part(fcinfo, 2);
	char	   *initials = name_part(fcinfo, 3);
	StringInfoData key;

	if (surname == NULL)
		PG_RETURN_NULL();

	initStringInfo(&key);
	append_sort_part(&key, surname);
	appendStringInfoChar(&key, SORT_KEY_SEPARATOR);
	append_sort_part(&key, tussenvoegsel);
	appendStringInfoChar(&key, SORT_KEY_SEPARATOR);
	append_sort_part(&key, given ? given : initials ? initials_normalise(initials) : NULL);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(key.data, key.len));
}

/*
 * Name-part checks for the person table's constraints, as byte scans: they
 * replace regular expressions on the hot path of every insert. ASCII is
 * checked exactly; a multibyte character counts as a letter of either case
 * (names such as "Émile" or "Ölçer" must pass).
 */

/* True for ASCII whitespace. */
static inline bool
name_is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* A given name or surname: 1-120 characters, trimmed, no digit, '@', control character or double space. */
static bool
personal_name_ok(const unsigned char *s, int len)
{
	int			chars = 0;
	int			i;

	if (len == 0 || name_is_space(s[0]) || name_is_space(s[len - 1]))
		return false;
	for (i = 0; i < len; i++)
	{
		unsigned char c = s[i];

		if ((c & 0xC0) != 0x80)
			chars++;
		if ((c >= '0' && c <= '9') || c == '@' || c < 0x20 || c == 0x7F)
			return false;
		if (name_is_space(c) && i + 1 < len && name_is_space(s[i + 1]))
			return false;
	}
	return chars <= 120;
}

/* A tussenvoegsel: 1-4 lower-case words (letters and apostrophes) separated by single spaces, at most 20 characters. */
static bool
tussenvoegsel_ok(const unsigned char *s, int len)
{
	int			words = 1;
	int			chars = 0;
	bool		in_word = false;
	int			i;

	for (i = 0; i < len; i++)
	{
		unsigned char c = s[i];

		if ((c & 0xC0) != 0x80)
			chars++;
		if (c == ' ')
		{
			if (!in_word)
				return false;	/* leading or double space */
			in_word = false;
			words++;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || c == '\'' || c >= 0x80))
			return false;
		in_word = true;
	}
	return in_word && words <= 4 && chars <= 20;
}

/* Initials: one or more of "IJ." or an upper-case letter, up to two lower-case letters and a dot. */
static bool
initials_ok(const unsigned char *s, int len)
{
	int			i = 0;

	if (len == 0)
		return false;
	while (i < len)
	{
		int			lower = 0;

		if (i + 2 < len && s[i] == 'I' && s[i + 1] == 'J' && s[i + 2] == '.')
		{
			i += 3;
			continue;
		}
		/* the capital: an ASCII upper-case letter or one multibyte character */
		if (s[i] >= 'A' && s[i] <= 'Z')
			i++;
		else if (s[i] >= 0xC0)
			for (i++; i < len && (s[i] & 0xC0) == 0x80; i++)
				;
		else
			return false;
		/* up to two lower-case letters */
		while (i < len && s[i] != '.')
		{
			if (s[i] >= 'a' && s[i] <= 'z')
				i++;
			else if (s[i] >= 0xC0)
				for (i++; i < len && (s[i] & 0xC0) == 0x80; i++)
					;
			else
				return false;
			if (++lower > 2)
				return false;
		}
		if (i >= len)
			return false;		/* no closing dot */
		i++;					/* the dot */
	}
	return true;
}

/* dcpf.name_part_is_valid(value, kind): kind is name, tussenvoegsel or initials; never raises. */
PG_FUNCTION_INFO_V1(dcpf_name_part_is_valid);
Datum
dcpf_name_part_is_valid(PG_FUNCTION_ARGS)
{
	text	   *value = PG_GETARG_TEXT_PP(0);
	text	   *kind = PG_GETARG_TEXT_PP(1);
	const unsigned char *s = (const unsigned char *) VARDATA_ANY(value);
	int			len = VARSIZE_ANY_EXHDR(value);
	const char *k = VARDATA_ANY(kind);
	int			klen = VARSIZE_ANY_EXHDR(kind);

	if (klen == 4 && memcmp(k, "name", 4) == 0)
		PG_RETURN_BOOL(personal_name_ok(s, len));
	if (klen == 13 && memcmp(k, "tussenvoegsel", 13) == 0)
		PG_RETURN_BOOL(tussenvoegsel_ok(s, len));
	if (klen == 8 && memcmp(k, "initials", 8) == 0)
		PG_RETURN_BOOL(initials_ok(s, len));
	PG_RETURN_BOOL(false);
}
