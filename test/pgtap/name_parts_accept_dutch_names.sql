-- The name-part checks behind dcpf.person's constraints accept real Dutch
-- (and other) names and refuse what is not a name.
BEGIN;
SELECT plan(7);

SELECT is_empty($$
    SELECT v FROM unnest(ARRAY['Jan', 'Jan Willem', 'Hendrik-Jan', 'Berg', 'El Amrani', 'Oude Luttikhuis', 'Yılmaz',
                               'Chloé', 'IJsbrand', 'O''Neill', 'Noor', 'Ölçer', 'X']) v
     WHERE NOT dcpf.name_part_is_valid(v, 'name')$$, 'real given names and surnames are accepted');
SELECT is_empty($$
    SELECT v FROM unnest(ARRAY['', ' Jan', 'Jan ', 'Jan  Willem', 'Jan3', 'jan@example.nl', E'Jan\tWillem ', E'Ja\x01n', repeat('a', 121)]) v
     WHERE dcpf.name_part_is_valid(v, 'name')$$, 'empty, untrimmed, digits, @, control characters, double spaces and over-long names are refused');
SELECT is_empty($$
    SELECT v FROM unnest(ARRAY['van', 'van den', 'van der', 'de', 'in ''t', 'van ''t', 'ter', 'ten', 'von', 'd''', 'a b c d']) v
     WHERE NOT dcpf.name_part_is_valid(v, 'tussenvoegsel')$$, 'tussenvoegsels are accepted');
SELECT is_empty($$
    SELECT v FROM unnest(ARRAY['Van', 'van  den', ' van', 'van ', 'van-den', 'v4n', 'a b c d e', repeat('a', 21), '']) v
     WHERE dcpf.name_part_is_valid(v, 'tussenvoegsel')$$, 'capitals, double or outer spaces, other characters, five words and over-long prefixes are refused');
SELECT is_empty($$
    SELECT v FROM unnest(ARRAY['J.', 'J.W.', 'Th.', 'Chr.', 'IJ.', 'IJ.A.', 'É.', 'A.B.C.D.']) v
     WHERE NOT dcpf.name_part_is_valid(v, 'initials')$$, 'initials are accepted');
SELECT is_empty($$
    SELECT v FROM unnest(ARRAY['J', 'JW', 'j.', 'J.w', 'Thom.', 'J..', '.', 'J. W.', '']) v
     WHERE dcpf.name_part_is_valid(v, 'initials')$$, 'missing dots, lower-case capitals, more than two lower-case letters and spaces are refused');
SELECT is(dcpf.name_part_is_valid('Jan', 'nickname'), false, 'an unknown kind is false');

SELECT * FROM finish();
ROLLBACK;
