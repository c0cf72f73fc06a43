/*-------------------------------------------------------------------------
 * export.c
 *    dcpf.export_person, dcpf.transfer_person and dcpf.export_document: the
 *    export of a person's data (sql/240_export.sql) as one JSON document
 *    (dcpf-export/1).
 *
 * The sources of the document (dcpf.export_sources(), from the
 * personal-data registry) are queries; each is run here and its rows
 * written straight into one buffer. json_build_object and row_to_json look
 * up the category and the output function of every value of every row
 * again; for the export of a large portfolio that lookup, not the data, was
 * most of the time. Here, as COPY does, each column's category and output
 * function are found once per query, each row is written as the executor
 * produces it (a DestReceiver: no copy of the row in between), text and
 * uuids are written without their output functions, strings are escaped in
 * runs, and the result is handed back as json without being parsed again
 * (it is built valid). The output is what json_agg(row_to_json(...)) gives,
 * up to white space: keys are the column names; NULL is null; booleans and
 * finite numbers bare; dates and times in ISO 8601 as to_json writes them;
 * arrays as arrays (array_to_json); json as it is, jsonb as its text; every
 * other value its text output as a JSON string.
 *
 * Measured on benchmark 8 (a 5,000-item portfolio, 8.5 MB of JSON, in a
 * warm backend), and kept because of it: export_person in C rather than a
 * PL/pgSQL wrapper, which copies the value it returns (13% of the time in a
 * profile); the document copied at the end into a value of its own size
 * and the growing buffer freed, rather than the buffer handed back (the
 * buffer's pages were then faulted in afresh at every call: 130 -> 42 ms
 * server-side); and, tried and not kept, the buffer in a private mapping of
 * its own (slower: 0.42 against 0.52 of COPY's rate).
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/jsonapi.h"
#include "executor/spi.h"
#include "nodes/params.h"
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
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "dcpf.h"

typedef enum ColumnKind
{
	COL_STRING,					/* text output, quoted and escaped */
	COL_TEXT,					/* text, varchar: their bytes, quoted and escaped */
	COL_UUID,					/* quoted, written here */
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

/* the bytes a JSON string cannot hold as they are: controls, '"' and '\\' */
static const bool json_escaped[256] = {
	[0x00] = true, [0x01] = true, [0x02] = true, [0x03] = true, [0x04] = true,
	[0x05] = true, [0x06] = true, [0x07] = true, [0x08] = true, [0x09] = true,
	[0x0a] = true, [0x0b] = true, [0x0c] = true, [0x0d] = true, [0x0e] = true,
	[0x0f] = true, [0x10] = true, [0x11] = true, [0x12] = true, [0x13] = true,
	[0x14] = true, [0x15] = true, [0x16] = true, [0x17] = true, [0x18] = true,
	[0x19] = true, [0x1a] = true, [0x1b] = true, [0x1c] = true, [0x1d] = true,
	[0x1e] = true, [0x1f] = true, ['"'] = true, ['\\'] = true,
};

/*
 * Append the len bytes at str as a JSON string: room for them is made once,
 * and runs of bytes that need no escape are copied at once. The escapes are
 * those of escape_json.
 */
static void
append_json_text(StringInfo buf, const char *str, int len)
{
	const char *run = str;
	const char *end = str + len;
	const char *p;

	enlargeStringInfo(buf, len + 2);
	buf->data[buf->len++] = '"';
	for (p = str; p < end; p++)
	{
		unsigned char c = (unsigned char) *p;

		if (likely(!json_escaped[c]))
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
	appendStringInfoCharMacro(buf, '"');
}

static void
append_json_string(StringInfo buf, const char *str)
{
	append_json_text(buf, str, strlen(str));
}

/* a uuid as a JSON string, in uuid_out's form, without its palloc */
static void
append_json_uuid(StringInfo buf, const pg_uuid_t *uuid)
{
	static const char hex[] = "0123456789abcdef";
	char	   *out;
	int			i;

	enlargeStringInfo(buf, UUID_LEN * 2 + 4 + 2);
	out = buf->data + buf->len;
	*out++ = '"';
	for (i = 0; i < UUID_LEN; i++)
	{
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*out++ = '-';
		*out++ = hex[uuid->data[i] >> 4];
		*out++ = hex[uuid->data[i] & 0x0f];
	}
	*out++ = '"';
	*out = '\0';
	buf->len = out - buf->data;
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
			case TEXTOID:
			case VARCHAROID:
				c->kind = COL_TEXT;
				break;
			case UUIDOID:
				c->kind = COL_UUID;
				break;
			default:
				c->kind = OidIsValid(get_element_type(c->typid)) ? COL_ARRAY : COL_STRING;
				break;
		}
		if (c->kind != COL_BOOL && c->kind != COL_ARRAY && c->kind != COL_DATETIME &&
			c->kind != COL_TEXT && c->kind != COL_UUID)
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
		case COL_TEXT:
			{
				text	   *t = DatumGetTextPP(value);

				append_json_text(buf, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
			}
			break;
		case COL_UUID:
			append_json_uuid(buf, DatumGetUUIDP(value));
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
 * The receiver of one source's rows: each row the executor produces is
 * written into buf at once, as COPY TO does, with no copy of the row in
 * between.
 */
typedef struct ExportReceiver
{
	DestReceiver pub;
	StringInfo	buf;
	uint64	   *count;			/* the elements of the array written so far */
	ColumnOut  *cols;			/* the columns' descriptions */
	MemoryContext query_cxt;	/* where cols live */
	MemoryContext row_cxt;		/* one row's output strings, reset per row */
} ExportReceiver;

static void
export_startup(DestReceiver *self, int operation, TupleDesc desc)
{
	ExportReceiver *r = (ExportReceiver *) self;
	MemoryContext old = MemoryContextSwitchTo(r->query_cxt);

	r->cols = palloc(sizeof(ColumnOut) * desc->natts);
	describe_columns(desc, r->cols);
	MemoryContextSwitchTo(old);
}

static bool
export_receive(TupleTableSlot *slot, DestReceiver *self)
{
	ExportReceiver *r = (ExportReceiver *) self;
	StringInfo	buf = r->buf;
	int			natts = slot->tts_tupleDescriptor->natts;
	MemoryContext old;
	int			a;

	slot_getallattrs(slot);
	old = MemoryContextSwitchTo(r->row_cxt);
	if ((*r->count)++ > 0)
		appendStringInfoCharMacro(buf, ',');
	appendStringInfoCharMacro(buf, '{');
	for (a = 0; a < natts; a++)
	{
		if (a > 0)
			appendStringInfoCharMacro(buf, ',');
		appendStringInfoString(buf, r->cols[a].key);
		if (slot->tts_isnull[a])
			appendStringInfoString(buf, "null");
		else
			append_value(buf, &r->cols[a], slot->tts_values[a]);
	}
	appendStringInfoCharMacro(buf, '}');
	MemoryContextSwitchTo(old);
	MemoryContextReset(r->row_cxt);
	return true;
}

static void
export_shutdown(DestReceiver *self)
{
}

static void
export_destroy(DestReceiver *self)
{
}

/*
 * Append the rows of a read-only query ($1 = person) to buf as mode says;
 * *count counts the elements of the array written so far (for the commas
 * between them). Opens its own SPI connection: the caller must not be
 * connected, and buf must live outside SPI's contexts.
 */
static void
append_query_rows(StringInfo buf, const char *query, Datum person, RowsMode mode, uint64 *count)
{
	ExportReceiver r;
	SPIExecuteOptions options;
	ParamListInfo params;
	uint64		local = 0;

	memset(&r, 0, sizeof(r));
	r.pub.receiveSlot = export_receive;
	r.pub.rStartup = export_startup;
	r.pub.rShutdown = export_shutdown;
	r.pub.rDestroy = export_destroy;
	r.pub.mydest = DestNone;
	r.buf = buf;
	r.count = count != NULL ? count : &local;
	r.query_cxt = AllocSetContextCreate(CurrentMemoryContext, "dcpf export query", ALLOCSET_SMALL_SIZES);
	r.row_cxt = AllocSetContextCreate(CurrentMemoryContext, "dcpf export row", ALLOCSET_DEFAULT_SIZES);
	params = makeParamList(1);
	params->numParams = 1;
	params->params[0].value = person;
	params->params[0].isnull = false;
	params->params[0].pflags = PARAM_FLAG_CONST;
	params->params[0].ptype = UUIDOID;
	memset(&options, 0, sizeof(options));
	options.params = params;
	options.read_only = true;
	options.tcount = mode == ROWS_FIRST ? 1 : 0;
	options.dest = &r.pub;
	if (mode == ROWS_ARRAY)
		appendStringInfoChar(buf, '[');
	if (SPI_connect() != SPI_OK_CONNECT)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("dcpf.export_document could not connect to SPI")));
	/* SPI_OK_UTILITY: SPI says so of a query whose rows go elsewhere */
	if (SPI_execute_extended(query, &options) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("dcpf.export_document could not read an export source"),
				 errdetail("The query was: %s", query)));
	SPI_finish();
	MemoryContextDelete(r.row_cxt);
	MemoryContextDelete(r.query_cxt);
	if (mode == ROWS_FIRST && *r.count == 0)
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
 * The export (format dcpf-export/1) written into one buffer, in the order of
 * dcpf.export_sources() (rows by table, references, facts), each source's
 * rows as its query gives them. The buffer starts with room for the varlena
 * header; the document is copied out of it into a value of its own size
 * (see the head of this file for why). request and transfer_to may be NULL.
 */
static text *
build_document(Datum person, const Datum *request, const char *transfer_to)
{
	ExportSource *sources;
	StringInfoData buf;
	char		stamp[MAXDATELEN + 1];
	const char *section = "";
	uint64		count = 0;
	int			n;
	int			i;
	text	   *result;

	sources = export_sources(&n);
	initStringInfo(&buf);
	enlargeStringInfo(&buf, 1024 * 1024);
	appendBinaryStringInfo(&buf, "\0\0\0\0", VARHDRSZ);
	appendStringInfoString(&buf, "{\"format\":\"dcpf-export/1\",\"person\":");
	append_json_string(&buf, DatumGetCString(DirectFunctionCall1(uuid_out, person)));
	JsonEncodeDateTime(stamp, TimestampTzGetDatum(GetCurrentTransactionStartTimestamp()), TIMESTAMPTZOID, NULL);
	appendStringInfo(&buf, ",\"exported_at\":\"%s\",\"request\":", stamp);
	if (request == NULL)
		appendStringInfoString(&buf, "null");
	else
		append_json_string(&buf, DatumGetCString(DirectFunctionCall1(uuid_out, *request)));
	appendStringInfoString(&buf, ",\"transfer_to\":");
	if (transfer_to == NULL)
		appendStringInfoString(&buf, "null");
	else
		append_json_string(&buf, transfer_to);
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
			append_query_rows(&buf, src->query, person, ROWS_MORE, &count);
		else
		{
			if (!opened)
				appendStringInfoChar(&buf, ',');
			append_key(&buf, src->name);
			append_query_rows(&buf, src->query, person,
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
	result = (text *) palloc(buf.len);
	memcpy(result, buf.data, buf.len);
	SET_VARSIZE(result, buf.len);
	pfree(buf.data);
	return result;
}

/*
 * Run dcpf.export_authorise(person, request, transfer_to): it refuses
 * (raises) what may not be exported, and logs and records what may.
 */
static void
export_authorise(Datum person, const Datum *request, const char *transfer_to)
{
	Oid			argtypes[3] = {UUIDOID, UUIDOID, TEXTOID};
	Datum		args[3];
	char		nulls[3] = {' ', ' ', ' '};

	args[0] = person;
	args[1] = request != NULL ? *request : (Datum) 0;
	args[2] = transfer_to != NULL ? CStringGetTextDatum(transfer_to) : (Datum) 0;
	if (request == NULL)
		nulls[1] = 'n';
	if (transfer_to == NULL)
		nulls[2] = 'n';
	if (SPI_connect() != SPI_OK_CONNECT)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("dcpf.export_person could not connect to SPI")));
	if (SPI_execute_with_args("SELECT dcpf.export_authorise($1, $2, $3)",
							  3, argtypes, args, nulls, false, 0) != SPI_OK_SELECT)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("dcpf.export_person could not run dcpf.export_authorise")));
	SPI_finish();
}

/*
 * build_document after export_authorise, in a snapshot that sees what it
 * wrote (the export's own disclosure and log entry, as the art. 15 facts
 * must), the same snapshot for every source.
 */
static text *
build_authorised_document(Datum person, const Datum *request, const char *transfer_to)
{
	text	   *result;

	CommandCounterIncrement();
	PushCopiedSnapshot(GetTransactionSnapshot());
	UpdateActiveSnapshotCommandId();
	result = build_document(person, request, transfer_to);
	PopActiveSnapshot();
	return result;
}

static void
require_person(FunctionCallInfo fcinfo, const char *function)
{
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s needs a person", function)));
}

/*
 * dcpf.export_document(person uuid, request uuid, transfer_to text) returns
 * json: the document, unchecked. Owner only (dcpf.export_person and
 * dcpf.transfer_person check).
 */
PG_FUNCTION_INFO_V1(dcpf_export_document);
Datum
dcpf_export_document(PG_FUNCTION_ARGS)
{
	Datum		request = PG_ARGISNULL(1) ? (Datum) 0 : PG_GETARG_DATUM(1);

	require_person(fcinfo, "dcpf.export_document");
	PG_RETURN_TEXT_P(build_document(PG_GETARG_DATUM(0), PG_ARGISNULL(1) ? NULL : &request,
									PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2))));
}

/*
 * dcpf.export_person(person uuid, request uuid) returns json: authorised
 * (sql/240_export.sql, dcpf.export_authorise), then built here. In C rather
 * than a PL/pgSQL wrapper around dcpf.export_document, because PL/pgSQL
 * copies the value it returns: for a large portfolio, megabytes more.
 */
PG_FUNCTION_INFO_V1(dcpf_export_person);
Datum
dcpf_export_person(PG_FUNCTION_ARGS)
{
	Datum		request = PG_ARGISNULL(1) ? (Datum) 0 : PG_GETARG_DATUM(1);
	const Datum *req = PG_ARGISNULL(1) ? NULL : &request;

	export_authorise(PG_ARGISNULL(0) ? (Datum) 0 : PG_GETARG_DATUM(0), req, NULL);
	require_person(fcinfo, "dcpf.export_person");
	PG_RETURN_TEXT_P(build_authorised_document(PG_GETARG_DATUM(0), req, NULL));
}

/*
 * dcpf.transfer_person(person uuid, request uuid, receiving_controller text)
 * returns json: art. 20(2) AVG, the export for another controller, on the
 * person's portability request (dcpf.export_authorise checks which).
 */
PG_FUNCTION_INFO_V1(dcpf_transfer_person);
Datum
dcpf_transfer_person(PG_FUNCTION_ARGS)
{
	Datum		request;
	char	   *controller;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a transfer needs a portability request"),
				 errdetail("Art. 20(2) AVG: the person asks for the transfer.")));
	request = PG_GETARG_DATUM(1);
	controller = PG_ARGISNULL(2) ? pstrdup("") : text_to_cstring(PG_GETARG_TEXT_PP(2));
	export_authorise(PG_ARGISNULL(0) ? (Datum) 0 : PG_GETARG_DATUM(0), &request, controller);
	require_person(fcinfo, "dcpf.transfer_person");
	PG_RETURN_TEXT_P(build_authorised_document(PG_GETARG_DATUM(0), &request,
											   text_to_cstring(DatumGetTextPP(DirectFunctionCall1(btrim1, CStringGetTextDatum(controller))))));
}
