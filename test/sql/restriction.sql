-- Restriction of processing (art. 18) and deactivation (clause 18),
-- sql/216_restriction.sql: the privacy officer restricts on a verified
-- request; from the next statement the person's rows are read-only for
-- every writer (the owner, a supervisor, the superuser), shares give nothing
-- (the attempt logged as denied), progress views leave the person out,
-- has_consent is false, the marketing audience excludes them, and only
-- notices about the restriction are queued or claimed; what must go on
-- (withdrawal, objection, requests, revoking a share) goes on; nobody but
-- dcpf's own functions sets the exemption; lifting queues the art. 18(3)
-- notice first. A deactivation ends memberships, shares and consents, and
-- the person can no longer log in or act; a privacy officer reactivates,
-- restoring nothing. Every step is an audit event.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS dcpf CASCADE;
CREATE EXTENSION dcpf;
DROP ROLE IF EXISTS dcpf_test_rs_backend;
DROP ROLE IF EXISTS dcpf_test_rs_app;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET dcpf.scrypt_log_n = 14;

\i test/sql/include/two_licensees.sql
\i test/sql/include/refused.sql
-- and with today's date (in Amsterdam) shown as <today>
CREATE FUNCTION pg_temp.refused_today(statement text) RETURNS text LANGUAGE sql
RETURN replace(pg_temp.refused(statement), to_char(now() AT TIME ZONE 'Europe/Amsterdam', 'YYYY-MM-DD'), '<today>');
GRANT EXECUTE ON FUNCTION pg_temp.refused_today(text) TO PUBLIC;
-- 101 a trainee in A (restricted); 102 a supervisor in A; 103 a professional
-- in A (deactivates); 104 the privacy officer of A; 105 that of B
INSERT INTO dcpf.person (id, email, surname, initials) VALUES
    ('00000000-0000-4000-8000-000000000101', 'aios@example.nl', 'Jansen', 'J.'),
    ('00000000-0000-4000-8000-000000000102', 'opleider@example.nl', 'Bakker', 'B.'),
    ('00000000-0000-4000-8000-000000000103', 'collega@example.nl', 'Visser', 'V.'),
    ('00000000-0000-4000-8000-000000000104', 'fg@example.nl', 'Functionaris', 'F.'),
    ('00000000-0000-4000-8000-000000000105', 'fg@west.example', 'West', 'W.');
INSERT INTO dcpf.membership (id, person_id, licensee_id, role_code, valid_from) VALUES
    ('00000000-0000-4000-8000-00000000e101', '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', 'professional', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e102', '00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-00000000a001', 'supervisor', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e103', '00000000-0000-4000-8000-000000000103', '00000000-0000-4000-8000-00000000a001', 'professional', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e104', '00000000-0000-4000-8000-000000000104', '00000000-0000-4000-8000-00000000a001', 'privacy_officer', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e105', '00000000-0000-4000-8000-000000000105', '00000000-0000-4000-8000-00000000a002', 'privacy_officer', '2024-01-01');
\i test/sql/include/accept_euras.sql
INSERT INTO dcpf.programme (id, licensee_id, code, name, kind) VALUES
    ('00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001', 'IC', 'Vervolgopleiding IC', 'track');
INSERT INTO dcpf.programme_member (programme_id, licensee_id, person_id, role, valid_from) VALUES
    ('00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-000000000101', 'trainee', '2024-02-01'),
    ('00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001', '00000000-0000-4000-8000-000000000103', 'trainee', '2024-02-01');
INSERT INTO dcpf.epa (id, programme_id, licensee_id, code, title, target_level) VALUES
    ('00000000-0000-4000-8000-00000000ea01', '00000000-0000-4000-8000-00000000c001', '00000000-0000-4000-8000-00000000a001',
     'EPA-1', 'Beademing instellen', 4);
INSERT INTO pg_temp.named VALUES ('00000000-0000-4000-8000-000000000101', '101'), ('00000000-0000-4000-8000-000000000103', '103');

CREATE ROLE dcpf_test_rs_backend NOLOGIN IN ROLE dcpf_service;
CREATE ROLE dcpf_test_rs_app NOLOGIN IN ROLE dcpf_app;
CREATE FUNCTION pg_temp.as_person(person text, role text, licensee text DEFAULT 'a001') RETURNS boolean LANGUAGE sql
RETURN dcpf.act_as(('00000000-0000-4000-8000-000000000' || person)::uuid,
                   CASE WHEN role IS NOT NULL THEN ('00000000-0000-4000-8000-00000000' || licensee)::uuid END,
                   role, 'test', true) IS NOT NULL;
-- what the supervisor sees of the trainees: shared items and progress rows
CREATE FUNCTION pg_temp.supervisor_sees() RETURNS text LANGUAGE sql
RETURN format('items: %s; progress of: %s',
              coalesce((SELECT string_agg(title, ', ' ORDER BY title) FROM dcpf.shared_items()), '(nothing)'),
              coalesce((SELECT string_agg(DISTINCT right(trainee_id::text, 3), ', ') FROM dcpf.supervised_epa_progress), '(nobody)'));
GRANT EXECUTE ON FUNCTION pg_temp.as_person(text, text, text), pg_temp.supervisor_sees() TO PUBLIC;

-- both professionals keep an item, share their portfolio with the supervisor
-- and consent to marketing; a notice to 101 waits in the queue
SET ROLE dcpf_test_rs_backend;
SELECT pg_temp.as_person('101', 'professional');
INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, item_type, title) VALUES
    ('00000000-0000-4000-8000-00000000f101', '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000e101', 'reflection', 'R101 nachtdienst');
INSERT INTO dcpf.share (id, owner_id, scope, grantee_person_id, permission) VALUES
    ('00000000-0000-4000-8000-00000000d101', '00000000-0000-4000-8000-000000000101', 'portfolio', '00000000-0000-4000-8000-000000000102', 'comment');
SELECT dcpf.give_consent('marketing') IS NOT NULL AS consented;
SELECT pg_temp.as_person('103', 'professional');
INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, item_type, title) VALUES
    ('00000000-0000-4000-8000-00000000f103', '00000000-0000-4000-8000-000000000103', '00000000-0000-4000-8000-00000000e103', 'reflection', 'R103 overdracht');
INSERT INTO dcpf.share (id, owner_id, scope, grantee_person_id, permission) VALUES
    ('00000000-0000-4000-8000-00000000d103', '00000000-0000-4000-8000-000000000103', 'portfolio', '00000000-0000-4000-8000-000000000102', 'read');
SELECT dcpf.give_consent('marketing') IS NOT NULL AS consented;
SELECT dcpf.give_consent('surveys_events') IS NOT NULL AS consented;
RESET ROLE;
INSERT INTO pg_temp.named SELECT id, 'disclosure of the share' FROM dcpf.disclosure WHERE share_id = '00000000-0000-4000-8000-00000000d101';
INSERT INTO dcpf.notice (id, kind, recipient_person_id, subject_id) VALUES
    ('00000000-0000-4000-8000-00000000b101', 'feedback_given', '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-000000000101');
SET ROLE dcpf_test_rs_backend;
SELECT pg_temp.as_person('102', 'supervisor');
SELECT pg_temp.supervisor_sees() AS before_restriction;

-- ---------------------------------------------------------------------------
-- Restricting: on a verified request of kind restriction, by its officer
-- ---------------------------------------------------------------------------
SELECT pg_temp.as_person('101', 'professional');
SELECT dcpf.submit_subject_request('restriction', 'Mijn beoordelingen kloppen niet; niets gebruiken tot het is uitgezocht.') AS restriction_request \gset
SELECT dcpf.submit_subject_request('access') AS access_request \gset
INSERT INTO pg_temp.named VALUES (:'restriction_request', 'restriction request'), (:'access_request', 'access request');
SELECT pg_temp.as_person('104', 'privacy_officer');
SELECT pg_temp.refused(format('SELECT dcpf.restrict_processing(%L, %L)', :'restriction_request', 'accuracy_contested')) AS not_verified;
SELECT dcpf.verify_subject_request(:'restriction_request', 'authenticated_session');
SELECT dcpf.verify_subject_request(:'access_request', 'authenticated_session');
SELECT pg_temp.refused(format('SELECT dcpf.restrict_processing(%L, %L)', :'restriction_request', 'just because')) AS unknown_ground;
SELECT pg_temp.refused(format('SELECT dcpf.restrict_processing(%L, %L)', :'access_request', 'legal_claims')) AS wrong_kind;
SELECT pg_temp.as_person('105', 'privacy_officer', 'a002');
SELECT pg_temp.refused(format('SELECT dcpf.restrict_processing(%L, %L)', :'restriction_request', 'legal_claims')) AS other_licensee;
SELECT pg_temp.as_person('104', 'privacy_officer');
SELECT dcpf.restrict_processing(:'restriction_request', 'accuracy_contested') AS restriction \gset
INSERT INTO pg_temp.named VALUES (:'restriction', 'restriction');
SELECT pg_temp.refused_today(format('SELECT dcpf.restrict_processing(%L, %L)', :'restriction_request', 'legal_claims')) AS already;
SELECT kind, ground, licensee_id IS NOT NULL AS has_controller, lifted_at IS NULL AS in_force
  FROM dcpf.processing_restriction WHERE id = :'restriction';

-- at once: the supervisor sees nothing of 101 (103 still), and an attempt
-- on 101's item is refused and logged as denied
SELECT pg_temp.as_person('102', 'supervisor');
SELECT pg_temp.supervisor_sees() AS after_restriction;
SELECT pg_temp.refused('SELECT * FROM dcpf.shared_item(''00000000-0000-4000-8000-00000000f101'')') AS shared_item;
SELECT dcpf.item_permission('00000000-0000-4000-8000-00000000f101') AS permission_101,
       dcpf.item_permission('00000000-0000-4000-8000-00000000f103') AS permission_103;
SELECT pg_temp.refused('SELECT dcpf.comment_item(''00000000-0000-4000-8000-00000000f101'', ''Mooi verslag'')') AS comment;
RESET ROLE;
SELECT dcpf.audit_queue_drain() AS drained;
SELECT action, outcome, object_key, detail FROM dcpf.audit_event
 WHERE object_table = 'portfolio_item' AND outcome = 'denied' ORDER BY id;

-- out of consent and marketing
SELECT dcpf.has_consent('00000000-0000-4000-8000-000000000101', 'marketing') AS has_consent_101,
       dcpf.has_consent('00000000-0000-4000-8000-000000000103', 'marketing') AS has_consent_103;
SELECT right(person_id::text, 3) AS marketing_audience FROM dcpf.marketing_audience ORDER BY 1;

-- read-only for every writer: the owner, and the superuser directly
SET ROLE dcpf_test_rs_backend;
SELECT pg_temp.as_person('101', 'professional');
SELECT title FROM dcpf.portfolio_item WHERE owner_id = dcpf.current_person();   -- reading goes on
SELECT pg_temp.refused('UPDATE dcpf.portfolio_item SET title = ''R101 herzien'' WHERE id = ''00000000-0000-4000-8000-00000000f101''') AS owner_update;
SELECT pg_temp.refused('INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, item_type, title) VALUES (''00000000-0000-4000-8000-00000000f102'', ''00000000-0000-4000-8000-000000000101'', ''00000000-0000-4000-8000-00000000e101'', ''reflection'', ''Nieuw'')') AS owner_insert;
SELECT pg_temp.refused('SELECT dcpf.give_consent(''surveys_events'')') AS give_consent;
RESET ROLE;
SELECT pg_temp.refused('UPDATE dcpf.person SET job_title = ''AIOS'' WHERE id = ''00000000-0000-4000-8000-000000000101''') AS superuser_update;
SELECT pg_temp.refused('DELETE FROM dcpf.portfolio_item WHERE id = ''00000000-0000-4000-8000-00000000f101''') AS superuser_delete;
SELECT pg_temp.refused('UPDATE dcpf.membership SET valid_until = now() WHERE id = ''00000000-0000-4000-8000-00000000e101''') AS membership_end;
-- an UPDATE moving a row away from the person is refused too (the old row counts)
SELECT pg_temp.refused('UPDATE dcpf.disclosure SET subject_id = ''00000000-0000-4000-8000-000000000103'' WHERE share_id = ''00000000-0000-4000-8000-00000000d101''') AS move_away;

-- what goes on: withdrawing, objecting, another request, revoking a share
SET ROLE dcpf_test_rs_backend;
SELECT pg_temp.as_person('101', 'professional');
SELECT dcpf.withdraw_consent('marketing') IS NOT NULL AS withdrawn, dcpf.object_to_marketing() IS NOT NULL AS objected;
SELECT dcpf.submit_subject_request('erasure') IS NOT NULL AS erasure_requested;
SELECT dcpf.revoke_share('00000000-0000-4000-8000-00000000d101') IS NOT NULL AS revoked,
       current_setting('dcpf.restriction_exemption') = '' AS exemption_gone_after_the_call;
RESET ROLE;

-- notices: nothing else is queued to or about 101, and what waited before
-- stays unclaimed; the restriction's own notice goes out
SELECT dcpf.queue_notice('feedback_given', '00000000-0000-4000-8000-000000000101', NULL, '00000000-0000-4000-8000-000000000101', '{}') IS NULL AS not_queued;
SELECT kind, right(recipient_person_id::text, 3) AS recipient, payload ->> 'ground' AS ground
  FROM dcpf.notice WHERE recipient_person_id = '00000000-0000-4000-8000-000000000101' ORDER BY queued_at, kind;
SET ROLE dcpf_test_rs_backend;
SELECT kind, right(recipient_person_id::text, 3) AS recipient FROM dcpf.claim_notices() ORDER BY kind;
RESET ROLE;

-- ---------------------------------------------------------------------------
-- Nobody but dcpf's own functions sets the exemption: a session of a member
-- of dcpf_app tries every way
-- ---------------------------------------------------------------------------
SET SESSION AUTHORIZATION dcpf_test_rs_app;
SELECT pg_temp.refused('SET dcpf.restriction_exemption = ''erasure''') AS set_session;
SELECT pg_temp.refused('SET LOCAL dcpf.restriction_exemption = ''reduction''') AS set_local;
SELECT pg_temp.refused('SELECT set_config(''dcpf.restriction_exemption'', ''erasure'', false)') AS set_config;
SELECT pg_temp.refused('ALTER ROLE CURRENT_USER SET dcpf.restriction_exemption = ''erasure''') AS alter_role;
SELECT pg_temp.refused('CREATE FUNCTION pg_temp.sneak() RETURNS void LANGUAGE sql SET dcpf.restriction_exemption = ''erasure'' AS ''SELECT''') AS own_function;
SELECT pg_temp.refused('SELECT dcpf.record_consent(''given'', ''marketing'', NULL, ''web'', ''00000000-0000-4000-8000-000000000101'')') AS internal_function;
SELECT left(pg_temp.refused(format('SET ROLE %I', (SELECT n.nspowner::regrole::text FROM pg_namespace n WHERE n.nspname = 'dcpf'))), 5)
       AS set_role_owner;
SELECT current_setting('dcpf.restriction_exemption') = '' AS still_unset;
RESET SESSION AUTHORIZATION;
-- the owner may set only the acts it knows (and dcpf's functions do so in their SET clause)
SELECT pg_temp.refused('SET dcpf.restriction_exemption = ''everything''') AS unknown_act;
SELECT p.proname, p.proconfig FROM pg_proc p
 WHERE p.pronamespace = 'dcpf'::regnamespace AND array_to_string(p.proconfig, ',') LIKE '%restriction_exemption%' ORDER BY 1;

-- ---------------------------------------------------------------------------
-- Lifting: the art. 18(3) notice first, then the lift
-- ---------------------------------------------------------------------------
SET ROLE dcpf_test_rs_backend;
SELECT pg_temp.as_person('101', 'professional');
SELECT pg_temp.refused(format('SELECT dcpf.lift_restriction(%L, %L)', :'restriction', 'ik wil het zelf')) AS by_the_person;
SELECT pg_temp.as_person('105', 'privacy_officer', 'a002');
SELECT pg_temp.refused(format('SELECT dcpf.lift_restriction(%L, %L)', :'restriction', 'andere organisatie')) AS other_officer;
SELECT pg_temp.as_person('104', 'privacy_officer');
SELECT pg_temp.refused(format('SELECT dcpf.lift_restriction(%L, %L)', :'restriction', '')) AS no_reason;
SELECT pg_temp.refused(format('SELECT dcpf.lift_restriction(%L, %L)', :'restriction', 'Dossier van BSN 111222333 nagekeken')) AS patient_number;
SELECT dcpf.lift_restriction(:'restriction', 'De beoordelingen zijn nagekeken en juist bevonden.') AS lift_notice \gset
SELECT pg_temp.refused_today(format('SELECT dcpf.lift_restriction(%L, %L)', :'restriction', 'nog een keer')) AS again;
RESET ROLE;
SELECT n.kind, right(n.recipient_person_id::text, 3) AS recipient, n.payload ->> 'reason' AS reason,
       r.lift_notice_id = n.id AS recorded, n.queued_at <= r.lifted_at AS queued_before_lifted
  FROM dcpf.processing_restriction r JOIN dcpf.notice n ON n.id = :'lift_notice' WHERE r.id = :'restriction';
-- the notice's event precedes the lift's in the audit trail
SELECT (SELECT min(id) FROM dcpf.audit_event WHERE object_table = 'notice' AND object_key = :'lift_notice')
     < (SELECT max(id) FROM dcpf.audit_event WHERE object_table = 'processing_restriction' AND object_key = :'restriction')
       AS notice_first;
-- processed again: writes pass, the waiting notice is claimed
SET ROLE dcpf_test_rs_backend;
SELECT pg_temp.as_person('101', 'professional');
UPDATE dcpf.portfolio_item SET title = 'R101 herzien' WHERE id = '00000000-0000-4000-8000-00000000f101';
SELECT kind, right(recipient_person_id::text, 3) AS recipient FROM dcpf.claim_notices() ORDER BY kind;
RESET ROLE;

-- ---------------------------------------------------------------------------
-- Deactivation: asked by the person; everything in force ends
-- ---------------------------------------------------------------------------
SELECT dcpf.set_password('00000000-0000-4000-8000-000000000103', 'correct paard batterij nietje') IS NOT NULL AS password_set;
SELECT dcpf.register_platform_issuer() > 0 AS platform_issuer;
SELECT dcpf.login('collega@example.nl', 'correct paard batterij nietje') IS NOT NULL AS logs_in_before;
SET ROLE dcpf_test_rs_backend;
SELECT pg_temp.as_person('103', 'professional');
SELECT pg_temp.refused(format('SELECT dcpf.deactivate_person(%L, %L)', '00000000-0000-4000-8000-000000000101', 'niet van mij')) AS someone_else;
SELECT pg_temp.refused(format('SELECT dcpf.deactivate_person(%L, %L)', '00000000-0000-4000-8000-000000000103', '')) AS no_reason;
SELECT dcpf.deactivate_person('00000000-0000-4000-8000-000000000103', 'Ik ben het niet eens met de privacyverklaring.') AS deactivation \gset
RESET ROLE;
INSERT INTO pg_temp.named VALUES (:'deactivation', 'deactivation');
SELECT status, deactivated_at IS NOT NULL AS deactivated_at_set, dcpf.processing_restricted(id) AS frozen
  FROM dcpf.person WHERE id = '00000000-0000-4000-8000-000000000103';
SELECT 'membership' AS what, count(*) FILTER (WHERE valid_until IS NULL OR valid_until > now()) AS in_force
  FROM dcpf.membership WHERE person_id = '00000000-0000-4000-8000-000000000103'
UNION ALL
SELECT 'programme_member', count(*) FILTER (WHERE valid_until IS NULL OR valid_until > now())
  FROM dcpf.programme_member WHERE person_id = '00000000-0000-4000-8000-000000000103'
UNION ALL
SELECT 'share', count(*) FILTER (WHERE revoked_at IS NULL) FROM dcpf.share WHERE owner_id = '00000000-0000-4000-8000-000000000103'
UNION ALL
SELECT 'disclosure', count(*) FILTER (WHERE ended_at IS NULL) FROM dcpf.disclosure WHERE subject_id = '00000000-0000-4000-8000-000000000103'
UNION ALL
SELECT 'consent given', count(*) FILTER (WHERE state = 'given') FROM dcpf.consent WHERE person_id = '00000000-0000-4000-8000-000000000103';
SELECT purpose_code, action, receipt ->> 'action' AS receipt_action FROM dcpf.consent_event
 WHERE person_id = '00000000-0000-4000-8000-000000000103' ORDER BY occurred_at, purpose_code, action;
SELECT kind, right(recipient_person_id::text, 3) AS recipient FROM dcpf.notice
 WHERE subject_id = '00000000-0000-4000-8000-000000000103' ORDER BY kind;
-- no login, no identity, no share, no write
SELECT dcpf.login('collega@example.nl', 'correct paard batterij nietje') IS NULL AS login_refused;
SELECT outcome FROM dcpf.login_attempt WHERE person_id = '00000000-0000-4000-8000-000000000103' ORDER BY attempted_at;
SET ROLE dcpf_test_rs_backend;
SELECT pg_temp.refused('SELECT pg_temp.as_person(''103'', ''professional'')') AS act_as_role;
SELECT pg_temp.refused('SELECT pg_temp.as_person(''103'', NULL)') AS act_as_alone;
SELECT pg_temp.as_person('102', 'supervisor');
SELECT pg_temp.supervisor_sees() AS after_deactivation;
RESET ROLE;
SELECT pg_temp.refused('UPDATE dcpf.portfolio_item SET title = ''weg'' WHERE id = ''00000000-0000-4000-8000-00000000f103''') AS write_deactivated;
SELECT right(person_id::text, 3) AS marketing_audience FROM dcpf.marketing_audience ORDER BY 1;

-- ---------------------------------------------------------------------------
-- Reactivation: a privacy officer of a licensee the person belonged to;
-- nothing ended comes back
-- ---------------------------------------------------------------------------
SET ROLE dcpf_test_rs_backend;
SELECT pg_temp.as_person('105', 'privacy_officer', 'a002');
SELECT pg_temp.refused(format('SELECT dcpf.reactivate_person(%L, %L)', '00000000-0000-4000-8000-000000000103', 'op verzoek')) AS other_officer;
SELECT pg_temp.as_person('104', 'privacy_officer');
SELECT pg_temp.refused(format('SELECT dcpf.deactivate_person(%L, %L)', '00000000-0000-4000-8000-000000000103', 'nog eens')) AS no_longer_a_member;
SELECT pg_temp.refused(format('SELECT dcpf.reactivate_person(%L, %L)', '00000000-0000-4000-8000-000000000103', '')) AS no_reason;
SELECT dcpf.reactivate_person('00000000-0000-4000-8000-000000000103', 'Op verzoek van de persoon, identiteit gecontroleerd.') IS NOT NULL AS reactivated;
SELECT pg_temp.as_person('103', NULL) AS acts_alone_again;
SELECT pg_temp.refused('SELECT pg_temp.as_person(''103'', ''professional'')') AS no_membership_restored;
RESET ROLE;
SELECT status, dcpf.processing_restricted(id) AS frozen FROM dcpf.person WHERE id = '00000000-0000-4000-8000-000000000103';

-- only erasure (the exemption set by dcpf's own function) rewrites a row
SELECT pg_temp.refused_today(format('UPDATE dcpf.processing_restriction SET reason = %L WHERE id = %L', '(gewist)', :'deactivation')) AS rewrite;
BEGIN;
SET LOCAL dcpf.restriction_exemption = 'erasure';    -- as dcpf.erase_person's SET clause will (the superuser here owns dcpf)
UPDATE dcpf.processing_restriction SET reason = '(gewist)' WHERE id = :'deactivation' RETURNING kind, reason;
ROLLBACK;

-- every step an audit event
SELECT right(subject_person::text, 3) AS subject, action, detail FROM dcpf.audit_event
 WHERE object_table = 'processing_restriction' ORDER BY id;

DROP OWNED BY dcpf_test_rs_backend, dcpf_test_rs_app;
DROP ROLE dcpf_test_rs_backend;
DROP ROLE dcpf_test_rs_app;
