-- The gazetteer's schema (place names, naming workflow, heritage list).
SELECT 1; -- placeholder until this domain's schema lands
