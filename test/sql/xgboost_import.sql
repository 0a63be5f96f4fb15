-- XGBoost models imported with import_xgboost score as python3-xgboost 1.7 predicts
-- (fixtures and their generator in test/data/models_xgb_gen.py): margins bit for bit,
-- responses to 1e-6 (xgboost rounds them to float32), missing values, split thresholds.
\i test/lib/regress_helpers.sql
SET extra_float_digits = 0;
CREATE SCHEMA xgboost_import_test;
SET search_path = xgboost_import_test;

CREATE TABLE xdata (id int, age float8, sex float8, ph_ecog float8, ph_karno float8,
                    pat_karno float8, meal_cal float8, wt_loss float8);
\copy xdata FROM 'test/data/models_xgb_data.csv' WITH (FORMAT csv, HEADER true)
CREATE TABLE pred (model text, id int, margin float8, response float8);
\copy pred FROM 'test/data/models_xgb_pred.csv' WITH (FORMAT csv, HEADER true)
CREATE TABLE edges (model text, id int, x text, margin float8);
\copy edges FROM 'test/data/models_xgb_edges.csv' WITH (FORMAT csv, HEADER true)

CREATE TABLE tm (name text PRIMARY KEY, m clinnova.treemodel);
\set j `cat test/data/models_xgb_logistic.json`
INSERT INTO tm VALUES ('logistic', clinnova.import_xgboost(:'j'));
\set j `cat test/data/models_xgb_logistic_base.json`
INSERT INTO tm VALUES ('logistic_base', clinnova.import_xgboost(:'j'));
\set j `cat test/data/models_xgb_logitraw.json`
INSERT INTO tm VALUES ('logitraw', clinnova.import_xgboost(:'j'));
\set j `cat test/data/models_xgb_reg_logistic.json`
INSERT INTO tm VALUES ('reg_logistic', clinnova.import_xgboost(:'j'));
\set j `cat test/data/models_xgb_squared.json`
INSERT INTO tm VALUES ('squared', clinnova.import_xgboost(:'j'));
\set j `cat test/data/models_xgb_cox.json`
INSERT INTO tm VALUES ('cox', clinnova.import_xgboost(:'j'));
\set j `cat test/data/models_xgb_poisson.json`
INSERT INTO tm VALUES ('poisson', clinnova.import_xgboost(:'j'));
\set j `cat test/data/models_xgb_gamma.json`
INSERT INTO tm VALUES ('gamma', clinnova.import_xgboost(:'j'));
\set j `cat test/data/models_xgb_tweedie.json`
INSERT INTO tm VALUES ('tweedie', clinnova.import_xgboost(:'j'));
\set j `cat test/data/models_xgb_forest.json`
INSERT INTO tm VALUES ('forest', clinnova.import_xgboost(:'j'));

SELECT name, i.* FROM tm, clinnova.treemodel_info(m) i ORDER BY name;
SELECT name, clinnova.model_features(m) FROM tm WHERE name IN ('logistic', 'logistic_base') ORDER BY name;

-- every row of the lung data (NULLs are missing values) against xgboost's predictions
SELECT p.model, count(*) AS rows,
       count(*) FILTER (WHERE x.features::text LIKE '%NULL%') AS with_missing,
       bool_and(clinnova.predict(tm.m, x.features, 'margin') = p.margin) AS margin_bitwise,
       bool_and(pg_temp.close_enough(clinnova.predict(tm.m, x.features), p.response, 1e-6)) AS response
FROM pred p JOIN tm ON tm.name = p.model
     JOIN (SELECT id, ARRAY[age, sex, ph_ecog, ph_karno, pat_karno, meal_cal, wt_loss] AS features FROM xdata) x USING (id)
GROUP BY p.model ORDER BY p.model;

-- NaN is missing too, as in xgboost's DMatrix
SELECT bool_and(clinnova.predict(m, ARRAY[age, sex, coalesce(ph_ecog, 'NaN'), ph_karno, pat_karno,
                                          coalesce(meal_cal, 'NaN'), coalesce(wt_loss, 'NaN')])
                = clinnova.predict(m, ARRAY[age, sex, ph_ecog, ph_karno, pat_karno, meal_cal, wt_loss])) AS nan_is_missing
FROM xdata, tm WHERE tm.name = 'logistic';

-- rows at, just below and just above split thresholds, including doubles that round to the
-- float32 threshold (x < threshold is decided in float32, as xgboost does)
SELECT e.model, count(*) AS rows,
       bool_and(clinnova.predict(tm.m, ARRAY(SELECT v::float8 FROM jsonb_array_elements_text(e.x::jsonb) v), 'margin')
                = e.margin) AS margin_bitwise
FROM edges e JOIN tm ON tm.name = e.model GROUP BY e.model ORDER BY e.model;

-- a value that is below the threshold as a double but equal to it as a float32 goes right
SELECT split_indices[1] AS feature, split_conditions[1] AS threshold,
       clinnova.predict(m, x_below_f32, 'margin') = clinnova.predict(m, x_at, 'margin') AS same_as_at_threshold,
       clinnova.predict(m, x_below_f32, 'margin') <> clinnova.predict(m, x_below, 'margin') AS differs_from_below
FROM (SELECT m, (t ->> 'split_indices')::jsonb AS si, t FROM tm,
             jsonb_array_elements(m::text::jsonb -> 'trees') WITH ORDINALITY a(t, k)
      WHERE name = 'logistic' AND k = 1) s,
     LATERAL (SELECT ARRAY(SELECT x::int FROM jsonb_array_elements_text(t -> 'split_indices') x) AS split_indices,
                     ARRAY(SELECT x::float4 FROM jsonb_array_elements_text(t -> 'split_conditions') x) AS split_conditions) a,
     LATERAL (SELECT array_fill(NULL::float8, ARRAY[7]) AS blank) b,
     LATERAL (SELECT blank[:split_indices[1]] || split_conditions[1]::float8 || blank[split_indices[1] + 2:] AS x_at,
                     blank[:split_indices[1]] || (split_conditions[1]::float8 - 1e-9) || blank[split_indices[1] + 2:] AS x_below_f32,
                     blank[:split_indices[1]] || (split_conditions[1]::float8 - 1e-3) || blank[split_indices[1] + 2:] AS x_below) c;

-- ---- inputs predict refuses ----
SELECT clinnova.predict(m, ARRAY[1, 2, 3]) FROM tm WHERE name = 'logistic';
SELECT clinnova.predict(m, ARRAY[60, 1, 1, 80, 80, 'Infinity'::float8, 5]) FROM tm WHERE name = 'logistic';
SELECT clinnova.predict(m, ARRAY[60, 1, 1, 80, 80, 1e300, 5]) FROM tm WHERE name = 'logistic';
SELECT clinnova.predict(m, ARRAY[[60, 1, 1, 80, 80, 1, 5]]) FROM tm WHERE name = 'logistic';
SELECT clinnova.predict(m, ARRAY[60, 1, 1, 80, 80, 1, 5], 'probability') FROM tm WHERE name = 'logistic';
SELECT clinnova.predict(m, NULL) IS NULL AS null_x FROM tm WHERE name = 'logistic';

-- ---- unsupported models are refused, naming what is unsupported ----
\set j `cat test/data/models_xgb_unsupported_gblinear.json`
SELECT clinnova.import_xgboost(:'j');
\set j `cat test/data/models_xgb_unsupported_dart.json`
SELECT clinnova.import_xgboost(:'j');
\set j `cat test/data/models_xgb_unsupported_multiclass.json`
SELECT clinnova.import_xgboost(:'j');
\set j `cat test/data/models_xgb_unsupported_categorical.json`
SELECT clinnova.import_xgboost(:'j');
\set j `cat test/data/models_xgb_cox.json`
SELECT clinnova.import_xgboost(jsonb_set(:'j', '{learner,objective,name}', '"rank:pairwise"'));
SELECT clinnova.import_xgboost(jsonb_set(:'j', '{learner,gradient_booster,model,gbtree_model_param,size_leaf_vector}', '"2"'));
-- ---- malformed documents ----
SELECT clinnova.import_xgboost('{}');
SELECT clinnova.import_xgboost('[1, 2]');
SELECT clinnova.import_xgboost(:'j'::jsonb #- '{learner,learner_model_param,base_score}');
SELECT clinnova.import_xgboost(jsonb_set(:'j', '{learner,learner_model_param,base_score}', '"-1"'));
SELECT clinnova.import_xgboost(jsonb_set(:'j', '{learner,learner_model_param,num_feature}', '"2"'));
SELECT clinnova.import_xgboost(jsonb_set(:'j', '{learner,gradient_booster,model,gbtree_model_param,num_trees}', '"16"'));
SELECT clinnova.import_xgboost(jsonb_set(:'j', '{learner,gradient_booster,model,trees,0,left_children,0}', '0'));
SELECT clinnova.import_xgboost(jsonb_set(:'j', '{learner,gradient_booster,model,trees,0,left_children,0}', '99'));
SELECT clinnova.import_xgboost(jsonb_set(:'j', '{learner,gradient_booster,model,trees,0,left_children}', '[1, 2]'));
SELECT clinnova.import_xgboost(jsonb_set(:'j', '{learner,gradient_booster,model,trees,0,split_conditions,0}', '"x"'));
SELECT clinnova.import_xgboost(jsonb_set(:'j', '{learner,gradient_booster,model,trees,0,split_conditions,0}', '1e40'));
SELECT clinnova.import_xgboost(jsonb_set(:'j', '{learner,gradient_booster,model,trees,0,split_indices,0}', '7'));
SELECT clinnova.import_xgboost(jsonb_set(:'j', '{learner,gradient_booster,model,trees,0,tree_param}', '[]'));
SELECT clinnova.import_xgboost(jsonb_set(:'j', '{learner,feature_names,1}', '"age"'));
-- two parents for one node: not a tree
SELECT clinnova.import_xgboost(jsonb_set(jsonb_set(:'j', '{learner,gradient_booster,model,trees,0,left_children,1}', '5'),
                                         '{learner,gradient_booster,model,trees,0,right_children,1}', '6'));
-- deeply nested: a valid JSON document of the wrong shape
SELECT clinnova.import_xgboost(('{"learner": ' || repeat('[', 5000) || repeat(']', 5000) || '}')::jsonb);

-- ---- text and binary round trips of treemodel ----
SELECT name, m::text::clinnova.treemodel::text = m::text AS text_round_trip FROM tm ORDER BY name;
SELECT '{"objective": "reg:squarederror", "base_score": 0.5, "num_feature": 2, "feature_names": ["a", "b"], "trees": [{"split_indices": [1, 0, 0], "split_conditions": [2.5, 0.1, -0.1], "left_children": [1, -1, -1], "right_children": [2, -1, -1], "default_left": [1, 0, 0]}]}'::clinnova.treemodel;
SELECT clinnova.predict(m, ARRAY[0, 1]) AS left, clinnova.predict(m, ARRAY[0, 3]) AS right,
       clinnova.predict(m, ARRAY[0, NULL]) AS missing_goes_left
FROM (SELECT '{"objective": "reg:squarederror", "base_score": 0.5, "num_feature": 2, "feature_names": [], "trees": [{"split_indices": [1, 0, 0], "split_conditions": [2.5, 0.1, -0.1], "left_children": [1, -1, -1], "right_children": [2, -1, -1], "default_left": [1, 0, 0]}]}'::clinnova.treemodel AS m) s;
SELECT '{"objective": "reg:squarederror", "base_score": 0.5, "num_feature": 2, "feature_names": [], "trees": [{"split_indices": [1, 0, 0], "split_conditions": [2.5, 0.1, -0.1], "left_children": [1, -1, -1], "right_children": [2, -1, 0], "default_left": [1, 0, 0]}]}'::clinnova.treemodel;
SELECT '{"objective": "multi:softmax", "base_score": 0.5, "num_feature": 0, "feature_names": [], "trees": []}'::clinnova.treemodel;
\copy (SELECT name, m FROM tm) TO '/tmp/clinnova_treemodel.bin' WITH (FORMAT binary)
CREATE TABLE tm_copy (name text, m clinnova.treemodel);
\copy tm_copy FROM '/tmp/clinnova_treemodel.bin' WITH (FORMAT binary)
SELECT a.name, a.m::text = b.m::text AS binary_round_trip FROM tm a JOIN tm_copy b USING (name) ORDER BY a.name;

-- ---- scoring in parallel workers equals scoring in the leader ----
-- (the model reaches the workers as the value of an initplan)
CREATE TABLE many AS SELECT g, ARRAY[40 + g % 40, 1 + g % 2, g % 4, 50 + g % 50, NULL, g % 1000, g % 30]::float8[] AS x
FROM generate_series(1, 50000) g;
ANALYZE many;
SELECT pg_temp.force_parallel();
EXPLAIN (COSTS OFF) SELECT sum(clinnova.predict((SELECT m FROM tm WHERE name = 'logistic'), x)) FROM many;
CREATE TABLE par AS SELECT sum(clinnova.predict((SELECT m FROM tm WHERE name = 'logistic'), x)) AS s, count(*) AS n FROM many;
SELECT pg_temp.serial_only();
CREATE TABLE ser AS SELECT sum(clinnova.predict((SELECT m FROM tm WHERE name = 'logistic'), x)) AS s, count(*) AS n FROM many;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather; RESET parallel_leader_participation;
SELECT par.n = ser.n AS n, pg_temp.close_enough(par.s, ser.s, 1e-12) AS sum FROM par, ser;

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA xgboost_import_test CASCADE;
