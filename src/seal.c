/*-------------------------------------------------------------------------
 * seal.c
 *    Tamper evidence for the audit trail: signed, chained seals.
 *
 * Every event has a canonical line (a JSON object, its columns in table
 * order, times in UTC). dcpf.audit_seal chains the SHA-256 of the lines of
 * the events committed since the previous seal, in a fixed order, into a
 * SHA-256 chain, and stores a statement of what it covered, signed with
 * Ed25519 (dcpf.audit_signing_key_file). dcpf.audit_verify recomputes it and
 * names the first changed, deleted, inserted or reordered event, or a bad
 * signature; dcpf.audit_export writes the same for tools/audit-verify.
 *
 * What a seal covers. Event numbers come from a sequence in the order they
 * are written, but a transaction may commit after later-numbered events of
 * others were sealed. So seal n records:
 *   - high_id: the sequence's value read before its snapshot. Every number up
 *     to it belongs to a transaction that had its xid before that read.
 *   - pending: those transactions still running at its snapshot (xid below
 *     the next xid read after the sequence: the xids the snapshot lists, and
 *     every xid from its xmax up, which it never lists), each with the
 *     number its events are known to be above.
 *   - range: the visible events with prev_high_id < id <= high_id, except
 *     those of pending transactions;
 *   - late_ids: the events of transactions pending at seal n-1 and finished
 *     now, numbered at most prev_high_id.
 * A long transaction therefore neither stops sealing nor makes a gap: its
 * events are sealed as late events by the first seal after it commits.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "access/htup_details.h"
#include "access/transam.h"
#include "access/xact.h"
#include "catalog/pg_type_d.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/inet.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"
#include "utils/uuid.h"
#include "utils/xid8.h"

#include "audit.h"
#include "dcpf.h"
#include "seal.h"
#include "utils/numeric.h"



static EVP_PKEY *signing_key = NULL;
static char *signing_key_path = NULL;

/* The signing key, loaded (again) when the setting names another file. */
EVP_PKEY *
dcpf_seal_signing_key(void)
{
	if (signing_key != NULL && dcpf_audit_signing_key_file != NULL &&
		strcmp(signing_key_path, dcpf_audit_signing_key_file) == 0)
		return signing_key;
	if (signing_key != NULL)
	{
		EVP_PKEY_free(signing_key);
		pfree(signing_key_path);
		signing_key = NULL;
		signing_key_path = NULL;
	}
	signing_key = dcpf_ed25519_key_load(dcpf_audit_signing_key_file, "dcpf.audit_signing_key_file",
										"audit signing key");
	signing_key_path = MemoryContextStrdup(TopMemoryContext, dcpf_audit_signing_key_file);
	return signing_key;
}

/* Lower-case hex of bytes. */
char *
dcpf_seal_hex(const unsigned char *bytes, int len)
{
	static const char digits[] = "0123456789abcdef";
	char	   *out = palloc(len * 2 + 1);
	int			i;

	for (i = 0; i < len; i++)
	{
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 15];
	}
	out[len * 2] = '\0';
	return out;
}

/* The signing key's fingerprint: SHA-256 of its raw public key, in hex. */
char *
dcpf_seal_key_fingerprint(EVP_PKEY *key)
{
	unsigned char pub[32];
	unsigned char digest[32];
	size_t		len = sizeof(pub);

	if (EVP_PKEY_get_raw_public_key(key, pub, &len) != 1 || len != 32 ||
		EVP_Digest(pub, len, digest, NULL, EVP_sha256(), NULL) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not read the public half of the audit signing key")));
	return dcpf_seal_hex(digest, 32);
}

/* A time as the canonical line writes it: UTC, microseconds, "Z". */
void
dcpf_seal_append_time(StringInfo buf, TimestampTz t)
{
	struct pg_tm tm;
	fsec_t		fsec;

	if (TIMESTAMP_NOT_FINITE(t) || timestamp2tm(t, NULL, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("audit event time out of range")));
	appendStringInfo(buf, "\"%04d-%02d-%02dT%02d:%02d:%02d.%06dZ\"", tm.tm_year, tm.tm_mon, tm.tm_mday,
					 tm.tm_hour, tm.tm_min, tm.tm_sec, (int) fsec);
}

/* Where each audit column is in a row of this descriptor (by name). */
void
dcpf_seal_column_map(TupleDesc desc, int *map)
{
	int			i;

	for (i = 0; i < DCPF_AUDIT_NCOLUMNS; i++)
	{
		int			j;

		map[i] = -1;
		for (j = 0; j < desc->natts; j++)
			if (!TupleDescAttr(desc, j)->attisdropped &&
				strcmp(NameStr(TupleDescAttr(desc, j)->attname), dcpf_audit_column_names[i]) == 0)
				map[i] = j;
		if (map[i] < 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("an audit event row lacks column \"%s\"", dcpf_audit_column_names[i])));
	}
}

/* A uuid as the canonical line writes it: quoted, lower-case hex in 8-4-4-4-12 groups (as uuid_out). */
static void
append_uuid(StringInfo buf, Datum d)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *u = DatumGetUUIDP(d)->data;
	char		out[38];
	int			k = 0;
	int			i;

	out[k++] = '"';
	for (i = 0; i < UUID_LEN; i++)
	{
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[k++] = '-';
		out[k++] = digits[u[i] >> 4];
		out[k++] = digits[u[i] & 15];
	}
	out[k++] = '"';
	appendBinaryStringInfo(buf, out, k);
}

/* A uuid[] (a grouped event's keys) as the canonical line writes it: ["…","…"], NULL elements as null. */
static void
append_uuid_array(StringInfo buf, Datum d)
{
	ArrayType  *arr = DatumGetArrayTypeP(d);
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			i;

	deconstruct_array(arr, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR, &elems, &nulls, &n);
	appendStringInfoChar(buf, '[');
	for (i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoChar(buf, ',');
		if (nulls[i])
			appendStringInfoString(buf, "null");
		else
			append_uuid(buf, elems[i]);
	}
	appendStringInfoChar(buf, ']');
	pfree(elems);
	pfree(nulls);
}

/*
 * The canonical line of an event: {"id":…,"occurred_at":…,…} with every
 * column in table order, no spaces, NULL as null. What is hashed. The row is
 * deformed once (a column at a time would walk the row from its start for
 * each one).
 */
void
dcpf_seal_event_line(HeapTuple tup, TupleDesc desc, const int *map, StringInfo buf)
{
	Datum		values[DCPF_SEAL_MAX_ATTS];
	bool		nulls[DCPF_SEAL_MAX_ATTS];
	bool		deformed = desc->natts <= DCPF_SEAL_MAX_ATTS;
	int			i;

	if (deformed)
		heap_deform_tuple(tup, desc, values, nulls);
	appendStringInfoChar(buf, '{');
	for (i = 0; i < DCPF_AUDIT_NCOLUMNS; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, map[i]);
		bool		isnull;
		Datum		d;

		if (deformed)
		{
			d = values[map[i]];
			isnull = nulls[map[i]];
		}
		else
			d = heap_getattr(tup, map[i] + 1, desc, &isnull);
		if (i > 0)
			appendStringInfoChar(buf, ',');
		escape_json(buf, dcpf_audit_column_names[i]);
		appendStringInfoChar(buf, ':');
		if (isnull)
		{
			appendStringInfoString(buf, "null");
			continue;
		}
		switch (att->atttypid)
		{
			case INT8OID:
				appendStringInfo(buf, INT64_FORMAT, DatumGetInt64(d));
				break;
			case TIMESTAMPTZOID:
				dcpf_seal_append_time(buf, DatumGetTimestampTz(d));
				break;
			case XID8OID:
				appendStringInfo(buf, "\"" UINT64_FORMAT "\"", U64FromFullTransactionId(DatumGetFullTransactionId(d)));
				break;
			case UUIDOID:
				append_uuid(buf, d);
				break;
			case UUIDARRAYOID:
				append_uuid_array(buf, d);
				break;
			case INETOID:
				escape_json(buf, DatumGetCString(DirectFunctionCall1(inet_out, d)));
				break;
			case JSONBOID:
				appendStringInfoString(buf, JsonbToCString(NULL, &DatumGetJsonbP(d)->root, VARSIZE_ANY(DatumGetPointer(d))));
				break;
			case TEXTOID:
				escape_json(buf, TextDatumGetCString(d));
				break;
			default:
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("audit column \"%s\" has an unexpected type %s",
								dcpf_audit_column_names[i], format_type_be(att->atttypid))));
		}
	}
	appendStringInfoChar(buf, '}');
}

/* dcpf.audit_event_line(dcpf.audit_event): the canonical line of an event. */
PG_FUNCTION_INFO_V1(dcpf_audit_event_line);
Datum
dcpf_audit_event_line(PG_FUNCTION_ARGS)
{
	HeapTupleHeader rec = PG_GETARG_HEAPTUPLEHEADER(0);
	TupleDesc	desc = lookup_rowtype_tupdesc(HeapTupleHeaderGetTypeId(rec), HeapTupleHeaderGetTypMod(rec));
	HeapTupleData tup;
	int			map[DCPF_AUDIT_NCOLUMNS];
	StringInfoData buf;

	tup.t_len = HeapTupleHeaderGetDatumLength(rec);
	ItemPointerSetInvalid(&tup.t_self);
	tup.t_tableOid = InvalidOid;
	tup.t_data = rec;
	dcpf_seal_column_map(desc, map);
	initStringInfo(&buf);
	dcpf_seal_event_line(&tup, desc, map, &buf);
	ReleaseTupleDesc(desc);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(buf.data, buf.len));
}

/* dcpf.audit_public_key(): the public half of the signing key, PEM. */
PG_FUNCTION_INFO_V1(dcpf_audit_public_key);
Datum
dcpf_audit_public_key(PG_FUNCTION_ARGS)
{
	EVP_PKEY   *key = dcpf_seal_signing_key();
	BIO		   *bio = BIO_new(BIO_s_mem());
	char	   *data;
	long		len;
	text	   *result;

	if (bio == NULL || PEM_write_bio_PUBKEY(bio, key) != 1)
	{
		BIO_free(bio);
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not write the audit public key")));
	}
	len = BIO_get_mem_data(bio, &data);
	result = cstring_to_text_with_len(data, (int) len);
	BIO_free(bio);
	PG_RETURN_TEXT_P(result);
}

/*
 * An Ed25519 public key from its PEM text, as dcpf.audit_public_key() gives
 * it; 22023 for anything else: a private key, another algorithm, no PEM, or
 * text after the key. The caller frees it.
 */
static EVP_PKEY *
node_public_key(text *pem)
{
	BIO		   *bio;
	EVP_PKEY   *key;
	const char *end;
	int			rest;

	bio = BIO_new_mem_buf(VARDATA_ANY(pem), VARSIZE_ANY_EXHDR(pem));
	if (bio == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	/* nothing but white space may follow the key: one key, not a bundle */
	rest = (int) BIO_get_mem_data(bio, &end);
	while (key != NULL && rest > 0 && (*end == '\n' || *end == '\r' || *end == ' ' || *end == '\t'))
		end++, rest--;
	BIO_free(bio);
	ERR_clear_error();
	if (key == NULL || rest != 0 || !EVP_PKEY_is_a(key, "ED25519"))
	{
		EVP_PKEY_free(key);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("not an Ed25519 public key"),
				 errdetail("An audit node's key is the PEM text dcpf.audit_public_key() gives on that node "
						   "(\"-----BEGIN PUBLIC KEY-----\" ... \"-----END PUBLIC KEY-----\"), and nothing else.")));
	}
	return key;
}

/* Whether sig is key's Ed25519 signature of the statement. */
static bool
signed_by(EVP_PKEY *key, const char *statement, int len, const unsigned char *sig, int siglen)
{
	EVP_MD_CTX *ctx;
	bool		ok;

	if (siglen != 64)
		return false;
	ctx = EVP_MD_CTX_new();
	ok = ctx != NULL &&
		EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key) == 1 &&
		EVP_DigestVerify(ctx, sig, siglen, (const unsigned char *) statement, len) == 1;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

/*
 * dcpf.audit_key_fingerprint(public_key): the fingerprint a seal names its
 * key by (SHA-256 of the raw key, hex) of an Ed25519 public key in PEM.
 */
PG_FUNCTION_INFO_V1(dcpf_audit_key_fingerprint);
Datum
dcpf_audit_key_fingerprint(PG_FUNCTION_ARGS)
{
	EVP_PKEY   *key = node_public_key(PG_GETARG_TEXT_PP(0));
	char	   *volatile fingerprint = NULL;

	PG_TRY();
	{
		fingerprint = dcpf_seal_key_fingerprint(key);
	}
	PG_FINALLY();
	{
		EVP_PKEY_free(key);
	}
	PG_END_TRY();
	PG_RETURN_TEXT_P(cstring_to_text(fingerprint));
}

/*
 * dcpf.audit_signed_by(public_key, statement, signature): whether signature
 * is the Ed25519 signature of the statement's exact bytes by that key (a
 * seal of another node, before its head is recorded).
 */
PG_FUNCTION_INFO_V1(dcpf_audit_signed_by);
Datum
dcpf_audit_signed_by(PG_FUNCTION_ARGS)
{
	EVP_PKEY   *key = node_public_key(PG_GETARG_TEXT_PP(0));
	text	   *statement = PG_GETARG_TEXT_PP(1);
	bytea	   *sig = PG_GETARG_BYTEA_PP(2);
	bool		ok;

	ok = signed_by(key, VARDATA_ANY(statement), VARSIZE_ANY_EXHDR(statement),
				   (unsigned char *) VARDATA_ANY(sig), VARSIZE_ANY_EXHDR(sig));
	EVP_PKEY_free(key);
	PG_RETURN_BOOL(ok);
}

/* Ed25519 signature of a statement with the signing key (64 bytes). */
void
dcpf_seal_sign(const char *statement, int len, unsigned char *sig64)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t		siglen = 64;
	bool		ok;

	ok = ctx != NULL &&
		EVP_DigestSignInit(ctx, NULL, NULL, NULL, dcpf_seal_signing_key()) == 1 &&
		EVP_DigestSign(ctx, sig64, &siglen, (const unsigned char *) statement, len) == 1 &&
		siglen == 64;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not sign the audit seal")));
}

/* Whether sig64 is the signing key's Ed25519 signature of the statement. */
bool
dcpf_seal_signature_ok(const char *statement, int len, const unsigned char *sig, int siglen)
{
	return signed_by(dcpf_seal_signing_key(), statement, len, sig, siglen);
}

/* Widen a 32-bit xid of a snapshot to a full one, relative to next (which is newer). */
FullTransactionId
dcpf_seal_widen_xid(TransactionId xid, FullTransactionId next)
{
	uint32		epoch = EpochFromFullTransactionId(next);

	if (xid > XidFromFullTransactionId(next))
		epoch--;
	return FullTransactionIdFromEpochAndXid(epoch, xid);
}

/* Parse hex into exactly len bytes; false when it is not that. */
bool
dcpf_seal_unhex(const char *hex, unsigned char *out, int len)
{
	int			i;

	if (hex == NULL || (int) strlen(hex) != 2 * len)
		return false;
	for (i = 0; i < 2 * len; i++)
	{
		char		c = hex[i];
		int			v = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;

		if (v < 0)
			return false;
		if (i % 2 == 0)
			out[i / 2] = (unsigned char) (v << 4);
		else
			out[i / 2] |= (unsigned char) v;
	}
	return true;
}

/* A malformed seal statement: it was signed by us, so it was changed. */
static void pg_attribute_noreturn()
malformed_statement(const char *key)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("audit seal statement is malformed"),
			 errdetail("Its member \"%s\" is missing or of the wrong type.", key)));
	pg_unreachable();
}

/* The JSON value of a member, or NULL. */
static JsonbValue *
member(Jsonb *statement, const char *key)
{
	return getKeyJsonValueFromContainer(&statement->root, key, strlen(key), NULL);
}

int64
dcpf_seal_member_int(Jsonb *statement, const char *key)
{
	JsonbValue *v = member(statement, key);

	if (v == NULL || v->type != jbvNumeric)
		malformed_statement(key);
	return DatumGetInt64(DirectFunctionCall1(numeric_int8, NumericGetDatum(v->val.numeric)));
}

char *
dcpf_seal_member_text(Jsonb *statement, const char *key)
{
	JsonbValue *v = member(statement, key);

	if (v == NULL || v->type != jbvString)
		malformed_statement(key);
	return pnstrdup(v->val.string.val, v->val.string.len);
}

/* A string member that a statement of format 1 lacks (NULL then). */
char *
dcpf_seal_member_opt_text(Jsonb *statement, const char *key)
{
	return member(statement, key) == NULL ? NULL : dcpf_seal_member_text(statement, key);
}

/* The elements of an array member, as values. */
static JsonbValue *
array_elements(Jsonb *statement, const char *key, int *n)
{
	JsonbValue *v = member(statement, key);
	JsonbValue *out;
	JsonbIterator *it;
	JsonbValue	elem;
	JsonbIteratorToken tok;
	int			count = 0;

	if (v == NULL || v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
		malformed_statement(key);
	out = palloc(sizeof(JsonbValue) * (JsonContainerSize(v->val.binary.data) + 1));
	it = JsonbIteratorInit(v->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &elem, true)) != WJB_DONE)
		if (tok == WJB_ELEM)
			out[count++] = elem;
	*n = count;
	return out;
}

int64 *
dcpf_seal_member_ids(Jsonb *statement, const char *key, int *n)
{
	JsonbValue *elems = array_elements(statement, key, n);
	int64	   *ids = palloc(sizeof(int64) * (*n + 1));
	int			i;

	for (i = 0; i < *n; i++)
	{
		if (elems[i].type != jbvNumeric)
			malformed_statement(key);
		ids[i] = DatumGetInt64(DirectFunctionCall1(numeric_int8, NumericGetDatum(elems[i].val.numeric)));
	}
	return ids;
}

DcpfPending *
dcpf_seal_member_pending(Jsonb *statement, int *n)
{
	JsonbValue *elems = array_elements(statement, "pending", n);
	DcpfPending *pending = palloc(sizeof(DcpfPending) * (*n + 1));
	int			i;

	for (i = 0; i < *n; i++)
	{
		Jsonb	   *pair;
		JsonbValue *x;
		JsonbValue *low;
		char	   *s;

		if (elems[i].type != jbvBinary || !JsonContainerIsArray(elems[i].val.binary.data) ||
			JsonContainerSize(elems[i].val.binary.data) != 2)
			malformed_statement("pending");
		pair = JsonbValueToJsonb(&elems[i]);
		x = getIthJsonbValueFromContainer(&pair->root, 0);
		low = getIthJsonbValueFromContainer(&pair->root, 1);
		if (x == NULL || x->type != jbvString || low == NULL || low->type != jbvNumeric)
			malformed_statement("pending");
		s = pnstrdup(x->val.string.val, x->val.string.len);
		pending[i].xid = FullTransactionIdFromU64(strtou64(s, NULL, 10));
		pending[i].low = DatumGetInt64(DirectFunctionCall1(numeric_int8, NumericGetDatum(low->val.numeric)));
	}
	return pending;
}

/* The pairs of numbers of an array member [[a, b], …], as a, b, a, b, … */
int64 *
dcpf_seal_member_pairs(Jsonb *statement, const char *key, int *n)
{
	JsonbValue *elems = array_elements(statement, key, n);
	int64	   *pairs = palloc(sizeof(int64) * (2 * *n + 1));
	int			i;

	for (i = 0; i < *n; i++)
	{
		Jsonb	   *pair;
		int			k;

		if (elems[i].type != jbvBinary || !JsonContainerIsArray(elems[i].val.binary.data) ||
			JsonContainerSize(elems[i].val.binary.data) != 2)
			malformed_statement(key);
		pair = JsonbValueToJsonb(&elems[i]);
		for (k = 0; k < 2; k++)
		{
			JsonbValue *x = getIthJsonbValueFromContainer(&pair->root, k);

			if (x == NULL || x->type != jbvNumeric)
				malformed_statement(key);
			pairs[2 * i + k] = DatumGetInt64(DirectFunctionCall1(numeric_int8, NumericGetDatum(x->val.numeric)));
		}
	}
	return pairs;
}

/* Whether a transaction is in a pending list (short: a linear search). */
bool
dcpf_seal_pending_has(const DcpfPending *pending, int n, FullTransactionId xid)
{
	int			i;

	for (i = 0; i < n; i++)
		if (FullTransactionIdEquals(pending[i].xid, xid))
			return true;
	return false;
}

void
dcpf_seal_line_digest(const char *line, int len, unsigned char *sha32)
{
	if (EVP_Digest(line, len, sha32, NULL, EVP_sha256(), NULL) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not hash an audit event")));
}

/* qsort/bsearch order of event numbers (int64). */
int
dcpf_seal_cmp_int64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return x < y ? -1 : x > y ? 1 : 0;
}

/* The event number stored in a digest entry (8 bytes, big-endian). */
int64
dcpf_seal_entry_id(const unsigned char *entry)
{
	uint64		u = 0;
	int			i;

	for (i = 0; i < 8; i++)
		u = (u << 8) | entry[i];
	return (int64) u;
}

void
dcpf_seal_digest_entry(int64 id, const unsigned char *sha32, unsigned char *entry16)
{
	uint64		u = (uint64) id;
	int			i;

	for (i = 7; i >= 0; i--)
	{
		entry16[i] = (unsigned char) (u & 0xff);
		u >>= 8;
	}
	memcpy(entry16 + 8, sha32, 8);
}

void
dcpf_seal_scan(Portal portal, DcpfSealRowFn fn, void *arg)
{
	int			map[DCPF_AUDIT_NCOLUMNS];
	bool		mapped = false;

	for (;;)
	{
		uint64		i;

		SPI_cursor_fetch(portal, true, 1000);
		if (SPI_processed == 0)
			break;
		if (!mapped)
		{
			dcpf_seal_column_map(SPI_tuptable->tupdesc, map);
			mapped = true;
		}
		for (i = 0; i < SPI_processed; i++)
		{
			HeapTuple	tup = SPI_tuptable->vals[i];
			bool		isnull;
			int64		id = DatumGetInt64(heap_getattr(tup, map[0] + 1, SPI_tuptable->tupdesc, &isnull));
			FullTransactionId xid = DatumGetFullTransactionId(heap_getattr(tup, map[2] + 1, SPI_tuptable->tupdesc, &isnull));

			fn(tup, SPI_tuptable->tupdesc, map, id, xid, arg);
		}
		SPI_freetuptable(SPI_tuptable);
	}
}
