-- bench/audit_retention/setup.sql: benchmark 10a's data. :months past months
-- (from January 2019) of :per_month audit events each, written as dcpf's
-- writers write them (numbered in time order, every column filled as a
-- logged application action fills it) and sealed in seals of :per_seal
-- events; a legal hold in force on a person that keeps nothing (it is looked
-- up in every month by the person's index); and, for DELETE + VACUUM, the
-- same rows twice without dcpf: bench.audit_plain, one table with the
-- trail's three indexes (an audit log kept without partitions), and
-- bench.audit_copy, partitioned by month as the trail is.
SET client_min_messages = warning;
CREATE EXTENSION dcpf;
CREATE SCHEMA bench;
SELECT count(dcpf.audit_create_partition(('2019-01-01'::date + make_interval(months => m))::date))
  FROM generate_series(0, :months - 1) m;

-- the actors, licensees and persons the events name
INSERT INTO dcpf.licensee (id, name, kind)
SELECT ('00000000-0000-4000-8000-0000000b' || lpad(to_hex(l), 4, '0'))::uuid, 'Bench licensee ' || l, 'hospital'
  FROM generate_series(1, 10) l;
INSERT INTO dcpf.person (id, email, surname, initials)
VALUES ('00000000-0000-4000-8000-00000000beef', 'held@bench.example', 'Vastgehouden', 'V.');
INSERT INTO dcpf.legal_hold (licensee_id, person_id, reason, placed_by) VALUES
    ('00000000-0000-4000-8000-0000000b0001', '00000000-0000-4000-8000-00000000beef', 'A claim about one person', gen_random_uuid());

-- one statement per month, in time order (the sequence numbers them as the
-- writers would); reads, updates, creates and logins of 10,000 persons by
-- 2,000 actors of 10 licensees
CREATE FUNCTION pg_temp.month_events(month_start date, n integer) RETURNS void LANGUAGE sql AS $$
INSERT INTO dcpf.audit_event (id, occurred_at, xact_id, action, outcome, actor_person, actor_method, on_behalf_of,
                              application_role, licensee_id, purpose, database_role, effective_role, client_address,
                              application_name, object_table, object_key, subject_person, reference, detail)
SELECT nextval('dcpf.audit_event_id_seq'),
       month_start + ((g - 1)::float8 / n) * ((month_start + interval '1 month') - month_start::timestamptz),
       pg_current_xact_id(),
       (ARRAY['read', 'read', 'read', 'update', 'create', 'login'])[1 + g % 6],
       CASE WHEN g % 97 = 0 THEN 'denied' ELSE 'success' END,
       md5('actor' || (g % 2000))::uuid, 'token', NULL,
       (ARRAY['professional', 'supervisor', 'licensee_admin'])[1 + g % 3],
       ('00000000-0000-4000-8000-0000000b' || lpad(to_hex(1 + g % 10), 4, '0'))::uuid,
       'portfolio', 'app_login', 'dcpf_app',
       ('10.' || (g % 200) || '.' || (g % 250) || '.' || (1 + g % 254))::inet, 'portfolio-web',
       (ARRAY['portfolio_item', 'assessment', 'person', 'feedback_request'])[1 + g % 4],
       md5('object' || g)::uuid::text,
       md5('person' || (g::bigint * 7919 % 10000))::uuid,
       NULL,
       CASE WHEN g % 6 = 3 THEN '{"columns": ["title", "updated_at"]}'::jsonb END
  FROM generate_series(1, n) g $$;
SELECT pg_temp.month_events(('2019-01-01'::date + make_interval(months => m))::date, :per_month)
  FROM generate_series(0, :months - 1) m;

-- sealed, as a job sealing every few minutes would have
SELECT set_config('bench.per_seal', :'per_seal', false);
DO $$
DECLARE
    made bigint;
BEGIN
    LOOP
        SELECT s.seal_no INTO made FROM dcpf.audit_seal(current_setting('bench.per_seal')::integer) s;
        EXIT WHEN made IS NULL;
    END LOOP;
END
$$;

-- the baselines: the same rows without dcpf, in one table and partitioned as the trail
CREATE TABLE bench.audit_plain (LIKE dcpf.audit_event);
CREATE INDEX ON bench.audit_plain USING brin (id) WITH (pages_per_range = 16);
CREATE INDEX ON bench.audit_plain (subject_person, occurred_at);
CREATE INDEX ON bench.audit_plain USING brin (occurred_at) WITH (pages_per_range = 16);
INSERT INTO bench.audit_plain SELECT * FROM dcpf.audit_event WHERE occurred_at < '2020-01-01' ORDER BY id;
CREATE TABLE bench.audit_copy (LIKE dcpf.audit_event) PARTITION BY RANGE (occurred_at);
DO $$
DECLARE
    m date;
    part text;
BEGIN
    FOR m IN SELECT to_date(substr(c.relname, 13), 'YYYY_MM') FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
              WHERE i.inhparent = 'dcpf.audit_event'::regclass AND c.relname ~ '^audit_event_2019_' LOOP
        part := format('audit_copy_%s', to_char(m, 'YYYY_MM'));
        EXECUTE format('CREATE TABLE bench.%I PARTITION OF bench.audit_copy FOR VALUES FROM (%L) TO (%L)', part,
                       m::text || ' 00:00:00+00', (m + interval '1 month')::date::text || ' 00:00:00+00');
        EXECUTE format('CREATE INDEX ON bench.%I USING brin (id) WITH (pages_per_range = 16)', part);
        EXECUTE format('CREATE INDEX ON bench.%I (subject_person, occurred_at)', part);
        EXECUTE format('CREATE INDEX ON bench.%I USING brin (occurred_at) WITH (pages_per_range = 16)', part);
    END LOOP;
END
$$;
INSERT INTO bench.audit_copy SELECT * FROM dcpf.audit_event WHERE occurred_at < '2020-01-01';

-- the writer of the stall measurement: an audited single-row insert
CREATE TABLE bench.item (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), person_id uuid NOT NULL, title text);
CREATE TRIGGER bench_item_audit_insert AFTER INSERT ON bench.item REFERENCING NEW TABLE AS audit_new
    FOR EACH STATEMENT EXECUTE FUNCTION dcpf.audit_trigger('person_id');
SELECT count(*) FROM dcpf.audit_create_partitions(1);
