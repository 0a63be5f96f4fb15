-- federation_coxgrid: pooled Cox on a shared time grid from per-site risk-set sums
-- (coxph_grid_times, coxph_grid_step, clinnova.coxgrid, coxgrid_merge, coxgrid_derivatives),
-- checked against R's coxph on the grid-coarsened synthetic cohort (test/data/federation_gen.R).
\i test/lib/regress_helpers.sql
SET client_min_messages = warning;
SET extra_float_digits = 3;

CREATE TABLE cg_cohort (id integer PRIMARY KEY, site text, "time" integer, status integer, age integer,
                        sex integer, trt integer, crp float8, response boolean);
\copy cg_cohort FROM 'test/data/federation_cohort.csv' WITH (FORMAT csv, HEADER true)
\set efron `cat test/data/federation_cox_grid_efron.json`
\set breslow `cat test/data/federation_cox_grid_breslow.json`

-- round 0: the grid points holding events, and the centre (pooled means)
SELECT clinnova.coxph_grid_times("time", status = 1, 30)
         = array_agg(DISTINCT ceil("time" / 30.0)::float8 * 30 ORDER BY ceil("time" / 30.0)::float8 * 30) FILTER (WHERE status = 1) AS grid_ok,
       cardinality(clinnova.coxph_grid_times("time", status = 1, 30)) AS points
  FROM cg_cohort;
SELECT clinnova.coxph_grid_times("time", status = 1, 30) AS grid,
       ARRAY[avg(age), avg(sex), avg(trt), avg(crp)]::float8[] AS center FROM cg_cohort \gset
SELECT clinnova.coxph_grid_times(t, e, 1) FROM (VALUES (2.5, true), (0, true), (7, false), (NULL, true), (3, NULL)) v(t, e);
SELECT clinnova.coxph_grid_step(t, e, '{1}', '{0}', '{0}', 1, '{0,3}') FROM (VALUES (2.5, true), (0, true), (7, false), (NULL, true), (3, NULL)) v(t, e);
SELECT clinnova.coxph_grid_times("time", false, 30) IS NULL AS no_events FROM cg_cohort;

-- the coordinator's Newton loop (federation_cox_newton) over these sums, run here on the local
-- table, gives R's coxph on the grid-coarsened data: coefficients, variance, log-likelihoods,
-- tests and iterations
CREATE FUNCTION pg_temp.json_vector(j jsonb) RETURNS float8[] LANGUAGE sql IMMUTABLE AS $$
  SELECT array_agg(v::float8 ORDER BY i) FROM jsonb_array_elements_text(j) WITH ORDINALITY AS t(v, i) $$;
CREATE FUNCTION pg_temp.grid_fit(ties text, grid float8[], center float8[]) RETURNS clinnova.coxmodel
LANGUAGE sql AS $$
  SELECT clinnova.federation_cox_newton(
    format('SELECT clinnova.coxgrid_coxstep(clinnova.coxph_grid_step("time", status = 1, '
           'ARRAY[age, sex, trt, crp]::float8[], {beta}, %L::float8[], 30, %L::float8[]), %L, 6000, '
           '(SELECT ARRAY[sum(age), sum(sex), sum(trt), sum(crp)]::float8[] FROM public.cg_cohort)) FROM public.cg_cohort',
           center, grid, ties),
    4, jsonb_build_object('ties', ties, 'terms', '["age", "sex", "trt", "crp"]'::jsonb), 'grid fit')
$$;
CREATE FUNCTION pg_temp.check_fit(fit jsonb, model clinnova.coxmodel)
RETURNS TABLE (coef_ok boolean, se_ok boolean, variance_ok boolean, loglik_ok boolean, null_loglik_ok boolean,
               score_test_ok boolean, wald_ok boolean, iterations_ok boolean, n bigint, events bigint, converged boolean)
LANGUAGE sql AS $$
  SELECT (SELECT bool_and(pg_temp.close_enough(c.coef, (pg_temp.json_vector(fit->'coef'))[i], 1e-8))
            FROM clinnova.coxph_coefs(model) WITH ORDINALITY AS c(term, coef, hr, se, rse, z, p, lo, hi, mean, i)),
         (SELECT bool_and(pg_temp.close_enough(c.se, (pg_temp.json_vector(fit->'se'))[i], 1e-8))
            FROM clinnova.coxph_coefs(model) WITH ORDINALITY AS c(term, coef, hr, se, rse, z, p, lo, hi, mean, i)),
         (SELECT bool_and(pg_temp.close_enough(v, (pg_temp.json_vector(fit->'var'))[i], 1e-8))
            FROM unnest(clinnova.coxph_vcov(model)) WITH ORDINALITY AS t(v, i)),
         pg_temp.close_enough(s.loglik, (pg_temp.json_vector(fit->'loglik'))[2], 1e-12),
         pg_temp.close_enough(s.loglik_null, (pg_temp.json_vector(fit->'loglik'))[1], 1e-12),
         pg_temp.close_enough(s.score_chisq, (pg_temp.json_vector(fit->'score'))[1], 1e-10),
         pg_temp.close_enough(s.wald_chisq, (pg_temp.json_vector(fit->'wald'))[1], 1e-8),
         s.iterations = (fit->>'iter')::int, s.n, s.events, s.converged
    FROM clinnova.coxph_stats(model) s
$$;
SELECT 'efron' AS ties, * FROM pg_temp.check_fit(:'efron', pg_temp.grid_fit('efron', :'grid', :'center'));
SELECT 'breslow' AS ties, * FROM pg_temp.check_fit(:'breslow', pg_temp.grid_fit('breslow', :'grid', :'center'));
-- the grid model reports the tests of R; it has no concordance and no baseline hazard
SELECT term, round(coef::numeric, 8) AS coef, round(se::numeric, 8) AS se, round(mean::numeric, 6) AS mean
  FROM clinnova.coxph_coefs(pg_temp.grid_fit('efron', :'grid', :'center'));
SELECT concordance IS NULL AS no_concordance, ties, n_strata FROM clinnova.coxph_stats(pg_temp.grid_fit('efron', :'grid', :'center'));
SET clinnova."verbose" = on;
SET client_min_messages = notice;
SELECT (clinnova.coxph_stats(pg_temp.grid_fit('breslow', :'grid', :'center'))).iterations;
SET client_min_messages = warning;
RESET clinnova."verbose";

-- per-site values merge into the pooled one; parallel plans equal the serial one
SELECT clinnova.coxph_grid_step("time", status = 1, ARRAY[age, sex, trt, crp]::float8[], '{0.02,0.25,-0.4,0.05}',
                                :'center', 30, :'grid') AS pooled FROM cg_cohort \gset
SELECT clinnova.coxgrid_merge(s) AS merged
  FROM (SELECT site, clinnova.coxph_grid_step("time", status = 1, ARRAY[age, sex, trt, crp]::float8[],
                                               '{0.02,0.25,-0.4,0.05}', :'center', 30, :'grid') AS s
          FROM cg_cohort GROUP BY site) q \gset
SELECT pg_temp.force_parallel();
EXPLAIN (COSTS OFF)
SELECT clinnova.coxph_grid_step("time", status = 1, ARRAY[age, sex, trt, crp]::float8[], '{0.02,0.25,-0.4,0.05}',
                                :'center', 30, :'grid') FROM cg_cohort;
SELECT clinnova.coxph_grid_step("time", status = 1, ARRAY[age, sex, trt, crp]::float8[], '{0.02,0.25,-0.4,0.05}',
                                :'center', 30, :'grid') AS parallel FROM cg_cohort \gset
SELECT pg_temp.serial_only();
SELECT x.name, pg_temp.close_enough(a.loglik, b.loglik, 1e-12) AS loglik_equal,
       (SELECT bool_and(pg_temp.close_enough(u, v, 1e-10)) FROM unnest(a.score, b.score) AS t(u, v)) AS score_equal,
       (SELECT bool_and(pg_temp.close_enough(u, v, 1e-11)) FROM unnest(a.information, b.information) AS t(u, v)) AS information_equal,
       a.n = b.n AND a.events = b.events AS counts_equal
  FROM (VALUES ('merged over sites', :'merged'::clinnova.coxgrid), ('parallel plan', :'parallel'::clinnova.coxgrid)) x(name, g),
       clinnova.coxgrid_derivatives(x.g) a, clinnova.coxgrid_derivatives(:'pooled') b;

-- text and binary I/O round trips
SELECT :'pooled'::clinnova.coxgrid::text = :'pooled' AS text_round_trip;
SELECT clinnova.coxph_grid_step(t, e, ARRAY[x], '{0.5}', '{1}', 10, '{10,20}')
  FROM (VALUES (5, true, 1.0), (15, true, 2.0), (12, false, 0.5), (25, false, 3.0), (3, false, 9.0)) v(t, e, x);
CREATE TABLE cg_values (k integer, g clinnova.coxgrid);
INSERT INTO cg_values VALUES (1, :'pooled'), (2, :'merged');
\copy cg_values TO '/tmp/clinnova_federation_coxgrid.bin' WITH (FORMAT binary)
CREATE TABLE cg_values2 (LIKE cg_values);
\copy cg_values2 FROM '/tmp/clinnova_federation_coxgrid.bin' WITH (FORMAT binary)
SELECT count(*) AS rows, bool_and(a.g::text = b.g::text) AS binary_round_trip FROM cg_values a JOIN cg_values2 b USING (k);

-- bad input
\set VERBOSITY default
SELECT clinnova.coxph_grid_times("time", status = 1, 0) FROM cg_cohort;
SELECT clinnova.coxph_grid_times(t, true, 10) FROM (VALUES (-1.0)) v(t);
SELECT clinnova.coxph_grid_step(1, true, '{1}', '{0}', '{0}', 10, '{20,10}');
SELECT clinnova.coxph_grid_step(1, true, '{1}', '{0}', '{0}', 10, '{-10,10}');
SELECT clinnova.coxph_grid_step(1, true, '{1}', '{0}', '{0}', 10, '{15}');
SELECT clinnova.coxph_grid_step(1, true, '{1}', '{0,1}', '{0}', 10, '{10}');
SELECT clinnova.coxph_grid_step(1, true, '{1,2}', '{0}', '{0}', 10, '{10}');
SELECT clinnova.coxph_grid_step(15, true, '{1}', '{0}', '{0}', 10, '{10}');
SELECT clinnova.coxph_grid_step(5, true, '{1}', '{1000}', '{0}', 10, '{10}');
SELECT clinnova.coxph_grid_step(t, true, '{1}', b, '{0}', 10, '{10}') FROM (VALUES (1, '{0}'::float8[]), (2, '{1}')) v(t, b);
SELECT clinnova.coxph_grid_step(5, true, '{NULL}', '{0}', '{0}', 10, '{10}') AS skipped_row_leaves_zero_sums;
SELECT clinnova.coxgrid_merge(g)
  FROM (SELECT :'pooled'::clinnova.coxgrid AS g UNION ALL SELECT clinnova.coxph_grid_step(5, true, '{1}', '{0}', '{0}', 10, '{10}')) v;
SELECT clinnova.coxgrid_derivatives(:'pooled', 'exact');
SELECT '{"p": 1, "grain": 10}'::clinnova.coxgrid;
SELECT '{"p": 1, "grain": 10, "beta": [0], "center": [0], "grid": [10], "m": [1], "d": [2], "a0": [1], "e0": [1], "a1": [0], "e1": [0], "sx": [0], "a2": [0], "e2": [0]}'::clinnova.coxgrid;
SELECT '{"p": 1, "grain": 10, "beta": [0], "center": [0], "grid": [15], "m": [1], "d": [1], "a0": [1], "e0": [1], "a1": [0], "e1": [0], "sx": [0], "a2": [0], "e2": [0]}'::clinnova.coxgrid;
SELECT clinnova.coxgrid_coxstep(:'pooled', 'exact', 6000, '{0,0,0,0}');

-- disclosure control at a federation site: every grid interval must hold no or at least
-- min_cell_count events (and censorings), and the grain may not be finer than the site's
CREATE ROLE clinnova_cg_regress NOLOGIN;
GRANT USAGE ON SCHEMA clinnova TO clinnova_cg_regress;
GRANT SELECT ON cg_cohort TO clinnova_cg_regress;
INSERT INTO clinnova.federation_published (relation, identifiers) VALUES ('cg_cohort', '{id}');
SET clinnova.federation_roles = 'clinnova_cg_regress';
SET clinnova.time_grain = 30;
BEGIN;
SET LOCAL ROLE clinnova_cg_regress;
SELECT clinnova.coxph_grid_times("time", status = 1, 30) FROM cg_cohort WHERE site = 'lux';
ROLLBACK;
BEGIN; SET LOCAL ROLE clinnova_cg_regress; SELECT clinnova.coxph_grid_times("time", status = 1, 10) FROM cg_cohort; ROLLBACK;
BEGIN; SET LOCAL ROLE clinnova_cg_regress; SELECT clinnova.coxph_grid_times("time", status = 1, 30) FROM cg_cohort WHERE age < 30; ROLLBACK;
BEGIN; SET LOCAL ROLE clinnova_cg_regress;
SELECT clinnova.coxph_grid_step("time", status = 1, ARRAY[age]::float8[], '{0}', '{55}', 30, :'grid') FROM cg_cohort WHERE age < 40;
ROLLBACK;
-- an error raised while a federation role's query runs keeps its message but not its detail,
-- which could describe a row; the audit trail keeps the original
BEGIN; SET LOCAL ROLE clinnova_cg_regress;
SELECT clinnova.coxph_grid_step("time", status = 1, ARRAY[age]::float8[], '{100}', '{0}', 30, :'grid') FROM cg_cohort;
ROLLBACK;
SELECT 'records of an aborted transaction are written at the next commit' AS note;
SELECT outcome, reason FROM clinnova.federation_audit WHERE reason LIKE '22000%';
RESET clinnova.federation_roles;
RESET clinnova.time_grain;
DELETE FROM clinnova.federation_published;
TRUNCATE clinnova.federation_audit;
DROP TABLE cg_cohort, cg_values, cg_values2;
REVOKE USAGE ON SCHEMA clinnova FROM clinnova_cg_regress;
DROP ROLE clinnova_cg_regress;
