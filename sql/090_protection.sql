-- 090_protection.sql: the default stance on every table: row-level security
-- enabled and forced, no privileges for PUBLIC, no policies yet (so any role
-- that is not the owner or a superuser sees and changes nothing). The
-- access-control layer adds roles and policies on top of this.
-- Also registers every table with pg_dump (pg_extension_config_dump).

DO $$
DECLARE
    t regclass;
BEGIN
    FOR t IN
        SELECT c.oid::regclass
          FROM pg_catalog.pg_class c
         WHERE c.relnamespace = 'dcpf'::regnamespace AND c.relkind IN ('r', 'p')
         ORDER BY c.relname
    LOOP
        EXECUTE format('REVOKE ALL ON TABLE %s FROM PUBLIC', t);
    END LOOP;
END
$$;

ALTER TABLE dcpf.role FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.role ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.product FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.product ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.master_key_generation FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.master_key_generation ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.blind_index_key FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.blind_index_key ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.data_key FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.data_key ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.key_rotation_run FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.key_rotation_run ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.licensee FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.licensee ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.billing_profile FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.billing_profile ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.licence FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.licence ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.person FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.person ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.person_phone FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.person_phone ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.person_address FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.person_address ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.person_preference FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.person_preference ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.membership FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.membership ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.role_agreement FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.role_agreement ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.role_agreement_acceptance FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.role_agreement_acceptance ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.policy_document FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.policy_document ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.policy_acknowledgement FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.policy_acknowledgement ENABLE ROW LEVEL SECURITY;

-- pg_dump keeps configuration and data; builtin catalogue rows come back
-- with CREATE EXTENSION and are not dumped.
SELECT pg_catalog.pg_extension_config_dump('dcpf.role', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('dcpf.product', '');
-- the wrapped data keys and the generations' check values must travel with
-- the data they protect (the master keys never do: they are not in tables)
SELECT pg_catalog.pg_extension_config_dump('dcpf.master_key_generation', '');
SELECT pg_catalog.pg_extension_config_dump('dcpf.blind_index_key', '');
SELECT pg_catalog.pg_extension_config_dump('dcpf.data_key', '');
SELECT pg_catalog.pg_extension_config_dump('dcpf.key_rotation_run', '');
SELECT pg_catalog.pg_extension_config_dump('dcpf.licensee', '');
SELECT pg_catalog.pg_extension_config_dump('dcpf.billing_profile', '');
SELECT pg_catalog.pg_extension_config_dump('dcpf.licence', '');
SELECT pg_catalog.pg_extension_config_dump('dcpf.person', '');
SELECT pg_catalog.pg_extension_config_dump('dcpf.person_phone', '');
SELECT pg_catalog.pg_extension_config_dump('dcpf.person_address', '');
SELECT pg_catalog.pg_extension_config_dump('dcpf.person_preference', '');
SELECT pg_catalog.pg_extension_config_dump('dcpf.membership', '');
SELECT pg_catalog.pg_extension_config_dump('dcpf.role_agreement', '');
SELECT pg_catalog.pg_extension_config_dump('dcpf.role_agreement_acceptance', '');
SELECT pg_catalog.pg_extension_config_dump('dcpf.policy_document', '');
SELECT pg_catalog.pg_extension_config_dump('dcpf.policy_acknowledgement', '');

-- Entry points that change data: the extension owner only, until the
-- access-control layer grants them to its roles.
REVOKE EXECUTE ON FUNCTION
    dcpf.create_licensee(text, text, text),
    dcpf.set_billing_profile(uuid, text, text, text, text, text, text, text, text, date, text, text, text, text, text, text),
    dcpf.create_product(text, text, text),
    dcpf.create_licence(uuid, text, date, date, integer),
    dcpf.create_person(text, text, text, text, text, text, text, text, text, text, text[], uuid, uuid),
    dcpf.set_big_number(uuid, text),
    dcpf.add_phone(uuid, text, text, boolean),
    dcpf.set_address(uuid, text, text, integer, text, text, text, text),
    dcpf.grant_membership(uuid, uuid, text, timestamptz, timestamptz, uuid),
    dcpf.end_membership(uuid, timestamptz),
    dcpf.publish_role_agreement(text, text, text, text, timestamptz, text),
    dcpf.accept_role_agreement(uuid, uuid, text, inet, text),
    dcpf.publish_policy_document(text, text, text, text, timestamptz, boolean, text),
    dcpf.acknowledge_policy(uuid, uuid, text, inet),
    dcpf.current_role_agreement(uuid, text, timestamptz),
    dcpf.has_accepted_role_agreement(uuid, uuid, text),
    dcpf.touch_updated_at(),
    dcpf.membership_check(),
    dcpf.person_big_number_check(),
    dcpf.refuse_update(),
    dcpf.set_body_sha256()
FROM PUBLIC;
