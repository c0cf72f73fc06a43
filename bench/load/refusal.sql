-- bench/load/refusal.sql: an expected refusal: a supervisor of another
-- licensee asks for a trainee's item, which is not shared with them
-- (P0002 from dcpf.shared_item, caught by bench.refused_read and counted;
-- the attempt is logged as a denied read).
\set l random(1, :licensees)
\set k 20 * random(0, :per_licensee / 20 - 1) + random(3, 19)
\set p :l + :licensees * :k
\set o :l % :licensees + 1
\set s :o + :licensees * 20 * random(0, :per_licensee / 20 - 1)
\set n random(0, :per_person - 1)
BEGIN;
SELECT dcpf.act_as(bench.person_uuid(:s), bench.licensee_uuid(:o), 'supervisor', 'load: not shared', false);
SELECT bench.refused_read(bench.item_uuid(:p, :n, :persons));
COMMIT;
