-- Test divisions for the tile tests: real codes and names around 绍兴, with
-- hand-drawn, real-looking polygons (CGCS2000, SRID 4490). Not official
-- boundaries, so every row is marked generated. Tests load it into a
-- database of their own. 330621 绍兴县 is retired (2013) and must never
-- show in a tile.
INSERT INTO divisions (code, name, level, kind, parent_code, valid_from, valid_to, generated, geom) VALUES
('330000', '浙江省', 1, '省', NULL, NULL, NULL, true, ST_GeomFromText('MULTIPOLYGON(((118.02 28.25,118.95 27.05,120.25 27.15,121.95 28.45,122.95 30.85,121.25 31.05,120.05 31.15,119.15 30.25,118.02 28.25)))', 4490)),
('330600', '绍兴市', 2, '地级市', '330000', NULL, NULL, true, ST_GeomFromText('MULTIPOLYGON(((120.02 29.31,120.61 29.22,121.12 29.41,121.21 30.08,120.62 30.31,120.11 30.02,120.02 29.31)))', 4490)),
('330602', '越城区', 3, '市辖区', '330600', NULL, NULL, true, ST_GeomFromText('MULTIPOLYGON(((120.45 29.95,120.58 29.91,120.72 29.92,120.75 30.12,120.55 30.18,120.45 30.05,120.45 29.95)))', 4490)),
('330604', '上虞区', 3, '市辖区', '330600', NULL, NULL, true, ST_GeomFromText('MULTIPOLYGON(((120.72 29.92,121.05 29.85,121.08 30.15,120.75 30.12,120.72 29.92)))', 4490)),
('330621', '绍兴县', 3, '县', '330600', '1949-10-01', '2013-10-18', true, ST_GeomFromText('MULTIPOLYGON(((120.30 29.80,120.60 29.80,120.60 30.10,120.30 30.10,120.30 29.80)))', 4490)),
('330602001', '塔山街道', 4, '街道', '330602', NULL, NULL, true, ST_GeomFromText('MULTIPOLYGON(((120.560 29.990,120.600 29.992,120.601 30.020,120.570 30.022,120.560 29.990)))', 4490)),
('330602001001', '府山社区', 5, '居委会', '330602001', NULL, NULL, true, ST_GeomFromText('MULTIPOLYGON(((120.570 30.000,120.585 30.001,120.586 30.012,120.572 30.011,120.570 30.000)))', 4490));
