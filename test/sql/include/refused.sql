-- Test fixture: pg_temp.refused(statement) runs a statement and tells how it
-- was refused (SQLSTATE, message, detail and hint), or 'not refused'; either
-- way it changes nothing. Ids the server made are shown by the names given
-- them in pg_temp.named, times as <time> and today's date (in the
-- Netherlands, as messages give it) as <today>, so that the output is the
-- same on every day.
CREATE TEMP TABLE named (id uuid PRIMARY KEY, name text NOT NULL);
CREATE FUNCTION pg_temp.refused(statement text) RETURNS text LANGUAGE plpgsql SET datestyle = 'ISO, YMD' AS $$
DECLARE
    state text; msg text; detail text; hint text; n record;
BEGIN
    EXECUTE statement;
    RAISE EXCEPTION 'undo' USING ERRCODE = 'ZX001';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
    IF state = 'ZX001' THEN
        RETURN 'not refused';
    END IF;
    msg := state || ' ' || msg || CASE WHEN detail <> '' THEN E'\nDETAIL: ' || detail ELSE '' END
                               || CASE WHEN hint <> '' THEN E'\nHINT: ' || hint ELSE '' END;
    FOR n IN SELECT * FROM pg_temp.named LOOP
        msg := replace(msg, n.id::text, '<' || n.name || '>');
    END LOOP;
    msg := regexp_replace(msg, '\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?\+00', '<time>', 'g');
    RETURN replace(msg, to_char(now() AT TIME ZONE 'Europe/Amsterdam', 'YYYY-MM-DD'), '<today>');
END $$;
GRANT ALL ON named TO PUBLIC;
GRANT EXECUTE ON FUNCTION pg_temp.refused(text) TO PUBLIC;
