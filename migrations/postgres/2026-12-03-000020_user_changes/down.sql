DROP TRIGGER user_changes_on_delete ON users;
DROP TRIGGER user_changes_on_update ON users;
DROP FUNCTION announce_user_change();
