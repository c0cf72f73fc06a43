-- The verified identity carried to the workers of a Citus cluster
-- (src/relay.c, doc/guides/citus.md "The identity on the workers"): a relay
-- from dcpf.identity_relay() is adopted only where dcpf.accept_identity_relay
-- is on, only after its MAC, database and expiry are checked, never over an
-- identity of the backend's own, and never relayed again. This session plays
-- both nodes: accept off is the coordinator, accept on a worker.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS dcpf CASCADE;
CREATE EXTENSION dcpf;
DROP ROLE IF EXISTS dcpf_test_backend;
DROP ROLE IF EXISTS dcpf_test_app;
DROP DATABASE IF EXISTS dcpf_relay_other;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET timezone = 'UTC';
\i test/sql/include/try.sql

INSERT INTO dcpf.licensee (id, name, kind) VALUES
    ('00000000-0000-4000-8000-00000000a001', 'UMC Oost', 'academic_hospital');
INSERT INTO dcpf.product (id, code, name) VALUES ('00000000-0000-4000-8000-00000000b001', 'dcpf', 'DCPF portfolio');
INSERT INTO dcpf.licence (licensee_id, product_id, starts_on) VALUES
    ('00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-00000000b001', '2020-01-01');
INSERT INTO dcpf.person (id, email, surname, initials) VALUES
    ('00000000-0000-4000-8000-000000000101', 'trainee@example.nl', 'Jansen', 'T.'),
    ('00000000-0000-4000-8000-000000000102', 'supervisor@example.nl', 'Bakker', 'S.');
INSERT INTO dcpf.membership (person_id, licensee_id, role_code, valid_from) VALUES
    ('00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-00000000a001', 'supervisor', '2024-01-01');
INSERT INTO dcpf.role_agreement (id, product_id, role_code, version, title, body, effective_from) VALUES
    ('00000000-0000-4000-8000-00000000e002', '00000000-0000-4000-8000-00000000b001', 'supervisor', 1,
     'EURA supervisor', 'Ik accepteer de rolgebonden rechten van de supervisor.', '2024-01-01');
SELECT dcpf.accept_role_agreement('00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-00000000e002') IS NOT NULL AS accepted;
INSERT INTO dcpf.portfolio_item (id, owner_id, item_type, title) VALUES
    ('00000000-0000-4000-8000-00000000f101', '00000000-0000-4000-8000-000000000101', 'reflection', 'Eerste nachtdienst'),
    ('00000000-0000-4000-8000-00000000f102', '00000000-0000-4000-8000-000000000102', 'reflection', 'Supervisie');

CREATE ROLE dcpf_test_backend NOLOGIN IN ROLE dcpf_service;
CREATE ROLE dcpf_test_app NOLOGIN IN ROLE dcpf_app;

-- off unless a worker turns it on; no relay without an identity
SHOW dcpf.accept_identity_relay;
SHOW dcpf.identity_relay_lifetime;
SET ROLE dcpf_test_app;
SELECT dcpf.identity_relay();
RESET ROLE;

-- relays issued where the identity is verified (the coordinator)
SET ROLE dcpf_test_backend;
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000101', NULL, NULL, 'relay test', true) IS NOT NULL AS trainee;
SELECT dcpf.identity_relay() AS trainee_relay \gset
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-00000000a001', 'supervisor', 'relay test', true) IS NOT NULL AS supervisor;
SELECT dcpf.identity_relay() AS supervisor_relay \gset
SELECT dcpf.clear_identity();
RESET ROLE;
SELECT left(:'trainee_relay', 13) AS prefix, length(:'trainee_relay') BETWEEN 100 AND 1024 AS plausible_length,
       :'trainee_relay' <> :'supervisor_relay' AS differ;

-- on the coordinator (accept off) a relay is inert: the session gains nothing
SET ROLE dcpf_test_app;
SET dcpf.identity_relay = :'trainee_relay';
SELECT dcpf.current_person() AS coordinator_person, count(*) AS items_seen FROM dcpf.portfolio_item;
RESET dcpf.identity_relay;
-- and a session cannot make itself a worker
SET dcpf.accept_identity_relay = on;
RESET ROLE;

-- a relay is per session or transaction: not for a role, a database or a file
ALTER ROLE dcpf_test_app SET dcpf.identity_relay = :'trainee_relay';
ALTER DATABASE contrib_regression SET dcpf.identity_relay = :'trainee_relay';
SET dcpf.identity_relay = 'eyJhbGciOiJub25lIn0.e30.';

-- a worker (accept on) adopts it in the transaction, and the policies hold for that person
SET dcpf.accept_identity_relay = on;
SET ROLE dcpf_test_app;
BEGIN;
SET LOCAL dcpf.identity_relay = :'trainee_relay';
SELECT person, licensee, role, method, scope FROM dcpf.identity();
SELECT id, title FROM dcpf.portfolio_item ORDER BY id;
-- a relayed identity is not relayed again (a worker cannot extend its life)
SELECT pg_temp.try('SELECT dcpf.identity_relay()');
-- writes made under it carry it into the audit trail
INSERT INTO dcpf.portfolio_item (id, owner_id, item_type, title) VALUES
    ('00000000-0000-4000-8000-00000000f103', '00000000-0000-4000-8000-000000000101', 'reflection', 'Op de werker');
-- another person's row is still refused
SELECT pg_temp.try($$INSERT INTO dcpf.portfolio_item (owner_id, item_type, title) VALUES
    ('00000000-0000-4000-8000-000000000102', 'reflection', 'Namens de supervisor')$$);
COMMIT;
SELECT dcpf.current_person() AS after_commit;
RESET ROLE;
SELECT action, actor_person, actor_method, object_key FROM dcpf.audit_event
 WHERE object_table = 'portfolio_item' AND object_key = '00000000-0000-4000-8000-00000000f103';

-- a relay set for the session is adopted again in each transaction
SET ROLE dcpf_test_app;
SET dcpf.identity_relay = :'supervisor_relay';
SELECT dcpf.current_person() AS first_transaction, dcpf.current_role();
SELECT dcpf.current_person() AS second_transaction, dcpf.current_licensee();
-- changed within a transaction, the identity changes with it
BEGIN;
SELECT dcpf.current_person() AS before_change;
SET LOCAL dcpf.identity_relay = :'trainee_relay';
SELECT dcpf.current_person() AS after_change, dcpf.current_role() AS role_after_change;
ROLLBACK;
SELECT dcpf.current_person() AS after_rollback;
-- RESET ALL and DISCARD ALL end it
RESET ALL;
SELECT dcpf.current_person() AS after_reset_all;
RESET ROLE;
SET dcpf.accept_identity_relay = on;
SET dcpf.identity_relay = :'trainee_relay';
SELECT dcpf.current_person() IS NOT NULL AS adopted;
DISCARD ALL;
SELECT dcpf.current_person() AS after_discard_all, current_setting('dcpf.identity_relay') AS relay_after_discard_all;
\i test/sql/include/try.sql
SET timezone = 'UTC';

-- an identity of the backend's own wins over a relay
SET dcpf.accept_identity_relay = on;
SET ROLE dcpf_test_backend;
BEGIN;
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-00000000a001', 'supervisor', 'own') IS NOT NULL AS own;
SET LOCAL dcpf.identity_relay = :'trainee_relay';
SELECT dcpf.current_person() AS own_wins, method FROM dcpf.identity();
COMMIT;
RESET ROLE;

-- forged, altered and malformed relays are refused, on every use until changed
SET ROLE dcpf_test_app;
-- another person's claims under the trainee's MAC
SELECT split_part(:'supervisor_relay', '.', 1) || '.' || split_part(:'supervisor_relay', '.', 2) || '.'
       || split_part(:'trainee_relay', '.', 3) AS swapped \gset
SET dcpf.identity_relay = :'swapped';
SELECT dcpf.current_person();
SELECT count(*) FROM dcpf.portfolio_item;
-- one character of the MAC changed
SELECT left(:'trainee_relay', length(:'trainee_relay') - 2)
       || CASE WHEN substr(:'trainee_relay', length(:'trainee_relay') - 1, 1) = 'A' THEN 'B' ELSE 'A' END
       || right(:'trainee_relay', 1) AS altered_mac \gset
SET dcpf.identity_relay = :'altered_mac';
SELECT pg_temp.try('SELECT dcpf.current_person()');
-- one character of the claims changed
SELECT left(:'trainee_relay', 20)
       || CASE WHEN substr(:'trainee_relay', 21, 1) = 'A' THEN 'B' ELSE 'A' END
       || substr(:'trainee_relay', 22) AS altered_claims \gset
SET dcpf.identity_relay = :'altered_claims';
SELECT pg_temp.try('SELECT dcpf.current_person()');
-- the MAC cut short, missing, or not base64url; a MAC over nothing
SELECT pg_temp.try(format('SET dcpf.identity_relay = %L', left(:'trainee_relay', length(:'trainee_relay') - 4)))
       || ' / ' || pg_temp.try('SELECT dcpf.current_person()') AS cut_short;
SELECT pg_temp.try(format('SET dcpf.identity_relay = %L', split_part(:'trainee_relay', '.', 1) || '.' || split_part(:'trainee_relay', '.', 2)))
       || ' / ' || pg_temp.try('SELECT dcpf.current_person()') AS no_mac;
SELECT pg_temp.try(format('SET dcpf.identity_relay = %L', :'trainee_relay' || '=='))
       || ' / ' || pg_temp.try('SELECT dcpf.current_person()') AS not_base64url;
SELECT pg_temp.try('SET dcpf.identity_relay = ''dcpf-relay-1..''') || ' / ' || pg_temp.try('SELECT dcpf.current_person()') AS empty_parts;
SELECT left(pg_temp.try(format('SET dcpf.identity_relay = %L', 'dcpf-relay-1.' || repeat('A', 1100))), 60)
       || ' / ' || pg_temp.try('SELECT dcpf.current_person()') AS too_long;
-- cleared: no identity again, and no error
RESET dcpf.identity_relay;
SELECT dcpf.current_person() AS after_reset;
RESET ROLE;

-- expired: a relay lives dcpf.identity_relay_lifetime seconds
SET dcpf.identity_relay_lifetime = 1;
SET ROLE dcpf_test_backend;
SELECT dcpf.act_as('00000000-0000-4000-8000-000000000101', NULL, NULL, 'relay test', true) IS NOT NULL AS trainee;
SELECT dcpf.identity_relay() AS short_relay \gset
SELECT dcpf.clear_identity();
RESET ROLE;
SELECT pg_sleep(1.2);
SET ROLE dcpf_test_app;
SET dcpf.identity_relay = :'short_relay';
SELECT pg_temp.try('SELECT dcpf.current_person()');
RESET dcpf.identity_relay;
RESET ROLE;
RESET dcpf.identity_relay_lifetime;
-- and only a superuser sets the lifetime
SET ROLE dcpf_test_app;
SET dcpf.identity_relay_lifetime = 3600;
RESET ROLE;

-- issued for this database, refused in another one (same keys, same cluster)
CREATE DATABASE dcpf_relay_other;
\c dcpf_relay_other
SET client_min_messages = warning;
CREATE EXTENSION dcpf;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET dcpf.accept_identity_relay = on;
SET dcpf.identity_relay = :'trainee_relay';
SELECT dcpf.current_person();
\c contrib_regression
DROP DATABASE dcpf_relay_other;

DROP OWNED BY dcpf_test_backend, dcpf_test_app;
DROP ROLE dcpf_test_backend;
DROP ROLE dcpf_test_app;
