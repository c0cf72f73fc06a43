-- bench/load/share.sql: a share's life, four transactions: a trainee
-- shares one of their reflections with a colleague (another trainee of
-- the licensee); the colleague reads it (a logged read); the owner
-- revokes the share; the colleague's next read is refused (P0002, an
-- expected refusal, logged as denied). Each client uses a reflection of
-- its own (items 2 and 7 of every ten), so that no two clients share the
-- same item with the same colleague at once.
\set l random(1, :licensees)
\set j random(0, :per_licensee / 20 - 1)
\set k 20 * :j + random(3, 19)
\set p :l + :licensees * :k
\set q :l + :licensees * (20 * :j + 3 + (:k % 20 - 2) % 17)
\set n 10 * ((:client_id / 2) % (:per_person / 10)) + 2 + 5 * (:client_id % 2)
BEGIN;
SELECT dcpf.act_as(bench.person_uuid(:p), bench.licensee_uuid(:l), 'medical_trainee', 'load: share', false);
INSERT INTO dcpf.share (owner_id, scope, item_id, grantee_person_id, permission, valid_until)
VALUES (bench.person_uuid(:p), 'item', bench.item_uuid(:p, :n, :persons), bench.person_uuid(:q), 'read', now() + interval '30 days')
RETURNING id AS share \gset
COMMIT;
BEGIN;
SELECT dcpf.act_as(bench.person_uuid(:q), bench.licensee_uuid(:l), 'medical_trainee', 'load: shared read', false);
SELECT title, body, permission FROM dcpf.shared_item(bench.item_uuid(:p, :n, :persons));
COMMIT;
BEGIN;
SELECT dcpf.act_as(bench.person_uuid(:p), bench.licensee_uuid(:l), 'medical_trainee', 'load: revoke', false);
SELECT dcpf.revoke_share(:share);
COMMIT;
BEGIN;
SELECT dcpf.act_as(bench.person_uuid(:q), bench.licensee_uuid(:l), 'medical_trainee', 'load: read after revoke', false);
SELECT bench.refused_read(bench.item_uuid(:p, :n, :persons));
COMMIT;
