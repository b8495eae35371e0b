-- A counter every change of a user moves on (any of its columns: role,
-- organization, status, token version, email, password; or the user deleted). Each kadry process keeps
-- the users it has checked in memory and reads this one row with every
-- request: when it moved, whoever changed it, the copies are dropped.
CREATE TABLE user_changes (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n BIGINT NOT NULL
);
INSERT INTO user_changes (id, n) VALUES (1, 0);

CREATE TRIGGER user_changes_on_update AFTER UPDATE ON users
BEGIN
    UPDATE user_changes SET n = n + 1 WHERE id = 1;
END;

CREATE TRIGGER user_changes_on_delete AFTER DELETE ON users
BEGIN
    UPDATE user_changes SET n = n + 1 WHERE id = 1;
END;
