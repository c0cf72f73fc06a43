-- Comments (sql/172_comment.sql): whoever holds comment or assess on an item
-- through a share comments on it, and so does its owner (replying), while
-- it is not locked; the text is the owner's data (encrypted under their
-- key) and scanned for patient numbers (refused, or the comment and item
-- flagged); a comment never changes, its author may withdraw it. Readers of
-- the item read the comments only through dcpf.shared_comments, which
-- checks the share at query time and logs every read. Attacks: a read-only
-- sharer, another person, another licensee, an expired or revoked share,
-- the table written directly, a locked item, someone else's withdrawal.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS dcpf CASCADE;
CREATE EXTENSION dcpf;
DROP ROLE IF EXISTS dcpf_test_cm_backend;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET timezone = 'UTC';

\i test/sql/include/two_licensees.sql
-- comments get their ids from the server: the tests name them (pg_temp.named)
\i test/sql/include/refused.sql
-- 101 the professional (in A and B; B flags patient numbers); 102 a
-- supervisor in A (comment on f001, assess on f003, comment on f002 of B);
-- 103 a colleague who may read f001; 104 a supervisor in B, nothing shared;
-- 105 whose share expired; 106 a supervisor who comments and is then erased
\i test/sql/include/sharers.sql
CREATE ROLE dcpf_test_cm_backend NOLOGIN IN ROLE dcpf_service;
CREATE FUNCTION pg_temp.comment(item text, name text, body text) RETURNS boolean LANGUAGE sql AS $$
    INSERT INTO pg_temp.named SELECT dcpf.comment_item(('00000000-0000-4000-8000-00000000' || item)::uuid, body), name
    RETURNING id IS NOT NULL $$;
CREATE FUNCTION pg_temp.cmt(name text) RETURNS uuid LANGUAGE sql STABLE RETURN (SELECT n.id FROM pg_temp.named n WHERE n.name = cmt.name);
-- the comments on an item as a reader sees them: name, author, text
CREATE FUNCTION pg_temp.thread(item text) RETURNS TABLE (comment text, author text, body text, withdrawn boolean, flagged boolean, permission text)
    LANGUAGE sql AS $$
    SELECT (SELECT n.name FROM pg_temp.named n WHERE n.id = c.id), right(c.author_id::text, 3), c.body, c.withdrawn_at IS NOT NULL,
           c.possibly_patient_data, c.permission
      FROM dcpf.shared_comments(('00000000-0000-4000-8000-00000000' || item)::uuid) c $$;
GRANT EXECUTE ON FUNCTION pg_temp.comment(text, text, text), pg_temp.cmt(text), pg_temp.thread(text) TO PUBLIC;
SET ROLE dcpf_test_cm_backend;

-- the professional's items (two in A, one in B) and shares
SELECT pg_temp.as_person('101', 'a001', 'professional');
INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, item_type, title) VALUES
    ('00000000-0000-4000-8000-00000000f001', '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000e101', 'reflection', 'Reflectie nachtdienst'),
    ('00000000-0000-4000-8000-00000000f003', '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000e101', 'other_activity', 'Scholing beademing');
SELECT pg_temp.as_person('101', 'a002', 'professional');
INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, item_type, title) VALUES
    ('00000000-0000-4000-8000-00000000f002', '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000e102', 'reflection', 'Casus West');
INSERT INTO dcpf.share (id, owner_id, scope, item_id, grantee_person_id, permission, valid_from, valid_until) VALUES
    ('00000000-0000-4000-8000-00000000d001', '00000000-0000-4000-8000-000000000101', 'item', '00000000-0000-4000-8000-00000000f001',
     '00000000-0000-4000-8000-000000000102', 'comment', now(), NULL),
    ('00000000-0000-4000-8000-00000000d002', '00000000-0000-4000-8000-000000000101', 'item', '00000000-0000-4000-8000-00000000f001',
     '00000000-0000-4000-8000-000000000103', 'read', now(), NULL),
    ('00000000-0000-4000-8000-00000000d003', '00000000-0000-4000-8000-000000000101', 'portfolio', NULL,
     '00000000-0000-4000-8000-000000000105', 'comment', now() - interval '2 days', now() - interval '1 day'),
    ('00000000-0000-4000-8000-00000000d004', '00000000-0000-4000-8000-000000000101', 'item', '00000000-0000-4000-8000-00000000f003',
     '00000000-0000-4000-8000-000000000102', 'assess', now(), NULL),
    ('00000000-0000-4000-8000-00000000d005', '00000000-0000-4000-8000-000000000101', 'item', '00000000-0000-4000-8000-00000000f002',
     '00000000-0000-4000-8000-000000000102', 'comment', now(), NULL),
    ('00000000-0000-4000-8000-00000000d006', '00000000-0000-4000-8000-000000000101', 'item', '00000000-0000-4000-8000-00000000f001',
     '00000000-0000-4000-8000-000000000106', 'comment', now(), NULL);

-- ---------------------------------------------------------------------------
-- A supervisor with comment comments; the owner replies; both read the thread
-- ---------------------------------------------------------------------------
SELECT pg_temp.as_person('102', 'a001', 'supervisor');
SELECT pg_temp.comment('f001', 'vraag', 'Wat zou je de volgende keer anders doen bij de overdracht?');
SELECT * FROM pg_temp.thread('f001');
SELECT count(*) AS in_table FROM dcpf.item_comment;     -- the table is the owner's
SELECT pg_temp.as_person('101', 'a001', 'professional');
SELECT pg_temp.comment('f001', 'antwoord', 'Eerder SBAR gebruiken en de arts direct betrekken.');
SELECT (SELECT n.name FROM named n WHERE n.id = c.id) AS comment, right(author_id::text, 3) AS author, body,
       right(owner_id::text, 3) AS owner, possibly_patient_data, withdrawn_at IS NOT NULL AS withdrawn
  FROM dcpf.item_comment_decrypted c ORDER BY created_at, id;
-- stored only encrypted, under the owner's key
SELECT count(*) AS plaintext_in_ciphertext FROM dcpf.item_comment WHERE position(convert_to('SBAR', 'UTF8') IN body_encrypted) > 0;
-- (the owner reads them directly, not as a sharer)
SELECT pg_temp.refused($$SELECT * FROM dcpf.shared_comments('00000000-0000-4000-8000-00000000f001')$$) AS owner_through_shared_comments;

-- a reader (read only) reads the thread but may not comment
SELECT pg_temp.as_person('103', 'a001', 'professional');
SELECT * FROM pg_temp.thread('f001');
SELECT what, pg_temp.refused(statement) FROM (VALUES
    ('comment with read only', $$SELECT dcpf.comment_item('00000000-0000-4000-8000-00000000f001', 'Mooi verslag!')$$),
    ('comment on an item not shared', $$SELECT dcpf.comment_item('00000000-0000-4000-8000-00000000f003', 'Mooi verslag!')$$),
    ('read an item not shared', $$SELECT * FROM dcpf.shared_comments('00000000-0000-4000-8000-00000000f003')$$),
    ('withdraw someone else''s comment', $$SELECT dcpf.withdraw_comment(pg_temp.cmt('vraag'))$$),
    -- the table directly: the application holds no privilege to write it
    ('INSERT directly', $$INSERT INTO dcpf.item_comment (item_id, owner_id, author_id, body_encrypted)
                          SELECT '00000000-0000-4000-8000-00000000f001', '00000000-0000-4000-8000-000000000101', dcpf.current_person(), '\x00'$$),
    ('UPDATE directly', $$UPDATE dcpf.item_comment SET withdrawn_at = now(), body_encrypted = NULL$$),
    ('DELETE directly', $$DELETE FROM dcpf.item_comment$$)
) t(what, statement);
-- another licensee's supervisor, a share that expired: nothing, as for no item at all
SELECT who, what, pg_temp.refused_as(person, licensee, role, statement)
  FROM (VALUES ('another licensee', '104', 'a002', 'supervisor'), ('an expired share', '105', 'a001', 'supervisor')) p(who, person, licensee, role)
 CROSS JOIN (VALUES ('comment', $$SELECT dcpf.comment_item('00000000-0000-4000-8000-00000000f001', 'Ook een mening.')$$),
                    ('read', $$SELECT * FROM dcpf.shared_comments('00000000-0000-4000-8000-00000000f001')$$),
                    ('comment on no item', $$SELECT dcpf.comment_item('00000000-0000-4000-8000-00000000f009', 'Ook een mening.')$$),
                    ('read no item', $$SELECT * FROM dcpf.shared_comments('00000000-0000-4000-8000-00000000f009')$$)) t(what, statement)
 ORDER BY person, what;

-- the text: 1 to 4000 characters, no patient numbers in A (which refuses)
SELECT pg_temp.as_person('102', 'a001', 'supervisor');
SELECT what, pg_temp.refused(statement) FROM (VALUES
    ('no text', $$SELECT dcpf.comment_item('00000000-0000-4000-8000-00000000f001', NULL)$$),
    ('white space', $$SELECT dcpf.comment_item('00000000-0000-4000-8000-00000000f001', E' \n ')$$),
    ('4001 characters', $$SELECT dcpf.comment_item('00000000-0000-4000-8000-00000000f001', repeat('x', 4001))$$),
    ('a BSN', $$SELECT dcpf.comment_item('00000000-0000-4000-8000-00000000f001', 'Gaat dit over patiënt 111 222 333?')$$),
    ('a card number', $$SELECT dcpf.comment_item('00000000-0000-4000-8000-00000000f001', 'Betaald met 4111-1111-1111-1111')$$)
) t(what, statement);
SELECT pg_temp.comment('f001', 'lang', repeat('x', 4000));
SELECT count(*) AS comments_on_f001 FROM pg_temp.thread('f001');

-- ---------------------------------------------------------------------------
-- In an item of B, which flags: the comment and the item are marked; the
-- item stays marked until the comment is withdrawn
-- ---------------------------------------------------------------------------
SELECT pg_temp.comment('f002', 'casus', 'Is dit patiënt 111222333 van zaal 4?');
SELECT * FROM pg_temp.thread('f002');
SELECT pg_temp.as_person('101', 'a002', 'professional');
UPDATE dcpf.portfolio_item SET title = 'Casus West (herzien)' WHERE id = '00000000-0000-4000-8000-00000000f002'
RETURNING title, possibly_patient_data;
SELECT pg_temp.as_person('102', 'a001', 'supervisor');
SELECT dcpf.withdraw_comment(pg_temp.cmt('casus')) IS NOT NULL AS withdrawn;
SELECT * FROM pg_temp.thread('f002');
SELECT pg_temp.as_person('101', 'a002', 'professional');
UPDATE dcpf.portfolio_item SET title = 'Casus West' WHERE id = '00000000-0000-4000-8000-00000000f002'
RETURNING title, possibly_patient_data;
SELECT (SELECT n.name FROM named n WHERE n.id = c.id) AS comment, body, body_encrypted IS NULL AS body_removed, c.possibly_patient_data
  FROM dcpf.item_comment_decrypted c JOIN dcpf.item_comment x USING (id) WHERE c.item_id = '00000000-0000-4000-8000-00000000f002';

-- ---------------------------------------------------------------------------
-- Withdrawn by its author alone, once; a comment never changes
-- ---------------------------------------------------------------------------
SELECT pg_temp.as_person('101', 'a001', 'professional');
SELECT what, pg_temp.refused(statement) FROM (VALUES
    ('the owner withdraws the supervisor''s comment', $$SELECT dcpf.withdraw_comment(pg_temp.cmt('vraag'))$$),
    ('the owner changes it directly', $$UPDATE dcpf.item_comment SET body_encrypted = NULL, withdrawn_at = now() WHERE id = pg_temp.cmt('vraag')$$),
    ('withdraw no comment', $$SELECT dcpf.withdraw_comment('00000000-0000-4000-8000-00000000f009')$$)
) t(what, statement);
SELECT pg_temp.as_person('102', 'a001', 'supervisor');
SELECT dcpf.withdraw_comment(pg_temp.cmt('lang')) IS NOT NULL AS withdrawn;
SELECT dcpf.withdraw_comment(pg_temp.cmt('lang')) = (SELECT withdrawn_at FROM dcpf.shared_comments('00000000-0000-4000-8000-00000000f001')
                                                       WHERE id = pg_temp.cmt('lang')) AS again_the_same;
SELECT * FROM pg_temp.thread('f001');
SELECT dcpf.clear_identity();
RESET ROLE;
-- for the owner of the extension too: no change, no deletion, no comment without an identity
SELECT what, pg_temp.refused(statement) FROM (VALUES
    ('change the text', $$UPDATE dcpf.item_comment SET body_encrypted = (SELECT body_encrypted FROM dcpf.item_comment WHERE id = pg_temp.cmt('antwoord'))
                          WHERE id = pg_temp.cmt('vraag')$$),
    ('change the author', $$UPDATE dcpf.item_comment SET author_id = '00000000-0000-4000-8000-000000000103' WHERE id = pg_temp.cmt('vraag')$$),
    ('unwithdraw', $$UPDATE dcpf.item_comment SET withdrawn_at = NULL WHERE id = pg_temp.cmt('lang')$$),
    ('withdraw for the author', $$UPDATE dcpf.item_comment SET withdrawn_at = now(), body_encrypted = NULL WHERE id = pg_temp.cmt('vraag')$$),
    ('delete', $$DELETE FROM dcpf.item_comment WHERE id = pg_temp.cmt('vraag')$$),
    ('comment without an identity',
     $$INSERT INTO dcpf.item_comment (id, item_id, owner_id, body_encrypted)
       SELECT n, '00000000-0000-4000-8000-00000000f001', '00000000-0000-4000-8000-000000000101',
              dcpf.encrypt('Namens niemand.', 'item_comment', 'body', n, '00000000-0000-4000-8000-000000000101') FROM gen_random_uuid() n$$)
) t(what, statement);
SET ROLE dcpf_test_cm_backend;

-- ---------------------------------------------------------------------------
-- A locked item takes no more comments (its standing ones can be withdrawn);
-- a revoked share stops commenting and reading at once
-- ---------------------------------------------------------------------------
SELECT pg_temp.as_person('102', 'a001', 'supervisor');
SELECT pg_temp.comment('f003', 'scholing', 'Goed dat je deze scholing hebt gevolgd.');
SELECT pg_temp.as_person('101', 'a001', 'professional');
SELECT dcpf.submit_item('00000000-0000-4000-8000-00000000f003') IS NOT NULL AS submitted;
SELECT pg_temp.as_person('102', 'a001', 'supervisor');
SELECT pg_temp.comment('f003', 'ingediend', 'Ik teken hem af.');
SELECT dcpf.sign_item('00000000-0000-4000-8000-00000000f003') IS NOT NULL AS signed;
SELECT pg_temp.as_person('101', 'a001', 'professional');
SELECT pg_temp.comment('f003', 'dank', 'Dank je.');
SELECT dcpf.lock_item('00000000-0000-4000-8000-00000000f003') IS NOT NULL AS locked;
SELECT what, pg_temp.refused(statement) FROM (VALUES
    ('the owner comments on a locked item', $$SELECT dcpf.comment_item('00000000-0000-4000-8000-00000000f003', 'Nog iets.')$$)
) t(what, statement);
SELECT pg_temp.as_person('102', 'a001', 'supervisor');
SELECT what, pg_temp.refused(statement) FROM (VALUES
    ('the assessor comments on a locked item', $$SELECT dcpf.comment_item('00000000-0000-4000-8000-00000000f003', 'Nog iets.')$$)
) t(what, statement);
SELECT dcpf.withdraw_comment(pg_temp.cmt('ingediend')) IS NOT NULL AS withdrawn_from_locked_item;
SELECT * FROM pg_temp.thread('f003');
SELECT pg_temp.comment('f001', 'laatste', 'Nog een laatste vraag.');
SELECT pg_temp.as_person('101', 'a001', 'professional');
SELECT dcpf.revoke_share('00000000-0000-4000-8000-00000000d001') IS NOT NULL AS revoked;
SELECT pg_temp.as_person('102', 'a001', 'supervisor');
SELECT what, pg_temp.refused(statement) FROM (VALUES
    ('comment after the revocation', $$SELECT dcpf.comment_item('00000000-0000-4000-8000-00000000f001', 'Nog eentje.')$$),
    ('read after the revocation', $$SELECT * FROM dcpf.shared_comments('00000000-0000-4000-8000-00000000f001')$$)
) t(what, statement);
-- their own words they may still take back
SELECT dcpf.withdraw_comment(pg_temp.cmt('laatste')) IS NOT NULL AS withdrawn_after_revocation;
SELECT pg_temp.as_person('106', 'a001', 'supervisor');
SELECT pg_temp.comment('f001', 'vertrokken', 'Succes met de opleiding!');
SELECT dcpf.clear_identity();
RESET ROLE;

-- the erasure of an author leaves the owner's comment, without its author;
-- the erasure of an item takes its comments with it
DELETE FROM dcpf.person WHERE id = '00000000-0000-4000-8000-000000000106';
SELECT (SELECT n.name FROM named n WHERE n.id = c.id) AS comment, author_id IS NULL AS author_erased, body_encrypted IS NOT NULL AS standing
  FROM dcpf.item_comment c WHERE id = pg_temp.cmt('vertrokken');
DELETE FROM dcpf.portfolio_item WHERE id = '00000000-0000-4000-8000-00000000f002';
SELECT count(*) AS comments_of_erased_item FROM dcpf.item_comment WHERE item_id = '00000000-0000-4000-8000-00000000f002';

-- the trail: every comment a write with the owner as subject; every read of
-- a non-owner logged, refused attempts too
SELECT dcpf.audit_queue_drain() AS drained;
SELECT action, right(actor_person::text, 3) AS actor, right(subject_person::text, 3) AS subject, count(*)
  FROM dcpf.audit_event WHERE object_table = 'item_comment' AND action <> 'read'
 GROUP BY 1, 2, 3 ORDER BY 1, 2;
SELECT action, outcome, right(actor_person::text, 3) AS reader, object_table,
       coalesce((SELECT n.name FROM named n WHERE n.id::text = e.object_key), right(e.object_key, 4)) AS object,
       right(subject_person::text, 3) AS owner, detail, count(*)
  FROM dcpf.audit_event e
 WHERE action = 'read' AND object_table IN ('item_comment', 'portfolio_item') AND actor_person <> subject_person
 GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 3, 4, 5, 2;

SET client_min_messages = warning;
DROP EXTENSION dcpf CASCADE;
DROP ROLE dcpf_test_cm_backend;
