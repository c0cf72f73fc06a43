-- Grouped audit events (src/audit.c, doc/reference/audit.md "Bulk
-- statements"): a statement that changes more than dcpf.audit_group_rows
-- rows of a table keyed by one uuid is recorded as one event per person and
-- per 400 rows, the keys in object_keys; up to the threshold, and for a
-- person's one row, an event per row as always. The seal covers the key
-- lists: a key removed or reordered in a sealed event is found. The views
-- (the person's trail, breach impact) show every row.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS dcpf CASCADE;
CREATE EXTENSION dcpf;
DROP ROLE IF EXISTS dcpf_test_grp_backend;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET timezone = 'UTC';

\i test/sql/include/two_licensees.sql
-- 101 a trainee of A who imports her old portfolio, 102 another trainee of A
INSERT INTO dcpf.person (id, email, surname, initials) VALUES
    ('00000000-0000-4000-8000-000000000101', 'aios@example.nl', 'Jansen', 'J.'),
    ('00000000-0000-4000-8000-000000000102', 'tweede@example.nl', 'de Boer', 'B.');
INSERT INTO dcpf.membership (id, person_id, licensee_id, role_code, valid_from) VALUES
    ('00000000-0000-4000-8000-00000000e101', '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', 'professional', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e102', '00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-00000000a001', 'professional', '2024-01-01');
\i test/sql/include/accept_euras.sql
CREATE ROLE dcpf_test_grp_backend NOLOGIN IN ROLE dcpf_service;
CREATE FUNCTION pg_temp.as_person(person text) RETURNS boolean LANGUAGE sql
RETURN dcpf.act_as(('00000000-0000-4000-8000-000000000' || person)::uuid, '00000000-0000-4000-8000-00000000a001', 'professional', 'import', true) IS NOT NULL;
GRANT EXECUTE ON FUNCTION pg_temp.as_person(text) TO PUBLIC;
-- the events of the item table since a mark, in order
CREATE TEMP TABLE mark (id bigint);
GRANT SELECT ON mark TO PUBLIC;
CREATE FUNCTION pg_temp.set_mark() RETURNS void LANGUAGE sql AS $$
    DELETE FROM mark; INSERT INTO mark SELECT coalesce(max(id), 0) FROM dcpf.audit_event $$;
CREATE FUNCTION pg_temp.item_events() RETURNS TABLE (action text, subject text, actor text, one_row boolean, keys int, detail jsonb)
    LANGUAGE sql AS $$
    SELECT e.action, right(e.subject_person::text, 3), right(e.actor_person::text, 3), e.object_key IS NOT NULL,
           cardinality(e.object_keys), e.detail
      FROM dcpf.audit_event e
     WHERE e.id > (SELECT id FROM mark) AND e.object_table = 'portfolio_item'
     ORDER BY e.id $$;
SELECT pg_temp.set_mark();

-- 1. the default threshold: 100 rows. The trainee imports 150 drafts in one
-- statement: one event, by her, about her, with the 150 keys.
SHOW dcpf.audit_group_rows;
SET ROLE dcpf_test_grp_backend;
SELECT pg_temp.as_person('101');
INSERT INTO dcpf.portfolio_item (owner_id, membership_id, item_type, title, occurred_on)
SELECT '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000e101', 'reflection',
       'Import ' || g, date '2023-01-01' + g
  FROM generate_series(1, 150) g;
RESET ROLE;
SELECT * FROM pg_temp.item_events();
-- the keys are exactly the rows written, each once
SELECT (SELECT array_agg(k ORDER BY k) FROM dcpf.audit_event e, unnest(e.object_keys) k
         WHERE e.id > (SELECT id FROM mark) AND e.object_table = 'portfolio_item')
     = (SELECT array_agg(i.id ORDER BY i.id) FROM dcpf.portfolio_item i WHERE i.title LIKE 'Import %') AS keys_are_the_rows;

-- 2. she retitles them: one update event naming the changed columns
SELECT pg_temp.set_mark();
SET ROLE dcpf_test_grp_backend;
SELECT pg_temp.as_person('101');
UPDATE dcpf.portfolio_item SET title = title || ' (2023)' WHERE title LIKE 'Import %';
-- up to the threshold, an event per row: 100 rows
UPDATE dcpf.portfolio_item SET occurred_on = occurred_on + 1
 WHERE id IN (SELECT id FROM dcpf.portfolio_item WHERE title LIKE 'Import %' ORDER BY id LIMIT 100);
RESET ROLE;
SELECT action, subject, actor, one_row, keys, detail, count(*) FROM pg_temp.item_events()
 GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY keys NULLS LAST;

-- 3. her trail shows the grouped events; the breach view lists every row
SET ROLE dcpf_test_grp_backend;
SELECT pg_temp.as_person('101');
SELECT action, object_table, object_key IS NULL AS grouped, cardinality(object_keys) AS keys, detail->'rows' AS rows
  FROM dcpf.my_audit_trail() WHERE object_table = 'portfolio_item' AND object_keys IS NOT NULL ORDER BY occurred_at;
RESET ROLE;
SELECT count(*) AS objects, sum(events) AS events, count(*) FILTER (WHERE events = 3) AS touched_three_times
  FROM dcpf.breach_impact('00000000-0000-4000-8000-000000000101', NULL, now() - interval '1 hour', now() + interval '1 minute')
 WHERE object_table = 'portfolio_item';

-- 4. the threshold is the superuser's setting: the application cannot
-- change how its statements are recorded
SET ROLE dcpf_test_grp_backend;
SET dcpf.audit_group_rows = 5;
RESET ROLE;
-- rows of two persons and one person's single row: an event per person, the
-- single row's event as in a small statement; 5 rows: an event per row
SET dcpf.audit_group_rows = 5;
SELECT pg_temp.set_mark();
INSERT INTO dcpf.portfolio_item (owner_id, item_type, title)
SELECT CASE WHEN g <= 4 THEN '00000000-0000-4000-8000-000000000102'::uuid ELSE '00000000-0000-4000-8000-000000000101'::uuid END,
       'feedback', 'Los ' || g
  FROM generate_series(1, 4) g
UNION ALL
SELECT '00000000-0000-4000-8000-000000000101', 'feedback', 'Los 5';
INSERT INTO dcpf.portfolio_item (owner_id, item_type, title)
SELECT CASE WHEN g = 6 THEN '00000000-0000-4000-8000-000000000101'::uuid ELSE '00000000-0000-4000-8000-000000000102'::uuid END,
       'feedback', 'Los ' || g
  FROM generate_series(1, 6) g;
SELECT action, subject, actor, one_row, keys, detail FROM pg_temp.item_events();
-- 0: an event per row, whatever the statement's size
SET dcpf.audit_group_rows = 0;
SELECT pg_temp.set_mark();
UPDATE dcpf.portfolio_item SET title = title || '.' WHERE title LIKE 'Los %';
SELECT action, subject, one_row, count(*) FROM pg_temp.item_events() GROUP BY 1, 2, 3 ORDER BY 2;
-- at most 400 keys an event: 401 rows of one person make an event of 400 and one of a row
SET dcpf.audit_group_rows = 100;
SELECT pg_temp.set_mark();
INSERT INTO dcpf.portfolio_item (owner_id, item_type, title)
SELECT '00000000-0000-4000-8000-000000000102', 'result', 'Veel ' || g FROM generate_series(1, 401) g;
SELECT action, subject, one_row, keys, detail FROM pg_temp.item_events();
-- every row is still checked: a bulk statement touching a deactivated
-- person's rows fails whole (art. 18 / clause 18), as a small one does
BEGIN;
INSERT INTO dcpf.processing_restriction (person_id, kind, reason)
VALUES ('00000000-0000-4000-8000-000000000102', 'deactivation', 'Account gedeactiveerd voor de test');
\set VERBOSITY terse
UPDATE dcpf.portfolio_item SET title = title || '!' WHERE title LIKE 'Veel %';
\set VERBOSITY default
ROLLBACK;
SELECT count(*) FILTER (WHERE title LIKE '%!') AS changed FROM dcpf.portfolio_item WHERE title LIKE 'Veel %';
-- the person's export lists who else wrote her rows: the grouped event with its 400 rows
SELECT count(*) FILTER (WHERE CASE WHEN json_typeof(a -> 'rows') = 'array' THEN json_array_length(a -> 'rows') END = 400
                          AND a ->> 'table' = 'portfolio_item' AND a ->> 'row' IS NULL) AS export_names_400_rows
  FROM json_array_elements(dcpf.export_document('00000000-0000-4000-8000-000000000102', NULL, NULL) -> 'facts' -> 'access_log') a;
-- one statement over many persons: 50 persons with 340 rows each (17,000
-- rows) make an event per person; the groups' memory is held to work_mem,
-- and with a small work_mem every person's rows so far are written whenever
-- it is reached: more events, every row still named once, by its person
INSERT INTO dcpf.person (id, email, surname, initials)
SELECT ('00000000-0000-4000-8000-0000000a' || lpad(g::text, 4, '0'))::uuid, 'p' || g || '@example.nl', 'Persoon', 'P.'
  FROM generate_series(1, 50) g;
CREATE FUNCTION pg_temp.many_persons(label text) RETURNS TABLE (events bigint, persons bigint, within_cap boolean, rows_named bigint,
                                                              distinct_rows bigint, right_person boolean, each_person_340 boolean)
    LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_temp.set_mark();
    INSERT INTO dcpf.portfolio_item (owner_id, item_type, title)
    SELECT ('00000000-0000-4000-8000-0000000a' || lpad((1 + g % 50)::text, 4, '0'))::uuid, 'other_activity', label || ' ' || g
      FROM generate_series(1, 17000) g;
    RETURN QUERY
    SELECT count(*), count(DISTINCT e.subject_person), max(cardinality(e.object_keys)) <= 400,
           sum(cardinality(e.object_keys)),
           (SELECT count(*) FROM (SELECT DISTINCT k FROM dcpf.audit_event x, unnest(x.object_keys) k
                                   WHERE x.id > (SELECT id FROM mark) AND x.object_table = 'portfolio_item') d),
           bool_and((SELECT bool_and(i.owner_id = e.subject_person) FROM dcpf.portfolio_item i WHERE i.id = ANY (e.object_keys))),
           (SELECT bool_and(n = 340) FROM (SELECT sum(cardinality(x.object_keys)) AS n FROM dcpf.audit_event x
                                            WHERE x.id > (SELECT id FROM mark) AND x.object_table = 'portfolio_item'
                                            GROUP BY x.subject_person) p)
      FROM dcpf.audit_event e
     WHERE e.id > (SELECT id FROM mark) AND e.object_table = 'portfolio_item';
END
$$;
SELECT * FROM pg_temp.many_persons('Massa');
SET work_mem = '64kB';
SELECT events > 50 AS more_events, persons, within_cap, rows_named, distinct_rows, right_person, each_person_340
  FROM pg_temp.many_persons('Krap');
RESET work_mem;
-- rows of no one (the licensee table names no person): one event with subject NULL
SELECT pg_temp.set_mark();
INSERT INTO dcpf.licensee (name, kind) SELECT 'Praktijk ' || g, 'other' FROM generate_series(1, 101) g;
DELETE FROM dcpf.licensee WHERE name LIKE 'Praktijk %';
SELECT action, subject_person IS NULL AS no_one, cardinality(object_keys) AS keys, detail
  FROM dcpf.audit_event WHERE id > (SELECT id FROM mark) AND object_table = 'licensee' ORDER BY id;
-- bad setting
SET dcpf.audit_group_rows = -1;

-- 5. the seal covers the keys: its line lists them, and a key removed,
-- replaced or moved in a sealed event is a changed event
SELECT dcpf.audit_queue_drain() IS NOT NULL AS drained;
SELECT seal_no > 0 AS sealed FROM dcpf.audit_seal();
SELECT verified, problem FROM dcpf.audit_verify(now() - interval '1 hour', now() + interval '1 hour');
CREATE TEMP TABLE grouped AS
SELECT min(id) AS id FROM dcpf.audit_event WHERE object_table = 'portfolio_item' AND cardinality(object_keys) = 150;
SELECT dcpf.audit_event_line(e) ~ ('"object_key":null,"object_keys":\["' || e.object_keys[1] || '","' || e.object_keys[2] || '",.*"' || e.object_keys[150] || '"\],"subject_person":"00000000-0000-4000-8000-000000000101"') AS line_lists_keys
  FROM dcpf.audit_event e WHERE e.id = (SELECT id FROM grouped);
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE dcpf.audit_event SET object_keys = object_keys[2:] WHERE id = (SELECT id FROM grouped);
SELECT verified, problem, event_id = (SELECT id FROM grouped) AS that_event
  FROM dcpf.audit_verify(now() - interval '1 hour', now() + interval '1 hour');
ROLLBACK;
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE dcpf.audit_event SET object_keys = object_keys[2:2] || object_keys[1:1] || object_keys[3:] WHERE id = (SELECT id FROM grouped);
SELECT verified, problem, event_id = (SELECT id FROM grouped) AS that_event
  FROM dcpf.audit_verify(now() - interval '1 hour', now() + interval '1 hour');
ROLLBACK;
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE dcpf.audit_event SET object_keys[7] = gen_random_uuid() WHERE id = (SELECT id FROM grouped);
SELECT verified, problem, event_id = (SELECT id FROM grouped) AS that_event
  FROM dcpf.audit_verify(now() - interval '1 hour', now() + interval '1 hour');
ROLLBACK;
SELECT verified, problem FROM dcpf.audit_verify(now() - interval '1 hour', now() + interval '1 hour');
-- an event names its rows one way: a key or keys, not both
BEGIN;
SET LOCAL session_replication_role = replica;
\set VERBOSITY terse
INSERT INTO dcpf.audit_event (id, occurred_at, xact_id, action, outcome, database_role, effective_role, object_key, object_keys)
VALUES (-1, '2001-01-01 00:00+00', pg_current_xact_id(), 'delete', 'success', 'x', 'x', 'a', ARRAY['00000000-0000-4000-8000-00000000ffff'::uuid]);
\set VERBOSITY default
ROLLBACK;
-- the keys stay in the row, uncompressed, in every partition (how many
-- there are depends on the audit worker's timing), and so does the rest of
-- an event up to a page
SELECT count(*) > 0 AS partitions, bool_and(a.attstorage = 'p') AS keys_plain,
       bool_and(c.reloptions @> '{toast_tuple_target=8160}') AS event_whole
  FROM pg_inherits i JOIN pg_attribute a ON a.attrelid = i.inhrelid AND a.attname = 'object_keys'
  JOIN pg_class c ON c.oid = i.inhrelid
 WHERE i.inhparent = 'dcpf.audit_event'::regclass;

SELECT dcpf.audit_queue_drain() IS NOT NULL AS drained;
SET client_min_messages = warning;
DROP EXTENSION dcpf CASCADE;
DROP ROLE dcpf_test_grp_backend;
