/*-------------------------------------------------------------------------
 * fuzz_keys.c
 *    Harness for key material (src/keys.c, compiled here for its statics):
 *    the master key source (dcpf.master_key_file or the output of
 *    dcpf.master_key_command) and wrapped data keys as dcpf.data_key holds
 *    them. Also gives fuzz_crypto.c a data key cached for the transaction,
 *    and fuzz_relay.c the fixed key source.
 *-------------------------------------------------------------------------
 */
#include "../../src/keys.c"

#include "fuzz.h"

/* two generations and a blind-index key; test material only */
static const char fixed_source[] =
	"# dcpf master keys (fuzzing only)\n"
	"master 1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
	"master 7 F0E1D2C3B4A5968778695A4B3C2D1E0F00112233445566778899AABBCCDDEEFF\n"
	"blind 9f9e9d9c9b9a999897969594939291908f8e8d8c8b8a89888786858483828180\n";

static const pg_uuid_t wrapped_id = {{0x01, 0x92, 0xb6, 0xa0, 0x7c, 0x1e, 0x7a, 0x5e,
0x9f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a}};
static const pg_uuid_t wrapped_subject = {{0x01, 0x92, 0xb6, 0xa0, 0x7c, 0x1e, 0x7a, 0x5e,
0x9f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0b}};
static const unsigned char wrapped_data_key[DCPF_KEY_LEN] = "dcpf fuzz data key, 32 bytes...";

static const char *const key_errors[] = {"XX001", NULL};

void
dcpf_fuzz_cache_data_key(const pg_uuid_t *key_id, const pg_uuid_t *subject, const unsigned char *key32)
{
	unsigned char copy[DCPF_KEY_LEN];

	if (key_cxt == NULL)
		dcpf_keys_init();
	memcpy(copy, key32, DCPF_KEY_LEN);
	(void) cache_key(key_id, subject, copy, 0);
}

/*
 * Load the fixed key source as master_keys_load would, marked verified (the
 * check values live in dcpf.master_key_generation, which is not installed
 * here) and fresh, so that no lookup goes to the source again.
 */
static void
load_fixed_source(void)
{
	char	   *text = pstrdup(fixed_source);
	int			line;
	const char *problem;
	int			i;

	master_keys_wipe();
	problem = parse_key_source(text, &line);
	if (problem != NULL)
		dcpf_fuzz_fail("key_material: the fixed key source is refused at line %d: %s", line, problem);
	for (i = 0; i < n_master_keys; i++)
		master_keys[i].verified = true;
	/* as if read from a command just now: master_keys_load keeps them */
	dcpf_master_key_command = "fuzz";
	loaded_source = "fuzz";
	keys_loaded = true;
	keys_stale = false;
}

/* The fixed key source, its blind-index key taken as verified (fuzz_relay.c). */
void
dcpf_fuzz_load_keys(void)
{
	load_fixed_source();
	blind_key_verified = true;
}

/*
 * The first byte chooses. Even: the rest is a key source; it parses, or
 * names a problem and a line, and what it parses holds 1 to 64 distinct
 * generations. Odd: the rest is a wrapped data key; it unwraps (then to the
 * key that was wrapped) or raises XX001.
 */
static void
key_material_one(const uint8_t *data, size_t size)
{
	if (size == 0)
		return;
	if (data[0] % 2 == 0)
	{
		char	   *text = dcpf_fuzz_cstring(data + 1, size - 1);
		int			line = -1;
		const char *problem;
		int			i;
		int			j;

		master_keys_wipe();
		problem = parse_key_source(text, &line);
		if (problem != NULL && (problem[0] == '\0' || line < 0))
			dcpf_fuzz_fail("key_material: a refused key source without a reason or a line");
		if (problem == NULL)
		{
			if (n_master_keys < 1 || n_master_keys > MAX_GENERATIONS)
				dcpf_fuzz_fail("key_material: %d generations parsed", n_master_keys);
			for (i = 0; i < n_master_keys; i++)
			{
				if (master_keys[i].generation < 1)
					dcpf_fuzz_fail("key_material: generation %d parsed", master_keys[i].generation);
				for (j = 0; j < i; j++)
					if (master_keys[i].generation == master_keys[j].generation)
						dcpf_fuzz_fail("key_material: generation %d parsed twice", master_keys[i].generation);
			}
		}
		master_keys_wipe();
	}
	else
	{
		unsigned char *wrapped = palloc(size - 1);
		unsigned char data_key[DCPF_KEY_LEN];
		int32		gen;

		memcpy(wrapped, data + 1, size - 1);
		load_fixed_source();
		gen = wrapped_generation(wrapped, (int) size - 1, &wrapped_id);
		if (gen != 1 && gen != 7)
			return;				/* master_key_get would read the key source again */
		unwrap_key(wrapped, (int) size - 1, &wrapped_id, &wrapped_subject, data_key);
		if (memcmp(data_key, wrapped_data_key, DCPF_KEY_LEN) != 0)
			dcpf_fuzz_fail("key_material: a wrapped key unwrapped to another key");
		OPENSSL_cleanse(data_key, DCPF_KEY_LEN);
	}
}

static void
key_material_seeds(DcpfFuzzEmit emit)
{
	static const char *const sources[] = {
		fixed_source,
		"master 2 " "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
		"master 1 00\nmaster 1 11\n",
		"blind 00\n# nothing else\n",
		NULL
	};
	const char *const *s;
	int			i;

	for (s = sources; *s; s++)
	{
		char	   *seed = psprintf("%c%s", 0, *s);

		emit(seed, strlen(*s) + 1);
	}
	load_fixed_source();
	for (i = 0; i < n_master_keys; i++)
	{
		unsigned char seed[1 + WRAPPED_LEN];
		unsigned char key[DCPF_KEY_LEN];

		memcpy(key, wrapped_data_key, DCPF_KEY_LEN);
		seed[0] = 1;
		wrap_key(&master_keys[i], &wrapped_id, &wrapped_subject, key, seed + 1);
		emit(seed, sizeof(seed));
	}
}

const DcpfFuzzHarness dcpf_fuzz_key_material = {
	"key_material", NULL, key_material_one, key_material_seeds, key_errors, false
};
