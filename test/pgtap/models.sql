-- The models module's SQL contract: objects exist, and every bad input raises its SQLSTATE
-- (22023 bad argument, 22P02 malformed text, 22000 data problem, 54000/54001 limits).
\set xgb_cox `cat test/data/models_xgb_cox.json`
\set xgb_gblinear `cat test/data/models_xgb_unsupported_gblinear.json`
\set xgb_dart `cat test/data/models_xgb_unsupported_dart.json`
\set xgb_multiclass `cat test/data/models_xgb_unsupported_multiclass.json`
\set xgb_categorical `cat test/data/models_xgb_unsupported_categorical.json`
BEGIN;
SELECT plan(101);

CREATE TEMP TABLE docs (name text PRIMARY KEY, j jsonb);
INSERT INTO docs VALUES ('cox', :'xgb_cox'), ('gblinear', :'xgb_gblinear'), ('dart', :'xgb_dart'),
                        ('multiclass', :'xgb_multiclass'), ('categorical', :'xgb_categorical');

-- ---- objects ----
SELECT has_type('clinnova', 'glmmodel', 'type glmmodel exists');
SELECT has_type('clinnova', 'glmstep', 'type glmstep exists');
SELECT has_type('clinnova', 'treemodel', 'type treemodel exists');
SELECT has_function('clinnova', 'logreg', ARRAY['boolean', 'double precision[]'], 'logreg(y, x) exists');
SELECT has_function('clinnova', 'logreg', ARRAY['boolean', 'double precision[]', 'double precision', 'jsonb'], 'logreg(y, x, weight, options) exists');
SELECT has_function('clinnova', 'linreg', ARRAY['double precision', 'double precision[]'], 'linreg(y, x) exists');
SELECT has_function('clinnova', 'poisson', ARRAY['double precision', 'double precision[]', 'double precision'], 'poisson(y, x, offset) exists');
SELECT has_function('clinnova', 'logreg_step', ARRAY['boolean', 'double precision[]', 'double precision[]'], 'logreg_step(y, x, beta) exists');
SELECT has_function('clinnova', 'glmstep_merge', ARRAY['clinnova.glmstep'], 'glmstep_merge exists');
SELECT has_function('clinnova', 'glm_newton', ARRAY['clinnova.glmstep', 'double precision[]'], 'glm_newton exists');
SELECT has_function('clinnova', 'glmmodel_from_step', 'glmmodel_from_step exists');
SELECT has_function('clinnova', 'import_xgboost', ARRAY['jsonb'], 'import_xgboost exists');
SELECT has_function('clinnova', 'predict', ARRAY['clinnova.glmmodel', 'double precision[]', 'text', 'double precision'], 'predict(glmmodel, ...) exists');
SELECT has_function('clinnova', 'predict', ARRAY['clinnova.treemodel', 'double precision[]', 'text'], 'predict(treemodel, ...) exists');
SELECT is((SELECT proparallel FROM pg_proc WHERE oid = 'clinnova.logreg(boolean, float8[])'::regprocedure), 's',
          'logreg is parallel safe');
SELECT isnt((SELECT aggcombinefn FROM pg_aggregate WHERE aggfnoid = 'clinnova.logreg(boolean, float8[])'::regprocedure),
            0::regproc, 'logreg has a combine function');

CREATE TEMP TABLE d AS
SELECT g, (g % 3 = 0) AS y, g::float8 AS t, ARRAY[g::float8, (g % 7)::float8] AS x FROM generate_series(1, 50) g;

-- ---- fitting: bad rows ----
SELECT throws_ok('SELECT clinnova.logreg(y, ARRAY[t, NULL]) FROM d', '22023', 'x must not contain NULL elements',
                 'NULL element in x');
SELECT throws_ok($$SELECT clinnova.logreg(y, ARRAY[t, 'NaN']) FROM d$$, '22023', NULL, 'NaN in x');
SELECT throws_ok($$SELECT clinnova.logreg(y, ARRAY[t, '-Infinity']) FROM d$$, '22023', NULL, 'infinity in x');
SELECT throws_ok($$SELECT clinnova.linreg('NaN'::float8, x) FROM d$$, '22023', 'y must be finite', 'NaN y');
SELECT throws_ok($$SELECT clinnova.linreg('Infinity'::float8, x) FROM d$$, '22023', 'y must be finite', 'infinite y');
SELECT throws_ok('SELECT clinnova.poisson(-t, x) FROM d', '22023', NULL, 'negative poisson y');
SELECT throws_ok($$SELECT clinnova.poisson(t, x, 'NaN'::float8) FROM d$$, '22023', 'offset must be finite', 'NaN offset');
SELECT throws_ok('SELECT clinnova.linreg(t, x, -1::float8) FROM d', '22023', NULL, 'negative weight');
SELECT throws_ok('SELECT clinnova.linreg(t, CASE WHEN g = 7 THEN x[1:1] ELSE x END) FROM d', '22023',
                 'x must have the same length on every row', 'mismatched lengths of x');
SELECT throws_ok('SELECT clinnova.linreg(t, ARRAY[x]) FROM d', '22023', NULL, 'two-dimensional x');
SELECT throws_ok('SELECT clinnova.linreg(t, x, 0::float8) FROM d', '22000', NULL, 'all weights zero');
SELECT throws_ok('SELECT clinnova.linreg(t, array_fill(1::float8, ARRAY[1000])) FROM d', '54000', NULL,
                 'more than 1000 coefficients');
-- ---- fitting: bad options ----
SELECT throws_ok($$SELECT clinnova.linreg(t, x, '{"maxit": 3}'::jsonb) FROM d$$, '22023', 'invalid options', 'unknown option');
SELECT throws_ok($$SELECT clinnova.linreg(t, x, '{"tol": 0}'::jsonb) FROM d$$, '22023', 'invalid options', 'tol not positive');
SELECT throws_ok($$SELECT clinnova.linreg(t, x, '{"max_iter": "ten"}'::jsonb) FROM d$$, '22023', 'invalid options', 'max_iter not an integer');
SELECT throws_ok($$SELECT clinnova.linreg(t, x, '{"max_iter": 0}'::jsonb) FROM d$$, '22023', 'invalid options', 'max_iter below 1');
SELECT throws_ok($$SELECT clinnova.linreg(t, x, '{"conf_level": 95}'::jsonb) FROM d$$, '22023', 'invalid options', 'conf_level out of range');
SELECT throws_ok($$SELECT clinnova.linreg(t, x, '{"intercept": 1}'::jsonb) FROM d$$, '22023', 'invalid options', 'intercept not boolean');
SELECT throws_ok($$SELECT clinnova.linreg(t, x, '{"terms": ["a"]}'::jsonb) FROM d$$, '22023', NULL, 'too few term names');
SELECT throws_ok($$SELECT clinnova.linreg(t, x, '{"terms": ["a", "a"]}'::jsonb) FROM d$$, '22023', 'invalid options', 'duplicate term names');
SELECT throws_ok($$SELECT clinnova.linreg(t, x, '{"terms": ["a", 2]}'::jsonb) FROM d$$, '22023', 'invalid options', 'non-text term name');
SELECT throws_ok($$SELECT clinnova.linreg(t, x, '"terms"'::jsonb) FROM d$$, '22023', 'invalid options', 'options not an object');
SELECT throws_ok($$SELECT clinnova.linreg(t, x, CASE WHEN g = 3 THEN '{}' ELSE '{"tol": 1e-9}' END::jsonb) FROM d$$,
                 '22023', NULL, 'options changing between rows');

-- ---- glmmodel text input ----
SELECT throws_ok($$SELECT 'x'::clinnova.glmmodel$$, '22P02', NULL, 'glmmodel: not JSON');
SELECT throws_ok($$SELECT '{"family": "binomial"'::clinnova.glmmodel$$, '22P02', NULL, 'glmmodel: truncated JSON');
SELECT throws_ok($$SELECT '{}'::clinnova.glmmodel$$, '22P02', 'invalid glmmodel', 'glmmodel: missing fields');
SELECT throws_ok($$SELECT '[]'::clinnova.glmmodel$$, '22P02', 'invalid glmmodel', 'glmmodel: not an object');
SELECT throws_ok($$SELECT replace((SELECT clinnova.linreg(t, x)::text FROM d), '"gaussian"', '"weibull"')::clinnova.glmmodel$$,
                 '22P02', 'invalid glmmodel', 'glmmodel: unknown family');
SELECT throws_ok($$SELECT replace((SELECT clinnova.linreg(t, x)::text FROM d), '"coefficients": [', '"coefficients": [1, ')::clinnova.glmmodel$$,
                 '22P02', 'invalid glmmodel', 'glmmodel: coefficients of the wrong length');
SELECT throws_ok($$SELECT replace((SELECT clinnova.linreg(t, x)::text FROM d), '"x1"', '"x2"')::clinnova.glmmodel$$,
                 '22P02', 'invalid glmmodel', 'glmmodel: duplicate terms');

-- ---- steps ----
SELECT throws_ok($$SELECT clinnova.glmstep_merge(s) FROM (SELECT clinnova.logreg_step(y, x, ARRAY[0, 0, g % 2]) AS s FROM d GROUP BY g % 2) q$$,
                 '22023', NULL, 'merging steps at different coefficients');
SELECT throws_ok('SELECT clinnova.logreg_step(y, x, ARRAY[0, 0]) FROM d', '22023', NULL, 'beta of the wrong length');
SELECT throws_ok('SELECT clinnova.logreg_step(y, x, ARRAY[0, 0, g]) FROM d', '22023', NULL, 'beta changing between rows');
SELECT throws_ok($$SELECT clinnova.logreg_step(y, x, ARRAY[0, 0, 'Infinity'::float8]) FROM d$$, '22023', NULL, 'non-finite beta');
SELECT throws_ok('SELECT clinnova.glm_newton(clinnova.logreg_step(y, x, ARRAY[0, 0, 0]), ARRAY[1, 0, 0]) FROM d',
                 '22023', NULL, 'glm_newton with a different beta');
SELECT throws_ok('SELECT clinnova.glm_newton(clinnova.poisson_step(t, x, ARRAY[0, 900, 0])) FROM d', '22000', NULL,
                 'glm_newton on a step without finite deviance');
SELECT throws_ok('SELECT clinnova.glmmodel_from_step(s, s, 1, true) FROM (SELECT clinnova.logreg_step(y, x, NULL) AS s FROM d) q',
                 '22023', NULL, 'final step at the starting values');
SELECT throws_ok($$SELECT clinnova.glm_converged(s, s, 0) FROM (SELECT clinnova.logreg_step(y, x, NULL) AS s FROM d) q$$,
                 '22023', NULL, 'tol not positive');
SELECT throws_ok($$SELECT '{"family": "binomial"}'::clinnova.glmstep$$, '22P02', 'invalid glmstep', 'glmstep: missing fields');

-- ---- disclosure control for federation roles ----
CREATE ROLE regress_models_fed;
GRANT USAGE ON SCHEMA clinnova TO regress_models_fed;
GRANT SELECT ON d TO regress_models_fed;
SET clinnova.federation_roles = 'regress_models_fed';
SET clinnova.federation_guard = off;  -- test the final functions, not the guard
SET clinnova.min_cell_count = 20;
SET ROLE regress_models_fed;
SELECT throws_ok('SELECT clinnova.logreg_step(y, x, NULL) FROM d', '42501', 'this IRLS step describes too few people to leave this site',
                 'a step with 16 cases among 50 rows is refused at min_cell_count 20');
SELECT throws_ok('SELECT clinnova.logreg(y, x) FROM d', '42501', NULL, 'so is the fitted model');
SELECT lives_ok('SELECT clinnova.linreg_step(t, x, NULL) FROM d', 'a linear step of 50 rows is allowed');
RESET ROLE;
RESET clinnova.federation_roles;
RESET clinnova.federation_guard;
RESET clinnova.min_cell_count;

-- ---- scoring ----
SELECT throws_ok('SELECT clinnova.predict(m, ARRAY[1]) FROM (SELECT clinnova.linreg(t, x) AS m FROM d) q', '22023', NULL,
                 'glm predict: x of the wrong length');
SELECT throws_ok('SELECT clinnova.predict(m, ARRAY[1, NULL]) FROM (SELECT clinnova.linreg(t, x) AS m FROM d) q', '22023', NULL,
                 'glm predict: NULL element');
SELECT throws_ok($$SELECT clinnova.predict(m, ARRAY[1, 'NaN'::float8]) FROM (SELECT clinnova.linreg(t, x) AS m FROM d) q$$, '22023', NULL,
                 'glm predict: NaN element');
SELECT throws_ok($$SELECT clinnova.predict(m, ARRAY[1, 2], 'odds') FROM (SELECT clinnova.linreg(t, x) AS m FROM d) q$$, '22023', NULL,
                 'glm predict: unknown type');
SELECT throws_ok($$SELECT clinnova.predict_interval(m, ARRAY[1, 2], 'link', 0) FROM (SELECT clinnova.linreg(t, x) AS m FROM d) q$$,
                 '22023', NULL, 'predict_interval: conf_level 0');
SELECT throws_ok($$SELECT clinnova.glm_coefs(m, -1) FROM (SELECT clinnova.linreg(t, x) AS m FROM d) q$$,
                 '22023', NULL, 'glm_coefs: conf_level out of range');

-- ---- XGBoost import ----
SELECT lives_ok($$SELECT clinnova.import_xgboost(j) FROM docs WHERE name = 'cox'$$, 'a survival:cox model imports');
SELECT throws_ok($$SELECT clinnova.import_xgboost(j) FROM docs WHERE name = 'gblinear'$$, '22023', 'unsupported XGBoost model: booster "gblinear"', 'gblinear refused');
SELECT throws_ok($$SELECT clinnova.import_xgboost(j) FROM docs WHERE name = 'dart'$$, '22023', 'unsupported XGBoost model: booster "dart"', 'dart refused');
SELECT throws_ok($$SELECT clinnova.import_xgboost(j) FROM docs WHERE name = 'multiclass'$$, '22023', 'unsupported XGBoost model: objective "multi:softprob"', 'multi-class refused');
SELECT throws_ok($$SELECT clinnova.import_xgboost(j) FROM docs WHERE name = 'categorical'$$, '22023', 'unsupported XGBoost model: categorical features', 'categorical refused');
SELECT throws_ok($$SELECT clinnova.import_xgboost(jsonb_set(j, '{learner,objective,name}', '"rank:ndcg"')) FROM docs WHERE name = 'cox'$$,
                 '22023', NULL, 'unsupported objective refused');
SELECT throws_ok($$SELECT clinnova.import_xgboost('{"learner": ')$$, '22P02', NULL, 'truncated JSON');
SELECT throws_ok($$SELECT clinnova.import_xgboost((repeat('[', 200000) || repeat(']', 200000))::jsonb)$$, '54001', NULL,
                 'absurdly nested JSON');
SELECT throws_ok($$SELECT clinnova.import_xgboost(('{"learner": ' || repeat('[', 3000) || repeat(']', 3000) || '}')::jsonb)$$,
                 '22023', 'invalid XGBoost model', 'deeply nested JSON of the wrong shape');
SELECT throws_ok($$SELECT clinnova.import_xgboost('{"learner": {}}')$$, '22023', 'invalid XGBoost model', 'empty learner');
SELECT throws_ok($$SELECT clinnova.import_xgboost(j #- '{learner,gradient_booster,model,trees,3}') FROM docs WHERE name = 'cox'$$,
                 '22023', 'invalid XGBoost model', 'a tree missing');
SELECT throws_ok($$SELECT clinnova.import_xgboost(jsonb_set(j, '{learner,gradient_booster,model,trees,0,right_children,0}', '0')) FROM docs WHERE name = 'cox'$$,
                 '22023', 'invalid XGBoost model', 'a cycle');
SELECT throws_ok($$SELECT clinnova.import_xgboost(jsonb_set(j, '{learner,gradient_booster,model,trees,0,split_indices,0}', '-1')) FROM docs WHERE name = 'cox'$$,
                 '22023', 'invalid XGBoost model', 'negative feature index');
SELECT throws_ok($$SELECT clinnova.import_xgboost(jsonb_set(j, '{learner,gradient_booster,model,trees,0,default_left,0}', '2')) FROM docs WHERE name = 'cox'$$,
                 '22023', 'invalid XGBoost model', 'default_left not 0 or 1');
SELECT throws_ok($$SELECT clinnova.import_xgboost(jsonb_set(j, '{learner,learner_model_param,base_score}', '"0"')) FROM docs WHERE name = 'cox'$$,
                 '22023', 'invalid XGBoost model', 'base_score 0 for a log-link objective');
SELECT throws_ok($$SELECT '{"objective": "reg:squarederror"}'::clinnova.treemodel$$, '22P02', 'invalid treemodel', 'treemodel: missing fields');
SELECT throws_ok($$SELECT '{"objective": "reg:squarederror", "base_score": 0, "num_feature": 1, "feature_names": [], "trees": [{"split_indices": [0], "split_conditions": ["NaN"], "left_children": [-1], "right_children": [-1], "default_left": [0]}]}'::clinnova.treemodel$$,
                 '22P02', 'invalid treemodel', 'treemodel: NaN leaf');
SELECT throws_ok($$SELECT clinnova.predict(clinnova.import_xgboost(j), ARRAY[1, 2]) FROM docs WHERE name = 'cox'$$, '22023', NULL,
                 'tree predict: x of the wrong length');
SELECT throws_ok($$SELECT clinnova.predict(clinnova.import_xgboost(j), ARRAY[60, 1, 1, 80, 80, 'Infinity'::float8, 5]) FROM docs WHERE name = 'cox'$$,
                 '22023', NULL, 'tree predict: infinite element');
SELECT throws_ok($$SELECT clinnova.predict(clinnova.import_xgboost(j), ARRAY[60, 1, 1, 80, 80, 1000, 5], 'link') FROM docs WHERE name = 'cox'$$,
                 '22023', NULL, 'tree predict: unknown type');
SELECT is((SELECT clinnova.predict(clinnova.import_xgboost(j), ARRAY[60, 1, NULL, 80, 'NaN'::float8, 1000, 5]) > 0 FROM docs WHERE name = 'cox'), true,
          'tree predict: NULL and NaN are missing values');

-- ---- registry ----
CREATE TEMP TABLE reg_fit AS SELECT clinnova.logreg(y, x, '{"terms": ["t", "g7"]}'::jsonb) AS m FROM d;
SELECT is((SELECT clinnova.register_model('tap_model', m,
             treatment_encoding => '{"features": ["g7"], "codes": {"ATC:L04AB02": {"g7": 0}, "ATC:L04AG05": {"g7": 1}}}')
           FROM reg_fit), 1, 'register_model returns version 1');
SELECT throws_ok($$SELECT clinnova.score('tap_model', '{"t": 1}')$$, '22023', 'feature "g7" is missing', 'score: missing feature');
SELECT throws_ok($$SELECT clinnova.score('tap_model', '{"t": 1, "g7": 2, "bmi": 30}')$$, '22023', 'unknown feature "bmi"', 'score: extra feature');
SELECT throws_ok($$SELECT clinnova.score('tap_model', '{"t": 1, "g7": "2"}')$$, '22023', 'feature "g7" must be a number', 'score: non-numeric feature');
SELECT throws_ok($$SELECT clinnova.score('tap_model', '{"t": 1, "g7": null}')$$, '22023', NULL, 'score: null feature of a GLM');
SELECT throws_ok($$SELECT clinnova.score('no_such_model', '{}')$$, '22023', 'model "no_such_model" is not registered', 'score: unknown model');
SELECT throws_ok($$SELECT clinnova.score('tap_model', '{"t": 1, "g7": 2}', version => 2)$$, '22023', NULL, 'score: unknown version');
SELECT throws_ok($$SELECT clinnova.register_model('tap_model', m, features => ARRAY['a']) FROM reg_fit$$, '22023', NULL,
                 'register_model: wrong number of features');
SELECT throws_ok($$SELECT clinnova.register_model('tap_model', m, treatment_encoding => '{"codes": {}}') FROM reg_fit$$, '22023', NULL,
                 'register_model: malformed treatment encoding');
SELECT throws_ok($$SELECT * FROM clinnova.rank_treatments('tap_model', '{"t": 1}', ARRAY['ATC:L04AC05']::clinnova.code[])$$,
                 '22023', NULL, 'rank_treatments: candidate without encoding');
SELECT throws_ok($$SELECT * FROM clinnova.rank_treatments('tap_model', '{"t": 1}', ARRAY['ATC:L04AB02']::clinnova.code[], horizon => 1)$$,
                 '22023', NULL, 'rank_treatments: horizon for a GLM');
SELECT is((SELECT treatment::text FROM clinnova.rank_treatments('tap_model', '{"t": 1}', ARRAY['ATC:L04AB02', 'ATC:L04AG05']::clinnova.code[])
           WHERE rank = 1),
          (SELECT CASE WHEN coef > 0 THEN 'ATC:L04AG05' ELSE 'ATC:L04AB02' END FROM reg_fit, clinnova.glm_coefs(m) WHERE term = 'g7'),
          'rank_treatments puts the treatment with the higher probability first');

-- a Cox model in the registry: ranking needs a horizon within its follow-up
CREATE TEMP TABLE cox_fit AS
SELECT clinnova.coxph(t, y, ARRAY[(g % 7)::float8, (g % 5)::float8], '{"terms": ["a", "b"]}'::jsonb) AS m FROM d;
SELECT is((SELECT clinnova.register_model('tap_cox', m,
             treatment_encoding => '{"features": ["b"], "codes": {"ATC:L04AB02": {"b": 0}, "ATC:L04AG05": {"b": 1}}}')
           FROM cox_fit), 1, 'register_model takes a coxmodel');
SELECT throws_ok($$SELECT * FROM clinnova.rank_treatments('tap_cox', '{"a": 1}', ARRAY['ATC:L04AB02']::clinnova.code[])$$,
                 '22023', 'ranking with a Cox model needs a positive, finite horizon', 'rank_treatments: Cox model without horizon');
SELECT throws_ok($$SELECT * FROM clinnova.rank_treatments('tap_cox', '{"a": 1}', ARRAY['ATC:L04AB02']::clinnova.code[], horizon => 1e6)$$,
                 '22023', NULL, 'rank_treatments: horizon beyond follow-up');
SELECT is((SELECT count(*)::int FROM clinnova.rank_treatments('tap_cox', '{"a": 1}', ARRAY['ATC:L04AB02', 'ATC:L04AG05']::clinnova.code[], horizon => 20)
           WHERE rmst > 0 AND predicted BETWEEN lower AND upper), 2, 'rank_treatments: Cox survival within its band, positive RMST');

SELECT * FROM finish();
ROLLBACK;
