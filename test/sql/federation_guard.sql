-- federation_guard: the site guard in one cluster, with SET ROLE to a federation role.
-- (The multi-cluster suite test/federation/run covers postgres_fdw sessions and passwords.)
\i test/lib/regress_helpers.sql
SET client_min_messages = warning;
SELECT clinnova.version() IS NOT NULL AS library_loaded;

CREATE ROLE clinnova_fed_regress NOLOGIN;
CREATE TABLE fed_patients (id integer PRIMARY KEY, age integer, sex integer, t float8,
                           status integer, weight float8, dx text);
INSERT INTO fed_patients
SELECT g, 30 + g % 50, 1 + g % 2, 10 * (1 + g % 37), CASE WHEN g % 3 = 0 THEN 0 ELSE 1 END,
       50 + (g * 7) % 40, CASE WHEN g % 4 = 0 THEN 'K50' ELSE 'M05' END
FROM generate_series(1, 200) g;
CREATE TABLE fed_secret (id integer, salary integer);
INSERT INTO fed_secret VALUES (1, 1000);
GRANT USAGE ON SCHEMA clinnova TO clinnova_fed_regress;
GRANT SELECT ON fed_patients, fed_secret TO clinnova_fed_regress;

-- publishing needs the guard loaded at server start; this test cluster does not preload it
SELECT clinnova.federation_publish('fed_patients', ARRAY['id']);
-- record the publication the way federation_publish does, to test the guard itself
INSERT INTO clinnova.federation_published (relation, identifiers) VALUES ('fed_patients', '{id}');
SET clinnova.federation_roles = 'clinnova_fed_regress';
SET clinnova.min_cell_count = 5;
\set VERBOSITY terse

-- allowed: disclosure-safe aggregates, GROUP BY keys, comparison filters, IN, BETWEEN, IS NULL
BEGIN;
SET LOCAL ROLE clinnova_fed_regress;
SELECT sex, clinnova.safe_count(*), clinnova.describe(age) FROM fed_patients
 WHERE age BETWEEN 30 AND 70 AND status IN (0, 1) AND dx IS NOT NULL AND weight >= 50.0
 GROUP BY sex ORDER BY sex;
SELECT clinnova.safe_count(*) FILTER (WHERE dx = 'K50'), clinnova.describe(t::float8) FROM ONLY fed_patients
 WHERE NOT (sex <> 1 OR age IS NULL) AND t IS DISTINCT FROM 5;
SELECT clinnova.safe_count(*) FROM fed_patients WHERE dx = ANY ('{K50,M05}') AND age < '60'::text::integer LIMIT 1;
SELECT min_cell_count, time_grain, guard_active FROM clinnova.federation_site_info;
ROLLBACK;

-- clinnova's code operators are allowed in filters; functions of codes are not
CREATE TABLE fed_diagnoses (id integer, dx clinnova.code, age integer);
INSERT INTO fed_diagnoses SELECT g, (CASE g % 3 WHEN 0 THEN 'ICD10:K50.1' WHEN 1 THEN 'ICD10:K51.0' ELSE 'ICD10:M05.9' END)::clinnova.code, 30 + g % 40
  FROM generate_series(1, 60) g;
GRANT SELECT ON fed_diagnoses TO clinnova_fed_regress;
INSERT INTO clinnova.federation_published (relation, identifiers) VALUES ('fed_diagnoses', '{id}');
BEGIN;
SET LOCAL ROLE clinnova_fed_regress;
SELECT clinnova.safe_count(*), clinnova.describe(age) FROM fed_diagnoses WHERE dx OPERATOR(clinnova.<@) 'ICD10:K50';
SELECT dx OPERATOR(clinnova.=) 'ICD10:M05.9' AS ra, clinnova.safe_count(*) FROM fed_diagnoses
 WHERE dx OPERATOR(clinnova.<@) ANY ('{ICD10:K50,ICD10:M05}') GROUP BY 1 ORDER BY 1;
ROLLBACK;
BEGIN; SET LOCAL ROLE clinnova_fed_regress; SELECT clinnova.safe_count(*) FROM fed_diagnoses WHERE clinnova.code_system(dx) = 'ICD10'; ROLLBACK;
BEGIN; SET LOCAL ROLE clinnova_fed_regress; SELECT clinnova.safe_count(*) FROM fed_diagnoses WHERE dx::text = 'ICD10:K50.1'; ROLLBACK;

-- allowed queries also pass the executor backstop in parallel plans
SELECT pg_temp.force_parallel();
SET parallel_setup_cost = 0;
EXPLAIN (COSTS OFF) SELECT clinnova.describe(age) FROM fed_patients;
EXPLAIN (COSTS OFF) SELECT sex, clinnova.describe(age) FROM fed_patients GROUP BY sex ORDER BY sex;
-- (parallel plans add up in varying order: m2 is compared to the serial value, not printed)
BEGIN;
SET LOCAL ROLE clinnova_fed_regress;
SELECT clinnova.describe(age) AS d FROM fed_patients \gset
SELECT clinnova.safe_count(*) FROM fed_patients WHERE sex = 1;
ROLLBACK;
BEGIN;
SET LOCAL ROLE clinnova_fed_regress;
SELECT sex, clinnova.safe_count(*) FROM fed_patients GROUP BY sex ORDER BY sex;
ROLLBACK;
SELECT pg_temp.serial_only();
SELECT clinnova.summary_n(:'d') AS n, clinnova.summary_mean(:'d') AS mean,
       pg_temp.close_enough(clinnova.summary_variance(:'d'), var_samp(age), 1e-12) AS variance_ok
  FROM fed_patients;

-- refused: rows, built-in aggregates, identifiers, unpublished relations
BEGIN; SET LOCAL ROLE clinnova_fed_regress; SELECT * FROM fed_patients; ROLLBACK;
BEGIN; SET LOCAL ROLE clinnova_fed_regress; SELECT age FROM fed_patients GROUP BY age; ROLLBACK;
BEGIN; SET LOCAL ROLE clinnova_fed_regress; SELECT count(*) FROM fed_patients; ROLLBACK;
BEGIN; SET LOCAL ROLE clinnova_fed_regress; SELECT max(age), clinnova.safe_count(*) FROM fed_patients; ROLLBACK;
BEGIN; SET LOCAL ROLE clinnova_fed_regress; SELECT clinnova.safe_count(*) FROM fed_patients WHERE id = 42; ROLLBACK;
BEGIN; SET LOCAL ROLE clinnova_fed_regress; SELECT clinnova.describe(id) FROM fed_patients; ROLLBACK;
BEGIN; SET LOCAL ROLE clinnova_fed_regress; SELECT id, clinnova.safe_count(*) FROM fed_patients GROUP BY id; ROLLBACK;
BEGIN; SET LOCAL ROLE clinnova_fed_regress; SELECT clinnova.describe(salary) FROM fed_secret; ROLLBACK;
BEGIN; SET LOCAL ROLE clinnova_fed_regress; SELECT clinnova.safe_count(*) FROM pg_class; ROLLBACK;
-- refused: expressions that can raise data-dependent errors (the error-leak query) or compute
BEGIN; SET LOCAL ROLE clinnova_fed_regress;
SELECT clinnova.safe_count(*) FROM fed_patients WHERE CASE WHEN age = 42 THEN 1 / (sex - 1) = 1 END;
ROLLBACK;
BEGIN; SET LOCAL ROLE clinnova_fed_regress; SELECT clinnova.safe_count(*) FROM fed_patients WHERE 1 / (sex - 1) = 1; ROLLBACK;
BEGIN; SET LOCAL ROLE clinnova_fed_regress; SELECT clinnova.safe_count(*) FROM fed_patients WHERE age + 1 > 40; ROLLBACK;
BEGIN; SET LOCAL ROLE clinnova_fed_regress; SELECT clinnova.safe_count(*) FROM fed_patients WHERE dx::integer > 3; ROLLBACK;
BEGIN; SET LOCAL ROLE clinnova_fed_regress; SELECT clinnova.safe_count(*) FROM fed_patients WHERE lower(dx) = 'k50'; ROLLBACK;
BEGIN; SET LOCAL ROLE clinnova_fed_regress; SELECT clinnova.safe_count(*) FROM fed_patients WHERE dx LIKE 'K%'; ROLLBACK;
BEGIN; SET LOCAL ROLE clinnova_fed_regress; SELECT clinnova.safe_count(*) FROM fed_patients WHERE coalesce(age, 0) > 3; ROLLBACK;
BEGIN; SET LOCAL ROLE clinnova_fed_regress; SELECT clinnova.safe_count(*) FROM fed_patients WHERE age > (SELECT 40); ROLLBACK;
BEGIN; SET LOCAL ROLE clinnova_fed_regress; SELECT clinnova.describe(age * 2) FROM fed_patients; ROLLBACK;
BEGIN; SET LOCAL ROLE clinnova_fed_regress; SELECT clinnova.summary_mean(clinnova.describe(age)) FROM fed_patients; ROLLBACK;
BEGIN; SET LOCAL ROLE clinnova_fed_regress; SELECT clinnova.safe_count(*) FROM fed_patients a JOIN fed_patients b USING (sex); ROLLBACK;
BEGIN; SET LOCAL ROLE clinnova_fed_regress; SELECT clinnova.safe_count(*) FROM fed_patients UNION ALL SELECT clinnova.safe_count(*) FROM fed_patients; ROLLBACK;
BEGIN; SET LOCAL ROLE clinnova_fed_regress; WITH x AS (SELECT age FROM fed_patients) SELECT clinnova.describe(age) FROM x; ROLLBACK;
BEGIN; SET LOCAL ROLE clinnova_fed_regress; SELECT DISTINCT sex FROM fed_patients; ROLLBACK;
BEGIN; SET LOCAL ROLE clinnova_fed_regress; SELECT clinnova.safe_count(*) FROM fed_patients TABLESAMPLE SYSTEM (50); ROLLBACK;
BEGIN; SET LOCAL ROLE clinnova_fed_regress; SELECT clinnova.safe_count(*) FROM fed_patients FOR UPDATE; ROLLBACK;
-- refused: small cells (a one-patient WHERE, an empty result, a small group)
BEGIN; SET LOCAL ROLE clinnova_fed_regress; SELECT clinnova.describe(weight) FROM fed_patients WHERE age = 30 AND sex = 1; ROLLBACK;
BEGIN; SET LOCAL ROLE clinnova_fed_regress; SELECT clinnova.describe(weight) FROM fed_patients WHERE age > 1000; ROLLBACK;
BEGIN; SET LOCAL ROLE clinnova_fed_regress; SELECT t, clinnova.safe_count(*) FROM fed_patients WHERE age < 40 GROUP BY t; ROLLBACK;
-- refused: statements other than what postgres_fdw sends
BEGIN; SET LOCAL ROLE clinnova_fed_regress; COPY fed_patients TO STDOUT; ROLLBACK;
BEGIN; SET LOCAL ROLE clinnova_fed_regress; DO $$ BEGIN PERFORM 1; END $$; ROLLBACK;
BEGIN; SET LOCAL ROLE clinnova_fed_regress; PREPARE q AS SELECT clinnova.safe_count(*) FROM fed_patients; ROLLBACK;
BEGIN; SET LOCAL ROLE clinnova_fed_regress; EXPLAIN SELECT clinnova.safe_count(*) FROM fed_patients; ROLLBACK;
BEGIN; SET LOCAL ROLE clinnova_fed_regress; SET work_mem = '64MB'; ROLLBACK;
BEGIN; SET LOCAL ROLE clinnova_fed_regress; SET clinnova.min_cell_count = 1; ROLLBACK;
BEGIN; SET LOCAL ROLE clinnova_fed_regress; LISTEN clinnova_channel; ROLLBACK;
BEGIN; SET LOCAL ROLE clinnova_fed_regress; CREATE TEMP TABLE x (a int); ROLLBACK;
BEGIN; SET LOCAL ROLE clinnova_fed_regress; DECLARE c CURSOR WITH HOLD FOR SELECT clinnova.safe_count(*) FROM fed_patients; ROLLBACK;
BEGIN; SET LOCAL ROLE clinnova_fed_regress; UPDATE fed_patients SET age = 0; ROLLBACK;
-- allowed: the session commands of postgres_fdw
BEGIN;
SET LOCAL ROLE clinnova_fed_regress;
SET search_path = pg_catalog;
SET timezone = 'UTC';
SET datestyle = ISO;
SET intervalstyle = postgres;
SET extra_float_digits = 3;
SAVEPOINT s1;
DECLARE c1 CURSOR FOR SELECT sex, clinnova.safe_count(*) FROM public.fed_patients GROUP BY 1 ORDER BY 1;
FETCH 10 FROM c1;
CLOSE c1;
RELEASE SAVEPOINT s1;
ROLLBACK;
RESET search_path;

-- a superuser is never restricted, even when listed
SET clinnova.federation_roles = 'clinnova_fed_regress, postgres';
SELECT count(*) FROM fed_secret;
SET clinnova.federation_roles = 'clinnova_fed_regress';

-- clinnova.federation_guard = off (superuser only) leaves federation roles to the aggregates'
-- own disclosure control, for testing those; a federation role cannot switch it
BEGIN; SET LOCAL ROLE clinnova_fed_regress; SET clinnova.federation_guard = off; ROLLBACK;
SET clinnova.federation_guard = off;
BEGIN;
SET LOCAL ROLE clinnova_fed_regress;
SELECT count(*), clinnova.safe_count(*) FILTER (WHERE age = 30) AS small_cell FROM fed_patients;
ROLLBACK;
RESET clinnova.federation_guard;

-- an identifier column that disappears closes the relation (fail closed) until republished
ALTER TABLE fed_patients RENAME COLUMN id TO patient_id;
BEGIN; SET LOCAL ROLE clinnova_fed_regress; SELECT clinnova.safe_count(*) FROM fed_patients; ROLLBACK;
ALTER TABLE fed_patients RENAME COLUMN patient_id TO id;
BEGIN; SET LOCAL ROLE clinnova_fed_regress; SELECT clinnova.safe_count(*) FROM fed_patients; ROLLBACK;

-- unpublishing takes effect at once; dropping a published relation forgets it
SELECT clinnova.federation_unpublish('fed_patients');
SELECT clinnova.federation_unpublish('fed_patients');
BEGIN; SET LOCAL ROLE clinnova_fed_regress; SELECT clinnova.safe_count(*) FROM fed_patients; ROLLBACK;
CREATE TABLE fed_dropme (a integer);
INSERT INTO clinnova.federation_published (relation) VALUES ('fed_dropme');
DROP TABLE fed_dropme;
SELECT count(*) AS published_left FROM clinnova.federation_published;

-- the audit trail: every statement of the federation role, in order (timestamps left out)
\set VERBOSITY default
SELECT id, role_name, outcome, rows_represented, groups_returned, left(statement, 70) AS statement,
       left(reason, 60) AS reason
  FROM clinnova.federation_audit ORDER BY id;
SELECT count(*) FILTER (WHERE started <= finished) = count(*) AS times_ordered,
       count(DISTINCT backend_pid) = 1 AS one_backend
  FROM clinnova.federation_audit;

-- clean up
TRUNCATE clinnova.federation_audit;
RESET clinnova.federation_roles;
DROP TABLE fed_patients, fed_secret, fed_diagnoses;
REVOKE USAGE ON SCHEMA clinnova FROM clinnova_fed_regress;
DROP ROLE clinnova_fed_regress;
