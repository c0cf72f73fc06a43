/*-------------------------------------------------------------------------
 * sealer.c
 *    dcpf.audit_seal: chain and sign the audit events committed since the
 *    last seal (what a seal covers: see seal.c).
 *
 * One sealer at a time (a SHARE ROW EXCLUSIVE lock on dcpf.audit_seal); it
 * reads events with one snapshot, taken after the event sequence and the
 * next transaction id were read, and never blocks writers.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/transam.h"
#include "access/xact.h"
#include "catalog/pg_type_d.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/xid8.h"

#include "dcpf.h"
#include "seal.h"

/* What a seal is accumulating. */
typedef struct SealWork
{
	EVP_MD_CTX *chain;
	StringInfoData digests;		/* DCPF_SEAL_DIGEST_ENTRY per event */
	StringInfoData line;
	int64		range_events;
	int64		late_events;
	TimestampTz first_at;
	TimestampTz last_at;
	int64	   *late_ids;
	int			nlate;
	int			late_cap;
	const DcpfPending *skip;	/* range events of these transactions are not sealed yet */
	int			nskip;
	bool		late;			/* the cursor returns late events */
} SealWork;

/* Hash one event into the chain (range events of pending transactions wait). */
static void
seal_row(HeapTuple tup, TupleDesc desc, const int *map, int64 id, FullTransactionId xid, void *arg)
{
	SealWork   *w = (SealWork *) arg;
	bool		isnull;
	TimestampTz at = DatumGetTimestampTz(heap_getattr(tup, map[1] + 1, desc, &isnull));
	unsigned char sha[32];
	unsigned char entry[DCPF_SEAL_DIGEST_ENTRY];

	if (!w->late && dcpf_seal_pending_has(w->skip, w->nskip, xid))
		return;
	resetStringInfo(&w->line);
	dcpf_seal_event_line(tup, desc, map, &w->line);
	dcpf_seal_line_digest(w->line.data, w->line.len, sha);
	if (EVP_DigestUpdate(w->chain, sha, 32) != 1)
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not hash the audit chain")));
	dcpf_seal_digest_entry(id, sha, entry);
	appendBinaryStringInfo(&w->digests, (char *) entry, DCPF_SEAL_DIGEST_ENTRY);
	if (w->range_events + w->late_events == 0 || at < w->first_at)
		w->first_at = at;
	if (w->range_events + w->late_events == 0 || at > w->last_at)
		w->last_at = at;
	if (w->late)
	{
		if (w->nlate == w->late_cap)
		{
			w->late_cap = w->late_cap ? w->late_cap * 2 : 64;
			w->late_ids = w->late_ids ? repalloc(w->late_ids, sizeof(int64) * w->late_cap)
				: palloc(sizeof(int64) * w->late_cap);
		}
		w->late_ids[w->nlate++] = id;
		w->late_events++;
	}
	else
		w->range_events++;
}

/* Open a read-only cursor (it reads with the active snapshot). */
static Portal
open_cursor(const char *sql, int nargs, Oid *types, Datum *values)
{
	Portal		portal = SPI_cursor_open_with_args(NULL, sql, nargs, types, values, NULL, true,
												   CURSOR_OPT_NO_SCROLL);

	if (portal == NULL)
		elog(ERROR, "could not open a cursor over the audit trail");
	return portal;
}

/* An xid8[] of the given transactions. */
static Datum
xid_array(const FullTransactionId *xids, int n)
{
	Datum	   *d = palloc(sizeof(Datum) * (n + 1));
	int16		len;
	bool		byval;
	char		align;
	int			i;

	for (i = 0; i < n; i++)
		d[i] = FullTransactionIdGetDatum(xids[i]);
	get_typlenbyvalalign(XID8OID, &len, &byval, &align);
	return PointerGetDatum(construct_array(d, n, XID8OID, len, byval, align));
}

/* Order pending transactions by xid. */
static int
pending_cmp(const void *a, const void *b)
{
	FullTransactionId x = ((const DcpfPending *) a)->xid;
	FullTransactionId y = ((const DcpfPending *) b)->xid;

	return FullTransactionIdPrecedes(x, y) ? -1 : FullTransactionIdEquals(x, y) ? 0 : 1;
}

/* The signed statement of a seal. */
static char *
statement_text(const char *node, const char *nodes, const char *heads, int64 seal_no, TimestampTz sealed_at, const char *fingerprint,
			   int64 prev_high, int64 high, const DcpfPending *pending, int npending, SealWork *w,
			   const unsigned char *prev_chain, const unsigned char *chain)
{
	StringInfoData s;
	unsigned char digests_sha[32];
	int			i;

	if (EVP_Digest(w->digests.data, w->digests.len, digests_sha, NULL, EVP_sha256(), NULL) != 1)
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not hash the seal's digests")));
	initStringInfo(&s);
	/*
	 * format 2: a node of a cluster, the nodes registered when it sealed,
	 * and the last seal of each other node recorded here
	 */
	if (node != NULL)
		appendStringInfo(&s, "{\"v\":2,\"node\":\"%s\",\"nodes\":%s,\"heads\":%s,\"seal_no\":" INT64_FORMAT
						 ",\"sealed_at\":", node, nodes, heads, seal_no);
	else
		appendStringInfo(&s, "{\"v\":1,\"seal_no\":" INT64_FORMAT ",\"sealed_at\":", seal_no);
	dcpf_seal_append_time(&s, sealed_at);
	appendStringInfo(&s, ",\"key\":\"%s\",\"prev_high_id\":" INT64_FORMAT ",\"high_id\":" INT64_FORMAT
					 ",\"pending\":[", fingerprint, prev_high, high);
	for (i = 0; i < npending; i++)
		appendStringInfo(&s, "%s[\"" UINT64_FORMAT "\"," INT64_FORMAT "]", i ? "," : "",
						 U64FromFullTransactionId(pending[i].xid), pending[i].low);
	appendStringInfoString(&s, "],\"late_ids\":[");
	for (i = 0; i < w->nlate; i++)
		appendStringInfo(&s, "%s" INT64_FORMAT, i ? "," : "", w->late_ids[i]);
	appendStringInfo(&s, "],\"range_events\":" INT64_FORMAT ",\"late_events\":" INT64_FORMAT ",\"first_at\":",
					 w->range_events, w->late_events);
	if (w->range_events + w->late_events > 0)
		dcpf_seal_append_time(&s, w->first_at);
	else
		appendStringInfoString(&s, "null");
	appendStringInfoString(&s, ",\"last_at\":");
	if (w->range_events + w->late_events > 0)
		dcpf_seal_append_time(&s, w->last_at);
	else
		appendStringInfoString(&s, "null");
	appendStringInfo(&s, ",\"digests_sha256\":\"%s\",\"prev_chain\":\"%s\",\"chain\":\"%s\"}",
					 dcpf_seal_hex(digests_sha, 32), dcpf_seal_hex(prev_chain, 32), dcpf_seal_hex(chain, 32));
	return s.data;
}

/*
 * The rows of a query over a relation of schema dcpf, appended to buf as a
 * JSON array of arrays (text values as JSON strings, others as they print:
 * the tables' constraints allow nothing to escape, but a superuser may drop
 * them); the rows stay in SPI_tuptable. A relation that does not exist (a
 * schema of 1.0, before ALTER EXTENSION dcpf UPDATE) has no rows.
 */
static uint64
rows_as_json(const char *relname, const char *query, StringInfo buf)
{
	uint64		i;
	int			col;

	appendStringInfoChar(buf, '[');
	if (!OidIsValid(dcpf_relation(relname)))
	{
		appendStringInfoChar(buf, ']');
		return 0;
	}
	if (SPI_execute(query, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read dcpf.%s", relname);
	for (i = 0; i < SPI_processed; i++)
	{
		appendStringInfoString(buf, i ? ",[" : "[");
		for (col = 1; col <= SPI_tuptable->tupdesc->natts; col++)
		{
			char	   *value = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, col);

			if (col > 1)
				appendStringInfoChar(buf, ',');
			if (SPI_gettypeid(SPI_tuptable->tupdesc, col) == TEXTOID)
				escape_json(buf, value);
			else
				appendStringInfoString(buf, value);
		}
		appendStringInfoChar(buf, ']');
	}
	appendStringInfoChar(buf, ']');
	return SPI_processed;
}

/*
 * The node whose trail this is (dcpf.audit_node; NULL on a single server),
 * checked against the trail and the registry before anything is sealed, the
 * registered nodes as the statement lists them ([["name","key"], ...], by
 * name), and the last seal recorded of each other node ([["name", seal_no,
 * "chain"], ...]). A node seals under one name for the whole of its trail
 * (a seal names its node, and verification holds every seal to the name of
 * the one before), and only with the key the registry (dcpf.audit_node_key,
 * a Citus reference table) lists for it, once the registry lists any node;
 * and once it does, every node has a name.
 */
static const char *
seal_node(const char *prev_node, const char *fingerprint, StringInfo nodes, StringInfo heads)
{
	const char *node = (dcpf_audit_node != NULL && dcpf_audit_node[0] != '\0') ? dcpf_audit_node : NULL;
	const char *listed = NULL;
	uint64		registered;
	uint64		i;

	if (prev_node != NULL && (node == NULL || strcmp(prev_node, node) != 0))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the audit trail of this database is sealed as node \"%s\"", prev_node),
				 node == NULL ? errdetail("dcpf.audit_node is empty.") : errdetail("dcpf.audit_node is \"%s\".", node),
				 errhint("A node keeps its name for as long as its trail: set dcpf.audit_node back to \"%s\".",
						 prev_node)));
	registered = rows_as_json("audit_node_key",
							  "SELECT node_name, key_fingerprint FROM dcpf.audit_node_key WHERE retired_at IS NULL "
							  "ORDER BY node_name COLLATE \"C\"", nodes);
	if (node == NULL)
	{
		if (registered > 0)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("dcpf.audit_node is not set on a node of a cluster"),
					 errdetail("dcpf.audit_node_key lists " UINT64_FORMAT " node(s); the seals of each name their node.",
							   registered),
					 errhint("Set dcpf.audit_node to this node's name in postgresql.conf and reload.")));
		return NULL;
	}
	for (i = 0; i < registered; i++)
		if (strcmp(SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1), node) == 0)
			listed = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
	if (registered > 0 && (listed == NULL || strcmp(listed, fingerprint) != 0))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the audit signing key of node \"%s\" is not registered", node),
				 listed == NULL ?
				 errdetail("dcpf.audit_node_key lists no key for node \"%s\"; this node signs with key %s.", node, fingerprint) :
				 errdetail("dcpf.audit_node_key lists key %s for node \"%s\"; this node signs with key %s.",
						   listed, node, fingerprint),
				 errhint("On the coordinator, register this node's dcpf.audit_public_key() with "
						 "dcpf.audit_register_node('%s', ...).", node)));
	/* the last seal recorded of each other node (dcpf.audit_record_node_head) */
	rows_as_json("audit_node_head",
				 "SELECT h.node_name, h.seal_no, h.chain FROM dcpf.audit_node_head h "
				 "WHERE h.seal_no = (SELECT max(x.seal_no) FROM dcpf.audit_node_head x WHERE x.node_name = h.node_name) "
				 "ORDER BY h.node_name COLLATE \"C\"", heads);
	return node;
}

/* One value of the first row of the last SPI result, or NULL. */
static char *
first_value(int col)
{
	if (SPI_processed == 0)
		return NULL;
	return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, col);
}

/*
 * Hash the range events and the late events into the chain, reading with
 * the seal's snapshot (released here).
 */
static void
hash_events(Snapshot snap, int64 prev_high, int64 high, const FullTransactionId *finished, int nfinished,
			int64 finished_low, SealWork *w)
{
	PushActiveSnapshot(snap);
	PG_TRY();
	{
		Oid			types[3] = {INT8OID, INT8OID, InvalidOid};
		Datum		values[3];
		Portal		portal;

		values[0] = Int64GetDatum(prev_high);
		values[1] = Int64GetDatum(high);
		portal = open_cursor("SELECT * FROM dcpf.audit_event WHERE id > $1 AND id <= $2 ORDER BY id",
							 2, types, values);
		w->late = false;
		dcpf_seal_scan(portal, seal_row, w);
		SPI_cursor_close(portal);
		if (nfinished > 0)
		{
			types[2] = get_array_type(XID8OID);
			values[0] = Int64GetDatum(finished_low);
			values[1] = Int64GetDatum(prev_high);
			values[2] = xid_array(finished, nfinished);
			portal = open_cursor("SELECT * FROM dcpf.audit_event WHERE id > $1 AND id <= $2 "
								 "AND xact_id = ANY ($3) ORDER BY id", 3, types, values);
			w->late = true;
			dcpf_seal_scan(portal, seal_row, w);
			SPI_cursor_close(portal);
		}
	}
	PG_FINALLY();
	{
		PopActiveSnapshot();
		UnregisterSnapshot(snap);
	}
	PG_END_TRY();
}

/* Make one seal; returns false when there was nothing to seal. */
static bool
make_seal(int32 max_events, Datum *out)
{
	int64		prev_no = 0;
	int64		prev_high = 0;
	unsigned char prev_chain[32];
	DcpfPending *prev_pending = NULL;
	int			nprev = 0;
	int64		last_value;
	FullTransactionId next;
	FullTransactionId xmax;
	uint64		above;
	Snapshot	snap;
	DcpfPending *pending;
	int			npending = 0;
	FullTransactionId *finished;
	int			nfinished = 0;
	int64		high;
	int64		finished_low = PG_INT64_MAX;
	SealWork	w;
	unsigned char chain[32];
	unsigned int chain_len;
	char	   *fingerprint = dcpf_seal_key_fingerprint(dcpf_seal_signing_key());
	TimestampTz sealed_at;
	char	   *statement;
	char	   *prev_node = NULL;
	const char *node;
	StringInfoData nodes;
	StringInfoData heads;
	unsigned char sig[64];
	SPIPlanPtr	last_seal;
	Snapshot	latest;
	int			rc;
	int			i;

	memset(prev_chain, 0, sizeof(prev_chain));
	if (SPI_execute("LOCK TABLE dcpf.audit_seal IN SHARE ROW EXCLUSIVE MODE", false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "could not lock dcpf.audit_seal");
	/*
	 * The last seal as committed now, not as the statement's snapshot (taken
	 * before the lock was granted) saw it: a sealer that waited for another
	 * one seals after its seal (it numbered its own the same and failed on
	 * the key).
	 */
	last_seal = SPI_prepare("SELECT seal_no, statement FROM dcpf.audit_seal ORDER BY seal_no DESC LIMIT 1", 0, NULL);
	if (last_seal == NULL)
		elog(ERROR, "could not prepare the read of the last audit seal");
	latest = RegisterSnapshot(GetLatestSnapshot());
	rc = SPI_execute_snapshot(last_seal, NULL, NULL, latest, InvalidSnapshot, true, false, 1);
	UnregisterSnapshot(latest);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read the last audit seal");
	if (SPI_processed > 0)
	{
		Jsonb	   *prev = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(first_value(2))));

		prev_no = pg_strtoint64(first_value(1));
		prev_high = dcpf_seal_member_int(prev, "high_id");
		if (!dcpf_seal_unhex(dcpf_seal_member_text(prev, "chain"), prev_chain, 32))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("audit seal " INT64_FORMAT " is malformed", prev_no),
					 errdetail("Its chain is not 32 bytes of hex."),
					 errhint("Run dcpf.audit_verify to see what was changed.")));
		prev_pending = dcpf_seal_member_pending(prev, &nprev);
		prev_node = dcpf_seal_member_opt_text(prev, "node");
	}
	initStringInfo(&nodes);
	initStringInfo(&heads);
	node = seal_node(prev_node, fingerprint, &nodes, &heads);

	/* the sequence, then the next xid, then the snapshot: see seal.c */
	if (SPI_execute("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM dcpf.audit_event_id_seq",
					true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not read dcpf.audit_event_id_seq");
	last_value = pg_strtoint64(first_value(1));
	next = ReadNextFullTransactionId();
	snap = RegisterSnapshot(GetLatestSnapshot());

	/*
	 * Running at the snapshot: the xids it lists, and every xid from its xmax
	 * up to next. A snapshot lists no xid at or above its xmax (the latest
	 * completed xid, plus one): those are running too, or were assigned and
	 * will commit later, and the snapshot does not see their events either.
	 */
	xmax = dcpf_seal_widen_xid(snap->xmax, next);
	above = FullTransactionIdPrecedes(xmax, next) ? U64FromFullTransactionId(next) - U64FromFullTransactionId(xmax) : 0;
	if (above > MaxAllocSize / sizeof(DcpfPending) - snap->xcnt - 1)
		elog(ERROR, "too many transactions started since the audit seal's snapshot");
	pending = palloc(sizeof(DcpfPending) * (snap->xcnt + above + 1));
	for (i = 0; i < snap->xcnt + (int) above; i++)
	{
		FullTransactionId x;
		int			j;

		if (i < snap->xcnt)
			x = dcpf_seal_widen_xid(snap->xip[i], next);
		else
		{
			x = xmax;
			FullTransactionIdAdvance(&xmax);
			if (!TransactionIdIsNormal(XidFromFullTransactionId(x)))
				continue;
		}
		if (!FullTransactionIdPrecedes(x, next) || FullTransactionIdEquals(x, GetTopFullTransactionIdIfAny()))
			continue;
		pending[npending].xid = x;
		pending[npending].low = prev_high;	/* started after the last seal's reads */
		for (j = 0; j < nprev; j++)
			if (FullTransactionIdEquals(prev_pending[j].xid, x))
				pending[npending].low = prev_pending[j].low;
		npending++;
	}
	qsort(pending, npending, sizeof(DcpfPending), pending_cmp);
	finished = palloc(sizeof(FullTransactionId) * (nprev + 1));
	for (i = 0; i < nprev; i++)
		if (!dcpf_seal_pending_has(pending, npending, prev_pending[i].xid))
		{
			finished[nfinished++] = prev_pending[i].xid;
			finished_low = Min(finished_low, prev_pending[i].low);
		}

	high = Min(last_value, prev_high + (int64) max_events);
	if (high < prev_high)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("the audit event sequence is behind the last seal"),
				 errdetail("dcpf.audit_event_id_seq is at " INT64_FORMAT "; seal " INT64_FORMAT " covers events up to " INT64_FORMAT ".",
						   last_value, prev_no, prev_high),
				 errhint("The sequence was reset (a restore without its value?); set it past " INT64_FORMAT ".", prev_high)));
	if (high == prev_high && nfinished == 0)
	{
		UnregisterSnapshot(snap);
		return false;
	}

	memset(&w, 0, sizeof(w));
	w.chain = EVP_MD_CTX_new();
	if (w.chain == NULL || EVP_DigestInit_ex(w.chain, EVP_sha256(), NULL) != 1 ||
		EVP_DigestUpdate(w.chain, prev_chain, 32) != 1)
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not start the audit chain")));
	initStringInfo(&w.digests);
	initStringInfo(&w.line);
	w.skip = pending;
	w.nskip = npending;

	hash_events(snap, prev_high, high, finished, nfinished, finished_low, &w);

	if (EVP_DigestFinal_ex(w.chain, chain, &chain_len) != 1 || chain_len != 32)
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not finish the audit chain")));
	EVP_MD_CTX_free(w.chain);

	sealed_at = GetCurrentTimestamp();
	statement = statement_text(node, nodes.data, heads.data, prev_no + 1, sealed_at, fingerprint, prev_high, high, pending, npending, &w,
							   prev_chain, chain);
	dcpf_seal_sign(statement, strlen(statement), sig);
	{
		Oid			types[7] = {INT8OID, TIMESTAMPTZOID, INT8OID, TEXTOID, TEXTOID, BYTEAOID, BYTEAOID};
		Datum		values[7];
		bytea	   *sigv = palloc(VARHDRSZ + 64);
		bytea	   *dig = palloc(VARHDRSZ + w.digests.len);

		SET_VARSIZE(sigv, VARHDRSZ + 64);
		memcpy(VARDATA(sigv), sig, 64);
		SET_VARSIZE(dig, VARHDRSZ + w.digests.len);
		memcpy(VARDATA(dig), w.digests.data, w.digests.len);
		values[0] = Int64GetDatum(prev_no + 1);
		values[1] = TimestampTzGetDatum(sealed_at);
		values[2] = Int64GetDatum(high);
		values[3] = CStringGetTextDatum(fingerprint);
		values[4] = CStringGetTextDatum(statement);
		values[5] = PointerGetDatum(sigv);
		values[6] = PointerGetDatum(dig);
		if (SPI_execute_with_args("INSERT INTO dcpf.audit_seal (seal_no, sealed_at, high_id, key_fingerprint, "
								  "statement, signature, row_digests) VALUES ($1, $2, $3, $4, $5, $6, $7)",
								  7, types, values, NULL, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "could not store the audit seal");
	}
	out[0] = Int64GetDatum(prev_no + 1);
	out[1] = Int64GetDatum(w.range_events);
	out[2] = Int64GetDatum(w.late_events);
	out[3] = Int32GetDatum(npending);
	out[4] = Int64GetDatum(high);
	return true;
}

/*
 * dcpf.audit_seal(max_events): seal the events committed since the last
 * seal (at most max_events numbers further). One row: the seal's number (NULL
 * when there was nothing to seal), its range and late events, the
 * transactions it left pending, and the highest event number it covers.
 */
PG_FUNCTION_INFO_V1(dcpf_audit_seal);
Datum
dcpf_audit_seal(PG_FUNCTION_ARGS)
{
	int32		max_events = PG_ARGISNULL(0) ? 100000 : PG_GETARG_INT32(0);
	TupleDesc	desc;
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};
	Oid			save_userid;
	int			save_sec_context;
	volatile bool sealed = false;

	if (max_events < 1 || max_events > 10000000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid number of events per seal: %d", max_events),
				 errdetail("A seal covers 1 to 10000000 event numbers.")));
	if (RecoveryInProgress() || XactReadOnly)
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("cannot seal the audit trail in a read-only transaction")));
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	(void) dcpf_seal_signing_key();		/* no key: say so before any work */

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(dcpf_extension_owner(), save_sec_context | SECURITY_LOCAL_USERID_CHANGE);
	PG_TRY();
	{
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		sealed = make_seal(max_events, values);
		SPI_finish();
	}
	PG_FINALLY();
	{
		SetUserIdAndSecContext(save_userid, save_sec_context);
	}
	PG_END_TRY();
	if (!sealed)
	{
		nulls[0] = nulls[4] = true;
		values[1] = values[2] = Int64GetDatum(0);
		values[3] = Int32GetDatum(0);
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}
