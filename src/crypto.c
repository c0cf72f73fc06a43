/*-------------------------------------------------------------------------
 * crypto.c
 *    Column encryption: AES-256-GCM under per-subject data keys (keys.c),
 *    bound to table, column, row and subject; blind indexes.
 *
 * A ciphertext (bytea) is
 *
 *     format (1 byte, 1) | algorithm (1 byte, 1 = AES-256-GCM) |
 *     data key id (16 bytes) | nonce (12 random bytes) | ciphertext | tag (16)
 *
 * and its associated data is the 30-byte header followed by the table label,
 * the column label (each preceded by its length), the row's uuid and the
 * subject's uuid. A ciphertext copied to another row, column, table or
 * subject, or altered in any byte, does not open: the tag fails and the
 * caller gets an error, never garbage.
 *
 * Decryption for SQL callers is refused unless the caller may see the
 * subject's rows of that table under row-level security (checked once per
 * transaction, table and subject, as the caller), or is a superuser or the
 * extension owner. The data key of a shredded subject is gone: decryption
 * says when the data was erased.
 *
 * A blind index is HMAC-SHA256 under the separate "blind" key of
 * "<table>.<column>" NUL value, truncated to 16 bytes: equal values give
 * equal indexes, and nothing else can be learnt without the key.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <openssl/crypto.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "access/htup_details.h"
#include "catalog/pg_type_d.h"
#include "commands/trigger.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "audit.h"
#include "dcpf.h"
#include "keys.h"

#define CT_FORMAT 1
#define CT_ALGORITHM_AES_256_GCM 1
#define CT_HEADER_LEN (2 + UUID_LEN + DCPF_NONCE_LEN)
#define CT_OVERHEAD (CT_HEADER_LEN + DCPF_TAG_LEN)
#define LABEL_MAX 63
#define AAD_MAX (CT_HEADER_LEN + 2 * (1 + LABEL_MAX) + 2 * UUID_LEN)

/* Refuse a table or column label that is not a lower-case SQL identifier. */
static void
check_label(const char *label, const char *what)
{
	size_t		len = strlen(label);
	size_t		i;

	for (i = 0; i < len; i++)
	{
		char		c = label[i];

		if (!((c >= 'a' && c <= 'z') || c == '_' || (i > 0 && c >= '0' && c <= '9')))
			break;
	}
	if (len == 0 || len > LABEL_MAX || i < len)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid %s label \"%s\"", what, label),
				 errdetail("A label is a lower-case identifier of 1 to %d characters, such as person_phone.",
						   LABEL_MAX)));
}

/* Build the associated data; returns its length. */
static int
build_aad(unsigned char *aad, const unsigned char *header, const char *table, const char *column,
		  const pg_uuid_t *row, const pg_uuid_t *subject)
{
	int			n = 0;
	int			tl = strlen(table);
	int			cl = strlen(column);

	memcpy(aad, header, CT_HEADER_LEN);
	n = CT_HEADER_LEN;
	aad[n++] = (unsigned char) tl;
	memcpy(aad + n, table, tl);
	n += tl;
	aad[n++] = (unsigned char) cl;
	memcpy(aad + n, column, cl);
	n += cl;
	memcpy(aad + n, row->data, UUID_LEN);
	n += UUID_LEN;
	memcpy(aad + n, subject->data, UUID_LEN);
	n += UUID_LEN;
	return n;
}

/* Refuse unless the caller may see the subject's rows of the table. */
static void check_read_permission(DcpfDataKey *key, const char *table, const pg_uuid_t *row);

/* Encrypt a value for a subject, bound to table, column and row (see keys.h). */
bytea *
dcpf_seal(const char *table, const char *column, const pg_uuid_t *row, const pg_uuid_t *subject,
		  const unsigned char *plain, int len, bool check_entitlement)
{
	DcpfDataKey *key;
	EVP_CIPHER_CTX *ctx;
	bytea	   *result;
	unsigned char *p;
	unsigned char aad[AAD_MAX];
	int			aad_len;
	int			outl;
	bool		ok;

	check_label(table, "table");
	check_label(column, "column");
	if ((Size) len > MaxAllocSize - VARHDRSZ - CT_OVERHEAD)
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED), errmsg("value too large to encrypt")));
	key = dcpf_data_key_for_subject(subject);
	if (dcpf_data_key_is_erased(key))
	{
		/* whoever may not see the subject learns nothing about an erasure */
		if (check_entitlement)
			check_read_permission(key, table, row);
		dcpf_data_key_erased_error(subject, dcpf_data_key_shredded_at(key));
	}
	result = palloc(VARHDRSZ + CT_OVERHEAD + len);
	SET_VARSIZE(result, VARHDRSZ + CT_OVERHEAD + len);
	p = (unsigned char *) VARDATA(result);
	p[0] = CT_FORMAT;
	p[1] = CT_ALGORITHM_AES_256_GCM;
	memcpy(p + 2, dcpf_data_key_id(key)->data, UUID_LEN);
	dcpf_random(p + 2 + UUID_LEN, DCPF_NONCE_LEN);
	aad_len = build_aad(aad, p, table, column, row, subject);

	ctx = dcpf_data_key_cipher(key, true);
	ok = EVP_CipherInit_ex2(ctx, NULL, NULL, p + 2 + UUID_LEN, 1, NULL) == 1 &&
		EVP_CipherUpdate(ctx, NULL, &outl, aad, aad_len) == 1 &&
		(len == 0 || EVP_CipherUpdate(ctx, p + CT_HEADER_LEN, &outl, plain, len) == 1) &&
		EVP_CipherFinal_ex(ctx, p + CT_HEADER_LEN + len, &outl) == 1 &&
		EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, DCPF_TAG_LEN, p + CT_HEADER_LEN + len) == 1;
	if (!ok)
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("AES-256-GCM encryption failed")));
	return result;
}

/* Refuse a ciphertext that does not authenticate. */
static void pg_attribute_noreturn()
does_not_authenticate(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("ciphertext does not authenticate"),
			 errdetail("It was altered, or it belongs to another table, column, row or subject.")));
	pg_unreachable();
}

/* Parse and check a ciphertext's header; returns the data key id. */
static const unsigned char *
check_header(const unsigned char *sealed, int sealed_len)
{
	if (sealed_len < CT_OVERHEAD)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("not a dcpf ciphertext"),
				 errdetail("It is %d bytes long; a ciphertext has at least %d.", sealed_len, CT_OVERHEAD)));
	if (sealed[0] != CT_FORMAT)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("unknown ciphertext format version %d", sealed[0]),
				 errdetail("This version of dcpf reads format version %d.", CT_FORMAT)));
	if (sealed[1] != CT_ALGORITHM_AES_256_GCM)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("unknown ciphertext algorithm %d", sealed[1]),
				 errdetail("Algorithm 1 (AES-256-GCM) is the only one.")));
	return sealed + 2;
}


/*
 * Decrypt with a known key into out (sealed_len - CT_OVERHEAD bytes); false
 * when the tag does not verify. The tag goes in with the nonce, as an
 * initialisation parameter: one call less through OpenSSL's parameter code.
 */
static bool
open_with_key(DcpfDataKey *key, const unsigned char *sealed, int sealed_len, const char *table,
			  const char *column, const pg_uuid_t *row, const pg_uuid_t *subject, unsigned char *out)
{
	EVP_CIPHER_CTX *ctx;
	unsigned char aad[AAD_MAX];
	unsigned char tag[DCPF_TAG_LEN];
	OSSL_PARAM	params[2];
	int			aad_len;
	int			n = sealed_len - CT_OVERHEAD;
	int			outl;
	bool		ok;

	if (memcmp(dcpf_data_key_subject(key)->data, subject->data, UUID_LEN) != 0)
		return false;
	aad_len = build_aad(aad, sealed, table, column, row, subject);
	memcpy(tag, sealed + CT_HEADER_LEN + n, DCPF_TAG_LEN);
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, DCPF_TAG_LEN);
	params[1] = OSSL_PARAM_construct_end();
	ctx = dcpf_data_key_cipher(key, false);
	ok = EVP_CipherInit_ex2(ctx, NULL, NULL, sealed + 2 + UUID_LEN, 0, params) == 1 &&
		EVP_CipherUpdate(ctx, NULL, &outl, aad, aad_len) == 1 &&
		(n == 0 || EVP_CipherUpdate(ctx, out, &outl, sealed + CT_HEADER_LEN, n) == 1) &&
		EVP_CipherFinal_ex(ctx, out + n, &outl) == 1;
	if (!ok)
		OPENSSL_cleanse(out, n);
	return ok;
}

/* Open a ciphertext (see keys.h). The result is palloc'd, NUL-terminated. */
unsigned char *
dcpf_open(const unsigned char *sealed, int sealed_len, const char *table, const char *column,
		  const pg_uuid_t *row, const pg_uuid_t *subject, bool check_entitlement, int *len)
{
	pg_uuid_t	key_id;
	DcpfDataKey *key;
	unsigned char *out;

	check_label(table, "table");
	check_label(column, "column");
	memcpy(key_id.data, check_header(sealed, sealed_len), UUID_LEN);
	key = dcpf_data_key_by_id(&key_id);
	if (memcmp(dcpf_data_key_subject(key)->data, subject->data, UUID_LEN) != 0)
		does_not_authenticate();
	if (check_entitlement)
		check_read_permission(key, table, row);
	out = palloc(sealed_len - CT_OVERHEAD + 1);
	if (!open_with_key(key, sealed, sealed_len, table, column, row, subject, out))
	{
		pfree(out);
		does_not_authenticate();
	}
	out[sealed_len - CT_OVERHEAD] = '\0';
	*len = sealed_len - CT_OVERHEAD;
	return out;
}

/*
 * Who may decrypt what: the caller must see a row of the table about the
 * subject under row-level security. One statement per table label, run as
 * the caller; its answer is cached with the data key for the transaction.
 */
static DcpfSavedQuery rule_person = {
	"SELECT EXISTS (SELECT FROM dcpf.person t WHERE t.id OPERATOR(pg_catalog.=) $1)", 1, {UUIDOID}
};
static DcpfSavedQuery rule_person_phone = {
	"SELECT EXISTS (SELECT FROM dcpf.person_phone t WHERE t.person_id OPERATOR(pg_catalog.=) $1)", 1, {UUIDOID}
};
static DcpfSavedQuery rule_person_address = {
	"SELECT EXISTS (SELECT FROM dcpf.person_address t WHERE t.person_id OPERATOR(pg_catalog.=) $1)", 1, {UUIDOID}
};
static DcpfSavedQuery rule_billing_profile = {
	"SELECT EXISTS (SELECT FROM dcpf.billing_profile t WHERE t.licensee_id OPERATOR(pg_catalog.=) $1)", 1, {UUIDOID}
};
/*
 * A portfolio item's body: its owner alone. Others read shared items through
 * functions that check the share, run as the extension's owner and log the
 * read themselves.
 */
static DcpfSavedQuery rule_portfolio_item = {
	"SELECT $1 OPERATOR(pg_catalog.=) dcpf.current_person()", 1, {UUIDOID}
};

static struct
{
	const char *table;
	DcpfSavedQuery *rule;
}			read_rules[] =
{
	{"person", &rule_person},
	{"person_phone", &rule_person_phone},
	{"person_address", &rule_person_address},
	{"billing_profile", &rule_billing_profile},
	{"portfolio_item", &rule_portfolio_item},
	/* words others wrote about the professional's work: the professional's data */
	{"assessment", &rule_portfolio_item},
	{"feedback_request", &rule_portfolio_item},
	{"conversation", &rule_portfolio_item},
	{"msf_response", &rule_portfolio_item},
	{"item_comment", &rule_portfolio_item},
	{"portfolio_attachment", &rule_portfolio_item},
	{"item_addendum", &rule_portfolio_item},
};

static void
check_read_permission(DcpfDataKey *key, const char *table, const pg_uuid_t *row)
{
	int			allowed = dcpf_data_key_permission(key, table);

	if (allowed < 0)
	{
		DcpfSavedQuery *rule = NULL;
		Datum		args[1];
		Datum		out[1];
		bool		isnull[1];
		int			i;

		for (i = 0; i < lengthof(read_rules); i++)
			if (strcmp(read_rules[i].table, table) == 0)
				rule = read_rules[i].rule;
		args[0] = UUIDPGetDatum(dcpf_data_key_subject(key));
		allowed = rule != NULL && dcpf_saved_query(rule, false, args, NULL, true, 1, out, isnull) &&
			!isnull[0] && DatumGetBool(out[0]);
		dcpf_data_key_set_permission(key, table, allowed);
	}
	if (!allowed)
	{
		/* a refused read is an event too, kept when this error rolls back */
		dcpf_audit_read(table, DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum(row))),
						dcpf_data_key_subject(key), true, NULL);
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to decrypt %s data of this subject", table),
				 errdetail("The current identity may not see the subject's rows of dcpf.%s.", table)));
	}
}

/*
 * Per call site of a decrypt function: the caller's trust, the labels last
 * seen, and the data key last used with its entitlement already checked
 * (valid while the transaction's key cache has not been reset, see
 * dcpf_keys_epoch). Consecutive values of one subject cost no lookup.
 */
typedef struct DecryptCache
{
	Oid			userid;
	bool		trusted;
	int			table_len;
	int			column_len;
	char		table[LABEL_MAX + 1];
	char		column[LABEL_MAX + 1];
	uint64		epoch;
	pg_uuid_t	key_id;
	DcpfDataKey *key;
	LocalTransactionId read_lxid;	/* the read of read_row was logged in this transaction … */
	uint64		read_epoch;		/* … by this identity (dcpf_keys_epoch) */
	pg_uuid_t	read_row;
} DecryptCache;

/* Take a label argument, checking it only when it differs from the last one. */
static bool
cache_label(text *arg, char *label, int *label_len, const char *what)
{
	int			len = VARSIZE_ANY_EXHDR(arg);

	if (len == *label_len && memcmp(VARDATA_ANY(arg), label, len) == 0)
		return false;
	{
		char	   *s = text_to_cstring(arg);

		check_label(s, what);
		memcpy(label, s, len + 1);
		*label_len = len;
		pfree(s);
	}
	return true;
}

/*
 * Shared by the decrypt functions: check the call, find the data key and
 * the caller's entitlement, and decrypt into a new varlena (text or bytea);
 * NULL for an erased subject when the caller asked for that.
 */
static struct varlena *
open_for_caller(FunctionCallInfo fcinfo, int *len)
{
	bytea	   *sealed_arg = PG_GETARG_BYTEA_PP(0);
	const unsigned char *sealed = (unsigned char *) VARDATA_ANY(sealed_arg);
	int			sealed_len = VARSIZE_ANY_EXHDR(sealed_arg);
	pg_uuid_t  *row = PG_GETARG_UUID_P(3);
	pg_uuid_t  *subject = PG_GETARG_UUID_P(4);
	DecryptCache *cache = (DecryptCache *) fcinfo->flinfo->fn_extra;
	Oid			userid = GetUserId();
	pg_uuid_t	key_id;
	DcpfDataKey *key;
	struct varlena *result;

	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(DecryptCache));
		cache->table_len = cache->column_len = -1;
		fcinfo->flinfo->fn_extra = cache;
	}
	if (cache->userid != userid)
	{
		cache->trusted = dcpf_keys_caller_is_trusted();
		cache->userid = userid;
		cache->key = NULL;
	}
	if (cache_label(PG_GETARG_TEXT_PP(1), cache->table, &cache->table_len, "table"))
	{
		cache->key = NULL;		/* the entitlement is per table */
		cache->read_lxid = InvalidLocalTransactionId;
	}
	cache_label(PG_GETARG_TEXT_PP(2), cache->column, &cache->column_len, "column");

	memcpy(key_id.data, check_header(sealed, sealed_len), UUID_LEN);
	if (cache->key != NULL && cache->epoch == dcpf_keys_epoch() &&
		memcmp(cache->key_id.data, key_id.data, UUID_LEN) == 0)
		key = cache->key;
	else
	{
		/* who may see the subject's rows is decided before anything is said about the key */
		key = dcpf_data_key_lookup(&key_id);
		if (!cache->trusted)
			check_read_permission(key, cache->table, row);
		if (memcmp(dcpf_data_key_subject(key)->data, subject->data, UUID_LEN) != 0)
			does_not_authenticate();
		cache->key = key;
		cache->key_id = key_id;
		cache->epoch = dcpf_keys_epoch();
	}
	/* every value read of another person is logged (once per row and transaction) */
	if (cache->read_lxid != MyProc->lxid || cache->read_epoch != dcpf_keys_epoch() ||
		memcmp(cache->read_row.data, row->data, UUID_LEN) != 0)
	{
		dcpf_audit_read(cache->table, DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum(row))),
						subject, false, NULL);
		cache->read_lxid = MyProc->lxid;
		cache->read_epoch = dcpf_keys_epoch();
		cache->read_row = *row;
	}
	if (dcpf_data_key_is_erased(key))
	{
		if (PG_NARGS() > 5 && PG_GETARG_BOOL(5))
			return NULL;
		dcpf_data_key_erased_error(dcpf_data_key_subject(key), dcpf_data_key_shredded_at(key));
	}
	*len = sealed_len - CT_OVERHEAD;
	result = palloc(VARHDRSZ + *len + 1);
	SET_VARSIZE(result, VARHDRSZ + *len);
	if (!open_with_key(key, sealed, sealed_len, cache->table, cache->column, row, subject,
					   (unsigned char *) VARDATA(result)))
		does_not_authenticate();
	return result;
}

/* dcpf.encrypt(value text|bytea, table, column, row, subject) */
PG_FUNCTION_INFO_V1(dcpf_encrypt);
Datum
dcpf_encrypt(PG_FUNCTION_ARGS)
{
	bytea	   *value = PG_GETARG_BYTEA_PP(0);
	char	   *table = text_to_cstring(PG_GETARG_TEXT_PP(1));
	char	   *column = text_to_cstring(PG_GETARG_TEXT_PP(2));

	/* without an identity the application learns nothing, not even whether a subject has a key */
	if (!dcpf_identity_present() && !dcpf_keys_caller_is_trusted())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to encrypt"),
				 errdetail("Encrypting needs a verified identity."),
				 errhint("Authenticate first (dcpf.authenticate or dcpf.act_as).")));
	PG_RETURN_BYTEA_P(dcpf_seal(table, column, PG_GETARG_UUID_P(3), PG_GETARG_UUID_P(4),
								(unsigned char *) VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value),
								!dcpf_keys_caller_is_trusted()));
}

/* dcpf.decrypt_text(ciphertext, table, column, row, subject [, null_if_erased]) */
PG_FUNCTION_INFO_V1(dcpf_decrypt_text);
Datum
dcpf_decrypt_text(PG_FUNCTION_ARGS)
{
	int			len;
	text	   *result = (text *) open_for_caller(fcinfo, &len);

	if (result == NULL)
		PG_RETURN_NULL();		/* erased, and the caller asked for NULL */
	if (!pg_verify_mbstr(GetDatabaseEncoding(), VARDATA(result), len, true))
	{
		OPENSSL_cleanse(VARDATA(result), len);
		ereport(ERROR,
				(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
				 errmsg("decrypted value is not text in the database encoding"),
				 errhint("It was encrypted as bytes: use dcpf.decrypt.")));
	}
	PG_RETURN_TEXT_P(result);
}

/* dcpf.decrypt(ciphertext, table, column, row, subject [, null_if_erased]) returns bytea */
PG_FUNCTION_INFO_V1(dcpf_decrypt_bytea);
Datum
dcpf_decrypt_bytea(PG_FUNCTION_ARGS)
{
	int			len;
	bytea	   *result = (bytea *) open_for_caller(fcinfo, &len);

	if (result == NULL)
		PG_RETURN_NULL();		/* erased, and the caller asked for NULL */
	PG_RETURN_BYTEA_P(result);
}

/* dcpf.ciphertext_info(ciphertext): the header, for diagnostics; never decrypts. */
PG_FUNCTION_INFO_V1(dcpf_ciphertext_info);
Datum
dcpf_ciphertext_info(PG_FUNCTION_ARGS)
{
	bytea	   *sealed = PG_GETARG_BYTEA_PP(0);
	const unsigned char *p = (unsigned char *) VARDATA_ANY(sealed);
	int			len = VARSIZE_ANY_EXHDR(sealed);
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};
	pg_uuid_t  *key_id = palloc(sizeof(pg_uuid_t));

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	memcpy(key_id->data, check_header(p, len), UUID_LEN);
	values[0] = Int32GetDatum(p[0]);
	values[1] = CStringGetTextDatum("AES-256-GCM");
	values[2] = UUIDPGetDatum(key_id);
	values[3] = Int32GetDatum(len - CT_OVERHEAD);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}

/* The blind index of a value: HMAC-SHA256("<table>.<column>" NUL value), 16 bytes. */
static bytea *
blind_index(const char *purpose, const unsigned char *value, int len, bool for_writing)
{
	unsigned char key[DCPF_KEY_LEN];
	unsigned char mac[EVP_MAX_MD_SIZE];
	size_t		maclen = 0;
	int			plen = strlen(purpose);
	unsigned char *msg = palloc(plen + 1 + len);
	bytea	   *result;
	bool		ok;

	memcpy(msg, purpose, plen + 1);
	memcpy(msg + plen + 1, value, len);
	dcpf_blind_key(key, for_writing);
	ok = EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, DCPF_KEY_LEN, msg, plen + 1 + len,
				   mac, sizeof(mac), &maclen) != NULL && maclen >= DCPF_BLIND_INDEX_LEN;
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(msg, plen + 1 + len);
	pfree(msg);
	if (!ok)
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not compute a blind index")));
	result = palloc(VARHDRSZ + DCPF_BLIND_INDEX_LEN);
	SET_VARSIZE(result, VARHDRSZ + DCPF_BLIND_INDEX_LEN);
	memcpy(VARDATA(result), mac, DCPF_BLIND_INDEX_LEN);
	OPENSSL_cleanse(mac, sizeof(mac));
	return result;
}

/* The attribute number of a trigger argument's column, of the expected type. */
static int
trigger_column(Relation rel, const char *name, Oid type)
{
	int			attnum = SPI_fnumber(RelationGetDescr(rel), name);

	if (attnum <= 0 || TupleDescAttr(RelationGetDescr(rel), attnum - 1)->atttypid != type)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dcpf.sealed_column: table \"%s\" has no column \"%s\" of type %s",
						RelationGetRelationName(rel), name, format_type_be(type))));
	return attnum;
}

/* What a sealed_column trigger resolves once per statement (in fn_extra). */
typedef struct SealedColumnPlan
{
	Oid			trigger;
	int			ct_att;
	int			row_att;
	int			subject_att;
	int			blind_att;
	Oid			typinput;
	Oid			typioparam;
	Oid			typoutput;
} SealedColumnPlan;

/*
 * The plaintext types of the sealed_column triggers, by name, kept for the
 * backend's life: parsing and looking up the name (to_regtype) cost ~2.5%
 * of a one-row INSERT's time when done for every statement. Emptied when
 * any type or schema changes.
 */
#define TYPE_CACHE_SLOTS 16
typedef struct PlaintextType
{
	char	   *name;
	Oid			typinput;
	Oid			typioparam;
	Oid			typoutput;
} PlaintextType;

static PlaintextType type_cache[TYPE_CACHE_SLOTS];
static int	type_cache_used = 0;
static bool type_cache_callbacks = false;

static void
type_cache_reset(Datum arg, int cacheid, uint32 hashvalue)
{
	int			i;

	for (i = 0; i < type_cache_used; i++)
		pfree(type_cache[i].name);
	type_cache_used = 0;
}

static void
plaintext_type_lookup(const char *type_name, SealedColumnPlan *plan)
{
	PlaintextType *t = NULL;
	Oid			type;
	bool		typisvarlena;
	int			i;

	for (i = 0; i < type_cache_used; i++)
		if (strcmp(type_cache[i].name, type_name) == 0)
			t = &type_cache[i];
	if (t == NULL)
	{
		PlaintextType found;

		if (!type_cache_callbacks)
		{
			CacheRegisterSyscacheCallback(TYPEOID, type_cache_reset, (Datum) 0);
			CacheRegisterSyscacheCallback(TYPENAMENSP, type_cache_reset, (Datum) 0);
			CacheRegisterSyscacheCallback(NAMESPACEOID, type_cache_reset, (Datum) 0);
			type_cache_callbacks = true;
		}
		type = DatumGetObjectId(DirectFunctionCall1(to_regtype, CStringGetTextDatum(type_name)));
		if (!OidIsValid(type))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("dcpf.sealed_column: type \"%s\" does not exist", type_name)));
		getTypeInputInfo(type, &found.typinput, &found.typioparam);
		getTypeOutputInfo(type, &found.typoutput, &typisvarlena);
		if (type_cache_used == TYPE_CACHE_SLOTS)
			type_cache_reset((Datum) 0, 0, 0);
		t = &type_cache[type_cache_used];
		*t = found;
		t->name = MemoryContextStrdup(TopMemoryContext, type_name);
		type_cache_used++;
	}
	plan->typinput = t->typinput;
	plan->typioparam = t->typioparam;
	plan->typoutput = t->typoutput;
}

/* Resolve the trigger's columns and the plaintext type. */
static SealedColumnPlan *
sealed_column_plan(FunctionCallInfo fcinfo, Trigger *trigger, Relation rel)
{
	SealedColumnPlan *plan = (SealedColumnPlan *) fcinfo->flinfo->fn_extra;
	const char *type_name = trigger->tgargs[5];

	if (plan != NULL && plan->trigger == trigger->tgoid)
		return plan;
	plan = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(SealedColumnPlan));
	plan->ct_att = trigger_column(rel, trigger->tgargs[1], BYTEAOID);
	plan->row_att = trigger_column(rel, trigger->tgargs[2], UUIDOID);
	plan->subject_att = trigger_column(rel, trigger->tgargs[3], UUIDOID);
	if (trigger->tgargs[4][0] != '\0')
		plan->blind_att = trigger_column(rel, trigger->tgargs[4], BYTEAOID);
	/* schema-qualified only: the caller's search_path (pg_temp first) must not choose it */
	if (strchr(type_name, '.') == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dcpf.sealed_column: type \"%s\" must be schema-qualified", type_name)));
	plaintext_type_lookup(type_name, plan);
	plan->trigger = trigger->tgoid;
	fcinfo->flinfo->fn_extra = plan;
	return plan;
}

/*
 * Check a decrypted value against the column's type: it must be valid input
 * and already in the form the type prints (so that one value has one blind
 * index, and nothing the entry functions would refuse gets in by writing a
 * ciphertext directly).
 */
static void
check_plaintext_type(const SealedColumnPlan *plan, const char *type_name, const unsigned char *plain, int len,
					 const char *table, const char *label)
{
	char	   *value;
	char	   *canonical;

	if (memchr(plain, '\0', len) != NULL ||
		!pg_verify_mbstr(GetDatabaseEncoding(), (const char *) plain, len, true))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("the encrypted %s of %s is not text", label, table)));
	value = pnstrdup((const char *) plain, len);
	canonical = OidOutputFunctionCall(plan->typoutput,
									  OidInputFunctionCall(plan->typinput, value, plan->typioparam, -1));
	if (strcmp(canonical, value) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the encrypted %s of %s is not in canonical form", label, table),
				 errdetail("Values are stored as %s prints them.", type_name),
				 errhint("Write it through dcpf's entry functions, which normalise it.")));
	OPENSSL_cleanse(value, len);
	OPENSSL_cleanse(canonical, strlen(canonical));
}

/*
 * dcpf.sealed_column(): BEFORE INSERT OR UPDATE row trigger with arguments
 * (column_label, ciphertext_column, row_column, subject_column,
 * blind_index_column or '', type). For a written ciphertext it checks that
 * it opens for this table, column, row and subject (nothing copied from
 * elsewhere or forged is stored), that the plaintext is a value of the type
 * in canonical form, and computes the blind index from it (the writer
 * cannot choose it). Inserts by the extension owner or a superuser are
 * trusted (see below).
 */
PG_FUNCTION_INFO_V1(dcpf_sealed_column);
Datum
dcpf_sealed_column(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Trigger    *trigger;
	Relation	rel;
	TupleDesc	desc;
	HeapTuple	newtup;
	int			ct_att, row_att, subject_att, blind_att = 0;
	Datum		ct;
	bool		ct_null, row_null, subject_null, blind_null = true;
	Datum		row, subject;
	const char *table;
	int			len;
	unsigned char *plain;
	bool		trusted;
	SealedColumnPlan *plan;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) || TRIGGER_FIRED_BY_DELETE(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("dcpf.sealed_column must be a BEFORE INSERT OR UPDATE row trigger")));
	trigger = trigdata->tg_trigger;
	if (trigger->tgnargs != 6)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("dcpf.sealed_column takes 6 arguments"),
				 errdetail("column label, ciphertext column, row column, subject column, "
						   "blind index column or '', type of the plaintext")));
	rel = trigdata->tg_relation;
	desc = RelationGetDescr(rel);
	newtup = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ? trigdata->tg_newtuple : trigdata->tg_trigtuple;
	plan = sealed_column_plan(fcinfo, trigger, rel);
	ct_att = plan->ct_att;
	row_att = plan->row_att;
	subject_att = plan->subject_att;
	blind_att = plan->blind_att;

	ct = heap_getattr(newtup, ct_att, desc, &ct_null);
	row = heap_getattr(newtup, row_att, desc, &row_null);
	subject = heap_getattr(newtup, subject_att, desc, &subject_null);
	if (blind_att)
		(void) heap_getattr(newtup, blind_att, desc, &blind_null);
	trusted = dcpf_keys_caller_is_trusted();

	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
	{
		HeapTuple	old = trigdata->tg_trigtuple;
		int			atts[4] = {ct_att, row_att, subject_att, blind_att};
		bool		same[4] = {true, true, true, true};
		int			i;

		for (i = 0; i < 4; i++)
		{
			bool		n1, n2;
			Datum		d1, d2;
			Form_pg_attribute att;

			if (atts[i] == 0)
				continue;
			att = TupleDescAttr(desc, atts[i] - 1);
			d1 = heap_getattr(old, atts[i], desc, &n1);
			d2 = heap_getattr(newtup, atts[i], desc, &n2);
			same[i] = (n1 == n2) && (n1 || datumIsEqual(d1, d2, att->attbyval, att->attlen));
		}
		if (same[0] && same[1] && same[2] && (same[3] || (trusted && blind_null)))
			return PointerGetDatum(newtup);	/* unchanged, or the owner clearing a blind index */
	}
	/*
	 * Rows the extension owner or a superuser inserts are trusted: pg_restore
	 * loads them before or after the data keys they need, with the blind
	 * index the dump holds (none for an erased person). A missing blind index
	 * is computed when the key is there. Updates are always checked (an
	 * updated ciphertext would keep the old blind index).
	 */
	else if (trusted && !ct_null)
	{
		bytea	   *b = DatumGetByteaPP(ct);
		pg_uuid_t	key_id;

		/* the format is checked all the same: it needs no key */
		memcpy(key_id.data, check_header((unsigned char *) VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b)), UUID_LEN);
		if (!blind_att || !blind_null)
			return PointerGetDatum(newtup);
		if (!dcpf_data_key_usable(&key_id))
			return PointerGetDatum(newtup);
	}

	if (ct_null)
	{
		if (blind_att && !blind_null)
		{
			bool		isnull = true;
			Datum		v = (Datum) 0;

			newtup = heap_modify_tuple_by_cols(newtup, desc, 1, &blind_att, &v, &isnull);
		}
		return PointerGetDatum(newtup);
	}
	if (row_null || subject_null)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("an encrypted value needs its row and subject"),
				 errdetail("Column \"%s\" or \"%s\" of \"%s\" is null.", trigger->tgargs[2],
						   trigger->tgargs[3], RelationGetRelationName(rel))));

	table = dcpf_table_name(rel);
	{
		bytea	   *b = DatumGetByteaPP(ct);

		plain = dcpf_open((unsigned char *) VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b), table, trigger->tgargs[0],
						  DatumGetUUIDP(row), DatumGetUUIDP(subject), false, &len);
	}
	check_plaintext_type(plan, trigger->tgargs[5], plain, len, table, trigger->tgargs[0]);
	if (blind_att)
	{
		char	   *purpose = psprintf("%s.%s", table, trigger->tgargs[0]);
		bool		isnull = false;
		Datum		v = PointerGetDatum(blind_index(purpose, plain, len, true));

		newtup = heap_modify_tuple_by_cols(newtup, desc, 1, &blind_att, &v, &isnull);
	}
	OPENSSL_cleanse(plain, len);
	pfree(plain);
	return PointerGetDatum(newtup);
}

static DcpfSavedQuery q_person_by_big = {
	"SELECT p.id FROM dcpf.person p WHERE p.big_number_hmac OPERATOR(pg_catalog.=) $1", 1, {BYTEAOID}
};

/*
 * dcpf.person_by_big_number(big): the id of the person with this BIG number
 * among those the caller may see (row-level security applies), or NULL. The
 * blind index is computed here and never shown.
 */
PG_FUNCTION_INFO_V1(dcpf_person_by_big_number);
Datum
dcpf_person_by_big_number(PG_FUNCTION_ARGS)
{
	text	   *big = PG_GETARG_TEXT_PP(0);
	Datum		args[1];
	Datum		out[1];
	bool		isnull[1];

	args[0] = PointerGetDatum(blind_index("person.big_number", (unsigned char *) VARDATA_ANY(big),
										  VARSIZE_ANY_EXHDR(big), false));
	if (!dcpf_saved_query(&q_person_by_big, false, args, NULL, true, 1, out, isnull) || isnull[0])
		PG_RETURN_NULL();
	/* finding someone by their BIG number is a read of their person row */
	dcpf_audit_read("person", DatumGetCString(DirectFunctionCall1(uuid_out, out[0])),
					DatumGetUUIDP(out[0]), false, "{\"by\": \"big_number\"}");
	PG_RETURN_DATUM(out[0]);
}
