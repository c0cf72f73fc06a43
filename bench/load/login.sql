-- bench/load/login.sql: a trainee logs in with their password (dcpf.login:
-- scrypt, the attempt recorded, a token signed with the platform key;
-- committed on its own, as the login must be), then the application's
-- next request: the token proven by dcpf.authenticate (the person alone:
-- the token names no licensee) and their 20 most recent items.
\set l random(1, :licensees)
\set k 20 * random(0, :per_licensee / 20 - 1) + random(3, 19)
\set p :l + :licensees * :k
SELECT dcpf.login('p' || :p || '@bench.example', :password, NULL,
                  jsonb_build_object('address', '10.1.' || :l || '.' || :client_id, 'user_agent', 'pgbench (bench/load)')) AS token \gset
BEGIN;
SELECT dcpf.authenticate(:token);
SELECT id, item_type, title, occurred_on, status FROM dcpf.my_items ORDER BY occurred_on DESC, created_at DESC LIMIT 20;
COMMIT;
