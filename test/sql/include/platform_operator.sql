-- Test fixture, after test/sql/include/two_licensees.sql: the platform
-- operator (VREST B.V., ...a003) registered as a licensee with a licence of
-- product ...b001, so that its staff can act in the platform's roles
-- (platform_security) through the role gate.
INSERT INTO dcpf.licensee (id, name, kind) VALUES ('00000000-0000-4000-8000-00000000a003', 'VREST B.V.', 'other');
INSERT INTO dcpf.licence (licensee_id, product_id, starts_on) VALUES
    ('00000000-0000-4000-8000-00000000a003', '00000000-0000-4000-8000-00000000b001', '2020-01-01');
