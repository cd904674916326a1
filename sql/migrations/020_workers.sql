-- 020_workers.sql: several workers on one database; a lease names a worker, not a pid.
--
-- One worker per data directory held its lock, so a pid was enough to say
-- whose a running row was, and every running row at start was a dead
-- predecessor's.  Several workers (on PostgreSQL, on one host or several
-- sharing the data directory) need a name the database gives: two hosts
-- may run the same pid.  A worker adds its row at start, moves lease_until
-- forward with each heartbeat and deletes its row at a clean stop; a row
-- whose lease has run out is a dead worker's, and whichever live worker
-- sees it first deletes it in the transaction that re-queues its work
-- (sql/store.c, store_worker_reap).  Times are unix seconds.
CREATE TABLE workers (
	id		INTEGER PRIMARY KEY AUTOINCREMENT,	-- never reused
	host		TEXT NOT NULL,
	pid		INTEGER NOT NULL,
	started_at	INTEGER NOT NULL,
	heartbeat_at	INTEGER NOT NULL,
	lease_until	INTEGER NOT NULL
);

-- The columns say what they hold now.  The pids they held name no worker:
-- those rows are a stopped worker's, re-queued by the first worker to start.
ALTER TABLE tasks RENAME COLUMN lease_pid TO lease_worker;
ALTER TABLE lookups RENAME COLUMN lease_pid TO lease_worker;
ALTER TABLE subscriptions RENAME COLUMN lease_pid TO lease_worker;
UPDATE tasks SET lease_worker = NULL WHERE lease_worker IS NOT NULL;
UPDATE lookups SET lease_worker = NULL WHERE lease_worker IS NOT NULL;
UPDATE subscriptions SET lease_worker = NULL WHERE lease_worker IS NOT NULL;
-- A delivery being sent had no lease: the one worker owned them all.
ALTER TABLE deliveries ADD COLUMN lease_worker INTEGER;
