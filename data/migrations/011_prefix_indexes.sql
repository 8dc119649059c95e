-- One prefix rule: division_prefix gives what diming.CodePrefix gives for
-- every code length, 12-digit codes ending in zeros included
-- (330602000000 → 330602, 330602001000 → 330602001). A test compares the
-- two over the national list.
CREATE OR REPLACE FUNCTION division_prefix(code text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN length(code) = 6 AND right(code, 4) = '0000' THEN left(code, 2)
    WHEN length(code) = 6 AND right(code, 2) = '00' THEN left(code, 4)
    WHEN length(code) = 12 AND right(code, 10) = '0000000000' THEN left(code, 2)
    WHEN length(code) = 12 AND right(code, 8) = '00000000' THEN left(code, 4)
    WHEN length(code) = 12 AND right(code, 6) = '000000' THEN left(code, 6)
    WHEN length(code) = 12 AND right(code, 3) = '000' THEN left(code, 9)
    ELSE code END
$$;

-- Prefix look-ups (scope checks, "within" filters: starts_with and
-- LIKE 'prefix%') use a btree only with C collation or the pattern
-- operator class; the cluster's collation is not C, so index the codes
-- with text_pattern_ops (which serves equality too).
CREATE INDEX divisions_code_prefix ON divisions (code text_pattern_ops);
CREATE INDEX divisions_parent_prefix ON divisions (parent_code text_pattern_ops);
DROP INDEX streets_division;
CREATE INDEX streets_division ON streets (division_code text_pattern_ops);
DROP INDEX addresses_division;
CREATE INDEX addresses_division ON addresses (division_code text_pattern_ops);
CREATE INDEX boundary_lines_left_prefix ON boundary_lines (left_code text_pattern_ops);
CREATE INDEX boundary_lines_right_prefix ON boundary_lines (right_code text_pattern_ops);
