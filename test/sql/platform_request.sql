-- Requests made to the platform (sql/210_request.sql and the functions that
-- carry requests out: 216, 217, 240, 245). A person acting alone, with no
-- licensee (here: two professionals whose licensee's last licence ended,
-- their portfolios handed over to them), files a request; it is made to the
-- platform (licensee_id NULL) and handled by the platform's security
-- officer, acting as platform_security: verified, assigned (to another
-- security officer only), extended, completed or refused; an export on an
-- access request, a rectification and a completion, a restriction lifted,
-- an erasure of a person with no licensee (tombstone, key shredded), a
-- deactivation and reactivation. Attacks, each refused (the same P0002 as
-- for a request that does not exist) and changing nothing: a licensee's
-- privacy officer on a platform request, the platform's security officer on
-- a licensee's request, the platform operator's admin, the security officer
-- acting in another role, the security officer on their own request, no
-- identity. Each reads only the requests it handles, in the table, the
-- overdue view, the restrictions, rectifications and tombstones.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS dcpf CASCADE;
CREATE EXTENSION dcpf;
DROP ROLE IF EXISTS dcpf_test_pr_backend;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET timezone = 'UTC';

\i test/sql/include/two_licensees.sql
\i test/sql/include/refused.sql
\i test/sql/include/platform_operator.sql
-- a third licensee, C (Hogeschool Noord), whose only licence ends below
INSERT INTO dcpf.licensee (id, name, kind) VALUES ('00000000-0000-4000-8000-00000000a004', 'Hogeschool Noord', 'nursing_school');
INSERT INTO dcpf.licence (id, licensee_id, product_id, starts_on) VALUES
    ('00000000-0000-4000-8000-00000000b404', '00000000-0000-4000-8000-00000000a004', '00000000-0000-4000-8000-00000000b001', '2020-01-01');
-- 301 and 302 the platform's security officers (301 also a professional of
-- A); 303 the platform operator's admin; 304 the privacy officer of A; 305
-- a professional of A; 306 Lotte and 307 Daan professionals of C; 308 the
-- privacy officer of C
INSERT INTO dcpf.person (id, email, surname, initials)
SELECT v.id::uuid, v.email, v.surname, 'X.'
  FROM (VALUES ('00000000-0000-4000-8000-000000000301', 'security@vrest.example', 'Veilig'),
               ('00000000-0000-4000-8000-000000000302', 'security2@vrest.example', 'Wacht'),
               ('00000000-0000-4000-8000-000000000303', 'beheer@vrest.example', 'Beheer'),
               ('00000000-0000-4000-8000-000000000304', 'fg@oost.example', 'Oost'),
               ('00000000-0000-4000-8000-000000000305', 'jansen@oost.example', 'Jansen'),
               ('00000000-0000-4000-8000-000000000306', 'lotte@example.nl', 'Visser'),
               ('00000000-0000-4000-8000-000000000307', 'daan@example.nl', 'Mulder'),
               ('00000000-0000-4000-8000-000000000308', 'fg@noord.example', 'Noord')) v(id, email, surname);
INSERT INTO dcpf.membership (id, person_id, licensee_id, role_code, valid_from)
SELECT v.id::uuid, v.person::uuid, v.licensee::uuid, v.role, '2024-01-01'
  FROM (VALUES ('00000000-0000-4000-8000-00000000e301', '00000000-0000-4000-8000-000000000301', '00000000-0000-4000-8000-00000000a003', 'platform_security'),
               ('00000000-0000-4000-8000-00000000e311', '00000000-0000-4000-8000-000000000301', '00000000-0000-4000-8000-00000000a001', 'professional'),
               ('00000000-0000-4000-8000-00000000e302', '00000000-0000-4000-8000-000000000302', '00000000-0000-4000-8000-00000000a003', 'platform_security'),
               ('00000000-0000-4000-8000-00000000e303', '00000000-0000-4000-8000-000000000303', '00000000-0000-4000-8000-00000000a003', 'licensee_admin'),
               ('00000000-0000-4000-8000-00000000e304', '00000000-0000-4000-8000-000000000304', '00000000-0000-4000-8000-00000000a001', 'privacy_officer'),
               ('00000000-0000-4000-8000-00000000e305', '00000000-0000-4000-8000-000000000305', '00000000-0000-4000-8000-00000000a001', 'professional'),
               ('00000000-0000-4000-8000-00000000e306', '00000000-0000-4000-8000-000000000306', '00000000-0000-4000-8000-00000000a004', 'professional'),
               ('00000000-0000-4000-8000-00000000e307', '00000000-0000-4000-8000-000000000307', '00000000-0000-4000-8000-00000000a004', 'professional'),
               ('00000000-0000-4000-8000-00000000e308', '00000000-0000-4000-8000-000000000308', '00000000-0000-4000-8000-00000000a004', 'privacy_officer')) v(id, person, licensee, role);
\i test/sql/include/accept_euras.sql
INSERT INTO pg_temp.named
SELECT ('00000000-0000-4000-8000-000000000' || v.n)::uuid, v.name
  FROM (VALUES ('301', 'Veilig'), ('302', 'Wacht'), ('303', 'Beheer'), ('304', 'Oost'), ('305', 'Jansen'), ('306', 'Lotte'),
               ('307', 'Daan'), ('308', 'Noord')) v(n, name);

CREATE ROLE dcpf_test_pr_backend NOLOGIN IN ROLE dcpf_service;
CREATE FUNCTION pg_temp.as_person(person text, role text, licensee text DEFAULT 'a001') RETURNS boolean LANGUAGE sql
RETURN dcpf.act_as(('00000000-0000-4000-8000-000000000' || person)::uuid, ('00000000-0000-4000-8000-00000000' || licensee)::uuid,
                   role, 'test', true) IS NOT NULL;
CREATE FUNCTION pg_temp.alone(person text) RETURNS boolean LANGUAGE sql
RETURN dcpf.act_as(('00000000-0000-4000-8000-000000000' || person)::uuid, NULL, NULL, 'test', true) IS NOT NULL;
-- the requests, their controller and status, as the caller sees them
CREATE FUNCTION pg_temp.requests_seen() RETURNS text LANGUAGE sql
RETURN (SELECT coalesce(string_agg(format('%s %s to %s: %s', (SELECT n.name FROM pg_temp.named n WHERE n.id = r.person_id), r.kind,
                                          coalesce(right(r.licensee_id::text, 4), 'the platform'), r.status), '; '
                                   ORDER BY r.person_id, r.kind, r.received_at), 'none')
          FROM dcpf.subject_request r);
GRANT EXECUTE ON FUNCTION pg_temp.as_person(text, text, text), pg_temp.alone(text), pg_temp.requests_seen() TO PUBLIC;

-- Lotte and Daan each keep a submitted reflection made as members of C
SET ROLE dcpf_test_pr_backend;
SELECT pg_temp.as_person('306', 'professional', 'a004');
INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, item_type, title, body_encrypted)
VALUES ('00000000-0000-4000-8000-00000000f306', '00000000-0000-4000-8000-000000000306', '00000000-0000-4000-8000-00000000e306',
        'reflection', 'Reflectie stage',
        dcpf.encrypt('De stage was leerzaam.', 'portfolio_item', 'body', '00000000-0000-4000-8000-00000000f306',
                     '00000000-0000-4000-8000-000000000306'));
SELECT dcpf.submit_item('00000000-0000-4000-8000-00000000f306') IS NOT NULL AS lotte_submitted;
SELECT pg_temp.as_person('307', 'professional', 'a004');
INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, item_type, title)
VALUES ('00000000-0000-4000-8000-00000000f307', '00000000-0000-4000-8000-000000000307', '00000000-0000-4000-8000-00000000e307',
        'reflection', 'Reflectie van Daan');
SELECT dcpf.submit_item('00000000-0000-4000-8000-00000000f307') IS NOT NULL AS daan_submitted;
SELECT dcpf.clear_identity();
RESET ROLE;

-- C's only licence ends: the portfolios are handed over, C's staff act no
-- more; Lotte and Daan belong to no licensee
SELECT portfolios_handed_over FROM dcpf.end_licence('00000000-0000-4000-8000-00000000b404', now(), 'Contract beëindigd');
SELECT right(person_id::text, 3) AS person, count(*) FILTER (WHERE valid_until IS NULL OR valid_until > now()) AS current_memberships
  FROM dcpf.membership WHERE licensee_id = '00000000-0000-4000-8000-00000000a004' GROUP BY 1 ORDER BY 1;
SELECT right(id::text, 4) AS item, licensee_id IS NULL AS detached, status FROM dcpf.portfolio_item ORDER BY id;
-- (the hand-over put the items back to draft; Lotte, acting alone, submits hers again)
SET ROLE dcpf_test_pr_backend;
SELECT pg_temp.alone('306');
SELECT dcpf.submit_item('00000000-0000-4000-8000-00000000f306') IS NOT NULL AS lotte_submitted_again;
SELECT dcpf.clear_identity();
RESET ROLE;

-- ---------------------------------------------------------------------------
-- Filing: acting alone, a request is made to the platform
-- ---------------------------------------------------------------------------
SET ROLE dcpf_test_pr_backend;
SELECT pg_temp.refused($$SELECT pg_temp.as_person('308', 'privacy_officer', 'a004')$$) AS c_officer_acts;
SELECT pg_temp.alone('306');
SELECT dcpf.submit_subject_request('access', 'Welke gegevens hebben jullie nog van mij?') AS lotte_access \gset
SELECT dcpf.submit_subject_request('rectification', 'Mijn achternaam is veranderd.') AS lotte_rectify \gset
SELECT dcpf.submit_subject_request('completion', 'Graag een aanvulling bij mijn reflectie.') AS lotte_complete \gset
SELECT dcpf.submit_subject_request('restriction', 'Ik betwist de juistheid.') AS lotte_restrict \gset
SELECT dcpf.submit_subject_request('objection') AS lotte_object \gset
SELECT pg_temp.alone('307');
SELECT dcpf.submit_subject_request('erasure', 'Verwijder alles.') AS daan_erase \gset
SELECT pg_temp.alone('305');
SELECT dcpf.submit_subject_request('erasure') AS jansen_erase_platform \gset
SELECT pg_temp.as_person('305', 'professional');
SELECT dcpf.submit_subject_request('access') AS jansen_access_a \gset
SELECT pg_temp.alone('301');
SELECT dcpf.submit_subject_request('access', 'Ook ik wil inzage.') AS veilig_access \gset
INSERT INTO pg_temp.named VALUES (:'lotte_access', 'Lotte''s access request'), (:'lotte_rectify', 'Lotte''s rectification request'),
    (:'lotte_complete', 'Lotte''s completion request'), (:'lotte_restrict', 'Lotte''s restriction request'),
    (:'lotte_object', 'Lotte''s objection'), (:'daan_erase', 'Daan''s erasure request'),
    (:'jansen_erase_platform', 'Jansen''s erasure request to the platform'), (:'jansen_access_a', 'Jansen''s access request to A'),
    (:'veilig_access', 'Veilig''s own access request');
SELECT pg_temp.alone('306');
SELECT pg_temp.requests_seen() AS lotte_sees;

-- ---------------------------------------------------------------------------
-- Who sees which requests: the security officer those made to the
-- platform, the privacy officer of A those made to A, the platform
-- operator's admin and the security officer in another role only their own
-- ---------------------------------------------------------------------------
SELECT pg_temp.as_person('301', 'platform_security', 'a003');
SELECT pg_temp.requests_seen() AS security_officer_sees;
SELECT pg_temp.as_person('304', 'privacy_officer');
SELECT pg_temp.requests_seen() AS officer_of_a_sees;
SELECT pg_temp.as_person('303', 'licensee_admin', 'a003');
SELECT pg_temp.requests_seen() AS platform_admin_sees;
SELECT pg_temp.as_person('301', 'professional');
SELECT pg_temp.requests_seen() AS security_officer_as_professional_sees;
SELECT dcpf.clear_identity();
SELECT pg_temp.requests_seen() AS nobody_sees;

-- ---------------------------------------------------------------------------
-- Attacks on a platform request, each refused and changing nothing
-- ---------------------------------------------------------------------------
-- no identity
SELECT pg_temp.refused(format('SELECT dcpf.verify_subject_request(%L, %L)', :'lotte_access', 'id_document')) AS no_identity;
-- the privacy officer of A: every step, the export and the erasure
SELECT pg_temp.as_person('304', 'privacy_officer');
SELECT pg_temp.refused(format('SELECT dcpf.verify_subject_request(%L, %L)', :'lotte_access', 'id_document')) AS officer_verifies;
SELECT pg_temp.refused(format('SELECT dcpf.assign_subject_request(%L, %L)', :'lotte_access', '00000000-0000-4000-8000-000000000304')) AS officer_assigns;
SELECT pg_temp.refused(format('SELECT dcpf.complete_subject_request(%L, %L)', :'lotte_access', 'Overzicht gestuurd.')) AS officer_completes;
SELECT pg_temp.refused(format('SELECT dcpf.refuse_subject_request(%L, %L, %L)', :'lotte_object', 'Geen grond.', 'art. 21 AVG')) AS officer_refuses;
SELECT pg_temp.refused(format('SELECT dcpf.export_person(%L, %L)', '00000000-0000-4000-8000-000000000306', :'lotte_access')) AS officer_exports;
SELECT pg_temp.refused(format('SELECT dcpf.erase_person(%L, %L)', '00000000-0000-4000-8000-000000000307', :'daan_erase')) AS officer_erases;
SELECT pg_temp.refused(format('SELECT dcpf.restrict_processing(%L, %L)', :'lotte_restrict', 'accuracy_contested')) AS officer_restricts;
SELECT pg_temp.refused(format('SELECT dcpf.rectify_person(%L, %L)', :'lotte_rectify', '{"surname": "Oost"}')) AS officer_rectifies;
-- the platform operator's admin, who is not its security officer
SELECT pg_temp.as_person('303', 'licensee_admin', 'a003');
SELECT pg_temp.refused(format('SELECT dcpf.verify_subject_request(%L, %L)', :'lotte_access', 'id_document')) AS platform_admin_verifies;
SELECT pg_temp.refused(format('SELECT dcpf.erase_person(%L, %L)', '00000000-0000-4000-8000-000000000307', :'daan_erase')) AS platform_admin_erases;
-- the security officer acting in another role
SELECT pg_temp.as_person('301', 'professional');
SELECT pg_temp.refused(format('SELECT dcpf.verify_subject_request(%L, %L)', :'lotte_access', 'id_document')) AS as_professional;
-- the security officer on their own request
SELECT pg_temp.as_person('301', 'platform_security', 'a003');
SELECT pg_temp.refused(format('SELECT dcpf.verify_subject_request(%L, %L)', :'veilig_access', 'authenticated_session')) AS own_request;
SELECT pg_temp.refused(format('SELECT dcpf.export_person(%L, %L)', '00000000-0000-4000-8000-000000000301', :'veilig_access')) AS own_export_unverified;
-- ... and on a request made to A: every step, the export and the erasure
SELECT pg_temp.refused(format('SELECT dcpf.verify_subject_request(%L, %L)', :'jansen_access_a', 'id_document')) AS security_verifies_a;
SELECT pg_temp.refused(format('SELECT dcpf.extend_subject_request(%L, 1, %L, now())', :'jansen_access_a', 'Veel gegevens.')) AS security_extends_a;
SELECT pg_temp.refused(format('SELECT dcpf.complete_subject_request(%L, %L)', :'jansen_access_a', 'Overzicht gestuurd.')) AS security_completes_a;
SELECT pg_temp.refused(format('SELECT dcpf.refuse_subject_request(%L, %L, %L)', :'jansen_access_a', 'Geen grond.', 'art. 12(5) AVG')) AS security_refuses_a;
SELECT pg_temp.refused(format('SELECT dcpf.export_person(%L, %L)', '00000000-0000-4000-8000-000000000305', :'jansen_access_a')) AS security_exports_a;
SELECT dcpf.clear_identity();
RESET ROLE;
SELECT right(person_id::text, 3) AS person, kind, coalesce(right(licensee_id::text, 4), 'platform') AS made_to, status,
       verified_at IS NULL AS unverified, handler_id IS NULL AS unassigned
  FROM dcpf.subject_request ORDER BY person_id, kind, received_at;
SELECT count(*) AS exports FROM dcpf.disclosure WHERE kind IN ('export', 'transfer');

-- ---------------------------------------------------------------------------
-- The security officer handles the platform's requests
-- ---------------------------------------------------------------------------
SET ROLE dcpf_test_pr_backend;
SELECT pg_temp.as_person('301', 'platform_security', 'a003');
-- assigned only to a platform security officer other than the subject
SELECT pg_temp.refused(format('SELECT dcpf.assign_subject_request(%L, %L)', :'lotte_access', '00000000-0000-4000-8000-000000000304')) AS to_officer_of_a;
SELECT pg_temp.refused(format('SELECT dcpf.assign_subject_request(%L, %L)', :'lotte_access', '00000000-0000-4000-8000-000000000303')) AS to_platform_admin;
SELECT pg_temp.refused(format('SELECT dcpf.assign_subject_request(%L, NULL)', :'lotte_access')) AS to_nobody;
SELECT dcpf.assign_subject_request(:'lotte_access', '00000000-0000-4000-8000-000000000302');
-- Wacht handles Veilig's own request, which cannot be given to Veilig
SELECT pg_temp.as_person('302', 'platform_security', 'a003');
SELECT pg_temp.refused(format('SELECT dcpf.assign_subject_request(%L, %L)', :'veilig_access', '00000000-0000-4000-8000-000000000301')) AS to_its_subject;
SELECT dcpf.verify_subject_request(:'veilig_access', 'in_person');
-- verified, extended, exported, completed
SELECT pg_temp.as_person('301', 'platform_security', 'a003');
SELECT dcpf.verify_subject_request(r, 'authenticated_session')
  FROM unnest(ARRAY[:'lotte_access', :'lotte_rectify', :'lotte_complete', :'lotte_restrict', :'daan_erase', :'jansen_erase_platform']::uuid[]) r;
SELECT dcpf.extend_subject_request(:'lotte_access', 1, 'Gegevens uit het overgedragen portfolio.', now())
       = ((received_at AT TIME ZONE 'Europe/Amsterdam')::date + interval '2 months')::date AS extended_by_a_month
  FROM dcpf.subject_request WHERE id = :'lotte_access';
SELECT doc -> 'tables' -> 'person' -> 0 ->> 'email' AS exported_email,
       doc -> 'tables' -> 'portfolio_item' -> 0 ->> 'body' AS exported_body_decrypted
  FROM dcpf.export_person('00000000-0000-4000-8000-000000000306', :'lotte_access') doc;
SELECT dcpf.complete_subject_request(:'lotte_access', 'Kopie van alle gegevens verstrekt.');
-- rectified and completed (art. 16), the record the platform's
SELECT dcpf.rectify_person(:'lotte_rectify', '{"surname": "de Vries"}') AS rectification \gset
SELECT dcpf.complete_item(:'lotte_complete', '00000000-0000-4000-8000-00000000f306', 'De stage duurde twaalf weken, niet tien.') AS completion \gset
SELECT dcpf.complete_subject_request(:'lotte_rectify', 'Achternaam gecorrigeerd.');
SELECT dcpf.complete_subject_request(:'lotte_complete', 'Aanvulling toegevoegd.');
-- restricted, and lifted after telling her
SELECT dcpf.restrict_processing(:'lotte_restrict', 'accuracy_contested') AS restriction \gset
INSERT INTO pg_temp.named VALUES (:'restriction', 'Lotte''s restriction');
-- refused on its ground
SELECT dcpf.refuse_subject_request(:'lotte_object', 'Er vindt geen verwerking voor direct marketing plaats; u kunt klagen bij de AP.',
                                   'art. 21 AVG niet van toepassing');
-- erased: Daan has no licensee left; Jansen still belongs to A
SELECT pg_temp.refused(format('SELECT dcpf.erase_person(%L, %L)', '00000000-0000-4000-8000-000000000305', :'jansen_erase_platform')) AS jansen_still_in_a;
SELECT dcpf.erase_person('00000000-0000-4000-8000-000000000307', :'daan_erase') AS stone \gset
INSERT INTO pg_temp.named VALUES (:'stone', 'Daan''s tombstone');
SELECT pg_temp.requests_seen() AS security_officer_sees;
SELECT right(person_id::text, 3) AS person, fields, item_id IS NOT NULL AS on_an_item, licensee_id IS NULL AS the_platforms,
       made_by = dcpf.current_person() AS by_the_officer
  FROM dcpf.rectification ORDER BY fields;
SELECT kind, ground, licensee_id IS NULL AS the_platforms, lifted_at IS NULL AS in_force FROM dcpf.processing_restriction;
SELECT licensee_id IS NULL AS the_platforms, erased_by = dcpf.current_person() AS by_the_officer, notices_queued,
       key_shredded_at IS NOT NULL AS key_shredded, rows_deleted ? 'portfolio_item' AS items_deleted
  FROM dcpf.erasure;
-- the privacy officer of A sees none of it, lifts nothing
SELECT pg_temp.as_person('304', 'privacy_officer');
SELECT (SELECT count(*) FROM dcpf.rectification) AS rectifications, (SELECT count(*) FROM dcpf.processing_restriction) AS restrictions,
       (SELECT count(*) FROM dcpf.erasure) AS tombstones;
SELECT pg_temp.refused(format('SELECT dcpf.lift_restriction(%L, %L)', :'restriction', 'Gegevens gecontroleerd.')) AS officer_lifts;
SELECT pg_temp.as_person('303', 'licensee_admin', 'a003');
SELECT (SELECT count(*) FROM dcpf.rectification) AS rectifications, (SELECT count(*) FROM dcpf.processing_restriction) AS restrictions,
       (SELECT count(*) FROM dcpf.erasure) AS tombstones;
SELECT pg_temp.as_person('301', 'platform_security', 'a003');
SELECT dcpf.lift_restriction(:'restriction', 'De gegevens zijn gecontroleerd en juist bevonden.') IS NOT NULL AS lifted;
SELECT dcpf.complete_subject_request(:'lotte_restrict', 'Beperking opgeheven na controle.');
SELECT dcpf.clear_identity();
RESET ROLE;
SELECT p.status, dcpf.processing_restricted(p.id) AS restricted, p.surname
  FROM dcpf.person p WHERE p.id = '00000000-0000-4000-8000-000000000306';
SELECT kind, (SELECT n.name FROM pg_temp.named n WHERE n.id = recipient_person_id) AS recipient FROM dcpf.notice
 WHERE subject_id IN ('00000000-0000-4000-8000-000000000306', '00000000-0000-4000-8000-000000000307')
   AND kind IN ('processing_restricted', 'restriction_lifting') ORDER BY queued_at, kind;
SELECT p.status, num_nonnulls(p.surname, p.email) AS personal_values,
       (SELECT count(*) FROM dcpf.portfolio_item i WHERE i.owner_id = p.id) AS items,
       (SELECT k.wrapped IS NULL FROM dcpf.data_key k WHERE k.subject_id = p.id) AS key_gone
  FROM dcpf.person p WHERE p.id = '00000000-0000-4000-8000-000000000307';
SELECT kind, status, details IS NULL AS words_gone, right(handler_id::text, 3) AS handler, right(verified_by::text, 3) AS verified_by
  FROM dcpf.subject_request WHERE person_id IN ('00000000-0000-4000-8000-000000000306', '00000000-0000-4000-8000-000000000307')
 ORDER BY person_id, kind;

-- ---------------------------------------------------------------------------
-- Deactivation: the security officer deactivates a person no licensee has
-- as a member, and reactivates an account deactivated as the platform's;
-- not a member of A, not for the privacy officer of A
-- ---------------------------------------------------------------------------
SET ROLE dcpf_test_pr_backend;
SELECT pg_temp.as_person('301', 'platform_security', 'a003');
SELECT pg_temp.refused(format('SELECT dcpf.deactivate_person(%L, %L)', '00000000-0000-4000-8000-000000000305', 'Op eigen verzoek.')) AS member_of_a;
SELECT pg_temp.refused(format('SELECT dcpf.deactivate_person(%L, %L)', '00000000-0000-4000-8000-000000000307', 'Op eigen verzoek.')) AS erased;
SELECT dcpf.deactivate_person('00000000-0000-4000-8000-000000000306', 'Op eigen verzoek, zij gaat niet akkoord met de privacyverklaring.')
       IS NOT NULL AS lotte_deactivated;
SELECT kind, licensee_id IS NULL AS the_platforms, lifted_at IS NULL AS in_force FROM dcpf.processing_restriction ORDER BY started_at, kind;
SELECT pg_temp.as_person('304', 'privacy_officer');
SELECT pg_temp.refused(format('SELECT dcpf.deactivate_person(%L, %L)', '00000000-0000-4000-8000-000000000306', 'Nogmaals.')) AS officer_deactivates;
SELECT pg_temp.refused(format('SELECT dcpf.reactivate_person(%L, %L)', '00000000-0000-4000-8000-000000000306', 'Op haar verzoek.')) AS officer_reactivates;
SELECT pg_temp.as_person('303', 'licensee_admin', 'a003');
SELECT pg_temp.refused(format('SELECT dcpf.reactivate_person(%L, %L)', '00000000-0000-4000-8000-000000000306', 'Op haar verzoek.')) AS platform_admin_reactivates;
SELECT pg_temp.as_person('301', 'platform_security', 'a003');
SELECT dcpf.reactivate_person('00000000-0000-4000-8000-000000000306', 'Op haar verzoek, identiteit vastgesteld.') IS NOT NULL AS lotte_reactivated;
SELECT dcpf.clear_identity();
RESET ROLE;
SELECT status FROM dcpf.person WHERE id = '00000000-0000-4000-8000-000000000306';

-- the privacy officer of A handles A's request as before
SET ROLE dcpf_test_pr_backend;
SELECT pg_temp.as_person('304', 'privacy_officer');
SELECT dcpf.verify_subject_request(:'jansen_access_a', 'authenticated_session');
SELECT dcpf.export_person('00000000-0000-4000-8000-000000000305', :'jansen_access_a') -> 'tables' -> 'person' -> 0 ->> 'email' AS exported_email;
SELECT dcpf.complete_subject_request(:'jansen_access_a', 'Kopie van alle gegevens verstrekt.');
SELECT pg_temp.requests_seen() AS officer_of_a_sees;
SELECT dcpf.clear_identity();
RESET ROLE;

-- ---------------------------------------------------------------------------
-- Overdue: an old platform request, seen late by the security officer only
-- ---------------------------------------------------------------------------
INSERT INTO dcpf.subject_request (id, person_id, kind, channel, received_at) VALUES
    ('00000000-0000-4000-8000-00000000e399', '00000000-0000-4000-8000-000000000306', 'portability', 'email', '2026-09-01 10:00+02');
SET ROLE dcpf_test_pr_backend;
SELECT pg_temp.as_person('301', 'platform_security', 'a003');
SELECT right(id::text, 4) AS request, right(person_id::text, 3) AS person, licensee_id, kind, due_on, days_overdue > 0 AS late
  FROM dcpf.overdue_subject_requests;
SELECT pg_temp.as_person('304', 'privacy_officer');
SELECT count(*) AS officer_of_a_overdue FROM dcpf.overdue_subject_requests;
SELECT pg_temp.as_person('303', 'licensee_admin', 'a003');
SELECT count(*) AS platform_admin_overdue FROM dcpf.overdue_subject_requests;
SELECT dcpf.clear_identity();
RESET ROLE;
DROP ROLE dcpf_test_pr_backend;
