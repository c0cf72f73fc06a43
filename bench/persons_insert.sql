-- bench/persons_insert.sql: one timed insert of all rows of
-- bench.person_input into one target (run by bench/run with
-- -v target=plain|dcpf -v round=<k>). The target is emptied and a checkpoint
-- taken first, outside the timing; the timing covers the INSERT ... SELECT
-- and its commit, measured with clock_timestamp() around the statement.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SELECT :'target' = 'dcpf' AS is_dcpf \gset

\if :is_dcpf
TRUNCATE dcpf.person CASCADE;
\else
TRUNCATE bench.person_plain;
\endif
CHECKPOINT;

SELECT clock_timestamp() AS t0 \gset
\if :is_dcpf
-- every validator: e-mail (dcpf.email), BIG (dcpf.big_number), the name
-- CHECKs, the generated sort key (dcpf.name_sort_key), the unique indexes
INSERT INTO dcpf.person (given_names, initials, tussenvoegsel, surname, email, big_number, job_title)
SELECT given_names, initials, tussenvoegsel, surname, email, big_number, job_title
  FROM bench.person_input;
\else
INSERT INTO bench.person_plain (given_names, initials, tussenvoegsel, surname, email, big_number, job_title, sort_key)
SELECT given_names, initials, tussenvoegsel, surname, email, big_number, job_title, sort_key
  FROM bench.person_input;
\endif
SELECT clock_timestamp() AS t1 \gset

INSERT INTO bench.result (target, round, rows, seconds)
SELECT :'target', :round,
       CASE :'target' WHEN 'dcpf' THEN (SELECT count(*) FROM dcpf.person) ELSE (SELECT count(*) FROM bench.person_plain) END,
       extract(epoch FROM :'t1'::timestamptz - :'t0'::timestamptz);
