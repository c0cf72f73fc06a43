-- bench/load/supervisor.sql: a supervisor reads what a trainee shares
-- with them (the whole portfolio, a person share of the generated data):
-- the list (dcpf.shared_items, every item a logged read) and one item
-- with its body (dcpf.shared_item, a logged read).
\set l random(1, :licensees)
\set k 20 * random(0, :per_licensee / 20 - 1) + random(3, 19)
\set p :l + :licensees * :k
\set s :l + :licensees * 20 * (:p % (:per_licensee / 20))
\set n random(0, :per_person - 1)
BEGIN;
SELECT dcpf.act_as(bench.person_uuid(:s), bench.licensee_uuid(:l), 'supervisor', 'load: supervisor', false);
SELECT count(*), count(*) FILTER (WHERE status = 'submitted') FROM dcpf.shared_items(bench.person_uuid(:p));
SELECT title, body, permission FROM dcpf.shared_item(bench.item_uuid(:p, :n, :persons));
COMMIT;
