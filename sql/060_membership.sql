-- 060_membership.sql: memberships tie a person to a licensee in an
-- application role for a period. Medical roles require a BIG number.

CREATE FUNCTION dcpf.touch_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION dcpf.touch_updated_at() IS 'trigger: sets updated_at to the transaction time on every update';

CREATE TRIGGER person_touch BEFORE UPDATE ON dcpf.person
    FOR EACH ROW EXECUTE FUNCTION dcpf.touch_updated_at();
CREATE TRIGGER billing_profile_touch BEFORE UPDATE ON dcpf.billing_profile
    FOR EACH ROW EXECUTE FUNCTION dcpf.touch_updated_at();
CREATE TRIGGER person_preference_touch BEFORE UPDATE ON dcpf.person_preference
    FOR EACH ROW EXECUTE FUNCTION dcpf.touch_updated_at();

CREATE TABLE dcpf.membership (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    person_id    uuid NOT NULL REFERENCES dcpf.person (id) ON DELETE CASCADE,
    licensee_id  uuid NOT NULL REFERENCES dcpf.licensee (id),
    role_code    text NOT NULL REFERENCES dcpf.role (code),
    valid_from   timestamptz NOT NULL DEFAULT now(),
    valid_until  timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    created_by   uuid REFERENCES dcpf.person (id) ON DELETE SET NULL,
    CONSTRAINT membership_period_ordered CHECK (valid_until IS NULL OR valid_until > valid_from)
);
CREATE INDEX membership_person_idx ON dcpf.membership (person_id);
CREATE INDEX membership_licensee_role_idx ON dcpf.membership (licensee_id, role_code);
COMMENT ON TABLE dcpf.membership IS
    'a person''s role in a licensee for a period [valid_from, valid_until); periods of the same person, licensee and role never overlap';
COMMENT ON COLUMN dcpf.membership.id IS 'membership identifier';
COMMENT ON COLUMN dcpf.membership.person_id IS 'the member';
COMMENT ON COLUMN dcpf.membership.licensee_id IS 'the licensee';
COMMENT ON COLUMN dcpf.membership.role_code IS 'the application role held';
COMMENT ON COLUMN dcpf.membership.valid_from IS 'start of the membership (inclusive)';
COMMENT ON COLUMN dcpf.membership.valid_until IS 'end of the membership (exclusive); NULL while open-ended';
COMMENT ON COLUMN dcpf.membership.created_at IS 'when the membership was recorded';
COMMENT ON COLUMN dcpf.membership.created_by IS 'the administrator who granted it, if any';

CREATE FUNCTION dcpf.membership_check() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    needs_big boolean;
    has_big   boolean;
    clash     uuid;
BEGIN
    SELECT r.requires_big INTO needs_big FROM dcpf.role r WHERE r.code = NEW.role_code;
    IF needs_big THEN
        SELECT p.big_number_encrypted IS NOT NULL INTO has_big FROM dcpf.person p WHERE p.id = NEW.person_id;
        IF NOT has_big THEN
            RAISE EXCEPTION 'role "%" requires a BIG number', NEW.role_code
                USING ERRCODE = 'check_violation',
                      DETAIL = format('Person %s has no BIG number.', NEW.person_id),
                      HINT = 'Record the person''s BIG registration first.';
        END IF;
    END IF;
    IF NEW.valid_until IS NOT NULL AND NEW.valid_until <= NEW.valid_from THEN
        RETURN NEW;     -- membership_period_ordered reports this
    END IF;
    -- serialise concurrent grants for the same person, licensee and role
    PERFORM pg_advisory_xact_lock(hashtextextended(NEW.person_id::text || NEW.licensee_id::text || NEW.role_code, 0));
    SELECT m.id INTO clash
      FROM dcpf.membership m
     WHERE m.person_id = NEW.person_id AND m.licensee_id = NEW.licensee_id
       AND m.role_code = NEW.role_code AND m.id <> NEW.id
       AND tstzrange(m.valid_from, m.valid_until) && tstzrange(NEW.valid_from, NEW.valid_until)
     LIMIT 1;
    IF clash IS NOT NULL THEN
        RAISE EXCEPTION 'membership overlaps an existing one'
            USING ERRCODE = 'exclusion_violation',
                  DETAIL = format('Person %s already holds role "%s" in licensee %s during part of [%s, %s) (membership %s).',
                                  NEW.person_id, NEW.role_code, NEW.licensee_id, NEW.valid_from,
                                  coalesce(NEW.valid_until::text, 'infinity'), clash),
                  HINT = 'End the existing membership first, or extend it.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION dcpf.membership_check() IS
    'trigger: refuses a membership whose role requires a BIG number the person lacks, or that overlaps another of the same person, licensee and role (SECURITY DEFINER: it must see every row, whatever the caller may see)';
CREATE TRIGGER membership_check BEFORE INSERT OR UPDATE ON dcpf.membership
    FOR EACH ROW EXECUTE FUNCTION dcpf.membership_check();

CREATE FUNCTION dcpf.person_big_number_check() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    role_needing text;
BEGIN
    SELECT m.role_code INTO role_needing
      FROM dcpf.membership m JOIN dcpf.role r ON r.code = m.role_code
     WHERE m.person_id = NEW.id AND r.requires_big
       AND (m.valid_until IS NULL OR m.valid_until > now())
     LIMIT 1;
    IF role_needing IS NOT NULL THEN
        RAISE EXCEPTION 'cannot remove the BIG number of a person holding role "%"', role_needing
            USING ERRCODE = 'check_violation',
                  DETAIL = format('Person %s has a current or future membership in a role that requires a BIG number.', NEW.id),
                  HINT = 'End those memberships first.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION dcpf.person_big_number_check() IS
    'trigger: refuses removing the BIG number of a person who holds a role that requires one (SECURITY DEFINER: it must see every membership)';
CREATE TRIGGER person_big_number_check BEFORE UPDATE OF big_number_encrypted ON dcpf.person
    FOR EACH ROW WHEN (OLD.big_number_encrypted IS NOT NULL AND NEW.big_number_encrypted IS NULL)
    EXECUTE FUNCTION dcpf.person_big_number_check();

