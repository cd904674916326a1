-- 002_notify.sql: a commit that changes the worker's work wakes it (LISTEN offlinetube).
--
-- SQLite's worker learns of another program's commit from PRAGMA
-- data_version; PostgreSQL has no such counter, so these triggers notify
-- the channel the worker listens on.  Notifications are sent at commit
-- and folded into one per transaction; the worker ignores its own.
-- PostgreSQL only: SQLite has nothing to mirror (tests/pg/test_pg_parity.py
-- leaves out the files that say so).

CREATE FUNCTION ot_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('offlinetube', '');
	RETURN NULL;
END;
$$;

CREATE TRIGGER tasks_notify AFTER INSERT OR UPDATE OR DELETE ON tasks
	FOR EACH STATEMENT EXECUTE FUNCTION ot_notify();
CREATE TRIGGER lookups_notify AFTER INSERT OR UPDATE OR DELETE ON lookups
	FOR EACH STATEMENT EXECUTE FUNCTION ot_notify();
CREATE TRIGGER subscriptions_notify AFTER INSERT OR UPDATE OR DELETE ON subscriptions
	FOR EACH STATEMENT EXECUTE FUNCTION ot_notify();
CREATE TRIGGER deliveries_notify AFTER INSERT OR UPDATE OR DELETE ON deliveries
	FOR EACH STATEMENT EXECUTE FUNCTION ot_notify();
CREATE TRIGGER webhooks_notify AFTER INSERT OR UPDATE OR DELETE ON webhooks
	FOR EACH STATEMENT EXECUTE FUNCTION ot_notify();
CREATE TRIGGER api_keys_notify AFTER INSERT OR UPDATE OR DELETE ON api_keys
	FOR EACH STATEMENT EXECUTE FUNCTION ot_notify();
