-- 220_recipients.sql: the recipients register read two ways (DESIGN.md
-- clause 14; arts. 15(1)(c) and 19 AVG). dcpf.disclosure (160_sharing.sql)
-- records every disclosure with its legal basis; here the person lists who
-- received what, when and on what basis (dcpf.my_recipients), and dcpf's own
-- functions find whom to tell of a rectification, erasure or restriction
-- (dcpf.recipients_of: every recipient with the persons a notice goes to).
-- See doc/reference/recipients.md.

-- the article a legal basis stands on, for people to read
CREATE FUNCTION dcpf.legal_basis_article(legal_basis text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE legal_basis
    WHEN 'consent' THEN 'art. 6(1)(a) AVG'
    WHEN 'contract' THEN 'art. 6(1)(b) AVG'
    WHEN 'legal_obligation' THEN 'art. 6(1)(c) AVG'
    WHEN 'vital_interests' THEN 'art. 6(1)(d) AVG'
    WHEN 'public_task' THEN 'art. 6(1)(e) AVG'
    WHEN 'legitimate_interests' THEN 'art. 6(1)(f) AVG' END;
COMMENT ON FUNCTION dcpf.legal_basis_article(text) IS
    'the provision of art. 6(1) AVG a legal basis (consent, contract, legal_obligation, vital_interests, public_task, legitimate_interests) stands on, e.g. ''art. 6(1)(a) AVG''; NULL for anything else';
REVOKE ALL ON FUNCTION dcpf.legal_basis_article(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.legal_basis_article(text) TO dcpf_app, dcpf_reporting;

-- Art. 19: whom to tell. One row per disclosure and person to notify: the
-- recipient person, or each current member of the recipient role of the
-- licensee (within the share's programme, when it named one). Exports to
-- the person are not disclosures to a recipient and are left out.
CREATE FUNCTION dcpf.recipients_of(person uuid)
    RETURNS TABLE (disclosure_id uuid, kind text, recipient_person_id uuid, recipient_licensee_id uuid, recipient_role text,
                   recipient_description text, what text, legal_basis text, disclosed_at timestamptz,
                   until timestamptz, ended_at timestamptz, notice_person_id uuid)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT d.id, d.kind, d.recipient_person_id, d.recipient_licensee_id, d.recipient_role, d.recipient_description,
           d.what, d.legal_basis, d.disclosed_at, d.until, d.ended_at,
           coalesce(d.recipient_person_id, m.person_id)
      FROM dcpf.disclosure d
      LEFT JOIN dcpf.share s ON s.id = d.share_id
      LEFT JOIN LATERAL (
           SELECT DISTINCT mm.person_id FROM dcpf.membership mm
            WHERE d.recipient_person_id IS NULL
              AND mm.licensee_id = d.recipient_licensee_id AND mm.role_code = d.recipient_role
              AND mm.valid_from <= now() AND (mm.valid_until IS NULL OR mm.valid_until > now())
              AND mm.person_id <> d.subject_id
              AND (s.grantee_programme_id IS NULL
                   OR EXISTS (SELECT FROM dcpf.programme_member pm
                               WHERE pm.programme_id = s.grantee_programme_id AND pm.person_id = mm.person_id
                                 AND pm.valid_from <= now() AND (pm.valid_until IS NULL OR pm.valid_until > now())))) m
        ON true
     WHERE d.subject_id = recipients_of.person AND d.kind <> 'export'
     ORDER BY d.disclosed_at, d.id, 12;
$$;
COMMENT ON FUNCTION dcpf.recipients_of(uuid) IS
    'the recipients of a person''s data (art. 19 AVG), for dcpf''s own functions that must tell them of a rectification, erasure or restriction: one row per disclosure (shares and transfers, ended ones included; not exports to the person) and person to notify (notice_person_id: the recipient person, or each current member of the recipient role of the licensee, within the shared programme if one was named; NULL for someone outside the platform, who is reached through the feedback request or round named in what); owner only';
REVOKE ALL ON FUNCTION dcpf.recipients_of(uuid) FROM PUBLIC;

-- Art. 15(1)(c): the person's own list, with the recipients named
CREATE FUNCTION dcpf.my_recipients()
    RETURNS TABLE (disclosure_id uuid, kind text, recipient text, recipient_person_id uuid, recipient_licensee_id uuid,
                   recipient_role text, what text, legal_basis text, legal_basis_article text, disclosed_at timestamptz,
                   until timestamptz, ended_at timestamptz, current boolean)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me uuid := dcpf.verified_person();
BEGIN
    -- the recipients' names are their data: each one shown is a logged read
    PERFORM dcpf.audit_note('read', 'person', x.id::text, x.id, '{"reason": "recipients register"}')
       FROM (SELECT DISTINCT d.recipient_person_id AS id FROM dcpf.disclosure d
              WHERE d.subject_id = me AND d.recipient_person_id IS NOT NULL) x;
    RETURN QUERY
        SELECT d.id, d.kind,
               CASE WHEN p.id IS NOT NULL THEN dcpf.person_display_name(p)
                    WHEN d.recipient_person_id IS NULL THEN d.recipient_description
                    ELSE 'a person whose account was removed' END,
               d.recipient_person_id, d.recipient_licensee_id, d.recipient_role, d.what, d.legal_basis,
               dcpf.legal_basis_article(d.legal_basis), d.disclosed_at, d.until, d.ended_at,
               d.ended_at IS NULL AND (d.until IS NULL OR d.until > now()) AND d.disclosed_at <= now()
          FROM dcpf.disclosure d
          LEFT JOIN dcpf.person p ON p.id = d.recipient_person_id
         WHERE d.subject_id = me
         ORDER BY d.disclosed_at DESC, d.id;
END
$$;
COMMENT ON FUNCTION dcpf.my_recipients() IS
    'the verified person''s recipients register (art. 15(1)(c) AVG): who received what of their data, when, until when, on what basis (with its article), and whether it still holds; a recipient person by display name (each one logged as a read of their person row), a role by its description; 42501 without identity';
REVOKE ALL ON FUNCTION dcpf.my_recipients() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.my_recipients() TO dcpf_app;

-- Art. 19: the persons to tell of a rectification, erasure or restriction of
-- a person's data: every person dcpf.recipients_of names (a recipient
-- person, the current members of a recipient role), never the person, not
-- the caller, not an erased person.
CREATE FUNCTION dcpf.art19_notice_persons(person uuid) RETURNS SETOF uuid
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT DISTINCT r.notice_person_id FROM dcpf.recipients_of(person) r
     WHERE r.notice_person_id IS NOT NULL AND r.notice_person_id <> art19_notice_persons.person
       AND r.notice_person_id IS DISTINCT FROM dcpf.current_person()
       AND NOT EXISTS (SELECT FROM dcpf.person p WHERE p.id = r.notice_person_id AND p.status = 'erased');
$$;
COMMENT ON FUNCTION dcpf.art19_notice_persons(uuid) IS
    'the persons to send an art. 19 notice of a rectification or erasure of a person''s data: each person dcpf.recipients_of names, never the person, not the caller, not an erased person; owner only';
REVOKE ALL ON FUNCTION dcpf.art19_notice_persons(uuid) FROM PUBLIC;
