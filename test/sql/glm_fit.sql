-- GLM aggregates: behaviour around the numbers (R agreement is in glm_reference): NULLs,
-- empty input, options, errors, warnings, verbose progress, intercept-only and empty models,
-- parallel plans, and exact text / binary round trips of glmmodel.
\i test/lib/regress_helpers.sql
SET extra_float_digits = 0;
CREATE SCHEMA glm_fit_test;
SET search_path = glm_fit_test;

CREATE TABLE lung (id serial, inst int, time float8, status int, age float8, sex float8,
                   ph_ecog float8, ph_karno float8, pat_karno float8, meal_cal float8, wt_loss float8);
\copy lung(inst, time, status, age, sex, ph_ecog, ph_karno, pat_karno, meal_cal, wt_loss) FROM 'test/data/lung.csv' WITH (FORMAT csv, HEADER true)

-- ---- empty input and NULLs ----
SELECT clinnova.logreg(status = 2, ARRAY[age]) IS NULL AS empty FROM lung WHERE false;
SELECT clinnova.linreg(time, ARRAY[age]) IS NULL AS all_null_y FROM lung WHERE false
UNION ALL
SELECT clinnova.linreg(NULL::float8, ARRAY[age]) IS NULL FROM lung;
-- rows with a NULL y, x, weight or offset are skipped, like regr_slope() and R's na.omit
SELECT (clinnova.glm_stats(clinnova.linreg(CASE WHEN id % 10 = 0 THEN NULL ELSE time END, ARRAY[age]))).n AS n_skip_y,
       (clinnova.glm_stats(clinnova.linreg(time, CASE WHEN id % 10 = 0 THEN NULL ELSE ARRAY[age] END))).n AS n_skip_x,
       (clinnova.glm_stats(clinnova.linreg(time, ARRAY[age], CASE WHEN id % 10 = 0 THEN NULL ELSE 1 END))).n AS n_skip_w,
       (clinnova.glm_stats(clinnova.poisson((status = 2)::int, ARRAY[age], CASE WHEN id % 10 = 0 THEN NULL ELSE ln(time) END))).n AS n_skip_off
FROM lung;
-- a NULL element inside x is an error: impute or filter explicitly
SELECT clinnova.logreg(status = 2, ARRAY[age, ph_ecog]) FROM lung;

-- ---- bad rows ----
SELECT clinnova.linreg(time, ARRAY[age, 'NaN']) FROM lung;
SELECT clinnova.linreg('Infinity'::float8, ARRAY[age]) FROM lung;
SELECT clinnova.linreg(time, ARRAY[age], -1) FROM lung;
SELECT clinnova.poisson(-time, ARRAY[age]) FROM lung;
SELECT clinnova.linreg(time, CASE WHEN id = 5 THEN ARRAY[age, sex] ELSE ARRAY[age] END) FROM lung;
SELECT clinnova.linreg(time, ARRAY[[age, sex]]) FROM lung;
SELECT clinnova.linreg(time, ARRAY[age], CASE WHEN id = 5 THEN '{"intercept": false}' ELSE '{}' END::jsonb) FROM lung;
SELECT clinnova.linreg(time, ARRAY[age], 0) FROM lung;

-- ---- options ----
SELECT clinnova.linreg(time, ARRAY[age], '{"max_iterations": 3}'::jsonb) FROM lung;
SELECT clinnova.linreg(time, ARRAY[age], '{"tol": -1}'::jsonb) FROM lung;
SELECT clinnova.linreg(time, ARRAY[age], '{"max_iter": 2.5}'::jsonb) FROM lung;
SELECT clinnova.linreg(time, ARRAY[age], '{"conf_level": 1}'::jsonb) FROM lung;
SELECT clinnova.linreg(time, ARRAY[age], '{"intercept": "yes"}'::jsonb) FROM lung;
SELECT clinnova.linreg(time, ARRAY[age], '{"terms": ["age", "sex"]}'::jsonb) FROM lung;
SELECT clinnova.linreg(time, ARRAY[age, sex], '{"terms": ["age", "age"]}'::jsonb) FROM lung;
SELECT clinnova.linreg(time, ARRAY[age], '{"terms": ["(Intercept)"]}'::jsonb) FROM lung;
SELECT clinnova.linreg(time, ARRAY[age], '[1, 2]'::jsonb) FROM lung;
-- default term names; conf_level of the model and of the call
SELECT term, round(coef::numeric, 6) AS coef, round(lower::numeric, 4) AS lower, round(upper::numeric, 4) AS upper
FROM (SELECT clinnova.linreg(time, ARRAY[age, sex], '{"conf_level": 0.9}'::jsonb) AS m FROM lung) s,
     clinnova.glm_coefs(m);
SELECT term, round(lower::numeric, 4) AS lower, round(upper::numeric, 4) AS upper
FROM (SELECT clinnova.linreg(time, ARRAY[age, sex], '{"conf_level": 0.9}'::jsonb) AS m FROM lung) s,
     clinnova.glm_coefs(m, 0.99);
SELECT * FROM clinnova.glm_coefs(NULL);
SELECT * FROM clinnova.glm_coefs((SELECT clinnova.linreg(time, ARRAY[age]) FROM lung), 1.5);
SELECT clinnova.model_features(clinnova.logreg(status = 2, ARRAY[age, sex], '{"terms": ["age", "sex"]}'::jsonb))
FROM lung;

-- ---- model shapes ----
-- intercept only: the fitted probability is the observed proportion
SELECT round((1 / (1 + exp(-coef)))::numeric, 12) AS p_hat,
       round((SELECT avg((status = 2)::int) FROM lung), 12) AS proportion
FROM clinnova.glm_coefs((SELECT clinnova.logreg(status = 2, '{}'::float8[]) FROM lung));
-- no coefficients at all (glm.fit's EMPTY model): deviance at eta = offset, 0 iterations
SELECT n, round(deviance::numeric, 6) AS deviance, iterations, converged, rank, df_residual
FROM clinnova.glm_stats((SELECT clinnova.poisson((status = 2)::int, '{}'::float8[], ln(time), '{"intercept": false}'::jsonb) FROM lung));
-- as many coefficients as rows: no residual degrees of freedom, R's NaN standard errors
SELECT term, round(coef::numeric, 10) AS coef, se, t, p FROM clinnova.glm_coefs(
  (SELECT clinnova.linreg(y, ARRAY[x]) FROM (VALUES (1.0, 1.0), (3.0, 2.0)) v(y, x)));
SELECT df_residual, dispersion, sigma FROM clinnova.glm_stats(
  (SELECT clinnova.linreg(y, ARRAY[x]) FROM (VALUES (1.0, 1.0), (3.0, 2.0)) v(y, x)));
-- zero weights: rows count in n_rows (and BIC, as R) but not in n or the degrees of freedom
SELECT n, df_residual, df_null
FROM clinnova.glm_stats((SELECT clinnova.logreg(status = 2, ARRAY[age], (id % 3)::float8) FROM lung));
-- all weights zero
SELECT clinnova.logreg(status = 2, ARRAY[age], 0) FROM lung;
-- non-integer successes and non-integer counts: R's warnings (the poisson AIC is infinite)
SELECT round(aic::numeric, 4) AS aic FROM clinnova.glm_stats((SELECT clinnova.logreg(status = 2, ARRAY[age], age / 60) FROM lung));
SELECT aic FROM clinnova.glm_stats((SELECT clinnova.poisson(time / 7, ARRAY[age]) FROM lung));
-- too many coefficients
SELECT clinnova.linreg(1, array_fill(1.0::float8, ARRAY[1001])) FROM lung LIMIT 1;

-- ---- as a window function: a model per growing frame (no state is modified by the final function) ----
SELECT id, (clinnova.glm_stats(m)).n, round((clinnova.glm_stats(m)).deviance::numeric, 6) AS deviance
FROM (SELECT id, clinnova.linreg(time, ARRAY[age]) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS m
      FROM lung WHERE id <= 6) s
ORDER BY id;
SELECT round((clinnova.glm_stats(clinnova.linreg(time, ARRAY[age]))).deviance::numeric, 6) AS deviance_of_all_6 FROM lung WHERE id <= 6;

-- ---- verbose progress: one NOTICE per IRLS iteration ----
SET clinnova."verbose" = on;
SELECT (clinnova.glm_stats(clinnova.logreg(status = 2, ARRAY[age, sex]))).iterations FROM lung;
RESET clinnova."verbose";

-- ---- parallel plans: partial states are the rows themselves ----
CREATE TABLE big AS
SELECT g AS id, (g % 7 = 0 OR (g % 5 < 2 AND g % 3 = 0)) AS y,
       ARRAY[sin(g), cos(g / 3.0), (g % 11)::float8] AS x, 1 + (g % 4) AS w, ln(1 + g % 13) AS off
FROM generate_series(1, 60000) g;
ANALYZE big;
SELECT pg_temp.force_parallel();
EXPLAIN (COSTS OFF) SELECT clinnova.logreg(y, x, w::float8) FROM big;
CREATE TABLE par AS
SELECT clinnova.logreg(y, x, w::float8) AS lr, clinnova.linreg(id::float8, x) AS ls,
       clinnova.poisson((id % 5)::float8, x, off, w::float8) AS po,
       clinnova.logreg_step(y, x, ARRAY[0.1, 0.2, -0.3, 0.05]) AS st
FROM big;
SELECT pg_temp.serial_only();
CREATE TABLE ser AS
SELECT clinnova.logreg(y, x, w::float8) AS lr, clinnova.linreg(id::float8, x) AS ls,
       clinnova.poisson((id % 5)::float8, x, off, w::float8) AS po,
       clinnova.logreg_step(y, x, ARRAY[0.1, 0.2, -0.3, 0.05]) AS st
FROM big;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather; RESET parallel_leader_participation;
-- the same fits up to the order of summation
SELECT x.m,
       (SELECT bool_and(pg_temp.close_enough(a.coef, b.coef, 1e-11) AND pg_temp.close_enough(a.se, b.se, 1e-11))
        FROM clinnova.glm_coefs(x.pm) a JOIN clinnova.glm_coefs(x.sm) b USING (term)) AS coefs,
       pg_temp.close_enough((clinnova.glm_stats(x.pm)).deviance, (clinnova.glm_stats(x.sm)).deviance, 1e-11) AS deviance,
       (clinnova.glm_stats(x.pm)).n = (clinnova.glm_stats(x.sm)).n AS n
FROM (SELECT 'logreg' AS m, par.lr AS pm, ser.lr AS sm FROM par, ser
      UNION ALL SELECT 'linreg', par.ls, ser.ls FROM par, ser
      UNION ALL SELECT 'poisson', par.po, ser.po FROM par, ser) x
ORDER BY x.m;
SELECT a.n_rows = b.n_rows AS n_rows, pg_temp.close_enough(a.deviance, b.deviance, 1e-12) AS deviance,
       (SELECT bool_and(pg_temp.close_enough(u, v, 1e-12)) FROM unnest(a.xtwx, b.xtwx) t(u, v)) AS xtwx,
       (SELECT bool_and(pg_temp.close_enough(u, v, 1e-12)) FROM unnest(a.xtwz, b.xtwz) t(u, v)) AS xtwz
FROM par, ser, clinnova.glmstep_info(par.st) a, clinnova.glmstep_info(ser.st) b;

-- ---- text and binary round trips of glmmodel ----
CREATE TABLE models (name text, m clinnova.glmmodel);
INSERT INTO models
SELECT 'logit', clinnova.logreg(status = 2, ARRAY[age, sex, ph_ecog, sex + ph_ecog],
                                '{"terms": ["age", "sex", "ph.ecog", "sum"], "conf_level": 0.9}'::jsonb)
FROM lung WHERE ph_ecog IS NOT NULL
UNION ALL
SELECT 'saturated', clinnova.linreg(y, ARRAY[x]) FROM (VALUES (1.0, 1.0), (3.0, 2.0)) v(y, x)
UNION ALL
SELECT 'poisson', clinnova.poisson(time / 7, ARRAY[age], '{"intercept": false}'::jsonb) FROM lung;
SELECT name, m::text::clinnova.glmmodel::text = m::text AS text_round_trip FROM models ORDER BY name;
-- the text form (non-finite values as strings, aliased terms as null)
SELECT ('{"family": "binomial", "link": "logit", "intercept": true, "terms": ["(Intercept)", "a", "b"], '
        '"coefficients": [0.5, -0.25, null], "covariance": [[0.1, 0.01, null], [0.01, 0.2, null], [null, null, null]], '
        '"deviance": 10.5, "null_deviance": 12, "aic": "Infinity", "dispersion": 1, "iterations": 3, '
        '"converged": true, "boundary": false, "n": 20, "n_rows": 21, "conf_level": 0.9}')::clinnova.glmmodel;
SELECT term, coef, se, z, round(p::numeric, 6) AS p, odds_ratio
FROM clinnova.glm_coefs('{"family": "binomial", "link": "logit", "intercept": true, "terms": ["(Intercept)", "a", "b"], '
        '"coefficients": [0.5, -0.25, null], "covariance": [[0.25, 0.01, null], [0.01, 0.0625, null], [null, null, null]], '
        '"deviance": 10.5, "null_deviance": 12, "aic": "Infinity", "dispersion": 1, "iterations": 3, '
        '"converged": true, "boundary": false, "n": 20, "n_rows": 21, "conf_level": 0.9}');
\copy (SELECT name, m FROM models) TO '/tmp/clinnova_glmmodel.bin' WITH (FORMAT binary)
CREATE TABLE models_copy (name text, m clinnova.glmmodel);
\copy models_copy FROM '/tmp/clinnova_glmmodel.bin' WITH (FORMAT binary)
SELECT a.name, a.m::text = b.m::text AS binary_round_trip
FROM models a JOIN models_copy b USING (name) ORDER BY a.name;

-- ---- malformed text input ----
SELECT '{"family": "binomial"}'::clinnova.glmmodel;
SELECT 'not json'::clinnova.glmmodel;
SELECT replace((SELECT m::text FROM models WHERE name = 'saturated'), '"gaussian"', '"gamma"')::clinnova.glmmodel;
SELECT replace((SELECT m::text FROM models WHERE name = 'saturated'), '"identity"', '"log"')::clinnova.glmmodel;
SELECT replace((SELECT m::text FROM models WHERE name = 'saturated'), '"x1"', '"(Intercept)"')::clinnova.glmmodel;
SELECT replace((SELECT m::text FROM models WHERE name = 'saturated'), '"n": 2', '"n": 3')::clinnova.glmmodel;
SELECT replace((SELECT m::text FROM models WHERE name = 'saturated'), '"conf_level"', '"level"')::clinnova.glmmodel;

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA glm_fit_test CASCADE;
