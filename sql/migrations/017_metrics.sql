-- 017_metrics.sql: the counters of /api/metrics, kept where they happen.
--
-- One row per family and label set; labels are the exposition's own text
-- ('outcome="completed"'), '' for none.  Counters only grow, across
-- restarts of either program: Prometheus takes a drop for a reset.
-- A task's end is counted by triggers, in the transaction that ends it,
-- whoever ends it (the worker, or the API's cancel); the worker adds its
-- own counts (yt-dlp runs, queue waits, checks) at each heartbeat; the API
-- counts look-ups answered from the cache or not.
CREATE TABLE metrics (
	name	TEXT NOT NULL,
	labels	TEXT NOT NULL DEFAULT '',
	value	REAL NOT NULL DEFAULT 0,
	PRIMARY KEY (name, labels)
) WITHOUT ROWID;

-- What happened before this migration is not known: the counts start here.
CREATE TRIGGER tasks_metrics_finished AFTER UPDATE OF status ON tasks
	WHEN NEW.status IN ('completed', 'error', 'cancelled')
	    AND OLD.status != NEW.status
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

-- The queue wait of a claim (the histogram): when a task last became
-- pending, in unix seconds with a fraction.  Not in the record; set by the
-- database itself whoever queues the task (an insert, a retry, a requeue).
-- A migration that makes the tasks table anew must make these again.
ALTER TABLE tasks ADD COLUMN queued_at REAL;
UPDATE tasks SET queued_at = unixepoch(updated_at) WHERE status = 'pending';

CREATE TRIGGER tasks_metrics_queued AFTER INSERT ON tasks WHEN NEW.status = 'pending'
BEGIN
	UPDATE tasks SET queued_at = (julianday('now') - 2440587.5) * 86400.0
		WHERE seq = NEW.seq;
END;

CREATE TRIGGER tasks_metrics_requeued AFTER UPDATE OF status ON tasks
	WHEN OLD.status != 'pending' AND NEW.status = 'pending'
BEGIN
	UPDATE tasks SET queued_at = (julianday('now') - 2440587.5) * 86400.0
		WHERE seq = NEW.seq;
END;
