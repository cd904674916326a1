-- 016_task_changes.sql: a counter that moves whenever any task's record changes, for the list's ETag.
--
-- GET /api/downloads answers 304 to a client whose If-None-Match names the
-- list as it is: the API reads this one row instead of the whole list.  It
-- moves on every insert and delete and on every update that changes what a
-- record says (progress included); a claim's lease or an attempt count,
-- which no record shows, leaves it alone.  A migration that makes the
-- tasks table anew must make these triggers again, as it does 007's.
CREATE TABLE task_changes (
	id	INTEGER PRIMARY KEY CHECK (id = 1),
	n	INTEGER NOT NULL
);
INSERT INTO task_changes (id, n) VALUES (1, 0);

CREATE TRIGGER tasks_changes_insert AFTER INSERT ON tasks
BEGIN
	UPDATE task_changes SET n = n + 1 WHERE id = 1;
END;

CREATE TRIGGER tasks_changes_update AFTER UPDATE ON tasks
	WHEN OLD.record IS NOT NEW.record
BEGIN
	UPDATE task_changes SET n = n + 1 WHERE id = 1;
END;

CREATE TRIGGER tasks_changes_delete AFTER DELETE ON tasks
BEGIN
	UPDATE task_changes SET n = n + 1 WHERE id = 1;
END;
