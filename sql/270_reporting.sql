-- 270_reporting.sql: the reporting surface (issue 9). Eight security_invoker
-- views, the stable interface for the reporting tool's login (a member of
-- dcpf_reporting, no end-user identity: every licensee's cells) and for
-- licensee staff acting through the application (dcpf_app with a verified
-- identity: their own licensee's cells, in a role the report admits).
--
--   report_programme_progress       EPA levels per programme, cohort and month
--   report_assessments_per_assessor assessments and professionals assessed per assessor and month
--   report_subject_requests         data-subject requests per kind, deadline month and state
--   report_breach_deadlines         breaches per licensee concerned, with their deadlines
--   report_consent_statistics       consents given, withdrawn and in force per purpose and month
--   report_retention_forecast       rows the retention job will purge, per category and month
--   report_access_statistics        audit events per application role, action and month
--   report_licence_usage            licences, seats and members per licensee and product
--
-- dcpf_reporting sees no table rows (sql/095_policies.sql), so each view
-- reads through one SECURITY DEFINER function that checks who asks
-- (dcpf.report_scope), aggregates, and suppresses. The rules, and why they
-- hold against differencing, are in doc/reference/reporting.md:
--   * a cell counts distinct persons; it is shown only with at least k of
--     them (k: dcpf.licensee.report_min_persons, default 5; for cells of the
--     platform, the largest k of all licensees and at least 5);
--   * in every table (the cells a report splits one population into) the
--     persons in no shown cell are none or at least k: after the small cells,
--     the smallest shown ones are suppressed too, so that a total from
--     anywhere, minus the cells shown, never isolates fewer than k persons;
--   * periods are closed months (Europe/Amsterdam): a report does not change
--     while a month runs, so one person's event cannot be bracketed by two
--     readings; the deadline and forecast reports, which must be current,
--     count requests, breaches and rows, and persons only under the same k;
--   * no free text, no decrypted data, no person's name or id; only the
--     assessor report names the assessor, and only to the licensee's staff.

-- ---------------------------------------------------------------------------
-- The setting k
-- ---------------------------------------------------------------------------
ALTER TABLE dcpf.licensee
    ADD COLUMN report_min_persons integer NOT NULL DEFAULT 5
        CONSTRAINT licensee_report_min_persons_range CHECK (report_min_persons BETWEEN 2 AND 100);
COMMENT ON COLUMN dcpf.licensee.report_min_persons IS
    'k of the reports (sql/270_reporting.sql): a cell counting fewer persons of this licensee is not shown, nor are enough others that the persons hidden in a table are none or at least k; 2 to 100, default 5; set by its privacy officer with dcpf.set_report_min_persons';

CREATE FUNCTION dcpf.set_report_min_persons(min_persons integer) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    lic uuid := dcpf.licensee_if_acting_in('privacy_officer');
    old integer;
BEGIN
    IF lic IS NULL THEN
        RAISE EXCEPTION 'permission denied to set the reports'' minimum cell size' USING ERRCODE = 'insufficient_privilege',
            DETAIL = 'A licensee''s minimum cell size k is set by its privacy officer, acting as privacy_officer.';
    END IF;
    IF min_persons IS NULL OR min_persons < 2 OR min_persons > 100 THEN
        RAISE EXCEPTION 'minimum cell size out of range' USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('The minimum cell size given is %s; it must be 2 to 100 persons: a cell of one person singles that person out.',
                            coalesce(min_persons::text, 'NULL')),
            HINT = 'The default is 5.';
    END IF;
    SELECT l.report_min_persons INTO old FROM dcpf.licensee l WHERE l.id = lic FOR UPDATE;
    UPDATE dcpf.licensee l SET report_min_persons = min_persons WHERE l.id = lic;
    RETURN old;
END
$$;
COMMENT ON FUNCTION dcpf.set_report_min_persons(integer) IS
    'sets k, the minimum number of persons in a shown cell of the reports, for the licensee the verified identity acts in as privacy_officer; returns the previous value. 42501 in any other role; 22023 for a value outside 2 to 100 (DETAIL names it)';
REVOKE ALL ON FUNCTION dcpf.set_report_min_persons(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.set_report_min_persons(integer) TO dcpf_app;

-- k for a licensee's cells; for the platform's (licensee NULL), whose
-- persons may be any licensee's, the largest k of all and at least 5
CREATE FUNCTION dcpf.report_min_persons(licensee uuid) RETURNS integer
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN coalesce((SELECT l.report_min_persons FROM dcpf.licensee l WHERE l.id = report_min_persons.licensee),
                (SELECT greatest(5, max(l.report_min_persons)) FROM dcpf.licensee l), 5);
COMMENT ON FUNCTION dcpf.report_min_persons(uuid) IS
    'k for the report cells of a licensee (its report_min_persons); for the platform''s cells (NULL, or an unknown licensee) the largest k of all licensees and at least 5; owner only';
REVOKE ALL ON FUNCTION dcpf.report_min_persons(uuid) FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- Who reads which report
-- ---------------------------------------------------------------------------
-- The staff roles admitted to each report (the reporting role reads all):
-- the licensee administrator the programme and licence reports, the privacy
-- officer the reports on rights, breaches, consent, retention and access.
CREATE FUNCTION dcpf.report_staff_roles(report text) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN CASE report
    WHEN 'programme_progress' THEN ARRAY['licensee_admin']
    WHEN 'assessments_per_assessor' THEN ARRAY['licensee_admin']
    WHEN 'licence_usage' THEN ARRAY['licensee_admin']
    WHEN 'subject_requests' THEN ARRAY['privacy_officer']
    WHEN 'breach_deadlines' THEN ARRAY['privacy_officer']
    WHEN 'consent_statistics' THEN ARRAY['privacy_officer']
    WHEN 'retention_forecast' THEN ARRAY['privacy_officer']
    WHEN 'access_statistics' THEN ARRAY['privacy_officer']
END;
COMMENT ON FUNCTION dcpf.report_staff_roles(text) IS
    'the application roles whose holders read a report for their own licensee: licensee_admin for programme_progress, assessments_per_assessor and licence_usage; privacy_officer for subject_requests, breach_deadlines, consent_statistics, retention_forecast and access_statistics; NULL for an unknown report';
REVOKE ALL ON FUNCTION dcpf.report_staff_roles(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.report_staff_roles(text) TO dcpf_app, dcpf_reporting;

-- Whose cells the caller may read: the licensee a verified identity acts in,
-- in a role the report admits; for a member of dcpf_reporting without
-- identity, NULL: every licensee's and the platform's. Else 42501. The views
-- pass current_user, which a security_invoker view evaluates as the reader;
-- a direct caller naming a role it could not SET ROLE to is refused.
CREATE FUNCTION dcpf.report_scope(report text, caller name) RETURNS uuid
    LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL RESTRICTED
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    roles text[] := dcpf.report_staff_roles(report);
    lic   uuid;
BEGIN
    IF roles IS NULL THEN
        RAISE EXCEPTION 'unknown report %', coalesce(quote_literal(report), 'NULL') USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'The reports are programme_progress, assessments_per_assessor, subject_requests, breach_deadlines, consent_statistics, retention_forecast, access_statistics and licence_usage.';
    END IF;
    IF dcpf.current_person() IS NOT NULL THEN
        lic := dcpf.licensee_if_acting_in(VARIADIC roles);
        IF lic IS NULL THEN
            RAISE EXCEPTION 'permission denied to read report %', report USING ERRCODE = 'insufficient_privilege',
                DETAIL = format('Report %s is read by the reporting role, and by staff acting as %s for their own licensee; the identity acts as %s.',
                                report, array_to_string(roles, ' or '), coalesce(dcpf.current_role(), 'the person alone'));
        END IF;
        RETURN lic;
    END IF;
    IF caller IS NULL OR NOT EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.rolname = caller)
       OR NOT pg_catalog.pg_has_role(caller, 'dcpf_reporting', 'USAGE')
       OR NOT (caller = session_user OR pg_catalog.pg_has_role(session_user, caller, 'MEMBER')) THEN
        RAISE EXCEPTION 'permission denied to read report %', report USING ERRCODE = 'insufficient_privilege',
            DETAIL = 'Without a verified identity only the reporting role (dcpf_reporting) reads the reports.';
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION dcpf.report_scope(text, name) IS
    'whose cells of a report the caller reads: the licensee of a verified identity acting in a role of dcpf.report_staff_roles, or NULL (every licensee and the platform) for a member of dcpf_reporting without identity, the caller being the role the session may act as (the views pass current_user); 42501 otherwise, 22023 for an unknown report';
REVOKE ALL ON FUNCTION dcpf.report_scope(text, name) FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- Suppression
-- ---------------------------------------------------------------------------
-- One table of a report: the cells (one entry per cell and person; person
-- NULL for a row about nobody) and k. A cell with 1 to k-1 persons is
-- hidden; then, while the persons in no shown cell number 1 to k-1, the
-- smallest shown cell (by persons, then key) is hidden too. A cell about
-- nobody is always shown. Returns the keys of the cells shown.
CREATE FUNCTION dcpf.report_cells_shown(cells text[], persons uuid[], min_persons integer) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    shown    text[];
    hidden   bigint;
    smallest text;
BEGIN
    SELECT coalesce(array_agg(c.cell ORDER BY c.cell), '{}') INTO shown
      FROM (SELECT u.cell, count(DISTINCT u.person) AS n FROM unnest(cells, persons) u(cell, person) GROUP BY u.cell) c
     WHERE c.n = 0 OR c.n >= min_persons;
    LOOP
        SELECT count(*) INTO hidden
          FROM (SELECT u.person FROM unnest(cells, persons) u(cell, person) WHERE u.person IS NOT NULL AND u.cell <> ALL (shown)
                EXCEPT
                SELECT u.person FROM unnest(cells, persons) u(cell, person) WHERE u.cell = ANY (shown)) h;
        EXIT WHEN hidden = 0 OR hidden >= min_persons;
        SELECT c.cell INTO smallest
          FROM (SELECT u.cell, count(DISTINCT u.person) AS n FROM unnest(cells, persons) u(cell, person)
                 WHERE u.cell = ANY (shown) GROUP BY u.cell) c
         WHERE c.n > 0 ORDER BY c.n, c.cell LIMIT 1;
        EXIT WHEN smallest IS NULL;
        shown := array_remove(shown, smallest);
    END LOOP;
    RETURN shown;
END
$$;
COMMENT ON FUNCTION dcpf.report_cells_shown(text[], uuid[], integer) IS
    'small-cell suppression of one report table, given one (cell, person) pair per person in a cell (person NULL: a row about nobody) and k: the cells with 1 to k-1 persons are hidden, then the smallest shown ones until the persons in no shown cell are none or at least k; returns the keys of the cells shown (a cell about nobody always is)';
REVOKE ALL ON FUNCTION dcpf.report_cells_shown(text[], uuid[], integer) FROM PUBLIC;

-- the month a moment falls in, in the Netherlands, and the first day of the
-- current month there: the reports' periods are the months before it
CREATE FUNCTION dcpf.report_month(at timestamptz) RETURNS date
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN date_trunc('month', at AT TIME ZONE 'Europe/Amsterdam')::date;
COMMENT ON FUNCTION dcpf.report_month(timestamptz) IS
    'the first day of the month (Europe/Amsterdam) a moment falls in: the period of the reports';
REVOKE ALL ON FUNCTION dcpf.report_month(timestamptz) FROM PUBLIC;

CREATE FUNCTION dcpf.report_closed_before() RETURNS timestamptz
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN date_trunc('month', now() AT TIME ZONE 'Europe/Amsterdam') AT TIME ZONE 'Europe/Amsterdam';
COMMENT ON FUNCTION dcpf.report_closed_before() IS
    'the start of the current month in Europe/Amsterdam: the reports count only what happened before it (closed months)';
REVOKE ALL ON FUNCTION dcpf.report_closed_before() FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- Programme progress
-- ---------------------------------------------------------------------------
-- Per programme, EPA (code, over its versions), cohort (the year the trainee
-- was first placed in the programme) and closed month: the trainees by the
-- highest entrustment level assessors observed in that month. Table:
-- programme x EPA x cohort x month; cells: the levels. A trainee is in one
-- cell of a table.
CREATE FUNCTION dcpf.report_programme_progress_cells(caller name)
    RETURNS TABLE (licensee_id uuid, programme_id uuid, programme_code text, epa_code text, cohort integer, period date,
                   level integer, trainees bigint)
    LANGUAGE sql STABLE SECURITY DEFINER PARALLEL RESTRICTED
    SET search_path = pg_catalog, pg_temp
AS $$
WITH scope AS (SELECT dcpf.report_scope('programme_progress', caller) AS lic),
obs AS (
    SELECT i.licensee_id, i.programme_id, e.code AS epa_code,
           (SELECT extract(year FROM min(pm.valid_from) AT TIME ZONE 'Europe/Amsterdam')::integer
              FROM dcpf.programme_member pm
             WHERE pm.programme_id = i.programme_id AND pm.person_id = a.owner_id AND pm.role = 'trainee') AS cohort,
           dcpf.report_month(a.assessed_at) AS period, a.owner_id AS person, max(a.entrustment_level)::integer AS level
      FROM dcpf.assessment a
      JOIN dcpf.portfolio_item i ON i.id = a.item_id
      JOIN dcpf.epa e ON e.id = a.epa_id
     CROSS JOIN scope s
     WHERE a.assessed_at < dcpf.report_closed_before() AND i.programme_id IS NOT NULL
       AND (s.lic IS NULL OR i.licensee_id = s.lic)
     GROUP BY 1, 2, 3, 4, 5, 6),
shown AS (
    SELECT o.licensee_id, o.programme_id, o.epa_code, o.cohort, o.period,
           dcpf.report_cells_shown(array_agg(o.level::text), array_agg(o.person), dcpf.report_min_persons(o.licensee_id)) AS cells
      FROM obs o WHERE o.cohort IS NOT NULL
     GROUP BY 1, 2, 3, 4, 5)
SELECT o.licensee_id, o.programme_id, p.code, o.epa_code, o.cohort, o.period, o.level, count(*)
  FROM obs o
  JOIN shown s ON (s.licensee_id, s.programme_id, s.epa_code, s.cohort, s.period)
                = (o.licensee_id, o.programme_id, o.epa_code, o.cohort, o.period)
  JOIN dcpf.programme p ON p.id = o.programme_id
 WHERE o.level::text = ANY (s.cells)
 GROUP BY 1, 2, 3, 4, 5, 6, 7
$$;
COMMENT ON FUNCTION dcpf.report_programme_progress_cells(name) IS
    'the rows of dcpf.report_programme_progress for the caller (dcpf.report_scope): trainees per programme, EPA code, cohort, closed month and highest level observed in it, suppressed per programme x EPA x cohort x month; owner''s rights, granted to dcpf_reporting and dcpf_app';

CREATE VIEW dcpf.report_programme_progress WITH (security_invoker = true) AS
SELECT r.licensee_id, r.programme_id, r.programme_code, r.epa_code, r.cohort, r.period, r.level, r.trainees
  FROM dcpf.report_programme_progress_cells(current_user) r;
COMMENT ON VIEW dcpf.report_programme_progress IS
    'programme progress: per programme, EPA and cohort, for each closed month (Europe/Amsterdam) the trainees by the highest entrustment level assessors observed in it; a level with fewer than k trainees is not shown, nor the smallest others while the trainees hidden in the programme x EPA x cohort x month are 1 to k-1. The reporting role and licensee_admin (own licensee)';
COMMENT ON COLUMN dcpf.report_programme_progress.licensee_id IS 'the licensee running the programme';
COMMENT ON COLUMN dcpf.report_programme_progress.programme_id IS 'the programme';
COMMENT ON COLUMN dcpf.report_programme_progress.programme_code IS 'the licensee''s code of the programme';
COMMENT ON COLUMN dcpf.report_programme_progress.epa_code IS 'the EPA''s code (its versions together)';
COMMENT ON COLUMN dcpf.report_programme_progress.cohort IS 'the year (Europe/Amsterdam) the trainees were first placed in the programme';
COMMENT ON COLUMN dcpf.report_programme_progress.period IS 'the month, as its first day; closed months only';
COMMENT ON COLUMN dcpf.report_programme_progress.level IS 'the highest entrustment level (1-5) observed in an assessment assessed in the month';
COMMENT ON COLUMN dcpf.report_programme_progress.trainees IS 'the trainees of the cohort at that level in the month: k or more';

-- ---------------------------------------------------------------------------
-- Assessments per assessor
-- ---------------------------------------------------------------------------
-- Per closed month, the assessments assessed and the professionals they
-- were of, per assessor for the licensee's staff (the assessor's work, in
-- their staff role), over all assessors for the reporting role (the
-- platform has no task that needs a named assessor). Table: licensee x
-- month; cells: the assessors (or the one cell). No levels: the levels are
-- the progress report's, and a report with both could single a trainee out.
CREATE FUNCTION dcpf.report_assessments_per_assessor_cells(caller name)
    RETURNS TABLE (licensee_id uuid, period date, assessor_id uuid, assessors bigint, assessments bigint, professionals bigint)
    LANGUAGE sql STABLE SECURITY DEFINER PARALLEL RESTRICTED
    SET search_path = pg_catalog, pg_temp
AS $$
WITH scope AS (SELECT dcpf.report_scope('assessments_per_assessor', caller) AS lic),
done AS (
    SELECT i.licensee_id, dcpf.report_month(a.assessed_at) AS period,
           CASE WHEN s.lic IS NOT NULL THEN a.assessor_id END AS named, a.assessor_id, a.owner_id
      FROM dcpf.assessment a
      JOIN dcpf.portfolio_item i ON i.id = a.item_id
     CROSS JOIN scope s
     WHERE a.assessed_at < dcpf.report_closed_before() AND i.licensee_id IS NOT NULL
       AND (s.lic IS NULL OR i.licensee_id = s.lic)),
shown AS (
    SELECT d.licensee_id, d.period,
           dcpf.report_cells_shown(array_agg(coalesce(d.named::text, 'all')), array_agg(d.owner_id),
                                   dcpf.report_min_persons(d.licensee_id)) AS cells
      FROM done d GROUP BY 1, 2)
SELECT d.licensee_id, d.period, d.named,
       CASE WHEN count(DISTINCT d.assessor_id) >= dcpf.report_min_persons(d.licensee_id) OR d.named IS NOT NULL
            THEN count(DISTINCT d.assessor_id) END,
       count(*), count(DISTINCT d.owner_id)
  FROM done d JOIN shown s ON (s.licensee_id, s.period) = (d.licensee_id, d.period)
 WHERE coalesce(d.named::text, 'all') = ANY (s.cells)
 GROUP BY d.licensee_id, d.period, d.named
$$;
COMMENT ON FUNCTION dcpf.report_assessments_per_assessor_cells(name) IS
    'the rows of dcpf.report_assessments_per_assessor for the caller (dcpf.report_scope): per closed month the assessments assessed and professionals assessed, per assessor for the licensee''s staff, over all assessors for the reporting role, suppressed per licensee x month on the professionals; owner''s rights, granted to dcpf_reporting and dcpf_app';

CREATE VIEW dcpf.report_assessments_per_assessor WITH (security_invoker = true) AS
SELECT r.licensee_id, r.period, r.assessor_id, r.assessors, r.assessments, r.professionals
  FROM dcpf.report_assessments_per_assessor_cells(current_user) r;
COMMENT ON VIEW dcpf.report_assessments_per_assessor IS
    'assessments assessed per closed month (Europe/Amsterdam): per assessor for licensee_admin (own licensee), over all assessors of a licensee for the reporting role; a row of fewer than k professionals assessed is not shown, nor the smallest others while the professionals hidden in the licensee x month are 1 to k-1; never levels or text';
COMMENT ON COLUMN dcpf.report_assessments_per_assessor.licensee_id IS 'the licensee the assessments were made in';
COMMENT ON COLUMN dcpf.report_assessments_per_assessor.period IS 'the month they were assessed in, as its first day; closed months only';
COMMENT ON COLUMN dcpf.report_assessments_per_assessor.assessor_id IS 'the assessor, for the licensee''s staff; NULL for the reporting role (all assessors together)';
COMMENT ON COLUMN dcpf.report_assessments_per_assessor.assessors IS 'the assessors counted (1 in a staff row); for the reporting role NULL when fewer than k';
COMMENT ON COLUMN dcpf.report_assessments_per_assessor.assessments IS 'the assessments assessed';
COMMENT ON COLUMN dcpf.report_assessments_per_assessor.professionals IS 'the professionals they were of: k or more';

-- ---------------------------------------------------------------------------
-- Data-subject requests with deadlines
-- ---------------------------------------------------------------------------
-- Per controller (a licensee, or the platform for requests made to it) and
-- the month of the last day of the term (extended if extended): requests
-- per kind and state, now. Table: controller x deadline month; cells: kind
-- x state. Current, not closed months: deadlines are to be met.
CREATE FUNCTION dcpf.report_subject_requests_cells(caller name)
    RETURNS TABLE (licensee_id uuid, due_month date, kind text, state text, requests bigint, persons bigint)
    LANGUAGE sql STABLE SECURITY DEFINER PARALLEL RESTRICTED
    SET search_path = pg_catalog, pg_temp
AS $$
WITH scope AS (SELECT dcpf.report_scope('subject_requests', caller) AS lic),
req AS (
    SELECT r.licensee_id, date_trunc('month', coalesce(r.extended_until, r.due_on))::date AS due_month, r.kind,
           CASE WHEN r.status IN ('completed', 'refused', 'withdrawn') THEN
                     CASE WHEN (r.completed_at AT TIME ZONE 'Europe/Amsterdam')::date <= coalesce(r.extended_until, r.due_on)
                          THEN 'closed_in_time' ELSE 'closed_late' END
                WHEN (now() AT TIME ZONE 'Europe/Amsterdam')::date > coalesce(r.extended_until, r.due_on) THEN 'overdue'
                ELSE 'open' END AS state,
           r.person_id
      FROM dcpf.subject_request r CROSS JOIN scope s
     WHERE s.lic IS NULL OR r.licensee_id = s.lic),
shown AS (
    SELECT q.licensee_id, q.due_month,
           dcpf.report_cells_shown(array_agg(q.kind || '/' || q.state), array_agg(q.person_id), dcpf.report_min_persons(q.licensee_id)) AS cells
      FROM req q GROUP BY 1, 2)
SELECT q.licensee_id, q.due_month, q.kind, q.state, count(*), count(DISTINCT q.person_id)
  FROM req q JOIN shown s ON s.licensee_id IS NOT DISTINCT FROM q.licensee_id AND s.due_month = q.due_month
 WHERE q.kind || '/' || q.state = ANY (s.cells)
 GROUP BY 1, 2, 3, 4
$$;
COMMENT ON FUNCTION dcpf.report_subject_requests_cells(name) IS
    'the rows of dcpf.report_subject_requests for the caller (dcpf.report_scope): requests per controller, deadline month, kind and state, suppressed per controller x deadline month on the persons who made them; owner''s rights, granted to dcpf_reporting and dcpf_app';

CREATE VIEW dcpf.report_subject_requests WITH (security_invoker = true) AS
SELECT r.licensee_id, r.due_month, r.kind, r.state, r.requests, r.persons
  FROM dcpf.report_subject_requests_cells(current_user) r;
COMMENT ON VIEW dcpf.report_subject_requests IS
    'data-subject requests per controller, month of the last day of their term (extended_until if extended, else due_on), kind and state (open, overdue, closed_in_time, closed_late), as they are now; a cell of fewer than k persons is not shown, nor the smallest others while the persons hidden in the controller x month are 1 to k-1. The reporting role and privacy_officer (own licensee); the officer reads the requests themselves in dcpf.subject_request';
COMMENT ON COLUMN dcpf.report_subject_requests.licensee_id IS 'the controller handling them; NULL: the platform (reporting role only)';
COMMENT ON COLUMN dcpf.report_subject_requests.due_month IS 'the month of the last day of the term, as its first day';
COMMENT ON COLUMN dcpf.report_subject_requests.kind IS 'the right exercised (access, rectification, completion, erasure, restriction, portability, objection)';
COMMENT ON COLUMN dcpf.report_subject_requests.state IS 'open (term running), overdue (open past its term), closed_in_time or closed_late (closed after the last day of the term), by the date in Europe/Amsterdam';
COMMENT ON COLUMN dcpf.report_subject_requests.requests IS 'the requests';
COMMENT ON COLUMN dcpf.report_subject_requests.persons IS 'the persons who made them: k or more';

-- ---------------------------------------------------------------------------
-- Breaches with deadlines
-- ---------------------------------------------------------------------------
-- A breach is the platform's event, not a person: one row per breach and
-- licensee concerned, with the deadlines and whether they were met. Never
-- its title, nature or other text; the persons affected of the licensee
-- only when k or more.
CREATE FUNCTION dcpf.report_breach_deadlines_rows(caller name)
    RETURNS TABLE (breach_id uuid, licensee_id uuid, discovered_at timestamptz, risk text, status text,
                   controller_due_at timestamptz, controller_notice text, authority_due_at timestamptz, authority_notice text,
                   persons_notice text, persons_affected bigint)
    LANGUAGE sql STABLE SECURITY DEFINER PARALLEL RESTRICTED
    SET search_path = pg_catalog, pg_temp
AS $$
WITH scope AS (SELECT dcpf.report_scope('breach_deadlines', caller) AS lic)
SELECT b.id, c.licensee_id, b.discovered_at, b.risk, b.status,
       c.due_at,
       CASE WHEN c.notified_at IS NULL THEN CASE WHEN now() > c.due_at THEN 'overdue' ELSE 'pending' END
            WHEN c.notified_at <= c.due_at THEN 'in_time' ELSE 'late' END,
       b.authority_due_at,
       CASE WHEN b.authority_waived_reason IS NOT NULL THEN 'waived'
            WHEN b.authority_notified_at IS NULL THEN
                 CASE WHEN b.risk = 'unlikely' THEN 'not_required' WHEN now() > b.authority_due_at THEN 'overdue' ELSE 'pending' END
            WHEN b.authority_notified_at <= b.authority_due_at THEN 'in_time' ELSE 'late' END,
       CASE WHEN b.persons_decision = 'notified' THEN 'notified'
            WHEN b.persons_decision IS NOT NULL THEN 'not_notified'
            WHEN b.risk <> 'high_risk' THEN 'not_required'
            WHEN now() > b.authority_due_at THEN 'overdue' ELSE 'pending' END,
       (SELECT CASE WHEN count(*) >= dcpf.report_min_persons(c.licensee_id) THEN count(*) END
          FROM dcpf.breach_subject x
         WHERE x.breach_id = b.id
           AND EXISTS (SELECT FROM dcpf.membership m WHERE m.person_id = x.person_id AND m.licensee_id = c.licensee_id))
  FROM dcpf.breach b JOIN dcpf.breach_controller c ON c.breach_id = b.id
 CROSS JOIN scope s
 WHERE s.lic IS NULL OR c.licensee_id = s.lic
$$;
COMMENT ON FUNCTION dcpf.report_breach_deadlines_rows(name) IS
    'the rows of dcpf.report_breach_deadlines for the caller (dcpf.report_scope): per breach and licensee concerned the deadlines and whether they were met, the persons affected only when k or more; never text; owner''s rights, granted to dcpf_reporting and dcpf_app';

CREATE VIEW dcpf.report_breach_deadlines WITH (security_invoker = true) AS
SELECT r.breach_id, r.licensee_id, r.discovered_at, r.risk, r.status, r.controller_due_at, r.controller_notice,
       r.authority_due_at, r.authority_notice, r.persons_notice, r.persons_affected
  FROM dcpf.report_breach_deadlines_rows(current_user) r;
COMMENT ON VIEW dcpf.report_breach_deadlines IS
    'breaches with their deadlines, one row per breach and licensee concerned: the 48-hour notice to the licensee, the 72-hour notice to the authority, the persons'' notice, each pending, overdue, in_time, late (or waived, not_required, not_notified); the licensee''s persons affected only when k or more; never the title or any text. The reporting role and privacy_officer (own licensee)';
COMMENT ON COLUMN dcpf.report_breach_deadlines.breach_id IS 'the breach (the reference given to the licensees)';
COMMENT ON COLUMN dcpf.report_breach_deadlines.licensee_id IS 'a licensee it concerns';
COMMENT ON COLUMN dcpf.report_breach_deadlines.discovered_at IS 'when the platform became aware of it';
COMMENT ON COLUMN dcpf.report_breach_deadlines.risk IS 'unlikely, risk or high_risk';
COMMENT ON COLUMN dcpf.report_breach_deadlines.status IS 'open, contained or closed';
COMMENT ON COLUMN dcpf.report_breach_deadlines.controller_due_at IS 'by when the licensee is told (discovered_at + 48 hours)';
COMMENT ON COLUMN dcpf.report_breach_deadlines.controller_notice IS 'the licensee''s notice: pending, overdue, in_time or late';
COMMENT ON COLUMN dcpf.report_breach_deadlines.authority_due_at IS 'by when the Autoriteit Persoonsgegevens is told (discovered_at + 72 hours)';
COMMENT ON COLUMN dcpf.report_breach_deadlines.authority_notice IS 'the authority''s notice: pending, overdue, in_time, late, waived or not_required (risk unlikely)';
COMMENT ON COLUMN dcpf.report_breach_deadlines.persons_notice IS 'the persons'' notice (art. 34): notified, not_notified (a ground recorded), not_required (no high risk), pending or overdue (past authority_due_at)';
COMMENT ON COLUMN dcpf.report_breach_deadlines.persons_affected IS 'the persons found affected who are or were members of the licensee, when k or more; NULL otherwise';

-- ---------------------------------------------------------------------------
-- Consent statistics
-- ---------------------------------------------------------------------------
-- Per purpose and closed month in which its consents changed: the persons
-- who gave, who withdrew, and whose consent was in force at the month's
-- end (given, and no objection to marketing). Table: purpose x month;
-- cells: given, withdrawn, in_force. A purpose of the platform is a table
-- of the platform (its k); a licensee's purpose, of the licensee.
CREATE FUNCTION dcpf.report_consent_statistics_cells(caller name)
    RETURNS TABLE (licensee_id uuid, purpose_code text, period date, given bigint, withdrawn bigint, in_force bigint)
    LANGUAGE sql STABLE SECURITY DEFINER PARALLEL RESTRICTED
    SET search_path = pg_catalog, pg_temp
AS $$
WITH scope AS (SELECT dcpf.report_scope('consent_statistics', caller) AS lic),
purposes AS (
    SELECT p.code, p.licensee_id FROM dcpf.purpose p CROSS JOIN scope s WHERE s.lic IS NULL OR p.licensee_id = s.lic),
periods AS (
    SELECT DISTINCT e.purpose_code, dcpf.report_month(e.occurred_at) AS period
      FROM dcpf.consent_event e JOIN purposes p ON p.code = e.purpose_code
     WHERE e.occurred_at < dcpf.report_closed_before()),
cells AS (
    SELECT m.purpose_code, m.period, e.action AS cell, e.person_id
      FROM periods m JOIN dcpf.consent_event e
        ON e.purpose_code = m.purpose_code AND dcpf.report_month(e.occurred_at) = m.period AND e.action IN ('given', 'withdrawn')
    UNION
    SELECT m.purpose_code, m.period, 'in_force', x.person_id
      FROM periods m
     CROSS JOIN LATERAL (
        SELECT e.person_id,
               (array_agg(e.action ORDER BY e.occurred_at DESC, e.id) FILTER (WHERE e.action IN ('given', 'withdrawn')))[1] AS consent,
               (array_agg(e.action ORDER BY e.occurred_at DESC, e.id) FILTER (WHERE e.action IN ('objected', 'objection_lifted')))[1] AS objection
          FROM dcpf.consent_event e
         WHERE e.purpose_code = m.purpose_code
           AND e.occurred_at < (m.period + interval '1 month')::timestamp AT TIME ZONE 'Europe/Amsterdam'
         GROUP BY e.person_id) x
     WHERE x.consent = 'given' AND x.objection IS DISTINCT FROM 'objected'),
shown AS (
    SELECT c.purpose_code, c.period,
           dcpf.report_cells_shown(array_agg(c.cell), array_agg(c.person_id),
                                   dcpf.report_min_persons((SELECT p.licensee_id FROM purposes p WHERE p.code = c.purpose_code))) AS cells
      FROM cells c GROUP BY 1, 2)
SELECT p.licensee_id, s.purpose_code, s.period,
       (SELECT count(DISTINCT c.person_id) FROM cells c
         WHERE (c.purpose_code, c.period, c.cell) = (s.purpose_code, s.period, 'given') AND 'given' = ANY (s.cells)),
       (SELECT count(DISTINCT c.person_id) FROM cells c
         WHERE (c.purpose_code, c.period, c.cell) = (s.purpose_code, s.period, 'withdrawn') AND 'withdrawn' = ANY (s.cells)),
       (SELECT count(DISTINCT c.person_id) FROM cells c
         WHERE (c.purpose_code, c.period, c.cell) = (s.purpose_code, s.period, 'in_force') AND 'in_force' = ANY (s.cells))
  FROM shown s JOIN purposes p ON p.code = s.purpose_code
 WHERE cardinality(s.cells) > 0
$$;
COMMENT ON FUNCTION dcpf.report_consent_statistics_cells(name) IS
    'the rows of dcpf.report_consent_statistics for the caller (dcpf.report_scope): per purpose and closed month with changes, the persons who gave, withdrew and held consent at its end, suppressed per purpose x month (a cell hidden is NULL, 0 when nobody); owner''s rights, granted to dcpf_reporting and dcpf_app';

CREATE VIEW dcpf.report_consent_statistics WITH (security_invoker = true) AS
SELECT r.licensee_id, r.purpose_code, r.period, r.given, r.withdrawn, r.in_force
  FROM dcpf.report_consent_statistics_cells(current_user) r;
COMMENT ON VIEW dcpf.report_consent_statistics IS
    'consent per purpose and closed month (Europe/Amsterdam) in which consents to it were given or withdrawn: the persons who gave, who withdrew, and whose consent was in force at the month''s end; a number of fewer than k persons is NULL, and the smallest others too while the persons hidden in the purpose x month are 1 to k-1; 0 when nobody. The reporting role (every purpose) and privacy_officer (the purposes of their licensee)';
COMMENT ON COLUMN dcpf.report_consent_statistics.licensee_id IS 'the licensee whose purpose it is; NULL: a purpose of the platform (its cells use the platform''s k)';
COMMENT ON COLUMN dcpf.report_consent_statistics.purpose_code IS 'the purpose (dcpf.purpose)';
COMMENT ON COLUMN dcpf.report_consent_statistics.period IS 'the month, as its first day; closed months only';
COMMENT ON COLUMN dcpf.report_consent_statistics.given IS 'the persons who gave consent in the month; NULL: hidden';
COMMENT ON COLUMN dcpf.report_consent_statistics.withdrawn IS 'the persons who withdrew it in the month; NULL: hidden';
COMMENT ON COLUMN dcpf.report_consent_statistics.in_force IS 'the persons whose consent was in force at the end of the month (given, and for marketing no objection); NULL: hidden';

-- ---------------------------------------------------------------------------
-- Retention forecast
-- ---------------------------------------------------------------------------
-- What the retention job will delete, pseudonymise or hand over, per
-- holder (a licensee, or the platform), category, action and month the term
-- ends: every source's rows in scope (dcpf.retention_rows_sql) that no keep
-- rule, legal hold or restriction keeps and that are not done already.
-- Table: holder x category; cells: action x month. Current: a forecast.
CREATE FUNCTION dcpf.report_retention_forecast_cells(caller name)
    RETURNS TABLE (licensee_id uuid, category text, action text, due_month date, overdue boolean, row_count bigint, persons bigint)
    LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL RESTRICTED
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    lic  uuid := dcpf.report_scope('retention_forecast', caller);
    src  record;
    due  text := '';
BEGIN
    FOR src IN SELECT s.name, s.category FROM dcpf.retention_source s ORDER BY s.category, s.position LOOP
        due := due || CASE WHEN due = '' THEN '' ELSE ' UNION ALL ' END
            || format('SELECT r.lic, %L::text AS category, r.action, dcpf.report_month(r.clock + r.term) AS due_month, r.per
                         FROM (%s) r
                        WHERE r.clock IS NOT NULL AND NOT r.kept AND NOT (r.action = ''pseudonymise'' AND r.done)
                          AND NOT dcpf.retention_held(%L, r.lic, r.per)
                          AND (r.per IS NULL OR NOT dcpf.retention_restricted(r.per))',
                      src.category, dcpf.retention_rows_sql(src.name, 'true'),
                      src.category);
    END LOOP;
    RETURN QUERY EXECUTE format(
        'WITH due AS (SELECT * FROM (%s) d WHERE $1 IS NULL OR d.lic = $1),
              shown AS (SELECT d.lic, d.category,
                               dcpf.report_cells_shown(array_agg(d.action || ''/'' || d.due_month), array_agg(d.per),
                                                       dcpf.report_min_persons(d.lic)) AS cells
                          FROM due d GROUP BY 1, 2)
         SELECT d.lic, d.category, d.action, d.due_month, d.due_month < dcpf.report_month(now()),
                count(*), count(DISTINCT d.per)
           FROM due d JOIN shown s ON s.lic IS NOT DISTINCT FROM d.lic AND s.category = d.category
          WHERE d.action || ''/'' || d.due_month = ANY (s.cells)
          GROUP BY 1, 2, 3, 4', due) USING lic;
END
$$;
COMMENT ON FUNCTION dcpf.report_retention_forecast_cells(name) IS
    'the rows of dcpf.report_retention_forecast for the caller (dcpf.report_scope): per holder, category, action and month the term ends, the rows the retention job will act on and the persons they are about, suppressed per holder x category on the persons; owner''s rights, granted to dcpf_reporting and dcpf_app';

CREATE VIEW dcpf.report_retention_forecast WITH (security_invoker = true) AS
SELECT r.licensee_id, r.category, r.action, r.due_month, r.overdue, r.row_count, r.persons
  FROM dcpf.report_retention_forecast_cells(current_user) r;
COMMENT ON VIEW dcpf.report_retention_forecast IS
    'the retention forecast: per holder (licensee or platform), data category, action and month the term ends (Europe/Amsterdam), the rows the retention job will delete, pseudonymise or hand over under the policies in force now, without those a keep rule, legal hold or restriction keeps; a cell about 1 to k-1 persons is not shown, nor the smallest others while the persons hidden in the holder x category are 1 to k-1 (a cell about nobody always is). The reporting role and privacy_officer (own licensee)';
COMMENT ON COLUMN dcpf.report_retention_forecast.licensee_id IS 'the licensee holding the rows (whose policy applies); NULL: the platform''s rows';
COMMENT ON COLUMN dcpf.report_retention_forecast.category IS 'the data category (dcpf.data_category)';
COMMENT ON COLUMN dcpf.report_retention_forecast.action IS 'delete, pseudonymise or hand_over';
COMMENT ON COLUMN dcpf.report_retention_forecast.due_month IS 'the month the term ends (clock + term), as its first day';
COMMENT ON COLUMN dcpf.report_retention_forecast.overdue IS 'the month is past: the next run of the job acts on them';
COMMENT ON COLUMN dcpf.report_retention_forecast.row_count IS 'the rows';
COMMENT ON COLUMN dcpf.report_retention_forecast.persons IS 'the persons the rows are about: 0, or k or more';

-- ---------------------------------------------------------------------------
-- Access statistics
-- ---------------------------------------------------------------------------
-- From the audit trail, the 13 closed months before this one: per licensee
-- acted in (or none), application role, action and outcome, the events, the
-- persons who acted and (when k or more) the persons whose data it was.
-- Table: licensee x month; cells: role x action x outcome, on the actors.
CREATE FUNCTION dcpf.report_access_statistics_cells(caller name)
    RETURNS TABLE (licensee_id uuid, period date, application_role text, action text, outcome text,
                   events bigint, actors bigint, subjects bigint)
    LANGUAGE sql STABLE SECURITY DEFINER PARALLEL RESTRICTED
    SET search_path = pg_catalog, pg_temp
AS $$
WITH scope AS (SELECT dcpf.report_scope('access_statistics', caller) AS lic),
ev AS (
    SELECT e.licensee_id, dcpf.report_month(e.occurred_at) AS period, coalesce(e.application_role, '') AS application_role,
           e.action, e.outcome, e.actor_person, e.subject_person,
           coalesce(e.application_role, '') || '/' || e.action || '/' || e.outcome AS cell
      FROM dcpf.audit_event e CROSS JOIN scope s
     WHERE e.occurred_at < dcpf.report_closed_before()
       AND e.occurred_at >= dcpf.report_closed_before() - interval '13 months'
       AND e.actor_person IS NOT NULL
       AND (s.lic IS NULL OR e.licensee_id = s.lic)),
pairs AS (SELECT DISTINCT v.licensee_id, v.period, v.cell, v.actor_person FROM ev v),
shown AS (
    SELECT p.licensee_id, p.period,
           dcpf.report_cells_shown(array_agg(p.cell), array_agg(p.actor_person), dcpf.report_min_persons(p.licensee_id)) AS cells
      FROM pairs p GROUP BY 1, 2)
SELECT v.licensee_id, v.period, nullif(v.application_role, ''), v.action, v.outcome, count(*), count(DISTINCT v.actor_person),
       CASE WHEN count(DISTINCT v.subject_person) >= dcpf.report_min_persons(v.licensee_id) THEN count(DISTINCT v.subject_person) END
  FROM ev v JOIN shown s ON s.licensee_id IS NOT DISTINCT FROM v.licensee_id AND s.period = v.period
 WHERE v.cell = ANY (s.cells)
 GROUP BY v.licensee_id, v.period, v.application_role, v.action, v.outcome
$$;
COMMENT ON FUNCTION dcpf.report_access_statistics_cells(name) IS
    'the rows of dcpf.report_access_statistics for the caller (dcpf.report_scope): audit events by persons in the 13 closed months before this one, per licensee acted in, month, application role, action and outcome, suppressed per licensee x month on the persons who acted; owner''s rights, granted to dcpf_reporting and dcpf_app';

CREATE VIEW dcpf.report_access_statistics WITH (security_invoker = true) AS
SELECT r.licensee_id, r.period, r.application_role, r.action, r.outcome, r.events, r.actors, r.subjects
  FROM dcpf.report_access_statistics_cells(current_user) r;
COMMENT ON VIEW dcpf.report_access_statistics IS
    'access statistics from the audit trail: per licensee acted in, closed month (the 13 before this one, Europe/Amsterdam), application role, action and outcome, the events by verified persons, the persons who acted and the persons whose data it was; a cell of fewer than k persons acting is not shown, nor the smallest others while the persons hidden in the licensee x month are 1 to k-1; the persons whose data it was only when k or more. The reporting role and privacy_officer (own licensee)';
COMMENT ON COLUMN dcpf.report_access_statistics.licensee_id IS 'the licensee acted in; NULL: none (a person acting alone; reporting role only)';
COMMENT ON COLUMN dcpf.report_access_statistics.period IS 'the month, as its first day; closed months only';
COMMENT ON COLUMN dcpf.report_access_statistics.application_role IS 'the application role acted in; NULL: none';
COMMENT ON COLUMN dcpf.report_access_statistics.action IS 'what happened (dcpf.audit_action)';
COMMENT ON COLUMN dcpf.report_access_statistics.outcome IS 'success, failure or denied';
COMMENT ON COLUMN dcpf.report_access_statistics.events IS 'the events';
COMMENT ON COLUMN dcpf.report_access_statistics.actors IS 'the persons who acted: k or more';
COMMENT ON COLUMN dcpf.report_access_statistics.subjects IS 'the persons whose data it was, when k or more; NULL otherwise';

-- ---------------------------------------------------------------------------
-- Licence usage
-- ---------------------------------------------------------------------------
-- Per licence: its product, period, status and seats, and the persons with
-- a membership of the licensee in force now. The member count is the
-- figure a licence is billed on, and says nothing of anyone but that they
-- are members, which the licensee registered itself: it is exact. No other
-- report can be differenced against it (each hides none or k persons).
CREATE FUNCTION dcpf.report_licence_usage_rows(caller name)
    RETURNS TABLE (licensee_id uuid, licence_id uuid, product_code text, starts_on date, ends_on date, status text,
                   in_force boolean, seats integer, members bigint, seats_free bigint)
    LANGUAGE sql STABLE SECURITY DEFINER PARALLEL RESTRICTED
    SET search_path = pg_catalog, pg_temp
AS $$
WITH scope AS (SELECT dcpf.report_scope('licence_usage', caller) AS lic)
SELECT l.licensee_id, l.id, p.code, l.starts_on, l.ends_on, l.status, dcpf.licence_in_force(l), l.seats, m.members,
       l.seats - m.members
  FROM dcpf.licence l
  JOIN dcpf.product p ON p.id = l.product_id
 CROSS JOIN scope s
 CROSS JOIN LATERAL (SELECT count(DISTINCT x.person_id) AS members FROM dcpf.membership x
                      WHERE x.licensee_id = l.licensee_id AND x.valid_from <= now()
                        AND (x.valid_until IS NULL OR x.valid_until > now())) m
 WHERE s.lic IS NULL OR l.licensee_id = s.lic
$$;
COMMENT ON FUNCTION dcpf.report_licence_usage_rows(name) IS
    'the rows of dcpf.report_licence_usage for the caller (dcpf.report_scope): per licence its product, period, status, seats and the licensee''s members now; owner''s rights, granted to dcpf_reporting and dcpf_app';

CREATE VIEW dcpf.report_licence_usage WITH (security_invoker = true) AS
SELECT r.licensee_id, r.licence_id, r.product_code, r.starts_on, r.ends_on, r.status, r.in_force, r.seats, r.members, r.seats_free
  FROM dcpf.report_licence_usage_rows(current_user) r;
COMMENT ON VIEW dcpf.report_licence_usage IS
    'licence usage: per licence of a licensee its product, period, status, whether it is in force, its seats, and the persons with a membership of the licensee in force now (any role, each once), exact: the figure the licence is billed on. The reporting role and licensee_admin (own licensee)';
COMMENT ON COLUMN dcpf.report_licence_usage.licensee_id IS 'the licensee';
COMMENT ON COLUMN dcpf.report_licence_usage.licence_id IS 'the licence';
COMMENT ON COLUMN dcpf.report_licence_usage.product_code IS 'the product''s code';
COMMENT ON COLUMN dcpf.report_licence_usage.starts_on IS 'the licence''s first day';
COMMENT ON COLUMN dcpf.report_licence_usage.ends_on IS 'its last day; NULL: open-ended';
COMMENT ON COLUMN dcpf.report_licence_usage.status IS 'active, suspended, terminated or expired';
COMMENT ON COLUMN dcpf.report_licence_usage.in_force IS 'in force now (dcpf.licence_in_force)';
COMMENT ON COLUMN dcpf.report_licence_usage.seats IS 'the users licensed; NULL: unlimited';
COMMENT ON COLUMN dcpf.report_licence_usage.members IS 'the persons with a membership of the licensee in force now, in any role';
COMMENT ON COLUMN dcpf.report_licence_usage.seats_free IS 'seats minus members (negative: over the licence); NULL when unlimited';

-- ---------------------------------------------------------------------------
-- Privileges: the views and their functions to the reporting role and to
-- dcpf_app (the functions decide whose cells; staff need their role); the
-- helpers stay the owner's
-- ---------------------------------------------------------------------------
REVOKE ALL ON FUNCTION dcpf.report_programme_progress_cells(name), dcpf.report_assessments_per_assessor_cells(name),
    dcpf.report_subject_requests_cells(name), dcpf.report_breach_deadlines_rows(name),
    dcpf.report_consent_statistics_cells(name), dcpf.report_retention_forecast_cells(name),
    dcpf.report_access_statistics_cells(name), dcpf.report_licence_usage_rows(name) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.report_programme_progress_cells(name), dcpf.report_assessments_per_assessor_cells(name),
    dcpf.report_subject_requests_cells(name), dcpf.report_breach_deadlines_rows(name),
    dcpf.report_consent_statistics_cells(name), dcpf.report_retention_forecast_cells(name),
    dcpf.report_access_statistics_cells(name), dcpf.report_licence_usage_rows(name) TO dcpf_reporting, dcpf_app;
REVOKE ALL ON dcpf.report_programme_progress, dcpf.report_assessments_per_assessor, dcpf.report_subject_requests,
    dcpf.report_breach_deadlines, dcpf.report_consent_statistics, dcpf.report_retention_forecast,
    dcpf.report_access_statistics, dcpf.report_licence_usage FROM PUBLIC;
GRANT SELECT ON dcpf.report_programme_progress, dcpf.report_assessments_per_assessor, dcpf.report_subject_requests,
    dcpf.report_breach_deadlines, dcpf.report_consent_statistics, dcpf.report_retention_forecast,
    dcpf.report_access_statistics, dcpf.report_licence_usage TO dcpf_reporting, dcpf_app;
