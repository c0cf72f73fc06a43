/*-------------------------------------------------------------------------
 * fuzz_scan.c
 *    Harness for the card-number and BSN scanners (src/scan.c, compiled
 *    here for its statics): what dcpf.contains_card_number,
 *    dcpf.contains_bsn, dcpf.bsn_is_valid, dcpf.assert_no_card_number and
 *    dcpf.find_sensitive_numbers see in a free text.
 *-------------------------------------------------------------------------
 */
#include "../../src/scan.c"

#include "fuzz.h"

static const char *const scan_errors[] = {"23514", NULL};

/* The runs of one kind that the scanner reports; each one checked. */
static int
runs_found(const char *s, const char *end, RunKind kind)
{
	RunScanner	sc;
	DigitRun	run;
	int			found = 0;

	scanner_init(&sc, s, end, kind);
	while (scanner_next(&sc, &run))
	{
		char	   *masked;

		if (run.start < s || run.end > end || run.start >= run.end ||
			!scan_digit(run.start[0]) || !scan_digit(run.end[-1]) ||
			run.char_start != dcpf_char_count(s, run.start))
			dcpf_fuzz_fail("numbers: a run outside the text or not at a digit (%d..%d of %d bytes)",
						   (int) (run.start - s), (int) (run.end - s), (int) (end - s));
		if (!run_matches(kind, &run))
			continue;
		masked = run_masked(&run);
		if (strlen(masked) != (size_t) (run.end - run.start) ||
			(run.ndigits > 4 && masked[0] != '*'))
			dcpf_fuzz_fail("numbers: the masked form \"%s\" does not hide the run", masked);
		found++;
	}
	return found;
}

/*
 * The input is a free text. The SQL functions and the runs the scanner
 * reports agree: a card number is found by contains_card_number exactly
 * when assert_no_card_number refuses and find_sensitive_numbers would list
 * one; a text that is a valid BSN contains one.
 */
static void
numbers_one(const uint8_t *data, size_t size)
{
	text	   *value = dcpf_fuzz_text(data, size);
	const char *s = VARDATA_ANY(value);
	const char *end = s + VARSIZE_ANY_EXHDR(value);
	bool		card = DatumGetBool(DirectFunctionCall1(dcpf_contains_card_number, PointerGetDatum(value)));
	bool		bsn = DatumGetBool(DirectFunctionCall1(dcpf_contains_bsn, PointerGetDatum(value)));
	bool		bsn_valid = DatumGetBool(DirectFunctionCall1(dcpf_bsn_is_valid, PointerGetDatum(value)));
	int			cards = runs_found(s, end, RUN_CARD);
	int			bsns = runs_found(s, end, RUN_BSN);
	bool		assertion_passes = dcpf_fuzz_call(dcpf_assert_no_card_number, ERRCODE_CHECK_VIOLATION, NULL, 2,
												  PointerGetDatum(value), CStringGetTextDatum("the text"));

	if (card != (cards > 0) || card == assertion_passes)
		dcpf_fuzz_fail("numbers: contains_card_number says %s, the scan found %d, the assertion %s",
					   card ? "yes" : "no", cards, card ? "passed" : "refused");
	if (bsn != (bsns > 0))
		dcpf_fuzz_fail("numbers: contains_bsn says %s, the scan found %d", bsn ? "yes" : "no", bsns);
	if (bsn_valid && !bsn)
		dcpf_fuzz_fail("numbers: a valid BSN that contains_bsn does not find");
}

static void
numbers_seeds(DcpfFuzzEmit emit)
{
	static const char *const seeds[] = {
		"4111 1111 1111 1111", "4111-1111-1111-1111 en 5500 0000 0000 0004",
		"BSN 111222333, tel 0612345678", " 123456782 ", "kaart: 3782 822463 10005.",
		"1234567890123456789012345", "€ 12,50 op 01-02-2026; ref 4111111111111111", "", NULL
	};
	const char *const *s;

	for (s = seeds; *s; s++)
		emit(*s, strlen(*s));
}

const DcpfFuzzHarness dcpf_fuzz_numbers = {
	"numbers", NULL, numbers_one, numbers_seeds, scan_errors, true
};
