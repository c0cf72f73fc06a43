-- Multisource feedback (sql/185_msf.sql): a trainee asks a supervisor,
-- nurses, a colleague and a nurse outside the platform for feedback.
-- Responses are anonymous to her: she cannot see who answered (not in the
-- invitations, not in the responses, not in her audit trail); results show
-- only after the round has closed and only with the minimum of responses;
-- per role only when every role that answered has enough responses.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS dcpf CASCADE;
CREATE EXTENSION dcpf;
DROP ROLE IF EXISTS dcpf_test_msf_backend;
DROP ROLE IF EXISTS dcpf_test_msf_app;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET timezone = 'UTC';

\i test/sql/include/two_licensees.sql
-- 101 the trainee; 102 a supervisor; 103, 104 nurses; 105 a colleague;
-- 106 someone not invited; 107 her mentor, with whom she shares the item
INSERT INTO dcpf.person (id, email, surname, initials)
SELECT ('00000000-0000-4000-8000-000000000' || n)::uuid, 'p' || n || '@example.nl', surname, 'P.'
  FROM (VALUES ('101', 'Jansen'), ('102', 'de Boer'), ('103', 'Visser'), ('104', 'Bos'), ('105', 'Smit'),
               ('106', 'Mulder'), ('107', 'de Wit')) v(n, surname);
INSERT INTO dcpf.membership (id, person_id, licensee_id, role_code, valid_from)
SELECT ('00000000-0000-4000-8000-00000000e' || n)::uuid, ('00000000-0000-4000-8000-000000000' || n)::uuid,
       '00000000-0000-4000-8000-00000000a001', 'professional', '2024-01-01'
  FROM unnest(ARRAY['101', '102', '103', '104', '105', '106', '107']) n;
\i test/sql/include/accept_euras.sql

CREATE ROLE dcpf_test_msf_backend NOLOGIN IN ROLE dcpf_service;
CREATE ROLE dcpf_test_msf_app NOLOGIN IN ROLE dcpf_app;
CREATE FUNCTION pg_temp.as_person(person text) RETURNS boolean LANGUAGE sql
RETURN dcpf.act_as(('00000000-0000-4000-8000-000000000' || person)::uuid, '00000000-0000-4000-8000-00000000a001',
                   'professional', 'test', true) IS NOT NULL;
GRANT EXECUTE ON FUNCTION pg_temp.as_person(text) TO PUBLIC;
\i test/sql/include/try.sql
SET ROLE dcpf_test_msf_backend;

SELECT pg_temp.as_person('101');
INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, item_type, title)
SELECT ('00000000-0000-4000-8000-00000000f00' || n)::uuid, '00000000-0000-4000-8000-000000000101',
       '00000000-0000-4000-8000-00000000e101', CASE n WHEN 4 THEN 'reflection' ELSE 'feedback' END, 'MSF ' || n
  FROM generate_series(1, 4) n;

\set ON_ERROR_STOP 0
-- refused: on a reflection; a minimum below 3; no questions; closing too soon; a question with a BSN; someone else's item
SELECT dcpf.start_msf('00000000-0000-4000-8000-00000000f004');
SELECT dcpf.start_msf('00000000-0000-4000-8000-00000000f001', min_respondents => 2);
SELECT dcpf.start_msf('00000000-0000-4000-8000-00000000f001', questions => '{}');
\set VERBOSITY terse
SELECT dcpf.start_msf('00000000-0000-4000-8000-00000000f001', closes_at => now() + interval '1 hour');
\set VERBOSITY default
SELECT dcpf.start_msf('00000000-0000-4000-8000-00000000f001', questions => ARRAY['Hoe ging het met patiënt 111222333?']);
SELECT pg_temp.as_person('106');
SELECT dcpf.start_msf('00000000-0000-4000-8000-00000000f001');
\set ON_ERROR_STOP 1

-- three rounds: the first with the default questions and a minimum of 4,
-- the others with two questions and a minimum of 3
SELECT pg_temp.as_person('101');
RESET ROLE;
SELECT dcpf.start_msf('00000000-0000-4000-8000-00000000f001', min_respondents => 4) AS round1 \gset
SELECT dcpf.start_msf('00000000-0000-4000-8000-00000000f002', questions => ARRAY['Samenwerking', 'Communicatie'], min_respondents => 3) AS round2 \gset
SELECT dcpf.start_msf('00000000-0000-4000-8000-00000000f003', questions => ARRAY['Samenwerking', 'Communicatie'], min_respondents => 3) AS round3 \gset
SET ROLE dcpf_test_msf_backend;
SELECT pg_temp.as_person('101');
SELECT right(item_id::text, 3) AS item, cardinality(questions) AS questions, min_respondents, min_per_role,
       closes_at - opens_at AS open_for
  FROM dcpf.msf_round ORDER BY item_id;

-- invitations: round 1 a supervisor, two nurses, a colleague and a nurse by e-mail
SELECT count(dcpf.invite_msf(:'round1', role, ('00000000-0000-4000-8000-000000000' || n)::uuid)) AS invited
  FROM (VALUES ('102', 'supervisor'), ('103', 'nurse'), ('104', 'nurse'), ('105', 'medical_colleague')) v(n, role);
SELECT dcpf.invite_msf(:'round1', 'nurse', email => 'm.vos@example.org', name => 'M. Vos') IS NOT NULL AS invited;
-- round 2: three nurses; round 3: two
SELECT count(dcpf.invite_msf(:'round2', 'nurse', ('00000000-0000-4000-8000-000000000' || n)::uuid)) AS invited
  FROM unnest(ARRAY['103', '104', '105']) n;
SELECT count(dcpf.invite_msf(:'round3', 'nurse', ('00000000-0000-4000-8000-000000000' || n)::uuid)) AS invited
  FROM unnest(ARRAY['103', '104']) n;
\set ON_ERROR_STOP 0
\set VERBOSITY terse
-- refused: twice; oneself; an unknown role; both a person and an address; an address without a name
SELECT dcpf.invite_msf(:'round1', 'nurse', '00000000-0000-4000-8000-000000000103');
SELECT dcpf.invite_msf(:'round1', 'nurse', '00000000-0000-4000-8000-000000000101');
SELECT dcpf.invite_msf(:'round1', 'patient', '00000000-0000-4000-8000-000000000106');
SELECT dcpf.invite_msf(:'round1', 'nurse', '00000000-0000-4000-8000-000000000106', 'x@example.org');
SELECT dcpf.invite_msf(:'round1', 'nurse', email => 'x@example.org');
-- nor can someone else invite to her round
SELECT pg_temp.as_person('106');
SELECT pg_temp.try(format('SELECT dcpf.invite_msf(%L, %L, %L)', :'round1', 'nurse', '00000000-0000-4000-8000-000000000107'));
\set VERBOSITY default
\set ON_ERROR_STOP 1

-- she sees whom she invited, not whether they answered, and no responses
SELECT pg_temp.as_person('101');
SELECT respondent_role, count(*) FROM dcpf.msf_respondent WHERE round_id = :'round1' GROUP BY 1 ORDER BY 1;
\set ON_ERROR_STOP 0
SELECT responded FROM dcpf.msf_respondent;
SELECT count(*) FROM dcpf.msf_response;
\set ON_ERROR_STOP 1

-- the respondents: 103 answers; not twice; 106 was not invited; bad scores, an empty answer or a BSN are refused
SELECT pg_temp.as_person('103');
SELECT respondent_role, asked_by, cardinality(questions) AS questions, open, responded FROM dcpf.my_msf_invitations() ORDER BY round_id = :'round1' DESC, questions;
\set ON_ERROR_STOP 0
\set VERBOSITY terse
SELECT dcpf.respond_msf(:'round1', ARRAY[4, 4, 5]);
SELECT dcpf.respond_msf(:'round1', ARRAY[4, 4, 5, 4, 4, 6, 4]);
SELECT dcpf.respond_msf(:'round1', ARRAY[NULL, NULL, NULL, NULL, NULL, NULL, NULL]::integer[], '  ');
SELECT dcpf.respond_msf(:'round1', ARRAY[4, 4, 5, 4, 4, 4, 4], 'Goed met mevrouw 111222333 omgegaan.');
\set VERBOSITY default
\set ON_ERROR_STOP 1
SELECT dcpf.respond_msf(:'round1', ARRAY[4, 4, 5, 4, NULL, 4, 4], 'Duidelijk in de overdracht.');
\set ON_ERROR_STOP 0
\set VERBOSITY terse
SELECT dcpf.respond_msf(:'round1', ARRAY[4, 4, 5, 4, 4, 4, 4]);
SELECT pg_temp.as_person('106');
SELECT pg_temp.try(format('SELECT dcpf.respond_msf(%L, %L)', :'round1', '{1,1,1,1,1,1,1}'));
\set VERBOSITY default
\set ON_ERROR_STOP 1
SELECT pg_temp.as_person('103');
SELECT open, responded FROM dcpf.my_msf_invitations() ORDER BY round_id = :'round1' DESC, questions LIMIT 1;

-- results are hidden while the round is open, even to her
SELECT pg_temp.as_person('101');
\set ON_ERROR_STOP 0
SELECT pg_temp.try(format('SELECT * FROM dcpf.msf_results(%L)', :'round1'));
\set ON_ERROR_STOP 1

-- the others answer; the nurse outside through the back-end with her link
SELECT pg_temp.as_person('102');
SELECT dcpf.respond_msf(:'round1', ARRAY[3, 3, 4, 3, 3, 3, 4], 'Mag vaker om hulp vragen.');
SELECT pg_temp.as_person('104');
SELECT dcpf.respond_msf(:'round1', ARRAY[5, 5, 5, 4, 4, 4, 5]);
RESET ROLE;
SELECT payload->>'token' AS token FROM dcpf.notice WHERE kind = 'msf_invitation' AND recipient_email IS NOT NULL \gset
SET ROLE dcpf_test_msf_backend;
SELECT dcpf.clear_identity();
\set ON_ERROR_STOP 0
SELECT dcpf.respond_msf_by_token('geen-geldige-link-0000000000000000000', ARRAY[1, 1, 1, 1, 1, 1, 1]);
SET ROLE dcpf_test_msf_app;
SELECT dcpf.respond_msf_by_token(:'token', ARRAY[1, 1, 1, 1, 1, 1, 1]);
SET ROLE dcpf_test_msf_backend;
\set ON_ERROR_STOP 1
SELECT asked_by, respondent_role, open, responded FROM dcpf.msf_invitation_by_token(:'token');
SELECT dcpf.respond_msf_by_token(:'token', ARRAY[4, 5, 4, 4, 4, 5, 5], 'Altijd bereikbaar.');

-- she closes round 1: four responses (one supervisor, three nurses), so no breakdown by role
SELECT pg_temp.as_person('101');
SELECT dcpf.close_msf(:'round1') IS NOT NULL AS closed;
SELECT question_no, respondent_role, responses, scored, mean_score FROM dcpf.msf_results(:'round1');
SELECT * FROM dcpf.msf_comments(:'round1');
\set ON_ERROR_STOP 0
-- closed: no more answers (the colleague who did not answer), no more invitations
SELECT pg_temp.as_person('105');
SELECT pg_temp.try(format('SELECT dcpf.respond_msf(%L, %L)', :'round1', '{3,3,3,3,3,3,3}'));
SELECT pg_temp.as_person('101');
SELECT pg_temp.try(format('SELECT dcpf.invite_msf(%L, %L, %L)', :'round1', 'nurse', '00000000-0000-4000-8000-000000000106'));
\set ON_ERROR_STOP 1

-- round 2: three nurses answer; closed, the results are broken down by role
SELECT count(*) FILTER (WHERE pg_temp.as_person(n) AND dcpf.respond_msf(:'round2', ARRAY[s, s + 1], c)) AS answered
  FROM (VALUES ('103', 3, 'Fijne collega.'), ('104', 4, NULL)) v(n, s, c);
-- where the licensee flags instead of refusing, a comment with a BSN is kept, marked
RESET ROLE;
UPDATE dcpf.licensee SET free_text_policy = 'flag' WHERE id = '00000000-0000-4000-8000-00000000a001';
SET ROLE dcpf_test_msf_backend;
SELECT pg_temp.as_person('105');
SELECT dcpf.respond_msf(:'round2', ARRAY[4, 5], 'Bespreking van patiënt 111222333 ging goed.');
RESET ROLE;
UPDATE dcpf.licensee SET free_text_policy = 'refuse' WHERE id = '00000000-0000-4000-8000-00000000a001';
SET ROLE dcpf_test_msf_backend;
SELECT pg_temp.as_person('101');
SELECT dcpf.close_msf(:'round2') IS NOT NULL AS closed;
SELECT question_no, question, respondent_role, responses, mean_score FROM dcpf.msf_results(:'round2');
SELECT * FROM dcpf.msf_comments(:'round2');

-- round 3: only two of the minimum of three answered; closed, nothing shows
SELECT count(*) FILTER (WHERE pg_temp.as_person(n) AND dcpf.respond_msf(:'round3', ARRAY[2, 2])) AS answered
  FROM unnest(ARRAY['103', '104']) n;
SELECT pg_temp.as_person('101');
SELECT dcpf.close_msf(:'round3') IS NOT NULL AS closed;
\set ON_ERROR_STOP 0
SELECT pg_temp.try(format('SELECT * FROM dcpf.msf_results(%L)', :'round3'));
SELECT pg_temp.try(format('SELECT * FROM dcpf.msf_comments(%L)', :'round3'));
\set ON_ERROR_STOP 1

-- she shares round 1's item with her mentor, who reads the results (logged); someone else cannot
INSERT INTO dcpf.share (owner_id, scope, item_id, grantee_person_id, permission)
VALUES ('00000000-0000-4000-8000-000000000101', 'item', '00000000-0000-4000-8000-00000000f001',
        '00000000-0000-4000-8000-000000000107', 'read');
SELECT pg_temp.as_person('107');
SELECT count(*) AS result_rows FROM dcpf.msf_results(:'round1');
SELECT pg_temp.as_person('106');
\set ON_ERROR_STOP 0
SELECT pg_temp.try(format('SELECT * FROM dcpf.msf_results(%L)', :'round1'));
SELECT pg_temp.try(format('SELECT * FROM dcpf.msf_comments(%L)', :'round2'));
-- a round that does not exist gives the same answer
SELECT pg_temp.try($$SELECT * FROM dcpf.msf_results('00000000-0000-4000-8000-0000000000ff')$$);
\set ON_ERROR_STOP 1

-- her own audit trail names no respondent: only she and her mentor appear
RESET ROLE;
SELECT dcpf.audit_queue_drain() AS drained;
SET ROLE dcpf_test_msf_backend;
SELECT pg_temp.as_person('101');
SELECT DISTINCT right(actor_person::text, 3) AS actor, object_table
  FROM dcpf.my_audit_trail() WHERE object_table LIKE 'msf%' ORDER BY 1, 2;
RESET ROLE;
-- the responses carry no subject, and no respondent link
SELECT count(*) AS response_events, count(subject_person) AS with_subject
  FROM dcpf.audit_event WHERE object_table = 'msf_response';
SELECT column_name FROM information_schema.columns
 WHERE table_schema = 'dcpf' AND table_name = 'msf_response' ORDER BY ordinal_position;
SELECT outcome, right(actor_person::text, 3) AS reader, count(*) FROM dcpf.audit_event
 WHERE action = 'read' AND object_table = 'msf_round' GROUP BY 1, 2 ORDER BY 2, 1;

SET client_min_messages = warning;
DROP EXTENSION dcpf CASCADE;
DROP ROLE dcpf_test_msf_backend;
DROP ROLE dcpf_test_msf_app;
