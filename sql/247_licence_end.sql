-- 247_licence_end.sql: the end of a licence, and the hand-over of the
-- portfolios when a licensee's last licence has ended (clause 13: a
-- licence's end ends the term, and the professional keeps control of the
-- portfolio). dcpf.end_licence gives a licence its exact end: from then on
-- the role gate admits the licensee's staff through it no more, and a
-- cached token does not outlive it (sql/085_identity.sql). Once the
-- licensee has no licence in force or to come, every portfolio made in its
-- context is detached from it and stays its professional's alone: what it
-- referred to in the licensee's data (the membership's role, the programme,
-- competencies, EPAs) is kept by name in dcpf.handover_reference, the
-- references themselves go (so that the licensee's own data can be purged
-- when its retention ends, dcpf.licence_end_clock), shares with the
-- licensee's roles end (and their disclosures in the recipients register),
-- memberships in the licensee end, and each professional is offered an
-- export (a notice). dcpf.complete_licence_ends does this for the ends whose
-- moment has passed; the retention job and dcpf.schedule_maintenance call
-- it. See doc/reference/licence-end.md.

-- ---------------------------------------------------------------------------
-- The record of a hand-over, the professional's own
-- ---------------------------------------------------------------------------
CREATE TABLE dcpf.handover (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    person_id        uuid NOT NULL REFERENCES dcpf.person (id) ON DELETE CASCADE,
    licensee_id      uuid NOT NULL,
    licensee_name    text NOT NULL,
    licence_ended_at timestamptz NOT NULL,
    handed_over_at   timestamptz NOT NULL DEFAULT now(),
    items            integer NOT NULL CONSTRAINT handover_items_counted CHECK (items >= 0),
    requests_withdrawn integer NOT NULL CONSTRAINT handover_requests_withdrawn_counted CHECK (requests_withdrawn >= 0),
    shares_ended     integer NOT NULL CONSTRAINT handover_shares_ended_counted CHECK (shares_ended >= 0),
    CONSTRAINT handover_after_the_end CHECK (handed_over_at >= licence_ended_at)
);
CREATE INDEX handover_person_idx ON dcpf.handover (person_id, handed_over_at);
CREATE INDEX handover_licensee_idx ON dcpf.handover (licensee_id);
COMMENT ON TABLE dcpf.handover IS
    'a professional''s portfolio handed over to them when the last licence of the licensee it was made with ended: detached from the licensee and kept under their control alone; the professional''s record, written by the server only';
COMMENT ON COLUMN dcpf.handover.id IS 'hand-over identifier';
COMMENT ON COLUMN dcpf.handover.person_id IS 'the professional whose portfolio was handed over';
COMMENT ON COLUMN dcpf.handover.licensee_id IS
    'the licensee it was detached from (an id, not a reference: the licensee''s own data is purged when its retention ends, this record stays)';
COMMENT ON COLUMN dcpf.handover.licensee_name IS 'the licensee''s name at the hand-over';
COMMENT ON COLUMN dcpf.handover.licence_ended_at IS 'when the licensee''s last licence ended';
COMMENT ON COLUMN dcpf.handover.handed_over_at IS 'when the portfolio was handed over';
COMMENT ON COLUMN dcpf.handover.items IS 'how many of the professional''s items were detached from the licensee';
COMMENT ON COLUMN dcpf.handover.requests_withdrawn IS
    'how many of those items were submitted (asked of someone to sign, assess, declare or give feedback) and went back to draft: requests made in the licensee''s context lapse';
COMMENT ON COLUMN dcpf.handover.shares_ended IS 'how many of the professional''s shares with the licensee''s roles ended';

CREATE TABLE dcpf.handover_reference (
    handover_id  uuid NOT NULL REFERENCES dcpf.handover (id) ON DELETE CASCADE,
    owner_id     uuid NOT NULL,
    table_name   text NOT NULL CONSTRAINT handover_reference_table_known
                 CHECK (table_name IN ('portfolio_item', 'portfolio_item_competency', 'portfolio_item_epa', 'assessment',
                                       'entrustment_decision', 'msf_round')),
    row_id       uuid NOT NULL,
    column_name  text NOT NULL CONSTRAINT handover_reference_column_known
                 CHECK (column_name IN ('membership_id', 'programme_id', 'competency_id', 'epa_id', 'licensee_id')),
    referred_id  uuid NOT NULL,
    code         text,
    version      integer,
    name         text NOT NULL,
    target_level dcpf.entrustment_level,
    PRIMARY KEY (table_name, row_id, column_name, referred_id)
);
CREATE INDEX handover_reference_owner_idx ON dcpf.handover_reference (owner_id);
CREATE INDEX handover_reference_handover_idx ON dcpf.handover_reference (handover_id);
COMMENT ON TABLE dcpf.handover_reference IS
    'what a handed-over row of the portfolio referred to in the licensee''s data, kept by name when the reference itself went (an item''s membership and programme, a link to a competency or an EPA, an assessment''s or entrustment decision''s EPA, a round''s licensee), so that the record still says what it was after the licensee''s data is purged';
COMMENT ON COLUMN dcpf.handover_reference.handover_id IS 'the hand-over that detached it';
COMMENT ON COLUMN dcpf.handover_reference.owner_id IS 'the professional whose row it is (for row-level security)';
COMMENT ON COLUMN dcpf.handover_reference.table_name IS 'the table of the row: portfolio_item, portfolio_item_competency, portfolio_item_epa, assessment, entrustment_decision or msf_round';
COMMENT ON COLUMN dcpf.handover_reference.row_id IS 'the row: the item (also for its links and its assessment), the entrustment decision or the round';
COMMENT ON COLUMN dcpf.handover_reference.column_name IS 'the reference that went: membership_id, programme_id, competency_id, epa_id or licensee_id';
COMMENT ON COLUMN dcpf.handover_reference.referred_id IS 'the id it held (an id, not a reference)';
COMMENT ON COLUMN dcpf.handover_reference.code IS 'the membership''s role, or the programme''s, competency''s or EPA''s code; NULL for a licensee';
COMMENT ON COLUMN dcpf.handover_reference.version IS 'the EPA''s version; NULL otherwise';
COMMENT ON COLUMN dcpf.handover_reference.name IS 'the role''s, programme''s or licensee''s name, the competency''s Dutch name, or the EPA''s title';
COMMENT ON COLUMN dcpf.handover_reference.target_level IS 'the EPA''s target entrustment level; NULL otherwise';

REVOKE ALL ON TABLE dcpf.handover, dcpf.handover_reference FROM PUBLIC;
ALTER TABLE dcpf.handover FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.handover ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.handover_reference FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.handover_reference ENABLE ROW LEVEL SECURITY;
SELECT pg_catalog.pg_extension_config_dump('dcpf.handover', '');
SELECT pg_catalog.pg_extension_config_dump('dcpf.handover_reference', '');
-- the professional reads their own; only dcpf's functions write
CREATE POLICY handover_person_read ON dcpf.handover FOR SELECT TO dcpf_app
    USING (person_id = dcpf.current_person());
CREATE POLICY handover_reference_owner_read ON dcpf.handover_reference FOR SELECT TO dcpf_app
    USING (owner_id = dcpf.current_person());
GRANT SELECT ON dcpf.handover, dcpf.handover_reference TO dcpf_app;
-- written for a person whose processing is restricted too (the hand-over
-- sets dcpf.restriction_exemption): it reduces what others may do
SELECT dcpf.audit_table('dcpf.handover', 'person_id', 'hand_over');
SELECT dcpf.audit_table('dcpf.handover_reference', 'owner_id');

INSERT INTO dcpf.personal_data_table (table_name, subject_column, row_key, on_erasure, exported, not_personal, basis) VALUES
    ('handover', 'person_id', 'id', 'delete', true, '{licensee_name}',
     'the record that the professional''s portfolio was handed over to them when a licensee''s last licence ended'),
    ('handover_reference', 'owner_id', 'row_id', 'delete', true, '{table_name,column_name,code,name}',
     'portfolio content: what a handed-over row referred to in the licensee''s curriculum, by name');
INSERT INTO dcpf.personal_data_column (table_name, column_name, whose, category, on_erasure, exported, decrypt_as, basis) VALUES
    ('handover', 'person_id', 'subject', 'reference', 'with_row', true, NULL, NULL),
    ('handover_reference', 'owner_id', 'subject', 'reference', 'with_row', true, NULL, NULL);

-- ---------------------------------------------------------------------------
-- Ending what ties people to the licensee
-- ---------------------------------------------------------------------------
-- Memberships and places in programmes current at the end end at it; those
-- that would only have begun later are removed (they never took effect
-- under a licence). Shares with the licensee's roles end at it (their
-- disclosures with them, as a revocation ends them) and are removed: they
-- name the licensee's programmes, which its retention purges; the
-- recipients register keeps what was disclosed to whom, and until when.
-- Of one person, or (person NULL) of everyone. Returns the shares ended.
CREATE FUNCTION dcpf.end_licensee_ties(licensee uuid, ended timestamptz, person uuid DEFAULT NULL) RETURNS integer
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    shares integer;
BEGIN
    UPDATE dcpf.membership m SET valid_until = ended
     WHERE m.licensee_id = end_licensee_ties.licensee AND (end_licensee_ties.person IS NULL OR m.person_id = end_licensee_ties.person)
       AND m.valid_from < ended AND (m.valid_until IS NULL OR m.valid_until > ended);
    UPDATE dcpf.programme_member pm SET valid_until = ended
     WHERE pm.licensee_id = end_licensee_ties.licensee AND (end_licensee_ties.person IS NULL OR pm.person_id = end_licensee_ties.person)
       AND pm.valid_from < ended AND (pm.valid_until IS NULL OR pm.valid_until > ended);
    DELETE FROM dcpf.programme_member pm
     WHERE pm.licensee_id = end_licensee_ties.licensee AND (end_licensee_ties.person IS NULL OR pm.person_id = end_licensee_ties.person)
       AND pm.valid_from >= ended;
    DELETE FROM dcpf.membership m
     WHERE m.licensee_id = end_licensee_ties.licensee AND (end_licensee_ties.person IS NULL OR m.person_id = end_licensee_ties.person)
       AND m.valid_from >= ended;
    UPDATE dcpf.share s SET revoked_at = greatest(ended, s.valid_from)
     WHERE s.grantee_licensee_id = end_licensee_ties.licensee AND (end_licensee_ties.person IS NULL OR s.owner_id = end_licensee_ties.person)
       AND s.revoked_at IS NULL AND (s.valid_until IS NULL OR s.valid_until > ended);
    GET DIAGNOSTICS shares = ROW_COUNT;
    DELETE FROM dcpf.share s
     WHERE s.grantee_licensee_id = end_licensee_ties.licensee AND (end_licensee_ties.person IS NULL OR s.owner_id = end_licensee_ties.person);
    RETURN shares;
END
$$;
COMMENT ON FUNCTION dcpf.end_licensee_ties(uuid, timestamptz, uuid) IS
    'for the hand-over: ends at the licence''s end the memberships and programme places in the licensee current then (removes those that would only have begun later), and the shares with its roles (their disclosures ending with them; the shares are then removed, the recipients register keeps them), of one person or (NULL) everyone; returns the shares ended; owner only';
REVOKE ALL ON FUNCTION dcpf.end_licensee_ties(uuid, timestamptz, uuid) FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- The hand-over of one professional's portfolio
-- ---------------------------------------------------------------------------
CREATE FUNCTION dcpf.hand_over_portfolio(licensee uuid, person uuid, ended timestamptz) RETURNS uuid
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    record_id     uuid := gen_random_uuid();
    licensee_text text := (SELECT l.name FROM dcpf.licensee l WHERE l.id = hand_over_portfolio.licensee);
    detached      integer := (SELECT count(*) FROM dcpf.portfolio_item i
                               WHERE i.licensee_id = hand_over_portfolio.licensee AND i.owner_id = hand_over_portfolio.person);
    shares        integer := dcpf.end_licensee_ties(hand_over_portfolio.licensee, ended, hand_over_portfolio.person);
    withdrawn     integer;
BEGIN
    -- requests made in the licensee's context lapse: a submitted item goes
    -- back to draft, as when its owner withdraws it (its triggers withdraw
    -- the feedback requests and end the disclosures to those asked)
    UPDATE dcpf.portfolio_item i SET status = 'draft', submitted_at = NULL
     WHERE i.licensee_id = hand_over_portfolio.licensee AND i.owner_id = hand_over_portfolio.person AND i.status = 'submitted';
    GET DIAGNOSTICS withdrawn = ROW_COUNT;
    -- the assessors asked in the licensee's context read the assessments no
    -- more once they are handed over (dcpf.item_permission): those
    -- disclosures end now
    UPDATE dcpf.disclosure d SET ended_at = now()
      FROM dcpf.portfolio_item i
     WHERE i.licensee_id = hand_over_portfolio.licensee AND i.owner_id = hand_over_portfolio.person AND i.item_type = 'assessment'
       AND d.subject_id = hand_over_portfolio.person AND d.ended_at IS NULL
       AND d.what = format('portfolio item %s (assessment request)', i.id);
    INSERT INTO dcpf.handover (id, person_id, licensee_id, licensee_name, licence_ended_at, items, requests_withdrawn, shares_ended)
    VALUES (record_id, person, licensee, licensee_text, ended, detached, withdrawn, shares);
    -- what the portfolio referred to in the licensee's data, by name
    INSERT INTO dcpf.handover_reference (handover_id, owner_id, table_name, row_id, column_name, referred_id, code, version, name, target_level)
    SELECT record_id, person, 'portfolio_item', i.id, 'membership_id', m.id, m.role_code, NULL::integer, r.name_nl,
           NULL::dcpf.entrustment_level
      FROM dcpf.portfolio_item i JOIN dcpf.membership m ON m.id = i.membership_id JOIN dcpf.role r ON r.code = m.role_code
     WHERE i.licensee_id = hand_over_portfolio.licensee AND i.owner_id = hand_over_portfolio.person
    UNION ALL
    SELECT record_id, person, x.table_of, x.row_of, 'programme_id', p.id, p.code, NULL, p.name, NULL
      FROM (SELECT 'portfolio_item', i.id, i.programme_id FROM dcpf.portfolio_item i
             WHERE i.licensee_id = hand_over_portfolio.licensee AND i.owner_id = hand_over_portfolio.person
            UNION ALL
            SELECT 'entrustment_decision', d.id, d.programme_id FROM dcpf.entrustment_decision d
             WHERE d.owner_id = hand_over_portfolio.person AND d.licensee_id = hand_over_portfolio.licensee) x(table_of, row_of, programme)
      JOIN dcpf.programme p ON p.id = x.programme
    UNION ALL
    SELECT record_id, person, 'portfolio_item_competency', x.item_id, 'competency_id', c.id, c.code, NULL, c.name_nl, NULL
      FROM dcpf.portfolio_item_competency x JOIN dcpf.competency c ON c.id = x.competency_id
     WHERE x.owner_id = hand_over_portfolio.person AND c.licensee_id = hand_over_portfolio.licensee
    UNION ALL
    SELECT record_id, person, x.table_of, x.row_of, 'epa_id', e.id, e.code, e.version, e.title, e.target_level
      FROM (SELECT 'portfolio_item_epa', l.item_id, l.epa_id FROM dcpf.portfolio_item_epa l WHERE l.owner_id = hand_over_portfolio.person
            UNION ALL
            SELECT 'assessment', a.item_id, a.epa_id FROM dcpf.assessment a WHERE a.owner_id = hand_over_portfolio.person
            UNION ALL
            SELECT 'entrustment_decision', d.id, d.epa_id FROM dcpf.entrustment_decision d WHERE d.owner_id = hand_over_portfolio.person
           ) x(table_of, row_of, epa)
      JOIN dcpf.epa e ON e.id = x.epa
     WHERE e.licensee_id = hand_over_portfolio.licensee
    UNION ALL
    SELECT record_id, person, 'msf_round', r.id, 'licensee_id', hand_over_portfolio.licensee, NULL, NULL, licensee_text, NULL
      FROM dcpf.msf_round r
     WHERE r.owner_id = hand_over_portfolio.person AND r.licensee_id = hand_over_portfolio.licensee;
    -- the references go (the portfolio's triggers let exactly this through
    -- while dcpf.handing_over()); the items' own content is untouched
    DELETE FROM dcpf.portfolio_item_competency x USING dcpf.competency c
     WHERE x.owner_id = hand_over_portfolio.person AND c.id = x.competency_id AND c.licensee_id = hand_over_portfolio.licensee;
    DELETE FROM dcpf.portfolio_item_epa x USING dcpf.epa e
     WHERE x.owner_id = hand_over_portfolio.person AND e.id = x.epa_id AND e.licensee_id = hand_over_portfolio.licensee;
    UPDATE dcpf.assessment a SET epa_id = NULL FROM dcpf.epa e
     WHERE a.owner_id = hand_over_portfolio.person AND e.id = a.epa_id AND e.licensee_id = hand_over_portfolio.licensee;
    UPDATE dcpf.entrustment_decision d SET licensee_id = NULL, programme_id = NULL, epa_id = NULL
     WHERE d.owner_id = hand_over_portfolio.person AND d.licensee_id = hand_over_portfolio.licensee;
    UPDATE dcpf.msf_round r SET licensee_id = NULL
     WHERE r.owner_id = hand_over_portfolio.person AND r.licensee_id = hand_over_portfolio.licensee;
    UPDATE dcpf.portfolio_item i SET membership_id = NULL, licensee_id = NULL, programme_id = NULL, handed_over_at = now()
     WHERE i.licensee_id = hand_over_portfolio.licensee AND i.owner_id = hand_over_portfolio.person;
    -- the professional is offered an export (not while their processing is
    -- restricted or their account deactivated: dcpf.queue_notice)
    PERFORM dcpf.queue_notice('portfolio_handed_over', person, NULL, person,
                              jsonb_build_object('handover', record_id, 'licensee_id', licensee, 'licensee_name', licensee_text,
                                                 'licence_ended_at', ended, 'items', detached, 'requests_withdrawn', withdrawn));
    RETURN record_id;
END
$$;
COMMENT ON FUNCTION dcpf.hand_over_portfolio(uuid, uuid, timestamptz) IS
    'for the hand-over: detaches a person''s portfolio from the licensee (its submitted items go back to draft, the requests lapsing; items lose their membership, licensee and programme and are marked handed over; links to its competencies and EPAs, assessments'' and entrustment decisions'' EPAs and programmes, and rounds'' licensee go, each kept by name in dcpf.handover_reference), ends their memberships, programme places and shares with the licensee''s roles (dcpf.end_licensee_ties), records the hand-over and queues a portfolio_handed_over notice offering an export; returns the hand-over; owner only, run under dcpf.handing_over()';
REVOKE ALL ON FUNCTION dcpf.hand_over_portfolio(uuid, uuid, timestamptz) FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- Completing the licence ends whose moment has passed
-- ---------------------------------------------------------------------------
-- One licensee at a time (licensee NULL: every one), in transactions of the
-- caller's: first every licence whose end has passed is marked ended
-- (terminated when dcpf.end_licence gave it its end, expired by its last
-- day), then the portfolios of every licensee left without a licence in
-- force or to come are handed over, at most max_persons of them (NULL: all),
-- each with everything it holds of that licensee; when none is left, the
-- licensee's other ties end too and its ended licences are marked handed
-- over. Idempotent: what is done is not found again; what is left is found
-- next time.
CREATE FUNCTION dcpf.complete_licence_ends_of(licensee uuid, max_persons integer)
    RETURNS TABLE (ended_licensee uuid, last_licence_end timestamptz, licences_ended integer, portfolios_handed_over integer,
                   finished boolean, failure text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    SET dcpf.restriction_exemption = 'handover'
AS $$
DECLARE
    budget   integer := max_persons;
    due      record;
    who      uuid;
    failed   text;
BEGIN
    IF max_persons IS NOT NULL AND max_persons < 1 THEN
        RAISE EXCEPTION 'max_persons must be at least 1'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Got %s.', max_persons),
                  HINT = 'Pass NULL to hand over every portfolio due.';
    END IF;
    FOR due IN
        WITH marked AS (
            -- licences past their end: ended now (their exact end kept)
            UPDATE dcpf.licence l
               SET status = CASE WHEN l.ends_at IS NOT NULL THEN 'terminated' ELSE 'expired' END,
                   terminated_on = CASE WHEN l.ends_at IS NOT NULL THEN greatest(l.ends_at::date, l.starts_on) END,
                   ends_at = dcpf.licence_ends_at(l)
             WHERE l.status IN ('active', 'suspended')
               AND (l.ends_at <= now() OR (l.ends_at IS NULL AND l.ends_on < current_date))
               AND (complete_licence_ends_of.licensee IS NULL OR l.licensee_id = complete_licence_ends_of.licensee)
            RETURNING l.licensee_id)
        SELECT x.licensee_id, (SELECT count(*) FROM marked m WHERE m.licensee_id = x.licensee_id)::integer AS marked_now
          FROM (SELECT m.licensee_id FROM marked m
                UNION
                -- licensees with licences that ended earlier and no hand-over
                -- finished since (another licence was in force, or more was left)
                SELECT l.licensee_id FROM dcpf.licence l
                 WHERE l.status IN ('terminated', 'expired') AND l.handed_over_at IS NULL
                   AND (complete_licence_ends_of.licensee IS NULL OR l.licensee_id = complete_licence_ends_of.licensee)) x
         ORDER BY x.licensee_id
    LOOP
        ended_licensee := due.licensee_id;
        licences_ended := due.marked_now;
        portfolios_handed_over := 0;
        failure := NULL;
        -- not while a licence is in force, suspended or yet to start
        last_licence_end := CASE WHEN dcpf.licence_end_clock(due.licensee_id) IS NOT NULL
                                 THEN (SELECT max(dcpf.licence_ends_at(l)) FROM dcpf.licence l WHERE l.licensee_id = due.licensee_id) END;
        finished := last_licence_end IS NULL;
        IF NOT finished AND (budget IS NULL OR budget > 0) THEN
            BEGIN
                -- one hand-over of a licensee at a time
                PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('dcpf.handover ' || due.licensee_id::text, 0));
                FOR who IN
                    SELECT x.person_id FROM (
                        SELECT i.owner_id FROM dcpf.portfolio_item i WHERE i.licensee_id = due.licensee_id
                        UNION
                        SELECT d.owner_id FROM dcpf.entrustment_decision d
                         WHERE d.programme_id IN (SELECT p.id FROM dcpf.programme p WHERE p.licensee_id = due.licensee_id)
                        UNION
                        SELECT r.owner_id FROM dcpf.msf_round r WHERE r.licensee_id = due.licensee_id
                        UNION
                        -- a professional with a membership still open at the end, even with nothing made there
                        SELECT m.person_id FROM dcpf.membership m
                         WHERE m.licensee_id = due.licensee_id
                           AND m.role_code IN ('professional', 'medical_professional', 'medical_trainee')
                           AND (m.valid_until IS NULL OR m.valid_until > last_licence_end)) x(person_id)
                     ORDER BY x.person_id
                     LIMIT budget
                LOOP
                    PERFORM dcpf.hand_over_portfolio(due.licensee_id, who, last_licence_end);
                    portfolios_handed_over := portfolios_handed_over + 1;
                END LOOP;
                IF budget IS NULL OR portfolios_handed_over < budget THEN
                    -- no portfolio left: the staff's ties end too, and the
                    -- ended licences are done with
                    PERFORM dcpf.end_licensee_ties(due.licensee_id, last_licence_end);
                    UPDATE dcpf.licence l SET handed_over_at = now()
                     WHERE l.licensee_id = due.licensee_id AND l.status IN ('terminated', 'expired') AND l.handed_over_at IS NULL;
                    finished := true;
                END IF;
                budget := budget - portfolios_handed_over;
            EXCEPTION WHEN OTHERS THEN
                IF complete_licence_ends_of.licensee IS NOT NULL THEN
                    RAISE;
                END IF;
                -- one licensee's failure does not hold up the others; it is tried again next time
                GET STACKED DIAGNOSTICS failed = MESSAGE_TEXT;
                RAISE WARNING 'the hand-over of licensee % failed: %', due.licensee_id, failed
                    USING HINT = 'Nothing of it was changed; dcpf.complete_licence_ends tries it again.';
                portfolios_handed_over := 0;
                failure := failed;
            END;
        END IF;
        IF licences_ended > 0 OR portfolios_handed_over > 0 OR failure IS NOT NULL OR NOT finished THEN
            IF portfolios_handed_over > 0 THEN
                RAISE NOTICE 'licensee %: % portfolio(s) handed over%', due.licensee_id, portfolios_handed_over,
                    CASE WHEN finished THEN '' ELSE ', more to come' END;
            END IF;
            RETURN NEXT;
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION dcpf.complete_licence_ends_of(uuid, integer) IS
    'the work of dcpf.complete_licence_ends, of one licensee or (NULL) every one: marks the licences past their end ended (terminated or expired, ends_at kept), and for each licensee with ended licences not yet handed over and no licence in force or to come hands over up to max_persons portfolios (NULL: all), then ends its remaining ties and marks its ended licences handed_over_at; a row per licensee where something happened or is left; for one licensee an error is raised, for every one it is reported (WARNING and failure) and tried again next time. SECURITY DEFINER with dcpf.restriction_exemption = handover; owner only';
REVOKE ALL ON FUNCTION dcpf.complete_licence_ends_of(uuid, integer) FROM PUBLIC;

CREATE FUNCTION dcpf.complete_licence_ends(max_persons integer DEFAULT NULL)
    RETURNS TABLE (ended_licensee uuid, last_licence_end timestamptz, licences_ended integer, portfolios_handed_over integer,
                   finished boolean, failure text)
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT * FROM dcpf.complete_licence_ends_of(NULL, complete_licence_ends.max_persons);
END;
COMMENT ON FUNCTION dcpf.complete_licence_ends(integer) IS
    'completes the licence ends whose moment has passed: marks those licences ended, and hands over the portfolios of every licensee left without a licence in force or to come (at most max_persons per call; NULL: all), ending its memberships and the shares with its roles; idempotent and resumable (call it until no row says finished false); one row per licensee where something happened or is left. For dcpf_maintenance: the retention job and the schedule call it';
REVOKE ALL ON FUNCTION dcpf.complete_licence_ends(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.complete_licence_ends(integer) TO dcpf_maintenance;

-- ---------------------------------------------------------------------------
-- Ending a licence
-- ---------------------------------------------------------------------------
-- Who: the extension owner (the platform operator's provisioning), as for
-- dcpf.create_licence: a licence is the contract between the operator and
-- the licensee, and its end takes the access of a whole licensee away and
-- hands every portfolio over; no application role, whose tokens come from
-- the licensees' own identity providers, may do that.
CREATE FUNCTION dcpf.end_licence(licence uuid, at timestamptz, reason text, grace interval DEFAULT interval '0',
                                 OUT licence_end timestamptz, OUT portfolios_handed_over integer)
    RETURNS record
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    lic  dcpf.licence;
BEGIN
    IF at IS NULL THEN
        RAISE EXCEPTION 'the end of a licence must be given'
            USING ERRCODE = 'null_value_not_allowed', HINT = 'Pass now() to end it at once.';
    END IF;
    SELECT * INTO lic FROM dcpf.licence l WHERE l.id = end_licence.licence FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'licence % does not exist', end_licence.licence
            USING ERRCODE = 'no_data_found';
    END IF;
    IF lic.ends_at IS NOT NULL OR lic.status IN ('terminated', 'expired') OR lic.ends_on < current_date THEN
        RAISE EXCEPTION 'licence % has an end already', lic.id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('It %s at %s (status %s).', CASE WHEN dcpf.licence_ends_at(lic) <= now() THEN 'ended' ELSE 'ends' END,
                                  dcpf.licence_ends_at(lic), lic.status),
                  HINT = 'An end is given once; a licence to continue is a new licence (dcpf.create_licence).';
    END IF;
    IF at < now() THEN
        RAISE EXCEPTION 'a licence cannot end in the past'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The end given, %s, is before now (%s): the licensee''s staff had access until now, and the audit trail shows it.', at, now()),
                  HINT = 'End it now (now()) or later.';
    END IF;
    IF at < lic.starts_on::timestamptz THEN
        RAISE EXCEPTION 'licence % cannot end before it starts', lic.id
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('It starts on %s; the end given is %s.', lic.starts_on, at);
    END IF;
    IF lic.ends_on IS NOT NULL AND at > (lic.ends_on + 1)::timestamptz THEN
        RAISE EXCEPTION 'licence % cannot end after its last day', lic.id
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Its last day is %s; the end given is %s.', lic.ends_on, at),
                  HINT = 'It ends with its last day anyway; give an earlier end, or none.';
    END IF;
    IF reason IS NULL OR length(btrim(reason)) NOT BETWEEN 3 AND 1000 THEN
        RAISE EXCEPTION 'ending a licence needs a reason of 3 to 1000 characters'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Licence %s.', lic.id);
    END IF;
    -- kept in the clear: never a patient number, whatever the policy
    PERFORM dcpf.free_text_verdict(NULL, format('The reason for ending licence %s', lic.id), ARRAY[reason]);
    IF grace IS NULL OR grace < interval '0' OR grace > interval '1 year' THEN
        RAISE EXCEPTION 'the grace period must be between 0 and 1 year'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('Got %s.', coalesce(grace::text, 'NULL')),
                  HINT = 'The grace period delays the retention clock of the licensee''s own data; the portfolios are handed over at the end itself.';
    END IF;
    UPDATE dcpf.licence l SET ends_at = end_licence.at, retention_grace = grace, termination_reason = btrim(reason)
     WHERE l.id = lic.id;
    licence_end := at;
    portfolios_handed_over := 0;
    IF at <= now() THEN
        SELECT coalesce(sum(c.portfolios_handed_over), 0) INTO portfolios_handed_over
          FROM dcpf.complete_licence_ends_of(lic.licensee_id, NULL) c;
    END IF;
END
$$;
COMMENT ON FUNCTION dcpf.end_licence(uuid, timestamptz, text, interval) IS
    'ends a licence at an exact moment (now or later; not before its start, not after its last day), with a reason (3-1000 characters, no patient numbers) and a grace period (0 to 1 year) before the retention clock of the licensee''s own data starts: from then on the licensee''s staff act through it no more. When the licensee is then left without a licence in force or to come, its portfolios are handed over: at once for an end now, else by dcpf.complete_licence_ends once the end has passed. Returns the end and the portfolios handed over now. P0002 unknown licence; 55000 an end given already or the licence ended; 22004 no end; 22023 an end in the past, before the start or after the last day, a bad reason or grace; 23514 a patient number in the reason. The extension owner only';
REVOKE ALL ON FUNCTION dcpf.end_licence(uuid, timestamptz, text, interval) FROM PUBLIC;
