-- coxph_step, coxstep_merge, coxph_newton and coxmodel_from_step: the federation primitive.
-- Four "sites" (lung split by row number) each compute a Newton step at the coordinator's
-- beta; the coordinator sums them and iterates with R's rules.  The result must equal coxph()
-- on the pooled rows with strata = site to 1e-10 (coefficients, variance, log-likelihoods,
-- LR / Wald / score tests, iterations).  Also: text and binary I/O of coxstep, merge rules,
-- disclosure control.
\i test/lib/regress_helpers.sql
\i test/data/cox_check.sql
\set ECHO none
\set QUIET on
CREATE TEMP TABLE lung_sites AS
SELECT (row_number() OVER ()) % 4 + 1 AS site, * FROM lung WHERE ph_ecog IS NOT NULL;

-- the coordinator's loop, with no Cox math of its own (the protocol in README and coxstep.c)
CREATE FUNCTION pg_temp.federated_fit(opts jsonb, OUT model clinnova.coxmodel, OUT iterations int)
LANGUAGE plpgsql AS $$
DECLARE
  beta float8[] := array_fill(0::float8, ARRAY[3]);
  newbeta float8[];
  s0 clinnova.coxstep;
  s clinnova.coxstep;
  best float8;
  ll float8;
  h int := 0;
  it int := 0;
  converged boolean := false;
BEGIN
  SELECT clinnova.coxstep_merge(st) INTO s0
  FROM (SELECT clinnova.coxph_step(NULL, "time", status = 2, ARRAY[age, sex, ph_ecog], NULL, NULL, beta, opts) AS st
        FROM lung_sites GROUP BY site) q;
  best := (clinnova.coxstep_parts(s0)).loglik;
  newbeta := clinnova.coxph_newton(s0, beta);
  FOR it IN 1 .. 20 LOOP
    SELECT clinnova.coxstep_merge(st) INTO s
    FROM (SELECT clinnova.coxph_step(NULL, "time", status = 2, ARRAY[age, sex, ph_ecog], NULL, NULL, newbeta, opts) AS st
          FROM lung_sites GROUP BY site) q;
    ll := (clinnova.coxstep_parts(s)).loglik;
    IF abs(1 - best / ll) <= 1e-9 THEN
      converged := true;
      iterations := it;
      EXIT;
    END IF;
    IF ll < best THEN                       -- step halving
      h := h + 1;
      newbeta := ARRAY(SELECT (nb + h * b) / (h + 1) FROM unnest(newbeta, beta) AS u(nb, b));
    ELSE
      h := 0;
      best := ll;
      beta := newbeta;
      newbeta := clinnova.coxph_newton(s, beta);
    END IF;
  END LOOP;
  IF NOT converged THEN
    iterations := 21;
  END IF;
  model := clinnova.coxmodel_from_step(s, s0, newbeta, iterations, converged,
                                       opts || '{"terms": ["age", "sex", "ph.ecog"]}');
END
$$;

-- federated model vs pooled stratified fit, every compared item at 1e-10
CREATE FUNCTION pg_temp.compare(fed clinnova.coxmodel, pooled clinnova.coxmodel)
RETURNS TABLE (checked bigint, failed text)
LANGUAGE sql STABLE AS $$
  WITH f AS (SELECT * FROM clinnova.coxph_coefs(fed) WITH ORDINALITY AS c(term, coef, hr, se, robust_se, z, p, lo, hi, mean, o)),
       q AS (SELECT * FROM clinnova.coxph_coefs(pooled) WITH ORDINALITY AS c(term, coef, hr, se, robust_se, z, p, lo, hi, mean, o)),
       fs AS (SELECT * FROM clinnova.coxph_stats(fed)),
       qs AS (SELECT * FROM clinnova.coxph_stats(pooled)),
       items AS (
         SELECT 'coef ' || f.term AS item, f.coef AS a, q.coef AS e FROM f JOIN q USING (o)
         UNION ALL SELECT 'se ' || f.term, f.se, q.se FROM f JOIN q USING (o)
         UNION ALL SELECT 'p ' || f.term, f.p, q.p FROM f JOIN q USING (o)
         UNION ALL SELECT 'mean ' || f.term, f.mean, q.mean FROM f JOIN q USING (o)
         UNION ALL SELECT 'var ' || i || ',' || j, (clinnova.coxph_vcov(fed))[i][j], (clinnova.coxph_vcov(pooled))[i][j]
                   FROM generate_series(1, 3) i, generate_series(1, 3) j
         UNION ALL SELECT 'n', fs.n, qs.n FROM fs, qs
         UNION ALL SELECT 'events', fs.events, qs.events FROM fs, qs
         UNION ALL SELECT 'loglik_null', fs.loglik_null, qs.loglik_null FROM fs, qs
         UNION ALL SELECT 'loglik', fs.loglik, qs.loglik FROM fs, qs
         UNION ALL SELECT 'lr', fs.lr_chisq, qs.lr_chisq FROM fs, qs
         UNION ALL SELECT 'wald', fs.wald_chisq, qs.wald_chisq FROM fs, qs
         UNION ALL SELECT 'score', fs.score_chisq, qs.score_chisq FROM fs, qs
         UNION ALL SELECT 'lr_p', fs.lr_p, qs.lr_p FROM fs, qs
         UNION ALL SELECT 'iterations', fs.iterations, qs.iterations FROM fs, qs
         UNION ALL SELECT 'converged', fs.converged::int, qs.converged::int FROM fs, qs)
  SELECT count(*), coalesce(string_agg(item || '=' || a || ' vs ' || e, '; ')
                            FILTER (WHERE NOT pg_temp.rel_ok(a, e, 1e-10)), '')
  FROM items
$$;
\set QUIET off
\set ECHO all

-- ---- federated Newton-Raphson over 4 sites = pooled coxph with strata = site ----
SELECT t.ties, c.*
FROM (VALUES ('efron'), ('breslow')) AS t(ties),
     LATERAL pg_temp.federated_fit(jsonb_build_object('ties', t.ties)) f,
     LATERAL pg_temp.compare(f.model,
       (SELECT clinnova.coxph(NULL, "time", status = 2, ARRAY[age, sex, ph_ecog], site::text, NULL, NULL,
                              jsonb_build_object('ties', t.ties, 'terms', '["age", "sex", "ph.ecog"]'::jsonb))
        FROM lung_sites)) c;
-- the federated model: coefficients and tests, no concordance and no baseline hazard
SELECT term, round(coef::numeric, 8) AS coef, round(se::numeric, 8) AS se, round(p::numeric, 8) AS p
FROM pg_temp.federated_fit('{}'), clinnova.coxph_coefs(model);
SELECT s.n, s.events, round(s.loglik::numeric, 6) AS loglik, s.lr_df, s.iterations, s.converged, s.concordance,
       s.n_strata
FROM pg_temp.federated_fit('{}') f, clinnova.coxph_stats(f.model) s;
CREATE TEMP TABLE fed AS SELECT model FROM pg_temp.federated_fit('{}');
SELECT round(clinnova.predict_lp(model, ARRAY[60, 1, 0])::numeric, 10) AS lp FROM fed;
SELECT * FROM fed, clinnova.predict_curve(model, ARRAY[60, 1, 0]);
SELECT clinnova.predict_surv(model, ARRAY[60, 1, 0], 100) FROM fed;
SELECT (model::jsonb)->'from_steps' AS from_steps, (model::jsonb)->'baseline' AS baseline FROM fed;

-- ---- one site's step: its pieces ----
CREATE TEMP TABLE steps AS
SELECT site, clinnova.coxph_step("time", status = 2, ARRAY[age, sex, ph_ecog], ARRAY[0.01, -0.5, 0.5]) AS st
FROM lung_sites GROUP BY site;
SELECT site, p.n, p.events, p.strata, round(p.loglik::numeric, 8) AS loglik,
       (SELECT array_agg(round(v::numeric, 6)) FROM unnest(p.score) v) AS score,
       array_dims(p.information) AS information, p.beta, p.sum_weights,
       (SELECT array_agg(round(v::numeric, 6)) FROM unnest(p.means) v) AS means
FROM steps, clinnova.coxstep_parts(st) p ORDER BY site;
-- merging is summing: n, events, strata, loglik, score, information
SELECT p.n, p.events, p.strata, round(p.loglik::numeric, 8) AS loglik,
       round((SELECT sum((clinnova.coxstep_parts(st)).loglik) FROM steps)::numeric, 8) AS sum_of_logliks
FROM (SELECT clinnova.coxstep_merge(st) AS m FROM steps) s, clinnova.coxstep_parts(m) p;
-- the same beta computed by the pooled step aggregate, grouped or not, gives the same sums
SELECT pg_temp.rel_ok((clinnova.coxstep_parts(m)).loglik,
                      (SELECT (clinnova.coxstep_parts(clinnova.coxph_step(NULL, "time", status = 2, ARRAY[age, sex, ph_ecog],
                                                                           site::text, NULL, ARRAY[0.01, -0.5, 0.5], NULL))).loglik
                       FROM lung_sites), 1e-12) AS merged_equals_stratified
FROM (SELECT clinnova.coxstep_merge(st) AS m FROM steps) s;

-- the options form (the one postgres_fdw pushes down) equals the full form with NULL placeholders
SELECT bool_and(a::text = b::text) AS options_form_equals_full_form, count(*) AS sites
FROM (SELECT site,
             clinnova.coxph_step("time", status = 2, ARRAY[age, sex, ph_ecog], ARRAY[0.01, -0.5, 0.5],
                                 '{"ties": "breslow"}') AS a,
             clinnova.coxph_step(NULL, "time", status = 2, ARRAY[age, sex, ph_ecog], NULL, NULL,
                                 ARRAY[0.01, -0.5, 0.5], '{"ties": "breslow"}') AS b
      FROM lung_sites GROUP BY site) q;

-- ---- text and binary round trips ----
SELECT bool_and(st::text::clinnova.coxstep::text = st::text) AS text_round_trip FROM steps;
SELECT (st::jsonb)->'beta' AS beta, jsonb_typeof((st::jsonb)->'information') AS information FROM steps WHERE site = 1;
\copy (SELECT site, st FROM steps ORDER BY site) TO '/tmp/clinnova_coxstep.bin' WITH (FORMAT binary)
CREATE TEMP TABLE steps_back (site bigint, st clinnova.coxstep);
\copy steps_back FROM '/tmp/clinnova_coxstep.bin' WITH (FORMAT binary)
SELECT count(*) AS rows_back, bool_and(b.st::text = s.st::text) AS binary_round_trip
FROM steps s JOIN steps_back b USING (site);
\copy (SELECT 1, model FROM fed) TO '/tmp/clinnova_coxmodel_fed.bin' WITH (FORMAT binary)
CREATE TEMP TABLE fed_back (k int, model clinnova.coxmodel);
\copy fed_back FROM '/tmp/clinnova_coxmodel_fed.bin' WITH (FORMAT binary)
SELECT b.model::text = f.model::text AS binary_round_trip FROM fed f, fed_back b;

-- ---- merge and Newton rules ----
SELECT clinnova.coxstep_merge(st) FROM (
  SELECT clinnova.coxph_step("time", status = 2, ARRAY[age, sex, ph_ecog], ARRAY[0, 0, 0]) FROM lung_sites WHERE site = 1
  UNION ALL
  SELECT clinnova.coxph_step("time", status = 2, ARRAY[age, sex, ph_ecog], ARRAY[0, 0, 0.1]) FROM lung_sites WHERE site = 2) s(st);
SELECT clinnova.coxstep_merge(st) FROM (
  SELECT clinnova.coxph_step("time", status = 2, ARRAY[age, sex, ph_ecog], ARRAY[0, 0, 0]) FROM lung_sites WHERE site = 1
  UNION ALL
  SELECT clinnova.coxph_step(NULL, "time", status = 2, ARRAY[age, sex, ph_ecog], NULL, NULL, ARRAY[0, 0, 0], '{"ties": "breslow"}')
  FROM lung_sites WHERE site = 2) s(st);
SELECT clinnova.coxstep_merge(st) FROM (
  SELECT clinnova.coxph_step("time", status = 2, ARRAY[age, sex, ph_ecog], ARRAY[0, 0, 0]) FROM lung_sites WHERE site = 1
  UNION ALL
  SELECT clinnova.coxph_step("time", status = 2, ARRAY[age, sex], ARRAY[0, 0]) FROM lung_sites WHERE site = 2) s(st);
SELECT clinnova.coxph_newton(st, ARRAY[0, 0, 0]) FROM steps WHERE site = 1;
SELECT clinnova.coxph_step("time", status = 2, ARRAY[age, sex, ph_ecog], ARRAY[0, 0]) FROM lung_sites;
SELECT clinnova.coxph_step("time", status = 2, ARRAY[age, sex, ph_ecog], NULL) FROM lung_sites;
SELECT clinnova.coxph_step("time", status = 2, ARRAY[age, sex, ph_ecog], ARRAY[0, 0, 'Infinity'::float8]) FROM lung_sites;
SELECT clinnova.coxmodel_from_step(s.st, s.st, ARRAY[0.01, -0.5, 0.5], 3, true) FROM steps s WHERE site = 1;
SELECT clinnova.coxstep_merge(st) IS NULL AS empty_merge_is_null FROM steps WHERE false;
SELECT 'not json'::clinnova.coxstep;
SELECT '{"type": "coxstep", "version": 1}'::clinnova.coxstep;

-- ---- disclosure control: a federation role sees steps of >= min_cell_count people only ----
CREATE ROLE regress_cox_federation;
GRANT USAGE ON SCHEMA clinnova TO regress_cox_federation;
GRANT SELECT ON lung_sites TO regress_cox_federation;
SET clinnova.federation_roles = 'regress_cox_federation';
-- the final functions' own disclosure control, not the federation guard (which would refuse
-- these queries over an unpublished table)
SET clinnova.federation_guard = off;
SET ROLE regress_cox_federation;
SELECT (clinnova.coxstep_parts(clinnova.coxph_step("time", status = 2, ARRAY[age, sex, ph_ecog], ARRAY[0, 0, 0]))).events
FROM lung_sites WHERE site = 1;
SELECT clinnova.coxph_step("time", status = 2, ARRAY[age, sex, ph_ecog], ARRAY[0, 0, 0]) FROM lung_sites WHERE "time" < 12;
SELECT clinnova.coxph("time", status = 2, ARRAY[age, sex, ph_ecog]) FROM lung_sites;
RESET ROLE;
RESET clinnova.federation_roles;
RESET clinnova.federation_guard;
REVOKE ALL ON lung_sites FROM regress_cox_federation;
REVOKE USAGE ON SCHEMA clinnova FROM regress_cox_federation;
DROP ROLE regress_cox_federation;
