-- The gazetteer: standard place names with their history, the naming
-- workflow, rule data (word lists, uniqueness scopes, built-up areas),
-- announcements and the place-name heritage list.

CREATE TABLE places (
  id              bigserial PRIMARY KEY,
  place_code      text UNIQUE CHECK (place_code ~ '^[0-9]{20}$'),
  name            text NOT NULL CHECK (name <> ''),
  specific        text NOT NULL,
  generic         text NOT NULL DEFAULT '',
  category        smallint NOT NULL CHECK (category BETWEEN 1 AND 8),
  subcategory     text NOT NULL DEFAULT '',
  romanization    text NOT NULL,          -- "Shaoxing Shi"
  toned           text NOT NULL,          -- "Shàoxīng Shì"
  readings        jsonb NOT NULL DEFAULT '{}', -- per-character reading overrides: position → syllable
  unread          integer[] NOT NULL DEFAULT '{}', -- positions of characters with no known reading (imports)
  pinyin          text NOT NULL,          -- search key: "shaoxingshi"
  initials        text NOT NULL,          -- "sxs"
  sound           text NOT NULL,          -- homophone key: "shao xing shi"
  division_code   text NOT NULL REFERENCES divisions(code),
  source_division text UNIQUE REFERENCES divisions(code), -- the division this name names
  meaning         text NOT NULL DEFAULT '',
  origin          text NOT NULL DEFAULT '',
  history         text NOT NULL DEFAULT '',
  description     text NOT NULL DEFAULT '',
  geom            geometry(Geometry, 4490),
  approved_by     text NOT NULL DEFAULT '',
  approved_on     date,
  approval_doc    text NOT NULL DEFAULT '',
  status          text NOT NULL DEFAULT 'current' CHECK (status IN ('current', 'historical')),
  valid_from      date,
  valid_to        date,
  supersedes      bigint REFERENCES places(id),
  superseded_by   bigint REFERENCES places(id),
  rank            smallint NOT NULL DEFAULT 6,  -- autocomplete order: divisions top-down first
  generated       boolean NOT NULL DEFAULT false,
  created_at      timestamptz NOT NULL DEFAULT now(),
  version         integer NOT NULL DEFAULT 1,
  CHECK (specific || generic = name),
  CHECK ((status = 'historical') = (valid_to IS NOT NULL OR superseded_by IS NOT NULL))
);
CREATE INDEX places_name_prefix ON places (name text_pattern_ops);
CREATE INDEX places_pinyin_prefix ON places (pinyin text_pattern_ops);
CREATE INDEX places_initials_prefix ON places (initials text_pattern_ops);
-- Autocomplete probes each rank in prefix order, stopping at a few rows,
-- so a one-letter query over 660,000 names reads dozens of rows, not
-- thousands.
CREATE INDEX places_rank_name ON places (rank, name text_pattern_ops);
CREATE INDEX places_rank_pinyin ON places (rank, pinyin text_pattern_ops);
CREATE INDEX places_rank_initials ON places (rank, initials text_pattern_ops);
CREATE INDEX places_name_trgm ON places USING gin (name gin_trgm_ops);
CREATE INDEX places_pinyin_trgm ON places USING gin (pinyin gin_trgm_ops);
CREATE INDEX places_division ON places (division_code text_pattern_ops);
CREATE INDEX places_clash_name ON places (category, name) WHERE status = 'current';
CREATE INDEX places_clash_sound ON places (category, sound) WHERE status = 'current';
CREATE INDEX places_geom ON places USING gist (geom);
CREATE INDEX places_unread ON places (id) WHERE cardinality(unread) > 0;
CREATE TRIGGER places_refuse_delete BEFORE DELETE ON places FOR EACH ROW EXECUTE FUNCTION refuse_delete();

-- place_current follows superseded_by links to the name in use now.
CREATE FUNCTION place_current(start bigint) RETURNS bigint LANGUAGE plpgsql STABLE AS $$
DECLARE cur bigint := start; nxt bigint; hops int := 0;
BEGIN
  LOOP
    SELECT superseded_by INTO nxt FROM places WHERE id = cur;
    EXIT WHEN nxt IS NULL OR hops > 50;
    cur := nxt; hops := hops + 1;
  END LOOP;
  RETURN cur;
END $$;

-- Word lists of the naming rules, edited by admins.
CREATE TABLE naming_words (
  id         bigserial PRIMARY KEY,
  list       text NOT NULL CHECK (list IN ('state_leader','personal_name','foreign_name','company_name','grandiose','rare_char')),
  word       text NOT NULL CHECK (word <> ''),
  severity   text NOT NULL CHECK (severity IN ('block','warn')),
  note       text NOT NULL DEFAULT '',
  active     boolean NOT NULL DEFAULT true,
  version    integer NOT NULL DEFAULT 1,
  UNIQUE (list, word)
);
CREATE TRIGGER naming_words_refuse_delete BEFORE DELETE ON naming_words FOR EACH ROW EXECUTE FUNCTION refuse_delete();

-- Seed entries: typical targets of the 2018–2019 clean-up of 大、洋、怪、重
-- names. State leaders' and other lists are filled in by admins.
INSERT INTO naming_words (list, word, severity, note) VALUES
  ('grandiose', '宇宙', 'warn', '夸大'), ('grandiose', '环球', 'warn', '夸大'), ('grandiose', '寰宇', 'warn', '夸大'),
  ('grandiose', '天下第一', 'warn', '夸大'), ('grandiose', '皇家', 'warn', '夸大'), ('grandiose', '帝王', 'warn', '夸大'),
  ('foreign_name', '威尼斯', 'warn', '崇洋'), ('foreign_name', '曼哈顿', 'warn', '崇洋'), ('foreign_name', '维也纳', 'warn', '崇洋'),
  ('foreign_name', '巴黎', 'warn', '崇洋'), ('foreign_name', '加州', 'warn', '崇洋'), ('foreign_name', '罗马', 'warn', '崇洋');

-- Uniqueness scopes by category (Art. 9 of the 2022 regulation); local
-- rules add stricter ones, and the strictest that applies wins.
CREATE TABLE naming_scopes (
  id          bigserial PRIMARY KEY,
  category    smallint NOT NULL CHECK (category BETWEEN 1 AND 8),
  subcategory text NOT NULL DEFAULT '',
  scope       text NOT NULL CHECK (scope IN ('national','province','city','builtup','county','town')),
  source      text NOT NULL DEFAULT '',
  active      boolean NOT NULL DEFAULT true,
  version     integer NOT NULL DEFAULT 1,
  UNIQUE (category, subcategory, scope, source)
);
CREATE TRIGGER naming_scopes_refuse_delete BEFORE DELETE ON naming_scopes FOR EACH ROW EXECUTE FUNCTION refuse_delete();
INSERT INTO naming_scopes (category, subcategory, scope, source) VALUES
  (1, 'famous', 'national', '地名管理条例 第九条'),
  (1, '', 'county', 'default'),
  (2, 'province', 'national', '地名管理条例 第九条'),
  (2, 'prefecture', 'national', '地名管理条例 第九条'),
  (2, 'county', 'national', '地名管理条例 第九条'),
  (2, 'township', 'province', '地名管理条例 第九条'),
  (3, '', 'county', '地名管理条例 第九条'),
  (4, '', 'county', 'default'),
  (5, '', 'builtup', '地名管理条例 第九条'),
  (6, '', 'builtup', '地名管理条例 第九条'),
  (7, '', 'county', 'default'),
  (8, '', 'county', 'default');

-- Built-up areas (建成区) as sets of division-code prefixes; streets and
-- buildings are unique within one. Without one, the county is the scope.
CREATE TABLE builtup_areas (
  id         bigserial PRIMARY KEY,
  name       text NOT NULL UNIQUE,
  prefixes   text[] NOT NULL CHECK (cardinality(prefixes) > 0),
  generated  boolean NOT NULL DEFAULT false,
  version    integer NOT NULL DEFAULT 1
);
CREATE INDEX builtup_areas_prefixes ON builtup_areas USING gin (prefixes);
CREATE TRIGGER builtup_areas_refuse_delete BEFORE DELETE ON builtup_areas FOR EACH ROW EXECUTE FUNCTION refuse_delete();

-- Naming and renaming applications and their workflow (DOMAIN.md §3.1).
CREATE TABLE naming_applications (
  id                  bigserial PRIMARY KEY,
  rename_of           bigint REFERENCES places(id),
  name                text NOT NULL,
  specific            text NOT NULL DEFAULT '',
  generic             text NOT NULL DEFAULT '',
  category            smallint NOT NULL CHECK (category BETWEEN 1 AND 8),
  subcategory         text NOT NULL DEFAULT '',
  readings            jsonb NOT NULL DEFAULT '{}',
  division_code       text NOT NULL REFERENCES divisions(code),
  reasons             text NOT NULL DEFAULT '',
  location            text NOT NULL DEFAULT '',
  size_nature         text NOT NULL DEFAULT '',
  meaning             text NOT NULL DEFAULT '',
  origin              text NOT NULL DEFAULT '',
  geom                geometry(Geometry, 4490),
  applicant           text NOT NULL DEFAULT '',
  required_reports    text[] NOT NULL DEFAULT '{}',
  consultation_days   integer NOT NULL DEFAULT 0 CHECK (consultation_days BETWEEN 0 AND 365),
  consultation_ends   date,
  protection_measures text NOT NULL DEFAULT '',
  overrides           jsonb NOT NULL DEFAULT '{}',
  state               text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft','submitted','accepted','correction_requested',
                        'not_accepted','evaluation','pending_approval','approved','denied','filed','announced')),
  approving_body      text NOT NULL DEFAULT '',
  approval_doc        text NOT NULL DEFAULT '',
  approved_on         date,
  government_approved boolean NOT NULL DEFAULT false,
  filed_on            date,
  announced_on        date,
  filing_due          date,
  announcement_due    date,
  place_id            bigint REFERENCES places(id),
  created_by          text NOT NULL,
  created_at          timestamptz NOT NULL DEFAULT now(),
  version             integer NOT NULL DEFAULT 1
);
CREATE INDEX naming_applications_division ON naming_applications (division_code text_pattern_ops, state);
CREATE INDEX naming_applications_due ON naming_applications (state, filing_due, announcement_due);
CREATE TRIGGER naming_applications_refuse_delete BEFORE DELETE ON naming_applications FOR EACH ROW EXECUTE FUNCTION refuse_delete();

CREATE TABLE naming_events (
  id             bigserial PRIMARY KEY,
  application_id bigint NOT NULL REFERENCES naming_applications(id),
  action         text NOT NULL,
  from_state     text NOT NULL,
  to_state       text NOT NULL,
  actor          text NOT NULL,
  at             timestamptz NOT NULL DEFAULT now(),
  note           text NOT NULL DEFAULT ''
);
CREATE INDEX naming_events_application ON naming_events (application_id, id);
CREATE TRIGGER naming_events_refuse_delete BEFORE DELETE ON naming_events FOR EACH ROW EXECUTE FUNCTION refuse_delete();

CREATE TABLE naming_reports (
  id             bigserial PRIMARY KEY,
  application_id bigint NOT NULL REFERENCES naming_applications(id),
  kind           text NOT NULL CHECK (kind IN ('assessment','expert','consultation','risk','other')),
  title          text NOT NULL,
  body           text NOT NULL,
  author         text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX naming_reports_application ON naming_reports (application_id, id);
CREATE TRIGGER naming_reports_refuse_delete BEFORE DELETE ON naming_reports FOR EACH ROW EXECUTE FUNCTION refuse_delete();

-- Announcements (公告): what [BAGG] requires, published on the public page
-- and the feed.
CREATE TABLE announcements (
  id             bigserial PRIMARY KEY,
  application_id bigint NOT NULL UNIQUE REFERENCES naming_applications(id),
  place_id       bigint NOT NULL REFERENCES places(id),
  title          text NOT NULL,
  name           text NOT NULL,
  romanization   text NOT NULL,
  division_code  text NOT NULL,
  location       text NOT NULL DEFAULT '',
  approving_body text NOT NULL,
  approved_on    date NOT NULL,
  approval_doc   text NOT NULL,
  old_name       text NOT NULL DEFAULT '',
  published_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX announcements_published ON announcements (published_at DESC);
CREATE TRIGGER announcements_refuse_delete BEFORE DELETE ON announcements FOR EACH ROW EXECUTE FUNCTION refuse_delete();

-- The place-name heritage protection lists (地名文化遗产保护名录).
CREATE TABLE heritage_entries (
  id                  bigserial PRIMARY KEY,
  place_id            bigint REFERENCES places(id),
  name                text NOT NULL,
  list_name           text NOT NULL,
  category            text NOT NULL,
  level               text NOT NULL CHECK (level IN ('national','provincial','city','county')),
  issuer              text NOT NULL DEFAULT '',
  batch               integer NOT NULL DEFAULT 0,
  announced           date,
  province            text NOT NULL DEFAULT '',
  city                text NOT NULL DEFAULT '',
  county              text NOT NULL DEFAULT '',
  division_code       text,
  evidence            text NOT NULL DEFAULT '',
  protection_measures text NOT NULL DEFAULT '',
  completeness        text NOT NULL DEFAULT '',
  source_url          text NOT NULL DEFAULT '',
  shortlist           boolean NOT NULL DEFAULT false,
  version             integer NOT NULL DEFAULT 1,
  UNIQUE (list_name, batch, category, province, county, name)
);
CREATE INDEX heritage_entries_place ON heritage_entries (place_id);
CREATE TRIGGER heritage_entries_refuse_delete BEFORE DELETE ON heritage_entries FOR EACH ROW EXECUTE FUNCTION refuse_delete();
