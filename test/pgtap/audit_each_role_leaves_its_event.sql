-- Each operation by each application role leaves exactly the expected audit
-- event: the verified person as actor, the role and licensee acted in, the
-- back-end that acted for them, the row's key and the person whose data it
-- is; an UPDATE names its changed columns; reads of another person are
-- queued and written by the audit worker, reads of one's own data are not
-- logged. Identities are assumed with dcpf.act_as by a dcpf_service member.
BEGIN;
SELECT plan(10 * 4 + 6);
DO $$ BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO PUBLIC', pg_my_temp_schema()::regnamespace);
    EXECUTE format('GRANT ALL ON ALL TABLES IN SCHEMA %I TO PUBLIC', pg_my_temp_schema()::regnamespace);
    EXECUTE format('GRANT ALL ON ALL SEQUENCES IN SCHEMA %I TO PUBLIC', pg_my_temp_schema()::regnamespace);
END $$;
SET LOCAL client_min_messages = warning;
CREATE ROLE dcpf_t_audit_svc NOLOGIN IN ROLE dcpf_service;

-- a licensee with a licence, every EURA published; one person per role, and a member
INSERT INTO dcpf.licensee (id, name, kind) VALUES ('00000000-0000-4000-8000-00000000aa01', 'Licensee A', 'academic_hospital');
INSERT INTO dcpf.product (id, code, name) VALUES ('00000000-0000-4000-8000-00000000cc01', 'dcpf-audit-t', 'DCPF');
INSERT INTO dcpf.licence (licensee_id, product_id, starts_on)
VALUES ('00000000-0000-4000-8000-00000000aa01', '00000000-0000-4000-8000-00000000cc01', '2020-01-01');
INSERT INTO dcpf.role_agreement (product_id, role_code, version, title, body, effective_from)
SELECT '00000000-0000-4000-8000-00000000cc01', code, 1, 'EURA ' || code, 'Ik accepteer de rolgebonden rechten van ' || code || '.', '2020-01-01'
  FROM dcpf.role;
CREATE TEMP TABLE actor AS
SELECT r.code AS role_code, gen_random_uuid() AS person_id, row_number() OVER (ORDER BY r.code) AS n
  FROM dcpf.role r WHERE r.builtin;
INSERT INTO dcpf.person (id, email, surname, initials)
SELECT person_id, 'actor.' || role_code || '@example.nl', 'Actor ' || (ARRAY['Een','Twee','Drie','Vier','Vijf','Zes','Zeven','Acht','Negen','Tien'])[n], 'A.' FROM actor;
INSERT INTO dcpf.person (id, email, surname, initials)
VALUES ('00000000-0000-4000-8000-0000000000e1', 'member@example.nl', 'Lid', 'L.');
-- valid BIG numbers for the roles that need one, and for the member
CREATE TEMP TABLE big AS
SELECT row_number() OVER () AS k, d AS number
  FROM (SELECT '8901234' || lpad(g::text, 4, '0') AS d FROM generate_series(5600, 9999) g) c
 WHERE dcpf.big_is_valid(d) LIMIT 10;
SELECT count(*) FROM (
    SELECT dcpf.set_big_number(a.person_id, b.number)
      FROM (SELECT x.*, row_number() OVER (ORDER BY x.role_code) AS k FROM actor x JOIN dcpf.role r ON r.code = x.role_code
             WHERE r.requires_big) a
      JOIN big b ON b.k = a.k) s;
SELECT dcpf.set_big_number('00000000-0000-4000-8000-0000000000e1', (SELECT number FROM big WHERE k = 10));
GRANT SELECT ON actor TO PUBLIC;
ALTER TABLE actor ADD COLUMN has_key boolean;
UPDATE actor SET has_key = EXISTS (SELECT 1 FROM dcpf.data_key k WHERE k.subject_id = actor.person_id);
INSERT INTO dcpf.membership (person_id, licensee_id, role_code, valid_from, valid_until)
SELECT person_id, '00000000-0000-4000-8000-00000000aa01', role_code, '2024-01-01',
       CASE WHEN role_code = 'platform_support' THEN now() + interval '10 days' END
  FROM actor;
INSERT INTO dcpf.membership (person_id, licensee_id, role_code, valid_from)
VALUES ('00000000-0000-4000-8000-0000000000e1', '00000000-0000-4000-8000-00000000aa01', 'professional', '2024-01-01');
INSERT INTO dcpf.role_agreement_acceptance (agreement_id, person_id, method)
SELECT a.id, m.person_id, 'click_through'
  FROM dcpf.membership m JOIN dcpf.role_agreement a ON a.role_code = m.role_code;

CREATE TEMP TABLE mark (id bigint);
INSERT INTO mark SELECT coalesce(max(id), 0) FROM dcpf.audit_event;
CREATE FUNCTION pg_temp.remark() RETURNS void LANGUAGE sql AS $$ UPDATE pg_temp.mark SET id = (SELECT coalesce(max(id), 0) FROM dcpf.audit_event) $$;
-- the events since the mark, as one comparable text each
CREATE FUNCTION pg_temp.events_since() RETURNS SETOF text LANGUAGE sql AS $$
    SELECT concat_ws(' | ', e.action, e.outcome, e.actor_person, e.actor_method, e.on_behalf_of, e.application_role,
                     e.licensee_id, e.database_role, e.object_table,
                     CASE WHEN e.object_table IN ('identity_assumption', 'data_key') THEN '(id)' ELSE e.object_key END,
                     e.subject_person, e.detail)
      FROM dcpf.audit_event e WHERE e.id > (SELECT id FROM pg_temp.mark) ORDER BY e.id $$;
CREATE FUNCTION pg_temp.expected(action text, person uuid, role text, tbl text, key text, subject uuid, detail text)
    RETURNS text LANGUAGE sql AS $$
    SELECT concat_ws(' | ', action, 'success', person, 'act_as', person, role, '00000000-0000-4000-8000-00000000aa01',
                     session_user, tbl, key, subject, detail) $$;

-- the record of an act_as: by the back-end (database role), about the person
CREATE FUNCTION pg_temp.act_as_event(person uuid) RETURNS text LANGUAGE sql AS $$
    SELECT concat_ws(' | ', 'act_as', 'success', session_user, 'identity_assumption', '(id)', person) $$;

-- every role: its own person row (UPDATE), its own preference (INSERT), its
-- own phone (INSERT, and the encryption under a new data key), and reading
-- its own data (no event)
CREATE TEMP TABLE result (n serial, ok boolean, description text, got text, want text);
DO $$
DECLARE
    a record;
    got text[];
    want text[];
    phone uuid;
BEGIN
    FOR a IN SELECT * FROM pg_temp.actor ORDER BY role_code LOOP
        PERFORM pg_temp.remark();
        SET LOCAL ROLE dcpf_t_audit_svc;
        PERFORM dcpf.act_as(a.person_id, '00000000-0000-4000-8000-00000000aa01', a.role_code, 'audit matrix');
        UPDATE dcpf.person SET job_title = 'functie ' || a.role_code WHERE id = a.person_id;
        RESET ROLE;
        got := ARRAY(SELECT pg_temp.events_since());
        want := ARRAY[pg_temp.act_as_event(a.person_id),
                      pg_temp.expected('update', a.person_id, a.role_code, 'person', a.person_id::text, a.person_id,
                                       '{"columns": ["job_title"]}')];
        INSERT INTO pg_temp.result (ok, description, got, want)
        VALUES (got = want, a.role_code || ': act_as is one act_as event; UPDATE of one''s own person row one update event',
                got::text, want::text);

        PERFORM pg_temp.remark();
        SET LOCAL ROLE dcpf_t_audit_svc;
        INSERT INTO dcpf.person_preference (person_id) VALUES (a.person_id);
        RESET ROLE;
        got := ARRAY(SELECT pg_temp.events_since());
        want := ARRAY[pg_temp.expected('create', a.person_id, a.role_code, 'person_preference', a.person_id::text, a.person_id, NULL)];
        INSERT INTO pg_temp.result (ok, description, got, want)
        VALUES (got = want, a.role_code || ': INSERT of one''s own preference is one create event', got::text, want::text);

        PERFORM pg_temp.remark();
        phone := gen_random_uuid();
        SET LOCAL ROLE dcpf_t_audit_svc;
        INSERT INTO dcpf.person_phone (id, person_id, kind, number_encrypted)
        VALUES (phone, a.person_id, 'mobile', dcpf.encrypt('+3161234' || lpad(a.n::text, 4, '0'), 'person_phone', 'number', phone, a.person_id));
        RESET ROLE;
        got := ARRAY(SELECT regexp_replace(x, '^key_created \| .*$', 'key_created') FROM pg_temp.events_since() x);
        want := CASE WHEN a.has_key THEN ARRAY[]::text[] ELSE ARRAY['key_created'] END
                || pg_temp.expected('create', a.person_id, a.role_code, 'person_phone', phone::text, a.person_id, NULL);
        INSERT INTO pg_temp.result (ok, description, got, want)
        VALUES (got = want, a.role_code || ': INSERT of one''s own phone is one create event (after its data key''s creation when new)',
                got::text, want::text);

        PERFORM pg_temp.remark();
        SET LOCAL ROLE dcpf_t_audit_svc;
        PERFORM count(*) FROM dcpf.person_phone_decrypted WHERE person_id = a.person_id;
        RESET ROLE;
        PERFORM dcpf.audit_queue_drain();
        got := ARRAY(SELECT pg_temp.events_since());
        INSERT INTO pg_temp.result (ok, description, got, want)
        VALUES (cardinality(got) = 0, a.role_code || ': reading one''s own phone leaves no event', got::text, '{}');
    END LOOP;
END $$;
SELECT ok(ok, description || CASE WHEN ok THEN '' ELSE format(E'\n got:  %s\n want: %s', got, want) END)
  FROM pg_temp.result ORDER BY n;

-- the licensee admin changes a member, grants a membership, reads the member
SELECT pg_temp.remark();
SET LOCAL ROLE dcpf_t_audit_svc;
SELECT dcpf.act_as((SELECT person_id FROM actor WHERE role_code = 'licensee_admin'),
                   '00000000-0000-4000-8000-00000000aa01', 'licensee_admin', 'admin work') IS NOT NULL AS acting \gset
UPDATE dcpf.person SET job_title = 'aios' WHERE id = '00000000-0000-4000-8000-0000000000e1';
RESET ROLE;
SELECT is(ARRAY(SELECT pg_temp.events_since() OFFSET 1),
          ARRAY[pg_temp.expected('update', (SELECT person_id FROM actor WHERE role_code = 'licensee_admin'), 'licensee_admin',
                                 'person', '00000000-0000-4000-8000-0000000000e1', '00000000-0000-4000-8000-0000000000e1',
                                 '{"columns": ["job_title"]}')],
          'the admin''s UPDATE of a member is one update event: actor the admin, subject the member');
SELECT pg_temp.remark();
SET LOCAL ROLE dcpf_t_audit_svc;
SELECT dcpf.grant_membership('00000000-0000-4000-8000-0000000000e1', '00000000-0000-4000-8000-00000000aa01', 'assessor',
                             granted_by => (SELECT person_id FROM actor WHERE role_code = 'licensee_admin')) AS granted \gset
RESET ROLE;
SELECT is(ARRAY(SELECT pg_temp.events_since()),
          ARRAY[pg_temp.expected('grant', (SELECT person_id FROM actor WHERE role_code = 'licensee_admin'), 'licensee_admin',
                                 'membership', :'granted', '00000000-0000-4000-8000-0000000000e1', NULL)],
          'a granted membership is one grant event: actor the admin, subject the grantee');
SELECT pg_temp.remark();
SET LOCAL ROLE dcpf_t_audit_svc;
SELECT count(*) FROM dcpf.person_decrypted WHERE id = '00000000-0000-4000-8000-0000000000e1' AND big_number IS NOT NULL \gset
RESET ROLE;
SELECT dcpf.audit_queue_drain() AS drained \gset
SELECT is(ARRAY(SELECT pg_temp.events_since()),
          ARRAY[pg_temp.expected('read', (SELECT person_id FROM actor WHERE role_code = 'licensee_admin'), 'licensee_admin',
                                 'person', '00000000-0000-4000-8000-0000000000e1', '00000000-0000-4000-8000-0000000000e1', NULL)],
          'the admin''s read of a member''s BIG number is one read event (queued, written by the worker)');

-- the privacy officer reads the member: one event; a professional may not: one denied event
SELECT pg_temp.remark();
SET LOCAL ROLE dcpf_t_audit_svc;
SELECT dcpf.act_as((SELECT person_id FROM actor WHERE role_code = 'privacy_officer'),
                   '00000000-0000-4000-8000-00000000aa01', 'privacy_officer', 'privacy work') IS NOT NULL AS acting \gset
SELECT count(*) FROM dcpf.person_decrypted WHERE id = '00000000-0000-4000-8000-0000000000e1' AND big_number IS NOT NULL \gset
RESET ROLE;
SELECT dcpf.audit_queue_drain() AS drained \gset
SELECT is(ARRAY(SELECT pg_temp.events_since() OFFSET 1),
          ARRAY[pg_temp.expected('read', (SELECT person_id FROM actor WHERE role_code = 'privacy_officer'), 'privacy_officer',
                                 'person', '00000000-0000-4000-8000-0000000000e1', '00000000-0000-4000-8000-0000000000e1', NULL)],
          'the privacy officer''s read of a member is one read event, also after the admin read it in the same transaction');
CREATE TEMP TABLE stolen AS SELECT big_number_encrypted AS ct FROM dcpf.person WHERE id = '00000000-0000-4000-8000-0000000000e1';
GRANT SELECT ON stolen TO PUBLIC;
SELECT pg_temp.remark();
SET LOCAL ROLE dcpf_t_audit_svc;
SELECT dcpf.act_as((SELECT person_id FROM actor WHERE role_code = 'professional'),
                   '00000000-0000-4000-8000-00000000aa01', 'professional', 'snooping') IS NOT NULL AS acting \gset
SELECT throws_ok($$SELECT dcpf.decrypt_text(ct, 'person', 'big_number', '00000000-0000-4000-8000-0000000000e1',
                                            '00000000-0000-4000-8000-0000000000e1') FROM pg_temp.stolen$$,
                 '42501', NULL, 'a professional may not decrypt a colleague''s BIG number');
RESET ROLE;
SELECT dcpf.audit_queue_drain() AS drained \gset
SELECT is(ARRAY(SELECT pg_temp.events_since() OFFSET 1),
          ARRAY[replace(pg_temp.expected('read', (SELECT person_id FROM actor WHERE role_code = 'professional'), 'professional',
                                         'person', '00000000-0000-4000-8000-0000000000e1', '00000000-0000-4000-8000-0000000000e1', NULL),
                        ' | success | ', ' | denied | ')],
          'the refused decryption is one denied read event, kept although the statement failed');

SELECT * FROM finish();
ROLLBACK;
