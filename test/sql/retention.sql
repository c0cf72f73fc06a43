-- Retention (sql/250_retention.sql): the categories, the platform's default
-- policies and a licensee's own, the purge job dcpf.run_retention, legal
-- holds and their report, and the duty to keep for erasure. Every clock
-- event (created, last_activity, membership_end, licence_end,
-- consent_withdrawn, request_closed) and every action (delete, pseudonymise,
-- hand_over) is exercised on rows made with their clocks in the past: what
-- is past its term goes, nothing else; a hold and a restriction keep a
-- person's rows, a deactivated account does not; another record keeps what
-- it needs; a dry run changes no table (counts and checksums compared);
-- running twice removes nothing more; a run stopped at max_rows or
-- max_duration leaves nothing half-done and the next one finishes; batches
-- are recorded in dcpf.job_run. Attacks: another licensee's officer neither
-- reads nor sets a policy of A nor reports on A's holds; the application
-- cannot run the job; the maintenance role reads no content and the job
-- decrypts nothing; a search_path of the caller's changes nothing.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS dcpf CASCADE;
CREATE EXTENSION dcpf;
DROP SCHEMA IF EXISTS dcpf_test_ret_evil CASCADE;
DROP ROLE IF EXISTS dcpf_test_ret_backend;
DROP ROLE IF EXISTS dcpf_test_ret_app;
DROP ROLE IF EXISTS dcpf_test_ret_maint;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET timezone = 'UTC';

\i test/sql/include/two_licensees.sql
\i test/sql/include/refused.sql
\i test/sql/include/platform_operator.sql
-- a licensee whose last licence ended in 2018: Kliniek Noord (...a004)
INSERT INTO dcpf.licensee (id, name, kind) VALUES ('00000000-0000-4000-8000-00000000a004', 'Kliniek Noord', 'hospital');
INSERT INTO dcpf.licence (licensee_id, product_id, starts_on, ends_on, status) VALUES
    ('00000000-0000-4000-8000-00000000a004', '00000000-0000-4000-8000-00000000b001', '2015-01-01', '2018-06-30', 'expired');
-- and one whose licence ended sixty days ago: Huisartsenpost Zuid (...a005)
INSERT INTO dcpf.licensee (id, name, kind) VALUES ('00000000-0000-4000-8000-00000000a005', 'Huisartsenpost Zuid', 'care_organisation');
INSERT INTO dcpf.licence (licensee_id, product_id, starts_on, ends_on, status) VALUES
    ('00000000-0000-4000-8000-00000000a005', '00000000-0000-4000-8000-00000000b001', '2022-01-01', current_date - 61, 'expired');
INSERT INTO dcpf.billing_profile (licensee_id, address_line1, postcode, city, contact_name, contact_email, payment_method) VALUES
    ('00000000-0000-4000-8000-00000000a001', 'Postbus 1', '7500 AA', 'Enschede', 'Crediteuren', 'facturen@oost.example', 'invoice'),
    ('00000000-0000-4000-8000-00000000a004', 'Postbus 4', '9700 AA', 'Groningen', 'Crediteuren', 'facturen@noord.example', 'invoice');
-- 401 Anna, 402 Bert, 406 Dirk (deactivated), 407 Eva (restricted), 408 Fay
-- (held) and 411 Kees, professionals of A; 403 the privacy officer of A,
-- 404 of B; 405 the platform's security officer; 409 Gijs and 410 Hans,
-- once of Kliniek Noord; 412 Lars, who only ever tried to log in; 413 Ivo,
-- of Huisartsenpost Zuid
INSERT INTO dcpf.person (id, email, surname, initials)
SELECT ('00000000-0000-4000-8000-000000000' || v.n)::uuid, v.email, v.surname, 'X.'
  FROM (VALUES ('401', 'anna@oost.example', 'Anna'), ('402', 'bert@oost.example', 'Bert'),
               ('403', 'fg@oost.example', 'Oost'), ('404', 'fg@west.example', 'West'),
               ('405', 'security@vrest.example', 'Veilig'), ('406', 'dirk@oost.example', 'Dirk'),
               ('407', 'eva@oost.example', 'Eva'), ('408', 'fay@oost.example', 'Fay'),
               ('409', 'gijs@noord.example', 'Gijs'), ('410', 'hans@noord.example', 'Hans'),
               ('411', 'kees@oost.example', 'Kees'), ('412', 'lars@oost.example', 'Lars'),
               ('413', 'ivo@zuid.example', 'Ivo')) v(n, email, surname);
INSERT INTO dcpf.membership (id, person_id, licensee_id, role_code, valid_from, valid_until)
SELECT ('00000000-0000-4000-8000-00000000e' || v.m)::uuid, ('00000000-0000-4000-8000-000000000' || v.p)::uuid,
       ('00000000-0000-4000-8000-00000000' || v.l)::uuid, v.role, v.from_, v.until_
  FROM (VALUES ('401', '401', 'a001', 'professional', now() - interval '5 years', NULL::timestamptz),
               -- Bert's: one that a portfolio item names (ended below), one
               -- ended four years ago (and, below, one ended 18 months ago)
               ('402', '402', 'a001', 'professional', now() - interval '6 years', NULL),
               ('403', '402', 'a001', 'supervisor', now() - interval '6 years', now() - interval '4 years'),
               ('405', '403', 'a001', 'privacy_officer', now() - interval '5 years', NULL),
               ('406', '404', 'a002', 'privacy_officer', now() - interval '5 years', NULL),
               ('407', '405', 'a003', 'platform_security', now() - interval '5 years', NULL),
               ('408', '406', 'a001', 'professional', now() - interval '5 years', NULL),
               ('409', '407', 'a001', 'professional', now() - interval '5 years', NULL),
               ('410', '408', 'a001', 'professional', now() - interval '5 years', NULL),
               ('411', '409', 'a004', 'professional', '2016-01-01', NULL),
               ('412', '410', 'a004', 'professional', '2016-01-01', '2018-06-30'),
               ('413', '410', 'a004', 'supervisor', '2016-01-01', NULL),
               ('414', '411', 'a001', 'professional', now() - interval '5 years', NULL),
               ('415', '413', 'a005', 'professional', now() - interval '2 years', NULL)) v(m, p, l, role, from_, until_);
\i test/sql/include/accept_euras.sql
-- Bert as supervisor in a programme of A, until three years ago
INSERT INTO dcpf.programme (id, licensee_id, code, name, kind) VALUES
    ('00000000-0000-4000-8000-00000000c401', '00000000-0000-4000-8000-00000000a001', 'IC', 'Vervolgopleiding IC', 'track');
INSERT INTO dcpf.programme_member (programme_id, licensee_id, person_id, role, valid_from, valid_until) VALUES
    ('00000000-0000-4000-8000-00000000c401', '00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-000000000402',
     'supervisor', now() - interval '5 years', now() - interval '3 years');
-- portfolio items made in a membership: Bert's (A), Gijs's (Kliniek Noord);
-- then Bert's and Gijs's memberships end
INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, item_type, title) VALUES
    ('00000000-0000-4000-8000-0000000f0402', '00000000-0000-4000-8000-000000000402', '00000000-0000-4000-8000-00000000e402', 'reflection', 'Reflectie'),
    ('00000000-0000-4000-8000-0000000f0409', '00000000-0000-4000-8000-000000000409', '00000000-0000-4000-8000-00000000e411', 'reflection', 'Reflectie Noord');
UPDATE dcpf.membership SET valid_until = now() - interval '4 years' WHERE id = '00000000-0000-4000-8000-00000000e402';
UPDATE dcpf.membership SET valid_until = '2018-06-30' WHERE id = '00000000-0000-4000-8000-00000000e411';
INSERT INTO dcpf.membership (id, person_id, licensee_id, role_code, valid_from, valid_until) VALUES
    ('00000000-0000-4000-8000-00000000e404', '00000000-0000-4000-8000-000000000402', '00000000-0000-4000-8000-00000000a001',
     'professional', now() - interval '3 years', now() - interval '18 months');

CREATE ROLE dcpf_test_ret_backend NOLOGIN IN ROLE dcpf_service;
CREATE ROLE dcpf_test_ret_app NOLOGIN IN ROLE dcpf_app;
CREATE ROLE dcpf_test_ret_maint NOLOGIN IN ROLE dcpf_maintenance;
CREATE FUNCTION pg_temp.as_person(person text, role text, licensee text DEFAULT 'a001') RETURNS boolean LANGUAGE sql
RETURN dcpf.act_as(('00000000-0000-4000-8000-000000000' || person)::uuid, ('00000000-0000-4000-8000-00000000' || licensee)::uuid,
                   role, 'test', true) IS NOT NULL;
GRANT EXECUTE ON FUNCTION pg_temp.as_person(text, text, text) TO PUBLIC;
INSERT INTO pg_temp.named VALUES ('00000000-0000-4000-8000-00000000a001', 'A'), ('00000000-0000-4000-8000-00000000a002', 'B');
-- the non-zero counts of a run's report, per category and table
CREATE FUNCTION pg_temp.counts(report jsonb) RETURNS TABLE (category text, tbl text, counts text) LANGUAGE sql AS $$
    SELECT c.key, t.key, string_agg(x.key || '=' || x.value, ' ' ORDER BY x.key)
      FROM jsonb_each(report -> 'categories') c, jsonb_each(c.value -> 'tables') t, jsonb_each_text(t.value) x
     WHERE x.value <> '0'
     GROUP BY 1, 2 ORDER BY 1, 2;
$$;
-- every table's row count and content checksum (not the job's own record
-- and the audit trail, which a run writes to)
CREATE TEMP TABLE snapshot (taken text, tbl text, n bigint, digest text);
CREATE FUNCTION pg_temp.snapshot(taken text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE t text;
BEGIN
    FOR t IN SELECT c.relname FROM pg_class c
              WHERE c.relnamespace = 'dcpf'::regnamespace AND c.relkind = 'r' AND NOT c.relispartition
                AND c.relname NOT IN ('job_run') ORDER BY 1 LOOP
        EXECUTE format('INSERT INTO pg_temp.snapshot SELECT %L, %L, count(*), md5(coalesce(string_agg(x::text, '','' ORDER BY x::text), '''')) FROM dcpf.%I x',
                       taken, t, t);
    END LOOP;
    INSERT INTO pg_temp.snapshot
    SELECT taken, 'audit_event (but the job''s own)', count(*), md5(coalesce(string_agg(e.id::text, ',' ORDER BY e.id), ''))
      FROM dcpf.audit_event e WHERE e.object_table IS DISTINCT FROM 'job_run';
END $$;

-- ---------------------------------------------------------------------------
-- The catalogue and the shipped defaults
-- ---------------------------------------------------------------------------
SELECT code, decided_by, clock_events, actions, minimum_term, legal_duty, carried_out_by FROM dcpf.data_category ORDER BY position;
SELECT category, clock_event, term, action, set_in FROM dcpf.retention_policy_in_force WHERE licensee_id IS NULL ORDER BY category;

-- ---------------------------------------------------------------------------
-- Rows with clocks in the past
-- ---------------------------------------------------------------------------
-- login records: Anna's three old and two recent attempts, two old ones of
-- an unknown address, Dirk's, Eva's and Fay's old ones, Kees's of two years
-- and of six months ago; an old token login and identity assumed for Anna
INSERT INTO dcpf.login_attempt (attempted_at, person_id, email_sha256, outcome)
SELECT now() - v.age, ('00000000-0000-4000-8000-000000000' || v.p)::uuid, sha256(coalesce(v.p, v.age::text)::bytea), v.outcome
  FROM (VALUES ('2 years'::interval, '401', 'wrong_password'), ('3 years', '401', 'success'), ('400 days', '401', 'success'),
               ('5 days', '401', 'success'), ('10 days', '401', 'wrong_password'),
               ('2 years', NULL, 'unknown_account'), ('2 years 1 day', NULL, 'unknown_account'),
               ('2 years', '406', 'success'), ('2 years', '407', 'success'), ('2 years', '408', 'success'),
               ('2 years', '411', 'success'), ('6 months', '411', 'wrong_password')) v(age, p, outcome);
INSERT INTO dcpf.authentication_event (occurred_at, issuer, subject, person_id, token_sha256) VALUES
    (now() - interval '2 years', 'https://sso.oost.example', 'anna', '00000000-0000-4000-8000-000000000401', sha256('t'));
INSERT INTO dcpf.identity_assumption (assumed_at, database_role, person_id, reason, session_scope) VALUES
    (now() - interval '2 years', 'app', '00000000-0000-4000-8000-000000000401', 'old support call', false);
-- web visits: two old anonymous ones, a recent one; Anna consents to
-- analytics and two of her visits are recorded with her
INSERT INTO dcpf.web_visit (visited_at, network, device_type, browser_family, page, consented)
SELECT date_trunc('hour', now() - v.age, 'UTC'), '192.0.0.0/16', 'desktop', 'firefox', '/portfolio', false
  FROM (VALUES ('2 years'::interval), ('14 months'), ('1 day')) v(age);
SET ROLE dcpf_test_ret_backend;
SELECT pg_temp.as_person('401', 'professional');
SELECT dcpf.give_consent('analytics_cookies') IS NOT NULL AS anna_consents_to_analytics,
       dcpf.give_consent('marketing') IS NOT NULL AND dcpf.withdraw_consent('marketing') IS NOT NULL AS anna_withdraws_marketing;
SELECT pg_temp.as_person('407', 'professional');
SELECT dcpf.object_to_marketing() IS NOT NULL AS eva_objects;
SELECT dcpf.clear_identity();
RESET ROLE;
SELECT dcpf.record_visit('192.0.2.44', 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0', '/portfolio', now() - interval '3 days',
                         '00000000-0000-4000-8000-000000000401') IS NOT NULL AS visit_1,
       dcpf.record_visit('192.0.2.44', 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0', '/feedback', now() - interval '2 days',
                         '00000000-0000-4000-8000-000000000401') IS NOT NULL AS visit_2;
-- notices: sent two years ago; pending that long; sent and then named by
-- the lifted deactivation of Anna as the art. 18(3) notice
INSERT INTO dcpf.notice (id, kind, recipient_person_id, subject_id, queued_at, sent_at)
SELECT ('00000000-0000-4000-8000-0000000d04' || v.n)::uuid, 'feedback_given', '00000000-0000-4000-8000-000000000401',
       '00000000-0000-4000-8000-000000000401', now() - interval '2 years', v.sent
  FROM (VALUES ('01', now() - interval '2 years'), ('02', NULL::timestamptz), ('03', now() - interval '2 years')) v(n, sent);
INSERT INTO dcpf.processing_restriction (person_id, kind, licensee_id, reason, started_at, started_by, lifted_at, lifted_by, lift_reason, lift_notice_id)
VALUES ('00000000-0000-4000-8000-000000000401', 'deactivation', '00000000-0000-4000-8000-00000000a001', 'Ik stop even.',
        now() - interval '3 years', '00000000-0000-4000-8000-000000000401', now() - interval '2 years',
        '00000000-0000-4000-8000-000000000403', 'Anna kwam terug.', '00000000-0000-4000-8000-0000000d0403');
-- requests: Anna's closed six years ago, and another with its rectification;
-- Anna's closed two years ago; Eva's restriction request, six years closed
INSERT INTO dcpf.subject_request (id, person_id, licensee_id, kind, details, received_at, channel, verified_at, verified_by,
                                  verification_method, status, decision, completed_at)
SELECT ('00000000-0000-4000-8000-0000000b04' || v.n)::uuid, ('00000000-0000-4000-8000-000000000' || v.p)::uuid,
       '00000000-0000-4000-8000-00000000a001', v.kind, 'Mijn eigen woorden.', now() - v.age - interval '1 week', 'web',
       now() - v.age - interval '6 days', '00000000-0000-4000-8000-000000000403', 'authenticated_session', 'completed',
       'Gedaan zoals gevraagd.', now() - v.age
  FROM (VALUES ('01', '401', 'access', '6 years'::interval), ('02', '401', 'rectification', '6 years'),
               ('03', '401', 'access', '2 years'), ('04', '407', 'restriction', '6 years')) v(n, p, kind, age);
INSERT INTO dcpf.rectification (request_id, person_id, licensee_id, fields, made_by, made_at, notices_queued) VALUES
    ('00000000-0000-4000-8000-0000000b0402', '00000000-0000-4000-8000-000000000401', '00000000-0000-4000-8000-00000000a001',
     '{email}', '00000000-0000-4000-8000-000000000403', now() - interval '6 years', 0);
-- Eva's processing is restricted (art. 18, on that request); Dirk's account
-- is deactivated
UPDATE dcpf.person SET status = 'deactivated', deactivated_at = now() WHERE id = '00000000-0000-4000-8000-000000000406';
INSERT INTO dcpf.processing_restriction (person_id, kind, request_id, ground, licensee_id, reason, started_by) VALUES
    ('00000000-0000-4000-8000-000000000407', 'restriction', '00000000-0000-4000-8000-0000000b0404', 'legal_claims',
     '00000000-0000-4000-8000-00000000a001', NULL, '00000000-0000-4000-8000-000000000403'),
    ('00000000-0000-4000-8000-000000000406', 'deactivation', NULL, NULL, '00000000-0000-4000-8000-00000000a001',
     'Ik wil geen account meer.', '00000000-0000-4000-8000-000000000406');
SELECT dcpf.processing_restricted('00000000-0000-4000-8000-000000000407') AS eva_restricted,
       dcpf.processing_restricted('00000000-0000-4000-8000-000000000406') AS dirk_frozen;

-- A's privacy officer holds Fay's login records (a claim about a login)
SET ROLE dcpf_test_ret_backend;
SELECT pg_temp.as_person('403', 'privacy_officer');
SELECT dcpf.place_legal_hold('00000000-0000-4000-8000-000000000408', 'Klacht over een inlog, zaak 2026-7.', NULL, 'login_attempts') AS fay_hold \gset
INSERT INTO pg_temp.named VALUES (:'fay_hold', 'Fay''s hold');
SELECT pg_temp.refused(format('SELECT dcpf.place_legal_hold(%L, %L, NULL, %L)', '00000000-0000-4000-8000-000000000408',
                              'Een onbekende categorie.', 'everything')) AS unknown_category;
SELECT dcpf.clear_identity();
RESET ROLE;

-- ---------------------------------------------------------------------------
-- A dry run changes nothing: every table's count and checksum
-- ---------------------------------------------------------------------------
SELECT pg_temp.snapshot('before');
SET client_min_messages = warning;
SET ROLE dcpf_test_ret_maint;
CALL dcpf.run_retention(dry_run => true) \gset dry_
RESET ROLE;
RESET client_min_messages;
SELECT pg_temp.snapshot('after');
SELECT b.tbl, b.n AS rows_before, a.n AS rows_after
  FROM pg_temp.snapshot b JOIN pg_temp.snapshot a ON a.tbl = b.tbl AND a.taken = 'after'
 WHERE b.taken = 'before' AND (b.n, b.digest) IS DISTINCT FROM (a.n, a.digest);
SELECT count(*) > 60 AS tables_compared FROM pg_temp.snapshot WHERE taken = 'after';
SELECT :'dry_report'::jsonb ->> 'status' AS status, :'dry_report'::jsonb ->> 'dry_run' AS dry_run,
       :'dry_report'::jsonb ->> 'rows_total' AS rows_total, :'dry_report'::jsonb ->> 'rows_done' AS rows_done;
SELECT * FROM pg_temp.counts(:'dry_report');

-- ---------------------------------------------------------------------------
-- The run, by the maintenance role: the defaults (created, membership_end,
-- licence_end, consent_withdrawn, request_closed; delete and hand_over,
-- the hand-over completed first)
-- ---------------------------------------------------------------------------
SET client_min_messages = warning;
SET ROLE dcpf_test_ret_maint;
CALL dcpf.run_retention() \gset run1_
RESET ROLE;
RESET client_min_messages;
SELECT :'run1_report'::jsonb ->> 'status' AS status, :'run1_report'::jsonb ->> 'rows_total' AS rows_total,
       :'run1_report'::jsonb ->> 'rows_done' AS rows_done, (:'run1_report'::jsonb ->> 'batches')::int > 0 AS batches_recorded,
       :'run1_report'::jsonb ->> 'longest_batch_ms' IS NOT NULL AS longest_batch_recorded;
SELECT * FROM pg_temp.counts(:'run1_report');
-- what remains: Anna's recent attempts, the restricted Eva's, the held
-- Fay's, Kees's recent one; no token login or assumed identity
SELECT coalesce(p.surname, 'unknown') AS who, count(*) AS attempts,
       count(*) FILTER (WHERE a.attempted_at < now() - interval '1 year') AS older_than_a_year
  FROM dcpf.login_attempt a LEFT JOIN dcpf.person p ON p.id = a.person_id GROUP BY 1 ORDER BY 1;
SELECT (SELECT count(*) FROM dcpf.authentication_event) AS token_logins,
       (SELECT count(*) FROM dcpf.identity_assumption WHERE assumed_at < now() - interval '1 year') AS assumed_long_ago;
SELECT count(*) AS visits, count(*) FILTER (WHERE person_id IS NOT NULL) AS with_person FROM dcpf.web_visit;
SELECT p.surname, c.purpose_code, c.state FROM dcpf.consent c JOIN dcpf.person p ON p.id = c.person_id ORDER BY 1, 2;
SELECT (SELECT count(*) FROM dcpf.consent_event) AS consent_events_kept_as_proof;
SELECT right(id::text, 2) AS notice, sent_at IS NOT NULL AS sent FROM dcpf.notice WHERE id::text LIKE '%0d04%' ORDER BY 1;
SELECT right(m.id::text, 3) AS membership, p.surname, l.name AS licensee, m.role_code
  FROM dcpf.membership m JOIN dcpf.person p ON p.id = m.person_id JOIN dcpf.licensee l ON l.id = m.licensee_id
 WHERE p.surname IN ('Bert', 'Gijs', 'Hans') ORDER BY 1;
SELECT count(*) AS programme_places FROM dcpf.programme_member;
SELECT right(id::text, 2) AS request, details IS NOT NULL AS has_details FROM dcpf.subject_request ORDER BY 1;
SELECT count(*) AS rectifications FROM dcpf.rectification;
SELECT l.name AS billed FROM dcpf.billing_profile b JOIN dcpf.licensee l ON l.id = b.licensee_id ORDER BY 1;
-- the portfolio is never deleted: the run first completed the licence ends
-- that had passed (dcpf.complete_licence_ends), so Gijs's item of Kliniek
-- Noord is handed over to him, detached from it (and his membership there,
-- which it named, could go); the dry run had counted it due
SELECT p.surname, i.licensee_id IS NULL AS detached, i.membership_id IS NULL AS no_membership
  FROM dcpf.portfolio_item i JOIN dcpf.person p ON p.id = i.owner_id ORDER BY 1;
-- the access log's cut-off: the oldest moment every policy lets go of
SELECT (:'run1_report'::jsonb #>> '{categories,access_log,cutoff}')::timestamptz BETWEEN now() - interval '5 years 1 hour' AND now() - interval '5 years' AS cutoff_five_years_back,
       :'run1_report'::jsonb #> '{categories,access_log,dispatched}' AS dispatched_to_the_partitions;
-- each deletion is an audit event, by the job's session
SELECT e.object_table, e.action, count(*) FROM dcpf.audit_event e
 WHERE e.action IN ('delete', 'update') AND e.object_table NOT IN ('job_run', 'person', 'membership', 'processing_restriction', 'consent', 'retention_policy', 'legal_hold')
 GROUP BY 1, 2 ORDER BY 1, 2;
SELECT count(*) AS membership_deletions FROM dcpf.audit_event WHERE action = 'delete' AND object_table = 'membership';
-- the run in the job-run table, and the NOTICE-free monitoring query
SET ROLE dcpf_test_ret_maint;
SELECT job, status, dry_run, rows_done, rows_total, batches > 0 AS batched, longest_batch_ms > 0 AS timed, error
  FROM dcpf.job_run ORDER BY started_at;
RESET ROLE;

-- what Fay's hold keeps, for A's privacy officer
SET ROLE dcpf_test_ret_backend;
SELECT pg_temp.as_person('403', 'privacy_officer');
SELECT r.hold_id = :'fay_hold' AS fays, r.category, r.table_name, r.rows_kept
  FROM dcpf.legal_hold_report() r ORDER BY r.table_name;
SELECT dcpf.clear_identity();
RESET ROLE;

-- running twice removes nothing more
SET client_min_messages = warning;
SET ROLE dcpf_test_ret_maint;
CALL dcpf.run_retention() \gset again_
RESET ROLE;
RESET client_min_messages;
SELECT :'again_report'::jsonb ->> 'status' AS status, :'again_report'::jsonb ->> 'rows_done' AS rows_done,
       :'again_report'::jsonb #>> '{totals,deleted}' AS deleted, :'again_report'::jsonb #>> '{totals,pseudonymised}' AS pseudonymised;

-- ---------------------------------------------------------------------------
-- Policies set by the platform and a licensee (last_activity,
-- consent_withdrawn with pseudonymise, licence_end for memberships,
-- request_closed with pseudonymise)
-- ---------------------------------------------------------------------------
SET ROLE dcpf_test_ret_backend;
SELECT pg_temp.as_person('405', 'platform_security', 'a003');
SELECT dcpf.set_retention_policy('login_attempts', 'last_activity', '1 year', 'delete', platform_default => true) IS NOT NULL AS login_by_last_activity;
SELECT dcpf.set_retention_policy('web_visits', 'consent_withdrawn', '0', 'pseudonymise', platform_default => true) IS NOT NULL AS visits_unlinked;
SELECT dcpf.set_retention_policy('memberships', 'licence_end', '30 days', 'delete', platform_default => true) IS NOT NULL AS memberships_by_licence;
SELECT pg_temp.refused($$SELECT dcpf.set_retention_policy('access_log', 'created', '4 years', 'delete', platform_default => true)$$) AS below_minimum;
SELECT pg_temp.refused($$SELECT dcpf.set_retention_policy('memberships', 'created', '1 year', 'delete', platform_default => true)$$) AS event_not_allowed;
SELECT pg_temp.refused($$SELECT dcpf.set_retention_policy('portfolio_content', 'licence_end', '1 year', 'delete', platform_default => true)$$) AS portfolio_never_deleted;
SELECT pg_temp.refused($$SELECT dcpf.set_retention_policy('billing', 'licence_end', '6 years', 'delete', platform_default => true)$$) AS tax_duty;
SELECT pg_temp.refused($$SELECT dcpf.set_retention_policy('nothing', 'created', '1 year', 'delete', platform_default => true)$$) AS unknown_category;
SELECT pg_temp.refused($$SELECT dcpf.set_retention_policy('notices', 'created', NULL, 'delete', platform_default => true)$$) AS no_term;
SELECT pg_temp.refused($$SELECT dcpf.set_retention_policy('notices', 'created', '1 year', 'delete')$$) AS not_an_officer;
SELECT pg_temp.as_person('403', 'privacy_officer');
SELECT dcpf.set_retention_policy('subject_requests', 'request_closed', '1 year', 'pseudonymise') IS NOT NULL AS a_pseudonymises_requests;
SELECT pg_temp.refused($$SELECT dcpf.set_retention_policy('login_attempts', 'created', '2 years', 'delete')$$) AS platform_decides;
SELECT pg_temp.refused($$SELECT dcpf.set_retention_policy('notices', 'created', '1 year', 'delete', platform_default => true)$$) AS officer_sets_no_default;
SELECT category, clock_event, term, action, set_in FROM dcpf.retention_policy_in_force
 WHERE licensee_id = '00000000-0000-4000-8000-00000000a001' AND set_in <> 'shipped' ORDER BY category;
SELECT pg_temp.as_person('401', 'professional');
SELECT pg_temp.refused($$SELECT dcpf.set_retention_policy('subject_requests', 'request_closed', '1 year', 'delete')$$) AS a_professional;
SELECT count(*) AS policies_a_professional_sees FROM dcpf.retention_policy;
-- Anna withdraws her consent to analytics
SELECT dcpf.withdraw_consent('analytics_cookies') IS NOT NULL AS anna_withdraws_analytics;
SELECT dcpf.clear_identity();
RESET ROLE;
-- Lars tried to log in two years ago and never since; Anna did two years
-- ago too, but she is active
INSERT INTO dcpf.login_attempt (attempted_at, person_id, email_sha256, outcome) VALUES
    (now() - interval '2 years', '00000000-0000-4000-8000-000000000412', sha256('lars'), 'wrong_password'),
    (now() - interval '2 years', '00000000-0000-4000-8000-000000000401', sha256('anna'), 'wrong_password');
SET client_min_messages = warning;
SET ROLE dcpf_test_ret_maint;
CALL dcpf.run_retention() \gset run2_
RESET ROLE;
RESET client_min_messages;
SELECT :'run2_report'::jsonb ->> 'status' AS status, :'run2_report'::jsonb ->> 'rows_done' AS rows_done;
SELECT * FROM pg_temp.counts(:'run2_report');
SELECT coalesce(p.surname, 'unknown') AS who, count(*) AS attempts FROM dcpf.login_attempt a LEFT JOIN dcpf.person p ON p.id = a.person_id GROUP BY 1 ORDER BY 1;
SELECT count(*) AS visits, count(*) FILTER (WHERE person_id IS NOT NULL) AS with_person, count(*) FILTER (WHERE consented) AS consented,
       count(*) FILTER (WHERE visited_at = date_trunc('hour', visited_at, 'UTC')) AS to_the_hour FROM dcpf.web_visit;
SELECT right(m.id::text, 3) AS membership, p.surname, l.name AS licensee FROM dcpf.membership m
  JOIN dcpf.person p ON p.id = m.person_id JOIN dcpf.licensee l ON l.id = m.licensee_id
 WHERE l.name IN ('Kliniek Noord', 'Huisartsenpost Zuid') ORDER BY 1;
SELECT right(id::text, 2) AS request, details IS NOT NULL AS has_details, status FROM dcpf.subject_request ORDER BY 1;

-- a hold in one category keeps nothing of another; lifted, its rows go
SET ROLE dcpf_test_ret_backend;
SELECT pg_temp.as_person('403', 'privacy_officer');
SELECT dcpf.lift_legal_hold(:'fay_hold');
SELECT dcpf.place_legal_hold('00000000-0000-4000-8000-000000000408', 'Alleen haar bezoeken.', NULL, 'web_visits') IS NOT NULL AS visits_held;
SELECT count(*) AS holds_reported FROM dcpf.legal_hold_report() WHERE rows_kept > 0;
SELECT dcpf.clear_identity();
RESET ROLE;
SET client_min_messages = warning;
SET ROLE dcpf_test_ret_maint;
CALL dcpf.run_retention() \gset run3_
RESET ROLE;
RESET client_min_messages;
SELECT * FROM pg_temp.counts(:'run3_report');
SELECT count(*) AS fays_attempts FROM dcpf.login_attempt WHERE person_id = '00000000-0000-4000-8000-000000000408';

-- ---------------------------------------------------------------------------
-- Stopped and resumed
-- ---------------------------------------------------------------------------
INSERT INTO dcpf.login_attempt (attempted_at, person_id, email_sha256, outcome)
SELECT now() - interval '2 years' - make_interval(mins => g), NULL, sha256(g::text::bytea), 'unknown_account' FROM generate_series(1, 5) g;
SET client_min_messages = warning;
SET ROLE dcpf_test_ret_maint;
CALL dcpf.run_retention(max_rows => 2) \gset part1_
CALL dcpf.run_retention(max_duration => '1 microsecond') \gset part2_
CALL dcpf.run_retention() \gset part3_
RESET ROLE;
RESET client_min_messages;
SELECT r.report ->> 'status' AS status, r.report ->> 'rows_done' AS rows_done, r.report #>> '{totals,deleted}' AS deleted
  FROM (VALUES (1, :'part1_report'::jsonb), (2, :'part2_report'::jsonb), (3, :'part3_report'::jsonb)) r(n, report) ORDER BY r.n;
SELECT count(*) AS unknown_attempts_left FROM dcpf.login_attempt WHERE person_id IS NULL;
SELECT pg_temp.refused('CALL dcpf.run_retention(max_rows => 0)') AS no_rows;
SELECT pg_temp.refused($$CALL dcpf.run_retention(max_duration => '-1 second')$$) AS negative_duration;
-- (a dry run counts what keep rules keep when it looks: the request freed
-- by its rectification's deletion earlier in the same run was counted kept)
-- a run whose session ended is found interrupted by the next one
INSERT INTO dcpf.job_run (job, backend_pid, backend_start, state) VALUES ('retention', 1, now() - interval '1 day', '{}');
SET client_min_messages = warning;
CALL dcpf.run_retention(dry_run => true) \gset
RESET client_min_messages;
SELECT status, error IS NOT NULL AS explained, finished_at IS NOT NULL AS finished FROM dcpf.job_run WHERE backend_pid = 1;

-- ---------------------------------------------------------------------------
-- Attacks
-- ---------------------------------------------------------------------------
-- B's privacy officer sees the platform's policies and B's, not A's; sets
-- only B's; reports on B's holds only
SET ROLE dcpf_test_ret_backend;
SELECT pg_temp.as_person('404', 'privacy_officer', 'a002');
SELECT coalesce(licensee_id::text, 'platform') AS whose, count(*) FROM dcpf.retention_policy GROUP BY 1 ORDER BY 1;
SELECT DISTINCT coalesce(licensee_id::text, 'platform') AS whose FROM dcpf.retention_policy_in_force ORDER BY 1;
SELECT category, set_in FROM dcpf.retention_policy_in_force
 WHERE licensee_id = '00000000-0000-4000-8000-00000000a002' AND category = 'subject_requests';
SELECT pg_temp.refused($$SELECT dcpf.clear_retention_policy('subject_requests')$$) AS clear_as_b;
SELECT dcpf.set_retention_policy('subject_requests', 'request_closed', '10 years', 'delete') IS NOT NULL AS b_sets_its_own;
SELECT count(*) AS b_holds_reported FROM dcpf.legal_hold_report();
SELECT pg_temp.refused(format('SELECT * FROM dcpf.legal_hold_report(%L)', :'fay_hold')) AS a_hold_from_b;
SELECT dcpf.clear_identity();
RESET ROLE;
SELECT coalesce(l.name, 'platform') AS whose, p.category, p.term, p.action FROM dcpf.retention_policy p
  LEFT JOIN dcpf.licensee l ON l.id = p.licensee_id WHERE p.category = 'subject_requests' ORDER BY 1;
SELECT dcpf.audit_queue_drain() AS drained;
SELECT e.outcome, e.object_table FROM dcpf.audit_event e
 WHERE e.object_key = :'fay_hold' AND e.action = 'read' AND e.actor_person = '00000000-0000-4000-8000-000000000404';
-- the application cannot run the job nor any of its steps
SET ROLE dcpf_test_ret_app;
SELECT pg_temp.refused('CALL dcpf.run_retention(dry_run => true)') AS app_runs_the_job;
SELECT pg_temp.refused($$SELECT dcpf.retention_begin(NULL, NULL, true)$$) AS app_begins;
SELECT pg_temp.refused(format('SELECT dcpf.retention_step(%L)', :'run1_report'::jsonb ->> 'run')) AS app_steps;
SELECT pg_temp.refused('SELECT count(*) FROM dcpf.job_run') AS app_reads_job_runs;
RESET ROLE;
-- the maintenance role reads no content; it runs the job, whose steps
-- refuse another session's run
SET ROLE dcpf_test_ret_maint;
SELECT pg_temp.refused('SELECT count(*) FROM dcpf.portfolio_item') AS items,
       pg_temp.refused('SELECT count(*) FROM dcpf.person') AS persons,
       pg_temp.refused('SELECT count(*) FROM dcpf.login_attempt') AS login_attempts,
       pg_temp.refused('SELECT count(*) FROM dcpf.retention_policy') AS policies,
       pg_temp.refused($$SELECT dcpf.decrypt_text('\x00', 'portfolio_item', 'body', gen_random_uuid(), gen_random_uuid())$$) AS decrypt;
SELECT regexp_replace(pg_temp.refused(format('SELECT dcpf.retention_step(%L)', :'run1_report'::jsonb ->> 'run')),
                      'run [0-9a-f-]{36} (.*) process [0-9]+', 'run <run 1> \1 process <pid>') AS finished_run;
SELECT pg_temp.refused($$SELECT dcpf.retention_batch('{}', NULL, 1, true, NULL)$$) AS batch_directly;
RESET ROLE;
-- the job decrypts nothing: with every function call counted, a run that
-- deletes and pseudonymises calls no decryption or encryption function
INSERT INTO dcpf.login_attempt (attempted_at, person_id, email_sha256, outcome) VALUES
    (now() - interval '2 years', NULL, sha256('x'), 'unknown_account');
SET track_functions = 'all';
SET client_min_messages = warning;
SET ROLE dcpf_test_ret_maint;
CALL dcpf.run_retention() \gset tracked_
RESET ROLE;
RESET client_min_messages;
SELECT pg_stat_force_next_flush();
SELECT :'tracked_report'::jsonb #>> '{totals,deleted}' AS deleted,
       (SELECT sum(calls) FROM pg_stat_user_functions WHERE schemaname = 'dcpf' AND funcname = 'retention_step') > 0 AS steps_counted,
       (SELECT coalesce(sum(calls), 0) FROM pg_stat_user_functions
         WHERE schemaname = 'dcpf' AND (funcname LIKE '%crypt%' OR funcname IN ('sealed_column', 'shred_person_key'))) AS crypto_calls;
RESET track_functions;
-- the caller's search_path changes nothing: functions and an operator
-- named like pg_catalog's, first in the path, are never called
CREATE SCHEMA dcpf_test_ret_evil AUTHORIZATION dcpf_test_ret_maint;
SET ROLE dcpf_test_ret_maint;
CREATE TABLE dcpf_test_ret_evil.called (what text);
CREATE FUNCTION dcpf_test_ret_evil.now() RETURNS timestamptz LANGUAGE sql
    AS $$ INSERT INTO dcpf_test_ret_evil.called VALUES ('now'); SELECT timestamptz '2100-01-01' $$;
CREATE FUNCTION dcpf_test_ret_evil.clock_timestamp() RETURNS timestamptz LANGUAGE sql
    AS $$ INSERT INTO dcpf_test_ret_evil.called VALUES ('clock_timestamp'); SELECT timestamptz '2100-01-01' $$;
CREATE FUNCTION dcpf_test_ret_evil.later(a timestamptz, b timestamptz) RETURNS boolean LANGUAGE sql
    AS $$ INSERT INTO dcpf_test_ret_evil.called VALUES ('<='); SELECT true $$;
CREATE OPERATOR dcpf_test_ret_evil.<= (FUNCTION = dcpf_test_ret_evil.later, LEFTARG = timestamptz, RIGHTARG = timestamptz);
RESET ROLE;
INSERT INTO dcpf.login_attempt (attempted_at, email_sha256, outcome) VALUES
    (now(), sha256('y'), 'unknown_account'), (now() - interval '2 years', sha256('z'), 'unknown_account');
SET ROLE dcpf_test_ret_maint;
SET search_path = dcpf_test_ret_evil, pg_catalog, pg_temp;
SET client_min_messages = warning;
CALL dcpf.run_retention(dry_run => true) \gset evil_dry_
CALL dcpf.run_retention() \gset evil_
RESET client_min_messages;
RESET search_path;
SELECT count(*) AS evil_calls FROM dcpf_test_ret_evil.called;
RESET ROLE;
SELECT :'evil_dry_report'::jsonb #>> '{totals,to_delete}' AS would_delete, :'evil_report'::jsonb #>> '{totals,deleted}' AS deleted,
       (SELECT count(*) FROM dcpf.login_attempt WHERE attempted_at > now() - interval '1 minute') AS fresh_attempt_kept;

-- ---------------------------------------------------------------------------
-- A duty to keep stands in the way of erasure (art. 17(3)(b))
-- ---------------------------------------------------------------------------
-- With the shipped categories no legal minimum covers rows erasure deletes
-- (the access log is kept, pseudonymised); a category whose minimum is a
-- legal duty over such rows makes erasure refuse, naming the rule.
SELECT count(*) AS duties_now FROM dcpf.retention_duties('00000000-0000-4000-8000-000000000411');
BEGIN;
UPDATE dcpf.data_category SET legal_duty = true, minimum_term = '100 years', minimum_basis = 'a statute of the test'
 WHERE code = 'login_attempts';
SELECT category, table_name, rows_kept, regexp_replace(detail, '\d{4}-\d\d-\d\d', '<date>', 'g') AS detail
  FROM dcpf.retention_duties('00000000-0000-4000-8000-000000000411');
SELECT obstacle, regexp_replace(detail, '\d{4}-\d\d-\d\d', '<date>', 'g') AS detail
  FROM dcpf.erasure_obstacles('00000000-0000-4000-8000-000000000411', '00000000-0000-4000-8000-00000000a001');
SET ROLE dcpf_test_ret_backend;
SELECT pg_temp.as_person('411', 'professional');
SELECT dcpf.submit_subject_request('erasure') AS erasure_request \gset
SELECT pg_temp.as_person('403', 'privacy_officer');
SELECT dcpf.verify_subject_request(:'erasure_request', 'authenticated_session');
SELECT regexp_replace(pg_temp.refused(format('SELECT dcpf.erase_person(%L, %L)', '00000000-0000-4000-8000-000000000411', :'erasure_request')),
                      '\d{4}-\d\d-\d\d', '<date>', 'g') AS erasure_refused;
SELECT dcpf.clear_identity();
RESET ROLE;
ROLLBACK;

DROP SCHEMA dcpf_test_ret_evil CASCADE;
DROP ROLE dcpf_test_ret_backend;
DROP ROLE dcpf_test_ret_app;
DROP ROLE dcpf_test_ret_maint;
