-- After federation_add_site: the sites as the coordinator sees them, and the pooled comparison
-- table (same columns as the foreign tables, plus the site).
CREATE TABLE pooled.episode (site text NOT NULL, LIKE lux.episode);
GRANT SELECT ON pooled.episode TO demo_site_rules;
\pset footer off
\echo
\echo '        clinnova.federation_check_sites(): the version handshake with every site'
SELECT site, extension_version, library_version, min_cell_count, time_grain, guard_active, compatible
FROM clinnova.federation_check_sites() ORDER BY demo.site_order(site);
\echo '        foreign tables per site (built from each site''s published description):'
SELECT name AS site, host, port, dbname, relations FROM clinnova.federation_sites() ORDER BY demo.site_order(name);
