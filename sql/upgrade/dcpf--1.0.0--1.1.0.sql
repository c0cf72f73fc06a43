-- dcpf 1.0.0 -> 1.1.0, run by ALTER EXTENSION dcpf UPDATE: everything the
-- sources of 1.1.0 (sql/[0-9]*.sql) add to or change in the frozen 1.0.0
-- (sql/release/dcpf--1.0.0.sql), so that an updated database is object for
-- object a fresh install of 1.1.0; test/shell/upgrade_matches_fresh_install.sh
-- compares the two. Frozen once 1.1.0 is released.
\echo Use "ALTER EXTENSION dcpf UPDATE" to load this file. \quit
