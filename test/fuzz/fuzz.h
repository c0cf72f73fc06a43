/*-------------------------------------------------------------------------
 * fuzz.h
 *    The libFuzzer harnesses of dcpf's parsers and scanners.
 *
 * The harnesses run inside a real PostgreSQL backend (single-user mode),
 * so the code under test meets the server's own jsonb, text and error
 * machinery, not imitations of it: test/fuzz/driver.c is a loadable module
 * whose SQL function dcpf_fuzz_run hands control to libFuzzer
 * (LLVMFuzzerRunDriver). Every input runs with CurrentMemoryContext set to
 * a context that gives each palloc its own malloc, so AddressSanitizer sees
 * the exact bounds of every chunk (an AllocSet would hide an overrun inside
 * its blocks) and a reset after each input turns any pointer kept across
 * inputs into a use after free.
 *
 * A harness raises only what its parser documents for bad input: each one
 * lists the SQLSTATEs it may raise, and an error raised by dcpf's own code
 * must also carry a DETAIL. Any other error, or a broken property a
 * harness checks, aborts the run, and libFuzzer keeps the input as a crash.
 *-------------------------------------------------------------------------
 */
#ifndef DCPF_FUZZ_H
#define DCPF_FUZZ_H

#include "postgres.h"

#include "fmgr.h"
#include "utils/uuid.h"

typedef void (*DcpfFuzzEmit) (const void *data, size_t len);

typedef struct DcpfFuzzHarness
{
	const char *name;
	/* once, before the first input (keys, key sets); may be NULL */
	void		(*init) (void);
	/* one input; may raise one of sqlstates */
	void		(*one) (const uint8_t *data, size_t size);
	/* the inputs to start from when the corpus is empty; may be NULL */
	void		(*seeds) (DcpfFuzzEmit emit);
	/* SQLSTATEs (5 characters) or classes (2 characters) it may raise */
	const char *const *sqlstates;
	/* the input is text of the server encoding (no NUL, valid UTF-8) */
	bool		text_input;
} DcpfFuzzHarness;

/* a broken property: report it and abort, so libFuzzer keeps the input */
extern void dcpf_fuzz_fail(const char *fmt,...) pg_attribute_printf(1, 2) pg_attribute_noreturn();

/*
 * fn(arg1[, arg2]) as DirectFunctionCall does; false when it raised
 * sqlerrcode with a DETAIL (the error flushed), any other error goes on.
 * *result (when not NULL) gets fn's result.
 */
extern bool dcpf_fuzz_call(PGFunction fn, int sqlerrcode, Datum *result, int nargs, Datum arg1, Datum arg2);

/* the input as a text datum (exact size) and as a NUL-terminated copy */
extern text *dcpf_fuzz_text(const uint8_t *data, size_t size);
extern char *dcpf_fuzz_cstring(const uint8_t *data, size_t size);

/* the harnesses */
extern const DcpfFuzzHarness dcpf_fuzz_base64url;
extern const DcpfFuzzHarness dcpf_fuzz_jwks;
extern const DcpfFuzzHarness dcpf_fuzz_jws;
extern const DcpfFuzzHarness dcpf_fuzz_ciphertext;
extern const DcpfFuzzHarness dcpf_fuzz_key_material;
extern const DcpfFuzzHarness dcpf_fuzz_password;
extern const DcpfFuzzHarness dcpf_fuzz_validators;
extern const DcpfFuzzHarness dcpf_fuzz_numbers;
extern const DcpfFuzzHarness dcpf_fuzz_names;
extern const DcpfFuzzHarness dcpf_fuzz_relay;

/* fuzz_keys.c: the fixed key source (blind-index key verified), for fuzz_relay.c */
extern void dcpf_fuzz_load_keys(void);

/* fuzz_keys.c: the harnesses' own data key, cached for the transaction */
extern void dcpf_fuzz_cache_data_key(const pg_uuid_t *key_id, const pg_uuid_t *subject,
									 const unsigned char *key32);

/* fuzz_authenticate.c: the issuer a token names, as dcpf.authenticate reads it */
extern char *dcpf_fuzz_peek_issuer(const char *token, int len);

#endif							/* DCPF_FUZZ_H */
