-- Index support of the hierarchy operators: a btree index on a code column serves <@ and @>
-- through the planner support function; seq scan and index scan return identical rows;
-- selectivity estimates; parallel plans.
\i test/lib/regress_helpers.sql
SET search_path = public, clinnova;

-- 30000 rows (ANALYZE reads them all, so the statistics are deterministic); no autovacuum, so
-- that plans do not depend on when the visibility map is set (index-only scans are off below)
CREATE TABLE ix (id integer PRIMARY KEY, dx code) WITH (autovacuum_enabled = off);
INSERT INTO ix
SELECT g, (CASE g % 10
  WHEN 0 THEN 'ICD10:K5' || (k % 3) || CASE WHEN k % 4 = 0 THEN '' ELSE '.' || (k % 9) END
  WHEN 1 THEN 'ICD10:K5' || (k % 3) || CASE WHEN k % 4 = 0 THEN '' ELSE '.' || (k % 9) END
  WHEN 2 THEN 'ICD10GM:' || (ARRAY['G35.10','G35.11','G35.20','G35.31','K50.80','M05.80','M06.99','K51.0'])[1 + k % 8]
  WHEN 3 THEN 'ICD10CM:' || (ARRAY['K50.011','K50.90','K51.90','M05.79','M06.9','G35','Z3A.30','T36.0X1A'])[1 + k % 8]
  WHEN 4 THEN 'ATC:' || (ARRAY['L04AB02','L04AB04','L04AG05','L04AA33','L04AF01','A07EC02','L01FA01','L04AX01'])[1 + k % 8]
  WHEN 5 THEN 'SNOMED:' || (ARRAY['34000006','7620006','64766004','24700007','69896004'])[1 + k % 5]
  WHEN 6 THEN 'LOINC:' || (ARRAY['1988-5','38445-3','718-7'])[1 + k % 3]
  ELSE 'ICD10:' || chr(65 + k % 26) || lpad((k % 100)::text, 2, '0') || CASE WHEN k % 3 = 0 THEN '' ELSE '.' || (k % 10) END
  END)::code
FROM generate_series(1, 30000) g, LATERAL (SELECT g / 10 AS k) k;
INSERT INTO ix VALUES (30001, NULL);
CREATE INDEX ix_dx ON ix (dx);
ANALYZE ix;

-- ---- the plans: <@ becomes a range on the index, @> an = ANY of the ancestors ----
SET enable_indexonlyscan = off;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM ix WHERE dx <@ 'ICD10:K50';
EXPLAIN (COSTS OFF) SELECT id FROM ix WHERE 'ICD10:K50' @> dx;
EXPLAIN (COSTS OFF) SELECT id FROM ix WHERE dx <@ 'ATC:L04';
EXPLAIN (COSTS OFF) SELECT id FROM ix WHERE dx <@ 'SNOMED:34000006';
EXPLAIN (COSTS OFF) SELECT id FROM ix WHERE dx @> 'ICD10GM:G35.10';
EXPLAIN (COSTS OFF) SELECT id FROM ix WHERE clinnova.code_contained(dx, 'ICD10:K50');
EXPLAIN (COSTS OFF) SELECT id FROM ix WHERE dx = ANY ('{ICD10:K50.1,ICD10:K51.1}');
-- the index condition is exact (not lossy): an index scan does not check the original clause
-- again (a bitmap heap scan, above, keeps it as a filter, as for LIKE)
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM ix WHERE dx <@ 'ICD10:K50';
EXPLAIN (COSTS OFF) SELECT id FROM ix WHERE dx <@ 'ICD10GM:G35.1';
RESET enable_seqscan; RESET enable_bitmapscan;

-- ---- seq scan and index scan return identical rows, for every kind of query code ----
CREATE TABLE ix_q (q code);
INSERT INTO ix_q VALUES ('ICD10:K50'), ('ICD10:K50.1'), ('ICD10:K51'), ('ICD10:K52'), ('ICD10:K59'),
  ('ICD10:A00'), ('ICD10:Z99'), ('ICD10:Z99.9'), ('ICD10GM:G35'), ('ICD10GM:G35.1'), ('ICD10GM:G35.10'),
  ('ICD10GM:M06'), ('ICD10CM:K50'), ('ICD10CM:K50.0'), ('ICD10CM:Z3A'), ('ICD10CM:T36.0X1'),
  ('ATC:L'), ('ATC:L04'), ('ATC:L04A'), ('ATC:L04AG'), ('ATC:L04AG05'), ('ATC:A'), ('ATC:V'),
  ('SNOMED:34000006'), ('SNOMED:24526004'), ('LOINC:1988-5'), ('OMOP:201606'), ('LOCAL:x/y');
CREATE FUNCTION pg_temp.ix_answers() RETURNS TABLE (q code, op text, ids integer[]) LANGUAGE sql AS $$
  SELECT q.q, 'desc', (SELECT array_agg(id ORDER BY id) FROM ix WHERE dx <@ q.q) FROM ix_q q
  UNION ALL
  SELECT q.q, 'desc_commuted', (SELECT array_agg(id ORDER BY id) FROM ix WHERE q.q @> dx) FROM ix_q q
  UNION ALL
  SELECT q.q, 'anc', (SELECT array_agg(id ORDER BY id) FROM ix WHERE dx @> q.q) FROM ix_q q
  UNION ALL
  SELECT q.q, 'anc_commuted', (SELECT array_agg(id ORDER BY id) FROM ix WHERE q.q <@ dx) FROM ix_q q
$$;
SET enable_indexscan = off; SET enable_bitmapscan = off; SET enable_indexonlyscan = off;
CREATE TABLE ix_seq AS SELECT * FROM pg_temp.ix_answers();
RESET enable_indexscan; RESET enable_bitmapscan; RESET enable_indexonlyscan;
SET enable_seqscan = off;
CREATE TABLE ix_idx AS SELECT * FROM pg_temp.ix_answers();
RESET enable_seqscan;
SELECT count(*) AS answers, sum(cardinality(ids)) AS rows_found FROM ix_seq;
SELECT 'seq minus index' AS side, * FROM (SELECT * FROM ix_seq EXCEPT SELECT * FROM ix_idx) d
UNION ALL
SELECT 'index minus seq', * FROM (SELECT * FROM ix_idx EXCEPT SELECT * FROM ix_seq) d;
-- (the answers are right, not only equal: each code family by its text prefix)
SELECT q, coalesce(cardinality(ids), 0) AS n,
       coalesce(cardinality(ids), 0) = (SELECT count(*) FROM ix WHERE code_system(dx) = code_system(q)
                             AND replace(code_value(dx), '.', '') LIKE replace(code_value(q), '.', '') || '%') AS matches_prefix
FROM ix_seq WHERE op = 'desc' AND code_level(q) IS NOT NULL ORDER BY q;

-- ---- parameters: generic plans and parameterised nested loops use the index too ----
SET enable_indexonlyscan = off;
PREPARE ix_p(code) AS SELECT count(*) FROM ix WHERE dx <@ $1;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE ix_p('ICD10:K50');
EXECUTE ix_p('ICD10:K50');
EXECUTE ix_p('SNOMED:34000006');
RESET plan_cache_mode;
RESET enable_indexonlyscan;
DEALLOCATE ix_p;
CREATE TABLE ix_family (family code);
INSERT INTO ix_family VALUES ('ICD10:K50'), ('ICD10GM:G35.1'), ('ATC:L04AB'), ('SNOMED:24700007');
ANALYZE ix_family;
SET enable_seqscan = off; SET enable_hashjoin = off; SET enable_mergejoin = off; SET enable_indexonlyscan = off;
EXPLAIN (COSTS OFF) SELECT f.family, count(*) FROM ix_family f JOIN ix ON ix.dx <@ f.family GROUP BY 1;
SELECT f.family, count(*) FROM ix_family f JOIN ix ON ix.dx <@ f.family GROUP BY 1 ORDER BY 1;
RESET enable_seqscan; RESET enable_hashjoin; RESET enable_mergejoin; RESET enable_indexonlyscan;
SET enable_indexscan = off; SET enable_bitmapscan = off; SET enable_indexonlyscan = off;
SELECT f.family, count(*) FROM ix_family f JOIN ix ON ix.dx <@ f.family GROUP BY 1 ORDER BY 1;
RESET enable_indexscan; RESET enable_bitmapscan; RESET enable_indexonlyscan;
-- NULL: no rows, no error
SELECT count(*) AS null_query FROM ix WHERE dx <@ NULL;
SELECT count(*) AS null_rows FROM ix WHERE dx IS NULL;

-- ---- selectivity: estimates follow the data (within a factor of two here) ----
CREATE FUNCTION pg_temp.estimate(query text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE plan json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) ' || query INTO plan;
  RETURN (plan -> 0 -> 'Plan' ->> 'Plan Rows')::float8;
END $$;
SELECT q, op, actual, estimate BETWEEN actual / 2.0 AND actual * 2.0 AS within_factor_2
FROM (SELECT q.q, o.op,
             (SELECT count(*) FROM ix WHERE CASE o.op WHEN '<@' THEN dx <@ q.q ELSE dx @> q.q END) AS actual,
             pg_temp.estimate(format('SELECT * FROM ix WHERE dx %s %L', o.op, q.q)) AS estimate
      FROM unnest('{ICD10:K50,ICD10:K51,ICD10:K50.1,ICD10GM:G35,ICD10GM:G35.1,ICD10CM:K50,ATC:L04,
                    ATC:L04AB,ATC:L04AB02,SNOMED:34000006,ICD10:M10,ICD10:A00}'::code[]) q(q)
           CROSS JOIN (VALUES ('<@')) o(op)
      UNION ALL
      SELECT q.q, '@>', (SELECT count(*) FROM ix WHERE dx @> q.q),
             pg_temp.estimate(format('SELECT * FROM ix WHERE dx @> %L', q.q))
      FROM unnest('{ICD10:K50.1,ICD10GM:G35.10,ATC:L04AB02}'::code[]) q(q)) s
WHERE actual > 0
ORDER BY q, op;
-- a family absent from the data is estimated small, not at the default
SELECT pg_temp.estimate('SELECT * FROM ix WHERE dx <@ ''ICD10:Q90''') < 100 AS absent_family_small;
-- joins: estimated at least as many rows as equal codes give
SELECT pg_temp.estimate('SELECT * FROM ix JOIN ix_family f ON ix.dx <@ f.family') >=
       pg_temp.estimate('SELECT * FROM ix JOIN ix_family f ON ix.dx = f.family') AS join_estimate_ok;

-- ---- parallel query: workers evaluate <@, same answer as serial ----
SELECT pg_temp.force_parallel();
SET enable_indexscan = off; SET enable_bitmapscan = off; SET enable_indexonlyscan = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM ix WHERE dx <@ 'ICD10:K50';
SELECT count(*) AS parallel_count FROM ix WHERE dx <@ 'ICD10:K50';
SELECT count(*) AS parallel_in_any FROM ix WHERE dx <@ ANY ('{ICD10:K50,ICD10:K51,ATC:L04AB}'::code[]);
RESET enable_indexscan; RESET enable_bitmapscan; RESET enable_indexonlyscan;
SELECT pg_temp.serial_only();
SELECT count(*) AS serial_count FROM ix WHERE dx <@ 'ICD10:K50';
SELECT count(*) AS serial_in_any FROM ix WHERE dx <@ ANY ('{ICD10:K50,ICD10:K51,ATC:L04AB}'::code[]);
