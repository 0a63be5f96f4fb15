-- The model registry: register_model (versions, validation), score by feature name, and
-- rank_treatments for one patient over candidate drugs (ATC codes).
\i test/lib/regress_helpers.sql
SET extra_float_digits = 0;
CREATE SCHEMA model_registry_test;
SET search_path = model_registry_test, clinnova;
\set SHOW_CONTEXT never

-- a synthetic IBD cohort: three biologics, response depends on age, CRP, prior surgery and drug
CREATE TABLE ibd AS
SELECT g AS id, 20 + (g * 37 % 50) AS age, ((g * 7919) % 1000) / 10.0 AS crp, (g % 5 = 0)::int AS prior_surgery,
       (CASE g % 3 WHEN 0 THEN 'ATC:L04AB02' WHEN 1 THEN 'ATC:L04AG05' ELSE 'ATC:L04AC05' END)::clinnova.code AS drug,
       ((g::bigint * 2654435761) % 4294967296) / 4294967296.0 AS u
FROM generate_series(1, 3000) g;
ALTER TABLE ibd ADD COLUMN response boolean;
UPDATE ibd SET response = u < 1 / (1 + exp(-(0.5 - 0.02 * (age - 45) - 0.015 * crp - 0.5 * prior_surgery
                                         + 0.6 * (drug = 'ATC:L04AG05')::int + 0.3 * (drug = 'ATC:L04AC05')::int)));
CREATE TABLE fits AS
SELECT clinnova.logreg(response,
         ARRAY[age, crp, prior_surgery, (drug = 'ATC:L04AG05')::int, (drug = 'ATC:L04AC05')::int],
         '{"terms": ["age", "crp", "prior_surgery", "vedolizumab", "ustekinumab"]}'::jsonb) AS m
FROM ibd;
SELECT term, round(coef::numeric, 3) AS coef, round(p::numeric, 4) AS p FROM fits, clinnova.glm_coefs(m);
-- an unnamed fit (x1, x2, ...) takes its names at registration
SELECT clinnova.register_model('crp_lm', clinnova.linreg(crp, ARRAY[age, prior_surgery]), features => ARRAY['age', 'prior_surgery']) AS version
FROM ibd;
SELECT features FROM clinnova.model_registry WHERE name = 'crp_lm';

-- ---- register ----
SELECT clinnova.register_model(
  name => 'ibd_response', model => m,
  feature_codes => ARRAY[NULL, 'LOINC:1988-5', NULL, NULL, NULL]::clinnova.code[],
  outcome => 'clinical response at week 14',
  provenance => '{"site": "test", "data": "synthetic cohort of 3000", "fitted_with": "clinnova.logreg"}',
  metrics => '{"aic": 3700}',
  treatment_encoding => '{"features": ["vedolizumab", "ustekinumab"],
                          "codes": {"ATC:L04AB02": {"vedolizumab": 0, "ustekinumab": 0},
                                    "atc:l04ag05": {"vedolizumab": 1, "ustekinumab": 0},
                                    "ATC:L04AC05": {"vedolizumab": 0, "ustekinumab": 1}}}') AS version
FROM fits;
-- registering again makes a new version (here with new metrics, the same encoding)
SELECT clinnova.register_model('ibd_response', m, outcome => 'clinical response at week 14',
         metrics => '{"aic": 3700, "auc": 0.66}',
         treatment_encoding => (SELECT treatment_encoding FROM clinnova.model_registry
                                WHERE name = 'ibd_response' AND version = 1)) AS version
FROM fits;
SELECT name, version, kind, features, feature_codes, outcome, metrics, created_by = current_user AS by_me
FROM clinnova.model_registry ORDER BY name, version;
-- the stored encoding is normalised: canonical codes, and the default direction for a
-- logistic model (a higher probability of the modelled outcome is better)
SELECT jsonb_pretty(treatment_encoding) FROM clinnova.model_registry WHERE name = 'ibd_response' AND version = 1;
-- the registry is part of pg_dump's output (an extension configuration table)
SELECT 'clinnova.model_registry'::regclass = ANY (extconfig) AS dumped FROM pg_extension WHERE extname = 'clinnova';

-- ---- score by feature name ----
SELECT round(clinnova.score('ibd_response', '{"age": 30, "crp": 5, "prior_surgery": 0, "vedolizumab": 1, "ustekinumab": 0}')::numeric, 10) AS p,
       round(clinnova.predict(m, ARRAY[30, 5, 0, 1, 0])::numeric, 10) AS direct
FROM fits;
SELECT round(clinnova.score('ibd_response', '{"age": 30, "crp": 5, "prior_surgery": 0, "vedolizumab": 1, "ustekinumab": 0}',
                            version => 1, type => 'link')::numeric, 10) AS link;
SELECT clinnova.score('ibd_response', '{"age": 30, "crp": 5, "prior_surgery": 0, "vedolizumab": 1}');
SELECT clinnova.score('ibd_response', '{"age": 30, "crp": 5, "prior_surgery": 0, "vedolizumab": 1, "ustekinumab": 0, "weight": 70}');
SELECT clinnova.score('ibd_response', '{"age": "thirty", "crp": 5, "prior_surgery": 0, "vedolizumab": 1, "ustekinumab": 0}');
SELECT clinnova.score('ibd_response', '{"age": null, "crp": 5, "prior_surgery": 0, "vedolizumab": 1, "ustekinumab": 0}');
SELECT clinnova.score('ibd_response', '[30, 5, 0, 1, 0]');
SELECT clinnova.score('crohn_response', '{}');
SELECT clinnova.score('ibd_response', '{}', version => 7);

-- ---- rank candidate drugs for one patient ----
-- probability of response with a 95% interval from the coefficient covariance (delta method on
-- the logit scale), best first; labels from the vocabulary
SELECT rank, treatment, label, measure, round(predicted::numeric, 6) AS predicted,
       round(lower::numeric, 6) AS lower, round(upper::numeric, 6) AS upper, rmst
FROM clinnova.rank_treatments('ibd_response', '{"age": 62, "crp": 48, "prior_surgery": 1}',
                              ARRAY['ATC:L04AB02', 'ATC:L04AG05', 'ATC:L04AC05']::clinnova.code[]);
-- the numbers are predict_interval's for the encoded covariates
SELECT bool_and(pg_temp.close_enough(r.predicted, i.fit, 1e-14) AND pg_temp.close_enough(r.lower, i.lower, 1e-14)
                AND pg_temp.close_enough(r.upper, i.upper, 1e-14)) AS same
FROM clinnova.rank_treatments('ibd_response', '{"age": 62, "crp": 48, "prior_surgery": 1, "vedolizumab": 1, "ustekinumab": 1}',
                              ARRAY['ATC:L04AB02', 'ATC:L04AG05', 'ATC:L04AC05']::clinnova.code[]) r,
     fits,
     LATERAL clinnova.predict_interval(m, ARRAY[62, 48, 1, (r.treatment = 'ATC:L04AG05')::int, (r.treatment = 'ATC:L04AC05')::int]) i;
-- a narrower interval on request; an empty candidate list ranks nothing
SELECT rank, treatment, round(lower::numeric, 6) AS lower, round(upper::numeric, 6) AS upper
FROM clinnova.rank_treatments('ibd_response', '{"age": 62, "crp": 48, "prior_surgery": 1}',
                              ARRAY['ATC:L04AB02']::clinnova.code[], conf_level => 0.5);
SELECT count(*) FROM clinnova.rank_treatments('ibd_response', '{"age": 62, "crp": 48, "prior_surgery": 1}', '{}');
-- errors
SELECT * FROM clinnova.rank_treatments('ibd_response', '{"age": 62, "crp": 48, "prior_surgery": 1}',
                                       ARRAY['ATC:L04AB04']::clinnova.code[]);
SELECT * FROM clinnova.rank_treatments('ibd_response', '{"age": 62, "crp": 48}', ARRAY['ATC:L04AB02']::clinnova.code[]);
SELECT * FROM clinnova.rank_treatments('ibd_response', '{"age": 62, "crp": 48, "prior_surgery": 1}',
                                       ARRAY['ATC:L04AB02']::clinnova.code[], horizon => 365);
SELECT * FROM clinnova.rank_treatments('crp_lm', '{"age": 62, "prior_surgery": 1}', ARRAY['ATC:L04AB02']::clinnova.code[]);

-- a class-level encoding: every TNF inhibitor (ATC L04AB) shares the "anti-TNF" coefficients
SELECT clinnova.register_model('ibd_class', m,
  treatment_encoding => '{"features": ["vedolizumab", "ustekinumab"], "better": "higher",
                          "codes": {"ATC:L04AB": {"vedolizumab": 0, "ustekinumab": 0},
                                    "ATC:L04AG05": {"vedolizumab": 1, "ustekinumab": 0},
                                    "ATC:L04AC05": {"vedolizumab": 0, "ustekinumab": 1}}}') AS version
FROM fits;
SELECT rank, treatment, label, round(predicted::numeric, 6) AS predicted
FROM clinnova.rank_treatments('ibd_class', '{"age": 62, "crp": 48, "prior_surgery": 1}',
                              ARRAY['ATC:L04AB02', 'ATC:L04AB04', 'ATC:L04AC05']::clinnova.code[]);

-- ---- validation at registration ----
SELECT clinnova.register_model('bad', m, features => ARRAY['a', 'b']) FROM fits;
SELECT clinnova.register_model('bad', m, features => ARRAY['age', 'crp', 'prior_surgery', 'vedolizumab', 'infliximab']) FROM fits;
SELECT clinnova.register_model('bad', m, feature_codes => ARRAY['LOINC:1988-5']::clinnova.code[]) FROM fits;
SELECT clinnova.register_model(' ', m) FROM fits;
SELECT clinnova.register_model('bad', m, provenance => '[]') FROM fits;
SELECT clinnova.register_model('bad', m, treatment_encoding => '{"features": ["vedolizumab"], "codes": {"ATC:L04AG05": {"vedolizumab": 1}}, "direction": "up"}') FROM fits;
SELECT clinnova.register_model('bad', m, treatment_encoding => '{"features": ["natalizumab"], "codes": {"ATC:L04AG05": {"natalizumab": 1}}}') FROM fits;
SELECT clinnova.register_model('bad', m, treatment_encoding => '{"features": ["vedolizumab"], "codes": {"ATC:L4": {"vedolizumab": 1}}}') FROM fits;
SELECT clinnova.register_model('bad', m, treatment_encoding => '{"features": ["vedolizumab"], "codes": {"ATC:L04AG05": {"vedolizumab": "yes"}}}') FROM fits;
SELECT clinnova.register_model('bad', m, treatment_encoding => '{"features": ["vedolizumab"], "codes": {"ATC:L04AG05": {"vedolizumab": 1}, "atc:l04ag05": {"vedolizumab": 1}}}') FROM fits;
SELECT clinnova.register_model('bad', m, treatment_encoding => '{"features": ["vedolizumab"], "codes": {"ATC:L04AG05": {"vedolizumab": 1}}, "better": "best"}') FROM fits;
SELECT clinnova.register_model('bad_lm', clinnova.linreg(crp, ARRAY[age]),
                               treatment_encoding => '{"features": ["x1"], "codes": {"ATC:L04AG05": {"x1": 1}}}') FROM ibd;
SELECT count(*) AS failed_registrations FROM clinnova.model_registry WHERE name LIKE 'bad%';

-- ---- a tree ensemble: features named at registration, null for a missing value ----
\set j `cat test/data/models_xgb_logistic_base.json`
SELECT clinnova.register_model('xgb_death', clinnova.import_xgboost(:'j'));
SELECT clinnova.register_model('xgb_death', clinnova.import_xgboost(:'j'),
         features => ARRAY['age', 'sex', 'ph.ecog', 'ph.karno', 'pat.karno', 'meal.cal', 'wt.loss'],
         outcome => 'death') AS version;
SELECT round(clinnova.score('xgb_death', '{"age": 60, "sex": 1, "ph.ecog": 1, "ph.karno": 80, "pat.karno": 90, "meal.cal": null, "wt.loss": 5}')::numeric, 6) AS p,
       round(clinnova.predict(clinnova.import_xgboost(:'j'), ARRAY[60, 1, 1, 80, 90, NULL, 5])::numeric, 6) AS direct;
-- a survival:cox ensemble ranks by hazard ratio, lowest first
\set j `cat test/data/models_xgb_cox.json`
SELECT clinnova.register_model('xgb_cox', clinnova.import_xgboost(:'j'),
         treatment_encoding => '{"features": ["ph.ecog"], "codes": {"LOCAL:demo/ecog0": {"ph.ecog": 0}, "LOCAL:demo/ecog2": {"ph.ecog": 2}}}') AS version;
SELECT rank, treatment, measure, round(predicted::numeric, 6) AS predicted, lower, upper
FROM clinnova.rank_treatments('xgb_cox', '{"age": 60, "sex": 1, "ph.karno": 80, "pat.karno": 90, "meal.cal": 1000, "wt.loss": 5}',
                              ARRAY['LOCAL:demo/ecog2', 'LOCAL:demo/ecog0']::clinnova.code[]);

-- ---- a Cox model: survival at a horizon with its band, and the restricted mean up to it ----
CREATE TABLE lung (id serial, inst int, time float8, status int, age float8, sex float8,
                   ph_ecog float8, ph_karno float8, pat_karno float8, meal_cal float8, wt_loss float8);
\copy lung(inst, time, status, age, sex, ph_ecog, ph_karno, pat_karno, meal_cal, wt_loss) FROM 'test/data/lung.csv' WITH (FORMAT csv, HEADER true)
SELECT clinnova.register_model('lung_cox',
         clinnova.coxph(time, status = 2, ARRAY[age, sex, ph_ecog], '{"terms": ["age", "sex", "ph.ecog"]}'::jsonb),
         outcome => 'death',
         treatment_encoding => '{"features": ["ph.ecog"], "codes": {"LOCAL:demo/ecog0": {"ph.ecog": 0},
                                 "LOCAL:demo/ecog1": {"ph.ecog": 1}, "LOCAL:demo/ecog2": {"ph.ecog": 2}}}') AS version
FROM lung WHERE ph_ecog IS NOT NULL;
SELECT rank, treatment, measure, round(predicted::numeric, 6) AS predicted, round(lower::numeric, 6) AS lower,
       round(upper::numeric, 6) AS upper, round(rmst::numeric, 4) AS rmst
FROM clinnova.rank_treatments('lung_cox', '{"age": 62, "sex": 1}',
                              ARRAY['LOCAL:demo/ecog2', 'LOCAL:demo/ecog0', 'LOCAL:demo/ecog1']::clinnova.code[], horizon => 365);
-- R: summary(survfit(coxph(Surv(time, status) ~ age + sex + ph.ecog, lung), newdata), times = 365)
-- and the restricted mean up to 365 (test/data/models_gen.R)
CREATE TABLE ref_cox_rank (ph_ecog int, surv float8, lower float8, upper float8, rmean float8);
\copy ref_cox_rank FROM 'test/data/models_ref_cox_rank.csv' WITH (FORMAT csv, HEADER true)
SELECT count(*) AS patients,
       bool_and(pg_temp.close_enough(r.predicted, f.surv, 1e-8) AND pg_temp.close_enough(r.lower, f.lower, 1e-8)
                AND pg_temp.close_enough(r.upper, f.upper, 1e-8) AND pg_temp.close_enough(r.rmst, f.rmean, 1e-8)) AS same_as_r
FROM clinnova.rank_treatments('lung_cox', '{"age": 62, "sex": 1}',
                              ARRAY['LOCAL:demo/ecog0', 'LOCAL:demo/ecog1', 'LOCAL:demo/ecog2']::clinnova.code[], horizon => 365) r
JOIN ref_cox_rank f ON 'LOCAL:demo/ecog' || f.ph_ecog = r.treatment::text;
SELECT round(clinnova.score('lung_cox', '{"age": 62, "sex": 1, "ph.ecog": 1}')::numeric, 6) AS risk;
SELECT * FROM clinnova.rank_treatments('lung_cox', '{"age": 62, "sex": 1}', ARRAY['LOCAL:demo/ecog0']::clinnova.code[]);
SELECT * FROM clinnova.rank_treatments('lung_cox', '{"age": 62, "sex": 1}', ARRAY['LOCAL:demo/ecog0']::clinnova.code[], horizon => 5000);

-- ---- the registry survives a text round trip of its rows (what pg_dump writes) ----
CREATE TABLE registry_copy AS SELECT * FROM clinnova.model_registry WHERE false;
\copy (SELECT * FROM clinnova.model_registry) TO '/tmp/clinnova_registry.txt'
\copy registry_copy FROM '/tmp/clinnova_registry.txt'
SELECT count(*) AS rows,
       bool_and(a.glm::text IS NOT DISTINCT FROM b.glm::text AND a.tree::text IS NOT DISTINCT FROM b.tree::text
                AND a.cox::text IS NOT DISTINCT FROM b.cox::text
                AND a.features = b.features AND a.treatment_encoding IS NOT DISTINCT FROM b.treatment_encoding) AS identical
FROM clinnova.model_registry a JOIN registry_copy b USING (name, version);

DELETE FROM clinnova.model_registry;
RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA model_registry_test CASCADE;
