-- 003_owner_rows.sql: every owner has its owner_queue row before its first task.
--
-- The task insert holds the pending cap by reading the owner's row FOR
-- UPDATE: a second insert racing it waits and then counts its task.  An
-- owner with no row yet had nothing to lock, and a burst of an owner's
-- first creates all passed the cap.  The row of "no key" (0) and of each
-- key is therefore made up front, pending 0, as a row is after its
-- tasks have left.  PostgreSQL only: SQLite's inserts hold the write lock.

INSERT INTO owner_queue (owner) VALUES (0) ON CONFLICT DO NOTHING;
INSERT INTO owner_queue (owner) SELECT id FROM api_keys ON CONFLICT DO NOTHING;

CREATE FUNCTION ot_owner_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO owner_queue (owner) VALUES (NEW.id) ON CONFLICT DO NOTHING;
	RETURN NULL;
END;
$$;

CREATE TRIGGER api_keys_owner_row AFTER INSERT ON api_keys
	FOR EACH ROW EXECUTE FUNCTION ot_owner_row();
