-- federation_state: the disclosure-safe descriptive aggregates describe(x) and safe_count(*),
-- the clinnova.summary type and summary_merge.
\i test/lib/regress_helpers.sql
SET client_min_messages = warning;

CREATE TABLE fs_lung (inst integer, "time" float8, status integer, age integer, sex integer,
                      ph_ecog integer, ph_karno integer, pat_karno integer, meal_cal integer,
                      wt_loss integer);
\copy fs_lung FROM 'test/data/lung.csv' WITH (FORMAT csv, HEADER true)

-- describe equals the built-in aggregates; the mean of integer data is exact
SELECT clinnova.describe(age) FROM fs_lung;
SELECT clinnova.summary_n(d) = n AS n_ok,
       clinnova.summary_mean(d) = sum::float8 / n AS mean_exact,
       pg_temp.close_enough(clinnova.summary_variance(d), v, 1e-13) AS var_ok,
       pg_temp.close_enough(clinnova.summary_sd(d), sd, 1e-13) AS sd_ok
  FROM (SELECT clinnova.describe(age) AS d, count(age) AS n, sum(age) AS sum, var_samp(age) AS v,
               stddev_samp(age) AS sd FROM fs_lung) s;
SELECT sex, clinnova.summary_n(d) AS n, round(clinnova.summary_mean(d)::numeric, 10) AS mean,
       round(clinnova.summary_sd(d)::numeric, 10) AS sd
  FROM (SELECT sex, clinnova.describe(wt_loss) AS d FROM fs_lung GROUP BY sex) s ORDER BY sex;

-- merging per-group (per-site) summaries gives the pooled summary
SELECT clinnova.summary_n(m) = clinnova.summary_n(p) AS n_equal,
       clinnova.summary_mean(m) = clinnova.summary_mean(p) AS mean_equal,
       pg_temp.close_enough(clinnova.summary_variance(m), clinnova.summary_variance(p), 1e-13) AS var_close
  FROM (SELECT clinnova.summary_merge(d) AS m FROM (SELECT inst, clinnova.describe(meal_cal) AS d
                                                      FROM fs_lung GROUP BY inst) g) a,
       (SELECT clinnova.describe(meal_cal) AS p FROM fs_lung) b;
SELECT clinnova.summary_merge(d) FROM (VALUES (NULL::clinnova.summary), (NULL)) v(d);

-- NULL, NaN, infinite and absurd values are skipped; empty input gives NULL
SELECT clinnova.describe(x) FROM (VALUES (1.0::float8), (NULL), ('NaN'), ('Infinity'), ('-Infinity'), (1e300), (3.0)) v(x);
SELECT clinnova.describe(x) IS NULL AS all_null FROM (VALUES (NULL::float8), (NULL)) v(x);
SELECT clinnova.describe(age) IS NULL AS empty FROM fs_lung WHERE false;
SELECT clinnova.summary_n(d), clinnova.summary_mean(d), clinnova.summary_variance(d), clinnova.summary_sd(d)
  FROM (SELECT clinnova.describe(42) AS d) s;

-- safe_count(*)
SELECT clinnova.safe_count(*), clinnova.safe_count(*) FILTER (WHERE sex = 2) FROM fs_lung;
SELECT clinnova.safe_count(*) FROM fs_lung WHERE false;

-- forced parallel plans equal the serial result
SELECT pg_temp.force_parallel();
EXPLAIN (COSTS OFF) SELECT clinnova.describe(age), clinnova.safe_count(*) FROM fs_lung;
SELECT clinnova.describe(age) AS par, clinnova.safe_count(*) AS par_n FROM fs_lung \gset
SELECT pg_temp.serial_only();
SELECT clinnova.summary_n(:'par') = count(age) AS n_equal,
       clinnova.summary_mean(:'par') = avg(age)::float8 AS mean_equal,
       pg_temp.close_enough(clinnova.summary_variance(:'par'), var_samp(age), 1e-13) AS var_close,
       :par_n = count(*) AS count_equal
  FROM fs_lung;

-- text I/O: exact round trip; malformed input is rejected with a reason
SELECT clinnova.describe(wt_loss::float8 / 7) AS d FROM fs_lung \gset
SELECT :'d'::clinnova.summary::text = :'d' AS text_round_trip;
SELECT 'n=3 sum=6 m2=2'::clinnova.summary;
SELECT ' n=3  sum=0.1  m2=0.5 '::clinnova.summary;
SELECT 'n=0 sum=0 m2=0'::clinnova.summary;
SELECT 'n=3 sum=6'::clinnova.summary;
SELECT 'n=3 mean=2 m2=2'::clinnova.summary;
SELECT 'n=-1 sum=0 m2=0'::clinnova.summary;
SELECT 'n=2.5 sum=0 m2=0'::clinnova.summary;
SELECT 'n=3 sum=6 m2=-1'::clinnova.summary;
SELECT 'n=1 sum=6 m2=1'::clinnova.summary;
SELECT 'n=0 sum=1 m2=0'::clinnova.summary;
SELECT 'n=3 sum=NaN m2=1'::clinnova.summary;
SELECT 'n=3 sum=6 m2=2 extra'::clinnova.summary;

-- binary I/O: COPY round trip, and the send/recv functions
CREATE TABLE fs_summaries (g integer, d clinnova.summary);
INSERT INTO fs_summaries SELECT inst, clinnova.describe(age::float8 / 3) FROM fs_lung GROUP BY inst;
\copy (SELECT g, d FROM fs_summaries) TO '/tmp/clinnova_federation_state.bin' WITH (FORMAT binary)
CREATE TABLE fs_summaries2 (LIKE fs_summaries);
\copy fs_summaries2 FROM '/tmp/clinnova_federation_state.bin' WITH (FORMAT binary)
SELECT count(*) AS rows, bool_and(a.d::text = b.d::text) AS binary_round_trip
  FROM fs_summaries a JOIN fs_summaries2 b ON a.g IS NOT DISTINCT FROM b.g;

-- disclosure control: for a federation role, results describing fewer than min_cell_count
-- people are NULL (here a FILTER subset; whole groups are refused by the guard's cell check)
CREATE ROLE clinnova_fs_regress NOLOGIN;
GRANT USAGE ON SCHEMA clinnova TO clinnova_fs_regress;
GRANT SELECT ON fs_lung TO clinnova_fs_regress;
INSERT INTO clinnova.federation_published (relation) VALUES ('fs_lung');
SET clinnova.federation_roles = 'clinnova_fs_regress';
BEGIN;
SET LOCAL ROLE clinnova_fs_regress;
SELECT clinnova.safe_count(*) FILTER (WHERE age < 40) AS young, clinnova.safe_count(*) FILTER (WHERE age < 45) AS younger,
       clinnova.describe(age) FILTER (WHERE age < 40) AS young_age, clinnova.describe(age) FILTER (WHERE age < 45) AS younger_age
  FROM fs_lung;
ROLLBACK;
RESET clinnova.federation_roles;
DELETE FROM clinnova.federation_published;
TRUNCATE clinnova.federation_audit;
DROP TABLE fs_lung, fs_summaries, fs_summaries2;
REVOKE USAGE ON SCHEMA clinnova FROM clinnova_fs_regress;
DROP ROLE clinnova_fs_regress;
