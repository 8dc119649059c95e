-- The doorplate schema (addresses, plates, grids, scans).
SELECT 1; -- placeholder until this domain's schema lands
