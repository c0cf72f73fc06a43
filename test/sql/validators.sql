-- validators: the C validators of sql/020_validators.sql. Exact errors (with
-- detail and hint) for every kind of bad input, the normalised forms of good
-- input, and the outputs of the scanners and name functions.
-- (the extension may exist already when other tests ran first)
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS dcpf;
RESET client_min_messages;
\set VERBOSITY default

---------------------------------------------------------------------------
-- BIG number
---------------------------------------------------------------------------
-- spaces are dropped, leading zeros kept
SELECT '89012345601'::dcpf.big_number AS plain,
       '8901 2345 601'::dcpf.big_number AS with_spaces,
       ' 09996030824 '::dcpf.big_number AS leading_zero;
SELECT v, dcpf.big_is_valid(v)
  FROM (VALUES ('89012345601'), ('8901 2345 601'), ('09996030824'), ('79012345601'),
               ('88012345601'), ('8901234560'), ('890123456011'), ('8901-2345-601'),
               (''), ('   '), ('８9012345601')) t(v);
-- format errors: always raised
SELECT '8901234560'::dcpf.big_number;
SELECT '890123456011'::dcpf.big_number;
SELECT '1'::dcpf.big_number;
SELECT ''::dcpf.big_number;
SELECT '8901-2345-601'::dcpf.big_number;
SELECT 'Ä8901234560'::dcpf.big_number;
SELECT '89 0é 12345601'::dcpf.big_number;
-- check-digit errors
SELECT '79012345601'::dcpf.big_number;
SELECT '88012345601'::dcpf.big_number;
-- in warning mode a wrong check digit is accepted with a warning ...
SET dcpf.big_check_digit = warning;
SELECT '79012345601'::dcpf.big_number AS accepted;
-- ... but the format is still enforced
SELECT '7901234560'::dcpf.big_number;
RESET dcpf.big_check_digit;
SHOW dcpf.big_check_digit;
-- text casts to the type by assignment, through the validating input
CREATE TEMP TABLE big_holder (big dcpf.big_number);
INSERT INTO big_holder VALUES ('8901 2345 601'::text);
INSERT INTO big_holder VALUES ('79012345601'::text);
SELECT big, big::text = '89012345601' AS as_text FROM big_holder;

---------------------------------------------------------------------------
-- IBAN
---------------------------------------------------------------------------
SELECT 'nl91 abna 0417 1643 00'::dcpf.iban AS from_paper_form,
       'GB29NWBK60161331926819'::dcpf.iban AS electronic,
       dcpf.iban_display('fr14 2004 1010 0505 0001 3m02 606') AS display,
       dcpf.iban_display('NO9386011117947') AS display_short;
SELECT v, dcpf.iban_is_valid(v)
  FROM (VALUES ('NL91ABNA0417164300'), ('nl91 abna 0417 1643 00'), ('BE68539007547034'),
               ('NL91ABNA0417164301'), ('NL91ABNA041716430'), ('US64SVBKUS6S3300958879'),
               ('NL91-ABNA-0417-1643-00'), ('NL91ABNÅ0417164300'), (''), ('NL')) t(v);
SELECT 'NL91-ABNA-0417-1643-00'::dcpf.iban;
SELECT 'NL91 ABNÅ 0417 1643 00'::dcpf.iban;
SELECT '   '::dcpf.iban;
SELECT '91NL ABNA 0417 1643 00'::dcpf.iban;
SELECT 'US64SVBKUS6S3300958879'::dcpf.iban;
SELECT 'NL91ABNA041716430'::dcpf.iban;
SELECT 'DE89 3704 0044 0532 0130 001'::dcpf.iban;
SELECT 'NLAB ABNA 0417 1643 00'::dcpf.iban;
SELECT 'NL91ABNA0417164301'::dcpf.iban;
SELECT 'NL19ABNA0417164300'::dcpf.iban;
-- check digits 00, 01 and 99 are never valid, even where mod 97 is 1 (the
-- same account with check digits 97, 98 and 02 is valid)
SELECT v, dcpf.iban_is_valid(v)
  FROM (VALUES ('NL97ABNA0417164386'), ('NL00ABNA0417164386'), ('NL98ABNA0417164368'),
               ('NL01ABNA0417164368'), ('NL02ABNA0417164350'), ('NL99ABNA0417164350')) t(v);
SELECT 'NL99ABNA0417164350'::dcpf.iban;

---------------------------------------------------------------------------
-- e-mail address
---------------------------------------------------------------------------
SELECT ' Jan.Jansen@Example.COM '::dcpf.email AS trimmed_lower,
       dcpf.email_normalize(E'\tA.B+tag@Sub.Example.NL\n') AS normalized,
       'user@xn--bcher-kva.example'::dcpf.email AS punycode_domain,
       'o''brien!#$%&*/=?^_`{|}~-x@example.xn--p1ai'::dcpf.email AS atext_and_idn_tld;
SELECT v, dcpf.email_is_valid(v)
  FROM (VALUES ('jan@example.nl'), ('JAN@EXAMPLE.NL'), ('a.b.c@d-e.example.com'),
               ('jan@example'), ('jan@@example.nl'), ('jan@exämple.nl'), ('jän@example.nl'),
               ('.jan@example.nl'), ('jan@example.nl.'), ('jan@[192.0.2.1]'),
               ('"jan"@example.nl'), (''), ('@'), ('jan@'), ('@example.nl')) t(v);
SELECT ''::dcpf.email;
SELECT 'jan.example.nl'::dcpf.email;
SELECT '"a@b"@example.nl'::dcpf.email;
SELECT 'jan@exämple.nl'::dcpf.email;
SELECT repeat('a', 64) || '@' || repeat('b', 63) || '.' || repeat('c', 63) || '.' || repeat('d', 63) || '.nl' AS too_long \gset
SELECT length(:'too_long') AS too_long_length, dcpf.email_is_valid(:'too_long');
SELECT dcpf.email_normalize(:'too_long');
SELECT '@example.nl'::dcpf.email;
SELECT (repeat('a', 65) || '@example.nl')::dcpf.email;
SELECT 'jan,piet@example.nl'::dcpf.email;
SELECT '.jan@example.nl'::dcpf.email;
SELECT 'jan.@example.nl'::dcpf.email;
SELECT 'jan..piet@example.nl'::dcpf.email;
SELECT 'jan@'::dcpf.email;
SELECT 'jan@[192.0.2.1]'::dcpf.email;
SELECT 'jan@exa_mple.nl'::dcpf.email;
SELECT 'jan@.example.nl'::dcpf.email;
SELECT 'jan@example.nl.'::dcpf.email;
SELECT 'jan@example..nl'::dcpf.email;
SELECT ('jan@' || repeat('x', 64) || '.nl')::dcpf.email;
SELECT 'jan@example-.nl'::dcpf.email;
SELECT 'jan@localhost'::dcpf.email;
SELECT 'jan@example.n'::dcpf.email;
SELECT 'jan@192.0.2.1'::dcpf.email;
-- normalize raises like the type
SELECT dcpf.email_normalize('jan@example');

---------------------------------------------------------------------------
-- binary input validates like text input (COPY ... FORMAT binary)
---------------------------------------------------------------------------
CREATE TEMP TABLE binary_source (big text, iban text, email text);
CREATE TEMP TABLE binary_target (big dcpf.big_number, iban dcpf.iban, email dcpf.email);
INSERT INTO binary_source VALUES ('89012345601', 'NL91ABNA0417164300', 'jan@example.nl');
\copy binary_source TO '/tmp/dcpf_validators_regress.bin' WITH (FORMAT binary)
\copy binary_target FROM '/tmp/dcpf_validators_regress.bin' WITH (FORMAT binary)
SELECT * FROM binary_target;
\copy binary_target TO '/tmp/dcpf_validators_regress.bin' WITH (FORMAT binary)
TRUNCATE binary_target;
\copy binary_target FROM '/tmp/dcpf_validators_regress.bin' WITH (FORMAT binary)
SELECT * FROM binary_target;
-- the receive functions normalise like the input functions ...
UPDATE binary_source SET big = '8901 2345 601', iban = 'nl91 abna 0417 1643 00', email = ' Jan@Example.NL';
\copy binary_source TO '/tmp/dcpf_validators_regress.bin' WITH (FORMAT binary)
\copy binary_target FROM '/tmp/dcpf_validators_regress.bin' WITH (FORMAT binary)
SELECT * FROM binary_target ORDER BY big;
-- ... and refuse what they refuse
UPDATE binary_source SET big = '79012345601';
\copy binary_source TO '/tmp/dcpf_validators_regress.bin' WITH (FORMAT binary)
\copy binary_target FROM '/tmp/dcpf_validators_regress.bin' WITH (FORMAT binary)
UPDATE binary_source SET big = '89012345601', iban = 'NL91ABNA0417164301';
\copy binary_source TO '/tmp/dcpf_validators_regress.bin' WITH (FORMAT binary)
\copy binary_target FROM '/tmp/dcpf_validators_regress.bin' WITH (FORMAT binary)
UPDATE binary_source SET iban = 'NL91ABNA0417164300', email = 'jan@localhost';
\copy binary_source TO '/tmp/dcpf_validators_regress.bin' WITH (FORMAT binary)
\copy binary_target FROM '/tmp/dcpf_validators_regress.bin' WITH (FORMAT binary)
\! rm -f /tmp/dcpf_validators_regress.bin

---------------------------------------------------------------------------
-- card numbers and BSNs
---------------------------------------------------------------------------
SELECT v, dcpf.contains_card_number(v) AS card, dcpf.contains_bsn(v) AS bsn
  FROM (VALUES ('pay with 4111 1111 1111 1111 please'),
               ('card 5555-5555-5555-4444.'),
               ('amex:378282246310005'),
               ('4111 1111 1111 1112'),              -- Luhn fails
               ('4111  1111 1111 1111'),             -- two spaces: runs of 4 and 12 digits
               ('4111.1111.1111.1111'),              -- dots do not join card digits
               ('94111111111111111'),                -- 17 digits, Luhn fails
               ('order 12345678903 of 2024'),        -- 11 digits: too short for a card
               ('bsn 111222333'),
               ('bsn 123.456.782'),
               ('bsn 123 45 67 82'),
               ('bsn 123456789'),                    -- 11-test fails
               ('1234567820'),                       -- 10 digits: not a BSN
               ('000000000'),
               ('tel 06-12345678'),
               (''),
               ('éééé 4111111111111111 ñ')) t(v);
SELECT v, dcpf.bsn_is_valid(v)
  FROM (VALUES ('111222333'), (' 123456782 '), ('123456789'), ('123.456.782'),
               ('1234567820'), ('000000000'), ('')) t(v);
SELECT * FROM dcpf.find_sensitive_numbers(
    'Ré: kaart 4111-1111-1111-1111, BSN 123.456.782, amex 3782 822463 10005; tel 06 12345678, factuur 2024-000123');
SELECT * FROM dcpf.find_sensitive_numbers('nothing here 1234 5678');
SELECT dcpf.assert_no_card_number(NULL), dcpf.assert_no_card_number('invoice 2024-000123'),
       dcpf.assert_no_card_number('BSN 111222333 is no card', 'note');
SELECT dcpf.assert_no_card_number('card 5555 5555 5555 4444');
SELECT dcpf.assert_no_card_number('ééé 378282246310005', 'billing text');
SELECT 'paid by card, Visa, ING'::dcpf.billing_text AS allowed;
SELECT 'paid by card 4111111111111111'::dcpf.billing_text;

-- predicates never raise, also on long and multibyte input
SELECT dcpf.big_is_valid(repeat('9', 1000000)) AS big,
       dcpf.iban_is_valid(repeat('NL', 500000)) AS iban,
       dcpf.email_is_valid(repeat('é@', 500000)) AS email,
       dcpf.contains_card_number(repeat('1-', 500000)) AS card,
       dcpf.contains_bsn(repeat('ü1.', 300000)) AS bsn,
       dcpf.bsn_is_valid(repeat(' ', 100000)) AS bsn_whole;
SELECT dcpf.contains_card_number(repeat('€ ', 100000) || '4111 1111 1111 1111') AS card_at_end,
       (SELECT start_position FROM dcpf.find_sensitive_numbers(repeat('€ ', 100000) || '4111 1111 1111 1111')) AS position;

---------------------------------------------------------------------------
-- Dutch names
---------------------------------------------------------------------------
SELECT u AS name_use, s AS style,
       dcpf.display_name('Jan Willem', NULL, 'van den', 'Berg', 'de', 'Vries', u, s) AS with_given_names,
       dcpf.display_name(NULL, NULL, 'van den', 'Berg', 'de', 'Vries', u, s) AS without_given_names
  FROM unnest(ARRAY['E', 'P', 'V', 'N']) WITH ORDINALITY AS uses(u, i),
       unnest(ARRAY['initials', 'full', 'sorted']) WITH ORDINALITY AS styles(s, j)
 ORDER BY j, i;
-- without a partner surname, P, V and N fall back to the own name
SELECT u AS name_use, dcpf.display_name('Jan', NULL, 'van den', 'Berg', name_use => u) AS initials,
       dcpf.display_name('Jan', NULL, 'van den', 'Berg', 'de', NULL, u, 'sorted') AS sorted
  FROM unnest(ARRAY['E', 'P', 'V', 'N']) u;
-- initials: typed ones are normalised, missing ones derived from given names
SELECT given, initials,
       dcpf.display_name(given, initials, NULL, 'Jansen') AS display,
       dcpf.display_name(given, initials, NULL, 'Jansen', style => 'full') AS full_name
  FROM (VALUES ('Jan Willem', NULL), ('Jan-Willem', NULL), ('Émile Åsa', NULL),
               (NULL, 'JW'), (NULL, 'j.w'), (NULL, 'J. W.'), (NULL, 'th. j.'),
               ('Theodorus Johannes', 'Th.J.'), ('  Jan   Willem ', '  '), (NULL, NULL)) t(given, initials);
-- whitespace is collapsed; empty parts are skipped; no surname gives NULL
SELECT dcpf.display_name(' Jan ', NULL, E' van\t den ', E' Berg\n', '', ' ', 'N') AS collapsed,
       dcpf.display_name('Jan', NULL, 'van', NULL) IS NULL AS no_surname,
       dcpf.display_name('Jan', NULL, 'van', '  ') IS NULL AS empty_surname,
       dcpf.display_name(NULL, NULL, NULL, 'Berg', style => 'sorted') AS surname_only,
       dcpf.display_name('Jan', NULL, NULL, 'Berg', name_use => NULL, style => NULL) AS null_means_default,
       dcpf.display_name('Jan', NULL, NULL, 'Berg', 'de', 'Vries', 'v', 'SORTED') AS any_case;
SELECT dcpf.display_name('Jan', NULL, NULL, 'Berg', style => 'formal');
SELECT dcpf.display_name('Jan', NULL, NULL, 'Berg', name_use => 'X');
SELECT dcpf.display_name('Jan', NULL, NULL, NULL, name_use => '');
-- sort keys file a name under the surname without tussenvoegsel
SELECT dcpf.display_name(given, NULL, tv, surname, style => 'sorted') AS filed_as,
       replace(dcpf.name_sort_key(surname, tv, given), E'\x01', '|') AS sort_key
  FROM (VALUES ('Jan', 'van den', 'Berg'), ('Piet', NULL, 'Bergen'), ('Anna', 'de', 'Vries'),
               ('Kees', NULL, 'Aalbers'), ('Els', 'van', 'Aalst'), ('Bas', NULL, 'Berg'),
               ('Ria', 'ter', 'Berg'), ('Zoë', NULL, 'Zola')) t(given, tv, surname)
 ORDER BY dcpf.name_sort_key(surname, tv, given) COLLATE "C";
SELECT replace(dcpf.name_sort_key('  Van  Dijk ', ' Van ', NULL, 'jw'), E'\x01', '|') AS from_initials,
       replace(dcpf.name_sort_key('Dijk', NULL), E'\x01', '|') AS surname_only,
       dcpf.name_sort_key(NULL, 'van', 'Jan') IS NULL AS no_surname;
