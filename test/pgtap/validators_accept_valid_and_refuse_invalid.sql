-- The validators accept valid values and refuse invalid ones: for each
-- predicate a table of valid and of invalid values; for each type, valid
-- values are accepted in their normalised form and invalid ones raise the
-- expected SQLSTATE and message.
BEGIN;
SELECT plan(586);

SET LOCAL dcpf.big_check_digit = error;
SET LOCAL client_min_messages = error;

-- a value as it appears in a test description: quoted, control characters escaped
CREATE FUNCTION pg_temp.shown(value text) RETURNS text LANGUAGE sql IMMUTABLE
    AS $$ SELECT replace(replace(quote_literal(value), E'\t', '\t'), E'\n', '\n') $$;

---------------------------------------------------------------------------
-- BIG numbers (valid ones computed with the check-digit rule)
---------------------------------------------------------------------------
CREATE TEMP TABLE valid_big (input text, normal text);
INSERT INTO valid_big VALUES
    ('89012345601', '89012345601'), ('8901 2345 601', '89012345601'),
    (' 89012345601 ', '89012345601'), ('59000018159', '59000018159'),
    ('39000016613', '39000016613'), ('19000091390', '19000091390'),
    ('09996030824', '09996030824'), ('0 9 9 9 6 0 3 0 8 2 4', '09996030824'),
    ('89628194821', '89628194821'), ('39993518190', '39993518190'),
    ('19937865797', '19937865797'), ('29543231948', '29543231948'),
    ('19757491186', '19757491186'), ('09252760189', '09252760189'),
    ('59555979711', '59555979711'), ('19471049746', '19471049746'),
    ('89507529170', '89507529170'), ('89342366712', '89342366712');

CREATE TEMP TABLE invalid_big (input text, problem text);
INSERT INTO invalid_big VALUES
    ('79012345601', 'check'), ('88012345601', 'check'), ('59000018158', 'check'),
    ('39000016614', 'check'), ('19000091392', 'check'), ('09996030825', 'check'),
    ('89628194822', 'check'), ('99012345601', 'check'),
    ('8901234560', 'format'), ('890123456011', 'format'), ('', 'format'), ('   ', 'format'),
    ('8901-2345-601', 'format'), ('8901.2345.601', 'format'), ('BIG89012345601', 'format'),
    ('89012345601x', 'format'), ('８9012345601', 'format'), ('O9996030824', 'format'),
    (E'8901\t2345601', 'format');

SELECT ok(dcpf.big_is_valid(input), format('big_is_valid accepts %s', pg_temp.shown(input))) FROM valid_big;
SELECT lives_ok(format('SELECT %L::dcpf.big_number', input), format('big_number accepts %s', pg_temp.shown(input))) FROM valid_big;
SELECT is(input::dcpf.big_number::text, normal, format('big_number stores %s as %s', pg_temp.shown(input), normal)) FROM valid_big;
SELECT ok(NOT dcpf.big_is_valid(input), format('big_is_valid refuses %s', pg_temp.shown(input))) FROM invalid_big;
SELECT throws_ok(format('SELECT %L::dcpf.big_number', input), '22P02',
                 format('invalid BIG number: "%s"', input), format('big_number refuses %s', pg_temp.shown(input)))
  FROM invalid_big;

-- with dcpf.big_check_digit = warning only the format is enforced
SET LOCAL dcpf.big_check_digit = warning;
SELECT lives_ok(format('SELECT %L::dcpf.big_number', input), format('in warning mode big_number accepts %s', pg_temp.shown(input)))
  FROM invalid_big WHERE problem = 'check';
SELECT throws_ok(format('SELECT %L::dcpf.big_number', input), '22P02',
                 format('invalid BIG number: "%s"', input), format('in warning mode big_number still refuses %s', pg_temp.shown(input)))
  FROM invalid_big WHERE problem = 'format';
SELECT ok(NOT dcpf.big_is_valid(input), format('in warning mode big_is_valid still refuses %s', pg_temp.shown(input)))
  FROM invalid_big WHERE problem = 'check';
SET LOCAL dcpf.big_check_digit = error;

---------------------------------------------------------------------------
-- IBANs
---------------------------------------------------------------------------
CREATE TEMP TABLE valid_iban (input text, normal text);
INSERT INTO valid_iban VALUES
    ('NL91ABNA0417164300', 'NL91ABNA0417164300'), ('nl91 abna 0417 1643 00', 'NL91ABNA0417164300'),
    ('DE89370400440532013000', 'DE89370400440532013000'), ('DE89 3704 0044 0532 0130 00', 'DE89370400440532013000'),
    ('GB29NWBK60161331926819', 'GB29NWBK60161331926819'), ('gb29 nwbk 6016 1331 9268 19', 'GB29NWBK60161331926819'),
    ('BE68539007547034', 'BE68539007547034'), ('FR1420041010050500013M02606', 'FR1420041010050500013M02606'),
    ('fr14 2004 1010 0505 0001 3m02 606', 'FR1420041010050500013M02606'),
    ('AT611904300234573201', 'AT611904300234573201'), ('CH9300762011623852957', 'CH9300762011623852957'),
    ('ES9121000418450200051332', 'ES9121000418450200051332'), ('IT60X0542811101000000123456', 'IT60X0542811101000000123456'),
    ('PL61109010140000071219812874', 'PL61109010140000071219812874'), ('NO9386011117947', 'NO9386011117947'),
    ('SE4550000000058398257466', 'SE4550000000058398257466'), ('FI2112345600000785', 'FI2112345600000785'),
    ('DK5000400440116243', 'DK5000400440116243'), ('IE29AIBK93115212345678', 'IE29AIBK93115212345678'),
    ('PT50000201231234567890154', 'PT50000201231234567890154'), ('LU280019400644750000', 'LU280019400644750000'),
    ('MT84MALT011000012345MTLCAST001S', 'MT84MALT011000012345MTLCAST001S'),
    ('LI21088100002324013AA', 'LI21088100002324013AA'), ('IS140159260076545510730339', 'IS140159260076545510730339'),
    ('SM86U0322509800000000270100', 'SM86U0322509800000000270100'), ('VA59001123000012345678', 'VA59001123000012345678'),
    ('MK07250120000058984', 'MK07250120000058984'), ('NL02ABNA0417164350', 'NL02ABNA0417164350');

CREATE TEMP TABLE invalid_iban (input text);
INSERT INTO invalid_iban VALUES
    ('NL91ABNA0417164301'), ('NL91ABNA0417164310'), ('DE89370400440532013001'), ('GB29NWBK60161331926818'),
    ('BE68539007547035'), ('FR1420041010050500013M02607'), ('AT611904300234573202'), ('ES9121000418450200051333'),
    ('NL91ABNA041716430'), ('NL91ABNA04171643000'), ('DE8937040044053201300'), ('BE6853900754703'),
    ('US64SVBKUS6S3300958879'), ('TR330006100519786457841326'), ('XK051212012345678906'),
    ('NL91-ABNA-0417-1643-00'), ('NL91ABNÅ0417164300'), (''), ('NL'), ('91NLABNA0417164300'),
    ('NLABABNA0417164300'), ('NL99ABNA0417164350'), (E'NL91\tABNA0417164300');

SELECT ok(dcpf.iban_is_valid(input), format('iban_is_valid accepts %s', pg_temp.shown(input))) FROM valid_iban;
SELECT lives_ok(format('SELECT %L::dcpf.iban', input), format('iban accepts %s', pg_temp.shown(input))) FROM valid_iban;
SELECT is(input::dcpf.iban::text, normal, format('iban stores %s as %s', pg_temp.shown(input), normal)) FROM valid_iban;
SELECT ok(NOT dcpf.iban_is_valid(input), format('iban_is_valid refuses %s', pg_temp.shown(input))) FROM invalid_iban;
SELECT throws_ok(format('SELECT %L::dcpf.iban', input), '22P02',
                 format('invalid IBAN: "%s"', input), format('iban refuses %s', pg_temp.shown(input)))
  FROM invalid_iban;
SELECT is(dcpf.iban_display('NL91ABNA0417164300'), 'NL91 ABNA 0417 1643 00', 'iban_display groups by four');
SELECT is(dcpf.iban_display('BE68539007547034'), 'BE68 5390 0754 7034', 'iban_display without a short last group');

---------------------------------------------------------------------------
-- e-mail addresses
---------------------------------------------------------------------------
CREATE TEMP TABLE valid_email (input text, normal text);
INSERT INTO valid_email VALUES
    ('jan@example.nl', 'jan@example.nl'), ('Jan.Jansen@Example.COM', 'jan.jansen@example.com'),
    ('  jan@example.nl  ', 'jan@example.nl'), (E'\tjan@example.nl\n', 'jan@example.nl'),
    ('a.b.c@d-e.example.com', 'a.b.c@d-e.example.com'), ('user+tag@example.org', 'user+tag@example.org'),
    ('o''brien@example.ie', 'o''brien@example.ie'), ('x@y.io', 'x@y.io'),
    ('first_last@sub.domain.example.co.uk', 'first_last@sub.domain.example.co.uk'),
    ('1234@123.example.com', '1234@123.example.com'), ('user@xn--bcher-kva.example', 'user@xn--bcher-kva.example'),
    ('user@example.xn--p1ai', 'user@example.xn--p1ai'), ('!#$%&*+/=?^_`{|}~-@example.nl', '!#$%&*+/=?^_`{|}~-@example.nl'),
    (repeat('a', 64) || '@example.nl', repeat('a', 64) || '@example.nl'),
    ('jan@' || repeat('b', 63) || '.nl', 'jan@' || repeat('b', 63) || '.nl'),
    ('INFO@UMC-UTRECHT.NL', 'info@umc-utrecht.nl');

CREATE TEMP TABLE invalid_email (input text);
INSERT INTO invalid_email VALUES
    (''), ('   '), ('jan'), ('jan.example.nl'), ('jan@@example.nl'), ('a@b@example.nl'), ('"jan"@example.nl'),
    ('.jan@example.nl'), ('jan.@example.nl'), ('jan..jansen@example.nl'), ('jan jansen@example.nl'),
    ('jan,jansen@example.nl'), ('@example.nl'), ('jan@'), ('jan@localhost'), ('jan@example'), ('jan@example.n'),
    ('jan@example.123'), ('jan@192.0.2.1'), ('jan@[192.0.2.1]'), ('jan@exa_mple.nl'), ('jan@-example.nl'),
    ('jan@example-.nl'), ('jan@.example.nl'), ('jan@example.nl.'), ('jan@example..nl'), ('jan@exämple.nl'),
    ('jän@example.nl'), (repeat('a', 65) || '@example.nl'), ('jan@' || repeat('b', 64) || '.nl'),
    (repeat('a', 64) || '@' || repeat('b', 63) || '.' || repeat('c', 63) || '.' || repeat('d', 63) || '.nl');

SELECT ok(dcpf.email_is_valid(input), format('email_is_valid accepts %s', pg_temp.shown(input))) FROM valid_email;
SELECT lives_ok(format('SELECT %L::dcpf.email', input), format('email accepts %s', pg_temp.shown(input))) FROM valid_email;
SELECT is(input::dcpf.email::text, normal, format('email stores %s as %s', pg_temp.shown(input), normal)) FROM valid_email;
SELECT is(dcpf.email_normalize(input), normal, format('email_normalize(%s) is %s', pg_temp.shown(input), normal)) FROM valid_email;
SELECT ok(NOT dcpf.email_is_valid(input), format('email_is_valid refuses %s', pg_temp.shown(input))) FROM invalid_email;
SELECT throws_ok(format('SELECT %L::dcpf.email', input), '22P02',
                 format('invalid e-mail address: "%s"', input), format('email refuses %s', pg_temp.shown(input)))
  FROM invalid_email;
SELECT throws_ok(format('SELECT dcpf.email_normalize(%L)', input), '22P02', NULL,
                 format('email_normalize refuses %s', pg_temp.shown(input)))
  FROM invalid_email;

---------------------------------------------------------------------------
-- payment card numbers in text
---------------------------------------------------------------------------
CREATE TEMP TABLE with_card (input text);
INSERT INTO with_card VALUES
    ('4111111111111111'), ('Visa 4111 1111 1111 1111.'), ('MC: 5555-5555-5555-4444'), ('amex 3782 822463 10005'),
    ('378282246310005'), ('6011111111111117'), ('4012888888881881'), ('5105105105105100'), ('3530111333300000'),
    ('30569309025904'), ('4222222222222'), ('6011 0009 9013 9424'), ('371449635398431'), ('4000056655665556'),
    ('x5200828282828210y'), ('2223003122003222'), ('4242424242424242'), ('paid with 4111-1111-1111-1111, thanks'),
    ('4111 1111 1111 1111-'), ('ré: 5555 5555 5555 4444 €');

CREATE TEMP TABLE without_card (input text);
INSERT INTO without_card VALUES
    ('4111111111111112'), ('4111 1111 1111 111'), ('+31 6 12345678'), ('tel 020-1234567'), ('invoice 2024-000123'),
    ('4111.1111.1111.1111'), ('4111  1111  1111  1111'), ('12345678903'), ('NL91ABNA0417164300'),
    ('BSN 111222333'), ('date 2024-01-31'), (''), ('no digits at all'), ('4111-1111-1111-1112'),
    ('1234 5678 9012 3456'), ('4111 1111 1111 1111 0'), ('4111--1111--1111--1111'), ('41111111111111111111'),
    ('94111111111111111'), ('４111111111111111');

SELECT ok(dcpf.contains_card_number(input), format('contains_card_number finds the card in %s', pg_temp.shown(input))) FROM with_card;
SELECT throws_ok(format('SELECT dcpf.assert_no_card_number(%L, %L)', input, 'note'), '23514',
                 'note must not contain a payment card number', format('assert_no_card_number refuses %s', pg_temp.shown(input)))
  FROM with_card;
SELECT ok(NOT dcpf.contains_card_number(input), format('contains_card_number finds no card in %s', pg_temp.shown(input))) FROM without_card;
SELECT ok(dcpf.assert_no_card_number(input), format('assert_no_card_number passes %s', pg_temp.shown(input))) FROM without_card;
SELECT ok(dcpf.assert_no_card_number(NULL), 'assert_no_card_number passes NULL');
SELECT throws_ok($$SELECT 'card 4111 1111 1111 1111'::dcpf.billing_text$$, '23514',
                 'billing text must not contain a payment card number', 'billing_text refuses a card number');
SELECT lives_ok($$SELECT 'Visa, ING'::dcpf.billing_text$$, 'billing_text accepts card type and bank');

---------------------------------------------------------------------------
-- BSNs
---------------------------------------------------------------------------
CREATE TEMP TABLE valid_bsn (input text);
INSERT INTO valid_bsn VALUES
    ('111222333'), ('123456782'), ('944117715'), ('853194130'), ('886075002'), ('792243298'), ('139762851'),
    ('416178418'), ('225711825'), ('868958372'), ('117639175'), ('718561983'), ('647788354'), ('879678847'),
    (' 123456782 ');

CREATE TEMP TABLE invalid_bsn (input text);
INSERT INTO invalid_bsn VALUES
    ('123456789'), ('1234567820'), ('000000000'), ('12345678'), ('1111222333'), ('0111222333'), ('111222334'),
    ('123.456.782'), ('111 222 333'), ('1112223331'), (''), ('geen nummer'), ('11122233'), ('BSN 111222333'),
    ('１11222333');

CREATE TEMP TABLE text_with_bsn (input text);
INSERT INTO text_with_bsn VALUES
    ('111222333'), ('BSN: 123.456.782'), ('bsn 123 45 67 82'), ('patient 111-222-333 ok'), ('(944117715)'),
    ('bsn=853194130;'), ('ré 886.075.002 €');

CREATE TEMP TABLE text_without_bsn (input text);
INSERT INTO text_without_bsn VALUES
    ('123456789'), ('1234567820'), ('000000000'), ('1111222333'), ('0111222333'), ('123.456.789'),
    ('111 222 3330'), ('1234 56782 1'), (''), ('111..222.333'), ('tel 06-12345678'), ('NL91ABNA0417164300');

SELECT ok(dcpf.bsn_is_valid(input), format('bsn_is_valid accepts %s', pg_temp.shown(input))) FROM valid_bsn;
SELECT ok(NOT dcpf.bsn_is_valid(input), format('bsn_is_valid refuses %s', pg_temp.shown(input))) FROM invalid_bsn;
SELECT ok(dcpf.contains_bsn(input), format('contains_bsn finds the BSN in %s', pg_temp.shown(input))) FROM text_with_bsn;
SELECT ok(NOT dcpf.contains_bsn(input), format('contains_bsn finds no BSN in %s', pg_temp.shown(input))) FROM text_without_bsn;

-- find_sensitive_numbers reports what the predicates find
SELECT ok(EXISTS (SELECT FROM dcpf.find_sensitive_numbers(input) WHERE kind = 'card_number'),
          format('find_sensitive_numbers reports the card in %s', pg_temp.shown(input))) FROM with_card;
SELECT ok(EXISTS (SELECT FROM dcpf.find_sensitive_numbers(input) WHERE kind = 'bsn'),
          format('find_sensitive_numbers reports the BSN in %s', pg_temp.shown(input))) FROM text_with_bsn;
SELECT is_empty(format('SELECT * FROM dcpf.find_sensitive_numbers(%L)', input),
                format('find_sensitive_numbers reports nothing in %s', pg_temp.shown(input)))
  FROM without_card WHERE NOT dcpf.contains_bsn(input);

SELECT * FROM finish();
ROLLBACK;
