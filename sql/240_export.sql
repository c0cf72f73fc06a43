-- 240_export.sql: the right of access (art. 15 AVG) and to data portability
-- (art. 20). dcpf.export_person gives every row about a person from every
-- table, decrypted, attachments included, plus the art. 15 facts; the rows
-- and columns come from the personal-data registry (215), so a table added
-- later is exported as soon as it is registered, and the catalog test makes
-- sure it is. dcpf.export_person_rows streams the same content a row at a
-- time for large portfolios. The format is documented, with a JSON Schema,
-- in doc/reference/export.md and doc/reference/export.schema.json.

-- Who may export whom: the person themself, or the privacy officer of the
-- licensee a verified access or portability request was made to. Checks,
-- logs the export and records it in the recipients register; owner only.
CREATE FUNCTION dcpf.export_authorise(person uuid, request uuid, transfer_to text) RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me   uuid := dcpf.verified_person();
    req  dcpf.subject_request;
    what text := 'a complete copy of the person''s data (art. ' || CASE WHEN transfer_to IS NULL THEN '15' ELSE '20' END || ' AVG)';
BEGIN
    IF person IS NULL OR NOT EXISTS (SELECT FROM dcpf.person p WHERE p.id = export_authorise.person) THEN
        RAISE EXCEPTION 'no person with id %', coalesce(person::text, 'NULL') USING ERRCODE = 'no_data_found';
    END IF;
    IF request IS NULL THEN
        IF person IS DISTINCT FROM me OR transfer_to IS NOT NULL THEN
            RAISE EXCEPTION 'permission denied to export person %', person
                USING ERRCODE = 'insufficient_privilege',
                      DETAIL = 'Without a request, a person exports only their own data, and only to themself.',
                      HINT = 'A privacy officer exports on a verified access or portability request; a transfer to another controller needs a portability request.';
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
    'the check and record of an export: the person themself (without a request, or with their own open access or portability request), or the privacy officer of the licensee a verified access or portability request was made to; a transfer needs a portability request; logs an export event and records the disclosure; owner only';
REVOKE ALL ON FUNCTION dcpf.export_authorise(uuid, uuid, text) FROM PUBLIC;

-- The content, unchecked: owner only. One query per registered table.
CREATE FUNCTION dcpf.export_rows(person uuid)
    RETURNS TABLE (section text, table_name text, row_key text, data jsonb)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT d.table_name AS tab, d.subject_column, d.row_key AS key_column
               FROM dcpf.personal_data_table d
              WHERE d.exported
              ORDER BY d.table_name <> 'person', d.table_name
    LOOP
        RETURN QUERY EXECUTE format('SELECT %L::text, %L::text, t.%I::text, %s FROM dcpf.%I t WHERE t.%I = $1 ORDER BY 3',
                                    'rows', t.tab, t.key_column, dcpf.personal_data_json(t.tab), t.tab, t.subject_column)
            USING person;
    END LOOP;
    -- where the person took part in someone else's record: that they did, not its content
    FOR t IN SELECT c.table_name AS tab, c.column_name AS col, d.row_key AS key_column
               FROM dcpf.personal_data_column c JOIN dcpf.personal_data_table d USING (table_name)
              WHERE c.whose = 'party' AND c.exported
              ORDER BY 1, 2
    LOOP
        RETURN QUERY EXECUTE format('SELECT %L::text, %L::text, t.%I::text, jsonb_build_object(%L, %L, %L, t.%I::text, %L, %L) '
                                    'FROM dcpf.%I t WHERE t.%I = $1 ORDER BY 3',
                                    'references', t.tab, t.key_column, 'table', t.tab, 'row', t.key_column, 'as', t.col,
                                    t.tab, t.col)
            USING person;
    END LOOP;
    RETURN QUERY SELECT 'facts', 'purposes', p.code,
                        jsonb_build_object('code', p.code, 'name_nl', p.name_nl, 'name_en', p.name_en,
                                           'description', p.description, 'legal_basis', p.legal_basis,
                                           'data_categories', p.data_categories, 'recipients', p.recipients,
                                           'transfers_outside_eea', p.transfers_outside_eea, 'retention', p.retention,
                                           'licensee_id', p.licensee_id)
                   FROM dcpf.purpose p
                  WHERE p.licensee_id IS NULL
                     OR p.licensee_id IN (SELECT m.licensee_id FROM dcpf.membership m WHERE m.person_id = person)
                  ORDER BY p.code;
    RETURN QUERY SELECT 'facts', 'recipients', d.id::text,
                        jsonb_build_object('recipient', d.recipient_description, 'kind', d.kind, 'what', d.what,
                                           'from', d.disclosed_at, 'until', d.until, 'ended_at', d.ended_at)
                   FROM dcpf.disclosure d WHERE d.subject_id = person ORDER BY d.disclosed_at, d.id;
    RETURN QUERY SELECT 'facts', 'source', p.id::text,
                        jsonb_build_object('account_created_at', p.created_at,
                                           'created_on_behalf_of', l.name,
                                           'created_by_administrator', p.created_by IS NOT NULL,
                                           'identity_providers', (SELECT coalesce(jsonb_agg(DISTINCT il.issuer), '[]')
                                                                    FROM dcpf.identity_link il WHERE il.person_id = p.id),
                                           'others_wrote', 'assessments, feedback, comments and conversations in the portfolio were written by the persons they name')
                   FROM dcpf.person p LEFT JOIN dcpf.licensee l ON l.id = p.created_for_licensee
                  WHERE p.id = person;
    RETURN QUERY SELECT 'facts', 'access_log', e.id::text,
                        jsonb_build_object('at', e.occurred_at, 'action', e.action, 'outcome', e.outcome,
                                           'by', CASE WHEN a.id IS NOT NULL THEN dcpf.person_display_name(a) ELSE e.database_role END,
                                           'by_person', e.actor_person, 'role', e.application_role, 'licensee', l.name,
                                           'purpose', e.purpose, 'table', e.object_table, 'row', e.object_key)
                   FROM dcpf.audit_event e
                   LEFT JOIN dcpf.person a ON a.id = e.actor_person
                   LEFT JOIN dcpf.licensee l ON l.id = e.licensee_id
                  WHERE e.subject_person = person AND e.actor_person IS DISTINCT FROM person
                  ORDER BY e.occurred_at, e.id;
END
$$;
COMMENT ON FUNCTION dcpf.export_rows(uuid) IS
    'the content of an export, unchecked and unlogged: the person''s rows of every exported table of the registry (decrypted), references to records of others the person took part in, and the art. 15 facts (purposes, recipients, source, access log); owner only';
REVOKE ALL ON FUNCTION dcpf.export_rows(uuid) FROM PUBLIC;

CREATE FUNCTION dcpf.export_person_rows(person uuid, request uuid DEFAULT NULL)
    RETURNS TABLE (section text, table_name text, row_key text, data jsonb)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
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

-- one document from the rows
CREATE FUNCTION dcpf.export_document(person uuid, request uuid, transfer_to text) RETURNS json
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
    WITH r AS (SELECT * FROM dcpf.export_rows(person)),
    tables AS (
        SELECT r.table_name, json_agg(r.data ORDER BY r.row_key) AS rows
          FROM r WHERE r.section = 'rows' GROUP BY r.table_name
    ),
    facts AS (
        SELECT r.table_name, json_agg(r.data) AS rows FROM r WHERE r.section = 'facts' GROUP BY r.table_name
    )
    SELECT json_build_object(
        'format', 'dcpf-export/1',
        'person', person,
        'exported_at', now(),
        'request', request,
        'transfer_to', transfer_to,
        'tables', coalesce((SELECT json_object_agg(t.table_name, t.rows ORDER BY t.table_name) FROM tables t), '{}'),
        'references', coalesce((SELECT json_agg(r.data ORDER BY r.table_name, r.row_key) FROM r WHERE r.section = 'references'), '[]'),
        'facts', json_build_object(
            'purposes', coalesce((SELECT f.rows FROM facts f WHERE f.table_name = 'purposes'), '[]'),
            'recipients', coalesce((SELECT f.rows FROM facts f WHERE f.table_name = 'recipients'), '[]'),
            'source', (SELECT f.rows -> 0 FROM facts f WHERE f.table_name = 'source'),
            'access_log', coalesce((SELECT f.rows FROM facts f WHERE f.table_name = 'access_log'), '[]')));
$$;
COMMENT ON FUNCTION dcpf.export_document(uuid, uuid, text) IS
    'the export as one JSON document (format dcpf-export/1, doc/reference/export.schema.json), unchecked; owner only';
REVOKE ALL ON FUNCTION dcpf.export_document(uuid, uuid, text) FROM PUBLIC;

CREATE FUNCTION dcpf.export_person(person uuid, request uuid DEFAULT NULL) RETURNS json
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM dcpf.export_authorise(person, request, NULL);
    RETURN dcpf.export_document(person, request, NULL);
END
$$;
COMMENT ON FUNCTION dcpf.export_person(uuid, uuid) IS
    'the right of access and to portability: every row about the person from every table (decrypted, attachments in base64), the records of others they took part in, and the art. 15 facts, as one JSON document (dcpf-export/1); for the person themself, or for the privacy officer on a verified access or portability request; logged (export) and recorded in the recipients register';
REVOKE ALL ON FUNCTION dcpf.export_person(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.export_person(uuid, uuid) TO dcpf_app;

CREATE FUNCTION dcpf.transfer_person(person uuid, request uuid, receiving_controller text) RETURNS json
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF request IS NULL THEN
        RAISE EXCEPTION 'a transfer needs a portability request'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = 'Art. 20(2) AVG: the person asks for the transfer.';
    END IF;
    PERFORM dcpf.export_authorise(person, request, coalesce(receiving_controller, ''));
    RETURN dcpf.export_document(person, request, btrim(receiving_controller));
END
$$;
COMMENT ON FUNCTION dcpf.transfer_person(uuid, uuid, text) IS
    'portability to another controller (art. 20(2) AVG): the export of dcpf.export_person, for the named receiving controller, on the person''s portability request; recorded as a transfer in the recipients register';
REVOKE ALL ON FUNCTION dcpf.transfer_person(uuid, uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.transfer_person(uuid, uuid, text) TO dcpf_app;
