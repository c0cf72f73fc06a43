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

-- Helpers for policies. Policies call them directly, never in a subquery:
-- Citus refuses a policy with a subquery on the tables it manages
-- (doc/guides/citus.md). All are STABLE C functions (src/policy.c), PARALLEL
-- RESTRICTED (the identity lives in the leader), never LEAKPROOF:
--
--   dcpf.current_person() and the other accessors, dcpf.acting_in(role),
--   dcpf.licensee_if_acting_in(VARIADIC roles)
--       compared with a column they are an index condition, evaluated once
--       per scan (owner_id = dcpf.current_person()); without a column a
--       one-time filter (dcpf.current_person() IS NOT NULL). Where policies
--       are OR-ed they run for every row, and then cost a string comparison.
--   dcpf.my_licensees(), dcpf.my_programmes()
--       a query run as the extension owner (they must see memberships
--       whatever the caller may), whose result is kept until what it read
--       could have changed: once per statement, as the InitPlan they
--       replace, and licensee_id = ANY (dcpf.my_licensees()) is an index
--       condition too.
--   dcpf.member_of_my_licensee(person, VARIADIC roles),
--   dcpf.ever_member_of_my_licensee(person, VARIADIC roles),
--   dcpf.breach_concerns_my_licensee(breach)
--       "staff of the identity's licensee see this person / this breach":
--       one index probe per row under the statement's snapshot, as the
--       correlated EXISTS they replace, and false at once when the identity
--       acts in no such role. They answer only what those staff may read
--       anyway (membership_staff_read, breach_controller_officer_read).
--
-- Measured against the subqueries they replace: benchmark 2 (the staff's
-- read of 2,000 memberships, where two policies are OR-ed): 1,550
-- statements/s with InitPlans, 1,006-1,042 with the SQL expressions
-- inlined, 1,420 in C; benchmarks 2b and 2c (bench/README.md) for the staff's probes.
CREATE FUNCTION dcpf.acting_in(role text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'dcpf_acting_in'
    LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION dcpf.acting_in(text) IS
    'true when the verified identity acts in the given application role (in its licensee); false without a licensee, NULL for a NULL role; in C (src/policy.c), as policies call it directly';

CREATE FUNCTION dcpf.licensee_if_acting_in(VARIADIC roles text[]) RETURNS uuid
    AS 'MODULE_PATHNAME', 'dcpf_licensee_if_acting_in'
    LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION dcpf.licensee_if_acting_in(text[]) IS
    'the licensee of the verified identity when it acts in one of the given roles, else NULL: for policies of the form licensee_id = dcpf.licensee_if_acting_in(''licensee_admin''), an index condition evaluated once per scan; in C (src/policy.c), as policies call it directly and a policy OR-ed with another runs per row';

CREATE FUNCTION dcpf.my_licensees() RETURNS uuid[]
    AS 'MODULE_PATHNAME', 'dcpf_my_licensees'
    LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION dcpf.my_licensees() IS 'the licensees in which the verified person holds a current or future membership; read as the extension owner and kept until what it read could have changed (src/policy.c), so that policies call it directly';
REVOKE EXECUTE ON FUNCTION dcpf.my_licensees() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.my_licensees() TO dcpf_app;

CREATE FUNCTION dcpf.member_of_my_licensee(person uuid, VARIADIC roles text[]) RETURNS boolean
    AS 'MODULE_PATHNAME', 'dcpf_member_of_my_licensee'
    LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION dcpf.member_of_my_licensee(uuid, text[]) IS
    'true when the verified identity acts in one of the given roles and the person holds a membership of its licensee that has not ended; the roles must be licensee_admin or privacy_officer, who read their licensee''s memberships (22023 otherwise); an index probe per call (src/policy.c), for policies';
REVOKE EXECUTE ON FUNCTION dcpf.member_of_my_licensee(uuid, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.member_of_my_licensee(uuid, text[]) TO dcpf_app;

CREATE FUNCTION dcpf.ever_member_of_my_licensee(person uuid, VARIADIC roles text[]) RETURNS boolean
    AS 'MODULE_PATHNAME', 'dcpf_ever_member_of_my_licensee'
    LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION dcpf.ever_member_of_my_licensee(uuid, text[]) IS
    'as dcpf.member_of_my_licensee, an ended membership counting too (the persons of a breach, who may have left since)';
REVOKE EXECUTE ON FUNCTION dcpf.ever_member_of_my_licensee(uuid, text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.ever_member_of_my_licensee(uuid, text[]) TO dcpf_app;

CREATE FUNCTION dcpf.breach_concerns_my_licensee(breach uuid) RETURNS boolean
    AS 'MODULE_PATHNAME', 'dcpf_breach_concerns_my_licensee'
    LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION dcpf.breach_concerns_my_licensee(uuid) IS
    'true when the verified identity acts as privacy_officer of a licensee the breach concerns (a row of dcpf.breach_controller); an index probe per call (src/policy.c), for policies';
REVOKE EXECUTE ON FUNCTION dcpf.breach_concerns_my_licensee(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.breach_concerns_my_licensee(uuid) TO dcpf_app;

-- catalogues: readable by every verified identity
CREATE POLICY role_read ON dcpf.role FOR SELECT TO dcpf_app USING (dcpf.current_person() IS NOT NULL);
CREATE POLICY product_read ON dcpf.product FOR SELECT TO dcpf_app USING (dcpf.current_person() IS NOT NULL);
CREATE POLICY role_agreement_read ON dcpf.role_agreement FOR SELECT TO dcpf_app USING (dcpf.current_person() IS NOT NULL);
CREATE POLICY policy_document_read ON dcpf.policy_document FOR SELECT TO dcpf_app USING (dcpf.current_person() IS NOT NULL);
GRANT SELECT ON dcpf.role, dcpf.product, dcpf.role_agreement, dcpf.policy_document TO dcpf_app;

-- licensees: members see their own licensees; the admin may rename
CREATE POLICY licensee_member_read ON dcpf.licensee FOR SELECT TO dcpf_app
    USING (id = ANY (dcpf.my_licensees()));
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
    USING (dcpf.member_of_my_licensee(id, 'licensee_admin', 'privacy_officer')
           OR (dcpf.acting_in('licensee_admin') AND created_for_licensee = dcpf.current_licensee()));
CREATE POLICY person_self_update ON dcpf.person FOR UPDATE TO dcpf_app
    USING (id = dcpf.current_person() AND status = 'active')
    WITH CHECK (id = dcpf.current_person());
CREATE POLICY person_admin_update ON dcpf.person FOR UPDATE TO dcpf_app
    USING (dcpf.member_of_my_licensee(id, 'licensee_admin'))
    WITH CHECK (dcpf.member_of_my_licensee(id, 'licensee_admin'));
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
    USING (dcpf.member_of_my_licensee(person_id, 'licensee_admin'));
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
