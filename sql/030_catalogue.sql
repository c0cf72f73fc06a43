-- 030_catalogue.sql: catalogues shared by all licensees: application roles
-- and products. Rows shipped with dcpf are marked builtin; a dump keeps only
-- the rows a site added (pg_extension_config_dump filter).

CREATE TABLE dcpf.role (
    code         text PRIMARY KEY
                 CONSTRAINT role_code_format CHECK (code ~ '^[a-z][a-z0-9_]{1,39}$'),
    name_nl      text NOT NULL CONSTRAINT role_name_nl_length CHECK (length(btrim(name_nl)) BETWEEN 2 AND 80),
    name_en      text NOT NULL CONSTRAINT role_name_en_length CHECK (length(btrim(name_en)) BETWEEN 2 AND 80),
    description  text NOT NULL,
    requires_big boolean NOT NULL DEFAULT false,
    builtin      boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE dcpf.role IS
    'application roles a person can hold in a licensee (membership); a role is effective only after its EURA is accepted';
COMMENT ON COLUMN dcpf.role.code IS 'stable identifier used in memberships, tokens and permissions';
COMMENT ON COLUMN dcpf.role.name_nl IS 'Dutch display name';
COMMENT ON COLUMN dcpf.role.name_en IS 'English display name';
COMMENT ON COLUMN dcpf.role.description IS 'what a holder of the role does and may see';
COMMENT ON COLUMN dcpf.role.requires_big IS 'a holder must have a BIG number (medical professionals)';
COMMENT ON COLUMN dcpf.role.builtin IS 'shipped with dcpf; not dumped, recreated by CREATE EXTENSION';

INSERT INTO dcpf.role (code, name_nl, name_en, description, requires_big, builtin) VALUES
    ('professional',         'Professional',              'Professional',
     'keeps a portfolio (nurse, allied health professional, other professional)', false, true),
    ('medical_professional', 'Medisch professional',      'Medical professional',
     'keeps a portfolio as a BIG-registered medical professional', true, true),
    ('medical_trainee',      'Arts in opleiding (aios)',  'Medical trainee (resident)',
     'keeps a training portfolio within a specialty programme', true, true),
    ('supervisor',           'Supervisor',                'Supervisor',
     'reads what professionals share with them and gives feedback', false, true),
    ('trainer',              'Opleider',                  'Programme director',
     'is responsible for a programme: progress, assessments and entrustment decisions', false, true),
    ('assessor',             'Beoordelaar',               'Assessor',
     'assesses professionals and signs assessments', false, true),
    ('licensee_admin',       'Beheerder',                 'Licensee administrator',
     'manages people, memberships and licences of one licensee', false, true),
    ('privacy_officer',      'Functionaris gegevensbescherming', 'Privacy officer',
     'handles data-subject requests, breaches and consent records of one licensee', false, true),
    ('platform_support',     'Platformondersteuning',     'Platform support',
     'sees nothing without an explicit, time-limited grant from a licensee administrator', false, true),
    ('platform_security',    'Security officer platform', 'Platform security officer',
     'the platform''s (the processor''s) security and privacy staff: records data breaches and tells the licensees concerned, keeps the subprocessor register; granted only by the platform operator, never by a licensee administrator', false, true);

CREATE TABLE dcpf.product (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code        text NOT NULL CONSTRAINT product_code_format CHECK (code ~ '^[a-z][a-z0-9_-]{1,39}$'),
    name        text NOT NULL CONSTRAINT product_name_length CHECK (length(btrim(name)) BETWEEN 2 AND 120),
    description text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT product_code_unique UNIQUE (code)
);
COMMENT ON TABLE dcpf.product IS 'SaaS products a licensee can hold a licence for (e.g. the DCPF portfolio)';
COMMENT ON COLUMN dcpf.product.id IS 'product identifier';
COMMENT ON COLUMN dcpf.product.code IS 'stable short code, unique';
COMMENT ON COLUMN dcpf.product.name IS 'display name';
COMMENT ON COLUMN dcpf.product.description IS 'what the product offers';
COMMENT ON COLUMN dcpf.product.created_at IS 'when the product was registered';
