-- Tiles: pre-simplified Web Mercator copies of the geometries drawn at low
-- zooms, and notifications that name the area each write touched, so that
-- every running server drops exactly the cached tiles it changed.

-- tile_simplify is the geometry in EPSG:3857 simplified by tol metres (one
-- MVT unit at the last zoom of a band), or the unsimplified geometry when
-- GEOS cannot simplify it: a generated column must never fail a write.
CREATE FUNCTION tile_simplify(g geometry, tol float8) RETURNS geometry
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
  RETURN ST_SimplifyPreserveTopology(ST_Transform(g, 3857), tol);
EXCEPTION WHEN OTHERS THEN
  RETURN ST_Transform(g, 3857);
END $$;

-- tile_label_point is a point inside the polygon in EPSG:3857 (its
-- centroid when GEOS cannot find one).
CREATE FUNCTION tile_label_point(g geometry) RETURNS geometry
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
  RETURN ST_Transform(ST_PointOnSurface(g), 3857);
EXCEPTION WHEN OTHERS THEN
  RETURN ST_Transform(ST_Centroid(g), 3857);
END $$;

ALTER TABLE divisions
  ADD COLUMN geom_z3 geometry(Geometry, 3857) GENERATED ALWAYS AS (tile_simplify(geom, 1223)) STORED,
  ADD COLUMN geom_z6 geometry(Geometry, 3857) GENERATED ALWAYS AS (tile_simplify(geom, 153)) STORED,
  ADD COLUMN geom_z9 geometry(Geometry, 3857) GENERATED ALWAYS AS (tile_simplify(geom, 19)) STORED,
  ADD COLUMN label_3857 geometry(Point, 3857) GENERATED ALWAYS AS (tile_label_point(geom)) STORED;

ALTER TABLE boundary_lines
  ADD COLUMN geom_z3 geometry(Geometry, 3857) GENERATED ALWAYS AS (tile_simplify(geom, 1223)) STORED,
  ADD COLUMN geom_z6 geometry(Geometry, 3857) GENERATED ALWAYS AS (tile_simplify(geom, 153)) STORED,
  ADD COLUMN geom_z9 geometry(Geometry, 3857) GENERATED ALWAYS AS (tile_simplify(geom, 19)) STORED;

-- tile_notify sends the boxes ("xmin,ymin,xmax,ymax", degrees) on
-- tiles_changed as "b:box;box;..." in chunks of 100 (about 5 KB, under the
-- 8 KB payload limit); more than 1,000 boxes go as their one extent.
CREATE FUNCTION tile_notify(boxes text[], extent box2d) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  i int := 1;
  n int := coalesce(array_length(boxes, 1), 0);
BEGIN
  IF n > 1000 THEN
    boxes := ARRAY[concat_ws(',', ST_XMin(extent), ST_YMin(extent), ST_XMax(extent), ST_YMax(extent))];
    n := 1;
  END IF;
  WHILE i <= n LOOP
    PERFORM pg_notify('tiles_changed', 'b:' || array_to_string(boxes[i:i + 99], ';'));
    i := i + 100;
  END LOOP;
END $$;

-- tiles_changed notifies the boxes of the old and new geometries (column
-- TG_ARGV[0]) of the rows a statement wrote. (Deletes are refused on these
-- tables: records retire, and a retirement is an update.)
CREATE FUNCTION tiles_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  col text := TG_ARGV[0];
  src text;
  boxes text[];
  extent box2d;
BEGIN
  src := CASE TG_OP
    WHEN 'INSERT' THEN format('SELECT %I AS g FROM new_rows', col)
    ELSE format('SELECT %1$I AS g FROM old_rows UNION ALL SELECT %1$I FROM new_rows', col)
  END;
  EXECUTE 'SELECT array_agg(DISTINCT concat_ws('','', ST_XMin(g), ST_YMin(g), ST_XMax(g), ST_YMax(g))), ST_Extent(g)'
    || ' FROM (' || src || ') s WHERE g IS NOT NULL' INTO boxes, extent;
  PERFORM tile_notify(boxes, extent);
  RETURN NULL;
END $$;

CREATE TRIGGER divisions_tiles_ins AFTER INSERT ON divisions REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION tiles_changed('geom');
CREATE TRIGGER divisions_tiles_upd AFTER UPDATE ON divisions REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION tiles_changed('geom');
CREATE TRIGGER boundary_lines_tiles_ins AFTER INSERT ON boundary_lines REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION tiles_changed('geom');
CREATE TRIGGER boundary_lines_tiles_upd AFTER UPDATE ON boundary_lines REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION tiles_changed('geom');
CREATE TRIGGER boundary_markers_tiles_ins AFTER INSERT ON boundary_markers REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION tiles_changed('geom');
CREATE TRIGGER boundary_markers_tiles_upd AFTER UPDATE ON boundary_markers REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION tiles_changed('geom');
CREATE TRIGGER places_tiles_ins AFTER INSERT ON places REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION tiles_changed('geom');
CREATE TRIGGER places_tiles_upd AFTER UPDATE ON places REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION tiles_changed('geom');
CREATE TRIGGER streets_tiles_ins AFTER INSERT ON streets REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION tiles_changed('geom');
CREATE TRIGGER streets_tiles_upd AFTER UPDATE ON streets REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION tiles_changed('geom');
CREATE TRIGGER addresses_tiles_ins AFTER INSERT ON addresses REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION tiles_changed('position');
CREATE TRIGGER addresses_tiles_upd AFTER UPDATE ON addresses REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION tiles_changed('position');
