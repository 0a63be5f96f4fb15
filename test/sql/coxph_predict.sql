-- Predictions from a coxmodel against R: predict(fit, type = "lp" / "risk") for new patients and
-- for every data row, survfit(fit, newdata) curves with their log-type confidence bands (the
-- variance includes the coefficients' covariance, robust when the fit is), basehaz(fit,
-- centered) — for shared/reference section e and the module's own fixtures (strata,
-- (start, stop] data, clusters, weights, aliased terms).  Tolerance 1e-8 relative.
\i test/lib/regress_helpers.sql
\i test/data/cox_check.sql
\set ECHO none
\set QUIET on
-- survfit(fit, newdata) of cox_gen.R's layout against predict_curve: one item per value
CREATE FUNCTION pg_temp.curve_items(m clinnova.coxmodel, r jsonb)
RETURNS TABLE (item text, actual float8, expected float8, rel float8)
LANGUAGE sql STABLE AS $$
  WITH pat AS (
    SELECT k - 1 AS k, ARRAY(SELECT jsonb_array_elements_text(x)::float8) AS x
    FROM jsonb_array_elements(r->'newdata') WITH ORDINALITY AS t(x, k)),
  ref AS (
    SELECT pat.k, i - 1 AS i, r->'strata'->>(i::int - 1) AS strata, t::float8 AS time
    FROM pat, jsonb_array_elements_text(r->'time') WITH ORDINALITY AS tt(t, i)),
  ours AS (
    SELECT pat.k AS ok, c.* FROM pat, clinnova.predict_curve(m, pat.x) c),
  j AS (
    SELECT ref.k, ref.i, ref.strata, ref.time, o.surv, o.cumhaz, o.std_err, o.lower, o.upper,
           o.n_risk, o.n_event, o.n_censor
    FROM ref LEFT JOIN ours o ON o.ok = ref.k AND o.time = ref.time
                              AND o.strata IS NOT DISTINCT FROM ref.strata)
  SELECT format('patient %s %s t=%s %s', j.k + 1, coalesce(j.strata, ''), j.time, v.name), v.a,
         pg_temp.json_float8(r->v.name->(j.k::int)->(j.i::int)), 1e-8
  FROM j, LATERAL (VALUES ('surv', j.surv), ('cumhaz', j.cumhaz), ('std_err', j.std_err),
                          ('lower', j.lower), ('upper', j.upper)) AS v(name, a)
  UNION ALL
  SELECT format('patient %s %s t=%s %s', j.k + 1, coalesce(j.strata, ''), j.time, v.name), v.a,
         pg_temp.json_float8(r->v.name->(j.i::int)), 1e-8
  FROM j, LATERAL (VALUES ('n_risk', j.n_risk), ('n_event', j.n_event), ('n_censor', j.n_censor)) AS v(name, a)
  WHERE j.k = 0
  UNION ALL
  SELECT 'rows', (SELECT count(*) FROM ours), (SELECT count(*) FROM ref), 0
$$;

-- basehaz(fit, centered = TRUE / FALSE) against coxph_basehaz
CREATE FUNCTION pg_temp.basehaz_items(m clinnova.coxmodel, r jsonb)
RETURNS TABLE (item text, actual float8, expected float8, rel float8)
LANGUAGE sql STABLE AS $$
  WITH ref AS (
    SELECT i - 1 AS i, t::float8 AS time, r->'strata'->>(i::int - 1) AS strata
    FROM jsonb_array_elements_text(r->'time') WITH ORDINALITY AS tt(t, i))
  SELECT format('basehaz %s t=%s centered', coalesce(ref.strata, ''), ref.time), b1.cumhaz,
         pg_temp.json_float8(r->'centered'->(ref.i::int)), 1e-8
  FROM ref LEFT JOIN clinnova.coxph_basehaz(m) b1
    ON b1.time = ref.time AND b1.strata IS NOT DISTINCT FROM ref.strata
  UNION ALL
  SELECT format('basehaz %s t=%s zero', coalesce(ref.strata, ''), ref.time), b0.cumhaz,
         pg_temp.json_float8(r->'zero'->(ref.i::int)), 1e-8
  FROM ref LEFT JOIN clinnova.coxph_basehaz(m, false) b0
    ON b0.time = ref.time AND b0.strata IS NOT DISTINCT FROM ref.strata
$$;

CREATE FUNCTION pg_temp.summary(name text, items regprocedure, m clinnova.coxmodel, r jsonb)
RETURNS TABLE (case_name text, checked bigint, failed text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    'SELECT $1, count(*), coalesce(string_agg(item || ''='' || coalesce(actual::text, ''NULL'') || '' vs '' ||
                                   coalesce(expected::text, ''NULL''), ''; '')
                        FILTER (WHERE NOT pg_temp.rel_ok(actual, expected, rel)), '''')
     FROM %s($2, $3)', items::regproc) USING name, m, r;
END $$;

-- the R data rows with their 1-based position in the CSV (pred_*.rows.csv refers to them)
CREATE TEMP TABLE lung_rows (rn serial, inst int, "time" float8, status int, age float8, sex float8,
                             ph_ecog float8, ph_karno float8, pat_karno float8, meal_cal float8, wt_loss float8);
\copy lung_rows (inst, "time", status, age, sex, ph_ecog, ph_karno, pat_karno, meal_cal, wt_loss) FROM 'test/data/lung.csv' WITH (FORMAT csv, HEADER)
CREATE TEMP TABLE pred_rows (ties text, rn int, lp float8, lp_zero float8, risk float8, risk_zero float8,
                             expected float8, resid_martingale float8, resid_deviance float8);
\copy pred_rows (rn, lp, lp_zero, risk, risk_zero, expected, resid_martingale, resid_deviance) FROM 'test/data/reference/pred_lung_efron.rows.csv' WITH (FORMAT csv, HEADER)
UPDATE pred_rows SET ties = 'efron';
\copy pred_rows (rn, lp, lp_zero, risk, risk_zero, expected, resid_martingale, resid_deviance) FROM 'test/data/reference/pred_lung_breslow.rows.csv' WITH (FORMAT csv, HEADER)
UPDATE pred_rows SET ties = 'breslow' WHERE ties IS NULL;
CREATE TEMP TABLE pred_curve (ties text, "time" float8, n_risk float8, n_event float8, n_censor float8,
    surv_1 float8, cumhaz_1 float8, std_err_1 float8, lower_1 float8, upper_1 float8,
    surv_2 float8, cumhaz_2 float8, std_err_2 float8, lower_2 float8, upper_2 float8,
    basehaz_zero float8, basehaz_centered float8);
\copy pred_curve ("time", n_risk, n_event, n_censor, surv_1, cumhaz_1, std_err_1, lower_1, upper_1, surv_2, cumhaz_2, std_err_2, lower_2, upper_2, basehaz_zero, basehaz_centered) FROM 'test/data/reference/pred_lung_efron.curve.csv' WITH (FORMAT csv, HEADER)
UPDATE pred_curve SET ties = 'efron';
\copy pred_curve ("time", n_risk, n_event, n_censor, surv_1, cumhaz_1, std_err_1, lower_1, upper_1, surv_2, cumhaz_2, std_err_2, lower_2, upper_2, basehaz_zero, basehaz_centered) FROM 'test/data/reference/pred_lung_breslow.curve.csv' WITH (FORMAT csv, HEADER)
UPDATE pred_curve SET ties = 'breslow' WHERE ties IS NULL;

CREATE TEMP TABLE models (name text PRIMARY KEY, m clinnova.coxmodel);
INSERT INTO models
SELECT 'lung_' || ties, clinnova.coxph("time", status = 2, ARRAY[age, sex, ph_ecog],
                                       jsonb_build_object('ties', ties, 'terms', '["age", "sex", "ph.ecog"]'::jsonb))
FROM lung, (VALUES ('efron'), ('breslow')) AS t(ties) WHERE ph_ecog IS NOT NULL GROUP BY ties;
\set QUIET off
\set ECHO all

-- ---- shared reference section e: new patients (age 60, sex 1, ph.ecog 0) and (70, 2, 2) ----
\set ref `cat test/data/reference/pred_lung_efron.json`
SELECT k, pg_temp.rel_ok(clinnova.predict_lp(m, x), ((:'ref'::jsonb)->'newdata_lp'->>k)::float8, 1e-8) AS lp,
       pg_temp.rel_ok(clinnova.predict_lp(m, x) + (SELECT sum(mean * coef) FROM clinnova.coxph_coefs(m)),
                      ((:'ref'::jsonb)->'newdata_lp_zero'->>k)::float8, 1e-8) AS lp_zero,
       pg_temp.rel_ok(clinnova.predict_risk(m, x), ((:'ref'::jsonb)->'newdata_risk'->>k)::float8, 1e-8) AS risk,
       clinnova.predict(m, x) = clinnova.predict_risk(m, x) AS predict_default_is_risk,
       clinnova.predict(m, x, 'response') = clinnova.predict_risk(m, x) AS response_is_risk,
       clinnova.predict(m, x, 'lp') = clinnova.predict_lp(m, x) AS predict_lp
FROM models, (VALUES ('1', ARRAY[60, 1, 0]::float8[]), ('2', ARRAY[70, 2, 2]::float8[])) AS p(k, x)
WHERE name = 'lung_efron' ORDER BY k;
\set ref `cat test/data/reference/pred_lung_breslow.json`
SELECT k, pg_temp.rel_ok(clinnova.predict_lp(m, x), ((:'ref'::jsonb)->'newdata_lp'->>k)::float8, 1e-8) AS lp,
       pg_temp.rel_ok(clinnova.predict_risk(m, x), ((:'ref'::jsonb)->'newdata_risk'->>k)::float8, 1e-8) AS risk
FROM models, (VALUES ('1', ARRAY[60, 1, 0]::float8[]), ('2', ARRAY[70, 2, 2]::float8[])) AS p(k, x)
WHERE name = 'lung_breslow' ORDER BY k;

-- every data row: predict(fit, type = "lp"), its uncentred version and "risk" (227 rows each)
SELECT r.ties, count(*) AS rows_compared,
       count(*) FILTER (WHERE NOT pg_temp.rel_ok(clinnova.predict_lp(m.m, ARRAY[l.age, l.sex, l.ph_ecog]), r.lp, 1e-8)) AS lp_bad,
       count(*) FILTER (WHERE NOT pg_temp.rel_ok(clinnova.predict_risk(m.m, ARRAY[l.age, l.sex, l.ph_ecog]), r.risk, 1e-8)) AS risk_bad
FROM pred_rows r JOIN lung_rows l USING (rn) JOIN models m ON m.name = 'lung_' || r.ties
GROUP BY r.ties ORDER BY r.ties;

-- survfit(fit, newdata) curves of both patients and the baseline hazards, at every time
SELECT c.ties, count(*) AS times,
       count(*) FILTER (WHERE NOT (pg_temp.rel_ok(p1.surv, c.surv_1, 1e-8) AND pg_temp.rel_ok(p1.cumhaz, c.cumhaz_1, 1e-8)
                                   AND pg_temp.rel_ok(p1.std_err, c.std_err_1, 1e-8) AND pg_temp.rel_ok(p1.lower, c.lower_1, 1e-8)
                                   AND pg_temp.rel_ok(p1.upper, c.upper_1, 1e-8))) AS patient1_bad,
       count(*) FILTER (WHERE NOT (pg_temp.rel_ok(p2.surv, c.surv_2, 1e-8) AND pg_temp.rel_ok(p2.cumhaz, c.cumhaz_2, 1e-8)
                                   AND pg_temp.rel_ok(p2.std_err, c.std_err_2, 1e-8) AND pg_temp.rel_ok(p2.lower, c.lower_2, 1e-8)
                                   AND pg_temp.rel_ok(p2.upper, c.upper_2, 1e-8))) AS patient2_bad,
       count(*) FILTER (WHERE NOT (p1.n_risk = c.n_risk AND p1.n_event = c.n_event AND p1.n_censor = c.n_censor)) AS counts_bad,
       count(*) FILTER (WHERE NOT (pg_temp.rel_ok(b1.cumhaz, c.basehaz_centered, 1e-8)
                                   AND pg_temp.rel_ok(b0.cumhaz, c.basehaz_zero, 1e-8))) AS basehaz_bad
FROM pred_curve c JOIN models m ON m.name = 'lung_' || c.ties
LEFT JOIN LATERAL clinnova.predict_curve(m.m, ARRAY[60, 1, 0]) p1 ON p1.time = c.time
LEFT JOIN LATERAL clinnova.predict_curve(m.m, ARRAY[70, 2, 2]) p2 ON p2.time = c.time
LEFT JOIN LATERAL clinnova.coxph_basehaz(m.m) b1 ON b1.time = c.time
LEFT JOIN LATERAL clinnova.coxph_basehaz(m.m, false) b0 ON b0.time = c.time
GROUP BY c.ties ORDER BY c.ties;
SELECT name, count(*) AS curve_rows FROM models, clinnova.predict_curve(m, ARRAY[60, 1, 0]) GROUP BY name ORDER BY name;

-- the first rows of patient 1's curve, as R prints them
SELECT time, round(surv::numeric, 6) AS surv, round(lower::numeric, 6) AS lower, round(upper::numeric, 6) AS upper,
       round(std_err::numeric, 6) AS std_err, n_risk, n_event, n_censor, strata
FROM models, clinnova.predict_curve(m, ARRAY[60, 1, 0]) WHERE name = 'lung_efron' ORDER BY time LIMIT 5;

-- ---- the module's own fixtures (test/data/cox_gen.R) ----
\set hterms '{"terms": ["age", "year", "surgery", "transplant1"]}'
\set ref `cat test/data/cox_heart_efron.json`
SELECT * FROM pg_temp.summary('cox_heart_efron curve', 'pg_temp.curve_items(clinnova.coxmodel, jsonb)',
  (SELECT clinnova.coxph(start, stop, event = 1, ARRAY[age, year, surgery, transplant], NULL, NULL, NULL, :'hterms') FROM heart),
  (:'ref'::jsonb)->'curve');
SELECT * FROM pg_temp.summary('cox_heart_efron basehaz', 'pg_temp.basehaz_items(clinnova.coxmodel, jsonb)',
  (SELECT clinnova.coxph(start, stop, event = 1, ARRAY[age, year, surgery, transplant], NULL, NULL, NULL, :'hterms') FROM heart),
  (:'ref'::jsonb)->'basehaz');
\set ref `cat test/data/cox_heart_breslow.json`
SELECT * FROM pg_temp.summary('cox_heart_breslow curve', 'pg_temp.curve_items(clinnova.coxmodel, jsonb)',
  (SELECT clinnova.coxph(start, stop, event = 1, ARRAY[age, year, surgery, transplant], NULL, NULL, NULL,
                         :'hterms'::jsonb || '{"ties": "breslow"}') FROM heart),
  (:'ref'::jsonb)->'curve');
SELECT * FROM pg_temp.summary('cox_heart_breslow basehaz', 'pg_temp.basehaz_items(clinnova.coxmodel, jsonb)',
  (SELECT clinnova.coxph(start, stop, event = 1, ARRAY[age, year, surgery, transplant], NULL, NULL, NULL,
                         :'hterms'::jsonb || '{"ties": "breslow"}') FROM heart),
  (:'ref'::jsonb)->'basehaz');
\set ref `cat test/data/cox_heart_strata.json`
SELECT * FROM pg_temp.summary('cox_heart_strata curve', 'pg_temp.curve_items(clinnova.coxmodel, jsonb)',
  (SELECT clinnova.coxph(start, stop, event = 1, ARRAY[age, year, transplant], surgery::text, NULL, NULL, NULL) FROM heart),
  (:'ref'::jsonb)->'curve');
-- cluster(inst): R's survfit uses the robust variance for the band
\set ref `cat test/data/cox_lung_cluster_efron.json`
SELECT * FROM pg_temp.summary('cox_lung_cluster_efron curve', 'pg_temp.curve_items(clinnova.coxmodel, jsonb)',
  (SELECT clinnova.coxph(NULL, "time", status = 2, ARRAY[age, sex, ph_ecog], NULL, NULL, inst::text, NULL)
   FROM lung WHERE ph_ecog IS NOT NULL AND inst IS NOT NULL),
  (:'ref'::jsonb)->'curve');
\set ref `cat test/data/cox_lung_cluster_breslow.json`
SELECT * FROM pg_temp.summary('cox_lung_cluster_breslow curve', 'pg_temp.curve_items(clinnova.coxmodel, jsonb)',
  (SELECT clinnova.coxph(NULL, "time", status = 2, ARRAY[age, sex, ph_ecog], NULL, NULL, inst::text, '{"ties": "breslow"}')
   FROM lung WHERE ph_ecog IS NOT NULL AND inst IS NOT NULL),
  (:'ref'::jsonb)->'curve');
-- strata and case weights: weighted n_risk, one curve per stratum
\set ref `cat test/data/cox_lung_strata_weights_efron.json`
SELECT * FROM pg_temp.summary('cox_lung_strata_weights_efron curve', 'pg_temp.curve_items(clinnova.coxmodel, jsonb)',
  (SELECT clinnova.coxph(NULL, "time", status = 2, ARRAY[age, ph_ecog], sex::text, ph_karno / 80, NULL, NULL)
   FROM lung WHERE ph_ecog IS NOT NULL AND ph_karno IS NOT NULL),
  (:'ref'::jsonb)->'curve');
SELECT * FROM pg_temp.summary('cox_lung_strata_weights_efron basehaz', 'pg_temp.basehaz_items(clinnova.coxmodel, jsonb)',
  (SELECT clinnova.coxph(NULL, "time", status = 2, ARRAY[age, ph_ecog], sex::text, ph_karno / 80, NULL, NULL)
   FROM lung WHERE ph_ecog IS NOT NULL AND ph_karno IS NOT NULL),
  (:'ref'::jsonb)->'basehaz');
\set ref `cat test/data/cox_lung_strata_weights_breslow.json`
SELECT * FROM pg_temp.summary('cox_lung_strata_weights_breslow curve', 'pg_temp.curve_items(clinnova.coxmodel, jsonb)',
  (SELECT clinnova.coxph(NULL, "time", status = 2, ARRAY[age, ph_ecog], sex::text, ph_karno / 80, NULL, '{"ties": "breslow"}')
   FROM lung WHERE ph_ecog IS NOT NULL AND ph_karno IS NOT NULL),
  (:'ref'::jsonb)->'curve');
\set ref `cat test/data/cox_veteran_strata_zph.json`
SELECT * FROM pg_temp.summary('cox_veteran_strata curve', 'pg_temp.curve_items(clinnova.coxmodel, jsonb)',
  (SELECT clinnova.coxph(NULL, "time", status = 1, ARRAY[trt, karno, age], celltype, NULL, NULL, NULL) FROM veteran),
  (:'ref'::jsonb)->'curve');
-- heavy ties
\set ref `cat test/data/cox_ties_efron.json`
SELECT * FROM pg_temp.summary('cox_ties_efron curve', 'pg_temp.curve_items(clinnova.coxmodel, jsonb)',
  (SELECT clinnova.coxph("time", status = 1, ARRAY[x1, x2, x3]) FROM tied), (:'ref'::jsonb)->'curve');
SELECT * FROM pg_temp.summary('cox_ties_efron basehaz', 'pg_temp.basehaz_items(clinnova.coxmodel, jsonb)',
  (SELECT clinnova.coxph("time", status = 1, ARRAY[x1, x2, x3]) FROM tied), (:'ref'::jsonb)->'basehaz');
\set ref `cat test/data/cox_ties_breslow.json`
SELECT * FROM pg_temp.summary('cox_ties_breslow curve', 'pg_temp.curve_items(clinnova.coxmodel, jsonb)',
  (SELECT clinnova.coxph("time", status = 1, ARRAY[x1, x2, x3], '{"ties": "breslow"}') FROM tied),
  (:'ref'::jsonb)->'curve');
-- aliased terms count 0 in the prediction, as R's NA coefficients
\set ref `cat test/data/cox_lung_collinear.json`
SELECT * FROM pg_temp.summary('cox_lung_collinear curve', 'pg_temp.curve_items(clinnova.coxmodel, jsonb)',
  (SELECT clinnova.coxph("time", status = 2, ARRAY[age, sex, 2 * age, 3], NULL) FROM lung),
  (:'ref'::jsonb)->'curve');
\set ref `cat test/data/cox_lung_age.json`
SELECT * FROM pg_temp.summary('cox_lung_age curve', 'pg_temp.curve_items(clinnova.coxmodel, jsonb)',
  (SELECT clinnova.coxph("time", status = 2, ARRAY[age]) FROM lung), (:'ref'::jsonb)->'curve');
SELECT * FROM pg_temp.summary('cox_lung_age basehaz', 'pg_temp.basehaz_items(clinnova.coxmodel, jsonb)',
  (SELECT clinnova.coxph("time", status = 2, ARRAY[age]) FROM lung), (:'ref'::jsonb)->'basehaz');

-- ---- predict_surv: the curve read at any time ----
SELECT t, round(clinnova.predict_surv(m, ARRAY[60, 1, 0], t)::numeric, 9) AS surv
FROM models, unnest(ARRAY[0, 4.99, 5, 11, 11.5, 12, 500, 1022, 1022.5, 5000]::float8[]) AS t
WHERE name = 'lung_efron' ORDER BY t;
SELECT bool_and(clinnova.predict_surv(m, ARRAY[70, 2, 2], c.time) = c.surv) AS surv_matches_curve
FROM models, clinnova.predict_curve(m, ARRAY[70, 2, 2]) c WHERE name = 'lung_breslow';

-- stratified model: a curve per stratum, or the named one; predict_surv needs the stratum
CREATE TEMP TABLE vstrata AS
SELECT clinnova.coxph(NULL, "time", status = 1, ARRAY[trt, karno, age], celltype, NULL, NULL, NULL) AS m FROM veteran;
SELECT strata, count(*) AS times, round(min(surv)::numeric, 6) AS last_surv
FROM vstrata, clinnova.predict_curve(m, ARRAY[2, 60, 65]) GROUP BY strata ORDER BY strata;
SELECT count(*) AS adeno_times FROM vstrata, clinnova.predict_curve(m, ARRAY[2, 60, 65], 'adeno');
SELECT round(clinnova.predict_surv(m, ARRAY[2, 60, 65], 100, 'large')::numeric, 9) AS large_at_100 FROM vstrata;
SELECT clinnova.predict_surv(m, ARRAY[2, 60, 65], 100) FROM vstrata;
SELECT clinnova.predict_surv(m, ARRAY[2, 60, 65], 100, 'oat cell') FROM vstrata;

-- ---- bad input ----
SELECT clinnova.predict_lp(m, ARRAY[60, 1]) FROM models WHERE name = 'lung_efron';
SELECT clinnova.predict_lp(m, ARRAY[60, NULL, 1]) FROM models WHERE name = 'lung_efron';
SELECT clinnova.predict_lp(m, ARRAY[60, 'NaN'::float8, 1]) FROM models WHERE name = 'lung_efron';
SELECT clinnova.predict(m, ARRAY[60, 1, 0], 'survival') FROM models WHERE name = 'lung_efron';
SELECT clinnova.predict_surv(m, ARRAY[60, 1, 0], 'NaN') FROM models WHERE name = 'lung_efron';
SELECT clinnova.predict_lp(NULL::clinnova.coxmodel, ARRAY[60, 1, 0]) IS NULL AS null_model_null_lp;
SELECT count(*) AS null_model_no_rows FROM clinnova.predict_curve(NULL, ARRAY[60, 1, 0]);
-- a model kept without its baseline hazard predicts lp and risk, but no survival
CREATE TEMP TABLE nobase AS
SELECT clinnova.coxph("time", status = 2, ARRAY[age, sex, ph_ecog], '{"baseline": false}') AS m FROM lung WHERE ph_ecog IS NOT NULL;
SELECT round(clinnova.predict_risk(m, ARRAY[60, 1, 0])::numeric, 12) AS risk FROM nobase;
SELECT * FROM nobase, clinnova.predict_curve(m, ARRAY[60, 1, 0]);
SELECT clinnova.coxph_basehaz(m) FROM nobase;

-- ---- scoring many rows: the parsed model is cached per query and switched correctly ----
-- a stored (TOASTed) model joined to every row
SELECT count(*) AS rows_scored,
       bool_and(pg_temp.rel_ok(clinnova.predict_risk(m.m, ARRAY[l.age, l.sex, l.ph_ecog]), r.risk, 1e-8)) AS all_match
FROM pred_rows r JOIN lung_rows l USING (rn) CROSS JOIN (SELECT m FROM models WHERE name = 'lung_efron') m
WHERE r.ties = 'efron';
-- two models alternating from row to row
SELECT count(*) AS rows_scored,
       bool_and(pg_temp.rel_ok(clinnova.predict_lp(CASE WHEN l.rn % 2 = 0 THEN me.m ELSE mb.m END,
                                                   ARRAY[l.age, l.sex, l.ph_ecog]), r.lp, 1e-8)) AS all_match
FROM pred_rows r JOIN lung_rows l USING (rn),
     (SELECT m FROM models WHERE name = 'lung_efron') me, (SELECT m FROM models WHERE name = 'lung_breslow') mb
WHERE r.ties = CASE WHEN l.rn % 2 = 0 THEN 'efron' ELSE 'breslow' END;
