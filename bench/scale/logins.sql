-- bench/scale/logins.sql: benchmark 11's expired data: every person's login
-- history (psql variable per_person: attempts per person, at most 100),
-- spread evenly over the two years before today, half a step off the
-- year, so that the older half is past the platform's default term of the
-- category login_attempts (one year after the attempt) by days, and the
-- newer half is not; written in time order, as a log is. What a round before left is removed first. Loaded with the triggers
-- off (what is timed is the removal), then vacuumed, frozen and
-- checkpointed.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET session_replication_role = replica;
DELETE FROM dcpf.login_attempt;
VACUUM dcpf.login_attempt;
INSERT INTO dcpf.login_attempt (id, attempted_at, person_id, email_sha256, outcome, client_address, user_agent)
SELECT md5('bench login ' || w.p || ' ' || j)::uuid,
       date_trunc('day', now()) - make_interval(secs => (j - 0.5) * 730 * 86400 / :per_person)
           + make_interval(secs => 8 * 3600 + (w.p * 37 + j * 101) % 36000),
       w.id, sha256(convert_to('person' || w.p || '@example.org', 'UTF8')),
       CASE WHEN (w.p + j) % 9 = 0 THEN 'wrong_password' ELSE 'success' END,
       ('10.' || w.l % 256 || '.' || w.p / 256 % 256 || '.' || w.p % 256)::inet,
       'Mozilla/5.0 (benchmark ' || (w.p + j) % 5 || ')'
  FROM bench.who w CROSS JOIN generate_series(1, :per_person) j
 ORDER BY 2;
RESET session_replication_role;
VACUUM (ANALYZE, FREEZE) dcpf.login_attempt;
CHECKPOINT;
