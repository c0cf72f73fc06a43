/*-------------------------------------------------------------------------
 * fuzz_validators.c
 *    Harness for the IBAN, BIG and e-mail validators (src/iban.c,
 *    src/validate.c, src/email.c): their SQL functions, called as the
 *    server calls them.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "fuzz.h"

extern Datum dcpf_iban_is_valid(PG_FUNCTION_ARGS);
extern Datum dcpf_iban_in(PG_FUNCTION_ARGS);
extern Datum dcpf_iban_recv(PG_FUNCTION_ARGS);
extern Datum dcpf_iban_display(PG_FUNCTION_ARGS);
extern Datum dcpf_big_is_valid(PG_FUNCTION_ARGS);
extern Datum dcpf_big_number_in(PG_FUNCTION_ARGS);
extern Datum dcpf_big_number_recv(PG_FUNCTION_ARGS);
extern Datum dcpf_email_is_valid(PG_FUNCTION_ARGS);
extern Datum dcpf_email_normalize(PG_FUNCTION_ARGS);
extern Datum dcpf_email_in(PG_FUNCTION_ARGS);
extern Datum dcpf_email_recv(PG_FUNCTION_ARGS);

typedef struct Validator
{
	const char *name;
	PGFunction	is_valid;		/* text -> bool, never raises */
	PGFunction	in;				/* cstring -> normal form, or 22P02 */
	PGFunction	recv;			/* StringInfo -> normal form, or 22P02 */
	PGFunction	display;		/* normal form -> a form that reads back, or NULL */
} Validator;

static const Validator validators[] = {
	{"iban", dcpf_iban_is_valid, dcpf_iban_in, dcpf_iban_recv, dcpf_iban_display},
	{"big", dcpf_big_is_valid, dcpf_big_number_in, dcpf_big_number_recv, NULL},
	{"email", dcpf_email_is_valid, dcpf_email_in, dcpf_email_recv, dcpf_email_normalize},
};

static const char *const validator_errors[] = {"22P02", NULL};

/* fn(arg) accepts the value (*result its normal form), or refuses it with 22P02 */
static bool
accepts(PGFunction fn, Datum arg, text **result)
{
	Datum		d;

	if (!dcpf_fuzz_call(fn, ERRCODE_INVALID_TEXT_REPRESENTATION, &d, 1, arg, (Datum) 0))
		return false;
	*result = DatumGetTextPP(d);
	return true;
}

static bool
text_equal(text *a, text *b)
{
	return VARSIZE_ANY_EXHDR(a) == VARSIZE_ANY_EXHDR(b) &&
		memcmp(VARDATA_ANY(a), VARDATA_ANY(b), VARSIZE_ANY_EXHDR(a)) == 0;
}

/*
 * The first byte chooses the validator ('0' IBAN, '1' BIG, '2' e-mail); the rest is the value. is_valid,
 * the input function and the binary input function agree on it; an
 * accepted value's normal form is valid and reads back to itself, also
 * from its display form.
 */
static void
validators_one(const uint8_t *data, size_t size)
{
	const Validator *v;
	text	   *value;
	StringInfoData buf;
	bool		valid;
	text	   *normal = NULL;
	text	   *from_recv = NULL;
	bool		in_ok;
	bool		recv_ok;

	if (size == 0 || IS_HIGHBIT_SET(data[0]))
		return;
	v = &validators[data[0] % lengthof(validators)];
	value = dcpf_fuzz_text(data + 1, size - 1);
	valid = DatumGetBool(DirectFunctionCall1(v->is_valid, PointerGetDatum(value)));
	in_ok = accepts(v->in, CStringGetDatum(dcpf_fuzz_cstring(data + 1, size - 1)), &normal);

	initStringInfo(&buf);
	appendBinaryStringInfo(&buf, (const char *) data + 1, (int) size - 1);
	recv_ok = accepts(v->recv, PointerGetDatum(&buf), &from_recv);

	if (valid != in_ok || valid != recv_ok)
		dcpf_fuzz_fail("%s: is_valid says %s, the input function %s, the binary input %s",
					   v->name, valid ? "valid" : "invalid", in_ok ? "accepts" : "refuses",
					   recv_ok ? "accepts" : "refuses");
	if (!valid)
		return;
	if (!text_equal(normal, from_recv))
		dcpf_fuzz_fail("%s: the input and the binary input give different normal forms", v->name);
	if (!DatumGetBool(DirectFunctionCall1(v->is_valid, PointerGetDatum(normal))))
		dcpf_fuzz_fail("%s: the normal form \"%s\" is not valid", v->name, text_to_cstring(normal));
	if (!accepts(v->in, CStringGetDatum(text_to_cstring(normal)), &from_recv) ||
		!text_equal(normal, from_recv))
		dcpf_fuzz_fail("%s: the normal form \"%s\" does not read back to itself", v->name,
					   text_to_cstring(normal));
	if (v->display)
	{
		text	   *shown = DatumGetTextPP(DirectFunctionCall1(v->display, PointerGetDatum(normal)));

		if (!accepts(v->in, CStringGetDatum(text_to_cstring(shown)), &from_recv) ||
			!text_equal(normal, from_recv))
			dcpf_fuzz_fail("%s: the display form \"%s\" does not read back to \"%s\"", v->name,
						   text_to_cstring(shown), text_to_cstring(normal));
	}
}

static void
validators_seeds(DcpfFuzzEmit emit)
{
	static const char *const seeds[] = {
		"0NL91ABNA0417164300", "0nl91 abna 0417 1643 00", "0" "DE89 3704 0044 0532 0130 00",
		"0GB82WEST12345698765432", "0NL91ABNA0417164301", "0NL",
		"112345678901", "11234 5678 901", "199999999999", "1123",
		"2anna.de.vries@example.nl", "2\"quoted local\"@example.org",
		"2Jan+tag@Sub.Example.COM", "2a@b", "2x@[127.0.0.1]", "2é@voorbeeld.nl",
		NULL
	};
	const char *const *s;

	for (s = seeds; *s; s++)
		emit(*s, strlen(*s));
}

const DcpfFuzzHarness dcpf_fuzz_validators = {
	"validators", NULL, validators_one, validators_seeds, validator_errors, true
};
