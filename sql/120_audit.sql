-- 120_audit.sql: the audit trail (NEN 7513). One append-only log,
-- dcpf.audit_event, range-partitioned by month. Written only by C: the
-- statement triggers on every dcpf table (src/audit.c), the key code, and the
-- background worker that drains the rollback-proof queue of reads and
-- refused logins (src/auditq.c). Nobody reads it directly: the person, the
-- licensee and the breach register read it through functions that log the
-- read. See doc/reference/audit.md for the event catalogue.
--
-- Monthly partitions are not members of the extension: they are made at run
-- time by dcpf.audit_create_partitions (the audit worker calls it), so that
-- pg_dump keeps each one with its rows and a restore does not collide with
-- partitions the new CREATE EXTENSION would make. Only the default partition,
-- which catches events of a month without a partition yet, is a member.

CREATE SEQUENCE dcpf.audit_event_id_seq AS bigint NO CYCLE;
COMMENT ON SEQUENCE dcpf.audit_event_id_seq IS
    'numbers audit events in the order they were written; the seal chains them in this order';

CREATE TABLE dcpf.audit_action (
    code         text PRIMARY KEY,
    description  text NOT NULL
);
COMMENT ON TABLE dcpf.audit_action IS 'the event catalogue: every action an audit event can record';
COMMENT ON COLUMN dcpf.audit_action.code IS 'the action as written in dcpf.audit_event.action';
COMMENT ON COLUMN dcpf.audit_action.description IS 'what the event means';
INSERT INTO dcpf.audit_action (code, description) VALUES
    ('create',           'a row was inserted'),
    ('update',           'a row was changed (detail lists the changed columns, never their values)'),
    ('delete',           'a row was deleted'),
    ('read',             'another person''s data was read (or, with outcome denied, refused)'),
    ('export',           'data was exported (data-subject access or portability)'),
    ('print',            'data was printed or rendered for output by the application'),
    ('login',            'an authentication: a token accepted or refused, a password login'),
    ('act_as',           'a trusted back-end assumed a person''s identity (dcpf.act_as)'),
    ('accept_agreement', 'a person accepted an end-user role agreement (EURA)'),
    ('grant',            'access was granted (a membership, including to platform support)'),
    ('consent',          'a consent was given or withdrawn, or an objection (art. 21) made or lifted (dcpf.consent_event)'),
    ('restrict',         'processing of a person''s data was restricted (art. 18) or their account deactivated (dcpf.processing_restriction; lifting it is an update)'),
    ('key_created',      'a data key was made for a person or licensee'),
    ('key_shredded',     'a data key was destroyed (crypto-shredding)'),
    ('audit_read',       'the audit trail was read'),
    ('erase',            'a person was erased (dcpf.erase_person): the tombstone was written'),
    ('breach',           'a data breach was recorded in the breach register, or a person was found affected by one (dcpf.breach, dcpf.breach_subject)'),
    ('hand_over',        'a portfolio was handed over to its professional when the last licence of the licensee it was made with ended (dcpf.handover)'),
    ('audit_retention',  'a month of the audit trail was dropped by the retention job (dcpf.audit_drop_expired_partitions); the signed record is in dcpf.audit_dropped_partition');

CREATE TABLE dcpf.audit_event (
    id                bigint NOT NULL,
    occurred_at       timestamptz NOT NULL,
    xact_id           xid8 NOT NULL,
    action            text NOT NULL CONSTRAINT audit_event_action_known CHECK (action IN (
                          'create', 'update', 'delete', 'read', 'export', 'print', 'login', 'act_as',
                          'accept_agreement', 'grant', 'consent', 'key_created', 'key_shredded', 'audit_read', 'erase', 'breach', 'restrict',
                          'hand_over', 'audit_retention')),
    outcome           text NOT NULL CONSTRAINT audit_event_outcome_known CHECK (outcome IN ('success', 'failure', 'denied')),
    actor_person      uuid,
    actor_method      text,
    on_behalf_of      uuid,
    application_role  text,
    licensee_id       uuid,
    purpose           text,
    database_role     text NOT NULL,
    effective_role    text NOT NULL,
    client_address    inet,
    application_name  text,
    object_table      text,
    object_key        text,
    object_keys       uuid[],
    subject_person    uuid,
    reference         text,
    detail            jsonb,
    CONSTRAINT audit_event_one_key_or_many CHECK (object_keys IS NULL OR object_key IS NULL)
) PARTITION BY RANGE (occurred_at);
-- a grouped event's keys (up to 400 uuids, 6.4 kB) stay in the row, never
-- compressed or moved out of line: compressing random keys fails after
-- trying, and TOAST would cost more than the row (partitions inherit it)
ALTER TABLE dcpf.audit_event ALTER COLUMN object_keys SET STORAGE PLAIN;
COMMENT ON TABLE dcpf.audit_event IS
    'the audit trail (NEN 7513): who did what to whose data, when, in which role, for which purpose; append-only, partitioned by month, written only by dcpf''s C code';
COMMENT ON COLUMN dcpf.audit_event.id IS 'event number, in the order events were written (dcpf.audit_event_id_seq)';
COMMENT ON COLUMN dcpf.audit_event.occurred_at IS 'when it happened';
COMMENT ON COLUMN dcpf.audit_event.xact_id IS 'the transaction that wrote the event (for the seal: which events may still arrive late)';
COMMENT ON COLUMN dcpf.audit_event.action IS 'what happened (dcpf.audit_action)';
COMMENT ON COLUMN dcpf.audit_event.outcome IS 'success, failure (it went wrong) or denied (it was refused)';
COMMENT ON COLUMN dcpf.audit_event.actor_person IS 'the verified person who acted (dcpf.current_person()), or NULL when the actor was only a database role';
COMMENT ON COLUMN dcpf.audit_event.actor_method IS 'how the actor''s identity was established: token, act_as, relay (adopted from dcpf.identity_relay on a Citus worker), or NULL';
COMMENT ON COLUMN dcpf.audit_event.on_behalf_of IS
    'the person on whose behalf the action was taken, when a trusted back-end acted for them (dcpf.act_as)';
COMMENT ON COLUMN dcpf.audit_event.application_role IS 'the application role the actor acted in (dcpf.current_role())';
COMMENT ON COLUMN dcpf.audit_event.licensee_id IS 'the licensee the actor acted in (dcpf.current_licensee())';
COMMENT ON COLUMN dcpf.audit_event.purpose IS 'the declared purpose of the processing (dcpf.current_purpose())';
COMMENT ON COLUMN dcpf.audit_event.database_role IS 'the database account (session user)';
COMMENT ON COLUMN dcpf.audit_event.effective_role IS 'the database role in effect (current user; differs after SET ROLE or inside a SECURITY DEFINER function)';
COMMENT ON COLUMN dcpf.audit_event.client_address IS 'address of the database client, NULL for a local connection';
COMMENT ON COLUMN dcpf.audit_event.application_name IS 'application_name of the database session';
COMMENT ON COLUMN dcpf.audit_event.object_table IS 'the table of the object (without schema: every table is in dcpf)';
COMMENT ON COLUMN dcpf.audit_event.object_key IS 'the primary key of the row, as text (several columns: a row literal); NULL for a grouped event (object_keys)';
COMMENT ON COLUMN dcpf.audit_event.object_keys IS
    'a grouped event''s rows: the primary keys of up to 400 rows of one person that one statement changing more than dcpf.audit_group_rows rows wrote (their number in detail->''rows''); NULL for an event of one row';
COMMENT ON COLUMN dcpf.audit_event.subject_person IS
    'the person whose data it concerns (for a licensee''s data key: the licensee), NULL for data of no one';
COMMENT ON COLUMN dcpf.audit_event.reference IS 'a reference to the request or reason, where there is one (e.g. the reason given to dcpf.act_as)';
COMMENT ON COLUMN dcpf.audit_event.detail IS 'facts, never content: e.g. the names of changed columns, the reason a login was refused';

-- toast_tuple_target: an event stays whole in its row up to a page (a
-- grouped event's keys, 6.4 kB at most): over the default 2 kB PostgreSQL
-- would move the event's small text fields out of line one by one
CREATE TABLE dcpf.audit_event_default PARTITION OF dcpf.audit_event DEFAULT WITH (toast_tuple_target = 8160);
COMMENT ON TABLE dcpf.audit_event_default IS
    'events of a month that has no partition yet; dcpf.audit_create_partitions moves them into their month';

-- Indexes are per partition, not on the parent: pg_dump cannot restore a
-- partition (not a member) of a member table that has partitioned indexes.
-- dcpf.audit_create_partitions gives every partition the same three. Only
-- the person's view needs a B-tree; event numbers and times grow with the
-- table's physical order, so BRIN indexes serve the seal's ranges and the
-- time windows of the other views at a fraction of the cost per event. (No
-- primary key: numbers are unique by the sequence, and a duplicate slipped
-- in is an "inserted" event to dcpf.audit_verify.)
CREATE INDEX audit_event_default_id_idx ON dcpf.audit_event_default USING brin (id) WITH (pages_per_range = 16);
CREATE INDEX audit_event_default_subject_idx ON dcpf.audit_event_default (subject_person, occurred_at);
CREATE INDEX audit_event_default_time_idx ON dcpf.audit_event_default USING brin (occurred_at) WITH (pages_per_range = 16);
COMMENT ON INDEX dcpf.audit_event_default_id_idx IS 'events in written order (BRIN): the seal and verification read ranges of numbers';
COMMENT ON INDEX dcpf.audit_event_default_subject_idx IS 'who touched a person''s data (the person''s view)';
COMMENT ON INDEX dcpf.audit_event_default_time_idx IS 'time windows (BRIN): the licensee''s view, breach impact';

ALTER TABLE dcpf.audit_event FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.audit_event ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.audit_event_default FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.audit_event_default ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.audit_action FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.audit_action ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON dcpf.audit_event, dcpf.audit_event_default, dcpf.audit_action, dcpf.audit_event_id_seq FROM PUBLIC;
CREATE POLICY audit_action_read ON dcpf.audit_action FOR SELECT TO dcpf_app, dcpf_reporting USING (true);
GRANT SELECT ON dcpf.audit_action TO dcpf_app, dcpf_reporting;
SELECT pg_catalog.pg_extension_config_dump('dcpf.audit_event_default', '');
SELECT pg_catalog.pg_extension_config_dump('dcpf.audit_event_id_seq', '');

-- Append-only: no UPDATE, DELETE or TRUNCATE by anyone, the owner included.
-- (A superuser can still disable triggers; the seal detects what follows.)
CREATE FUNCTION dcpf.audit_refuse_change() RETURNS trigger
    AS 'MODULE_PATHNAME', 'dcpf_audit_refuse_change'
    LANGUAGE C;
COMMENT ON FUNCTION dcpf.audit_refuse_change() IS
    'trigger: refuses UPDATE, DELETE and TRUNCATE of audit events, or of seals (argument ''seals''), for everyone (42501); only dropping an expired partition removes events';
CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON dcpf.audit_event
    FOR EACH ROW EXECUTE FUNCTION dcpf.audit_refuse_change();
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON dcpf.audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION dcpf.audit_refuse_change();
CREATE TRIGGER audit_event_default_no_truncate BEFORE TRUNCATE ON dcpf.audit_event_default
    FOR EACH STATEMENT EXECUTE FUNCTION dcpf.audit_refuse_change();

-- The write trigger: AFTER … FOR EACH STATEMENT with transition tables, one
-- event per row. Arguments: the subject column ('-' for none), optionally the
-- action an INSERT records (default create), a column whose value is the
-- outcome ('success' is success, anything else failure, named in detail; '-'
-- for none) and 'restriction_exempt'. It is also where a restriction of
-- processing makes a person's data read-only (src/restrict.c): a row whose
-- subject's processing is restricted, or whose account is deactivated, makes
-- the statement fail (55000), whatever wrote it, unless the table is exempt
-- or dcpf.restriction_exemption is set by one of dcpf's own functions.
-- The table a trigger fired on, as dcpf names it: on Citus a trigger of a
-- distributed or reference table fires on a shard (portfolio_item_102008),
-- and the triggers that ask which table they are on must get the table.
CREATE FUNCTION dcpf.logical_table_name(regclass) RETURNS text
    AS 'MODULE_PATHNAME', 'dcpf_logical_table_name'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dcpf.logical_table_name(regclass) IS
    'the name of a table as dcpf knows it: for a Citus shard of a dcpf table (its name with "_" and the shard id appended, in the same schema) the table''s name, for any other relation its own name; the PL/pgSQL triggers of dcpf ask it instead of TG_TABLE_NAME (42P01 for a relation that does not exist)';
REVOKE ALL ON FUNCTION dcpf.logical_table_name(regclass) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.logical_table_name(regclass) TO dcpf_app, dcpf_maintenance;

CREATE FUNCTION dcpf.audit_trigger() RETURNS trigger
    AS 'MODULE_PATHNAME', 'dcpf_audit_trigger'
    LANGUAGE C;
COMMENT ON FUNCTION dcpf.audit_trigger() IS
    'trigger (AFTER INSERT/UPDATE/DELETE FOR EACH STATEMENT with transition tables): one audit event per row, with the verified actor, the row''s key and subject; refuses (55000) a row of a person whose processing is restricted or whose account is deactivated unless the table is exempt or dcpf.restriction_exemption is set; arguments: subject column or ''-'', [insert action], [outcome column or ''-''], [''restriction_exempt''], and last, optionally, ''key:'' with the primary key columns that name a row (the keys rewritten for Citus by dcpf.citus_key_commands name it without the person)';

-- Whose data is read-only now: a backend-local cache of the restrictions and
-- deactivations in force (dcpf.processing_restriction, sql/215), emptied in
-- every backend when that table changes. Declared here because the shares,
-- the consent check and the notice queue ask it.
CREATE FUNCTION dcpf.processing_restricted(person uuid) RETURNS boolean
    AS 'MODULE_PATHNAME', 'dcpf_processing_restricted'
    LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION dcpf.processing_restricted(uuid) IS
    'true while processing of the person''s data is restricted (art. 18 AVG) or their account is deactivated: their rows are read-only and they drop out of shares, consent, marketing and notices; a lookup in a backend-local cache, cheap enough for a policy';
REVOKE ALL ON FUNCTION dcpf.processing_restricted(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.processing_restricted(uuid) TO dcpf_app, dcpf_reporting;

CREATE FUNCTION dcpf.audit_refuse_truncate() RETURNS trigger
    AS 'MODULE_PATHNAME', 'dcpf_audit_refuse_truncate'
    LANGUAGE C;
COMMENT ON FUNCTION dcpf.audit_refuse_truncate() IS
    'trigger (BEFORE TRUNCATE): refuses TRUNCATE of an audited table (55000), which would remove rows without an event per row';

CREATE FUNCTION dcpf.audit_table(tab regclass, subject_column text, insert_action text DEFAULT 'create',
                                 outcome_column text DEFAULT NULL, restriction_exempt boolean DEFAULT false)
    RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    rel text := (SELECT c.relname FROM pg_catalog.pg_class c WHERE c.oid = tab);
    args text := format('%L, %L', coalesce(subject_column, '-'), insert_action)
                 || CASE WHEN restriction_exempt THEN format(', %L, %L', coalesce(outcome_column, '-'), 'restriction_exempt')
                         WHEN outcome_column IS NULL THEN '' ELSE format(', %L', outcome_column) END;
BEGIN
    IF (SELECT c.relnamespace FROM pg_catalog.pg_class c WHERE c.oid = tab) <> 'dcpf'::regnamespace THEN
        RAISE EXCEPTION 'only tables of schema dcpf are audited by dcpf.audit_table' USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('%s is not in schema dcpf.', tab);
    END IF;
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %s REFERENCING NEW TABLE AS audit_new '
                   'FOR EACH STATEMENT EXECUTE FUNCTION dcpf.audit_trigger(%s)', rel || '_audit_insert', tab, args);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %s REFERENCING OLD TABLE AS audit_old NEW TABLE AS audit_new '
                   'FOR EACH STATEMENT EXECUTE FUNCTION dcpf.audit_trigger(%s)', rel || '_audit_update', tab, args);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %s REFERENCING OLD TABLE AS audit_old '
                   'FOR EACH STATEMENT EXECUTE FUNCTION dcpf.audit_trigger(%s)', rel || '_audit_delete', tab, args);
    EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %s '
                   'FOR EACH STATEMENT EXECUTE FUNCTION dcpf.audit_refuse_truncate()', rel || '_audit_truncate', tab);
END
$$;
COMMENT ON FUNCTION dcpf.audit_table(regclass, text, text, text, boolean) IS
    'puts a dcpf table under audit: the three write triggers (dcpf.audit_trigger) and the TRUNCATE refusal; restriction_exempt: its rows are written also for a person whose processing is restricted (the restriction itself, requests, notices, security logs, keys, consent); used by the install script for every table';
REVOKE ALL ON FUNCTION dcpf.audit_table(regclass, text, text, text, boolean) FROM PUBLIC;

-- restriction_exempt: security measures (keys, authentication and its logs,
-- identities assumed) go on for a person whose processing is restricted
SELECT dcpf.audit_table('dcpf.role', NULL);
SELECT dcpf.audit_table('dcpf.product', NULL);
SELECT dcpf.audit_table('dcpf.master_key_generation', NULL);
SELECT dcpf.audit_table('dcpf.blind_index_key', NULL);
SELECT dcpf.audit_table('dcpf.data_key', 'subject_id', 'key_created', restriction_exempt => true);
SELECT dcpf.audit_table('dcpf.key_rotation_run', NULL);
SELECT dcpf.audit_table('dcpf.licensee', NULL);
SELECT dcpf.audit_table('dcpf.billing_profile', NULL);
SELECT dcpf.audit_table('dcpf.licence', NULL);
SELECT dcpf.audit_table('dcpf.person', 'id');
SELECT dcpf.audit_table('dcpf.person_phone', 'person_id');
SELECT dcpf.audit_table('dcpf.person_address', 'person_id');
SELECT dcpf.audit_table('dcpf.person_preference', 'person_id');
SELECT dcpf.audit_table('dcpf.membership', 'person_id', 'grant');
SELECT dcpf.audit_table('dcpf.role_agreement', NULL);
SELECT dcpf.audit_table('dcpf.role_agreement_acceptance', 'person_id', 'accept_agreement');
SELECT dcpf.audit_table('dcpf.policy_document', NULL);
SELECT dcpf.audit_table('dcpf.policy_acknowledgement', 'person_id');
SELECT dcpf.audit_table('dcpf.identity_assumption', 'person_id', 'act_as', restriction_exempt => true);
SELECT dcpf.audit_table('dcpf.identity_issuer', NULL);
SELECT dcpf.audit_table('dcpf.issuer_key', NULL);
SELECT dcpf.audit_table('dcpf.identity_link', 'person_id', restriction_exempt => true);
SELECT dcpf.audit_table('dcpf.authentication_event', 'person_id', 'login', restriction_exempt => true);
SELECT dcpf.audit_table('dcpf.person_credential', 'person_id', restriction_exempt => true);
SELECT dcpf.audit_table('dcpf.login_attempt', 'person_id', 'login', 'outcome', restriction_exempt => true);
SELECT dcpf.audit_table('dcpf.audit_action', NULL);

-- One month's partition. Runs as the owner; dcpf.audit_create_partitions
-- makes the months ahead with it, and a restore or a test may make a past
-- month (its events move out of the default partition).
CREATE FUNCTION dcpf.audit_create_partition(month_start date)
    RETURNS regclass
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    month_end date := (month_start + interval '1 month')::date;
    part text := format('audit_event_%s', to_char(month_start, 'YYYY_MM'));
    moved bigint;
BEGIN
    IF month_start IS NULL OR extract(day FROM month_start) <> 1 THEN
        RAISE EXCEPTION 'invalid month: %', coalesce(month_start::text, 'NULL') USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'A partition of the audit trail holds one month (UTC); give its first day.';
    END IF;
    -- one maker at a time; writers are not blocked while no partition is missing
    PERFORM pg_catalog.pg_advisory_xact_lock('dcpf.audit_event'::regclass::oid::bigint);
    IF to_regclass(format('dcpf.%I', part)) IS NOT NULL THEN
        RETURN NULL;
    END IF;
    -- events that went to the default partition for want of this one move
    -- into it, unchanged (the seal hashes rows, not their place). The
    -- whole trail is locked for that moment: a reader that had already
    -- listed the partitions would otherwise wait for the default one and
    -- then find the moved events neither there nor in a partition it knew.
    LOCK TABLE dcpf.audit_event IN ACCESS EXCLUSIVE MODE;
    LOCK TABLE dcpf.audit_event_default IN ACCESS EXCLUSIVE MODE;
    EXECUTE format('CREATE TABLE dcpf.%I (LIKE dcpf.audit_event INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE) WITH (toast_tuple_target = 8160)', part);
    EXECUTE format('ALTER TABLE dcpf.audit_event_default DISABLE TRIGGER audit_event_append_only');
    EXECUTE format('WITH gone AS (DELETE FROM dcpf.audit_event_default
                                   WHERE occurred_at >= %L::timestamptz AND occurred_at < %L::timestamptz
                                   RETURNING *)
                    INSERT INTO dcpf.%I SELECT * FROM gone',
                   month_start::text || ' 00:00:00+00', month_end::text || ' 00:00:00+00', part);
    GET DIAGNOSTICS moved = ROW_COUNT;
    EXECUTE format('ALTER TABLE dcpf.audit_event_default ENABLE TRIGGER audit_event_append_only');
    EXECUTE format('CREATE INDEX %I ON dcpf.%I USING brin (id) WITH (pages_per_range = 16)', part || '_id_idx', part);
    EXECUTE format('CREATE INDEX %I ON dcpf.%I (subject_person, occurred_at)', part || '_subject_idx', part);
    EXECUTE format('CREATE INDEX %I ON dcpf.%I USING brin (occurred_at) WITH (pages_per_range = 16)', part || '_time_idx', part);
    EXECUTE format('ALTER TABLE dcpf.audit_event ATTACH PARTITION dcpf.%I '
                   'FOR VALUES FROM (%L) TO (%L)', part,
                   month_start::text || ' 00:00:00+00', month_end::text || ' 00:00:00+00');
    EXECUTE format('ALTER TABLE dcpf.%I FORCE ROW LEVEL SECURITY', part);
    EXECUTE format('ALTER TABLE dcpf.%I ENABLE ROW LEVEL SECURITY', part);
    EXECUTE format('REVOKE ALL ON dcpf.%I FROM PUBLIC', part);
    EXECUTE format('CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON dcpf.%I '
                   'FOR EACH STATEMENT EXECUTE FUNCTION dcpf.audit_refuse_change()', part);
    EXECUTE format('COMMENT ON TABLE dcpf.%I IS %L', part,
                   format('audit events of %s (UTC), a partition of dcpf.audit_event', to_char(month_start, 'YYYY-MM')));
    IF moved > 0 THEN
        RAISE NOTICE 'moved % audit events from the default partition into %', moved, part;
    END IF;
    RETURN format('dcpf.%I', part)::regclass;
END
$$;
COMMENT ON FUNCTION dcpf.audit_create_partition(date) IS
    'makes the partition dcpf.audit_event_YYYY_MM of one month (UTC; month_start its first day) with its indexes, trigger and row-level security, moving that month''s events out of the default partition; returns it, or NULL when it exists; owner only';
REVOKE ALL ON FUNCTION dcpf.audit_create_partition(date) FROM PUBLIC;

-- Partitions ahead. Runs as the owner; the audit worker calls it when it
-- starts and every hour, and dcpf_maintenance may schedule it.
CREATE FUNCTION dcpf.audit_create_partitions(months_ahead integer DEFAULT 3)
    RETURNS SETOF regclass
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    made regclass;
BEGIN
    IF months_ahead IS NULL OR months_ahead NOT BETWEEN 0 AND 24 THEN
        RAISE EXCEPTION 'invalid number of months ahead: %', months_ahead USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'Partitions are made for the current month and 0 to 24 months ahead.';
    END IF;
    FOR i IN 0 .. months_ahead LOOP
        made := dcpf.audit_create_partition((date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => i))::date);
        IF made IS NOT NULL THEN
            RETURN NEXT made;
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION dcpf.audit_create_partitions(integer) IS
    'makes the monthly partitions of dcpf.audit_event (UTC months) from the current month to months_ahead ahead, moving any events of those months out of the default partition; returns the partitions it made';
REVOKE ALL ON FUNCTION dcpf.audit_create_partitions(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.audit_create_partitions(integer) TO dcpf_maintenance;

-- Reading the trail. Every call is itself an event (audit_read), queued so
-- that it stays logged when the caller rolls back.
CREATE FUNCTION dcpf.audit_note(action text, object_table text, object_key text, subject uuid, detail jsonb,
                                denied boolean DEFAULT false)
    RETURNS void
    AS 'MODULE_PATHNAME', 'dcpf_audit_note'
    LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION dcpf.audit_note(text, text, text, uuid, jsonb, boolean) IS
    'queues an audit event of the current identity for a read, export, print or audit_read done by dcpf''s own SQL functions (rollback-proof); a read of a row (table and key given) is not logged for one''s own data and once per row and transaction, as the C readers log, with outcome denied when denied; owner only';
REVOKE ALL ON FUNCTION dcpf.audit_note(text, text, text, uuid, jsonb, boolean) FROM PUBLIC;

CREATE FUNCTION dcpf.audit_check_period(from_time timestamptz, to_time timestamptz) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF from_time IS NULL OR to_time IS NULL OR from_time >= to_time THEN
        RAISE EXCEPTION 'invalid period' USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('The period runs from %s to %s; it needs a start before its end.',
                            coalesce(from_time::text, 'NULL'), coalesce(to_time::text, 'NULL'));
    END IF;
END
$$;
COMMENT ON FUNCTION dcpf.audit_check_period(timestamptz, timestamptz) IS 'raises 22023 unless from_time < to_time (both given)';

CREATE FUNCTION dcpf.my_audit_trail(from_time timestamptz DEFAULT now() - interval '1 year',
                                    to_time timestamptz DEFAULT now() + interval '1 minute')
    RETURNS TABLE (occurred_at timestamptz, action text, outcome text, actor_person uuid, actor_name text,
                   actor_method text, application_role text, licensee_id uuid, licensee_name text,
                   purpose text, object_table text, object_key text, object_keys uuid[], detail jsonb)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me uuid := dcpf.current_person();
BEGIN
    IF me IS NULL THEN
        RAISE EXCEPTION 'no verified identity' USING ERRCODE = 'insufficient_privilege',
            DETAIL = 'The audit trail of a person is shown to that person, after dcpf.authenticate or dcpf.act_as.';
    END IF;
    PERFORM dcpf.audit_check_period(from_time, to_time);
    PERFORM dcpf.audit_note('audit_read', 'audit_event', NULL, me,
                            jsonb_build_object('view', 'person', 'from', from_time, 'to', to_time));
    RETURN QUERY
        SELECT e.occurred_at, e.action, e.outcome, e.actor_person,
               CASE WHEN a.id IS NOT NULL THEN dcpf.person_display_name(a) END,
               e.actor_method, e.application_role, e.licensee_id, l.name, e.purpose,
               e.object_table, e.object_key, e.object_keys, e.detail
          FROM dcpf.audit_event e
          LEFT JOIN dcpf.person a ON a.id = e.actor_person
          LEFT JOIN dcpf.licensee l ON l.id = e.licensee_id
         WHERE e.subject_person = me
           AND e.occurred_at >= from_time AND e.occurred_at < to_time
         ORDER BY e.occurred_at, e.id;
END
$$;
COMMENT ON FUNCTION dcpf.my_audit_trail(timestamptz, timestamptz) IS
    'the person''s own view of the audit trail: who accessed or changed their data, when, in which role and licensee, for which purpose (no addresses of the actors); the call is logged';
REVOKE ALL ON FUNCTION dcpf.my_audit_trail(timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.my_audit_trail(timestamptz, timestamptz) TO dcpf_app;

CREATE FUNCTION dcpf.licensee_audit_trail(licensee uuid,
                                          from_time timestamptz DEFAULT now() - interval '1 month',
                                          to_time timestamptz DEFAULT now() + interval '1 minute')
    RETURNS TABLE (occurred_at timestamptz, action text, outcome text, actor_person uuid, actor_name text,
                   actor_method text, application_role text, database_role text, client_address inet,
                   application_name text, purpose text, object_table text, object_key text,
                   object_keys uuid[], subject_person uuid, detail jsonb)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF licensee IS NULL OR dcpf.licensee_if_acting_in('licensee_admin', 'privacy_officer') IS DISTINCT FROM licensee THEN
        RAISE EXCEPTION 'permission denied to read the audit trail of this licensee' USING ERRCODE = 'insufficient_privilege',
            DETAIL = 'Only a licensee admin or privacy officer acting in the licensee reads what its employees accessed.';
    END IF;
    PERFORM dcpf.audit_check_period(from_time, to_time);
    PERFORM dcpf.audit_note('audit_read', 'audit_event', NULL, NULL,
                            jsonb_build_object('view', 'licensee', 'licensee', licensee, 'from', from_time, 'to', to_time));
    RETURN QUERY
        SELECT e.occurred_at, e.action, e.outcome, e.actor_person,
               CASE WHEN a.id IS NOT NULL THEN dcpf.person_display_name(a) END,
               e.actor_method, e.application_role, e.database_role, e.client_address, e.application_name,
               e.purpose, e.object_table, e.object_key, e.object_keys, e.subject_person, e.detail
          FROM dcpf.audit_event e
          LEFT JOIN dcpf.person a ON a.id = e.actor_person
         WHERE e.licensee_id = licensee_audit_trail.licensee
           AND e.occurred_at >= from_time AND e.occurred_at < to_time
         ORDER BY e.actor_person, e.occurred_at, e.id;
END
$$;
COMMENT ON FUNCTION dcpf.licensee_audit_trail(uuid, timestamptz, timestamptz) IS
    'the NEN 7513 institution view: what each employee of the licensee accessed or changed while acting in it; for its licensee admin and privacy officer; the call is logged';
REVOKE ALL ON FUNCTION dcpf.licensee_audit_trail(uuid, timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.licensee_audit_trail(uuid, timestamptz, timestamptz) TO dcpf_app;

CREATE FUNCTION dcpf.breach_impact(actor uuid DEFAULT NULL, client_address inet DEFAULT NULL,
                                   from_time timestamptz DEFAULT NULL, to_time timestamptz DEFAULT NULL)
    RETURNS TABLE (subject_person uuid, object_table text, object_key text, first_at timestamptz,
                   last_at timestamptz, events bigint, actions text[])
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF actor IS NULL AND client_address IS NULL THEN
        RAISE EXCEPTION 'an actor or a client address is required' USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'breach_impact lists what one account or one address (or network) touched.';
    END IF;
    PERFORM dcpf.audit_check_period(from_time, to_time);
    PERFORM dcpf.audit_note('audit_read', 'audit_event', NULL, NULL,
                            jsonb_build_object('view', 'breach_impact', 'actor', actor,
                                               'client_address', client_address, 'from', from_time, 'to', to_time));
    RETURN QUERY
        SELECT e.subject_person, e.object_table, coalesce(e.object_key, k.key::text), min(e.occurred_at),
               max(e.occurred_at), count(*), array_agg(DISTINCT e.action ORDER BY e.action)
          FROM dcpf.audit_event e
          LEFT JOIN LATERAL unnest(e.object_keys) k(key) ON true
         WHERE (breach_impact.actor IS NULL OR e.actor_person = breach_impact.actor)
           AND (breach_impact.client_address IS NULL OR e.client_address <<= breach_impact.client_address)
           AND e.occurred_at >= from_time AND e.occurred_at < to_time
           AND e.subject_person IS NOT NULL
         GROUP BY 1, 2, 3
         ORDER BY 1, 2, 3;
END
$$;
COMMENT ON FUNCTION dcpf.breach_impact(uuid, inet, timestamptz, timestamptz) IS
    'the persons and objects an account (actor) or a client address or network touched in a period, from the audit trail, with first and last time and the actions; for the breach register; the call is logged';
REVOKE ALL ON FUNCTION dcpf.breach_impact(uuid, inet, timestamptz, timestamptz) FROM PUBLIC;
