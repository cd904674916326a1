-- 019_revoke.sql: a revoked key's work stops with it.
--
-- Until now a revoked key only stopped opening the API: its subscriptions
-- went on being checked (with its cookies) and downloading, its queued and
-- running downloads went on, its webhooks stayed stored with their secrets.
-- A key is revoked because it was lost or its holder left; neither wants
-- that.  Its tasks and subscriptions stay (they are still its, and an
-- admin sees them); the subscriptions are paused and the live downloads
-- cancelled (the worker stops a run whose row is cancelled), the webhooks
-- and their pending deliveries deleted.  Its cookies file is removed by the
-- command that revokes (fcgi-app/keycmd.c).
CREATE TRIGGER api_keys_revoked AFTER UPDATE OF revoked_at ON api_keys
	WHEN OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL
BEGIN
	UPDATE subscriptions SET enabled = 0 WHERE owner_key = NEW.id;
	UPDATE tasks SET status = 'cancelled', speed = '', eta = '',
	    updated_at = NEW.revoked_at
		WHERE owner_key = NEW.id AND (status = 'pending'
		    OR status = 'downloading' OR status = 'processing');
	DELETE FROM webhooks WHERE owner_key = NEW.id;
END;

