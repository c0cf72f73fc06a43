/*-------------------------------------------------------------------------
 * fuzz_crypto.c
 *    Harness for ciphertexts (src/crypto.c, compiled here for its statics):
 *    the header of a stored value and its opening with AES-256-GCM, as
 *    every decryption of a column does.
 *-------------------------------------------------------------------------
 */
#include "../../src/crypto.c"

#include "fuzz.h"

static const pg_uuid_t key_id = {{0x01, 0x92, 0xb6, 0xa0, 0x7c, 0x1e, 0x7a, 0x5e,
0x9f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01}};
static const pg_uuid_t subject = {{0x01, 0x92, 0xb6, 0xa0, 0x7c, 0x1e, 0x7a, 0x5e,
0x9f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02}};
static const pg_uuid_t row = {{0x01, 0x92, 0xb6, 0xa0, 0x7c, 0x1e, 0x7a, 0x5e,
0x9f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03}};
static const unsigned char data_key[DCPF_KEY_LEN] = "a test data key for the fuzzer.";

static const char *const ciphertext_errors[] = {"XX001", NULL};

/* The harness's data key, cached as dcpf.data_key's row would be for a transaction. */
static void
ciphertext_init(void)
{
	dcpf_fuzz_cache_data_key(&key_id, &subject, data_key);
}

/*
 * The input is a stored value. Its header is checked; when it names the
 * harness's key it is opened (a value that opens has exactly the
 * plaintext length the format gives); otherwise it raises XX001. The input
 * is also sealed as plaintext and must open to itself.
 */
static void
ciphertext_one(const uint8_t *data, size_t size)
{
	unsigned char *sealed = palloc(size);
	const unsigned char *header_key;
	bytea	   *again;
	unsigned char *plain;
	int			len = -1;

	ciphertext_init();

	again = dcpf_seal("portfolio_item", "body", &row, &subject, data, (int) size, false);
	plain = dcpf_open((unsigned char *) VARDATA(again), VARSIZE(again) - VARHDRSZ, "portfolio_item", "body",
					  &row, &subject, false, &len);
	if (len != (int) size || memcmp(plain, data, size) != 0 || plain[len] != '\0')
		dcpf_fuzz_fail("ciphertext: %zu bytes sealed do not open to themselves", size);

	memcpy(sealed, data, size);
	header_key = check_header(sealed, (int) size);
	if (memcmp(header_key, key_id.data, UUID_LEN) != 0)
		return;					/* any other key would be looked up in dcpf.data_key */
	plain = dcpf_open(sealed, (int) size, "portfolio_item", "body", &row, &subject, false, &len);
	if (len != (int) size - CT_OVERHEAD || plain[len] != '\0')
		dcpf_fuzz_fail("ciphertext: %zu bytes opened to %d bytes of plaintext", size, len);
}

static void
ciphertext_seeds(DcpfFuzzEmit emit)
{
	static const char *const plaintexts[] = {
		"", "x", "Feedback op de overdracht: duidelijk en volledig.",
		"{\"epa\":\"EPA-3\",\"level\":4}", NULL
	};
	const char *const *p;

	ciphertext_init();
	for (p = plaintexts; *p; p++)
	{
		bytea	   *sealed = dcpf_seal("portfolio_item", "body", &row, &subject,
									   (const unsigned char *) *p, strlen(*p), false);

		emit(VARDATA(sealed), VARSIZE(sealed) - VARHDRSZ);
	}
}

const DcpfFuzzHarness dcpf_fuzz_ciphertext = {
	"ciphertext", ciphertext_init, ciphertext_one, ciphertext_seeds, ciphertext_errors, false
};
