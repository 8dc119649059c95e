-- Administrative divisions: one row per code ever issued, so a retired
-- code can never be reused (the primary key refuses it). Geometry is
-- CGCS2000 (EPSG:4490). The boundaries work extends this file.

-- division_prefix is the part of a division code every descendant's code
-- starts with (diming.CodePrefix): 330000→33, 330600→3306, 330602→330602.
CREATE FUNCTION division_prefix(code text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN length(code) = 6 AND right(code, 4) = '0000' THEN left(code, 2)
    WHEN length(code) = 6 AND right(code, 2) = '00' THEN left(code, 4)
    WHEN length(code) = 12 AND right(code, 3) = '000' THEN left(code, 9)
    ELSE code END
$$;

CREATE TABLE divisions (
  code         text PRIMARY KEY CHECK (code ~ '^([0-9]{6}|[0-9]{9}|[0-9]{12})$'),
  name         text NOT NULL CHECK (name <> ''),
  level        smallint NOT NULL CHECK (level BETWEEN 1 AND 5), -- 1 province … 5 village/community
  kind         text NOT NULL DEFAULT '',                         -- 建制类型: 市辖区, 县, 街道, 镇, 乡, 村委会, 居委会 …
  parent_code  text REFERENCES divisions(code),
  urban_rural  text CHECK (urban_rural ~ '^[12][0-9]{2}$'),       -- NBS 3-digit urban-rural class
  valid_from   date,
  valid_to     date,                                             -- NULL while current
  geom         geometry(MultiPolygon, 4490),
  generated    boolean NOT NULL DEFAULT false,                   -- demo or benchmark data, not official
  version      integer NOT NULL DEFAULT 1,
  -- The code's length follows its level, and a child's code starts with
  -- its parent's prefix (GB/T 2260, GB/T 10114).
  CONSTRAINT divisions_code_level CHECK (CASE level
    WHEN 1 THEN code ~ '^[0-9]{2}0000$'
    WHEN 2 THEN code ~ '^[0-9]{4}00$'
    WHEN 3 THEN length(code) = 6
    WHEN 4 THEN length(code) = 9
    ELSE length(code) = 12 END),
  CONSTRAINT divisions_parent_prefix CHECK (parent_code IS NULL OR (parent_code <> code AND starts_with(code, division_prefix(parent_code)))),
  CONSTRAINT divisions_validity CHECK (valid_to IS NULL OR valid_from IS NULL OR valid_from <= valid_to)
);
CREATE INDEX divisions_parent ON divisions(parent_code);
CREATE INDEX divisions_geom ON divisions USING gist(geom);
CREATE INDEX divisions_name_trgm ON divisions USING gin(name gin_trgm_ops);
CREATE TRIGGER divisions_refuse_delete BEFORE DELETE ON divisions FOR EACH ROW EXECUTE FUNCTION refuse_delete();

-- The code rules of 行政区划代码管理办法: a rename or boundary change keeps
-- the code; a change of parent retires the code and issues a new one; a
-- retired code is never reused.
CREATE FUNCTION divisions_code_rules() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.code <> OLD.code THEN
    RAISE EXCEPTION 'division codes never change (% → %): retire the old code and issue a new one', OLD.code, NEW.code
      USING ERRCODE = 'P0001';
  END IF;
  IF OLD.valid_to IS NOT NULL AND NEW.valid_to IS NULL THEN
    RAISE EXCEPTION 'division code % was retired on %; a retired code is never reused', OLD.code, OLD.valid_to
      USING ERRCODE = 'P0001';
  END IF;
  IF OLD.parent_code IS NOT NULL AND NEW.parent_code IS DISTINCT FROM OLD.parent_code THEN
    RAISE EXCEPTION 'division % cannot move from % to %: a change of parent retires the code and issues a new one',
      OLD.code, OLD.parent_code, NEW.parent_code USING ERRCODE = 'P0001';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER divisions_code_rules BEFORE UPDATE ON divisions FOR EACH ROW EXECUTE FUNCTION divisions_code_rules();

-- Every name a code has carried, with its interval (from the MCA history
-- and from renames). The current name is also in divisions.name.
CREATE TABLE division_names (
  id          bigserial PRIMARY KEY,
  code        text NOT NULL REFERENCES divisions(code),
  name        text NOT NULL CHECK (name <> ''),
  valid_from  date,
  valid_to    date,
  source      text NOT NULL DEFAULT '',
  UNIQUE (code, valid_from)
);
CREATE INDEX division_names_name ON division_names(name);
CREATE TRIGGER division_names_refuse_delete BEFORE DELETE ON division_names FOR EACH ROW EXECUTE FUNCTION refuse_delete();

-- What replaced a code: kind 'retired' (the code ended and its area went
-- to successor) or 'transfer' (part of the area moved while the code lived on).
CREATE TABLE division_successors (
  code            text NOT NULL REFERENCES divisions(code),
  successor_code  text NOT NULL REFERENCES divisions(code),
  year            integer NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('retired', 'transfer')),
  PRIMARY KEY (code, successor_code, year)
);
CREATE INDEX division_successors_successor ON division_successors(successor_code);
CREATE TRIGGER division_successors_refuse_delete BEFORE DELETE ON division_successors FOR EACH ROW EXECUTE FUNCTION refuse_delete();

-- division_parts is a derived index of divisions.geom cut into small
-- pieces (ST_Subdivide) so that point look-ups test a few dozen vertices
-- instead of a whole county. It is rebuilt from divisions and is the one
-- table here whose rows may be deleted.
CREATE TABLE division_parts (
  code   text NOT NULL REFERENCES divisions(code),
  level  smallint NOT NULL,
  geom   geometry(Polygon, 4490) NOT NULL
);
CREATE INDEX division_parts_geom ON division_parts USING gist(geom);
CREATE INDEX division_parts_code ON division_parts(code);

-- base36 renders n in upper-case base 36, left-padded to width: boundary
-- line numbers are the 4-character prefix of marker numbers (DOMAIN §2.5).
CREATE FUNCTION base36(n bigint, width int) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  digits constant text := '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  s text := '';
BEGIN
  LOOP
    s := substr(digits, (n % 36)::int + 1, 1) || s;
    n := n / 36;
    EXIT WHEN n = 0;
  END LOOP;
  RETURN lpad(s, width, '0');
END $$;
CREATE SEQUENCE boundary_line_number_seq;

-- Boundary lines (行政区域界线) between two adjacent divisions; left_code is
-- the smaller code, so a line between two divisions has one identity.
CREATE TABLE boundary_lines (
  id              bigserial PRIMARY KEY,
  number          text NOT NULL UNIQUE DEFAULT base36(nextval('boundary_line_number_seq'), 4) CHECK (number ~ '^[0-9A-Z]{4}$'),
  left_code       text NOT NULL REFERENCES divisions(code),
  right_code      text NOT NULL REFERENCES divisions(code),
  level           smallint NOT NULL CHECK (level BETWEEN 1 AND 5),
  name            text NOT NULL CHECK (name <> ''),
  geom            geometry(MultiLineString, 4490),
  length_m        double precision NOT NULL DEFAULT 0,
  status          text NOT NULL DEFAULT 'surveyed' CHECK (status IN ('surveyed', 'published', 'jointly_managed', 'retired')),
  source          text NOT NULL DEFAULT 'derived' CHECK (source IN ('derived', 'imported', 'surveyed')),
  tolerance_m     double precision,
  approved_by     text NOT NULL DEFAULT '',
  agreement       text NOT NULL DEFAULT '',
  established_on  date,
  valid_to        date,
  generated       boolean NOT NULL DEFAULT false,
  version         integer NOT NULL DEFAULT 1,
  created_at      timestamptz NOT NULL DEFAULT now(),
  CHECK (left_code < right_code),
  CHECK ((status = 'retired') = (valid_to IS NOT NULL))
);
CREATE UNIQUE INDEX boundary_lines_pair ON boundary_lines(left_code, right_code) WHERE valid_to IS NULL;
CREATE INDEX boundary_lines_right ON boundary_lines(right_code);
CREATE INDEX boundary_lines_geom ON boundary_lines USING gist(geom);
CREATE TRIGGER boundary_lines_refuse_delete BEFORE DELETE ON boundary_lines FOR EACH ROW EXECUTE FUNCTION refuse_delete();

-- Boundary markers (界桩). number = line number (4) + sequence (3) + type
-- letter; Q single, A/B a pair sharing a number, C/D/E a triple.
CREATE TABLE boundary_markers (
  id            bigserial PRIMARY KEY,
  line_id       bigint NOT NULL REFERENCES boundary_lines(id),
  number        text NOT NULL CHECK (number ~ '^[0-9A-Z]{4}[0-9]{3}[QABCDE]$'),
  seq           integer NOT NULL CHECK (seq BETWEEN 1 AND 999),
  type          text NOT NULL CHECK (type IN ('Q', 'A', 'B', 'C', 'D', 'E')),
  side_code     text REFERENCES divisions(code),
  geom          geometry(Point, 4490) NOT NULL,
  form          text NOT NULL DEFAULT '',
  material      text NOT NULL DEFAULT '',
  refs          jsonb NOT NULL DEFAULT '[]',
  description   text NOT NULL DEFAULT '',
  status        text NOT NULL DEFAULT 'active' CHECK (status IN ('planned', 'active', 'damaged', 'repaired', 'moved', 'retired')),
  published     boolean NOT NULL DEFAULT false,
  last_move_id  bigint,
  generated     boolean NOT NULL DEFAULT false,
  version       integer NOT NULL DEFAULT 1,
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (line_id, number),
  CHECK (substr(number, 5, 3)::int = seq AND right(number, 1) = type)
);
CREATE INDEX boundary_markers_geom ON boundary_markers USING gist(geom);
CREATE TRIGGER boundary_markers_refuse_delete BEFORE DELETE ON boundary_markers FOR EACH ROW EXECUTE FUNCTION refuse_delete();

-- A marker move is valid only with the agreement of every side, recorded
-- here first (行政区域界线管理条例 Art. 6).
CREATE TABLE marker_moves (
  id            bigserial PRIMARY KEY,
  marker_id     bigint NOT NULL REFERENCES boundary_markers(id),
  agreement_no  text NOT NULL CHECK (agreement_no <> ''),
  agreed_on     date NOT NULL,
  signed_by     text[] NOT NULL CHECK (cardinality(signed_by) >= 2),
  from_geom     geometry(Point, 4490) NOT NULL,
  to_geom       geometry(Point, 4490) NOT NULL,
  reason        text NOT NULL CHECK (reason <> ''),
  created_by    text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE boundary_markers ADD CONSTRAINT boundary_markers_last_move FOREIGN KEY (last_move_id) REFERENCES marker_moves(id);
CREATE TRIGGER marker_moves_refuse_delete BEFORE DELETE ON marker_moves FOR EACH ROW EXECUTE FUNCTION refuse_delete();

-- boundary_markers_rules: the number's line prefix is the line's number;
-- the markers sharing a sequence number form one group (single, pair or
-- triple); and the position changes only through a recorded move.
CREATE FUNCTION boundary_markers_rules() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  grp int := CASE WHEN NEW.type = 'Q' THEN 1 WHEN NEW.type IN ('A','B') THEN 2 ELSE 3 END;
BEGIN
  IF left(NEW.number, 4) <> (SELECT number FROM boundary_lines WHERE id = NEW.line_id) THEN
    RAISE EXCEPTION 'marker number % does not start with its line''s number', NEW.number USING ERRCODE = 'P0001';
  END IF;
  IF EXISTS (SELECT 1 FROM boundary_markers m WHERE m.line_id = NEW.line_id AND m.seq = NEW.seq AND m.id <> NEW.id
      AND CASE WHEN m.type = 'Q' THEN 1 WHEN m.type IN ('A','B') THEN 2 ELSE 3 END <> grp) THEN
    RAISE EXCEPTION 'marker % mixes types of a single (Q), a pair (A/B) and a triple (C/D/E) under one number', NEW.number
      USING ERRCODE = 'P0001';
  END IF;
  IF TG_OP = 'UPDATE' AND NOT ST_Equals(NEW.geom, OLD.geom) THEN
    IF NEW.last_move_id IS NOT DISTINCT FROM OLD.last_move_id OR NOT EXISTS (
        SELECT 1 FROM marker_moves mv WHERE mv.id = NEW.last_move_id AND mv.marker_id = NEW.id AND ST_Equals(mv.to_geom, NEW.geom)) THEN
      RAISE EXCEPTION 'marker % never moves by a free edit: record the agreement of all sides as a move', OLD.number
        USING ERRCODE = 'P0001';
    END IF;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER boundary_markers_rules BEFORE INSERT OR UPDATE ON boundary_markers FOR EACH ROW EXECUTE FUNCTION boundary_markers_rules();

-- Joint inspections (联检): one record per line and round (every five
-- years), signed off by both sides, with a check per marker.
CREATE TABLE line_inspections (
  id               bigserial PRIMARY KEY,
  line_id          bigint NOT NULL REFERENCES boundary_lines(id),
  round            integer NOT NULL CHECK (round >= 1),
  inspected_on     date NOT NULL,
  findings         text NOT NULL DEFAULT '',
  remediation      text NOT NULL DEFAULT '',
  left_signed_by   text,
  left_signed_at   timestamptz,
  right_signed_by  text,
  right_signed_at  timestamptz,
  version          integer NOT NULL DEFAULT 1,
  created_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (line_id, round)
);
CREATE TRIGGER line_inspections_refuse_delete BEFORE DELETE ON line_inspections FOR EACH ROW EXECUTE FUNCTION refuse_delete();

CREATE TABLE marker_checks (
  inspection_id  bigint NOT NULL REFERENCES line_inspections(id),
  marker_id      bigint NOT NULL REFERENCES boundary_markers(id),
  status         text NOT NULL CHECK (status IN ('intact', 'damaged', 'missing', 'moved', 'repaired')),
  findings       text NOT NULL DEFAULT '',
  remediation    text NOT NULL DEFAULT '',
  PRIMARY KEY (inspection_id, marker_id)
);
CREATE TRIGGER marker_checks_refuse_delete BEFORE DELETE ON marker_checks FOR EACH ROW EXECUTE FUNCTION refuse_delete();
