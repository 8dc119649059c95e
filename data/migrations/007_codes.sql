-- Codes and polygons right (issue 14): derived boundary lines carry their
-- own status, a parent polygon made from its children is marked as such,
-- and a division's names history is written by one function for every
-- rename path (API, NBS import).

-- A line derived from shared polygon edges has not been surveyed.
ALTER TABLE boundary_lines DROP CONSTRAINT boundary_lines_status_check;
ALTER TABLE boundary_lines ADD CONSTRAINT boundary_lines_status_check
  CHECK (status IN ('derived', 'surveyed', 'published', 'jointly_managed', 'retired'));
UPDATE boundary_lines SET status = 'derived' WHERE source = 'derived' AND status = 'surveyed';

-- geom_derived: the polygon is the union of the division's current
-- children (no polygon of its own was imported); it follows them.
ALTER TABLE divisions ADD COLUMN geom_derived boolean NOT NULL DEFAULT false;

-- record_division_rename writes the names history of a rename of code
-- from old_name to new_name on day on: the open record of the old name
-- (from the MCA history or an earlier rename) is closed on that day, or,
-- when the history has none, a closed record of the old name is added; the
-- new name gets an open record from that day. A second rename on the same
-- day corrects the first. A day before the current name's start is refused.
CREATE FUNCTION record_division_rename(p_code text, p_old text, p_new text, p_on date, p_source text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  open_from date;
  open_id bigint;
BEGIN
  SELECT id, valid_from INTO open_id, open_from FROM division_names
    WHERE code = p_code AND valid_to IS NULL ORDER BY valid_from DESC NULLS LAST LIMIT 1;
  IF open_id IS NOT NULL AND open_from = p_on THEN
    UPDATE division_names SET name = p_new, source = p_source WHERE id = open_id;
    RETURN;
  END IF;
  IF open_from > p_on THEN
    RAISE EXCEPTION '区划 % 的更名日期 % 早于现名称“%”的启用日期 %', p_code, p_on, p_old, open_from USING ERRCODE = 'P0001';
  END IF;
  IF open_id IS NOT NULL THEN
    UPDATE division_names SET valid_to = p_on WHERE id = open_id;
  ELSE
    INSERT INTO division_names (code, name, valid_from, valid_to, source)
    SELECT p_code, p_old, coalesce((SELECT max(valid_to) FROM division_names WHERE code = p_code AND valid_to <= p_on),
                                   (SELECT valid_from FROM divisions WHERE code = p_code AND valid_from <= p_on)),
           p_on, p_source
    ON CONFLICT (code, valid_from) DO NOTHING;
  END IF;
  INSERT INTO division_names (code, name, valid_from, valid_to, source) VALUES (p_code, p_new, p_on, NULL, p_source)
  ON CONFLICT (code, valid_from) DO UPDATE SET name = EXCLUDED.name, valid_to = NULL, source = EXCLUDED.source;
END $$;

-- division_name_stem is a division name without its generic (区, 县, 市,
-- 旗 …): 监利县 and 监利市 are one place upgraded, 西沙区 and 南沙区 two.
CREATE FUNCTION division_name_stem(name text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN char_length(s) >= 1 THEN s ELSE name END
  FROM (SELECT regexp_replace(name, '(自治县|自治旗|特区|林区|新区|地区|自治州|盟|县|区|市|旗)$', '') AS s) x
$$;

-- division_name_agrees says whether a name read from a file (DataV and
-- other polygon sources) names the division code or one it went to: its
-- stem is the stem of the code's current name or of a name in its history.
CREATE FUNCTION division_name_agrees(file_name text, p_code text) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT coalesce(file_name, '') = '' OR EXISTS (
    SELECT 1 FROM (SELECT name FROM divisions WHERE code = p_code
                   UNION ALL SELECT name FROM division_names WHERE code = p_code) n
    WHERE division_name_stem(n.name) = division_name_stem(file_name))
$$;

-- polygon_gap_m is the distance in metres between two geometries in
-- longitude/latitude, 0 where they meet, NULL when either is missing.
CREATE FUNCTION polygon_gap_m(a geometry, b geometry) RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN a IS NULL OR b IS NULL THEN NULL
              WHEN ST_Intersects(a, b) THEN 0
              ELSE ST_Distance(a::geography, b::geography) END
$$;

-- Successor links of a code's retirement year are retirements: the MCA
-- importer once labelled all successors of a record transfers as soon as
-- one of them carried an earlier year (330621's 2013 successors).
UPDATE division_successors s SET kind = 'retired' FROM divisions d
WHERE d.code = s.code AND s.kind = 'transfer' AND d.valid_to IS NOT NULL AND s.year = extract(year FROM d.valid_to);
