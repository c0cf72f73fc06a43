/*-------------------------------------------------------------------------
 * audit.h
 *    The audit trail: events (audit.c), the rollback-proof event queue and
 *    its background worker (auditq.c).
 *
 * An event is a fixed-size record so that it can travel through shared
 * memory unchanged. audit.c fills the actor's side from the verified
 * identity and the session; the caller fills action, outcome and object.
 * Events reach dcpf.audit_event in one of two ways:
 *   - dcpf_audit_write: in the current transaction (writes: they exist only
 *     if the change committed);
 *   - dcpf_audit_enqueue: through shared memory, written by a background
 *     worker in its own transaction (reads, refused logins: they stay logged
 *     when the transaction that caused them rolls back or errors).
 *-------------------------------------------------------------------------
 */
#ifndef DCPF_AUDIT_H
#define DCPF_AUDIT_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "utils/guc.h"
#include "utils/uuid.h"

#define DCPF_AUDIT_WORD_MAX 24		/* action, outcome, actor method */
#define DCPF_AUDIT_LABEL_MAX 64		/* application role, purpose, address, names */
#define DCPF_AUDIT_KEY_MAX 128		/* object key */
#define DCPF_AUDIT_REF_MAX 200		/* reference to a request or reason */
#define DCPF_AUDIT_DETAIL_MAX 256	/* a small JSON object of facts, or empty */

typedef struct DcpfAuditEvent
{
	Oid			database;		/* where the event belongs (set by init) */
	Oid			schema;			/* the schema dcpf of the extension that queued it (set by the queue) */
	TimestampTz occurred_at;
	char		action[DCPF_AUDIT_WORD_MAX];
	char		outcome[DCPF_AUDIT_WORD_MAX];
	/* who: the verified identity, the database roles, the client */
	bool		has_actor;
	pg_uuid_t	actor_person;
	char		actor_method[DCPF_AUDIT_WORD_MAX];
	bool		has_on_behalf_of;
	pg_uuid_t	on_behalf_of;
	char		application_role[DCPF_AUDIT_LABEL_MAX];
	bool		has_licensee;
	pg_uuid_t	licensee;
	char		purpose[DCPF_AUDIT_LABEL_MAX];
	char		database_role[NAMEDATALEN];
	char		effective_role[NAMEDATALEN];
	char		client_address[DCPF_AUDIT_LABEL_MAX];	/* empty: none (local) */
	char		application_name[NAMEDATALEN];
	/* what, and whose */
	char		object_table[NAMEDATALEN];
	char		object_key[DCPF_AUDIT_KEY_MAX];
	/* a grouped event's rows (a bulk statement's, of one person): their keys, instead of object_key */
	int			nobject_keys;
	const pg_uuid_t *object_keys;
	bool		has_subject;
	pg_uuid_t	subject;
	char		reference[DCPF_AUDIT_REF_MAX];
	char		detail[DCPF_AUDIT_DETAIL_MAX];
} DcpfAuditEvent;

/* audit.c */
/* dcpf.audit_group_rows: rows a statement changes before its events are grouped per person */
extern int dcpf_audit_group_rows;
/* the most keys one grouped event holds (the row stays within a page, uncompressed) */
#define DCPF_AUDIT_GROUP_MAX_KEYS 400
/* the columns of dcpf.audit_event, in table order: the order of an event's canonical line */
#define DCPF_AUDIT_NCOLUMNS 21
extern const char *const dcpf_audit_column_names[DCPF_AUDIT_NCOLUMNS];
/* from _PG_init: cache invalidation and transaction callbacks */
extern void dcpf_audit_init(void);
/* zero the event, stamp the time, database, action and outcome, and fill the actor's side */
extern void dcpf_audit_event_init(DcpfAuditEvent *ev, const char *action, const char *outcome);
/* append events to dcpf.audit_event in the current transaction */
extern void dcpf_audit_write(const DcpfAuditEvent *events, int n);
/*
 * Log that the current identity read (or was refused, denied = true) another
 * person's object: queued, once per object and transaction; nothing for a
 * person reading their own data.
 */
extern void dcpf_audit_read(const char *table, const char *key, const pg_uuid_t *subject,
							bool denied, const char *detail);
/* forget which reads this transaction logged (the identity changed) */
extern void dcpf_audit_forget_reads(void);

/* restrict.c: whose data is read-only (restriction of processing, deactivation) */
#define DCPF_FROZEN_RESTRICTED 1
#define DCPF_FROZEN_DEACTIVATED 2
/* whether anyone is frozen now (reads the cache when it was invalidated) */
extern bool dcpf_frozen_any(void);
/* why the person is frozen (DCPF_FROZEN_* bits), or 0 */
extern int	dcpf_frozen_why(const pg_uuid_t *person);
/* whether dcpf.restriction_exemption is set (one of dcpf's own functions is running) */
extern bool dcpf_restriction_exempt_now(void);
/* raise 55000: the write of a frozen person's row is refused */
extern void dcpf_frozen_refuse(const char *table, const char *key, const pg_uuid_t *person, int why,
							   const char *operation) pg_attribute_noreturn();
/* check hook of dcpf.restriction_exemption: only the extension's owner sets it */
extern bool dcpf_restriction_exemption_check(char **newval, void **extra, GucSource source);

/* auditq.c */
/* from _PG_init: settings, shared memory and hooks (queue only when preloaded) */
extern void dcpf_auditq_init(void);
/*
 * Queue an event for the background worker; survives the caller's rollback.
 * Waits up to dcpf.audit_queue_wait when the queue is full, then raises
 * 53400; raises 55000 when dcpf is not in shared_preload_libraries and 25006
 * on a standby.
 */
extern void dcpf_audit_enqueue(const DcpfAuditEvent *ev);
/* start this database's audit worker if none runs (it makes missing partitions) */
extern void dcpf_auditq_request_worker(void);

/* retention.c: from _PG_init: the guard that refuses any other DROP or DETACH of an audit partition */
extern void dcpf_retention_init(void);

#endif							/* DCPF_AUDIT_H */
