/*-------------------------------------------------------------------------
 * removed.c
 *    The months of the audit trail that retention dropped, as verification
 *    reads them: each record of dcpf.audit_dropped_partition (written by
 *    retention.c) with its Ed25519 signature and its list of boundary hashes
 *    checked, and a lookup from an event number to the month that removed
 *    it (and, for an event that shared a seal with events of other months,
 *    the full hash of its line, so that the seal's chain can still be
 *    recomputed).
 *
 * What makes a gap "removed by retention" rather than "deleted": the event
 * number lies in a run of a record signed by the audit key; the record's
 * chain hashes match the seals it names (verify.c checks that), and the
 * boundary hashes it kept complete those seals' chains.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "seal.h"

/* Read one record from row r of the last SPI result; false and *problem when it is not genuine. */
static bool
read_record(uint64 r, DcpfRemovedMonth *m, char **problem)
{
	HeapTuple	tup = SPI_tuptable->vals[r];
	TupleDesc	desc = SPI_tuptable->tupdesc;
	bool		isnull;
	char	   *month = TextDatumGetCString(SPI_getbinval(tup, desc, 1, &isnull));
	char	   *statement = TextDatumGetCString(SPI_getbinval(tup, desc, 2, &isnull));
	bytea	   *sig = DatumGetByteaPP(SPI_getbinval(tup, desc, 3, &isnull));
	bytea	   *boundary = DatumGetByteaPP(SPI_getbinval(tup, desc, 4, &isnull));
	Jsonb	   *st;
	unsigned char sha[32];
	unsigned char want[32];
	int			len = VARSIZE_ANY_EXHDR(boundary);

	memset(m, 0, sizeof(*m));
	strlcpy(m->month, month, sizeof(m->month));
	if (!dcpf_seal_signature_ok(statement, strlen(statement), (unsigned char *) VARDATA_ANY(sig), VARSIZE_ANY_EXHDR(sig)))
	{
		*problem = psprintf("The record of month %s is not signed by the audit signing key.", month);
		return false;
	}
	st = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(statement)));
	if (strcmp(dcpf_seal_member_text(st, "month"), month) != 0)
	{
		*problem = psprintf("The record of month %s holds the signed statement of month %s.", month,
							dcpf_seal_member_text(st, "month"));
		return false;
	}
	if (EVP_Digest(VARDATA_ANY(boundary), len, sha, NULL, EVP_sha256(), NULL) != 1 ||
		!dcpf_seal_unhex(dcpf_seal_member_text(st, "boundary_sha256"), want, 32) ||
		CRYPTO_memcmp(sha, want, 32) != 0 || len % DCPF_BOUNDARY_ENTRY != 0)
	{
		*problem = psprintf("The boundary hashes stored with the record of month %s are not the ones it signed.", month);
		return false;
	}
	m->events = dcpf_seal_member_int(st, "events");
	m->runs = dcpf_seal_member_pairs(st, "ids", &m->nruns);
	m->nboundary = len / DCPF_BOUNDARY_ENTRY;
	m->boundary = palloc(len + 1);
	memcpy(m->boundary, VARDATA_ANY(boundary), len);
	if (m->nruns > 0)
	{
		m->first_seal = dcpf_seal_member_int(st, "first_seal");
		m->last_seal = dcpf_seal_member_int(st, "last_seal");
		if (!dcpf_seal_unhex(dcpf_seal_member_text(st, "prev_chain"), m->prev_chain, 32) ||
			!dcpf_seal_unhex(dcpf_seal_member_text(st, "chain"), m->chain, 32))
		{
			*problem = psprintf("The record of month %s holds a chain that is not 32 bytes of hex.", month);
			return false;
		}
	}
	return true;
}

DcpfRemoved *
dcpf_removed_load(char **problem)
{
	DcpfRemoved *removed = palloc0(sizeof(DcpfRemoved));
	uint64		i;

	*problem = NULL;
	if (SPI_execute("SELECT to_char(month, 'YYYY-MM'), statement, signature, boundary_digests "
					"FROM dcpf.audit_dropped_partition ORDER BY month", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read dcpf.audit_dropped_partition");
	removed->months = palloc(sizeof(DcpfRemovedMonth) * (SPI_processed + 1));
	for (i = 0; i < SPI_processed; i++)
	{
		if (!read_record(i, &removed->months[removed->n], problem))
			return NULL;
		removed->n++;
	}
	return removed;
}

DcpfRemovedMonth *
dcpf_removed_find(DcpfRemoved *removed, int64 id, const unsigned char **sha32)
{
	int			i;

	*sha32 = NULL;
	for (i = 0; i < removed->n; i++)
	{
		DcpfRemovedMonth *m = &removed->months[i];
		int			lo = 0;
		int			hi = m->nruns - 1;

		/* the last run starting at or below id */
		while (lo < hi)
		{
			int			mid = (lo + hi + 1) / 2;

			if (m->runs[2 * mid] <= id)
				lo = mid;
			else
				hi = mid - 1;
		}
		if (m->nruns == 0 || m->runs[2 * lo] > id || m->runs[2 * lo + 1] < id)
			continue;
		lo = 0;
		hi = m->nboundary - 1;
		while (lo <= hi)
		{
			int			mid = (lo + hi) / 2;
			int64		at = dcpf_seal_entry_id(m->boundary + mid * DCPF_BOUNDARY_ENTRY);

			if (at == id)
			{
				*sha32 = m->boundary + mid * DCPF_BOUNDARY_ENTRY + 8;
				break;
			}
			if (at < id)
				lo = mid + 1;
			else
				hi = mid - 1;
		}
		return m;
	}
	return NULL;
}
