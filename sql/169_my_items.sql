-- 169_my_items.sql: the owner's own portfolio page, dcpf.my_items: every
-- item of the verified person with the columns of its subtype (assessment,
-- conversation, competency declaration) beside it, for "the 50 most recent"
-- and other pages of the portfolio. See doc/reference/portfolio.md.
--
-- Why a view, and why its subtypes are LATERAL subqueries with OFFSET 0:
-- row-level security gives each subtype table the restriction
-- owner_id = (SELECT dcpf.current_person()), and with it the planner joins a
-- plain LEFT JOIN by reading all the owner's assessments once and comparing
-- every item with every one of them (a Materialize rescanned per item),
-- where the table owner's query makes one primary-key probe per item. The
-- subquery kept apart by OFFSET 0 is run per item, which makes it a
-- primary-key probe (with the policy as a filter) whatever the planner
-- estimates, and only for items of its type (the outer condition is a
-- one-time filter). Benchmark 7a (bench/README.md).
CREATE VIEW dcpf.my_items WITH (security_invoker = true) AS
SELECT i.id, i.item_type, i.title, i.occurred_on, i.status, i.membership_id, i.licensee_id, i.programme_id,
       i.submitted_at, i.signed_at, i.signed_by, i.locked_at, i.possibly_patient_data, i.handed_over_at,
       i.created_at, i.updated_at,
       a.instrument, a.assessor_id, a.epa_id, a.entrustment_level, a.assessed_at,
       c.kind AS conversation_kind, c.counterpart_id, c.next_date, c.owner_signed_at, c.counterpart_signed_at,
       d.scope AS declaration_scope, d.issuer_id, d.issued_on, d.valid_until, d.revoked_at
  FROM dcpf.portfolio_item i
  LEFT JOIN LATERAL (SELECT a.instrument, a.assessor_id, a.epa_id, a.entrustment_level, a.assessed_at
                       FROM dcpf.assessment a
                      WHERE a.item_id = i.id AND i.item_type = 'assessment' OFFSET 0) a ON true
  LEFT JOIN LATERAL (SELECT c.kind, c.counterpart_id, c.next_date, c.owner_signed_at, c.counterpart_signed_at
                       FROM dcpf.conversation c
                      WHERE c.item_id = i.id AND i.item_type = 'conversation' OFFSET 0) c ON true
  LEFT JOIN LATERAL (SELECT d.scope, d.issuer_id, d.issued_on, d.valid_until, d.revoked_at
                       FROM dcpf.competency_declaration d
                      WHERE d.item_id = i.id AND i.item_type = 'competency_declaration' OFFSET 0) d ON true
 WHERE i.owner_id = dcpf.current_person();
COMMENT ON VIEW dcpf.my_items IS
    'the verified person''s own portfolio items, each with the columns of its subtype (assessment, conversation, competency declaration; NULL for other types), for the owner''s pages, e.g. ORDER BY occurred_on DESC, created_at DESC LIMIT 50; no content (titles only; bodies and the subtypes'' texts through the *_decrypted views); security_invoker: row-level security applies, and nobody sees another''s items through it';
COMMENT ON COLUMN dcpf.my_items.id IS 'the item';
COMMENT ON COLUMN dcpf.my_items.item_type IS 'feedback, reflection, assessment, conversation, result, competency_declaration, epa_activity or other_activity';
COMMENT ON COLUMN dcpf.my_items.title IS 'the item''s title';
COMMENT ON COLUMN dcpf.my_items.occurred_on IS 'when what it records took place';
COMMENT ON COLUMN dcpf.my_items.status IS 'draft, submitted, signed or locked';
COMMENT ON COLUMN dcpf.my_items.membership_id IS 'the membership it was made in; NULL: made as the person alone, or handed over';
COMMENT ON COLUMN dcpf.my_items.licensee_id IS 'the licensee of that membership';
COMMENT ON COLUMN dcpf.my_items.programme_id IS 'the programme it belongs to, if any';
COMMENT ON COLUMN dcpf.my_items.submitted_at IS 'when it was submitted';
COMMENT ON COLUMN dcpf.my_items.signed_at IS 'when it was signed';
COMMENT ON COLUMN dcpf.my_items.signed_by IS 'who signed it';
COMMENT ON COLUMN dcpf.my_items.locked_at IS 'when it was locked';
COMMENT ON COLUMN dcpf.my_items.possibly_patient_data IS 'flagged by the patient-number scanner';
COMMENT ON COLUMN dcpf.my_items.handed_over_at IS 'when it was handed over at the end of its licensee''s licence';
COMMENT ON COLUMN dcpf.my_items.created_at IS 'when it was made';
COMMENT ON COLUMN dcpf.my_items.updated_at IS 'when it last changed';
COMMENT ON COLUMN dcpf.my_items.instrument IS 'an assessment''s instrument (kpb, cbd, osats, cat, osce, other)';
COMMENT ON COLUMN dcpf.my_items.assessor_id IS 'an assessment''s assessor';
COMMENT ON COLUMN dcpf.my_items.epa_id IS 'the EPA an assessment is of';
COMMENT ON COLUMN dcpf.my_items.entrustment_level IS 'the level an assessment gave (1-5); NULL until assessed';
COMMENT ON COLUMN dcpf.my_items.assessed_at IS 'when the assessment was made';
COMMENT ON COLUMN dcpf.my_items.conversation_kind IS 'a conversation''s kind (intake, progress, assessment, final)';
COMMENT ON COLUMN dcpf.my_items.counterpart_id IS 'the other party of a conversation';
COMMENT ON COLUMN dcpf.my_items.next_date IS 'a conversation''s next date';
COMMENT ON COLUMN dcpf.my_items.owner_signed_at IS 'when the owner signed the conversation';
COMMENT ON COLUMN dcpf.my_items.counterpart_signed_at IS 'when the other party signed it';
COMMENT ON COLUMN dcpf.my_items.declaration_scope IS 'a competency declaration''s scope';
COMMENT ON COLUMN dcpf.my_items.issuer_id IS 'the declaration''s issuer';
COMMENT ON COLUMN dcpf.my_items.issued_on IS 'when the declaration was issued';
COMMENT ON COLUMN dcpf.my_items.valid_until IS 'until when it is valid';
COMMENT ON COLUMN dcpf.my_items.revoked_at IS 'when it was revoked';
GRANT SELECT ON dcpf.my_items TO dcpf_app;
