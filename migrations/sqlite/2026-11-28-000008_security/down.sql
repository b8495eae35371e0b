DROP TRIGGER audit_log_no_delete;
DROP TRIGGER audit_log_no_update;
DROP TABLE audit_log;
ALTER TABLE users DROP COLUMN token_version;
ALTER TABLE users DROP COLUMN disabled;
