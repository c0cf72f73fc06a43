-- Encryption at rest (src/crypto.c, src/keys.c, sql/035_keys.sql): round
-- trips of text and bytes, the ciphertext header, tampering with each field
-- of a ciphertext, ciphertext moved to another row, column, table or subject
-- (refused when decrypted, and when written by the application through the
-- dcpf.sealed_column triggers), label rules, crypto-shredding, lookup by BIG
-- number through the blind index and the uniqueness it enforces.
-- Output is deterministic: booleans, lengths, SQLSTATEs and messages (uuids
-- masked), never uuids, times or ciphertext bytes.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS dcpf CASCADE;
CREATE EXTENSION dcpf;
DROP SCHEMA IF EXISTS enc_t CASCADE;
DROP ROLE IF EXISTS dcpf_test_enc_svc;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

-- Helpers. enc_t.try runs a statement and says 'ok, N row(s)' or
-- 'SQLSTATE: message' (uuids masked); enc_t.try_detail gives the DETAIL of
-- the error. enc_t.ct keeps ciphertexts by name, so statements can use them
-- without printing them. enc_t.flip flips the low bit of one byte.
CREATE SCHEMA enc_t;
GRANT USAGE ON SCHEMA enc_t TO PUBLIC;
CREATE TABLE enc_t.ct (name text PRIMARY KEY, v bytea NOT NULL);
GRANT SELECT, INSERT, UPDATE ON enc_t.ct TO PUBLIC;
CREATE FUNCTION enc_t.try(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    state text;
    msg text;
    n bigint;
BEGIN
    EXECUTE stmt;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN 'ok, ' || n || ' row(s)';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
    RETURN state || ': ' || regexp_replace(msg, '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', '<uuid>', 'g');
END
$$;
CREATE FUNCTION enc_t.try_detail(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    detail text;
BEGIN
    EXECUTE stmt;
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
    RETURN detail;
END
$$;
CREATE FUNCTION enc_t.flip(v bytea, i integer) RETURNS bytea LANGUAGE sql IMMUTABLE
RETURN set_byte(v, i, get_byte(v, i) # 1);

-- Two licensees with a licence and every EURA; in L1 a trainee (p1), a
-- professional (p2) and an admin; in L2 a professional (p3).
\set l1 '00000000-0000-4000-8000-00000000a001'
\set l2 '00000000-0000-4000-8000-00000000a002'
\set p1 '00000000-0000-4000-8000-000000000101'
\set p2 '00000000-0000-4000-8000-000000000102'
\set admin1 '00000000-0000-4000-8000-000000000103'
\set p3 '00000000-0000-4000-8000-000000000104'
\set nobody '00000000-0000-4000-8000-000000000999'
\set ph1 '00000000-0000-4000-8000-000000000201'
\set ph2 '00000000-0000-4000-8000-000000000202'
\set ph3 '00000000-0000-4000-8000-000000000203'
INSERT INTO dcpf.licensee (id, name, kind) VALUES
    (:'l1', 'UMC Noord', 'academic_hospital'),
    (:'l2', 'Hogeschool Zuid', 'nursing_school');
INSERT INTO dcpf.product (id, code, name) VALUES ('00000000-0000-4000-8000-00000000b001', 'dcpf', 'DCPF portfolio');
INSERT INTO dcpf.licence (licensee_id, product_id, starts_on)
SELECT l, '00000000-0000-4000-8000-00000000b001', '2020-01-01' FROM unnest(ARRAY[:'l1', :'l2']::uuid[]) l;
INSERT INTO dcpf.role_agreement (product_id, role_code, version, title, body, effective_from)
SELECT '00000000-0000-4000-8000-00000000b001', code, 1, 'EURA ' || code, 'Ik accepteer de rechten van ' || code || '.', '2020-01-01'
  FROM dcpf.role;
-- written by the owner: the trigger computes the blind index
INSERT INTO dcpf.person (id, email, surname, initials, big_number_encrypted)
SELECT v.id::uuid, v.email, v.surname, v.initials,
       dcpf.encrypt(v.big, 'person', 'big_number', v.id::uuid, v.id::uuid)
  FROM (VALUES (:'p1', 'trainee@example.nl', 'Jansen', 'T.', '89012345601'),
               (:'p2', 'professional@example.nl', 'Bakker', 'P.', '09996030824'),
               (:'admin1', 'admin@example.nl', 'Visser', 'A.', NULL),
               (:'p3', 'zuid@example.nl', 'Smit', 'Z.', '09012345605')) v(id, email, surname, initials, big);
INSERT INTO dcpf.membership (person_id, licensee_id, role_code, valid_from) VALUES
    (:'p1', :'l1', 'medical_trainee', '2024-01-01'),
    (:'p2', :'l1', 'professional', '2024-01-01'),
    (:'admin1', :'l1', 'licensee_admin', '2024-01-01'),
    (:'p3', :'l2', 'professional', '2024-01-01');
INSERT INTO dcpf.role_agreement_acceptance (agreement_id, person_id, method)
SELECT a.id, m.person_id, 'click_through' FROM dcpf.membership m JOIN dcpf.role_agreement a ON a.role_code = m.role_code;
INSERT INTO dcpf.person_phone (id, person_id, kind, number_encrypted) VALUES
    (:'ph1', :'p1', 'mobile', dcpf.encrypt('+31611111111', 'person_phone', 'number', :'ph1', :'p1')),
    (:'ph2', :'p1', 'work', dcpf.encrypt('+31201234567', 'person_phone', 'number', :'ph2', :'p1')),
    (:'ph3', :'p2', 'mobile', dcpf.encrypt('+31622222222', 'person_phone', 'number', :'ph3', :'p2'));
SELECT count(*) AS persons_with_big, count(big_number_hmac) AS with_blind_index,
       bool_and(octet_length(big_number_encrypted) = 46 + 11) AS ciphertext_is_46_bytes_longer
  FROM dcpf.person WHERE big_number_encrypted IS NOT NULL;
SELECT count(*) AS phones, bool_and(octet_length(number_hmac) = 16) AS blind_index_16_bytes FROM dcpf.person_phone;
CREATE ROLE dcpf_test_enc_svc NOLOGIN IN ROLE dcpf_service;

-- round trips ---------------------------------------------------------------
INSERT INTO enc_t.ct (name, v) VALUES
    ('text', dcpf.encrypt('Spoedeisende hulp, 3e verdieping'::text, 'person', 'note', :'p1', :'p1')),
    ('text_again', dcpf.encrypt('Spoedeisende hulp, 3e verdieping'::text, 'person', 'note', :'p1', :'p1')),
    ('unicode', dcpf.encrypt('Zoë ''t Hooft — ĳsbaan ✓'::text, 'person', 'note', :'p1', :'p1')),
    ('empty_text', dcpf.encrypt(''::text, 'person', 'note', :'p1', :'p1')),
    ('empty_bytea', dcpf.encrypt(''::bytea, 'person', 'attachment', :'p1', :'p1')),
    ('bytea_256', dcpf.encrypt((SELECT decode(string_agg(lpad(to_hex(i), 2, '0'), '' ORDER BY i), 'hex')
                                  FROM generate_series(0, 255) i), 'person', 'attachment', :'p1', :'p1')),
    ('text_256', dcpf.encrypt(repeat('é', 128), 'person', 'note', :'p1', :'p1')),
    ('p2_text', dcpf.encrypt('Spoedeisende hulp, 3e verdieping'::text, 'person', 'note', :'p2', :'p2'));
SELECT dcpf.decrypt_text(v, 'person', 'note', :'p1', :'p1') = 'Spoedeisende hulp, 3e verdieping' AS text_round_trip
  FROM enc_t.ct WHERE name = 'text';
SELECT dcpf.decrypt_text(v, 'person', 'note', :'p1', :'p1') = 'Zoë ''t Hooft — ĳsbaan ✓' AS unicode_round_trip
  FROM enc_t.ct WHERE name = 'unicode';
SELECT dcpf.decrypt_text(v, 'person', 'note', :'p1', :'p1') = '' AS empty_text_round_trip,
       octet_length(v) AS ciphertext_bytes
  FROM enc_t.ct WHERE name = 'empty_text';
SELECT dcpf.decrypt(v, 'person', 'attachment', :'p1', :'p1') = ''::bytea AS empty_bytea_round_trip,
       octet_length(v) AS ciphertext_bytes
  FROM enc_t.ct WHERE name = 'empty_bytea';
SELECT dcpf.decrypt(v, 'person', 'attachment', :'p1', :'p1')
       = (SELECT decode(string_agg(lpad(to_hex(i), 2, '0'), '' ORDER BY i), 'hex') FROM generate_series(0, 255) i)
       AS every_byte_value_round_trip,
       octet_length(v) AS ciphertext_bytes
  FROM enc_t.ct WHERE name = 'bytea_256';
SELECT dcpf.decrypt_text(v, 'person', 'note', :'p1', :'p1') = repeat('é', 128) AS text_256_round_trip,
       octet_length(v) AS ciphertext_bytes
  FROM enc_t.ct WHERE name = 'text_256';
-- text encrypted is read back as its bytes; bytes that are not UTF-8 are not text
SELECT dcpf.decrypt(v, 'person', 'note', :'p1', :'p1') = convert_to(repeat('é', 128), 'UTF8') AS text_as_bytes
  FROM enc_t.ct WHERE name = 'text_256';
SELECT enc_t.try($$SELECT dcpf.decrypt_text(v, 'person', 'attachment', '$$ || :'p1' || $$', '$$ || :'p1' || $$')
                     FROM enc_t.ct WHERE name = 'bytea_256'$$) AS bytes_as_text;
-- the ciphertext shows nothing of the value: a fresh nonce each time
SELECT a.v <> b.v AS same_value_encrypts_differently,
       position(convert_to('Spoedeisende', 'UTF8') IN a.v) = 0 AS plaintext_not_in_ciphertext
  FROM enc_t.ct a, enc_t.ct b WHERE a.name = 'text' AND b.name = 'text_again';
SELECT substr(a.v, 19, 12) <> substr(b.v, 19, 12) AS nonces_differ
  FROM enc_t.ct a, enc_t.ct b WHERE a.name = 'text' AND b.name = 'text_again';

-- ciphertext_info: the header, without decrypting
SELECT c.name, i.format_version, i.algorithm, i.plaintext_bytes,
       i.key_id = (SELECT k.id FROM dcpf.data_key k WHERE k.subject_id = :'p1') AS key_of_p1
  FROM enc_t.ct c, dcpf.ciphertext_info(c.v) i
 WHERE c.name <> 'p2_text' ORDER BY c.name;
SELECT (dcpf.ciphertext_info(v)).key_id = (SELECT k.id FROM dcpf.data_key k WHERE k.subject_id = :'p2') AS p2_has_own_key
  FROM enc_t.ct WHERE name = 'p2_text';
SELECT count(*) AS data_keys, count(DISTINCT subject_id) AS subjects,
       bool_and(octet_length(wrapped) = 65 AND generation = 1) AS all_wrapped_by_generation_1
  FROM dcpf.data_key;
SELECT enc_t.try($$SELECT dcpf.ciphertext_info('\x0101'::bytea)$$) AS info_of_short_value;
SELECT enc_t.try($$SELECT dcpf.ciphertext_info(enc_t.flip(v, 0)) FROM enc_t.ct WHERE name = 'text'$$) AS info_of_bad_format;

-- tampering: every header field, the tag and the body -------------------------
-- layout: format (0) | algorithm (1) | key id (2..17) | nonce (18..29) | body | tag (last 16)
SELECT f.field, enc_t.try(format($$SELECT dcpf.decrypt_text(enc_t.flip(v, %s), 'person', 'note', %L, %L)
                                     FROM enc_t.ct WHERE name = 'text'$$, f.pos, :'p1', :'p1')) AS outcome
  FROM (SELECT 'format byte' AS field, 0 AS pos, 1 AS o UNION ALL
        SELECT 'algorithm byte', 1, 2 UNION ALL
        SELECT 'key id, first byte', 2, 3 UNION ALL
        SELECT 'key id, last byte', 17, 4 UNION ALL
        SELECT 'nonce, first byte', 18, 5 UNION ALL
        SELECT 'nonce, last byte', 29, 6 UNION ALL
        SELECT 'body, first byte', 30, 7 UNION ALL
        SELECT 'body, last byte', 30 + 32 - 1, 8 UNION ALL
        SELECT 'tag, first byte', 30 + 32, 9 UNION ALL
        SELECT 'tag, last byte', 30 + 32 + 15, 10) f
 ORDER BY f.o;
-- the format and algorithm bytes set to other values
SELECT enc_t.try($$SELECT dcpf.decrypt_text(set_byte(v, 0, 2), 'person', 'note', '$$ || :'p1' || $$', '$$ || :'p1' || $$')
                     FROM enc_t.ct WHERE name = 'text'$$) AS format_2,
       enc_t.try($$SELECT dcpf.decrypt_text(set_byte(v, 1, 255), 'person', 'note', '$$ || :'p1' || $$', '$$ || :'p1' || $$')
                     FROM enc_t.ct WHERE name = 'text'$$) AS algorithm_255;
-- the key id of another subject's (existing) data key
SELECT enc_t.try(format($$SELECT dcpf.decrypt_text(overlay(a.v PLACING substr(b.v, 3, 16) FROM 3), 'person', 'note', %L, %L)
                           FROM enc_t.ct a, enc_t.ct b WHERE a.name = 'text' AND b.name = 'p2_text'$$, :'p1', :'p1'))
       AS key_id_of_another_subject;
-- the body of another ciphertext under the same key and nonce position
SELECT enc_t.try(format($$SELECT dcpf.decrypt_text(overlay(a.v PLACING substr(b.v, 31) FROM 31), 'person', 'note', %L, %L)
                           FROM enc_t.ct a, enc_t.ct b WHERE a.name = 'text' AND b.name = 'text_again'$$, :'p1', :'p1'))
       AS body_and_tag_of_another_ciphertext;
-- truncated, extended, empty
SELECT t.what, enc_t.try(format($$SELECT dcpf.decrypt_text(%s, 'person', 'note', %L, %L) FROM enc_t.ct WHERE name = 'text'$$,
                                t.expr, :'p1', :'p1')) AS outcome
  FROM (VALUES (1, 'empty', $$''::bytea$$),
               (2, '45 bytes (one less than header and tag)', 'substr(v, 1, 45)'),
               (3, 'header and tag only (body cut out)', 'substr(v, 1, 30) || substr(v, octet_length(v) - 15)'),
               (4, 'last byte cut off', 'substr(v, 1, octet_length(v) - 1)'),
               (5, 'tag cut off', 'substr(v, 1, octet_length(v) - 16)'),
               (6, 'one byte appended', $$v || '\x00'::bytea$$)) t(o, what, expr)
 ORDER BY t.o;
SELECT enc_t.try($$SELECT dcpf.decrypt(substr(v, 1, 46), 'person', 'attachment', '$$ || :'p1' || $$', '$$ || :'p1' || $$')
                     FROM enc_t.ct WHERE name = 'empty_bytea'$$) AS empty_value_intact,
       enc_t.try($$SELECT dcpf.decrypt(substr(v, 1, 45), 'person', 'attachment', '$$ || :'p1' || $$', '$$ || :'p1' || $$')
                     FROM enc_t.ct WHERE name = 'empty_bytea'$$) AS empty_value_truncated;
-- the detail says how long a ciphertext must be
SELECT enc_t.try_detail($$SELECT dcpf.decrypt_text(substr(v, 1, 45), 'person', 'note', '$$ || :'p1' || $$', '$$ || :'p1' || $$')
                            FROM enc_t.ct WHERE name = 'text'$$) AS truncated_detail;

-- moved ciphertext, at decrypt (as the owner: no entitlement in the way) ----
SELECT m.what, enc_t.try(format($$SELECT dcpf.decrypt_text(p.big_number_encrypted, %L, %L, %L, %L)
                                   FROM dcpf.person p WHERE p.id = %L$$, m.tab, m.col, m.row_id, m.subject, :'p1')) AS outcome
  FROM (VALUES (1, 'as written', 'person', 'big_number', :'p1', :'p1'),
               (2, 'another row', 'person', 'big_number', :'p2', :'p1'),
               (3, 'another column', 'person', 'email', :'p1', :'p1'),
               (4, 'another table label', 'person_phone', 'big_number', :'p1', :'p1'),
               (5, 'another subject', 'person', 'big_number', :'p1', :'p2'),
               (6, 'another row and subject', 'person', 'big_number', :'p2', :'p2')) m(o, what, tab, col, row_id, subject)
 ORDER BY m.o;
SELECT enc_t.try(format($$SELECT dcpf.decrypt_text(ph.number_encrypted, 'person_phone', 'number', %L, ph.person_id)
                           FROM dcpf.person_phone ph WHERE ph.id = %L$$, :'ph2', :'ph1')) AS phone_read_as_other_phone_row;

-- moved or forged ciphertext, at write time by the application -------------
-- p1 acting as themself (a dcpf_service member assumed the identity)
INSERT INTO enc_t.ct (name, v) VALUES
    ('p2_big', (SELECT big_number_encrypted FROM dcpf.person WHERE id = :'p2')),
    ('ph1_number', (SELECT number_encrypted FROM dcpf.person_phone WHERE id = :'ph1')),
    ('ph3_number', (SELECT number_encrypted FROM dcpf.person_phone WHERE id = :'ph3'));
CREATE TABLE enc_t.hmac_before AS SELECT id, number_hmac FROM dcpf.person_phone;
SET ROLE dcpf_test_enc_svc;
SELECT dcpf.act_as(:'p1', NULL, NULL, 'encryption test', true) = :'p1' AS acting_as_p1;
SELECT w.what, enc_t.try(w.stmt) AS outcome
  FROM (VALUES
    (1, 'person.big_number, own value bound right',
        format($$UPDATE dcpf.person SET big_number_encrypted = dcpf.encrypt('89012345601', 'person', 'big_number', id, id) WHERE id = %L$$, :'p1')),
    (2, 'person.big_number, another table label',
        format($$UPDATE dcpf.person SET big_number_encrypted = dcpf.encrypt('29012345604', 'person_phone', 'big_number', id, id) WHERE id = %L$$, :'p1')),
    (3, 'person.big_number, another column label',
        format($$UPDATE dcpf.person SET big_number_encrypted = dcpf.encrypt('29012345604', 'person', 'email', id, id) WHERE id = %L$$, :'p1')),
    (4, 'person.big_number, another subject',
        format($$UPDATE dcpf.person SET big_number_encrypted = dcpf.encrypt('29012345604', 'person', 'big_number', id, %L) WHERE id = %L$$, :'p2', :'p1')),
    (5, 'person.big_number, another row',
        format($$UPDATE dcpf.person SET big_number_encrypted = dcpf.encrypt('29012345604', 'person', 'big_number', %L, id) WHERE id = %L$$, :'p2', :'p1')),
    (6, 'person.big_number, copied from another person',
        format($$UPDATE dcpf.person SET big_number_encrypted = (SELECT v FROM enc_t.ct WHERE name = 'p2_big') WHERE id = %L$$, :'p1')),
    (7, 'person.big_number, a phone ciphertext',
        format($$UPDATE dcpf.person SET big_number_encrypted = (SELECT v FROM enc_t.ct WHERE name = 'ph1_number') WHERE id = %L$$, :'p1')),
    (8, 'person.big_number, not a ciphertext',
        format($$UPDATE dcpf.person SET big_number_encrypted = convert_to('29012345604', 'UTF8') WHERE id = %L$$, :'p1')),
    (17, 'person.big_number, a ciphertext of an invalid BIG number',
        format($$UPDATE dcpf.person SET big_number_encrypted = dcpf.encrypt('12345', 'person', 'big_number', id, id) WHERE id = %L$$, :'p1')),
    (18, 'person_phone, a ciphertext of a number not in E.164 form',
        format($$UPDATE dcpf.person_phone SET number_encrypted = dcpf.encrypt('0611111111', 'person_phone', 'number', id, person_id) WHERE id = %L$$, :'ph2')),
    (9, 'person.big_number, tampered',
        format($$UPDATE dcpf.person SET big_number_encrypted = enc_t.flip(big_number_encrypted, 40) WHERE id = %L$$, :'p1')),
    (10, 'person_phone, another row of the same person',
        format($$UPDATE dcpf.person_phone SET number_encrypted = (SELECT v FROM enc_t.ct WHERE name = 'ph1_number') WHERE id = %L$$, :'ph2')),
    (11, 'person_phone, bound to another subject',
        format($$UPDATE dcpf.person_phone SET number_encrypted = dcpf.encrypt('+31633333333', 'person_phone', 'number', id, %L) WHERE id = %L$$, :'p2', :'ph2')),
    (12, 'person_phone, another table label',
        format($$UPDATE dcpf.person_phone SET number_encrypted = dcpf.encrypt('+31633333333', 'person_address', 'number', id, person_id) WHERE id = %L$$, :'ph2')),
    (13, 'person_phone, another column label',
        format($$UPDATE dcpf.person_phone SET number_encrypted = dcpf.encrypt('+31633333333', 'person_phone', 'kind', id, person_id) WHERE id = %L$$, :'ph2')),
    (14, 'person_phone, new row with a copied ciphertext',
        format($$INSERT INTO dcpf.person_phone (person_id, kind, number_encrypted, number_hmac)
                 VALUES (%L, 'home', (SELECT v FROM enc_t.ct WHERE name = 'ph1_number'), '\x00')$$, :'p1')),
    (15, 'person_phone, own value bound right',
        format($$UPDATE dcpf.person_phone SET number_encrypted = dcpf.encrypt('+31633333333', 'person_phone', 'number', id, person_id) WHERE id = %L$$, :'ph2')),
    (16, 'person_address, bound to another row',
        format($$INSERT INTO dcpf.person_address (person_id, kind, address_encrypted)
                 VALUES (%L, 'home', dcpf.encrypt('{"city": "Zwolle"}', 'person_address', 'address', %L, %L))$$, :'p1', :'ph1', :'p1')),
    (19, 'person_address, bound right but not an address (missing parts)',
        format($$INSERT INTO dcpf.person_address (id, person_id, kind, address_encrypted)
                 SELECT n, %L, 'postal', dcpf.encrypt('{"city": "Zwolle"}', 'person_address', 'address', n, %L)
                   FROM (SELECT gen_random_uuid() AS n) x$$, :'p1', :'p1')),
    (20, 'person_address, bound right, every part but an empty street',
        format($$INSERT INTO dcpf.person_address (id, person_id, kind, address_encrypted)
                 SELECT n, %L, 'postal',
                        dcpf.encrypt('{"city": "Zwolle", "street": " ", "postcode": "8011 AA", "house_number": 1, "house_number_suffix": null}',
                                     'person_address', 'address', n, %L)
                   FROM (SELECT gen_random_uuid() AS n) x$$, :'p1', :'p1')),
    (21, 'person_address, bound right, a valid address',
        format($$INSERT INTO dcpf.person_address (id, person_id, kind, address_encrypted)
                 SELECT n, %L, 'postal',
                        dcpf.encrypt('{"city": "Zwolle", "street": "Postbus", "postcode": "8000 AA", "house_number": 1, "house_number_suffix": null}',
                                     'person_address', 'address', n, %L)
                   FROM (SELECT gen_random_uuid() AS n) x$$, :'p1', :'p1'))
  ) w(o, what, stmt)
 ORDER BY w.o;
-- a type of the same name in pg_temp does not replace the one the trigger checks against
CREATE DOMAIN pg_temp.address_parts AS text;
CREATE DOMAIN pg_temp.jsonb AS text;
SET search_path = pg_temp, dcpf, pg_catalog;
SELECT enc_t.try(format($$UPDATE dcpf.person_address SET address_encrypted = dcpf.encrypt('not json at all', 'person_address', 'address', id, person_id)
                           WHERE person_id = %L AND kind = 'postal'$$, :'p1')) AS shadowed_type;
RESET search_path;
-- the application cannot choose the blind index: the trigger recomputes it
SELECT enc_t.try(format($$UPDATE dcpf.person_phone SET number_hmac = '\x00000000000000000000000000000000' WHERE id = %L$$, :'ph1'))
       AS forged_blind_index_update;
SELECT dcpf.add_phone(:'p1', 'home', '06 4444 4444') IS NOT NULL AS phone_added;
RESET ROLE;
SELECT ph.id = :'ph1' AS ph1, ph.number_hmac = b.number_hmac AS blind_index_kept
  FROM dcpf.person_phone ph JOIN enc_t.hmac_before b USING (id) WHERE ph.id IN (:'ph1', :'ph3') ORDER BY ph.id;
SELECT ph.number_hmac <> b.number_hmac AS new_number_new_blind_index
  FROM dcpf.person_phone ph JOIN enc_t.hmac_before b USING (id) WHERE ph.id = :'ph2';
SELECT count(*) AS phones_of_p1, count(*) FILTER (WHERE number_hmac IN ('\x00', '\x00000000000000000000000000000000')) AS forged_blind_indexes
  FROM dcpf.person_phone WHERE person_id = :'p1';
SELECT number, kind FROM dcpf.person_phone_decrypted WHERE person_id = :'p1' ORDER BY number;
SELECT big_number FROM dcpf.person_decrypted WHERE id = :'p1';

-- the application without an identity encrypts nothing (it would learn which subjects have keys)
SET ROLE dcpf_test_enc_svc;
SELECT dcpf.clear_identity();
SELECT enc_t.try(format($$SELECT dcpf.encrypt('x'::text, 'person', 'note', %L, %L)$$, :'p1', :'p1')) AS no_identity_encrypts;
SELECT dcpf.act_as(:'p1', NULL, NULL, 'encryption test', true) = :'p1' AS acting_as_p1_again;
RESET ROLE;

-- labels ----------------------------------------------------------------------
SELECT l.tab, l.col, enc_t.try(format($$SELECT dcpf.encrypt('x'::text, %L, %L, %L, %L)$$, l.tab, l.col, :'p1', :'p1')) AS encrypt,
       enc_t.try(format($$SELECT dcpf.decrypt_text(v, %L, %L, %L, %L) FROM enc_t.ct WHERE name = 'text'$$, l.tab, l.col, :'p1', :'p1')) AS decrypt
  FROM (VALUES (1, '', 'note'), (2, 'person', ''), (3, 'Person', 'note'), (4, 'person', 'Note'),
               (5, '1person', 'note'), (6, 'person-phone', 'note'), (7, 'person phone', 'note'),
               (8, 'dcpf.person', 'note'), (9, 'person', 'note;'), (10, 'persoon_é', 'note')) l(o, tab, col)
 ORDER BY l.o;
SELECT enc_t.try(format($$SELECT dcpf.encrypt('x'::text, %L, 'note', %L, %L)$$, repeat('a', 64), :'p1', :'p1')) AS table_label_64,
       enc_t.try(format($$SELECT dcpf.encrypt('x'::text, 'person', %L, %L, %L)$$, repeat('b', 64), :'p1', :'p1')) AS column_label_64;
SELECT dcpf.decrypt_text(dcpf.encrypt('x'::text, repeat('a', 63), '_9' || repeat('b', 61), :'p1', :'p1'),
                         repeat('a', 63), '_9' || repeat('b', 61), :'p1', :'p1') AS labels_of_63_characters;

-- crypto-shredding --------------------------------------------------------------
BEGIN;
-- read p2 first, so their data key sits in this transaction's cache
SELECT big_number FROM dcpf.person_decrypted WHERE id = :'p2';
SELECT dcpf.shred_person_key(:'p2', 'erasure request 2024-117') AS p2_shredded_at \gset
SELECT :'p2_shredded_at'::timestamptz = shredded_at AS returns_when FROM dcpf.data_key WHERE subject_id = :'p2';
SELECT enc_t.try(format($$SELECT dcpf.decrypt_text(big_number_encrypted, 'person', 'big_number', id, id) FROM dcpf.person WHERE id = %L$$, :'p2'))
       AS p2_big_in_same_transaction;
COMMIT;
SELECT wrapped IS NULL AS key_destroyed, shredded_at IS NOT NULL AS shredded, shred_reason, generation IS NULL AS no_generation
  FROM dcpf.data_key WHERE subject_id = :'p2';
SELECT v.what, enc_t.try(v.stmt) AS outcome,
       enc_t.try_detail(v.stmt) LIKE '%' || (SELECT shredded_at::text FROM dcpf.data_key WHERE subject_id = :'p2') || '%'
           AS detail_says_when,
       enc_t.try_detail(v.stmt) LIKE '%' || :'p2' || '%' AS detail_names_subject
  FROM (VALUES
    (1, 'BIG number', format($$SELECT dcpf.decrypt_text(big_number_encrypted, 'person', 'big_number', id, id) FROM dcpf.person WHERE id = %L$$, :'p2')),
    (2, 'phone', format($$SELECT dcpf.decrypt_text(number_encrypted, 'person_phone', 'number', id, person_id) FROM dcpf.person_phone WHERE person_id = %L$$, :'p2')),
    (3, 'note (bytes)', format($$SELECT dcpf.decrypt(v, 'person', 'note', %L, %L) FROM enc_t.ct WHERE name = 'p2_text'$$, :'p2', :'p2')),
    (5, 'encrypting for them', format($$SELECT dcpf.encrypt('nieuw'::text, 'person', 'note', %L, %L)$$, :'p2', :'p2')),
    (6, 'a new BIG number for them', format($$SELECT dcpf.set_big_number(%L, '29012345612')$$, :'p2')),
    (7, 'a new phone for them', format($$SELECT dcpf.add_phone(%L, 'work', '+31655555555')$$, :'p2'))
  ) v(o, what, stmt)
 ORDER BY v.o;
-- the views show an erased value as NULL: one erased person does not break a listing
SELECT count(*) AS persons_listed, count(big_number) AS big_numbers_shown,
       bool_and(big_number IS NULL) FILTER (WHERE id = :'p2') AS erased_shows_null
  FROM dcpf.person_decrypted;
SELECT number IS NULL AS erased_phone_shows_null FROM dcpf.person_phone_decrypted WHERE person_id = :'p2';
-- the blind indexes of the erased person are cleared: a guessed value no longer confirms them
SELECT big_number_hmac IS NULL AS big_blind_index_cleared FROM dcpf.person WHERE id = :'p2';
SELECT bool_and(number_hmac IS NULL) AS phone_blind_index_cleared FROM dcpf.person_phone WHERE person_id = :'p2';
SELECT dcpf.person_by_big_number('09996030824') IS NULL AS erased_big_number_finds_nobody;
-- others are not affected
SELECT big_number FROM dcpf.person_decrypted WHERE id IN (:'p1', :'p3') ORDER BY big_number;
SELECT dcpf.decrypt_text(v, 'person', 'note', :'p1', :'p1') = 'Spoedeisende hulp, 3e verdieping' AS p1_note_still_readable
  FROM enc_t.ct WHERE name = 'text';
-- shredding twice changes nothing (a NOTICE says so)
SET client_min_messages = warning;
SELECT dcpf.shred_person_key(:'p2', 'second request') = :'p2_shredded_at'::timestamptz AS same_time;
RESET client_min_messages;
SELECT shred_reason AS reason_kept FROM dcpf.data_key WHERE subject_id = :'p2';
-- refusals: blank reason (nothing shredded), unknown person
SELECT enc_t.try(format($$SELECT dcpf.shred_person_key(%L, '   ')$$, :'p3')) AS blank_reason,
       enc_t.try(format($$SELECT dcpf.shred_person_key(%L, NULL)$$, :'p3')) AS null_reason,
       enc_t.try(format($$SELECT dcpf.shred_person_key(%L, 'x')$$, :'nobody')) AS unknown_person;
SELECT big_number = '09012345605' AS p3_not_shredded FROM dcpf.person_decrypted WHERE id = :'p3';
-- a person without any encrypted value yet: a destroyed key is recorded
SELECT count(*) AS admin_keys_before FROM dcpf.data_key WHERE subject_id = :'admin1';
SELECT dcpf.shred_person_key(:'admin1', 'account closed') IS NOT NULL AS shredded;
SELECT count(*) AS admin_keys, bool_and(wrapped IS NULL) AS destroyed FROM dcpf.data_key WHERE subject_id = :'admin1';
SELECT enc_t.try(format($$SELECT dcpf.encrypt('x'::text, 'person', 'note', %L, %L)$$, :'admin1', :'admin1')) AS encrypt_for_admin1;
-- whoever may not see an erased person learns nothing of the erasure: p3
-- (another licensee) is refused as for anyone they may not see, not told "erased"
INSERT INTO enc_t.ct SELECT 'p2_big_stolen', big_number_encrypted FROM dcpf.person WHERE id = :'p2';
INSERT INTO enc_t.ct SELECT 'p1_big_stolen', big_number_encrypted FROM dcpf.person WHERE id = :'p1';
SET ROLE dcpf_test_enc_svc;
SELECT dcpf.act_as(:'p3', NULL, NULL, 'encryption test', true) = :'p3' AS acting_as_p3;
SELECT enc_t.try(format($$SELECT dcpf.encrypt('x'::text, 'person', 'big_number', %L, %L)$$, :'p2', :'p2')) AS p3_encrypts_for_erased_p2,
       enc_t.try(format($$SELECT dcpf.decrypt_text(v, 'person', 'big_number', %L, %L) FROM enc_t.ct WHERE name = 'p2_big_stolen'$$,
                        :'p2', :'p2')) AS p3_decrypts_erased_p2;
-- nor whose a ciphertext is: p1's BIG ciphertext given as p1's or as p3's own is refused alike
SELECT enc_t.try(format($$SELECT dcpf.decrypt_text(v, 'person', 'big_number', %L, %L) FROM enc_t.ct WHERE name = 'p1_big_stolen'$$,
                        :'p1', :'p1')) AS as_p1s,
       enc_t.try(format($$SELECT dcpf.decrypt_text(v, 'person', 'big_number', %L, %L) FROM enc_t.ct WHERE name = 'p1_big_stolen'$$,
                        :'p3', :'p3')) AS as_p3s_own;
SELECT dcpf.act_as(:'p1', NULL, NULL, 'encryption test', true) = :'p1' AS acting_as_p1_again;
RESET ROLE;

-- lookup by BIG number (blind index) --------------------------------------------
SELECT dcpf.person_by_big_number('89012345601') = :'p1' AS finds_p1,
       dcpf.person_by_big_number('8901 2345 601') = :'p1' AS finds_p1_written_with_spaces,
       dcpf.person_by_big_number('09012345605') = :'p3' AS finds_p3,
       dcpf.person_by_big_number('09012345613') IS NULL AS unknown_number_finds_none;
SELECT enc_t.try($$SELECT dcpf.person_by_big_number('89012345602')$$) AS bad_check_digit;
-- a non-owner finds only persons it may see
SET ROLE dcpf_test_enc_svc;
SELECT dcpf.current_person() = :'p1' AS still_p1;
SELECT dcpf.person_by_big_number('89012345601') = :'p1' AS p1_finds_self,
       dcpf.person_by_big_number('09012345605') IS NULL AS p1_does_not_find_p3;
SELECT dcpf.act_as(:'admin1', :'l1', 'licensee_admin', 'encryption test', true) = :'admin1' AS acting_as_admin1;
SELECT dcpf.person_by_big_number('89012345601') = :'p1' AS admin1_finds_member_p1,
       dcpf.person_by_big_number('09012345605') IS NULL AS admin1_does_not_find_p3_of_l2;
SELECT dcpf.clear_identity();
SELECT dcpf.person_by_big_number('89012345601') IS NULL AS no_identity_finds_none;
RESET ROLE;

-- uniqueness of BIG numbers through the blind index -------------------------------
SELECT enc_t.try($$SELECT dcpf.create_person('ander@example.nl', 'Ander', initials => 'A.', big_number => '89012345601')$$) AS create_with_taken_big,
       enc_t.try($$SELECT dcpf.create_person('ander@example.nl', 'Ander', initials => 'A.', big_number => '8901 2345 601')$$) AS same_big_with_spaces;
SELECT enc_t.try(format($$SELECT dcpf.set_big_number(%L, '89012345601')$$, :'p3')) AS set_taken_big;
SELECT enc_t.try(format($$INSERT INTO dcpf.person (id, email, surname, initials, big_number_encrypted)
                          VALUES ('00000000-0000-4000-8000-000000000105', 'direct@example.nl', 'Direct', 'D.',
                                  dcpf.encrypt('89012345601', 'person', 'big_number', '00000000-0000-4000-8000-000000000105',
                                               '00000000-0000-4000-8000-000000000105'))$$)) AS owner_insert_with_taken_big;
-- the application, acting as p3, cannot take p1's number either
SET ROLE dcpf_test_enc_svc;
SELECT dcpf.act_as(:'p3', NULL, NULL, 'encryption test', true) = :'p3' AS acting_as_p3;
SELECT enc_t.try(format($$UPDATE dcpf.person SET big_number_encrypted = dcpf.encrypt('89012345601', 'person', 'big_number', id, id) WHERE id = %L$$, :'p3'))
       AS app_update_to_taken_big;
-- a number is kept once per person
SELECT enc_t.try(format($$SELECT dcpf.add_phone(%L, 'mobile', '+31677777777')$$, :'p3')) AS first_phone,
       enc_t.try(format($$SELECT dcpf.add_phone(%L, 'work', '06 7777 7777')$$, :'p3')) AS same_number_again;
SELECT dcpf.clear_identity();
RESET ROLE;
-- the same phone number for another person is fine
SELECT dcpf.add_phone(:'p1', 'pager', '+31677777777') IS NOT NULL AS other_person_same_number;
-- a freed number can be taken again
SELECT dcpf.set_big_number(:'p3', NULL);
SELECT enc_t.try($$SELECT dcpf.create_person('nieuw@example.nl', 'Nieuw', initials => 'N.', big_number => '09012345605')$$) AS freed_big_taken;
SELECT count(*) AS persons, count(big_number_hmac) AS with_blind_index, count(DISTINCT big_number_hmac) AS distinct_blind_indexes
  FROM dcpf.person;

DROP SCHEMA enc_t CASCADE;
DROP OWNED BY dcpf_test_enc_svc;
DROP ROLE dcpf_test_enc_svc;
