-- Test fixture: every member accepts the EURA of each role they hold (again
-- after new memberships: those accepted already are left alone).
INSERT INTO dcpf.role_agreement_acceptance (agreement_id, person_id, method)
SELECT DISTINCT ra.id, m.person_id, 'click_through'
  FROM dcpf.membership m JOIN dcpf.role_agreement ra ON ra.role_code = m.role_code
ON CONFLICT DO NOTHING;
