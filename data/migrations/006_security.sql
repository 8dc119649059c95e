-- Sign-in throttling (issue 13): failures per account ('user:NAME') and per
-- client address ('addr:IP') within a window, and the lock-out they earn.
-- The state lives here, not in a server's memory, so every instance behind
-- a load balancer applies the same limits. Rows are reset, never deleted.
CREATE TABLE login_throttle (
  key          text PRIMARY KEY CHECK (key ~ '^(user|addr):'),
  failures     integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
  window_start timestamptz NOT NULL DEFAULT now(),
  locked_until timestamptz,
  lockouts     integer NOT NULL DEFAULT 0 CHECK (lockouts >= 0),
  last_failure timestamptz
);
CREATE TRIGGER login_throttle_refuse_delete BEFORE DELETE ON login_throttle FOR EACH ROW EXECUTE FUNCTION refuse_delete();

-- A session or token ended because its user's password changed or was
-- reset says so.
ALTER TABLE sessions ADD COLUMN revoked_reason text NOT NULL DEFAULT '';
ALTER TABLE api_tokens ADD COLUMN revoked_reason text NOT NULL DEFAULT '';

-- Whether a boundary marker is public (是否公开, DOMAIN.md §2.5/§5 item 9)
-- is decided here and nowhere else: published and not retired. Tiles,
-- exports and the marker API read this column; only a line's own
-- inspectors see the others.
ALTER TABLE boundary_markers ADD COLUMN public boolean NOT NULL
  GENERATED ALWAYS AS (published AND status <> 'retired') STORED;
