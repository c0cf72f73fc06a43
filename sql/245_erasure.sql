-- 245_erasure.sql: the right to erasure (art. 17 AVG). dcpf.erase_person
-- carries out a verified erasure request (for the privacy officer of its
-- licensee or, on a request made to the platform, the platform's security
-- officer: dcpf.handles_requests_of): it refuses, changing nothing, while
-- a legal hold or a duty to keep stands in the way; otherwise it tells the
-- recipients of the person's data (art. 19), deletes the person's rows of
-- every table the personal-data registry (215) marks delete, clears the
-- personal columns of the rows it keeps, shreds the person's data key, and
-- leaves a tombstone without personal data as proof. What is kept (consent
-- proof, the handling of requests, signatures on others' records, the audit
-- trail) keeps the person's id, which from then on names nobody: the person
-- row stays, emptied, as that pseudonym. See doc/reference/erasure.md.

-- ---------------------------------------------------------------------------
-- Legal holds: on a person or all of a licensee's data, in one data category
-- (sql/250_retention.sql) or all of them. dcpf.legal_hold_keeps is the one
-- predicate that says what a hold keeps: the retention job, the privacy
-- officer's report of what each hold keeps, and erasure all ask it.
-- ---------------------------------------------------------------------------
CREATE TABLE dcpf.legal_hold (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    licensee_id  uuid NOT NULL REFERENCES dcpf.licensee (id),
    person_id    uuid REFERENCES dcpf.person (id),
    category     text,
    reason       text NOT NULL CONSTRAINT legal_hold_reason_length CHECK (length(btrim(reason)) BETWEEN 5 AND 1000),
    placed_at    timestamptz NOT NULL DEFAULT now(),
    placed_by    uuid NOT NULL,
    until        timestamptz,
    lifted_at    timestamptz,
    lifted_by    uuid,
    CONSTRAINT legal_hold_until_after_placing CHECK (until IS NULL OR until > placed_at),
    CONSTRAINT legal_hold_lift_whole CHECK ((lifted_at IS NULL) = (lifted_by IS NULL))
);
CREATE INDEX legal_hold_person_idx ON dcpf.legal_hold (person_id) WHERE person_id IS NOT NULL AND lifted_at IS NULL;
CREATE INDEX legal_hold_licensee_idx ON dcpf.legal_hold (licensee_id);
COMMENT ON TABLE dcpf.legal_hold IS
    'legal holds (art. 17(3)(e) AVG: legal claims): while one is in force, nothing it covers is erased or purged; placed and lifted by a licensee''s privacy officer';
COMMENT ON COLUMN dcpf.legal_hold.id IS 'hold identifier';
COMMENT ON COLUMN dcpf.legal_hold.licensee_id IS 'the licensee that placed it; without a person, the hold covers all of this licensee''s data';
COMMENT ON COLUMN dcpf.legal_hold.person_id IS 'the person whose data it holds; NULL: the whole licensee';
COMMENT ON COLUMN dcpf.legal_hold.category IS 'the data category it holds (dcpf.data_category); NULL: every category';
COMMENT ON COLUMN dcpf.legal_hold.reason IS 'why (the claim or proceedings), 5–1000 characters, no patient numbers';
COMMENT ON COLUMN dcpf.legal_hold.placed_at IS 'from when';
COMMENT ON COLUMN dcpf.legal_hold.placed_by IS 'the privacy officer who placed it (an id, not a reference: it outlives that person''s erasure)';
COMMENT ON COLUMN dcpf.legal_hold.until IS 'until when at most; NULL: until lifted';
COMMENT ON COLUMN dcpf.legal_hold.lifted_at IS 'when it was lifted; NULL: not lifted';
COMMENT ON COLUMN dcpf.legal_hold.lifted_by IS 'the privacy officer who lifted it';

CREATE FUNCTION dcpf.legal_hold_check() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND ((NEW.id, NEW.licensee_id, NEW.person_id, NEW.category, NEW.reason, NEW.placed_at, NEW.placed_by, NEW.until)
                             IS DISTINCT FROM (OLD.id, OLD.licensee_id, OLD.person_id, OLD.category, OLD.reason, OLD.placed_at, OLD.placed_by, OLD.until)
                             OR OLD.lifted_at IS NOT NULL) THEN
        RAISE EXCEPTION 'a legal hold is only lifted, once'
            USING ERRCODE = 'feature_not_supported', DETAIL = format('Legal hold %s.', OLD.id),
                  HINT = 'Lift it with dcpf.lift_legal_hold and place a new one.';
    END IF;
    PERFORM dcpf.free_text_verdict(NEW.licensee_id, CASE TG_OP WHEN 'INSERT' THEN 'The reason of the new legal hold'
                                                    ELSE format('The reason of legal hold %s', NEW.id) END, ARRAY[NEW.reason]);
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION dcpf.legal_hold_check() IS
    'trigger: a legal hold changes only by being lifted, once (0A000); its reason holds no BSN or card number (per the licensee''s free_text_policy)';
CREATE TRIGGER legal_hold_check BEFORE INSERT OR UPDATE ON dcpf.legal_hold
    FOR EACH ROW EXECUTE FUNCTION dcpf.legal_hold_check();

REVOKE ALL ON dcpf.legal_hold FROM PUBLIC;
ALTER TABLE dcpf.legal_hold ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.legal_hold FORCE ROW LEVEL SECURITY;
CREATE POLICY legal_hold_officer_read ON dcpf.legal_hold FOR SELECT TO dcpf_app
    USING (licensee_id = dcpf.licensee_if_acting_in('privacy_officer'));
GRANT SELECT ON dcpf.legal_hold TO dcpf_app;
SELECT pg_catalog.pg_extension_config_dump('dcpf.legal_hold', '');
-- a hold for legal claims may be placed on a restricted person's data (art. 18(2))
SELECT dcpf.audit_table('dcpf.legal_hold', 'person_id', restriction_exempt => true);

-- What a hold keeps: the one predicate for the retention job, the hold
-- report and erasure. A hold in force (not lifted, its end not passed) in
-- the row's category (or in every category) keeps, when it names a person,
-- that person's rows held by its licensee or by the platform (no licensee);
-- when it names none, every row held by its licensee and the platform's rows
-- about anyone who is or was its member or has items there. Called with
-- category NULL (any) and licensee NULL (the platform's, or the caller does
-- not say), it answers erasure: does the hold keep any of the person's data.
CREATE FUNCTION dcpf.legal_hold_keeps(hold dcpf.legal_hold, category text, licensee uuid, person uuid) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
RETURN hold.lifted_at IS NULL AND (hold.until IS NULL OR hold.until > now())
   AND (hold.category IS NULL OR legal_hold_keeps.category IS NULL OR hold.category = legal_hold_keeps.category)
   AND CASE WHEN hold.person_id IS NOT NULL
            THEN hold.person_id = legal_hold_keeps.person
                 AND (legal_hold_keeps.licensee IS NULL OR legal_hold_keeps.licensee = hold.licensee_id)
            ELSE legal_hold_keeps.licensee = hold.licensee_id
                 OR (legal_hold_keeps.licensee IS NULL AND legal_hold_keeps.person IS NOT NULL
                     AND (EXISTS (SELECT FROM dcpf.membership m
                                   WHERE m.person_id = legal_hold_keeps.person AND m.licensee_id = hold.licensee_id)
                          OR EXISTS (SELECT FROM dcpf.portfolio_item i
                                      WHERE i.owner_id = legal_hold_keeps.person AND i.licensee_id = hold.licensee_id)))
       END;
COMMENT ON FUNCTION dcpf.legal_hold_keeps(dcpf.legal_hold, text, uuid, uuid) IS
    'whether the legal hold keeps a row of the category (NULL: any), held by the licensee (NULL: the platform''s, or any for erasure), about the person: the hold is in force and of that category or of all, and names the person (rows of its licensee or the platform''s) or no one (rows of its licensee, and the platform''s rows about its members); the one predicate of the retention job, dcpf.legal_hold_report and erasure; owner only';
REVOKE ALL ON FUNCTION dcpf.legal_hold_keeps(dcpf.legal_hold, text, uuid, uuid) FROM PUBLIC;

CREATE FUNCTION dcpf.place_legal_hold(person uuid, reason text, until timestamptz DEFAULT NULL, category text DEFAULT NULL)
    RETURNS uuid
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    lic    uuid := dcpf.licensee_if_acting_in('privacy_officer');
    new_id uuid := gen_random_uuid();
BEGIN
    IF lic IS NULL THEN
        RAISE EXCEPTION 'permission denied to place a legal hold' USING ERRCODE = 'insufficient_privilege',
            DETAIL = 'A legal hold is placed by a licensee''s privacy officer, acting as privacy_officer.';
    END IF;
    IF person IS NOT NULL AND NOT EXISTS (SELECT FROM dcpf.membership m WHERE m.person_id = place_legal_hold.person AND m.licensee_id = lic) THEN
        RAISE EXCEPTION 'person % not found', person USING ERRCODE = 'no_data_found',
            DETAIL = 'A licensee holds the data of persons who are or were its members.';
    END IF;
    IF until IS NOT NULL AND until <= now() THEN
        RAISE EXCEPTION 'a legal hold must end in the future' USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('until %s has passed.', until);
    END IF;
    IF category IS NOT NULL AND NOT EXISTS (SELECT FROM dcpf.data_category c WHERE c.code = place_legal_hold.category) THEN
        RAISE EXCEPTION 'unknown data category "%"', category USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('A hold is placed in one of the data categories %s, or with category NULL in all of them.',
                            (SELECT string_agg(c.code, ', ' ORDER BY c.position) FROM dcpf.data_category c));
    END IF;
    INSERT INTO dcpf.legal_hold (id, licensee_id, person_id, category, reason, placed_by, until)
    VALUES (new_id, lic, place_legal_hold.person, place_legal_hold.category, btrim(place_legal_hold.reason),
            dcpf.current_person(), place_legal_hold.until);
    RETURN new_id;
END
$$;
COMMENT ON FUNCTION dcpf.place_legal_hold(uuid, text, timestamptz, text) IS
    'the privacy officer places a legal hold on a (former) member''s data, or with person NULL on all of the licensee''s data, with a reason, an optional end and a data category (NULL: all); returns its id. Nothing it keeps is purged or erased while it is in force (dcpf.legal_hold_keeps). 42501 outside that role; P0002 for a person who never was a member; 22023 for an end in the past or an unknown category; 23514 for a reason holding a BSN or card number';
REVOKE ALL ON FUNCTION dcpf.place_legal_hold(uuid, text, timestamptz, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.place_legal_hold(uuid, text, timestamptz, text) TO dcpf_app;

CREATE FUNCTION dcpf.lift_legal_hold(hold uuid) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    UPDATE dcpf.legal_hold h SET lifted_at = now(), lifted_by = dcpf.current_person()
     WHERE h.id = hold AND h.licensee_id = dcpf.licensee_if_acting_in('privacy_officer') AND h.lifted_at IS NULL;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'legal hold % not found', coalesce(hold::text, 'NULL') USING ERRCODE = 'no_data_found',
            DETAIL = 'It does not exist, it was lifted, or it is not of the licensee you act in as its privacy officer.';
    END IF;
END
$$;
COMMENT ON FUNCTION dcpf.lift_legal_hold(uuid) IS
    'the privacy officer of the licensee that placed a legal hold lifts it; P0002 (the same for every other case) otherwise';
REVOKE ALL ON FUNCTION dcpf.lift_legal_hold(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.lift_legal_hold(uuid) TO dcpf_app;

-- ---------------------------------------------------------------------------
-- The tombstone
-- ---------------------------------------------------------------------------
CREATE TABLE dcpf.erasure (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    pseudonym         uuid NOT NULL CONSTRAINT erasure_once UNIQUE,
    request_id        uuid NOT NULL REFERENCES dcpf.subject_request (id),
    licensee_id       uuid REFERENCES dcpf.licensee (id),
    erased_at         timestamptz NOT NULL DEFAULT now(),
    erased_by         uuid NOT NULL,
    rows_deleted      jsonb NOT NULL DEFAULT '{}',
    rows_kept         jsonb NOT NULL DEFAULT '{}',
    notices_queued    integer NOT NULL DEFAULT 0 CONSTRAINT erasure_notices_counted CHECK (notices_queued >= 0),
    key_shredded_at   timestamptz
);
COMMENT ON TABLE dcpf.erasure IS
    'tombstones: the proof that a person was erased, on which request, when, by whom, and how many rows of which table went or were kept pseudonymised; no personal data (the person''s former id is a pseudonym that names nobody)';
COMMENT ON COLUMN dcpf.erasure.id IS 'tombstone identifier';
COMMENT ON COLUMN dcpf.erasure.pseudonym IS 'the erased person''s id: what kept records (consent proof, requests, signatures on others'' records, the audit trail) still point at';
COMMENT ON COLUMN dcpf.erasure.request_id IS 'the erasure request carried out';
COMMENT ON COLUMN dcpf.erasure.licensee_id IS 'the licensee whose privacy officer carried it out (the request''s); NULL: the platform, whose security officer carried out a request made to it';
COMMENT ON COLUMN dcpf.erasure.erased_at IS 'when';
COMMENT ON COLUMN dcpf.erasure.erased_by IS 'the privacy officer (for a request made to the platform, its security officer) who carried it out';
COMMENT ON COLUMN dcpf.erasure.rows_deleted IS 'rows deleted, per table: {"portfolio_item": 12, …}';
COMMENT ON COLUMN dcpf.erasure.rows_kept IS 'rows kept under the pseudonym with their personal columns cleared, per table, and references kept on others'' records (table.column)';
COMMENT ON COLUMN dcpf.erasure.notices_queued IS 'art. 19 notices queued to the recipients of the person''s data';
COMMENT ON COLUMN dcpf.erasure.key_shredded_at IS 'when the person''s data key was shredded';
-- written in two steps by dcpf.erase_person (first the stone, which lets the
-- erasure through, then its counts with the shredding), then never again
CREATE TRIGGER erasure_immutable BEFORE UPDATE ON dcpf.erasure
    FOR EACH ROW WHEN (OLD.key_shredded_at IS NOT NULL)
    EXECUTE FUNCTION dcpf.refuse_update('A tombstone is proof: it is never changed.');
CREATE TRIGGER erasure_never_deleted BEFORE DELETE ON dcpf.erasure
    FOR EACH ROW EXECUTE FUNCTION dcpf.refuse_update('A tombstone is proof: it is never deleted.');
REVOKE ALL ON dcpf.erasure FROM PUBLIC;
ALTER TABLE dcpf.erasure ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.erasure FORCE ROW LEVEL SECURITY;
-- the tombstones of the erasures a controller carried out: a licensee's by
-- its privacy officer, the platform's by its security officer
CREATE POLICY erasure_officer_read ON dcpf.erasure FOR SELECT TO dcpf_app
    USING (licensee_id = dcpf.licensee_if_acting_in('privacy_officer')
           OR (licensee_id IS NULL AND dcpf.acting_in('platform_security')));
GRANT SELECT ON dcpf.erasure TO dcpf_app;
SELECT pg_catalog.pg_extension_config_dump('dcpf.erasure', '');
SELECT dcpf.audit_table('dcpf.erasure', 'pseudonym', 'erase');

INSERT INTO dcpf.personal_data_table (table_name, subject_column, row_key, on_erasure, exported, not_personal, basis) VALUES
    ('legal_hold', 'person_id', 'id', 'pseudonymise', false, '{category}',
     'a hold for legal claims is the licensee''s record; it stands in the way of erasure while in force, and is kept afterwards'),
    ('erasure', 'pseudonym', 'id', 'pseudonymise', false, '{}', 'the tombstone: proof of the erasure, without personal data');
INSERT INTO dcpf.personal_data_column (table_name, column_name, whose, category, on_erasure, exported, decrypt_as, basis) VALUES
    ('legal_hold', 'person_id', 'subject', 'reference', 'keep', false, NULL, 'the pseudonym; holds are the licensee''s records'),
    ('legal_hold', 'reason', 'subject', 'content', 'keep', false, NULL, 'the licensee''s record of the claim'),
    ('erasure', 'pseudonym', 'subject', 'reference', 'keep', false, NULL, 'the tombstone''s pseudonym'),
    ('erasure', 'rows_deleted', 'subject', 'technical', 'keep', false, NULL, 'counts only'),
    ('erasure', 'rows_kept', 'subject', 'technical', 'keep', false, NULL, 'counts only');

-- true while (and after) the person is erased in this transaction: lets the
-- triggers that otherwise refuse a change let the erasure through. Only
-- dcpf.erase_person writes a tombstone, so no caller can claim one.
CREATE FUNCTION dcpf.erasing(person uuid) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
RETURN EXISTS (SELECT FROM dcpf.erasure e WHERE e.pseudonym = erasing.person);
COMMENT ON FUNCTION dcpf.erasing(uuid) IS
    'whether the person is (being) erased: a tombstone exists for them, which only dcpf.erase_person writes; for the triggers that let the erasure through what they otherwise refuse; owner only';
REVOKE ALL ON FUNCTION dcpf.erasing(uuid) FROM PUBLIC;

-- What stands in the way of erasing a person for a licensee's request (or,
-- licensee NULL, one made to the platform): legal holds
-- (dcpf.legal_hold_keeps), another licensee's current membership (for the
-- platform: any current membership), open requests of others they handle, and duties to keep
-- (dcpf.retention_duties, sql/250_retention.sql: a legal minimum term not
-- yet passed for rows the erasure would delete). PL/pgSQL, so that it may
-- name the retention functions defined after this file.
CREATE FUNCTION dcpf.erasure_obstacles(person uuid, licensee uuid)
    RETURNS TABLE (obstacle text, detail text)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN QUERY
    SELECT 'legal hold'::text, format('Legal hold %s of %s, placed %s%s%s: %s', h.id, l.name,
                                (h.placed_at AT TIME ZONE 'Europe/Amsterdam')::date,
                                coalesce(', until ' || (h.until AT TIME ZONE 'Europe/Amsterdam')::date, ''),
                                coalesce(', category ' || h.category, ''), h.reason)
      FROM dcpf.legal_hold h JOIN dcpf.licensee l ON l.id = h.licensee_id
     WHERE dcpf.legal_hold_keeps(h, NULL, NULL, erasure_obstacles.person)
    UNION ALL
    SELECT 'membership elsewhere', format('A current membership as %s of %s (until %s): that licensee holds the person''s data as a controller too.',
                                          m.role_code, l.name, coalesce(((m.valid_until AT TIME ZONE 'Europe/Amsterdam')::date)::text, 'further notice'))
      FROM dcpf.membership m JOIN dcpf.licensee l ON l.id = m.licensee_id
     WHERE m.person_id = erasure_obstacles.person AND m.licensee_id IS DISTINCT FROM erasure_obstacles.licensee
       AND (m.valid_until IS NULL OR m.valid_until > now())
    UNION ALL
    SELECT 'open requests as handler', format('Subject request %s of another person is handled by this person and still open.', r.id)
      FROM dcpf.subject_request r
     WHERE r.handler_id = erasure_obstacles.person AND r.person_id <> erasure_obstacles.person
       AND r.status NOT IN ('completed', 'refused', 'withdrawn')
    UNION ALL
    SELECT 'retention duty', d.detail FROM dcpf.retention_duties(erasure_obstacles.person) d
    ORDER BY 1, 2;
END
$$;
COMMENT ON FUNCTION dcpf.erasure_obstacles(uuid, uuid) IS
    'what stands in the way of erasing the person on a request to the licensee (NULL: to the platform): legal holds in force that keep any of their data (dcpf.legal_hold_keeps; art. 17(3)(e)), current memberships of other licensees (for a request made to the platform, of any licensee: their controllers have a say), open requests of others they handle, and duties to keep (dcpf.retention_duties: a legal minimum term not passed for rows erasure would delete; art. 17(3)(b)); owner only';
REVOKE ALL ON FUNCTION dcpf.erasure_obstacles(uuid, uuid) FROM PUBLIC;

-- The registry's delete tables in an order that deletes: a table whose rows
-- reference another's without ON DELETE CASCADE goes first; otherwise the
-- referenced (parent) table goes first, so that its cascade removes the
-- children (whose triggers let an erased item's rows go).
CREATE FUNCTION dcpf.erasure_order()
    RETURNS TABLE (table_name text, subject_column text)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
    WITH RECURSIVE dt AS (
        SELECT d.table_name, d.subject_column, ('dcpf.' || quote_ident(d.table_name))::regclass AS rel
          FROM dcpf.personal_data_table d WHERE d.on_erasure = 'delete'
    ), fk AS (
        SELECT c.conrelid AS child, c.confrelid AS parent, c.confdeltype = 'c' AS cascades
          FROM pg_catalog.pg_constraint c
         WHERE c.contype = 'f' AND c.conrelid <> c.confrelid
           AND c.conrelid IN (SELECT rel FROM dt) AND c.confrelid IN (SELECT rel FROM dt)
    ), after_children(rel, n) AS (
        SELECT rel, 0 FROM dt
        UNION ALL
        SELECT fk.parent, a.n + 1 FROM after_children a JOIN fk ON fk.child = a.rel AND NOT fk.cascades WHERE a.n < 50
    ), before_children(rel, n) AS (
        SELECT rel, 0 FROM dt
        UNION ALL
        SELECT fk.parent, b.n + 1 FROM before_children b JOIN fk ON fk.child = b.rel AND fk.cascades WHERE b.n < 50
    )
    SELECT dt.table_name, dt.subject_column FROM dt
     ORDER BY (SELECT max(a.n) FROM after_children a WHERE a.rel = dt.rel),
              (SELECT max(b.n) FROM before_children b WHERE b.rel = dt.rel) DESC,
              dt.table_name;
$$;
COMMENT ON FUNCTION dcpf.erasure_order() IS
    'the tables whose rows erasure deletes, in an order that works: referencing tables before their parents where the key does not cascade, otherwise parents first; owner only';
REVOKE ALL ON FUNCTION dcpf.erasure_order() FROM PUBLIC;

CREATE FUNCTION dcpf.erase_person(person uuid, request uuid) RETURNS uuid
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    -- a restricted or deactivated person is erased too (art. 17 over art. 18)
    SET dcpf.restriction_exemption = 'erasure'
AS $$
DECLARE
    req       dcpf.subject_request := dcpf.officer_subject_request(request);
    who       dcpf.person;
    stone     uuid := gen_random_uuid();
    reasons   text;
    deleted   jsonb := '{}';
    kept      jsonb := '{}';
    notices   integer := 0;
    n         bigint;
    t         record;
    sets      text;
    shredded  timestamptz;
BEGIN
    IF req.kind <> 'erasure' THEN
        RAISE EXCEPTION 'subject request % asks for %, not for erasure', request, req.kind
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF req.person_id IS DISTINCT FROM person THEN
        RAISE EXCEPTION 'subject request % is not about person %', request, coalesce(person::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value', DETAIL = 'A request is carried out for the person who made it.';
    END IF;
    IF req.verified_at IS NULL THEN
        RAISE EXCEPTION 'the identity of the person behind subject request % is not verified', request
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Nobody is erased on an unverified request (art. 12(6) AVG).',
                  HINT = 'Verify it first with dcpf.verify_subject_request.';
    END IF;
    SELECT * INTO who FROM dcpf.person p WHERE p.id = person FOR UPDATE;
    IF who.status = 'erased' THEN
        RAISE EXCEPTION 'person % was erased', person USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = format('Erased at %s.', who.erased_at);
    END IF;
    SELECT string_agg(o.obstacle || ': ' || o.detail, E'\n') INTO reasons FROM dcpf.erasure_obstacles(person, req.licensee_id) o;
    IF reasons IS NOT NULL THEN
        RAISE EXCEPTION 'person % cannot be erased now', person
            USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = reasons,
                  HINT = 'Refuse the request with the legal ground (dcpf.refuse_subject_request), or carry it out once nothing stands in the way.';
    END IF;

    -- art. 19: the recipients of the person's data are told, before the register goes
    SELECT count(dcpf.queue_notice('erasure_notice', t2, NULL, NULL,
                                   jsonb_build_object('erasure', stone, 'pseudonym', person, 'erased_at', now())))
      INTO notices FROM dcpf.art19_notice_persons(person) t2;

    INSERT INTO dcpf.erasure (id, pseudonym, request_id, licensee_id, erased_by, notices_queued)
    VALUES (stone, person, req.id, req.licensee_id, dcpf.current_person(), notices);

    -- references on others' records: rows that make sense only with the person go
    FOR t IN SELECT c.table_name AS tab, c.column_name AS col FROM dcpf.personal_data_column c
              WHERE c.whose = 'party' AND c.on_erasure = 'delete_row' ORDER BY 1, 2 LOOP
        EXECUTE format('DELETE FROM dcpf.%I t WHERE t.%I = $1', t.tab, t.col) USING person;
        GET DIAGNOSTICS n = ROW_COUNT;
        IF n > 0 THEN deleted := deleted || jsonb_build_object(t.tab || '.' || t.col, n); END IF;
    END LOOP;
    -- the person's own rows
    FOR t IN SELECT * FROM dcpf.erasure_order() LOOP
        EXECUTE format('DELETE FROM dcpf.%I t WHERE t.%I = $1', t.table_name, t.subject_column) USING person;
        GET DIAGNOSTICS n = ROW_COUNT;
        IF n > 0 THEN deleted := deleted || jsonb_build_object(t.table_name, coalesce((deleted ->> t.table_name)::bigint, 0) + n); END IF;
    END LOOP;
    -- the rows kept under the pseudonym lose their personal columns
    FOR t IN SELECT d.table_name AS tab, d.subject_column,
                    string_agg(format('%I = %s', c.column_name, CASE WHEN a.attnotnull THEN 'DEFAULT' ELSE 'NULL' END), ', '
                               ORDER BY c.column_name) FILTER (WHERE c.on_erasure = 'clear' AND a.attgenerated = '') AS clears
               FROM dcpf.personal_data_table d
               LEFT JOIN dcpf.personal_data_column c ON c.table_name = d.table_name AND c.whose = 'subject'
               LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = ('dcpf.' || quote_ident(d.table_name))::regclass
                                                  AND a.attname = c.column_name
              WHERE d.on_erasure = 'pseudonymise' AND d.table_name NOT IN ('person', 'erasure')
              GROUP BY d.table_name, d.subject_column ORDER BY 1 LOOP
        IF t.clears IS NULL THEN
            EXECUTE format('SELECT count(*) FROM dcpf.%I t WHERE t.%I = $1', t.tab, t.subject_column) INTO n USING person;
        ELSE
            -- a web visit names a person only when it was recorded under
            -- analytics consent (to the minute); unlinked, it becomes the visit
            -- recorded without consent (to the hour), as its checks require
            EXECUTE format('UPDATE dcpf.%I t SET %s%s WHERE t.%I = $1', t.tab, t.clears,
                           CASE WHEN t.tab = 'web_visit' THEN ', consented = false, visited_at = date_trunc(''hour'', t.visited_at, ''UTC'')' ELSE '' END,
                           t.subject_column) USING person;
            GET DIAGNOSTICS n = ROW_COUNT;
        END IF;
        IF n > 0 THEN kept := kept || jsonb_build_object(t.tab, n); END IF;
    END LOOP;
    FOR t IN SELECT c.table_name AS tab, c.column_name AS col FROM dcpf.personal_data_column c
              WHERE c.whose = 'party' AND c.on_erasure = 'keep' AND c.table_name NOT IN ('audit_event') ORDER BY 1, 2 LOOP
        EXECUTE format('SELECT count(*) FROM dcpf.%I t WHERE t.%I = $1', t.tab, t.col) INTO n USING person;
        IF n > 0 THEN kept := kept || jsonb_build_object(t.tab || '.' || t.col, n); END IF;
    END LOOP;
    -- the person row itself becomes the pseudonym
    SELECT string_agg(format('%I = %s', c.column_name, CASE WHEN a.attnotnull THEN 'DEFAULT' ELSE 'NULL' END), ', ' ORDER BY c.column_name)
      INTO sets
      FROM dcpf.personal_data_column c
      JOIN pg_catalog.pg_attribute a ON a.attrelid = 'dcpf.person'::regclass AND a.attname = c.column_name
     WHERE c.table_name = 'person' AND c.on_erasure = 'clear' AND a.attgenerated = '';
    EXECUTE format('UPDATE dcpf.person p SET %s, created_by = NULL, status = %L, erased_at = now(), deactivated_at = NULL WHERE p.id = $1',
                   sets, 'erased')
      USING person;

    -- the person's other open requests end with them. (The decisions name no
    -- ids: they are free text, scanned for patient and card numbers, and the
    -- digits of a uuid can pass for one; the tombstone names the request.)
    UPDATE dcpf.subject_request r
       SET status = 'completed', completed_at = now(),
           decision = format('Closed: the person was erased on %s, on their erasure request.',
                             to_char(now() AT TIME ZONE 'Europe/Amsterdam', 'YYYY-MM-DD'))
     WHERE r.person_id = person AND r.id <> req.id AND r.status NOT IN ('completed', 'refused', 'withdrawn');

    -- the key shredded first, then recorded: Citus refuses a VOLATILE function
    -- in an UPDATE of its tables
    shredded := dcpf.shred_person_key(person, format('erasure on subject request %s', req.id));
    UPDATE dcpf.erasure e SET rows_deleted = deleted, rows_kept = kept, key_shredded_at = shredded
     WHERE e.id = stone;
    PERFORM dcpf.complete_subject_request(req.id, format('Erased on %s; the tombstone (dcpf.erasure) names this request.',
                                                         to_char(now() AT TIME ZONE 'Europe/Amsterdam', 'YYYY-MM-DD')));
    RETURN stone;
END
$$;
COMMENT ON FUNCTION dcpf.erase_person(uuid, uuid) IS
    'the right to erasure: on a verified erasure request, the privacy officer of its licensee (for a request made to the platform: its security officer, acting as platform_security) erases the person: art. 19 notices to the recipients of their data, their rows of every table deleted or pseudonymised per the personal-data registry, their data key shredded, the request completed, a tombstone (dcpf.erasure, with the request''s licensee; none for the platform) left; returns the tombstone''s id. P0002 for a request not theirs to handle. Refuses (55000, the reasons in DETAIL, nothing changed) under a legal hold, a current membership of another licensee (of any, on a request made to the platform), open requests of others they handle, or a duty to keep (a legal minimum retention term not passed)';
REVOKE ALL ON FUNCTION dcpf.erase_person(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.erase_person(uuid, uuid) TO dcpf_app;
