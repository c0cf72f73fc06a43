-- 138_policy_notice.sql: changes to the privacy statement and the other
-- policy documents (DESIGN.md clause 17). Publishing a new version of a
-- document announces it to every active account: one set-based INSERT into
-- the notice queue and one NOTIFY for the batch. A material change must be
-- acknowledged: dcpf.policies_to_acknowledge tells the application, at
-- login, what the verified person still has to acknowledge, and
-- dcpf.outstanding_policy_acknowledgements tells the platform and a
-- licensee's staff who has not yet done so. Where it bites beyond the login
-- screen: giving consent (sql/200_consent.sql), which rests on the privacy
-- statement, waits for the acknowledgement of a material change of the
-- document shown. See doc/reference/policy-documents.md.
--
-- A version is a change only when an earlier version of its kind exists:
-- the first version of a kind is what a person accepts when their account
-- is made, and is not announced. Each version is announced once, with the
-- first language it is published in; a translation published later is not
-- announced again (the payload names the kind and version, the application
-- shows the person's language). The persons concerned are the accounts
-- active when the version was published; a person registering later is
-- shown the version then in force.

CREATE FUNCTION dcpf.policy_document_announce() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM dcpf.policy_document e WHERE e.kind = NEW.kind AND e.effective_from < NEW.effective_from)
       OR EXISTS (SELECT FROM dcpf.policy_document t
                   WHERE t.kind = NEW.kind AND t.version = NEW.version AND (t.published_at, t.id) < (NEW.published_at, NEW.id)) THEN
        RETURN NULL;
    END IF;
    INSERT INTO dcpf.notice (kind, recipient_person_id, payload)
    SELECT 'policy_changed', p.id,
           jsonb_build_object('document_id', NEW.id, 'document_kind', NEW.kind, 'version', NEW.version, 'language', NEW.language,
                              'title', NEW.title, 'effective_from', NEW.effective_from,
                              'material_change', NEW.material_change, 'acknowledgement_required', NEW.material_change)
      FROM dcpf.person p
     WHERE p.status = 'active';
    -- one notification for the whole batch: the sender claims what is queued
    PERFORM pg_catalog.pg_notify('dcpf_notice', 'policy_document:' || NEW.id);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION dcpf.policy_document_announce() IS
    'trigger: a new version of a policy document that has an earlier version of its kind (and is not a translation of a version already published) is announced to every active account with a policy_changed notice, in one INSERT, and one NOTIFY dcpf_notice with payload policy_document:<id>';
CREATE TRIGGER policy_document_announce AFTER INSERT ON dcpf.policy_document
    FOR EACH ROW EXECUTE FUNCTION dcpf.policy_document_announce();
REVOKE ALL ON FUNCTION dcpf.policy_document_announce() FROM PUBLIC;

-- the licensee's admin and privacy officer see who of their people
-- acknowledged what (for the view below), as they see their consents
CREATE POLICY policy_acknowledgement_staff_read ON dcpf.policy_acknowledgement FOR SELECT TO dcpf_app
    USING (dcpf.member_of_my_licensee(person_id, 'licensee_admin', 'privacy_officer'));

-- Who must still acknowledge which material change. A version counts once
-- (the language it was first published in stands for it), and an
-- acknowledgement of any version of the kind taking effect on or after it,
-- in any language, covers it.
CREATE VIEW dcpf.outstanding_policy_acknowledgements WITH (security_invoker = true) AS
SELECT p.id AS person_id, d.id AS document_id, d.kind, d.version, d.effective_from, d.published_at,
       d.effective_from <= now() AS in_force
  FROM dcpf.policy_document d
  JOIN dcpf.person p ON p.status = 'active' AND p.created_at <= d.published_at
 WHERE d.material_change
   AND EXISTS (SELECT FROM dcpf.policy_document e WHERE e.kind = d.kind AND e.effective_from < d.effective_from)
   AND NOT EXISTS (SELECT FROM dcpf.policy_document t
                    WHERE t.kind = d.kind AND t.version = d.version AND (t.published_at, t.id) < (d.published_at, d.id))
   AND NOT EXISTS (SELECT FROM dcpf.policy_acknowledgement a
                     JOIN dcpf.policy_document ad ON ad.id = a.document_id
                    WHERE a.person_id = p.id AND ad.kind = d.kind AND ad.effective_from >= d.effective_from);
COMMENT ON VIEW dcpf.outstanding_policy_acknowledgements IS
    'who has not yet acknowledged a material change of a policy document: every account active when the version was published and not since acknowledging it (or a later version of its kind, in any language); security_invoker: a licensee''s admin and privacy officer see their people, a person themself';
COMMENT ON COLUMN dcpf.outstanding_policy_acknowledgements.person_id IS 'the person who must acknowledge';
COMMENT ON COLUMN dcpf.outstanding_policy_acknowledgements.document_id IS 'the version (in the language it was first published in)';
COMMENT ON COLUMN dcpf.outstanding_policy_acknowledgements.kind IS 'the kind of document';
COMMENT ON COLUMN dcpf.outstanding_policy_acknowledgements.version IS 'its version label';
COMMENT ON COLUMN dcpf.outstanding_policy_acknowledgements.effective_from IS 'when it takes (or took) effect';
COMMENT ON COLUMN dcpf.outstanding_policy_acknowledgements.published_at IS 'when it was published (announced)';
COMMENT ON COLUMN dcpf.outstanding_policy_acknowledgements.in_force IS 'true once it is in force: the acknowledgement is due; false: announced, may be acknowledged ahead';
REVOKE ALL ON dcpf.outstanding_policy_acknowledgements FROM PUBLIC;
GRANT SELECT ON dcpf.outstanding_policy_acknowledgements TO dcpf_app;

-- what the application asks at login
CREATE FUNCTION dcpf.policies_to_acknowledge(language text DEFAULT 'nl')
    RETURNS TABLE (document_id uuid, kind text, version text, title text, effective_from timestamptz, in_force boolean)
    LANGUAGE sql STABLE PARALLEL RESTRICTED
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(t.id, d.id), o.kind, o.version, coalesce(t.title, d.title), o.effective_from, o.in_force
      FROM dcpf.outstanding_policy_acknowledgements o
      JOIN dcpf.policy_document d ON d.id = o.document_id
      LEFT JOIN dcpf.policy_document t ON t.kind = o.kind AND t.version = o.version AND t.language = policies_to_acknowledge.language
     WHERE o.person_id = dcpf.current_person()
     ORDER BY o.effective_from, o.kind;
$$;
COMMENT ON FUNCTION dcpf.policies_to_acknowledge(text) IS
    'for the application at login: the material changes of policy documents the verified person has not yet acknowledged, in the given language where published (else the first language), oldest first; in_force false for one announced ahead. Acknowledge with dcpf.acknowledge_policy. Empty without an identity';
REVOKE ALL ON FUNCTION dcpf.policies_to_acknowledge(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.policies_to_acknowledge(text) TO dcpf_app;
