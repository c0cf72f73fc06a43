-- 230_breach.sql: the breach register (arts. 33, 34 AVG; DESIGN.md clause
-- 10). A data breach (datalek) is recorded by the platform's security
-- officer (role platform_security): when it was discovered, its nature, the
-- data and persons concerned, likely consequences, measures, and the risk.
-- The privacy statement promises each licensee (the controller) notice
-- within 48 hours of discovery; the Autoriteit Persoonsgegevens is told
-- within 72 hours (art. 33(1)), late only with the reason. Both deadlines
-- are exact timestamps, generated from the time of discovery, so nobody can
-- move them. Whose data a compromised account or address touched comes from
-- the audit trail (dcpf.breach_impact) and is stored per person, so that
-- the licensees concerned and the counts follow, and art. 34 notices can be
-- queued to those persons. Information given in phases (art. 33(4)) is an
-- append-only update. The licensees' privacy officers read the breaches
-- concerning their licensee, and only those; a person reads, through
-- dcpf.my_breaches, the breaches that affected them. Every step is one
-- audited write; dcpf.overdue_breaches lists what is due and not done.
-- See doc/reference/breaches.md.

CREATE TABLE dcpf.breach (
    id                       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    title                    text NOT NULL CONSTRAINT breach_title_length CHECK (length(btrim(title)) BETWEEN 5 AND 200),
    discovered_at            timestamptz NOT NULL,
    occurred_from            timestamptz,
    occurred_until           timestamptz,
    recorded_at              timestamptz NOT NULL DEFAULT now(),
    recorded_by              uuid NOT NULL REFERENCES dcpf.person (id),
    nature                   text NOT NULL CONSTRAINT breach_nature_length CHECK (length(btrim(nature)) BETWEEN 10 AND 4000),
    breach_types             text[] NOT NULL CONSTRAINT breach_types_known
                             CHECK (cardinality(breach_types) > 0
                                    AND breach_types <@ ARRAY['confidentiality', 'integrity', 'availability']),
    data_categories          text[] NOT NULL CONSTRAINT breach_data_categories_given
                             CHECK (cardinality(data_categories) > 0 AND array_position(data_categories, NULL) IS NULL),
    subject_categories       text[] NOT NULL CONSTRAINT breach_subject_categories_given
                             CHECK (cardinality(subject_categories) > 0 AND array_position(subject_categories, NULL) IS NULL),
    persons_estimate         integer CONSTRAINT breach_persons_estimate_counted CHECK (persons_estimate >= 0),
    records_estimate         bigint CONSTRAINT breach_records_estimate_counted CHECK (records_estimate >= 0),
    persons_found            integer NOT NULL DEFAULT 0 CONSTRAINT breach_persons_found_counted CHECK (persons_found >= 0),
    records_found            bigint NOT NULL DEFAULT 0 CONSTRAINT breach_records_found_counted CHECK (records_found >= 0),
    likely_consequences      text NOT NULL CONSTRAINT breach_likely_consequences_length
                             CHECK (length(btrim(likely_consequences)) BETWEEN 10 AND 4000),
    measures_taken           text CONSTRAINT breach_measures_taken_length CHECK (length(btrim(measures_taken)) BETWEEN 5 AND 4000),
    measures_proposed        text CONSTRAINT breach_measures_proposed_length CHECK (length(btrim(measures_proposed)) BETWEEN 5 AND 4000),
    risk                     text NOT NULL CONSTRAINT breach_risk_known CHECK (risk IN ('unlikely', 'risk', 'high_risk')),
    controller_due_at        timestamptz NOT NULL GENERATED ALWAYS AS
                                 (((discovered_at AT TIME ZONE 'UTC') + interval '48 hours') AT TIME ZONE 'UTC') STORED,
    authority_due_at         timestamptz NOT NULL GENERATED ALWAYS AS
                                 (((discovered_at AT TIME ZONE 'UTC') + interval '72 hours') AT TIME ZONE 'UTC') STORED,
    authority_notified_at    timestamptz,
    authority_reference      text CONSTRAINT breach_authority_reference_length CHECK (length(btrim(authority_reference)) BETWEEN 2 AND 200),
    authority_late_reason    text CONSTRAINT breach_authority_late_reason_length CHECK (length(btrim(authority_late_reason)) BETWEEN 5 AND 2000),
    authority_waived_reason  text CONSTRAINT breach_authority_waived_reason_length CHECK (length(btrim(authority_waived_reason)) BETWEEN 5 AND 2000),
    persons_decision         text CONSTRAINT breach_persons_decision_known CHECK (persons_decision IN
                                 ('notified', 'no_high_risk', 'data_unintelligible', 'risk_averted', 'public_communication')),
    persons_explanation      text CONSTRAINT breach_persons_explanation_length CHECK (length(btrim(persons_explanation)) BETWEEN 5 AND 2000),
    persons_notified_at      timestamptz,
    status                   text NOT NULL DEFAULT 'open' CONSTRAINT breach_status_known CHECK (status IN ('open', 'contained', 'closed')),
    closed_at                timestamptz,
    CONSTRAINT breach_discovered_before_recorded CHECK (discovered_at <= recorded_at),
    CONSTRAINT breach_period_ordered CHECK (occurred_until IS NULL OR occurred_from IS NULL OR occurred_until >= occurred_from),
    CONSTRAINT breach_authority_once CHECK (authority_notified_at IS NULL OR authority_waived_reason IS NULL),
    CONSTRAINT breach_authority_notice_whole
        CHECK ((authority_notified_at IS NULL) = (authority_reference IS NULL)
               AND (authority_late_reason IS NULL OR authority_notified_at IS NOT NULL)),
    CONSTRAINT breach_authority_after_discovery CHECK (authority_notified_at >= discovered_at),
    CONSTRAINT breach_authority_late_has_reason
        CHECK (authority_notified_at IS NULL OR authority_notified_at <= authority_due_at OR authority_late_reason IS NOT NULL),
    CONSTRAINT breach_authority_waived_when_unlikely CHECK (authority_waived_reason IS NULL OR risk = 'unlikely'),
    CONSTRAINT breach_persons_notified_when_decided CHECK ((persons_notified_at IS NOT NULL) = (persons_decision = 'notified')),
    CONSTRAINT breach_persons_explained
        CHECK ((persons_explanation IS NOT NULL) = (persons_decision IS NOT NULL AND persons_decision <> 'notified')),
    CONSTRAINT breach_persons_high_risk_told CHECK (persons_decision IS DISTINCT FROM 'no_high_risk' OR risk <> 'high_risk'),
    CONSTRAINT breach_closed_when_closed CHECK ((closed_at IS NOT NULL) = (status = 'closed')),
    CONSTRAINT breach_closed_when_done
        CHECK (status <> 'closed' OR (measures_taken IS NOT NULL AND persons_decision IS NOT NULL
                                      AND (authority_notified_at IS NOT NULL OR authority_waived_reason IS NOT NULL)))
);
CREATE INDEX breach_open_idx ON dcpf.breach (discovered_at) WHERE status <> 'closed';
COMMENT ON TABLE dcpf.breach IS
    'the breach register (arts. 33(5) and 34 AVG): every personal data breach the platform discovered, its facts, effects and measures, and when the licensees, the Autoriteit Persoonsgegevens and the persons concerned were told; written only by the dcpf.*breach* functions, each step one audited write';
COMMENT ON COLUMN dcpf.breach.id IS 'breach identifier, the reference given to the licensees';
COMMENT ON COLUMN dcpf.breach.title IS 'a short name of the breach; kept in the clear';
COMMENT ON COLUMN dcpf.breach.discovered_at IS 'when the platform became aware of it; the deadlines run from here; fixed';
COMMENT ON COLUMN dcpf.breach.occurred_from IS 'when the breach began, if known';
COMMENT ON COLUMN dcpf.breach.occurred_until IS 'when it ended, if known; NULL: unknown or ongoing';
COMMENT ON COLUMN dcpf.breach.recorded_at IS 'when it was entered in the register';
COMMENT ON COLUMN dcpf.breach.recorded_by IS 'the platform security officer who recorded it';
COMMENT ON COLUMN dcpf.breach.nature IS 'the nature of the breach (art. 33(3)(a)): what happened';
COMMENT ON COLUMN dcpf.breach.breach_types IS 'which of confidentiality (disclosed), integrity (altered) and availability (lost) were breached';
COMMENT ON COLUMN dcpf.breach.data_categories IS 'the categories of personal data concerned';
COMMENT ON COLUMN dcpf.breach.subject_categories IS 'the categories of data subjects concerned';
COMMENT ON COLUMN dcpf.breach.persons_estimate IS 'the approximate number of persons concerned, as estimated by the officer (art. 33(3)(a)); NULL: not estimated';
COMMENT ON COLUMN dcpf.breach.records_estimate IS 'the approximate number of records concerned, as estimated; NULL: not estimated';
COMMENT ON COLUMN dcpf.breach.persons_found IS 'the persons found affected from the audit trail (rows of dcpf.breach_subject); kept by dcpf.add_breach_impact';
COMMENT ON COLUMN dcpf.breach.records_found IS 'the objects (rows) found touched from the audit trail; kept by dcpf.add_breach_impact';
COMMENT ON COLUMN dcpf.breach.likely_consequences IS 'the likely consequences for the persons (art. 33(3)(c))';
COMMENT ON COLUMN dcpf.breach.measures_taken IS 'the measures taken to address it and mitigate its effects (art. 33(3)(d)); required to close';
COMMENT ON COLUMN dcpf.breach.measures_proposed IS 'the measures proposed still';
COMMENT ON COLUMN dcpf.breach.risk IS
    'the risk to the persons'' rights and freedoms: unlikely (the authority need not be told, art. 33(1)), risk, or high_risk (the persons must be told, art. 34(1))';
COMMENT ON COLUMN dcpf.breach.controller_due_at IS 'generated: discovered_at + exactly 48 hours, by when every licensee concerned is told (privacy statement)';
COMMENT ON COLUMN dcpf.breach.authority_due_at IS 'generated: discovered_at + exactly 72 hours, by when the Autoriteit Persoonsgegevens is told (art. 33(1))';
COMMENT ON COLUMN dcpf.breach.authority_notified_at IS 'when the Autoriteit Persoonsgegevens was told; NULL: not (yet)';
COMMENT ON COLUMN dcpf.breach.authority_reference IS 'the authority''s reference of the notification (meldingsnummer)';
COMMENT ON COLUMN dcpf.breach.authority_late_reason IS 'why it was told after authority_due_at (art. 33(1)); required then';
COMMENT ON COLUMN dcpf.breach.authority_waived_reason IS 'why the authority was not told: only when the risk is unlikely (art. 33(1)), documented (art. 33(5))';
COMMENT ON COLUMN dcpf.breach.persons_decision IS
    'the persons (art. 34): notified, or why not: no_high_risk, data_unintelligible (e.g. encrypted, art. 34(3)(a)), risk_averted (art. 34(3)(b)), public_communication (art. 34(3)(c)); NULL: not decided';
COMMENT ON COLUMN dcpf.breach.persons_explanation IS 'the explanation of a decision not to notify the persons individually';
COMMENT ON COLUMN dcpf.breach.persons_notified_at IS 'when the notices to the persons were first queued';
COMMENT ON COLUMN dcpf.breach.status IS 'open, contained (the breach was stopped) or closed (final: everything told and decided)';
COMMENT ON COLUMN dcpf.breach.closed_at IS 'when it was closed';

-- One row per licensee (controller) concerned: the 48-hour notice to it
CREATE TABLE dcpf.breach_controller (
    breach_id        uuid NOT NULL REFERENCES dcpf.breach (id),
    licensee_id      uuid NOT NULL REFERENCES dcpf.licensee (id),
    added_at         timestamptz NOT NULL DEFAULT now(),
    due_at           timestamptz NOT NULL,
    notified_at      timestamptz,
    notified_by      uuid REFERENCES dcpf.person (id),
    late_reason      text CONSTRAINT breach_controller_late_reason_length CHECK (length(btrim(late_reason)) BETWEEN 5 AND 2000),
    acknowledged_at  timestamptz,
    acknowledged_by  uuid REFERENCES dcpf.person (id),
    PRIMARY KEY (breach_id, licensee_id),
    CONSTRAINT breach_controller_notice_whole
        CHECK ((notified_at IS NULL) = (notified_by IS NULL) AND (late_reason IS NULL OR notified_at IS NOT NULL)),
    CONSTRAINT breach_controller_late_has_reason CHECK (notified_at IS NULL OR notified_at <= due_at OR late_reason IS NOT NULL),
    CONSTRAINT breach_controller_acknowledged_after_notice
        CHECK ((acknowledged_at IS NULL) = (acknowledged_by IS NULL) AND (acknowledged_at IS NULL OR notified_at IS NOT NULL))
);
CREATE INDEX breach_controller_licensee_idx ON dcpf.breach_controller (licensee_id, breach_id);
COMMENT ON TABLE dcpf.breach_controller IS
    'the licensees (controllers) a breach concerns, each told within 48 hours of its discovery; written only by the breach functions';
COMMENT ON COLUMN dcpf.breach_controller.breach_id IS 'the breach';
COMMENT ON COLUMN dcpf.breach_controller.licensee_id IS 'a licensee whose people''s data it concerns';
COMMENT ON COLUMN dcpf.breach_controller.added_at IS 'when the licensee was found concerned';
COMMENT ON COLUMN dcpf.breach_controller.due_at IS 'the breach''s controller_due_at (discovered_at + 48 hours), set by the server';
COMMENT ON COLUMN dcpf.breach_controller.notified_at IS 'when its privacy officers (or, without one, its admins) were sent the notice; NULL: not yet';
COMMENT ON COLUMN dcpf.breach_controller.notified_by IS 'the platform security officer who sent it';
COMMENT ON COLUMN dcpf.breach_controller.late_reason IS 'why it was told after due_at; required then';
COMMENT ON COLUMN dcpf.breach_controller.acknowledged_at IS 'when a privacy officer of the licensee confirmed receipt';
COMMENT ON COLUMN dcpf.breach_controller.acknowledged_by IS 'who confirmed it';

-- One row per person found affected, with what of theirs was touched
CREATE TABLE dcpf.breach_subject (
    breach_id    uuid NOT NULL REFERENCES dcpf.breach (id),
    person_id    uuid NOT NULL REFERENCES dcpf.person (id) ON DELETE CASCADE,
    objects      text[] NOT NULL CONSTRAINT breach_subject_objects_given CHECK (cardinality(objects) > 0),
    actions      text[] NOT NULL,
    events       bigint NOT NULL CONSTRAINT breach_subject_events_counted CHECK (events > 0),
    first_at     timestamptz NOT NULL,
    last_at      timestamptz NOT NULL,
    found_at     timestamptz NOT NULL DEFAULT now(),
    notice_id    uuid REFERENCES dcpf.notice (id) ON DELETE SET NULL,
    notified_at  timestamptz,
    PRIMARY KEY (breach_id, person_id),
    CONSTRAINT breach_subject_times_ordered CHECK (first_at <= last_at),
    CONSTRAINT breach_subject_notice_with_time CHECK (notice_id IS NULL OR notified_at IS NOT NULL)
);
CREATE INDEX breach_subject_person_idx ON dcpf.breach_subject (person_id);
COMMENT ON TABLE dcpf.breach_subject IS
    'the persons a breach affected, found from the audit trail by dcpf.add_breach_impact, with the objects of theirs that were touched, and their art. 34 notice';
COMMENT ON COLUMN dcpf.breach_subject.breach_id IS 'the breach';
COMMENT ON COLUMN dcpf.breach_subject.person_id IS 'a person whose data was touched';
COMMENT ON COLUMN dcpf.breach_subject.objects IS 'the rows touched, each as ''table/key'' (no content)';
COMMENT ON COLUMN dcpf.breach_subject.actions IS 'what was done to them (audit actions: read, update, export, …)';
COMMENT ON COLUMN dcpf.breach_subject.events IS 'how many audit events';
COMMENT ON COLUMN dcpf.breach_subject.first_at IS 'the first of them';
COMMENT ON COLUMN dcpf.breach_subject.last_at IS 'the last of them';
COMMENT ON COLUMN dcpf.breach_subject.found_at IS 'when the person was found affected';
COMMENT ON COLUMN dcpf.breach_subject.notice_id IS 'the art. 34 notice queued to the person (dcpf.notice); NULL: none (yet), or sent and removed';
COMMENT ON COLUMN dcpf.breach_subject.notified_at IS 'when it was queued';

-- Information given in phases (art. 33(4)): append-only
CREATE TABLE dcpf.breach_update (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    breach_id       uuid NOT NULL REFERENCES dcpf.breach (id),
    added_at        timestamptz NOT NULL DEFAULT now(),
    added_by        uuid NOT NULL REFERENCES dcpf.person (id),
    information     text NOT NULL CONSTRAINT breach_update_information_length CHECK (length(btrim(information)) BETWEEN 5 AND 4000),
    told_authority  boolean NOT NULL DEFAULT false
);
CREATE INDEX breach_update_breach_idx ON dcpf.breach_update (breach_id, added_at);
COMMENT ON TABLE dcpf.breach_update IS
    'what became known about a breach after it was recorded, in phases (art. 33(4) AVG), sent to the licensees concerned; append-only';
COMMENT ON COLUMN dcpf.breach_update.id IS 'update identifier';
COMMENT ON COLUMN dcpf.breach_update.breach_id IS 'the breach';
COMMENT ON COLUMN dcpf.breach_update.added_at IS 'when it was added';
COMMENT ON COLUMN dcpf.breach_update.added_by IS 'the platform security officer who added it';
COMMENT ON COLUMN dcpf.breach_update.information IS 'the information, in words; kept in the clear';
COMMENT ON COLUMN dcpf.breach_update.told_authority IS 'it was also given to the Autoriteit Persoonsgegevens, as a further phase of the notification';

CREATE TRIGGER breach_update_append_only BEFORE UPDATE OR DELETE ON dcpf.breach_update
    FOR EACH ROW EXECUTE FUNCTION dcpf.refuse_update('Add a new update with dcpf.add_breach_update.');

-- a closed breach is final; what was discovered, recorded and told is
-- fixed; the free texts hold no patient numbers, whoever writes them
CREATE FUNCTION dcpf.breach_check() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF OLD.status = 'closed' THEN
            RAISE EXCEPTION 'breach % is closed', OLD.id
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = format('It was closed at %s; a closed breach is final.', OLD.closed_at),
                      HINT = 'Record what was found later as a new breach.';
        END IF;
        IF (NEW.id, NEW.discovered_at, NEW.recorded_at, NEW.recorded_by)
           IS DISTINCT FROM (OLD.id, OLD.discovered_at, OLD.recorded_at, OLD.recorded_by)
           OR (OLD.authority_notified_at IS NOT NULL
               AND (NEW.authority_notified_at, NEW.authority_reference, NEW.authority_late_reason)
                   IS DISTINCT FROM (OLD.authority_notified_at, OLD.authority_reference, OLD.authority_late_reason)) THEN
            RAISE EXCEPTION 'when breach % was discovered, recorded and told to the authority is fixed', OLD.id
                USING ERRCODE = 'feature_not_supported',
                      DETAIL = 'The deadlines run from the time of discovery; what was recorded and told is a record.',
                      HINT = 'Add what became known later with dcpf.add_breach_update.';
        END IF;
    END IF;
    PERFORM dcpf.free_text_verdict(NULL, CASE TG_OP WHEN 'INSERT' THEN 'The text of the new breach'
                                                    ELSE format('The text of breach %s', NEW.id) END,
                                   ARRAY[NEW.title, NEW.nature, NEW.likely_consequences, NEW.measures_taken, NEW.measures_proposed,
                                         NEW.authority_late_reason, NEW.authority_waived_reason, NEW.persons_explanation,
                                         array_to_string(NEW.data_categories || NEW.subject_categories, ' ')]);
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION dcpf.breach_check() IS
    'trigger: a closed breach is final (55000); the time of discovery, the recording and a notification of the authority are fixed (0A000); the free texts hold no BSN or card number (23514, dcpf.free_text_verdict without a licensee)';
CREATE TRIGGER breach_check BEFORE INSERT OR UPDATE ON dcpf.breach
    FOR EACH ROW EXECUTE FUNCTION dcpf.breach_check();

-- a licensee's deadline is its breach's; texts hold no patient numbers
CREATE FUNCTION dcpf.breach_part_check() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF dcpf.logical_table_name(TG_RELID) = 'breach_controller' THEN
        IF TG_OP = 'INSERT' THEN
            NEW.due_at := (SELECT b.controller_due_at FROM dcpf.breach b WHERE b.id = NEW.breach_id);
        ELSIF (NEW.breach_id, NEW.licensee_id, NEW.due_at, NEW.added_at) IS DISTINCT FROM
              (OLD.breach_id, OLD.licensee_id, OLD.due_at, OLD.added_at)
              OR (OLD.notified_at IS NOT NULL AND (NEW.notified_at, NEW.notified_by, NEW.late_reason)
                                                  IS DISTINCT FROM (OLD.notified_at, OLD.notified_by, OLD.late_reason)) THEN
            RAISE EXCEPTION 'the notice of breach % to licensee % is a record', OLD.breach_id, OLD.licensee_id
                USING ERRCODE = 'feature_not_supported',
                      DETAIL = 'Its licensee, deadline and, once sent, when and by whom it was sent are fixed.';
        END IF;
        PERFORM dcpf.free_text_verdict(NULL, format('The reason of the late notice of breach %s', NEW.breach_id), ARRAY[NEW.late_reason]);
    ELSE
        PERFORM dcpf.free_text_verdict(NULL, format('The update of breach %s', NEW.breach_id), ARRAY[NEW.information]);
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION dcpf.breach_part_check() IS
    'trigger on dcpf.breach_controller and dcpf.breach_update: a licensee''s due_at is set from its breach''s controller_due_at, and it, the licensee and a notice once sent are fixed (0A000); the texts hold no BSN or card number (23514)';
CREATE TRIGGER breach_controller_check BEFORE INSERT OR UPDATE ON dcpf.breach_controller
    FOR EACH ROW EXECUTE FUNCTION dcpf.breach_part_check();
CREATE TRIGGER breach_update_check BEFORE INSERT ON dcpf.breach_update
    FOR EACH ROW EXECUTE FUNCTION dcpf.breach_part_check();

REVOKE ALL ON TABLE dcpf.breach, dcpf.breach_controller, dcpf.breach_subject, dcpf.breach_update FROM PUBLIC;
ALTER TABLE dcpf.breach FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.breach ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.breach_controller FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.breach_controller ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.breach_subject FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.breach_subject ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.breach_update FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.breach_update ENABLE ROW LEVEL SECURITY;
SELECT pg_catalog.pg_extension_config_dump('dcpf.breach', '');
SELECT pg_catalog.pg_extension_config_dump('dcpf.breach_controller', '');
SELECT pg_catalog.pg_extension_config_dump('dcpf.breach_subject', '');
SELECT pg_catalog.pg_extension_config_dump('dcpf.breach_update', '');
REVOKE ALL ON FUNCTION dcpf.breach_check(), dcpf.breach_part_check() FROM PUBLIC;

-- Who reads: the platform's security officer every breach; the privacy
-- officer of a licensee the breaches concerning it, their licensee's
-- notice, the updates, and the affected persons who are its members; the
-- person their own row. Nobody writes directly: the functions below do.
CREATE POLICY breach_security_read ON dcpf.breach FOR SELECT TO dcpf_app
    USING (dcpf.acting_in('platform_security'));
CREATE POLICY breach_officer_read ON dcpf.breach FOR SELECT TO dcpf_app
    USING (dcpf.breach_concerns_my_licensee(id));
CREATE POLICY breach_controller_security_read ON dcpf.breach_controller FOR SELECT TO dcpf_app
    USING (dcpf.acting_in('platform_security'));
CREATE POLICY breach_controller_officer_read ON dcpf.breach_controller FOR SELECT TO dcpf_app
    USING (licensee_id = dcpf.licensee_if_acting_in('privacy_officer'));
CREATE POLICY breach_update_security_read ON dcpf.breach_update FOR SELECT TO dcpf_app
    USING (dcpf.acting_in('platform_security'));
CREATE POLICY breach_update_officer_read ON dcpf.breach_update FOR SELECT TO dcpf_app
    USING (dcpf.breach_concerns_my_licensee(breach_id));
CREATE POLICY breach_subject_security_read ON dcpf.breach_subject FOR SELECT TO dcpf_app
    USING (dcpf.acting_in('platform_security'));
CREATE POLICY breach_subject_officer_read ON dcpf.breach_subject FOR SELECT TO dcpf_app
    USING (dcpf.breach_concerns_my_licensee(breach_id)
           AND dcpf.ever_member_of_my_licensee(person_id, 'privacy_officer'));
CREATE POLICY breach_subject_self_read ON dcpf.breach_subject FOR SELECT TO dcpf_app
    USING (person_id = dcpf.current_person());
GRANT SELECT ON dcpf.breach, dcpf.breach_controller, dcpf.breach_subject, dcpf.breach_update TO dcpf_app;

SELECT dcpf.audit_table('dcpf.breach', NULL, 'breach');
SELECT dcpf.audit_table('dcpf.breach_controller', NULL);
-- a breach that affected a restricted person is still recorded (art. 33, 34: a legal duty)
SELECT dcpf.audit_table('dcpf.breach_subject', 'person_id', 'breach', restriction_exempt => true);
SELECT dcpf.audit_table('dcpf.breach_update', NULL);

-- ---------------------------------------------------------------------------
-- The security officer's steps
-- ---------------------------------------------------------------------------

-- The breach, locked, when the caller acts as the platform's security
-- officer and it is not closed; owner only: every step starts with it.
CREATE FUNCTION dcpf.officer_breach(breach uuid) RETURNS dcpf.breach
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    b dcpf.breach;
BEGIN
    PERFORM dcpf.verified_person();
    IF NOT dcpf.acting_in('platform_security') THEN
        RAISE EXCEPTION 'permission denied to handle breaches'
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'The breach register is kept by the platform''s security officer, acting as platform_security.';
    END IF;
    SELECT * INTO b FROM dcpf.breach x WHERE x.id = officer_breach.breach FOR UPDATE;
    IF b.id IS NULL THEN
        RAISE EXCEPTION 'breach % not found', coalesce(officer_breach.breach::text, 'NULL') USING ERRCODE = 'no_data_found';
    END IF;
    IF b.status = 'closed' THEN
        RAISE EXCEPTION 'breach % is closed', b.id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('It was closed at %s; a closed breach is final.', b.closed_at);
    END IF;
    RETURN b;
END
$$;
COMMENT ON FUNCTION dcpf.officer_breach(uuid) IS
    'the breach, locked, if the caller acts as platform_security (42501 otherwise, 42501 without identity) and it exists (P0002) and is not closed (55000); owner only';

CREATE FUNCTION dcpf.record_breach(title text, discovered_at timestamptz, nature text, breach_types text[],
                                   data_categories text[], subject_categories text[], likely_consequences text, risk text,
                                   measures_taken text DEFAULT NULL, measures_proposed text DEFAULT NULL,
                                   persons_estimate integer DEFAULT NULL, records_estimate bigint DEFAULT NULL,
                                   occurred_from timestamptz DEFAULT NULL, occurred_until timestamptz DEFAULT NULL)
    RETURNS uuid
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me     uuid := dcpf.verified_person();
    new_id uuid := gen_random_uuid();
BEGIN
    IF NOT dcpf.acting_in('platform_security') THEN
        RAISE EXCEPTION 'permission denied to record a breach'
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'The breach register is kept by the platform''s security officer, acting as platform_security.',
                  HINT = 'A licensee''s privacy officer who learns of a breach tells the platform, which records it.';
    END IF;
    IF discovered_at IS NULL OR discovered_at > now() THEN
        RAISE EXCEPTION 'a breach needs the time it was discovered'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Got %s; the deadlines run from the time of discovery, which is not still to come.',
                                  coalesce(discovered_at::text, 'NULL'));
    END IF;
    IF risk IS NULL OR risk NOT IN ('unlikely', 'risk', 'high_risk') THEN
        RAISE EXCEPTION 'unknown risk of a breach'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Got %s; the risk to the persons is unlikely, risk or high_risk.', coalesce(quote_literal(risk), 'NULL'));
    END IF;
    IF breach_types IS NULL OR cardinality(breach_types) = 0
       OR NOT breach_types <@ ARRAY['confidentiality', 'integrity', 'availability'] THEN
        RAISE EXCEPTION 'unknown kind of breach'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Got %s; a breach is of confidentiality, integrity or availability (one or more).',
                                  coalesce(breach_types::text, 'NULL'));
    END IF;
    IF cardinality(data_categories) IS NOT DISTINCT FROM 0 OR cardinality(subject_categories) IS NOT DISTINCT FROM 0
       OR array_position(data_categories, NULL) IS NOT NULL OR array_position(subject_categories, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'a breach needs its data and subject categories'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Got data categories %s and subject categories %s; name at least one of each (art. 33(3)(a) AVG).',
                                  coalesce(data_categories::text, 'NULL'), coalesce(subject_categories::text, 'NULL'));
    END IF;
    INSERT INTO dcpf.breach (id, title, discovered_at, occurred_from, occurred_until, recorded_by, nature, breach_types,
                             data_categories, subject_categories, persons_estimate, records_estimate, likely_consequences,
                             measures_taken, measures_proposed, risk)
    VALUES (new_id, btrim(record_breach.title), record_breach.discovered_at, record_breach.occurred_from,
            record_breach.occurred_until, me, btrim(record_breach.nature), record_breach.breach_types,
            record_breach.data_categories, record_breach.subject_categories, record_breach.persons_estimate,
            record_breach.records_estimate, btrim(record_breach.likely_consequences),
            nullif(btrim(record_breach.measures_taken), ''), nullif(btrim(record_breach.measures_proposed), ''),
            record_breach.risk);
    RETURN new_id;
END
$$;
COMMENT ON FUNCTION dcpf.record_breach(text, timestamptz, text, text[], text[], text[], text, text, text, text, integer, bigint, timestamptz, timestamptz) IS
    'the platform''s security officer records a breach: title, when discovered (not in the future; the deadlines run from it), nature, breach types, data and subject categories, likely consequences, risk (unlikely, risk, high_risk), and optionally measures, estimated counts and the period it ran; returns its id. 42501 without identity or not acting as platform_security; 22023 no or a future discovery time, unknown risk or type, no data or subject categories; 23514 a check (lengths, categories) or a text holding a BSN or card number';

-- Whose data a compromised account or address touched, from the audit
-- trail: stored per person, the licensees they belong to added as concerned
CREATE FUNCTION dcpf.add_breach_impact(breach uuid, actor uuid DEFAULT NULL, client_address inet DEFAULT NULL,
                                       from_time timestamptz DEFAULT NULL, to_time timestamptz DEFAULT NULL)
    RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    b     dcpf.breach := dcpf.officer_breach(breach);
    found integer;
BEGIN
    -- breach_impact checks the arguments (22023) and logs the read of the trail
    WITH hit AS (
        SELECT i.* FROM dcpf.breach_impact(actor, client_address, coalesce(from_time, b.occurred_from),
                                           coalesce(to_time, b.occurred_until, b.discovered_at)) i
         WHERE EXISTS (SELECT FROM dcpf.person p WHERE p.id = i.subject_person)),
    acts AS (
        SELECT h.subject_person, array_agg(DISTINCT a ORDER BY a) AS actions
          FROM hit h CROSS JOIN unnest(h.actions) a GROUP BY h.subject_person)
    INSERT INTO dcpf.breach_subject AS s (breach_id, person_id, objects, actions, events, first_at, last_at)
    SELECT b.id, h.subject_person, array_agg(DISTINCT h.object_table || '/' || h.object_key ORDER BY h.object_table || '/' || h.object_key),
           acts.actions, sum(h.events), min(h.first_at), max(h.last_at)
      FROM hit h JOIN acts USING (subject_person)
     GROUP BY h.subject_person, acts.actions
    ON CONFLICT (breach_id, person_id) DO UPDATE
       SET objects = ARRAY(SELECT DISTINCT o FROM unnest(s.objects || excluded.objects) o ORDER BY o),
           actions = ARRAY(SELECT DISTINCT a FROM unnest(s.actions || excluded.actions) a ORDER BY a),
           events = s.events + excluded.events,
           first_at = least(s.first_at, excluded.first_at), last_at = greatest(s.last_at, excluded.last_at);
    GET DIAGNOSTICS found = ROW_COUNT;
    -- the licensees whose members they were when the breach ran are concerned
    INSERT INTO dcpf.breach_controller (breach_id, licensee_id, due_at)
    SELECT DISTINCT b.id, m.licensee_id, b.controller_due_at
      FROM dcpf.breach_subject s
      JOIN dcpf.membership m ON m.person_id = s.person_id
     WHERE s.breach_id = b.id
       AND m.valid_from <= s.last_at AND (m.valid_until IS NULL OR m.valid_until > s.first_at)
    ON CONFLICT (breach_id, licensee_id) DO NOTHING;
    UPDATE dcpf.breach x
       SET persons_found = (SELECT count(*) FROM dcpf.breach_subject s WHERE s.breach_id = b.id),
           records_found = (SELECT coalesce(sum(cardinality(s.objects)), 0) FROM dcpf.breach_subject s WHERE s.breach_id = b.id)
     WHERE x.id = b.id;
    RETURN found;
END
$$;
COMMENT ON FUNCTION dcpf.add_breach_impact(uuid, uuid, inet, timestamptz, timestamptz) IS
    'the platform''s security officer adds to a breach the persons and objects a compromised account (actor) or client address or network touched in a period (default: the breach''s occurred_from to occurred_until, or to its discovery), from the audit trail (dcpf.breach_impact, which logs the read); each person is stored once with their objects, the licensees they were members of then become concerned, and the counts found are updated; returns the persons added or extended. 42501/P0002/55000 as dcpf.officer_breach; 22023 without actor and address or without a period';

CREATE FUNCTION dcpf.add_breach_licensee(breach uuid, licensee uuid) RETURNS timestamptz
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    b dcpf.breach := dcpf.officer_breach(breach);
BEGIN
    IF licensee IS NULL OR NOT EXISTS (SELECT FROM dcpf.licensee l WHERE l.id = add_breach_licensee.licensee) THEN
        RAISE EXCEPTION 'licensee % not found', coalesce(licensee::text, 'NULL') USING ERRCODE = 'foreign_key_violation';
    END IF;
    INSERT INTO dcpf.breach_controller (breach_id, licensee_id, due_at) VALUES (b.id, licensee, b.controller_due_at)
    ON CONFLICT (breach_id, licensee_id) DO NOTHING;
    RETURN b.controller_due_at;
END
$$;
COMMENT ON FUNCTION dcpf.add_breach_licensee(uuid, uuid) IS
    'the platform''s security officer marks a licensee as concerned by a breach (when the audit trail does not show it); returns its deadline (discovered_at + 48 hours); nothing changes when it was already. 42501/P0002/55000 as dcpf.officer_breach; 23503 unknown licensee';

-- the people a licensee is told through: its privacy officers, or else its admins
CREATE FUNCTION dcpf.breach_contacts(licensee uuid) RETURNS SETOF uuid
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
    WITH staff AS (
        SELECT m.person_id, m.role_code FROM dcpf.membership m
         WHERE m.licensee_id = breach_contacts.licensee AND m.role_code IN ('privacy_officer', 'licensee_admin')
           AND m.valid_from <= now() AND (m.valid_until IS NULL OR m.valid_until > now()))
    SELECT DISTINCT s.person_id FROM staff s
     WHERE s.role_code = CASE WHEN EXISTS (SELECT FROM staff o WHERE o.role_code = 'privacy_officer')
                              THEN 'privacy_officer' ELSE 'licensee_admin' END;
$$;
COMMENT ON FUNCTION dcpf.breach_contacts(uuid) IS
    'whom a licensee is told of a breach through: its current privacy officers, or, when it has none, its current licensee admins; owner only';

CREATE FUNCTION dcpf.notify_breach_controllers(breach uuid, late_reason text DEFAULT NULL) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    b    dcpf.breach := dcpf.officer_breach(breach);
    c    dcpf.breach_controller;
    told integer := 0;
BEGIN
    IF now() > b.controller_due_at AND length(btrim(coalesce(late_reason, ''))) < 5
       AND EXISTS (SELECT FROM dcpf.breach_controller x WHERE x.breach_id = b.id AND x.notified_at IS NULL) THEN
        RAISE EXCEPTION 'a late notice to the licensees needs a reason'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Breach %s was discovered at %s; the licensees were due to be told by %s.', b.id, b.discovered_at,
                                  b.controller_due_at),
                  HINT = 'Give the reason for the delay (at least 5 characters).';
    END IF;
    FOR c IN SELECT * FROM dcpf.breach_controller x WHERE x.breach_id = b.id AND x.notified_at IS NULL
              ORDER BY x.licensee_id FOR UPDATE LOOP
        IF NOT EXISTS (SELECT FROM dcpf.breach_contacts(c.licensee_id)) THEN
            RAISE EXCEPTION 'licensee % has nobody to tell', c.licensee_id
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = 'It has no current privacy officer or licensee admin.',
                      HINT = 'Tell the licensee by other means, have it appoint a privacy officer, and then call this again.';
        END IF;
        PERFORM dcpf.queue_notice('breach_controller', p, NULL, NULL,
                                  jsonb_build_object('breach_id', b.id, 'licensee_id', c.licensee_id, 'title', b.title,
                                                     'discovered_at', b.discovered_at, 'due_at', c.due_at, 'risk', b.risk))
          FROM dcpf.breach_contacts(c.licensee_id) p;
        UPDATE dcpf.breach_controller x
           SET notified_at = now(), notified_by = dcpf.current_person(),
               late_reason = CASE WHEN now() > x.due_at THEN btrim(notify_breach_controllers.late_reason) END
         WHERE x.breach_id = c.breach_id AND x.licensee_id = c.licensee_id;
        told := told + 1;
    END LOOP;
    RETURN told;
END
$$;
COMMENT ON FUNCTION dcpf.notify_breach_controllers(uuid, text) IS
    'the platform''s security officer tells every concerned licensee not yet told: a breach_controller notice to each of its privacy officers (else its admins), and the time recorded; after discovered_at + 48 hours only with the reason for the delay; returns the licensees told. 42501/P0002/55000 as dcpf.officer_breach; 22023 late without a reason; 55000 a licensee with nobody to tell (nothing is recorded then)';

CREATE FUNCTION dcpf.record_breach_authority_notice(breach uuid, notified_at timestamptz, reference text,
                                                    late_reason text DEFAULT NULL)
    RETURNS timestamptz
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    b dcpf.breach := dcpf.officer_breach(breach);
BEGIN
    IF b.authority_notified_at IS NOT NULL OR b.authority_waived_reason IS NOT NULL THEN
        RAISE EXCEPTION 'the authority notice of breach % is recorded', b.id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = coalesce(format('It was told at %s (%s).', b.authority_notified_at, b.authority_reference),
                                    'It was decided not to tell it.'),
                  HINT = 'Give further information in phases with dcpf.add_breach_update(…, told_authority => true).';
    END IF;
    IF notified_at IS NULL OR notified_at < b.discovered_at OR notified_at > now() THEN
        RAISE EXCEPTION 'the authority notice needs the time it was made'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Got %s; it lies between the discovery (%s) and now.', coalesce(notified_at::text, 'NULL'), b.discovered_at);
    END IF;
    IF length(btrim(coalesce(reference, ''))) < 2 THEN
        RAISE EXCEPTION 'the authority notice needs its reference'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = 'Give the reference the Autoriteit Persoonsgegevens gave the notification.';
    END IF;
    IF notified_at > b.authority_due_at AND length(btrim(coalesce(late_reason, ''))) < 5 THEN
        RAISE EXCEPTION 'a late notice to the authority needs a reason'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Breach %s was discovered at %s and was due to be notified by %s, %s hours later; it was notified at %s.',
                                  b.id, b.discovered_at, b.authority_due_at, 72, notified_at),
                  HINT = 'Art. 33(1) AVG: a notification after 72 hours is accompanied by the reasons for the delay.';
    END IF;
    UPDATE dcpf.breach x
       SET authority_notified_at = record_breach_authority_notice.notified_at, authority_reference = btrim(reference),
           authority_late_reason = CASE WHEN record_breach_authority_notice.notified_at > x.authority_due_at THEN btrim(late_reason) END
     WHERE x.id = b.id;
    RETURN b.authority_due_at;
END
$$;
COMMENT ON FUNCTION dcpf.record_breach_authority_notice(uuid, timestamptz, text, text) IS
    'the platform''s security officer records when the Autoriteit Persoonsgegevens was notified of a breach, with its reference; after discovered_at + 72 hours only with the reason for the delay (art. 33(1)); returns the deadline. 42501/P0002/55000 as dcpf.officer_breach; 55000 recorded already (or waived); 22023 no time, a time before the discovery or still to come, no reference, or late without a reason';

CREATE FUNCTION dcpf.waive_breach_authority_notice(breach uuid, reason text) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    b dcpf.breach := dcpf.officer_breach(breach);
BEGIN
    IF b.authority_notified_at IS NOT NULL OR b.authority_waived_reason IS NOT NULL THEN
        RAISE EXCEPTION 'the authority notice of breach % is recorded', b.id USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF b.risk <> 'unlikely' THEN
        RAISE EXCEPTION 'breach % must be notified to the authority', b.id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('Its risk is %s; only a breach unlikely to result in a risk to the persons is not notified (art. 33(1) AVG).', b.risk);
    END IF;
    IF length(btrim(coalesce(reason, ''))) < 5 THEN
        RAISE EXCEPTION 'not notifying the authority needs a reason'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = 'The decision is documented (art. 33(5) AVG); at least 5 characters.';
    END IF;
    UPDATE dcpf.breach x SET authority_waived_reason = btrim(reason) WHERE x.id = b.id;
END
$$;
COMMENT ON FUNCTION dcpf.waive_breach_authority_notice(uuid, text) IS
    'the platform''s security officer records, with the reason, that a breach unlikely to result in a risk is not notified to the authority (art. 33(1), documented per art. 33(5)). 42501/P0002/55000 as dcpf.officer_breach; 55000 recorded already, or a risk that is not unlikely; 22023 no reason';

-- art. 34: tell the persons, or record why not
CREATE FUNCTION dcpf.notify_breach_persons(breach uuid) RETURNS integer
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    b       dcpf.breach := dcpf.officer_breach(breach);
    told    integer;
    persons uuid[];
    notices uuid[];
BEGIN
    IF b.persons_decision IS NOT NULL AND b.persons_decision <> 'notified' THEN
        RAISE EXCEPTION 'the persons of breach % are not notified', b.id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('It was decided not to: %s.', b.persons_decision);
    END IF;
    IF NOT EXISTS (SELECT FROM dcpf.breach_subject s WHERE s.breach_id = b.id) THEN
        RAISE EXCEPTION 'no persons are known to be affected by breach %', b.id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Find them with dcpf.add_breach_impact first, or record a public communication with dcpf.waive_breach_person_notice.';
    END IF;
    -- in clear and plain language: the nature, the likely consequences, the
    -- measures, and whom to ask (art. 34(2)); never content. The notices
    -- first, then the persons marked told: Citus refuses a VOLATILE function in an UPDATE of its tables
    SELECT array_agg(s.person_id),
           array_agg(dcpf.queue_notice('breach_person', s.person_id, NULL, s.person_id,
                                       jsonb_strip_nulls(jsonb_build_object(
                                           'breach_id', b.id, 'title', b.title, 'discovered_at', b.discovered_at,
                                           'nature', b.nature, 'data_categories', to_jsonb(b.data_categories),
                                           'likely_consequences', b.likely_consequences, 'measures_taken', b.measures_taken,
                                           'objects', cardinality(s.objects), 'contact', 'security@vrest.nl'))))
      INTO persons, notices
      FROM (SELECT x.person_id, x.objects FROM dcpf.breach_subject x
             WHERE x.breach_id = b.id AND x.notified_at IS NULL FOR UPDATE) s;
    UPDATE dcpf.breach_subject s
       SET notice_id = q.notice_id, notified_at = now()
      FROM unnest(persons, notices) AS q (person_id, notice_id)
     WHERE s.breach_id = b.id AND s.person_id = q.person_id;
    GET DIAGNOSTICS told = ROW_COUNT;
    UPDATE dcpf.breach x SET persons_decision = 'notified', persons_notified_at = coalesce(x.persons_notified_at, now())
     WHERE x.id = b.id;
    RETURN told;
END
$$;
COMMENT ON FUNCTION dcpf.notify_breach_persons(uuid) IS
    'the platform''s security officer tells every affected person not yet told (art. 34): a breach_person notice with the nature, data categories, likely consequences, measures and a contact; records the decision notified; returns the persons told (0 when all were). 42501/P0002/55000 as dcpf.officer_breach; 55000 when it was decided not to, or no persons were found';

CREATE FUNCTION dcpf.waive_breach_person_notice(breach uuid, decision text, explanation text) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    b dcpf.breach := dcpf.officer_breach(breach);
BEGIN
    IF decision IS NULL OR decision NOT IN ('no_high_risk', 'data_unintelligible', 'risk_averted', 'public_communication') THEN
        RAISE EXCEPTION 'unknown ground for not notifying the persons'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Got %s; the grounds are no_high_risk, data_unintelligible, risk_averted and public_communication (art. 34(1) and (3) AVG).',
                                  coalesce(quote_literal(decision), 'NULL'));
    END IF;
    IF b.persons_decision IS NOT NULL THEN
        RAISE EXCEPTION 'the persons of breach % are decided on', b.id
            USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = format('The decision was %s.', b.persons_decision);
    END IF;
    IF decision = 'no_high_risk' AND b.risk = 'high_risk' THEN
        RAISE EXCEPTION 'breach % is of high risk', b.id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'The persons are told of a breach likely to result in a high risk (art. 34(1) AVG), unless art. 34(3) applies.';
    END IF;
    IF length(btrim(coalesce(explanation, ''))) < 5 THEN
        RAISE EXCEPTION 'not notifying the persons needs an explanation'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = 'At least 5 characters.';
    END IF;
    UPDATE dcpf.breach x SET persons_decision = decision, persons_explanation = btrim(explanation) WHERE x.id = b.id;
END
$$;
COMMENT ON FUNCTION dcpf.waive_breach_person_notice(uuid, text, text) IS
    'the platform''s security officer records why the persons of a breach are not told individually: no_high_risk (not for a high-risk breach), data_unintelligible (e.g. encrypted), risk_averted, public_communication, with an explanation. 42501/P0002/55000 as dcpf.officer_breach; 22023 unknown ground or no explanation; 55000 decided already, or no_high_risk for a high-risk breach';

-- what changed, and further information in phases (art. 33(4))
CREATE FUNCTION dcpf.add_breach_update(breach uuid, information text, told_authority boolean DEFAULT false,
                                       risk text DEFAULT NULL, likely_consequences text DEFAULT NULL,
                                       measures_taken text DEFAULT NULL, measures_proposed text DEFAULT NULL,
                                       persons_estimate integer DEFAULT NULL, records_estimate bigint DEFAULT NULL,
                                       contained boolean DEFAULT false)
    RETURNS uuid
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    b      dcpf.breach := dcpf.officer_breach(breach);
    new_id uuid := gen_random_uuid();
BEGIN
    IF length(btrim(coalesce(information, ''))) < 5 THEN
        RAISE EXCEPTION 'an update needs its information'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = 'Say what became known or changed (at least 5 characters).';
    END IF;
    IF risk IS NOT NULL AND risk NOT IN ('unlikely', 'risk', 'high_risk') THEN
        RAISE EXCEPTION 'unknown risk of a breach'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Got %s; the risk to the persons is unlikely, risk or high_risk.', quote_literal(risk));
    END IF;
    IF told_authority IS NULL OR (told_authority AND b.authority_notified_at IS NULL) THEN
        RAISE EXCEPTION 'the authority was not notified of breach %', b.id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Record the first notification with dcpf.record_breach_authority_notice.';
    END IF;
    UPDATE dcpf.breach x
       SET risk = coalesce(add_breach_update.risk, x.risk),
           likely_consequences = coalesce(btrim(add_breach_update.likely_consequences), x.likely_consequences),
           measures_taken = coalesce(btrim(add_breach_update.measures_taken), x.measures_taken),
           measures_proposed = coalesce(btrim(add_breach_update.measures_proposed), x.measures_proposed),
           persons_estimate = coalesce(add_breach_update.persons_estimate, x.persons_estimate),
           records_estimate = coalesce(add_breach_update.records_estimate, x.records_estimate),
           status = CASE WHEN contained THEN 'contained' ELSE x.status END
     WHERE x.id = b.id;
    INSERT INTO dcpf.breach_update (id, breach_id, added_by, information, told_authority)
    VALUES (new_id, b.id, dcpf.current_person(), btrim(information), add_breach_update.told_authority);
    -- the licensees already told are told this too
    PERFORM dcpf.queue_notice('breach_controller', p, NULL, NULL,
                              jsonb_build_object('breach_id', b.id, 'licensee_id', c.licensee_id, 'title', b.title,
                                                 'update_id', new_id))
       FROM dcpf.breach_controller c CROSS JOIN LATERAL dcpf.breach_contacts(c.licensee_id) p
      WHERE c.breach_id = b.id AND c.notified_at IS NOT NULL;
    RETURN new_id;
END
$$;
COMMENT ON FUNCTION dcpf.add_breach_update(uuid, text, boolean, text, text, text, text, integer, bigint, boolean) IS
    'the platform''s security officer adds information about a breach in phases (art. 33(4)), append-only, optionally revising its risk, likely consequences, measures and estimates (NULL: unchanged) and marking it contained, and noting that the authority was given it too; the licensees already told get a breach_controller notice of it; returns the update''s id. 42501/P0002/55000 as dcpf.officer_breach; 22023 no information or unknown risk; 55000 told_authority before the authority was notified; 23514 a text holding a BSN or card number';

CREATE FUNCTION dcpf.close_breach(breach uuid) RETURNS timestamptz
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    b       dcpf.breach := dcpf.officer_breach(breach);
    missing text[];
BEGIN
    missing := array_remove(ARRAY[
        CASE WHEN EXISTS (SELECT FROM dcpf.breach_controller c WHERE c.breach_id = b.id AND c.notified_at IS NULL)
             THEN 'a licensee concerned was not told' END,
        CASE WHEN b.authority_notified_at IS NULL AND b.authority_waived_reason IS NULL
             THEN 'the authority notice is not recorded' END,
        CASE WHEN b.persons_decision IS NULL THEN 'the persons are not decided on' END,
        CASE WHEN b.measures_taken IS NULL THEN 'the measures taken are not recorded' END], NULL);
    IF cardinality(missing) > 0 THEN
        RAISE EXCEPTION 'breach % cannot be closed yet', b.id
            USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = initcap(left(array_to_string(missing, '; '), 1))
                                                                         || substr(array_to_string(missing, '; '), 2) || '.';
    END IF;
    UPDATE dcpf.breach x SET status = 'closed', closed_at = now() WHERE x.id = b.id;
    RETURN now();
END
$$;
COMMENT ON FUNCTION dcpf.close_breach(uuid) IS
    'the platform''s security officer closes a breach once every concerned licensee was told, the authority notice is recorded or waived, the persons are notified or the ground for not doing so recorded, and the measures taken are recorded; final; returns the time. 42501/P0002/55000 as dcpf.officer_breach; 55000 naming what is missing';

-- ---------------------------------------------------------------------------
-- The licensee's privacy officer and the person
-- ---------------------------------------------------------------------------
CREATE FUNCTION dcpf.acknowledge_breach(breach uuid) RETURNS timestamptz
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me uuid := dcpf.verified_person();
    c  dcpf.breach_controller;
BEGIN
    SELECT * INTO c FROM dcpf.breach_controller x
     WHERE x.breach_id = acknowledge_breach.breach AND x.licensee_id = dcpf.licensee_if_acting_in('privacy_officer')
       AND x.notified_at IS NOT NULL
       FOR UPDATE;
    IF c.breach_id IS NULL THEN
        RAISE EXCEPTION 'breach % not found', coalesce(breach::text, 'NULL')
            USING ERRCODE = 'no_data_found',
                  DETAIL = 'It does not exist, or your licensee was not told of it, or you do not act as its privacy officer.';
    END IF;
    IF c.acknowledged_at IS NOT NULL THEN
        RETURN c.acknowledged_at;
    END IF;
    UPDATE dcpf.breach_controller x SET acknowledged_at = now(), acknowledged_by = me
     WHERE x.breach_id = c.breach_id AND x.licensee_id = c.licensee_id;
    RETURN now();
END
$$;
COMMENT ON FUNCTION dcpf.acknowledge_breach(uuid) IS
    'the privacy officer of a licensee told of a breach confirms receipt for the licensee; returns when (the first time, when called again). P0002 for any other breach or caller';

CREATE FUNCTION dcpf.my_breaches()
    RETURNS TABLE (breach_id uuid, title text, discovered_at timestamptz, nature text, data_categories text[],
                   likely_consequences text, measures_taken text, status text, objects text[], first_at timestamptz,
                   last_at timestamptz, notified_at timestamptz)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me uuid := dcpf.verified_person();
BEGIN
    RETURN QUERY
        SELECT b.id, b.title, b.discovered_at, b.nature, b.data_categories, b.likely_consequences, b.measures_taken,
               b.status, s.objects, s.first_at, s.last_at, s.notified_at
          FROM dcpf.breach_subject s JOIN dcpf.breach b ON b.id = s.breach_id
         WHERE s.person_id = me
         ORDER BY b.discovered_at DESC, b.id;
END
$$;
COMMENT ON FUNCTION dcpf.my_breaches() IS
    'the breaches that affected the verified person: what happened, the data concerned, likely consequences, measures and status, with the objects of theirs that were touched and when they were told; nothing about other persons; 42501 without identity';

-- ---------------------------------------------------------------------------
-- What is due and not done
-- ---------------------------------------------------------------------------
CREATE VIEW dcpf.overdue_breaches WITH (security_invoker = true) AS
SELECT b.id AS breach_id, b.title, 'controller'::text AS duty, c.licensee_id, c.due_at, now() - c.due_at AS overdue_by
  FROM dcpf.breach b JOIN dcpf.breach_controller c ON c.breach_id = b.id
 WHERE c.notified_at IS NULL AND c.due_at < now()
UNION ALL
SELECT b.id, b.title, 'authority', NULL, b.authority_due_at, now() - b.authority_due_at
  FROM dcpf.breach b
 WHERE b.authority_notified_at IS NULL AND b.authority_waived_reason IS NULL AND b.risk <> 'unlikely'
   AND b.authority_due_at < now()
UNION ALL
SELECT b.id, b.title, 'persons', NULL, b.authority_due_at, now() - b.authority_due_at
  FROM dcpf.breach b
 WHERE b.risk = 'high_risk' AND b.persons_decision IS NULL AND b.authority_due_at < now();
COMMENT ON VIEW dcpf.overdue_breaches IS
    'what is due about a breach and not done, past its deadline: a licensee not told by discovered_at + 48 hours (controller), the authority not notified by + 72 hours unless the risk is unlikely (authority), the persons of a high-risk breach neither told nor a ground recorded by + 72 hours (persons: art. 34 says without undue delay; the platform holds itself to the authority''s deadline); security_invoker: the security officer sees all, a privacy officer those of their licensee';
COMMENT ON COLUMN dcpf.overdue_breaches.breach_id IS 'the breach';
COMMENT ON COLUMN dcpf.overdue_breaches.title IS 'its title';
COMMENT ON COLUMN dcpf.overdue_breaches.duty IS 'controller, authority or persons';
COMMENT ON COLUMN dcpf.overdue_breaches.licensee_id IS 'for controller: the licensee not told';
COMMENT ON COLUMN dcpf.overdue_breaches.due_at IS 'the deadline (an exact time)';
COMMENT ON COLUMN dcpf.overdue_breaches.overdue_by IS 'how long ago it passed';
REVOKE ALL ON dcpf.overdue_breaches FROM PUBLIC;
GRANT SELECT ON dcpf.overdue_breaches TO dcpf_app;

REVOKE ALL ON FUNCTION dcpf.officer_breach(uuid), dcpf.breach_contacts(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION
    dcpf.record_breach(text, timestamptz, text, text[], text[], text[], text, text, text, text, integer, bigint, timestamptz, timestamptz),
    dcpf.add_breach_impact(uuid, uuid, inet, timestamptz, timestamptz), dcpf.add_breach_licensee(uuid, uuid),
    dcpf.notify_breach_controllers(uuid, text), dcpf.record_breach_authority_notice(uuid, timestamptz, text, text),
    dcpf.waive_breach_authority_notice(uuid, text), dcpf.notify_breach_persons(uuid),
    dcpf.waive_breach_person_notice(uuid, text, text),
    dcpf.add_breach_update(uuid, text, boolean, text, text, text, text, integer, bigint, boolean),
    dcpf.close_breach(uuid), dcpf.acknowledge_breach(uuid), dcpf.my_breaches() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    dcpf.record_breach(text, timestamptz, text, text[], text[], text[], text, text, text, text, integer, bigint, timestamptz, timestamptz),
    dcpf.add_breach_impact(uuid, uuid, inet, timestamptz, timestamptz), dcpf.add_breach_licensee(uuid, uuid),
    dcpf.notify_breach_controllers(uuid, text), dcpf.record_breach_authority_notice(uuid, timestamptz, text, text),
    dcpf.waive_breach_authority_notice(uuid, text), dcpf.notify_breach_persons(uuid),
    dcpf.waive_breach_person_notice(uuid, text, text),
    dcpf.add_breach_update(uuid, text, boolean, text, text, text, text, integer, bigint, boolean),
    dcpf.close_breach(uuid), dcpf.acknowledge_breach(uuid), dcpf.my_breaches() TO dcpf_app;

-- the personal-data registry (215): the breach register is the platform's
-- record (art. 33(5) AVG); an affected person's own row is theirs
INSERT INTO dcpf.personal_data_table (table_name, subject_column, row_key, on_erasure, exported, not_personal, basis) VALUES
    ('breach', NULL, 'id', 'none', false, '{}', 'the breach register (art. 33(5) AVG): facts of an incident, no person''s rows; who recorded it stays under the pseudonym'),
    ('breach_controller', NULL, 'breach_id', 'none', false, '{}', 'which licensee was told of a breach, and when'),
    ('breach_update', NULL, 'id', 'none', false, '{}', 'the phased information about a breach (art. 33(4) AVG)'),
    ('breach_subject', 'person_id', 'breach_id', 'delete', true, '{}',
     'that a breach affected the person and which of their rows; the breach keeps its counts');
INSERT INTO dcpf.personal_data_column (table_name, column_name, whose, category, on_erasure, exported, decrypt_as, basis) VALUES
    ('breach', 'recorded_by', 'party', 'reference', 'keep', true, NULL, 'the record of who registered the breach stays, under the pseudonym'),
    ('breach_controller', 'notified_by', 'party', 'reference', 'keep', true, NULL, 'the record of the notice stays, under the pseudonym'),
    ('breach_controller', 'acknowledged_by', 'party', 'reference', 'keep', true, NULL, 'the record of the notice stays, under the pseudonym'),
    ('breach_update', 'added_by', 'party', 'reference', 'keep', true, NULL, 'the record of the update stays, under the pseudonym'),
    ('breach_subject', 'person_id', 'subject', 'reference', 'with_row', true, NULL, NULL),
    ('breach_subject', 'objects', 'subject', 'technical', 'with_row', true, NULL, NULL),
    ('breach_subject', 'actions', 'subject', 'technical', 'with_row', true, NULL, NULL);
