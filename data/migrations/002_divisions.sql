-- Administrative divisions: one row per code ever issued, so a retired
-- code can never be reused (the primary key refuses it). Geometry is
-- CGCS2000 (EPSG:4490). The boundaries work extends this file.
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
  version      integer NOT NULL DEFAULT 1
);
CREATE INDEX divisions_parent ON divisions(parent_code);
CREATE INDEX divisions_geom ON divisions USING gist(geom);
CREATE TRIGGER divisions_refuse_delete BEFORE DELETE ON divisions FOR EACH ROW EXECUTE FUNCTION refuse_delete();
