-- 240_export.sql: the right of access (art. 15 AVG) and to data portability
-- (art. 20). dcpf.export_person gives every row about a person from every
-- table, decrypted, attachments included, plus the art. 15 facts; the rows
-- and columns come from the personal-data registry (215), so a table added
-- later is exported as soon as it is registered, and the catalog test makes
-- sure it is. dcpf.export_person_rows streams the same content a row at a
-- time for large portfolios. The format is documented, with a JSON Schema,
-- in doc/reference/export.md and doc/reference/export.schema.json.

-- Who may export whom: the person themself, or the privacy officer of the
-- licensee a verified access or portability request was made to (for a
-- request made to the platform, its security officer: the check of
-- dcpf.officer_subject_request). Checks, logs the export and records it in
-- the recipients register; owner only.
CREATE FUNCTION dcpf.export_authorise(person uuid, request uuid, transfer_to text) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me   uuid := dcpf.verified_person();
    req  dcpf.subject_request;
    what text := 'a complete copy of the person''s data (art. ' || CASE WHEN transfer_to IS NULL THEN '15' ELSE '20' END || ' AVG)';
BEGIN
    IF request IS NULL THEN
        IF person IS DISTINCT FROM me OR transfer_to IS NOT NULL THEN
            -- the same answer whether or not the person exists; the attempt is logged
            IF person IS NOT NULL AND me IS NOT NULL THEN
                PERFORM dcpf.audit_note('read', 'person', person::text, person, '{"via": "export_person"}', true);
            END IF;
            RAISE EXCEPTION 'permission denied to export person %', coalesce(person::text, 'NULL')
                USING ERRCODE = 'insufficient_privilege',
                      DETAIL = 'Without a request, a person exports only their own data, and only to themself.',
                      HINT = 'A privacy officer (for a request made to the platform, its security officer) exports on a verified access or portability request; a transfer to another controller needs a portability request.';
        END IF;
    ELSE
        IF person = me THEN
            SELECT * INTO req FROM dcpf.subject_request r WHERE r.id = request AND r.person_id = me FOR UPDATE;
            IF req.id IS NULL THEN
                RAISE EXCEPTION 'subject request % not found', request USING ERRCODE = 'no_data_found',
                    DETAIL = 'It does not exist or it is not yours.';
            END IF;
            PERFORM dcpf.subject_request_open(req);
        ELSE
            req := dcpf.officer_subject_request(request);
        END IF;
        IF req.person_id <> person THEN
            RAISE EXCEPTION 'subject request % is not about person %', request, person
                USING ERRCODE = 'invalid_parameter_value', DETAIL = 'A request is carried out for the person who made it.';
        END IF;
        IF req.kind NOT IN ('access', 'portability') OR (transfer_to IS NOT NULL AND req.kind <> 'portability') THEN
            RAISE EXCEPTION 'subject request % asks for %, not for %', request, req.kind,
                            CASE WHEN transfer_to IS NULL THEN 'access or portability' ELSE 'portability' END
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = 'An export carries out an access (art. 15) or portability (art. 20) request; a transfer, only portability.';
        END IF;
        IF req.verified_at IS NULL AND person <> me THEN
            RAISE EXCEPTION 'the identity of the person behind subject request % is not verified', request
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = 'Data is handed over only once the requester is known to be its subject (art. 12(6) AVG).',
                      HINT = 'Verify it first with dcpf.verify_subject_request.';
        END IF;
    END IF;
    IF transfer_to IS NOT NULL AND length(btrim(transfer_to)) NOT BETWEEN 2 AND 200 THEN
        RAISE EXCEPTION 'the receiving controller must be named in 2 to 200 characters'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = 'It is recorded in the recipients register.';
    END IF;
    PERFORM dcpf.audit_note('export', 'person', person::text, person,
                            jsonb_build_object('request', request, 'transfer_to', btrim(transfer_to)));
    INSERT INTO dcpf.disclosure (subject_id, kind, recipient_person_id, recipient_description, what)
    VALUES (person, CASE WHEN transfer_to IS NULL THEN 'export' ELSE 'transfer' END,
            CASE WHEN transfer_to IS NULL THEN person END,
            coalesce(btrim(transfer_to), 'the person themself'),
            what || coalesce(', request ' || request, ''));
END
$$;
COMMENT ON FUNCTION dcpf.export_authorise(uuid, uuid, text) IS
    'the check and record of an export: the person themself (without a request, or with their own open access or portability request), or the privacy officer of the licensee a verified access or portability request was made to (for a request made to the platform: its security officer, acting as platform_security); a transfer needs a portability request; logs an export event and records the disclosure; owner only';
REVOKE ALL ON FUNCTION dcpf.export_authorise(uuid, uuid, text) FROM PUBLIC;

-- An interval as an ISO 8601 duration (P1Y6M, PT36H, PT0S), whatever the
-- session's IntervalStyle: the export writes retention terms with it.
CREATE FUNCTION dcpf.iso_duration(value interval)
    RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (
    SELECT CASE WHEN d.y = 0 AND d.mo = 0 AND d.dd = 0 AND d.h = 0 AND d.mi = 0 AND d.s = 0 THEN 'PT0S'
                ELSE 'P' || CASE WHEN d.y <> 0 THEN d.y || 'Y' ELSE '' END
                         || CASE WHEN d.mo <> 0 THEN d.mo || 'M' ELSE '' END
                         || CASE WHEN d.dd <> 0 THEN d.dd || 'D' ELSE '' END
                         || CASE WHEN d.h <> 0 OR d.mi <> 0 OR d.s <> 0
                                 THEN 'T' || CASE WHEN d.h <> 0 THEN d.h || 'H' ELSE '' END
                                          || CASE WHEN d.mi <> 0 THEN d.mi || 'M' ELSE '' END
                                          || CASE WHEN d.s <> 0 THEN trim_scale(d.s)::text || 'S' ELSE '' END
                                 ELSE '' END
           END
      FROM (SELECT extract(year FROM value)::bigint AS y, extract(month FROM value)::bigint AS mo,
                   extract(day FROM value)::bigint AS dd, extract(hour FROM value)::bigint AS h,
                   extract(minute FROM value)::bigint AS mi, extract(second FROM value) AS s) d);
COMMENT ON FUNCTION dcpf.iso_duration(interval) IS
    'an interval as an ISO 8601 duration (P1Y6M, P30D, PT36H, PT0S for none), the same under every IntervalStyle; the export writes retention terms with it';

-- What an export consists of, in the document's order: one source per
-- exported table of the registry (the person's rows, decrypted), one per
-- party column (where the person took part in someone else's record: that
-- they did, not its content), and the art. 15 facts. Each source is a select
-- list, a key and a sort order over alias t, and the FROM ... WHERE (with $1
-- the person) they are read from; dcpf.export_rows streams them,
-- dcpf.export_document serialises them. Owner only.
CREATE FUNCTION dcpf.export_sources()
    RETURNS TABLE (section text, name text, select_list text, key_expr text, order_expr text, source text)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT 'rows', d.table_name, dcpf.personal_data_select(d.table_name), format('t.%I::text', d.row_key), format('t.%I', d.row_key),
           format('dcpf.%I t WHERE t.%I = $1', d.table_name, d.subject_column)
      FROM dcpf.personal_data_table d
     WHERE d.exported
    UNION ALL
    SELECT 'references', c.table_name || '.' || c.column_name,
           format('%L AS "table", t.%I::text AS "row", %L AS "as"', c.table_name, d.row_key, c.column_name),
           format('t.%I::text', d.row_key), format('t.%I', d.row_key),
           format('dcpf.%I t WHERE t.%I = $1', c.table_name, c.column_name)
           || CASE WHEN d.subject_column IS NOT NULL THEN format(' AND t.%I IS DISTINCT FROM $1', d.subject_column) ELSE '' END
      FROM dcpf.personal_data_column c JOIN dcpf.personal_data_table d USING (table_name)
     WHERE c.whose = 'party' AND c.exported
    UNION ALL
    SELECT 'facts', f.name, f.select_list, f.key_expr, f.order_expr, f.source
      FROM (VALUES
        ('purposes',
         't.code, t.name_nl, t.name_en, t.description, t.legal_basis, t.data_categories, t.recipients, '
         't.transfers_outside_eea, t.retention, t.licensee_id',
         't.code', 't.code',
         'dcpf.purpose t WHERE t.licensee_id IS NULL OR t.licensee_id IN (SELECT m.licensee_id FROM dcpf.membership m WHERE m.person_id = $1)'),
        ('recipients',
         't.recipient_description AS recipient, t.kind, t.what, t.legal_basis, t.disclosed_at AS "from", t.until, t.ended_at',
         't.id::text', 't.disclosed_at, t.id',
         'dcpf.disclosure t WHERE t.subject_id = $1'),
        ('source',
         't.created_at AS account_created_at, l.name AS created_on_behalf_of, t.created_by IS NOT NULL AS created_by_administrator, '
         'ARRAY(SELECT DISTINCT il.issuer FROM dcpf.identity_link il WHERE il.person_id = t.id ORDER BY 1) AS identity_providers, '
         '''assessments, feedback, comments and conversations in the portfolio were written by the persons they name''::text AS others_wrote',
         't.id::text', 't.id',
         'dcpf.person t LEFT JOIN dcpf.licensee l ON l.id = t.created_for_licensee WHERE t.id = $1'),
        ('retention',
         't.code AS category, t.name, l.name AS licensee, p.clock_event, dcpf.iso_duration(p.term) AS term, p.action, p.set_in, '
         'dcpf.iso_duration(t.minimum_term) AS minimum_term, t.minimum_basis',
         't.code || coalesce(''/'' || l.id::text, '''')', 't.position, l.name NULLS FIRST, l.id',
         'dcpf.data_category t '
         'CROSS JOIN LATERAL (SELECT NULL::uuid AS id, NULL::text AS name '
         '                    UNION ALL '
         '                    SELECT e.id, e.name FROM dcpf.licensee e '
         '                     WHERE t.decided_by = ''licensee'' '
         '                       AND e.id IN (SELECT m.licensee_id FROM dcpf.membership m WHERE m.person_id = $1)) l '
         'CROSS JOIN LATERAL dcpf.retention_policy_for(t.code, l.id) p'),
        ('access_log',
         't.occurred_at AS "at", t.action, t.outcome, '
         'CASE WHEN a.id IS NOT NULL THEN dcpf.person_display_name(a) ELSE t.database_role END AS "by", '
         't.actor_person AS by_person, t.application_role AS role, l.name AS licensee, t.purpose, '
         't.object_table AS "table", t.object_key AS "row", t.object_keys AS "rows"',
         't.id::text', 't.occurred_at, t.id',
         'dcpf.audit_event t LEFT JOIN dcpf.person a ON a.id = t.actor_person LEFT JOIN dcpf.licensee l ON l.id = t.licensee_id '
         'WHERE t.subject_person = $1 AND t.actor_person IS DISTINCT FROM $1')
      ) f(name, select_list, key_expr, order_expr, source)
    ORDER BY 1 DESC, 2;
$$;
COMMENT ON FUNCTION dcpf.export_sources() IS
    'what an export consists of, in the document''s order (rows, references, facts): per source a select list, a key and a sort order over alias t, and the FROM … WHERE it reads ($1: the person); built from the personal-data registry; owner only';
REVOKE ALL ON FUNCTION dcpf.export_sources() FROM PUBLIC;

-- The content, unchecked, one row at a time: owner only.
CREATE FUNCTION dcpf.export_rows(person uuid)
    RETURNS TABLE (section text, table_name text, row_key text, data json)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    SET work_mem = '64MB'
AS $$
DECLARE
    src record;
BEGIN
    FOR src IN SELECT * FROM dcpf.export_sources() LOOP
        RETURN QUERY EXECUTE format('SELECT %L::text, %L::text, %s, (SELECT row_to_json(r) FROM (SELECT %s) r) FROM %s ORDER BY %s',
                                    src.section, split_part(src.name, '.', 1), src.key_expr, src.select_list, src.source, src.order_expr)
            USING person;
    END LOOP;
END
$$;
COMMENT ON FUNCTION dcpf.export_rows(uuid) IS
    'the content of an export, unchecked and unlogged, a row at a time in the document''s order: the person''s rows of every exported table of the registry (decrypted), references to records of others the person took part in, and the art. 15 facts (purposes, recipients, source, retention, access log); owner only';
REVOKE ALL ON FUNCTION dcpf.export_rows(uuid) FROM PUBLIC;

CREATE FUNCTION dcpf.export_person_rows(person uuid, request uuid DEFAULT NULL)
    RETURNS TABLE (section text, table_name text, row_key text, data json)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET work_mem = '64MB'
AS $$
BEGIN
    PERFORM dcpf.export_authorise(person, request, NULL);
    RETURN QUERY SELECT * FROM dcpf.export_rows(person);
END
$$;
COMMENT ON FUNCTION dcpf.export_person_rows(uuid, uuid) IS
    'the streaming export: the content of dcpf.export_person one row at a time (section rows, references or facts; the table or fact; the row''s key; the row as JSON), for a cursor over a large portfolio; same checks, event and disclosure as dcpf.export_person';
REVOKE ALL ON FUNCTION dcpf.export_person_rows(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.export_person_rows(uuid, uuid) TO dcpf_app;

-- The content, unchecked, as one document, written in C (src/export.c):
-- each source's query run and its rows serialised as COPY does (each
-- column's output looked up once, strings escaped in runs) straight into
-- one buffer, handed back without being parsed again. Every exported table
-- is present, empty or not. Owner only.
CREATE FUNCTION dcpf.export_document(person uuid, request uuid, transfer_to text) RETURNS json
    AS 'MODULE_PATHNAME', 'dcpf_export_document'
    LANGUAGE C STABLE
    SET search_path = pg_catalog, pg_temp
    SET work_mem = '64MB';
COMMENT ON FUNCTION dcpf.export_document(uuid, uuid, text) IS
    'the export as one JSON document (format dcpf-export/1, doc/reference/export.schema.json), every source of dcpf.export_sources() serialised in C into one buffer; unchecked: owner only';
REVOKE ALL ON FUNCTION dcpf.export_document(uuid, uuid, text) FROM PUBLIC;

-- export_person and transfer_person are C (src/export.c): they run
-- dcpf.export_authorise, then build the document as export_document does.
-- A PL/pgSQL wrapper would copy the value it returns, megabytes for a large
-- portfolio (benchmark 8).
CREATE FUNCTION dcpf.export_person(person uuid, request uuid DEFAULT NULL) RETURNS json
    AS 'MODULE_PATHNAME', 'dcpf_export_person'
    LANGUAGE C VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET work_mem = '64MB';
COMMENT ON FUNCTION dcpf.export_person(uuid, uuid) IS
    'the right of access and to portability: every row about the person from every table (decrypted, attachments in base64), the records of others they took part in, and the art. 15 facts, as one JSON document (dcpf-export/1); for the person themself, or for the privacy officer (for a request made to the platform, its security officer) on a verified access or portability request; logged (export) and recorded in the recipients register';
REVOKE ALL ON FUNCTION dcpf.export_person(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.export_person(uuid, uuid) TO dcpf_app;

CREATE FUNCTION dcpf.transfer_person(person uuid, request uuid, receiving_controller text) RETURNS json
    AS 'MODULE_PATHNAME', 'dcpf_transfer_person'
    LANGUAGE C VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET work_mem = '64MB';
COMMENT ON FUNCTION dcpf.transfer_person(uuid, uuid, text) IS
    'portability to another controller (art. 20(2) AVG): the export of dcpf.export_person, for the named receiving controller, on the person''s portability request; recorded as a transfer in the recipients register';
REVOKE ALL ON FUNCTION dcpf.transfer_person(uuid, uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.transfer_person(uuid, uuid, text) TO dcpf_app;
