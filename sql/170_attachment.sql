-- 170_attachment.sql: files attached to portfolio items. The owner attaches
-- a file to their own item while it is a draft; once submitted, an item's
-- attachments are fixed (and a locked item never changes). The content is
-- encrypted under the owner's data key, its SHA-256 kept beside it; its
-- media type must be on an allow-list (dcpf.attachment_media_type), the
-- content must start with the type's magic bytes and be no larger than the
-- type's limit; text is scanned for patient numbers like any free text.
-- Whoever holds a permission on the item through a share reads the
-- attachments through functions that check it and log the read. See
-- doc/reference/portfolio.md (Attachments).

-- ---------------------------------------------------------------------------
-- The allow-list: media types, how their content is recognised, their limit
-- ---------------------------------------------------------------------------
CREATE TABLE dcpf.attachment_media_type (
    media_type   text NOT NULL CONSTRAINT attachment_media_type_format
                 CHECK (media_type ~ '^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$'),
    description  text NOT NULL CONSTRAINT attachment_media_type_description_length
                 CHECK (length(btrim(description)) BETWEEN 2 AND 200),
    magic        bytea CONSTRAINT attachment_media_type_magic_length CHECK (octet_length(magic) BETWEEN 1 AND 16),
    text_content boolean NOT NULL DEFAULT false,
    max_bytes    integer NOT NULL DEFAULT 10485760
                 CONSTRAINT attachment_media_type_max_bytes_range CHECK (max_bytes BETWEEN 1 AND 104857600),
    accepted     boolean NOT NULL DEFAULT true,
    builtin      boolean NOT NULL DEFAULT false,
    PRIMARY KEY (media_type, builtin),
    -- content is recognised by its first bytes, or read as UTF-8 text and scanned
    CONSTRAINT attachment_media_type_checkable CHECK ((magic IS NULL) = text_content)
);
COMMENT ON TABLE dcpf.attachment_media_type IS
    'the media types a portfolio attachment may have: how its content is recognised and how large it may be. A shipped type (builtin) is changed by a site row of the same type (dcpf.set_attachment_media_type), which is in force where both exist and is kept in a dump';
COMMENT ON COLUMN dcpf.attachment_media_type.media_type IS 'the media (MIME) type, lowercase, without parameters (e.g. application/pdf)';
COMMENT ON COLUMN dcpf.attachment_media_type.description IS 'what it is, in words';
COMMENT ON COLUMN dcpf.attachment_media_type.magic IS 'the bytes its content must start with; NULL for a text type';
COMMENT ON COLUMN dcpf.attachment_media_type.text_content IS 'its content is text: valid UTF-8, scanned for patient numbers per the licensee''s free_text_policy';
COMMENT ON COLUMN dcpf.attachment_media_type.max_bytes IS 'the largest content accepted, in bytes (default 10 MiB; at most 100 MiB)';
COMMENT ON COLUMN dcpf.attachment_media_type.accepted IS 'false: files of this type are refused (how a site turns a shipped type off)';
COMMENT ON COLUMN dcpf.attachment_media_type.builtin IS 'shipped with dcpf; not dumped, recreated by CREATE EXTENSION, never changed in place';

INSERT INTO dcpf.attachment_media_type (media_type, description, magic, text_content, builtin) VALUES
    ('application/pdf', 'PDF document', '\x255044462d', false, true),
    ('image/png', 'PNG image', '\x89504e470d0a1a0a', false, true),
    ('image/jpeg', 'JPEG image', '\xffd8ff', false, true),
    ('application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'Word document (.docx)', '\x504b0304', false, true),
    ('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'Excel workbook (.xlsx)', '\x504b0304', false, true),
    ('application/vnd.openxmlformats-officedocument.presentationml.presentation', 'PowerPoint presentation (.pptx)', '\x504b0304', false, true),
    ('text/plain', 'plain text (UTF-8)', NULL, true, true);

-- the shipped rows stay as shipped (an upgrade script that changes them
-- disables this trigger around it); a site changes a type with a row of its own
CREATE FUNCTION dcpf.attachment_media_type_check() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF (CASE TG_OP WHEN 'INSERT' THEN NEW.builtin WHEN 'DELETE' THEN OLD.builtin ELSE OLD.builtin OR NEW.builtin END) THEN
        RAISE EXCEPTION 'the shipped media types are dcpf''s own'
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = format('%s of shipped media type %s refused: CREATE EXTENSION makes the shipped rows, so a change to them would not survive a dump.',
                                  TG_OP, coalesce(OLD.media_type, NEW.media_type)),
                  HINT = 'Use dcpf.set_attachment_media_type: it records the site''s setting beside the shipped one, and that is kept.';
    END IF;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END
$$;
COMMENT ON FUNCTION dcpf.attachment_media_type_check() IS
    'trigger: the shipped (builtin) media types are neither made, changed nor deleted by anyone; a site''s own rows are';
CREATE TRIGGER attachment_media_type_check BEFORE INSERT OR UPDATE OR DELETE ON dcpf.attachment_media_type
    FOR EACH ROW EXECUTE FUNCTION dcpf.attachment_media_type_check();

-- how a DBA changes the allow-list
CREATE FUNCTION dcpf.set_attachment_media_type(media_type text, max_bytes integer DEFAULT NULL, accepted boolean DEFAULT NULL,
                                               description text DEFAULT NULL, magic bytea DEFAULT NULL,
                                               text_content boolean DEFAULT NULL)
    RETURNS dcpf.attachment_media_type
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    kind    text := lower(btrim(set_attachment_media_type.media_type));
    shipped dcpf.attachment_media_type;
    site    dcpf.attachment_media_type;
BEGIN
    IF kind IS NULL THEN
        RAISE EXCEPTION 'a media type is needed'
            USING ERRCODE = 'null_value_not_allowed', HINT = 'Name the type to accept or change, e.g. application/pdf.';
    END IF;
    SELECT * INTO shipped FROM dcpf.attachment_media_type t WHERE t.media_type = kind AND t.builtin;
    SELECT * INTO site FROM dcpf.attachment_media_type t WHERE t.media_type = kind AND NOT t.builtin FOR UPDATE;
    IF shipped.media_type IS NOT NULL
       AND ((set_attachment_media_type.magic IS NOT NULL AND set_attachment_media_type.magic IS DISTINCT FROM shipped.magic)
            OR set_attachment_media_type.text_content <> shipped.text_content) THEN
        RAISE EXCEPTION 'how a shipped media type is recognised is fixed'
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = format('%s is recognised %s.', kind,
                                  CASE WHEN shipped.text_content THEN 'as UTF-8 text'
                                       ELSE 'by its first bytes ' || encode(shipped.magic, 'hex') END),
                  HINT = 'Change its limit, description or acceptance only.';
    END IF;
    IF site.media_type IS NULL THEN
        IF shipped.media_type IS NULL AND (set_attachment_media_type.description IS NULL
                                           OR (set_attachment_media_type.magic IS NULL) <> coalesce(set_attachment_media_type.text_content, false)) THEN
            RAISE EXCEPTION 'a new media type needs a description and a way to recognise it'
                USING ERRCODE = 'null_value_not_allowed',
                      DETAIL = format('%s is not on the allow-list yet.', kind),
                      HINT = 'Give description, and magic (the bytes its content starts with) or text_content => true.';
        END IF;
        INSERT INTO dcpf.attachment_media_type (media_type, description, magic, text_content, max_bytes, accepted)
        VALUES (kind, coalesce(set_attachment_media_type.description, shipped.description),
                coalesce(set_attachment_media_type.magic, shipped.magic),
                coalesce(set_attachment_media_type.text_content, shipped.text_content, false),
                coalesce(set_attachment_media_type.max_bytes, shipped.max_bytes, 10485760),
                coalesce(set_attachment_media_type.accepted, shipped.accepted, true))
        RETURNING * INTO site;
    ELSE
        UPDATE dcpf.attachment_media_type t
           SET description = coalesce(set_attachment_media_type.description, t.description),
               magic = coalesce(set_attachment_media_type.magic, t.magic),
               text_content = coalesce(set_attachment_media_type.text_content, t.text_content),
               max_bytes = coalesce(set_attachment_media_type.max_bytes, t.max_bytes),
               accepted = coalesce(set_attachment_media_type.accepted, t.accepted)
         WHERE t.media_type = kind AND NOT t.builtin
        RETURNING * INTO site;
    END IF;
    RETURN site;
END
$$;
COMMENT ON FUNCTION dcpf.set_attachment_media_type(text, integer, boolean, text, bytea, boolean) IS
    'for the DBA: accepts a media type for attachments, or changes one (its limit in bytes, whether it is accepted, its description; for a type of the site''s own also its magic bytes or text_content); arguments left NULL keep what is in force. Writes the site''s row, which is in force over a shipped one and kept in a dump; delete that row to return to what dcpf ships. Returns the row in force. 0A000 for a change of how a shipped type is recognised; 22004 for a new type without a description or a way to recognise it. Owner only';

-- ---------------------------------------------------------------------------
-- Attachments
-- ---------------------------------------------------------------------------
-- What is wrong with a file name, as a sentence; NULL when nothing. File
-- names are stored in the clear and become names on someone's disk.
CREATE FUNCTION dcpf.attachment_file_name_problem(file_name text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
    WHEN file_name IS NULL OR btrim(file_name) = '' THEN 'The file name is empty or blank.'
    WHEN length(file_name) > 255 THEN format('The file name is %s characters long; at most 255 are allowed.', length(file_name))
    WHEN file_name IN ('.', '..') THEN format('The file name %s names a directory.', to_json(file_name))
    WHEN file_name ~ '[/\\]' THEN format('The file name %s holds a path separator (/ or \).', to_json(file_name))
    WHEN file_name ~ '[\u0001-\u001f\u007f-\u009f]' THEN format('The file name %s holds a control character.', to_json(file_name))
    -- never repeated: the number is what must not be stored
    WHEN dcpf.contains_bsn(file_name) OR dcpf.contains_card_number(file_name)
    THEN 'The file name holds a citizen service number (BSN) or a payment card number; file names are stored in the clear.'
END;
COMMENT ON FUNCTION dcpf.attachment_file_name_problem(text) IS
    'what is wrong with an attachment''s file name, as a sentence (empty, over 255 characters, . or .., a path separator, a control character, a BSN or card number, which it does not repeat); NULL when it is a plain name';

CREATE TABLE dcpf.portfolio_attachment (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    item_id               uuid NOT NULL REFERENCES dcpf.portfolio_item (id) ON DELETE CASCADE,
    owner_id              uuid NOT NULL,
    file_name             text NOT NULL CONSTRAINT portfolio_attachment_file_name_plain
                          CHECK (dcpf.attachment_file_name_problem(file_name) IS NULL),
    media_type            text NOT NULL,
    size_bytes            integer NOT NULL CONSTRAINT portfolio_attachment_size_positive CHECK (size_bytes > 0),
    sha256                bytea NOT NULL CONSTRAINT portfolio_attachment_sha256_length CHECK (octet_length(sha256) = 32),
    content_encrypted     bytea NOT NULL,
    possibly_patient_data boolean NOT NULL DEFAULT false,
    created_at            timestamptz NOT NULL DEFAULT now()
);
-- ciphertext does not compress: store it out of line without trying
ALTER TABLE dcpf.portfolio_attachment ALTER COLUMN content_encrypted SET STORAGE EXTERNAL;
CREATE INDEX portfolio_attachment_item_idx ON dcpf.portfolio_attachment (item_id, created_at);
CREATE INDEX portfolio_attachment_owner_idx ON dcpf.portfolio_attachment (owner_id);
COMMENT ON TABLE dcpf.portfolio_attachment IS
    'a file attached by the owner to their portfolio item while a draft (fixed once submitted): its content encrypted under the owner''s key, its media type on the allow-list (dcpf.attachment_media_type) and matching the content';
COMMENT ON COLUMN dcpf.portfolio_attachment.id IS 'attachment identifier';
COMMENT ON COLUMN dcpf.portfolio_attachment.item_id IS 'the item it is attached to';
COMMENT ON COLUMN dcpf.portfolio_attachment.owner_id IS 'the item''s owner (set by the server from the item)';
COMMENT ON COLUMN dcpf.portfolio_attachment.file_name IS
    'the file''s name, in the clear: 1 to 255 characters, no path separator or control character, never a BSN or card number';
COMMENT ON COLUMN dcpf.portfolio_attachment.media_type IS 'its media type, one accepted by dcpf.attachment_media_type when attached (lowercased)';
COMMENT ON COLUMN dcpf.portfolio_attachment.size_bytes IS 'the size of the content in bytes (set by the server)';
COMMENT ON COLUMN dcpf.portfolio_attachment.sha256 IS 'the SHA-256 of the content (set by the server; checked when a sharer reads it)';
COMMENT ON COLUMN dcpf.portfolio_attachment.content_encrypted IS
    'the content, encrypted under the owner''s data key (dcpf.portfolio_attachment_decrypted shows it to the owner)';
COMMENT ON COLUMN dcpf.portfolio_attachment.possibly_patient_data IS
    'set by the server when a text attachment holds a citizen service number or a payment card number and the licensee''s free_text_policy is flag';
COMMENT ON COLUMN dcpf.portfolio_attachment.created_at IS 'when it was attached';

CREATE FUNCTION dcpf.portfolio_attachment_check() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    item     dcpf.portfolio_item;
    kind     dcpf.attachment_media_type;
    problem  text;
    content  bytea;
    words    text;
BEGIN
    SELECT * INTO item FROM dcpf.portfolio_item p
     WHERE p.id = CASE TG_OP WHEN 'DELETE' THEN OLD.item_id ELSE NEW.item_id END FOR SHARE;
    IF TG_OP = 'DELETE' AND item.id IS NULL THEN
        RETURN OLD;             -- the item itself is being erased
    END IF;
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'an attachment never changes'
            USING ERRCODE = 'feature_not_supported', DETAIL = format('Attachment %s.', OLD.id),
                  HINT = 'Detach it (dcpf.detach_file) and attach the new file while the item is a draft.';
    END IF;
    -- someone else's item and a missing one look the same
    IF item.id IS NULL OR item.owner_id IS DISTINCT FROM coalesce(dcpf.current_person(), item.owner_id) THEN
        RAISE EXCEPTION 'portfolio item % not found', CASE TG_OP WHEN 'DELETE' THEN OLD.item_id ELSE NEW.item_id END
            USING ERRCODE = 'no_data_found', DETAIL = 'It does not exist or is not yours.';
    END IF;
    IF item.status <> 'draft' THEN
        RAISE EXCEPTION 'only a draft''s attachments can change'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('Item %s is %s; once submitted, an item''s attachments are fixed.', item.id, item.status),
                  HINT = CASE WHEN item.status = 'submitted' THEN 'Withdraw it first (dcpf.withdraw_item).'
                              ELSE 'A signed item keeps the attachments it was signed with.' END;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;

    NEW.owner_id := item.owner_id;
    NEW.created_at := now();
    problem := dcpf.attachment_file_name_problem(NEW.file_name);
    IF problem IS NOT NULL THEN
        RAISE EXCEPTION 'invalid attachment file name' USING ERRCODE = 'check_violation', DETAIL = problem;
    END IF;
    NEW.media_type := lower(NEW.media_type);
    -- the site's row is in force over the shipped one
    SELECT * INTO kind FROM dcpf.attachment_media_type t WHERE t.media_type = NEW.media_type ORDER BY t.builtin LIMIT 1;
    IF kind.media_type IS NULL OR NOT kind.accepted THEN
        RAISE EXCEPTION 'media type % is not accepted for attachments', coalesce(to_json(NEW.media_type)::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Accepted: ' || (SELECT string_agg(x.media_type, ', ' ORDER BY x.media_type)
                                              FROM (SELECT DISTINCT ON (t.media_type) t.media_type, t.accepted
                                                      FROM dcpf.attachment_media_type t ORDER BY t.media_type, t.builtin) x
                                             WHERE x.accepted) || '.',
                  HINT = 'A DBA accepts more with dcpf.set_attachment_media_type.';
    END IF;
    -- the content, decrypted here (as the owner of the extension; it goes no
    -- further): it must open for this row and owner, and be what it says
    content := dcpf.decrypt(NEW.content_encrypted, 'portfolio_attachment', 'content', NEW.id, NEW.owner_id);
    NEW.size_bytes := octet_length(content);
    IF NEW.size_bytes = 0 OR NEW.size_bytes > kind.max_bytes THEN
        RAISE EXCEPTION 'attachment % is %', to_json(NEW.file_name), CASE WHEN NEW.size_bytes = 0 THEN 'empty' ELSE 'too large' END
            USING ERRCODE = 'program_limit_exceeded',
                  DETAIL = format('It is %s bytes; %s attachments are 1 to %s bytes.', NEW.size_bytes, kind.media_type, kind.max_bytes);
    END IF;
    IF kind.magic IS NOT NULL AND substr(content, 1, octet_length(kind.magic)) <> kind.magic THEN
        RAISE EXCEPTION 'the content of attachment % is not %', to_json(NEW.file_name), kind.description
            USING ERRCODE = 'invalid_binary_representation',
                  DETAIL = format('%s content starts with the bytes %s; this content starts with %s.', kind.media_type,
                                  encode(kind.magic, 'hex'), encode(substr(content, 1, octet_length(kind.magic)), 'hex')),
                  HINT = 'Declare the media type the file really has.';
    END IF;
    NEW.possibly_patient_data := false;
    IF kind.text_content THEN
        BEGIN
            words := convert_from(content, 'UTF8');
        EXCEPTION WHEN character_not_in_repertoire OR untranslatable_character THEN
            RAISE EXCEPTION 'the content of attachment % is not UTF-8 text', to_json(NEW.file_name)
                USING ERRCODE = 'character_not_in_repertoire',
                      DETAIL = format('%s attachments are text in UTF-8, without NUL bytes.', kind.media_type);
        END;
        NEW.possibly_patient_data := dcpf.free_text_verdict(item.licensee_id, format('Attachment %s of item %s', to_json(NEW.file_name), item.id),
                                                            ARRAY[words]);
        words := NULL;
        IF NEW.possibly_patient_data AND NOT item.possibly_patient_data THEN
            UPDATE dcpf.portfolio_item p SET possibly_patient_data = true WHERE p.id = item.id;
        END IF;
    END IF;
    NEW.sha256 := sha256(content);
    content := NULL;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION dcpf.portfolio_attachment_check() IS
    'trigger: an attachment is made and removed only while its item is a draft, by the item''s owner (whom it carries), and never changed; its file name is plain, its media type accepted, its content (decrypted here) opens for the row, is 1 to max_bytes bytes, starts with the type''s magic bytes or, for text, is UTF-8 scanned per the licensee''s free_text_policy (flagging the item); size and SHA-256 are set from it. The removal of an erased item''s attachments passes (SECURITY DEFINER: it must see the item and the allow-list and decrypt the content)';
CREATE TRIGGER portfolio_attachment_state BEFORE INSERT OR UPDATE OR DELETE ON dcpf.portfolio_attachment
    FOR EACH ROW EXECUTE FUNCTION dcpf.portfolio_attachment_check();

-- An edit of the item's title or body sets its possibly_patient_data from
-- that text alone (dcpf.portfolio_item_check); this keeps it set while a row
-- of the table named (attachments here, comments in sql/172_comment.sql)
-- about the item is flagged. Fired only when the flag would be cleared.
CREATE FUNCTION dcpf.portfolio_item_keep_flag() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    flagged boolean;
BEGIN
    EXECUTE format('SELECT EXISTS (SELECT FROM dcpf.%I x WHERE x.item_id = $1 AND x.possibly_patient_data)', TG_ARGV[0])
       INTO flagged USING NEW.id;
    NEW.possibly_patient_data := flagged;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION dcpf.portfolio_item_keep_flag() IS
    'trigger on portfolio_item (argument: a table of dcpf with item_id and possibly_patient_data): the item''s possibly_patient_data is not cleared while a row of that table about it is flagged (SECURITY DEFINER: it must see them whoever edits)';
-- named to fire after portfolio_item_state, which sets the flag from the text
CREATE TRIGGER portfolio_item_state_flag_attachment BEFORE UPDATE ON dcpf.portfolio_item
    FOR EACH ROW WHEN (OLD.possibly_patient_data AND NOT NEW.possibly_patient_data)
    EXECUTE FUNCTION dcpf.portfolio_item_keep_flag('portfolio_attachment');

-- ---------------------------------------------------------------------------
-- The owner attaches and detaches
-- ---------------------------------------------------------------------------
CREATE FUNCTION dcpf.attach_file(item uuid, file_name text, media_type text, content bytea) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    it     dcpf.portfolio_item := dcpf.portfolio_item_for_owner(item, 'draft', 'given attachments');
    new_id uuid := gen_random_uuid();
BEGIN
    IF content IS NULL THEN
        RAISE EXCEPTION 'an attachment needs content'
            USING ERRCODE = 'null_value_not_allowed', DETAIL = format('No content was given for %s.', to_json(attach_file.file_name));
    END IF;
    -- the trigger checks the name, the type and the content
    INSERT INTO dcpf.portfolio_attachment (id, item_id, owner_id, file_name, media_type, content_encrypted)
    VALUES (new_id, it.id, it.owner_id, attach_file.file_name, attach_file.media_type,
            dcpf.encrypt(content, 'portfolio_attachment', 'content', new_id, it.owner_id));
    RETURN new_id;
END
$$;
COMMENT ON FUNCTION dcpf.attach_file(uuid, text, text, bytea) IS
    'the owner attaches a file to their draft item: the content encrypted under their key, its size and SHA-256 recorded; returns the attachment. P0002 unless the item is the caller''s; 55000 unless a draft; 23514 for a file name that is not plain or holds a patient number; 22023 for a media type not accepted; 54000 for empty or oversized content; 22P03 for content that does not start with the type''s magic bytes; 22021 for text that is not UTF-8; 23514 for text holding a patient number where the licensee refuses it';

CREATE FUNCTION dcpf.detach_file(attachment uuid) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me       uuid := dcpf.verified_person();
    detached uuid;
BEGIN
    SELECT a.id INTO detached FROM dcpf.portfolio_attachment a WHERE a.id = attachment AND a.owner_id = me;
    IF detached IS NULL THEN
        RAISE EXCEPTION 'portfolio attachment % not found', attachment
            USING ERRCODE = 'no_data_found', DETAIL = 'It does not exist or is not yours.';
    END IF;
    DELETE FROM dcpf.portfolio_attachment a WHERE a.id = detached;    -- the trigger refuses unless the item is a draft
END
$$;
COMMENT ON FUNCTION dcpf.detach_file(uuid) IS
    'the owner removes an attachment from their draft item. P0002 unless it is the caller''s; 55000 unless the item is a draft';

-- the owner's view, decrypted
CREATE VIEW dcpf.portfolio_attachment_decrypted WITH (security_invoker = true, security_barrier = true) AS
SELECT a.id, a.item_id, a.owner_id, a.file_name, a.media_type, a.size_bytes, a.sha256,
       dcpf.decrypt(a.content_encrypted, 'portfolio_attachment', 'content', a.id, a.owner_id, true) AS content,
       a.possibly_patient_data, a.created_at
  FROM dcpf.portfolio_attachment a;
COMMENT ON VIEW dcpf.portfolio_attachment_decrypted IS
    'portfolio attachments with their content decrypted, for their owner (security_invoker: the caller''s row-level security applies; only the owner may decrypt; NULL once the owner''s key is shredded)';
COMMENT ON COLUMN dcpf.portfolio_attachment_decrypted.content IS 'the file''s content, decrypted; NULL when the owner''s key was shredded';
SELECT dcpf.describe_decrypted_views();

-- ---------------------------------------------------------------------------
-- Sharers read them: listed without content, or one with it; every read logged
-- ---------------------------------------------------------------------------
CREATE FUNCTION dcpf.shared_attachments(item uuid)
    RETURNS TABLE (id uuid, item_id uuid, owner_id uuid, file_name text, media_type text, size_bytes integer, sha256 bytea,
                   possibly_patient_data boolean, created_at timestamptz, permission text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    owner   uuid := (SELECT p.owner_id FROM dcpf.portfolio_item p WHERE p.id = shared_attachments.item);
    granted text := dcpf.shared_read(shared_attachments.item, 'portfolio_item', owner);
BEGIN
    FOR id, item_id, owner_id, file_name, media_type, size_bytes, sha256, possibly_patient_data, created_at IN
        SELECT a.id, a.item_id, a.owner_id, a.file_name, a.media_type, a.size_bytes, a.sha256, a.possibly_patient_data, a.created_at
          FROM dcpf.portfolio_attachment a WHERE a.item_id = shared_attachments.item ORDER BY a.created_at, a.id
    LOOP
        permission := granted;
        PERFORM dcpf.audit_note('read', 'portfolio_attachment', shared_attachments.id::text, shared_attachments.owner_id, NULL);
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION dcpf.shared_attachments(uuid) IS
    'the attachments of an item shared with the verified identity, without their content, with the permission held: the item and every attachment listed logged as reads of the owner''s data; P0002 when the item does not exist or is not shared now (an attempt on someone else''s item logged as well)';

CREATE FUNCTION dcpf.shared_attachment(attachment uuid)
    RETURNS TABLE (id uuid, item_id uuid, owner_id uuid, file_name text, media_type text, size_bytes integer, sha256 bytea,
                   content bytea, possibly_patient_data boolean, created_at timestamptz, permission text)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    a       dcpf.portfolio_attachment;
    granted text;
    plain   bytea;
BEGIN
    SELECT * INTO a FROM dcpf.portfolio_attachment x WHERE x.id = shared_attachment.attachment;
    granted := dcpf.shared_read(a.item_id, 'portfolio_attachment', a.owner_id, shared_attachment.attachment);
    plain := dcpf.decrypt(a.content_encrypted, 'portfolio_attachment', 'content', a.id, a.owner_id, true);
    IF plain IS NOT NULL AND pg_catalog.sha256(plain) <> a.sha256 THEN
        RAISE EXCEPTION 'portfolio attachment % does not match its SHA-256', a.id
            USING ERRCODE = 'data_corrupted',
                  DETAIL = format('Recorded %s; the content decrypts to %s.', encode(a.sha256, 'hex'), encode(pg_catalog.sha256(plain), 'hex'));
    END IF;
    RETURN QUERY SELECT a.id, a.item_id, a.owner_id, a.file_name, a.media_type, a.size_bytes, a.sha256, plain,
                        a.possibly_patient_data, a.created_at, granted;
END
$$;
COMMENT ON FUNCTION dcpf.shared_attachment(uuid) IS
    'one attachment of an item shared with the verified identity, with its content decrypted and checked against its SHA-256 (XX001 when they differ), logged as a read of the owner''s data; content NULL once the owner''s key is shredded; P0002 when it does not exist or is not shared now (an attempt on someone else''s logged as well)';

-- ---------------------------------------------------------------------------
-- Protection, access, audit
-- ---------------------------------------------------------------------------
REVOKE ALL ON TABLE dcpf.attachment_media_type, dcpf.portfolio_attachment FROM PUBLIC;
ALTER TABLE dcpf.attachment_media_type FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.attachment_media_type ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.portfolio_attachment FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.portfolio_attachment ENABLE ROW LEVEL SECURITY;
-- the shipped types come back with CREATE EXTENSION; a site's rows are dumped
SELECT pg_catalog.pg_extension_config_dump('dcpf.attachment_media_type', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('dcpf.portfolio_attachment', '');
REVOKE ALL ON FUNCTION dcpf.attachment_media_type_check(), dcpf.portfolio_attachment_check(), dcpf.portfolio_item_keep_flag(),
    dcpf.set_attachment_media_type(text, integer, boolean, text, bytea, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION dcpf.attachment_file_name_problem(text), dcpf.attach_file(uuid, text, text, bytea), dcpf.detach_file(uuid),
    dcpf.shared_attachments(uuid), dcpf.shared_attachment(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.attachment_file_name_problem(text), dcpf.attach_file(uuid, text, text, bytea), dcpf.detach_file(uuid),
    dcpf.shared_attachments(uuid), dcpf.shared_attachment(uuid) TO dcpf_app;

-- every identity reads the allow-list; the DBA writes it
CREATE POLICY attachment_media_type_read ON dcpf.attachment_media_type FOR SELECT TO dcpf_app
    USING (dcpf.current_person() IS NOT NULL);
GRANT SELECT ON dcpf.attachment_media_type TO dcpf_app;

-- the owner reads their attachments directly and writes them only through
-- dcpf.attach_file and dcpf.detach_file; sharers read through the functions
CREATE POLICY portfolio_attachment_owner_read ON dcpf.portfolio_attachment FOR SELECT TO dcpf_app
    USING (owner_id = dcpf.current_person());
GRANT SELECT ON dcpf.portfolio_attachment, dcpf.portfolio_attachment_decrypted TO dcpf_app;

SELECT dcpf.audit_table('dcpf.attachment_media_type', NULL);
SELECT dcpf.audit_table('dcpf.portfolio_attachment', 'owner_id');
