-- coxph: the aggregate's forms, options, NULL handling, edge cases (empty input, one row, all
-- censored, constant and collinear covariates, monotone likelihood, running out of
-- iterations), verbose progress, the coxph_fit convenience function, coxmodel text and binary
-- round trips, and a forced parallel plan equal to the serial one.
\i test/lib/regress_helpers.sql
\i test/data/cox_check.sql

-- ---- the aggregate, R's lung example ----
CREATE TEMP TABLE m AS
SELECT clinnova.coxph("time", status = 2, ARRAY[age, sex, ph_ecog], '{"terms": ["age", "sex", "ph.ecog"]}') AS m
FROM lung WHERE ph_ecog IS NOT NULL;
SELECT term, round(coef::numeric, 6) AS coef, round(hr::numeric, 6) AS hr, round(se::numeric, 6) AS se,
       robust_se, round(z::numeric, 4) AS z, round(p::numeric, 6) AS p, round(hr_lower::numeric, 6) AS hr_lower,
       round(hr_upper::numeric, 6) AS hr_upper, round(mean::numeric, 6) AS mean
FROM m, clinnova.coxph_coefs(m);
SELECT s.n, s.events, round(s.loglik_null::numeric, 4) AS loglik_null, round(s.loglik::numeric, 4) AS loglik,
       round(s.lr_chisq::numeric, 4) AS lr, s.lr_df, round(s.wald_chisq::numeric, 4) AS wald,
       round(s.score_chisq::numeric, 4) AS score, round(s.concordance::numeric, 6) AS concordance,
       round(s.concordance_se::numeric, 6) AS concordance_se, s.iterations, s.converged, s.robust, s.ties,
       s.n_strata, s.conf_level
FROM m, clinnova.coxph_stats(m) s;
SELECT c.* FROM m, clinnova.coxph_concordance(m) c;
-- the three forms agree
SELECT (SELECT clinnova.coxph("time", status = 2, ARRAY[age, sex, ph_ecog]) FROM lung WHERE ph_ecog IS NOT NULL)::text
     = (SELECT clinnova.coxph(NULL, "time", status = 2, ARRAY[age, sex, ph_ecog], NULL, NULL, NULL, NULL)
        FROM lung WHERE ph_ecog IS NOT NULL)::text AS full_form_equal,
       (SELECT clinnova.coxph("time", status = 2, ARRAY[age, sex, ph_ecog]) FROM lung WHERE ph_ecog IS NOT NULL)::text
     = (SELECT clinnova.coxph("time", status = 2, ARRAY[age, sex, ph_ecog], NULL) FROM lung WHERE ph_ecog IS NOT NULL)::text
       AS null_options_equal;
-- one model per group
SELECT sex, term, round(coef::numeric, 6) AS coef
FROM (SELECT sex, clinnova.coxph("time", status = 2, ARRAY[age, ph_ecog]) AS m
      FROM lung WHERE ph_ecog IS NOT NULL GROUP BY sex) g, clinnova.coxph_coefs(m)
ORDER BY sex, term;

-- ---- options ----
-- conf_level: the interval widens, the rest is unchanged
SELECT term, round(hr_lower::numeric, 6) AS hr_lower_90, round(hr_upper::numeric, 6) AS hr_upper_90
FROM (SELECT clinnova.coxph("time", status = 2, ARRAY[age, sex], '{"conf_level": 0.9}') AS m FROM lung) s,
     clinnova.coxph_coefs(m);
-- robust = true: sandwich variance with per-row clusters; robust = false with non-integer weights: model-based
SELECT term, round(se::numeric, 6) AS se, round(robust_se::numeric, 6) AS robust_se
FROM (SELECT clinnova.coxph("time", status = 2, ARRAY[age, sex], '{"robust": true}') AS m FROM lung) s,
     clinnova.coxph_coefs(m);
SELECT (clinnova.coxph_stats(m)).robust, (clinnova.coxph_coefs(m)).robust_se
FROM (SELECT clinnova.coxph(NULL, "time", status = 2, ARRAY[age], NULL, age / 60, NULL, '{"robust": false}') AS m FROM lung) s;
-- integer weights are frequency weights: not robust, and (Breslow) the fit of the repeated rows;
-- Efron's correction treats a weight-2 death as one death, two copies as a tie, as R does
SELECT (SELECT round(coef::numeric, 10) FROM clinnova.coxph_coefs(m)) AS weighted_coef, (clinnova.coxph_stats(m)).robust
FROM (SELECT clinnova.coxph(NULL, "time", status = 2, ARRAY[age], NULL, 2, NULL, '{"ties": "breslow"}') AS m FROM lung) s;
SELECT (SELECT round(coef::numeric, 10) FROM clinnova.coxph_coefs(m)) AS repeated_coef
FROM (SELECT clinnova.coxph("time", status = 2, ARRAY[age], '{"ties": "breslow"}') AS m FROM lung, generate_series(1, 2)) s;
-- no concordance, no baseline: smaller model, NULL concordance
SELECT s.concordance, s.concordance_se, (m::jsonb)->'baseline' AS baseline,
       octet_length(m::text) < 2000 AS small
FROM (SELECT clinnova.coxph("time", status = 2, ARRAY[age], '{"concordance": false, "baseline": false}') AS m FROM lung) q,
     clinnova.coxph_stats(m) s;
-- max_iter 0: the score test at beta = 0, no fit
SELECT s.iterations, s.converged, round(s.score_chisq::numeric, 6) AS score, (clinnova.coxph_coefs(m)).coef
FROM (SELECT clinnova.coxph("time", status = 2, ARRAY[age], '{"max_iter": 0}') AS m FROM lung) q, clinnova.coxph_stats(m) s;
-- running out of iterations warns like R
SELECT s.iterations, s.converged
FROM (SELECT clinnova.coxph("time", status = 2, ARRAY[age, sex, ph_ecog], '{"max_iter": 1}') AS m
      FROM lung WHERE ph_ecog IS NOT NULL) q, clinnova.coxph_stats(m) s;
SELECT s.iterations, s.converged
FROM (SELECT clinnova.coxph("time", status = 2, ARRAY[age, sex, ph_ecog], '{"max_iter": 2}') AS m
      FROM lung WHERE ph_ecog IS NOT NULL) q, clinnova.coxph_stats(m) s;
-- a looser tolerance stops earlier
SELECT s.iterations
FROM (SELECT clinnova.coxph("time", status = 2, ARRAY[age, sex, ph_ecog], '{"tol": 1e-3}') AS m
      FROM lung WHERE ph_ecog IS NOT NULL) q, clinnova.coxph_stats(m) s;
-- timefix (R's aeqSurv): times equal within 1.5e-8 are tied; off, they are distinct
SELECT (m1::jsonb)#>'{baseline,ntimes}' AS timefix_on, (m2::jsonb)#>'{baseline,ntimes}' AS timefix_off
FROM (SELECT clinnova.coxph(t, true, ARRAY[x]) AS m1,
             clinnova.coxph(t, true, ARRAY[x], '{"timefix": false}') AS m2
      FROM (VALUES (1.0, 1.0), (1.0 + 1e-12, 2.0), (2.0, 3.0), (3.0, 1.0)) AS v(t, x)) s;

-- ---- verbose progress: one NOTICE per Newton iteration ----
SET clinnova."verbose" = on;
SELECT (clinnova.coxph_stats(clinnova.coxph("time", status = 1, ARRAY[z]))).iterations FROM mono;
RESET clinnova."verbose";

-- ---- edge cases ----
-- empty input
SELECT clinnova.coxph("time", status = 2, ARRAY[age]) IS NULL AS empty_is_null FROM lung WHERE false;
-- one row: nothing is estimable
SELECT term, coef, se, (clinnova.coxph_stats(m)).n, (clinnova.coxph_stats(m)).concordance
FROM (SELECT clinnova.coxph("time", status = 2, ARRAY[age]) AS m FROM lung WHERE "time" = 306) s, clinnova.coxph_coefs(m);
-- all censored: refused
SELECT clinnova.coxph("time", false, ARRAY[age]) FROM lung;
-- a constant and a collinear covariate: NULL coefficients with a WARNING each, others fitted
SELECT term, round(coef::numeric, 6) AS coef, round(se::numeric, 12) AS se
FROM (SELECT clinnova.coxph("time", status = 2, ARRAY[age, 5, sex, age + sex], '{"terms": ["age", "five", "sex", "age_plus_sex"]}') AS m
      FROM lung) s, clinnova.coxph_coefs(m);
SELECT (SELECT array_agg(round(e::numeric, 12)::float8) FROM unnest((clinnova.coxph_vcov(m))[2:4][2:4]) e)
       AS aliased_rows_are_zero
FROM (SELECT clinnova.coxph("time", status = 2, ARRAY[age, 5, sex, age + sex]) AS m FROM lung) s;
-- monotone likelihood: the estimate runs off to infinity, R's warning
SELECT term, round(coef::numeric, 3) AS coef FROM (SELECT clinnova.coxph("time", status = 1, ARRAY[x, z]) AS m FROM mono) s,
       clinnova.coxph_coefs(m);
-- R leaves 0/1 (and -1/0/1) columns uncentred: their mean is reported as 0
SELECT term, round(mean::numeric, 6) AS mean
FROM (SELECT clinnova.coxph("time", status = 2, ARRAY[age, sex - 1, (ph_ecog > 1)::int - 1]) AS m
      FROM lung WHERE ph_ecog IS NOT NULL) s, clinnova.coxph_coefs(m);

-- ---- NULL handling ----
SELECT clinnova.coxph(NULL::float8, true, ARRAY[1.0]) FROM lung;
SELECT clinnova.coxph(1.0, NULL, ARRAY[1.0]) FROM lung;
SELECT clinnova.coxph(1.0, true, NULL) FROM lung;
-- NULL weight = 1, NULL entry = at risk from the start, NULL cluster = own cluster
SELECT (SELECT clinnova.coxph(NULL, "time", status = 2, ARRAY[age], NULL, NULL, NULL, NULL) FROM lung)::text
     = (SELECT clinnova.coxph(NULL, "time", status = 2, ARRAY[age], NULL, 1, NULL, NULL) FROM lung)::text AS null_weight_is_1;
SELECT round(coef::numeric, 10) = round((SELECT coef FROM clinnova.coxph_coefs(
         (SELECT clinnova.coxph("time", status = 2, ARRAY[age]) FROM lung)))::numeric, 10) AS null_entry_from_start
FROM (SELECT clinnova.coxph(CASE WHEN inst = 3 THEN -1 END, "time", status = 2, ARRAY[age], NULL, NULL, NULL, NULL) AS m
      FROM lung) s, clinnova.coxph_coefs(m);
SELECT (clinnova.coxph_coefs(m)).robust_se = (clinnova.coxph_coefs(m2)).robust_se AS null_cluster_is_own_cluster
FROM (SELECT clinnova.coxph(NULL, "time", status = 2, ARRAY[age], NULL, NULL, NULL, '{"robust": true}') AS m,
             clinnova.coxph(NULL, "time", status = 2, ARRAY[age], NULL, NULL,
                            CASE WHEN false THEN 'x' END, '{"robust": true}') AS m2
      FROM lung) s;
-- a NULL stratum is a stratum of its own
SELECT s.n_strata, (SELECT count(DISTINCT strata) FROM clinnova.coxph_basehaz(m)) AS basehaz_strata,
       (SELECT count(*) FROM clinnova.coxph_basehaz(m) WHERE strata IS NULL) > 0 AS has_null_stratum
FROM (SELECT clinnova.coxph(NULL, "time", status = 2, ARRAY[age], CASE WHEN sex = 1 THEN 'male' END, NULL, NULL, NULL) AS m
      FROM lung) q, clinnova.coxph_stats(m) s;

-- ---- coxph_fit: named arguments over a table ----
CREATE TEMP TABLE lung_tbl AS
SELECT inst, "time", status = 2 AS dead, status - 1 AS dead01, status, age, sex, ph_ecog, ph_karno FROM lung;
SELECT term, round(coef::numeric, 6) AS coef
FROM clinnova.coxph_fit('lung_tbl', 'time', 'dead', ARRAY['age', 'sex', 'ph_ecog']) m, clinnova.coxph_coefs(m);
-- equals the aggregate on the complete rows; named notation; a 0/1 integer event column
SELECT clinnova.coxph_fit(relation => 'lung_tbl', "time" => 'time', event => 'dead01',
                          covariates => ARRAY['age', 'sex', 'ph_ecog'], options => '{"ties": "breslow"}')::text
     = (SELECT clinnova.coxph("time", dead, ARRAY[age, sex, ph_ecog],
                              '{"ties": "breslow", "terms": ["age", "sex", "ph_ecog"]}')
        FROM lung_tbl WHERE ph_ecog IS NOT NULL)::text AS equals_aggregate;
-- strata, weights, cluster and entry by column name
SELECT s.n, s.n_strata, s.robust
FROM clinnova.coxph_fit('lung_tbl', 'time', 'dead', ARRAY['age'], strata => 'sex', weights => 'ph_karno',
                        cluster => 'inst') m, clinnova.coxph_stats(m) s;
-- R's 1/2 status coding is refused, not misread
SELECT clinnova.coxph_fit('lung_tbl', 'time', 'status', ARRAY['age']);
SELECT clinnova.coxph_fit('lung_tbl', 'time', 'dead', ARRAY['age', 'no_such_column']);
SELECT clinnova.coxph_fit('lung_tbl', 'time', 'dead', ARRAY[]::text[]);
SELECT clinnova.coxph_fit('lung_tbl', 'time', 'age', ARRAY['sex']);

-- ---- coxmodel text and binary round trips ----
SELECT m::text::clinnova.coxmodel::text = m::text AS text_round_trip FROM m;
SELECT jsonb_object_keys(m::jsonb) AS key FROM m ORDER BY 1;
CREATE TEMP TABLE models AS
SELECT 1 AS k, m FROM m
UNION ALL
SELECT 2, clinnova.coxph(NULL, "time", status = 2, ARRAY[age, sex], inst::text, ph_karno / 80, inst::text, NULL)
FROM lung WHERE inst IS NOT NULL AND ph_karno IS NOT NULL
UNION ALL
SELECT 3, clinnova.coxph(start, stop, event = 1, ARRAY[age, year, surgery, transplant], NULL, NULL, NULL,
                         '{"baseline": false, "concordance": false}') FROM heart;
SELECT k, m::text::clinnova.coxmodel::text = m::text AS text_round_trip FROM models ORDER BY k;
\copy models TO '/tmp/clinnova_coxmodel.bin' WITH (FORMAT binary)
CREATE TEMP TABLE models_back (k int, m clinnova.coxmodel);
\copy models_back FROM '/tmp/clinnova_coxmodel.bin' WITH (FORMAT binary)
SELECT k, b.m::text = a.m::text AS binary_round_trip FROM models a JOIN models_back b USING (k) ORDER BY k;
-- malformed text is refused with the offending field
SELECT '{"type": "coxmodel"}'::clinnova.coxmodel;
SELECT replace(m::text, '"ties": "efron"', '"ties": "exact"')::clinnova.coxmodel FROM m;
SELECT replace(m::text, '"version": 1', '"version": 1, "extra": 1')::clinnova.coxmodel FROM m;
SELECT regexp_replace(m::text, '"n_risk": \[[0-9]+', '"n_risk": [-1')::clinnova.coxmodel FROM m;
SELECT regexp_replace(m::text, '"time": \[5, 11', '"time": [11, 5')::clinnova.coxmodel FROM m;

-- ---- a forced parallel plan gives the same model, bit for bit ----
CREATE TABLE coxph_fit_par AS SELECT l.* FROM lung l, generate_series(1, 10);
ANALYZE coxph_fit_par;
CREATE TEMP TABLE serial AS
SELECT clinnova.coxph(NULL, "time", status = 2, ARRAY[age, sex], inst::text, NULL, NULL, NULL) AS m
FROM coxph_fit_par WHERE ph_ecog IS NOT NULL;
SELECT pg_temp.force_parallel();
EXPLAIN (COSTS OFF)
SELECT clinnova.coxph(NULL, "time", status = 2, ARRAY[age, sex], inst::text, NULL, NULL, NULL)
FROM coxph_fit_par WHERE ph_ecog IS NOT NULL;
SELECT (SELECT clinnova.coxph(NULL, "time", status = 2, ARRAY[age, sex], inst::text, NULL, NULL, NULL)
        FROM coxph_fit_par WHERE ph_ecog IS NOT NULL)::text = m::text AS parallel_equals_serial
FROM serial;
SELECT pg_temp.serial_only();
DROP TABLE coxph_fit_par;
-- heavy ties and rows repeated four times over (runs of identical rows in the sort),
-- unweighted (integer concordance counts) and weighted
CREATE TABLE coxph_ties_par AS SELECT t.* FROM tied t, generate_series(1, 4);
ANALYZE coxph_ties_par;
CREATE TEMP TABLE serial_ties AS
SELECT (SELECT clinnova.coxph("time", status = 1, ARRAY[x1, x2, x3]) FROM coxph_ties_par) AS m,
       (SELECT clinnova.coxph(NULL, "time", status = 1, ARRAY[x1, x2, x3], NULL, w, NULL, NULL)
        FROM coxph_ties_par) AS mw;
SELECT pg_temp.force_parallel();
SELECT (SELECT clinnova.coxph("time", status = 1, ARRAY[x1, x2, x3]) FROM coxph_ties_par)::text = m::text
         AS ties_parallel_equals_serial,
       (SELECT clinnova.coxph(NULL, "time", status = 1, ARRAY[x1, x2, x3], NULL, w, NULL, NULL)
        FROM coxph_ties_par)::text = mw::text AS weighted_ties_parallel_equals_serial
FROM serial_ties;
SELECT pg_temp.serial_only();
DROP TABLE coxph_ties_par;
