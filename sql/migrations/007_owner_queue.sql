-- 006_owner_queue.sql: each owner's queue in one row: how many of its tasks wait, and its turn.
--
-- OFFLINETUBE_MAX_PENDING holds at every insert of a pending task, a POST's
-- and a playlist's entries alike, inside the insert's own statement: counting
-- the owner's pending rows there would cost as much as the queue is long, and
-- reading this row costs the same however long it is.  The worker's claim
-- takes turns between owners: the owner with the fewest running tasks, then
-- the one served longest ago (last_claim), then that owner's oldest task; so
-- one user's 5,000-entry playlist does not hold back another user's download.
-- The triggers keep the rows right whichever program or tool writes tasks.
CREATE TABLE owner_queue (
	owner		INTEGER PRIMARY KEY,	-- tasks.owner_key; 0 for tasks without a key
	pending		INTEGER NOT NULL DEFAULT 0 CHECK (pending >= 0),	-- its tasks in 'pending'
	last_claim	INTEGER NOT NULL DEFAULT 0	-- rises with every claim; 0: never served
);

INSERT INTO owner_queue (owner, pending)
	SELECT coalesce(owner_key, 0), count(*) FROM tasks WHERE status = 'pending'
	GROUP BY coalesce(owner_key, 0);

-- A new pending task, a task that goes back to pending (a crash re-queue, a
-- stopping worker's release): one more waiting.
CREATE TRIGGER tasks_queue_insert AFTER INSERT ON tasks WHEN NEW.status = 'pending'
BEGIN
	INSERT INTO owner_queue (owner, pending) VALUES (coalesce(NEW.owner_key, 0), 1)
		ON CONFLICT (owner) DO UPDATE SET pending = pending + 1;
END;

CREATE TRIGGER tasks_queue_return AFTER UPDATE OF status ON tasks
	WHEN OLD.status != 'pending' AND NEW.status = 'pending'
BEGIN
	INSERT INTO owner_queue (owner, pending) VALUES (coalesce(NEW.owner_key, 0), 1)
		ON CONFLICT (owner) DO UPDATE SET pending = pending + 1;
END;

-- A task leaves pending: claimed (the owner has had its turn), cancelled or failed.
CREATE TRIGGER tasks_queue_leave AFTER UPDATE OF status ON tasks
	WHEN OLD.status = 'pending' AND NEW.status != 'pending'
BEGIN
	UPDATE owner_queue SET pending = pending - 1,
		last_claim = CASE WHEN NEW.status = 'downloading'
		    THEN (SELECT max(last_claim) FROM owner_queue) + 1
		    ELSE last_claim END
		WHERE owner = coalesce(OLD.owner_key, 0);
END;

CREATE TRIGGER tasks_queue_delete AFTER DELETE ON tasks WHEN OLD.status = 'pending'
BEGIN
	UPDATE owner_queue SET pending = pending - 1
		WHERE owner = coalesce(OLD.owner_key, 0);
END;
