-- Every change of a user (any of its columns: role, organization, status,
-- token version, email, password; or the user deleted) is announced on the channel `kadry_users`
-- with the user's id when its transaction commits. Each kadry process keeps
-- the users it has checked in memory, listens on the channel and drops the
-- user's copy as the notice arrives.
CREATE FUNCTION announce_user_change() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('kadry_users', OLD.id::text);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER user_changes_on_update AFTER UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION announce_user_change();
CREATE TRIGGER user_changes_on_delete AFTER DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION announce_user_change();
