-- Scan-cache notifications name what changed, so that a server holding
-- every plate in memory drops only what a write touched: "plates:ID,..."
-- lists the public ids of the plates whose scan page changed (in chunks
-- that fit a notification), "communities" says community contacts, grids
-- or division names changed. Inserts need no notice: a plate nobody has
-- scanned yet is not in any cache.

-- notify_plates sends the public ids in chunks of 500 (6.5 KB, under
-- PostgreSQL's 8 KB payload limit).
CREATE FUNCTION notify_plates(ids text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  i int := 1;
  n int := coalesce(array_length(ids, 1), 0);
BEGIN
  WHILE i <= n LOOP
    PERFORM pg_notify('doorplate_changed', 'plates:' || array_to_string(ids[i:i + 499], ','));
    i := i + 500;
  END LOOP;
END $$;

CREATE FUNCTION plates_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM notify_plates(ARRAY(SELECT public_id FROM new_rows));
  RETURN NULL;
END $$;

CREATE FUNCTION addresses_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM notify_plates(ARRAY(SELECT p.public_id FROM new_rows a JOIN plates p ON p.address_id = a.id));
  RETURN NULL;
END $$;

CREATE FUNCTION streets_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM notify_plates(ARRAY(SELECT p.public_id FROM new_rows s JOIN addresses a ON a.street_id = s.id
                                JOIN plates p ON p.address_id = a.id));
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION doorplate_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('doorplate_changed', 'communities');
  RETURN NULL;
END $$;

DROP TRIGGER plates_notify ON plates;
DROP TRIGGER addresses_notify ON addresses;
DROP TRIGGER streets_notify ON streets;
CREATE TRIGGER plates_notify AFTER UPDATE ON plates REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION plates_changed();
CREATE TRIGGER addresses_notify AFTER UPDATE ON addresses REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION addresses_changed();
CREATE TRIGGER streets_notify AFTER UPDATE ON streets REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION streets_changed();
