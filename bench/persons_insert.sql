-- bench/persons_insert.sql: one timed insert of all rows of
-- bench.person_input into one target (run by bench/run with
-- -v target=plain|dcpf|plain_nobig|dcpf_nobig -v round=<k>; the _nobig
-- targets insert the same rows without their BIG numbers). The target is
-- emptied (for dcpf also the data keys the previous run made) and a
-- checkpoint taken first, outside the timing; the timing covers the
-- INSERT ... SELECT and its commit, measured with clock_timestamp() around
-- the statement.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SELECT :'target' LIKE 'dcpf%' AS is_dcpf, :'target' LIKE '%\_nobig' AS nobig \gset

\if :is_dcpf
-- dcpf refuses TRUNCATE of audited tables; the bench empties them as a
-- superuser may, with the triggers off (replica mode), outside the timing
SET session_replication_role = replica;
TRUNCATE dcpf.person CASCADE;
TRUNCATE dcpf.data_key;
RESET session_replication_role;
\else
TRUNCATE bench.person_plain;
\endif
CHECKPOINT;

SELECT clock_timestamp() AS t0 \gset
\if :is_dcpf
-- what the application does (dcpf.create_person): the id made up front, the
-- BIG number validated as dcpf.big_number (format, check digit) and
-- encrypted under the new person's data key (made here: one per person),
-- bound to table, column, row and subject. big_number_hmac is left NULL, so
-- the trigger dcpf.sealed_column opens every ciphertext and computes the
-- blind index, exactly as for a writer that is not the owner (the owner's
-- shortcut only applies to rows that already carry a blind index, as in a
-- restore). Then every other validator: e-mail (dcpf.email), the name
-- CHECKs, the generated sort key (dcpf.name_sort_key), the unique indexes.
-- (The subquery is not flattened: its volatile gen_random_uuid() runs once
-- per row, and the same id goes into the row and into the ciphertext.)
INSERT INTO dcpf.person (id, given_names, initials, tussenvoegsel, surname, email, big_number_encrypted, job_title)
SELECT i.id, i.given_names, i.initials, i.tussenvoegsel, i.surname, i.email,
       dcpf.encrypt(CASE WHEN NOT :'nobig'::boolean THEN i.big_number END::dcpf.big_number::text, 'person', 'big_number', i.id, i.id),
       i.job_title
  FROM (SELECT gen_random_uuid() AS id, * FROM bench.person_input) i;
\else
INSERT INTO bench.person_plain (given_names, initials, tussenvoegsel, surname, email, big_number, job_title, sort_key)
SELECT given_names, initials, tussenvoegsel, surname, email, CASE WHEN NOT :'nobig'::boolean THEN big_number END, job_title, sort_key
  FROM bench.person_input;
\endif
SELECT clock_timestamp() AS t1 \gset

INSERT INTO bench.result (target, round, rows, seconds)
SELECT :'target', :round,
       CASE WHEN :'is_dcpf'::boolean THEN (SELECT count(*) FROM dcpf.person) ELSE (SELECT count(*) FROM bench.person_plain) END,
       extract(epoch FROM :'t1'::timestamptz - :'t0'::timestamptz);
