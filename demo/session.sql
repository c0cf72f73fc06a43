-- demo/session.sql: the demo's session set-up, run by tools/demo at its start
-- and again after it reconnects (section 16 visits pg_cron's database):
-- psql's display, the time zone, and pg_temp.attempt.
\pset null '-'
\pset footer off
SET client_min_messages = warning;
SET TimeZone = 'Europe/Amsterdam';

-- pg_temp.attempt(what, statement): runs the statement in a subtransaction
-- and shows how dcpf answered. Whatever happens, nothing is kept.
CREATE FUNCTION pg_temp.attempt(what text, statement text)
    RETURNS TABLE (attempt text, outcome text, sqlstate text, message text, detail text, hint text)
    LANGUAGE plpgsql
AS $$
DECLARE
    state text; msg text; det text; hin text;
BEGIN
    BEGIN
        EXECUTE statement;
        RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'dcpf-demo: accepted';
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                                det = PG_EXCEPTION_DETAIL, hin = PG_EXCEPTION_HINT;
    END;
    IF msg = 'dcpf-demo: accepted' THEN
        RETURN QUERY SELECT what, 'ACCEPTED - NOT EXPECTED', NULL::text, NULL::text, NULL::text, NULL::text;
    ELSE
        RETURN QUERY SELECT what, 'refused', state, msg, nullif(det, ''), nullif(hin, '');
    END IF;
END
$$;

-- the demo's application roles (created in section 8) run pg_temp.attempt too
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'dcpf_demo_backoffice') THEN
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO dcpf_demo_backoffice', pg_my_temp_schema()::regnamespace);
    END IF;
END $$;
