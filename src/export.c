/*-------------------------------------------------------------------------
 * export.c
 *    dcpf.json_rows(query, person): the rows of a query as one JSON array of
 *    objects, for the export of a person's data (sql/240_export.sql).
 *
 * json_build_object and row_to_json look up the category and the output
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
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/fmgrprotos.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "dcpf.h"

#define JSON_ROWS_BATCH 1000

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
					 errmsg("dcpf.json_rows cannot serialise a dropped column")));
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

/*
 * Append the rows of a read-only query ($1 = person) to buf: as a JSON array
 * of objects, or, when only_first, as the first row's object (null without
 * rows). Runs in its own SPI connection; buf must live outside it.
 */
static void
append_query_rows(StringInfo buf, const char *query, Datum person, bool person_null, bool only_first)
{
	Oid			argtypes[1] = {UUIDOID};
	Datum		args[1];
	char		argnulls[1];
	MemoryContext query_cxt;	/* the columns' descriptions */
	MemoryContext row_cxt;		/* one row's output strings, reset per row */
	Portal		portal;
	ColumnOut  *cols = NULL;
	uint64		rows = 0;

	args[0] = person;
	argnulls[0] = person_null ? 'n' : ' ';
	query_cxt = AllocSetContextCreate(CurrentMemoryContext, "dcpf json_rows query", ALLOCSET_SMALL_SIZES);
	row_cxt = AllocSetContextCreate(CurrentMemoryContext, "dcpf json_rows row", ALLOCSET_DEFAULT_SIZES);
	if (!only_first)
		appendStringInfoChar(buf, '[');
	if (SPI_connect() != SPI_OK_CONNECT)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("dcpf.json_rows could not connect to SPI")));
	portal = SPI_cursor_open_with_args(NULL, query, 1, argtypes, args, argnulls, true, CURSOR_OPT_NO_SCROLL);
	for (;;)
	{
		uint64		i;

		SPI_cursor_fetch(portal, true, only_first ? 1 : JSON_ROWS_BATCH);
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

			if (rows++ > 0)
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
		if (only_first)
			break;
	}
	SPI_cursor_close(portal);
	SPI_finish();
	MemoryContextDelete(row_cxt);
	MemoryContextDelete(query_cxt);
	if (only_first)
	{
		if (rows == 0)
			appendStringInfoString(buf, "null");
	}
	else
		appendStringInfoChar(buf, ']');
}

/* json is stored as its text: what this file builds is valid json */
static Datum
json_result(StringInfo buf)
{
	return PointerGetDatum(cstring_to_text_with_len(buf->data, buf->len));
}

/*
 * dcpf.json_rows(query text, person uuid) returns json: runs the read-only
 * query with $1 = person and returns its rows as a JSON array of objects, in
 * the query's order. Owner only: it runs the SQL it is given.
 */
PG_FUNCTION_INFO_V1(dcpf_json_rows);
Datum
dcpf_json_rows(PG_FUNCTION_ARGS)
{
	StringInfoData buf;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("dcpf.json_rows needs a query")));
	initStringInfo(&buf);
	append_query_rows(&buf, text_to_cstring(PG_GETARG_TEXT_PP(0)), PG_GETARG_DATUM(1), PG_ARGISNULL(1), false);
	PG_RETURN_DATUM(json_result(&buf));
}

/*
 * dcpf.json_object_of(names text[], queries text[], person uuid, single
 * boolean[]) returns json: {"name": rows, ...} in the arrays' order, each
 * value the rows of its query as dcpf.json_rows gives them, or with single
 * true the first row's object. Built in one buffer: a large export's text is
 * written once. Owner only.
 */
PG_FUNCTION_INFO_V1(dcpf_json_object_of);
Datum
dcpf_json_object_of(PG_FUNCTION_ARGS)
{
	Datum	   *names;
	Datum	   *queries;
	Datum	   *singles;
	bool	   *names_null;
	bool	   *queries_null;
	bool	   *singles_null;
	int			n_names;
	int			n_queries;
	int			n_singles;
	int			i;
	StringInfoData buf;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("dcpf.json_object_of needs names, queries and singles")));
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(0), TEXTOID, -1, false, TYPALIGN_INT, &names, &names_null, &n_names);
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(1), TEXTOID, -1, false, TYPALIGN_INT, &queries, &queries_null, &n_queries);
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(3), BOOLOID, 1, true, TYPALIGN_CHAR, &singles, &singles_null, &n_singles);
	if (n_names != n_queries || n_names != n_singles)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("dcpf.json_object_of needs as many names as queries and singles"),
				 errdetail("%d names, %d queries, %d singles.", n_names, n_queries, n_singles)));
	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	for (i = 0; i < n_names; i++)
	{
		if (names_null[i] || queries_null[i] || singles_null[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("dcpf.json_object_of: element %d is NULL", i + 1)));
		if (i > 0)
			appendStringInfoChar(&buf, ',');
		append_json_string(&buf, TextDatumGetCString(names[i]));
		appendStringInfoChar(&buf, ':');
		append_query_rows(&buf, TextDatumGetCString(queries[i]), PG_GETARG_DATUM(2), PG_ARGISNULL(2),
						  DatumGetBool(singles[i]));
	}
	appendStringInfoChar(&buf, '}');
	PG_RETURN_DATUM(json_result(&buf));
}
