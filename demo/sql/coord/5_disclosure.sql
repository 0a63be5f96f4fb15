-- 5. Disclosure attempts through the foreign tables, refused by the site (the coordinator's
-- superuser is an ordinary federation role at the sites).
\pset footer off
\x on
\echo 'Attempt 1: read patient rows: SELECT * FROM lux.episode LIMIT 5'
SELECT outcome, error_code AS sqlstate, message, detail FROM demo.try('SELECT * FROM lux.episode LIMIT 5');
\echo 'Attempt 2: a WHERE clause that singles out (at most) one patient, counted with a disclosure-safe aggregate:'
\echo 'SELECT clinnova.safe_count(*) FROM lux.episode WHERE disease = ''ms'' AND age = 71 AND female = 0 AND crp = 2.9'
SELECT outcome, error_code AS sqlstate, message, detail
FROM demo.try($$SELECT clinnova.safe_count(*) FROM lux.episode WHERE disease = 'ms' AND age = 71 AND female = 0 AND crp = 2.9$$);
\x off
