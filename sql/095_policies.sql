-- 095_policies.sql: who sees and changes what. Row-level security is forced
-- on every table (090); these policies open exactly what each application
-- role needs, for dcpf_app (and dcpf_service, a member of it), and only for a
-- verified identity (src/identity.c). No policy names dcpf_maintenance or
-- dcpf_reporting: they see no table rows. Nobody but the owner may DELETE or
-- TRUNCATE.
--
--   everyone with an identity   the catalogues (roles, products, agreements, policy documents)
--   the person themself         their own person row, phones, addresses, preferences,
--                               memberships, acceptances, acknowledgements
--   licensee_admin              their licensee, its billing and licences, the people and
--                               memberships of their licensee; creates accounts on
--                               someone's behalf; grants memberships
--   privacy_officer             the people and memberships of their licensee (read)
--   platform_support            nothing but what a licensee admin granted it: a membership
--                               that must end within 30 days
--   platform_security           the breach and subprocessor registers (230, 225); granted
--                               by the platform operator only: no admin grants or ends it

-- Helpers for policies: STABLE, SECURITY DEFINER (they must see memberships
-- whatever the caller may), pinned search_path, never LEAKPROOF.

-- SQL-standard bodies (RETURN …) are parsed when created, so no search_path
-- can change what they call. A policy that needs only the identity calls the
-- C accessors directly, owner_id = dcpf.current_person(): STABLE, so the
-- planner uses the call as an index condition (evaluated once per scan) and
-- a qual without a column, dcpf.current_person() IS NOT NULL, as a one-time
-- filter; in the portfolio page's small statements this was measured to cost
-- less than an InitPlan (benchmark 7a). And Citus refuses a policy with a
-- subquery on the tables it distributes (doc/guides/citus.md). The helpers
-- dcpf.acting_in and dcpf.licensee_if_acting_in are C functions too, called
-- directly: licensee_id = dcpf.licensee_if_acting_in('licensee_admin') is an
-- index condition as well, and where policies are OR-ed and so evaluated for
-- every row, a call is a string comparison (benchmark 2, the staff's read
-- of 2,000 rows: 1,550 statements/s with InitPlans, 1,006-1,042 with the
-- SQL expression inlined, 1,420 in C). Only the SECURITY DEFINER helpers
-- (dcpf.my_licensees(), dcpf.my_programmes(): not inlined) stay wrapped in a
-- scalar subquery, an InitPlan evaluated once per statement instead of a
-- call per row, as do the EXISTS checks of staff below.
--
-- "Staff of the identity's licensee see this person" is written out in each
-- policy that needs it, as
--     (SELECT dcpf.licensee_if_acting_in(...)) IS NOT NULL
--     AND EXISTS (SELECT FROM dcpf.membership m WHERE m.person_id = <row>
--                 AND m.licensee_id = (SELECT dcpf.licensee_if_acting_in(...)) AND <current>)
-- rather than as a function: the sublink becomes a subplan with an index
-- probe on membership_person_idx per row (a SECURITY DEFINER function call per
-- row cost ~60% of a point read), and it is skipped altogether when the
-- identity acts in no staff role. The membership rows it reads are subject to
-- membership's own policies, which let exactly these staff see them.
CREATE FUNCTION dcpf.acting_in(role text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'dcpf_acting_in'
    LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION dcpf.acting_in(text) IS
    'true when the verified identity acts in the given application role (in its licensee); false without a licensee, NULL for a NULL role; in C (src/identity.c), as policies call it directly';

CREATE FUNCTION dcpf.licensee_if_acting_in(VARIADIC roles text[]) RETURNS uuid
    AS 'MODULE_PATHNAME', 'dcpf_licensee_if_acting_in'
    LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION dcpf.licensee_if_acting_in(text[]) IS
    'the licensee of the verified identity when it acts in one of the given roles, else NULL: for policies of the form licensee_id = dcpf.licensee_if_acting_in(''licensee_admin''), an index condition evaluated once per scan; in C (src/identity.c), as policies call it directly and a policy OR-ed with another runs per row';

CREATE FUNCTION dcpf.my_licensees() RETURNS uuid[]
    LANGUAGE sql STABLE SECURITY DEFINER PARALLEL RESTRICTED
    SET search_path = pg_catalog, pg_temp
RETURN ARRAY(SELECT DISTINCT m.licensee_id FROM dcpf.membership m
              WHERE m.person_id = dcpf.current_person()
                AND (m.valid_until IS NULL OR m.valid_until > now()));
COMMENT ON FUNCTION dcpf.my_licensees() IS 'the licensees in which the verified person holds a current or future membership';
REVOKE EXECUTE ON FUNCTION dcpf.my_licensees() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.my_licensees() TO dcpf_app;

-- catalogues: readable by every verified identity
CREATE POLICY role_read ON dcpf.role FOR SELECT TO dcpf_app USING (dcpf.current_person() IS NOT NULL);
CREATE POLICY product_read ON dcpf.product FOR SELECT TO dcpf_app USING (dcpf.current_person() IS NOT NULL);
CREATE POLICY role_agreement_read ON dcpf.role_agreement FOR SELECT TO dcpf_app USING (dcpf.current_person() IS NOT NULL);
CREATE POLICY policy_document_read ON dcpf.policy_document FOR SELECT TO dcpf_app USING (dcpf.current_person() IS NOT NULL);
GRANT SELECT ON dcpf.role, dcpf.product, dcpf.role_agreement, dcpf.policy_document TO dcpf_app;

-- licensees: members see their own licensees; the admin may rename
CREATE POLICY licensee_member_read ON dcpf.licensee FOR SELECT TO dcpf_app
    USING (id = ANY ((SELECT dcpf.my_licensees())::uuid[]));
CREATE POLICY licensee_admin_update ON dcpf.licensee FOR UPDATE TO dcpf_app
    USING (id = dcpf.licensee_if_acting_in('licensee_admin'))
    WITH CHECK (id = dcpf.licensee_if_acting_in('licensee_admin'));
GRANT SELECT ON dcpf.licensee TO dcpf_app;
GRANT UPDATE (name) ON dcpf.licensee TO dcpf_app;

-- billing and licences: the licensee's admin only
CREATE POLICY billing_profile_admin ON dcpf.billing_profile FOR ALL TO dcpf_app
    USING (licensee_id = dcpf.licensee_if_acting_in('licensee_admin'))
    WITH CHECK (licensee_id = dcpf.licensee_if_acting_in('licensee_admin'));
GRANT SELECT, INSERT, UPDATE ON dcpf.billing_profile TO dcpf_app;
CREATE POLICY licence_admin_read ON dcpf.licence FOR SELECT TO dcpf_app
    USING (licensee_id = dcpf.licensee_if_acting_in('licensee_admin'));
GRANT SELECT ON dcpf.licence TO dcpf_app;

-- persons
CREATE POLICY person_self_read ON dcpf.person FOR SELECT TO dcpf_app
    USING (id = dcpf.current_person());
CREATE POLICY person_staff_read ON dcpf.person FOR SELECT TO dcpf_app
    USING (((SELECT dcpf.licensee_if_acting_in('licensee_admin', 'privacy_officer')) IS NOT NULL
                AND EXISTS (SELECT FROM dcpf.membership m
                             WHERE m.person_id = person.id
                               AND m.licensee_id = (SELECT dcpf.licensee_if_acting_in('licensee_admin', 'privacy_officer'))
                               AND (m.valid_until IS NULL OR m.valid_until > now())))
           OR ((SELECT dcpf.acting_in('licensee_admin')) AND created_for_licensee = (SELECT dcpf.current_licensee())));
CREATE POLICY person_self_update ON dcpf.person FOR UPDATE TO dcpf_app
    USING (id = dcpf.current_person() AND status = 'active')
    WITH CHECK (id = dcpf.current_person());
CREATE POLICY person_admin_update ON dcpf.person FOR UPDATE TO dcpf_app
    USING ((SELECT dcpf.licensee_if_acting_in('licensee_admin')) IS NOT NULL
                AND EXISTS (SELECT FROM dcpf.membership m
                             WHERE m.person_id = person.id
                               AND m.licensee_id = (SELECT dcpf.licensee_if_acting_in('licensee_admin'))
                               AND (m.valid_until IS NULL OR m.valid_until > now())))
    WITH CHECK ((SELECT dcpf.licensee_if_acting_in('licensee_admin')) IS NOT NULL
                AND EXISTS (SELECT FROM dcpf.membership m
                             WHERE m.person_id = person.id
                               AND m.licensee_id = (SELECT dcpf.licensee_if_acting_in('licensee_admin'))
                               AND (m.valid_until IS NULL OR m.valid_until > now())));
CREATE POLICY person_admin_create ON dcpf.person FOR INSERT TO dcpf_app
    WITH CHECK (dcpf.acting_in('licensee_admin')
                AND created_for_licensee = dcpf.current_licensee()
                AND created_by = dcpf.current_person()
                AND status = 'active');
GRANT SELECT ON dcpf.person TO dcpf_app;
GRANT INSERT (id, given_names, initials, tussenvoegsel, surname, partner_tussenvoegsel, partner_surname, name_use,
              email, big_number_encrypted, job_title, academic_titles, created_by, created_for_licensee)
    ON dcpf.person TO dcpf_app;
GRANT UPDATE (given_names, initials, tussenvoegsel, surname, partner_tussenvoegsel, partner_surname, name_use,
              email, big_number_encrypted, job_title, academic_titles, photo, photo_type)
    ON dcpf.person TO dcpf_app;

-- a person's own contact details and preferences: theirs alone
CREATE POLICY person_phone_self ON dcpf.person_phone FOR ALL TO dcpf_app
    USING (person_id = dcpf.current_person()) WITH CHECK (person_id = dcpf.current_person());
CREATE POLICY person_address_self ON dcpf.person_address FOR ALL TO dcpf_app
    USING (person_id = dcpf.current_person()) WITH CHECK (person_id = dcpf.current_person());
CREATE POLICY person_preference_self ON dcpf.person_preference FOR ALL TO dcpf_app
    USING (person_id = dcpf.current_person()) WITH CHECK (person_id = dcpf.current_person());
GRANT SELECT, INSERT, UPDATE ON dcpf.person_phone, dcpf.person_address TO dcpf_app;
GRANT SELECT, INSERT, UPDATE ON dcpf.person_preference TO dcpf_app;

-- memberships: one's own; the licensee's staff read, its admin grants and ends
CREATE POLICY membership_self_read ON dcpf.membership FOR SELECT TO dcpf_app
    USING (person_id = dcpf.current_person());
CREATE POLICY membership_staff_read ON dcpf.membership FOR SELECT TO dcpf_app
    USING (licensee_id = dcpf.licensee_if_acting_in('licensee_admin', 'privacy_officer'));
CREATE POLICY membership_admin_grant ON dcpf.membership FOR INSERT TO dcpf_app
    WITH CHECK (licensee_id = dcpf.licensee_if_acting_in('licensee_admin')
                AND created_by = dcpf.current_person()
                AND role_code <> 'platform_security'
                AND (role_code <> 'platform_support'
                     OR (valid_until IS NOT NULL AND valid_until <= valid_from + interval '30 days')));
CREATE POLICY membership_admin_end ON dcpf.membership FOR UPDATE TO dcpf_app
    USING (licensee_id = dcpf.licensee_if_acting_in('licensee_admin') AND role_code <> 'platform_security')
    WITH CHECK (licensee_id = dcpf.licensee_if_acting_in('licensee_admin')
                AND (role_code <> 'platform_support'
                     OR (valid_until IS NOT NULL AND valid_until <= valid_from + interval '30 days')));
GRANT SELECT ON dcpf.membership TO dcpf_app;
GRANT INSERT (person_id, licensee_id, role_code, valid_from, valid_until, created_by) ON dcpf.membership TO dcpf_app;
GRANT UPDATE (valid_until) ON dcpf.membership TO dcpf_app;

-- acceptances and acknowledgements: one's own; the admin reads its members'
CREATE POLICY role_agreement_acceptance_self ON dcpf.role_agreement_acceptance FOR SELECT TO dcpf_app
    USING (person_id = dcpf.current_person());
CREATE POLICY role_agreement_acceptance_self_insert ON dcpf.role_agreement_acceptance FOR INSERT TO dcpf_app
    WITH CHECK (person_id = dcpf.current_person());
CREATE POLICY role_agreement_acceptance_admin_read ON dcpf.role_agreement_acceptance FOR SELECT TO dcpf_app
    USING ((SELECT dcpf.licensee_if_acting_in('licensee_admin')) IS NOT NULL
                AND EXISTS (SELECT FROM dcpf.membership m
                             WHERE m.person_id = role_agreement_acceptance.person_id
                               AND m.licensee_id = (SELECT dcpf.licensee_if_acting_in('licensee_admin'))
                               AND (m.valid_until IS NULL OR m.valid_until > now())));
CREATE POLICY policy_acknowledgement_self ON dcpf.policy_acknowledgement FOR SELECT TO dcpf_app
    USING (person_id = dcpf.current_person());
CREATE POLICY policy_acknowledgement_self_insert ON dcpf.policy_acknowledgement FOR INSERT TO dcpf_app
    WITH CHECK (person_id = dcpf.current_person());
GRANT SELECT ON dcpf.role_agreement_acceptance, dcpf.policy_acknowledgement TO dcpf_app;
GRANT INSERT (agreement_id, person_id, method, client_address, user_agent) ON dcpf.role_agreement_acceptance TO dcpf_app;
GRANT INSERT (document_id, person_id, method, client_address) ON dcpf.policy_acknowledgement TO dcpf_app;

-- the entry points the application may call; the policies above decide
GRANT EXECUTE ON FUNCTION
    dcpf.set_billing_profile(uuid, text, text, text, text, text, text, text, text, date, text, text, text, text, text, text),
    dcpf.create_person(text, text, text, text, text, text, text, text, text, text, text[], uuid, uuid),
    dcpf.set_big_number(uuid, text),
    dcpf.add_phone(uuid, text, text, boolean),
    dcpf.set_address(uuid, text, text, integer, text, text, text, text),
    dcpf.grant_membership(uuid, uuid, text, timestamptz, timestamptz, uuid),
    dcpf.end_membership(uuid, timestamptz),
    dcpf.accept_role_agreement(uuid, uuid, text, inet, text),
    dcpf.acknowledge_policy(uuid, uuid, text, inet),
    dcpf.current_role_agreement(uuid, text, timestamptz),
    dcpf.has_accepted_role_agreement(uuid, uuid, text)
TO dcpf_app;
