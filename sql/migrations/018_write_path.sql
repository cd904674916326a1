-- 018_write_path.sql: the triggers of 017 made cheaper, and an index 015 missed.
--
-- tasks_metrics_finished tested its condition with NEW.status IN (three
-- values).  In a trigger's WHEN, SQLite 3.40 builds that list as a small
-- temporary table every time the trigger is considered, which is on every
-- change of a task's status: a claim took 250 us instead of 60, a
-- completion among 100,000 tasks 280 us instead of 70 (docs/benchmarks.md,
-- item 7; the same list in a CHECK or a WHERE costs nothing alike).  The
-- same test spelled with OR is a few comparisons.
DROP TRIGGER tasks_metrics_finished;
CREATE TRIGGER tasks_metrics_finished AFTER UPDATE OF status ON tasks
	WHEN (NEW.status = 'completed' OR NEW.status = 'error'
	    OR NEW.status = 'cancelled') AND OLD.status != NEW.status
BEGIN
	INSERT INTO metrics (name, labels, value)
		VALUES ('downloads_finished_total',
		    'outcome="' || NEW.status || '"', 1)
		ON CONFLICT (name, labels) DO UPDATE SET value = value + 1;
	INSERT INTO metrics (name, labels, value)
		SELECT 'downloaded_bytes_total', '', NEW.filesize
		WHERE NEW.status = 'completed'
		ON CONFLICT (name, labels) DO UPDATE SET value = value + excluded.value;
END;

-- queued_at was set by a second UPDATE of the row just inserted or
-- requeued: every create wrote its row twice.  The statements that make a
-- task pending (sql/store.c: insert, retry, requeue, release) now set it
-- themselves; test_store.c holds each of them to it.
DROP TRIGGER tasks_metrics_queued;
DROP TRIGGER tasks_metrics_requeued;

-- A subscription's tasks: 015's subscription.new event reads the newest
-- tasks of the check that made them, and scanned the whole table for them.
CREATE INDEX tasks_subscription_seq ON tasks (subscription_id, seq)
	WHERE subscription_id IS NOT NULL;
