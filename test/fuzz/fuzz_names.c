/*-------------------------------------------------------------------------
 * fuzz_names.c
 *    Harness for Dutch names (src/names.c): dcpf.display_name,
 *    dcpf.name_sort_key and dcpf.name_part_is_valid, called as the server
 *    calls them, NULL arguments included.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#include "fuzz.h"

extern Datum dcpf_display_name(PG_FUNCTION_ARGS);
extern Datum dcpf_name_sort_key(PG_FUNCTION_ARGS);
extern Datum dcpf_name_part_is_valid(PG_FUNCTION_ARGS);

#define NAME_FIELDS 8

static const char *const name_errors[] = {"22023", NULL};

/* Call fn with nargs text arguments, NULL where fields[i] is NULL; NULL for a NULL result. */
static text *
call_text(PGFunction fn, int nargs, char *const *fields)
{
	LOCAL_FCINFO(fcinfo, NAME_FIELDS);
	Datum		result;
	int			i;

	InitFunctionCallInfoData(*fcinfo, NULL, nargs, InvalidOid, NULL, NULL);
	for (i = 0; i < nargs; i++)
	{
		fcinfo->args[i].isnull = fields[i] == NULL;
		fcinfo->args[i].value = fields[i] ? PointerGetDatum(cstring_to_text(fields[i])) : (Datum) 0;
	}
	result = fn(fcinfo);
	return fcinfo->isnull ? NULL : DatumGetTextPP(result);
}

/* whether a name part holds anything but whitespace (name_part's NULL) */
static bool
has_content(const char *part)
{
	return part != NULL && part[strspn(part, " \t\n\r\v\f")] != '\0';
}

static void
must_be_text(text *t, const char *what)
{
	if (t != NULL && !pg_verify_mbstr(GetDatabaseEncoding(), VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), true))
		dcpf_fuzz_fail("names: %s is not valid %s", what, GetDatabaseEncodingName());
}

/*
 * The input is up to eight fields separated by '|' (given names, initials,
 * tussenvoegsel, surname, partner's tussenvoegsel, partner's surname,
 * name_use, style); a field left out is NULL. display_name and
 * name_sort_key give a result exactly when there is a surname, and the
 * result is valid text (upper-casing an initial must not split a
 * character); name_part_is_valid never raises. An unknown name_use or style
 * raises 22023.
 */
static void
names_one(const uint8_t *data, size_t size)
{
	char	   *input = dcpf_fuzz_cstring(data, size);
	char	   *fields[NAME_FIELDS] = {0};
	char	   *sort_args[4];
	static const char *const kinds[] = {"name", "tussenvoegsel", "initials"};
	char	   *p = input;
	int			n = 0;
	int			i;
	int			k;
	text	   *shown;
	text	   *key;

	while (n < NAME_FIELDS)
	{
		char	   *bar = strchr(p, '|');

		fields[n++] = p;
		if (bar == NULL)
			break;
		*bar = '\0';
		p = bar + 1;
	}
	for (i = 0; i < n; i++)
		for (k = 0; k < (int) lengthof(kinds); k++)
			(void) DatumGetBool(DirectFunctionCall2(dcpf_name_part_is_valid,
													CStringGetTextDatum(fields[i]),
													CStringGetTextDatum(kinds[k])));

	sort_args[0] = fields[3];
	sort_args[1] = fields[2];
	sort_args[2] = fields[0];
	sort_args[3] = fields[1];
	key = call_text(dcpf_name_sort_key, 4, sort_args);
	if ((key != NULL) != has_content(fields[3]))
		dcpf_fuzz_fail("names: name_sort_key is %s with %s surname", key ? "set" : "NULL",
					   has_content(fields[3]) ? "a" : "no");
	must_be_text(key, "the sort key");

	shown = call_text(dcpf_display_name, NAME_FIELDS, fields);
	if ((shown != NULL) != has_content(fields[3]))
		dcpf_fuzz_fail("names: display_name is %s with %s surname", shown ? "set" : "NULL",
					   has_content(fields[3]) ? "a" : "no");
	must_be_text(shown, "the display name");
}

static void
names_seeds(DcpfFuzzEmit emit)
{
	static const char *const seeds[] = {
		"Jan Willem||van den|Berg|de|Vries|V|full",
		"||de|Vries",
		"anna maria|a.m.|van|dijk|||N|sorted",
		"Ålfhild Özlem||ter|Ærø-Ñúñez|van 't|Hoff|P|initials",
		"ij|IJ||IJsselmeer",
		"Jan||||||X|odd",
		"   |  \t |  | \n ",
		NULL
	};
	const char *const *s;

	for (s = seeds; *s; s++)
		emit(*s, strlen(*s));
}

const DcpfFuzzHarness dcpf_fuzz_names = {
	"names", NULL, names_one, names_seeds, name_errors, true
};
