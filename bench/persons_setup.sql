-- bench/persons_setup.sql: input rows and the plain comparison table for the
-- person-insert benchmark (run by bench/run with -v n=<rows>).
--
-- bench.person_input  unlogged staging table of text columns, generated once,
--                     deterministic: Dutch names (30% with a tussenvoegsel),
--                     unique e-mail addresses (every 10th in upper case, so
--                     normalisation has work to do), a valid BIG number for
--                     60% of the rows, and the precomputed sort key.
-- bench.person_plain  dcpf.person as it would be without dcpf: the same
--                     columns, defaults, NOT NULLs, indexes and foreign keys,
--                     but text where dcpf.person has dcpf.email, the BIG
--                     number in plain text (a text column big_number where
--                     dcpf.person has big_number_encrypted and its blind
--                     index big_number_hmac; the unique index on the blind
--                     index becomes a unique index on the number), a plain
--                     sort_key column instead of the generated one, and no
--                     CHECK constraints or triggers. Built from the catalog,
--                     so it follows dcpf.person when that changes.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

DROP SCHEMA IF EXISTS bench CASCADE;
CREATE SCHEMA bench;

-- A valid BIG number from its nine trailing digits (d2 = 9, d1 the check digit).
CREATE FUNCTION bench.big_number_for(body text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (SELECT CASE c WHEN 11 THEN 0 WHEN 10 THEN 1 ELSE c END::text || '9' || body
          FROM (SELECT 11 - ((9 + 6 * substr(body, 1, 1)::int + 3 * substr(body, 2, 1)::int
                                + 7 * substr(body, 3, 1)::int + 9 * substr(body, 4, 1)::int
                                + 10 * substr(body, 5, 1)::int + 5 * substr(body, 6, 1)::int
                                + 8 * substr(body, 7, 1)::int + 4 * substr(body, 8, 1)::int
                                + 2 * substr(body, 9, 1)::int) % 11) AS c) AS check_digit);

CREATE UNLOGGED TABLE bench.person_input (
    i             integer NOT NULL,
    given_names   text,
    initials      text,
    tussenvoegsel text,
    surname       text NOT NULL,
    email         text NOT NULL,
    big_number    text,
    job_title     text,
    sort_key      text
);

INSERT INTO bench.person_input (i, given_names, initials, tussenvoegsel, surname, email, big_number, job_title)
SELECT i, g.given, g.initials, t.tv, s.surname,
       CASE WHEN i % 10 = 0 THEN upper(e.local) ELSE e.local END || '@' || d.domain,
       CASE WHEN i % 5 < 3 THEN bench.big_number_for(lpad(i::text, 9, '0')) END,
       j.title
  FROM generate_series(1, :n) AS i
 CROSS JOIN LATERAL (SELECT (ARRAY['Jan', 'Pieter', 'Thomas', 'Daan', 'Bram', 'Lucas', 'Sem', 'Ruben', 'Jeroen',
                                   'Maarten', 'Kees', 'Joost', 'Willem Frederik', 'Gerrit-Jan', 'Thijs', 'Niels',
                                   'Sanne', 'Lotte', 'Emma', 'Sophie', 'Julia', 'Femke', 'Anouk', 'Esther',
                                   'Marieke', 'Annelies', 'Chloé', 'Noor', 'Fatima', 'Mirjam', 'Iris', 'Eva',
                                   'Fleur', 'Romy', 'Mila', 'Lisa', 'Hanneke', 'Johanna Gerharda', 'Ingrid', 'Dewi'])
                               [1 + (i * 7) % 40] AS given) g0
 CROSS JOIN LATERAL (SELECT g0.given,
                            (SELECT string_agg(left(part, 1) || '.', '') FROM regexp_split_to_table(g0.given, '[ -]') part)
                                AS initials) g
 CROSS JOIN LATERAL (SELECT (ARRAY['Jansen', 'Berg', 'Vries', 'Jong', 'Bakker', 'Visser', 'Smit', 'Meijer',
                                   'Mulder', 'Bos', 'Vos', 'Peters', 'Hendriks', 'Leeuwen', 'Dekker', 'Brouwer',
                                   'Wit', 'Dijk', 'Kok', 'Groot', 'Meulen', 'Linden', 'Veen', 'Horst', 'Haar',
                                   'Beek', 'Dam', 'Wijk', 'Veld', 'Hof', 'Braak', 'Brinke', 'Wolters', 'Kamphuis',
                                   'Nijhuis', 'Oude Luttikhuis', 'Lammers', 'Wolbers', 'Wessels', 'Kaya',
                                   'Schuurman', 'Heuvelink', 'Nijenhuis', 'Morsink', 'Pattinama', 'Bruggink',
                                   'Leferink', 'Haverkamp', 'El Amrani', 'Hoekstra', 'Veenstra', 'Os', 'Hermans',
                                   'Maas', 'Verbeek', 'Postma', 'Koster', 'Prins', 'Blom', 'Huisman'])
                               [1 + (i * 13) % 60] AS surname) s
 CROSS JOIN LATERAL (SELECT CASE WHEN i % 20 < 6
                                 THEN (ARRAY['van', 'de', 'van der', 'van den', 'ter', 'in ''t'])[1 + (i / 20) % 6]
                            END AS tv) t
 CROSS JOIN LATERAL (SELECT lower(replace(replace(s.surname, ' ', ''), '''', '')) || '.' || i AS local) e
 CROSS JOIN LATERAL (SELECT (ARRAY['umc-oostnederland.nl', 'hogeschooltwente.nl', 'student.hogeschooltwente.nl',
                                   'ziekenhuis-twente.nl'])[1 + i % 4] AS domain) d
 CROSS JOIN LATERAL (SELECT (ARRAY['Aios interne geneeskunde', 'Verpleegkundige', 'Student verpleegkunde',
                                   'Internist', NULL])[1 + i % 5] AS title) j;

-- The plain table's sort key, precomputed here so that it costs nothing at
-- insert time and its index holds exactly the keys dcpf.person's does.
UPDATE bench.person_input SET sort_key = dcpf.name_sort_key(surname, tussenvoegsel, given_names, initials);
ANALYZE bench.person_input;

-- bench.person_plain from the catalog definition of dcpf.person. An
-- encrypted column <x>_encrypted (bytea) becomes <x> text, its blind index
-- <x>_hmac is left out, and an index on <x>_hmac becomes one on <x>.
DO $$
DECLARE
    cols text;
    r record;
BEGIN
    SELECT string_agg(format('%I %s%s%s',
                             CASE WHEN a.attname ~ '_encrypted$' AND a.atttypid = 'bytea'::regtype
                                  THEN regexp_replace(a.attname, '_encrypted$', '') ELSE a.attname END,
                             CASE
                                 WHEN a.attname ~ '_encrypted$' AND a.atttypid = 'bytea'::regtype THEN 'text'
                                 WHEN t.typnamespace = 'dcpf'::regnamespace AND t.typtype = 'b' THEN 'text'
                                 WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod)
                                 ELSE format_type(a.atttypid, a.atttypmod)
                             END,
                             CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END,
                             CASE WHEN a.attgenerated = '' AND d.adbin IS NOT NULL
                                  THEN ' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid) ELSE '' END),
                      ', ' ORDER BY a.attnum)
      INTO cols
      FROM pg_attribute a
      JOIN pg_type t ON t.oid = a.atttypid
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE a.attrelid = 'dcpf.person'::regclass AND a.attnum > 0 AND NOT a.attisdropped
       AND NOT (a.attname ~ '_hmac$' AND EXISTS (
                    SELECT FROM pg_attribute e
                     WHERE e.attrelid = a.attrelid AND NOT e.attisdropped
                       AND e.attname = regexp_replace(a.attname, '_hmac$', '_encrypted')));
    EXECUTE format('CREATE TABLE bench.person_plain (%s)', cols);

    FOR r IN SELECT pg_get_indexdef(i.indexrelid) AS def, c.relname
               FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
              WHERE i.indrelid = 'dcpf.person'::regclass ORDER BY c.relname LOOP
        EXECUTE regexp_replace(regexp_replace(r.def, '^CREATE (UNIQUE )?INDEX \S+ ON dcpf\.person ',
                                              'CREATE \1INDEX plain_' || r.relname || ' ON bench.person_plain '),
                               '(\w+)_hmac\M', '\1', 'g');
    END LOOP;
    FOR r IN SELECT conname, pg_get_constraintdef(oid) AS def
               FROM pg_constraint WHERE conrelid = 'dcpf.person'::regclass AND contype = 'f' ORDER BY conname LOOP
        EXECUTE format('ALTER TABLE bench.person_plain ADD CONSTRAINT %I %s', 'plain_' || r.conname,
                       replace(r.def, 'REFERENCES dcpf.person(', 'REFERENCES bench.person_plain('));
    END LOOP;
END
$$;

CREATE TABLE bench.result (
    target  text NOT NULL,
    round   integer NOT NULL,
    rows    bigint NOT NULL,
    seconds double precision NOT NULL
);
