-- bench/load/owner.sql: a trainee's own portfolio page (dcpf.my_items,
-- the 50 most recent) and one of their items with its body, in one
-- transaction of the application acting as them. Variables: see run.
\set l random(1, :licensees)
\set k 20 * random(0, :per_licensee / 20 - 1) + random(3, 19)
\set p :l + :licensees * :k
\set n random(0, :per_person - 1)
BEGIN;
SELECT dcpf.act_as(bench.person_uuid(:p), bench.licensee_uuid(:l), 'medical_trainee', 'load: owner', false);
SELECT id, item_type, title, occurred_on, status, entrustment_level FROM dcpf.my_items ORDER BY occurred_on DESC, created_at DESC LIMIT 50;
SELECT title, body, status FROM dcpf.portfolio_item_decrypted WHERE id = bench.item_uuid(:p, :n, :persons);
COMMIT;
