DROP TRIGGER user_changes_on_delete;
DROP TRIGGER user_changes_on_update;
DROP TABLE user_changes;
