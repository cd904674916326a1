-- 003_keys.sql: API keys, and the owner of each task.

-- A key is shown once, at creation; only its hash is kept.  The prefix is
-- the key's public part: it finds the row, the hash is then compared in
-- constant time.  Keys are revoked, never deleted: tasks keep their owner.
CREATE TABLE api_keys (
	id		INTEGER PRIMARY KEY,
	name		TEXT NOT NULL UNIQUE,		-- who holds it: "alice", "kitchen-tablet"
	prefix		TEXT NOT NULL UNIQUE,		-- "otk_" + 8 hex: shown by `key list`
	hash		TEXT NOT NULL,			-- hex BLAKE2b-256 of the whole key
	admin		INTEGER NOT NULL DEFAULT 0 CHECK (admin IN (0, 1)),	-- sees every task
	created_at	TEXT NOT NULL,
	revoked_at	TEXT				-- set: the key opens nothing
);

-- The key that created the task (NULL: created while keys were off).
ALTER TABLE tasks ADD COLUMN owner_key INTEGER REFERENCES api_keys (id);
-- A user's list, newest first.
CREATE INDEX tasks_owner_seq ON tasks (owner_key, seq);
-- A user's pending count, at every create (capped by OFFLINETUBE_MAX_PENDING).
CREATE INDEX tasks_owner_status ON tasks (owner_key, status);
