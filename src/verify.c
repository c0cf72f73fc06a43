/*-------------------------------------------------------------------------
 * verify.c
 *    dcpf.audit_verify: check the seals made in a period against the events
 *    and report the first inconsistency; dcpf.audit_export: the same
 *    material as text lines for tools/audit-verify, which needs only the
 *    public key.
 *
 * For each seal: its signature, its link to the seal before (number, chain,
 * highest event), the hash of its digest list, and then the events it
 * covers, recomputed from the table, compared one by one with the digest
 * list: an event number missing (deleted), one too many (inserted), a line
 * whose hash another sealed event had (reordered) or no sealed event had
 * (changed). Finally, events hidden in a sealed range under the number of a
 * transaction the seal said was running, which no later seal took in.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type_d.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/xid8.h"

#include "dcpf.h"
#include "seal.h"

/* The outcome of a verification (its strings in cxt, which outlives SPI). */
typedef struct Verdict
{
	MemoryContext cxt;
	bool		failed;
	int64		seals;
	int64		events;
	char	   *problem;
	int64		seal_no;
	bool		has_event;
	int64		event_id;
	char	   *detail;
	int64		removed;		/* sealed events met that retention removed */
	List	   *months;			/* the months they were of (YYYY-MM, in cxt) */
} Verdict;

/* One sealed or found event: its number and line hash. */
typedef struct Digest
{
	int64		id;
	unsigned char sha[32];
} Digest;

/* A seal as stored. */
typedef struct SealRow
{
	int64		seal_no;
	char	   *statement;
	bytea	   *signature;
	bytea	   *digests;
	Jsonb	   *parsed;
} SealRow;

/* Record the first problem. */
static void
fail(Verdict *v, const char *problem, int64 seal_no, bool has_event, int64 event_id, char *detail)
{
	if (v->failed)
		return;
	v->failed = true;
	v->problem = MemoryContextStrdup(v->cxt, problem);
	v->seal_no = seal_no;
	v->has_event = has_event;
	v->event_id = event_id;
	v->detail = MemoryContextStrdup(v->cxt, detail);
}

/* Read a seal's columns from row r of the last SPI result. */
static SealRow
seal_row(uint64 r)
{
	SealRow		s;
	HeapTuple	tup = SPI_tuptable->vals[r];
	TupleDesc	desc = SPI_tuptable->tupdesc;
	bool		isnull;

	s.seal_no = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
	s.statement = TextDatumGetCString(SPI_getbinval(tup, desc, 2, &isnull));
	s.signature = DatumGetByteaPCopy(SPI_getbinval(tup, desc, 3, &isnull));
	s.digests = DatumGetByteaPCopy(SPI_getbinval(tup, desc, 4, &isnull));
	s.parsed = NULL;
	return s;
}

/* Events found for a seal: numbers and line hashes, in chain order. */
typedef struct Found
{
	Digest	   *digests;
	int			count;
	int			cap;
	const DcpfPending *skip;	/* pending transactions, for the range pass */
	int			nskip;
	StringInfoData line;
} Found;

/* Add one event to what was found. */
static void
found_row(HeapTuple tup, TupleDesc desc, const int *map, int64 id, FullTransactionId xid, void *arg)
{
	Found	   *f = (Found *) arg;

	if (dcpf_seal_pending_has(f->skip, f->nskip, xid))
		return;
	if (f->count == f->cap)
	{
		f->cap *= 2;
		f->digests = repalloc(f->digests, sizeof(Digest) * f->cap);
	}
	f->digests[f->count].id = id;
	resetStringInfo(&f->line);
	dcpf_seal_event_line(tup, desc, map, &f->line);
	dcpf_seal_line_digest(f->line.data, f->line.len, f->digests[f->count].sha);
	f->count++;
}

/* The events a seal says it covers, recomputed from the table, in chain order. */
static Digest *
found_events(int64 prev_high, int64 high, const DcpfPending *pending, int npending,
			 const int64 *late, int nlate, int *n)
{
	Found		f;
	Oid			types[2] = {INT8OID, INT8OID};
	Datum		values[2];
	Portal		portal;

	f.cap = 256;
	f.count = 0;
	f.digests = palloc(sizeof(Digest) * f.cap);
	f.skip = pending;
	f.nskip = npending;
	initStringInfo(&f.line);
	values[0] = Int64GetDatum(prev_high);
	values[1] = Int64GetDatum(high);
	portal = SPI_cursor_open_with_args(NULL, "SELECT * FROM dcpf.audit_event WHERE id > $1 AND id <= $2 ORDER BY id",
									   2, types, values, NULL, true, CURSOR_OPT_NO_SCROLL);
	dcpf_seal_scan(portal, found_row, &f);
	SPI_cursor_close(portal);
	if (nlate > 0)
	{
		Datum	   *ids = palloc(sizeof(Datum) * nlate);
		int			i;

		for (i = 0; i < nlate; i++)
			ids[i] = Int64GetDatum(late[i]);
		types[0] = INT8ARRAYOID;
		values[0] = PointerGetDatum(construct_array(ids, nlate, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		portal = SPI_cursor_open_with_args(NULL, "SELECT * FROM dcpf.audit_event WHERE id = ANY ($1) ORDER BY id",
										   1, types, values, NULL, true, CURSOR_OPT_NO_SCROLL);
		f.nskip = 0;			/* late events are of finished transactions */
		dcpf_seal_scan(portal, found_row, &f);
		SPI_cursor_close(portal);
	}
	*n = f.count;
	return f.digests;
}

/*
 * Whether event id, but for its number, is what the seal recorded as
 * another event: the line is {"id":N,…}; try each other listed number in
 * front of the rest. Returns that number, or 0. Only on a failure path.
 */
static int64
sealed_as_other(int64 id, const unsigned char *listed, int nlisted)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(id)};
	int			map[DCPF_AUDIT_NCOLUMNS];
	StringInfoData line;
	StringInfoData probe;
	const char *rest;
	int			j;

	if (SPI_execute_with_args("SELECT * FROM dcpf.audit_event WHERE id = $1", 1, types, values, NULL, true, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		return 0;
	dcpf_seal_column_map(SPI_tuptable->tupdesc, map);
	initStringInfo(&line);
	dcpf_seal_event_line(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, map, &line);
	rest = strchr(line.data, ',');
	if (rest == NULL)
		return 0;
	initStringInfo(&probe);
	for (j = 0; j < nlisted; j++)
	{
		const unsigned char *e = listed + j * DCPF_SEAL_DIGEST_ENTRY;
		unsigned char sha[32];

		if (dcpf_seal_entry_id(e) == id)
			continue;
		resetStringInfo(&probe);
		appendStringInfo(&probe, "{\"id\":" INT64_FORMAT "%s", dcpf_seal_entry_id(e), rest);
		dcpf_seal_line_digest(probe.data, probe.len, sha);
		if (memcmp(sha, e + 8, 8) == 0)
			return dcpf_seal_entry_id(e);
	}
	return 0;
}

/*
 * Compare what a seal lists with what was found, walking both in chain
 * order; a listed event that is gone is either removed by retention (a
 * signed record covers its number) or deleted. On a difference, name the
 * first event concerned. Returns true when they agree, with the hashes to
 * chain (found, or kept by a record) in items; *complete is false when a
 * removed event's full hash was not kept (its seal lost every event).
 */
static bool
compare_events(Verdict *v, int64 seal_no, const unsigned char *listed, int nlisted, const Digest *found, int nfound,
			   DcpfRemoved *removed, const unsigned char **items, int *nitems, bool *complete)
{
	int64	   *present = NULL;
	int			i;
	int			j = 0;
	const char *unkept = NULL;

	*nitems = 0;
	*complete = true;
	for (i = 0; i < nlisted; i++)
	{
		const unsigned char *e = listed + i * DCPF_SEAL_DIGEST_ENTRY;
		int64		id = dcpf_seal_entry_id(e);
		const unsigned char *kept;
		DcpfRemovedMonth *m;

		if (j < nfound && found[j].id == id)
		{
			if (memcmp(e + 8, found[j].sha, 8) != 0)
			{
				int64		other = sealed_as_other(found[j].id, listed, nlisted);

				if (other != 0)
					fail(v, "reordered", seal_no, true, found[j].id,
						 psprintf("Event " INT64_FORMAT " now holds what the seal recorded as event " INT64_FORMAT ".",
								  found[j].id, other));
				else
					fail(v, "changed", seal_no, true, found[j].id,
						 psprintf("Event " INT64_FORMAT " differs from what seal " INT64_FORMAT " recorded.", found[j].id, seal_no));
				return false;
			}
			items[(*nitems)++] = found[j].sha;
			j++;
			continue;
		}
		/* numbers differ: the listed event is further on, removed, or gone */
		if (present == NULL)
		{
			int			k;

			present = palloc(sizeof(int64) * (nfound + 1));
			for (k = 0; k < nfound; k++)
				present[k] = found[k].id;
			qsort(present, nfound, sizeof(int64), dcpf_seal_cmp_int64);
		}
		if (bsearch(&id, present, nfound, sizeof(int64), dcpf_seal_cmp_int64) != NULL)
		{
			fail(v, "inserted", seal_no, true, found[j].id,
				 psprintf("Event " INT64_FORMAT " is in the range of seal " INT64_FORMAT ", which never recorded it.",
						  found[j].id, seal_no));
			return false;
		}
		m = dcpf_removed_find(removed, id, &kept);
		if (m == NULL)
		{
			fail(v, "deleted", seal_no, true, id,
				 psprintf("Seal " INT64_FORMAT " recorded event " INT64_FORMAT "; it is gone.", seal_no, id));
			return false;
		}
		m->met++;
		v->removed++;
		if (kept == NULL)
		{
			*complete = false;
			unkept = m->month;
		}
		else if (memcmp(kept, e + 8, 8) != 0)
		{
			fail(v, "bad retention record", seal_no, true, id,
				 psprintf("The record of month %s kept another hash for event " INT64_FORMAT " than seal " INT64_FORMAT " recorded.",
						  m->month, id, seal_no));
			return false;
		}
		else
			items[(*nitems)++] = kept;
	}
	if (j < nfound)
	{
		fail(v, "inserted", seal_no, true, found[j].id,
			 psprintf("Event " INT64_FORMAT " is in the range of seal " INT64_FORMAT ", which never recorded it.",
					  found[j].id, seal_no));
		return false;
	}
	if (!*complete && nfound > 0)
	{
		fail(v, "bad retention record", seal_no, false, 0,
			 psprintf("Seal " INT64_FORMAT " covers events that remain, and events the drop of month %s removed "
					  "without keeping their hashes.", seal_no, unkept));
		return false;
	}
	return true;
}

/* Check one seal; false (and the verdict) on the first problem. */
static bool
check_seal(Verdict *v, SealRow *s, SealRow *prev, const char *fingerprint, DcpfRemoved *removed, int64 *late_out_high)
{
	const unsigned char **items;
	int			nitems;
	bool		complete;
	Jsonb	   *st;
	int64		prev_high;
	int64		high;
	DcpfPending *pending;
	int			npending;
	int64	   *late;
	int			nlate;
	unsigned char prev_chain[32];
	unsigned char chain[32];
	unsigned char digests_sha[32];
	unsigned char sha[32];
	Digest	   *found;
	int			nfound;
	int			nlisted;
	EVP_MD_CTX *ctx;
	unsigned int len;
	int			i;

	if (!dcpf_seal_signature_ok(s->statement, strlen(s->statement), (unsigned char *) VARDATA_ANY(s->signature),
								VARSIZE_ANY_EXHDR(s->signature)))
	{
		fail(v, "bad signature", s->seal_no, false, 0,
			 psprintf("Seal " INT64_FORMAT "'s statement is not signed by the audit signing key (fingerprint %s).",
					  s->seal_no, fingerprint));
		return false;
	}
	st = s->parsed = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(s->statement)));
	if (dcpf_seal_member_int(st, "seal_no") != s->seal_no)
	{
		fail(v, "seal renumbered", s->seal_no, false, 0,
			 psprintf("The row numbered " INT64_FORMAT " holds the signed statement of seal " INT64_FORMAT ".",
					  s->seal_no, dcpf_seal_member_int(st, "seal_no")));
		return false;
	}
	/* a node's seals name it from its first named seal on, every one the same */
	if (prev != NULL)
	{
		char	   *node = dcpf_seal_member_opt_text(st, "node");
		char	   *prev_node = dcpf_seal_member_opt_text(prev->parsed, "node");

		if (prev_node != NULL && (node == NULL || strcmp(node, prev_node) != 0))
		{
			fail(v, "broken chain", s->seal_no, false, 0,
				 psprintf("Seal " INT64_FORMAT " is sealed as %s%s%s; seal " INT64_FORMAT " as node \"%s\".",
						  s->seal_no, node ? "node \"" : "no node", node ? node : "", node ? "\"" : "",
						  prev->seal_no, prev_node));
			return false;
		}
	}
	prev_high = dcpf_seal_member_int(st, "prev_high_id");
	high = dcpf_seal_member_int(st, "high_id");
	if (!dcpf_seal_unhex(dcpf_seal_member_text(st, "prev_chain"), prev_chain, 32) ||
		!dcpf_seal_unhex(dcpf_seal_member_text(st, "chain"), chain, 32) ||
		!dcpf_seal_unhex(dcpf_seal_member_text(st, "digests_sha256"), digests_sha, 32))
	{
		fail(v, "malformed seal", s->seal_no, false, 0, pstrdup("A hash in the statement is not 32 bytes of hex."));
		return false;
	}
	/* the link to the seal before; the first seal starts from nothing */
	if (prev == NULL && s->seal_no == 1)
	{
		static const unsigned char zero[32];

		if (prev_high != 0 || memcmp(prev_chain, zero, 32) != 0)
		{
			fail(v, "broken chain", s->seal_no, false, 0, pstrdup("The first seal does not start the chain."));
			return false;
		}
	}
	else if (prev != NULL)
	{
		unsigned char pc[32];

		if (!dcpf_seal_unhex(dcpf_seal_member_text(prev->parsed, "chain"), pc, 32) || memcmp(pc, prev_chain, 32) != 0 ||
			dcpf_seal_member_int(prev->parsed, "high_id") != prev_high)
		{
			fail(v, "broken chain", s->seal_no, false, 0,
				 psprintf("Seal " INT64_FORMAT " does not continue seal " INT64_FORMAT ".", s->seal_no, prev->seal_no));
			return false;
		}
	}
	/* the digest list is what was signed */
	if (EVP_Digest(VARDATA_ANY(s->digests), VARSIZE_ANY_EXHDR(s->digests), sha, NULL, EVP_sha256(), NULL) != 1 ||
		memcmp(sha, digests_sha, 32) != 0 || VARSIZE_ANY_EXHDR(s->digests) % DCPF_SEAL_DIGEST_ENTRY != 0)
	{
		fail(v, "seal record changed", s->seal_no, false, 0,
			 psprintf("The list of events stored with seal " INT64_FORMAT " is not the one it signed.", s->seal_no));
		return false;
	}
	pending = dcpf_seal_member_pending(st, &npending);
	late = dcpf_seal_member_ids(st, "late_ids", &nlate);
	found = found_events(prev_high, high, pending, npending, late, nlate, &nfound);
	nlisted = VARSIZE_ANY_EXHDR(s->digests) / DCPF_SEAL_DIGEST_ENTRY;
	items = palloc(sizeof(unsigned char *) * (nlisted + 1));
	if (!compare_events(v, s->seal_no, (unsigned char *) VARDATA_ANY(s->digests), nlisted, found, nfound,
						removed, items, &nitems, &complete))
		return false;
	/*
	 * All 8-byte prefixes agree: the full chain must too (over the hashes
	 * retention kept for its removed events). A seal whose events were all
	 * removed, without their hashes, has nothing left to recompute.
	 */
	if (complete)
	{
		ctx = EVP_MD_CTX_new();
		if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 || EVP_DigestUpdate(ctx, prev_chain, 32) != 1)
			ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not hash the audit chain")));
		for (i = 0; i < nitems; i++)
			if (EVP_DigestUpdate(ctx, items[i], 32) != 1)
				ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not hash the audit chain")));
		if (EVP_DigestFinal_ex(ctx, sha, &len) != 1)
			ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not hash the audit chain")));
		EVP_MD_CTX_free(ctx);
		if (memcmp(sha, chain, 32) != 0)
		{
			fail(v, "changed", s->seal_no, false, 0,
				 psprintf("The events of seal " INT64_FORMAT " do not hash to its chain.", s->seal_no));
			return false;
		}
	}
	v->seals++;
	v->events += nfound;
	*late_out_high = high;
	return true;
}

/* The seal numbered n, or false. */
static bool
fetch_seal(int64 n, SealRow *out)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(n)};

	if (SPI_execute_with_args("SELECT seal_no, statement, signature, row_digests FROM dcpf.audit_seal WHERE seal_no = $1",
							  1, types, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read dcpf.audit_seal");
	if (SPI_processed == 0)
		return false;
	*out = seal_row(0);
	return true;
}

/* The parsed statement of seal n among those checked (and the one before them), or NULL. */
static Jsonb *
checked_statement(int64 n, SealRow *seals, uint64 nseals, SealRow *before)
{
	if (before != NULL && n == before->seal_no)
		return before->parsed;
	if (n >= seals[0].seal_no && n <= seals[nseals - 1].seal_no)
		return seals[n - seals[0].seal_no].parsed;
	return NULL;
}

/*
 * Each record of a dropped month against the seals it names, where the
 * period reaches them: its chain hashes are those seals' (it was anchored in
 * the signed chain when it was made), and when the period covers all its
 * seals, it removed exactly as many sealed events as it says. Notes the
 * months met.
 */
static bool
check_records(Verdict *v, DcpfRemoved *removed, SealRow *seals, uint64 nseals, SealRow *before)
{
	int			i;

	for (i = 0; i < removed->n; i++)
	{
		DcpfRemovedMonth *m = &removed->months[i];
		Jsonb	   *first = m->nruns > 0 ? checked_statement(m->first_seal, seals, nseals, before) : NULL;
		Jsonb	   *last = m->nruns > 0 ? checked_statement(m->last_seal, seals, nseals, before) : NULL;
		unsigned char c[32];

		if ((first != NULL && (!dcpf_seal_unhex(dcpf_seal_member_text(first, "prev_chain"), c, 32) ||
							   memcmp(c, m->prev_chain, 32) != 0)) ||
			(last != NULL && (!dcpf_seal_unhex(dcpf_seal_member_text(last, "chain"), c, 32) ||
							  memcmp(c, m->chain, 32) != 0)))
		{
			fail(v, "bad retention record", first != NULL ? m->first_seal : m->last_seal, false, 0,
				 psprintf("The record of month %s does not match the chain of seals " INT64_FORMAT " to " INT64_FORMAT ".",
						  m->month, m->first_seal, m->last_seal));
			return false;
		}
		if (m->nruns > 0 && m->first_seal >= seals[0].seal_no && m->last_seal <= seals[nseals - 1].seal_no &&
			m->met != m->events)
		{
			fail(v, "bad retention record", m->first_seal, false, 0,
				 psprintf("The record of month %s says it removed " INT64_FORMAT " sealed events; seals " INT64_FORMAT
						  " to " INT64_FORMAT " list " INT64_FORMAT " of its numbers.",
						  m->month, m->events, m->first_seal, m->last_seal, m->met));
			return false;
		}
		if (m->met > 0)
		{
			MemoryContext spi = MemoryContextSwitchTo(v->cxt);

			v->months = lappend(v->months, pstrdup(m->month));
			MemoryContextSwitchTo(spi);
		}
	}
	return true;
}

/* Verify the seals made in [from, to]. */
static void
verify(Verdict *v, TimestampTz from, TimestampTz to)
{
	Oid			types[2] = {TIMESTAMPTZOID, TIMESTAMPTZOID};
	Datum		values[2] = {TimestampTzGetDatum(from), TimestampTzGetDatum(to)};
	char	   *fingerprint = dcpf_seal_key_fingerprint(dcpf_seal_signing_key());
	SealRow    *seals;
	uint64		nseals;
	uint64		i;
	SealRow		before;
	SealRow    *prev = NULL;
	SealRow    *anchor = NULL;
	int64		high = 0;
	DcpfRemoved *removed;
	char	   *bad_record;

	/* the months retention dropped, each record genuine */
	removed = dcpf_removed_load(&bad_record);
	if (removed == NULL)
	{
		fail(v, "bad retention record", 0, false, 0, bad_record);
		return;
	}
	if (SPI_execute_with_args("SELECT seal_no, statement, signature, row_digests FROM dcpf.audit_seal "
							  "WHERE sealed_at >= $1 AND sealed_at <= $2 ORDER BY seal_no",
							  2, types, values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read dcpf.audit_seal");
	nseals = SPI_processed;
	seals = palloc(sizeof(SealRow) * (nseals + 1));
	for (i = 0; i < nseals; i++)
		seals[i] = seal_row(i);
	SPI_freetuptable(SPI_tuptable);

	/* the first seal links to the one before it, which must be genuine too */
	if (nseals > 0 && seals[0].seal_no > 1)
	{
		if (!fetch_seal(seals[0].seal_no - 1, &before))
		{
			fail(v, "deleted seal", seals[0].seal_no - 1, false, 0,
				 psprintf("Seal " INT64_FORMAT " is missing.", seals[0].seal_no - 1));
			return;
		}
		if (!dcpf_seal_signature_ok(before.statement, strlen(before.statement),
									(unsigned char *) VARDATA_ANY(before.signature), VARSIZE_ANY_EXHDR(before.signature)))
		{
			fail(v, "bad signature", before.seal_no, false, 0,
				 psprintf("Seal " INT64_FORMAT "'s statement is not signed by the audit signing key.", before.seal_no));
			return;
		}
		before.parsed = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(before.statement)));
		prev = anchor = &before;
	}
	for (i = 0; i < nseals; i++)
	{
		if (prev != NULL && seals[i].seal_no != prev->seal_no + 1)
		{
			fail(v, "deleted seal", prev->seal_no + 1, false, 0,
				 psprintf("Seal " INT64_FORMAT " is missing.", prev->seal_no + 1));
			return;
		}
		if (!check_seal(v, &seals[i], prev, fingerprint, removed, &high))
			return;
		prev = &seals[i];
	}
	if (nseals > 0 && !check_records(v, removed, seals, nseals, anchor))
		return;
	/*
	 * Events hidden behind a transaction a seal said was running: its events
	 * numbered up to the last seal that saw it running must have been taken
	 * in as late events (those numbered higher were range events of later
	 * seals, checked above).
	 */
	if (nseals > 0)
	{
		Oid			t[2] = {INT8OID, INT8OID};
		Datum		vals[2] = {Int64GetDatum(seals[0].seal_no), Int64GetDatum(high)};

		if (SPI_execute_with_args(
								  "WITH s AS (SELECT seal_no, statement::jsonb AS st FROM dcpf.audit_seal WHERE seal_no >= $1), "
								  "held AS (SELECT (p ->> 0)::xid8 AS xid, max((s.st ->> 'high_id')::bigint) AS upto "
								  "         FROM s, jsonb_array_elements(s.st -> 'pending') p "
								  "         WHERE s.seal_no < (SELECT max(seal_no) FROM s) GROUP BY 1), "
								  "still AS (SELECT (p ->> 0)::xid8 AS xid FROM s, jsonb_array_elements(s.st -> 'pending') p "
								  "          WHERE s.seal_no = (SELECT max(seal_no) FROM s)), "
								  "late AS (SELECT (l #>> '{}')::bigint AS id FROM s, jsonb_array_elements(s.st -> 'late_ids') l) "
								  "SELECT e.id FROM dcpf.audit_event e JOIN held h ON e.xact_id = h.xid "
								  " WHERE e.id <= h.upto AND e.id <= $2 AND e.xact_id NOT IN (SELECT xid FROM still) "
								  "   AND e.id NOT IN (SELECT id FROM late) ORDER BY e.id LIMIT 1",
								  2, t, vals, NULL, true, 1) != SPI_OK_SELECT)
			elog(ERROR, "could not look for hidden audit events");
		if (SPI_processed > 0)
		{
			bool		isnull;
			int64		id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));

			fail(v, "inserted", 0, true, id,
				 psprintf("Event " INT64_FORMAT " carries the number of a transaction a seal saw running, "
						  "but no later seal took it in.", id));
		}
	}
}

/*
 * dcpf.audit_verify(from, to): checks every seal made in [from, to] and
 * reports the first inconsistency. One row: verified, seals and events
 * checked, and for a failure the problem, the seal, the event and a detail.
 */
PG_FUNCTION_INFO_V1(dcpf_audit_verify);
Datum
dcpf_audit_verify(PG_FUNCTION_ARGS)
{
	Verdict		v;
	TupleDesc	desc;
	Datum		values[9];
	bool		nulls[9] = {false, false, false, true, true, true, true, false, false};
	Datum	   *months;
	ListCell   *lc;
	int			k;
	Oid			save_userid;
	int			save_sec_context;
	DcpfAuditEvent ev;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_GETARG_TIMESTAMPTZ(0) > PG_GETARG_TIMESTAMPTZ(1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid period"),
				 errdetail("dcpf.audit_verify checks the seals made from a time to a later (or the same) time.")));
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	(void) dcpf_seal_signing_key();
	/* reading the trail is an event, even this way */
	dcpf_audit_event_init(&ev, "audit_read", "success");
	strlcpy(ev.object_table, "audit_event", sizeof(ev.object_table));
	strlcpy(ev.detail, "{\"view\": \"verify\"}", sizeof(ev.detail));
	dcpf_audit_enqueue(&ev);

	memset(&v, 0, sizeof(v));
	v.cxt = CurrentMemoryContext;
	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(dcpf_extension_owner(), save_sec_context | SECURITY_LOCAL_USERID_CHANGE);
	PG_TRY();
	{
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		verify(&v, PG_GETARG_TIMESTAMPTZ(0), PG_GETARG_TIMESTAMPTZ(1));
		SPI_finish();
	}
	PG_FINALLY();
	{
		SetUserIdAndSecContext(save_userid, save_sec_context);
	}
	PG_END_TRY();

	values[0] = BoolGetDatum(!v.failed);
	values[1] = Int64GetDatum(v.seals);
	values[2] = Int64GetDatum(v.events);
	if (v.failed)
	{
		values[3] = CStringGetTextDatum(v.problem);
		nulls[3] = false;
		if (v.seal_no > 0)
		{
			values[4] = Int64GetDatum(v.seal_no);
			nulls[4] = false;
		}
		if (v.has_event)
		{
			values[5] = Int64GetDatum(v.event_id);
			nulls[5] = false;
		}
		values[6] = CStringGetTextDatum(v.detail);
		nulls[6] = false;
	}
	/* what retention removed from the period: counted, never reported as missing */
	values[7] = Int64GetDatum(v.removed);
	months = palloc(sizeof(Datum) * (list_length(v.months) + 1));
	k = 0;
	foreach(lc, v.months)
		months[k++] = DirectFunctionCall1(date_in, CStringGetDatum(psprintf("%s-01", (char *) lfirst(lc))));
	values[8] = PointerGetDatum(construct_array(months, k, DATEOID, sizeof(DateADT), true, TYPALIGN_INT));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}
