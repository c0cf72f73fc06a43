-- On Citus the triggers of a distributed or reference table fire on its
-- shards: tables in the same schema named <table>_<shard id>
-- (person_phone_102008), which Citus creates with the table's triggers. A
-- trigger that named its table by the relation it fired on would then name
-- the shard: the ciphertexts' associated data (sealed for 'person_phone')
-- would not open, the blind indexes would differ per shard, the audit
-- events would name shards, and the PL/pgSQL triggers that branch on the
-- table would take the wrong branch. This test makes such shards by hand
-- (the table's columns and every one of its triggers) and writes through
-- them. See doc/guides/citus.md.
BEGIN;
SET LOCAL client_min_messages = warning;
SELECT plan(10);

-- a shard by hand: the table's columns and key, and its triggers
CREATE FUNCTION pg_temp.make_shard(tbl text, shard text) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
    d text;
BEGIN
    EXECUTE format('CREATE TABLE dcpf.%I (LIKE dcpf.%I INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)', shard, tbl);
    FOR d IN SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t
              WHERE t.tgrelid = format('dcpf.%I', tbl)::regclass AND NOT t.tgisinternal LOOP
        EXECUTE replace(d, format(' ON dcpf.%s ', tbl), format(' ON dcpf.%s ', shard));
    END LOOP;
END
$fn$;
SELECT pg_temp.make_shard('person_phone', 'person_phone_102008');
SELECT pg_temp.make_shard('role_agreement_acceptance', 'role_agreement_acceptance_102044');

SELECT is(dcpf.logical_table_name('dcpf.person_phone_102008'), 'person_phone', 'a shard''s table is the table');
SELECT is(dcpf.logical_table_name('dcpf.person_phone'), 'person_phone', 'a table is itself');
SELECT is(dcpf.logical_table_name('dcpf.audit_event_default'), 'audit_event_default',
          'a name with no table before its last underscore is itself');
SELECT throws_ok($$SELECT dcpf.logical_table_name(0)$$, '42P01', NULL, 'a relation that does not exist is refused');

-- a phone number written through the shard, sealed for person_phone as
-- every node seals it: it opens, and its blind index is the table's
INSERT INTO dcpf.person (id, email, surname, initials)
VALUES ('00000000-0000-4000-8000-0000000d5a01', 'shard@example.nl', 'Scherf', 'S.');
SELECT lives_ok($$INSERT INTO dcpf.person_phone_102008 (id, person_id, kind, number_encrypted)
                  VALUES ('00000000-0000-4000-8000-0000000d5a02', '00000000-0000-4000-8000-0000000d5a01', 'mobile',
                          dcpf.encrypt('+31612345678', 'person_phone', 'number',
                                       '00000000-0000-4000-8000-0000000d5a02', '00000000-0000-4000-8000-0000000d5a01'))$$,
                'a ciphertext sealed for the table opens on its shard');
SELECT dcpf.add_phone('00000000-0000-4000-8000-0000000d5a01', 'work', '+31612345678');
SELECT is((SELECT number_hmac FROM dcpf.person_phone_102008 WHERE id = '00000000-0000-4000-8000-0000000d5a02'),
          (SELECT number_hmac FROM dcpf.person_phone WHERE person_id = '00000000-0000-4000-8000-0000000d5a01'),
          'the shard''s blind index of a number is the table''s');
SELECT is((SELECT string_agg(DISTINCT object_table, ',') FROM dcpf.audit_event
            WHERE action = 'create' AND object_key = '00000000-0000-4000-8000-0000000d5a02'),
          'person_phone', 'the audit event of a row written on a shard names the table');

-- a PL/pgSQL trigger on a shard names the table (dcpf.refuse_update)
INSERT INTO dcpf.product (id, code, name) VALUES ('00000000-0000-4000-8000-0000000d5a03', 'dcpf-shard', 'DCPF shard');
INSERT INTO dcpf.role_agreement (id, product_id, role_code, version, title, body, effective_from)
VALUES ('00000000-0000-4000-8000-0000000d5a04', '00000000-0000-4000-8000-0000000d5a03', 'professional', 1, 'EURA',
        'Ik accepteer de rolgebonden rechten.', '2020-01-01');
INSERT INTO dcpf.role_agreement_acceptance_102044 (id, agreement_id, person_id, method)
VALUES ('00000000-0000-4000-8000-0000000d5a05', '00000000-0000-4000-8000-0000000d5a04', '00000000-0000-4000-8000-0000000d5a01', 'click_through');
SELECT throws_ok($$UPDATE dcpf.role_agreement_acceptance_102044 SET method = 'signed'$$,
                 '55000', 'role_agreement_acceptance rows cannot be changed',
                 'a record refused on a shard is named by its table');

SELECT throws_ok($$TRUNCATE dcpf.person_phone_102008$$, '42501', 'TRUNCATE of audited table dcpf.person_phone is not allowed',
                 'a TRUNCATE refused on a shard is named by its table');

-- and the catalog rule holds: no trigger of a distributed or reference table reads the shard's name
SELECT is_empty($$SELECT * FROM dcpf.distribution_findings() WHERE rule = 'trigger_reads_shard_name'$$,
                'no trigger of dcpf reads TG_TABLE_NAME, TG_RELNAME or TG_RELID');

SELECT * FROM finish();
ROLLBACK;
