-- The registry of a cluster's audit nodes (sql/252_audit_node_key.sql):
-- dcpf.audit_register_node, dcpf.audit_retire_node, dcpf.audit_key_fingerprint
-- and the table they write; and the other nodes' seals a node records
-- (dcpf.audit_record_node_head, dcpf.audit_last_seal). What they accept and
-- refuse (a changed or forged seal, one passed off as another node's, a
-- second seal under a recorded number), that a key is only ever retired and
-- a recorded seal never changed, that every change is an audit event, that
-- no group role reads or writes any of it (SET ROLE) but the job's role
-- records seals that verify, and that the sealer of a server without
-- dcpf.audit_node refuses once nodes are registered. The
-- seals of named nodes, and their verification together, are checked by
-- test/shell/audit_nodes_offline.sh (dcpf.audit_node is a server setting).
BEGIN;
SELECT plan(45);

\set key_a '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAyJPUjJDJrvxs31GbO+O/y3IOBa/DGEQ9n81Uc2Z86CQ=\n-----END PUBLIC KEY-----\n'
\set key_b '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEApQXRrnbIN3Aq2L5M6xbZrPT56syAUbAi1BZ8iGKMrtU=\n-----END PUBLIC KEY-----\n'
\set key_ec '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEq8jj7KCYQh77I8IHNuwFSJVnjJgQ\nGnEZZL6otHPzUKBYRT/y/2BkYk5s2uAK8p+C+01yVUE4mSd0bAccBBAYgQ==\n-----END PUBLIC KEY-----\n'
-- two seals of node "coordinator", number 7, signed offline with the private
-- half of key_a (below, as a key that must be refused), with other chains
\set seal_1 '9756854c872771fe36602b23e7c3ae83e1c07841b0967cdb3cb71f3ec97d794a2e59c9ce22b59170a40c8c5ea39e40873b427b72e5762ab40cf03e93c4924209 {"v":2,"node":"coordinator","nodes":[],"heads":[],"seal_no":7,"sealed_at":"2026-12-01T10:00:01.000000Z","key":"2e3bd2c615dcd117055cd3ef8e11e0783732a6eb471b45825434b15c4798450f","prev_high_id":10,"high_id":20,"pending":[],"late_ids":[],"range_events":10,"late_events":0,"first_at":null,"last_at":null,"digests_sha256":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","prev_chain":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","chain":"0000000000000000000000000000000000000000000000000000000000000001"}'
\set seal_2 '9e4ab9e5a86f301a56cf129060693964979b584db24341dbeb66f0d3748d14fce58cf3a88b504127e417124efd767e840e9f7f5f42d9ec99817c0d31fdd2710e {"v":2,"node":"coordinator","nodes":[],"heads":[],"seal_no":7,"sealed_at":"2026-12-01T10:00:02.000000Z","key":"2e3bd2c615dcd117055cd3ef8e11e0783732a6eb471b45825434b15c4798450f","prev_high_id":10,"high_id":20,"pending":[],"late_ids":[],"range_events":10,"late_events":0,"first_at":null,"last_at":null,"digests_sha256":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","prev_chain":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","chain":"0000000000000000000000000000000000000000000000000000000000000002"}'
\set key_private '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIAm3bu8vhPUY/uc/D2tsZnUvufPITJ27F2OgnjO5O4z9\n-----END PRIVATE KEY-----\n'

-- the fingerprint, computed here another way: SHA-256 of the raw key, the
-- last 32 bytes of the DER
SELECT is(dcpf.audit_key_fingerprint(:'key_a'),
          encode(sha256(substr(decode('MCowBQYDK2VwAyEAyJPUjJDJrvxs31GbO+O/y3IOBa/DGEQ9n81Uc2Z86CQ=', 'base64'), 13)), 'hex'),
          'a fingerprint is the SHA-256 of the raw Ed25519 key');
SELECT throws_ok($$SELECT dcpf.audit_key_fingerprint('not a key')$$, '22023', 'not an Ed25519 public key', 'text that is no key: 22023');
SELECT throws_ok(format('SELECT dcpf.audit_key_fingerprint(%L)', :'key_ec'), '22023', 'not an Ed25519 public key',
                 'a P-256 public key: 22023');
SELECT throws_ok(format('SELECT dcpf.audit_key_fingerprint(%L)', :'key_private'), '22023', 'not an Ed25519 public key',
                 'a private key: 22023 (and it is not stored)');
SELECT throws_ok(format('SELECT dcpf.audit_key_fingerprint(%L)', :'key_a' || :'key_b'), '22023', 'not an Ed25519 public key',
                 'two keys in one text: 22023');

-- registering
SELECT is((SELECT format('%s %s', node_name, retired_at IS NULL) FROM dcpf.audit_register_node('coordinator', :'key_a')),
          'coordinator t', 'a node is registered with its key');
SELECT is((SELECT registered_at FROM dcpf.audit_register_node('coordinator', :'key_a')),
          (SELECT registered_at FROM dcpf.audit_node_key WHERE node_name = 'coordinator'),
          'the same key again changes nothing');
SELECT throws_ok(format('SELECT dcpf.audit_register_node(%L, %L)', 'worker-1', :'key_a'), '23505',
                 'this key is already registered for audit node "coordinator"', 'another node with the same key: 23505');
SELECT throws_ok(format('SELECT dcpf.audit_register_node(%L, %L)', 'Worker 1', :'key_b'), '22023',
                 'invalid audit node name', 'a name dcpf.audit_node would not take: 22023');
SELECT throws_ok(format('SELECT dcpf.audit_register_node(%L, %L)', repeat('w', 64), :'key_b'), '22023',
                 'invalid audit node name', 'a name of 64 characters: 22023');
SELECT throws_ok(format('SELECT dcpf.audit_register_node(NULL, %L)', :'key_b'), '22023', 'invalid audit node name', 'no name: 22023');
SELECT throws_ok($$SELECT dcpf.audit_register_node('worker-1', NULL)$$, '22023', 'not an Ed25519 public key', 'no key: 22023');
SELECT throws_ok(format('SELECT dcpf.audit_register_node(%L, %L)', 'worker-1', :'key_private'), '22023',
                 'not an Ed25519 public key', 'a private key: 22023');
SELECT is((SELECT count(*) FROM dcpf.audit_node_key), 1::bigint, 'nothing refused was registered');

-- a new key for a node retires the old; a retired key is never taken again
SELECT is((SELECT key_fingerprint FROM dcpf.audit_register_node('coordinator', :'key_b')), dcpf.audit_key_fingerprint(:'key_b'),
          'a new key for a node is registered');
SELECT is((SELECT string_agg(format('%s %s', key_fingerprint = dcpf.audit_key_fingerprint(:'key_a'), retired_at IS NULL), ',' ORDER BY registered_at, retired_at IS NULL)
             FROM dcpf.audit_node_key),
          't f,f t', 'and retires the old one: one key in use per node');
SELECT throws_ok(format('SELECT dcpf.audit_register_node(%L, %L)', 'coordinator', :'key_a'), '23505', NULL,
                 'a retired key registered again: 23505');
SELECT is((SELECT node_name FROM dcpf.audit_retire_node('coordinator')), 'coordinator', 'a node is retired');
SELECT is((SELECT count(*) FROM dcpf.audit_node_key WHERE retired_at IS NULL), 0::bigint, 'and then has no key in use');
SELECT throws_ok($$SELECT dcpf.audit_retire_node('coordinator')$$, '42704', 'audit node "coordinator" is not registered',
                 'a node retired twice: 42704');

-- only ever retired
SELECT dcpf.audit_register_node('worker-1', dcpf.audit_public_key());
SELECT throws_ok($$UPDATE dcpf.audit_node_key SET node_name = 'worker-2' WHERE node_name = 'worker-1'$$, '42501',
                 'audit node keys cannot be changed', 'a key is not moved to another node (42501)');
SELECT throws_ok($$UPDATE dcpf.audit_node_key SET retired_at = NULL WHERE node_name = 'coordinator'$$, '42501',
                 'audit node keys cannot be changed', 'a retired key is not brought back');
SELECT throws_ok($$DELETE FROM dcpf.audit_node_key$$, '42501', NULL, 'a key is not deleted');
SELECT throws_ok($$TRUNCATE dcpf.audit_node_key$$, '42501', NULL, 'the registry is not truncated');
SELECT is((SELECT string_agg(e.action, ',' ORDER BY e.id) FROM dcpf.audit_event e WHERE e.object_table = 'audit_node_key'),
          'create,update,create,update,create', 'every registration and retirement is an audit event');

-- other nodes' seals, recorded (dcpf.audit_record_node_head): the seals of
-- the coordinator, signed with key_a, registered for it then retired (a
-- seal made before its key was retired still counts)
SELECT is((SELECT format('%s %s %s', node_name, seal_no, chain) FROM dcpf.audit_record_node_head(:'seal_1')),
          'coordinator 7 ' || repeat('0', 63) || '1', 'another node''s seal, signed with its registered key, is recorded');
SELECT is((SELECT count(*) FROM dcpf.audit_record_node_head(:'seal_1') h WHERE h.recorded_at = now()), 1::bigint,
          'the same seal again changes nothing');
SELECT throws_ok(format('SELECT dcpf.audit_record_node_head(%L)', replace(:'seal_1', '"range_events":10', '"range_events":11')),
                 '22023', 'the seal is not signed by the key of audit node "coordinator"', 'attack: a recorded seal changed: 22023');
SELECT throws_ok(format('SELECT dcpf.audit_record_node_head(%L)', replace(:'seal_1', '"node":"coordinator"', '"node":"worker-1"')),
                 '42704', 'the key of the seal is not registered for audit node "worker-1"',
                 'attack: the seal passed off as another node''s: 42704 (its key is not that node''s)');
SELECT throws_ok(format('SELECT dcpf.audit_record_node_head(%L)', :'seal_2'), 'XX001',
                 'audit node "coordinator" signed two different seals numbered 7',
                 'a second, different seal under a recorded number: XX001 (a rewritten trail)');
SELECT throws_ok($$SELECT dcpf.audit_record_node_head('not a seal')$$, '22023', 'malformed audit seal', 'a malformed seal: 22023');
SELECT throws_ok(format('SELECT dcpf.audit_record_node_head(%L)', repeat('ab', 64) || ' {not json'), '22023', 'malformed audit seal',
                 'a statement that is no JSON: 22023');
SELECT throws_ok($$UPDATE dcpf.audit_node_head SET chain = repeat('0', 64)$$, '42501', NULL, 'a recorded seal is not changed');
SELECT throws_ok($$DELETE FROM dcpf.audit_node_head$$, '42501', NULL, 'nor deleted');

-- the sealer of a server without dcpf.audit_node, once nodes are registered
SELECT throws_ok($$SELECT dcpf.audit_seal()$$, '55000', 'dcpf.audit_node is not set on a node of a cluster',
                 'a server without a node name does not seal once nodes are registered');

-- no group role reads or writes any of it
SET LOCAL ROLE dcpf_maintenance;
SELECT throws_ok($$SELECT dcpf.audit_register_node('rogue', dcpf.audit_public_key())$$, '42501', NULL,
                 'dcpf_maintenance (SET ROLE) cannot register a node');
RESET ROLE;
SET LOCAL ROLE dcpf_app;
SELECT throws_ok($$SELECT dcpf.audit_retire_node('worker-1')$$, '42501', NULL, 'dcpf_app (SET ROLE) cannot retire a node');
RESET ROLE;
SET LOCAL ROLE dcpf_reporting;
SELECT throws_ok($$SELECT * FROM dcpf.audit_node_key$$, '42501', NULL, 'dcpf_reporting (SET ROLE) cannot read the registry');
RESET ROLE;
SET LOCAL ROLE dcpf_app;
SELECT throws_ok($$SELECT dcpf.audit_record_node_head(dcpf.audit_last_seal())$$, '42501', NULL,
                 'dcpf_app (SET ROLE) can neither read a seal nor record one');
RESET ROLE;
SET LOCAL ROLE dcpf_maintenance;
SELECT throws_ok(format('SELECT dcpf.audit_record_node_head(%L)', replace(:'seal_1', '"range_events":10', '"range_events":12')),
                 '22023', 'the seal is not signed by the key of audit node "coordinator"',
                 'dcpf_maintenance (the job''s role) records only seals that verify');
SELECT throws_ok($$SELECT * FROM dcpf.audit_node_head$$, '42501', NULL, 'and reads no recorded seal');
RESET ROLE;
SELECT is((SELECT count(*) FROM pg_proc p, unnest(ARRAY['dcpf_app', 'dcpf_maintenance', 'dcpf_reporting']) r(role)
            WHERE p.oid IN ('dcpf.audit_register_node(text,text)'::regprocedure, 'dcpf.audit_retire_node(text)'::regprocedure,
                            'dcpf.audit_key_fingerprint(text)'::regprocedure, 'dcpf.audit_node_key_retire_only()'::regprocedure,
                            'dcpf.audit_signed_by(text,text,bytea)'::regprocedure)
              AND has_function_privilege(r.role, p.oid, 'EXECUTE')), 0::bigint,
          'no group role may run any of the registry''s functions');
SELECT is((SELECT string_agg(r.role, ',' ORDER BY r.role) FROM unnest(ARRAY['dcpf_app', 'dcpf_maintenance', 'dcpf_reporting']) r(role)
            WHERE has_function_privilege(r.role, 'dcpf.audit_record_node_head(text)', 'EXECUTE')
               OR has_function_privilege(r.role, 'dcpf.audit_last_seal()', 'EXECUTE')),
          'dcpf_maintenance', 'only dcpf_maintenance (the job) reads this node''s last seal and records another''s');

-- with no node left, the server seals again (format 1), naming its key by
-- the fingerprint dcpf.audit_key_fingerprint gives
SELECT node_name FROM dcpf.audit_retire_node('worker-1');
SELECT seal_no IS NOT NULL AS sealed FROM dcpf.audit_seal();
SELECT is((SELECT format('%s %s', statement::jsonb ->> 'v', key_fingerprint) FROM dcpf.audit_seal ORDER BY seal_no DESC LIMIT 1),
          '1 ' || dcpf.audit_key_fingerprint(dcpf.audit_public_key()),
          'with no node in use, a seal is as on a single server, and names its key by that fingerprint');
SELECT throws_ok($$SELECT dcpf.audit_record_node_head(dcpf.audit_last_seal())$$, '22023', 'not the seal of a node of a cluster',
                 'this single server''s own seal (format 1) is not recorded: 22023');

SELECT * FROM finish();
ROLLBACK;
