-- bench/load/export.sql: a trainee exports their data (dcpf.export_person:
-- the whole portfolio, the registers about them, their access log).
\set l random(1, :licensees)
\set k 20 * random(0, :per_licensee / 20 - 1) + random(3, 19)
\set p :l + :licensees * :k
BEGIN;
SELECT dcpf.act_as(bench.person_uuid(:p), bench.licensee_uuid(:l), 'medical_trainee', 'load: export', false);
SELECT length(dcpf.export_person(bench.person_uuid(:p))::text);
COMMIT;
