/*-------------------------------------------------------------------------
 * keys.c
 *    The key hierarchy: master key generations and per-subject data keys.
 *
 * Master keys come from the superuser-only setting dcpf.master_key_file (a
 * file readable by the server user only) or dcpf.master_key_command (its
 * standard output), in this format:
 *
 *     # comments and blank lines are ignored
 *     master 1 <64 hex digits>
 *     master 2 <64 hex digits>
 *     blind <64 hex digits>
 *
 * The highest generation wraps new data keys; older ones only unwrap. The
 * "blind" key computes blind indexes (crypto.c). The keys live in static
 * memory of this backend, are re-read when the file changes (checked at
 * most every half second) and wiped when replaced. They never appear in SQL text,
 * settings, logs or tables: dcpf.master_key_generation keeps only a check
 * value (HMAC-SHA256 of a constant) so that a wrong key in the file is told
 * apart from damaged data.
 *
 * A data key is 32 random bytes, stored in dcpf.data_key wrapped with
 * AES-256-GCM: format byte, generation (4 bytes, big-endian), nonce,
 * ciphertext, tag; the associated data binds it to its key id, subject and
 * generation. Unwrapped keys are cached for the current transaction only
 * and wiped at its end (and when a subtransaction aborts, since a key
 * created in it is gone).
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/namespace.h"
#include "catalog/pg_type_d.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "port.h"
#include "storage/fd.h"
#include "storage/lmgr.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "audit.h"
#include "dcpf.h"
#include "keys.h"

#define MAX_GENERATIONS 64
#define MAX_SOURCE_BYTES 65536
#define WRAPPED_FORMAT 1
#define WRAPPED_LEN (1 + 4 + DCPF_NONCE_LEN + DCPF_KEY_LEN + DCPF_TAG_LEN)
#define WRAP_AAD_LEN (16 + 5 + UUID_LEN + UUID_LEN)
#define CHECK_VALUE_LEN 16
#define PERMISSION_SLOTS 8
#define MAX_CACHED_KEYS 4096		/* a bulk statement beyond this starts the cache afresh */
#define RANDOM_BUFFER_LEN 4096
#define KEY_FILE_CHECK_INTERVAL (USECS_PER_SEC / 2)	/* stat() of the key file at most this often */

typedef struct MasterKey
{
	int32		generation;
	bool		verified;		/* check value compared in this backend */
	unsigned char key[DCPF_KEY_LEN];
} MasterKey;

struct DcpfDataKey
{
	pg_uuid_t	id;				/* hash key */
	pg_uuid_t	subject;
	bool		erased;			/* shredded: no key, only when */
	TimestampTz shredded_at;
	unsigned char key[DCPF_KEY_LEN];
	EVP_CIPHER_CTX *enc;
	EVP_CIPHER_CTX *dec;
	int			npermissions;
	struct
	{
		Oid			userid;
		bool		allowed;
		const char *table;		/* interned (table_label_intern), so the entry stays small */
	}			permissions[PERMISSION_SLOTS];
};

typedef struct SubjectEntry
{
	pg_uuid_t	subject;		/* hash key */
	DcpfDataKey *key;
} SubjectEntry;

/* master keys: static memory, wiped when replaced */
static MasterKey master_keys[MAX_GENERATIONS];
static EVP_CIPHER_CTX *master_unwrap_ctx[MAX_GENERATIONS];	/* holding master_keys[i], made on first unwrap */
static int	n_master_keys = 0;
static unsigned char blind_key[DCPF_KEY_LEN];
static bool have_blind_key = false;
static bool blind_key_verified = false;
static bool keys_loaded = false;
static bool keys_stale = false;	/* the configuration was reloaded */
static char *loaded_source = NULL;
static struct stat loaded_stat;
static TimestampTz stat_checked_at = 0;	/* transaction start of the last check */

/* data keys of the current transaction */
static MemoryContext key_cxt = NULL;
static HTAB *keys_by_id = NULL;
static HTAB *keys_by_subject = NULL;
static EVP_CIPHER *aes_gcm = NULL;
static uint64 cache_epoch = 1;	/* advanced whenever cached keys or permissions go */

/* random bytes drawn ahead from the CSPRNG; each byte is wiped once handed out */
static unsigned char random_buffer[RANDOM_BUFFER_LEN];
static int	random_used = RANDOM_BUFFER_LEN;

static const char wrap_label[16] = "dcpf data key v1";
static const char check_label[] = "dcpf master key check value v1";
static const char blind_check_label[] = "dcpf blind index key check value v1";

/* Refuse for a missing or unusable key source. */
static void pg_attribute_noreturn()
key_source_refused(int code, const char *msg, const char *detail)
{
	ereport(ERROR,
			(errcode(code),
			 errmsg("%s", msg),
			 detail ? errdetail("%s", detail) : 0,
			 errhint("Set dcpf.master_key_file (or dcpf.master_key_command) and reload the configuration; "
					 "see doc/guides/keys.md.")));
	pg_unreachable();
}

/* The AES-256-GCM implementation, fetched once per backend. */
static EVP_CIPHER *
cipher_get(void)
{
	if (aes_gcm == NULL)
	{
		aes_gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
		if (aes_gcm == NULL)
			ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not fetch AES-256-GCM")));
	}
	return aes_gcm;
}

/*
 * Random bytes from pg_strong_random, drawn 4 kB at a time: one call per
 * nonce or key costs more than the encryption itself. The buffer is filled
 * in the backend that uses it (never before a fork) and every byte handed
 * out is wiped from it.
 */
void
dcpf_random(unsigned char *out, int len)
{
	if (len > RANDOM_BUFFER_LEN / 4)
	{
		if (!pg_strong_random(out, len))
			ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not generate random bytes")));
		return;
	}
	if (random_used + len > RANDOM_BUFFER_LEN)
	{
		if (!pg_strong_random(random_buffer, RANDOM_BUFFER_LEN))
			ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not generate random bytes")));
		random_used = 0;
	}
	memcpy(out, random_buffer + random_used, len);
	OPENSSL_cleanse(random_buffer + random_used, len);
	random_used += len;
}

/* Wipe the master keys held by this backend. */
static void
master_keys_wipe(void)
{
	int			i;

	for (i = 0; i < MAX_GENERATIONS; i++)
	{
		EVP_CIPHER_CTX_free(master_unwrap_ctx[i]);	/* which cleanses the key schedule */
		master_unwrap_ctx[i] = NULL;
	}
	OPENSSL_cleanse(master_keys, sizeof(master_keys));
	OPENSSL_cleanse(blind_key, sizeof(blind_key));
	n_master_keys = 0;
	have_blind_key = false;
	blind_key_verified = false;
	keys_loaded = false;
}

/* Decode 64 hex digits into 32 bytes; false when malformed. */
static bool
hex_key(const char *hex, unsigned char *out)
{
	int			i;

	if (strlen(hex) != 2 * DCPF_KEY_LEN)
		return false;
	for (i = 0; i < 2 * DCPF_KEY_LEN; i++)
	{
		char		c = hex[i];
		int			v;

		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else
			return false;
		if (i % 2 == 0)
			out[i / 2] = (unsigned char) (v << 4);
		else
			out[i / 2] |= (unsigned char) v;
	}
	return true;
}

/*
 * Parse the key source into the static arrays. Returns NULL on success or a
 * description of the first problem (never quoting key material); *line is
 * the line it was found on.
 */
static const char *
parse_key_source(char *text, int *line)
{
	char	   *save = NULL;
	char	   *l;
	int			lineno = 0;

	*line = 0;
	for (l = text; l != NULL; l = save)
	{
		char	   *nl = strchr(l, '\n');
		char	   *tok;
		char	   *tsave = NULL;

		save = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		lineno++;
		*line = lineno;
		tok = strtok_r(l, " \t\r", &tsave);
		if (tok == NULL || tok[0] == '#')
			continue;
		if (strcmp(tok, "master") == 0)
		{
			char	   *gen_text = strtok_r(NULL, " \t\r", &tsave);
			char	   *hex = strtok_r(NULL, " \t\r", &tsave);
			char	   *end;
			long		gen;
			int			i;

			if (gen_text == NULL || hex == NULL || strtok_r(NULL, " \t\r", &tsave) != NULL)
				return "a master line is \"master <generation> <64 hex digits>\"";
			errno = 0;
			gen = strtol(gen_text, &end, 10);
			if (errno != 0 || *end != '\0' || gen < 1 || gen > PG_INT32_MAX)
				return "the generation is not a number from 1 to 2147483647";
			for (i = 0; i < n_master_keys; i++)
				if (master_keys[i].generation == gen)
					return "the generation appears twice";
			if (n_master_keys >= MAX_GENERATIONS)
				return "more than 64 generations";
			if (!hex_key(hex, master_keys[n_master_keys].key))
				return "the key is not 64 hexadecimal digits (256 bits)";
			master_keys[n_master_keys].generation = (int32) gen;
			master_keys[n_master_keys].verified = false;
			n_master_keys++;
		}
		else if (strcmp(tok, "blind") == 0)
		{
			char	   *hex = strtok_r(NULL, " \t\r", &tsave);

			if (hex == NULL || strtok_r(NULL, " \t\r", &tsave) != NULL)
				return "a blind line is \"blind <64 hex digits>\"";
			if (have_blind_key)
				return "the blind-index key appears twice";
			if (!hex_key(hex, blind_key))
				return "the key is not 64 hexadecimal digits (256 bits)";
			have_blind_key = true;
		}
		else
			return "lines start with \"master\", \"blind\" or \"#\"";
	}
	if (n_master_keys == 0)
	{
		*line = 0;
		return "it holds no master key";
	}
	return NULL;
}

/* Read the key file, refusing one that others may read. */
static char *
read_key_file(const char *path, struct stat *st, int *len)
{
	FILE	   *fp = AllocateFile(path, "r");
	char	   *buf;
	size_t		n;

	if (fp == NULL)
		key_source_refused(ERRCODE_CONFIG_FILE_ERROR, "could not open the master key file",
						   psprintf("The file named by dcpf.master_key_file cannot be opened: %m."));
	if (fstat(fileno(fp), st) != 0 || !S_ISREG(st->st_mode))
	{
		FreeFile(fp);
		key_source_refused(ERRCODE_CONFIG_FILE_ERROR, "the master key file is not a regular file", NULL);
	}
	if ((st->st_uid == geteuid() && (st->st_mode & (S_IRWXG | S_IRWXO)) != 0) ||
		(st->st_uid == 0 && (st->st_mode & (S_IWGRP | S_IXGRP | S_IRWXO)) != 0) ||
		(st->st_uid != geteuid() && st->st_uid != 0))
	{
		FreeFile(fp);
		key_source_refused(ERRCODE_CONFIG_FILE_ERROR, "the master key file is accessible to others",
						   "It must be owned by the server user with mode 0600 or 0400, "
						   "or by root with mode 0640 or stricter.");
	}
	buf = palloc(MAX_SOURCE_BYTES + 1);
	n = fread(buf, 1, MAX_SOURCE_BYTES + 1, fp);
	FreeFile(fp);
	if (n > MAX_SOURCE_BYTES)
	{
		OPENSSL_cleanse(buf, MAX_SOURCE_BYTES + 1);
		key_source_refused(ERRCODE_CONFIG_FILE_ERROR, "the master key file is too large",
						   "It may hold at most 64 kB.");
	}
	buf[n] = '\0';
	*len = (int) n;
	return buf;
}

/* Run the key command and collect its standard output. */
static char *
read_key_command(const char *command, int *len)
{
	FILE	   *fp;
	char	   *buf = palloc(MAX_SOURCE_BYTES + 1);
	size_t		n;
	int			rc;

	fflush(NULL);
	fp = OpenPipeStream(command, "r");
	if (fp == NULL)
		key_source_refused(ERRCODE_CONFIG_FILE_ERROR, "could not run the master key command",
						   psprintf("Running dcpf.master_key_command failed: %m."));
	n = fread(buf, 1, MAX_SOURCE_BYTES + 1, fp);
	rc = ClosePipeStream(fp);
	if (n > MAX_SOURCE_BYTES || rc != 0)
	{
		OPENSSL_cleanse(buf, MAX_SOURCE_BYTES + 1);
		key_source_refused(ERRCODE_CONFIG_FILE_ERROR, "the master key command failed",
						   rc != 0 ? psprintf("dcpf.master_key_command %s.", wait_result_to_str(rc))
						   : "Its output is larger than 64 kB.");
	}
	buf[n] = '\0';
	*len = (int) n;
	return buf;
}

/*
 * Load the master keys when not loaded, when the setting changed, when the
 * key file changed or when forced. Whether the file changed is checked with
 * stat() in the first transaction that starts at least half a second after
 * the last check (a system call per transaction cost ~3% of a one-row
 * INSERT's time); a configuration reload makes the next use read it again.
 */
static void
master_keys_load(bool force)
{
	bool		use_file = dcpf_master_key_file && dcpf_master_key_file[0];
	bool		use_command = dcpf_master_key_command && dcpf_master_key_command[0];
	const char *source = use_file ? dcpf_master_key_file : dcpf_master_key_command;
	struct stat st;
	char	   *text;
	int			len;
	int			line;
	const char *problem;

	if (!use_file && !use_command)
	{
		master_keys_wipe();
		key_source_refused(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, "no master key is configured",
						   "dcpf.master_key_file and dcpf.master_key_command are both empty, "
						   "so nothing can be encrypted or decrypted.");
	}
	if (use_file && use_command)
		key_source_refused(ERRCODE_CONFIG_FILE_ERROR, "two master key sources are configured",
						   "Set either dcpf.master_key_file or dcpf.master_key_command, not both.");
	if (!force && keys_loaded && !keys_stale && strcmp(loaded_source, source) == 0)
	{
		TimestampTz now = GetCurrentTransactionStartTimestamp();

		if (!use_file || (now >= stat_checked_at && now - stat_checked_at < KEY_FILE_CHECK_INTERVAL))
			return;
		if (stat(source, &st) == 0 && st.st_ino == loaded_stat.st_ino && st.st_size == loaded_stat.st_size &&
			st.st_mtim.tv_sec == loaded_stat.st_mtim.tv_sec && st.st_mtim.tv_nsec == loaded_stat.st_mtim.tv_nsec &&
			st.st_ctim.tv_sec == loaded_stat.st_ctim.tv_sec && st.st_ctim.tv_nsec == loaded_stat.st_ctim.tv_nsec)
		{
			stat_checked_at = now;
			return;
		}
	}

	memset(&st, 0, sizeof(st));
	text = use_file ? read_key_file(source, &st, &len) : read_key_command(source, &len);
	master_keys_wipe();
	problem = parse_key_source(text, &line);
	OPENSSL_cleanse(text, len);
	pfree(text);
	if (problem != NULL)
	{
		master_keys_wipe();
		ereport(ERROR,
				(errcode(ERRCODE_CONFIG_FILE_ERROR),
				 errmsg("invalid master key %s", use_file ? "file" : "command output"),
				 line > 0 ? errdetail("Line %d: %s.", line, problem) : errdetail("It is unusable: %s.", problem),
				 errhint("See doc/guides/keys.md for the format.")));
	}
	if (loaded_source)
		pfree(loaded_source);
	loaded_source = MemoryContextStrdup(TopMemoryContext, source);
	loaded_stat = st;
	stat_checked_at = GetCurrentTransactionStartTimestamp();
	keys_loaded = true;
	keys_stale = false;
}

/*
 * Assign hook of the two key settings: a configuration reload (even with an
 * unchanged value) makes the next use read the key source again, so a
 * command's new generation is seen without reconnecting.
 */
void
dcpf_keys_source_assign(const char *newval, void *extra)
{
	keys_stale = true;
}

/* The generation that wraps new data keys: the highest in the key source. */
static MasterKey *
master_key_current(void)
{
	MasterKey  *best = NULL;
	int			i;

	master_keys_load(false);
	for (i = 0; i < n_master_keys; i++)
		if (best == NULL || master_keys[i].generation > best->generation)
			best = &master_keys[i];
	return best;
}

/* The master key of a generation; raises when the key source lacks it. */
static MasterKey *
master_key_get(int32 generation)
{
	int			pass;

	for (pass = 0; pass < 2; pass++)
	{
		int			i;

		master_keys_load(pass > 0);
		for (i = 0; i < n_master_keys; i++)
			if (master_keys[i].generation == generation)
				return &master_keys[i];
	}
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("master key generation %d is not available", generation),
			 errdetail("The data key was wrapped by generation %d, which the key source no longer holds: "
					   "it was retired, or the key file is incomplete.", generation)));
	pg_unreachable();
}

/* The check value of a key: HMAC-SHA256 of a constant, truncated. */
static void
key_check_value(const unsigned char *key, const char *label, unsigned char *out)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	size_t		len = 0;

	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, DCPF_KEY_LEN,
				  (const unsigned char *) label, strlen(label), mac, sizeof(mac), &len) == NULL ||
		len < CHECK_VALUE_LEN)
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not compute a key check value")));
	memcpy(out, mac, CHECK_VALUE_LEN);
	OPENSSL_cleanse(mac, sizeof(mac));
}

static DcpfSavedQuery q_generation_get = {
	"SELECT g.check_value, g.retired_at FROM dcpf.master_key_generation g "
	"WHERE g.generation OPERATOR(pg_catalog.=) $1", 1, {INT4OID}
};
static DcpfSavedQuery q_generation_register = {
	"INSERT INTO dcpf.master_key_generation (generation, check_value) VALUES ($1, $2) "
	"ON CONFLICT (generation) DO NOTHING", 2, {INT4OID, BYTEAOID}
};

/*
 * Compare a master key with the check value recorded for its generation
 * (registering it when wrapping with a new generation); refuse a retired
 * generation and a key that is not the one recorded.
 */
static void
master_key_verify(MasterKey *mk, bool for_wrapping)
{
	unsigned char cv[CHECK_VALUE_LEN];
	Datum		args[2];
	Datum		out[2];
	bool		isnull[2];
	int			pass;

	if (mk->verified)
		return;
	key_check_value(mk->key, check_label, cv);
	args[0] = Int32GetDatum(mk->generation);
	for (pass = 0; pass < 2; pass++)
	{
		/* after registering, a fresh snapshot must see the row */
		if (dcpf_saved_query(&q_generation_get, true, args, NULL, pass == 0, 2, out, isnull))
		{
			bytea	   *recorded = DatumGetByteaPP(out[0]);

			if (!isnull[1])
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("master key generation %d is retired", mk->generation),
						 errdetail("It was retired at %s and may no longer be used.",
								   timestamptz_to_str(DatumGetTimestampTz(out[1]))),
						 errhint("Remove it from the key source.")));
			if (VARSIZE_ANY_EXHDR(recorded) != CHECK_VALUE_LEN ||
				CRYPTO_memcmp(VARDATA_ANY(recorded), cv, CHECK_VALUE_LEN) != 0)
				ereport(ERROR,
						(errcode(ERRCODE_CONFIG_FILE_ERROR),
						 errmsg("master key generation %d does not match the one in use", mk->generation),
						 errdetail("The key source holds another key under generation %d than the one that "
								   "wrapped the data keys.", mk->generation),
						 errhint("Restore the right key for that generation; never reuse a generation number.")));
			mk->verified = true;
			return;
		}
		if (!for_wrapping || pass > 0)
			return;				/* unrecorded: the data key's own tag decides */
		{
			bytea	   *b = palloc(VARHDRSZ + CHECK_VALUE_LEN);

			SET_VARSIZE(b, VARHDRSZ + CHECK_VALUE_LEN);
			memcpy(VARDATA(b), cv, CHECK_VALUE_LEN);
			args[1] = PointerGetDatum(b);
			dcpf_saved_query(&q_generation_register, true, args, NULL, false, 0, NULL, NULL);
		}
	}
}

/* One-shot AES-256-GCM encryption under a master key (wrapping is rare: a context per call). */
static void
gcm_seal_once(const unsigned char *key, const unsigned char *nonce, const unsigned char *aad, int aad_len,
			  const unsigned char *in, int in_len, unsigned char *out, unsigned char *tag)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int			len;
	bool		ok;

	if (ctx == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	ok = EVP_EncryptInit_ex2(ctx, cipher_get(), key, nonce, NULL) == 1 &&
		EVP_EncryptUpdate(ctx, NULL, &len, aad, aad_len) == 1 &&
		EVP_EncryptUpdate(ctx, out, &len, in, in_len) == 1 &&
		EVP_EncryptFinal_ex(ctx, out + len, &len) == 1 &&
		EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, DCPF_TAG_LEN, tag) == 1;
	EVP_CIPHER_CTX_free(ctx);
	if (!ok)
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("AES-256-GCM encryption failed")));
}

/* The associated data of a wrapped key: label, format, generation, key id, subject. */
static void
wrap_aad(const unsigned char *head5, const pg_uuid_t *key_id, const pg_uuid_t *subject, unsigned char *aad)
{
	memcpy(aad, wrap_label, 16);
	memcpy(aad + 16, head5, 5);
	memcpy(aad + 21, key_id->data, UUID_LEN);
	memcpy(aad + 21 + UUID_LEN, subject->data, UUID_LEN);
}

/* Wrap a data key under a master key generation into WRAPPED_LEN bytes. */
static void
wrap_key(const MasterKey *mk, const pg_uuid_t *key_id, const pg_uuid_t *subject,
		 const unsigned char *data_key, unsigned char *out)
{
	unsigned char aad[WRAP_AAD_LEN];
	uint32		gen = (uint32) mk->generation;

	out[0] = WRAPPED_FORMAT;
	out[1] = (unsigned char) (gen >> 24);
	out[2] = (unsigned char) (gen >> 16);
	out[3] = (unsigned char) (gen >> 8);
	out[4] = (unsigned char) gen;
	dcpf_random(out + 5, DCPF_NONCE_LEN);
	wrap_aad(out, key_id, subject, aad);
	gcm_seal_once(mk->key, out + 5, aad, sizeof(aad), data_key, DCPF_KEY_LEN,
				out + 5 + DCPF_NONCE_LEN, out + 5 + DCPF_NONCE_LEN + DCPF_KEY_LEN);
}

/* The generation a wrapped key names; raises for a malformed one. */
static int32
wrapped_generation(const unsigned char *wrapped, int len, const pg_uuid_t *key_id)
{
	if (len != WRAPPED_LEN || wrapped[0] != WRAPPED_FORMAT)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("data key %s is damaged", DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum(key_id)))),
				 errdetail("A wrapped key is %d bytes starting with format %d.", WRAPPED_LEN, WRAPPED_FORMAT)));
	return (int32) (((uint32) wrapped[1] << 24) | ((uint32) wrapped[2] << 16) |
					((uint32) wrapped[3] << 8) | (uint32) wrapped[4]);
}

/*
 * Unwrap a data key with the generation it names; raises when it does not
 * open. Each generation's AES context (its key schedule) is made once per
 * backend and freed, cleansed, with the master keys.
 */
static void
unwrap_key(const unsigned char *wrapped, int len, const pg_uuid_t *key_id, const pg_uuid_t *subject,
		   unsigned char *data_key)
{
	int32		gen = wrapped_generation(wrapped, len, key_id);
	MasterKey  *mk = master_key_get(gen);
	int			slot = (int) (mk - master_keys);
	EVP_CIPHER_CTX *ctx;
	unsigned char aad[WRAP_AAD_LEN];
	unsigned char tag[DCPF_TAG_LEN];
	int			outl;
	bool		ok;

	master_key_verify(mk, false);
	if (master_unwrap_ctx[slot] == NULL)
	{
		ctx = EVP_CIPHER_CTX_new();
		if (ctx == NULL)
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
		if (EVP_DecryptInit_ex2(ctx, cipher_get(), mk->key, NULL, NULL) != 1)
		{
			EVP_CIPHER_CTX_free(ctx);
			ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not initialise AES-256-GCM")));
		}
		master_unwrap_ctx[slot] = ctx;
	}
	ctx = master_unwrap_ctx[slot];
	wrap_aad(wrapped, key_id, subject, aad);
	memcpy(tag, wrapped + 5 + DCPF_NONCE_LEN + DCPF_KEY_LEN, DCPF_TAG_LEN);
	ok = EVP_DecryptInit_ex2(ctx, NULL, NULL, wrapped + 5, NULL) == 1 &&
		EVP_DecryptUpdate(ctx, NULL, &outl, aad, sizeof(aad)) == 1 &&
		EVP_DecryptUpdate(ctx, data_key, &outl, wrapped + 5 + DCPF_NONCE_LEN, DCPF_KEY_LEN) == 1 &&
		EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, DCPF_TAG_LEN, tag) == 1 &&
		EVP_DecryptFinal_ex(ctx, data_key + outl, &outl) == 1;
	if (!ok)
	{
		OPENSSL_cleanse(data_key, DCPF_KEY_LEN);
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("data key %s does not unwrap",
						DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum(key_id)))),
				 errdetail("The wrapped key was altered or moved to another subject, or master key "
						   "generation %d is not the one that wrapped it.", gen)));
	}
}

/* Run a saved statement of ours (see keys.h). */
bool
dcpf_saved_query(DcpfSavedQuery *query, bool as_owner, Datum *args, const char *nulls,
				 bool read_only, int ncols, Datum *out, bool *isnull)
{
	Oid			save_userid;
	int			save_sec_context;
	MemoryContext caller = CurrentMemoryContext;
	volatile bool found = false;
	volatile int nestlevel = 0;

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	if (as_owner)
		nestlevel = dcpf_owner_context_begin(save_sec_context);
	PG_TRY();
	{
		int			rc;

		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		if (query->plan == NULL)
		{
			SPIPlanPtr	plan = SPI_prepare(query->sql, query->nargs, query->argtypes);

			if (plan == NULL)
				elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
			if (SPI_keepplan(plan) != 0)
				elog(ERROR, "SPI_keepplan failed");
			query->plan = plan;
		}
		/* a row limit on a write would skip its AFTER STATEMENT triggers (the audit) */
		rc = SPI_execute_plan(query->plan, args, nulls, read_only, read_only ? 1 : 0);
		if (rc < 0)
			elog(ERROR, "SPI_execute_plan failed: %s", SPI_result_code_string(rc));
		if (SPI_processed > 0 && SPI_tuptable != NULL)
		{
			TupleDesc	desc = SPI_tuptable->tupdesc;
			int			i;

			found = true;
			for (i = 0; i < ncols; i++)
			{
				Form_pg_attribute att = TupleDescAttr(desc, i);
				Datum		d = SPI_getbinval(SPI_tuptable->vals[0], desc, i + 1, &isnull[i]);
				MemoryContext spi = MemoryContextSwitchTo(caller);

				out[i] = isnull[i] ? (Datum) 0 : datumCopy(d, att->attbyval, att->attlen);
				MemoryContextSwitchTo(spi);
			}
		}
		SPI_finish();
	}
	PG_CATCH();
	{
		SetUserIdAndSecContext(save_userid, save_sec_context);
		PG_RE_THROW();
	}
	PG_END_TRY();
	if (as_owner)
		dcpf_owner_context_end(nestlevel, save_userid, save_sec_context);
	return found;
}

/* True for a superuser or the extension owner. */
bool
dcpf_keys_caller_is_trusted(void)
{
	return superuser() || GetUserId() == dcpf_extension_owner();
}

/* Forget every cached data key, wiping it. */
void
dcpf_keys_forget(void)
{
	if (keys_by_id != NULL)
	{
		HASH_SEQ_STATUS seq;
		DcpfDataKey *k;

		hash_seq_init(&seq, keys_by_id);
		while ((k = hash_seq_search(&seq)) != NULL)
		{
			EVP_CIPHER_CTX_free(k->enc);
			EVP_CIPHER_CTX_free(k->dec);
			OPENSSL_cleanse(k, sizeof(DcpfDataKey));
		}
	}
	keys_by_id = NULL;
	keys_by_subject = NULL;
	cache_epoch++;
	if (key_cxt != NULL)
		MemoryContextReset(key_cxt);
}

/* Forget only the cached read permissions (the identity changed). */
void
dcpf_keys_forget_permissions(void)
{
	if (keys_by_id != NULL)
	{
		HASH_SEQ_STATUS seq;
		DcpfDataKey *k;

		hash_seq_init(&seq, keys_by_id);
		while ((k = hash_seq_search(&seq)) != NULL)
			k->npermissions = 0;
	}
	cache_epoch++;
}

/* Changes whenever cached keys or permissions are forgotten (see keys.h). */
uint64
dcpf_keys_epoch(void)
{
	return cache_epoch;
}

/* At the end of a transaction, and when a subtransaction aborts: forget. */
static void
keys_xact_callback(XactEvent event, void *arg)
{
	dcpf_keys_forget();
}

static void
keys_subxact_callback(SubXactEvent event, SubTransactionId mySubid, SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		dcpf_keys_forget();
}

/* Register the callbacks (from _PG_init). */
void
dcpf_keys_init(void)
{
	key_cxt = AllocSetContextCreate(TopMemoryContext, "dcpf data keys", ALLOCSET_SMALL_SIZES);
	RegisterXactCallback(keys_xact_callback, NULL);
	RegisterSubXactCallback(keys_subxact_callback, NULL);
}

/* Two hash tables keyed by a uuid (by key id, by subject) in a memory context. */
static void
uuid_tables(MemoryContext cxt, const char *name, long nelem, Size by_id_entry, Size by_subject_entry,
			HTAB **by_id, HTAB **by_subject)
{
	HASHCTL		ctl;

	ctl.keysize = sizeof(pg_uuid_t);
	ctl.entrysize = by_id_entry;
	ctl.hcxt = cxt;
	*by_id = hash_create(name, nelem, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	ctl.entrysize = by_subject_entry;
	*by_subject = hash_create(name, nelem, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/* Put an unwrapped key (or, data_key NULL, an erased one) into the transaction's cache. */
static DcpfDataKey *
cache_key(const pg_uuid_t *key_id, const pg_uuid_t *subject, unsigned char *data_key, TimestampTz shredded_at)
{
	DcpfDataKey *k;
	SubjectEntry *s;
	bool		found;

	/* bounded: a statement touching more keys starts the cache afresh (pointers die with the epoch) */
	if (keys_by_id != NULL && hash_get_num_entries(keys_by_id) >= MAX_CACHED_KEYS)
		dcpf_keys_forget();
	if (keys_by_id == NULL)
		uuid_tables(key_cxt, "dcpf data keys", 16, sizeof(DcpfDataKey), sizeof(SubjectEntry), &keys_by_id, &keys_by_subject);
	k = hash_search(keys_by_id, key_id, HASH_ENTER, &found);
	if (!found)
	{
		k->subject = *subject;
		k->erased = (data_key == NULL);
		k->shredded_at = shredded_at;
		if (data_key)
			memcpy(k->key, data_key, DCPF_KEY_LEN);
		else
			memset(k->key, 0, DCPF_KEY_LEN);
		k->enc = NULL;
		k->dec = NULL;
		k->npermissions = 0;
	}
	if (data_key)
		OPENSSL_cleanse(data_key, DCPF_KEY_LEN);
	s = hash_search(keys_by_subject, subject, HASH_ENTER, &found);
	s->key = k;
	return k;
}

/* Raise "erased" for a shredded key (see keys.h). */
void
dcpf_data_key_erased_error(const pg_uuid_t *subject, TimestampTz shredded_at)
{
	ereport(ERROR,
			(errcode(ERRCODE_DCPF_DATA_ERASED),
			 errmsg("the data was erased"),
			 errdetail("The key of subject %s was destroyed (crypto-shredding) at %s; "
					   "nothing encrypted under it can be read again.",
					   DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum(subject))),
					   timestamptz_to_str(shredded_at))));
	pg_unreachable();
}

/*
 * The key table. dcpf.data_key is read and written here directly, through
 * its two unique indexes, not through SQL: a lookup is an index probe and a
 * new key one heap insert, where a statement through SPI cost its executor
 * start-up (the CHECK constraints and the generated column are compiled
 * anew for every execution) many times over. Only this file writes new
 * rows; the SQL functions update them (rotation, shredding), each statement
 * firing dcpf.invalidate_key_caches, which invalidates the table's relcache
 * entry at commit.
 *
 * Rows are read as of now (a fresh snapshot after the table lock), not as
 * of the statement's snapshot: a key row is either unchanged, re-wrapped
 * (the same key) or shredded, and a shredding takes effect at once. (A
 * parallel worker, which cannot take a snapshot, reads as of the
 * statement's.) Rows
 * that the current transaction did not write are also kept across
 * transactions, wrapped (no secret: the master key is needed to open
 * them), at most ROW_CACHE_MAX; the relcache invalidation empties that
 * cache in every backend, and since a backend takes invalidations in at the
 * start of every transaction and a row enters the cache only when read
 * after the last one, no backend opens a shredded key in a transaction that
 * starts after the shredding committed.
 */
#define ROW_CACHE_MAX 16384

typedef struct KeyRow
{
	pg_uuid_t	id;				/* hash key of the row cache */
	pg_uuid_t	subject;
	bool		shredded;
	TimestampTz shredded_at;
	int			wrapped_len;
	unsigned char wrapped[WRAPPED_LEN];
} KeyRow;

typedef struct SubjectRow
{
	pg_uuid_t	subject;		/* hash key */
	pg_uuid_t	id;
} SubjectRow;

static struct
{
	Oid			relid;			/* InvalidOid: look everything up again */
	Oid			by_id;
	Oid			by_subject;
	AttrNumber	id;
	AttrNumber	subject;
	AttrNumber	wrapped;
	AttrNumber	generation;
	AttrNumber	created_at;
	AttrNumber	shredded_at;
}			key_table;

static MemoryContext row_cxt = NULL;
static HTAB *rows_by_id = NULL;
static HTAB *rows_by_subject = NULL;
static uint64 row_cache_resets = 0;
static bool key_table_callback_registered = false;

/* Empty the row cache. */
static void
row_cache_reset(void)
{
	rows_by_id = NULL;
	rows_by_subject = NULL;
	if (row_cxt != NULL)
		MemoryContextReset(row_cxt);
	row_cache_resets++;
}

/* A relcache invalidation of dcpf.data_key (or of everything). */
static void
key_table_relcache_callback(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == key_table.relid)
	{
		row_cache_reset();
		key_table.relid = InvalidOid;
	}
}

static AttrNumber
key_table_attnum(Oid relid, const char *name)
{
	AttrNumber	attnum = get_attnum(relid, name);

	if (attnum == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("dcpf.data_key has no column \"%s\"", name),
				 errhint("The dcpf extension is damaged: reinstall it.")));
	return attnum;
}

static Oid
key_table_index(Oid nsp, const char *name)
{
	Oid			oid = get_relname_relid(name, nsp);

	if (!OidIsValid(oid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("dcpf.data_key has no index \"%s\"", name),
				 errhint("The dcpf extension is damaged: reinstall it.")));
	return oid;
}

/* Find dcpf.data_key, its indexes and columns in the catalog. */
static void
key_table_resolve(void)
{
	Oid			nsp = get_namespace_oid("dcpf", false);
	Oid			relid = get_relname_relid("data_key", nsp);

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation \"dcpf.data_key\" does not exist"),
				 errhint("The dcpf extension is damaged: reinstall it.")));
	if (!key_table_callback_registered)
	{
		CacheRegisterRelcacheCallback(key_table_relcache_callback, (Datum) 0);
		key_table_callback_registered = true;
	}
	key_table.by_id = key_table_index(nsp, "data_key_pkey");
	key_table.by_subject = key_table_index(nsp, "data_key_one_per_subject");
	key_table.id = key_table_attnum(relid, "id");
	key_table.subject = key_table_attnum(relid, "subject_id");
	key_table.wrapped = key_table_attnum(relid, "wrapped");
	key_table.generation = key_table_attnum(relid, "generation");
	key_table.created_at = key_table_attnum(relid, "created_at");
	key_table.shredded_at = key_table_attnum(relid, "shredded_at");
	key_table.relid = relid;
}

/*
 * Open dcpf.data_key. Taking the lock takes in pending invalidations; when
 * one concerned the table, its indexes and columns are looked up again
 * under the lock.
 */
static Relation
key_table_open(LOCKMODE mode)
{
	Relation	rel;

	if (!OidIsValid(key_table.relid))
		key_table_resolve();
	rel = table_open(key_table.relid, mode);
	if (!OidIsValid(key_table.relid))
	{
		key_table_resolve();
		if (key_table.relid != RelationGetRelid(rel))
		{
			table_close(rel, mode);
			ereport(ERROR,
					(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
					 errmsg("dcpf.data_key was replaced during the transaction"),
					 errhint("Retry the transaction.")));
		}
	}
	return rel;
}

/* Copy a key row out of a tuple. */
static void
key_row_from_tuple(Relation rel, HeapTuple tup, KeyRow *row)
{
	TupleDesc	desc = RelationGetDescr(rel);
	bool		isnull;
	Datum		d;

	memset(row, 0, sizeof(KeyRow));
	d = heap_getattr(tup, key_table.id, desc, &isnull);
	if (!isnull)
		row->id = *DatumGetUUIDP(d);
	d = heap_getattr(tup, key_table.subject, desc, &isnull);
	if (!isnull)
		row->subject = *DatumGetUUIDP(d);
	d = heap_getattr(tup, key_table.wrapped, desc, &isnull);
	if (isnull)
	{
		row->shredded = true;
		d = heap_getattr(tup, key_table.shredded_at, desc, &isnull);
		row->shredded_at = isnull ? 0 : DatumGetTimestampTz(d);
	}
	else
	{
		bytea	   *w = DatumGetByteaPP(d);

		/* a wrong length stays wrong: wrapped_generation refuses it */
		row->wrapped_len = VARSIZE_ANY_EXHDR(w);
		memcpy(row->wrapped, VARDATA_ANY(w), Min(row->wrapped_len, WRAPPED_LEN));
		if ((Pointer) w != DatumGetPointer(d))
			pfree(w);
	}
}

/* Keep a row that no running transaction of ours wrote. */
static void
row_cache_put(const KeyRow *row)
{
	KeyRow	   *r;
	SubjectRow *s;

	if (rows_by_id != NULL && hash_get_num_entries(rows_by_id) >= ROW_CACHE_MAX)
		row_cache_reset();
	if (rows_by_id == NULL)
	{
		if (row_cxt == NULL)
			row_cxt = AllocSetContextCreate(TopMemoryContext, "dcpf wrapped data keys", ALLOCSET_DEFAULT_SIZES);
		uuid_tables(row_cxt, "dcpf wrapped data keys", 1024, sizeof(KeyRow), sizeof(SubjectRow), &rows_by_id, &rows_by_subject);
	}
	r = hash_search(rows_by_id, &row->id, HASH_ENTER, NULL);
	*r = *row;
	s = hash_search(rows_by_subject, &row->subject, HASH_ENTER, NULL);
	s->id = row->id;
}

/* The cached row of a key id or subject. */
static bool
row_cache_get(bool by_subject, const pg_uuid_t *value, KeyRow *row)
{
	KeyRow	   *r;

	if (rows_by_id == NULL)
		return false;
	if (by_subject)
	{
		SubjectRow *s = hash_search(rows_by_subject, value, HASH_FIND, NULL);

		if (s == NULL)
			return false;
		value = &s->id;
	}
	r = hash_search(rows_by_id, value, HASH_FIND, NULL);
	if (r == NULL)
		return false;
	*row = *r;
	return true;
}

static void subject_key_lock(const pg_uuid_t *subject, bool lock);

/*
 * The key row of a key id or a subject, as of now; false when there is
 * none. dirty (by subject, holding the subject's creation lock): also see
 * rows of transactions still in progress, waiting for them to end.
 */
static bool
key_row_fetch(bool by_subject, const pg_uuid_t *value, bool dirty, KeyRow *row)
{
	Relation	rel;
	ScanKeyData skey;
	SysScanDesc scan;
	HeapTuple	tup;
	SnapshotData dirty_snapshot;
	Snapshot	snapshot;
	uint64		resets;
	bool		found = false;
	bool		own = false;

	if (!dirty && row_cache_get(by_subject, value, row))
		return true;
	rel = key_table_open(AccessShareLock);
	resets = row_cache_resets;
	for (;;)
	{
		TransactionId wait_for = InvalidTransactionId;

		if (dirty)
		{
			InitDirtySnapshot(dirty_snapshot);
			snapshot = &dirty_snapshot;
		}
		else
		{
			/* a parallel worker cannot take a snapshot: it reads as of the statement's */
			snapshot = RegisterSnapshot(IsInParallelMode() ? GetActiveSnapshot() : GetLatestSnapshot());
		}
		ScanKeyInit(&skey, by_subject ? key_table.subject : key_table.id,
					BTEqualStrategyNumber, F_UUID_EQ, UUIDPGetDatum(value));
		scan = systable_beginscan(rel, by_subject ? key_table.by_subject : key_table.by_id, true,
								  snapshot, 1, &skey);
		tup = systable_getnext(scan);
		if (tup != NULL)
		{
			if (dirty)
				wait_for = TransactionIdIsValid(dirty_snapshot.xmin) ? dirty_snapshot.xmin : dirty_snapshot.xmax;
			if (!TransactionIdIsValid(wait_for))
			{
				key_row_from_tuple(rel, tup, row);
				own = TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(tup->t_data));
				found = true;
			}
		}
		systable_endscan(scan);
		if (!dirty)
			UnregisterSnapshot(snapshot);
		if (!TransactionIdIsValid(wait_for))
			break;
		/* the other transaction may want the subject's lock again: not held while waiting */
		subject_key_lock(value, false);
		XactLockTableWait(wait_for, rel, NULL, XLTW_None);
		subject_key_lock(value, true);
	}
	table_close(rel, NoLock);
	/* no invalidation came in since the lock: the row is at least as new as the last shredding seen */
	if (found && !own && resets == row_cache_resets)
		row_cache_put(row);
	return found;
}

/* A new key cannot be written on a standby or in a read-only transaction. */
static void
refuse_if_read_only(void)
{
	if (RecoveryInProgress() || XactReadOnly)
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("cannot create a data key in a read-only transaction"),
				 errdetail("The subject has no data key yet; the first value encrypted for them makes one.")));
}

/* Write a new key row (the caller holds the subject's creation lock). */
static void
key_row_insert(const pg_uuid_t *key_id, const pg_uuid_t *subject, const unsigned char *wrapped,
			   int32 generation)
{
	Relation	rel;
	TupleDesc	desc;
	Datum	   *values;
	bool	   *nulls;
	bytea	   *w = palloc(VARHDRSZ + WRAPPED_LEN);
	EState	   *estate;
	ResultRelInfo *rri;
	TupleTableSlot *slot;

	refuse_if_read_only();
	rel = key_table_open(RowExclusiveLock);
	desc = RelationGetDescr(rel);
	values = palloc0(desc->natts * sizeof(Datum));
	nulls = palloc(desc->natts * sizeof(bool));
	memset(nulls, true, desc->natts * sizeof(bool));
	SET_VARSIZE(w, VARHDRSZ + WRAPPED_LEN);
	memcpy(VARDATA(w), wrapped, WRAPPED_LEN);
	values[key_table.id - 1] = UUIDPGetDatum(key_id);
	values[key_table.subject - 1] = UUIDPGetDatum(subject);
	values[key_table.wrapped - 1] = PointerGetDatum(w);
	values[key_table.generation - 1] = Int32GetDatum(generation);
	values[key_table.created_at - 1] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
	nulls[key_table.id - 1] = nulls[key_table.subject - 1] = nulls[key_table.wrapped - 1] = false;
	nulls[key_table.generation - 1] = nulls[key_table.created_at - 1] = false;

	estate = CreateExecutorState();
	rri = makeNode(ResultRelInfo);
	InitResultRelInfo(rri, rel, 1, NULL, 0);
	ExecOpenIndices(rri, false);
	slot = MakeSingleTupleTableSlot(desc, &TTSOpsHeapTuple);
	ExecStoreHeapTuple(heap_form_tuple(desc, values, nulls), slot, true);
	simple_table_tuple_insert(rel, slot);
	ExecInsertIndexTuples(rri, slot, estate, false, false, NULL, NIL);
	ExecDropSingleTupleTableSlot(slot);
	ExecCloseIndices(rri);
	FreeExecutorState(estate);
	table_close(rel, NoLock);
	pfree(values);
	pfree(nulls);
	pfree(w);
	/* no trigger fired for this insert: the audit event is written here */
	{
		DcpfAuditEvent ev;

		dcpf_audit_event_init(&ev, "key_created", "success");
		strlcpy(ev.object_table, "data_key", sizeof(ev.object_table));
		strlcpy(ev.object_key, DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum(key_id))),
				sizeof(ev.object_key));
		ev.has_subject = true;
		ev.subject = *subject;
		dcpf_audit_write(&ev, 1);
	}
	/* later lookups in this statement see it */
	CommandCounterIncrement();
}

/*
 * Serialise the creation of a subject's key: a lock on an object of
 * dcpf.data_key named by 48 bits of the subject. Making a key holds it only
 * while it looks for a row and inserts one (a second maker then finds the
 * uncommitted row and waits for its transaction), so that a statement
 * making many keys does not hold one lock per key; dcpf.shred_person_key
 * holds it to the end of its transaction (dcpf.lock_data_key_subject).
 */
static void
subject_key_lock(const pg_uuid_t *subject, bool lock)
{
	uint32		objid;
	uint16		objsubid;

	if (!OidIsValid(key_table.relid))
		key_table_resolve();
	memcpy(&objid, subject->data, sizeof(objid));
	memcpy(&objsubid, subject->data + sizeof(objid), sizeof(objsubid));
	if (lock)
		LockDatabaseObject(key_table.relid, objid, objsubid, ExclusiveLock);
	else
		UnlockDatabaseObject(key_table.relid, objid, objsubid, ExclusiveLock);
}

/* Unwrap a key row (or note it shredded) into the transaction's cache. */
static DcpfDataKey *
open_key_row(const KeyRow *row)
{
	unsigned char data_key[DCPF_KEY_LEN];

	if (row->shredded)
		return cache_key(&row->id, &row->subject, NULL, row->shredded_at);
	unwrap_key(row->wrapped, row->wrapped_len, &row->id, &row->subject, data_key);
	return cache_key(&row->id, &row->subject, data_key, 0);
}

/* The data key with this id, possibly erased (see keys.h). */
DcpfDataKey *
dcpf_data_key_lookup(const pg_uuid_t *key_id)
{
	DcpfDataKey *k;
	KeyRow		row;

	if (keys_by_id != NULL && (k = hash_search(keys_by_id, key_id, HASH_FIND, NULL)) != NULL)
		return k;
	if (!key_row_fetch(false, key_id, false, &row))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("unknown data key"),
				 errdetail("No data key has id %s: the ciphertext was altered or comes from another database.",
						   DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum(key_id))))));
	return open_key_row(&row);
}

/* Whether a data key exists and is not shredded, without raising (see keys.h). */
bool
dcpf_data_key_usable(const pg_uuid_t *key_id)
{
	DcpfDataKey *k;
	KeyRow		row;

	if (keys_by_id != NULL && (k = hash_search(keys_by_id, key_id, HASH_FIND, NULL)) != NULL)
		return !k->erased;
	return key_row_fetch(false, key_id, false, &row) && !row.shredded;
}

/* The data key with this id (see keys.h). */
DcpfDataKey *
dcpf_data_key_by_id(const pg_uuid_t *key_id)
{
	DcpfDataKey *k = dcpf_data_key_lookup(key_id);

	if (k->erased)
		dcpf_data_key_erased_error(&k->subject, k->shredded_at);
	return k;
}

bool
dcpf_data_key_is_erased(const DcpfDataKey *key)
{
	return key->erased;
}

TimestampTz
dcpf_data_key_shredded_at(const DcpfDataKey *key)
{
	return key->shredded_at;
}

/*
 * A new key id: a version 7 UUID (RFC 9562), the Unix time in milliseconds
 * then 74 random bits, so that new keys go to the right-hand end of the
 * primary key's index instead of a random leaf. The header of a ciphertext
 * therefore shows when its subject's key was made, as data_key.created_at
 * does.
 */
static void
new_key_id(pg_uuid_t *key_id)
{
	uint64		ms = (uint64) (GetCurrentTimestamp() / 1000 +
							   (int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY * 1000);
	int			i;

	dcpf_random(key_id->data, UUID_LEN);
	for (i = 0; i < 6; i++)
		key_id->data[i] = (unsigned char) (ms >> (8 * (5 - i)));
	key_id->data[6] = (key_id->data[6] & 0x0f) | 0x70;
	key_id->data[8] = (key_id->data[8] & 0x3f) | 0x80;
}

/*
 * The subject's data key, created when absent (see keys.h). Not found in
 * the row cache, the row is looked for under the subject's creation lock,
 * so that one index probe serves both cases; a standby, where no key can be
 * made, only looks.
 */
DcpfDataKey *
dcpf_data_key_for_subject(const pg_uuid_t *subject)
{
	SubjectEntry *s;
	KeyRow		row;
	pg_uuid_t	key_id;
	unsigned char data_key[DCPF_KEY_LEN];
	unsigned char wrapped[WRAPPED_LEN];
	MasterKey  *mk;

	if (keys_by_subject != NULL && (s = hash_search(keys_by_subject, subject, HASH_FIND, NULL)) != NULL)
		return s->key;
	if (RecoveryInProgress())
	{
		if (key_row_fetch(true, subject, false, &row))
			return open_key_row(&row);
		refuse_if_read_only();
	}
	if (row_cache_get(true, subject, &row))
		return open_key_row(&row);

	/* another transaction may be making it: wait for it, then look */
	subject_key_lock(subject, true);
	if (key_row_fetch(true, subject, true, &row))
	{
		subject_key_lock(subject, false);
		return open_key_row(&row);
	}

	/*
	 * None yet: make one, wrapped by the current generation. The application
	 * may do so only with a verified identity (keys are made for rows it is
	 * about to write, whose subject may not exist yet).
	 */
	if (!dcpf_identity_present() && !dcpf_keys_caller_is_trusted())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to create a data key"),
				 errdetail("Encrypting for a subject that has no data key yet needs a verified identity."),
				 errhint("Authenticate first (dcpf.authenticate or dcpf.act_as).")));
	mk = master_key_current();
	master_key_verify(mk, true);
	new_key_id(&key_id);
	dcpf_random(data_key, DCPF_KEY_LEN);
	wrap_key(mk, &key_id, subject, data_key, wrapped);
	key_row_insert(&key_id, subject, wrapped, mk->generation);
	subject_key_lock(subject, false);
	return cache_key(&key_id, subject, data_key, 0);
}

const pg_uuid_t *
dcpf_data_key_id(const DcpfDataKey *key)
{
	return &key->id;
}

const pg_uuid_t *
dcpf_data_key_subject(const DcpfDataKey *key)
{
	return &key->subject;
}

/* An AES-256-GCM context holding the data key (see keys.h). */
EVP_CIPHER_CTX *
dcpf_data_key_cipher(DcpfDataKey *key, bool encrypt)
{
	EVP_CIPHER_CTX **slot = encrypt ? &key->enc : &key->dec;

	if (*slot == NULL)
	{
		EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();

		if (ctx == NULL)
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
		if (EVP_CipherInit_ex2(ctx, cipher_get(), key->key, NULL, encrypt ? 1 : 0, NULL) != 1)
		{
			EVP_CIPHER_CTX_free(ctx);
			ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not initialise AES-256-GCM")));
		}
		*slot = ctx;
	}
	return *slot;
}

/*
 * The one copy of a table label kept for this backend's life (there are a
 * handful); NULL when MAX_LABELS are kept already.
 */
#define MAX_LABELS 64
static const char *
table_label_intern(const char *table)
{
	static const char *labels[MAX_LABELS];
	static int	nlabels = 0;
	int			i;

	for (i = 0; i < nlabels; i++)
		if (strcmp(labels[i], table) == 0)
			return labels[i];
	if (nlabels >= MAX_LABELS)
		return NULL;
	labels[nlabels] = MemoryContextStrdup(TopMemoryContext, table);
	return labels[nlabels++];
}

/* Cached read permission for a table label (see keys.h). */
int
dcpf_data_key_permission(const DcpfDataKey *key, const char *table)
{
	Oid			userid = GetUserId();
	int			i;

	for (i = 0; i < key->npermissions; i++)
		if (key->permissions[i].userid == userid &&
			(key->permissions[i].table == table || strcmp(key->permissions[i].table, table) == 0))
			return key->permissions[i].allowed ? 1 : 0;
	return -1;
}

void
dcpf_data_key_set_permission(DcpfDataKey *key, const char *table, bool allowed)
{
	const char *interned = table_label_intern(table);
	int			slot;

	if (interned == NULL)
		return;					/* not cached: asked again next time */
	slot = key->npermissions < PERMISSION_SLOTS ? key->npermissions++ : PERMISSION_SLOTS - 1;
	key->permissions[slot].userid = GetUserId();
	key->permissions[slot].table = interned;
	key->permissions[slot].allowed = allowed;
}

static DcpfSavedQuery q_blind_get = {
	"SELECT b.check_value FROM dcpf.blind_index_key b", 0, {InvalidOid}
};
static DcpfSavedQuery q_blind_register = {
	"INSERT INTO dcpf.blind_index_key (check_value) VALUES ($1) ON CONFLICT DO NOTHING", 1, {BYTEAOID}
};

/*
 * The blind-index key (see keys.h), compared once per load with the check
 * value recorded when it first computed an index (recorded when writing):
 * indexes computed under another key would silently find nobody and let
 * duplicates in.
 */
void
dcpf_blind_key(unsigned char *out32, bool for_writing)
{
	unsigned char cv[CHECK_VALUE_LEN];
	Datum		args[1];
	Datum		out[1];
	bool		isnull[1];
	int			pass;

	master_keys_load(false);
	if (!have_blind_key)
		key_source_refused(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, "no blind-index key is configured",
						   "The key source has no \"blind\" line.");
	if (!blind_key_verified)
	{
		key_check_value(blind_key, blind_check_label, cv);
		for (pass = 0; pass < 2 && !blind_key_verified; pass++)
		{
			if (dcpf_saved_query(&q_blind_get, true, NULL, NULL, pass == 0, 1, out, isnull))
			{
				bytea	   *recorded = DatumGetByteaPP(out[0]);

				if (VARSIZE_ANY_EXHDR(recorded) != CHECK_VALUE_LEN ||
					CRYPTO_memcmp(VARDATA_ANY(recorded), cv, CHECK_VALUE_LEN) != 0)
					ereport(ERROR,
							(errcode(ERRCODE_CONFIG_FILE_ERROR),
							 errmsg("the blind-index key does not match the one in use"),
							 errdetail("The stored blind indexes were computed under another key: lookups would "
									   "find nobody and uniqueness would not hold."),
							 errhint("Restore the \"blind\" line the database was set up with.")));
				blind_key_verified = true;
			}
			else if (!for_writing)
				break;			/* nothing recorded yet: nothing to compare */
			else if (pass == 0)
			{
				bytea	   *b = palloc(VARHDRSZ + CHECK_VALUE_LEN);

				SET_VARSIZE(b, VARHDRSZ + CHECK_VALUE_LEN);
				memcpy(VARDATA(b), cv, CHECK_VALUE_LEN);
				args[0] = PointerGetDatum(b);
				dcpf_saved_query(&q_blind_register, true, args, NULL, false, 0, NULL, NULL);
			}
		}
	}
	memcpy(out32, blind_key, DCPF_KEY_LEN);
}

/* Refuse unless the caller is a superuser or the extension owner. */
static void
require_trusted(const char *what)
{
	if (!dcpf_keys_caller_is_trusted())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for %s", what),
				 errdetail("Only the extension owner or a superuser manages keys.")));
}

/*
 * dcpf.master_key_generations(): the generations the key source holds (read
 * afresh), with the one that wraps new keys marked. Never the keys.
 */
PG_FUNCTION_INFO_V1(dcpf_master_key_generations);
Datum
dcpf_master_key_generations(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MasterKey  *current;
	int			i;

	require_trusted("dcpf.master_key_generations");
	InitMaterializedSRF(fcinfo, 0);
	master_keys_load(true);
	current = master_key_current();
	for (i = 0; i < n_master_keys; i++)
	{
		Datum		values[2];
		bool		nulls[2] = {false, false};

		values[0] = Int32GetDatum(master_keys[i].generation);
		values[1] = BoolGetDatum(&master_keys[i] == current);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * dcpf.rewrap_data_key(key_id, subject, wrapped): the same data key wrapped
 * by the current generation (unchanged when it already is).
 */
PG_FUNCTION_INFO_V1(dcpf_rewrap_data_key);
Datum
dcpf_rewrap_data_key(PG_FUNCTION_ARGS)
{
	pg_uuid_t  *key_id = PG_GETARG_UUID_P(0);
	pg_uuid_t  *subject = PG_GETARG_UUID_P(1);
	bytea	   *wrapped = PG_GETARG_BYTEA_PP(2);
	unsigned char data_key[DCPF_KEY_LEN];
	MasterKey  *mk;
	bytea	   *result;

	require_trusted("dcpf.rewrap_data_key");
	mk = master_key_current();
	if (wrapped_generation((unsigned char *) VARDATA_ANY(wrapped), VARSIZE_ANY_EXHDR(wrapped), key_id)
		== mk->generation)
		PG_RETURN_BYTEA_P(wrapped);
	unwrap_key((unsigned char *) VARDATA_ANY(wrapped), VARSIZE_ANY_EXHDR(wrapped), key_id, subject, data_key);
	master_key_verify(mk, true);
	result = palloc(VARHDRSZ + WRAPPED_LEN);
	SET_VARSIZE(result, VARHDRSZ + WRAPPED_LEN);
	wrap_key(mk, key_id, subject, data_key, (unsigned char *) VARDATA(result));
	OPENSSL_cleanse(data_key, DCPF_KEY_LEN);
	PG_RETURN_BYTEA_P(result);
}

/* dcpf.forget_data_keys(): drop this backend's cached data keys, wiped, and its cached key rows. */
PG_FUNCTION_INFO_V1(dcpf_forget_data_keys);
Datum
dcpf_forget_data_keys(PG_FUNCTION_ARGS)
{
	dcpf_keys_forget();
	row_cache_reset();
	PG_RETURN_VOID();
}

/*
 * dcpf.lock_data_key_subject(subject): the lock that serialises making the
 * subject's data key, for dcpf.shred_person_key (which may record a
 * destroyed key for a subject who has none yet).
 */
PG_FUNCTION_INFO_V1(dcpf_lock_data_key_subject);
Datum
dcpf_lock_data_key_subject(PG_FUNCTION_ARGS)
{
	require_trusted("dcpf.lock_data_key_subject");
	subject_key_lock(PG_GETARG_UUID_P(0), true);
	PG_RETURN_VOID();
}

/*
 * Trigger dcpf.invalidate_key_caches, per statement on dcpf.data_key:
 * invalidate the table's relcache entry, so that at commit every backend
 * empties its cache of key rows (a shredded or re-wrapped key is read
 * afresh).
 */
PG_FUNCTION_INFO_V1(dcpf_invalidate_key_caches);
Datum
dcpf_invalidate_key_caches(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("dcpf.invalidate_key_caches must be called as a trigger")));
	CacheInvalidateRelcache(trigdata->tg_relation);
	return PointerGetDatum(NULL);
}
