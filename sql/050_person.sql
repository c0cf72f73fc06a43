-- 050_person.sql: people, their contact details, profile and preferences.
-- A person exists once, independent of any licensee: memberships (060) tie
-- them to licensees. The portfolio belongs to the person, not the licensee.

CREATE TABLE dcpf.person (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    given_names           text CONSTRAINT person_given_names_format
                          CHECK (dcpf.name_part_is_valid(given_names, 'name')),
    initials              text CONSTRAINT person_initials_format
                          CHECK (dcpf.name_part_is_valid(initials, 'initials')),
    tussenvoegsel         text CONSTRAINT person_tussenvoegsel_format
                          CHECK (dcpf.name_part_is_valid(tussenvoegsel, 'tussenvoegsel')),
    surname               text CONSTRAINT person_surname_format
                          CHECK (dcpf.name_part_is_valid(surname, 'name')),
    partner_tussenvoegsel text CONSTRAINT person_partner_tussenvoegsel_format
                          CHECK (dcpf.name_part_is_valid(partner_tussenvoegsel, 'tussenvoegsel')),
    partner_surname       text CONSTRAINT person_partner_surname_format
                          CHECK (dcpf.name_part_is_valid(partner_surname, 'name')),
    name_use              char(1) NOT NULL DEFAULT 'E'
                          CONSTRAINT person_name_use_known CHECK (name_use IN ('E', 'P', 'V', 'N')),
    email                 dcpf.email,
    big_number_encrypted  bytea,
    big_number_hmac       bytea,
    job_title             text CONSTRAINT person_job_title_length CHECK (length(btrim(job_title)) BETWEEN 1 AND 120),
    academic_titles       text[] NOT NULL DEFAULT '{}'
                          CONSTRAINT person_academic_titles_known CHECK (
                              academic_titles <@ ARRAY['prof.', 'dr.', 'drs.', 'mr.', 'ir.', 'ing.', 'bc.',
                                                       'BSc', 'BA', 'MSc', 'MA', 'MD', 'PhD', 'MBA', 'MPH',
                                                       'MHA', 'MANP', 'LLM', 'EMHA']
                              AND cardinality(academic_titles) <= 6),
    photo                 bytea CONSTRAINT person_photo_size CHECK (octet_length(photo) <= 524288),
    photo_type            text,
    status                text NOT NULL DEFAULT 'active'
                          CONSTRAINT person_status_known CHECK (status IN ('active', 'deactivated', 'erased')),
    deactivated_at        timestamptz,
    erased_at             timestamptz,
    created_at            timestamptz NOT NULL DEFAULT now(),
    created_by            uuid REFERENCES dcpf.person (id) ON DELETE SET NULL,
    created_for_licensee  uuid REFERENCES dcpf.licensee (id) ON DELETE SET NULL,
    updated_at            timestamptz NOT NULL DEFAULT now(),
    sort_key              text COLLATE "C" GENERATED ALWAYS AS (
                              CASE WHEN name_use IN ('P', 'V') AND partner_surname IS NOT NULL
                                   THEN dcpf.name_sort_key(partner_surname, partner_tussenvoegsel, given_names, initials)
                                   ELSE dcpf.name_sort_key(surname, tussenvoegsel, given_names, initials)
                              END) STORED,
    CONSTRAINT person_needs_given_names_or_initials CHECK (status = 'erased' OR given_names IS NOT NULL OR initials IS NOT NULL),
    CONSTRAINT person_needs_surname_and_email CHECK (status = 'erased' OR (surname IS NOT NULL AND email IS NOT NULL)),
    CONSTRAINT person_erased_holds_nothing CHECK (status <> 'erased' OR (
        given_names IS NULL AND initials IS NULL AND tussenvoegsel IS NULL AND surname IS NULL AND partner_tussenvoegsel IS NULL
        AND partner_surname IS NULL AND email IS NULL AND big_number_encrypted IS NULL AND big_number_hmac IS NULL
        AND job_title IS NULL AND academic_titles = '{}' AND photo IS NULL AND photo_type IS NULL AND created_by IS NULL)),
    CONSTRAINT person_erased_at_iff_erased CHECK ((status = 'erased') = (erased_at IS NOT NULL)),
    CONSTRAINT person_partner_name_for_name_use CHECK (name_use = 'E' OR partner_surname IS NOT NULL),
    CONSTRAINT person_partner_tussenvoegsel_needs_surname CHECK (partner_tussenvoegsel IS NULL OR partner_surname IS NOT NULL),
    CONSTRAINT person_photo_type_matches CHECK (
        (photo IS NULL AND photo_type IS NULL)
        OR (photo IS NOT NULL AND photo_type IS NOT NULL
            AND photo_type IN ('image/jpeg', 'image/png', 'image/webp') AND dcpf.image_type(photo) = photo_type)),
    CONSTRAINT person_deactivated_at_iff_deactivated CHECK ((status = 'deactivated') = (deactivated_at IS NOT NULL)),
    CONSTRAINT person_on_behalf_needs_licensee CHECK (created_by IS NULL OR created_for_licensee IS NOT NULL)
);
CREATE UNIQUE INDEX person_email_unique ON dcpf.person (email);
CREATE UNIQUE INDEX person_big_number_unique ON dcpf.person (big_number_hmac);
CREATE TRIGGER person_big_number_sealed BEFORE INSERT OR UPDATE ON dcpf.person
    FOR EACH ROW EXECUTE FUNCTION dcpf.sealed_column('big_number', 'big_number_encrypted', 'id', 'id', 'big_number_hmac', 'dcpf.big_number');
CREATE INDEX person_sort_key_idx ON dcpf.person (sort_key);
COMMENT ON TABLE dcpf.person IS
    'a natural person using the platform: name in Dutch parts, e-mail (the user name), BIG number (encrypted), profile and status';
COMMENT ON COLUMN dcpf.person.id IS 'person identifier (pseudonymous key used everywhere else)';
COMMENT ON COLUMN dcpf.person.given_names IS 'given names (voornamen) as written';
COMMENT ON COLUMN dcpf.person.initials IS 'initials with dots, e.g. J.W. or Th. (IJ. as one initial)';
COMMENT ON COLUMN dcpf.person.tussenvoegsel IS 'surname prefix in lower case, e.g. van den, de, in ''t';
COMMENT ON COLUMN dcpf.person.surname IS 'own surname without the tussenvoegsel (geslachtsnaam); NULL only once erased';
COMMENT ON COLUMN dcpf.person.partner_tussenvoegsel IS 'surname prefix of the partner''s surname';
COMMENT ON COLUMN dcpf.person.partner_surname IS 'partner''s surname, for name use P, V or N';
COMMENT ON COLUMN dcpf.person.name_use IS 'name use as in the BRP: E own, P partner, V partner then own, N own then partner';
COMMENT ON COLUMN dcpf.person.email IS 'e-mail address, the user name: normalised, unique case-insensitively; NULL only once erased';
COMMENT ON COLUMN dcpf.person.big_number_encrypted IS 'BIG register number, encrypted under the person''s data key (dcpf.person_decrypted shows it); required while the person holds a role that requires it';
COMMENT ON COLUMN dcpf.person.big_number_hmac IS 'blind index of the BIG number (HMAC under the blind-index key, set by the server): uniqueness and dcpf.person_by_big_number; cleared when the person''s key is shredded';
COMMENT ON COLUMN dcpf.person.job_title IS 'job title (functie)';
COMMENT ON COLUMN dcpf.person.academic_titles IS 'academic titles from a fixed list (titulatuur), prefix and suffix forms';
COMMENT ON COLUMN dcpf.person.photo IS 'profile photo, JPEG, PNG or WebP, at most 512 KiB';
COMMENT ON COLUMN dcpf.person.photo_type IS 'MIME type of the photo, checked against its magic bytes';
COMMENT ON COLUMN dcpf.person.status IS 'active, deactivated (deactivation ends all processing but retention-bound storage) or erased (dcpf.erase_person: nothing but the id is left)';
COMMENT ON COLUMN dcpf.person.deactivated_at IS 'when the account was deactivated';
COMMENT ON COLUMN dcpf.person.erased_at IS
    'when the person was erased (dcpf.erase_person): the row then holds no personal data and stays only as the pseudonym that kept records (consent proof, requests, signatures on others'' records, the audit trail) point at';
COMMENT ON COLUMN dcpf.person.created_at IS 'when the account was created';
COMMENT ON COLUMN dcpf.person.created_by IS 'the licensee administrator who created the account on the person''s behalf, if any';
COMMENT ON COLUMN dcpf.person.created_for_licensee IS 'the licensee on whose behalf the account was created';
COMMENT ON COLUMN dcpf.person.updated_at IS 'last change to the person''s own columns';
COMMENT ON COLUMN dcpf.person.sort_key IS 'sort key filing the name under the first surname the person uses (the partner''s for name use P and V) without tussenvoegsel (dcpf.name_sort_key); collation "C" so its part separators sort first under any database collation';

CREATE TABLE dcpf.person_phone (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    person_id   uuid NOT NULL REFERENCES dcpf.person (id) ON DELETE CASCADE,
    kind        text NOT NULL CONSTRAINT person_phone_kind_known CHECK (kind IN ('mobile', 'work', 'home', 'pager')),
    number_encrypted  bytea NOT NULL,
    number_hmac       bytea,
    is_primary  boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT person_phone_unique UNIQUE (person_id, number_hmac)
);
CREATE TRIGGER person_phone_number_sealed BEFORE INSERT OR UPDATE ON dcpf.person_phone
    FOR EACH ROW EXECUTE FUNCTION dcpf.sealed_column('number', 'number_encrypted', 'id', 'person_id', 'number_hmac', 'dcpf.phone_number');
CREATE UNIQUE INDEX person_phone_one_primary ON dcpf.person_phone (person_id) WHERE is_primary;
COMMENT ON TABLE dcpf.person_phone IS 'a person''s telephone numbers in E.164 form, encrypted';
COMMENT ON COLUMN dcpf.person_phone.id IS 'phone entry identifier';
COMMENT ON COLUMN dcpf.person_phone.person_id IS 'whose number it is';
COMMENT ON COLUMN dcpf.person_phone.kind IS 'mobile, work, home or pager';
COMMENT ON COLUMN dcpf.person_phone.number_encrypted IS 'the number in E.164 form, encrypted under the person''s data key (dcpf.person_phone_decrypted shows it)';
COMMENT ON COLUMN dcpf.person_phone.number_hmac IS 'blind index of the number (set by the server): one entry per number and person; cleared when the person''s key is shredded';
COMMENT ON COLUMN dcpf.person_phone.is_primary IS 'the number to use first; at most one per person';
COMMENT ON COLUMN dcpf.person_phone.created_at IS 'when the number was added';

-- The parts of an address as stored (encrypted) in dcpf.person_address: the
-- rules the table can no longer check on ciphertext, checked by the
-- sealed_column trigger on the decrypted value of every write.
CREATE DOMAIN dcpf.address_parts AS jsonb
    CONSTRAINT address_parts_object CHECK (jsonb_typeof(VALUE) = 'object')
    CONSTRAINT address_parts_keys CHECK (
        VALUE ?& ARRAY['street', 'house_number', 'house_number_suffix', 'postcode', 'city']
        AND VALUE - ARRAY['street', 'house_number', 'house_number_suffix', 'postcode', 'city'] = '{}'::jsonb)
    CONSTRAINT address_parts_street CHECK (
        jsonb_typeof(VALUE -> 'street') = 'string' AND length(btrim(VALUE ->> 'street')) BETWEEN 1 AND 120)
    CONSTRAINT address_parts_city CHECK (
        jsonb_typeof(VALUE -> 'city') = 'string' AND length(btrim(VALUE ->> 'city')) BETWEEN 1 AND 80)
    CONSTRAINT address_parts_postcode CHECK (
        jsonb_typeof(VALUE -> 'postcode') = 'string' AND length(btrim(VALUE ->> 'postcode')) BETWEEN 1 AND 10)
    CONSTRAINT address_parts_house_number CHECK (
        jsonb_typeof(VALUE -> 'house_number') = 'null'
        OR (jsonb_typeof(VALUE -> 'house_number') = 'number' AND (VALUE ->> 'house_number') ~ '^[1-9][0-9]{0,4}$'))
    CONSTRAINT address_parts_suffix CHECK (
        jsonb_typeof(VALUE -> 'house_number_suffix') = 'null'
        OR (jsonb_typeof(VALUE -> 'house_number_suffix') = 'string'
            AND (VALUE ->> 'house_number_suffix') ~ '^[A-Za-z0-9]{1,4}$'));
COMMENT ON DOMAIN dcpf.address_parts IS
    'street, house_number, house_number_suffix, postcode and city of an address as one JSON object, with the length and format rules of dcpf.set_address';

CREATE TABLE dcpf.person_address (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    person_id            uuid NOT NULL REFERENCES dcpf.person (id) ON DELETE CASCADE,
    kind                 text NOT NULL CONSTRAINT person_address_kind_known CHECK (kind IN ('home', 'work', 'postal')),
    address_encrypted    bytea NOT NULL,
    country              dcpf.country_code NOT NULL DEFAULT 'NL',
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT person_address_one_per_kind UNIQUE (person_id, kind)
);
CREATE TRIGGER person_address_sealed BEFORE INSERT OR UPDATE ON dcpf.person_address
    FOR EACH ROW EXECUTE FUNCTION dcpf.sealed_column('address', 'address_encrypted', 'id', 'person_id', '', 'dcpf.address_parts');
COMMENT ON TABLE dcpf.person_address IS 'a person''s addresses, one per kind, encrypted but for kind and country';
COMMENT ON COLUMN dcpf.person_address.id IS 'address identifier';
COMMENT ON COLUMN dcpf.person_address.person_id IS 'whose address it is';
COMMENT ON COLUMN dcpf.person_address.kind IS 'home, work or postal';
COMMENT ON COLUMN dcpf.person_address.address_encrypted IS
    'street, house number, suffix, postcode and city as a JSON object, encrypted under the person''s data key (dcpf.person_address_decrypted shows them; dcpf.set_address validates them)';
COMMENT ON COLUMN dcpf.person_address.updated_at IS 'when the address was last set';
COMMENT ON COLUMN dcpf.person_address.country IS 'ISO 3166-1 alpha-2 country';
COMMENT ON COLUMN dcpf.person_address.created_at IS 'when the address was added';

CREATE TABLE dcpf.person_preference (
    person_id                  uuid PRIMARY KEY REFERENCES dcpf.person (id) ON DELETE CASCADE,
    language                   text NOT NULL DEFAULT 'nl' CONSTRAINT preference_language_known CHECK (language IN ('nl', 'en')),
    start_page                 text NOT NULL DEFAULT 'dashboard'
                               CONSTRAINT preference_start_page_known CHECK (start_page IN
                                   ('dashboard', 'portfolio', 'epa_overview', 'feedback', 'assessments', 'calendar', 'messages')),
    favourites                 text[] NOT NULL DEFAULT '{}'
                               CONSTRAINT preference_favourites_known CHECK (
                                   favourites <@ ARRAY['dashboard', 'portfolio', 'epa_overview', 'feedback', 'assessments',
                                                       'calendar', 'messages', 'competencies', 'reflections', 'conversations',
                                                       'declarations', 'shares', 'profile']
                                   AND cardinality(favourites) <= 13),
    notify_feedback_requests   boolean NOT NULL DEFAULT true,
    notify_shares              boolean NOT NULL DEFAULT true,
    notify_deadlines           boolean NOT NULL DEFAULT true,
    notification_digest        text NOT NULL DEFAULT 'immediately'
                               CONSTRAINT preference_digest_known CHECK (notification_digest IN ('immediately', 'daily', 'weekly', 'never')),
    marketing_email            boolean NOT NULL DEFAULT false,
    updated_at                 timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE dcpf.person_preference IS 'a person''s preferences: language, start page, favourites, notifications, marketing (validated, not free-form); a person without a row has the column defaults';
COMMENT ON COLUMN dcpf.person_preference.person_id IS 'whose preferences';
COMMENT ON COLUMN dcpf.person_preference.language IS 'interface language, nl or en';
COMMENT ON COLUMN dcpf.person_preference.start_page IS 'page shown after login';
COMMENT ON COLUMN dcpf.person_preference.favourites IS 'pages pinned as favourites, from a fixed list';
COMMENT ON COLUMN dcpf.person_preference.notify_feedback_requests IS 'notify about feedback and assessment requests';
COMMENT ON COLUMN dcpf.person_preference.notify_shares IS 'notify when someone shares portfolio content';
COMMENT ON COLUMN dcpf.person_preference.notify_deadlines IS 'notify about approaching deadlines';
COMMENT ON COLUMN dcpf.person_preference.notification_digest IS 'how notifications are bundled: immediately, daily, weekly or never';
COMMENT ON COLUMN dcpf.person_preference.marketing_email IS 'the person''s marketing preference; marketing also needs recorded consent';
COMMENT ON COLUMN dcpf.person_preference.updated_at IS 'last change';
