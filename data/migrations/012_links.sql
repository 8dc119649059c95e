-- 一址一码 (issue 11): departments attach their records to address codes,
-- shared by data grade (public < internal < sensitive) and masked; reads
-- of sensitive data are logged; a change feed reads the audit log.

-- Departments (公安, 消防, 市场监管, 水电气 …) and the highest grade of data
-- each may hold and read.
CREATE TABLE departments (
  code       text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{1,31}$'),
  name       text NOT NULL CHECK (name <> ''),
  grade      text NOT NULL DEFAULT 'internal' CHECK (grade IN ('public','internal','sensitive')),
  created_at timestamptz NOT NULL DEFAULT now(),
  version    integer NOT NULL DEFAULT 1
);
CREATE TRIGGER departments_refuse_delete BEFORE DELETE ON departments FOR EACH ROW EXECUTE FUNCTION refuse_delete();

-- Accounts: a department user belongs to one department; every account
-- reads data up to its grade (staff: internal). Tokens may be narrower.
ALTER TABLE users DROP CONSTRAINT users_roles_check;
ALTER TABLE users ADD CONSTRAINT users_roles_check
  CHECK (roles <@ ARRAY['admin','committee','expert','approver','inspector','community_admin','department']);
ALTER TABLE users ADD COLUMN department text REFERENCES departments(code);
ALTER TABLE users ADD COLUMN grade text NOT NULL DEFAULT 'internal' CHECK (grade IN ('public','internal','sensitive'));
ALTER TABLE api_tokens ADD COLUMN grade text CHECK (grade IN ('public','internal','sensitive'));

-- The kinds of record a department links, each with the schema of its
-- small typed payload: [{name, label, type, grade, required}, …].
CREATE TABLE link_kinds (
  department text NOT NULL REFERENCES departments(code),
  kind       text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]{1,31}$'),
  label      text NOT NULL CHECK (label <> ''),
  grade      text NOT NULL CHECK (grade IN ('public','internal','sensitive')),
  fields     jsonb NOT NULL CHECK (jsonb_typeof(fields) = 'array'),
  created_at timestamptz NOT NULL DEFAULT now(),
  version    integer NOT NULL DEFAULT 1,
  PRIMARY KEY (department, kind)
);
CREATE TRIGGER link_kinds_refuse_delete BEFORE DELETE ON link_kinds FOR EACH ROW EXECUTE FUNCTION refuse_delete();

-- Linked records hang on the address (its id), not on a plate or a text:
-- they follow renames and replacement plates, and a retired address keeps
-- them as history. A record is retired, never deleted.
CREATE TABLE linked_records (
  id          bigserial PRIMARY KEY,
  department  text NOT NULL,
  kind        text NOT NULL,
  ref         text NOT NULL CHECK (ref <> '' AND length(ref) <= 100),
  address_id  bigint NOT NULL REFERENCES addresses(id),
  valid_from  date,
  valid_to    date CHECK (valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from),
  grade       text NOT NULL CHECK (grade IN ('public','internal','sensitive')),
  payload     jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(payload) = 'object' AND octet_length(payload::text) <= 4096),
  status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active','retired')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  version     integer NOT NULL DEFAULT 1,
  FOREIGN KEY (department, kind) REFERENCES link_kinds(department, kind)
);
CREATE UNIQUE INDEX linked_records_ref ON linked_records(department, kind, ref) WHERE status = 'active';
CREATE INDEX linked_records_address ON linked_records(address_id);
CREATE TRIGGER linked_records_refuse_delete BEFORE DELETE ON linked_records FOR EACH ROW EXECUTE FUNCTION refuse_delete();

-- Scan pages show the public links: a change names the address's plates.
CREATE FUNCTION linked_records_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM notify_plates(ARRAY(SELECT p.public_id FROM (SELECT DISTINCT address_id FROM new_rows) n
                                JOIN plates p ON p.address_id = n.address_id));
  RETURN NULL;
END $$;
CREATE TRIGGER linked_records_notify_insert AFTER INSERT ON linked_records REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION linked_records_changed();
CREATE TRIGGER linked_records_notify_update AFTER UPDATE ON linked_records REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION linked_records_changed();

-- Reads of sensitive-grade data (who, what, when), append-only like the
-- audit log; the owning department reads its own.
CREATE TABLE access_log (
  id          bigserial PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  actor_id    bigint REFERENCES users(id),
  actor       text NOT NULL,
  token_id    bigint REFERENCES api_tokens(id),
  request_id  text NOT NULL DEFAULT '',
  owner       text NOT NULL DEFAULT '',  -- the department owning the data ('' for the bureau)
  entity      text NOT NULL,
  entity_id   text NOT NULL,
  fields      text[] NOT NULL DEFAULT '{}'
);
CREATE INDEX access_log_owner ON access_log(owner, id);
CREATE TRIGGER access_log_no_update BEFORE UPDATE OR DELETE ON access_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- The change feed reads the audit log in commit-safe order: by the
-- writing transaction's id, then the row id. Rows of transactions older
-- than every running writer of the audit log are final, so a cursor
-- (xid, id) never skips a row committed late (see data.changesSQL).
ALTER TABLE audit_log ADD COLUMN xid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX audit_log_feed ON audit_log(xid, id);
