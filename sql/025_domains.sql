-- 025_domains.sql: small typed building blocks used by the tables:
-- country codes, phone numbers, postcodes, images. Helpers that normalise
-- what people type into the canonical form the domains require.

CREATE DOMAIN dcpf.country_code AS text
    CONSTRAINT country_code_format CHECK (VALUE ~ '^[A-Z]{2}$');
COMMENT ON DOMAIN dcpf.country_code IS 'ISO 3166-1 alpha-2 country code in upper case, e.g. NL';

CREATE DOMAIN dcpf.phone_number AS text
    CONSTRAINT phone_number_e164 CHECK (VALUE ~ '^\+[1-9][0-9]{7,14}$');
COMMENT ON DOMAIN dcpf.phone_number IS
    'telephone number in E.164 form (+ country code, 8 to 15 digits); dcpf.phone_normalize turns what people type into this form';

CREATE FUNCTION dcpf.phone_normalize(number text, default_country_prefix text DEFAULT '31')
    RETURNS dcpf.phone_number
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    digits text;
BEGIN
    IF number IS NULL THEN
        RETURN NULL;
    END IF;
    IF default_country_prefix !~ '^[1-9][0-9]{0,2}$' THEN
        RAISE EXCEPTION 'invalid country calling code: "%"', default_country_prefix
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'A country calling code is 1 to 3 digits without a leading zero, e.g. 31.';
    END IF;
    -- keep a leading + and the digits; spaces, dashes, dots, parentheses go
    IF number ~ '[^0-9+() .\-/]' OR number ~ '.\+' THEN
        RAISE EXCEPTION 'invalid phone number: "%"', number
            USING ERRCODE = 'invalid_text_representation',
                  DETAIL = 'A phone number holds digits, an optional leading +, spaces, dashes, dots, slashes and parentheses only.';
    END IF;
    -- "+31 (0)20 ..." writes the trunk prefix in parentheses: it is not dialled
    digits := regexp_replace(regexp_replace(btrim(number), '^(\+|00)([0-9 ]+)\(0\)', '\1\2'), '[^0-9+]', '', 'g');
    IF digits LIKE '+%' THEN
        digits := digits;                                   -- already international
    ELSIF digits LIKE '00%' THEN
        digits := '+' || substr(digits, 3);                 -- 0031 6 ... -> +316...
    ELSIF digits LIKE '0%' THEN
        digits := '+' || default_country_prefix || substr(digits, 2);  -- 06-... -> +316...
    ELSE
        RAISE EXCEPTION 'invalid phone number: "%"', number
            USING ERRCODE = 'invalid_text_representation',
                  DETAIL = 'A phone number starts with +, 00 or a national trunk prefix 0.';
    END IF;
    IF digits !~ '^\+[1-9][0-9]{7,14}$' THEN
        RAISE EXCEPTION 'invalid phone number: "%"', number
            USING ERRCODE = 'invalid_text_representation',
                  DETAIL = format('After normalisation it reads %s, which is not 8 to 15 digits after the +.', digits);
    END IF;
    RETURN digits::dcpf.phone_number;
END
$$;
COMMENT ON FUNCTION dcpf.phone_normalize(text, text) IS
    'a phone number as typed ("06-12345678", "0031 20 566 9111", "+31 (0)20 ...") in E.164 form; national numbers get the given country calling code (default 31); raises 22P02 when it cannot be one';

CREATE FUNCTION dcpf.postcode_normalize(postcode text, country text DEFAULT 'NL')
    RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    compact text;
BEGIN
    IF postcode IS NULL THEN
        RETURN NULL;
    END IF;
    IF country IS DISTINCT FROM 'NL' THEN
        RETURN upper(btrim(regexp_replace(postcode, '\s+', ' ', 'g')));
    END IF;
    compact := upper(regexp_replace(postcode, '\s', '', 'g'));
    IF compact !~ '^[1-9][0-9]{3}[A-Z]{2}$' THEN
        RAISE EXCEPTION 'invalid Dutch postcode: "%"', postcode
            USING ERRCODE = 'invalid_text_representation',
                  DETAIL = 'A Dutch postcode is four digits, the first not 0, followed by two letters, e.g. 7547 SM.';
    END IF;
    IF right(compact, 2) IN ('SA', 'SD', 'SS') THEN
        RAISE EXCEPTION 'invalid Dutch postcode: "%"', postcode
            USING ERRCODE = 'invalid_text_representation',
                  DETAIL = 'Dutch postcodes never end in the letter pairs SA, SD or SS.';
    END IF;
    RETURN left(compact, 4) || ' ' || right(compact, 2);
END
$$;
COMMENT ON FUNCTION dcpf.postcode_normalize(text, text) IS
    'a postcode in canonical form: for NL "1234 AB" (validated, raises 22P02), elsewhere trimmed and upper-cased';

CREATE FUNCTION dcpf.postcode_is_valid(postcode text, country text DEFAULT 'NL')
    RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN country IS DISTINCT FROM 'NL'
    OR (postcode ~ '^[1-9][0-9]{3} [A-Z]{2}$' AND right(postcode, 2) NOT IN ('SA', 'SD', 'SS'));
COMMENT ON FUNCTION dcpf.postcode_is_valid(text, text) IS
    'true when the postcode is in the canonical form for its country (NL: "1234 AB", not SA/SD/SS); never raises';

CREATE FUNCTION dcpf.image_type(image bytea)
    RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN CASE
    WHEN substr(image, 1, 3) = '\xffd8ff'::bytea THEN 'image/jpeg'
    WHEN substr(image, 1, 8) = '\x89504e470d0a1a0a'::bytea THEN 'image/png'
    WHEN substr(image, 1, 4) = '\x52494646'::bytea AND substr(image, 9, 4) = '\x57454250'::bytea THEN 'image/webp'
END;
COMMENT ON FUNCTION dcpf.image_type(bytea) IS
    'the MIME type of a JPEG, PNG or WebP image judged by its magic bytes, or NULL for anything else';
