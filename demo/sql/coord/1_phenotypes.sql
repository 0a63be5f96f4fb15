-- 1. Harmonised phenotype counts per site.
-- Each site codes differently; after harmonisation at the site, the coordinator counts patients per
-- disease phenotype at every site through the federation.  It sees counts only, never rows.
\pset footer off
\echo 'How the four sites record the same facts (from each site''s harmonisation summary: codes, not patients):'
SELECT name AS site, diagnoses_coded_as AS "diagnoses coded as", raw_diagnosis_values AS "raw dx values",
       crohn_recorded_as AS "Crohn's disease as", vedolizumab_recorded_as AS "vedolizumab as",
       crp_recorded_as AS "CRP as"
FROM demo.coding_summary ORDER BY demo.site_order(site);

\echo 'Harmonised: patients per phenotype, counted by each site and returned through postgres_fdw'
\echo '(clinnova.federated_counts(''patient'', ''disease'', sites => ...); a cell under 5 patients would be refused):'
WITH counts AS (
  SELECT s.site, s.name, f.group_value AS disease, f.n
  FROM demo.coding_summary s, clinnova.federated_counts('patient', 'disease', sites => ARRAY[s.site]) f
  UNION ALL
  SELECT 'all', 'all four sites', f.group_value, f.n FROM clinnova.federated_counts('patient', 'disease') f
)
SELECT name AS site,
       sum(n) FILTER (WHERE disease = 'crohn') AS "Crohn's disease",
       sum(n) FILTER (WHERE disease = 'uc') AS "ulcerative colitis",
       sum(n) FILTER (WHERE disease = 'ra') AS "rheumatoid arthritis",
       sum(n) FILTER (WHERE disease = 'ms') AS "multiple sclerosis",
       coalesce(sum(n) FILTER (WHERE disease IS NULL), 0) AS unclassified,
       sum(n) AS patients
FROM counts GROUP BY site, name ORDER BY coalesce(demo.site_order(site), 99);

\echo 'Treatment episodes per drug class (drugs harmonised from ATC codes of two index versions):'
SELECT f.group_value AS "drug class", f.n AS episodes
FROM clinnova.federated_counts('episode', 'drug_class') f ORDER BY f.n DESC;
