-- 015_webhooks.sql: notifications: webhooks, and the outbox of their deliveries that triggers fill.
--
-- An event is a row of deliveries, one per webhook that wants it, written by
-- a trigger on the change that causes it: a task completes or fails, a
-- subscription check makes tasks or fails.  A trigger runs inside the
-- statement that fired it, so the event exists exactly when its cause was
-- committed, whichever program or path made the change.  The body a webhook
-- receives is made then, once, from the row (a STORED column): every attempt
-- sends the same bytes under the same delivery id.  The worker sends them
-- (worker/notify.c) and moves the row on.  A later migration that makes
-- tasks or subscriptions anew (as 011 did) must make their triggers again,
-- and one that replaces subscription_records (as 012 did) keeps its name.
CREATE TABLE webhooks (
	seq		INTEGER PRIMARY KEY AUTOINCREMENT,	-- newest first = seq DESC
	id		TEXT NOT NULL UNIQUE,			-- lower-case UUID v4, the public id
	owner_key	INTEGER REFERENCES api_keys (id),	-- the key that made it, NULL: keys were off
	url		TEXT NOT NULL,				-- http(s), or an Apprise URL
	-- A bit set: 1 task.completed, 2 task.error, 4 subscription.new,
	-- 8 subscription.error (store.h, enum hook_event).
	events		INTEGER NOT NULL CHECK (events BETWEEN 1 AND 15),
	secret		TEXT NOT NULL,				-- the HMAC key; never sent back after creation
	created_at	TEXT NOT NULL,
	last_delivery_at TEXT,					-- the last attempt's end, ISO 8601 UTC
	last_status	TEXT,					-- "200", "500", "timeout", ...
	failures	INTEGER NOT NULL DEFAULT 0		-- deliveries given up
);
CREATE INDEX webhooks_owner_seq ON webhooks (owner_key, seq);

CREATE TABLE deliveries (
	seq		INTEGER PRIMARY KEY AUTOINCREMENT,
	-- The delivery id: a UUID v4 made by SQLite, so a trigger can make one per row.
	id		TEXT NOT NULL UNIQUE DEFAULT (lower(hex(randomblob(4)) || '-' ||
			    hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) ||
			    '-' || substr('89ab', 1 + (abs(random()) % 4), 1) ||
			    substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))),
	webhook_id	TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
	event		TEXT NOT NULL CHECK (event IN ('task.completed', 'task.error',
			    'subscription.new', 'subscription.error', 'ping')),
	created_at	TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
	data		TEXT NOT NULL,				-- JSON: the envelope's "data"
	title		TEXT NOT NULL,				-- for Apprise: "Downloaded: ..."
	message		TEXT NOT NULL,
	state		TEXT NOT NULL DEFAULT 'pending'
			CHECK (state IN ('pending', 'sending', 'delivered', 'failed')),
	attempts	INTEGER NOT NULL DEFAULT 0,
	next_attempt_at	INTEGER NOT NULL DEFAULT 0,		-- unix milliseconds; 0: at once
	done_at		TEXT,					-- delivered or given up
	-- What is sent, byte for byte, on every attempt.
	body		TEXT GENERATED ALWAYS AS (json_object('event', event,
			    'delivery_id', id, 'created_at', created_at,
			    'data', json(data))) STORED
);
-- The worker's next due delivery.
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX deliveries_webhook ON deliveries (webhook_id);

-- The webhooks that see an object of owner o (NULL: keys were off): their
-- owner's, an admin key's, and those made while keys were off; never a
-- revoked key's.
CREATE VIEW webhook_audience AS SELECT w.id, w.owner_key, w.events, k.admin
FROM webhooks AS w LEFT JOIN api_keys AS k ON k.id = w.owner_key
WHERE w.owner_key IS NULL OR k.revoked_at IS NULL;

CREATE TRIGGER tasks_event_completed AFTER UPDATE OF status ON tasks
	WHEN NEW.status = 'completed' AND OLD.status != 'completed'
BEGIN
	INSERT INTO deliveries (webhook_id, event, data, title, message)
	SELECT a.id, 'task.completed', NEW.record,
	    'Downloaded: ' || coalesce(nullif(NEW.title, ''), NEW.url),
	    'Downloaded: ' || coalesce(nullif(NEW.title, ''), NEW.url)
	FROM webhook_audience AS a WHERE a.events & 1
	    AND (a.owner_key IS NULL OR a.admin = 1 OR a.owner_key = NEW.owner_key);
END;

CREATE TRIGGER tasks_event_error AFTER UPDATE OF status ON tasks
	WHEN NEW.status = 'error' AND OLD.status != 'error'
BEGIN
	INSERT INTO deliveries (webhook_id, event, data, title, message)
	SELECT a.id, 'task.error', NEW.record,
	    'Failed: ' || coalesce(nullif(NEW.title, ''), NEW.url),
	    'Failed: ' || coalesce(nullif(NEW.title, ''), NEW.url) || ': ' ||
	    NEW.error_message
	FROM webhook_audience AS a WHERE a.events & 2
	    AND (a.owner_key IS NULL OR a.admin = 1 OR a.owner_key = NEW.owner_key);
END;

-- A task made as an error (a subscription's entry past the pending limit).
CREATE TRIGGER tasks_event_error_insert AFTER INSERT ON tasks
	WHEN NEW.status = 'error'
BEGIN
	INSERT INTO deliveries (webhook_id, event, data, title, message)
	SELECT a.id, 'task.error', NEW.record,
	    'Failed: ' || coalesce(nullif(NEW.title, ''), NEW.url),
	    'Failed: ' || coalesce(nullif(NEW.title, ''), NEW.url) || ': ' ||
	    NEW.error_message
	FROM webhook_audience AS a WHERE a.events & 2
	    AND (a.owner_key IS NULL OR a.admin = 1 OR a.owner_key = NEW.owner_key);
END;

-- A check that made tasks: they are the newest of the subscription's, made
-- in the check's own transaction (worker/check.c), as many as it counted.
CREATE TRIGGER subscriptions_event_new AFTER UPDATE OF downloaded_count ON subscriptions
	WHEN NEW.downloaded_count > OLD.downloaded_count
BEGIN
	INSERT INTO deliveries (webhook_id, event, data, title, message)
	SELECT a.id, 'subscription.new', json_object(
	    'subscription', (SELECT json(record) FROM subscription_records
		WHERE id = NEW.id),
	    'tasks', (SELECT json_group_array(json(record)) FROM (SELECT * FROM
		(SELECT seq, record FROM tasks WHERE subscription_id = NEW.id
		ORDER BY seq DESC LIMIT NEW.downloaded_count - OLD.downloaded_count)
		ORDER BY seq))),
	    coalesce(nullif(NEW.name, ''), NEW.url) || ': ' ||
		(NEW.downloaded_count - OLD.downloaded_count) || ' new',
	    (NEW.downloaded_count - OLD.downloaded_count) ||
		' new download(s) from ' || coalesce(nullif(NEW.name, ''), NEW.url)
	FROM webhook_audience AS a WHERE a.events & 4
	    AND (a.owner_key IS NULL OR a.admin = 1 OR a.owner_key = NEW.owner_key);
END;

-- A failed check counts a failure; a check a gone worker left, put back to
-- "error" at the next start (store_sub_recover), does not, and is no event.
CREATE TRIGGER subscriptions_event_error AFTER UPDATE OF state ON subscriptions
	WHEN NEW.state = 'error' AND OLD.state = 'checking'
	    AND NEW.failures > OLD.failures
BEGIN
	INSERT INTO deliveries (webhook_id, event, data, title, message)
	SELECT a.id, 'subscription.error', json_object(
	    'subscription', (SELECT json(record) FROM subscription_records
		WHERE id = NEW.id), 'tasks', json_array()),
	    'Failed: ' || coalesce(nullif(NEW.name, ''), NEW.url),
	    'Failed: ' || coalesce(nullif(NEW.name, ''), NEW.url) || ': ' ||
		NEW.last_error
	FROM webhook_audience AS a WHERE a.events & 8
	    AND (a.owner_key IS NULL OR a.admin = 1 OR a.owner_key = NEW.owner_key);
END;

-- The webhook record of docs/api.md (never the secret).
CREATE VIEW webhook_records AS SELECT seq, id, owner_key, json_object(
	'id', id, 'url', url,
	'events', (SELECT json_group_array(name) FROM (SELECT 1 AS bit,
	    'task.completed' AS name UNION ALL SELECT 2, 'task.error'
	    UNION ALL SELECT 4, 'subscription.new'
	    UNION ALL SELECT 8, 'subscription.error' ORDER BY bit)
	    WHERE events & bit),
	'created_at', created_at, 'last_delivery_at', last_delivery_at,
	'last_status', last_status, 'failures', failures) AS record
FROM webhooks;

-- What POST /api/webhooks/{id}/test queues: the webhook's record as data.
CREATE VIEW webhook_pings AS SELECT id, owner_key,
	json_object('webhook', json(record)) AS data,
	'OfflineTube: test' AS title,
	'A test notification from OfflineTube' AS message
FROM webhook_records;
