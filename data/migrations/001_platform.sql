-- Platform: extensions, accounts, sessions, API tokens and the audit log.
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- refuse_delete is attached to every product table: records retire with
-- their history, they are never deleted.
CREATE FUNCTION refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'rows of % are retired, never deleted', TG_TABLE_NAME
    USING ERRCODE = 'P0001';
END $$;

CREATE TABLE users (
  id            bigserial PRIMARY KEY,
  username      text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9_.-]{3,64}$'),
  display_name  text NOT NULL DEFAULT '',
  password_hash text NOT NULL,
  roles         text[] NOT NULL CHECK (roles <@ ARRAY['admin','committee','expert','approver','inspector','community_admin']),
  scope         text NOT NULL DEFAULT '' CHECK (scope ~ '^([0-9]{6}|[0-9]{9}|[0-9]{12})?$'),
  created_at    timestamptz NOT NULL DEFAULT now(),
  disabled_at   timestamptz,
  version       integer NOT NULL DEFAULT 1
);
CREATE TRIGGER users_refuse_delete BEFORE DELETE ON users FOR EACH ROW EXECUTE FUNCTION refuse_delete();

CREATE TABLE sessions (
  id          bigserial PRIMARY KEY,
  token_hash  bytea NOT NULL UNIQUE,
  csrf_token  text NOT NULL,
  user_id     bigint NOT NULL REFERENCES users(id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  revoked_at  timestamptz
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
  id           bigserial PRIMARY KEY,
  token_hash   bytea NOT NULL UNIQUE,
  name         text NOT NULL,
  user_id      bigint NOT NULL REFERENCES users(id),
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz,
  last_used_at timestamptz,
  revoked_at   timestamptz
);
CREATE TRIGGER api_tokens_refuse_delete BEFORE DELETE ON api_tokens FOR EACH ROW EXECUTE FUNCTION refuse_delete();

-- The audit log is append-only: the database itself refuses UPDATE,
-- DELETE and TRUNCATE on it.
CREATE TABLE audit_log (
  id          bigserial PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  actor_id    bigint REFERENCES users(id),
  actor       text NOT NULL,
  request_id  text NOT NULL DEFAULT '',
  action      text NOT NULL,
  entity      text NOT NULL,
  entity_id   text NOT NULL,
  before      jsonb,
  after       jsonb,
  reason      text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id, at);
CREATE INDEX audit_log_actor ON audit_log(actor_id, at);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP
    USING ERRCODE = '42501';
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
