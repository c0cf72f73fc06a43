-- 205_visit.sql: web visits (DESIGN.md clauses 1 and 6; the cookie section
-- of the privacy statement). The application's back-end (dcpf_service)
-- reports each page view with dcpf.record_visit; what is kept depends on the
-- visitor's consent to purpose analytics_cookies, read at that moment.
-- Without it, only what the privacy statement promises: the location of the
-- address (a /16 or /32 network), the device type, the browser and its major
-- version, the page path and the hour. With it, also whose visit it was and
-- the minute. The raw address, user agent, query string and exact time are
-- never stored. The reporting role reads daily counts with small cells
-- suppressed; the person reads their own consented visits; nobody else reads
-- visit rows. See doc/reference/visits.md.

CREATE TABLE dcpf.web_visit (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    visited_at      timestamptz NOT NULL,
    network         cidr NOT NULL
                    CONSTRAINT web_visit_network_coarse
                    CHECK ((family(network) = 4 AND masklen(network) = 16) OR (family(network) = 6 AND masklen(network) = 32)),
    device_type     text NOT NULL CONSTRAINT web_visit_device_type_known
                    CHECK (device_type IN ('desktop', 'mobile', 'tablet', 'bot', 'other')),
    browser_family  text NOT NULL CONSTRAINT web_visit_browser_family_known
                    CHECK (browser_family IN ('chrome', 'edge', 'firefox', 'safari', 'opera', 'samsung', 'other')),
    browser_major   integer CONSTRAINT web_visit_browser_major_range CHECK (browser_major BETWEEN 0 AND 9999),
    page            text NOT NULL CONSTRAINT web_visit_page_path
                    CHECK (page ~ '^/[^?#[:cntrl:]]*$' AND length(page) <= 2048),
    person_id       uuid REFERENCES dcpf.person (id),
    consented       boolean NOT NULL,
    CONSTRAINT web_visit_coarse_without_consent
        CHECK (consented OR (person_id IS NULL AND visited_at = date_trunc('hour', visited_at, 'UTC'))),
    CONSTRAINT web_visit_minute_with_consent
        CHECK (NOT consented OR (person_id IS NOT NULL AND visited_at = date_trunc('minute', visited_at, 'UTC'))),
    CONSTRAINT web_visit_major_with_family CHECK (browser_major IS NULL OR browser_family <> 'other')
);
-- a B-tree with the key, not a BRIN: the retention job (sql/251_retention_job.sql)
-- walks the visits in time order and stops at the end of their term
CREATE INDEX web_visit_visited_at_idx ON dcpf.web_visit (visited_at, id);
CREATE INDEX web_visit_person_idx ON dcpf.web_visit (person_id) WHERE person_id IS NOT NULL;
COMMENT ON TABLE dcpf.web_visit IS
    'page views reported by the application''s back-end (dcpf.record_visit): without consent to analytics_cookies only coarse data (network, device type, browser and major version, page path, hour); with it also the person and the minute; never the full address, user agent, query string or exact time';
COMMENT ON COLUMN dcpf.web_visit.id IS 'identifier';
COMMENT ON COLUMN dcpf.web_visit.visited_at IS
    'when, truncated in UTC: to the hour without consent, to the minute with it (web_visit_coarse_without_consent, web_visit_minute_with_consent)';
COMMENT ON COLUMN dcpf.web_visit.network IS
    'the location of the client address: its IPv4 /16 or IPv6 /32 network (an IPv4-mapped IPv6 address counts as IPv4); never the address itself';
COMMENT ON COLUMN dcpf.web_visit.device_type IS 'desktop, mobile, tablet, bot or other, derived from the user agent by dcpf.visit_device_type';
COMMENT ON COLUMN dcpf.web_visit.browser_family IS
    'chrome, edge, firefox, safari, opera, samsung or other, derived from the user agent by dcpf.visit_browser';
COMMENT ON COLUMN dcpf.web_visit.browser_major IS 'the browser''s major version; NULL when not recognised';
COMMENT ON COLUMN dcpf.web_visit.page IS
    'the page path without scheme, host, query string or fragment, with identifiers (uuids, runs of 5 or more digits, segments with @) replaced by :id, :n and :email';
COMMENT ON COLUMN dcpf.web_visit.person_id IS 'whose visit it was: only with consent to analytics_cookies in force at the visit; NULL otherwise';
COMMENT ON COLUMN dcpf.web_visit.consented IS 'recorded under consent to analytics_cookies (the person and the minute are kept)';

-- the user agent, read by simple rules on its first 512 characters; an
-- iPad presenting itself as a Mac (iPadOS 13 and later) counts as desktop
CREATE FUNCTION dcpf.visit_device_type(user_agent text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN CASE
    WHEN coalesce(btrim(user_agent), '') = '' THEN 'other'
    WHEN left(user_agent, 512) ~* '(bot|crawl|spider|slurp|curl/|wget/|python-|java/|go-http-client|headless|lighthouse)' THEN 'bot'
    WHEN left(user_agent, 512) ~* '(ipad|tablet|kindle|silk/|playbook)'
         OR (left(user_agent, 512) ~* 'android' AND left(user_agent, 512) !~* 'mobile') THEN 'tablet'
    WHEN left(user_agent, 512) ~* '(mobi|iphone|ipod|android|windows phone|blackberry|opera mini)' THEN 'mobile'
    WHEN left(user_agent, 512) ~* '(windows nt|macintosh|mac os x|x11|linux|cros)' THEN 'desktop'
    ELSE 'other'
END;
COMMENT ON FUNCTION dcpf.visit_device_type(text) IS
    'the device type of a user agent by simple rules on its first 512 characters, first match: bot (bot, crawl, spider, curl, headless, ...), tablet (iPad, tablet, Kindle, Android without Mobile), mobile (Mobi, iPhone, Android, ...), desktop (Windows NT, Macintosh, X11, Linux, CrOS), else other (also for NULL or empty)';

-- the family and major version; the order matters, since Edge, Opera and
-- Samsung Internet also say Chrome, and Chrome also says Safari
CREATE FUNCTION dcpf.visit_browser(user_agent text, OUT family text, OUT major integer)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
SELECT coalesce(m.family, 'other'), CASE WHEN m.family IS NOT NULL THEN m.version[1]::integer END
  FROM (SELECT left(coalesce(user_agent, ''), 512) AS ua) u
  LEFT JOIN LATERAL (
        SELECT r.family, regexp_match(u.ua, r.pattern, 'i') AS version
          FROM (VALUES (1, 'edge', 'Edg(?:e|A|iOS)?/(\d{1,4})'),
                       (2, 'opera', '(?:OPR|Opera)/(\d{1,4})'),
                       (3, 'samsung', 'SamsungBrowser/(\d{1,4})'),
                       (4, 'firefox', '(?:Firefox|FxiOS)/(\d{1,4})'),
                       (5, 'chrome', '(?:Chrome|CriOS|Chromium)/(\d{1,4})'),
                       (6, 'safari', 'Version/(\d{1,4})[^ ]*.* Safari/')) r(rank, family, pattern)
         WHERE u.ua ~* r.pattern
         ORDER BY r.rank
         LIMIT 1) m ON true
$$;
COMMENT ON FUNCTION dcpf.visit_browser(text) IS
    'the browser family (edge, opera, samsung, firefox, chrome, safari, else other) and major version of a user agent, first match in that order on its first 512 characters; major NULL for other';

CREATE FUNCTION dcpf.record_visit(client_address inet, user_agent text, page text, visited_at timestamptz DEFAULT now(),
                                  person uuid DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    addr      inet := client_address;
    path      text := page;
    agreed    boolean;
    browser   record;
BEGIN
    -- the address: a host address; IPv4-mapped IPv6 is IPv4. Errors never
    -- repeat the address, the user agent or the page (they reach the logs)
    IF addr IS NULL THEN
        RAISE EXCEPTION 'client address is required'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = 'A visit is located by the network of the client''s address; the address given is NULL.';
    END IF;
    IF masklen(addr) <> (CASE family(addr) WHEN 4 THEN 32 ELSE 128 END) THEN
        RAISE EXCEPTION 'client address is not a host address'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The address given has a prefix length of %s; a client address has 32 bits (IPv4) or 128 (IPv6).',
                                  masklen(addr)),
                  HINT = 'Pass the address the request came from, without a prefix length.';
    END IF;
    IF family(addr) = 6 AND addr << inet '::ffff:0.0.0.0/96' THEN
        addr := inet '0.0.0.0' + (addr - inet '::ffff:0.0.0.0');
    END IF;

    -- the page: a path, or an http(s) URL of which the path is kept; no
    -- query string or fragment; identifiers in it replaced
    IF path IS NULL OR btrim(path) = '' THEN
        RAISE EXCEPTION 'page is required'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = 'A visit is of a page: its path (or URL) must be given; the page given is NULL or empty.';
    END IF;
    IF length(path) > 2048 THEN
        RAISE EXCEPTION 'page is too long'
            USING ERRCODE = 'string_data_right_truncation',
                  DETAIL = format('The page given has %s characters; at most 2048 are accepted.', length(path)),
                  HINT = 'Pass the path of the page; query strings are not kept anyway.';
    END IF;
    IF path ~ '[[:cntrl:]]' THEN
        RAISE EXCEPTION 'page contains control characters'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'A page path or URL has no control characters (tabs, line ends and the like); the page given has.';
    END IF;
    path := regexp_replace(path, '^https?://[^/?#]*', '', 'i');
    path := split_part(split_part(path, '#', 1), '?', 1);
    IF path = '' THEN
        path := '/';
    ELSIF left(path, 1) <> '/' THEN
        RAISE EXCEPTION 'page is not a path'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The page must be a path starting with / or an http or https URL; the page given is neither.';
    END IF;
    path := regexp_replace(path, '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', ':id', 'gi');
    path := regexp_replace(path, '[0-9]{5,}', ':n', 'g');
    path := regexp_replace(path, '(^|/)[^/]*(@|%40)[^/]*', '\1:email', 'gi');

    IF visited_at IS NULL THEN
        RAISE EXCEPTION 'visit time is required'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = 'The time of the visit is NULL; leave the argument out for the current time.';
    END IF;
    IF visited_at > now() + interval '5 minutes' THEN
        RAISE EXCEPTION 'visit time lies in the future'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The visit time %s is more than 5 minutes after the current time %s.', visited_at, now());
    END IF;

    -- consent, as it is now (this transaction's withdrawals included): the
    -- function runs as the extension owner, whom row security does not
    -- restrict, so dcpf.has_consent (security invoker) sees the state in
    -- force, whoever the caller acts as; nothing returned tells it
    IF person IS NOT NULL AND NOT EXISTS (SELECT FROM dcpf.person p WHERE p.id = person) THEN
        RAISE EXCEPTION 'unknown person'
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = format('No person has id %s.', person),
                  HINT = 'Pass NULL for a visitor who is not logged in.';
    END IF;
    agreed := person IS NOT NULL AND dcpf.has_consent(person, 'analytics_cookies');

    browser := dcpf.visit_browser(user_agent);
    INSERT INTO dcpf.web_visit (visited_at, network, device_type, browser_family, browser_major, page, person_id, consented)
    VALUES (date_trunc(CASE WHEN agreed THEN 'minute' ELSE 'hour' END, visited_at, 'UTC'),
            network(set_masklen(addr, CASE family(addr) WHEN 4 THEN 16 ELSE 32 END)),
            dcpf.visit_device_type(user_agent), browser.family, browser.major, path,
            CASE WHEN agreed THEN person END, agreed);
END
$$;
COMMENT ON FUNCTION dcpf.record_visit(inet, text, text, timestamptz, uuid) IS
    'for the application''s back-end (dcpf_service): records a page view from the client address, user agent, page (path or URL) and time, for a logged-in person or NULL. Keeps the /16 (IPv4) or /32 (IPv6) network, device type, browser family and major version, the path without query string, fragment or identifiers, and the hour; with the person''s consent to analytics_cookies in force (this transaction''s changes included) also the person and the minute. 22004 for a NULL address, page or time; 22023 for a non-host address, a page that is no path, control characters or a time in the future; 22001 for a page over 2048 characters; 23503 for an unknown person';

REVOKE ALL ON TABLE dcpf.web_visit FROM PUBLIC;
ALTER TABLE dcpf.web_visit FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.web_visit ENABLE ROW LEVEL SECURITY;
SELECT pg_catalog.pg_extension_config_dump('dcpf.web_visit', '');
REVOKE ALL ON FUNCTION dcpf.visit_device_type(text), dcpf.visit_browser(text),
    dcpf.record_visit(inet, text, text, timestamptz, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.record_visit(inet, text, text, timestamptz, uuid) TO dcpf_service;

-- the person reads their own consented visits; nobody else in the
-- application reads visit rows, and only dcpf.record_visit writes them
CREATE POLICY web_visit_self_read ON dcpf.web_visit FOR SELECT TO dcpf_app
    USING (person_id = dcpf.current_person());
GRANT SELECT (id, visited_at, network, device_type, browser_family, browser_major, page, person_id, consented)
    ON dcpf.web_visit TO dcpf_app;

SELECT dcpf.audit_table('dcpf.web_visit', 'person_id');

-- ---------------------------------------------------------------------------
-- Statistics for reporting
-- ---------------------------------------------------------------------------
-- Counts per day, page, device type and browser; a cell of fewer than 5
-- visits is left out, so that no row points at one visitor. Owner's rights:
-- the reporting role has no access to the table itself.
CREATE FUNCTION dcpf.visit_counts()
    RETURNS TABLE (day date, page text, device_type text, browser_family text, visits bigint)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
SELECT (v.visited_at AT TIME ZONE 'Europe/Amsterdam')::date, v.page, v.device_type, v.browser_family, count(*)
  FROM dcpf.web_visit v
 GROUP BY 1, 2, 3, 4
HAVING count(*) >= 5
$$;
COMMENT ON FUNCTION dcpf.visit_counts() IS
    'the visit statistics behind dcpf.visit_statistics: visits per day (Europe/Amsterdam), page, device type and browser family, cells of fewer than 5 visits left out; owner''s rights, for the reporting role, which cannot read dcpf.web_visit';

CREATE VIEW dcpf.visit_statistics WITH (security_invoker = true) AS
SELECT s.day, s.page, s.device_type, s.browser_family, s.visits FROM dcpf.visit_counts() s;
COMMENT ON VIEW dcpf.visit_statistics IS
    'web visits per day, page, device type and browser family, for the reporting role; a cell of fewer than 5 visits is not shown; security_invoker over dcpf.visit_counts, the only way to the visit rows';
COMMENT ON COLUMN dcpf.visit_statistics.day IS 'the day (Europe/Amsterdam)';
COMMENT ON COLUMN dcpf.visit_statistics.page IS 'the page path';
COMMENT ON COLUMN dcpf.visit_statistics.device_type IS 'desktop, mobile, tablet, bot or other';
COMMENT ON COLUMN dcpf.visit_statistics.browser_family IS 'the browser family';
COMMENT ON COLUMN dcpf.visit_statistics.visits IS 'the number of visits, 5 or more';
REVOKE ALL ON FUNCTION dcpf.visit_counts() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.visit_counts() TO dcpf_reporting;
REVOKE ALL ON dcpf.visit_statistics FROM PUBLIC;
GRANT SELECT ON dcpf.visit_statistics TO dcpf_reporting;
