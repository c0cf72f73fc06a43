-- The breach register (sql/230_breach.sql): the platform's security officer
-- records a data breach; its deadlines are exact timestamps, 48 hours (the
-- licensees) and 72 hours (the Autoriteit Persoonsgegevens) after its
-- discovery, across a change to summer time too; whose data a compromised
-- account touched comes from the audit trail and is stored per person, the
-- licensees they belong to becoming concerned; the licensees' privacy
-- officers (else their admins) and, under art. 34, the persons are sent
-- notices; a late notice to a licensee or the authority needs its reason;
-- information in phases is append-only; a closed breach is final; the
-- overdue view lists what is due and not done. Only the security officer
-- writes; a privacy officer reads the breaches concerning their licensee
-- and only those; a person sees through dcpf.my_breaches the breaches that
-- affected them, nothing of other persons; nobody else sees anything.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS dcpf CASCADE;
CREATE EXTENSION dcpf;
DROP ROLE IF EXISTS dcpf_test_br_backend;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET timezone = 'UTC';

\i test/sql/include/two_licensees.sql
\i test/sql/include/refused.sql
-- the platform operator is a licensee too: its security officer works in it
\i test/sql/include/platform_operator.sql
-- 201 the platform's security officer; 202 the privacy officer of A, 203 of
-- B; 204 and 206 professionals of A, 205 of B; 207 the admin of A, 209 of
-- the platform operator (which has no privacy officer); 208 a supervisor
-- of A whose account was compromised
INSERT INTO dcpf.person (id, email, surname, initials)
SELECT v.id::uuid, v.email, v.surname, 'X.'
  FROM (VALUES ('00000000-0000-4000-8000-000000000201', 'security@vrest.example', 'Veilig'),
               ('00000000-0000-4000-8000-000000000202', 'fg@oost.example', 'Oost'),
               ('00000000-0000-4000-8000-000000000203', 'fg@west.example', 'West'),
               ('00000000-0000-4000-8000-000000000204', 'jansen@oost.example', 'Jansen'),
               ('00000000-0000-4000-8000-000000000205', 'smit@west.example', 'Smit'),
               ('00000000-0000-4000-8000-000000000206', 'bakker@oost.example', 'Bakker'),
               ('00000000-0000-4000-8000-000000000207', 'beheer@oost.example', 'Beheer'),
               ('00000000-0000-4000-8000-000000000208', 'lek@oost.example', 'Lek'),
               ('00000000-0000-4000-8000-000000000209', 'beheer@west.example', 'Westbeheer')) v(id, email, surname);
INSERT INTO dcpf.membership (person_id, licensee_id, role_code, valid_from)
SELECT v.person::uuid, v.licensee::uuid, v.role, '2024-01-01'
  FROM (VALUES ('00000000-0000-4000-8000-000000000201', '00000000-0000-4000-8000-00000000a003', 'platform_security'),
               ('00000000-0000-4000-8000-000000000202', '00000000-0000-4000-8000-00000000a001', 'privacy_officer'),
               ('00000000-0000-4000-8000-000000000203', '00000000-0000-4000-8000-00000000a002', 'privacy_officer'),
               ('00000000-0000-4000-8000-000000000204', '00000000-0000-4000-8000-00000000a001', 'professional'),
               ('00000000-0000-4000-8000-000000000205', '00000000-0000-4000-8000-00000000a002', 'professional'),
               ('00000000-0000-4000-8000-000000000206', '00000000-0000-4000-8000-00000000a001', 'professional'),
               ('00000000-0000-4000-8000-000000000207', '00000000-0000-4000-8000-00000000a001', 'licensee_admin'),
               ('00000000-0000-4000-8000-000000000208', '00000000-0000-4000-8000-00000000a001', 'supervisor'),
               ('00000000-0000-4000-8000-000000000209', '00000000-0000-4000-8000-00000000a003', 'licensee_admin'),
               ('00000000-0000-4000-8000-000000000201', '00000000-0000-4000-8000-00000000a001', 'professional'))
       v(person, licensee, role);
\i test/sql/include/accept_euras.sql
INSERT INTO dcpf.person_preference (person_id)
SELECT id FROM dcpf.person WHERE id::text LIKE '%20_';

CREATE ROLE dcpf_test_br_backend NOLOGIN IN ROLE dcpf_service;
CREATE FUNCTION pg_temp.as_person(person text, role text, licensee text DEFAULT 'a001') RETURNS boolean LANGUAGE sql
RETURN dcpf.act_as(('00000000-0000-4000-8000-000000000' || person)::uuid, ('00000000-0000-4000-8000-00000000' || licensee)::uuid,
                   role, 'test', true) IS NOT NULL;
GRANT EXECUTE ON FUNCTION pg_temp.as_person(text, text, text) TO PUBLIC;

-- the compromised account of 208 changed the preferences of 204 and 205
-- (events in the audit trail with 208 as the actor)
SELECT pg_temp.as_person('208', 'supervisor');
UPDATE dcpf.person_preference SET language = 'en'
 WHERE person_id IN ('00000000-0000-4000-8000-000000000204', '00000000-0000-4000-8000-000000000205');
SELECT dcpf.clear_identity();

SET ROLE dcpf_test_br_backend;

-- only the platform's security officer records a breach: not without an
-- identity, not a privacy officer, not an admin, not the officer acting in
-- another role
SELECT pg_temp.refused($$SELECT dcpf.record_breach('Gelekte sessie', now(), 'Een sessietoken is uitgelekt.', '{confidentiality}', '{name}', '{users}', 'Inzage door een onbevoegde.', 'risk')$$);
SELECT pg_temp.as_person('202', 'privacy_officer');
SELECT pg_temp.refused($$SELECT dcpf.record_breach('Gelekte sessie', now(), 'Een sessietoken is uitgelekt.', '{confidentiality}', '{name}', '{users}', 'Inzage door een onbevoegde.', 'risk')$$);
SELECT pg_temp.as_person('207', 'licensee_admin');
SELECT pg_temp.refused($$SELECT dcpf.record_breach('Gelekte sessie', now(), 'Een sessietoken is uitgelekt.', '{confidentiality}', '{name}', '{users}', 'Inzage door een onbevoegde.', 'risk')$$);
SELECT pg_temp.as_person('201', 'professional');
SELECT pg_temp.refused($$SELECT dcpf.record_breach('Gelekte sessie', now(), 'Een sessietoken is uitgelekt.', '{confidentiality}', '{name}', '{users}', 'Inzage door een onbevoegde.', 'risk')$$);

-- the security officer: bad input is refused and records nothing
SELECT pg_temp.as_person('201', 'platform_security', 'a003');
SELECT pg_temp.refused($$SELECT dcpf.record_breach('Gelekte sessie', now() + interval '1 hour', 'Een sessietoken is uitgelekt.', '{confidentiality}', '{name}', '{users}', 'Inzage door een onbevoegde.', 'risk')$$);
SELECT pg_temp.refused($$SELECT dcpf.record_breach('Gelekte sessie', NULL, 'Een sessietoken is uitgelekt.', '{confidentiality}', '{name}', '{users}', 'Inzage door een onbevoegde.', 'risk')$$);
SELECT pg_temp.refused($$SELECT dcpf.record_breach('Gelekte sessie', now(), 'Een sessietoken is uitgelekt.', '{confidentiality}', '{name}', '{users}', 'Inzage door een onbevoegde.', 'catastrophic')$$);
SELECT pg_temp.refused($$SELECT dcpf.record_breach('Gelekte sessie', now(), 'Een sessietoken is uitgelekt.', '{secrecy}', '{name}', '{users}', 'Inzage door een onbevoegde.', 'risk')$$);
SELECT pg_temp.refused($$SELECT dcpf.record_breach('Gelekte sessie', now(), 'Een sessietoken is uitgelekt.', '{confidentiality}', '{}', '{users}', 'Inzage door een onbevoegde.', 'risk')$$);
SELECT pg_temp.refused($$SELECT dcpf.record_breach('Gelekte sessie', now(), 'Dossier van BSN 111222333 ingezien.', '{confidentiality}', '{name}', '{users}', 'Inzage door een onbevoegde.', 'risk')$$);
SELECT count(*) AS breaches FROM dcpf.breach;

-- the deadlines are exact: 48 and 72 hours after discovery, also across the
-- change to summer time (30 March 2025, 02:00 CET): not the same clock time
-- two or three days later
SELECT dcpf.record_breach('Verloren laptop', '2025-03-29 12:00+01', 'Een laptop met een export van namen is verloren.',
                          '{confidentiality,availability}', '{name,e-mail address}', '{users}',
                          'Namen en adressen kunnen bij onbevoegden terechtkomen.', 'risk',
                          persons_estimate => 120, records_estimate => 240) AS laptop \gset
SELECT dcpf.record_breach('Verkeerde bijlage', '2025-06-01 09:00+02', 'Een export is naar een verkeerd adres gestuurd.',
                          '{confidentiality}', '{name}', '{users}', 'Een naam is bij een onbevoegde terechtgekomen.', 'unlikely')
       AS misdirected \gset
INSERT INTO pg_temp.named VALUES (:'laptop', 'laptop breach'), (:'misdirected', 'misdirected breach');
SELECT title, discovered_at AT TIME ZONE 'Europe/Amsterdam' AS discovered_in_amsterdam,
       controller_due_at AT TIME ZONE 'Europe/Amsterdam' AS licensees_due_in_amsterdam,
       authority_due_at AT TIME ZONE 'Europe/Amsterdam' AS authority_due_in_amsterdam,
       extract(epoch FROM controller_due_at - discovered_at)::bigint AS licensees_after_seconds,
       extract(epoch FROM authority_due_at - discovered_at)::bigint AS authority_after_seconds,
       status, risk, persons_estimate, records_estimate, right(recorded_by::text, 3) AS recorded_by
  FROM dcpf.breach ORDER BY discovered_at;

-- the authority: at exactly 72 hours on time without a reason; one second
-- later only with the reason for the delay; not before the discovery, not
-- in the future, not without its reference, not twice
SELECT pg_temp.refused(format('SELECT dcpf.record_breach_authority_notice(%L, %L, %L)', :'laptop', '2025-04-01 11:00:01+00', 'AP-2025-1'));
SELECT pg_temp.refused(format('SELECT dcpf.record_breach_authority_notice(%L, %L, %L, %L)', :'laptop', '2025-04-01 11:00:01+00', 'AP-2025-1', 'druk'));
SELECT pg_temp.refused(format('SELECT dcpf.record_breach_authority_notice(%L, %L, %L)', :'laptop', '2025-03-29 10:59:59+00', 'AP-2025-1'));
SELECT pg_temp.refused(format('SELECT dcpf.record_breach_authority_notice(%L, now() + interval %L, %L)', :'laptop', '1 minute', 'AP-2025-1'));
SELECT pg_temp.refused(format('SELECT dcpf.record_breach_authority_notice(%L, %L, NULL)', :'laptop', '2025-04-01 11:00:00+00'));
SELECT dcpf.record_breach_authority_notice(:'laptop', '2025-04-01 13:00:00+02', 'AP-2025-1') AS authority_due;
SELECT authority_notified_at, authority_reference, authority_late_reason FROM dcpf.breach WHERE id = :'laptop';
SELECT pg_temp.refused(format('SELECT dcpf.record_breach_authority_notice(%L, %L, %L)', :'laptop', '2025-04-01 11:00:00+00', 'AP-2025-2'));
-- a breach unlikely to result in a risk need not be notified, with a reason;
-- one that is, must; and late, with the reason, it is accepted
SELECT pg_temp.refused(format('SELECT dcpf.waive_breach_authority_notice(%L, %L)', :'laptop', 'Geen risico.'));
SELECT pg_temp.refused(format('SELECT dcpf.waive_breach_authority_notice(%L, NULL)', :'misdirected'));
SELECT dcpf.record_breach('Open back-up', '2025-07-01 08:00+02', 'Een back-up stond een dag open.', '{confidentiality}', '{name}',
                          '{users}', 'Gegevens kunnen zijn ingezien.', 'risk') AS backup \gset
INSERT INTO pg_temp.named VALUES (:'backup', 'backup breach');
SELECT dcpf.record_breach_authority_notice(:'backup', '2025-07-04 06:00:01+00', 'AP-2025-7',
                                           'De omvang was pas na drie dagen bekend.') AS authority_due;
SELECT title, authority_notified_at - authority_due_at AS late_by, authority_late_reason FROM dcpf.breach WHERE id = :'backup';
SELECT dcpf.waive_breach_authority_notice(:'misdirected', 'Eén naam, bij een zorgverlener met geheimhoudingsplicht, direct verwijderd.');
SELECT authority_waived_reason FROM dcpf.breach WHERE id = :'misdirected';

-- the licensees: the officer adds one by hand; telling it after 48 hours
-- needs the reason for the delay; its privacy officer is sent the notice
SELECT dcpf.add_breach_licensee(:'laptop', '00000000-0000-4000-8000-00000000a001') AS licensee_due;
SELECT pg_temp.refused(format('SELECT dcpf.add_breach_licensee(%L, %L)', :'laptop', '00000000-0000-4000-8000-00000000ffff'));
SELECT pg_temp.refused(format('SELECT dcpf.notify_breach_controllers(%L)', :'laptop'));
SELECT dcpf.notify_breach_controllers(:'laptop', 'De laptop werd pas na een week als verloren gemeld.') AS licensees_told;
SELECT right(licensee_id::text, 4) AS licensee, due_at, notified_at > due_at AS late, late_reason, right(notified_by::text, 3) AS notified_by
  FROM dcpf.breach_controller WHERE breach_id = :'laptop';
RESET ROLE;
SELECT kind, right(recipient_person_id::text, 3) AS recipient, subject_id, payload ->> 'title' AS title, payload ->> 'due_at' AS due_at
  FROM dcpf.notice WHERE kind = 'breach_controller' ORDER BY recipient_person_id;
SET ROLE dcpf_test_br_backend;
SELECT dcpf.notify_breach_controllers(:'laptop') AS told_again;
-- a licensee without a privacy officer is told through its admins
SELECT dcpf.add_breach_licensee(:'backup', '00000000-0000-4000-8000-00000000a003') AS licensee_due;
SELECT dcpf.notify_breach_controllers(:'backup', 'Pas na de melding aan de AP bleek de platformlicentie betrokken.') AS licensees_told;
RESET ROLE;
SELECT right(recipient_person_id::text, 3) AS recipient, payload ->> 'title' AS title
  FROM dcpf.notice WHERE kind = 'breach_controller' AND payload ->> 'breach_id' = :'backup';
SET ROLE dcpf_test_br_backend;

-- a breach discovered now: whose data the compromised account touched, from
-- the audit trail; the licensees they belong to are concerned, each told
-- in time without a reason
SELECT dcpf.record_breach('Gekaapt account', now() - interval '1 hour', 'Het account van een supervisor is overgenomen.',
                          '{confidentiality,integrity}', '{preferences}', '{professionals}',
                          'Voorkeuren zijn gewijzigd; verdere inzage is niet uitgesloten.', 'high_risk',
                          occurred_from => now() - interval '1 day') AS hijack \gset
INSERT INTO pg_temp.named VALUES (:'hijack', 'hijack breach');
SELECT pg_temp.refused(format('SELECT dcpf.add_breach_impact(%L)', :'hijack'));
SELECT dcpf.add_breach_impact(:'hijack', actor => '00000000-0000-4000-8000-000000000208', to_time => now() + interval '1 minute') AS persons_found;
SELECT right(person_id::text, 3) AS person, objects = ARRAY['person_preference/' || person_id] AS their_preferences, actions, events,
       notified_at IS NULL AS not_told
  FROM dcpf.breach_subject WHERE breach_id = :'hijack' ORDER BY person_id;
SELECT persons_found, records_found FROM dcpf.breach WHERE id = :'hijack';
SELECT right(licensee_id::text, 4) AS licensee,
       extract(epoch FROM due_at - (SELECT discovered_at FROM dcpf.breach WHERE id = :'hijack'))::bigint AS due_after_seconds
  FROM dcpf.breach_controller WHERE breach_id = :'hijack' ORDER BY licensee_id;
-- again: nothing doubles
SELECT dcpf.add_breach_impact(:'hijack', actor => '00000000-0000-4000-8000-000000000208', to_time => now() + interval '1 minute') AS persons_again;
SELECT count(*) AS subjects, sum(cardinality(objects)) AS objects FROM dcpf.breach_subject WHERE breach_id = :'hijack';
SELECT dcpf.notify_breach_controllers(:'hijack') AS licensees_told;
SELECT right(licensee_id::text, 4) AS licensee, late_reason IS NULL AS on_time FROM dcpf.breach_controller WHERE breach_id = :'hijack' ORDER BY 1;

-- art. 34: a high-risk breach is told to the persons (not waived as
-- without high risk); each affected person gets a notice, once
SELECT pg_temp.refused(format('SELECT dcpf.waive_breach_person_notice(%L, %L, %L)', :'hijack', 'no_high_risk', 'Valt wel mee.'));
SELECT pg_temp.refused(format('SELECT dcpf.waive_breach_person_notice(%L, %L, %L)', :'hijack', 'forgotten', 'Vergeten.'));
SELECT pg_temp.refused(format('SELECT dcpf.notify_breach_persons(%L)', :'laptop'));
SELECT dcpf.notify_breach_persons(:'hijack') AS persons_told;
SELECT dcpf.notify_breach_persons(:'hijack') AS told_again;
RESET ROLE;
SELECT right(n.recipient_person_id::text, 3) AS recipient, right(n.subject_id::text, 3) AS subject, n.payload ->> 'objects' AS objects,
       n.payload ->> 'likely_consequences' AS consequences
  FROM dcpf.notice n WHERE n.kind = 'breach_person' ORDER BY n.recipient_person_id;
SET ROLE dcpf_test_br_backend;
SELECT persons_decision, persons_notified_at IS NOT NULL AS told FROM dcpf.breach WHERE id = :'hijack';
-- data that was encrypted: a ground not to tell the persons, explained
SELECT dcpf.waive_breach_person_notice(:'laptop', 'data_unintelligible', 'De schijf van de laptop was versleuteld (AES-256).');
SELECT pg_temp.refused(format('SELECT dcpf.waive_breach_person_notice(%L, %L, %L)', :'laptop', 'risk_averted', 'Toch niet.'));

-- information in phases: append-only; the licensees already told are told
SELECT pg_temp.refused(format('SELECT dcpf.add_breach_update(%L, %L, true)', :'hijack', 'Het wachtwoord is gereset.'));
SELECT pg_temp.refused(format('SELECT dcpf.add_breach_update(%L, NULL)', :'hijack'));
SELECT dcpf.add_breach_update(:'hijack', 'Het account is geblokkeerd en het wachtwoord gereset.',
                              measures_taken => 'Account geblokkeerd, sessies beëindigd, wachtwoord gereset.', contained => true)
       IS NOT NULL AS updated;
SELECT status, measures_taken FROM dcpf.breach WHERE id = :'hijack';
RESET ROLE;
SELECT right(recipient_person_id::text, 3) AS recipient, payload ? 'update_id' AS about_the_update
  FROM dcpf.notice WHERE kind = 'breach_controller' AND payload ? 'update_id' ORDER BY recipient_person_id;
SET ROLE dcpf_test_br_backend;

-- closing: only when everything is told and decided; then final
SELECT pg_temp.refused(format('SELECT dcpf.close_breach(%L)', :'hijack'));
SELECT pg_temp.refused(format('SELECT dcpf.close_breach(%L)', :'laptop'));
SELECT dcpf.add_breach_update(:'laptop', 'De laptop is op afstand gewist.', measures_taken => 'Laptop op afstand gewist.') IS NOT NULL AS updated;
SELECT dcpf.close_breach(:'laptop') IS NOT NULL AS closed;
SELECT pg_temp.refused(format('SELECT dcpf.add_breach_update(%L, %L)', :'laptop', 'Toch nog iets.'));
SELECT pg_temp.refused(format('SELECT dcpf.close_breach(%L)', '00000000-0000-4000-8000-00000000ffff'));

-- overdue: what is due and not done, by its exact deadline: a high-risk
-- breach of last September concerning B, nobody told yet
SELECT dcpf.record_breach('Phishing', '2025-09-01 10:00+02', 'Inloggegevens zijn via een phishingmail buitgemaakt.',
                          '{confidentiality}', '{name,portfolio content}', '{professionals}', 'Portfolio-inhoud kan zijn ingezien.',
                          'high_risk') AS phishing \gset
INSERT INTO pg_temp.named VALUES (:'phishing', 'phishing breach');
SELECT dcpf.add_breach_licensee(:'phishing', '00000000-0000-4000-8000-00000000a002') AS licensee_due;
SELECT title, duty, right(licensee_id::text, 4) AS licensee, due_at, overdue_by > interval '0' AS overdue
  FROM dcpf.overdue_breaches ORDER BY due_at, duty;

-- the privacy officer of A reads the breaches concerning A and only those,
-- the notice to A, and the affected persons who are A's
SELECT pg_temp.as_person('202', 'privacy_officer');
SELECT title FROM dcpf.breach ORDER BY discovered_at;
SELECT right(licensee_id::text, 4) AS licensee, count(*) FROM dcpf.breach_controller GROUP BY 1 ORDER BY 1;
SELECT right(person_id::text, 3) AS person FROM dcpf.breach_subject ORDER BY 1;
SELECT count(*) AS updates FROM dcpf.breach_update;
SELECT title, duty FROM dcpf.overdue_breaches ORDER BY due_at;
-- acknowledges receipt for A; not for a breach A was not told of; writes nothing else
SELECT dcpf.acknowledge_breach(:'hijack') IS NOT NULL AS acknowledged;
SELECT pg_temp.refused(format('SELECT dcpf.acknowledge_breach(%L)', :'backup'));
SELECT pg_temp.refused(format('SELECT dcpf.add_breach_update(%L, %L)', :'hijack', 'Ik weet meer.'));
SELECT pg_temp.refused(format('SELECT dcpf.notify_breach_persons(%L)', :'hijack'));
SELECT pg_temp.refused($$UPDATE dcpf.breach SET risk = 'unlikely'$$);
SELECT pg_temp.refused($$UPDATE dcpf.breach_controller SET acknowledged_at = NULL$$);
SELECT pg_temp.refused($$INSERT INTO dcpf.breach_update (breach_id, added_by, information) SELECT id, '00000000-0000-4000-8000-000000000202', 'Vervalst.' FROM dcpf.breach$$);
-- the privacy officer of B: the hijack and the phishing, only B's person,
-- and what is overdue for B
SELECT pg_temp.as_person('203', 'privacy_officer', 'a002');
SELECT title FROM dcpf.breach ORDER BY discovered_at;
SELECT right(person_id::text, 3) AS person FROM dcpf.breach_subject ORDER BY 1;
SELECT pg_temp.refused(format('SELECT dcpf.acknowledge_breach(%L)', :'laptop'));
SELECT title, duty, right(licensee_id::text, 4) AS licensee, due_at FROM dcpf.overdue_breaches ORDER BY due_at, duty;
-- the admin of A, a professional not affected, the compromised supervisor: nothing
SELECT pg_temp.as_person('207', 'licensee_admin');
SELECT (SELECT count(*) FROM dcpf.breach) AS breaches, (SELECT count(*) FROM dcpf.breach_subject) AS subjects,
       (SELECT count(*) FROM dcpf.breach_controller) AS controllers, (SELECT count(*) FROM dcpf.breach_update) AS updates,
       (SELECT count(*) FROM dcpf.overdue_breaches) AS overdue;
SELECT pg_temp.refused(format('SELECT dcpf.acknowledge_breach(%L)', :'hijack'));
SELECT pg_temp.as_person('206', 'professional');
SELECT (SELECT count(*) FROM dcpf.breach) AS breaches, (SELECT count(*) FROM dcpf.breach_subject) AS subjects,
       (SELECT count(*) FROM dcpf.my_breaches()) AS mine;
SELECT pg_temp.as_person('208', 'supervisor');
SELECT (SELECT count(*) FROM dcpf.breach) AS breaches, (SELECT count(*) FROM dcpf.breach_subject) AS subjects;
-- the affected person sees their breach and what of theirs was touched, in
-- their own row only
SELECT pg_temp.as_person('204', 'professional');
SELECT title, data_categories, status, objects = ARRAY['person_preference/00000000-0000-4000-8000-000000000204'] AS own_objects,
       notified_at IS NOT NULL AS told
  FROM dcpf.my_breaches();
SELECT right(person_id::text, 3) AS person FROM dcpf.breach_subject;
SELECT count(*) AS breaches FROM dcpf.breach;
SELECT kind, payload ->> 'title' AS title FROM dcpf.my_notices WHERE kind LIKE 'breach%';

-- no identity: nothing, and every step refused
SELECT dcpf.clear_identity();
SELECT (SELECT count(*) FROM dcpf.breach) AS breaches, (SELECT count(*) FROM dcpf.breach_subject) AS subjects,
       (SELECT count(*) FROM dcpf.overdue_breaches) AS overdue;
SELECT pg_temp.refused(format('SELECT dcpf.notify_breach_persons(%L)', :'hijack'));
SELECT pg_temp.refused('SELECT * FROM dcpf.my_breaches()');
-- the reporting and maintenance roles: no privilege at all
RESET ROLE;
SET ROLE dcpf_reporting;
SELECT pg_temp.refused('SELECT count(*) FROM dcpf.breach');
SELECT pg_temp.refused(format('SELECT dcpf.close_breach(%L)', :'hijack'));
RESET ROLE;
SET ROLE dcpf_maintenance;
SELECT pg_temp.refused('SELECT count(*) FROM dcpf.breach_subject');
RESET ROLE;

-- nobody grants the platform role but the platform: not a licensee admin,
-- who neither ends it
SET ROLE dcpf_test_br_backend;
SELECT pg_temp.as_person('207', 'licensee_admin');
SELECT pg_temp.refused($$SELECT dcpf.grant_membership('00000000-0000-4000-8000-000000000206', '00000000-0000-4000-8000-00000000a001', 'platform_security', granted_by => '00000000-0000-4000-8000-000000000207')$$);
SELECT pg_temp.as_person('201', 'platform_security', 'a003');
RESET ROLE;
INSERT INTO dcpf.membership (person_id, licensee_id, role_code, valid_from) VALUES
    ('00000000-0000-4000-8000-000000000206', '00000000-0000-4000-8000-00000000a001', 'platform_security', '2024-01-01');
SET ROLE dcpf_test_br_backend;
SELECT pg_temp.as_person('207', 'licensee_admin');
UPDATE dcpf.membership SET valid_until = now() WHERE role_code = 'platform_security';
SELECT count(*) AS platform_memberships_open FROM dcpf.membership WHERE role_code = 'platform_security' AND valid_until IS NULL;

-- the owner neither moves a deadline nor reopens a closed breach; the
-- updates are append-only
RESET ROLE;
SELECT pg_temp.refused(format('UPDATE dcpf.breach SET discovered_at = now() WHERE id = %L', :'hijack'));
SELECT pg_temp.refused(format('UPDATE dcpf.breach SET controller_due_at = now() WHERE id = %L', :'hijack'));
SELECT pg_temp.refused(format('UPDATE dcpf.breach SET authority_late_reason = NULL WHERE id = %L', :'backup'));
SELECT pg_temp.refused(format('UPDATE dcpf.breach SET status = %L, closed_at = NULL WHERE id = %L', 'open', :'laptop'));
SELECT pg_temp.refused(format('UPDATE dcpf.breach SET authority_notified_at = authority_due_at + interval %L WHERE id = %L', '1 second', :'misdirected'));
SELECT pg_temp.refused(format('UPDATE dcpf.breach_controller SET due_at = due_at + interval %L WHERE breach_id = %L AND licensee_id = %L', '1 day', :'hijack', '00000000-0000-4000-8000-00000000a001'));
SELECT pg_temp.refused('UPDATE dcpf.breach_update SET information = information');
SELECT pg_temp.refused('DELETE FROM dcpf.breach_update');
SELECT pg_temp.refused('TRUNCATE dcpf.breach_subject');

-- every step is an audit event: the breaches and the persons found as
-- breach, the rest as create and update
SELECT object_table, action, right(subject_person::text, 3) AS subject, count(*)
  FROM dcpf.audit_event WHERE object_table LIKE 'breach%'
 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
SELECT dcpf.clear_identity();
DROP ROLE dcpf_test_br_backend;
