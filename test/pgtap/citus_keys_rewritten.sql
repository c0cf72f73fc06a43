-- The keys of the person group as Citus needs them (dcpf.citus_key_commands,
-- doc/guides/citus.md), run inside this transaction on a small portfolio of
-- two persons:
--   * they rewrite exactly the recorded key debt, and leave
--     dcpf.distribution_findings() nothing to find; run again, there is
--     nothing left to rewrite;
--   * every foreign key of the group joins the owner and keeps its action
--     (ON DELETE SET NULL of its own column, never of the owner);
--   * attacks: with the person in every primary key, an id would be unique
--     only per person, and a lookup by id alone could meet two rows, one
--     person's share opening the other's item. Another person's row under a
--     taken id (insert, or an update of the id or of the owner) is refused
--     (dcpf.refuse_taken_key, 23505), so is a row pointing at another
--     person's item (23503);
--   * the functions that insert the links of an item and the items of a
--     collection (ON CONFLICT without naming the key) keep working.
-- The whole demo runs on the rewritten keys in test/shell/citus_keys_demo.sh.
BEGIN;
SET LOCAL client_min_messages = warning;
SELECT plan(23);

CREATE ROLE dcpf_t_ck_svc NOLOGIN IN ROLE dcpf_service;

-- two professionals of one licensee, each with a draft item
INSERT INTO dcpf.licensee (id, name, kind) VALUES ('00000000-0000-4000-8000-0000000ccc01', 'Keys Licensee', 'hospital');
INSERT INTO dcpf.product (id, code, name) VALUES ('00000000-0000-4000-8000-0000000ccc02', 'dcpf-ck', 'DCPF keys');
INSERT INTO dcpf.licence (licensee_id, product_id, starts_on)
VALUES ('00000000-0000-4000-8000-0000000ccc01', '00000000-0000-4000-8000-0000000ccc02', '2020-01-01');
INSERT INTO dcpf.role_agreement (product_id, role_code, version, title, body, effective_from)
SELECT '00000000-0000-4000-8000-0000000ccc02', code, 1, 'EURA ' || code, 'Ik accepteer de rolgebonden rechten van ' || code || '.', '2020-01-01'
  FROM dcpf.role;
INSERT INTO dcpf.person (id, email, surname, initials) VALUES
    ('00000000-0000-4000-8000-0000000cca01', 'anna@keys.example', 'Aalders', 'A.'),
    ('00000000-0000-4000-8000-0000000ccb01', 'bram@keys.example', 'Bos', 'B.');
INSERT INTO dcpf.membership (id, person_id, licensee_id, role_code, valid_from)
VALUES ('00000000-0000-4000-8000-0000000cca02', '00000000-0000-4000-8000-0000000cca01', '00000000-0000-4000-8000-0000000ccc01', 'professional', '2024-01-01'),
       ('00000000-0000-4000-8000-0000000ccb02', '00000000-0000-4000-8000-0000000ccb01', '00000000-0000-4000-8000-0000000ccc01', 'professional', '2024-01-01');
INSERT INTO dcpf.role_agreement_acceptance (agreement_id, person_id, method)
SELECT ra.id, m.person_id, 'click_through'
  FROM dcpf.membership m JOIN dcpf.role_agreement ra ON ra.role_code = m.role_code AND ra.product_id = '00000000-0000-4000-8000-0000000ccc02'
 WHERE m.licensee_id = '00000000-0000-4000-8000-0000000ccc01';
INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, item_type, title) VALUES
    ('00000000-0000-4000-8000-0000000cca10', '00000000-0000-4000-8000-0000000cca01', '00000000-0000-4000-8000-0000000cca02', 'reflection', 'Anna''s reflection'),
    ('00000000-0000-4000-8000-0000000ccb10', '00000000-0000-4000-8000-0000000ccb01', '00000000-0000-4000-8000-0000000ccb02', 'reflection', 'Bram''s reflection');
INSERT INTO dcpf.portfolio_item_competency (item_id, competency_id, owner_id)
VALUES ('00000000-0000-4000-8000-0000000cca10', '00000000-0000-4000-8000-00000000c301', '00000000-0000-4000-8000-0000000cca01');

-- the key findings before, and the foreign keys they name
CREATE TEMP TABLE key_debt AS
SELECT d.table_name, d.rule, unnest(d.object_names) AS object_name FROM dcpf.distribution_debt d
 WHERE d.rule IN ('unique_without_distribution_column', 'foreign_key_without_distribution_column');
CREATE TEMP TABLE fk_before AS
SELECT k.conname, k.conrelid, k.confdeltype, k.confupdtype FROM pg_constraint k
 WHERE k.contype = 'f' AND k.conname IN (SELECT object_name FROM key_debt);

SELECT set_eq($$SELECT table_name, rule, object_name FROM dcpf.distribution_findings()$$,
              $$SELECT table_name, rule, object_name FROM key_debt$$,
              'before: the findings are the recorded key debt, nothing else');
SELECT set_eq($$SELECT DISTINCT table_name FROM dcpf.citus_key_commands()$$,
              $$SELECT DISTINCT table_name FROM key_debt$$,
              'the statements touch exactly the tables of the key debt');
SELECT lives_ok($t$DO $do$ DECLARE c text; BEGIN
                    FOR c IN SELECT command FROM dcpf.citus_key_commands() ORDER BY step LOOP EXECUTE c; END LOOP;
                  END $do$$t$, 'the statements run, in order, on a populated portfolio');
SELECT is_empty($$SELECT * FROM dcpf.distribution_findings()$$, 'after them dcpf.distribution_findings() finds nothing');
SELECT is_empty($$SELECT * FROM dcpf.citus_key_commands()$$, 'and nothing is left to rewrite');
SELECT is((SELECT count(*) FROM pg_constraint k JOIN fk_before b USING (conname, conrelid)
            WHERE k.contype = 'f' AND k.confdeltype = b.confdeltype AND k.confupdtype = b.confupdtype
              AND cardinality(k.conkey) = 2),
          (SELECT count(*) FROM fk_before),
          'every foreign key of the debt is back, with the owner beside its column and its actions kept');
SELECT is_empty($$SELECT k.conname FROM pg_constraint k JOIN fk_before b USING (conname, conrelid)
                   WHERE k.confdeltype = 'n'
                     AND (k.confdelsetcols IS NULL OR cardinality(k.confdelsetcols) <> 1 OR k.confdelsetcols[1] <> k.conkey[1])$$,
                'ON DELETE SET NULL clears only the reference, never the owner');
SELECT is((SELECT count(*) FROM pg_trigger t WHERE t.tgname LIKE '%\_key\_once' AND NOT t.tgisinternal
              AND t.tgfoid = 'dcpf.refuse_taken_key()'::regprocedure),
          (SELECT count(*) FROM pg_constraint k WHERE k.contype = 'p' AND k.conname IN (SELECT object_name FROM key_debt)
              AND cardinality(k.conkey) = 2),
          'every primary key that was one column is guarded by dcpf.refuse_taken_key');

-- attacks on the rewritten keys: Bram takes Anna's item id
SELECT throws_ok($$INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, item_type, title)
                   VALUES ('00000000-0000-4000-8000-0000000cca10', '00000000-0000-4000-8000-0000000ccb01',
                           '00000000-0000-4000-8000-0000000ccb02', 'reflection', 'Bram under Anna''s id')$$,
                 '23505', 'id is already used in dcpf.portfolio_item', 'another person cannot create an item under a taken id');
SELECT throws_ok($$UPDATE dcpf.portfolio_item SET id = '00000000-0000-4000-8000-0000000cca10'
                    WHERE id = '00000000-0000-4000-8000-0000000ccb10'$$,
                 '23505', 'id is already used in dcpf.portfolio_item', 'nor move an item of theirs to a taken id');
SELECT throws_ok($$INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, item_type, title)
                   VALUES ('00000000-0000-4000-8000-0000000cca10', '00000000-0000-4000-8000-0000000cca01',
                           '00000000-0000-4000-8000-0000000cca02', 'reflection', 'Anna twice')$$,
                 '23505', NULL, 'the owner cannot use an id twice either (the primary key)');
SELECT throws_ok($$INSERT INTO dcpf.role_agreement_acceptance (id, agreement_id, person_id, method)
                   SELECT a.id, ra.id, '00000000-0000-4000-8000-0000000ccb01', 'click_through'
                     FROM dcpf.role_agreement_acceptance a, dcpf.role_agreement ra
                    WHERE a.person_id = '00000000-0000-4000-8000-0000000cca01'
                      AND ra.product_id = '00000000-0000-4000-8000-0000000ccc02' AND ra.role_code = 'supervisor'$$,
                 '23505', 'id is already used in dcpf.role_agreement_acceptance',
                 'a table of the person''s own records refuses a taken id too');
-- a row of the group pointing at another person's item: the check triggers
-- refuse it or carry the item's owner; with them disabled (a DBA could), the
-- foreign key with the owner still refuses it
INSERT INTO dcpf.portfolio_item_competency (item_id, competency_id, owner_id)
VALUES ('00000000-0000-4000-8000-0000000cca10', '00000000-0000-4000-8000-00000000c303', '00000000-0000-4000-8000-0000000ccb01');
SELECT is((SELECT owner_id FROM dcpf.portfolio_item_competency
            WHERE item_id = '00000000-0000-4000-8000-0000000cca10' AND competency_id = '00000000-0000-4000-8000-00000000c303'),
          '00000000-0000-4000-8000-0000000cca01'::uuid, 'a link given another owner carries its item''s owner (check trigger)');
DELETE FROM dcpf.portfolio_item_competency
 WHERE item_id = '00000000-0000-4000-8000-0000000cca10' AND competency_id = '00000000-0000-4000-8000-00000000c303';
SELECT throws_ok($$INSERT INTO dcpf.share (owner_id, scope, item_id, grantee_licensee_id, grantee_role, permission)
                   VALUES ('00000000-0000-4000-8000-0000000ccb01', 'item', '00000000-0000-4000-8000-0000000cca10',
                           '00000000-0000-4000-8000-0000000ccc01', 'supervisor', 'read')$$,
                 '23514', NULL, 'nobody shares another person''s item (check trigger)');
ALTER TABLE dcpf.portfolio_item_competency DISABLE TRIGGER portfolio_item_competency_check;
ALTER TABLE dcpf.share DISABLE TRIGGER share_check;
SELECT throws_ok($$INSERT INTO dcpf.portfolio_item_competency (item_id, competency_id, owner_id)
                   VALUES ('00000000-0000-4000-8000-0000000cca10', '00000000-0000-4000-8000-00000000c303',
                           '00000000-0000-4000-8000-0000000ccb01')$$,
                 '23503', NULL, 'without the trigger the key refuses a link to another person''s item');
SELECT throws_ok($$INSERT INTO dcpf.share (owner_id, scope, item_id, grantee_licensee_id, grantee_role, permission)
                   VALUES ('00000000-0000-4000-8000-0000000ccb01', 'item', '00000000-0000-4000-8000-0000000cca10',
                           '00000000-0000-4000-8000-0000000ccc01', 'supervisor', 'read')$$,
                 '23503', NULL, 'and a share of another person''s item');
ALTER TABLE dcpf.portfolio_item_competency ENABLE TRIGGER portfolio_item_competency_check;
ALTER TABLE dcpf.share ENABLE TRIGGER share_check;
SELECT lives_ok($$INSERT INTO dcpf.portfolio_item (owner_id, membership_id, item_type, title)
                  VALUES ('00000000-0000-4000-8000-0000000ccb01', '00000000-0000-4000-8000-0000000ccb02', 'reflection', 'Bram''s second')$$,
                'an item with an id of its own goes in');

-- the owner's functions on the rewritten keys (ON CONFLICT DO NOTHING)
INSERT INTO dcpf.portfolio_collection (id, owner_id, name)
VALUES ('00000000-0000-4000-8000-0000000cca20', '00000000-0000-4000-8000-0000000cca01', 'Keys');
SET LOCAL ROLE dcpf_t_ck_svc;
SELECT ok(dcpf.act_as('00000000-0000-4000-8000-0000000cca01', '00000000-0000-4000-8000-0000000ccc01', 'professional', 'test', true) IS NOT NULL,
          'Anna acts');
SELECT lives_ok($$SELECT dcpf.set_item_links('00000000-0000-4000-8000-0000000cca10',
                    ARRAY['00000000-0000-4000-8000-00000000c301', '00000000-0000-4000-8000-00000000c302']::uuid[])$$,
                'set_item_links keeps one link and adds one');
SELECT set_eq($$SELECT competency_id FROM dcpf.portfolio_item_competency WHERE item_id = '00000000-0000-4000-8000-0000000cca10'$$,
              $$VALUES ('00000000-0000-4000-8000-00000000c301'::uuid), ('00000000-0000-4000-8000-00000000c302'::uuid)$$,
              'the item has both links, once each');
SELECT is(dcpf.set_collection_items('00000000-0000-4000-8000-0000000cca20',
                                    ARRAY['00000000-0000-4000-8000-0000000cca10', '00000000-0000-4000-8000-0000000cca10']::uuid[]),
          1, 'set_collection_items puts the item in a collection once');
RESET ROLE;

-- the actions: deleting an item cascades over the owner's links
DELETE FROM dcpf.portfolio_item WHERE id = '00000000-0000-4000-8000-0000000cca10';
SELECT is_empty($$SELECT FROM dcpf.portfolio_item_competency WHERE item_id = '00000000-0000-4000-8000-0000000cca10'$$,
                'deleting the item deletes its links (ON DELETE CASCADE on the pair)');
SELECT is_empty($$SELECT FROM dcpf.portfolio_collection_item WHERE item_id = '00000000-0000-4000-8000-0000000cca10'$$,
                'and takes it out of the collection');

SELECT * FROM finish();
ROLLBACK;
