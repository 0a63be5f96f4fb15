-- The federation primitive: IRLS steps computed on disjoint parts of the rows ("sites"),
-- shipped as text, merged and iterated by a coordinator, reproduce the pooled fit to 1e-10.
\i test/lib/regress_helpers.sql
SET extra_float_digits = 0;
CREATE SCHEMA glm_step_test;
SET search_path = glm_step_test;

CREATE TABLE lung (id serial, inst int, time float8, status int, age float8, sex float8,
                   ph_ecog float8, ph_karno float8, pat_karno float8, meal_cal float8, wt_loss float8);
\copy lung(inst, time, status, age, sex, ph_ecog, ph_karno, pat_karno, meal_cal, wt_loss) FROM 'test/data/lung.csv' WITH (FORMAT csv, HEADER true)

-- four "sites" of unequal size
CREATE TABLE rows AS
SELECT id, CASE WHEN id <= 40 THEN 1 WHEN id <= 100 THEN 2 WHEN id <= 180 THEN 3 ELSE 4 END AS site,
       status = 2 AS dead, time, ARRAY[age, sex, ph_ecog] AS x, (ph_karno - 50) / 10 AS w
FROM lung WHERE ph_ecog IS NOT NULL AND ph_karno IS NOT NULL;
SELECT site, count(*) FROM rows GROUP BY site ORDER BY site;

-- The coordinator's loop, with no GLM arithmetic of its own (the protocol of README.md):
-- each site returns its step as text; steps are merged; glm_newton gives the next beta.
CREATE FUNCTION federated(family text, opts jsonb) RETURNS clinnova.glmmodel
LANGUAGE plpgsql AS $$
DECLARE
  prev clinnova.glmstep;
  cur clinnova.glmstep;
  beta float8[];
  max_iter int := coalesce((opts ->> 'max_iter')::int, 25);
  conv boolean := false;
  iter int;
  site_sql text := CASE family
    WHEN 'binomial' THEN 'SELECT clinnova.logreg_step(dead, x, $1, $2)::text FROM rows WHERE site = $3'
    WHEN 'gaussian' THEN 'SELECT clinnova.linreg_step(time, x, $1, w, $2)::text FROM rows WHERE site = $3'
    WHEN 'poisson' THEN 'SELECT clinnova.poisson_step(dead::int, x, $1, ln(time), w, $2)::text FROM rows WHERE site = $3'
  END;
  -- one round: every site evaluates the step at beta; the texts are parsed and merged
  step_at CONSTANT text := 'SELECT clinnova.glmstep_merge(s::clinnova.glmstep) FROM unnest($1) s';
  texts text[];
  t text;
BEGIN
  texts := '{}';
  FOR s IN 1..4 LOOP
    EXECUTE site_sql INTO t USING NULL::float8[], opts, s;
    texts := texts || t;
  END LOOP;
  EXECUTE step_at INTO prev USING texts;           -- R's starting values (mustart)
  FOR it IN 1..max_iter LOOP
    iter := it;
    beta := clinnova.glm_newton(prev);
    texts := '{}';
    FOR s IN 1..4 LOOP
      EXECUTE site_sql INTO t USING beta, opts, s;
      texts := texts || t;
    END LOOP;
    EXECUTE step_at INTO cur USING texts;
    conv := clinnova.glm_converged(prev, cur, coalesce((opts ->> 'tol')::float8, 1e-8));
    EXIT WHEN conv OR it = max_iter;
    prev := cur;
  END LOOP;
  RETURN clinnova.glmmodel_from_step(prev, cur, iter, conv, opts);
END $$;

-- compare a federated fit with the pooled one: every coefficient, se and statistic
CREATE FUNCTION same_fit(a clinnova.glmmodel, b clinnova.glmmodel, rel float8) RETURNS TABLE (
  coefs boolean, covariance boolean, deviance boolean, null_deviance boolean, aic boolean,
  iterations boolean, converged boolean, n boolean)
LANGUAGE sql AS $$
  SELECT (SELECT bool_and(pg_temp.close_enough(x.coef, y.coef, rel) AND pg_temp.close_enough(x.se, y.se, rel)
                          AND pg_temp.close_enough(x.p, y.p, rel))
          FROM clinnova.glm_coefs(a) x JOIN clinnova.glm_coefs(b) y USING (term)),
         (SELECT bool_and(pg_temp.close_enough(u::text::float8, v::text::float8, rel))
          FROM jsonb_path_query(a::text::jsonb, '$.covariance[*][*]') WITH ORDINALITY p(u, i)
          JOIN jsonb_path_query(b::text::jsonb, '$.covariance[*][*]') WITH ORDINALITY q(v, i) USING (i)),
         pg_temp.close_enough(sa.deviance, sb.deviance, rel),
         pg_temp.close_enough(sa.null_deviance, sb.null_deviance, rel),
         pg_temp.close_enough(sa.aic, sb.aic, rel),
         sa.iterations = sb.iterations, sa.converged = sb.converged, sa.n = sb.n
  FROM clinnova.glm_stats(a) sa, clinnova.glm_stats(b) sb
$$;

SELECT 'logreg' AS fit, * FROM same_fit(
  federated('binomial', '{"terms": ["age", "sex", "ph.ecog"]}'),
  (SELECT clinnova.logreg(dead, x, '{"terms": ["age", "sex", "ph.ecog"]}'::jsonb) FROM rows), 1e-10)
UNION ALL
SELECT 'logreg, no intercept', * FROM same_fit(
  federated('binomial', '{"intercept": false}'),
  (SELECT clinnova.logreg(dead, x, '{"intercept": false}'::jsonb) FROM rows), 1e-10)
UNION ALL
SELECT 'logreg, 2 iterations', * FROM same_fit(
  federated('binomial', '{"max_iter": 2}'),
  (SELECT clinnova.logreg(dead, x, '{"max_iter": 2}'::jsonb) FROM rows), 1e-10)
UNION ALL
SELECT 'linreg, weighted', * FROM same_fit(
  federated('gaussian', '{}'),
  (SELECT clinnova.linreg(time, x, w, '{}'::jsonb) FROM rows), 1e-10)
UNION ALL
SELECT 'poisson, offset and weights', * FROM same_fit(
  federated('poisson', '{}'),
  (SELECT clinnova.poisson(dead::int, x, ln(time), w, '{}'::jsonb) FROM rows), 1e-10);

-- the step of the union is the merge of the steps of the parts
SELECT pg_temp.close_enough(a.deviance, b.deviance, 1e-12) AS deviance, a.n = b.n AS n,
       (SELECT bool_and(pg_temp.close_enough(u, v, 1e-12)) FROM unnest(a.xtwx, b.xtwx) t(u, v)) AS xtwx,
       (SELECT bool_and(pg_temp.close_enough(u, v, 1e-12)) FROM unnest(a.xtwz, b.xtwz) t(u, v)) AS xtwz
FROM clinnova.glmstep_info((SELECT clinnova.glmstep_merge(s) FROM (
        SELECT clinnova.logreg_step(dead, x, ARRAY[0.5, 0.01, -1, 0.7]) AS s FROM rows GROUP BY site) q)) a,
     clinnova.glmstep_info((SELECT clinnova.logreg_step(dead, x, ARRAY[0.5, 0.01, -1, 0.7]) FROM rows)) b;

-- what a step holds
SELECT family, n_rows, n, sum_weights, round(deviance::numeric, 8) AS deviance, at_start, beta,
       array_dims(xtwx) AS xtwx, array_length(xtwz, 1) AS xtwz
FROM clinnova.glmstep_info((SELECT clinnova.logreg_step(dead, x, ARRAY[0, 0, 0, 0]) FROM rows WHERE site = 1));
SELECT family, n_rows, at_start, beta
FROM clinnova.glmstep_info((SELECT clinnova.logreg_step(dead, x, NULL) FROM rows WHERE site = 1));

-- text and binary round trips of glmstep are exact
CREATE TABLE steps AS
SELECT site, clinnova.poisson_step(dead::int, x, ARRAY[-7, 0.01, -0.5, 0.3], ln(time), w) AS s
FROM rows GROUP BY site;
SELECT bool_and(s::text::clinnova.glmstep::text = s::text) AS text_round_trip FROM steps;
\copy (SELECT site, s FROM steps) TO '/tmp/clinnova_glmstep.bin' WITH (FORMAT binary)
CREATE TABLE steps_copy (site int, s clinnova.glmstep);
\copy steps_copy FROM '/tmp/clinnova_glmstep.bin' WITH (FORMAT binary)
SELECT bool_and(a.s::text = b.s::text) AS binary_round_trip FROM steps a JOIN steps_copy b USING (site);

-- ---- misuse ----
-- steps at different coefficients do not merge
SELECT clinnova.glmstep_merge(s) FROM (
  SELECT clinnova.logreg_step(dead, x, ARRAY[0, 0, 0, site]) AS s FROM rows GROUP BY site) q;
-- steps of different models do not merge
SELECT clinnova.glmstep_merge(s) FROM (
  SELECT clinnova.logreg_step(dead, x, NULL) AS s FROM rows
  UNION ALL SELECT clinnova.linreg_step(time, x, NULL) FROM rows) q;
-- beta of the wrong length, or changing from row to row
SELECT clinnova.logreg_step(dead, x, ARRAY[0, 0]) FROM rows;
SELECT clinnova.logreg_step(dead, x, ARRAY[0, 0, 0, id]) FROM rows;
SELECT clinnova.logreg_step(dead, x, ARRAY[0, 0, 0, 'NaN'::float8]) FROM rows;
-- glm_newton checks the beta it is told the step was taken at
SELECT clinnova.glm_newton(clinnova.logreg_step(dead, x, ARRAY[0, 0, 0, 0]), ARRAY[0, 0, 0, 1]) FROM rows;
SELECT clinnova.glm_newton(clinnova.logreg_step(dead, x, ARRAY[0, 0, 0, 0]), ARRAY[0, 0, 0, 0]) =
       clinnova.glm_newton(clinnova.logreg_step(dead, x, ARRAY[0, 0, 0, 0])) AS same FROM rows;
-- the final step must be taken at coefficients, and both steps on the same rows
SELECT clinnova.glmmodel_from_step(s, s, 1, true) FROM (SELECT clinnova.logreg_step(dead, x, NULL) AS s FROM rows) q;
SELECT clinnova.glmmodel_from_step(a, b, 1, true)
FROM (SELECT clinnova.logreg_step(dead, x, NULL) AS a FROM rows) p,
     (SELECT clinnova.logreg_step(dead, x, ARRAY[0, 0, 0, 0]) AS b FROM rows WHERE site = 1) q;
SELECT clinnova.glmmodel_from_step(a, a, 1, true, '{"intercept": false}')
FROM (SELECT clinnova.logreg_step(dead, x, ARRAY[0, 0, 0, 0]) AS a FROM rows) p;
-- a poisson step at coefficients where the fitted means overflow: Newton refuses it
SELECT clinnova.glm_newton(clinnova.poisson_step(dead::int, x, ARRAY[800, 0, 0, 0])) FROM rows;
-- malformed text
SELECT '{"family": "binomial", "intercept": true}'::clinnova.glmstep;
SELECT replace((SELECT s::text FROM steps WHERE site = 1), '"n_pos": ', '"n_pos": 1000')::clinnova.glmstep;

-- ---- disclosure control: a federation role gets no step of fewer than min_cell_count people ----
CREATE ROLE regress_clinnova_site;
GRANT USAGE ON SCHEMA clinnova, glm_step_test TO regress_clinnova_site;
GRANT SELECT ON rows TO regress_clinnova_site;
SET clinnova.federation_roles = 'regress_clinnova_site';
-- the final functions' own disclosure control, not the federation guard (which would refuse
-- these queries over an unpublished table)
SET clinnova.federation_guard = off;
SET clinnova.min_cell_count = 10;
SET ROLE regress_clinnova_site;
-- site 3: 58 deaths and 22 survivors
SELECT (clinnova.glmstep_info(clinnova.logreg_step(dead, x, NULL))).n FROM rows WHERE site = 3;
-- site 1: 36 deaths but only 3 survivors
SELECT clinnova.logreg_step(dead, x, NULL) FROM rows WHERE site = 1;
SELECT clinnova.linreg_step(time, x, NULL) FROM rows WHERE id <= 9;
SELECT clinnova.logreg(dead, x) FROM rows WHERE id <= 9;
RESET ROLE;
RESET clinnova.federation_roles;
RESET clinnova.federation_guard;
RESET clinnova.min_cell_count;
-- for other roles the same queries run
SELECT (clinnova.glmstep_info(clinnova.linreg_step(time, x, NULL))).n FROM rows WHERE id <= 9;
REVOKE SELECT ON rows FROM regress_clinnova_site;
REVOKE USAGE ON SCHEMA clinnova, glm_step_test FROM regress_clinnova_site;
DROP ROLE regress_clinnova_site;

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA glm_step_test CASCADE;
