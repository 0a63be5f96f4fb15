-- The site's audit log (clinnova.federation_audit, readable by the site's DBA only): every query a
-- federation role ran, allowed or refused.
\pset footer off
\echo 'Luxembourg''s audit log, as its DBA sees it: totals, and the refused queries'
SELECT outcome, count(*) AS queries, sum(rows_represented) AS "rows represented"
FROM clinnova.federation_audit GROUP BY outcome ORDER BY outcome;
\x on
SELECT id, role_name, client, outcome, reason, started,
       left(regexp_replace(statement, '\s+', ' ', 'g'), 140) AS statement
FROM clinnova.federation_audit WHERE outcome = 'refused' ORDER BY id;
\x off
