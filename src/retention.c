/*-------------------------------------------------------------------------
 * retention.c
 *    Retention of the audit trail by months. A month leaves the trail only
 *    whole, by dropping its partition, and only with a signed record of what
 *    it held, written in the same transaction, so that verification tells
 *    events removed by retention from deleted ones (removed.c, verify.c).
 *
 * dcpf.audit_retention_prepare(partition, month, dry_run) reads the event
 * numbers of the partition and the seals that cover them, and checks that
 * every event was sealed and that, for a "boundary" seal (one that also
 * covers events of other months), the partition's events are what that seal
 * recorded. Unless it is a dry run, it then writes the record
 * (dcpf.audit_dropped_partition), signed with the audit key:
 *   - the numbers removed, as runs of sealed numbers: a run never spans a
 *     sealed event of another month (present or already missing), so the
 *     record cannot excuse a deletion elsewhere;
 *   - the first and last seal that cover them, and the chain before the
 *     first and after the last, copied from those seals' signed statements;
 *   - the full SHA-256 of each of its events on a boundary seal, so that
 *     the chain of that seal can still be recomputed from what remains.
 * dcpf.audit_retention_drop (partition_guard.c) then detaches and drops
 * partitions prepared in the same transaction; nothing else may.
 *
 * The survey reads the partition once (numbers, where each row is, and
 * whether a legal hold in force covers a row), then the seals' digest
 * lists, then fetches only its events on boundary seals to hash them.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <openssl/evp.h>

#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_type_d.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "audit.h"
#include "dcpf.h"
#include "seal.h"

/* An event of the partition: its number, where it is, and whether a seal lists it. */
typedef struct Event
{
	int64		id;
	ItemPointerData tid;
	bool		sealed;
} Event;

/* A partition's event on a boundary seal: what the seal recorded, and its full hash. */
typedef struct Boundary
{
	int64		id;
	ItemPointerData tid;
	int64		seal_no;
	unsigned char h8[8];
	unsigned char sha[32];
} Boundary;

/* What the survey of a partition found. */
typedef struct Survey
{
	Event	   *ev;				/* the partition's events, by number */
	int64		n;
	int64		hint;			/* where the last number looked up was (they mostly come in order) */
	int			nholds;			/* legal holds in force on whole licensees, and which cover an event here */
	pg_uuid_t  *hold_licensee;
	bool	   *held;
	int64	   *others;			/* sealed numbers between its first and last that are not its own */
	int64		nothers;
	int64		others_cap;
	Boundary   *boundary;
	int64		nboundary;
	int64		boundary_cap;
	int64		first_seal;		/* 0: none */
	int64		last_seal;
	unsigned char prev_chain[32];
	unsigned char chain[32];
	char	   *reason;			/* why it is kept, or NULL */
} Survey;

/* Events by number. */
static int
cmp_event(const void *a, const void *b)
{
	return dcpf_seal_cmp_int64(&((const Event *) a)->id, &((const Event *) b)->id);
}

/* Boundary events by number. */
static int
cmp_boundary(const void *a, const void *b)
{
	return dcpf_seal_cmp_int64(&((const Boundary *) a)->id, &((const Boundary *) b)->id);
}

/* Boundary events in the order of their rows in the table. */
static int
cmp_boundary_tid(const void *a, const void *b)
{
	return ItemPointerCompare((ItemPointer) &((const Boundary *) a)->tid, (ItemPointer) &((const Boundary *) b)->tid);
}

/* Where among the partition's events number id is, or -1 (the one after the last found is tried first). */
static int64
find_id(Survey *sv, int64 id)
{
	int64		lo = 0;
	int64		hi = sv->n - 1;

	if (sv->hint + 1 < sv->n && sv->ev[sv->hint + 1].id == id)
		return ++sv->hint;
	while (lo <= hi)
	{
		int64		mid = lo + (hi - lo) / 2;

		if (sv->ev[mid].id == id)
			return sv->hint = mid;
		if (sv->ev[mid].id < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* Which holds on a whole licensee cover this row: those of its licensee. */
static void
check_holds(Survey *sv, TupleTableSlot *slot, AttrNumber licensee_att)
{
	bool		isnull;
	Datum		licensee = slot_getattr(slot, licensee_att, &isnull);
	int			k;

	if (isnull)
		return;
	for (k = 0; k < sv->nholds; k++)
		if (memcmp(DatumGetUUIDP(licensee), &sv->hold_licensee[k], UUID_LEN) == 0)
			sv->held[k] = true;
}

/*
 * Read the event numbers of the partition (locked by the caller), with
 * where each is, in order; and, when holds on whole licensees are in force,
 * which of them cover an event here (the row deformed up to its licensee).
 */
static void
read_events(Oid relid, Survey *sv)
{
	Relation	rel = table_open(relid, NoLock);
	AttrNumber	id_att = get_attnum(relid, "id");
	AttrNumber	licensee_att = get_attnum(relid, "licensee_id");
	Snapshot	snap = RegisterSnapshot(GetLatestSnapshot());
	TableScanDesc scan = table_beginscan(rel, snap, 0, NULL);
	TupleTableSlot *slot = table_slot_create(rel, NULL);
	/* room for as many events as the statistics say (one allocation, not a doubling series) */
	int64		cap = Max((int64) rel->rd_rel->reltuples + 1024, 4096);
	bool		in_order = true;

	if (id_att == InvalidAttrNumber || licensee_att == InvalidAttrNumber)
		elog(ERROR, "audit partition %u lacks a column of dcpf.audit_event", relid);
	sv->ev = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(Event) * cap);
	sv->n = 0;
	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		bool		isnull;
		Datum		d = slot_getattr(slot, id_att, &isnull);

		if (isnull)
			continue;
		if (sv->n == cap)
		{
			cap *= 2;
			sv->ev = repalloc_huge(sv->ev, sizeof(Event) * cap);
		}
		sv->ev[sv->n].id = DatumGetInt64(d);
		sv->ev[sv->n].tid = slot->tts_tid;
		sv->ev[sv->n].sealed = false;
		if (sv->n > 0 && sv->ev[sv->n].id < sv->ev[sv->n - 1].id)
			in_order = false;
		sv->n++;
		if (sv->nholds > 0)
			check_holds(sv, slot, licensee_att);
		if ((sv->n & 0xffff) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	ExecDropSingleTupleTableSlot(slot);
	table_endscan(scan);
	UnregisterSnapshot(snap);
	table_close(rel, NoLock);
	if (!in_order)
		qsort(sv->ev, sv->n, sizeof(Event), cmp_event);
	sv->hint = -1;
}

/* Sort one seal's digest list into the partition's and the others'. */
static void
survey_seal(Survey *sv, int64 seal_no, Jsonb *st, const unsigned char *digests, int64 nentries)
{
	int64		in = 0;
	int64		out = 0;
	int64		k;

	for (k = 0; k < nentries; k++)
	{
		int64		id = dcpf_seal_entry_id(digests + k * DCPF_SEAL_DIGEST_ENTRY);
		int64		at = (id >= sv->ev[0].id && id <= sv->ev[sv->n - 1].id) ? find_id(sv, id) : -1;

		if (at >= 0)
		{
			if (sv->ev[at].sealed && sv->reason == NULL)
				sv->reason = psprintf("event " INT64_FORMAT " is listed by two seals; run dcpf.audit_verify", id);
			sv->ev[at].sealed = true;
			in++;
			continue;
		}
		out++;
		if (id > sv->ev[0].id && id < sv->ev[sv->n - 1].id)
		{
			if (sv->nothers == sv->others_cap)
			{
				sv->others_cap = sv->others_cap ? sv->others_cap * 2 : 256;
				sv->others = sv->others ? repalloc_huge(sv->others, sizeof(int64) * sv->others_cap)
					: MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * sv->others_cap);
			}
			sv->others[sv->nothers++] = id;
		}
	}
	if (in == 0)
		return;
	if (sv->first_seal == 0)
	{
		sv->first_seal = seal_no;
		if (!dcpf_seal_unhex(dcpf_seal_member_text(st, "prev_chain"), sv->prev_chain, 32))
			sv->reason = psprintf("seal " INT64_FORMAT " is malformed; run dcpf.audit_verify", seal_no);
	}
	sv->last_seal = seal_no;
	if (!dcpf_seal_unhex(dcpf_seal_member_text(st, "chain"), sv->chain, 32))
		sv->reason = psprintf("seal " INT64_FORMAT " is malformed; run dcpf.audit_verify", seal_no);
	if (out == 0)
		return;
	/* a boundary seal: keep the full hashes of the partition's events on it */
	for (k = 0; k < nentries; k++)
	{
		const unsigned char *e = digests + k * DCPF_SEAL_DIGEST_ENTRY;
		int64		id = dcpf_seal_entry_id(e);
		int64		at = (id >= sv->ev[0].id && id <= sv->ev[sv->n - 1].id) ? find_id(sv, id) : -1;
		Boundary   *b;

		if (at < 0)
			continue;
		if (sv->nboundary == sv->boundary_cap)
		{
			sv->boundary_cap = sv->boundary_cap ? sv->boundary_cap * 2 : 256;
			sv->boundary = sv->boundary ? repalloc_huge(sv->boundary, sizeof(Boundary) * sv->boundary_cap)
				: MemoryContextAllocHuge(CurrentMemoryContext, sizeof(Boundary) * sv->boundary_cap);
		}
		b = &sv->boundary[sv->nboundary++];
		b->id = id;
		b->tid = sv->ev[at].tid;
		b->seal_no = seal_no;
		memcpy(b->h8, e + 8, 8);
	}
}

/*
 * Walk the seals from the first that reaches the partition's first event
 * until one reaches its last with no transaction pending that could still
 * hold an event numbered at most that (its late events would come later).
 */
static void
walk_seals(Survey *sv)
{
	int64		max_id = sv->ev[sv->n - 1].id;
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(sv->ev[0].id)};
	Portal		portal;
	int64		expect;
	bool		done = false;
	bool		isnull;
	MemoryContext batch = AllocSetContextCreate(CurrentMemoryContext, "dcpf retention seals", ALLOCSET_DEFAULT_SIZES);
	MemoryContext outer = CurrentMemoryContext;

	if (SPI_execute_with_args("SELECT seal_no FROM dcpf.audit_seal WHERE high_id >= $1 ORDER BY high_id, seal_no LIMIT 1",
							  1, types, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read dcpf.audit_seal");
	if (SPI_processed == 0)
	{
		sv->reason = psprintf("its events are not sealed yet (none up to " INT64_FORMAT "); run dcpf.audit_seal", max_id);
		return;
	}
	expect = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	values[0] = Int64GetDatum(expect);
	portal = SPI_cursor_open_with_args(NULL, "SELECT seal_no, statement, row_digests FROM dcpf.audit_seal "
									   "WHERE seal_no >= $1 ORDER BY seal_no",
									   1, types, values, NULL, true, CURSOR_OPT_NO_SCROLL);
	while (!done && sv->reason == NULL)
	{
		uint64		r;

		SPI_cursor_fetch(portal, true, 16);
		if (SPI_processed == 0)
			break;
		for (r = 0; r < SPI_processed && !done && sv->reason == NULL; r++)
		{
			HeapTuple	tup = SPI_tuptable->vals[r];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			int64		seal_no = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
			Jsonb	   *st;
			bytea	   *digests;
			DcpfPending *pending;
			int			npending;
			int			i;

			/* the statements and digest lists of the seals live in the batch context */
			MemoryContextSwitchTo(batch);
			st = DatumGetJsonbP(DirectFunctionCall1(jsonb_in,
													CStringGetDatum(TextDatumGetCString(SPI_getbinval(tup, desc, 2, &isnull)))));
			digests = DatumGetByteaPP(SPI_getbinval(tup, desc, 3, &isnull));
			MemoryContextSwitchTo(outer);
			if (seal_no != expect)
			{
				sv->reason = psprintf("seal " INT64_FORMAT " is missing; run dcpf.audit_verify", expect);
				break;
			}
			expect++;
			survey_seal(sv, seal_no, st, (unsigned char *) VARDATA_ANY(digests),
						VARSIZE_ANY_EXHDR(digests) / DCPF_SEAL_DIGEST_ENTRY);
			MemoryContextSwitchTo(batch);
			pending = dcpf_seal_member_pending(st, &npending);
			done = dcpf_seal_member_int(st, "high_id") >= max_id;
			for (i = 0; i < npending; i++)
				if (pending[i].low < max_id)
					done = false;
			MemoryContextSwitchTo(outer);
		}
		/*
		 * Freed only now and then: freed after each seal, the memory would go
		 * back to the C library and be faulted in again for the next.
		 */
		if (MemoryContextMemAllocated(batch, true) > 64 * 1024 * 1024)
			MemoryContextReset(batch);
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	MemoryContextDelete(batch);
	if (!done && sv->reason == NULL)
		sv->reason = psprintf("its events are not all sealed yet (up to " INT64_FORMAT "); run dcpf.audit_seal", max_id);
}

/* The full hashes of the partition's events on boundary seals, each row fetched where the scan found it. */
static void
hash_boundary(Oid relid, Survey *sv)
{
	Relation	rel;
	TupleDesc	desc;
	int			map[DCPF_AUDIT_NCOLUMNS];
	Snapshot	snap;
	TupleTableSlot *slot;
	StringInfoData line;
	int64		i;

	if (sv->nboundary == 0)
		return;
	qsort(sv->boundary, sv->nboundary, sizeof(Boundary), cmp_boundary_tid);
	rel = table_open(relid, NoLock);
	desc = RelationGetDescr(rel);
	dcpf_seal_column_map(desc, map);
	snap = RegisterSnapshot(GetLatestSnapshot());
	slot = table_slot_create(rel, NULL);
	initStringInfo(&line);
	for (i = 0; i < sv->nboundary && sv->reason == NULL; i++)
	{
		Boundary   *b = &sv->boundary[i];

		if (!table_tuple_fetch_row_version(rel, &b->tid, snap, slot))
		{
			sv->reason = psprintf("event " INT64_FORMAT " could not be read again", b->id);
			break;
		}
		resetStringInfo(&line);
		dcpf_seal_event_line(ExecFetchSlotHeapTuple(slot, false, NULL), desc, map, &line);
		dcpf_seal_line_digest(line.data, line.len, b->sha);
		if (memcmp(b->sha, b->h8, 8) != 0)
			sv->reason = psprintf("event " INT64_FORMAT " differs from what seal " INT64_FORMAT " recorded; run dcpf.audit_verify",
								  b->id, b->seal_no);
	}
	ExecDropSingleTupleTableSlot(slot);
	UnregisterSnapshot(snap);
	table_close(rel, NoLock);
	qsort(sv->boundary, sv->nboundary, sizeof(Boundary), cmp_boundary);
}

/* The runs of removed numbers: the partition's, split wherever a sealed number of another month lies between. */
static void
append_runs(StringInfo json, StringInfo range, const Survey *sv)
{
	int64		lo = sv->ev[0].id;
	int64		j = 0;
	int64		i;
	bool		first = true;

	for (i = 1; i <= sv->n; i++)
	{
		int64		prev = sv->ev[i - 1].id;

		while (j < sv->nothers && sv->others[j] < prev)
			j++;
		if (i < sv->n && !(j < sv->nothers && sv->others[j] < sv->ev[i].id))
			continue;
		appendStringInfo(json, "%s[" INT64_FORMAT "," INT64_FORMAT "]", first ? "" : ",", lo, prev);
		appendStringInfo(range, "%s[" INT64_FORMAT "," INT64_FORMAT "]", first ? "" : ",", lo, prev);
		first = false;
		if (i < sv->n)
			lo = sv->ev[i].id;
	}
}

/* ,"key":"value" (escaped), or ,"key":null. */
static void
append_json_text(StringInfo s, const char *key, const char *value)
{
	appendStringInfo(s, ",\"%s\":", key);
	if (value == NULL)
		appendStringInfoString(s, "null");
	else
		escape_json(s, value);
}

/* Write the signed record of the partition's drop (in the caller's transaction). */
static void
write_record(Oid relid, DateADT month, const Survey *sv)
{
	char	   *relname = get_rel_name(relid);
	char		month_text[16];
	char	   *fingerprint = dcpf_seal_key_fingerprint(dcpf_seal_signing_key());
	StringInfoData st;
	StringInfoData runs;
	StringInfoData boundary;
	unsigned char boundary_sha[32];
	unsigned char sig[64];
	TimestampTz at = GetCurrentTimestamp();
	const char *app = GetConfigOption("application_name", true, false);
	char	   *database_role = GetUserNameFromId(GetSessionUserId(), false);
	char	   *effective_role = GetUserNameFromId(GetOuterUserId(), false);
	int64		i;
	int			year,
				mon,
				day;

	j2date(month + POSTGRES_EPOCH_JDATE, &year, &mon, &day);
	snprintf(month_text, sizeof(month_text), "%04d-%02d", year, mon);
	initStringInfo(&boundary);
	for (i = 0; i < sv->nboundary; i++)
	{
		unsigned char entry[DCPF_BOUNDARY_ENTRY];
		uint64		u = (uint64) sv->boundary[i].id;
		int			k;

		for (k = 7; k >= 0; k--, u >>= 8)
			entry[k] = (unsigned char) (u & 0xff);
		memcpy(entry + 8, sv->boundary[i].sha, 32);
		appendBinaryStringInfo(&boundary, (char *) entry, DCPF_BOUNDARY_ENTRY);
	}
	if (EVP_Digest(boundary.data, boundary.len, boundary_sha, NULL, EVP_sha256(), NULL) != 1)
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not hash the boundary events")));

	initStringInfo(&st);
	initStringInfo(&runs);
	appendStringInfo(&st, "{\"v\":1,\"kind\":\"retention\",\"month\":\"%s\",\"partition\":\"%s\",\"key\":\"%s\","
					 "\"events\":" INT64_FORMAT, month_text, relname, fingerprint, sv->n);
	if (sv->n > 0)
		appendStringInfo(&st, ",\"first_id\":" INT64_FORMAT ",\"last_id\":" INT64_FORMAT, sv->ev[0].id, sv->ev[sv->n - 1].id);
	else
		appendStringInfoString(&st, ",\"first_id\":null,\"last_id\":null");
	appendStringInfoString(&st, ",\"ids\":[");
	appendStringInfoChar(&runs, '{');
	if (sv->n > 0)
		append_runs(&st, &runs, sv);
	appendStringInfoChar(&st, ']');
	appendStringInfoChar(&runs, '}');
	if (sv->n > 0)
		appendStringInfo(&st, ",\"first_seal\":" INT64_FORMAT ",\"last_seal\":" INT64_FORMAT ",\"prev_chain\":\"%s\",\"chain\":\"%s\"",
						 sv->first_seal, sv->last_seal, dcpf_seal_hex(sv->prev_chain, 32), dcpf_seal_hex(sv->chain, 32));
	else
		appendStringInfoString(&st, ",\"first_seal\":null,\"last_seal\":null,\"prev_chain\":null,\"chain\":null");
	appendStringInfo(&st, ",\"boundary_events\":" INT64_FORMAT ",\"boundary_sha256\":\"%s\",\"dropped_at\":",
					 sv->nboundary, dcpf_seal_hex(boundary_sha, 32));
	dcpf_seal_append_time(&st, at);
	append_json_text(&st, "database_role", database_role);
	append_json_text(&st, "effective_role", effective_role);
	append_json_text(&st, "application_name", app != NULL && app[0] != '\0' ? app : NULL);
	appendStringInfoChar(&st, '}');
	dcpf_seal_sign(st.data, st.len, sig);

	{
		Oid			types[16] = {DATEOID, TEXTOID, INT8OID, INT8OID, INT8OID, TEXTOID, INT8OID, INT8OID,
		TEXTOID, TIMESTAMPTZOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, BYTEAOID, BYTEAOID};
		Datum		values[16];
		char		nulls[16];
		bytea	   *sigv = palloc(VARHDRSZ + 64);
		bytea	   *bnd = palloc(VARHDRSZ + boundary.len);

		memset(nulls, ' ', sizeof(nulls));
		SET_VARSIZE(sigv, VARHDRSZ + 64);
		memcpy(VARDATA(sigv), sig, 64);
		SET_VARSIZE(bnd, VARHDRSZ + boundary.len);
		memcpy(VARDATA(bnd), boundary.data, boundary.len);
		values[0] = DateADTGetDatum(month);
		values[1] = CStringGetTextDatum(relname);
		values[2] = Int64GetDatum(sv->n);
		values[3] = Int64GetDatum(sv->n > 0 ? sv->ev[0].id : 0);
		values[4] = Int64GetDatum(sv->n > 0 ? sv->ev[sv->n - 1].id : 0);
		values[5] = CStringGetTextDatum(runs.data);
		values[6] = Int64GetDatum(sv->first_seal);
		values[7] = Int64GetDatum(sv->last_seal);
		values[8] = CStringGetTextDatum(dcpf_seal_hex(sv->chain, 32));
		values[9] = TimestampTzGetDatum(at);
		values[10] = CStringGetTextDatum(database_role);
		values[11] = CStringGetTextDatum(effective_role);
		values[12] = CStringGetTextDatum(app != NULL ? app : "");
		values[13] = CStringGetTextDatum(st.data);
		values[14] = PointerGetDatum(sigv);
		values[15] = PointerGetDatum(bnd);
		if (sv->n == 0)
			nulls[3] = nulls[4] = nulls[6] = nulls[7] = nulls[8] = 'n';
		if (app == NULL || app[0] == '\0')
			nulls[12] = 'n';
		if (SPI_execute_with_args("INSERT INTO dcpf.audit_dropped_partition (month, partition_name, events, first_id, last_id, "
								  "event_ids, first_seal, last_seal, chain, dropped_at, database_role, effective_role, "
								  "application_name, statement, signature, boundary_digests) "
								  "VALUES ($1, $2, $3, $4, $5, $6::int8multirange, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
								  16, types, values, nulls, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "could not record the dropped audit partition");
	}
}

/* Raise 22023 unless relid is the audit partition of a month that has passed. */
static void
check_partition(Oid relid, DateADT month)
{
	char	   *name = get_rel_name(relid);
	char	   *want;
	TimestampTz month_end;
	int			year,
				mon,
				day;

	j2date(month + POSTGRES_EPOCH_JDATE, &year, &mon, &day);
	want = psprintf("audit_event_%04d_%02d", year, mon);
	/* midnight UTC of the next month's first day (the months are UTC months) */
	month_end = (TimestampTz) ((mon == 12 ? date2j(year + 1, 1, 1) : date2j(year, mon + 1, 1)) - POSTGRES_EPOCH_JDATE)
		* USECS_PER_DAY;
	if (!dcpf_is_audit_partition(relid) || name == NULL || strcmp(name, want) != 0 || day != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s is not the audit partition of %04d-%02d", name ? name : "?", year, mon),
				 errdetail("Retention drops only a month's partition dcpf.%s of dcpf.audit_event.", want)));
	if (month_end > GetCurrentTimestamp())
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the month %04d-%02d has not passed", year, mon),
				 errdetail("Retention drops only a month that lies wholly in the past.")));
}

/* Take the legal holds in force on whole licensees (ids and licensees, given by the caller) into the survey. */
static void
take_holds(Survey *sv, ArrayType *ids, ArrayType *licensees)
{
	Datum	   *id_d;
	Datum	   *lic_d;
	bool	   *id_null;
	bool	   *lic_null;
	int			n_id;
	int			n_lic;
	int			k;

	deconstruct_array(ids, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR, &id_d, &id_null, &n_id);
	deconstruct_array(licensees, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR, &lic_d, &lic_null, &n_lic);
	if (n_id != n_lic)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the legal holds are given as two arrays of one length"),
				 errdetail("Got %d ids and %d licensees.", n_id, n_lic)));
	sv->nholds = n_id;
	sv->hold_licensee = palloc0(sizeof(pg_uuid_t) * (n_id + 1));
	sv->held = palloc0(sizeof(bool) * (n_id + 1));
	for (k = 0; k < n_id; k++)
	{
		if (id_null[k] || lic_null[k])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("a legal hold is given without its id or licensee")));
		memcpy(&sv->hold_licensee[k], DatumGetUUIDP(lic_d[k]), UUID_LEN);
	}
}

/* Survey the partition: its events, and (unless a hold covers one) their seals. */
static void
survey(Oid relid, Survey *sv)
{
	int64		i;
	int			k;
	int			nheld = 0;

	read_events(relid, sv);
	for (k = 0; k < sv->nholds; k++)
		nheld += sv->held[k] ? 1 : 0;
	if (nheld > 0)
	{
		sv->reason = psprintf("held: %d legal hold(s) in force cover events of this month", nheld);
		return;
	}
	if (sv->n == 0)
		return;
	for (i = 1; i < sv->n && sv->reason == NULL; i++)
		if (sv->ev[i].id == sv->ev[i - 1].id)
			sv->reason = psprintf("event " INT64_FORMAT " is there twice; run dcpf.audit_verify", sv->ev[i].id);
	if (sv->reason == NULL)
		walk_seals(sv);
	for (i = 0; i < sv->n && sv->reason == NULL; i++)
		if (!sv->ev[i].sealed)
			sv->reason = psprintf("event " INT64_FORMAT " is in no seal; run dcpf.audit_verify", sv->ev[i].id);
	if (sv->reason == NULL)
	{
		qsort(sv->others, sv->nothers, sizeof(int64), dcpf_seal_cmp_int64);
		hash_boundary(relid, sv);
	}
}

/*
 * dcpf.audit_retention_prepare(partition, month, dry_run, hold_ids,
 * hold_licensees): survey the partition of a past month. One row: its
 * events; when it must be kept, why, and which of the given holds on whole
 * licensees cover events in it. NULL reason: it may go, and unless dry_run
 * its record is written.
 */
PG_FUNCTION_INFO_V1(dcpf_audit_retention_prepare);
Datum
dcpf_audit_retention_prepare(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	DateADT		month = PG_GETARG_DATEADT(1);
	bool		dry_run = PG_GETARG_BOOL(2);
	ArrayType  *hold_ids = PG_GETARG_ARRAYTYPE_P(3);
	TupleDesc	desc;
	Datum		values[3];
	bool		nulls[3] = {false, true, true};
	Oid			save_userid;
	int			save_sec_context;
	MemoryContext caller = CurrentMemoryContext;
	char	   *volatile reason = NULL;
	volatile int64 events = 0;
	Datum	   *held_ids = palloc(sizeof(Datum) * (ArrayGetNItems(ARR_NDIM(hold_ids), ARR_DIMS(hold_ids)) + 1));
	volatile int nheld = 0;

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	check_partition(relid, month);
	if (!dry_run)
	{
		if (IsolationUsesXactSnapshot())
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TRANSACTION_STATE),
					 errmsg("audit retention runs in a READ COMMITTED transaction"),
					 errdetail("It must see every event the partition holds once it is locked.")));
		(void) dcpf_seal_signing_key();		/* no key: say so before any work */
	}
	/* nothing more is written into the partition from here (a dry run only reads) */
	LockRelationOid(relid, dry_run ? AccessShareLock : ShareLock);

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(dcpf_extension_owner(), save_sec_context | SECURITY_LOCAL_USERID_CHANGE);
	PG_TRY();
	{
		Survey		sv;
		int			k;
		Datum	   *ids;
		bool	   *id_nulls;
		int			nids;

		memset(&sv, 0, sizeof(sv));
		take_holds(&sv, hold_ids, PG_GETARG_ARRAYTYPE_P(4));
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		survey(relid, &sv);
		events = sv.n;
		deconstruct_array(hold_ids, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR, &ids, &id_nulls, &nids);
		for (k = 0; k < sv.nholds; k++)
			if (sv.held[k])
				held_ids[nheld++] = ids[k];
		if (sv.reason != NULL)
			reason = MemoryContextStrdup(caller, sv.reason);
		else if (!dry_run)
		{
			write_record(relid, month, &sv);
			dcpf_retention_prepared(relid);
		}
		SPI_finish();
	}
	PG_FINALLY();
	{
		SetUserIdAndSecContext(save_userid, save_sec_context);
	}
	PG_END_TRY();
	values[0] = Int64GetDatum(events);
	if (reason != NULL)
	{
		values[1] = CStringGetTextDatum(reason);
		nulls[1] = false;
	}
	if (nheld > 0)
	{
		values[2] = PointerGetDatum(construct_array(held_ids, nheld, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR));
		nulls[2] = false;
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}
