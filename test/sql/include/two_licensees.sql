-- Test fixture, for \i test/sql/include/two_licensees.sql in a test of
-- test/sql (pg_regress feeds a test to psql on standard input, so the path is
-- relative to the repository root, where the tests run): licensees A (UMC
-- Oost, ...a001) and B (Ziekenhuis West, ...a002), each with a licence of
-- product ...b001, and every role's EURA published. Accept them with
-- test/sql/include/accept_euras.sql once the memberships exist.
INSERT INTO dcpf.licensee (id, name, kind) VALUES
    ('00000000-0000-4000-8000-00000000a001', 'UMC Oost', 'academic_hospital'),
    ('00000000-0000-4000-8000-00000000a002', 'Ziekenhuis West', 'hospital');
INSERT INTO dcpf.product (id, code, name) VALUES ('00000000-0000-4000-8000-00000000b001', 'dcpf', 'DCPF portfolio');
INSERT INTO dcpf.licence (licensee_id, product_id, starts_on)
SELECT id, '00000000-0000-4000-8000-00000000b001', '2020-01-01' FROM dcpf.licensee;
INSERT INTO dcpf.role_agreement (product_id, role_code, version, title, body, effective_from)
SELECT '00000000-0000-4000-8000-00000000b001', code, 1, 'EURA ' || code, 'Ik accepteer de rolgebonden rechten van ' || code || '.', '2020-01-01'
  FROM dcpf.role;
