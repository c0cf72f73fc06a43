/*-------------------------------------------------------------------------
 * export.c
 *    dcpf.export_document(person, request, transfer_to): the export of a
 *    person's data (sql/240_export.sql) as one JSON document (dcpf-export/1).
 *
 * The sources of the document (dcpf.export_sources(), from the
 * personal-data registry) are queries; each is run here and its rows
 * written straight into one buffer. json_build_object and row_to_json look up the category and the output
 * function of every value of every row again; for the export of a large
 * portfolio that lookup, not the data, was most of the time. Here, as COPY
 * does, each column's category and output function are found once per
 * query, the rows are read through a cursor in batches, strings are escaped
 * in runs, and the result is handed back as json without being parsed again
 * (it is built valid). The output is what json_agg(row_to_json(...)) gives,
 * up to white space: keys are the column names; NULL is null; booleans and
 * finite numbers bare; dates and times in ISO 8601 as to_json writes them;
 * arrays as arrays (array_to_json); json as it is, jsonb as its text; every
 * other value its text output as a JSON string.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/jsonapi.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "access/xact.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/fmgrprotos.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "dcpf.h"

#define EXPORT_BATCH 1000

typedef enum ColumnKind
{
	COL_STRING,					/* text output, quoted and escaped */
	COL_BOOL,
	COL_NUMBER,					/* bare when a valid JSON number, else quoted */
	COL_DATETIME,				/* JsonEncodeDateTime */
	COL_ARRAY,					/* array_to_json */
	COL_JSON,					/* json or jsonb text as it is */
} ColumnKind;

typedef struct ColumnOut
{
	ColumnKind	kind;
	Oid			typid;			/* the base type */
	FmgrInfo	out;			/* its output function (not for bool, arrays) */
	char	   *key;			/* "name": already escaped, with the colon */
} ColumnOut;

/*
 * Append str as a JSON string: runs of characters that need no escape are
 * copied at once. The escapes are those of escape_json.
 */
static void
append_json_string(StringInfo buf, const char *str)
{
	const char *run = str;
	const char *p;

	appendStringInfoChar(buf, '"');
	for (p = str; *p; p++)
	{
		unsigned char c = (unsigned char) *p;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if (p > run)
			appendBinaryStringInfo(buf, run, p - run);
		switch (c)
		{
			case '\b':
				appendStringInfoString(buf, "\\b");
				break;
			case '\f':
				appendStringInfoString(buf, "\\f");
				break;
			case '\n':
				appendStringInfoString(buf, "\\n");
				break;
			case '\r':
				appendStringInfoString(buf, "\\r");
				break;
			case '\t':
				appendStringInfoString(buf, "\\t");
				break;
			case '"':
				appendStringInfoString(buf, "\\\"");
				break;
			case '\\':
				appendStringInfoString(buf, "\\\\");
				break;
			default:
				appendStringInfo(buf, "\\u%04x", (int) c);
				break;
		}
		run = p + 1;
	}
	if (p > run)
		appendBinaryStringInfo(buf, run, p - run);
	appendStringInfoChar(buf, '"');
}

static void
describe_columns(TupleDesc desc, ColumnOut *cols)
{
	int			i;

	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		ColumnOut  *c = &cols[i];
		Oid			outfn;
		bool		varlena;
		StringInfoData key;

		if (att->attisdropped)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("dcpf.export_document cannot serialise a dropped column")));
		c->typid = getBaseType(att->atttypid);
		switch (c->typid)
		{
			case BOOLOID:
				c->kind = COL_BOOL;
				break;
			case INT2OID:
			case INT4OID:
			case INT8OID:
			case FLOAT4OID:
			case FLOAT8OID:
			case NUMERICOID:
				c->kind = COL_NUMBER;
				break;
			case DATEOID:
			case TIMESTAMPOID:
			case TIMESTAMPTZOID:
				c->kind = COL_DATETIME;
				break;
			case JSONOID:
			case JSONBOID:
				c->kind = COL_JSON;
				break;
			default:
				c->kind = OidIsValid(get_element_type(c->typid)) ? COL_ARRAY : COL_STRING;
				break;
		}
		if (c->kind != COL_BOOL && c->kind != COL_ARRAY && c->kind != COL_DATETIME)
		{
			getTypeOutputInfo(c->typid, &outfn, &varlena);
			fmgr_info(outfn, &c->out);
		}
		initStringInfo(&key);
		append_json_string(&key, NameStr(att->attname));
		appendStringInfoChar(&key, ':');
		c->key = key.data;
	}
}

static void
append_value(StringInfo buf, ColumnOut *c, Datum value)
{
	char	   *s;
	char		stamp[MAXDATELEN + 1];

	switch (c->kind)
	{
		case COL_BOOL:
			appendStringInfoString(buf, DatumGetBool(value) ? "true" : "false");
			break;
		case COL_NUMBER:
			s = OutputFunctionCall(&c->out, value);
			if (IsValidJsonNumber(s, strlen(s)))
				appendStringInfoString(buf, s);
			else
				append_json_string(buf, s);
			break;
		case COL_DATETIME:
			JsonEncodeDateTime(stamp, value, c->typid, NULL);
			appendStringInfoChar(buf, '"');
			appendStringInfoString(buf, stamp);
			appendStringInfoChar(buf, '"');
			break;
		case COL_ARRAY:
			{
				text	   *t = DatumGetTextPP(DirectFunctionCall1(array_to_json, value));

				appendBinaryStringInfo(buf, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
			}
			break;
		case COL_JSON:
			appendStringInfoString(buf, OutputFunctionCall(&c->out, value));
			break;
		case COL_STRING:
			append_json_string(buf, OutputFunctionCall(&c->out, value));
			break;
	}
}

typedef enum RowsMode
{
	ROWS_ARRAY,					/* [ {...}, ... ] */
	ROWS_FIRST,					/* the first row's {...}, or null */
	ROWS_MORE					/* more elements of an array already open */
} RowsMode;

/*
 * Append the rows of a read-only query ($1 = person) to buf as mode says;
 * *count counts the elements of the array written so far (for the commas
 * between them). Opens its own SPI connection: the caller must not be
 * connected, and buf must live outside SPI's contexts.
 */
static void
append_query_rows(StringInfo buf, const char *query, Datum person, RowsMode mode, uint64 *count)
{
	Oid			argtypes[1] = {UUIDOID};
	Datum		args[1];
	MemoryContext query_cxt;	/* the columns' descriptions */
	MemoryContext row_cxt;		/* one row's output strings, reset per row */
	Portal		portal;
	ColumnOut  *cols = NULL;
	uint64		local = 0;

	if (count == NULL)
		count = &local;
	args[0] = person;
	query_cxt = AllocSetContextCreate(CurrentMemoryContext, "dcpf export query", ALLOCSET_SMALL_SIZES);
	row_cxt = AllocSetContextCreate(CurrentMemoryContext, "dcpf export row", ALLOCSET_DEFAULT_SIZES);
	if (mode == ROWS_ARRAY)
		appendStringInfoChar(buf, '[');
	if (SPI_connect() != SPI_OK_CONNECT)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("dcpf.export_document could not connect to SPI")));
	portal = SPI_cursor_open_with_args(NULL, query, 1, argtypes, args, NULL, true, CURSOR_OPT_NO_SCROLL);
	for (;;)
	{
		uint64		i;

		SPI_cursor_fetch(portal, true, mode == ROWS_FIRST ? 1 : EXPORT_BATCH);
		if (SPI_processed == 0)
			break;
		if (cols == NULL)
		{
			MemoryContext old = MemoryContextSwitchTo(query_cxt);

			cols = palloc(sizeof(ColumnOut) * SPI_tuptable->tupdesc->natts);
			describe_columns(SPI_tuptable->tupdesc, cols);
			MemoryContextSwitchTo(old);
		}
		for (i = 0; i < SPI_processed; i++)
		{
			HeapTuple	tup = SPI_tuptable->vals[i];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			MemoryContext old = MemoryContextSwitchTo(row_cxt);
			int			a;

			if ((*count)++ > 0)
				appendStringInfoChar(buf, ',');
			appendStringInfoChar(buf, '{');
			for (a = 0; a < desc->natts; a++)
			{
				bool		isnull;
				Datum		value = heap_getattr(tup, a + 1, desc, &isnull);

				if (a > 0)
					appendStringInfoChar(buf, ',');
				appendStringInfoString(buf, cols[a].key);
				if (isnull)
					appendStringInfoString(buf, "null");
				else
					append_value(buf, &cols[a], value);
			}
			appendStringInfoChar(buf, '}');
			MemoryContextSwitchTo(old);
			MemoryContextReset(row_cxt);
		}
		SPI_freetuptable(SPI_tuptable);
		if (mode == ROWS_FIRST)
			break;
	}
	SPI_cursor_close(portal);
	SPI_finish();
	MemoryContextDelete(row_cxt);
	MemoryContextDelete(query_cxt);
	if (mode == ROWS_FIRST && *count == 0)
		appendStringInfoString(buf, "null");
	else if (mode == ROWS_ARRAY)
		appendStringInfoChar(buf, ']');
}

/* One source of the export (dcpf.export_sources), copied out of SPI. */
typedef struct ExportSource
{
	char	   *section;
	char	   *name;
	char	   *query;
} ExportSource;

static ExportSource *
export_sources(int *n)
{
	ExportSource *sources;
	MemoryContext outer = CurrentMemoryContext;
	uint64		i;

	if (SPI_connect() != SPI_OK_CONNECT)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("dcpf.export_document could not connect to SPI")));
	if (SPI_execute("SELECT s.section, s.name, "
					"pg_catalog.format('SELECT %s FROM %s ORDER BY %s', s.select_list, s.source, s.order_expr) "
					"FROM dcpf.export_sources() s", true, 0) != SPI_OK_SELECT)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("dcpf.export_document could not read dcpf.export_sources()")));
	sources = MemoryContextAlloc(outer, sizeof(ExportSource) * (SPI_processed + 1));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		MemoryContext old = MemoryContextSwitchTo(outer);

		sources[i].section = SPI_getvalue(tup, desc, 1);
		sources[i].name = SPI_getvalue(tup, desc, 2);
		sources[i].query = SPI_getvalue(tup, desc, 3);
		MemoryContextSwitchTo(old);
		if (sources[i].section == NULL || sources[i].name == NULL || sources[i].query == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("dcpf.export_sources() gave an incomplete source")));
	}
	*n = (int) SPI_processed;
	SPI_finish();
	return sources;
}

static void
append_key(StringInfo buf, const char *name)
{
	append_json_string(buf, name);
	appendStringInfoChar(buf, ':');
}

/*
 * dcpf.export_document(person uuid, request uuid, transfer_to text) returns
 * json: the export (format dcpf-export/1) written into one buffer, in the
 * order of dcpf.export_sources() (rows by table, references, facts), each
 * source's rows as its query gives them. The buffer starts with room for the
 * varlena header, so the text is handed back without another copy of what
 * may be many megabytes. Owner only: checks nothing (dcpf.export_person
 * does).
 */
PG_FUNCTION_INFO_V1(dcpf_export_document);
Datum
dcpf_export_document(PG_FUNCTION_ARGS)
{
	ExportSource *sources;
	StringInfoData buf;
	char		stamp[MAXDATELEN + 1];
	const char *section = "";
	uint64		count = 0;
	int			n;
	int			i;
	text	   *result;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("dcpf.export_document needs a person")));
	sources = export_sources(&n);
	initStringInfo(&buf);
	enlargeStringInfo(&buf, 1024 * 1024);
	appendBinaryStringInfo(&buf, "\0\0\0\0", VARHDRSZ);
	appendStringInfoString(&buf, "{\"format\":\"dcpf-export/1\",\"person\":");
	append_json_string(&buf, DatumGetCString(DirectFunctionCall1(uuid_out, PG_GETARG_DATUM(0))));
	JsonEncodeDateTime(stamp, TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()), TIMESTAMPTZOID, NULL);
	appendStringInfo(&buf, ",\"exported_at\":\"%s\",\"request\":", stamp);
	if (PG_ARGISNULL(1))
		appendStringInfoString(&buf, "null");
	else
		append_json_string(&buf, DatumGetCString(DirectFunctionCall1(uuid_out, PG_GETARG_DATUM(1))));
	appendStringInfoString(&buf, ",\"transfer_to\":");
	if (PG_ARGISNULL(2))
		appendStringInfoString(&buf, "null");
	else
		append_json_string(&buf, text_to_cstring(PG_GETARG_TEXT_PP(2)));
	for (i = 0; i < n; i++)
	{
		ExportSource *src = &sources[i];
		bool		opened = strcmp(src->section, section) != 0;

		if (opened)
		{
			/* close the section before, open this one */
			if (strcmp(section, "rows") == 0 || strcmp(section, "facts") == 0)
				appendStringInfoChar(&buf, '}');
			else if (strcmp(section, "references") == 0)
				appendStringInfoChar(&buf, ']');
			appendStringInfoChar(&buf, ',');
			append_key(&buf, strcmp(src->section, "rows") == 0 ? "tables" : src->section);
			appendStringInfoChar(&buf, strcmp(src->section, "references") == 0 ? '[' : '{');
			section = src->section;
			count = 0;
		}
		if (strcmp(section, "references") == 0)
			append_query_rows(&buf, src->query, PG_GETARG_DATUM(0), ROWS_MORE, &count);
		else
		{
			if (!opened)
				appendStringInfoChar(&buf, ',');
			append_key(&buf, src->name);
			append_query_rows(&buf, src->query, PG_GETARG_DATUM(0),
							  strcmp(section, "facts") == 0 && strcmp(src->name, "source") == 0 ? ROWS_FIRST : ROWS_ARRAY,
							  NULL);
		}
	}
	if (strcmp(section, "rows") == 0 || strcmp(section, "facts") == 0)
		appendStringInfoChar(&buf, '}');
	else if (strcmp(section, "references") == 0)
		appendStringInfoChar(&buf, ']');
	appendStringInfoChar(&buf, '}');
	/* json is stored as its text, and what is written here is valid json */
	result = (text *) buf.data;
	SET_VARSIZE(result, buf.len);
	PG_RETURN_TEXT_P(result);
}
