-- 020_validators.sql: validators written in C (src/validate.c, iban.c,
-- email.c, scan.c, names.c) and the types and domains built on them.
--
-- Each check exists twice: as a predicate that never raises (for WHERE
-- clauses, reports, CHECK-free scans) and as a type or domain that refuses
-- bad input with SQLSTATE 22P02/23514, a lowercase message and a detail that
-- names the position or the reason.

---------------------------------------------------------------------------
-- BIG register number
---------------------------------------------------------------------------
CREATE FUNCTION dcpf.big_is_valid(text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'dcpf_big_is_valid'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION dcpf.big_is_valid(text) IS
    'true when the text is an 11-digit BIG number (spaces allowed) whose check digit matches; never raises';

CREATE TYPE dcpf.big_number;
CREATE FUNCTION dcpf.big_number_in(cstring) RETURNS dcpf.big_number
    AS 'MODULE_PATHNAME', 'dcpf_big_number_in' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION dcpf.big_number_recv(internal) RETURNS dcpf.big_number
    AS 'MODULE_PATHNAME', 'dcpf_big_number_recv' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION dcpf.big_number_out(dcpf.big_number) RETURNS cstring
    AS 'textout' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION dcpf.big_number_send(dcpf.big_number) RETURNS bytea
    AS 'textsend' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE dcpf.big_number (
    INPUT = dcpf.big_number_in, OUTPUT = dcpf.big_number_out,
    RECEIVE = dcpf.big_number_recv, SEND = dcpf.big_number_send,
    LIKE = text, CATEGORY = 'S', COLLATABLE = true
);
COMMENT ON TYPE dcpf.big_number IS
    'BIG register number: 11 digits, leading zeros kept; check digit enforced per dcpf.big_check_digit';
COMMENT ON FUNCTION dcpf.big_number_in(cstring) IS 'input function of dcpf.big_number: strips spaces, checks format and check digit';
COMMENT ON FUNCTION dcpf.big_number_recv(internal) IS 'binary input of dcpf.big_number, validated like the text input';
COMMENT ON FUNCTION dcpf.big_number_out(dcpf.big_number) IS 'output function of dcpf.big_number';
COMMENT ON FUNCTION dcpf.big_number_send(dcpf.big_number) IS 'binary output of dcpf.big_number';

---------------------------------------------------------------------------
-- IBAN (ISO 13616)
---------------------------------------------------------------------------
CREATE FUNCTION dcpf.iban_is_valid(text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'dcpf_iban_is_valid'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION dcpf.iban_is_valid(text) IS
    'true when the text (spaces and case ignored) is an IBAN of a SEPA country with the right length and mod-97 check; never raises';

CREATE TYPE dcpf.iban;
CREATE FUNCTION dcpf.iban_in(cstring) RETURNS dcpf.iban
    AS 'MODULE_PATHNAME', 'dcpf_iban_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION dcpf.iban_recv(internal) RETURNS dcpf.iban
    AS 'MODULE_PATHNAME', 'dcpf_iban_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION dcpf.iban_out(dcpf.iban) RETURNS cstring
    AS 'textout' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION dcpf.iban_send(dcpf.iban) RETURNS bytea
    AS 'textsend' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE dcpf.iban (
    INPUT = dcpf.iban_in, OUTPUT = dcpf.iban_out,
    RECEIVE = dcpf.iban_recv, SEND = dcpf.iban_send,
    LIKE = text, CATEGORY = 'S', COLLATABLE = true
);
COMMENT ON TYPE dcpf.iban IS
    'IBAN, stored in electronic form (upper case, no spaces) after ISO 13616 mod-97 and per-country length checks';
COMMENT ON FUNCTION dcpf.iban_in(cstring) IS 'input function of dcpf.iban: normalises spaces and case, then validates';
COMMENT ON FUNCTION dcpf.iban_recv(internal) IS 'binary input of dcpf.iban, validated like the text input';
COMMENT ON FUNCTION dcpf.iban_out(dcpf.iban) IS 'output function of dcpf.iban (electronic form)';
COMMENT ON FUNCTION dcpf.iban_send(dcpf.iban) IS 'binary output of dcpf.iban';

CREATE FUNCTION dcpf.iban_display(dcpf.iban) RETURNS text
    AS 'MODULE_PATHNAME', 'dcpf_iban_display'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dcpf.iban_display(dcpf.iban) IS
    'the IBAN in its paper form: groups of four characters separated by spaces';

---------------------------------------------------------------------------
-- e-mail address (the user name)
---------------------------------------------------------------------------
CREATE FUNCTION dcpf.email_is_valid(text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'dcpf_email_is_valid'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION dcpf.email_is_valid(text) IS
    'true when the text is a deliverable-looking e-mail address (dot-atom local part, DNS host name with a top-level domain); never raises';

CREATE FUNCTION dcpf.email_normalize(text) RETURNS text
    AS 'MODULE_PATHNAME', 'dcpf_email_normalize'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dcpf.email_normalize(text) IS
    'the normalised form of an e-mail address (trimmed, lower case); raises 22P02 when it is not valid';

CREATE TYPE dcpf.email;
CREATE FUNCTION dcpf.email_in(cstring) RETURNS dcpf.email
    AS 'MODULE_PATHNAME', 'dcpf_email_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION dcpf.email_recv(internal) RETURNS dcpf.email
    AS 'MODULE_PATHNAME', 'dcpf_email_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION dcpf.email_out(dcpf.email) RETURNS cstring
    AS 'textout' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION dcpf.email_send(dcpf.email) RETURNS bytea
    AS 'textsend' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE dcpf.email (
    INPUT = dcpf.email_in, OUTPUT = dcpf.email_out,
    RECEIVE = dcpf.email_recv, SEND = dcpf.email_send,
    LIKE = text, CATEGORY = 'S', COLLATABLE = true
);
COMMENT ON TYPE dcpf.email IS
    'e-mail address, validated and normalised to lower case, so equality and uniqueness are case-insensitive';
COMMENT ON FUNCTION dcpf.email_in(cstring) IS 'input function of dcpf.email: trims, lower-cases, validates';
COMMENT ON FUNCTION dcpf.email_recv(internal) IS 'binary input of dcpf.email, validated like the text input';
COMMENT ON FUNCTION dcpf.email_out(dcpf.email) IS 'output function of dcpf.email';
COMMENT ON FUNCTION dcpf.email_send(dcpf.email) IS 'binary output of dcpf.email';

-- The three types are text underneath: they cast to text for free (so text
-- operators, LIKE and the default btree operator class apply), and text casts
-- to them through their validating input functions.
CREATE CAST (dcpf.big_number AS text) WITHOUT FUNCTION AS IMPLICIT;
CREATE CAST (text AS dcpf.big_number) WITH INOUT AS ASSIGNMENT;
CREATE CAST (dcpf.iban AS text) WITHOUT FUNCTION AS IMPLICIT;
CREATE CAST (text AS dcpf.iban) WITH INOUT AS ASSIGNMENT;
CREATE CAST (dcpf.email AS text) WITHOUT FUNCTION AS IMPLICIT;
CREATE CAST (text AS dcpf.email) WITH INOUT AS ASSIGNMENT;

---------------------------------------------------------------------------
-- Scanners for data that must not be stored: card numbers, BSNs
---------------------------------------------------------------------------
CREATE FUNCTION dcpf.contains_card_number(text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'dcpf_contains_card_number'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION dcpf.contains_card_number(text) IS
    'true when the text holds a run of 13 to 19 digits (single spaces or dashes allowed between digits) that passes the Luhn check; never raises';

CREATE FUNCTION dcpf.contains_bsn(text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'dcpf_contains_bsn'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION dcpf.contains_bsn(text) IS
    'true when the text holds a 9-digit Dutch citizen service number (BSN; single spaces, dots or dashes allowed between digits) passing the 11-test; never raises';

CREATE FUNCTION dcpf.bsn_is_valid(text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'dcpf_bsn_is_valid'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION dcpf.bsn_is_valid(text) IS
    'true when the whole text is a 9-digit BSN passing the 11-test; never raises';

CREATE FUNCTION dcpf.find_sensitive_numbers(text,
        OUT kind text, OUT start_position integer, OUT length integer, OUT masked text)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'dcpf_find_sensitive_numbers'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dcpf.find_sensitive_numbers(text) IS
    'every card number (kind card_number) and BSN (kind bsn) found in the text: 1-based character position, length in characters, and a masked form showing only the last four digits';

CREATE FUNCTION dcpf.assert_no_card_number(value text, what text DEFAULT 'value') RETURNS boolean
    AS 'MODULE_PATHNAME', 'dcpf_assert_no_card_number'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION dcpf.assert_no_card_number(text, text) IS
    'returns true, or raises 23514 naming the position of a payment card number in the value (payment card numbers are never stored)';

CREATE DOMAIN dcpf.billing_text AS text
    CHECK (dcpf.assert_no_card_number(VALUE, 'billing text'))
    CHECK (length(VALUE) <= 500);
COMMENT ON DOMAIN dcpf.billing_text IS
    'free text in billing data: at most 500 characters and never a payment card number';

---------------------------------------------------------------------------
-- Dutch names
---------------------------------------------------------------------------
CREATE FUNCTION dcpf.display_name(given_names text, initials text, tussenvoegsel text, surname text,
        partner_tussenvoegsel text DEFAULT NULL, partner_surname text DEFAULT NULL,
        name_use text DEFAULT 'E', style text DEFAULT 'initials')
    RETURNS text
    AS 'MODULE_PATHNAME', 'dcpf_display_name'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION dcpf.display_name(text, text, text, text, text, text, text, text) IS
    'a person''s name as Dutch convention writes it: style initials ("J. van den Berg"), full ("Jan van den Berg") or sorted ("Berg, J. van den"); name_use E own name, P partner''s, V partner''s then own, N own then partner''s (as in the BRP)';

CREATE FUNCTION dcpf.name_sort_key(surname text, tussenvoegsel text, given_names text DEFAULT NULL, initials text DEFAULT NULL)
    RETURNS text
    AS 'MODULE_PATHNAME', 'dcpf_name_sort_key'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION dcpf.name_sort_key(text, text, text, text) IS
    'a sort key that files a name under its surname without the tussenvoegsel ("van den Berg" under B), then tussenvoegsel, then given names';

CREATE FUNCTION dcpf.name_part_is_valid(value text, kind text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'dcpf_name_part_is_valid'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION dcpf.name_part_is_valid(text, text) IS
    'true when value is a valid name part of the kind: name (given names or surname: 1-120 characters, trimmed, no digit, @, control character or double space), tussenvoegsel (1-4 lower-case words of letters and apostrophes, at most 20 characters) or initials (J.W., Th., IJ.); unknown kinds are false; never raises';
