-- Test fixture, after two_licensees.sql and refused.sql: the people of the
-- attachment and comment tests, their memberships (EURAs accepted), B
-- flagging patient numbers, and two helpers: pg_temp.as_person(person,
-- licensee, role) acts as one of them ('101', 'a001', 'professional'; for
-- the session, by a role in dcpf_service), pg_temp.refused_as(person,
-- licensee, role, statement) runs a statement as them with pg_temp.refused.
-- 101 a professional in A and in B; 102 a supervisor in A; 103 a
-- professional in A; 104 a supervisor in B; 105 and 106 supervisors in A.
UPDATE dcpf.licensee SET free_text_policy = 'flag' WHERE id = '00000000-0000-4000-8000-00000000a002';
INSERT INTO dcpf.person (id, email, surname, initials) VALUES
    ('00000000-0000-4000-8000-000000000101', 'prof@example.nl', 'Jansen', 'J.'),
    ('00000000-0000-4000-8000-000000000102', 'sup.ic@example.nl', 'Bakker', 'B.'),
    ('00000000-0000-4000-8000-000000000103', 'collega@example.nl', 'Visser', 'V.'),
    ('00000000-0000-4000-8000-000000000104', 'sup.west@example.nl', 'Smit', 'S.'),
    ('00000000-0000-4000-8000-000000000105', 'oud@example.nl', 'Mulder', 'M.'),
    ('00000000-0000-4000-8000-000000000106', 'vertrokken@example.nl', 'de Vries', 'D.');
INSERT INTO dcpf.membership (id, person_id, licensee_id, role_code, valid_from) VALUES
    ('00000000-0000-4000-8000-00000000e101', '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a001', 'professional', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e102', '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-00000000a002', 'professional', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e103', '00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-00000000a001', 'supervisor', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e104', '00000000-0000-4000-8000-000000000103', '00000000-0000-4000-8000-00000000a001', 'professional', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e105', '00000000-0000-4000-8000-000000000104', '00000000-0000-4000-8000-00000000a002', 'supervisor', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e106', '00000000-0000-4000-8000-000000000105', '00000000-0000-4000-8000-00000000a001', 'supervisor', '2024-01-01'),
    ('00000000-0000-4000-8000-00000000e107', '00000000-0000-4000-8000-000000000106', '00000000-0000-4000-8000-00000000a001', 'supervisor', '2024-01-01');
\i test/sql/include/accept_euras.sql
CREATE FUNCTION pg_temp.as_person(person text, licensee text, role text) RETURNS boolean LANGUAGE sql
RETURN dcpf.act_as(('00000000-0000-4000-8000-000000000' || person)::uuid, ('00000000-0000-4000-8000-00000000' || licensee)::uuid,
                   role, 'test', true) IS NOT NULL;
CREATE FUNCTION pg_temp.refused_as(person text, licensee text, role text, statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_temp.as_person(person, licensee, role);
    RETURN pg_temp.refused(statement);
END $$;
GRANT EXECUTE ON FUNCTION pg_temp.as_person(text, text, text), pg_temp.refused_as(text, text, text, text) TO PUBLIC;
