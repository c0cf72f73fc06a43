-- Every constraint of the people and licensee core refuses bad input with a
-- clear error and changes nothing. Constraint violations are shown terse
-- (the failing row holds timestamps); dcpf's own errors in full.
-- BIG numbers, phone numbers, addresses, IBANs and billing phones are stored
-- encrypted: their rules are checked by the entry functions (create_person,
-- set_big_number, add_phone, set_address, set_billing_profile), uniqueness by
-- the blind indexes, and the values are read back through the *_decrypted views.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS dcpf CASCADE;
CREATE EXTENSION dcpf;
RESET client_min_messages;
SET timezone = 'Europe/Amsterdam';
SET datestyle = 'ISO, YMD';
\set SHOW_CONTEXT never

INSERT INTO dcpf.licensee (id, name, kind, kvk_number)
VALUES ('00000000-0000-4000-8000-0000000000a1', 'UMC Oost-Nederland', 'academic_hospital', '12345678'),
       ('00000000-0000-4000-8000-0000000000a2', 'Hogeschool Twente', 'nursing_school', NULL);
INSERT INTO dcpf.product (id, code, name) VALUES ('00000000-0000-4000-8000-0000000000b1', 'dcpf', 'DCPF portfolio');

\set VERBOSITY terse
-- licensee
SELECT dcpf.create_licensee('X', 'hospital');
SELECT dcpf.create_licensee('Ziekenhuis Zuid', 'clinic');
SELECT dcpf.create_licensee('Ziekenhuis Zuid', 'hospital', '1234');
INSERT INTO dcpf.licensee (name, kind, status) VALUES ('Ziekenhuis Noord', 'hospital', 'ended');
INSERT INTO dcpf.licensee (name, kind) VALUES (' Ziekenhuis Noord', 'hospital');
\set VERBOSITY default
SELECT dcpf.create_licensee('umc oost-nederland', 'hospital');
SELECT dcpf.create_licensee('Ziekenhuis West', 'hospital', '12345678');
SELECT count(*) AS licensees FROM dcpf.licensee;

-- billing profile: no card numbers, IBAN only with a mandate
SELECT dcpf.set_billing_profile('00000000-0000-4000-8000-0000000000a1', 'Postbus 4111 1111 1111 1111', '7500 AA',
                                'Enschede', 'Crediteurenadministratie', 'facturen@umc-oost.example', 'invoice');
SELECT dcpf.set_billing_profile('00000000-0000-4000-8000-0000000000a1', 'Postbus 1', '7500 AA', 'Enschede',
                                'Crediteurenadministratie', 'facturen@umc-oost.example', 'invoice',
                                invoice_reference => 'PO 5555-5555-5555-4444');
SELECT dcpf.set_billing_profile('00000000-0000-4000-8000-0000000000a1', 'Postbus 1', '7500 AA', 'Enschede',
                                'Crediteurenadministratie', 'facturen@umc-oost.example', 'direct_debit',
                                iban => 'NL91ABNA0417164300');
SELECT dcpf.set_billing_profile('00000000-0000-4000-8000-0000000000a1', 'Postbus 1', '7500 AA', 'Enschede',
                                'Crediteurenadministratie', 'facturen@umc-oost.example', 'invoice',
                                iban => 'NL91ABNA0417164300', mandate_reference => 'M1', mandate_signed_on => '2024-01-01');
SELECT dcpf.set_billing_profile('00000000-0000-4000-8000-0000000000a1', 'Postbus 1', '7500 AA', 'Enschede',
                                'Crediteurenadministratie', 'facturen@umc-oost.example', 'card');
SELECT dcpf.set_billing_profile('00000000-0000-4000-8000-0000000000a1', 'Postbus 1', '7500 AA', 'Enschede',
                                'Crediteurenadministratie', 'facturen@umc-oost.example', 'invoice', card_type => 'visa');
-- the table refuses the same combinations when written directly (with the IBAN
-- encrypted as dcpf.set_billing_profile would)
\set VERBOSITY terse
INSERT INTO dcpf.billing_profile (licensee_id, address_line1, postcode, city, contact_name, contact_email, payment_method,
                                  iban_encrypted)
VALUES ('00000000-0000-4000-8000-0000000000a1', 'Postbus 1', '7500 AA', 'Enschede', 'Crediteuren', 'facturen@umc-oost.example',
        'invoice', dcpf.encrypt('NL91ABNA0417164300'::text, 'billing_profile', 'iban',
                                '00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000a1'));
SELECT dcpf.set_billing_profile('00000000-0000-4000-8000-0000000000a1', 'Postbus 1', '7500 AA', 'Enschede',
                                'Crediteurenadministratie', 'facturen@umc-oost.example', 'card', card_type => 'diners');
SELECT dcpf.set_billing_profile('00000000-0000-4000-8000-0000000000a1', 'Postbus 1', '7500 AA', 'Enschede',
                                'Crediteurenadministratie', 'facturen@umc-oost.example', 'direct_debit',
                                iban => 'NL91ABNA0417164300', mandate_reference => 'M#1', mandate_signed_on => '2024-01-01');
\set VERBOSITY default
SELECT dcpf.set_billing_profile('00000000-0000-4000-8000-0000000000a1', 'Postbus 1', '7500 SS', 'Enschede',
                                'Crediteurenadministratie', 'facturen@umc-oost.example', 'invoice');
SELECT dcpf.set_billing_profile('00000000-0000-4000-8000-0000000000a1', 'Postbus 1', '7500 AA', 'Enschede',
                                'Crediteurenadministratie', 'facturen@umc-oost.example', 'invoice', contact_phone => '12345');
-- the IBAN is encrypted, so the table cannot check it: the entry function does
SELECT dcpf.set_billing_profile('00000000-0000-4000-8000-0000000000a1', 'Postbus 1', '7500 AA', 'Enschede',
                                'Crediteurenadministratie', 'facturen@umc-oost.example', 'direct_debit',
                                iban => 'NL91ABNA0417164301', mandate_reference => 'M1', mandate_signed_on => '2024-01-01');
SELECT count(*) AS billing_profiles FROM dcpf.billing_profile;
SELECT dcpf.set_billing_profile('00000000-0000-4000-8000-0000000000a1', 'Postbus 1', '7500aa', 'Enschede',
                                'Crediteurenadministratie', 'Facturen@UMC-Oost.example', 'direct_debit',
                                iban => 'nl91 abna 0417 1643 00', mandate_reference => 'UMC-2024-001',
                                mandate_signed_on => '2024-01-01', contact_phone => '053 - 487 2000');
SELECT dcpf.set_billing_profile('00000000-0000-4000-8000-0000000000a2', 'Postbus 70000', '7500 KB', 'Enschede',
                                'Financiële administratie', 'finance@hogeschool.example', 'card',
                                card_type => 'mastercard', card_bank => 'Rabobank');
SELECT licensee_id, postcode, contact_email, contact_phone, payment_method, iban, dcpf.iban_display(iban::dcpf.iban) AS iban_display,
       card_type, card_bank
  FROM dcpf.billing_profile_decrypted ORDER BY licensee_id;
-- stored only as ciphertext under the licensee's data key
SELECT (x.iban).key_id = k.id AS iban_under_licensee_key, (x.iban).plaintext_bytes AS iban_bytes,
       (x.phone).key_id = k.id AS phone_under_licensee_key,
       position(convert_to('NL91ABNA0417164300', 'UTF8') IN b.iban_encrypted) = 0 AS iban_not_in_clear,
       position(convert_to('+31534872000', 'UTF8') IN b.contact_phone_encrypted) = 0 AS phone_not_in_clear
  FROM dcpf.billing_profile b
  JOIN dcpf.data_key k ON k.subject_id = b.licensee_id
 CROSS JOIN LATERAL (SELECT dcpf.ciphertext_info(b.iban_encrypted) AS iban,
                            dcpf.ciphertext_info(b.contact_phone_encrypted) AS phone) x
 WHERE b.licensee_id = '00000000-0000-4000-8000-0000000000a1';

-- licences
SELECT dcpf.create_licence('00000000-0000-4000-8000-0000000000a1', 'portfolio', '2025-01-01');
\set VERBOSITY terse
SELECT dcpf.create_licence('00000000-0000-4000-8000-0000000000a1', 'dcpf', '2025-01-01', '2024-12-31');
SELECT dcpf.create_licence('00000000-0000-4000-8000-0000000000a1', 'dcpf', '2025-01-01', seats => 0);
INSERT INTO dcpf.licence (licensee_id, product_id, starts_on, status)
VALUES ('00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000b1', '2025-01-01', 'terminated');
\set VERBOSITY default

-- persons: names in Dutch parts
\set VERBOSITY terse
INSERT INTO dcpf.person (email, surname, given_names) VALUES ('a@example.nl', 'Berg', NULL);
INSERT INTO dcpf.person (email, surname, initials) VALUES ('a@example.nl', 'Berg', 'JW');
INSERT INTO dcpf.person (email, surname, initials, tussenvoegsel) VALUES ('a@example.nl', 'Berg', 'J.', 'Van den');
INSERT INTO dcpf.person (email, surname, initials) VALUES ('a@example.nl', 'Berg3', 'J.');
INSERT INTO dcpf.person (email, surname, initials) VALUES ('a@example.nl', ' Berg', 'J.');
INSERT INTO dcpf.person (email, surname, initials, name_use) VALUES ('a@example.nl', 'Berg', 'J.', 'P');
INSERT INTO dcpf.person (email, surname, initials, name_use) VALUES ('a@example.nl', 'Berg', 'J.', 'X');
INSERT INTO dcpf.person (email, surname, initials, partner_tussenvoegsel) VALUES ('a@example.nl', 'Berg', 'J.', 'de');
INSERT INTO dcpf.person (email, surname, initials, academic_titles) VALUES ('a@example.nl', 'Berg', 'J.', '{dr.,Sir}');
INSERT INTO dcpf.person (email, surname, initials, photo, photo_type) VALUES ('a@example.nl', 'Berg', 'J.', '\x89504e470d0a1a0a00', 'image/jpeg');
INSERT INTO dcpf.person (email, surname, initials, photo) VALUES ('a@example.nl', 'Berg', 'J.', '\xffd8ff00');
INSERT INTO dcpf.person (email, surname, initials, photo, photo_type) VALUES ('a@example.nl', 'Berg', 'J.', decode(repeat('ff', 600000), 'hex'), 'image/jpeg');
INSERT INTO dcpf.person (email, surname, initials, status) VALUES ('a@example.nl', 'Berg', 'J.', 'deactivated');
INSERT INTO dcpf.person (email, surname, initials, created_by) VALUES ('a@example.nl', 'Berg', 'J.', gen_random_uuid());
\set VERBOSITY default
INSERT INTO dcpf.person (email, surname, initials) VALUES ('not an address', 'Berg', 'J.');
SELECT dcpf.create_person('a@example.nl', 'Berg', initials => 'J.', big_number => '1234');
-- the encrypted column takes only a ciphertext that opens for its row, never the number itself
INSERT INTO dcpf.person (email, surname, initials, big_number_encrypted)
VALUES ('a@example.nl', 'Berg', 'J.', convert_to('89012345601', 'UTF8'));
SELECT count(*) AS persons FROM dcpf.person;

INSERT INTO dcpf.person (id, email, surname, given_names, initials, tussenvoegsel)
VALUES ('00000000-0000-4000-8000-000000000001', 'Jan.vandenBerg@Example.NL', 'Berg', 'Jan Willem', 'J.W.', 'van den'),
       ('00000000-0000-4000-8000-000000000002', 'anna@example.nl', 'Jansen', 'Anna', 'A.', NULL),
       ('00000000-0000-4000-8000-000000000003', 'beheer@umc-oost.example', 'Dijk', 'Petra', 'P.', 'van');
SELECT dcpf.set_big_number('00000000-0000-4000-8000-000000000001', '8901 2345 601');
-- a person using the partner's name files under that name
INSERT INTO dcpf.person (id, email, surname, tussenvoegsel, given_names, initials, partner_surname, partner_tussenvoegsel, name_use)
VALUES ('00000000-0000-4000-8000-000000000004', 'e.brouwer@example.nl', 'Brouwer', NULL, 'Eva', 'E.', 'Dekker', NULL, 'P'),
       ('00000000-0000-4000-8000-000000000005', 'a.bos@example.nl', 'Dijk', 'van', 'Anne', 'A.', 'Bos', NULL, 'V');
SELECT p.id, p.email, d.big_number,
       dcpf.person_display_name(p) AS display, dcpf.person_display_name(p, 'sorted') AS sorted
  FROM dcpf.person p JOIN dcpf.person_decrypted d ON d.id = p.id ORDER BY p.sort_key;
-- the BIG number is stored only as ciphertext under the person's own data key, with a blind index
SELECT p.id, position(convert_to('89012345601', 'UTF8') IN p.big_number_encrypted) = 0 AS not_in_clear,
       (dcpf.ciphertext_info(p.big_number_encrypted)).key_id = k.id AS under_own_key,
       (dcpf.ciphertext_info(p.big_number_encrypted)).plaintext_bytes AS plaintext_bytes,
       octet_length(p.big_number_hmac) AS blind_index_bytes,
       dcpf.person_by_big_number('89012345601') = p.id AS found_by_number
  FROM dcpf.person p LEFT JOIN dcpf.data_key k ON k.subject_id = p.id
 WHERE p.big_number_encrypted IS NOT NULL OR p.big_number_hmac IS NOT NULL;
-- e-mail is unique case-insensitively, BIG numbers are unique
SELECT dcpf.create_person('JAN.VANDENBERG@example.nl', 'Berg', 'Jan');
SELECT dcpf.create_person('other@example.nl', 'Berg', 'Jan', big_number => '89012345601');
SELECT dcpf.create_person('other@example.nl', 'Berg', 'Jan', big_number => '8901234560');
SELECT dcpf.set_big_number('00000000-0000-4000-8000-000000000002', '890 1234 5601');
SELECT dcpf.set_big_number('00000000-0000-4000-8000-000000000002', '8901-2345-601');
SELECT dcpf.set_big_number('00000000-0000-4000-8000-0000000000ff', '89628194821');
-- a BIG number's ciphertext does not open for another person
UPDATE dcpf.person SET big_number_encrypted = (SELECT big_number_encrypted FROM dcpf.person
                                                WHERE id = '00000000-0000-4000-8000-000000000001')
 WHERE id = '00000000-0000-4000-8000-000000000002';
-- a changed BIG number takes its blind index along: the old number is free again, the new one is taken
SELECT dcpf.set_big_number('00000000-0000-4000-8000-000000000004', '89628194821');
SELECT dcpf.set_big_number('00000000-0000-4000-8000-000000000004', '89507529170');
SELECT dcpf.person_by_big_number('89628194821') IS NULL AS old_number_free,
       dcpf.person_by_big_number('89507529170') = '00000000-0000-4000-8000-000000000004' AS new_number_found;
SELECT dcpf.set_big_number('00000000-0000-4000-8000-000000000005', '89507529170');
SELECT dcpf.set_big_number('00000000-0000-4000-8000-000000000005', '89628194821');
SELECT id, big_number FROM dcpf.person_decrypted WHERE big_number IS NOT NULL ORDER BY id;

-- accounts created on someone's behalf: only by a current licensee administrator
SELECT dcpf.create_person('nieuw@example.nl', 'Vries', 'Sanne', tussenvoegsel => 'de',
                          created_by => '00000000-0000-4000-8000-000000000003');
SELECT dcpf.create_person('nieuw@example.nl', 'Vries', 'Sanne', tussenvoegsel => 'de',
                          created_by => '00000000-0000-4000-8000-000000000003',
                          on_behalf_of_licensee => '00000000-0000-4000-8000-0000000000a1');
INSERT INTO dcpf.membership (person_id, licensee_id, role_code, valid_from)
VALUES ('00000000-0000-4000-8000-000000000003', '00000000-0000-4000-8000-0000000000a1', 'licensee_admin', '2024-01-01');
SELECT dcpf.create_person('nieuw@example.nl', 'Vries', 'Sanne', tussenvoegsel => 'De',
                          created_by => '00000000-0000-4000-8000-000000000003',
                          on_behalf_of_licensee => '00000000-0000-4000-8000-0000000000a1') IS NOT NULL AS created;
SELECT email, tussenvoegsel, created_by, created_for_licensee
  FROM dcpf.person p WHERE email = 'nieuw@example.nl';

-- phones and addresses are normalised or refused
SELECT dcpf.add_phone('00000000-0000-4000-8000-000000000001', 'mobile', '06-12345678', true) IS NOT NULL AS added;
SELECT dcpf.add_phone('00000000-0000-4000-8000-000000000001', 'work', '+31 (0)53 487 2000') IS NOT NULL AS added;
SELECT kind, number, is_primary FROM dcpf.person_phone_decrypted ORDER BY kind;
SELECT ph.kind, position(convert_to(d.number, 'UTF8') IN ph.number_encrypted) = 0 AS not_in_clear,
       octet_length(ph.number_hmac) AS blind_index_bytes
  FROM dcpf.person_phone ph JOIN dcpf.person_phone_decrypted d ON d.id = ph.id ORDER BY ph.kind;
SELECT dcpf.add_phone('00000000-0000-4000-8000-000000000001', 'home', '06-1234-abcd');
SELECT dcpf.add_phone('00000000-0000-4000-8000-000000000001', 'home', '612345678');
\set VERBOSITY terse
SELECT dcpf.add_phone('00000000-0000-4000-8000-000000000001', 'fax', '053 487 2001');
SELECT dcpf.add_phone('00000000-0000-4000-8000-000000000001', 'home', '053 487 2001', true);
SELECT dcpf.add_phone('00000000-0000-4000-8000-000000000001', 'work', '+31534872000');
\set VERBOSITY default
-- addresses are encrypted but for kind and country: dcpf.set_address checks what the table cannot
SELECT dcpf.set_address('00000000-0000-4000-8000-000000000001', 'home', 'Twekkeler Es', NULL, '7547 SM', 'Enschede');
SELECT dcpf.set_address('00000000-0000-4000-8000-000000000001', 'home', 'Twekkeler Es', 24, '7547 SM', 'Enschede', 'A-12');
SELECT dcpf.set_address('00000000-0000-4000-8000-000000000001', 'home', '  ', 24, '7547 SM', 'Enschede');
SELECT dcpf.set_address('00000000-0000-4000-8000-000000000001', 'home', 'Twekkeler Es', 24, '7547 SM', repeat('x', 81));
SELECT dcpf.set_address('00000000-0000-4000-8000-000000000001', 'home', 'Twekkeler Es', 0, '7547 SM', 'Enschede');
SELECT dcpf.set_address('00000000-0000-4000-8000-000000000001', 'home', 'Twekkeler Es', 24, '0547 SM', 'Enschede');
\set VERBOSITY terse
SELECT dcpf.set_address('00000000-0000-4000-8000-000000000001', 'fax', 'Twekkeler Es', 24, '7547 SM', 'Enschede');
\set VERBOSITY default
SELECT count(*) AS addresses FROM dcpf.person_address;
SELECT dcpf.set_address('00000000-0000-4000-8000-000000000001', 'home', 'Twekkeler Es', 24, '7547sm', 'Enschede', 'a') AS home_id \gset
SELECT dcpf.set_address('00000000-0000-4000-8000-000000000001', 'postal', 'Rue de la Loi', 16, 'b-1000', 'Bruxelles', country => 'BE') IS NOT NULL AS set;
SELECT dcpf.set_address('00000000-0000-4000-8000-000000000001', 'home', 'Twekkeler Es', 26, '7547 SM', 'Enschede') = :'home_id' AS replaced_in_place;
SELECT dcpf.set_address('00000000-0000-4000-8000-000000000001', 'home', 'Twekkeler Es', 100000, '7547 SM', 'Enschede');
SELECT kind, street, house_number, house_number_suffix, postcode, city, country FROM dcpf.person_address_decrypted ORDER BY kind;
SELECT kind, position(convert_to('Twekkeler', 'UTF8') IN address_encrypted) = 0
             AND position(convert_to('Loi', 'UTF8') IN address_encrypted) = 0 AS not_in_clear,
       (dcpf.ciphertext_info(address_encrypted)).key_id = (SELECT k.id FROM dcpf.data_key k WHERE k.subject_id = person_id) AS under_persons_key
  FROM dcpf.person_address ORDER BY kind;

-- preferences are validated, not free-form
\set VERBOSITY terse
INSERT INTO dcpf.person_preference (person_id, start_page) SELECT id, 'http://evil.example' FROM dcpf.person WHERE email = 'nieuw@example.nl';
INSERT INTO dcpf.person_preference (person_id, favourites) SELECT id, '{portfolio,admin}' FROM dcpf.person WHERE email = 'nieuw@example.nl';
INSERT INTO dcpf.person_preference (person_id, notification_digest) SELECT id, 'hourly' FROM dcpf.person WHERE email = 'nieuw@example.nl';
INSERT INTO dcpf.person_preference (person_id, favourites, start_page) SELECT id, '{portfolio,feedback}', 'epa_overview' FROM dcpf.person WHERE email = 'nieuw@example.nl';
SELECT language, start_page, favourites, notification_digest, marketing_email FROM dcpf.person_preference;
\set VERBOSITY default

-- memberships: medical roles need a BIG number; periods never overlap
SELECT dcpf.grant_membership('00000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-0000000000a1', 'medical_trainee');
SELECT dcpf.grant_membership('00000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-0000000000a1', 'chief');
\set VERBOSITY terse
SELECT dcpf.grant_membership('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000a1', 'medical_trainee',
                             '2025-09-01', '2025-08-01');
\set VERBOSITY default
INSERT INTO dcpf.membership (id, person_id, licensee_id, role_code, valid_from)
VALUES ('00000000-0000-4000-8000-0000000000c1', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000a1',
        'medical_trainee', '2025-09-01 00:00+02');
SELECT dcpf.grant_membership('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000a1', 'medical_trainee',
                             '2025-01-01 00:00+01', '2025-09-01 00:00:01+02');
SELECT dcpf.grant_membership('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000a1', 'medical_trainee',
                             '2025-01-01 00:00+01', '2025-09-01 00:00+02') IS NOT NULL AS adjacent_period_granted;
SELECT dcpf.set_big_number('00000000-0000-4000-8000-000000000001', NULL);
UPDATE dcpf.person SET big_number_encrypted = NULL WHERE id = '00000000-0000-4000-8000-000000000001';
SELECT big_number FROM dcpf.person_decrypted WHERE id = '00000000-0000-4000-8000-000000000001';
SELECT dcpf.end_membership('00000000-0000-4000-8000-0000000000c1', '2025-08-01 00:00+02');
SELECT dcpf.end_membership('00000000-0000-4000-8000-0000000000c9');

-- agreements: published versions and acceptances are never changed
SELECT dcpf.publish_role_agreement('portfolio', 'medical_trainee', 'EURA', 'Voorwaarden voor het gebruik van de rol.');
\set VERBOSITY terse
SELECT dcpf.publish_role_agreement('dcpf', 'medical_trainee', 'EURA aios', 'Kort.');
\set VERBOSITY default
SELECT dcpf.publish_role_agreement('dcpf', 'medical_trainee', 'EURA aios v1', 'Ik accepteer de rolgebonden rechten van de aios.',
                                   '2025-01-01') AS eura1 \gset
SELECT dcpf.publish_role_agreement('dcpf', 'medical_trainee', 'EURA aios v2', 'Ik accepteer de gewijzigde rolgebonden rechten van de aios.',
                                   '2099-01-01') AS eura2 \gset
SELECT version, title, effective_from, encode(body_sha256, 'hex') = encode(sha256(convert_to(body, 'UTF8')), 'hex') AS hash_ok
  FROM dcpf.role_agreement ORDER BY version;
SELECT dcpf.current_role_agreement('00000000-0000-4000-8000-0000000000b1', 'medical_trainee') = :'eura1' AS v1_in_force;
SELECT dcpf.has_accepted_role_agreement('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000b1', 'medical_trainee') AS before;
SELECT dcpf.accept_role_agreement('00000000-0000-4000-8000-000000000001', :'eura1', 'click_through', '192.0.2.10', 'Firefox/140')
     = dcpf.accept_role_agreement('00000000-0000-4000-8000-000000000001', :'eura1') AS repeat_returns_first;
SELECT dcpf.has_accepted_role_agreement('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-0000000000b1', 'medical_trainee') AS after;
\set VERBOSITY terse
SELECT dcpf.accept_role_agreement('00000000-0000-4000-8000-000000000001', :'eura2', 'telepathy');
\set VERBOSITY default
UPDATE dcpf.role_agreement SET body = 'Iets anders dan wat geaccepteerd is.' WHERE id = :'eura1';
UPDATE dcpf.role_agreement_acceptance SET accepted_at = '2020-01-01';
UPDATE dcpf.person SET status = 'deactivated', deactivated_at = '2026-01-01' WHERE id = '00000000-0000-4000-8000-000000000002';
SELECT dcpf.accept_role_agreement('00000000-0000-4000-8000-000000000002', :'eura1');

SELECT dcpf.publish_policy_document('privacy_statement', '2020.1', 'Privacyverklaring',
        'Deze privacyverklaring is in werking getreden op 13 september 2020.', '2020-09-13', true) AS ps \gset
SELECT dcpf.publish_policy_document('privacy_statement', '2020.1', 'Privacyverklaring',
        'Deze privacyverklaring is in werking getreden op 13 september 2020.', '2020-09-13', true);
\set VERBOSITY terse
SELECT dcpf.publish_policy_document('privacy_statement', 'v2', 'Privacyverklaring',
        'Deze privacyverklaring is in werking getreden op 13 september 2020.', '2020-09-13', true);
\set VERBOSITY default
SELECT dcpf.acknowledge_policy('00000000-0000-4000-8000-000000000001', :'ps') = dcpf.acknowledge_policy('00000000-0000-4000-8000-000000000001', :'ps') AS idempotent;
UPDATE dcpf.policy_document SET material_change = false;
