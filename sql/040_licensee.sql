-- 040_licensee.sql: licensees (the controllers), their billing profile and
-- their licences.

CREATE TABLE dcpf.licensee (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL
                CONSTRAINT licensee_name_length CHECK (length(btrim(name)) BETWEEN 2 AND 200 AND name = btrim(name)),
    kind        text NOT NULL
                CONSTRAINT licensee_kind_known CHECK (kind IN ('academic_hospital', 'hospital', 'training_institute',
                                                            'nursing_school', 'university', 'care_organisation', 'other')),
    kvk_number  text CONSTRAINT licensee_kvk_number_format CHECK (kvk_number ~ '^[0-9]{8}$'),
    status      text NOT NULL DEFAULT 'active'
                CONSTRAINT licensee_status_known CHECK (status IN ('active', 'suspended', 'ended')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    ended_at    timestamptz,
    CONSTRAINT licensee_ended_at_iff_ended CHECK ((status = 'ended') = (ended_at IS NOT NULL))
);
CREATE UNIQUE INDEX licensee_name_unique ON dcpf.licensee (lower(name));
CREATE UNIQUE INDEX licensee_kvk_number_unique ON dcpf.licensee (kvk_number);
COMMENT ON TABLE dcpf.licensee IS
    'an organisation holding licences (hospital, training institute): the controller of its people''s data under the AVG';
COMMENT ON COLUMN dcpf.licensee.id IS 'licensee identifier';
COMMENT ON COLUMN dcpf.licensee.name IS 'legal or trading name, unique case-insensitively';
COMMENT ON COLUMN dcpf.licensee.kind IS 'academic_hospital, hospital, training_institute, nursing_school, university, care_organisation or other';
COMMENT ON COLUMN dcpf.licensee.kvk_number IS 'Dutch Chamber of Commerce (KvK) number, 8 digits';
COMMENT ON COLUMN dcpf.licensee.status IS 'active, suspended or ended';
COMMENT ON COLUMN dcpf.licensee.created_at IS 'when the licensee was registered';
COMMENT ON COLUMN dcpf.licensee.ended_at IS 'when the licensee ended (set exactly when status is ended)';

CREATE TABLE dcpf.billing_profile (
    licensee_id        uuid PRIMARY KEY REFERENCES dcpf.licensee (id) ON DELETE CASCADE,
    address_line1      dcpf.billing_text NOT NULL,
    address_line2      dcpf.billing_text,
    postcode           text NOT NULL,
    city               dcpf.billing_text NOT NULL,
    country            dcpf.country_code NOT NULL DEFAULT 'NL',
    contact_name       dcpf.billing_text NOT NULL,
    contact_email      dcpf.email NOT NULL,
    contact_phone_encrypted bytea,
    invoice_reference  dcpf.billing_text,
    payment_method     text NOT NULL
                       CONSTRAINT billing_payment_method_known CHECK (payment_method IN ('direct_debit', 'invoice', 'card')),
    iban_encrypted     bytea,
    mandate_reference  text CONSTRAINT billing_mandate_reference_format
                       CHECK (mandate_reference ~ '^[A-Za-z0-9+?/:().,''-]{1,35}$'),
    mandate_signed_on  date,
    card_type          text CONSTRAINT billing_card_type_known
                       CHECK (card_type IN ('visa', 'mastercard', 'american_express', 'maestro', 'vpay')),
    card_bank          dcpf.billing_text,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT billing_postcode_valid CHECK (dcpf.postcode_is_valid(postcode, country)),
    CONSTRAINT billing_direct_debit_needs_mandate CHECK (
        payment_method <> 'direct_debit'
        OR (iban_encrypted IS NOT NULL AND mandate_reference IS NOT NULL AND mandate_signed_on IS NOT NULL)),
    CONSTRAINT billing_iban_only_for_direct_debit CHECK (
        payment_method = 'direct_debit'
        OR (iban_encrypted IS NULL AND mandate_reference IS NULL AND mandate_signed_on IS NULL)),
    CONSTRAINT billing_card_details_only_for_card CHECK (
        payment_method = 'card' OR (card_type IS NULL AND card_bank IS NULL)),
    CONSTRAINT billing_card_needs_type CHECK (payment_method <> 'card' OR card_type IS NOT NULL)
);
CREATE TRIGGER billing_profile_iban_sealed BEFORE INSERT OR UPDATE ON dcpf.billing_profile
    FOR EACH ROW EXECUTE FUNCTION dcpf.sealed_column('iban', 'iban_encrypted', 'licensee_id', 'licensee_id', '', 'dcpf.iban');
CREATE TRIGGER billing_profile_contact_phone_sealed BEFORE INSERT OR UPDATE ON dcpf.billing_profile
    FOR EACH ROW EXECUTE FUNCTION dcpf.sealed_column('contact_phone', 'contact_phone_encrypted', 'licensee_id', 'licensee_id', '', 'dcpf.phone_number');
COMMENT ON TABLE dcpf.billing_profile IS
    'billing data of a licensee: address, contacts, the licensee''s IBAN only with a direct-debit mandate; for card payment only the card type and bank, never a card number';
COMMENT ON COLUMN dcpf.billing_profile.licensee_id IS 'the licensee billed';
COMMENT ON COLUMN dcpf.billing_profile.address_line1 IS 'billing address, first line (no card numbers)';
COMMENT ON COLUMN dcpf.billing_profile.address_line2 IS 'billing address, second line (no card numbers)';
COMMENT ON COLUMN dcpf.billing_profile.postcode IS 'postcode in canonical form (NL: 1234 AB)';
COMMENT ON COLUMN dcpf.billing_profile.city IS 'city';
COMMENT ON COLUMN dcpf.billing_profile.country IS 'ISO 3166-1 alpha-2 country';
COMMENT ON COLUMN dcpf.billing_profile.contact_name IS 'billing contact person';
COMMENT ON COLUMN dcpf.billing_profile.contact_email IS 'billing contact e-mail';
COMMENT ON COLUMN dcpf.billing_profile.contact_phone_encrypted IS 'billing contact phone (E.164), encrypted under the licensee''s data key';
COMMENT ON COLUMN dcpf.billing_profile.invoice_reference IS 'purchase order or cost centre to quote on invoices';
COMMENT ON COLUMN dcpf.billing_profile.payment_method IS 'direct_debit, invoice or card';
COMMENT ON COLUMN dcpf.billing_profile.iban_encrypted IS 'the licensee''s IBAN, only with a direct-debit mandate, encrypted under the licensee''s data key (dcpf.billing_profile_decrypted shows it)';
COMMENT ON COLUMN dcpf.billing_profile.mandate_reference IS 'SEPA mandate reference (max 35 characters of the SEPA set)';
COMMENT ON COLUMN dcpf.billing_profile.mandate_signed_on IS 'date the SEPA mandate was signed';
COMMENT ON COLUMN dcpf.billing_profile.card_type IS 'card scheme when paying by card; never the card number';
COMMENT ON COLUMN dcpf.billing_profile.card_bank IS 'issuing bank when paying by card';
COMMENT ON COLUMN dcpf.billing_profile.updated_at IS 'last change';

CREATE TABLE dcpf.licence (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    licensee_id        uuid NOT NULL REFERENCES dcpf.licensee (id),
    product_id         uuid NOT NULL REFERENCES dcpf.product (id),
    starts_on          date NOT NULL,
    ends_on            date,
    seats              integer CONSTRAINT licence_seats_positive CHECK (seats > 0),
    status             text NOT NULL DEFAULT 'active'
                       CONSTRAINT licence_status_known CHECK (status IN ('active', 'suspended', 'terminated', 'expired')),
    terminated_on      date,
    termination_reason text,
    ends_at            timestamptz,
    retention_grace    interval NOT NULL DEFAULT interval '0'
                       CONSTRAINT licence_retention_grace_range CHECK (retention_grace BETWEEN interval '0' AND interval '1 year'),
    handed_over_at     timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT licence_period_ordered CHECK (ends_on IS NULL OR ends_on >= starts_on),
    CONSTRAINT licence_terminated_on_iff_terminated CHECK ((status = 'terminated') = (terminated_on IS NOT NULL)),
    CONSTRAINT licence_termination_within_period CHECK (terminated_on IS NULL OR terminated_on >= starts_on)
);
CREATE INDEX licence_licensee_idx ON dcpf.licence (licensee_id);
CREATE INDEX licence_product_idx ON dcpf.licence (product_id);
COMMENT ON TABLE dcpf.licence IS 'a licensee''s licence on a product for a period; its end ends the retention term of the licensee''s data';
COMMENT ON COLUMN dcpf.licence.id IS 'licence identifier';
COMMENT ON COLUMN dcpf.licence.licensee_id IS 'the licensee holding the licence';
COMMENT ON COLUMN dcpf.licence.product_id IS 'the product licensed';
COMMENT ON COLUMN dcpf.licence.starts_on IS 'first day of the licence';
COMMENT ON COLUMN dcpf.licence.ends_on IS 'last day of the licence; NULL while open-ended';
COMMENT ON COLUMN dcpf.licence.seats IS 'number of users licensed, NULL for unlimited';
COMMENT ON COLUMN dcpf.licence.status IS 'active, suspended, terminated or expired';
COMMENT ON COLUMN dcpf.licence.terminated_on IS 'date of termination (set exactly when status is terminated)';
COMMENT ON COLUMN dcpf.licence.termination_reason IS 'why the licence was terminated';
COMMENT ON COLUMN dcpf.licence.ends_at IS
    'the exact moment the licence ends (dcpf.end_licence), or ended (dcpf.complete_licence_ends fills it in from ends_on: the start of the next day); NULL: it ends with ends_on, or not at all';
COMMENT ON COLUMN dcpf.licence.retention_grace IS
    'how long after the licence''s end the retention clock licence_end of the licensee''s own data starts (0 to 1 year; dcpf.end_licence sets it)';
COMMENT ON COLUMN dcpf.licence.handed_over_at IS
    'when, after the licence ended, its licensee was left without a licence and every portfolio made with it was handed over (dcpf.complete_licence_ends); NULL: not (yet)';
COMMENT ON COLUMN dcpf.licence.created_at IS 'when the licence was registered';

-- Whether a licence is in force now: active, begun, not past its last day
-- nor its exact end. The role gate admits staff only through a licence in
-- force. (A SQL-standard body: parsed when created, inlined where used.)
CREATE FUNCTION dcpf.licence_in_force(licence dcpf.licence) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
RETURN licence.status = 'active' AND licence.starts_on <= current_date
       AND (licence.ends_on IS NULL OR licence.ends_on >= current_date)
       AND (licence.ends_at IS NULL OR licence.ends_at > now());
COMMENT ON FUNCTION dcpf.licence_in_force(dcpf.licence) IS
    'whether the licence is in force now: active, begun (starts_on), not past its last day (ends_on) nor its exact end (ends_at); the role gate admits staff only through a licence in force';

-- When a licence ends or ended: its exact end, else the day it was
-- terminated, else the start of the day after its last day (in the
-- session's time zone); NULL while it has no end.
CREATE FUNCTION dcpf.licence_ends_at(licence dcpf.licence) RETURNS timestamptz
    LANGUAGE sql STABLE PARALLEL SAFE
RETURN coalesce(licence.ends_at, licence.terminated_on::timestamptz, (licence.ends_on + 1)::timestamptz);
COMMENT ON FUNCTION dcpf.licence_ends_at(dcpf.licence) IS
    'when the licence ends or ended: ends_at, else the start of terminated_on, else the start of the day after ends_on (dates read in the session''s time zone); NULL while it has no end';

-- The start of the retention clock "licence end" of a licensee's own data
-- (issue 8, doc/reference/retention.md): when the last of its licences
-- ended, plus that licence's grace period. NULL while one is in force,
-- suspended or yet to start (not past its end), and for a licensee that
-- never had one. The one place that says when a licensee's licences have
-- ended; dcpf.end_licence sets the exact end and the grace it reads.
CREATE FUNCTION dcpf.licence_end_clock(licensee uuid) RETURNS timestamptz
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT CASE WHEN count(*) = 0 THEN NULL
                WHEN bool_or(l.status IN ('active', 'suspended') AND (l.ends_on IS NULL OR l.ends_on >= current_date)
                             AND (l.ends_at IS NULL OR l.ends_at > now())) THEN NULL
                ELSE max(dcpf.licence_ends_at(l) + l.retention_grace)
           END
      FROM dcpf.licence l
     WHERE l.licensee_id = licence_end_clock.licensee;
END;
COMMENT ON FUNCTION dcpf.licence_end_clock(uuid) IS
    'when the last licence of the licensee ended plus its grace period (the start of the retention clock licence_end), or NULL while one is in force, suspended or yet to start, or when it never had one; owner only';
REVOKE ALL ON FUNCTION dcpf.licence_end_clock(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION dcpf.licence_in_force(dcpf.licence), dcpf.licence_ends_at(dcpf.licence) FROM PUBLIC;
