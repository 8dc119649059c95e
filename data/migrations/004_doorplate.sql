-- The doorplate schema: standard addresses after GB/T 35639, streets,
-- digital doorplates (signed QR codes), grids, community contacts and
-- anonymous scan counts. Positions are CGCS2000 (EPSG:4490); GCJ-02/BD-09
-- are computed at the edge for map links and never stored.

-- division_geom returns the geometry of a division or, when it has none
-- (village and community polygons are rarely published), of its nearest
-- ancestor that has one. The containment rules below check against it.
CREATE FUNCTION division_geom(division text) RETURNS geometry LANGUAGE sql STABLE AS $$
  WITH RECURSIVE up(code, parent_code, geom, depth) AS (
    SELECT code, parent_code, geom, 0 FROM divisions WHERE code = division
    UNION ALL
    SELECT d.code, d.parent_code, d.geom, up.depth + 1
      FROM divisions d JOIN up ON d.code = up.parent_code
     WHERE up.geom IS NULL AND up.depth < 6)
  SELECT geom FROM up WHERE geom IS NOT NULL ORDER BY depth LIMIT 1
$$;

-- Streets, roads and lanes (街路巷) and their numbering direction: the line
-- runs from where numbering starts. orientation is derived by the service
-- (ew, ns, diagonal) for the odd/even side rule.
CREATE TABLE streets (
  id            bigserial PRIMARY KEY,
  division_code text NOT NULL REFERENCES divisions(code),
  name          text NOT NULL CHECK (name <> ''),
  pinyin        text NOT NULL DEFAULT '',
  orientation   text NOT NULL DEFAULT 'diagonal' CHECK (orientation IN ('ew','ns','diagonal')),
  geom          geometry(LineString, 4490),
  generated     boolean NOT NULL DEFAULT false,
  valid_from    date NOT NULL DEFAULT current_date,
  valid_to      date,
  version       integer NOT NULL DEFAULT 1
);
CREATE INDEX streets_division ON streets(division_code);
CREATE INDEX streets_geom ON streets USING gist(geom);
CREATE TRIGGER streets_refuse_delete BEFORE DELETE ON streets FOR EACH ROW EXECUTE FUNCTION refuse_delete();

-- Addresses (地址). Components in GB/T 35639 order: division chain (via
-- division_code, a village/community or township), street or area, door
-- number, building, unit, floor, room. full_text is addressValue; position
-- is the main entrance (or the plot centroid), entrances the labelled
-- others. status and lifecycle are the standard's enumerations.
CREATE TABLE addresses (
  id              bigserial PRIMARY KEY,
  -- The address code: the 12-digit division code plus a serial.
  code            text UNIQUE GENERATED ALWAYS AS (rpad(division_code, 12, '0') || lpad(id::text, greatest(8, length(id::text)), '0')) STORED,
  division_code   text NOT NULL REFERENCES divisions(code),
  street_id       bigint REFERENCES streets(id),
  area_name       text NOT NULL DEFAULT '',
  door_number     integer CHECK (door_number > 0),
  door_suffix     text NOT NULL DEFAULT '',
  building        text NOT NULL DEFAULT '',
  unit            text NOT NULL DEFAULT '',
  floor           text NOT NULL DEFAULT '',
  room            text NOT NULL DEFAULT '',
  full_text       text NOT NULL CHECK (full_text <> ''),
  pinyin          text NOT NULL DEFAULT '',
  position        geometry(Point, 4490) NOT NULL,
  position_source text NOT NULL DEFAULT 'entrance' CHECK (position_source IN ('entrance','centroid')),
  crs             text NOT NULL DEFAULT 'EPSG:4490' CHECK (crs = 'EPSG:4490'),
  entrances       geometry(MultiPoint, 4490),
  entrance_labels text[] NOT NULL DEFAULT '{}',
  status          text NOT NULL DEFAULT 'official' CHECK (status IN ('unknown','official','unofficial')),
  lifecycle       text NOT NULL DEFAULT 'current' CHECK (lifecycle IN ('current','planned','rejected','reserved','retired','unknown')),
  valid_from      date NOT NULL DEFAULT current_date,
  valid_to        date,
  generated       boolean NOT NULL DEFAULT false,
  version         integer NOT NULL DEFAULT 1,
  CHECK (street_id IS NOT NULL OR area_name <> ''),
  CHECK (entrances IS NULL OR ST_NumGeometries(entrances) = cardinality(entrance_labels))
);
-- No duplicate numbers on a street (or in an area) among live addresses.
CREATE UNIQUE INDEX addresses_number_unique ON addresses
  (coalesce(street_id, 0), division_code, area_name, coalesce(door_number, 0), door_suffix, building, unit, floor, room)
  WHERE lifecycle NOT IN ('retired','rejected');
CREATE INDEX addresses_street ON addresses(street_id);
CREATE INDEX addresses_division ON addresses(division_code);
CREATE INDEX addresses_position ON addresses USING gist(position);
CREATE TRIGGER addresses_refuse_delete BEFORE DELETE ON addresses FOR EACH ROW EXECUTE FUNCTION refuse_delete();

-- An address lies inside its division: the database checks it, whoever
-- writes. The check is per statement over the transition table, so a bulk
-- COPY of a million generated addresses checks them in one set-based pass
-- (one division_geom per division, not per row).
CREATE FUNCTION addresses_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE bad record;
BEGIN
  WITH d AS (SELECT DISTINCT division_code FROM new_rows),
       g AS (SELECT division_code, division_geom(division_code) AS geom FROM d)
  SELECT n.id, n.division_code, g.geom IS NULL AS nogeom INTO bad
    FROM new_rows n JOIN g USING (division_code)
   WHERE g.geom IS NULL OR NOT ST_Covers(g.geom, n.position)
      OR (n.entrances IS NOT NULL AND NOT ST_Covers(g.geom, n.entrances))
   LIMIT 1;
  IF FOUND AND bad.nogeom THEN
    RAISE EXCEPTION 'division % has no boundary to check the address against', bad.division_code USING ERRCODE = 'P0001';
  ELSIF FOUND THEN
    RAISE EXCEPTION 'the address position lies outside division %', bad.division_code USING ERRCODE = 'P0001';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER addresses_check_insert AFTER INSERT ON addresses REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION addresses_check();
CREATE TRIGGER addresses_check_update AFTER UPDATE ON addresses REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION addresses_check();

-- Plates (门牌): the opaque public id goes into the signed URL; key_id
-- names the signing key. A replaced plate points at its successor.
CREATE TABLE plates (
  id          bigserial PRIMARY KEY,
  public_id   text NOT NULL UNIQUE CHECK (public_id ~ '^[0-9a-z]{12}$'),
  address_id  bigint NOT NULL REFERENCES addresses(id),
  key_id      text NOT NULL CHECK (key_id ~ '^[0-9a-z]{1,8}$'),
  status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active','revoked','replaced')),
  replaced_by bigint REFERENCES plates(id) DEFERRABLE INITIALLY IMMEDIATE,
  batch       text NOT NULL DEFAULT '',
  reason      text NOT NULL DEFAULT '',
  issued_at   timestamptz NOT NULL DEFAULT now(),
  retired_at  timestamptz,
  generated   boolean NOT NULL DEFAULT false,
  version     integer NOT NULL DEFAULT 1,
  CHECK ((status = 'replaced') = (replaced_by IS NOT NULL))
);
-- One address, one live code (一址一码).
CREATE UNIQUE INDEX plates_one_active ON plates(address_id) WHERE status = 'active';
CREATE TRIGGER plates_refuse_delete BEFORE DELETE ON plates FOR EACH ROW EXECUTE FUNCTION refuse_delete();

-- Community offices and contacts (社区/村委会), one row per community.
CREATE TABLE community_info (
  community_code     text PRIMARY KEY REFERENCES divisions(code),
  office_name        text NOT NULL DEFAULT '',
  office_address     text NOT NULL DEFAULT '',
  office_hours       text NOT NULL DEFAULT '',
  service_phone      text NOT NULL DEFAULT '',
  police_name        text NOT NULL DEFAULT '',
  police_unit        text NOT NULL DEFAULT '',
  police_phone       text NOT NULL DEFAULT '',
  police_phone_kind  text NOT NULL DEFAULT 'work' CHECK (police_phone_kind IN ('work','personal')),
  version            integer NOT NULL DEFAULT 1
);
CREATE TRIGGER community_info_refuse_delete BEFORE DELETE ON community_info FOR EACH ROW EXECUTE FUNCTION refuse_delete();

-- Grids (网格) inside a community, with the grid worker and the grid
-- police officer assigned to them. Phones carry their kind: work numbers
-- are shown, personal ones masked as configured.
CREATE TABLE grids (
  id                 bigserial PRIMARY KEY,
  community_code     text NOT NULL REFERENCES divisions(code),
  name               text NOT NULL CHECK (name <> ''),
  geom               geometry(MultiPolygon, 4490) NOT NULL,
  worker_name        text NOT NULL DEFAULT '',
  worker_role        text NOT NULL DEFAULT '网格员',
  worker_phone       text NOT NULL DEFAULT '',
  worker_phone_kind  text NOT NULL DEFAULT 'work' CHECK (worker_phone_kind IN ('work','personal')),
  police_name        text NOT NULL DEFAULT '',
  police_phone       text NOT NULL DEFAULT '',
  police_phone_kind  text NOT NULL DEFAULT 'work' CHECK (police_phone_kind IN ('work','personal')),
  generated          boolean NOT NULL DEFAULT false,
  valid_to           date,
  version            integer NOT NULL DEFAULT 1,
  UNIQUE (community_code, name)
);
CREATE INDEX grids_geom ON grids USING gist(geom);
CREATE INDEX grids_community ON grids(community_code);
CREATE TRIGGER grids_refuse_delete BEFORE DELETE ON grids FOR EACH ROW EXECUTE FUNCTION refuse_delete();

CREATE FUNCTION grids_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE g geometry;
BEGIN
  g := division_geom(NEW.community_code);
  IF g IS NULL OR NOT ST_Covers(g, NEW.geom) THEN
    RAISE EXCEPTION 'the grid must lie inside community %', NEW.community_code USING ERRCODE = 'P0001';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER grids_check BEFORE INSERT OR UPDATE OF geom, community_code ON grids
  FOR EACH ROW EXECUTE FUNCTION grids_check();

-- Scan counts per plate and day. Nothing about the scanner is stored.
CREATE TABLE plate_scans (
  plate_id bigint NOT NULL REFERENCES plates(id),
  day      date NOT NULL,
  count    bigint NOT NULL CHECK (count >= 0),
  PRIMARY KEY (plate_id, day)
);

-- Only a live address gets a plate (checked per statement, for COPY).
CREATE FUNCTION plates_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE bad bigint;
BEGIN
  SELECT n.address_id INTO bad FROM new_rows n JOIN addresses a ON a.id = n.address_id
   WHERE a.lifecycle IN ('retired','rejected') LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'address % is retired or rejected and gets no plate', bad USING ERRCODE = 'P0001';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER plates_check AFTER INSERT ON plates REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION plates_check();

-- Scan pages are cached by the servers; every change to what they show
-- notifies them (once per statement) so the next scan reads it fresh.
CREATE FUNCTION doorplate_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('doorplate_changed', TG_TABLE_NAME);
  RETURN NULL;
END $$;
CREATE TRIGGER plates_notify AFTER INSERT OR UPDATE ON plates FOR EACH STATEMENT EXECUTE FUNCTION doorplate_notify();
CREATE TRIGGER addresses_notify AFTER UPDATE ON addresses FOR EACH STATEMENT EXECUTE FUNCTION doorplate_notify();
CREATE TRIGGER streets_notify AFTER UPDATE ON streets FOR EACH STATEMENT EXECUTE FUNCTION doorplate_notify();
CREATE TRIGGER grids_notify AFTER INSERT OR UPDATE ON grids FOR EACH STATEMENT EXECUTE FUNCTION doorplate_notify();
CREATE TRIGGER community_info_notify AFTER INSERT OR UPDATE ON community_info FOR EACH STATEMENT EXECUTE FUNCTION doorplate_notify();
CREATE TRIGGER divisions_doorplate_notify AFTER UPDATE ON divisions FOR EACH STATEMENT EXECUTE FUNCTION doorplate_notify();
