/*-------------------------------------------------------------------------
 * keys.h
 *    The key hierarchy (keys.c) and column encryption (crypto.c).
 *
 * Master keys (generations) come from dcpf.master_key_file or
 * dcpf.master_key_command and stay in this backend's memory. Every person
 * and licensee has one random data key, stored only wrapped by a master key
 * generation in dcpf.data_key. Unwrapped data keys are cached for the
 * current transaction only and wiped when it ends.
 *-------------------------------------------------------------------------
 */
#ifndef DCPF_KEYS_H
#define DCPF_KEYS_H

#include "postgres.h"

#include <openssl/evp.h>

#include "executor/spi.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#define DCPF_KEY_LEN 32
#define DCPF_NONCE_LEN 12
#define DCPF_TAG_LEN 16
#define DCPF_BLIND_INDEX_LEN 16

/* SQLSTATE of "this subject's data was erased" (crypto-shredding) */
#define ERRCODE_DCPF_DATA_ERASED MAKE_SQLSTATE('D','C','P','0','1')

typedef struct DcpfDataKey DcpfDataKey;

/* settings (guc.c) */
extern char *dcpf_master_key_file;
extern char *dcpf_master_key_command;

/* keys.c */
extern void dcpf_keys_init(void);
/* the subject's data key, created (wrapped by the current generation) when absent; may be erased */
extern DcpfDataKey *dcpf_data_key_for_subject(const pg_uuid_t *subject);
/* the data key with this id; raises for an unknown or shredded key */
extern DcpfDataKey *dcpf_data_key_by_id(const pg_uuid_t *key_id);
/* the same, but a shredded key is returned (dcpf_data_key_is_erased) */
extern DcpfDataKey *dcpf_data_key_lookup(const pg_uuid_t *key_id);
extern bool dcpf_data_key_is_erased(const DcpfDataKey *key);
/* whether a data key exists and is not shredded; never raises */
extern bool dcpf_data_key_usable(const pg_uuid_t *key_id);
extern TimestampTz dcpf_data_key_shredded_at(const DcpfDataKey *key);
extern void dcpf_data_key_erased_error(const pg_uuid_t *subject, TimestampTz shredded_at) pg_attribute_noreturn();
/* assign hook of dcpf.master_key_file and dcpf.master_key_command */
extern void dcpf_keys_source_assign(const char *newval, void *extra);
extern const pg_uuid_t *dcpf_data_key_id(const DcpfDataKey *key);
extern const pg_uuid_t *dcpf_data_key_subject(const DcpfDataKey *key);
/* an AES-256-GCM context holding the key, for encryption or decryption */
extern EVP_CIPHER_CTX *dcpf_data_key_cipher(DcpfDataKey *key, bool encrypt);
/* cached read permission of the current user for a table label: -1 not yet known, 0 no, 1 yes */
extern int	dcpf_data_key_permission(const DcpfDataKey *key, const char *table);
extern void dcpf_data_key_set_permission(DcpfDataKey *key, const char *table, bool allowed);
/* forget every cached data key (wiped) or only the cached permissions */
extern void dcpf_keys_forget(void);
extern void dcpf_keys_forget_permissions(void);
/* changes whenever either of those happens: pointers to cached keys die then */
extern uint64 dcpf_keys_epoch(void);
/* the blind-index key; raises 55000 when the key source has none, F0000 for another key */
extern void dcpf_blind_key(unsigned char *out32, bool for_writing);
/* random bytes for nonces and keys (a buffered CSPRNG, see keys.c) */
extern void dcpf_random(unsigned char *out, int len);
/* true for a superuser or the extension owner: no per-row entitlement check */
extern bool dcpf_keys_caller_is_trusted(void);

/*
 * A statement of ours run through a plan kept for the backend's life, as the
 * extension owner or as the current user (so that row-level security
 * applies). Copies the first row's first ncols columns into the caller's
 * memory context; returns false when there is no row.
 */
typedef struct DcpfSavedQuery
{
	const char *sql;
	int			nargs;
	Oid			argtypes[4];
	SPIPlanPtr	plan;
} DcpfSavedQuery;

extern bool dcpf_saved_query(DcpfSavedQuery *query, bool as_owner, Datum *args, const char *nulls,
							 bool read_only, int ncols, Datum *out, bool *isnull);

/* crypto.c */
/* check_entitlement: for a shredded subject, say "erased" only to whoever may see it */
extern bytea *dcpf_seal(const char *table, const char *column, const pg_uuid_t *row,
						const pg_uuid_t *subject, const unsigned char *plain, int len,
						bool check_entitlement);
/* opens a ciphertext; check_entitlement: refuse unless the caller may read it */
extern unsigned char *dcpf_open(const unsigned char *sealed, int sealed_len, const char *table,
								const char *column, const pg_uuid_t *row, const pg_uuid_t *subject,
								bool check_entitlement, int *len);

#endif							/* DCPF_KEYS_H */
