-- bench/load/write.sql: a trainee writes a reflection: a new draft with
-- its body encrypted, an edit of title and body, and (every other time)
-- submitting it, in one transaction of the application acting as them.
\set l random(1, :licensees)
\set k 20 * random(0, :per_licensee / 20 - 1) + random(3, 19)
\set p :l + :licensees * :k
\set g 2 * (:l - 1) + 1 + :k % 2
\set submit random(0, 1)
BEGIN;
SELECT dcpf.act_as(bench.person_uuid(:p), bench.licensee_uuid(:l), 'medical_trainee', 'load: write', false);
WITH n AS (SELECT gen_random_uuid() AS id)
INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, programme_id, item_type, title, body_encrypted, occurred_on)
SELECT n.id, bench.person_uuid(:p), bench.membership_uuid(:p), bench.programme_uuid(:g), 'reflection',
       'Reflectie dienst ' || to_char(now(), 'DD-MM'),
       dcpf.encrypt('Drukke dienst met twee opnames; overdracht volgens SBAR. ', 'portfolio_item', 'body', n.id, bench.person_uuid(:p)),
       current_date
  FROM n
RETURNING id AS item \gset
UPDATE dcpf.portfolio_item
   SET title = 'Reflectie nachtdienst ' || to_char(now(), 'DD-MM'),
       body_encrypted = dcpf.encrypt('Drukke dienst met twee opnames; overdracht volgens SBAR. Leerpunt: eerder hulp vragen.',
                                     'portfolio_item', 'body', id, owner_id)
 WHERE id = :item;
\if :submit
SELECT dcpf.submit_item(:item);
\endif
COMMIT;
