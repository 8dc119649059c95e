-- 废码不用 (行政区划代码管理办法): a retired division code is final. It
-- is never issued again, never brought back and never renamed. This file
-- is the rule's one definition, which every path reads:
--   retired_codes          which codes are retired, and since when;
--   retired_code_message   the words a person reads when a row breaks it;
--   retired_code_final     the triggers that refuse, on any write, to
--                          revive, retire again or rename a retired code;
-- the NBS, MCA and boundary-line imports reject rows through the view,
-- and the Go code reads the trigger's refusal instead of deciding again.

CREATE VIEW retired_codes AS
  SELECT code, name, valid_to AS retired_on FROM divisions WHERE valid_to IS NOT NULL;

CREATE FUNCTION retired_code_message(code text, name text, retired_on date) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT '区划代码 ' || code || coalesce('（' || name || '）', '') || ' 已于 ' || retired_on ||
    ' 废止，废止的代码不再启用（废码不用）'
$$;

-- The code rules of 002 keep guarding code changes and moves; the
-- retired-code checks move out of them into retired_code_final.
CREATE OR REPLACE FUNCTION divisions_code_rules() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.code <> OLD.code THEN
    RAISE EXCEPTION 'division codes never change (% → %): retire the old code and issue a new one', OLD.code, NEW.code
      USING ERRCODE = 'P0001';
  END IF;
  IF OLD.parent_code IS NOT NULL AND NEW.parent_code IS DISTINCT FROM OLD.parent_code THEN
    RAISE EXCEPTION 'division % cannot move from % to %: a change of parent retires the code and issues a new one',
      OLD.code, OLD.parent_code, NEW.parent_code USING ERRCODE = 'P0001';
  END IF;
  RETURN NEW;
END $$;

-- One refusal for every write that would change a retired code: its end
-- date (bringing it back or retiring it again, whatever the new value)
-- and its name.
CREATE FUNCTION retired_code_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%', retired_code_message(OLD.code, OLD.name, OLD.valid_to) || CASE
      WHEN TG_ARGV[0] = 'name' THEN '，废止的区划不能更名'
      WHEN NEW.valid_to IS NULL THEN '，不能恢复使用'
      ELSE '，不能再次废止' END
    USING ERRCODE = 'P0001';
END $$;

CREATE TRIGGER divisions_retired_valid_to BEFORE UPDATE OF valid_to ON divisions
  FOR EACH ROW WHEN (OLD.valid_to IS NOT NULL) EXECUTE FUNCTION retired_code_final('valid_to');
CREATE TRIGGER divisions_retired_name BEFORE UPDATE OF name ON divisions
  FOR EACH ROW WHEN (OLD.valid_to IS NOT NULL AND NEW.name <> OLD.name) EXECUTE FUNCTION retired_code_final('name');
