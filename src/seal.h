/*-------------------------------------------------------------------------
 * seal.h
 *    The audit trail's seals: canonical event lines, the signing key and
 *    the pieces shared by the sealer (sealer.c) and the verifier (verify.c).
 *-------------------------------------------------------------------------
 */
#ifndef DCPF_SEAL_H
#define DCPF_SEAL_H

#include "postgres.h"

#include <openssl/evp.h>

#include "access/htup.h"
#include "access/transam.h"
#include "access/tupdesc.h"
#include "datatype/timestamp.h"
#include "lib/stringinfo.h"
#include "utils/jsonb.h"
#include "utils/portal.h"

#include "audit.h"

/* rows of up to this many attributes (dropped ones included) are deformed at once for their line */
#define DCPF_SEAL_MAX_ATTS 64

/* one entry of a seal's row digests: id (8 bytes, big-endian) + 8 bytes of the line's SHA-256 */
#define DCPF_SEAL_DIGEST_ENTRY 16

/* a transaction that was running when a seal was made, and the number its events are above */
typedef struct DcpfPending
{
	FullTransactionId xid;
	int64		low;
} DcpfPending;

/* seal.c */
extern EVP_PKEY *dcpf_seal_signing_key(void);
extern char *dcpf_seal_hex(const unsigned char *bytes, int len);
extern bool dcpf_seal_unhex(const char *hex, unsigned char *out, int len);
extern char *dcpf_seal_key_fingerprint(EVP_PKEY *key);
extern void dcpf_seal_append_time(StringInfo buf, TimestampTz t);
extern void dcpf_seal_column_map(TupleDesc desc, int *map);
extern void dcpf_seal_event_line(HeapTuple tup, TupleDesc desc, const int *map, StringInfo buf);
extern void dcpf_seal_sign(const char *statement, int len, unsigned char *sig64);
extern bool dcpf_seal_signature_ok(const char *statement, int len, const unsigned char *sig, int siglen);
extern FullTransactionId dcpf_seal_widen_xid(TransactionId xid, FullTransactionId next);
/* members of a seal statement (parsed as jsonb); raise XX001 for a malformed one */
extern int64 dcpf_seal_member_int(Jsonb *statement, const char *key);
extern char *dcpf_seal_member_text(Jsonb *statement, const char *key);
extern char *dcpf_seal_member_opt_text(Jsonb *statement, const char *key);
extern DcpfPending *dcpf_seal_member_pending(Jsonb *statement, int *n);
extern int64 *dcpf_seal_member_ids(Jsonb *statement, const char *key, int *n);
extern int64 *dcpf_seal_member_pairs(Jsonb *statement, const char *key, int *n);
extern bool dcpf_seal_pending_has(const DcpfPending *pending, int n, FullTransactionId xid);
/*
 * Walk the events a cursor over dcpf.audit_event returns, 1000 at a time,
 * calling fn with each row, its number and its transaction.
 */
typedef void (*DcpfSealRowFn) (HeapTuple tup, TupleDesc desc, const int *map, int64 id,
							   FullTransactionId xid, void *arg);
extern void dcpf_seal_scan(Portal portal, DcpfSealRowFn fn, void *arg);
/* the SHA-256 of an event's line, and the entry it makes in a seal's digests */
extern void dcpf_seal_line_digest(const char *line, int len, unsigned char *sha32);
extern void dcpf_seal_digest_entry(int64 id, const unsigned char *sha32, unsigned char *entry16);
extern int64 dcpf_seal_entry_id(const unsigned char *entry);
extern int	dcpf_seal_cmp_int64(const void *a, const void *b);

/*
 * removed.c: the months retention dropped (dcpf.audit_dropped_partition, see
 * retention.c), as verification reads them. A boundary entry is an event
 * number (8 bytes, big-endian) and the full SHA-256 of its line.
 */
#define DCPF_BOUNDARY_ENTRY 40

typedef struct DcpfRemovedMonth
{
	char		month[8];		/* YYYY-MM */
	int64		events;
	int64		first_seal;		/* 0: it removed no sealed event */
	int64		last_seal;
	unsigned char prev_chain[32];	/* before first_seal */
	unsigned char chain[32];	/* after last_seal */
	int			nruns;
	int64	   *runs;			/* lo, hi of each run of removed numbers, in order */
	int			nboundary;
	unsigned char *boundary;	/* boundary entries, by number */
	int64		met;			/* removed events the verification came across */
} DcpfRemovedMonth;

typedef struct DcpfRemoved
{
	DcpfRemovedMonth *months;
	int			n;
} DcpfRemoved;

/*
 * Every record, its signature and boundary list checked; NULL and *problem
 * (a sentence naming the month) for the first bad one.
 */
extern DcpfRemoved *dcpf_removed_load(char **problem);
/* the month whose drop removed event id, or NULL; *sha32 its kept hash or NULL */
extern DcpfRemovedMonth *dcpf_removed_find(DcpfRemoved *removed, int64 id, const unsigned char **sha32);

/*
 * partition_guard.c: whether relid is a partition of dcpf.audit_event; note
 * a partition whose record retention.c wrote in this transaction (only those
 * may be dropped)
 */
extern bool dcpf_is_audit_partition(Oid relid);
extern void dcpf_retention_prepared(Oid relid);

#endif							/* DCPF_SEAL_H */
