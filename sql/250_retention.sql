-- 250_retention.sql: retention (DESIGN.md clause 13; issue 8). Data is kept
-- no longer than necessary, the licensee (the controller) decides how long,
-- a licence's end ends the term, and the professional keeps their portfolio.
--
--   dcpf.data_category          what kinds of data are kept for how long, who
--                               decides (a licensee or the platform), the clock
--                               events and actions allowed, the legal minimum
--   dcpf.retention_policy       per licensee x category (NULL: the platform's
--                               default, shipped for every category): clock
--                               event, term, action, who set it and when
--   dcpf.retention_source       for each category, which tables hold its rows,
--   dcpf.retention_source_clock their key, licensee and person, and the clock
--                               per event: the job builds every statement from
--                               it; dcpf.retention_exempt_table says why the
--                               other tables with persons' rows are not purged
--   dcpf.job_run,               every run of the purge job, with its progress;
--   dcpf.run_retention          the purge job: short batches, SKIP LOCKED,
--                               resumable, idempotent, a dry run (both in
--                               sql/251_retention_job.sql)
--
-- Legal holds (sql/245_erasure.sql) keep what they cover: the job, the
-- privacy officer's report of what a hold keeps and erasure all ask
-- dcpf.legal_hold_keeps. A restriction of processing (art. 18) keeps the
-- person's rows too; a deactivated account does not (its storage ends with
-- the terms). The job never deletes portfolio content (its only action is
-- the hand-over at licence end, dcpf.end_licence) and never decrypts.
-- See doc/reference/retention.md and doc/guides/dba.md.

-- ---------------------------------------------------------------------------
-- Data categories
-- ---------------------------------------------------------------------------
CREATE TABLE dcpf.data_category (
    code            text PRIMARY KEY CONSTRAINT data_category_code_format CHECK (code ~ '^[a-z][a-z0-9_]{1,39}$'),
    name            text NOT NULL CONSTRAINT data_category_name_length CHECK (length(btrim(name)) BETWEEN 2 AND 80),
    description     text NOT NULL CONSTRAINT data_category_description_length CHECK (length(btrim(description)) BETWEEN 5 AND 1000),
    decided_by      text NOT NULL CONSTRAINT data_category_decided_by_known CHECK (decided_by IN ('licensee', 'platform')),
    clock_events    text[] NOT NULL CONSTRAINT data_category_clock_events_known CHECK (
                        cardinality(clock_events) > 0
                        AND clock_events <@ ARRAY['created', 'last_activity', 'membership_end', 'licence_end',
                                                  'consent_withdrawn', 'request_closed']),
    actions         text[] NOT NULL CONSTRAINT data_category_actions_known CHECK (
                        cardinality(actions) > 0 AND actions <@ ARRAY['delete', 'pseudonymise', 'hand_over']),
    minimum_term    interval NOT NULL DEFAULT '0' CONSTRAINT data_category_minimum_term_range CHECK (minimum_term >= '0'),
    minimum_basis   text NOT NULL CONSTRAINT data_category_minimum_basis_length CHECK (length(btrim(minimum_basis)) BETWEEN 5 AND 1000),
    legal_duty      boolean NOT NULL DEFAULT false,
    carried_out_by  text NOT NULL DEFAULT 'dcpf.run_retention' CONSTRAINT data_category_carried_out_by_known
                    CHECK (carried_out_by IN ('dcpf.run_retention', 'dcpf.audit_drop_expired_partitions', 'dcpf.end_licence')),
    position        integer NOT NULL CONSTRAINT data_category_position_unique UNIQUE,
    CONSTRAINT data_category_duty_has_minimum CHECK (NOT legal_duty OR minimum_term > '0'),
    CONSTRAINT data_category_hand_over_alone CHECK (NOT 'hand_over' = ANY (actions) OR actions = ARRAY['hand_over'])
);
COMMENT ON TABLE dcpf.data_category IS
    'the retention categories: kinds of data kept for a term, with the controller that decides it (a licensee or the platform), the clock events and actions a policy may choose, and the legal minimum term; shipped with dcpf, changed by nobody (dcpf.set_retention_policy chooses within them)';
COMMENT ON COLUMN dcpf.data_category.code IS 'the category';
COMMENT ON COLUMN dcpf.data_category.name IS 'a short name';
COMMENT ON COLUMN dcpf.data_category.description IS 'what data it is, and where it is kept';
COMMENT ON COLUMN dcpf.data_category.decided_by IS
    'licensee: each licensee''s privacy officer may set its own policy for the rows it holds, the platform default applies to the rest; platform: the platform (its security officer) alone sets it';
COMMENT ON COLUMN dcpf.data_category.clock_events IS
    'the events a policy may start the clock at: created, last_activity, membership_end, licence_end, consent_withdrawn, request_closed';
COMMENT ON COLUMN dcpf.data_category.actions IS 'what a policy may do at the end of the term: delete, pseudonymise (keep the row, remove what names or describes the person) or hand_over (the portfolio, at licence end)';
COMMENT ON COLUMN dcpf.data_category.minimum_term IS 'no policy may set a shorter term (22023), and the job never uses a shorter one';
COMMENT ON COLUMN dcpf.data_category.minimum_basis IS 'why the minimum: the statute or norm, or the technical need, or that there is none';
COMMENT ON COLUMN dcpf.data_category.legal_duty IS
    'the minimum is a legal obligation to keep (art. 17(3)(b) AVG): an erasure that would delete rows of the category before it has passed is refused (dcpf.retention_duties)';
COMMENT ON COLUMN dcpf.data_category.carried_out_by IS
    'who carries out the action: dcpf.run_retention (the purge job''s batches), dcpf.audit_drop_expired_partitions (the audit trail''s monthly partitions, dispatched by the job) or dcpf.end_licence (the hand-over; the job reports what is due)';
COMMENT ON COLUMN dcpf.data_category.position IS 'the order in which the job takes the categories';

INSERT INTO dcpf.data_category (code, name, description, decided_by, clock_events, actions, minimum_term, minimum_basis,
                                legal_duty, carried_out_by, position) VALUES
    ('login_attempts', 'Login records',
     'every password login attempt (dcpf.login_attempt), token authentication (dcpf.authentication_event) and identity assumed by a trusted back-end (dcpf.identity_assumption): the platform''s security log; each is also an event of the access log',
     'platform', '{created,last_activity}', '{delete}', '1 day',
     'no statutory minimum: the login itself stays in the access log (at least 5 years); dcpf.login counts the attempts of the last 30 minutes for its lockout, so a day at least', false,
     'dcpf.run_retention', 10),
    ('web_visits', 'Web visits',
     'page views of the websites and products (dcpf.web_visit): coarse without analytics consent, with the person and the minute under it',
     'platform', '{created,consent_withdrawn}', '{delete,pseudonymise}', '0',
     'no statutory minimum: kept only as long as needed to evaluate the websites (purpose analytics_cookies)', false,
     'dcpf.run_retention', 20),
    ('marketing', 'Marketing consent',
     'data kept for direct marketing only under consent: the state of consent to purpose marketing (dcpf.consent) once withdrawn; the consent events stay as proof, an objection stays in force',
     'platform', '{consent_withdrawn}', '{delete}', '0',
     'no statutory minimum: kept until consent ends (art. 6(1)(a), 7(3) AVG); the proof of consent and withdrawal is kept apart (dcpf.consent_event)', false,
     'dcpf.run_retention', 30),
    ('notices', 'Sent notices',
     'notices the application has sent or given up on (dcpf.notice); pending notices are never purged, and a notice that proves a person was told (art. 18(3), art. 34) stays with that record',
     'platform', '{created}', '{delete}', '0',
     'no statutory minimum: a notice is a message on its way; what it told is kept where the law needs it', false,
     'dcpf.run_retention', 40),
    ('memberships', 'Ended memberships',
     'memberships of a licensee (dcpf.membership) and places in its programmes (dcpf.programme_member) after they ended, or after the licensee''s licence ended; a membership that is the context of portfolio items stays with the portfolio',
     'licensee', '{membership_end,licence_end}', '{delete}', '0',
     'no statutory minimum: the licensee decides how long it keeps who worked or trained with it', false,
     'dcpf.run_retention', 50),
    ('subject_requests', 'Closed data-subject requests',
     'data-subject requests (dcpf.subject_request) and the records of rectifications carried out on them (dcpf.rectification), after the request was closed; a request named by a tombstone, a restriction or an addendum is kept with that record',
     'licensee', '{request_closed}', '{delete,pseudonymise}', '0',
     'no statutory minimum: the handling must stay demonstrable (art. 5(2), 12 AVG) for as long as claims about it may be brought', false,
     'dcpf.run_retention', 60),
    ('billing', 'Billing data',
     'a licensee''s billing profile (dcpf.billing_profile: address, contacts, mandate, card type) after its last licence ended',
     'platform', '{licence_end}', '{delete}', '7 years',
     'the tax retention duty of art. 52 Algemene wet inzake rijksbelastingen (AWR): the administration is kept 7 years', true,
     'dcpf.run_retention', 70),
    ('portfolio_content', 'Portfolio content',
     'the professional''s portfolio made in the context of a licensee (dcpf.portfolio_item and everything belonging to an item, dcpf.entrustment_decision): never deleted by retention; at the end of the licensee''s licence it is handed over to the professional (dcpf.end_licence, dcpf.complete_licence_ends: the job calls the latter first), detached from the licensee',
     'licensee', '{licence_end}', '{hand_over}', '0',
     'none: the portfolio is the professional''s (privacy statement, clause 13); the term is the grace period after the licence ended before the hand-over', false,
     'dcpf.end_licence', 80),
    ('access_log', 'Access log',
     'the audit trail (dcpf.audit_event): who did what to whose data; removed by dropping an expired month''s partition, never row by row',
     'licensee', '{created}', '{delete}', '5 years',
     'Dutch healthcare logging (NEN 7513, required by the Besluit elektronische gegevensverwerking door zorgaanbieders): access logs are kept at least 5 years', true,
     'dcpf.audit_drop_expired_partitions', 90);

-- ---------------------------------------------------------------------------
-- Policies
-- ---------------------------------------------------------------------------
CREATE TABLE dcpf.retention_policy (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    licensee_id  uuid REFERENCES dcpf.licensee (id),
    category     text NOT NULL REFERENCES dcpf.data_category (code),
    clock_event  text NOT NULL CONSTRAINT retention_policy_clock_event_known CHECK (clock_event IN
                     ('created', 'last_activity', 'membership_end', 'licence_end', 'consent_withdrawn', 'request_closed')),
    term         interval NOT NULL CONSTRAINT retention_policy_term_range CHECK (term >= '0' AND term <= '100 years'),
    action       text NOT NULL CONSTRAINT retention_policy_action_known CHECK (action IN ('delete', 'pseudonymise', 'hand_over')),
    builtin      boolean NOT NULL DEFAULT false,
    set_by       uuid,
    set_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT retention_policy_builtin_is_platform CHECK (NOT builtin OR (licensee_id IS NULL AND set_by IS NULL)),
    CONSTRAINT retention_policy_one_per_scope UNIQUE NULLS NOT DISTINCT (licensee_id, category, builtin)
);
COMMENT ON TABLE dcpf.retention_policy IS
    'retention policies per licensee and data category: the event that starts the clock, the term, and the action at its end. licensee NULL: the platform''s default, shipped (builtin) for every category and overridden by a row the platform sets; a licensee''s own row wins for the rows it holds where the category is decided by licensees. Written only by dcpf.set_retention_policy and dcpf.clear_retention_policy; dcpf.retention_policy_in_force shows what applies';
COMMENT ON COLUMN dcpf.retention_policy.id IS 'policy identifier';
COMMENT ON COLUMN dcpf.retention_policy.licensee_id IS 'the licensee whose policy it is; NULL: the platform''s default';
COMMENT ON COLUMN dcpf.retention_policy.category IS 'the data category (dcpf.data_category)';
COMMENT ON COLUMN dcpf.retention_policy.clock_event IS 'the event that starts the clock, one of the category''s clock_events';
COMMENT ON COLUMN dcpf.retention_policy.term IS 'how long after that event the data is kept; at least the category''s minimum_term';
COMMENT ON COLUMN dcpf.retention_policy.action IS 'what happens at the end of the term, one of the category''s actions';
COMMENT ON COLUMN dcpf.retention_policy.builtin IS 'shipped with dcpf (the platform default before anyone set one); never changed, not dumped';
COMMENT ON COLUMN dcpf.retention_policy.set_by IS 'the person who set it (an id, not a reference: it outlives that person''s erasure); NULL for the shipped ones';
COMMENT ON COLUMN dcpf.retention_policy.set_at IS 'when it was set';

CREATE FUNCTION dcpf.retention_policy_check() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    cat dcpf.data_category;
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.builtin THEN
        RAISE EXCEPTION 'a shipped retention policy is never changed'
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = format('The shipped default of category %s stays; the platform sets its own default beside it.', OLD.category),
                  HINT = 'dcpf.set_retention_policy(..., platform_default => true) as the platform''s security officer.';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    SELECT * INTO cat FROM dcpf.data_category c WHERE c.code = NEW.category;
    IF cat.code IS NULL THEN
        RAISE EXCEPTION 'unknown data category "%"', NEW.category
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The data categories are %s.', (SELECT string_agg(c.code, ', ' ORDER BY c.position) FROM dcpf.data_category c));
    END IF;
    IF NEW.licensee_id IS NOT NULL AND cat.decided_by = 'platform' THEN
        RAISE EXCEPTION 'category % is decided by the platform', cat.code
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('A licensee sets no policy of its own for category %s: the platform is its controller.', cat.code);
    END IF;
    IF NOT NEW.clock_event = ANY (cat.clock_events) THEN
        RAISE EXCEPTION 'clock event "%" is not allowed for category %', NEW.clock_event, cat.code
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The clock of category %s starts at %s; %s was asked.', cat.code,
                                  array_to_string(cat.clock_events, ' or '), coalesce(quote_literal(NEW.clock_event), 'NULL'));
    END IF;
    IF NOT NEW.action = ANY (cat.actions) THEN
        RAISE EXCEPTION 'action "%" is not allowed for category %', NEW.action, cat.code
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('At the end of its term, data of category %s is %s; %s was asked.', cat.code,
                                  array_to_string(ARRAY(SELECT CASE a WHEN 'delete' THEN 'deleted' WHEN 'pseudonymise' THEN 'pseudonymised'
                                                                      ELSE 'handed over' END FROM unnest(cat.actions) a), ' or '),
                                  coalesce(quote_literal(NEW.action), 'NULL'));
    END IF;
    IF NEW.term < cat.minimum_term THEN
        RAISE EXCEPTION 'retention term below the minimum of category %', cat.code
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('A term of %s is shorter than the minimum of %s for category %s: %s.',
                                  NEW.term, cat.minimum_term, cat.code, cat.minimum_basis);
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION dcpf.retention_policy_check() IS
    'trigger: a policy''s clock event and action are among its category''s, its term is not below the category''s minimum (22023, DETAIL naming the term and the rule), a licensee sets none for a category the platform decides (22023); a shipped policy is never changed or deleted (0A000)';
REVOKE ALL ON FUNCTION dcpf.retention_policy_check() FROM PUBLIC;
CREATE TRIGGER retention_policy_check BEFORE INSERT OR UPDATE OR DELETE ON dcpf.retention_policy
    FOR EACH ROW EXECUTE FUNCTION dcpf.retention_policy_check();

-- the platform's defaults, with ids and a time of their own (a restore
-- recreates them unchanged)
INSERT INTO dcpf.retention_policy (id, licensee_id, category, clock_event, term, action, builtin, set_at)
SELECT md5('dcpf retention policy ' || v.category)::uuid, NULL, v.category, v.clock_event, v.term::interval, v.action, true,
       '2026-12-01 00:00:00+01'
  FROM (VALUES ('login_attempts', 'created', '1 year', 'delete'),
               ('web_visits', 'created', '13 months', 'delete'),
               ('marketing', 'consent_withdrawn', '0', 'delete'),
               ('notices', 'created', '1 year', 'delete'),
               ('memberships', 'membership_end', '2 years', 'delete'),
               ('subject_requests', 'request_closed', '5 years', 'delete'),
               ('billing', 'licence_end', '7 years', 'delete'),
               ('portfolio_content', 'licence_end', '0', 'hand_over'),
               ('access_log', 'created', '5 years', 'delete')) v(category, clock_event, term, action);

-- a legal hold names a category of this catalogue, or none (every category)
ALTER TABLE dcpf.legal_hold ADD CONSTRAINT legal_hold_category_known
    FOREIGN KEY (category) REFERENCES dcpf.data_category (code);

-- ---------------------------------------------------------------------------
-- Sources: where each category's rows are, and when their clocks start
-- ---------------------------------------------------------------------------
-- Every expression is SQL over alias t, a row of the table. The job pastes
-- them into its statements (they come from this extension script, never
-- from a caller); the catalog test runs each one.
CREATE TABLE dcpf.retention_source (
    name                text PRIMARY KEY CONSTRAINT retention_source_name_format CHECK (name ~ '^[a-z][a-z0-9_]{1,62}$'),
    category            text NOT NULL REFERENCES dcpf.data_category (code),
    table_name          text NOT NULL REFERENCES dcpf.personal_data_table (table_name),
    position            integer NOT NULL,
    row_key             text NOT NULL CONSTRAINT retention_source_row_key_format CHECK (row_key ~ '^[a-z][a-z0-9_]*$'),
    licensee_expr       text NOT NULL,
    person_expr         text NOT NULL,
    scope               text NOT NULL DEFAULT 'true',
    keep_expr           text,
    keep_reason         text,
    pseudonymise_set    text,
    pseudonymised_expr  text,
    CONSTRAINT retention_source_position_unique UNIQUE (category, position),
    CONSTRAINT retention_source_keep_has_reason CHECK ((keep_expr IS NULL) = (keep_reason IS NULL)),
    CONSTRAINT retention_source_pseudonymise_whole CHECK (pseudonymise_set IS NULL OR pseudonymised_expr IS NOT NULL)
);
COMMENT ON TABLE dcpf.retention_source IS
    'the tables each data category''s rows are kept in, with what the purge job needs to build its statements (nothing in the job names a table); every table with persons'' rows is a source or exempt (dcpf.retention_exempt_table), checked against the personal-data registry by the test suite';
COMMENT ON COLUMN dcpf.retention_source.name IS 'the source (usually the table''s name)';
COMMENT ON COLUMN dcpf.retention_source.category IS 'the data category its rows belong to';
COMMENT ON COLUMN dcpf.retention_source.table_name IS 'the table, in schema dcpf (a table of the personal-data registry)';
COMMENT ON COLUMN dcpf.retention_source.position IS 'the order within the category (a table whose rows reference another''s comes first)';
COMMENT ON COLUMN dcpf.retention_source.row_key IS 'the column that identifies a row within the scope (a uuid for the tables the job purges)';
COMMENT ON COLUMN dcpf.retention_source.licensee_expr IS 'the licensee holding a row (SQL over alias t; NULL::uuid: the platform''s): whose policy applies, and which licensee''s holds keep it';
COMMENT ON COLUMN dcpf.retention_source.person_expr IS 'the person a row is about (SQL over alias t; NULL::uuid: nobody): whose holds and restriction keep it';
COMMENT ON COLUMN dcpf.retention_source.scope IS 'which rows of the table belong to the category (SQL condition over alias t)';
COMMENT ON COLUMN dcpf.retention_source.keep_expr IS 'rows kept whatever their term (SQL condition over alias t): another record still needs them';
COMMENT ON COLUMN dcpf.retention_source.keep_reason IS 'why keep_expr keeps them';
COMMENT ON COLUMN dcpf.retention_source.pseudonymise_set IS 'what pseudonymising a row sets (an UPDATE''s SET list over alias t); NULL: pseudonymising leaves the row as it is (nothing in it to remove)';
COMMENT ON COLUMN dcpf.retention_source.pseudonymised_expr IS 'true for a row that holds nothing pseudonymising would remove (SQL condition over alias t)';

CREATE TABLE dcpf.retention_source_clock (
    source       text NOT NULL REFERENCES dcpf.retention_source (name),
    clock_event  text NOT NULL CONSTRAINT retention_source_clock_event_known CHECK (clock_event IN
                     ('created', 'last_activity', 'membership_end', 'licence_end', 'consent_withdrawn', 'request_closed')),
    clock_expr   text NOT NULL,
    ordered      boolean NOT NULL DEFAULT false,
    PRIMARY KEY (source, clock_event)
);
COMMENT ON TABLE dcpf.retention_source_clock IS
    'per source and clock event, when a row''s clock started: the job keeps a row until that moment plus the term of the policy in force';
COMMENT ON COLUMN dcpf.retention_source_clock.source IS 'the source (dcpf.retention_source)';
COMMENT ON COLUMN dcpf.retention_source_clock.clock_event IS 'the clock event';
COMMENT ON COLUMN dcpf.retention_source_clock.clock_expr IS 'when the clock of a row started (a timestamptz expression over alias t; NULL: not yet)';
COMMENT ON COLUMN dcpf.retention_source_clock.ordered IS
    'the clock is a column with a B-tree index on (clock, row key): the job walks it in order and stops at the end of the term; otherwise it reads the table in ranges of blocks';

CREATE TABLE dcpf.retention_exempt_table (
    table_name  text PRIMARY KEY REFERENCES dcpf.personal_data_table (table_name),
    reason      text NOT NULL CONSTRAINT retention_exempt_table_reason_length CHECK (length(btrim(reason)) BETWEEN 5 AND 500)
);
COMMENT ON TABLE dcpf.retention_exempt_table IS
    'the tables with persons'' rows that no retention category purges, and why (kept as proof, part of the account, part of a portfolio item)';
COMMENT ON COLUMN dcpf.retention_exempt_table.table_name IS 'the table (a table of the personal-data registry)';
COMMENT ON COLUMN dcpf.retention_exempt_table.reason IS 'why its rows are not purged';

INSERT INTO dcpf.retention_source (name, category, table_name, position, row_key, licensee_expr, person_expr, scope,
                                   keep_expr, keep_reason, pseudonymise_set, pseudonymised_expr) VALUES
    ('login_attempt', 'login_attempts', 'login_attempt', 1, 'id', 'NULL::uuid', 't.person_id', 'true', NULL, NULL, NULL, NULL),
    ('authentication_event', 'login_attempts', 'authentication_event', 2, 'id', 'NULL::uuid', 't.person_id', 'true', NULL, NULL, NULL, NULL),
    ('identity_assumption', 'login_attempts', 'identity_assumption', 3, 'id', 'NULL::uuid', 't.person_id', 'true', NULL, NULL, NULL, NULL),
    ('web_visit', 'web_visits', 'web_visit', 1, 'id', 'NULL::uuid', 't.person_id', 'true', NULL, NULL,
     'person_id = NULL, consented = false, visited_at = date_trunc(''hour'', t.visited_at, ''UTC'')', 't.person_id IS NULL'),
    ('consent', 'marketing', 'consent', 1, 'person_id', 'NULL::uuid', 't.person_id',
     't.purpose_code = ''marketing'' AND t.state = ''withdrawn''', NULL, NULL, NULL, NULL),
    ('notice', 'notices', 'notice', 1, 'id', 'NULL::uuid', 'coalesce(t.subject_id, t.recipient_person_id)',
     '(t.sent_at IS NOT NULL OR t.failed_at IS NOT NULL)',
     'EXISTS (SELECT FROM dcpf.processing_restriction r WHERE r.lift_notice_id = t.id) OR EXISTS (SELECT FROM dcpf.breach_subject b WHERE b.notice_id = t.id)',
     'it proves that the person was told: before a restriction was lifted (art. 18(3) AVG), or of a breach (art. 34 AVG)', NULL, NULL),
    ('membership', 'memberships', 'membership', 1, 'id', 't.licensee_id', 't.person_id', 'true',
     'EXISTS (SELECT FROM dcpf.portfolio_item i WHERE i.membership_id = t.id)',
     'it is the context of portfolio items, which are handed over at licence end, never deleted', NULL, NULL),
    ('programme_member', 'memberships', 'programme_member', 2, 'id', 't.licensee_id', 't.person_id', 'true', NULL, NULL, NULL, NULL),
    ('rectification', 'subject_requests', 'rectification', 1, 'id', 't.licensee_id', 't.person_id', 'true', NULL, NULL, NULL, 'true'),
    ('subject_request', 'subject_requests', 'subject_request', 2, 'id', 't.licensee_id', 't.person_id',
     't.status IN (''completed'', ''refused'', ''withdrawn'')',
     'EXISTS (SELECT FROM dcpf.erasure e WHERE e.request_id = t.id) OR EXISTS (SELECT FROM dcpf.processing_restriction r WHERE r.request_id = t.id) '
     'OR EXISTS (SELECT FROM dcpf.item_addendum a WHERE a.request_id = t.id) OR EXISTS (SELECT FROM dcpf.rectification x WHERE x.request_id = t.id)',
     'a tombstone, a restriction, an addendum or a rectification record names it: it stays while they do', 'details = NULL', 't.details IS NULL'),
    ('billing_profile', 'billing', 'billing_profile', 1, 'licensee_id', 't.licensee_id', 'NULL::uuid', 'true', NULL, NULL, NULL, NULL),
    ('portfolio_item', 'portfolio_content', 'portfolio_item', 1, 'id', 't.licensee_id', 't.owner_id', 't.licensee_id IS NOT NULL',
     NULL, NULL, NULL, NULL),
    ('entrustment_decision', 'portfolio_content', 'entrustment_decision', 2, 'id', 't.licensee_id', 't.owner_id', 'true',
     NULL, NULL, NULL, NULL),
    ('audit_event', 'access_log', 'audit_event', 1, 'id', 't.licensee_id', 't.subject_person', 'true', NULL, NULL, NULL, NULL);

INSERT INTO dcpf.retention_source_clock (source, clock_event, clock_expr, ordered) VALUES
    ('login_attempt', 'created', 't.attempted_at', true),
    ('login_attempt', 'last_activity', 'coalesce(dcpf.person_last_activity(t.person_id), t.attempted_at)', false),
    ('authentication_event', 'created', 't.occurred_at', true),
    ('authentication_event', 'last_activity', 'coalesce(dcpf.person_last_activity(t.person_id), t.occurred_at)', false),
    ('identity_assumption', 'created', 't.assumed_at', true),
    ('identity_assumption', 'last_activity', 'coalesce(dcpf.person_last_activity(t.person_id), t.assumed_at)', false),
    ('web_visit', 'created', 't.visited_at', true),
    ('web_visit', 'consent_withdrawn',
     '(SELECT c.since FROM dcpf.consent c WHERE c.person_id = t.person_id AND c.purpose_code = ''analytics_cookies'' AND c.state <> ''given'')', false),
    ('consent', 'consent_withdrawn', 't.since', false),
    ('notice', 'created', 't.queued_at', false),
    ('membership', 'membership_end', 't.valid_until', false),
    ('membership', 'licence_end', 'dcpf.licence_end_clock(t.licensee_id)', false),
    ('programme_member', 'membership_end', 't.valid_until', false),
    ('programme_member', 'licence_end', 'dcpf.licence_end_clock(t.licensee_id)', false),
    ('rectification', 'request_closed', '(SELECT r.completed_at FROM dcpf.subject_request r WHERE r.id = t.request_id)', false),
    ('subject_request', 'request_closed', 't.completed_at', false),
    ('billing_profile', 'licence_end', 'dcpf.licence_end_clock(t.licensee_id)', false),
    ('portfolio_item', 'licence_end', 'dcpf.licence_end_clock(t.licensee_id)', false),
    ('entrustment_decision', 'licence_end', 'dcpf.licence_end_clock(t.licensee_id)', false),
    ('audit_event', 'created', 't.occurred_at', false);

INSERT INTO dcpf.retention_exempt_table (table_name, reason) VALUES
    ('person', 'the account itself: it ends by erasure (dcpf.erase_person) on the person''s request, or stays as the pseudonym kept records name'),
    ('person_phone', 'part of the account: kept while it exists, deleted by its erasure'),
    ('person_address', 'part of the account: kept while it exists, deleted by its erasure'),
    ('person_preference', 'part of the account: kept while it exists, deleted by its erasure'),
    ('person_credential', 'part of the account: kept while it exists, deleted by its erasure'),
    ('identity_link', 'part of the account: kept while it exists, deleted by its erasure'),
    ('data_key', 'key management: shredded by erasure, its record kept as proof'),
    ('role_agreement_acceptance', 'proof that the role agreement was accepted before the role was used (art. 5(2) AVG)'),
    ('policy_acknowledgement', 'proof that a policy version was acknowledged (art. 5(2) AVG)'),
    ('consent_event', 'proof of consent and of its withdrawal (art. 7(1) AVG): kept as long as the processing it allowed can be questioned'),
    ('processing_restriction', 'proof that processing was restricted or the account deactivated, and when that ended (art. 5(2), 18 AVG)'),
    ('breach_subject', 'part of the breach register (art. 33(5) AVG)'),
    ('legal_hold', 'the licensee''s record of a legal claim'),
    ('erasure', 'the tombstone: proof of an erasure, without personal data'),
    ('disclosure', 'the recipients register: who received the person''s data (art. 15(1)(c), art. 19 AVG), kept while that data is'),
    ('share', 'the professional''s own decision about their portfolio, in force until they revoke it or it ends'),
    ('portfolio_collection', 'the professional''s own arrangement of their portfolio'),
    ('portfolio_collection_item', 'the professional''s own arrangement of their portfolio'),
    ('portfolio_item_competency', 'part of a portfolio item: goes with its item (portfolio_content, handed over, never deleted)'),
    ('portfolio_item_epa', 'part of a portfolio item: goes with its item (portfolio_content, handed over, never deleted)'),
    ('assessment', 'part of a portfolio item: goes with its item (portfolio_content, handed over, never deleted)'),
    ('conversation', 'part of a portfolio item: goes with its item (portfolio_content, handed over, never deleted)'),
    ('competency_declaration', 'part of a portfolio item: goes with its item (portfolio_content, handed over, never deleted)'),
    ('portfolio_attachment', 'part of a portfolio item: goes with its item (portfolio_content, handed over, never deleted)'),
    ('item_comment', 'part of a portfolio item: goes with its item (portfolio_content, handed over, never deleted)'),
    ('item_addendum', 'part of a portfolio item: goes with its item (portfolio_content, handed over, never deleted)'),
    ('feedback_request', 'part of a portfolio item: goes with its item (portfolio_content, handed over, never deleted)'),
    ('msf_round', 'part of a portfolio item: goes with its item (portfolio_content, handed over, never deleted)'),
    ('msf_respondent', 'part of a portfolio item: goes with its item (portfolio_content, handed over, never deleted)'),
    ('msf_response', 'part of a portfolio item: goes with its item (portfolio_content, handed over, never deleted)'),
    ('handover', 'the professional''s record that their portfolio was handed over to them: theirs, kept with the portfolio'),
    ('handover_reference', 'part of a handed-over portfolio item (what it referred to, by name): goes with its item, never deleted');

-- the clocks the job walks in order, with the row key: a batch starts
-- right after the last row of the one before, and a dry run counts from
-- the index alone (the web visits' is in 205)
CREATE INDEX login_attempt_attempted_at_idx ON dcpf.login_attempt (attempted_at, id);
CREATE INDEX authentication_event_occurred_at_idx ON dcpf.authentication_event (occurred_at, id);
CREATE INDEX identity_assumption_assumed_at_idx ON dcpf.identity_assumption (assumed_at, id);
-- a membership is kept while items name it (its keep_expr, per row)
CREATE INDEX portfolio_item_membership_idx ON dcpf.portfolio_item (membership_id) WHERE membership_id IS NOT NULL;

-- The catalogue and the sources are the extension's own, like the
-- personal-data registry: recreated by CREATE EXTENSION, changed by nobody,
-- so not dumped; every identity reads them. A licensee's privacy officer
-- and admin read its policies and the platform's; the platform's security
-- officer the platform's. Nobody writes a policy but through the functions.
REVOKE ALL ON dcpf.data_category, dcpf.retention_policy, dcpf.retention_source, dcpf.retention_source_clock,
              dcpf.retention_exempt_table FROM PUBLIC;
ALTER TABLE dcpf.data_category ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.data_category FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.retention_policy ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.retention_policy FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.retention_source ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.retention_source FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.retention_source_clock ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.retention_source_clock FORCE ROW LEVEL SECURITY;
ALTER TABLE dcpf.retention_exempt_table ENABLE ROW LEVEL SECURITY;
ALTER TABLE dcpf.retention_exempt_table FORCE ROW LEVEL SECURITY;
CREATE POLICY data_category_read ON dcpf.data_category FOR SELECT TO dcpf_app
    USING (dcpf.current_person() IS NOT NULL);
CREATE POLICY retention_source_read ON dcpf.retention_source FOR SELECT TO dcpf_app
    USING (dcpf.current_person() IS NOT NULL);
CREATE POLICY retention_source_clock_read ON dcpf.retention_source_clock FOR SELECT TO dcpf_app
    USING (dcpf.current_person() IS NOT NULL);
CREATE POLICY retention_exempt_table_read ON dcpf.retention_exempt_table FOR SELECT TO dcpf_app
    USING (dcpf.current_person() IS NOT NULL);
CREATE POLICY retention_policy_officer_read ON dcpf.retention_policy FOR SELECT TO dcpf_app
    USING (licensee_id = dcpf.licensee_if_acting_in('privacy_officer', 'licensee_admin')
           OR (licensee_id IS NULL
               AND dcpf.licensee_if_acting_in('privacy_officer', 'licensee_admin', 'platform_security') IS NOT NULL));
GRANT SELECT ON dcpf.data_category, dcpf.retention_policy, dcpf.retention_source, dcpf.retention_source_clock,
                dcpf.retention_exempt_table TO dcpf_app;
SELECT pg_catalog.pg_extension_config_dump('dcpf.retention_policy', 'WHERE NOT builtin');
SELECT dcpf.audit_table('dcpf.data_category', NULL);
SELECT dcpf.audit_table('dcpf.retention_policy', NULL);
SELECT dcpf.audit_table('dcpf.retention_source', NULL);
SELECT dcpf.audit_table('dcpf.retention_source_clock', NULL);
SELECT dcpf.audit_table('dcpf.retention_exempt_table', NULL);

-- ---------------------------------------------------------------------------
-- What a row's clock and policy are, and what keeps it
-- ---------------------------------------------------------------------------
-- The last time a person signed in: a password login, a token, or an
-- identity assumed for them (the clock last_activity of the login records).
CREATE FUNCTION dcpf.person_last_activity(person uuid) RETURNS timestamptz
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
RETURN greatest((SELECT max(a.attempted_at) FROM dcpf.login_attempt a
                  WHERE a.person_id = person_last_activity.person AND a.outcome = 'success'),
                (SELECT max(e.occurred_at) FROM dcpf.authentication_event e WHERE e.person_id = person_last_activity.person),
                (SELECT max(i.assumed_at) FROM dcpf.identity_assumption i WHERE i.person_id = person_last_activity.person));
COMMENT ON FUNCTION dcpf.person_last_activity(uuid) IS
    'when the person last signed in (a successful dcpf.login, a token authentication or an identity assumed for them), or NULL: the start of the retention clock last_activity; owner only';
REVOKE ALL ON FUNCTION dcpf.person_last_activity(uuid) FROM PUBLIC;

-- The policy in force for a category's rows held by a licensee (NULL: the
-- platform's rows): the licensee's own where its category lets licensees
-- decide, else the platform's default, else the shipped one; never a term
-- below the category's minimum. Reads every policy: owner only (the view
-- dcpf.retention_policy_in_force shows the same within what a caller may see).
CREATE FUNCTION dcpf.retention_policy_for(category text, licensee uuid)
    RETURNS TABLE (clock_event text, term interval, action text, set_in text)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT p.clock_event, greatest(p.term, c.minimum_term), p.action,
           CASE WHEN p.licensee_id IS NOT NULL THEN 'licensee' WHEN p.builtin THEN 'shipped' ELSE 'platform' END
      FROM dcpf.data_category c JOIN dcpf.retention_policy p ON p.category = c.code
     WHERE c.code = retention_policy_for.category
       AND (p.licensee_id IS NULL OR (p.licensee_id = retention_policy_for.licensee AND c.decided_by = 'licensee'))
     ORDER BY p.licensee_id IS NULL, p.builtin
     LIMIT 1;
$$;
COMMENT ON FUNCTION dcpf.retention_policy_for(text, uuid) IS
    'the retention policy in force for the category''s rows held by the licensee (NULL: the platform''s rows): its clock event, term (never below the category''s minimum), action, and whether the licensee, the platform or the shipped default set it; owner only';
REVOKE ALL ON FUNCTION dcpf.retention_policy_for(text, uuid) FROM PUBLIC;

-- The clock of a row of a source under the clock event event_sql (SQL),
-- as one CASE over the source's clocks.
CREATE FUNCTION dcpf.retention_clock_case(source text, event_sql text) RETURNS text
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT 'CASE ' || event_sql || string_agg(format(' WHEN %L THEN (%s)', k.clock_event, k.clock_expr), '' ORDER BY k.clock_event)
           || ' END'
      FROM dcpf.retention_source_clock k WHERE k.source = retention_clock_case.source;
$$;
COMMENT ON FUNCTION dcpf.retention_clock_case(text, text) IS
    'SQL for the start of a source''s clock under the clock event given as SQL: a CASE over the source''s clock expressions (alias t); owner only';
REVOKE ALL ON FUNCTION dcpf.retention_clock_case(text, text) FROM PUBLIC;

-- Held: a legal hold keeps the row (dcpf.legal_hold_keeps, the one predicate).
CREATE FUNCTION dcpf.retention_held(category text, licensee uuid, person uuid) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
RETURN EXISTS (SELECT FROM dcpf.legal_hold h
                WHERE dcpf.legal_hold_keeps(h, retention_held.category, retention_held.licensee, retention_held.person));
COMMENT ON FUNCTION dcpf.retention_held(text, uuid, uuid) IS
    'whether a legal hold in force keeps a row of the category held by the licensee about the person (dcpf.legal_hold_keeps); owner only';
REVOKE ALL ON FUNCTION dcpf.retention_held(text, uuid, uuid) FROM PUBLIC;

-- Restricted: processing of the person's data is restricted (art. 18). The
-- person asked to keep it (art. 18(1)(b), (c)) or its accuracy or an
-- objection is being verified: the job leaves it, as it leaves held rows. A
-- deactivated account is not restricted in this sense: its data is stored
-- until its terms end, and the job removes it then.
CREATE FUNCTION dcpf.retention_restricted(person uuid) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
RETURN EXISTS (SELECT FROM dcpf.processing_restriction r
                WHERE r.person_id = retention_restricted.person AND r.kind = 'restriction' AND r.lifted_at IS NULL);
COMMENT ON FUNCTION dcpf.retention_restricted(uuid) IS
    'whether processing of the person''s data is restricted (art. 18 AVG, not a deactivation): the retention job keeps their rows until it is lifted; owner only';
REVOKE ALL ON FUNCTION dcpf.retention_restricted(uuid) FROM PUBLIC;

-- What applies, per licensee (and the platform, licensee NULL) and category.
-- security_invoker: a caller sees the policies RLS lets them see; a
-- privacy officer or admin sees the rows of the licensee they act in and
-- the platform's, the platform's security officer the platform's.
CREATE VIEW dcpf.retention_policy_in_force WITH (security_invoker = true) AS
SELECT l.id AS licensee_id, c.code AS category, p.clock_event, p.term, p.action,
       CASE WHEN p.licensee_id IS NOT NULL THEN 'licensee' WHEN p.builtin THEN 'shipped' ELSE 'platform' END AS set_in,
       p.set_by, p.set_at, c.decided_by, c.minimum_term, c.carried_out_by
  FROM (SELECT x.id FROM dcpf.licensee x
         WHERE (SELECT dcpf.current_person()) IS NULL
            OR x.id = (SELECT dcpf.licensee_if_acting_in('privacy_officer', 'licensee_admin'))
        UNION ALL
        SELECT NULL::uuid) l(id)
 CROSS JOIN dcpf.data_category c
 CROSS JOIN LATERAL (SELECT q.* FROM dcpf.retention_policy q
                      WHERE q.category = c.code
                        AND (q.licensee_id IS NULL OR (q.licensee_id = l.id AND c.decided_by = 'licensee'))
                      ORDER BY q.licensee_id IS NULL, q.builtin
                      LIMIT 1) p;
COMMENT ON VIEW dcpf.retention_policy_in_force IS
    'the retention policy in force per licensee and data category, and the platform''s (licensee NULL): the licensee''s own where its category lets licensees decide, else the platform''s default, else the shipped one; security_invoker: a privacy officer or admin sees the licensee they act in, the platform''s security officer the platform''s';
COMMENT ON COLUMN dcpf.retention_policy_in_force.licensee_id IS 'the licensee; NULL: the platform''s own rows (and every licensee without its own policy)';
COMMENT ON COLUMN dcpf.retention_policy_in_force.category IS 'the data category';
COMMENT ON COLUMN dcpf.retention_policy_in_force.clock_event IS 'the event that starts the clock';
COMMENT ON COLUMN dcpf.retention_policy_in_force.term IS 'the term after it (the job never goes below minimum_term)';
COMMENT ON COLUMN dcpf.retention_policy_in_force.action IS 'delete, pseudonymise or hand_over';
COMMENT ON COLUMN dcpf.retention_policy_in_force.set_in IS 'licensee (its own), platform (the platform''s default) or shipped';
COMMENT ON COLUMN dcpf.retention_policy_in_force.set_by IS 'who set it; NULL for the shipped one';
COMMENT ON COLUMN dcpf.retention_policy_in_force.set_at IS 'when it was set';
COMMENT ON COLUMN dcpf.retention_policy_in_force.decided_by IS 'whether licensees or the platform decide the category';
COMMENT ON COLUMN dcpf.retention_policy_in_force.minimum_term IS 'the category''s minimum term';
COMMENT ON COLUMN dcpf.retention_policy_in_force.carried_out_by IS 'who carries out the action';
REVOKE ALL ON dcpf.retention_policy_in_force FROM PUBLIC;
GRANT SELECT ON dcpf.retention_policy_in_force TO dcpf_app;

-- ---------------------------------------------------------------------------
-- Setting policies
-- ---------------------------------------------------------------------------
-- Who decides: a licensee's privacy officer sets its own policy for a
-- category that licensees decide, for the rows it holds. The platform's
-- defaults (all rows of the categories the platform decides, and the rows of
-- licensees without a policy of their own) are set by the platform's
-- security officer, acting as platform_security: a role only the platform
-- operator grants (its licensee, dcpf.membership's policies refuse it to any
-- licensee admin). The shipped defaults stay; the platform's row wins.
CREATE FUNCTION dcpf.set_retention_policy(category text, clock_event text, term interval, action text,
                                          platform_default boolean DEFAULT false)
    RETURNS uuid
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    lic    uuid;
    cat    dcpf.data_category;
    new_id uuid;
BEGIN
    IF coalesce(platform_default, false) THEN
        IF NOT coalesce(dcpf.acting_in('platform_security'), false) THEN
            RAISE EXCEPTION 'permission denied to set a platform default retention policy' USING ERRCODE = 'insufficient_privilege',
                DETAIL = 'The platform''s defaults are set by its security officer, acting as platform_security (a role only the platform operator grants).';
        END IF;
    ELSE
        lic := dcpf.licensee_if_acting_in('privacy_officer');
        IF lic IS NULL THEN
            RAISE EXCEPTION 'permission denied to set a retention policy' USING ERRCODE = 'insufficient_privilege',
                DETAIL = 'A licensee''s retention policy is set by its privacy officer, acting as privacy_officer.';
        END IF;
    END IF;
    SELECT * INTO cat FROM dcpf.data_category c WHERE c.code = set_retention_policy.category;
    IF cat.code IS NOT NULL AND lic IS NOT NULL AND cat.decided_by = 'platform' THEN
        RAISE EXCEPTION 'category % is decided by the platform', cat.code USING ERRCODE = 'insufficient_privilege',
            DETAIL = format('The platform is the controller of %s (%s); a licensee sets no policy of its own for it.', cat.code, lower(cat.name)),
            HINT = 'The platform''s security officer sets its default (platform_default => true).';
    END IF;
    IF term IS NULL OR clock_event IS NULL OR action IS NULL THEN
        RAISE EXCEPTION 'a retention policy needs a clock event, a term and an action' USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('Got clock event %s, term %s, action %s.', coalesce(quote_literal(clock_event), 'NULL'),
                            coalesce(quote_literal(term::text), 'NULL'), coalesce(quote_literal(action), 'NULL'));
    END IF;
    -- the trigger checks the rest against the category (22023)
    INSERT INTO dcpf.retention_policy AS p (licensee_id, category, clock_event, term, action, set_by)
    VALUES (lic, set_retention_policy.category, set_retention_policy.clock_event, set_retention_policy.term,
            set_retention_policy.action, dcpf.current_person())
    ON CONFLICT ON CONSTRAINT retention_policy_one_per_scope DO UPDATE
       SET clock_event = excluded.clock_event, term = excluded.term, action = excluded.action,
           set_by = excluded.set_by, set_at = now()
    RETURNING p.id INTO new_id;
    RETURN new_id;
END
$$;
COMMENT ON FUNCTION dcpf.set_retention_policy(text, text, interval, text, boolean) IS
    'sets the retention policy of a data category: the licensee''s own, by its privacy officer (for a category licensees decide), or with platform_default the platform''s default, by the platform''s security officer (platform_security); returns the policy''s id. 42501 in any other role, or for a category the platform decides; 22023 for an unknown category, a clock event or action the category does not allow, or a term below its minimum (DETAIL names the term and the rule)';
REVOKE ALL ON FUNCTION dcpf.set_retention_policy(text, text, interval, text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.set_retention_policy(text, text, interval, text, boolean) TO dcpf_app;

CREATE FUNCTION dcpf.clear_retention_policy(category text, platform_default boolean DEFAULT false) RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    lic uuid := CASE WHEN coalesce(platform_default, false) THEN NULL ELSE dcpf.licensee_if_acting_in('privacy_officer') END;
BEGIN
    IF (lic IS NULL) <> coalesce(platform_default, false)
       OR (coalesce(platform_default, false) AND NOT coalesce(dcpf.acting_in('platform_security'), false)) THEN
        RAISE EXCEPTION 'permission denied to clear a retention policy' USING ERRCODE = 'insufficient_privilege',
            DETAIL = 'A licensee''s policy is cleared by its privacy officer, the platform''s default by the platform''s security officer.';
    END IF;
    DELETE FROM dcpf.retention_policy p
     WHERE p.category = clear_retention_policy.category AND p.licensee_id IS NOT DISTINCT FROM lic AND NOT p.builtin;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no retention policy of % to clear', CASE WHEN lic IS NULL THEN 'the platform' ELSE 'this licensee' END
            USING ERRCODE = 'no_data_found',
                  DETAIL = format('Category %s has no policy of %s; the default applies already.',
                                  coalesce(quote_literal(category), 'NULL'), CASE WHEN lic IS NULL THEN 'the platform''s own' ELSE 'the licensee''s own' END);
    END IF;
END
$$;
COMMENT ON FUNCTION dcpf.clear_retention_policy(text, boolean) IS
    'removes the licensee''s own policy of a category (its privacy officer), or with platform_default the platform''s (its security officer, back to the shipped default), so that the default applies again; 42501 in any other role; P0002 when there is none';
REVOKE ALL ON FUNCTION dcpf.clear_retention_policy(text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.clear_retention_policy(text, boolean) TO dcpf_app;

-- ---------------------------------------------------------------------------
-- What a hold keeps, and what the law says to keep
-- ---------------------------------------------------------------------------
-- A query over a source's rows in scope (and a filter over alias t, with $1
-- free for the caller) giving, per row, when its clock started and the
-- term and action of the policy in force for its licensee, its licensee and
-- person, whether its keep rule keeps it, and whether it holds nothing a
-- pseudonymisation would remove. For the hold report and the duties to keep;
-- the job's batches are built for their pass instead. Owner only.
CREATE FUNCTION dcpf.retention_rows_sql(source text, filter text) RETURNS text
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT format(
        'WITH pol AS (SELECT g.licensee, f.clock_event, f.term, f.action
                        FROM (SELECT q.licensee_id FROM dcpf.retention_policy q WHERE q.category = %1$L AND q.licensee_id IS NOT NULL
                              UNION SELECT NULL::uuid) g(licensee)
                       CROSS JOIN LATERAL dcpf.retention_policy_for(%1$L, g.licensee) f)
         SELECT (%2$s) AS clock, coalesce(o.term, d.term) AS term, coalesce(o.action, d.action) AS action,
                (%3$s) AS lic, (%4$s) AS per, (%5$s) AS kept, (%6$s) AS done
           FROM dcpf.%7$I t
           LEFT JOIN pol o ON o.licensee = (%3$s)
          CROSS JOIN (SELECT * FROM pol WHERE pol.licensee IS NULL) d
          WHERE (%8$s) AND (%9$s)',
        s.category, dcpf.retention_clock_case(s.name, 'coalesce(o.clock_event, d.clock_event)'), s.licensee_expr, s.person_expr,
        coalesce(s.keep_expr, 'false'), coalesce(s.pseudonymised_expr, 'true'), s.table_name, s.scope, filter)
      FROM dcpf.retention_source s WHERE s.name = retention_rows_sql.source;
$$;
COMMENT ON FUNCTION dcpf.retention_rows_sql(text, text) IS
    'SQL over a source''s rows in scope and matching the filter (over alias t): per row its clock and the term and action of the policy in force for its licensee, its licensee and person, whether its keep rule keeps it and whether nothing is left to pseudonymise; for dcpf.legal_hold_report and dcpf.retention_duties; owner only';
REVOKE ALL ON FUNCTION dcpf.retention_rows_sql(text, text) FROM PUBLIC;

-- The privacy officer's report: per hold of their licensee in force, per
-- category it covers and table, the rows past their term that the hold keeps
-- (the job would delete or pseudonymise them but for it), and the oldest
-- clock among them. Each hold on a person reported is a logged read.
CREATE FUNCTION dcpf.legal_hold_report(hold uuid DEFAULT NULL)
    RETURNS TABLE (hold_id uuid, person_id uuid, category text, table_name text, rows_kept bigint, oldest timestamptz)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    lic   uuid := dcpf.licensee_if_acting_in('privacy_officer');
    h     dcpf.legal_hold;
    other dcpf.legal_hold;
    s     record;
BEGIN
    IF lic IS NULL THEN
        RAISE EXCEPTION 'permission denied to report on legal holds' USING ERRCODE = 'insufficient_privilege',
            DETAIL = 'A licensee''s legal holds are reported to its privacy officer, acting as privacy_officer.';
    END IF;
    IF legal_hold_report.hold IS NOT NULL
       AND NOT EXISTS (SELECT FROM dcpf.legal_hold x WHERE x.id = legal_hold_report.hold AND x.licensee_id = lic) THEN
        SELECT * INTO other FROM dcpf.legal_hold x WHERE x.id = legal_hold_report.hold;
        IF other.id IS NOT NULL THEN
            PERFORM dcpf.audit_note('read', 'legal_hold', other.id::text, other.person_id, '{"via": "legal_hold_report"}', true);
        END IF;
        RAISE EXCEPTION 'legal hold % not found', legal_hold_report.hold USING ERRCODE = 'no_data_found',
            DETAIL = 'It does not exist, or it is not of the licensee you act in as its privacy officer.';
    END IF;
    FOR h IN SELECT * FROM dcpf.legal_hold x
              WHERE x.licensee_id = lic AND (legal_hold_report.hold IS NULL OR x.id = legal_hold_report.hold)
                AND x.lifted_at IS NULL AND (x.until IS NULL OR x.until > now())
              ORDER BY x.placed_at, x.id LOOP
        PERFORM dcpf.audit_note('read', 'legal_hold', h.id::text, h.person_id, '{"via": "legal_hold_report"}');
        FOR s IN SELECT src.name, src.category AS cat, src.table_name AS tab, src.licensee_expr, src.person_expr
                   FROM dcpf.retention_source src JOIN dcpf.data_category c ON c.code = src.category
                  WHERE h.category IS NULL OR src.category = h.category
                  ORDER BY c.position, src.position LOOP
            hold_id := h.id;
            person_id := h.person_id;
            category := s.cat;
            table_name := s.tab;
            EXECUTE format('SELECT count(*), min(k.clock) FROM (%s) k
                             WHERE k.action IN (''delete'', ''pseudonymise'') AND k.clock + k.term <= now() AND NOT k.kept
                               AND NOT (k.action = ''pseudonymise'' AND k.done) AND dcpf.legal_hold_keeps($1, %L, k.lic, k.per)',
                           dcpf.retention_rows_sql(s.name,
                               CASE WHEN h.person_id IS NOT NULL THEN format('(%s) = %L', s.person_expr, h.person_id)
                                    ELSE format('((%1$s) = %2$L OR (%1$s) IS NULL)', s.licensee_expr, h.licensee_id) END),
                           s.cat)
              INTO rows_kept, oldest USING h;
            RETURN NEXT;
        END LOOP;
    END LOOP;
END
$$;
COMMENT ON FUNCTION dcpf.legal_hold_report(uuid) IS
    'for the privacy officer: what each legal hold of their licensee in force keeps (or the one hold asked for): per data category it covers and table, the rows past their term that it keeps from being deleted or pseudonymised (dcpf.legal_hold_keeps) and the oldest clock among them; every hold on a person reported is a logged read. 42501 outside that role; P0002 for a hold of another licensee (the attempt logged as denied) or none';
REVOKE ALL ON FUNCTION dcpf.legal_hold_report(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dcpf.legal_hold_report(uuid) TO dcpf_app;

-- A duty to keep, for erasure (art. 17(3)(b) AVG): the person's rows in a
-- category whose minimum term is a legal obligation (data_category.legal_duty)
-- and that erasure would delete (the registry's on_erasure delete), while the
-- minimum has not passed since their clock started under the policy in force
-- (or the clock has not started). What erasure keeps anyway (the access log,
-- pseudonymised) is no obstacle. Owner only; dcpf.erasure_obstacles asks it.
CREATE FUNCTION dcpf.retention_duties(person uuid)
    RETURNS TABLE (category text, table_name text, rows_kept bigint, kept_until timestamptz, detail text)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s          record;
    unstarted  bigint;
    last_start timestamptz;
BEGIN
    FOR s IN SELECT src.name, src.category AS cat, src.table_name AS tab, c.name AS cat_name, c.minimum_term, c.minimum_basis,
                    d.subject_column
               FROM dcpf.retention_source src
               JOIN dcpf.data_category c ON c.code = src.category
               JOIN dcpf.personal_data_table d ON d.table_name = src.table_name
              WHERE c.legal_duty AND d.on_erasure = 'delete'
              ORDER BY c.position, src.position LOOP
        EXECUTE format('SELECT count(*), count(*) FILTER (WHERE k.clock IS NULL), max(k.clock) FROM (%s) k
                         WHERE k.clock IS NULL OR k.clock + %L::interval > now()',
                       dcpf.retention_rows_sql(s.name, format('t.%I = $1', s.subject_column)), s.minimum_term)
          INTO rows_kept, unstarted, last_start USING retention_duties.person;
        CONTINUE WHEN rows_kept = 0;
        category := s.cat;
        table_name := s.tab;
        kept_until := CASE WHEN unstarted = 0 THEN last_start + s.minimum_term END;
        detail := format('%s row(s) of dcpf.%s (%s) must be kept %s: %s.', rows_kept, s.tab, lower(s.cat_name),
                         CASE WHEN unstarted = 0 THEN 'until ' || to_char(kept_until AT TIME ZONE 'Europe/Amsterdam', 'YYYY-MM-DD')
                              ELSE format('%s from their clock, which has not started for %s of them', s.minimum_term, unstarted) END,
                         s.minimum_basis);
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION dcpf.retention_duties(uuid) IS
    'the duties to keep the person''s data that stand in the way of erasing it (art. 17(3)(b) AVG): per source of a category whose minimum term is a legal obligation and whose rows erasure would delete, the person''s rows whose minimum has not passed (or whose clock has not started), until when, and a sentence naming the rule; owner only';
REVOKE ALL ON FUNCTION dcpf.retention_duties(uuid) FROM PUBLIC;

-- The access log goes by month: a partition may be dropped once all of it is
-- older than this moment, the oldest every licensee's policy (and the
-- platform's) lets go. A hold on a whole licensee in force over the access
-- log keeps everything (NULL: drop nothing); a hold on a person, and a
-- restriction of processing, keep the cut-off before that person's oldest
-- event (more than the hold strictly keeps: a partition is all or nothing).
CREATE FUNCTION dcpf.access_log_cutoff() RETURNS timestamptz
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    longest interval;
    cut     timestamptz;
    oldest  timestamptz;
BEGIN
    SELECT max(f.term) INTO longest
      FROM (SELECT p.licensee_id FROM dcpf.retention_policy p WHERE p.category = 'access_log' AND p.licensee_id IS NOT NULL
            UNION SELECT NULL::uuid) l(licensee_id)
     CROSS JOIN LATERAL dcpf.retention_policy_for('access_log', l.licensee_id) f;
    IF EXISTS (SELECT FROM dcpf.legal_hold h
                WHERE h.person_id IS NULL AND coalesce(h.category, 'access_log') = 'access_log'
                  AND h.lifted_at IS NULL AND (h.until IS NULL OR h.until > now())) THEN
        RETURN NULL;
    END IF;
    cut := now() - longest;
    SELECT min(y.oldest) INTO oldest
      FROM (SELECT h.person_id FROM dcpf.legal_hold h
             WHERE h.person_id IS NOT NULL AND coalesce(h.category, 'access_log') = 'access_log'
               AND h.lifted_at IS NULL AND (h.until IS NULL OR h.until > now())
            UNION
            SELECT r.person_id FROM dcpf.processing_restriction r WHERE r.kind = 'restriction' AND r.lifted_at IS NULL) x
     CROSS JOIN LATERAL (SELECT min(e.occurred_at) AS oldest FROM dcpf.audit_event e
                          WHERE e.subject_person = x.person_id AND e.occurred_at < cut) y;
    RETURN least(cut, oldest);
END
$$;
COMMENT ON FUNCTION dcpf.access_log_cutoff() IS
    'the moment before which every event of the access log is past the term of every licensee''s access_log policy and the platform''s, and kept by no hold or restriction: a monthly partition wholly before it may be dropped; NULL while a hold on a whole licensee covers the access log; owner only';
REVOKE ALL ON FUNCTION dcpf.access_log_cutoff() FROM PUBLIC;
