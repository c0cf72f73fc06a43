-- bench/load/progress.sql: a supervisor's progress view over the trainees
-- who share with them (dcpf.supervised_epa_progress, each trainee's read
-- logged).
\set l random(1, :licensees)
\set s :l + :licensees * 20 * random(0, :per_licensee / 20 - 1)
BEGIN;
SELECT dcpf.act_as(bench.person_uuid(:s), bench.licensee_uuid(:l), 'supervisor', 'load: progress', false);
SELECT count(*), count(DISTINCT trainee_id) FROM dcpf.supervised_epa_progress;
COMMIT;
