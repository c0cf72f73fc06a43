/*-------------------------------------------------------------------------
 * auditq.c
 *    The rollback-proof audit event queue: event slots in shared memory,
 *    written to dcpf.audit_event by one background worker per database in
 *    the worker's own transactions. See doc/reference/audit-queue.md.
 *
 * Slots are free (on the free list), full (on their database's FIFO list)
 * or taken (copied out by the database's worker, which frees them only
 * after its transaction committed and puts them back at the head of the
 * list when the write failed or it exits). One LWLock protects every shared
 * field and is never held across an ereport: a producer holds it for one
 * memcpy, the worker to move slot numbers. A producer facing a full queue
 * sleeps on a condition variable that workers broadcast when slots are
 * freed. A producer sets the worker's latch when its database's list goes
 * from empty to non-empty; the worker resets the latch before it looks for
 * work, so no wake-up is lost.
 *
 * Workers are never restarted by the postmaster: whoever finds a database
 * with events and no registered worker (the next producer, or another
 * database's worker) registers one. An idle worker leaves after a few
 * seconds so as not to hold off DROP DATABASE, clearing its registration in
 * the critical section that saw its list empty.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <malloc.h>

#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/namespace.h"
#include "catalog/pg_extension.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/condition_variable.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lmgr.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "audit.h"

#define AUDITQ_MAX_DATABASES 32		/* databases with queued events or a worker */
#define AUDITQ_BATCH_MAX 1000		/* events per worker transaction */
#define AUDITQ_IDLE_EXIT_MS 3000	/* an idle worker leaves (DROP DATABASE waits 5 s) */
#define AUDITQ_NAP_MS 1000			/* the idle worker's sleep */
#define AUDITQ_STALE_MS 10000		/* a registered worker not started by then never will */
#define AUDITQ_SWEEP_MS 10000		/* how often a worker looks after other databases */
#define AUDITQ_GATHER_MS 20			/* a worker writes at most this often, unless a batch is ready */
#define AUDITQ_MISSING_GRACE_MS 5000	/* how long dcpf.audit_event may be missing */
#define AUDITQ_BACKOFF_MAX_MS 10000
#define AUDITQ_LONE_ATTEMPTS 3		/* a lone event failing this often is dropped */

#define SLOT_FREE 0
#define SLOT_FULL 1
#define SLOT_TAKEN 2

/* One slot's bookkeeping; its event is in the events array at the same index. */
typedef struct AuditqSlot
{
	uint8		state;
	uint8		attempts;		/* failed lone writes */
	int16		db;				/* index into dbs[] (full or taken) */
	int32		next;			/* next in the free list or the database's list, -1 */
} AuditqSlot;

/* A database with queued events or a worker. */
typedef struct AuditqDatabase
{
	Oid			database;		/* InvalidOid: unused entry */
	int32		head;			/* FIFO of full slots, -1 when empty */
	int32		tail;
	int32		queued;			/* full and taken slots */
	int32		taken;
	bool		registered;		/* a worker is registered or running */
	bool		register_warned;	/* the "no worker slot" warning was given */
	TimestampTz registered_at;
	pid_t		worker_pid;		/* 0: no worker running */
	Latch	   *worker_latch;
	bool		gathering;		/* the worker lets events gather: wake it for a full batch only */
	uint64		enqueued;
	uint64		written;
	uint64		failed;			/* events dropped unwritten */
	TimestampTz last_failure_at;	/* last failed write attempt, 0: none */
} AuditqDatabase;

/* The queue header; the slots follow it, then the events. */
typedef struct AuditqShared
{
	LWLock	   *lock;
	ConditionVariable room;		/* broadcast when slots become free */
	int32		capacity;
	int32		free_head;
	int32		nfree;
	AuditqDatabase dbs[AUDITQ_MAX_DATABASES];
	AuditqSlot	slots[FLEXIBLE_ARRAY_MEMBER];
} AuditqShared;

#define AUDITQ_EVENTS_OFFSET(capacity) \
	MAXALIGN(add_size(offsetof(AuditqShared, slots), mul_size((capacity), sizeof(AuditqSlot))))

/* settings, defined in guc.c */
extern int	dcpf_audit_queue_size;
extern int	dcpf_audit_queue_wait;

PGDLLEXPORT void dcpf_audit_worker_main(Datum main_arg);

static AuditqShared *queue = NULL;
static DcpfAuditEvent *queue_events = NULL;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/* the worker's own state */
static volatile sig_atomic_t got_sigterm = false;
static bool am_audit_worker = false;
static Oid	worker_database = InvalidOid;
static int	worker_claim = 0;	/* 0: not yet claimed, 1: claimed, 2: given up */
static int	batch_n = 0;		/* taken slots not yet freed or returned */
static int	batch_stale = 0;	/* of those, events of a dropped dcpf: not written */
static int32 *batch_slots = NULL;
static DcpfAuditEvent *batch_events = NULL;
static MemoryContext worker_cxt = NULL;
static char last_error[256];

/* shmem_request_hook: reserve the queue and its lock. */
static void
auditq_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(add_size(AUDITQ_EVENTS_OFFSET(dcpf_audit_queue_size),
									mul_size(dcpf_audit_queue_size, sizeof(DcpfAuditEvent))));
	RequestNamedLWLockTranche("dcpf_audit_queue", 1);
}

/* shmem_startup_hook: create the queue, or attach to it. */
static void
auditq_shmem_startup(void)
{
	Size		offset = AUDITQ_EVENTS_OFFSET(dcpf_audit_queue_size);
	bool		found;
	int			i;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	queue = ShmemInitStruct("dcpf_audit_queue",
							add_size(offset, mul_size(dcpf_audit_queue_size, sizeof(DcpfAuditEvent))),
							&found);
	queue_events = (DcpfAuditEvent *) ((char *) queue + offset);
	if (!found)
	{
		memset(queue, 0, offset);
		queue->lock = &(GetNamedLWLockTranche("dcpf_audit_queue"))->lock;
		ConditionVariableInit(&queue->room);
		queue->capacity = queue->nfree = dcpf_audit_queue_size;
		for (i = 0; i < queue->capacity; i++)
		{
			queue->slots[i].db = -1;
			queue->slots[i].next = (i + 1 < queue->capacity) ? i + 1 : -1;
		}
		for (i = 0; i < AUDITQ_MAX_DATABASES; i++)
			queue->dbs[i].head = queue->dbs[i].tail = -1;
	}
	LWLockRelease(AddinShmemInitLock);
}

/* From _PG_init: the queue exists only when dcpf is preloaded. */
void
dcpf_auditq_init(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = auditq_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = auditq_shmem_startup;
}

/* The entry of a database (lock held), made when asked; -1 if none. */
static int
auditq_entry(Oid database, bool create)
{
	int			spare = -1;
	int			i;

	for (i = 0; i < AUDITQ_MAX_DATABASES; i++)
	{
		AuditqDatabase *d = &queue->dbs[i];

		if (d->database == database)
			return i;
		/* never used, else idle: no events, no worker (its counters start again) */
		if (d->queued == 0 && !d->registered && d->worker_pid == 0 &&
			(spare < 0 || (OidIsValid(queue->dbs[spare].database) && !OidIsValid(d->database))))
			spare = i;
	}
	if (create && spare >= 0)
	{
		memset(&queue->dbs[spare], 0, sizeof(AuditqDatabase));
		queue->dbs[spare].database = database;
		queue->dbs[spare].head = queue->dbs[spare].tail = -1;
		return spare;
	}
	return -1;
}

/* Whether a database needs a worker registered (lock held); *now: 0 or the time. */
static bool
auditq_needs_worker(AuditqDatabase *d, TimestampTz *now)
{
	if (!d->registered)
		return true;
	if (d->worker_pid != 0)
		return false;
	/* registered, never started (the postmaster forgets one whose fork failed) */
	if (*now == 0)
		*now = GetCurrentTimestamp();
	return TimestampDifferenceExceeds(d->registered_at, *now, AUDITQ_STALE_MS);
}

/* Register a worker for a database whose entry was marked registered. */
static void
auditq_start_worker(Oid database)
{
	BackgroundWorker worker = {0};
	BackgroundWorkerHandle *handle;
	bool		warn = false;
	int			e;

	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;	/* see the header */
	strlcpy(worker.bgw_library_name, "dcpf", BGW_MAXLEN);
	strlcpy(worker.bgw_function_name, "dcpf_audit_worker_main", BGW_MAXLEN);
	snprintf(worker.bgw_name, BGW_MAXLEN, "dcpf audit worker for database %u", database);
	strlcpy(worker.bgw_type, "dcpf audit worker", BGW_MAXLEN);
	worker.bgw_main_arg = ObjectIdGetDatum(database);
	worker.bgw_notify_pid = 0;
	if (RegisterDynamicBackgroundWorker(&worker, &handle))
	{
		pfree(handle);
		return;
	}
	LWLockAcquire(queue->lock, LW_EXCLUSIVE);
	if ((e = auditq_entry(database, false)) >= 0 && queue->dbs[e].worker_pid == 0)
	{
		queue->dbs[e].registered = false;
		warn = !queue->dbs[e].register_warned;
		queue->dbs[e].register_warned = true;
	}
	LWLockRelease(queue->lock);
	if (warn)
		ereport(WARNING,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("could not start the dcpf audit worker for database %u", database),
				 errdetail("No background worker slot is free. Audit events stay queued; "
						   "starting the worker is tried again with the next event."),
				 errhint("Raise max_worker_processes.")));
}

/* What a standby refuses to show unlogged, for its error's detail. */
static const char *
auditq_standby_what(const char *action)
{
	if (strcmp(action, "audit_read") == 0)
		return "a read of the audit trail";
	if (strcmp(action, "export") == 0)
		return "an export";
	if (strcmp(action, "print") == 0)
		return "a print";
	return "a read of another person's data (or an attempt at one)";
}

/*
 * Queue an event for the background worker; survives the caller's rollback.
 * On a standby nothing can be logged: the caller's read is refused (25006)
 * before it shows anything (doc/guides/dba.md, Hot standbys).
 */
void
dcpf_audit_enqueue(const DcpfAuditEvent *ev)
{
	Latch	   *wake = NULL;
	bool		register_worker;
	bool		sleeping = false;
	TimestampTz start = 0;
	Oid			schema;

	if (queue == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the dcpf audit queue is not available"),
				 errdetail("Reads of another person's data are logged through a queue in shared memory, "
						   "which exists only when dcpf is loaded at server start."),
				 errhint("Add dcpf to shared_preload_libraries and restart the server.")));
	if (RecoveryInProgress())
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("a logged read needs the primary"),
				 errdetail("This server is a hot standby, which cannot write the audit trail, and %s is logged there "
						   "before anything is shown: nothing was shown.", auditq_standby_what(ev->action)),
				 errhint("Send reads of other people's data, exports and reads of the audit trail to the primary; "
						 "a standby serves a person's own data and the reporting views.")));
	if (!OidIsValid(ev->database) || am_audit_worker)
		elog(ERROR, "audit event without a database, or queued by the audit worker");
	/* the event belongs to this extension's trail, not to one created after a drop */
	schema = get_namespace_oid("dcpf", true);
	if (!OidIsValid(schema))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_SCHEMA),
				 errmsg("schema \"dcpf\" does not exist"),
				 errdetail("An audit event is queued for the trail of the dcpf extension, which is not installed in this database.")));

	for (;;)
	{
		TimestampTz now = 0;
		AuditqDatabase *d;
		int			e;
		long		remaining;

		LWLockAcquire(queue->lock, LW_EXCLUSIVE);
		if ((e = auditq_entry(ev->database, true)) < 0)
		{
			LWLockRelease(queue->lock);
			ereport(ERROR,
					(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
					 errmsg("too many databases are using the audit queue"),
					 errdetail("At most %d databases can have queued audit events or an audit worker at a time.",
							   AUDITQ_MAX_DATABASES)));
		}
		d = &queue->dbs[e];
		if ((register_worker = auditq_needs_worker(d, &now)))
		{
			d->registered = true;
			d->registered_at = (now != 0) ? now : GetCurrentTimestamp();
		}
		if (queue->free_head >= 0)
		{
			int32		s = queue->free_head;

			queue->free_head = queue->slots[s].next;
			queue->nfree--;
			queue->slots[s].state = SLOT_FULL;
			queue->slots[s].attempts = 0;
			queue->slots[s].db = (int16) e;
			queue->slots[s].next = -1;
			memcpy(&queue_events[s], ev, sizeof(DcpfAuditEvent));
			queue_events[s].schema = schema;
			if (d->tail >= 0)
				queue->slots[d->tail].next = s;
			else
				d->head = s;
			d->tail = s;
			d->queued++;
			d->enqueued++;
			/*
			 * Wake the worker when it waits for work (the list was empty), or
			 * when it lets events gather and a full batch is now ready.
			 */
			if (d->gathering ? d->queued - d->taken == AUDITQ_BATCH_MAX : d->head == s)
				wake = d->worker_latch;
			LWLockRelease(queue->lock);
			break;
		}
		/* full: wake this database's worker if it is gathering; wait for room */
		wake = d->worker_latch;
		LWLockRelease(queue->lock);
		if (wake != NULL)
			SetLatch(wake);
		wake = NULL;
		if (register_worker)
			auditq_start_worker(ev->database);
		if (!sleeping)
		{
			ConditionVariablePrepareToSleep(&queue->room);
			sleeping = true;
			start = GetCurrentTimestamp();
		}
		remaining = dcpf_audit_queue_wait - TimestampDifferenceMilliseconds(start, GetCurrentTimestamp());
		if (remaining <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
					 errmsg("audit queue is full"),
					 errdetail("All %d slots of the audit queue stayed in use for %d ms, so this read could not be logged.",
							   queue->capacity, dcpf_audit_queue_wait),
					 errhint("Raise dcpf.audit_queue_size, or check that the dcpf audit worker is running and "
							 "writing (dcpf.audit_queue_status() and the server log).")));
		(void) ConditionVariableTimedSleep(&queue->room, remaining, PG_WAIT_EXTENSION);
	}
	if (sleeping)
		ConditionVariableCancelSleep();
	if (wake != NULL)
		SetLatch(wake);
	if (register_worker)
		auditq_start_worker(ev->database);
}

/* Put taken slots back at the head of their list, in order (lock held). */
static void
auditq_return_slots(AuditqDatabase *d, const int32 *slots, int n)
{
	int			i;

	for (i = n - 1; i >= 0; i--)
	{
		queue->slots[slots[i]].state = SLOT_FULL;
		queue->slots[slots[i]].next = d->head;
		d->head = slots[i];
		if (d->tail < 0)
			d->tail = slots[i];
	}
	d->taken -= n;
}

/* Free a full or taken slot that is on no list (lock held). */
static void
auditq_free_slot(AuditqDatabase *d, int32 s)
{
	queue->slots[s].state = SLOT_FREE;
	queue->slots[s].db = -1;
	queue->slots[s].next = queue->free_head;
	queue->free_head = s;
	queue->nfree++;
	d->queued--;
}

/* Drop a database's full slots as failed (lock held); returns how many. */
static int
auditq_drop_full(AuditqDatabase *d)
{
	int			n = 0;

	for (; d->head >= 0; n++)
	{
		int32		s = d->head;

		d->head = queue->slots[s].next;
		auditq_free_slot(d, s);
	}
	d->tail = -1;
	d->failed += n;
	return n;
}

/* Give up this worker's claim (lock held): the next event or sweep starts another. */
static void
auditq_release_claim(AuditqDatabase *d)
{
	auditq_return_slots(d, batch_slots, batch_n);
	batch_n = batch_stale = 0;
	d->worker_pid = 0;
	d->worker_latch = NULL;
	d->gathering = false;
	d->registered = false;
	worker_claim = 2;
}

/* Exit callback of the worker: give back taken slots and the registration. */
static void
audit_worker_exit(int code, Datum arg)
{
	int			e;

	LWLockAcquire(queue->lock, LW_EXCLUSIVE);
	e = auditq_entry(worker_database, false);
	if (e >= 0 && worker_claim == 1)
		auditq_release_claim(&queue->dbs[e]);
	else if (e >= 0 && worker_claim == 0 && queue->dbs[e].worker_pid == 0)
		queue->dbs[e].registered = false;	/* failed before claiming, e.g. database gone */
	LWLockRelease(queue->lock);
	ConditionVariableBroadcast(&queue->room);
}

/* SIGTERM: write what is queued for this database, then exit; a second one: now. */
static void
audit_worker_sigterm(SIGNAL_ARGS)
{
	int			save_errno = errno;

	if (got_sigterm)
		die(postgres_signal_arg);
	got_sigterm = true;
	SetLatch(MyLatch);
	errno = save_errno;
}

/*
 * Whether an error is about the server's state (locks, resources, a missing
 * or changed object, privileges) rather than the event: retried without
 * counting towards dropping the event.
 */
static bool
audit_error_is_transient(int sqlerrcode)
{
	switch (ERRCODE_TO_CATEGORY(sqlerrcode))
	{
		case ERRCODE_CONNECTION_EXCEPTION:
		case ERRCODE_INVALID_TRANSACTION_STATE:
		case ERRCODE_TRANSACTION_ROLLBACK:
		case ERRCODE_SYNTAX_ERROR_OR_ACCESS_RULE_VIOLATION:
		case ERRCODE_INSUFFICIENT_RESOURCES:
		case ERRCODE_PROGRAM_LIMIT_EXCEEDED:
		case ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE:
		case ERRCODE_OPERATOR_INTERVENTION:
		case ERRCODE_SYSTEM_ERROR:
			return true;
		default:
			return false;
	}
}

/* Claim the database's entry at start; returns its index, or -1 to leave. */
static int
audit_worker_claim(void)
{
	AuditqDatabase *d;
	int			e;
	int			i;

	LWLockAcquire(queue->lock, LW_EXCLUSIVE);
	e = auditq_entry(worker_database, false);
	/* no events any more, or a second worker for the same database */
	if (e < 0 || queue->dbs[e].worker_pid != 0)
	{
		LWLockRelease(queue->lock);
		return -1;
	}
	d = &queue->dbs[e];
	d->worker_pid = MyProcPid;
	d->worker_latch = MyLatch;
	d->registered = true;
	d->register_warned = false;
	worker_claim = 1;
	/* slots still taken by a worker that died without its exit callback */
	for (i = 0; i < queue->capacity && d->taken > 0 && batch_n < AUDITQ_BATCH_MAX; i++)
		if (queue->slots[i].state == SLOT_TAKEN && queue->slots[i].db == e)
			batch_slots[batch_n++] = i;
	auditq_return_slots(d, batch_slots, batch_n);
	batch_n = 0;
	LWLockRelease(queue->lock);
	return e;
}

/*
 * Take up to max full slots of the worker's database and copy their events
 * out; returns how many. With none, a worker idle since idle_since for long
 * enough gives up its claim in the same critical section (*retired).
 */
static int
audit_worker_take(int e, int max, TimestampTz idle_since, bool *retired)
{
	AuditqDatabase *d = &queue->dbs[e];
	int			i;

	*retired = false;
	LWLockAcquire(queue->lock, LW_EXCLUSIVE);
	for (; batch_n < max && d->head >= 0; batch_n++)
	{
		batch_slots[batch_n] = d->head;
		queue->slots[d->head].state = SLOT_TAKEN;
		d->head = queue->slots[d->head].next;
	}
	if (d->head < 0)
		d->tail = -1;
	d->taken += batch_n;
	if (batch_n == 0 && idle_since != 0 &&
		TimestampDifferenceExceeds(idle_since, GetCurrentTimestamp(), AUDITQ_IDLE_EXIT_MS))
	{
		auditq_release_claim(d);
		*retired = true;
	}
	LWLockRelease(queue->lock);
	/* taken slots are this worker's: their events are read without the lock */
	for (i = 0; i < batch_n; i++)
		memcpy(&batch_events[i], &queue_events[batch_slots[i]], sizeof(DcpfAuditEvent));
	return batch_n;
}

/*
 * Settle the taken slots: written (free them), or not (back to the head of
 * the list; a lone event's failed attempt is counted when count_attempt,
 * and at the last one it is dropped: returns true).
 */
static bool
audit_worker_settle(int e, bool written, bool count_attempt)
{
	AuditqDatabase *d = &queue->dbs[e];
	bool		dropped = false;
	int			i;

	LWLockAcquire(queue->lock, LW_EXCLUSIVE);
	if (!written)
	{
		d->last_failure_at = GetCurrentTimestamp();
		dropped = count_attempt && batch_n == 1 &&
			++queue->slots[batch_slots[0]].attempts >= AUDITQ_LONE_ATTEMPTS;
		if (!dropped)
			auditq_return_slots(d, batch_slots, batch_n);
	}
	if (written || dropped)
	{
		for (i = 0; i < batch_n; i++)
			auditq_free_slot(d, batch_slots[i]);
		d->taken -= batch_n;
		if (written)
		{
			d->written += batch_n - batch_stale;
			d->failed += batch_stale;
		}
		else
			d->failed += batch_n;
	}
	batch_n = batch_stale = 0;
	LWLockRelease(queue->lock);
	if (written || dropped)
		ConditionVariableBroadcast(&queue->room);
	return dropped;
}

/*
 * Lock dcpf's extension (ACCESS SHARE) first in each of the worker's
 * transactions, before any of its tables: DROP EXTENSION locks the extension
 * first (ACCESS EXCLUSIVE), then the schema and each table, so a worker that
 * held one of them and waited for another deadlocked with it. Returns false
 * when the extension does not exist, also when it was dropped while waiting.
 */
static bool
audit_worker_lock_extension(void)
{
	Oid			ext = get_extension_oid("dcpf", true);

	if (!OidIsValid(ext))
		return false;
	LockDatabaseObject(ExtensionRelationId, ext, 0, AccessShareLock);
	return get_extension_oid("dcpf", true) == ext;
}

/*
 * Set aside the taken events that a dcpf extension other than the one with
 * schema nsp queued: dcpf was dropped (and created again) after they were
 * queued, and they belong to the dropped extension's trail, not to this one.
 * Moves the events to write, in order, to the front of the taken ones, their
 * slots with them; returns how many those are (batch_stale: the rest).
 */
static int
audit_worker_set_aside_stale(Oid nsp)
{
	int32		stale[AUDITQ_BATCH_MAX];
	int			keep = 0;
	int			i;

	batch_stale = 0;
	for (i = 0; i < batch_n; i++)
	{
		if (batch_events[i].schema != nsp)
			stale[batch_stale++] = batch_slots[i];
		else
		{
			/* the copies only: the queue's slots still hold every event */
			if (i != keep)
			{
				memcpy(&batch_events[keep], &batch_events[i], sizeof(DcpfAuditEvent));
				batch_slots[keep] = batch_slots[i];
			}
			keep++;
		}
	}
	memcpy(&batch_slots[keep], stale, sizeof(int32) * batch_stale);
	return keep;
}

/*
 * Write the taken events in a transaction of their own. Returns 1 when
 * committed, 0 when dcpf.audit_event does not exist, -1 on an error (its
 * SQLSTATE in *sqlerrcode, its message in last_error). Events of a dcpf
 * dropped since they were queued are not written (batch_stale).
 */
static int
audit_worker_write(int *sqlerrcode)
{
	volatile int result = -1;

	PG_TRY();
	{
		Oid			nsp;

		SetCurrentStatementStartTimestamp();
		StartTransactionCommand();
		PushActiveSnapshot(GetTransactionSnapshot());
		pgstat_report_activity(STATE_RUNNING, "writing audit events");
		nsp = audit_worker_lock_extension() ? get_namespace_oid("dcpf", true) : InvalidOid;
		result = OidIsValid(nsp) && OidIsValid(get_relname_relid("audit_event", nsp));
		if (result == 1)
		{
			int			n = audit_worker_set_aside_stale(nsp);

			if (n > 0)
				dcpf_audit_write(batch_events, n);
		}
		PopActiveSnapshot();
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		HOLD_INTERRUPTS();
		MemoryContextSwitchTo(worker_cxt);
		edata = CopyErrorData();
		FlushErrorState();
		AbortCurrentTransaction();
		RESUME_INTERRUPTS();
		*sqlerrcode = edata->sqlerrcode;
		strlcpy(last_error, edata->message ? edata->message : "?", sizeof(last_error));
		result = -1;
	}
	PG_END_TRY();
	pgstat_report_activity(STATE_IDLE, NULL);
	return result;
}

/*
 * The periodic step, called once per loop iteration outside any
 * transaction (not while draining after SIGTERM): when the worker starts and
 * then hourly, make the audit trail's partitions for this month and the next
 * three (dcpf.audit_create_partitions). A failure is logged and tried again
 * ten minutes later (a lock not granted within a second: one minute later).
 * Returns true while work is left (none is).
 */
static bool
audit_worker_periodic_work(void)
{
	static TimestampTz next_partitions = 0;
	TimestampTz now = GetCurrentTimestamp();
	MemoryContext cxt = CurrentMemoryContext;

	if (now < next_partitions)
		return false;
	next_partitions = TimestampTzPlusMilliseconds(now, 3600 * 1000);
	StartTransactionCommand();
	PG_TRY();
	{
		PushActiveSnapshot(GetTransactionSnapshot());
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		/* wait at most a second for any lock below (see the partitions) */
		if (SPI_execute("SET LOCAL lock_timeout = '1s'", false, 0) != SPI_OK_UTILITY)
			elog(ERROR, "could not set lock_timeout");
		/* not while CREATE EXTENSION dcpf is still running (or after DROP EXTENSION) */
		if (!audit_worker_lock_extension())
			next_partitions = TimestampTzPlusMilliseconds(now, 60 * 1000);
		else if (SPI_execute("SELECT to_regprocedure('dcpf.audit_create_partitions(integer)') IS NOT NULL", true, 1) != SPI_OK_SELECT)
			elog(ERROR, "could not look for dcpf.audit_create_partitions");
		else if (SPI_processed != 1 || strcmp(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1), "t") != 0)
			next_partitions = TimestampTzPlusMilliseconds(now, 60 * 1000);
		else
		{
			/*
			 * Making a partition locks the whole trail (ACCESS EXCLUSIVE). A
			 * long transaction that wrote an event holds a lock on it; queued
			 * behind that one, the request would stall every audited read and
			 * write of the database until it ends: give up after a second and
			 * try again in a minute (events meanwhile go to the default
			 * partition, and move into their month's when it is made).
			 */
			if (SPI_execute("SELECT count(*) FROM dcpf.audit_create_partitions(3)", false, 0) != SPI_OK_SELECT)
				elog(ERROR, "dcpf.audit_create_partitions failed");
		}
		SPI_finish();
		PopActiveSnapshot();
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		int			code = geterrcode();

		MemoryContextSwitchTo(cxt);
		EmitErrorReport();
		FlushErrorState();
		AbortCurrentTransaction();
		next_partitions = TimestampTzPlusMilliseconds(now, (code == ERRCODE_LOCK_NOT_AVAILABLE ? 60 : 600) * 1000);
	}
	PG_END_TRY();
	return false;
}

/*
 * Make sure this database has an audit worker running (started when there
 * is none), for its periodic step: audit.c asks when an event had to go to
 * the default partition for want of its month's.
 */
void
dcpf_auditq_request_worker(void)
{
	TimestampTz now = 0;
	bool		register_worker = false;
	int			e;

	if (queue == NULL || RecoveryInProgress() || am_audit_worker)
		return;
	LWLockAcquire(queue->lock, LW_EXCLUSIVE);
	if ((e = auditq_entry(MyDatabaseId, true)) >= 0 &&
		(register_worker = auditq_needs_worker(&queue->dbs[e], &now)))
	{
		queue->dbs[e].registered = true;
		queue->dbs[e].registered_at = (now != 0) ? now : GetCurrentTimestamp();
	}
	LWLockRelease(queue->lock);
	if (register_worker)
		auditq_start_worker(MyDatabaseId);
}

/*
 * At most every AUDITQ_SWEEP_MS: start workers for other databases whose
 * events wait without one, and drop the events of dropped databases.
 */
static void
audit_worker_sweep(TimestampTz *next_sweep)
{
	Oid			cand[AUDITQ_MAX_DATABASES];
	bool		exists[AUDITQ_MAX_DATABASES];
	TimestampTz now = GetCurrentTimestamp();
	int			ncand = 0;
	int			i;

	if (now < *next_sweep)
		return;
	*next_sweep = TimestampTzPlusMilliseconds(now, AUDITQ_SWEEP_MS);
	LWLockAcquire(queue->lock, LW_SHARED);
	for (i = 0; i < AUDITQ_MAX_DATABASES; i++)
		if (queue->dbs[i].head >= 0 && queue->dbs[i].database != MyDatabaseId &&
			auditq_needs_worker(&queue->dbs[i], &now))
			cand[ncand++] = queue->dbs[i].database;
	LWLockRelease(queue->lock);
	if (ncand == 0)
		return;
	StartTransactionCommand();
	for (i = 0; i < ncand; i++)
		exists[i] = SearchSysCacheExists1(DATABASEOID, ObjectIdGetDatum(cand[i]));
	CommitTransactionCommand();
	for (i = 0; i < ncand; i++)
	{
		int			dropped = 0;
		int			e;

		LWLockAcquire(queue->lock, LW_EXCLUSIVE);
		e = auditq_entry(cand[i], false);
		if (e < 0 || queue->dbs[e].head < 0 || !auditq_needs_worker(&queue->dbs[e], &now))
			cand[i] = InvalidOid;	/* settled meanwhile */
		else if (!exists[i])
			dropped = auditq_drop_full(&queue->dbs[e]);
		else
		{
			queue->dbs[e].registered = true;
			queue->dbs[e].registered_at = now;
		}
		LWLockRelease(queue->lock);
		if (dropped > 0)
		{
			ConditionVariableBroadcast(&queue->room);
			ereport(LOG,
					(errcode(ERRCODE_UNDEFINED_DATABASE),
					 errmsg("dropped %d queued audit events of database %u, which no longer exists",
							dropped, cand[i])));
		}
		else if (OidIsValid(cand[i]))
			auditq_start_worker(cand[i]);
	}
}

/* Sleep ms, cut short only by SIGTERM (no busy loop on a set latch). */
static void
audit_worker_nap(long ms)
{
	TimestampTz until = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), ms);

	while (!got_sigterm && ms > 0)
	{
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, ms,
						 PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		ms = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), until);
	}
}

/*
 * After writing a batch short of full: wait until AUDITQ_GATHER_MS after
 * that write began, so that under a steady stream of reads the worker writes
 * one transaction of many events per period instead of many small ones (each
 * a commit, a WAL write and a wake-up competing with the readers for the
 * CPU). Producers wake it early only when a full batch is ready (or the
 * queue is full); SIGTERM ends the wait.
 */
static void
audit_worker_gather(int e, TimestampTz write_started)
{
	AuditqDatabase *d = &queue->dbs[e];
	long		ms;
	bool		ready;

	/* a wake-up for an empty list that came during the write is stale */
	ResetLatch(MyLatch);
	LWLockAcquire(queue->lock, LW_EXCLUSIVE);
	ready = d->queued - d->taken >= AUDITQ_BATCH_MAX;
	d->gathering = !ready;
	LWLockRelease(queue->lock);
	ms = AUDITQ_GATHER_MS - TimestampDifferenceMilliseconds(write_started, GetCurrentTimestamp());
	if (!ready && ms > 0 && !got_sigterm)
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, ms, PG_WAIT_EXTENSION);
	LWLockAcquire(queue->lock, LW_EXCLUSIVE);
	d->gathering = false;
	LWLockRelease(queue->lock);
}

/* Background worker: writes one database's queued events. */
void
dcpf_audit_worker_main(Datum main_arg)
{
	TimestampTz idle_since = 0;
	TimestampTz missing_since = 0;
	TimestampTz next_sweep = 0;
	TimestampTz write_started;
	int			failures = 0;	/* failed writes in a row */
	int			lone_left = 0;	/* events to write one at a time */
	int			drain_left = -1;	/* after SIGTERM: events still to write */
	int			e;

	worker_database = DatumGetObjectId(main_arg);
	am_audit_worker = true;
#if defined(M_TRIM_THRESHOLD) && defined(M_MMAP_THRESHOLD)
	/*
	 * Every batch allocates and frees the same few hundred kB: keep them, so
	 * that glibc does not give them back to the kernel (brk, munmap) and fault
	 * them in again for the next batch.
	 */
	(void) mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
	(void) mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
#endif
	pqsignal(SIGTERM, audit_worker_sigterm);
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	BackgroundWorkerUnblockSignals();
	if (queue == NULL)
		proc_exit(0);
	/* before connecting: a database dropped meanwhile makes the connection fail */
	before_shmem_exit(audit_worker_exit, (Datum) 0);
	/* InvalidOid: the bootstrap superuser (InitPostgres, background worker case) */
	BackgroundWorkerInitializeConnectionByOid(worker_database, InvalidOid, 0);
	SetConfigOption("application_name", "dcpf audit worker", PGC_USERSET, PGC_S_SESSION);
	SetConfigOption("search_path", "pg_catalog", PGC_SUSET, PGC_S_SESSION);
	/* reads in read-only sessions are logged all the same */
	SetConfigOption("default_transaction_read_only", "off", PGC_SUSET, PGC_S_SESSION);
	worker_cxt = AllocSetContextCreate(TopMemoryContext, "dcpf audit worker", ALLOCSET_DEFAULT_SIZES);
	batch_slots = MemoryContextAlloc(TopMemoryContext, sizeof(int32) * AUDITQ_BATCH_MAX);
	batch_events = MemoryContextAlloc(TopMemoryContext, sizeof(DcpfAuditEvent) * AUDITQ_BATCH_MAX);
	if ((e = audit_worker_claim()) < 0)
		proc_exit(0);

	for (;;)
	{
		bool		retired;
		int			sqlerrcode = ERRCODE_INTERNAL_ERROR;
		int			n;
		int			r;
		long		delay;

		/* reset before looking for work: an event queued after this sets it again */
		ResetLatch(MyLatch);
		QueryCancelPending = false; /* no write runs: nothing to cancel */
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		MemoryContextReset(worker_cxt);
		if (got_sigterm && drain_left < 0)
		{
			/* write what is queued now, once */
			LWLockAcquire(queue->lock, LW_SHARED);
			drain_left = queue->dbs[e].queued;
			LWLockRelease(queue->lock);
		}
		else if (!got_sigterm)
		{
			if (audit_worker_periodic_work())
				idle_since = 0;
			audit_worker_sweep(&next_sweep);
		}
		if (drain_left == 0)
			proc_exit(0);
		n = audit_worker_take(e, lone_left > 0 ? 1 : AUDITQ_BATCH_MAX,
							  got_sigterm ? 0 : idle_since, &retired);
		if (retired || (n == 0 && got_sigterm))
			proc_exit(0);
		if (n == 0)
		{
			lone_left = failures = 0;
			if (idle_since == 0)
				idle_since = GetCurrentTimestamp();
			(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							 AUDITQ_NAP_MS, PG_WAIT_EXTENSION);
			continue;
		}
		idle_since = 0;

		write_started = GetCurrentTimestamp();
		r = audit_worker_write(&sqlerrcode);
		if (r > 0)
		{
			int			stale = batch_stale;

			(void) audit_worker_settle(e, true, false);
			if (stale > 0)
				ereport(LOG,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg_plural("dcpf audit worker: dropped %d queued audit event of a dcpf extension that was dropped",
									   "dcpf audit worker: dropped %d queued audit events of a dcpf extension that was dropped",
									   stale, stale),
						 errdetail("They were queued for the audit trail of a dcpf extension dropped since; "
								   "they are not written into the trail of the one created after it.")));
			failures = missing_since = 0;
			lone_left = Max(lone_left - 1, 0);
			if (drain_left > 0)
				drain_left = Max(drain_left - n, 0);
			/* a batch short of full: the queue was drained, let events gather */
			if (n < AUDITQ_BATCH_MAX && !got_sigterm)
				audit_worker_gather(e, write_started);
			continue;
		}
		if (r == 0)
		{
			/* no dcpf.audit_event: DROP EXTENSION, or CREATE EXTENSION not yet committed */
			(void) audit_worker_settle(e, false, false);
			if (got_sigterm)
				proc_exit(0);	/* the events stay for a later worker */
			if (missing_since == 0)
				missing_since = GetCurrentTimestamp();
			if (TimestampDifferenceExceeds(missing_since, GetCurrentTimestamp(), AUDITQ_MISSING_GRACE_MS))
			{
				LWLockAcquire(queue->lock, LW_EXCLUSIVE);
				n = auditq_drop_full(&queue->dbs[e]);
				auditq_release_claim(&queue->dbs[e]);
				LWLockRelease(queue->lock);
				ConditionVariableBroadcast(&queue->room);
				ereport(LOG,
						(errcode(ERRCODE_UNDEFINED_TABLE),
						 errmsg("dcpf audit worker: dcpf.audit_event does not exist; dropped %d queued audit events", n),
						 errhint("Only dcpf queues audit events: was the extension dropped?")));
				proc_exit(0);
			}
			audit_worker_nap(AUDITQ_NAP_MS);
			continue;
		}

		/* the write failed; after SIGTERM the events stay for a later worker */
		failures++;
		if (!got_sigterm && !audit_error_is_transient(sqlerrcode) && n == 1 &&
			audit_worker_settle(e, false, true))
		{
			ereport(LOG,
					(errcode(sqlerrcode),
					 errmsg("dcpf audit worker: dropped an audit event that failed %d times on its own: %s",
							AUDITQ_LONE_ATTEMPTS, last_error),
					 errdetail("Action \"%s\" on \"%s\" at %s.", batch_events[0].action,
							   batch_events[0].object_table, timestamptz_to_str(batch_events[0].occurred_at))));
			lone_left = Max(lone_left - 1, 0);
			failures = 0;
			continue;
		}
		if (batch_n > 0)
			(void) audit_worker_settle(e, false, false);
		/* a batch that failed twice in a row: find the event that fails alone */
		if (n > 1 && failures >= 2 && !audit_error_is_transient(sqlerrcode))
			lone_left = n;
		delay = got_sigterm ? 0 : Min((long) 100 << Min(failures - 1, 7), AUDITQ_BACKOFF_MAX_MS);
		ereport(LOG,
				(errcode(sqlerrcode),
				 errmsg_plural("dcpf audit worker: could not write %d audit event: %s",
							   "dcpf audit worker: could not write %d audit events: %s",
							   n, n, last_error),
				 got_sigterm ? errdetail("They stay queued for a later worker; this one is stopping.") :
				 errdetail("They stay queued and are tried again in %ld ms.", delay)));
		if (got_sigterm)
			proc_exit(0);
		audit_worker_nap(delay);
	}
}

/* dcpf.audit_queue_status(): the queue's size, this database's worker and counters. */
PG_FUNCTION_INFO_V1(dcpf_audit_queue_status);
Datum
dcpf_audit_queue_status(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	Datum		values[9] = {0};
	bool		nulls[9] = {true, true, true, true, true, true, true, false, true};
	int			e;

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE || desc->natts != 9)
		elog(ERROR, "dcpf_audit_queue_status must return a record of 9 columns");
	values[7] = BoolGetDatum(queue != NULL);
	if (queue != NULL)
	{
		AuditqDatabase none = {0};
		AuditqDatabase *d = &none;

		LWLockAcquire(queue->lock, LW_SHARED);
		if ((e = auditq_entry(MyDatabaseId, false)) >= 0)
			none = queue->dbs[e];	/* a copy: read after the lock is released */
		values[0] = Int32GetDatum(queue->capacity);
		values[1] = Int32GetDatum(queue->capacity - queue->nfree);
		LWLockRelease(queue->lock);
		values[2] = Int32GetDatum(d->queued);
		values[3] = Int32GetDatum(d->worker_pid);
		values[4] = Int64GetDatum((int64) d->enqueued);
		values[5] = Int64GetDatum((int64) d->written);
		values[6] = Int64GetDatum((int64) d->failed);
		values[8] = TimestampTzGetDatum(d->last_failure_at);
		nulls[0] = nulls[1] = nulls[2] = nulls[4] = nulls[5] = nulls[6] = false;
		nulls[3] = (d->worker_pid == 0);
		nulls[8] = (d->last_failure_at == 0);
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}
