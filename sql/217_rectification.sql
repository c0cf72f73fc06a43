-- 217_rectification.sql: rectification and completion (art. 16 AVG) and the
-- notices of art. 19 (DESIGN.md clauses 14 and 15). On a verified request
-- of kind rectification or completion the privacy officer of its licensee
-- (on a request made to the platform, its security officer: see
-- dcpf.handles_requests_of) corrects the person's data (name parts, e-mail address, BIG number, job
-- title, academic titles, a phone number or an address of one kind) with
-- dcpf.rectify_person, or completes a portfolio item with a supplementary
-- statement with dcpf.complete_item. An item that can no longer change (a
-- locked one above all) keeps its text: the statement is an addendum beside
-- it, encrypted under the owner's key, never changed, shown wherever the
-- item is shown; the owner may add one themself (dcpf.add_item_addendum).
-- Every step is a row of dcpf.rectification tied to the request, written in
-- the same transaction as the change it records (so the audit events of
-- both share a transaction id); every recipient of the person's data (the
-- recipients register, dcpf.disclosure) gets a data_rectified notice that
-- holds no data; the person learns who they were from
-- dcpf.rectification_recipients_told. See doc/reference/rectification.md.

-- ---------------------------------------------------------------------------
-- Addenda: supplementary statements beside an item
-- ---------------------------------------------------------------------------
CREATE DOMAIN dcpf.addendum_text AS text
    CONSTRAINT addendum_text_length CHECK (length(VALUE) BETWEEN 1 AND 4000);
COMMENT ON DOMAIN dcpf.addendum_text IS 'a supplementary statement to a portfolio item as stored (encrypted): 1 to 4,000 characters';

CREATE TABLE dcpf.item_addendum (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    item_id               uuid NOT NULL REFERENCES dcpf.portfolio_item (id) ON DELETE CASCADE,
    owner_id              uuid NOT NULL,
    author_id             uuid REFERENCES dcpf.person (id) ON DELETE SET NULL,
    request_id            uuid REFERENCES dcpf.subject_request (id),
    body_encrypted        bytea NOT NULL,
    possibly_patient_data boolean NOT NULL DEFAULT false,
    created_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX item_addendum_item_idx ON dcpf.item_addendum (item_id, created_at);
CREATE INDEX item_addendum_owner_idx ON dcpf.item_addendum (owner_id);
CREATE INDEX item_addendum_author_idx ON dcpf.item_addendum (author_id) WHERE author_id IS NOT NULL;
CREATE INDEX item_addendum_request_idx ON dcpf.item_addendum (request_id) WHERE request_id IS NOT NULL;
COMMENT ON TABLE dcpf.item_addendum IS
    'a supplementary statement completing a portfolio item (art. 16 AVG) without changing it: the owner''s data (encrypted under their key), shown wherever the item is shown; never changed, deleted only with its item';
COMMENT ON COLUMN dcpf.item_addendum.id IS 'addendum identifier';
COMMENT ON COLUMN dcpf.item_addendum.item_id IS 'the item it completes';
COMMENT ON COLUMN dcpf.item_addendum.owner_id IS 'the item''s owner, whose data it is (set by the server)';
COMMENT ON COLUMN dcpf.item_addendum.author_id IS 'who recorded it: the owner, or the privacy officer (for a request made to the platform, its security officer) handling the request; once that person is erased, their pseudonym (doc/reference/erasure.md)';
COMMENT ON COLUMN dcpf.item_addendum.request_id IS 'the data-subject request (completion or rectification) it was recorded for; NULL: added by the owner';
COMMENT ON COLUMN dcpf.item_addendum.body_encrypted IS
    'the statement, encrypted under the owner''s data key (dcpf.item_addendum_decrypted shows it to the owner; dcpf.shared_addenda to those the item is shared with)';
COMMENT ON COLUMN dcpf.item_addendum.possibly_patient_data IS
    'set by the server when the statement holds a citizen service number or a payment card number and the item licensee''s free_text_policy is flag';
COMMENT ON COLUMN dcpf.item_addendum.created_at IS 'when it was recorded';

CREATE FUNCTION dcpf.item_addendum_check() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF NOT EXISTS (SELECT FROM dcpf.portfolio_item p WHERE p.id = OLD.item_id) THEN
            RETURN OLD;         -- the item itself is being erased
        END IF;
        RAISE EXCEPTION 'an addendum is not deleted'
            USING ERRCODE = 'feature_not_supported', DETAIL = format('Addendum %s stays beside item %s.', OLD.id, OLD.item_id),
                  HINT = 'It goes only with its item, by erasure; add another addendum to correct it.';
    END IF;
    -- an author's erasure clears the link to them; nothing else changes
    IF (NEW.id, NEW.item_id, NEW.owner_id, NEW.request_id, NEW.body_encrypted, NEW.possibly_patient_data, NEW.created_at)
       IS DISTINCT FROM (OLD.id, OLD.item_id, OLD.owner_id, OLD.request_id, OLD.body_encrypted, OLD.possibly_patient_data, OLD.created_at)
       OR (NEW.author_id IS DISTINCT FROM OLD.author_id
           AND (NEW.author_id IS NOT NULL OR EXISTS (SELECT FROM dcpf.person x WHERE x.id = OLD.author_id))) THEN
        RAISE EXCEPTION 'an addendum never changes'
            USING ERRCODE = 'feature_not_supported', DETAIL = format('Addendum %s.', OLD.id),
                  HINT = 'Add another addendum to correct it.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION dcpf.item_addendum_check() IS
    'trigger: an addendum never changes (but for the erasure of its author) and is deleted only with its item (SECURITY DEFINER: it must see the item and the person)';
CREATE TRIGGER item_addendum_check BEFORE UPDATE OR DELETE ON dcpf.item_addendum
    FOR EACH ROW EXECUTE FUNCTION dcpf.item_addendum_check();
CREATE TRIGGER item_addendum_sealed BEFORE INSERT OR UPDATE ON dcpf.item_addendum
    FOR EACH ROW EXECUTE FUNCTION dcpf.sealed_column('body', 'body_encrypted', 'id', 'owner_id', '', 'dcpf.addendum_text');

-- ---------------------------------------------------------------------------
-- The record of each step, tied to its request
-- ---------------------------------------------------------------------------
CREATE TABLE dcpf.rectification (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    request_id      uuid NOT NULL REFERENCES dcpf.subject_request (id),
    person_id       uuid NOT NULL REFERENCES dcpf.person (id),
    licensee_id     uuid REFERENCES dcpf.licensee (id),
    fields          text[] NOT NULL CONSTRAINT rectification_fields_given
                    CHECK (cardinality(fields) > 0 AND array_position(fields, NULL) IS NULL),
    item_id         uuid REFERENCES dcpf.portfolio_item (id) ON DELETE SET NULL,
    addendum_id     uuid REFERENCES dcpf.item_addendum (id) ON DELETE SET NULL,
    made_by         uuid REFERENCES dcpf.person (id) ON DELETE SET NULL,
    made_at         timestamptz NOT NULL DEFAULT now(),
    notices_queued  integer NOT NULL CONSTRAINT rectification_notices_counted CHECK (notices_queued >= 0)
);
CREATE INDEX rectification_request_idx ON dcpf.rectification (request_id);
CREATE INDEX rectification_person_idx ON dcpf.rectification (person_id, made_at);
CREATE INDEX rectification_licensee_idx ON dcpf.rectification (licensee_id);
CREATE INDEX rectification_made_by_idx ON dcpf.rectification (made_by) WHERE made_by IS NOT NULL;
COMMENT ON TABLE dcpf.rectification IS
    'each rectification or completion (art. 16 AVG) carried out on a data-subject request: what was corrected (the names of the fields, never their values), by whom, and how many recipients were told (art. 19); never changed';
COMMENT ON COLUMN dcpf.rectification.id IS 'rectification identifier (named in the notices to the recipients)';
COMMENT ON COLUMN dcpf.rectification.request_id IS 'the request it carried out (kind rectification or completion)';
COMMENT ON COLUMN dcpf.rectification.person_id IS 'the data subject';
COMMENT ON COLUMN dcpf.rectification.licensee_id IS 'the controller that handled the request (its licensee); NULL: the platform, whose security officer handled it';
COMMENT ON COLUMN dcpf.rectification.fields IS
    'what was corrected or completed: person columns (given_names, email, big_number, …), phone:<kind>, address:<kind>, or addendum; never the values';
COMMENT ON COLUMN dcpf.rectification.item_id IS 'the portfolio item completed, for an addendum; NULL once the item is erased';
COMMENT ON COLUMN dcpf.rectification.addendum_id IS 'the addendum recorded, if any';
COMMENT ON COLUMN dcpf.rectification.made_by IS 'the privacy officer (for a request made to the platform, its security officer) who carried it out; once that person is erased, their pseudonym (doc/reference/erasure.md)';
COMMENT ON COLUMN dcpf.rectification.made_at IS 'when (the transaction of the change itself)';
COMMENT ON COLUMN dcpf.rectification.notices_queued IS 'how many recipients of the person''s data were sent a data_rectified notice (art. 19)';

-- (but for the links that the erasure of the item, addendum or officer clears)
CREATE TRIGGER rectification_immutable BEFORE UPDATE ON dcpf.rectification
    FOR EACH ROW WHEN ((NEW.id, NEW.request_id, NEW.person_id, NEW.licensee_id, NEW.fields, NEW.made_at, NEW.notices_queued)
                       IS DISTINCT FROM (OLD.id, OLD.request_id, OLD.person_id, OLD.licensee_id, OLD.fields, OLD.made_at, OLD.notices_queued)
                       OR NEW.item_id IS DISTINCT FROM OLD.item_id AND NEW.item_id IS NOT NULL
                       OR NEW.addendum_id IS DISTINCT FROM OLD.addendum_id AND NEW.addendum_id IS NOT NULL
                       OR NEW.made_by IS DISTINCT FROM OLD.made_by AND NEW.made_by IS NOT NULL)
    EXECUTE FUNCTION dcpf.refuse_update('A rectification is a record of what was done; carry out another one.');

-- ---------------------------------------------------------------------------
-- Recipients (art. 19)
-- ---------------------------------------------------------------------------
-- records a step and tells the recipients; for the functions below
CREATE FUNCTION dcpf.record_rectification(req dcpf.subject_request, fields text[], item uuid, addendum uuid) RETURNS uuid
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    new_id     uuid := gen_random_uuid();
    recipients uuid[] := ARRAY(SELECT r FROM dcpf.art19_notice_persons(req.person_id) r ORDER BY r);
    recipient  uuid;
BEGIN
    INSERT INTO dcpf.rectification (id, request_id, person_id, licensee_id, fields, item_id, addendum_id, made_by, notices_queued)
    VALUES (new_id, req.id, req.person_id, req.licensee_id, fields, item, addendum, dcpf.current_person(), cardinality(recipients));
    -- art. 19: that something was corrected, and where; never the data
    FOREACH recipient IN ARRAY recipients LOOP
        PERFORM dcpf.queue_notice('data_rectified', recipient, NULL, req.person_id,
                                  jsonb_build_object('rectification_id', new_id, 'request_kind', req.kind,
                                                     'fields', to_jsonb(fields), 'item_id', item));
    END LOOP;
    RETURN new_id;
END
$$;
COMMENT ON FUNCTION dcpf.record_rectification(dcpf.subject_request, text[], uuid, uuid) IS
    'records a rectification or completion carried out on a request (dcpf.rectification) and queues a data_rectified notice, without the data, to every recipient of the person''s data; returns its id; owner only';

-- ---------------------------------------------------------------------------
-- The privacy officer (the platform's security officer for the platform's
-- requests) carries a request out
-- ---------------------------------------------------------------------------
CREATE FUNCTION dcpf.rectifiable_request(request uuid) RETURNS dcpf.subject_request
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    req dcpf.subject_request := dcpf.officer_subject_request(request);
BEGIN
    IF req.kind NOT IN ('rectification', 'completion') THEN
        RAISE EXCEPTION 'subject request % is not for rectification or completion', req.id
            USING ERRCODE = 'wrong_object_type',
                  DETAIL = format('It is a request of kind %s; data are corrected or completed on a request of kind rectification or completion (art. 16 AVG).', req.kind);
    END IF;
    IF req.status NOT IN ('in_progress', 'extended') THEN
        RAISE EXCEPTION 'subject request % is not verified', req.id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('It is %s: data are corrected only for a person whose identity was verified.', req.status),
                  HINT = 'Verify it with dcpf.verify_subject_request.';
    END IF;
    RETURN req;
END
$$;
COMMENT ON FUNCTION dcpf.rectifiable_request(uuid) IS
    'the open, verified request of kind rectification or completion, locked, if the caller handles the requests made to its controller, as privacy officer of its licensee or, for a request made to the platform, as platform_security (dcpf.officer_subject_request: P0002 otherwise, 55000 when closed); 42809 for another kind, 55000 when not verified; owner only';

CREATE FUNCTION dcpf.rectify_person(request uuid, corrections jsonb) RETURNS uuid
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    req       dcpf.subject_request := dcpf.rectifiable_request(request);
    columns   text[] := ARRAY['given_names', 'initials', 'tussenvoegsel', 'surname', 'partner_tussenvoegsel', 'partner_surname',
                              'name_use', 'email', 'job_title', 'academic_titles'];
    unknown   text[];
    fields    text[];
    phone     jsonb := corrections -> 'phone';
    address   jsonb := corrections -> 'address';
    was_primary boolean;
    violated  text;
BEGIN
    IF corrections IS NULL OR jsonb_typeof(corrections) <> 'object' OR corrections = '{}' THEN
        RAISE EXCEPTION 'corrections must be a JSON object of the fields to correct'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The fields are %s, big_number, phone and address.', array_to_string(columns, ', '));
    END IF;
    unknown := ARRAY(SELECT k FROM jsonb_object_keys(corrections) k
                      WHERE k <> ALL (columns || ARRAY['big_number', 'phone', 'address']) ORDER BY k);
    IF cardinality(unknown) > 0 THEN
        RAISE EXCEPTION 'unknown field % to rectify', array_to_string(unknown, ', ')
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The fields are %s, big_number, phone and address.', array_to_string(columns, ', '));
    END IF;
    IF phone IS NOT NULL AND (jsonb_typeof(phone) <> 'object' OR NOT phone ?& ARRAY['kind', 'number'])
       OR address IS NOT NULL AND (jsonb_typeof(address) <> 'object' OR NOT address ?& ARRAY['kind', 'street', 'postcode', 'city']) THEN
        RAISE EXCEPTION 'a phone or address correction names its kind and the whole new value'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'phone: {"kind", "number"}; address: {"kind", "street", "house_number", "house_number_suffix", "postcode", "city", "country"}.';
    END IF;
    fields := ARRAY(SELECT k FROM jsonb_object_keys(corrections - 'phone' - 'address') k ORDER BY k);
    BEGIN
        IF fields && columns THEN
            UPDATE dcpf.person p SET
                given_names = CASE WHEN corrections ? 'given_names' THEN nullif(btrim(corrections ->> 'given_names'), '') ELSE p.given_names END,
                initials = CASE WHEN corrections ? 'initials' THEN nullif(btrim(corrections ->> 'initials'), '') ELSE p.initials END,
                tussenvoegsel = CASE WHEN corrections ? 'tussenvoegsel' THEN nullif(lower(btrim(corrections ->> 'tussenvoegsel')), '')
                                     ELSE p.tussenvoegsel END,
                surname = CASE WHEN corrections ? 'surname' THEN btrim(corrections ->> 'surname') ELSE p.surname END,
                partner_tussenvoegsel = CASE WHEN corrections ? 'partner_tussenvoegsel'
                                             THEN nullif(lower(btrim(corrections ->> 'partner_tussenvoegsel')), '') ELSE p.partner_tussenvoegsel END,
                partner_surname = CASE WHEN corrections ? 'partner_surname' THEN nullif(btrim(corrections ->> 'partner_surname'), '')
                                       ELSE p.partner_surname END,
                name_use = CASE WHEN corrections ? 'name_use' THEN corrections ->> 'name_use' ELSE p.name_use END,
                email = CASE WHEN corrections ? 'email' THEN dcpf.email_normalize(corrections ->> 'email') ELSE p.email END,
                job_title = CASE WHEN corrections ? 'job_title' THEN nullif(btrim(corrections ->> 'job_title'), '') ELSE p.job_title END,
                academic_titles = CASE WHEN corrections ? 'academic_titles'
                                       THEN ARRAY(SELECT jsonb_array_elements_text(corrections -> 'academic_titles'))
                                       ELSE p.academic_titles END
             WHERE p.id = req.person_id;
        END IF;
        IF corrections ? 'big_number' THEN
            PERFORM dcpf.set_big_number(req.person_id, corrections ->> 'big_number');
        END IF;
        IF phone IS NOT NULL THEN
            -- the numbers of that kind give way to the correct one
            SELECT bool_or(x.is_primary) INTO was_primary FROM dcpf.person_phone x
             WHERE x.person_id = req.person_id AND x.kind = phone ->> 'kind';
            DELETE FROM dcpf.person_phone x WHERE x.person_id = req.person_id AND x.kind = phone ->> 'kind';
            PERFORM dcpf.add_phone(req.person_id, phone ->> 'kind', phone ->> 'number', coalesce(was_primary, false));
            fields := fields || ('phone:' || (phone ->> 'kind'));
        END IF;
        IF address IS NOT NULL THEN
            PERFORM dcpf.set_address(req.person_id, address ->> 'kind', address ->> 'street', (address ->> 'house_number')::integer,
                                     address ->> 'postcode', address ->> 'city', address ->> 'house_number_suffix',
                                     coalesce(address ->> 'country', 'NL'));
            fields := fields || ('address:' || (address ->> 'kind'));
        END IF;
    EXCEPTION
        -- the table's own errors would echo the row, personal data and all
        WHEN check_violation OR not_null_violation THEN
            GET STACKED DIAGNOSTICS violated = CONSTRAINT_NAME;
            IF violated = '' THEN
                RAISE;          -- a validator's own message, which names no value
            END IF;
            RAISE EXCEPTION 'a correction is not valid'
                USING ERRCODE = 'check_violation',
                      DETAIL = format('A value given does not pass %s; nothing was changed.', violated);
        WHEN unique_violation THEN
            RAISE EXCEPTION 'e-mail address or BIG number already registered'
                USING ERRCODE = 'unique_violation',
                      DETAIL = 'Another person already uses the e-mail address or BIG number given; nothing was changed.';
    END;
    RETURN dcpf.record_rectification(req, fields, NULL, NULL);
END
$$;
COMMENT ON FUNCTION dcpf.rectify_person(uuid, jsonb) IS
    'the privacy officer of the request''s licensee (for a request made to the platform: its security officer, acting as platform_security) corrects or completes the person''s data on a verified request of kind rectification or completion: a JSON object of the fields (name parts, name_use, email, job_title, academic_titles, big_number, phone {kind, number}, address {kind, street, …}), validated and stored as everywhere else (encrypted where the column is); recorded in dcpf.rectification and told to every recipient of the data (art. 19); returns the rectification id. P0002 for a request not theirs; 42809 for another kind; 55000 closed or not verified; 22023 unknown fields; 23514 an invalid value (never echoed); 23505 an e-mail address or BIG number in use';

-- an addendum, after the free-text policy of the item's licensee
CREATE FUNCTION dcpf.write_item_addendum(it dcpf.portfolio_item, statement text, request uuid) RETURNS uuid
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    new_id  uuid := gen_random_uuid();
    flagged boolean;
BEGIN
    IF statement IS NULL OR statement !~ '\S' OR length(statement) > 4000 THEN
        RAISE EXCEPTION 'a supplementary statement is 1 to 4000 characters'
            USING ERRCODE = 'check_violation',
                  DETAIL = format('Got %s.', CASE WHEN statement IS NULL THEN 'none' WHEN statement !~ '\S' THEN 'only white space'
                                                  ELSE length(statement) || ' characters' END);
    END IF;
    IF it.status = 'draft' THEN
        RAISE EXCEPTION 'a draft is edited, not completed'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('Item %s is a draft: its owner can still change its text.', it.id),
                  HINT = 'An addendum completes an item that can no longer change (submitted, signed or locked).';
    END IF;
    flagged := dcpf.free_text_verdict(it.licensee_id, format('The addendum to item %s', it.id), ARRAY[statement]);
    INSERT INTO dcpf.item_addendum (id, item_id, owner_id, author_id, request_id, body_encrypted, possibly_patient_data)
    VALUES (new_id, it.id, it.owner_id, dcpf.current_person(), request,
            dcpf.encrypt(statement, 'item_addendum', 'body', new_id, it.owner_id), flagged);
    RETURN new_id;
END
$$;
COMMENT ON FUNCTION dcpf.write_item_addendum(dcpf.portfolio_item, text, uuid) IS
    'records an addendum to an item that is not a draft: 1-4000 characters, encrypted under the owner''s key, scanned per the item licensee''s free_text_policy (refused, or flagged); returns its id; owner only';

CREATE FUNCTION dcpf.complete_item(request uuid, item uuid, statement text) RETURNS uuid
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    req      dcpf.subject_request := dcpf.rectifiable_request(request);
    it       dcpf.portfolio_item;
    addendum uuid;
BEGIN
    SELECT * INTO it FROM dcpf.portfolio_item p WHERE p.id = item AND p.owner_id = req.person_id FOR SHARE;
    IF it.id IS NULL THEN
        RAISE EXCEPTION 'portfolio item % not found', coalesce(item::text, 'NULL')
            USING ERRCODE = 'no_data_found', DETAIL = 'It does not exist, or it is not the portfolio of the person who made the request.';
    END IF;
    addendum := dcpf.write_item_addendum(it, statement, req.id);
    RETURN dcpf.record_rectification(req, ARRAY['addendum'], it.id, addendum);
END
$$;
COMMENT ON FUNCTION dcpf.complete_item(uuid, uuid, text) IS
    'the privacy officer of the request''s licensee (for a request made to the platform: its security officer, acting as platform_security) completes an item of the requesting person (not a draft; a locked one too, which stays unchanged) with the person''s supplementary statement on a verified request of kind completion or rectification: an addendum beside it, recorded in dcpf.rectification and told to every recipient of the data (art. 19); returns the rectification id. P0002 for a request not theirs or an item not the person''s; 42809 another kind; 55000 closed, not verified, or a draft; 23514 an empty, long or refused text';

-- the owner completes their own item
CREATE FUNCTION dcpf.add_item_addendum(item uuid, statement text) RETURNS uuid
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me uuid := dcpf.verified_person();
    it dcpf.portfolio_item;
BEGIN
    SELECT * INTO it FROM dcpf.portfolio_item p WHERE p.id = item AND p.owner_id = me FOR SHARE;
    IF it.id IS NULL THEN
        RAISE EXCEPTION 'portfolio item % not found', coalesce(item::text, 'NULL')
            USING ERRCODE = 'no_data_found', DETAIL = 'It does not exist or is not yours.';
    END IF;
    RETURN dcpf.write_item_addendum(it, statement, NULL);
END
$$;
COMMENT ON FUNCTION dcpf.add_item_addendum(uuid, text) IS
    'the owner completes their own item (not a draft; a locked one too, which stays unchanged) with a supplementary statement beside it; returns the addendum id. P0002 unless the caller''s; 55000 for a draft; 23514 an empty, long or refused text';

-- ---------------------------------------------------------------------------
-- Reading
-- ---------------------------------------------------------------------------
CREATE VIEW dcpf.item_addendum_decrypted WITH (security_invoker = true, security_barrier = true) AS
SELECT a.id, a.item_id, a.owner_id, a.author_id, a.request_id,
       dcpf.decrypt_text(a.body_encrypted, 'item_addendum', 'body', a.id, a.owner_id, true) AS body,
       a.possibly_patient_data, a.created_at
  FROM dcpf.item_addendum a;
COMMENT ON VIEW dcpf.item_addendum_decrypted IS
    'the addenda to the caller''s items with their text decrypted, for the owner (security_invoker; only the owner may decrypt; NULL once the owner''s key is shredded)';
COMMENT ON COLUMN dcpf.item_addendum_decrypted.body IS 'the supplementary statement, decrypted; NULL once the owner''s key was shredded';
SELECT dcpf.describe_decrypted_views();

-- the addenda of an item for anyone who may read it; each one logged
CREATE FUNCTION dcpf.shared_addenda(item uuid)
    RETURNS TABLE (id uuid, item_id uuid, owner_id uuid, author_id uuid, body text, possibly_patient_data boolean,
                   created_at timestamptz, permission text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    owner   uuid := (SELECT p.owner_id FROM dcpf.portfolio_item p WHERE p.id = shared_addenda.item);
    granted text := dcpf.shared_read(shared_addenda.item, 'portfolio_item', owner);
BEGIN
    FOR id, item_id, owner_id, author_id, body, possibly_patient_data, created_at IN
        SELECT a.id, a.item_id, a.owner_id, a.author_id,
               dcpf.decrypt_text(a.body_encrypted, 'item_addendum', 'body', a.id, a.owner_id, true),
               a.possibly_patient_data, a.created_at
          FROM dcpf.item_addendum a WHERE a.item_id = shared_addenda.item ORDER BY a.created_at, a.id
    LOOP
        permission := granted;
        PERFORM dcpf.audit_note('read', 'item_addendum', shared_addenda.id::text, shared_addenda.owner_id, NULL);
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION dcpf.shared_addenda(uuid) IS
    'the addenda to an item shared with the verified identity (any permission) or that it is asked to assess, sign or issue, oldest first, decrypted, with the permission held: the item and every addendum logged as reads of the owner''s data; P0002 when the item does not exist or is not shared now (an attempt on someone else''s item logged as well)';

-- art. 19, last sentence: the person is told, on asking, who was told
CREATE FUNCTION dcpf.rectification_recipients_told(rectification uuid)
    RETURNS TABLE (recipient_person_id uuid, recipient_name text, queued_at timestamptz, sent_at timestamptz)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me uuid := dcpf.verified_person();
BEGIN
    IF NOT EXISTS (SELECT FROM dcpf.rectification r WHERE r.id = rectification AND r.person_id = me) THEN
        RAISE EXCEPTION 'rectification % not found', coalesce(rectification::text, 'NULL')
            USING ERRCODE = 'no_data_found', DETAIL = 'It does not exist, or it is not of your data.';
    END IF;
    FOR recipient_person_id, recipient_name, queued_at, sent_at IN
        SELECT n.recipient_person_id, dcpf.person_display_name(p), n.queued_at, n.sent_at
          FROM dcpf.notice n JOIN dcpf.person p ON p.id = n.recipient_person_id
         WHERE n.subject_id = me AND n.kind = 'data_rectified' AND n.payload ->> 'rectification_id' = rectification::text
         ORDER BY p.sort_key, p.id
    LOOP
        -- the recipient's name is their data, read by the subject
        PERFORM dcpf.audit_note('read', 'person', recipient_person_id::text, recipient_person_id, '{"reason": "art. 19"}');
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION dcpf.rectification_recipients_told(uuid) IS
    'for the person whose data was rectified (art. 19 AVG, last sentence): the recipients told of a rectification, by name, with when their notice was queued and sent; each name logged as a read of that person''s data. P0002 unless the rectification is of the caller''s data';

-- ---------------------------------------------------------------------------
-- Protection, access, audit
-- ---------------------------------------------------------------------------
REVOKE ALL ON TABLE dcpf.item_addendum, dcpf.rectification FROM PUBLIC;
REVOKE ALL ON dcpf.item_addendum_decrypted FROM PUBLIC;
ALTER TABLE dcpf.item_addendum FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.item_addendum ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.rectification FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.rectification ENABLE ROW LEVEL SECURITY;
SELECT pg_catalog.pg_extension_config_dump('dcpf.item_addendum', '');
SELECT pg_catalog.pg_extension_config_dump('dcpf.rectification', '');
REVOKE ALL ON FUNCTION dcpf.item_addendum_check(),
    dcpf.record_rectification(dcpf.subject_request, text[], uuid, uuid), dcpf.rectifiable_request(uuid),
    dcpf.write_item_addendum(dcpf.portfolio_item, text, uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION dcpf.rectify_person(uuid, jsonb), dcpf.complete_item(uuid, uuid, text), dcpf.add_item_addendum(uuid, text),
    dcpf.shared_addenda(uuid), dcpf.rectification_recipients_told(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.rectify_person(uuid, jsonb), dcpf.complete_item(uuid, uuid, text), dcpf.add_item_addendum(uuid, text),
    dcpf.shared_addenda(uuid), dcpf.rectification_recipients_told(uuid) TO dcpf_app;

-- the owner reads the addenda to their items (others through
-- dcpf.shared_addenda); the person and whoever handles the requests made to
-- the request's controller (its licensee's privacy officer; the platform's
-- security officer for the platform) read the record of a rectification;
-- only the functions write
CREATE POLICY item_addendum_owner_read ON dcpf.item_addendum FOR SELECT TO dcpf_app
    USING (owner_id = dcpf.current_person());
CREATE POLICY rectification_self_read ON dcpf.rectification FOR SELECT TO dcpf_app
    USING (person_id = dcpf.current_person());
CREATE POLICY rectification_officer_read ON dcpf.rectification FOR SELECT TO dcpf_app
    USING (licensee_id = dcpf.licensee_if_acting_in('privacy_officer')
           OR (licensee_id IS NULL AND dcpf.acting_in('platform_security')));
GRANT SELECT ON dcpf.item_addendum, dcpf.item_addendum_decrypted, dcpf.rectification TO dcpf_app;

SELECT dcpf.audit_table('dcpf.item_addendum', 'owner_id');
SELECT dcpf.audit_table('dcpf.rectification', 'person_id');

-- the personal-data registry (215): an addendum is part of the portfolio;
-- a rectification is the record that the right was honoured
INSERT INTO dcpf.personal_data_table (table_name, subject_column, row_key, on_erasure, exported, not_personal, basis) VALUES
    ('item_addendum', 'owner_id', 'id', 'delete', true, '{}', 'portfolio content: statements beside an item (art. 16)'),
    ('rectification', 'person_id', 'id', 'pseudonymise', true, '{fields}',
     'proof that a rectification or completion was carried out and its recipients told (art. 5(2), 16, 19 AVG); field names only');
INSERT INTO dcpf.personal_data_column (table_name, column_name, whose, category, on_erasure, exported, decrypt_as, basis) VALUES
    ('item_addendum', 'owner_id', 'subject', 'reference', 'with_row', true, NULL, NULL),
    ('item_addendum', 'author_id', 'party', 'reference', 'keep', true, NULL, 'the erased person''s id stays on the other person''s record as a pseudonym'),
    ('item_addendum', 'body_encrypted', 'subject', 'content', 'with_row', true, 'text', NULL),
    ('rectification', 'person_id', 'subject', 'reference', 'keep', true, NULL, 'the pseudonym'),
    ('rectification', 'made_by', 'party', 'reference', 'keep', true, NULL, 'who carried it out stays demonstrable, under the pseudonym');
