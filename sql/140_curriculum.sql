-- 140_curriculum.sql: what a licensee trains its professionals in. The
-- competency framework (the CanMEDS roles, shipped; a licensee may add its
-- own competencies beneath them), programmes (a specialty or training track)
-- with their members in programme roles, and EPAs (entrustable professional
-- activities) per programme with their target entrustment level on the
-- five-level scale. See doc/reference/curriculum.md.
--
-- Curriculum rows are the licensee's, not personal data, except who is in
-- which programme (programme_member), which is the member's and audited as
-- such. Nothing is deleted by the application: programmes and EPAs retire,
-- programme memberships end.

-- ---------------------------------------------------------------------------
-- The entrustment scale: five levels of supervision (shipped, read-only)
-- ---------------------------------------------------------------------------
CREATE TABLE dcpf.entrustment_scale (
    level       smallint PRIMARY KEY CONSTRAINT entrustment_scale_level_range CHECK (level BETWEEN 1 AND 5),
    name_nl     text NOT NULL,
    name_en     text NOT NULL,
    description text NOT NULL,
    builtin     boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE dcpf.entrustment_scale IS
    'the five entrustment levels of an EPA (bekwaamheidsniveaus): how much supervision a professional needs for the activity';
COMMENT ON COLUMN dcpf.entrustment_scale.level IS 'level 1 (observes) to 5 (supervises others)';
COMMENT ON COLUMN dcpf.entrustment_scale.name_nl IS 'Dutch name of the level';
COMMENT ON COLUMN dcpf.entrustment_scale.name_en IS 'English name of the level';
COMMENT ON COLUMN dcpf.entrustment_scale.description IS 'what the professional may do at this level';
COMMENT ON COLUMN dcpf.entrustment_scale.builtin IS 'shipped with dcpf; not dumped, recreated by CREATE EXTENSION';
INSERT INTO dcpf.entrustment_scale (level, name_nl, name_en, description) VALUES
    (1, 'Observeren', 'Observes',
     'may be present and observe the activity, not perform it'),
    (2, 'Onder directe supervisie', 'Direct supervision',
     'performs the activity with the supervisor present in the room'),
    (3, 'Onder indirecte supervisie', 'Indirect supervision',
     'performs the activity with the supervisor available at short notice, not present'),
    (4, 'Zelfstandig', 'Unsupervised',
     'performs the activity without supervision (supervision at a distance, afterwards)'),
    (5, 'Superviseert anderen', 'Supervises others',
     'performs the activity and supervises others in it');
UPDATE dcpf.entrustment_scale SET builtin = true;

CREATE DOMAIN dcpf.entrustment_level AS smallint
    CONSTRAINT entrustment_level_range CHECK (VALUE BETWEEN 1 AND 5);
COMMENT ON DOMAIN dcpf.entrustment_level IS
    'an entrustment level, 1 (observes) to 5 (supervises others); see dcpf.entrustment_scale';

-- ---------------------------------------------------------------------------
-- Competencies: the CanMEDS roles for everyone, a licensee's own beneath them
-- ---------------------------------------------------------------------------
CREATE TABLE dcpf.competency (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    licensee_id uuid REFERENCES dcpf.licensee (id),
    framework   text NOT NULL DEFAULT 'canmeds'
                CONSTRAINT competency_framework_format CHECK (framework ~ '^[a-z][a-z0-9_]{1,39}$'),
    code        text NOT NULL
                CONSTRAINT competency_code_format CHECK (code ~ '^[a-z][a-z0-9_.-]{0,59}$'),
    parent_id   uuid REFERENCES dcpf.competency (id),
    name_nl     text NOT NULL CONSTRAINT competency_name_nl_length CHECK (length(btrim(name_nl)) BETWEEN 2 AND 200),
    name_en     text NOT NULL CONSTRAINT competency_name_en_length CHECK (length(btrim(name_en)) BETWEEN 2 AND 200),
    description text CONSTRAINT competency_description_length CHECK (length(description) <= 4000),
    sort_order  integer NOT NULL DEFAULT 0,
    builtin     boolean NOT NULL DEFAULT false,
    retired_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT competency_code_unique UNIQUE NULLS NOT DISTINCT (licensee_id, framework, code),
    CONSTRAINT competency_builtin_is_platform CHECK (NOT builtin OR licensee_id IS NULL),
    CONSTRAINT competency_not_own_parent CHECK (parent_id IS DISTINCT FROM id)
);
CREATE INDEX competency_licensee_idx ON dcpf.competency (licensee_id);
CREATE INDEX competency_parent_idx ON dcpf.competency (parent_id);
COMMENT ON TABLE dcpf.competency IS
    'competencies of a framework: the CanMEDS roles shipped for every licensee (licensee_id NULL), and a licensee''s own competencies, usually beneath one of them';
COMMENT ON COLUMN dcpf.competency.id IS 'competency identifier (fixed for the shipped rows, so that dumps restore their links)';
COMMENT ON COLUMN dcpf.competency.licensee_id IS 'the licensee that defined it; NULL: the platform''s framework, for every licensee';
COMMENT ON COLUMN dcpf.competency.framework IS 'the framework it belongs to, e.g. canmeds';
COMMENT ON COLUMN dcpf.competency.code IS 'stable code within the licensee and framework';
COMMENT ON COLUMN dcpf.competency.parent_id IS 'the competency it refines (a licensee''s competency beneath a CanMEDS role), if any';
COMMENT ON COLUMN dcpf.competency.name_nl IS 'Dutch name';
COMMENT ON COLUMN dcpf.competency.name_en IS 'English name';
COMMENT ON COLUMN dcpf.competency.description IS 'what the competency covers';
COMMENT ON COLUMN dcpf.competency.sort_order IS 'display order among its siblings';
COMMENT ON COLUMN dcpf.competency.builtin IS 'shipped with dcpf; not dumped, recreated by CREATE EXTENSION';
COMMENT ON COLUMN dcpf.competency.retired_at IS 'when it stopped being used for new links; NULL while in use';
COMMENT ON COLUMN dcpf.competency.created_at IS 'when it was defined';

-- the CanMEDS 2015 roles (created_at fixed: the rows are recreated by CREATE
-- EXTENSION, and a restored database must hold the same rows)
INSERT INTO dcpf.competency (id, framework, code, name_nl, name_en, description, sort_order, builtin) VALUES
    ('00000000-0000-4000-8000-00000000c301', 'canmeds', 'medical_expert', 'Medisch handelen', 'Medical expert',
     'integrates medical knowledge, clinical skills and professional values in safe, patient-centred care', 1, true),
    ('00000000-0000-4000-8000-00000000c302', 'canmeds', 'communicator', 'Communicatie', 'Communicator',
     'builds relationships with patients and their families and shares information and decisions with them', 2, true),
    ('00000000-0000-4000-8000-00000000c303', 'canmeds', 'collaborator', 'Samenwerking', 'Collaborator',
     'works effectively with other professionals and hands over care safely', 3, true),
    ('00000000-0000-4000-8000-00000000c304', 'canmeds', 'leader', 'Leiderschap', 'Leader',
     'contributes to a high-quality care system: organises work, uses resources well, leads and improves', 4, true),
    ('00000000-0000-4000-8000-00000000c305', 'canmeds', 'health_advocate', 'Maatschappelijk handelen', 'Health advocate',
     'uses expertise and influence to improve the health of patients, communities and populations', 5, true),
    ('00000000-0000-4000-8000-00000000c306', 'canmeds', 'scholar', 'Kennis en wetenschap', 'Scholar',
     'learns lifelong, teaches, evaluates evidence and contributes to knowledge', 6, true),
    ('00000000-0000-4000-8000-00000000c307', 'canmeds', 'professional', 'Professionaliteit', 'Professional',
     'is committed to patients, the profession and society through ethical practice and self-care', 7, true);
UPDATE dcpf.competency SET created_at = '2015-01-01 00:00:00+00' WHERE builtin;

-- ---------------------------------------------------------------------------
-- Programmes and their members
-- ---------------------------------------------------------------------------
CREATE TABLE dcpf.programme (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    licensee_id uuid NOT NULL REFERENCES dcpf.licensee (id),
    code        text NOT NULL CONSTRAINT programme_code_format CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$'),
    name        text NOT NULL CONSTRAINT programme_name_length CHECK (length(btrim(name)) BETWEEN 2 AND 200),
    kind        text NOT NULL CONSTRAINT programme_kind_valid
                CHECK (kind IN ('specialty', 'track', 'continuing_education')),
    description text CONSTRAINT programme_description_length CHECK (length(description) <= 4000),
    duration_months integer CONSTRAINT programme_duration_range CHECK (duration_months BETWEEN 1 AND 120),
    starts_on   date NOT NULL DEFAULT current_date,
    retired_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  uuid REFERENCES dcpf.person (id) ON DELETE SET NULL,
    CONSTRAINT programme_code_unique UNIQUE (licensee_id, code),
    -- the target of the composite keys that keep members and EPAs in the programme's licensee
    CONSTRAINT programme_id_licensee_unique UNIQUE (id, licensee_id)
);
COMMENT ON TABLE dcpf.programme IS
    'a specialty training programme or another training track of a licensee, whose members are placed in it in programme roles';
COMMENT ON COLUMN dcpf.programme.id IS 'programme identifier';
COMMENT ON COLUMN dcpf.programme.licensee_id IS 'the licensee that runs it';
COMMENT ON COLUMN dcpf.programme.code IS 'the licensee''s code for it, unique within the licensee (e.g. a specialty code)';
COMMENT ON COLUMN dcpf.programme.name IS 'display name, e.g. Opleiding Interne Geneeskunde';
COMMENT ON COLUMN dcpf.programme.kind IS 'specialty (medical specialty training), track (another training track) or continuing_education';
COMMENT ON COLUMN dcpf.programme.description IS 'what the programme is';
COMMENT ON COLUMN dcpf.programme.duration_months IS 'nominal duration in months, if fixed';
COMMENT ON COLUMN dcpf.programme.starts_on IS 'from when it takes members';
COMMENT ON COLUMN dcpf.programme.retired_at IS 'when it stopped taking new members and EPAs; NULL while running';
COMMENT ON COLUMN dcpf.programme.created_at IS 'when it was recorded';
COMMENT ON COLUMN dcpf.programme.created_by IS 'the administrator who recorded it';

CREATE TABLE dcpf.programme_role (
    code             text PRIMARY KEY CONSTRAINT programme_role_code_format CHECK (code ~ '^[a-z][a-z0-9_]{1,39}$'),
    name_nl          text NOT NULL,
    name_en          text NOT NULL,
    membership_roles text[] NOT NULL,
    description      text NOT NULL,
    builtin          boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE dcpf.programme_role IS
    'the roles a person can have in a programme, each with the licensee membership roles that may hold it';
COMMENT ON COLUMN dcpf.programme_role.code IS 'stable identifier';
COMMENT ON COLUMN dcpf.programme_role.name_nl IS 'Dutch display name';
COMMENT ON COLUMN dcpf.programme_role.name_en IS 'English display name';
COMMENT ON COLUMN dcpf.programme_role.membership_roles IS
    'the application roles (dcpf.role) of a membership in the programme''s licensee that may hold this programme role; acting in one of them is also how the programme is seen';
COMMENT ON COLUMN dcpf.programme_role.description IS 'what a holder does in the programme';
COMMENT ON COLUMN dcpf.programme_role.builtin IS 'shipped with dcpf; not dumped, recreated by CREATE EXTENSION';
INSERT INTO dcpf.programme_role (code, name_nl, name_en, membership_roles, description) VALUES
    ('trainee', 'Deelnemer (aios)', 'Trainee', '{medical_trainee,medical_professional,professional}',
     'follows the programme and keeps a portfolio in it'),
    ('supervisor', 'Supervisor', 'Supervisor', '{supervisor}',
     'supervises trainees of the programme in daily work and gives feedback'),
    ('assessor', 'Beoordelaar', 'Assessor', '{assessor}',
     'assesses trainees of the programme'),
    ('trainer', 'Opleider', 'Programme director', '{trainer}',
     'is responsible for the programme: its members, its EPAs, progress and entrustment decisions');
UPDATE dcpf.programme_role SET builtin = true;

CREATE TABLE dcpf.programme_member (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    programme_id uuid NOT NULL,
    licensee_id  uuid NOT NULL,
    person_id    uuid NOT NULL REFERENCES dcpf.person (id) ON DELETE CASCADE,
    role         text NOT NULL REFERENCES dcpf.programme_role (code),
    valid_from   timestamptz NOT NULL DEFAULT now(),
    valid_until  timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    created_by   uuid REFERENCES dcpf.person (id) ON DELETE SET NULL,
    CONSTRAINT programme_member_programme_fk FOREIGN KEY (programme_id, licensee_id)
        REFERENCES dcpf.programme (id, licensee_id),
    CONSTRAINT programme_member_period_ordered CHECK (valid_until IS NULL OR valid_until > valid_from)
);
CREATE INDEX programme_member_person_idx ON dcpf.programme_member (person_id, licensee_id);
CREATE INDEX programme_member_programme_idx ON dcpf.programme_member (programme_id, role);
COMMENT ON TABLE dcpf.programme_member IS
    'a person in a programme in a programme role for a period [valid_from, valid_until); backed by a membership of the programme''s licensee in a matching role, and effective only while that membership is';
COMMENT ON COLUMN dcpf.programme_member.id IS 'programme membership identifier';
COMMENT ON COLUMN dcpf.programme_member.programme_id IS 'the programme';
COMMENT ON COLUMN dcpf.programme_member.licensee_id IS 'the programme''s licensee (kept with the row, for row-level security)';
COMMENT ON COLUMN dcpf.programme_member.person_id IS 'the member';
COMMENT ON COLUMN dcpf.programme_member.role IS 'the programme role (dcpf.programme_role)';
COMMENT ON COLUMN dcpf.programme_member.valid_from IS 'start (inclusive)';
COMMENT ON COLUMN dcpf.programme_member.valid_until IS 'end (exclusive); NULL while open-ended';
COMMENT ON COLUMN dcpf.programme_member.created_at IS 'when it was recorded';
COMMENT ON COLUMN dcpf.programme_member.created_by IS 'the administrator or programme director who placed the person';

CREATE FUNCTION dcpf.programme_member_check() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    prog  dcpf.programme;
    roles text[];
    clash uuid;
BEGIN
    IF TG_OP = 'UPDATE' AND (NEW.programme_id, NEW.licensee_id, NEW.person_id, NEW.role, NEW.valid_from)
                            IS DISTINCT FROM (OLD.programme_id, OLD.licensee_id, OLD.person_id, OLD.role, OLD.valid_from) THEN
        RAISE EXCEPTION 'only the end of a programme membership can change'
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = format('Programme membership %s: programme, person, role and start are fixed.', OLD.id),
                  HINT = 'End it (valid_until) and place the person anew.';
    END IF;
    SELECT p.* INTO prog FROM dcpf.programme p WHERE p.id = NEW.programme_id;
    IF TG_OP = 'INSERT' AND prog.retired_at IS NOT NULL AND prog.retired_at <= NEW.valid_from THEN
        RAISE EXCEPTION 'programme "%" is retired', prog.code
            USING ERRCODE = 'check_violation',
                  DETAIL = format('Programme %s was retired at %s; it takes no new members.', prog.id, prog.retired_at);
    END IF;
    IF NEW.valid_until IS NOT NULL AND NEW.valid_until <= NEW.valid_from THEN
        RETURN NEW;     -- programme_member_period_ordered reports this
    END IF;
    IF TG_OP = 'INSERT' THEN
        SELECT r.membership_roles INTO roles FROM dcpf.programme_role r WHERE r.code = NEW.role;
        IF roles IS NOT NULL AND NOT EXISTS (
               SELECT FROM dcpf.membership m
                WHERE m.person_id = NEW.person_id AND m.licensee_id = NEW.licensee_id
                  AND m.role_code = ANY (roles)
                  AND m.valid_from <= NEW.valid_from
                  AND (m.valid_until IS NULL OR m.valid_until > NEW.valid_from)) THEN
            RAISE EXCEPTION 'person has no membership for programme role "%"', NEW.role
                USING ERRCODE = 'check_violation',
                      DETAIL = format('Person %s holds no membership of licensee %s in role %s at %s.',
                                      NEW.person_id, NEW.licensee_id, array_to_string(roles, ' or '), NEW.valid_from),
                      HINT = 'Grant the membership first (dcpf.grant_membership).';
        END IF;
    END IF;
    -- serialise placements of the same person in the same programme and role
    PERFORM pg_advisory_xact_lock(hashtextextended('programme_member' || NEW.programme_id::text || NEW.person_id::text || NEW.role, 0));
    SELECT pm.id INTO clash
      FROM dcpf.programme_member pm
     WHERE pm.programme_id = NEW.programme_id AND pm.person_id = NEW.person_id AND pm.role = NEW.role
       AND pm.id <> NEW.id
       AND tstzrange(pm.valid_from, pm.valid_until) && tstzrange(NEW.valid_from, NEW.valid_until)
     LIMIT 1;
    IF clash IS NOT NULL THEN
        RAISE EXCEPTION 'programme membership overlaps an existing one'
            USING ERRCODE = 'exclusion_violation',
                  DETAIL = format('Person %s already has role "%s" in programme %s during part of [%s, %s) (programme membership %s).',
                                  NEW.person_id, NEW.role, NEW.programme_id, NEW.valid_from,
                                  coalesce(NEW.valid_until::text, 'infinity'), clash),
                  HINT = 'End the existing one first, or extend it.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION dcpf.programme_member_check() IS
    'trigger: a programme membership needs a membership of the programme''s licensee in a matching role, a running programme, no overlap with the same person''s same role in the programme, and only its end may change (SECURITY DEFINER: it must see every row)';
CREATE TRIGGER programme_member_check BEFORE INSERT OR UPDATE ON dcpf.programme_member
    FOR EACH ROW EXECUTE FUNCTION dcpf.programme_member_check();

-- ---------------------------------------------------------------------------
-- EPAs per programme, and the competencies each draws on
-- ---------------------------------------------------------------------------
CREATE TABLE dcpf.epa (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    programme_id uuid NOT NULL,
    licensee_id  uuid NOT NULL,
    code         text NOT NULL CONSTRAINT epa_code_format CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$'),
    version      integer NOT NULL DEFAULT 1 CONSTRAINT epa_version_positive CHECK (version >= 1),
    title        text NOT NULL CONSTRAINT epa_title_length CHECK (length(btrim(title)) BETWEEN 3 AND 300),
    description  text CONSTRAINT epa_description_length CHECK (length(description) <= 8000),
    target_level dcpf.entrustment_level NOT NULL,
    retired_at   timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    created_by   uuid REFERENCES dcpf.person (id) ON DELETE SET NULL,
    CONSTRAINT epa_programme_fk FOREIGN KEY (programme_id, licensee_id) REFERENCES dcpf.programme (id, licensee_id),
    CONSTRAINT epa_code_version_unique UNIQUE (programme_id, code, version),
    CONSTRAINT epa_scope_unique UNIQUE (id, programme_id, licensee_id)
);
CREATE INDEX epa_licensee_idx ON dcpf.epa (licensee_id);
COMMENT ON TABLE dcpf.epa IS
    'an entrustable professional activity (EPA) of a programme, in versions: a unit of work a trainee is entrusted with, up to a target level';
COMMENT ON COLUMN dcpf.epa.id IS 'EPA (version) identifier';
COMMENT ON COLUMN dcpf.epa.programme_id IS 'the programme';
COMMENT ON COLUMN dcpf.epa.licensee_id IS 'the programme''s licensee (kept with the row, for row-level security)';
COMMENT ON COLUMN dcpf.epa.code IS 'the programme''s code for the activity, e.g. EPA-3; the same across versions';
COMMENT ON COLUMN dcpf.epa.version IS 'version of the EPA''s definition; a changed definition is a new version';
COMMENT ON COLUMN dcpf.epa.title IS 'what the activity is';
COMMENT ON COLUMN dcpf.epa.description IS 'its scope, conditions and the evidence expected';
COMMENT ON COLUMN dcpf.epa.target_level IS 'the entrustment level to reach by the end of the programme (dcpf.entrustment_scale)';
COMMENT ON COLUMN dcpf.epa.retired_at IS 'when this version stopped being used for new activities; NULL while current';
COMMENT ON COLUMN dcpf.epa.created_at IS 'when this version was recorded';
COMMENT ON COLUMN dcpf.epa.created_by IS 'who recorded it';

CREATE FUNCTION dcpf.epa_check() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND (NEW.programme_id, NEW.licensee_id, NEW.code, NEW.version, NEW.target_level)
                            IS DISTINCT FROM (OLD.programme_id, OLD.licensee_id, OLD.code, OLD.version, OLD.target_level) THEN
        RAISE EXCEPTION 'an EPA''s programme, code, version and target level are fixed'
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = format('EPA %s (%s version %s): assessments and decisions refer to this definition.',
                                  OLD.id, OLD.code, OLD.version),
                  HINT = 'Record a new version and retire this one.';
    END IF;
    IF TG_OP = 'INSERT' AND EXISTS (SELECT FROM dcpf.programme p WHERE p.id = NEW.programme_id AND p.retired_at IS NOT NULL) THEN
        RAISE EXCEPTION 'the programme is retired'
            USING ERRCODE = 'check_violation',
                  DETAIL = format('Programme %s takes no new EPAs.', NEW.programme_id);
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION dcpf.epa_check() IS
    'trigger: an EPA version''s definition is fixed once recorded (only its title, description and retirement change), and a retired programme takes no new EPAs (SECURITY DEFINER: it must see the programme)';
CREATE TRIGGER epa_check BEFORE INSERT OR UPDATE ON dcpf.epa
    FOR EACH ROW EXECUTE FUNCTION dcpf.epa_check();

CREATE TABLE dcpf.epa_competency (
    epa_id        uuid NOT NULL REFERENCES dcpf.epa (id),
    competency_id uuid NOT NULL REFERENCES dcpf.competency (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    programme_id  uuid NOT NULL,
    licensee_id   uuid NOT NULL,
    PRIMARY KEY (epa_id, competency_id),
    CONSTRAINT epa_competency_scope_fk FOREIGN KEY (epa_id, programme_id, licensee_id)
        REFERENCES dcpf.epa (id, programme_id, licensee_id)
);
CREATE INDEX epa_competency_competency_idx ON dcpf.epa_competency (competency_id);
COMMENT ON TABLE dcpf.epa_competency IS 'the competencies an EPA draws on (links are fixed: a changed EPA is a new version)';
COMMENT ON COLUMN dcpf.epa_competency.epa_id IS 'the EPA version';
COMMENT ON COLUMN dcpf.epa_competency.competency_id IS 'a competency of the platform''s framework or of the EPA''s licensee';
COMMENT ON COLUMN dcpf.epa_competency.created_at IS 'when the link was made';
COMMENT ON COLUMN dcpf.epa_competency.programme_id IS 'the EPA''s programme, copied from it when the link is made (for row-level security: the policies then need no subquery)';
COMMENT ON COLUMN dcpf.epa_competency.licensee_id IS 'the EPA''s licensee, copied from it when the link is made (for row-level security)';

CREATE FUNCTION dcpf.epa_competency_check() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    comp_licensee uuid;
    epa_licensee  uuid;
BEGIN
    SELECT c.licensee_id INTO comp_licensee FROM dcpf.competency c WHERE c.id = NEW.competency_id;
    SELECT e.licensee_id, e.programme_id INTO epa_licensee, NEW.programme_id FROM dcpf.epa e WHERE e.id = NEW.epa_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'EPA % does not exist', NEW.epa_id
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = 'A competency is linked to an existing EPA version.';
    END IF;
    NEW.licensee_id := epa_licensee;    -- whatever the caller wrote: the policies read these
    IF comp_licensee IS NOT NULL AND comp_licensee IS DISTINCT FROM epa_licensee THEN
        RAISE EXCEPTION 'competency belongs to another licensee'
            USING ERRCODE = 'check_violation',
                  DETAIL = format('Competency %s is licensee %s''s; EPA %s is licensee %s''s.',
                                  NEW.competency_id, comp_licensee, NEW.epa_id, epa_licensee),
                  HINT = 'Link a competency of the platform''s framework or of the EPA''s own licensee.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION dcpf.epa_competency_check() IS
    'trigger: an EPA links only competencies of the platform''s framework or of its own licensee, and the link takes the EPA''s programme and licensee (SECURITY DEFINER: it must see both rows)';
CREATE TRIGGER epa_competency_check BEFORE INSERT ON dcpf.epa_competency
    FOR EACH ROW EXECUTE FUNCTION dcpf.epa_competency_check();
CREATE TRIGGER epa_competency_no_update BEFORE UPDATE ON dcpf.epa_competency
    FOR EACH ROW EXECUTE FUNCTION dcpf.refuse_update('An EPA''s competencies are fixed: record a new version of the EPA.');

CREATE FUNCTION dcpf.competency_check() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    parent_licensee uuid;
BEGIN
    IF TG_OP = 'UPDATE' AND (NEW.licensee_id, NEW.framework, NEW.code, NEW.builtin)
                            IS DISTINCT FROM (OLD.licensee_id, OLD.framework, OLD.code, OLD.builtin) THEN
        RAISE EXCEPTION 'a competency''s licensee, framework and code are fixed'
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = format('Competency %s (%s).', OLD.id, OLD.code);
    END IF;
    IF NEW.parent_id IS NOT NULL THEN
        SELECT c.licensee_id INTO parent_licensee FROM dcpf.competency c WHERE c.id = NEW.parent_id;
        IF parent_licensee IS NOT NULL AND parent_licensee IS DISTINCT FROM NEW.licensee_id THEN
            RAISE EXCEPTION 'parent competency belongs to another licensee'
                USING ERRCODE = 'check_violation',
                      DETAIL = format('Competency %s is licensee %s''s.', NEW.parent_id, parent_licensee);
        END IF;
        -- no cycles: the parent's ancestors must not include this row
        IF EXISTS (WITH RECURSIVE up (id, parent_id, depth) AS (
                       SELECT c.id, c.parent_id, 1 FROM dcpf.competency c WHERE c.id = NEW.parent_id
                       UNION ALL
                       SELECT c.id, c.parent_id, up.depth + 1 FROM dcpf.competency c JOIN up ON c.id = up.parent_id
                        WHERE up.depth < 20)
                   SELECT FROM up WHERE up.id = NEW.id) THEN
            RAISE EXCEPTION 'competency would be its own ancestor'
                USING ERRCODE = 'check_violation',
                      DETAIL = format('Competency %s cannot be placed beneath %s.', NEW.id, NEW.parent_id);
        END IF;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION dcpf.competency_check() IS
    'trigger: a competency''s licensee, framework and code are fixed; its parent is the platform''s or its own licensee''s, never itself or a descendant (SECURITY DEFINER: it must see every row)';
CREATE TRIGGER competency_check BEFORE INSERT OR UPDATE ON dcpf.competency
    FOR EACH ROW EXECUTE FUNCTION dcpf.competency_check();

-- ---------------------------------------------------------------------------
-- Protection (as 090): RLS forced, nothing for PUBLIC, dumped with the data
-- ---------------------------------------------------------------------------
REVOKE ALL ON TABLE dcpf.entrustment_scale, dcpf.competency, dcpf.programme, dcpf.programme_role,
    dcpf.programme_member, dcpf.epa, dcpf.epa_competency FROM PUBLIC;
ALTER TABLE dcpf.entrustment_scale FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.entrustment_scale ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.competency FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.competency ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.programme FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.programme ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.programme_role FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.programme_role ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.programme_member FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.programme_member ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.epa FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.epa ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.epa_competency FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.epa_competency ENABLE ROW LEVEL SECURITY;
-- the shipped scale, programme roles and CanMEDS roles come back with CREATE EXTENSION
SELECT pg_catalog.pg_extension_config_dump('dcpf.entrustment_scale', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('dcpf.programme_role', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('dcpf.competency', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('dcpf.programme', '');
SELECT pg_catalog.pg_extension_config_dump('dcpf.programme_member', '');
SELECT pg_catalog.pg_extension_config_dump('dcpf.epa', '');
SELECT pg_catalog.pg_extension_config_dump('dcpf.epa_competency', '');
REVOKE EXECUTE ON FUNCTION dcpf.programme_member_check(), dcpf.epa_check(), dcpf.epa_competency_check(),
    dcpf.competency_check() FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- Who sees and changes what (see 095 for the conventions)
--
--   every identity          the entrustment scale, the programme roles, the CanMEDS roles
--   members of a licensee   its competencies, programmes and EPAs
--   a programme member      the members of the programmes they are in, through the
--                           role they act in (a trainee acting as medical_trainee sees
--                           the programmes they follow, with their supervisors)
--   licensee_admin          writes the licensee's curriculum; places and removes members
--   privacy_officer         reads every programme membership of the licensee
--   trainer                 writes competencies; for the programmes they direct: EPAs
--                           and members
-- ---------------------------------------------------------------------------
-- (PL/pgSQL, so that its query is planned once per session: a SQL function
-- is planned at every call, ~0.2 ms, in every policy and function using it)
CREATE FUNCTION dcpf.my_programmes() RETURNS uuid[]
    AS 'MODULE_PATHNAME', 'dcpf_my_programmes'
    LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION dcpf.my_programmes() IS
    'the programmes of the licensee the verified identity acts in, in which it is a current member through the application role it acts in, with that membership current too; read as the extension owner and kept until what it read could have changed (src/policy.c), so that policies call it directly';
REVOKE EXECUTE ON FUNCTION dcpf.my_programmes() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.my_programmes() TO dcpf_app;

CREATE POLICY entrustment_scale_read ON dcpf.entrustment_scale FOR SELECT TO dcpf_app
    USING (dcpf.current_person() IS NOT NULL);
CREATE POLICY programme_role_read ON dcpf.programme_role FOR SELECT TO dcpf_app
    USING (dcpf.current_person() IS NOT NULL);
GRANT SELECT ON dcpf.entrustment_scale, dcpf.programme_role TO dcpf_app;

CREATE POLICY competency_read ON dcpf.competency FOR SELECT TO dcpf_app
    USING ((licensee_id IS NULL AND dcpf.current_person() IS NOT NULL)
           OR licensee_id = ANY (dcpf.my_licensees()));
CREATE POLICY competency_staff_write ON dcpf.competency FOR INSERT TO dcpf_app
    WITH CHECK (licensee_id = dcpf.licensee_if_acting_in('licensee_admin', 'trainer') AND NOT builtin);
CREATE POLICY competency_staff_update ON dcpf.competency FOR UPDATE TO dcpf_app
    USING (licensee_id = dcpf.licensee_if_acting_in('licensee_admin', 'trainer'))
    WITH CHECK (licensee_id = dcpf.licensee_if_acting_in('licensee_admin', 'trainer'));
GRANT SELECT ON dcpf.competency TO dcpf_app;
GRANT INSERT (id, licensee_id, framework, code, parent_id, name_nl, name_en, description, sort_order) ON dcpf.competency TO dcpf_app;
GRANT UPDATE (parent_id, name_nl, name_en, description, sort_order, retired_at) ON dcpf.competency TO dcpf_app;

CREATE POLICY programme_read ON dcpf.programme FOR SELECT TO dcpf_app
    USING (licensee_id = ANY (dcpf.my_licensees()));
CREATE POLICY programme_admin_create ON dcpf.programme FOR INSERT TO dcpf_app
    WITH CHECK (licensee_id = dcpf.licensee_if_acting_in('licensee_admin')
                AND created_by = dcpf.current_person());
CREATE POLICY programme_admin_update ON dcpf.programme FOR UPDATE TO dcpf_app
    USING (licensee_id = dcpf.licensee_if_acting_in('licensee_admin'))
    WITH CHECK (licensee_id = dcpf.licensee_if_acting_in('licensee_admin'));
GRANT SELECT ON dcpf.programme TO dcpf_app;
GRANT INSERT (id, licensee_id, code, name, kind, description, duration_months, starts_on, created_by) ON dcpf.programme TO dcpf_app;
GRANT UPDATE (name, description, duration_months, retired_at) ON dcpf.programme TO dcpf_app;

CREATE POLICY programme_member_self_read ON dcpf.programme_member FOR SELECT TO dcpf_app
    USING (person_id = dcpf.current_person());
CREATE POLICY programme_member_staff_read ON dcpf.programme_member FOR SELECT TO dcpf_app
    USING (licensee_id = dcpf.licensee_if_acting_in('licensee_admin', 'privacy_officer'));
CREATE POLICY programme_member_fellow_read ON dcpf.programme_member FOR SELECT TO dcpf_app
    USING (programme_id = ANY (dcpf.my_programmes()));
CREATE POLICY programme_member_place ON dcpf.programme_member FOR INSERT TO dcpf_app
    WITH CHECK ((licensee_id = dcpf.licensee_if_acting_in('licensee_admin')
                 OR (dcpf.acting_in('trainer') AND programme_id = ANY (dcpf.my_programmes())))
                AND created_by = dcpf.current_person());
CREATE POLICY programme_member_end ON dcpf.programme_member FOR UPDATE TO dcpf_app
    USING (licensee_id = dcpf.licensee_if_acting_in('licensee_admin')
           OR (dcpf.acting_in('trainer') AND programme_id = ANY (dcpf.my_programmes())))
    WITH CHECK (licensee_id = dcpf.licensee_if_acting_in('licensee_admin')
                OR (dcpf.acting_in('trainer') AND programme_id = ANY (dcpf.my_programmes())));
GRANT SELECT ON dcpf.programme_member TO dcpf_app;
GRANT INSERT (id, programme_id, licensee_id, person_id, role, valid_from, valid_until, created_by) ON dcpf.programme_member TO dcpf_app;
GRANT UPDATE (valid_until) ON dcpf.programme_member TO dcpf_app;

CREATE POLICY epa_member_read ON dcpf.epa FOR SELECT TO dcpf_app
    USING (licensee_id = ANY (dcpf.my_licensees()));
CREATE POLICY epa_staff_create ON dcpf.epa FOR INSERT TO dcpf_app
    WITH CHECK ((licensee_id = dcpf.licensee_if_acting_in('licensee_admin')
                 OR (dcpf.acting_in('trainer') AND programme_id = ANY (dcpf.my_programmes())))
                AND created_by = dcpf.current_person());
CREATE POLICY epa_staff_update ON dcpf.epa FOR UPDATE TO dcpf_app
    USING (licensee_id = dcpf.licensee_if_acting_in('licensee_admin')
           OR (dcpf.acting_in('trainer') AND programme_id = ANY (dcpf.my_programmes())))
    WITH CHECK (licensee_id = dcpf.licensee_if_acting_in('licensee_admin')
                OR (dcpf.acting_in('trainer') AND programme_id = ANY (dcpf.my_programmes())));
GRANT SELECT ON dcpf.epa TO dcpf_app;
GRANT INSERT (id, programme_id, licensee_id, code, version, title, description, target_level, created_by) ON dcpf.epa TO dcpf_app;
GRANT UPDATE (title, description, retired_at) ON dcpf.epa TO dcpf_app;

-- links: seen with their EPA (its policies apply inside the sublink); made by
-- whoever may write the EPA
CREATE POLICY epa_competency_read ON dcpf.epa_competency FOR SELECT TO dcpf_app
    USING (licensee_id = ANY (dcpf.my_licensees()));
CREATE POLICY epa_competency_link ON dcpf.epa_competency FOR INSERT TO dcpf_app
    WITH CHECK (licensee_id = dcpf.licensee_if_acting_in('licensee_admin')
                OR (dcpf.acting_in('trainer') AND programme_id = ANY (dcpf.my_programmes())));
GRANT SELECT ON dcpf.epa_competency TO dcpf_app;
GRANT INSERT (epa_id, competency_id) ON dcpf.epa_competency TO dcpf_app;

-- ---------------------------------------------------------------------------
-- The audit trail (120): every write is an event; a programme membership is
-- the member's data
-- ---------------------------------------------------------------------------
SELECT dcpf.audit_table('dcpf.entrustment_scale', NULL);
SELECT dcpf.audit_table('dcpf.competency', NULL);
SELECT dcpf.audit_table('dcpf.programme', NULL);
SELECT dcpf.audit_table('dcpf.programme_role', NULL);
SELECT dcpf.audit_table('dcpf.programme_member', 'person_id', 'grant');
SELECT dcpf.audit_table('dcpf.epa', NULL);
SELECT dcpf.audit_table('dcpf.epa_competency', NULL);
