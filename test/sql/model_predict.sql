-- Scoring: predict() for glmmodel and treemodel, predict_interval(), argument checks, and the
-- per-query model cache (models changing from row to row, models stored out of line).
\i test/lib/regress_helpers.sql
SET extra_float_digits = 0;
CREATE SCHEMA model_predict_test;
SET search_path = model_predict_test;

CREATE TABLE lung (id serial, inst int, time float8, status int, age float8, sex float8,
                   ph_ecog float8, ph_karno float8, pat_karno float8, meal_cal float8, wt_loss float8);
\copy lung(inst, time, status, age, sex, ph_ecog, ph_karno, pat_karno, meal_cal, wt_loss) FROM 'test/data/lung.csv' WITH (FORMAT csv, HEADER true)
CREATE TABLE rows AS
SELECT id, status = 2 AS dead, time, ARRAY[age, sex, ph_ecog] AS x FROM lung WHERE ph_ecog IS NOT NULL;

CREATE TABLE glms (name text PRIMARY KEY, m clinnova.glmmodel);
INSERT INTO glms
SELECT 'all', clinnova.logreg(dead, x, '{"terms": ["age", "sex", "ph.ecog"]}'::jsonb) FROM rows
UNION ALL
-- (sex is constant among women, so its coefficient is aliased)
SELECT 'women', clinnova.logreg(dead, x, '{"terms": ["age", "sex", "ph.ecog"]}'::jsonb) FROM rows WHERE x[2] = 2
UNION ALL
SELECT 'rate', clinnova.poisson(dead::int, x, ln(time), '{"terms": ["age", "sex", "ph.ecog"]}'::jsonb) FROM rows;

-- ---- glmmodel ----
-- the response is the inverse link of the linear predictor
SELECT bool_and(pg_temp.close_enough(clinnova.predict(m, x), 1 / (1 + exp(-clinnova.predict(m, x, 'link'))), 1e-15)) AS logistic
FROM rows, glms WHERE name = 'all';
-- the offset enters the linear predictor: expected deaths over the follow-up vs the daily rate
SELECT round(clinnova.predict(m, ARRAY[60, 1, 1], 'response', ln(365))::numeric, 6) AS deaths_in_a_year,
       round((365 * clinnova.predict(m, ARRAY[60, 1, 1]))::numeric, 6) AS rate_times_365
FROM glms WHERE name = 'rate';
-- an aliased term (NULL coefficient) contributes nothing, as in R's predict
SELECT bool_and(pg_temp.close_enough(clinnova.predict(a.m, x || (x[2] + x[3])), clinnova.predict(b.m, x), 1e-12)) AS aliased_ignored
FROM rows,
     (SELECT clinnova.logreg(dead, x || (x[2] + x[3])) AS m FROM rows) a,
     (SELECT clinnova.logreg(dead, x) AS m FROM rows) b;
-- predict_interval: on the link scale fit +- z se; on the response scale mapped by the link
SELECT round(fit::numeric, 6) AS fit, round(se::numeric, 6) AS se, round(lower::numeric, 6) AS lower,
       round(upper::numeric, 6) AS upper
FROM glms, clinnova.predict_interval(m, ARRAY[60, 1, 1], 'link') WHERE name = 'all'
UNION ALL
SELECT round(fit::numeric, 6), round(se::numeric, 6), round(lower::numeric, 6), round(upper::numeric, 6)
FROM glms, clinnova.predict_interval(m, ARRAY[60, 1, 1]) WHERE name = 'all'
UNION ALL
SELECT round(fit::numeric, 6), round(se::numeric, 6), round(lower::numeric, 6), round(upper::numeric, 6)
FROM glms, clinnova.predict_interval(m, ARRAY[60, 1, 1], 'response', 0.5) WHERE name = 'all';
SELECT * FROM clinnova.predict_interval(NULL, ARRAY[60, 1, 1]);
-- argument checks
SELECT clinnova.predict(m, ARRAY[60, 1]) FROM glms WHERE name = 'all';
SELECT clinnova.predict(m, ARRAY[60, 1, NULL]) FROM glms WHERE name = 'all';
SELECT clinnova.predict(m, ARRAY[60, 1, 'NaN'::float8]) FROM glms WHERE name = 'all';
SELECT clinnova.predict(m, ARRAY[60, 1, 1], 'margin') FROM glms WHERE name = 'all';
SELECT clinnova.predict(m, ARRAY[60, 1, 1], 'link', 'Infinity') FROM glms WHERE name = 'all';
SELECT clinnova.predict_interval(m, ARRAY[60, 1, 1], 'link', 1) FROM glms WHERE name = 'all';
SELECT clinnova.predict(NULL::clinnova.glmmodel, ARRAY[60, 1, 1]) IS NULL AS null_model;

-- ---- the per-query model cache ----
-- models alternating from row to row give each row its own model's prediction
SELECT bool_and(clinnova.predict(g.m, r.x) =
                CASE g.name WHEN 'all' THEN clinnova.predict((SELECT m FROM glms WHERE name = 'all'), r.x)
                            ELSE clinnova.predict((SELECT m FROM glms WHERE name = 'women'), r.x) END) AS glm_alternating,
       count(DISTINCT g.name) AS models
FROM rows r JOIN glms g ON g.name = CASE WHEN r.id % 2 = 0 THEN 'all' ELSE 'women' END;
-- tree models stored out of line (TOAST pointers identify them), alternating too
CREATE TABLE trees (name text PRIMARY KEY, m clinnova.treemodel);
ALTER TABLE trees ALTER COLUMN m SET STORAGE EXTERNAL;
\set j `cat test/data/models_xgb_logistic.json`
INSERT INTO trees VALUES ('logistic', clinnova.import_xgboost(:'j'));
\set j `cat test/data/models_xgb_squared.json`
INSERT INTO trees VALUES ('squared', clinnova.import_xgboost(:'j'));
SELECT name, pg_column_size(m) > 2000 AS out_of_line FROM trees ORDER BY name;
CREATE TABLE xdata (id int, age float8, sex float8, ph_ecog float8, ph_karno float8,
                    pat_karno float8, meal_cal float8, wt_loss float8);
\copy xdata FROM 'test/data/models_xgb_data.csv' WITH (FORMAT csv, HEADER true)
SELECT bool_and(clinnova.predict(t.m, f.x) =
                CASE t.name WHEN 'logistic' THEN clinnova.predict((SELECT m FROM trees WHERE name = 'logistic'), f.x)
                            ELSE clinnova.predict((SELECT m FROM trees WHERE name = 'squared'), f.x) END) AS tree_alternating,
       count(DISTINCT t.name) AS models
FROM (SELECT id, ARRAY[age, sex, ph_ecog, ph_karno, pat_karno, meal_cal, wt_loss] AS x FROM xdata) f
     JOIN trees t ON t.name = CASE WHEN f.id % 3 = 0 THEN 'logistic' ELSE 'squared' END;
-- the same model value given inline (a Const) and from the table score alike
SELECT bool_and(clinnova.predict(t.m, ARRAY[60, 1, 1, 80, 80, 1000, 5]) =
                clinnova.predict(t.m::text::clinnova.treemodel, ARRAY[60, 1, 1, 80, 80, 1000, 5])) AS same
FROM trees t;

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA model_predict_test CASCADE;
