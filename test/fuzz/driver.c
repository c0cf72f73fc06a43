/*-------------------------------------------------------------------------
 * driver.c
 *    dcpf_fuzz_run(harness, argv): run one libFuzzer harness inside this
 *    backend; dcpf_fuzz_seed(harness, directory): write its seed inputs.
 *
 * Built by test/fuzz/Makefile with clang's -fsanitize=fuzzer-no-link,
 * address,undefined, together with dcpf's sources, into dcpf_fuzz.so; run
 * by tools/fuzz in a single-user backend whose process has the
 * AddressSanitizer runtime preloaded. Never installed: the module exists
 * only for fuzzing (see doc/guides/hardening.md).
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <fcntl.h>
#include <unistd.h>

#include "fmgr.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "fuzz.h"

PG_MODULE_MAGIC;

extern int	LLVMFuzzerRunDriver(int *argc, char ***argv,
								int (*callback) (const uint8_t *data, size_t size));

static const DcpfFuzzHarness *const harnesses[] = {
	&dcpf_fuzz_base64url,
	&dcpf_fuzz_jwks,
	&dcpf_fuzz_jws,
	&dcpf_fuzz_ciphertext,
	&dcpf_fuzz_key_material,
	&dcpf_fuzz_password,
	&dcpf_fuzz_validators,
	&dcpf_fuzz_numbers,
	&dcpf_fuzz_names,
	&dcpf_fuzz_relay,
};

static const DcpfFuzzHarness *current = NULL;
static MemoryContext input_cxt = NULL;

/*
 * A memory context that mallocs every chunk on its own, so that the
 * sanitizer knows each chunk's bounds. Chunks are kept in a list and freed
 * by a reset. The context pointer sits right before the chunk, as
 * GetMemoryChunkContext expects of every context type.
 */
typedef struct ChunkHeader
{
	struct ChunkHeader *prev;
	struct ChunkHeader *next;
	Size		size;
	MemoryContext context;		/* must be last */
} ChunkHeader;

typedef struct MallocContextData
{
	MemoryContextData header;
	ChunkHeader *chunks;
	Size		nchunks;
} MallocContextData;

StaticAssertDecl(sizeof(ChunkHeader) == MAXALIGN(sizeof(ChunkHeader)),
				 "a chunk header keeps the chunk MAXALIGNed");

#define CHUNK_HEADER(p) ((ChunkHeader *) ((char *) (p) - sizeof(ChunkHeader)))

static void *
mc_alloc(MemoryContext context, Size size)
{
	MallocContextData *mc = (MallocContextData *) context;
	ChunkHeader *h = malloc(sizeof(ChunkHeader) + size);

	if (h == NULL)
		return NULL;
	h->size = size;
	h->context = context;
	h->prev = NULL;
	h->next = mc->chunks;
	if (mc->chunks)
		mc->chunks->prev = h;
	mc->chunks = h;
	mc->nchunks++;
	context->mem_allocated += size;
	return (char *) h + sizeof(ChunkHeader);
}

static void
mc_free(MemoryContext context, void *pointer)
{
	MallocContextData *mc = (MallocContextData *) context;
	ChunkHeader *h = CHUNK_HEADER(pointer);

	if (h->prev)
		h->prev->next = h->next;
	else
		mc->chunks = h->next;
	if (h->next)
		h->next->prev = h->prev;
	mc->nchunks--;
	context->mem_allocated -= h->size;
	free(h);
}

/* always a new chunk, so that a pointer to the old one is caught */
static void *
mc_realloc(MemoryContext context, void *pointer, Size size)
{
	ChunkHeader *h = CHUNK_HEADER(pointer);
	void	   *result = mc_alloc(context, size);

	if (result == NULL)
		return NULL;
	memcpy(result, pointer, Min(size, h->size));
	mc_free(context, pointer);
	return result;
}

static void
mc_reset(MemoryContext context)
{
	MallocContextData *mc = (MallocContextData *) context;

	while (mc->chunks)
		mc_free(context, (char *) mc->chunks + sizeof(ChunkHeader));
}

static void
mc_delete(MemoryContext context)
{
	mc_reset(context);
	free(context);
}

static Size
mc_chunk_space(MemoryContext context, void *pointer)
{
	return CHUNK_HEADER(pointer)->size + sizeof(ChunkHeader);
}

static bool
mc_is_empty(MemoryContext context)
{
	return ((MallocContextData *) context)->chunks == NULL;
}

static void
mc_stats(MemoryContext context, MemoryStatsPrintFunc printfunc, void *passthru,
		 MemoryContextCounters *totals, bool print_to_stderr)
{
	MallocContextData *mc = (MallocContextData *) context;
	char		line[100];

	snprintf(line, sizeof(line), "%zu chunks, %zu bytes (one malloc each)",
			 mc->nchunks, context->mem_allocated);
	if (printfunc)
		printfunc(context, passthru, line, print_to_stderr);
	if (totals)
	{
		totals->nblocks += mc->nchunks;
		totals->totalspace += context->mem_allocated;
	}
}

static const MemoryContextMethods malloc_context_methods = {
	mc_alloc, mc_free, mc_realloc, mc_reset, mc_delete, mc_chunk_space, mc_is_empty, mc_stats
};

static MemoryContext
malloc_context_create(MemoryContext parent, const char *name)
{
	MallocContextData *mc = calloc(1, sizeof(MallocContextData));

	if (mc == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	/* a tag MemoryContextIsValid accepts; only the methods are ever used */
	MemoryContextCreate((MemoryContext) mc, T_GenerationContext, &malloc_context_methods,
						parent, name);
	return (MemoryContext) mc;
}

/* Report a broken property and abort: libFuzzer keeps the input. */
void
dcpf_fuzz_fail(const char *fmt,...)
{
	va_list		ap;

	fprintf(stderr, "dcpf fuzz harness %s: ", current ? current->name : "?");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
	abort();
}

text *
dcpf_fuzz_text(const uint8_t *data, size_t size)
{
	return cstring_to_text_with_len((const char *) data, (int) size);
}

char *
dcpf_fuzz_cstring(const uint8_t *data, size_t size)
{
	char	   *s = palloc(size + 1);

	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

bool
dcpf_fuzz_call(PGFunction fn, int sqlerrcode, Datum *result, int nargs, Datum arg1, Datum arg2)
{
	MemoryContext cxt = CurrentMemoryContext;
	volatile bool done = false;

	PG_TRY();
	{
		Datum		d = nargs == 1 ? DirectFunctionCall1(fn, arg1) : DirectFunctionCall2(fn, arg1, arg2);

		if (result)
			*result = d;
		done = true;
	}
	PG_CATCH();
	{
		ErrorData  *e;

		MemoryContextSwitchTo(cxt);
		e = CopyErrorData();
		if (e->sqlerrcode != sqlerrcode || e->detail == NULL)
			PG_RE_THROW();
		FlushErrorState();
	}
	PG_END_TRY();
	return done;
}

/* Whether the harness may raise this error: its SQLSTATE and, from dcpf, a detail. */
static bool
error_expected(const ErrorData *e, const char **why)
{
	const char *state = unpack_sql_state(e->sqlerrcode);
	const char *const *s;
	bool		listed = false;

	for (s = current->sqlstates; s && *s; s++)
		if (strncmp(state, *s, strlen(*s)) == 0)
			listed = true;
	if (!listed)
	{
		*why = "its SQLSTATE is not one the parser documents for bad input";
		return false;
	}
	if (e->message == NULL || e->message[0] == '\0')
	{
		*why = "it has no message";
		return false;
	}
	/* dcpf's own sources are compiled as src/NAME.c (also when a harness includes them) */
	if (e->filename && strstr(e->filename, "src/") != NULL && e->detail == NULL)
	{
		*why = "dcpf raised it without a DETAIL";
		return false;
	}
	return true;
}

static int
run_one(const uint8_t *data, size_t size)
{
	MemoryContext caller = MemoryContextSwitchTo(input_cxt);

	if (current->text_input &&
		(memchr(data, '\0', size) != NULL ||
		 !pg_verify_mbstr(GetDatabaseEncoding(), (const char *) data, (int) size, true)))
	{
		MemoryContextSwitchTo(caller);
		return 0;				/* not text the server would accept */
	}
	PG_TRY();
	{
		current->one(data, size);
	}
	PG_CATCH();
	{
		ErrorData  *e;
		const char *why = NULL;

		MemoryContextSwitchTo(input_cxt);
		e = CopyErrorData();
		FlushErrorState();
		if (!error_expected(e, &why))
			dcpf_fuzz_fail("unexpected error (%s): SQLSTATE %s at %s:%d: %s%s%s",
						   why, unpack_sql_state(e->sqlerrcode),
						   e->filename ? e->filename : "?", e->lineno,
						   e->message ? e->message : "(no message)",
						   e->detail ? " DETAIL: " : "", e->detail ? e->detail : "");
	}
	PG_END_TRY();
	MemoryContextSwitchTo(caller);
	MemoryContextReset(input_cxt);
	return 0;
}

static const DcpfFuzzHarness *
harness_by_name(text *name_text)
{
	char	   *name = text_to_cstring(name_text);
	StringInfoData known;
	int			i;

	initStringInfo(&known);
	for (i = 0; i < (int) lengthof(harnesses); i++)
	{
		if (strcmp(harnesses[i]->name, name) == 0)
			return harnesses[i];
		appendStringInfo(&known, "%s%s", i ? ", " : "", harnesses[i]->name);
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("no fuzz harness \"%s\"", name),
			 errdetail("The harnesses are %s.", known.data)));
	pg_unreachable();
}

static void
prepare(text *name)
{
	current = harness_by_name(name);
	if (input_cxt == NULL)
		input_cxt = malloc_context_create(TopMemoryContext, "dcpf fuzz input");
	if (current->init)
		current->init();
}

/*
 * dcpf_fuzz_run(harness text, argv text[]): libFuzzer's command line. For a
 * merge, libFuzzer runs argv[0] with its own arguments: tools/fuzz passes a
 * script that runs them in another single-user backend.
 */
PG_FUNCTION_INFO_V1(dcpf_fuzz_run);
Datum
dcpf_fuzz_run(PG_FUNCTION_ARGS)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			argc;
	char	  **argv;
	int			i;

	prepare(PG_GETARG_TEXT_PP(0));
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(1), TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	if (n < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("no command line for libFuzzer"),
				 errdetail("The first element is the program libFuzzer runs for a merge (argv[0]).")));
	argv = palloc0((n + 1) * sizeof(char *));
	for (i = 0; i < n; i++)
		argv[i] = nulls[i] ? "" : TextDatumGetCString(elems[i]);
	argc = n;
	/* libFuzzer exits the process when it is done; it returns only on bad flags */
	PG_RETURN_INT32(LLVMFuzzerRunDriver(&argc, &argv, run_one));
}

/* write one seed into the directory given to dcpf_fuzz_seed */
static const char *seed_dir = NULL;
static int	seed_count = 0;

static void
emit_seed(const void *data, size_t len)
{
	char	   *path = psprintf("%s/seed-%03d", seed_dir, ++seed_count);
	int			fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, data, len) != (ssize_t) len || close(fd) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not write seed \"%s\": %m", path),
				 errdetail("dcpf_fuzz_seed writes the harness's seed inputs into an existing directory.")));
}

/* dcpf_fuzz_seed(harness text, directory text): the number of seeds written. */
PG_FUNCTION_INFO_V1(dcpf_fuzz_seed);
Datum
dcpf_fuzz_seed(PG_FUNCTION_ARGS)
{
	prepare(PG_GETARG_TEXT_PP(0));
	seed_dir = text_to_cstring(PG_GETARG_TEXT_PP(1));
	seed_count = 0;
	if (current->seeds)
		current->seeds(emit_seed);
	PG_RETURN_INT32(seed_count);
}
