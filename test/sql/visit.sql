-- Web visits (sql/205_visit.sql): the back-end records page views with
-- dcpf.record_visit; without consent to analytics_cookies only coarse data
-- is kept (network /16 or /32, device type, browser and major version, the
-- path without query string, fragment or identifiers, the hour); with it
-- also the person and the minute; a withdrawal in the same transaction
-- stops that at once; the address, user agent and query string are stored
-- in no column; bad input is refused and stores nothing; dcpf_app cannot
-- record; the person reads their own consented visits, nobody else any;
-- the reporting role reads daily counts with cells under 5 suppressed.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS dcpf CASCADE;
CREATE EXTENSION dcpf;
DROP ROLE IF EXISTS dcpf_test_vs_backend;
DROP ROLE IF EXISTS dcpf_test_vs_app;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET timezone = 'UTC';

\i test/sql/include/two_licensees.sql
\i test/sql/include/refused.sql
-- 101 consents to analytics; 102 does not; 103 the admin of A
INSERT INTO dcpf.person (id, email, surname, initials)
SELECT v.id::uuid, v.email, v.surname, 'X.'
  FROM (VALUES ('00000000-0000-4000-8000-000000000101', 'jansen@example.nl', 'Jansen'),
               ('00000000-0000-4000-8000-000000000102', 'bakker@example.nl', 'Bakker'),
               ('00000000-0000-4000-8000-000000000103', 'beheer@example.nl', 'Beheer')) v(id, email, surname);
INSERT INTO dcpf.membership (person_id, licensee_id, role_code, valid_from)
SELECT v.person::uuid, '00000000-0000-4000-8000-00000000a001', v.role, '2024-01-01'
  FROM (VALUES ('00000000-0000-4000-8000-000000000101', 'professional'),
               ('00000000-0000-4000-8000-000000000102', 'professional'),
               ('00000000-0000-4000-8000-000000000103', 'licensee_admin')) v(person, role);
\i test/sql/include/accept_euras.sql

CREATE ROLE dcpf_test_vs_backend NOLOGIN IN ROLE dcpf_service;
CREATE ROLE dcpf_test_vs_app NOLOGIN IN ROLE dcpf_app;
CREATE FUNCTION pg_temp.as_person(person text, role text) RETURNS boolean LANGUAGE sql
RETURN dcpf.act_as(('00000000-0000-4000-8000-000000000' || person)::uuid, '00000000-0000-4000-8000-00000000a001',
                   role, 'test', true) IS NOT NULL;
GRANT EXECUTE ON FUNCTION pg_temp.as_person(text, text) TO PUBLIC;
-- the inputs the tests record, to look for in every stored column
CREATE TEMP TABLE raw_input (what text, value text);
INSERT INTO raw_input VALUES
    ('address', '192.168.37.201'), ('address', '37.201'), ('address', '2001:db8:1234:5678:9abc::17'), ('address', '1234:5678'),
    ('user agent', 'Mozilla/5.0'), ('user agent', 'Gecko'), ('query', 'token'), ('query', 'utm_source'),
    ('fragment', 'section-2'), ('host', 'app.example'), ('identifier', 'jansen@example.nl'), ('identifier', '89012345601');
GRANT SELECT ON raw_input TO PUBLIC;

-- the user agent rules: device type, browser family, major version
SELECT ua.label, dcpf.visit_device_type(ua.agent) AS device, b.family, b.major
  FROM (VALUES
    (1, 'Chrome on Windows', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36'),
    (2, 'Edge on Windows', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91'),
    (3, 'Firefox on Linux', 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0'),
    (4, 'Safari on a Mac', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15'),
    (5, 'Safari on an iPhone', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1'),
    (6, 'Chrome on an iPad', 'Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/119.0.6045.169 Mobile/15E148 Safari/604.1'),
    (7, 'Samsung Internet on Android', 'Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36'),
    (8, 'Chrome on an Android tablet', 'Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36'),
    (9, 'Opera on Windows', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36 OPR/105.0.0.0'),
    (10, 'Googlebot', 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)'),
    (11, 'curl', 'curl/8.4.0'),
    (12, 'empty', ''),
    (13, 'NULL', NULL),
    (14, 'unknown', 'SomethingElse/1.0')) ua(n, label, agent)
  CROSS JOIN LATERAL dcpf.visit_browser(ua.agent) b
 ORDER BY ua.n;

-- 101 consents to analytics cookies
SET ROLE dcpf_test_vs_backend;
SELECT pg_temp.as_person('101', 'professional');
SELECT dcpf.give_consent('analytics_cookies') IS NOT NULL AS receipt;
SELECT dcpf.clear_identity();

-- dcpf_app cannot record a visit, and nothing is stored
SET ROLE dcpf_test_vs_app;
SELECT pg_temp.refused($$SELECT dcpf.record_visit('192.168.37.201', 'curl/8.4.0', '/', '2026-03-02 09:00+00')$$);
SET ROLE dcpf_test_vs_backend;

-- bad input: refused, with SQLSTATE, message and detail, and nothing stored
SELECT pg_temp.refused($$SELECT dcpf.record_visit(NULL, 'curl/8.4.0', '/')$$);
SELECT pg_temp.refused($$SELECT dcpf.record_visit('192.168.37.0/24', 'curl/8.4.0', '/')$$);
SELECT pg_temp.refused($$SELECT dcpf.record_visit('192.168.37.201', 'curl/8.4.0', NULL)$$);
SELECT pg_temp.refused($$SELECT dcpf.record_visit('192.168.37.201', 'curl/8.4.0', '  ')$$);
SELECT pg_temp.refused($$SELECT dcpf.record_visit('192.168.37.201', 'curl/8.4.0', '/' || repeat('a', 2048))$$);
SELECT pg_temp.refused($$SELECT dcpf.record_visit('192.168.37.201', 'curl/8.4.0', E'/login\n/evil')$$);
SELECT pg_temp.refused($$SELECT dcpf.record_visit('192.168.37.201', 'curl/8.4.0', 'login.html')$$);
SELECT pg_temp.refused($$SELECT dcpf.record_visit('192.168.37.201', 'curl/8.4.0', 'ftp://app.example/login')$$);
SELECT pg_temp.refused($$SELECT dcpf.record_visit('192.168.37.201', 'curl/8.4.0', '/', NULL)$$);
SELECT pg_temp.refused($$SELECT dcpf.record_visit('192.168.37.201', 'curl/8.4.0', '/', now() + interval '1 hour')$$);
SELECT pg_temp.refused($$SELECT dcpf.record_visit('192.168.37.201', 'curl/8.4.0', '/', '2026-03-02 09:00+00', '00000000-0000-4000-8000-000000000999')$$);
RESET ROLE;
SELECT count(*) AS stored FROM dcpf.web_visit;

-- without consent: a visitor not logged in, and 102 who did not consent;
-- with consent: 101. The URL's host, query string and fragment go, and the
-- identifiers in the path are replaced
SET ROLE dcpf_test_vs_backend;
SELECT dcpf.record_visit('192.168.37.201',
    'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0',
    'https://app.example/login?token=eyJhbGciOi&utm_source=mail#section-2', '2026-03-02 09:47:31.25+00');
SELECT dcpf.record_visit('2001:db8:1234:5678:9abc::17',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
    '/people/jansen@example.nl/big/89012345601?tab=2', '2026-03-02 09:47:31.25+00', '00000000-0000-4000-8000-000000000102');
SELECT dcpf.record_visit('::ffff:192.168.37.201',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
    '/portfolio/00000000-0000-4000-8000-0000000000f1?edit=1#comments', '2026-03-02 09:47:31.25+00', '00000000-0000-4000-8000-000000000101');
RESET ROLE;
SELECT visited_at, network, device_type, browser_family, browser_major, page, right(person_id::text, 3) AS person, consented
  FROM dcpf.web_visit ORDER BY consented, family(network), page;
-- no stored column holds the address, the user agent, the query string,
-- the fragment, the host or the identifiers, in whole or in part
SELECT r.what, r.value, c.key AS column_name
  FROM dcpf.web_visit v CROSS JOIN LATERAL json_each_text(row_to_json(v)) c JOIN raw_input r ON strpos(c.value, r.value) > 0;
SELECT count(*) FILTER (WHERE network >>= inet '192.168.37.201' AND masklen(network) = 16) AS ipv4_16,
       count(*) FILTER (WHERE network >>= inet '2001:db8:1234:5678:9abc::17' AND masklen(network) = 32) AS ipv6_32,
       count(*) FILTER (WHERE masklen(network) = (CASE family(network) WHEN 4 THEN 32 ELSE 128 END)) AS host_addresses
  FROM dcpf.web_visit;

-- a withdrawal takes effect in the same transaction: the next visit of 101
-- is coarse; consent given again in the same transaction restores it
SET ROLE dcpf_test_vs_backend;
BEGIN;
SELECT pg_temp.as_person('101', 'professional');
SELECT dcpf.withdraw_consent('analytics_cookies') IS NOT NULL AS receipt;
SELECT dcpf.record_visit('192.168.37.201', 'curl/8.4.0', '/after-withdrawal', '2026-03-02 10:12:40+00', '00000000-0000-4000-8000-000000000101');
SELECT dcpf.give_consent('analytics_cookies') IS NOT NULL AS receipt;
SELECT dcpf.record_visit('192.168.37.201', 'curl/8.4.0', '/after-consent', '2026-03-02 10:12:40+00', '00000000-0000-4000-8000-000000000101');
SELECT dcpf.clear_identity();
COMMIT;
RESET ROLE;
SELECT visited_at, page, right(person_id::text, 3) AS person, consented FROM dcpf.web_visit WHERE page LIKE '/after-%' ORDER BY page;

-- the owner's rows cannot be forged past the rules: no full address, no
-- person or minute without consent, no query string
SELECT pg_temp.refused($$INSERT INTO dcpf.web_visit (id, visited_at, network, device_type, browser_family, page, consented) VALUES ('00000000-0000-4000-8000-00000000f001', '2026-03-02 09:00+00', '192.168.37.201/32', 'bot', 'other', '/', false)$$);
SELECT pg_temp.refused($$INSERT INTO dcpf.web_visit (id, visited_at, network, device_type, browser_family, page, person_id, consented) VALUES ('00000000-0000-4000-8000-00000000f001', '2026-03-02 09:00+00', '192.168.0.0/16', 'bot', 'other', '/', '00000000-0000-4000-8000-000000000102', false)$$);
SELECT pg_temp.refused($$INSERT INTO dcpf.web_visit (id, visited_at, network, device_type, browser_family, page, consented) VALUES ('00000000-0000-4000-8000-00000000f001', '2026-03-02 09:05+00', '192.168.0.0/16', 'bot', 'other', '/', false)$$);
SELECT pg_temp.refused($$INSERT INTO dcpf.web_visit (id, visited_at, network, device_type, browser_family, page, consented) VALUES ('00000000-0000-4000-8000-00000000f001', '2026-03-02 09:00+00', '192.168.0.0/16', 'bot', 'other', '/login?token=x', false)$$);

-- who reads visit rows: the person their own consented ones; another
-- person and the licensee admin none; dcpf_app directly: none
SET ROLE dcpf_test_vs_backend;
SELECT pg_temp.as_person('101', 'professional');
SELECT page, right(person_id::text, 3) AS person, consented FROM dcpf.web_visit ORDER BY page;
SELECT pg_temp.as_person('102', 'professional');
SELECT count(*) AS seen_by_102 FROM dcpf.web_visit;
SELECT pg_temp.as_person('103', 'licensee_admin');
SELECT count(*) AS seen_by_admin FROM dcpf.web_visit;
SELECT pg_temp.refused($$UPDATE dcpf.web_visit SET page = '/x'$$);
SELECT pg_temp.refused($$DELETE FROM dcpf.web_visit$$);
SELECT pg_temp.refused($$SELECT count(*) FROM dcpf.visit_statistics$$);
SELECT dcpf.clear_identity();
SET ROLE dcpf_test_vs_app;
SELECT count(*) AS seen_without_identity FROM dcpf.web_visit;

-- the reporting role: counts only, cells under 5 suppressed. /dashboard on
-- desktop Chrome 6 times on 3 March (Amsterdam time: 23:30 UTC on the 2nd
-- is the 3rd), /help on mobile Safari 4 times: only /dashboard shows
SET ROLE dcpf_test_vs_backend;
SELECT count(*) AS recorded
  FROM generate_series(1, 6) n
 CROSS JOIN LATERAL dcpf.record_visit(('10.20.' || n || '.1')::inet,
                                      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
                                      '/dashboard?from=' || n, '2026-03-02 23:30+00'::timestamptz + (n - 1) * interval '1 hour');
SELECT count(*) AS recorded
  FROM generate_series(1, 4) n
 CROSS JOIN LATERAL dcpf.record_visit(('10.30.0.' || n)::inet,
                                      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
                                      '/help', '2026-03-03 12:00+00');
SET ROLE dcpf_reporting;
SELECT * FROM dcpf.visit_statistics ORDER BY day, page;
SELECT pg_temp.refused($$SELECT count(*) FROM dcpf.web_visit$$);
RESET ROLE;

-- every visit is audited as created, under the person when one is kept
SELECT action, count(*) AS events, count(subject_person) AS with_subject
  FROM dcpf.audit_event WHERE object_table = 'web_visit' GROUP BY action;

SELECT dcpf.clear_identity();
DROP ROLE dcpf_test_vs_backend;
DROP ROLE dcpf_test_vs_app;
