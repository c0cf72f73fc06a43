-- Attachments (sql/170_attachment.sql): the owner attaches files to their
-- draft item (fixed once submitted; a locked item never changes), of a media
-- type on the allow-list, whose content starts with the type's magic bytes
-- and stays within its limit; text must be UTF-8 and is scanned for patient
-- numbers; the content is encrypted under the owner's key. Sharers list and
-- read attachments only through functions that check the share at query
-- time, verify the SHA-256 and log every read (refused attempts too).
-- Attacks: another person, another licensee, an expired or revoked share,
-- the table written directly, a forged media type, oversized content, a
-- submitted or locked item, a DBA changing a shipped type in place.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS dcpf CASCADE;
CREATE EXTENSION dcpf;
DROP ROLE IF EXISTS dcpf_test_at_backend;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET timezone = 'UTC';

\i test/sql/include/two_licensees.sql
-- attachments get their ids from the server: the tests name them (pg_temp.named)
\i test/sql/include/refused.sql
-- 101 the professional (in A and B; B flags patient numbers); 102 a
-- supervisor in A (shares come and go); 103 a colleague in A; 104 a
-- supervisor in B; 105 whose share expired
\i test/sql/include/sharers.sql
CREATE ROLE dcpf_test_at_backend NOLOGIN IN ROLE dcpf_service;
CREATE FUNCTION pg_temp.attach(item text, file_name text, media_type text, content bytea) RETURNS uuid LANGUAGE sql AS $$
    INSERT INTO pg_temp.named
    SELECT dcpf.attach_file(('00000000-0000-4000-8000-00000000' || item)::uuid, file_name, media_type, content), file_name
    RETURNING id $$;
CREATE FUNCTION pg_temp.att(name text) RETURNS uuid LANGUAGE sql STABLE RETURN (SELECT n.id FROM pg_temp.named n WHERE n.name = att.name);
GRANT EXECUTE ON FUNCTION pg_temp.attach(text, text, text, bytea), pg_temp.att(text) TO PUBLIC;
SET ROLE dcpf_test_at_backend;

-- the professional's items: two drafts in A, one in B
SELECT pg_temp.as_person('101', 'a001', 'professional');
INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, item_type, title) VALUES
    ('00000000-0000-4000-8000-00000000f001', '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000e101', 'reflection', 'Reflectie MDO'),
    ('00000000-0000-4000-8000-00000000f003', '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000e101', 'other_activity', 'Cursus afgerond');
SELECT pg_temp.as_person('101', 'a002', 'professional');
INSERT INTO dcpf.portfolio_item (id, owner_id, membership_id, item_type, title) VALUES
    ('00000000-0000-4000-8000-00000000f002', '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000e102', 'reflection', 'Casus West');

-- ---------------------------------------------------------------------------
-- The owner attaches; the server sets owner, size and SHA-256
-- ---------------------------------------------------------------------------
SELECT pg_temp.as_person('101', 'a001', 'professional');
SELECT pg_temp.attach('f001', 'verslag.pdf', 'application/pdf', '\x255044462d312e370a25e2e3cfd30a') IS NOT NULL AS attached;
SELECT pg_temp.attach('f001', 'monitor.png', 'image/png', '\x89504e470d0a1a0a0000000d49484452') IS NOT NULL AS attached;
SELECT pg_temp.attach('f001', 'notities.txt', 'Text/Plain', convert_to('MDO rustig verlopen; overdracht volgens SBAR.', 'UTF8')) IS NOT NULL AS attached;
SELECT pg_temp.attach('f001', 'plan.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
                      '\x504b0304140006000800') IS NOT NULL AS attached;
SELECT file_name, media_type, size_bytes, sha256 = sha256(content) AS sha256_of_content, encode(content, 'hex') AS content,
       right(owner_id::text, 3) AS owner, possibly_patient_data
  FROM dcpf.portfolio_attachment_decrypted ORDER BY file_name;
-- stored only encrypted, under the owner's key, bound to the row
SELECT count(*) AS plaintext_in_ciphertext FROM dcpf.portfolio_attachment
 WHERE position(convert_to('SBAR', 'UTF8') IN content_encrypted) > 0 OR position('\x255044462d'::bytea IN content_encrypted) > 0;
SELECT octet_length(content_encrypted) - size_bytes AS overhead, (dcpf.ciphertext_info(content_encrypted)).plaintext_bytes = size_bytes AS sized
  FROM dcpf.portfolio_attachment WHERE file_name = 'verslag.pdf';
-- the allow-list is readable by every identity
SELECT media_type, encode(magic, 'hex') AS magic, text_content, max_bytes FROM dcpf.attachment_media_type ORDER BY media_type;

-- ---------------------------------------------------------------------------
-- Refused, and nothing changes
-- ---------------------------------------------------------------------------
SELECT what, pg_temp.refused(statement) FROM (VALUES
    ('a PNG declared as PDF', $$SELECT dcpf.attach_file('00000000-0000-4000-8000-00000000f001', 'scan.pdf', 'application/pdf', '\x89504e470d0a1a0a0000')$$),
    ('a PDF declared as JPEG', $$SELECT dcpf.attach_file('00000000-0000-4000-8000-00000000f001', 'foto.jpg', 'image/jpeg', '\x255044462d312e37')$$),
    ('a type not on the list', $$SELECT dcpf.attach_file('00000000-0000-4000-8000-00000000f001', 'setup.exe', 'application/x-msdownload', '\x4d5a9000')$$),
    ('a type with parameters', $$SELECT dcpf.attach_file('00000000-0000-4000-8000-00000000f001', 'a.txt', 'text/plain; charset=latin1', '\x41')$$),
    ('no media type', $$SELECT dcpf.attach_file('00000000-0000-4000-8000-00000000f001', 'a.txt', NULL, '\x41')$$),
    ('over the default 10 MiB', $$SELECT dcpf.attach_file('00000000-0000-4000-8000-00000000f001', 'groot.png', 'image/png',
                                                          '\x89504e470d0a1a0a'::bytea || decode(repeat('00', 10485753), 'hex'))$$),
    ('empty content', $$SELECT dcpf.attach_file('00000000-0000-4000-8000-00000000f001', 'leeg.txt', 'text/plain', '\x')$$),
    ('no content', $$SELECT dcpf.attach_file('00000000-0000-4000-8000-00000000f001', 'niets.txt', 'text/plain', NULL)$$),
    ('text that is not UTF-8', $$SELECT dcpf.attach_file('00000000-0000-4000-8000-00000000f001', 'latin1.txt', 'text/plain', '\x436166e9')$$),
    ('text with a NUL byte', $$SELECT dcpf.attach_file('00000000-0000-4000-8000-00000000f001', 'nul.txt', 'text/plain', '\x610062')$$),
    ('text with a BSN (A refuses)', $$SELECT dcpf.attach_file('00000000-0000-4000-8000-00000000f001', 'casus.txt', 'text/plain',
                                                              convert_to('Patiënt met BSN 111222333.', 'UTF8'))$$),
    ('a path in the file name', $$SELECT dcpf.attach_file('00000000-0000-4000-8000-00000000f001', '../../etc/passwd', 'text/plain', '\x41')$$),
    ('a Windows path', $$SELECT dcpf.attach_file('00000000-0000-4000-8000-00000000f001', 'C:\temp\a.txt', 'text/plain', '\x41')$$),
    ('a control character', $$SELECT dcpf.attach_file('00000000-0000-4000-8000-00000000f001', E'a\nb.txt', 'text/plain', '\x41')$$),
    ('a directory name', $$SELECT dcpf.attach_file('00000000-0000-4000-8000-00000000f001', '..', 'text/plain', '\x41')$$),
    ('a blank name', $$SELECT dcpf.attach_file('00000000-0000-4000-8000-00000000f001', '  ', 'text/plain', '\x41')$$),
    ('256 characters', $$SELECT dcpf.attach_file('00000000-0000-4000-8000-00000000f001', repeat('a', 252) || '.txt', 'text/plain', '\x41')$$),
    ('a BSN in the file name', $$SELECT dcpf.attach_file('00000000-0000-4000-8000-00000000f001', 'bsn 111222333.txt', 'text/plain', '\x41')$$),
    ('a card number in the file name', $$SELECT dcpf.attach_file('00000000-0000-4000-8000-00000000f001', 'pas 4111111111111111.pdf', 'application/pdf', '\x255044462d')$$),
    ('someone else''s item', $$SELECT dcpf.attach_file('00000000-0000-4000-8000-00000000f009', 'a.txt', 'text/plain', '\x41')$$),
    ('detach what is not there', $$SELECT dcpf.detach_file('00000000-0000-4000-8000-00000000f009')$$)
) t(what, statement);
SELECT count(*) AS attachments FROM dcpf.portfolio_attachment;
-- a file name of 255 characters, an OOXML workbook with the zip magic: accepted
SELECT pg_temp.attach('f001', repeat('a', 251) || '.txt', 'text/plain', '\x41') IS NOT NULL AS attached_255;
SELECT pg_temp.attach('f001', 'rooster.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', '\x504b030414') IS NOT NULL AS attached;
SELECT dcpf.detach_file(pg_temp.att(repeat('a', 251) || '.txt'));
SELECT file_name FROM dcpf.portfolio_attachment ORDER BY file_name;

-- another person: nothing to see, nothing to attach to or detach
SELECT pg_temp.as_person('103', 'a001', 'professional');
SELECT count(*) AS seen, (SELECT count(*) FROM dcpf.portfolio_attachment_decrypted) AS seen_decrypted FROM dcpf.portfolio_attachment;
SELECT what, pg_temp.refused(statement) FROM (VALUES
    ('attach to their item', $$SELECT dcpf.attach_file('00000000-0000-4000-8000-00000000f001', 'a.txt', 'text/plain', '\x41')$$),
    ('detach their attachment', $$SELECT dcpf.detach_file(pg_temp.att('verslag.pdf'))$$),
    -- the table directly: the application holds no privilege to write it
    ('INSERT directly', $$INSERT INTO dcpf.portfolio_attachment (item_id, file_name, media_type, content_encrypted)
                          VALUES ('00000000-0000-4000-8000-00000000f001', 'a.txt', 'text/plain', '\x00')$$),
    ('UPDATE directly', $$UPDATE dcpf.portfolio_attachment SET file_name = 'x.txt'$$),
    ('DELETE directly', $$DELETE FROM dcpf.portfolio_attachment$$),
    ('write the allow-list', $$UPDATE dcpf.attachment_media_type SET max_bytes = 104857600$$)
) t(what, statement);
-- nor the owner writes the table directly
SELECT pg_temp.as_person('101', 'a001', 'professional');
SELECT what, pg_temp.refused(statement) FROM (VALUES
    ('INSERT directly', $$INSERT INTO dcpf.portfolio_attachment (id, item_id, owner_id, file_name, media_type, content_encrypted)
                          SELECT n, '00000000-0000-4000-8000-00000000f001', '00000000-0000-4000-8000-000000000101', 'a.txt', 'text/plain',
                                 dcpf.encrypt('\x41'::bytea, 'portfolio_attachment', 'content', n, '00000000-0000-4000-8000-000000000101')
                            FROM gen_random_uuid() n$$),
    ('UPDATE directly', $$UPDATE dcpf.portfolio_attachment SET media_type = 'application/pdf' WHERE file_name = 'monitor.png'$$),
    ('DELETE directly', $$DELETE FROM dcpf.portfolio_attachment WHERE file_name = 'monitor.png'$$)
) t(what, statement);

-- ---------------------------------------------------------------------------
-- Text in an item of B, which flags: the attachment and the item are marked,
-- and the item stays marked while the attachment is there
-- ---------------------------------------------------------------------------
SELECT pg_temp.as_person('101', 'a002', 'professional');
SELECT pg_temp.attach('f002', 'casus.txt', 'text/plain', convert_to('Patiënt met BSN 111222333.', 'UTF8')) IS NOT NULL AS attached;
SELECT a.file_name, a.possibly_patient_data AS attachment_flagged, i.possibly_patient_data AS item_flagged
  FROM dcpf.portfolio_attachment a JOIN dcpf.portfolio_item i ON i.id = a.item_id WHERE a.item_id = '00000000-0000-4000-8000-00000000f002';
UPDATE dcpf.portfolio_item SET title = 'Casus West (herzien)' WHERE id = '00000000-0000-4000-8000-00000000f002'
RETURNING title, possibly_patient_data;
SELECT dcpf.detach_file(pg_temp.att('casus.txt'));
UPDATE dcpf.portfolio_item SET title = 'Casus West' WHERE id = '00000000-0000-4000-8000-00000000f002'
RETURNING title, possibly_patient_data;
SELECT pg_temp.attach('f002', 'uitslag.pdf', 'application/pdf', '\x255044462d312e34') IS NOT NULL AS attached;

-- ---------------------------------------------------------------------------
-- The DBA changes the allow-list: through dcpf.set_attachment_media_type,
-- never a shipped row in place
-- ---------------------------------------------------------------------------
SELECT dcpf.clear_identity();
RESET ROLE;
-- (a ciphertext for the attack below, copied by someone with access to the table)
CREATE TEMP TABLE stolen AS SELECT id, owner_id, content_encrypted FROM dcpf.portfolio_attachment WHERE file_name = 'verslag.pdf';
GRANT SELECT ON stolen TO PUBLIC;
SELECT what, pg_temp.refused(statement) FROM (VALUES
    ('a shipped row changed in place', $$UPDATE dcpf.attachment_media_type SET max_bytes = 64 WHERE media_type = 'image/png'$$),
    ('a shipped row deleted', $$DELETE FROM dcpf.attachment_media_type WHERE media_type = 'image/png'$$),
    ('a row made shipped', $$INSERT INTO dcpf.attachment_media_type (media_type, description, magic, builtin) VALUES ('image/gif', 'GIF', '\x474946', true)$$),
    ('how a shipped type is recognised', $$SELECT dcpf.set_attachment_media_type('image/png', magic => '\x00')$$),
    ('a shipped binary type read as text', $$SELECT dcpf.set_attachment_media_type('image/png', text_content => true)$$),
    ('a new type without a description', $$SELECT dcpf.set_attachment_media_type('text/csv', text_content => true)$$),
    ('a new type without a way to recognise it', $$SELECT dcpf.set_attachment_media_type('image/gif', description => 'GIF image')$$),
    ('a limit over 100 MiB', $$SELECT dcpf.set_attachment_media_type('application/pdf', max_bytes => 209715200)$$)
) t(what, statement);
SELECT media_type, max_bytes, accepted, builtin FROM dcpf.set_attachment_media_type('image/png', max_bytes => 64);
SELECT media_type, accepted, builtin FROM dcpf.set_attachment_media_type('IMAGE/JPEG', accepted => false);
SELECT media_type, encode(magic, 'hex') AS magic, text_content, max_bytes, builtin
  FROM dcpf.set_attachment_media_type('text/csv', description => 'CSV (UTF-8)', text_content => true, max_bytes => 1024);
SELECT media_type, max_bytes, builtin FROM dcpf.set_attachment_media_type('image/png', max_bytes => 80);
SELECT media_type, max_bytes, accepted, builtin FROM dcpf.attachment_media_type WHERE NOT builtin ORDER BY media_type;
SET ROLE dcpf_test_at_backend;
SELECT pg_temp.as_person('101', 'a001', 'professional');
SELECT what, pg_temp.refused(statement) FROM (VALUES
    ('over the site''s PNG limit', $$SELECT dcpf.attach_file('00000000-0000-4000-8000-00000000f001', 'scherm.png', 'image/png',
                                                            '\x89504e470d0a1a0a'::bytea || decode(repeat('00', 73), 'hex'))$$),
    ('a type the site turned off', $$SELECT dcpf.attach_file('00000000-0000-4000-8000-00000000f001', 'foto.jpg', 'image/jpeg', '\xffd8ffe0')$$),
    ('CSV with a BSN (A refuses)', $$SELECT dcpf.attach_file('00000000-0000-4000-8000-00000000f001', 'lijst.csv', 'text/csv',
                                                             convert_to('naam;bsn' || chr(10) || 'x;111222333', 'UTF8'))$$)
) t(what, statement);
SELECT pg_temp.attach('f001', 'scherm.png', 'image/png', '\x89504e470d0a1a0a'::bytea || decode(repeat('00', 72), 'hex')) IS NOT NULL AS attached_at_limit;
SELECT pg_temp.attach('f001', 'diensten.csv', 'text/csv', convert_to('datum;dienst', 'UTF8')) IS NOT NULL AS attached;
SELECT dcpf.clear_identity();
RESET ROLE;
-- back to what dcpf ships: the site's rows deleted
DELETE FROM dcpf.attachment_media_type WHERE NOT builtin AND media_type IN ('image/png', 'image/jpeg');
SET ROLE dcpf_test_at_backend;
SELECT pg_temp.as_person('101', 'a001', 'professional');
SELECT pg_temp.attach('f001', 'foto.jpg', 'image/jpeg', '\xffd8ffe0') IS NOT NULL AS attached_again;

-- ---------------------------------------------------------------------------
-- Sharers: list without content, read one with it, every read logged; a
-- share revoked or expired, another licensee, another person: not found
-- ---------------------------------------------------------------------------
INSERT INTO dcpf.share (id, owner_id, scope, item_id, grantee_person_id, permission, valid_from, valid_until) VALUES
    ('00000000-0000-4000-8000-00000000d001', '00000000-0000-4000-8000-000000000101', 'item', '00000000-0000-4000-8000-00000000f001',
     '00000000-0000-4000-8000-000000000102', 'read', now(), NULL),
    ('00000000-0000-4000-8000-00000000d002', '00000000-0000-4000-8000-000000000101', 'portfolio', NULL,
     '00000000-0000-4000-8000-000000000105', 'assess', now() - interval '2 days', now() - interval '1 day');
SELECT pg_temp.as_person('102', 'a001', 'supervisor');
SELECT file_name, media_type, size_bytes, possibly_patient_data, permission
  FROM dcpf.shared_attachments('00000000-0000-4000-8000-00000000f001') ORDER BY file_name;
SELECT file_name, size_bytes, encode(content, 'hex') AS content, sha256 = sha256(content) AS verified, permission
  FROM dcpf.shared_attachment(pg_temp.att('verslag.pdf'));
SELECT file_name, convert_from(content, 'UTF8') AS content FROM dcpf.shared_attachment(pg_temp.att('notities.txt'));
SELECT count(*) AS in_table, (SELECT count(*) FROM dcpf.portfolio_attachment_decrypted) AS decrypted
  FROM dcpf.portfolio_attachment;                            -- the tables are the owner's
SELECT what, pg_temp.refused(statement) FROM (VALUES
    ('an attachment not there', $$SELECT * FROM dcpf.shared_attachment('00000000-0000-4000-8000-00000000f009')$$),
    ('the attachments of an item not shared', $$SELECT * FROM dcpf.shared_attachments('00000000-0000-4000-8000-00000000f003')$$),
    ('the attachments of an item not there', $$SELECT * FROM dcpf.shared_attachments('00000000-0000-4000-8000-00000000f009')$$),
    ('a copied ciphertext', $$SELECT dcpf.decrypt(content_encrypted, 'portfolio_attachment', 'content', id, owner_id) FROM pg_temp.stolen$$)
) t(what, statement);
-- another person of the same licensee, a share that expired yesterday, a
-- supervisor of another licensee: the same answer as for nothing at all
SELECT who, what, pg_temp.refused_as(person, licensee, role, statement)
  FROM (VALUES ('another person', '103', 'a001', 'professional'), ('an expired share', '105', 'a001', 'supervisor'),
               ('another licensee', '104', 'a002', 'supervisor')) p(who, person, licensee, role)
 CROSS JOIN (VALUES ('list', $$SELECT * FROM dcpf.shared_attachments('00000000-0000-4000-8000-00000000f001')$$),
                    ('read', $$SELECT * FROM dcpf.shared_attachment(pg_temp.att('verslag.pdf'))$$)) t(what, statement)
 ORDER BY person, what;
-- revoked: gone at once
SELECT pg_temp.as_person('101', 'a001', 'professional');
SELECT dcpf.revoke_share('00000000-0000-4000-8000-00000000d001') IS NOT NULL AS revoked;
SELECT pg_temp.as_person('102', 'a001', 'supervisor');
SELECT what, pg_temp.refused(statement) FROM (VALUES
    ('list after the revocation', $$SELECT * FROM dcpf.shared_attachments('00000000-0000-4000-8000-00000000f001')$$),
    ('read after the revocation', $$SELECT * FROM dcpf.shared_attachment(pg_temp.att('verslag.pdf'))$$)
) t(what, statement);

-- ---------------------------------------------------------------------------
-- Submitted: attachments fixed (withdraw to change them); signed and locked:
-- fixed for good, for the owner of the extension too
-- ---------------------------------------------------------------------------
SELECT pg_temp.as_person('101', 'a001', 'professional');
SELECT dcpf.submit_item('00000000-0000-4000-8000-00000000f001') IS NOT NULL AS submitted;
SELECT what, pg_temp.refused(statement) FROM (VALUES
    ('attach to a submitted item', $$SELECT dcpf.attach_file('00000000-0000-4000-8000-00000000f001', 'laat.txt', 'text/plain', '\x41')$$),
    ('detach from a submitted item', $$SELECT dcpf.detach_file(pg_temp.att('monitor.png'))$$)
) t(what, statement);
SELECT dcpf.withdraw_item('00000000-0000-4000-8000-00000000f001');
SELECT dcpf.detach_file(pg_temp.att('monitor.png'));
SELECT pg_temp.attach('f003', 'certificaat.pdf', 'application/pdf', '\x255044462d312e350a') IS NOT NULL AS attached;
SELECT dcpf.submit_item('00000000-0000-4000-8000-00000000f003') IS NOT NULL AS submitted;
INSERT INTO dcpf.share (id, owner_id, scope, item_id, grantee_person_id, permission)
VALUES ('00000000-0000-4000-8000-00000000d004', '00000000-0000-4000-8000-000000000101', 'item', '00000000-0000-4000-8000-00000000f003',
        '00000000-0000-4000-8000-000000000102', 'assess');
SELECT pg_temp.as_person('102', 'a001', 'supervisor');
SELECT dcpf.sign_item('00000000-0000-4000-8000-00000000f003') IS NOT NULL AS signed;
SELECT pg_temp.as_person('101', 'a001', 'professional');
SELECT dcpf.lock_item('00000000-0000-4000-8000-00000000f003') IS NOT NULL AS locked;
SELECT what, pg_temp.refused(statement) FROM (VALUES
    ('attach to a locked item', $$SELECT dcpf.attach_file('00000000-0000-4000-8000-00000000f003', 'laat.pdf', 'application/pdf', '\x255044462d')$$),
    ('detach from a locked item', $$SELECT dcpf.detach_file(pg_temp.att('certificaat.pdf'))$$)
) t(what, statement);
SELECT dcpf.clear_identity();
RESET ROLE;
SELECT what, pg_temp.refused(statement) FROM (VALUES
    ('the extension owner deletes from a locked item', $$DELETE FROM dcpf.portfolio_attachment WHERE file_name = 'certificaat.pdf'$$),
    ('the extension owner renames', $$UPDATE dcpf.portfolio_attachment SET file_name = 'ander.pdf' WHERE file_name = 'certificaat.pdf'$$),
    ('the extension owner inserts into a locked item',
     $$INSERT INTO dcpf.portfolio_attachment (id, item_id, owner_id, file_name, media_type, content_encrypted)
       SELECT n, '00000000-0000-4000-8000-00000000f003', '00000000-0000-4000-8000-000000000101', 'b.txt', 'text/plain',
              dcpf.encrypt('\x41'::bytea, 'portfolio_attachment', 'content', n, '00000000-0000-4000-8000-000000000101')
         FROM gen_random_uuid() n$$),
    ('a ciphertext made for another row',
     $$INSERT INTO dcpf.portfolio_attachment (item_id, owner_id, file_name, media_type, content_encrypted)
       SELECT '00000000-0000-4000-8000-00000000f001', owner_id, 'kopie.pdf', media_type, content_encrypted
         FROM dcpf.portfolio_attachment WHERE file_name = 'verslag.pdf'$$)
) t(what, statement);

-- a recorded SHA-256 that does not match (a change made with the triggers
-- off) is caught when a sharer reads the content
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE dcpf.portfolio_attachment SET sha256 = sha256('\x00') WHERE file_name = 'certificaat.pdf';
COMMIT;
SET ROLE dcpf_test_at_backend;
SELECT pg_temp.as_person('102', 'a001', 'supervisor');
SELECT file_name, permission FROM dcpf.shared_attachments('00000000-0000-4000-8000-00000000f003');
SELECT what, pg_temp.refused(statement) FROM (VALUES
    ('content that does not match its SHA-256', $$SELECT * FROM dcpf.shared_attachment(pg_temp.att('certificaat.pdf'))$$)
) t(what, statement);
SELECT dcpf.clear_identity();
RESET ROLE;

-- the erasure of an item takes its attachments with it
DELETE FROM dcpf.portfolio_item WHERE id = '00000000-0000-4000-8000-00000000f002';
SELECT count(*) AS attachments_of_erased_item FROM dcpf.portfolio_attachment WHERE item_id = '00000000-0000-4000-8000-00000000f002';

-- the trail: who read which attachment (and item) of whom, refused attempts too
SELECT dcpf.audit_queue_drain() AS drained;
SELECT action, outcome, right(actor_person::text, 3) AS reader, object_table,
       coalesce((SELECT n.name FROM named n WHERE n.id::text = e.object_key), right(e.object_key, 4)) AS object,
       right(subject_person::text, 3) AS owner, detail, count(*)
  FROM dcpf.audit_event e
 WHERE action = 'read' AND object_table IN ('portfolio_attachment', 'portfolio_item') AND actor_person <> subject_person
 GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 3, 4, 5, 2;
SELECT action, object_table, right(subject_person::text, 3) AS subject, count(*)
  FROM dcpf.audit_event WHERE object_table IN ('portfolio_attachment', 'attachment_media_type') AND action <> 'read'
 GROUP BY 1, 2, 3 ORDER BY 2, 1;

SET client_min_messages = warning;
DROP EXTENSION dcpf CASCADE;
DROP ROLE dcpf_test_at_backend;
