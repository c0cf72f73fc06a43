-- 080_functions.sql: plain SQL entry points to create licensees, products,
-- licences, persons, memberships and to publish and accept agreements.
-- Who may call them is decided by the access-control layer; for now only the
-- extension owner can (EXECUTE is revoked from PUBLIC at the end of file 090).

CREATE FUNCTION dcpf.create_licensee(name text, kind text, kvk_number text DEFAULT NULL)
    RETURNS uuid
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    new_id uuid;
    violated text;
BEGIN
    INSERT INTO dcpf.licensee (name, kind, kvk_number)
    VALUES (btrim(create_licensee.name), create_licensee.kind, nullif(btrim(create_licensee.kvk_number), ''))
    RETURNING id INTO new_id;
    RETURN new_id;
EXCEPTION WHEN unique_violation THEN
    GET STACKED DIAGNOSTICS violated = CONSTRAINT_NAME;
    IF violated = 'licensee_kvk_number_unique' THEN
        RAISE EXCEPTION 'licensee already exists'
            USING ERRCODE = 'unique_violation',
                  DETAIL = format('A licensee with KvK number %s is already registered.', btrim(create_licensee.kvk_number));
    END IF;
    RAISE EXCEPTION 'licensee already exists'
        USING ERRCODE = 'unique_violation',
              DETAIL = format('A licensee named "%s" is already registered (names are compared case-insensitively).',
                              btrim(create_licensee.name));
END
$$;
COMMENT ON FUNCTION dcpf.create_licensee(text, text, text) IS
    'registers a licensee (controller organisation) and returns its id';

CREATE FUNCTION dcpf.set_billing_profile(
        licensee uuid, address_line1 text, postcode text, city text,
        contact_name text, contact_email text, payment_method text,
        iban text DEFAULT NULL, mandate_reference text DEFAULT NULL, mandate_signed_on date DEFAULT NULL,
        card_type text DEFAULT NULL, card_bank text DEFAULT NULL,
        address_line2 text DEFAULT NULL, country text DEFAULT 'NL',
        contact_phone text DEFAULT NULL, invoice_reference text DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- the payment rules, with their own messages (the table's constraints
    -- hold them too, but their errors would echo the row)
    IF set_billing_profile.payment_method = 'direct_debit'
       AND (set_billing_profile.iban IS NULL OR set_billing_profile.mandate_reference IS NULL
            OR set_billing_profile.mandate_signed_on IS NULL) THEN
        RAISE EXCEPTION 'direct debit needs an IBAN and a signed mandate'
            USING ERRCODE = 'check_violation',
                  DETAIL = 'Payment method direct_debit requires iban, mandate_reference and mandate_signed_on.';
    ELSIF set_billing_profile.payment_method <> 'direct_debit'
       AND (set_billing_profile.iban IS NOT NULL OR set_billing_profile.mandate_reference IS NOT NULL
            OR set_billing_profile.mandate_signed_on IS NOT NULL) THEN
        RAISE EXCEPTION 'an IBAN is kept only with a direct-debit mandate'
            USING ERRCODE = 'check_violation',
                  DETAIL = format('Payment method %s takes no iban, mandate_reference or mandate_signed_on.',
                                  set_billing_profile.payment_method),
                  HINT = 'Use payment_method => ''direct_debit'' with the mandate, or leave the IBAN out.';
    ELSIF set_billing_profile.payment_method <> 'card'
       AND (set_billing_profile.card_type IS NOT NULL OR set_billing_profile.card_bank IS NOT NULL) THEN
        RAISE EXCEPTION 'card type and bank are kept only for card payment'
            USING ERRCODE = 'check_violation',
                  DETAIL = format('Payment method %s takes no card_type or card_bank.', set_billing_profile.payment_method);
    ELSIF set_billing_profile.payment_method = 'card' AND set_billing_profile.card_type IS NULL THEN
        RAISE EXCEPTION 'card payment needs the card type'
            USING ERRCODE = 'check_violation',
                  DETAIL = 'Payment method card requires card_type (visa, mastercard, american_express, maestro or vpay); never the card number.';
    END IF;
    INSERT INTO dcpf.billing_profile AS b
        (licensee_id, address_line1, address_line2, postcode, city, country, contact_name, contact_email,
         contact_phone_encrypted, invoice_reference, payment_method, iban_encrypted, mandate_reference, mandate_signed_on,
         card_type, card_bank)
    VALUES (set_billing_profile.licensee, set_billing_profile.address_line1, set_billing_profile.address_line2,
            dcpf.postcode_normalize(set_billing_profile.postcode, set_billing_profile.country),
            set_billing_profile.city, set_billing_profile.country, set_billing_profile.contact_name,
            set_billing_profile.contact_email,
            dcpf.encrypt(dcpf.phone_normalize(set_billing_profile.contact_phone)::text, 'billing_profile', 'contact_phone',
                         set_billing_profile.licensee, set_billing_profile.licensee),
            set_billing_profile.invoice_reference, set_billing_profile.payment_method,
            dcpf.encrypt(set_billing_profile.iban::dcpf.iban::text, 'billing_profile', 'iban',
                         set_billing_profile.licensee, set_billing_profile.licensee),
            set_billing_profile.mandate_reference, set_billing_profile.mandate_signed_on,
            set_billing_profile.card_type, set_billing_profile.card_bank)
    ON CONFLICT (licensee_id) DO UPDATE SET
        address_line1 = EXCLUDED.address_line1, address_line2 = EXCLUDED.address_line2,
        postcode = EXCLUDED.postcode, city = EXCLUDED.city, country = EXCLUDED.country,
        contact_name = EXCLUDED.contact_name, contact_email = EXCLUDED.contact_email,
        contact_phone_encrypted = EXCLUDED.contact_phone_encrypted, invoice_reference = EXCLUDED.invoice_reference,
        payment_method = EXCLUDED.payment_method, iban_encrypted = EXCLUDED.iban_encrypted,
        mandate_reference = EXCLUDED.mandate_reference, mandate_signed_on = EXCLUDED.mandate_signed_on,
        card_type = EXCLUDED.card_type, card_bank = EXCLUDED.card_bank;
END
$$;
COMMENT ON FUNCTION dcpf.set_billing_profile(uuid, text, text, text, text, text, text, text, text, date, text, text, text, text, text, text) IS
    'creates or replaces a licensee''s billing profile; normalises postcode and phone; encrypts IBAN and contact phone; refuses card numbers anywhere and an IBAN without a direct-debit mandate';

CREATE FUNCTION dcpf.create_product(code text, name text, description text DEFAULT NULL)
    RETURNS uuid
    LANGUAGE sql
    SET search_path = pg_catalog, pg_temp
AS $$
    INSERT INTO dcpf.product (code, name, description)
    VALUES (create_product.code, create_product.name, create_product.description)
    RETURNING id;
$$;
COMMENT ON FUNCTION dcpf.create_product(text, text, text) IS 'registers a product and returns its id';

CREATE FUNCTION dcpf.create_licence(licensee uuid, product text, starts_on date,
                                    ends_on date DEFAULT NULL, seats integer DEFAULT NULL)
    RETURNS uuid
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    the_product uuid;
    new_id uuid;
BEGIN
    SELECT p.id INTO the_product FROM dcpf.product p WHERE p.code = create_licence.product;
    IF the_product IS NULL THEN
        RAISE EXCEPTION 'unknown product "%"', create_licence.product
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = 'No product with that code is registered.',
                  HINT = 'Register it with dcpf.create_product first.';
    END IF;
    INSERT INTO dcpf.licence (licensee_id, product_id, starts_on, ends_on, seats)
    VALUES (create_licence.licensee, the_product, create_licence.starts_on, create_licence.ends_on, create_licence.seats)
    RETURNING id INTO new_id;
    RETURN new_id;
END
$$;
COMMENT ON FUNCTION dcpf.create_licence(uuid, text, date, date, integer) IS
    'grants a licensee a licence on a product (by product code) for a period and returns its id';

CREATE FUNCTION dcpf.create_person(
        email text, surname text,
        given_names text DEFAULT NULL, initials text DEFAULT NULL, tussenvoegsel text DEFAULT NULL,
        big_number text DEFAULT NULL,
        partner_surname text DEFAULT NULL, partner_tussenvoegsel text DEFAULT NULL, name_use text DEFAULT 'E',
        job_title text DEFAULT NULL, academic_titles text[] DEFAULT '{}',
        created_by uuid DEFAULT NULL, on_behalf_of_licensee uuid DEFAULT NULL)
    RETURNS uuid
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    norm_email text := dcpf.email_normalize(create_person.email);
    new_id uuid := gen_random_uuid();
    big dcpf.big_number := create_person.big_number;   -- validated here, before anything is written
BEGIN
    IF create_person.created_by IS NOT NULL AND create_person.on_behalf_of_licensee IS NULL THEN
        RAISE EXCEPTION 'an account created on someone''s behalf needs the licensee it is created for'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'created_by was given without on_behalf_of_licensee.';
    END IF;
    IF create_person.created_by IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM dcpf.membership m
             WHERE m.person_id = create_person.created_by
               AND m.licensee_id = create_person.on_behalf_of_licensee
               AND m.role_code = 'licensee_admin'
               AND m.valid_from <= now() AND (m.valid_until IS NULL OR m.valid_until > now())) THEN
        RAISE EXCEPTION 'only a licensee administrator can create an account on someone''s behalf'
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('Person %s holds no current licensee_admin membership in licensee %s.',
                                  create_person.created_by, create_person.on_behalf_of_licensee);
    END IF;
    INSERT INTO dcpf.person (id, email, surname, given_names, initials, tussenvoegsel, big_number_encrypted,
                             partner_surname, partner_tussenvoegsel, name_use, job_title, academic_titles,
                             created_by, created_for_licensee)
    VALUES (new_id, norm_email, btrim(create_person.surname), nullif(btrim(create_person.given_names), ''),
            nullif(btrim(create_person.initials), ''), nullif(lower(btrim(create_person.tussenvoegsel)), ''),
            dcpf.encrypt(big::text, 'person', 'big_number', new_id, new_id),
            nullif(btrim(create_person.partner_surname), ''), nullif(lower(btrim(create_person.partner_tussenvoegsel)), ''),
            create_person.name_use, create_person.job_title, create_person.academic_titles,
            create_person.created_by, create_person.on_behalf_of_licensee)
    RETURNING id INTO new_id;
    RETURN new_id;
EXCEPTION WHEN unique_violation THEN
    RAISE EXCEPTION 'e-mail address or BIG number already registered'
        USING ERRCODE = 'unique_violation',
              DETAIL = format('Another person already uses e-mail address %s or this BIG number.', norm_email),
              HINT = 'E-mail addresses are compared case-insensitively.';
END
$$;
COMMENT ON FUNCTION dcpf.create_person(text, text, text, text, text, text, text, text, text, text, text[], uuid, uuid) IS
    'creates a person and returns the id; the BIG number is validated and stored encrypted; when created_by is given the account is recorded as created on the person''s behalf by that licensee administrator';

CREATE FUNCTION dcpf.set_big_number(person uuid, big_number text)
    RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    big dcpf.big_number := set_big_number.big_number;   -- validated here
    target uuid;
    sealed bytea;
BEGIN
    -- the row first (row-level security decides), then the ciphertext, then
    -- the update: Citus refuses a VOLATILE function in an UPDATE of its tables (doc/guides/citus.md)
    SELECT p.id INTO target FROM dcpf.person p WHERE p.id = set_big_number.person FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no person % that you may change', set_big_number.person
            USING ERRCODE = 'no_data_found';
    END IF;
    sealed := dcpf.encrypt(big::text, 'person', 'big_number', target, target);
    UPDATE dcpf.person p SET big_number_encrypted = sealed WHERE p.id = target;
EXCEPTION WHEN unique_violation THEN
    RAISE EXCEPTION 'BIG number already registered'
        USING ERRCODE = 'unique_violation',
              DETAIL = 'Another person already has this BIG number.';
END
$$;
COMMENT ON FUNCTION dcpf.set_big_number(uuid, text) IS
    'sets (validated, encrypted) or with NULL removes a person''s BIG number; row-level security decides who may';

CREATE FUNCTION dcpf.add_phone(person uuid, kind text, number text, is_primary boolean DEFAULT false)
    RETURNS uuid
    LANGUAGE sql
    SET search_path = pg_catalog, pg_temp
AS $$
    INSERT INTO dcpf.person_phone (id, person_id, kind, number_encrypted, is_primary)
    SELECT n.id, add_phone.person, add_phone.kind,
           dcpf.encrypt(dcpf.phone_normalize(add_phone.number)::text, 'person_phone', 'number', n.id, add_phone.person),
           add_phone.is_primary
      FROM (SELECT gen_random_uuid() AS id) n
    RETURNING id;
$$;
COMMENT ON FUNCTION dcpf.add_phone(uuid, text, text, boolean) IS
    'adds a phone number (normalised to E.164, stored encrypted) to a person and returns its id';

CREATE FUNCTION dcpf.set_address(person uuid, kind text, street text, house_number integer, postcode text, city text,
                                 house_number_suffix text DEFAULT NULL, country text DEFAULT 'NL')
    RETURNS uuid
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    the_street text := btrim(set_address.street);
    the_city text := btrim(set_address.city);
    the_country text := upper(btrim(coalesce(set_address.country, 'NL')));
    the_postcode text;
    address_id uuid;
    sealed jsonb;
    sealed_address bytea;
BEGIN
    -- the rules the table cannot check once the values are encrypted
    IF the_street IS NULL OR length(the_street) NOT BETWEEN 1 AND 120 THEN
        RAISE EXCEPTION 'invalid street'
            USING ERRCODE = 'check_violation', DETAIL = 'A street name has 1 to 120 characters.';
    END IF;
    IF the_city IS NULL OR length(the_city) NOT BETWEEN 1 AND 80 THEN
        RAISE EXCEPTION 'invalid city'
            USING ERRCODE = 'check_violation', DETAIL = 'A city name has 1 to 80 characters.';
    END IF;
    IF set_address.house_number IS NOT NULL AND set_address.house_number NOT BETWEEN 1 AND 99999 THEN
        RAISE EXCEPTION 'invalid house number %', set_address.house_number
            USING ERRCODE = 'check_violation', DETAIL = 'A house number is between 1 and 99999.';
    END IF;
    IF the_country = 'NL' AND set_address.house_number IS NULL THEN
        RAISE EXCEPTION 'a Dutch address needs a house number'
            USING ERRCODE = 'check_violation';
    END IF;
    IF set_address.house_number_suffix IS NOT NULL AND set_address.house_number_suffix !~ '^[A-Za-z0-9]{1,4}$' THEN
        RAISE EXCEPTION 'invalid house number suffix "%"', set_address.house_number_suffix
            USING ERRCODE = 'check_violation', DETAIL = 'A suffix (huisnummertoevoeging) is 1 to 4 letters or digits.';
    END IF;
    IF set_address.postcode IS NULL OR btrim(set_address.postcode) = '' THEN
        RAISE EXCEPTION 'an address needs a postcode'
            USING ERRCODE = 'not_null_violation';
    END IF;
    the_postcode := dcpf.postcode_normalize(set_address.postcode, the_country);
    IF NOT dcpf.postcode_is_valid(the_postcode, the_country) THEN
        RAISE EXCEPTION 'invalid postcode "%"', set_address.postcode
            USING ERRCODE = 'check_violation';
    END IF;
    sealed := jsonb_build_object('street', the_street, 'house_number', set_address.house_number,
                                 'house_number_suffix', set_address.house_number_suffix,
                                 'postcode', the_postcode, 'city', the_city);
    -- the ciphertext is bound to the row: reuse the row of this kind when there is one
    SELECT a.id INTO address_id FROM dcpf.person_address a
     WHERE a.person_id = set_address.person AND a.kind = set_address.kind
       FOR UPDATE;
    IF address_id IS NULL THEN
        address_id := gen_random_uuid();
        INSERT INTO dcpf.person_address (id, person_id, kind, address_encrypted, country)
        VALUES (address_id, set_address.person, set_address.kind,
                dcpf.encrypt(sealed::text, 'person_address', 'address', address_id, set_address.person), the_country);
    ELSE
        -- the ciphertext first: Citus refuses a VOLATILE function in an UPDATE of its tables
        sealed_address := dcpf.encrypt(sealed::text, 'person_address', 'address', address_id, set_address.person);
        UPDATE dcpf.person_address a
           SET address_encrypted = sealed_address, country = the_country, updated_at = now()
         WHERE a.id = address_id;
    END IF;
    RETURN address_id;
END
$$;
COMMENT ON FUNCTION dcpf.set_address(uuid, text, text, integer, text, text, text, text) IS
    'sets a person''s address of one kind (home, work, postal): validated, postcode normalised, stored encrypted; returns its id';

CREATE FUNCTION dcpf.grant_membership(person uuid, licensee uuid, role text,
                                      valid_from timestamptz DEFAULT now(), valid_until timestamptz DEFAULT NULL,
                                      granted_by uuid DEFAULT NULL)
    RETURNS uuid
    LANGUAGE sql
    SET search_path = pg_catalog, pg_temp
AS $$
    INSERT INTO dcpf.membership (person_id, licensee_id, role_code, valid_from, valid_until, created_by)
    VALUES (grant_membership.person, grant_membership.licensee, grant_membership.role,
            grant_membership.valid_from, grant_membership.valid_until, grant_membership.granted_by)
    RETURNING id;
$$;
COMMENT ON FUNCTION dcpf.grant_membership(uuid, uuid, text, timestamptz, timestamptz, uuid) IS
    'gives a person a role in a licensee for a period and returns the membership id; refuses overlaps and medical roles without a BIG number';

CREATE FUNCTION dcpf.end_membership(membership uuid, at timestamptz DEFAULT now())
    RETURNS void
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m dcpf.membership;
BEGIN
    SELECT * INTO m FROM dcpf.membership WHERE id = end_membership.membership FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'membership % does not exist', end_membership.membership
            USING ERRCODE = 'no_data_found';
    END IF;
    IF m.valid_until IS NOT NULL AND m.valid_until <= end_membership.at THEN
        RAISE EXCEPTION 'membership % already ended', end_membership.membership
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('It ended at %s.', m.valid_until);
    END IF;
    IF end_membership.at <= m.valid_from THEN
        RAISE EXCEPTION 'membership % cannot end before it starts', end_membership.membership
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('It starts at %s; the end given is %s.', m.valid_from, end_membership.at);
    END IF;
    UPDATE dcpf.membership SET valid_until = end_membership.at WHERE id = end_membership.membership;
END
$$;
COMMENT ON FUNCTION dcpf.end_membership(uuid, timestamptz) IS 'ends a membership at the given time (default now)';

CREATE FUNCTION dcpf.publish_role_agreement(product text, role text, title text, body text,
                                            effective_from timestamptz DEFAULT now(), language text DEFAULT 'nl')
    RETURNS uuid
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    the_product uuid;
    next_version integer;
    new_id uuid;
BEGIN
    SELECT p.id INTO the_product FROM dcpf.product p WHERE p.code = publish_role_agreement.product;
    IF the_product IS NULL THEN
        RAISE EXCEPTION 'unknown product "%"', publish_role_agreement.product
            USING ERRCODE = 'foreign_key_violation', DETAIL = 'No product with that code is registered.';
    END IF;
    -- one publisher at a time per product and role, so versions are gapless
    PERFORM pg_advisory_xact_lock(hashtextextended('dcpf.role_agreement' || the_product::text || publish_role_agreement.role, 0));
    SELECT coalesce(max(a.version), 0) + 1 INTO next_version
      FROM dcpf.role_agreement a
     WHERE a.product_id = the_product AND a.role_code = publish_role_agreement.role;
    INSERT INTO dcpf.role_agreement (product_id, role_code, version, language, title, body, effective_from)
    VALUES (the_product, publish_role_agreement.role, next_version, publish_role_agreement.language,
            publish_role_agreement.title, publish_role_agreement.body, publish_role_agreement.effective_from)
    RETURNING id INTO new_id;
    RETURN new_id;
END
$$;
COMMENT ON FUNCTION dcpf.publish_role_agreement(text, text, text, text, timestamptz, text) IS
    'publishes the next version of the EURA for a product and role and returns its id';

CREATE FUNCTION dcpf.current_role_agreement(product uuid, role text, at timestamptz DEFAULT now())
    RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN (SELECT a.id FROM dcpf.role_agreement a
         WHERE a.product_id = current_role_agreement.product AND a.role_code = current_role_agreement.role
           AND a.effective_from <= current_role_agreement.at
         ORDER BY a.version DESC LIMIT 1);
COMMENT ON FUNCTION dcpf.current_role_agreement(uuid, text, timestamptz) IS
    'the EURA version in force for a product and role at a time (default now), or NULL when none is published';

CREATE FUNCTION dcpf.has_accepted_role_agreement(person uuid, product uuid, role text)
    RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN EXISTS (SELECT 1 FROM dcpf.role_agreement_acceptance x
                WHERE x.person_id = has_accepted_role_agreement.person
                  AND x.agreement_id = dcpf.current_role_agreement(has_accepted_role_agreement.product,
                                                                   has_accepted_role_agreement.role));
COMMENT ON FUNCTION dcpf.has_accepted_role_agreement(uuid, uuid, text) IS
    'true when the person accepted the EURA version currently in force for the product and role';

CREATE FUNCTION dcpf.accept_role_agreement(person uuid, agreement uuid, method text DEFAULT 'click_through',
                                           client_address inet DEFAULT NULL, user_agent text DEFAULT NULL)
    RETURNS uuid
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    status text;
    new_id uuid;
BEGIN
    SELECT p.status INTO status FROM dcpf.person p WHERE p.id = accept_role_agreement.person;
    IF status IS NULL THEN
        RAISE EXCEPTION 'person % does not exist', accept_role_agreement.person USING ERRCODE = 'foreign_key_violation';
    ELSIF status <> 'active' THEN
        RAISE EXCEPTION 'a deactivated account cannot accept agreements'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('Person %s is %s.', accept_role_agreement.person, status);
    END IF;
    INSERT INTO dcpf.role_agreement_acceptance (agreement_id, person_id, method, client_address, user_agent)
    VALUES (accept_role_agreement.agreement, accept_role_agreement.person, accept_role_agreement.method,
            accept_role_agreement.client_address, accept_role_agreement.user_agent)
    ON CONFLICT ON CONSTRAINT role_agreement_acceptance_once DO NOTHING
    RETURNING id INTO new_id;
    IF new_id IS NULL THEN   -- accepted before: return that record, unchanged
        SELECT x.id INTO new_id FROM dcpf.role_agreement_acceptance x
         WHERE x.agreement_id = accept_role_agreement.agreement AND x.person_id = accept_role_agreement.person;
    END IF;
    RETURN new_id;
END
$$;
COMMENT ON FUNCTION dcpf.accept_role_agreement(uuid, uuid, text, inet, text) IS
    'records that a person accepted an EURA version (idempotent: a repeat returns the first acceptance) and returns the acceptance id';

CREATE FUNCTION dcpf.publish_policy_document(kind text, version text, title text, body text,
                                             effective_from timestamptz, material_change boolean,
                                             language text DEFAULT 'nl')
    RETURNS uuid
    LANGUAGE sql
    SET search_path = pg_catalog, pg_temp
AS $$
    INSERT INTO dcpf.policy_document (kind, language, version, title, body, effective_from, material_change)
    VALUES (publish_policy_document.kind, publish_policy_document.language, publish_policy_document.version,
            publish_policy_document.title, publish_policy_document.body,
            publish_policy_document.effective_from, publish_policy_document.material_change)
    RETURNING id;
$$;
COMMENT ON FUNCTION dcpf.publish_policy_document(text, text, text, text, timestamptz, boolean, text) IS
    'publishes a version of a policy document (privacy statement, terms, …) and returns its id';

CREATE FUNCTION dcpf.acknowledge_policy(person uuid, document uuid, method text DEFAULT 'click_through',
                                        client_address inet DEFAULT NULL)
    RETURNS uuid
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    new_id uuid;
BEGIN
    INSERT INTO dcpf.policy_acknowledgement (document_id, person_id, method, client_address)
    VALUES (acknowledge_policy.document, acknowledge_policy.person, acknowledge_policy.method, acknowledge_policy.client_address)
    ON CONFLICT ON CONSTRAINT policy_acknowledgement_once DO NOTHING
    RETURNING id INTO new_id;
    IF new_id IS NULL THEN
        SELECT a.id INTO new_id FROM dcpf.policy_acknowledgement a
         WHERE a.document_id = acknowledge_policy.document AND a.person_id = acknowledge_policy.person;
    END IF;
    RETURN new_id;
END
$$;
COMMENT ON FUNCTION dcpf.acknowledge_policy(uuid, uuid, text, inet) IS
    'records that a person acknowledged a policy document version (idempotent) and returns the acknowledgement id';

CREATE FUNCTION dcpf.person_display_name(person dcpf.person, style text DEFAULT 'initials')
    RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN dcpf.display_name(person.given_names, person.initials, person.tussenvoegsel, person.surname,
                         person.partner_tussenvoegsel, person.partner_surname, person.name_use, style);
COMMENT ON FUNCTION dcpf.person_display_name(dcpf.person, text) IS
    'a person row''s display name in the given style (initials, full, sorted), following the person''s name use';
