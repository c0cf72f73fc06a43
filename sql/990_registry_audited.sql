-- 990_registry_audited.sql: the last file. Every file has registered its
-- tables in the personal-data registry (215); from here on any change to it
-- is audited, and installing wrote no audit events.
SELECT dcpf.audit_table('dcpf.personal_data_table', NULL);
SELECT dcpf.audit_table('dcpf.personal_data_column', NULL);
