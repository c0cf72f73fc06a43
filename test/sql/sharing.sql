-- Sharing (sql/160_sharing.sql): the owner shares an item, a collection, a
-- category or the whole portfolio with a person or a role of a licensee
-- (optionally of one programme); grantees read only through
-- dcpf.shared_items / dcpf.shared_item, which check the shares at query time
-- and log every read; a share outside its window, revoked, of a licensee the
-- owner left, or seen through another role, shows nothing; every share is a
-- disclosure in the register.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS dcpf CASCADE;
CREATE EXTENSION dcpf;
DROP ROLE IF EXISTS dcpf_test_sh_backend;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET timezone = 'UTC';

\i test/sql/include/two_licensees.sql
-- 101 the professional; 102 supervisor in A and in the programme; 103 supervisor
-- in A, not in the programme; 104 supervisor in B; 105 a colleague (person share)
INSERT INTO dcpf.person (id, email, surname, initials) VALUES
    ('00000000-0000-4000-8000-000000000101', 'prof@example.nl', 'Jansen', 'J.'),
    ('00000000-0000-4000-8000-000000000102', 'sup.ic@example.nl', 'Bakker', 'B.'),
    ('00000000-0000-4000-8000-000000000103', 'sup.seh@example.nl', 'Visser', 'V.'),
    ('00000000-0000-4000-8000-000000000104', 'sup.west@example.nl', 'Smit', 'S.'),
    ('00000000-0000-4000-8000-000000000105', 'collega@example.nl', 'Mulder', 'M.');
INSERT INTO dcpf.membership (id, person_id, licensee_id, role_code, valid_from) VALUES
    ('00000000-0000-4000-8000-00000000e101', '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', 'professional', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e102', '00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-00000000a001', 'supervisor', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e103', '00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-00000000a001', 'assessor', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e104', '00000000-0000-4000-8000-000000000103', '00000000-0000-4000-8000-00000000a001', 'supervisor', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e105', '00000000-0000-4000-8000-000000000104', '00000000-0000-4000-8000-00000000a002', 'supervisor', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e106', '00000000-0000-4000-8000-000000000105', '00000000-0000-4000-8000-00000000a002', 'professional', '2024-01-01');
\i test/sql/include/accept_euras.sql
INSERT INTO dcpf.programme (id, licensee_id, code, name, kind) VALUES
    ('00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001', 'IC', 'Vervolgopleiding IC', 'track');
INSERT INTO dcpf.programme_member (programme_id, licensee_id, person_id, role, valid_from) VALUES
    ('00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-000000000101', 'trainee', '2024-02-01'),
    ('00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-000000000102', 'supervisor', '2024-02-01');

CREATE ROLE dcpf_test_sh_backend NOLOGIN IN ROLE dcpf_service;
CREATE FUNCTION pg_temp.as_person(person text, licensee text, role text) RETURNS boolean LANGUAGE sql
RETURN dcpf.act_as(('00000000-0000-4000-8000-000000000' || person)::uuid, ('00000000-0000-4000-8000-00000000' || licensee)::uuid,
                   role, 'test', true) IS NOT NULL;
-- what the identity sees through the sharing functions: item title and permission
CREATE FUNCTION pg_temp.seen() RETURNS text LANGUAGE sql
RETURN coalesce((SELECT string_agg(title || ':' || permission, ', ' ORDER BY title) FROM dcpf.shared_items()), '(nothing)');
GRANT EXECUTE ON FUNCTION pg_temp.as_person(text, text, text), pg_temp.seen() TO PUBLIC;
SET ROLE dcpf_test_sh_backend;

-- the professional's items: three reflections, one feedback
SELECT pg_temp.as_person('101', 'a001', 'professional');
INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, item_type, title, body_encrypted)
SELECT n.id, '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000e101', n.kind, n.title,
       dcpf.encrypt(n.body, 'portfolio_item', 'body', n.id, '00000000-0000-4000-8000-000000000101')
  FROM (VALUES ('00000000-0000-4000-8000-00000000f001'::uuid, 'reflection', 'R1 nachtdienst', 'Drukke nacht.'),
               ('00000000-0000-4000-8000-00000000f002'::uuid, 'reflection', 'R2 overdracht', 'SBAR geoefend.'),
               ('00000000-0000-4000-8000-00000000f003'::uuid, 'reflection', 'R3 privé', 'Alleen voor mij.'),
               ('00000000-0000-4000-8000-00000000f004'::uuid, 'feedback', 'F1 van collega', 'Goed gedaan.')) n(id, kind, title, body);
INSERT INTO dcpf.portfolio_collection (id, owner_id, name)
VALUES ('00000000-0000-4000-8000-00000000c501', '00000000-0000-4000-8000-000000000101', 'Voortgangsgesprek');
SELECT dcpf.set_collection_items('00000000-0000-4000-8000-00000000c501',
                                 '{00000000-0000-4000-8000-00000000f002,00000000-0000-4000-8000-00000000f004}') AS collected;
-- shares: R1 with the colleague (a person of another licensee); the
-- collection with A's supervisors in the programme (comment); feedback
-- with A's supervisors (read); R3 with B's supervisors (the owner is no
-- member of B: never visible); one not yet valid, one expired
INSERT INTO dcpf.share (id, owner_id, scope, item_id, collection_id, category, grantee_person_id, grantee_licensee_id,
                        grantee_role, grantee_programme_id, permission, valid_from, valid_until) VALUES
    ('00000000-0000-4000-8000-00000000d001', '00000000-0000-4000-8000-000000000101', 'item', '00000000-0000-4000-8000-00000000f001', NULL, NULL,
     '00000000-0000-4000-8000-000000000105', NULL, NULL, NULL, 'read', now(), NULL),
    ('00000000-0000-4000-8000-00000000d002', '00000000-0000-4000-8000-000000000101', 'collection', NULL, '00000000-0000-4000-8000-00000000c501', NULL,
     NULL, '00000000-0000-4000-8000-00000000a001', 'supervisor', '00000000-0000-4000-8000-00000000c001', 'comment', now(), NULL),
    ('00000000-0000-4000-8000-00000000d003', '00000000-0000-4000-8000-000000000101', 'category', NULL, NULL, 'feedback',
     NULL, '00000000-0000-4000-8000-00000000a001', 'supervisor', NULL, 'read', now(), NULL),
    ('00000000-0000-4000-8000-00000000d004', '00000000-0000-4000-8000-000000000101', 'item', '00000000-0000-4000-8000-00000000f003', NULL, NULL,
     NULL, '00000000-0000-4000-8000-00000000a002', 'supervisor', NULL, 'assess', now(), NULL),
    ('00000000-0000-4000-8000-00000000d005', '00000000-0000-4000-8000-000000000101', 'portfolio', NULL, NULL, NULL,
     '00000000-0000-4000-8000-000000000103', NULL, NULL, NULL, 'assess', now() + interval '1 day', NULL),
    ('00000000-0000-4000-8000-00000000d006', '00000000-0000-4000-8000-000000000101', 'portfolio', NULL, NULL, NULL,
     '00000000-0000-4000-8000-000000000104', NULL, NULL, NULL, 'assess', now() - interval '2 days', now() - interval '1 day');
SELECT pg_temp.seen() AS owner_sees_via_shares;           -- one's own items are read directly
SELECT scope, coalesce(right(grantee_person_id::text, 3), grantee_role) AS grantee, permission FROM dcpf.share ORDER BY id;
SELECT kind, recipient_description, what, until IS NULL AS open_ended FROM dcpf.disclosure ORDER BY disclosed_at, what;

-- ---------------------------------------------------------------------------
-- Who sees what
-- ---------------------------------------------------------------------------
SELECT pg_temp.as_person('102', 'a001', 'supervisor');   -- A's supervisor, in the programme
SELECT pg_temp.seen();
SELECT title, body, permission FROM dcpf.shared_item('00000000-0000-4000-8000-00000000f002');
SELECT count(*) AS items_in_table FROM dcpf.portfolio_item;    -- the table itself: nothing
SELECT pg_temp.as_person('102', 'a001', 'assessor');     -- the same person, acting as assessor: nothing
SELECT pg_temp.seen();
SELECT pg_temp.as_person('103', 'a001', 'supervisor');   -- A's supervisor, not in the programme
SELECT pg_temp.seen();
SELECT pg_temp.as_person('104', 'a002', 'supervisor');   -- B's supervisor: R3 was shared with B's role, but the owner is no member of B; d006 expired
SELECT pg_temp.seen();
SELECT pg_temp.as_person('105', 'a002', 'professional'); -- the colleague, in whatever licensee they act
SELECT pg_temp.seen();
SELECT title, body, permission FROM dcpf.shared_item('00000000-0000-4000-8000-00000000f001');
\set ON_ERROR_STOP 0
SELECT title FROM dcpf.shared_item('00000000-0000-4000-8000-00000000f003');   -- not shared with them
SELECT title FROM dcpf.shared_item('00000000-0000-4000-8000-00000000f999');   -- no such item: the same answer
SELECT dcpf.revoke_share('00000000-0000-4000-8000-00000000d001');            -- not theirs to revoke
SELECT dcpf.decrypt_text(body_encrypted, 'portfolio_item', 'body', id, owner_id) FROM dcpf.portfolio_item;   -- no rows to copy from
\set ON_ERROR_STOP 1

-- ---------------------------------------------------------------------------
-- Revoked: gone at once; the register shows the end
-- ---------------------------------------------------------------------------
SELECT pg_temp.as_person('101', 'a001', 'professional');
SELECT dcpf.revoke_share('00000000-0000-4000-8000-00000000d001') IS NOT NULL AS revoked;
SELECT dcpf.revoke_share('00000000-0000-4000-8000-00000000d001') = (SELECT revoked_at FROM dcpf.share WHERE id = '00000000-0000-4000-8000-00000000d001') AS again_the_same;
SELECT pg_temp.as_person('105', 'a002', 'professional');
SELECT pg_temp.seen();
\set ON_ERROR_STOP 0
SELECT title FROM dcpf.shared_item('00000000-0000-4000-8000-00000000f001');
\set ON_ERROR_STOP 1
-- a collection shows what it holds when read: R2 taken out, R1 put in
SELECT pg_temp.as_person('101', 'a001', 'professional');
SELECT dcpf.set_collection_items('00000000-0000-4000-8000-00000000c501',
                                 '{00000000-0000-4000-8000-00000000f001,00000000-0000-4000-8000-00000000f004}') AS collected;
SELECT pg_temp.as_person('102', 'a001', 'supervisor');
SELECT pg_temp.seen();

-- ---------------------------------------------------------------------------
-- Signing off: only with assess, only a submitted item
-- ---------------------------------------------------------------------------
SELECT pg_temp.as_person('101', 'a001', 'professional');
INSERT INTO dcpf.share (id, owner_id, scope, item_id, grantee_person_id, permission)
VALUES ('00000000-0000-4000-8000-00000000d007', '00000000-0000-4000-8000-000000000101', 'item', '00000000-0000-4000-8000-00000000f002', '00000000-0000-4000-8000-000000000103', 'assess');
SELECT pg_temp.as_person('103', 'a001', 'supervisor');
\set ON_ERROR_STOP 0
SELECT dcpf.sign_item('00000000-0000-4000-8000-00000000f002');   -- still a draft
SELECT dcpf.sign_item('00000000-0000-4000-8000-00000000f004');   -- read only (the feedback category)
\set ON_ERROR_STOP 1
SELECT pg_temp.as_person('101', 'a001', 'professional');
SELECT dcpf.submit_item('00000000-0000-4000-8000-00000000f002') IS NOT NULL AS submitted;
SELECT pg_temp.as_person('102', 'a001', 'supervisor');
\set ON_ERROR_STOP 0
SELECT dcpf.sign_item('00000000-0000-4000-8000-00000000f002');   -- R2 left the collection they may comment on
\set ON_ERROR_STOP 1
SELECT pg_temp.as_person('103', 'a001', 'supervisor');
SELECT dcpf.sign_item('00000000-0000-4000-8000-00000000f002') IS NOT NULL AS signed;
SELECT title, status, permission FROM dcpf.shared_item('00000000-0000-4000-8000-00000000f002');
SELECT pg_temp.as_person('101', 'a001', 'professional');
SELECT status, right(signed_by::text, 3) AS signed_by FROM dcpf.portfolio_item WHERE id = '00000000-0000-4000-8000-00000000f002';

-- ---------------------------------------------------------------------------
-- Refused
-- ---------------------------------------------------------------------------
SELECT pg_temp.as_person('101', 'a001', 'professional');
\set ON_ERROR_STOP 0
-- a share of someone else's item, or in someone else's name
INSERT INTO dcpf.share (id, owner_id, scope, item_id, grantee_person_id, permission)
VALUES ('00000000-0000-4000-8000-00000000d009', '00000000-0000-4000-8000-000000000101', 'item', '00000000-0000-4000-8000-00000000f999', '00000000-0000-4000-8000-000000000105', 'read');
INSERT INTO dcpf.share (owner_id, scope, grantee_person_id, permission)
VALUES ('00000000-0000-4000-8000-000000000105', 'portfolio', '00000000-0000-4000-8000-000000000101', 'read');
-- with oneself, with two grantees, with a role that is not staff, a scope without its target
INSERT INTO dcpf.share (owner_id, scope, grantee_person_id, permission)
VALUES ('00000000-0000-4000-8000-000000000101', 'portfolio', '00000000-0000-4000-8000-000000000101', 'read');
INSERT INTO dcpf.share (owner_id, scope, grantee_person_id, grantee_licensee_id, grantee_role, permission)
VALUES ('00000000-0000-4000-8000-000000000101', 'portfolio', '00000000-0000-4000-8000-000000000105', '00000000-0000-4000-8000-00000000a001', 'supervisor', 'read');
INSERT INTO dcpf.share (owner_id, scope, grantee_licensee_id, grantee_role, permission)
VALUES ('00000000-0000-4000-8000-000000000101', 'portfolio', '00000000-0000-4000-8000-00000000a001', 'licensee_admin', 'read');
INSERT INTO dcpf.share (owner_id, scope, grantee_person_id, permission)
VALUES ('00000000-0000-4000-8000-000000000101', 'item', '00000000-0000-4000-8000-000000000105', 'read');
-- a share is revoked, never changed or deleted
UPDATE dcpf.share SET permission = 'assess' WHERE id = '00000000-0000-4000-8000-00000000d003';
DELETE FROM dcpf.share WHERE id = '00000000-0000-4000-8000-00000000d003';
-- collections: someone else's item, a BSN in the name
SELECT dcpf.set_collection_items('00000000-0000-4000-8000-00000000c501', '{00000000-0000-4000-8000-00000000f999}');
INSERT INTO dcpf.portfolio_collection (owner_id, name) VALUES ('00000000-0000-4000-8000-000000000101', 'Casus 111222333');
-- the register is the server's
INSERT INTO dcpf.disclosure (subject_id, kind, recipient_description, what)
VALUES ('00000000-0000-4000-8000-000000000101', 'share', 'vervalst', 'vervalst');
\set ON_ERROR_STOP 1
SELECT dcpf.clear_identity();
RESET ROLE;
-- as the owner of the extension: revocation is final
\set ON_ERROR_STOP 0
\set VERBOSITY terse
UPDATE dcpf.share SET revoked_at = NULL WHERE id = '00000000-0000-4000-8000-00000000d001';
\set VERBOSITY default
\set ON_ERROR_STOP 1

-- the register after the revocation, and the trail of reads
SELECT right(share_id::text, 3) AS share, ended_at IS NOT NULL AS ended FROM dcpf.disclosure ORDER BY share_id;
SELECT dcpf.audit_queue_drain() AS drained;
SELECT action, outcome, right(actor_person::text, 3) AS reader, application_role, right(object_key, 3) AS item,
       right(subject_person::text, 3) AS owner, detail, count(*)
  FROM dcpf.audit_event WHERE object_table = 'portfolio_item' AND action = 'read'
 GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 3, 4, 5, 2;
SELECT action, object_table, count(*) FROM dcpf.audit_event
 WHERE object_table IN ('share', 'disclosure', 'portfolio_collection', 'portfolio_collection_item')
 GROUP BY 1, 2 ORDER BY 2, 1;

SET client_min_messages = warning;
DROP EXTENSION dcpf CASCADE;
DROP ROLE dcpf_test_sh_backend;
