-- bench/load/summary.sql: the summary of bench/load/run, from the files
-- of its run in :work (see run for their columns): pgbench's figures per
-- script, errors by SQLSTATE, the audit queue, sealing, memory per backend,
-- and the verdicts. Psql variables: work, warmup, tolerance and
-- context_tolerance (KB), seal_every, drain_limit, drained, drain_s, final_seal_s, unsealed,
-- verified, seals_checked, events_checked, problem, denied, pgbench_rc,
-- can_proc, has_log.
\set ON_ERROR_STOP 1
\pset footer off
SET client_min_messages = warning;
CREATE TEMP TABLE script (name text, weight integer, xacts bigint, tps numeric, failed bigint, latency_ms numeric, stddev_ms numeric);
CREATE TEMP TABLE total (xacts bigint, tps numeric, failed bigint, serialization bigint, deadlock bigint, latency_ms numeric,
                         stddev_ms numeric, aborted integer);
CREATE TEMP TABLE queue (at numeric, queued integer, capacity integer, written bigint, failed bigint, worker integer, unsealed bigint,
                         lag_s integer, queue_status text, seal_status text);
CREATE TEMP TABLE seal (at numeric, seconds numeric, seals integer, events bigint);
CREATE TEMP TABLE memory (at numeric, pid integer, what text, anon_kb bigint, rss_kb bigint, pss_kb text, dirty_kb text);
CREATE TEMP TABLE context (at timestamp, pid integer, used_bytes bigint, keys_bytes bigint, tokens_bytes bigint);
CREATE TEMP TABLE error (who text, what text, message text);
CREATE TEMP TABLE event (kind text, n bigint);
CREATE TEMP TABLE aborted (line text);
\set f :work '/scripts.tsv'
\set copy '\\copy script FROM ' :'f'
:copy
\set f :work '/total.tsv'
\set copy '\\copy total FROM ' :'f'
:copy
\set f :work '/queue'
\set copy '\\copy queue FROM ' :'f' ' (FORMAT text, DELIMITER '' '', NULL '''')'
:copy
\set f :work '/seals'
\set copy '\\copy seal FROM ' :'f' ' (FORMAT text, DELIMITER '' '')'
:copy
\set f :work '/memory'
\set copy '\\copy memory FROM ' :'f' ' (FORMAT text, DELIMITER '' '')'
:copy
\set f :work '/contexts'
\set copy '\\copy context FROM ' :'f'
:copy
\set f :work '/errors'
\set copy '\\copy error FROM ' :'f' ' (FORMAT csv, DELIMITER E''\\t'', QUOTE E''\\b'')'
:copy
\set f :work '/events'
\set copy '\\copy event FROM ' :'f'
:copy
\set f :work '/aborted'
\set copy '\\copy aborted FROM ' :'f' ' (FORMAT csv, DELIMITER E''\\b'', QUOTE E''\\f'')'
:copy

-- the verdicts, collected as they are decided
CREATE TEMP TABLE verdict (o integer, what text, figure text, criterion text, verdict text);

\echo 'Benchmark 12: the platform under load'
\echo
\echo 'transactions per script (a transaction: one run of the script; share is four of the database''s)'
SELECT s.name AS script, s.weight, s.xacts AS transactions, round(100.0 * s.xacts / nullif(t.xacts, 0), 1) AS "% of all",
       round(s.tps, 1) AS tps, s.failed, round(s.latency_ms, 1) AS "latency ms", round(s.stddev_ms, 1) AS "stddev ms"
  FROM script s, total t
UNION ALL
SELECT 'all', NULL, t.xacts, 100, round(t.tps, 1), t.failed, round(t.latency_ms, 1), round(t.stddev_ms, 1) FROM total t;

\echo 'errors by SQLSTATE: expected (caught, counted by the scripts that expect them; the denied reads the audit trail holds), unexpected (the server log of the run: every ERROR, FATAL, PANIC)'
SELECT 'expected' AS kind, 'P0002' AS sqlstate, 'shared_item refused: refusal, share (read after revoke)' AS what,
       (SELECT coalesce(sum(xacts), 0) FROM script WHERE name IN ('refusal', 'share')) AS count,
       format('%s denied reads logged', :denied) AS note
UNION ALL
SELECT 'unexpected', split_part(e.what, ' ', 2), split_part(e.what, ' ', 1) || ' ' || min(e.message), count(*),
       string_agg(DISTINCT e.who, ', ')
  FROM error e GROUP BY e.what
UNION ALL
SELECT 'unexpected', '(pgbench)', 'failed transactions (serialization, deadlock)', t.failed, NULL FROM total t WHERE t.failed > 0
UNION ALL
SELECT 'unexpected', '(pgbench)', 'clients aborted: ' || min(a.line), count(*), NULL FROM aborted a HAVING count(*) > 0;

INSERT INTO verdict
SELECT 1, 'errors', format('%s unexpected in the server log, %s failed transactions, %s clients aborted, pgbench exit %s',
                           (SELECT count(*) FROM error), t.failed, (SELECT count(*) FROM aborted), :pgbench_rc),
       'none but the expected refusals',
       CASE WHEN (SELECT count(*) FROM error) = 0 AND t.failed = 0 AND (SELECT count(*) FROM aborted) = 0 AND :pgbench_rc = 0
            THEN CASE WHEN :has_log = 1 THEN 'PASS' ELSE 'PASS (pgbench only)' END ELSE 'FAIL' END
  FROM total t;
INSERT INTO verdict
SELECT 2, 'refusals', format('%s expected, %s denied reads logged', n, :denied), 'each refused and logged as denied',
       CASE WHEN n = :denied AND n > 0 THEN 'PASS' WHEN n = 0 THEN 'none run' ELSE 'FAIL' END
  FROM (SELECT coalesce(sum(xacts), 0) AS n FROM script WHERE name IN ('refusal', 'share')) x;

\echo 'the audit trail of the run: events by action, table and outcome'
SELECT kind AS "action table outcome", n AS events FROM event ORDER BY n DESC;

\echo 'the audit queue (of this database) and sealing, sampled during the load'
SELECT count(*) AS samples, max(capacity) AS capacity, max(queued) AS "queued max",
       round(avg(queued), 1) AS "queued avg",
       (SELECT queued FROM queue ORDER BY at DESC LIMIT 1) AS "queued last",
       max(written) - min(written) AS "written by the worker", max(failed) - min(failed) AS "dropped",
       count(DISTINCT nullif(worker, 0)) AS "worker pids",
       max(unsealed) AS "unsealed max", max(lag_s) AS "seal lag max s", (SELECT lag_s FROM queue ORDER BY at DESC LIMIT 1) AS "seal lag last s",
       string_agg(DISTINCT queue_status, '/') AS "health queue.audit", string_agg(DISTINCT seal_status, '/') AS "health audit.seal_lag"
  FROM queue;
SELECT count(*) AS "seal job runs", sum(seals) AS seals, sum(events) AS "event numbers sealed", round(max(seconds), 2) AS "longest run s",
       round(avg(seconds), 2) AS "average run s", round(sum(events) / nullif(sum(seconds), 0)) AS "events/s while sealing"
  FROM seal;
\echo 'after the load'
SELECT :'drained' AS "queue drained", round(:drain_s::numeric, 2) AS "drain s", round(:final_seal_s::numeric, 2) AS "final seal s",
       :unsealed AS "unsealed after", :'verified' AS "audit_verify", :seals_checked AS "seals checked", :events_checked AS "events checked",
       :'problem' AS problem;

INSERT INTO verdict
SELECT 3, 'audit queue', format('max %s of %s queued, %s dropped, drained in %s s (%s)', max(queued), max(capacity),
                                max(failed) - min(failed), round(:drain_s::numeric, 1), :'drained'),
       format('at most half full, nothing dropped, drained within %s s', :drain_limit),
       CASE WHEN count(*) > 0 AND max(queued) <= max(capacity) / 2 AND max(failed) = min(failed) AND :'drained' = 'yes'
            THEN 'PASS' ELSE 'FAIL' END
  FROM queue;
INSERT INTO verdict
SELECT 4, 'sealing', format('seal lag max %s s; %s unsealed after; verify %s (%s seals, %s events)', max(lag_s), :unsealed, :'verified',
                            :seals_checked, :events_checked),
       format('lag <= %s s (the interval plus a minute), all sealed, verified', :seal_every + 60),
       CASE WHEN count(*) > 0 AND max(lag_s) <= :seal_every + 60 AND :unsealed = 0 AND :'verified' = 't' AND :events_checked > 0
            THEN 'PASS' ELSE 'FAIL' END
  FROM queue;

-- memory: per process, the first sample, the one at the end of the
-- warm-up, the last, and the most after the warm-up
CREATE TEMP VIEW mem AS
WITH m AS (SELECT m.*, m.at - min(m.at) OVER () AS t FROM memory m)
SELECT m.what, m.pid,
       (array_agg(m.anon_kb ORDER BY m.at))[1] AS first_kb,
       (array_agg(m.anon_kb ORDER BY m.at) FILTER (WHERE m.t >= :warmup))[1] AS warm_kb,
       (array_agg(m.anon_kb ORDER BY m.at DESC))[1] AS last_kb,
       max(m.anon_kb) FILTER (WHERE m.t >= :warmup) AS max_kb,
       (array_agg(m.rss_kb ORDER BY m.at DESC))[1] AS last_rss_kb,
       (array_agg(m.pss_kb ORDER BY m.at DESC))[1] AS last_pss_kb,
       count(*) AS samples, round(max(m.t) - min(m.t)) AS seconds
  FROM m GROUP BY m.what, m.pid;
-- the memory contexts: the least of the samples (what stays between
-- transactions) in the first and in the last quarter after the warm-up,
-- without dcpf's two bounded caches (shown apart, at their last sample)
CREATE TEMP VIEW ctx AS
WITH t AS (SELECT c.*, extract(epoch FROM c.at - min(c.at) OVER ()) AS t, c.used_bytes - c.keys_bytes - c.tokens_bytes AS own
             FROM context c),
     c AS (SELECT t.*, max(t.t) OVER () AS span FROM t)
SELECT c.pid, count(*) AS samples,
       min(c.own) FILTER (WHERE c.t >= :warmup AND c.t < :warmup + (c.span - :warmup) / 4) / 1024 AS warm_kb,
       min(c.own) FILTER (WHERE c.t >= c.span - (c.span - :warmup) / 4) / 1024 AS last_kb,
       max(c.own) FILTER (WHERE c.t >= :warmup) / 1024 AS max_kb,
       (array_agg(c.keys_bytes ORDER BY c.at DESC))[1] / 1024 AS keys_kb,
       (array_agg(c.tokens_bytes ORDER BY c.at DESC))[1] / 1024 AS tokens_kb,
       -- what the caches grew by after the warm-up (bounded; they count in RssAnon)
       ((array_agg(c.keys_bytes + c.tokens_bytes ORDER BY c.at DESC))[1]
        - (array_agg(c.keys_bytes + c.tokens_bytes ORDER BY c.at) FILTER (WHERE c.t >= :warmup))[1]) / 1024 AS caches_grew_kb
  FROM c GROUP BY c.pid;
\echo 'memory per backend: its own memory (RssAnon, KB) at the first sample, at the end of the warm-up, at the last, and the most after the warm-up,'
\echo 'its growth after the warm-up, and that growth net of what dcpf''s bounded caches grew by;'
\echo 'what its memory contexts hold (used, KB; pg_log_backend_memory_contexts) without dcpf''s bounded caches, the least in the first and in the'
\echo 'last quarter after the warm-up, and the most; those caches at the last sample (wrapped data keys, at most 16,384; verified tokens, at most'
\echo '1,024); its resident set and Pss at the last sample'
SELECT m.what, m.pid, m.samples, m.first_kb AS "first", m.warm_kb AS "warm", m.last_kb AS "last", m.max_kb AS "max",
       m.last_kb - m.warm_kb AS "growth", m.last_kb - m.warm_kb - coalesce(c.caches_grew_kb, 0) AS "net of caches",
       c.warm_kb AS "ctx warm", c.last_kb AS "ctx last", c.max_kb AS "ctx max", c.last_kb - c.warm_kb AS "ctx growth",
       c.keys_kb AS "key cache", c.tokens_kb AS "token cache",
       m.last_rss_kb AS "rss last", m.last_pss_kb AS "pss last"
  FROM mem m LEFT JOIN ctx c USING (pid)
 ORDER BY m.what, m.pid;
\echo 'all backends, per minute of the run: own memory (RssAnon) and memory contexts (without the caches; the caches apart), average and most, KB'
SELECT x.minute, x.samples, x.anon_avg AS "own avg", x.anon_max AS "own max", y.ctx_avg AS "ctx avg", y.ctx_max AS "ctx max",
       y.keys_avg AS "key cache avg", y.tokens_avg AS "token cache avg"
  FROM (SELECT floor((m.at - (SELECT min(at) FROM memory)) / 60)::integer AS minute, count(*) AS samples,
               round(avg(m.anon_kb)) AS anon_avg, max(m.anon_kb) AS anon_max
          FROM memory m WHERE m.what = 'backend' GROUP BY 1) x
  LEFT JOIN (SELECT floor(extract(epoch FROM c.at - (SELECT min(at) FROM context)) / 60)::integer AS minute,
                    round(avg(c.used_bytes - c.keys_bytes - c.tokens_bytes) / 1024) AS ctx_avg,
                    max(c.used_bytes - c.keys_bytes - c.tokens_bytes) / 1024 AS ctx_max,
                    round(avg(c.keys_bytes) / 1024) AS keys_avg, round(avg(c.tokens_bytes) / 1024) AS tokens_avg
               FROM context c GROUP BY 1) y USING (minute)
 ORDER BY x.minute;

INSERT INTO verdict
SELECT 5, 'memory', format('%s backends; after the warm-up own memory (RssAnon) grew at most %s KB, %s KB net of dcpf''s bounded caches (which grew at most %s KB); memory contexts without those caches at most %s KB',
                           count(*), max(m.last_kb - m.warm_kb), max(m.last_kb - m.warm_kb - coalesce(c.caches_grew_kb, 0)),
                           coalesce(max(c.caches_grew_kb)::text, '-'), coalesce(max(c.last_kb - c.warm_kb)::text, '-')),
       format('no backend''s own memory grows by more than %s KB after the warm-up (net of the bounded caches), nor what its contexts hold without them (the least of a quarter) by more than %s KB',
              :tolerance, :context_tolerance),
       CASE WHEN :can_proc = 0 AND count(c.pid) = 0 THEN 'not measured'
            WHEN count(m.warm_kb) = 0 THEN 'FAIL (no sample after the warm-up)'
            WHEN coalesce(max(m.last_kb - m.warm_kb - coalesce(c.caches_grew_kb, 0)), 0) <= :tolerance
                 AND coalesce(max(c.last_kb - c.warm_kb), 0) <= :context_tolerance
            THEN 'PASS' ELSE 'FAIL' END
  FROM mem m LEFT JOIN ctx c USING (pid)
 WHERE m.what = 'backend';

\echo 'verdicts'
SELECT what, figure, criterion, verdict FROM verdict ORDER BY o;
