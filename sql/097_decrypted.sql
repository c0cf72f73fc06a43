-- 097_decrypted.sql: the encrypted columns in plain text, for whoever may see
-- them. These views are security_invoker: row-level security of the caller
-- picks the rows, and dcpf.decrypt_text checks again that the caller may see
-- the subject's rows of that table, so a ciphertext taken elsewhere does not
-- open through them. A value whose subject was erased (key shredded) shows
-- as NULL, so one erased person does not break a listing; dcpf.decrypt_text
-- itself says the data was erased. Writes go through dcpf.create_person,
-- dcpf.set_big_number, dcpf.add_phone, dcpf.set_address and
-- dcpf.set_billing_profile, which validate and encrypt.

CREATE VIEW dcpf.person_decrypted WITH (security_invoker = true) AS
SELECT p.id, p.given_names, p.initials, p.tussenvoegsel, p.surname, p.partner_tussenvoegsel, p.partner_surname,
       p.name_use, p.email,
       dcpf.decrypt_text(p.big_number_encrypted, 'person', 'big_number', p.id, p.id, null_if_erased => true) AS big_number,
       p.job_title, p.academic_titles, p.photo, p.photo_type, p.status, p.deactivated_at,
       p.created_at, p.created_by, p.created_for_licensee, p.updated_at, p.sort_key
  FROM dcpf.person p;
COMMENT ON VIEW dcpf.person_decrypted IS
    'dcpf.person with the BIG number decrypted, for the persons the caller may see (security_invoker)';
COMMENT ON COLUMN dcpf.person_decrypted.big_number IS 'BIG register number, decrypted';

CREATE VIEW dcpf.person_phone_decrypted WITH (security_invoker = true) AS
SELECT ph.id, ph.person_id, ph.kind,
       dcpf.decrypt_text(ph.number_encrypted, 'person_phone', 'number', ph.id, ph.person_id, null_if_erased => true) AS number,
       ph.is_primary, ph.created_at
  FROM dcpf.person_phone ph;
COMMENT ON VIEW dcpf.person_phone_decrypted IS
    'dcpf.person_phone with the numbers decrypted (E.164), for the rows the caller may see (security_invoker)';
COMMENT ON COLUMN dcpf.person_phone_decrypted.number IS 'telephone number in E.164 form, decrypted';

CREATE VIEW dcpf.person_address_decrypted WITH (security_invoker = true) AS
SELECT a.id, a.person_id, a.kind,
       d.address ->> 'street' AS street,
       (d.address ->> 'house_number')::integer AS house_number,
       d.address ->> 'house_number_suffix' AS house_number_suffix,
       d.address ->> 'postcode' AS postcode,
       d.address ->> 'city' AS city,
       a.country, a.created_at, a.updated_at
  FROM dcpf.person_address a
 CROSS JOIN LATERAL (SELECT dcpf.decrypt_text(a.address_encrypted, 'person_address', 'address', a.id, a.person_id,
                                              null_if_erased => true)::jsonb
                            AS address) d;
COMMENT ON VIEW dcpf.person_address_decrypted IS
    'dcpf.person_address with street, house number, suffix, postcode and city decrypted, for the rows the caller may see (security_invoker)';
COMMENT ON COLUMN dcpf.person_address_decrypted.street IS 'street name, decrypted';
COMMENT ON COLUMN dcpf.person_address_decrypted.house_number IS 'house number, decrypted';
COMMENT ON COLUMN dcpf.person_address_decrypted.house_number_suffix IS 'house number addition, decrypted';
COMMENT ON COLUMN dcpf.person_address_decrypted.postcode IS 'postcode in canonical form, decrypted';
COMMENT ON COLUMN dcpf.person_address_decrypted.city IS 'city, decrypted';

CREATE VIEW dcpf.billing_profile_decrypted WITH (security_invoker = true) AS
SELECT b.licensee_id, b.address_line1, b.address_line2, b.postcode, b.city, b.country,
       b.contact_name, b.contact_email,
       dcpf.decrypt_text(b.contact_phone_encrypted, 'billing_profile', 'contact_phone', b.licensee_id, b.licensee_id,
                         null_if_erased => true)
           AS contact_phone,
       b.invoice_reference, b.payment_method,
       dcpf.decrypt_text(b.iban_encrypted, 'billing_profile', 'iban', b.licensee_id, b.licensee_id, null_if_erased => true) AS iban,
       b.mandate_reference, b.mandate_signed_on, b.card_type, b.card_bank, b.updated_at
  FROM dcpf.billing_profile b;
COMMENT ON VIEW dcpf.billing_profile_decrypted IS
    'dcpf.billing_profile with the IBAN and contact phone decrypted, for the licensee administrators who may see it (security_invoker)';
COMMENT ON COLUMN dcpf.billing_profile_decrypted.contact_phone IS 'billing contact phone (E.164), decrypted';
COMMENT ON COLUMN dcpf.billing_profile_decrypted.iban IS 'the licensee''s IBAN (electronic form), decrypted';

-- the columns shown as stored keep the comments of the table's columns
CREATE FUNCTION dcpf.describe_decrypted_views() RETURNS integer
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c record;
    n integer := 0;
BEGIN
    FOR c IN
        SELECT v.oid::regclass AS view_name, a.attname, col_description(b.oid, ba.attnum) AS description
          FROM pg_catalog.pg_class v
          JOIN pg_catalog.pg_attribute a ON a.attrelid = v.oid AND a.attnum > 0
          JOIN pg_catalog.pg_class b ON b.relnamespace = v.relnamespace
               AND b.relname = regexp_replace(v.relname, '_decrypted$', '')
          JOIN pg_catalog.pg_attribute ba ON ba.attrelid = b.oid AND ba.attname = a.attname
         WHERE v.relnamespace = 'dcpf'::regnamespace AND v.relkind = 'v' AND v.relname LIKE '%\_decrypted'
           AND col_description(v.oid, a.attnum) IS NULL
    LOOP
        EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', c.view_name, c.attname, c.description);
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;
COMMENT ON FUNCTION dcpf.describe_decrypted_views() IS
    'gives each column of a dcpf.*_decrypted view that has no comment the comment of the same column of its table; returns how many it set. Run by the install script after each such view; owner only';
REVOKE ALL ON FUNCTION dcpf.describe_decrypted_views() FROM PUBLIC;
SELECT dcpf.describe_decrypted_views();

REVOKE ALL ON dcpf.person_decrypted, dcpf.person_phone_decrypted, dcpf.person_address_decrypted,
              dcpf.billing_profile_decrypted FROM PUBLIC;
GRANT SELECT ON dcpf.person_decrypted, dcpf.person_phone_decrypted, dcpf.person_address_decrypted,
                dcpf.billing_profile_decrypted TO dcpf_app;
GRANT EXECUTE ON FUNCTION
    dcpf.encrypt(text, text, text, uuid, uuid),
    dcpf.encrypt(bytea, text, text, uuid, uuid),
    dcpf.decrypt_text(bytea, text, text, uuid, uuid),
    dcpf.decrypt(bytea, text, text, uuid, uuid),
    dcpf.decrypt_text(bytea, text, text, uuid, uuid, boolean),
    dcpf.decrypt(bytea, text, text, uuid, uuid, boolean),
    dcpf.ciphertext_info(bytea),
    dcpf.person_by_big_number(dcpf.big_number)
TO dcpf_app;
