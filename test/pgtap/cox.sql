-- The cox module's API contract: types and signatures, and one SQLSTATE per kind of bad input
-- (22023 bad argument, 22P02 malformed text, 22000 data problem, 42501 refused to a
-- federation role).
BEGIN;
SELECT plan(65);

CREATE TEMP TABLE d ("time" float8, event boolean, x1 float8, x2 float8, w float8, s text);
INSERT INTO d
SELECT g, g % 3 <> 0, sin(g), cos(g) * 2, 1 + (g % 4), CASE WHEN g % 2 = 0 THEN 'a' ELSE 'b' END
FROM generate_series(1, 40) g;

-- ---- types and signatures ----
SELECT has_type('clinnova', 'coxmodel', 'type coxmodel exists');
SELECT has_type('clinnova', 'coxstep', 'type coxstep exists');
SELECT has_type('clinnova', 'cox_zph_test', 'type cox_zph_test exists');
SELECT has_function('clinnova', 'coxph', ARRAY['double precision', 'boolean', 'double precision[]'], 'coxph(time, event, x)');
SELECT has_function('clinnova', 'coxph', ARRAY['double precision', 'boolean', 'double precision[]', 'jsonb'],
                    'coxph(time, event, x, options)');
SELECT has_function('clinnova', 'coxph', ARRAY['double precision', 'double precision', 'boolean', 'double precision[]', 'text',
                                              'double precision', 'text', 'jsonb'], 'coxph full form');
SELECT is_aggregate('clinnova', 'coxph', ARRAY['double precision', 'boolean', 'double precision[]'], 'coxph is an aggregate');
SELECT function_returns('clinnova', 'coxph', ARRAY['double precision', 'boolean', 'double precision[]'], 'clinnova.coxmodel',
                        'coxph returns coxmodel');
SELECT is_aggregate('clinnova', 'coxph_step', ARRAY['double precision', 'boolean', 'double precision[]', 'double precision[]'],
                    'coxph_step is an aggregate');
SELECT function_returns('clinnova', 'coxph_step', ARRAY['double precision', 'boolean', 'double precision[]', 'double precision[]'],
                        'clinnova.coxstep', 'coxph_step returns coxstep');
SELECT is_aggregate('clinnova', 'coxstep_merge', ARRAY['clinnova.coxstep'], 'coxstep_merge is an aggregate');
SELECT is_aggregate('clinnova', 'cox_zph', ARRAY['double precision', 'boolean', 'double precision[]', 'clinnova.coxmodel'],
                    'cox_zph is an aggregate');
SELECT function_returns('clinnova', 'cox_zph', ARRAY['double precision', 'boolean', 'double precision[]', 'clinnova.coxmodel'],
                        'clinnova.cox_zph_test[]', 'cox_zph returns cox_zph_test[]');
SELECT function_returns('clinnova', 'coxph_coefs', ARRAY['clinnova.coxmodel'], 'setof record', 'coxph_coefs returns rows');
SELECT function_returns('clinnova', 'coxph_stats', ARRAY['clinnova.coxmodel'], 'record', 'coxph_stats returns a record');
SELECT function_returns('clinnova', 'predict_lp', ARRAY['clinnova.coxmodel', 'double precision[]'], 'double precision', 'predict_lp');
SELECT function_returns('clinnova', 'predict_risk', ARRAY['clinnova.coxmodel', 'double precision[]'], 'double precision', 'predict_risk');
SELECT function_returns('clinnova', 'predict', ARRAY['clinnova.coxmodel', 'double precision[]', 'text'], 'double precision',
                        'predict(coxmodel, x, type)');
SELECT function_returns('clinnova', 'predict_surv', ARRAY['clinnova.coxmodel', 'double precision[]', 'double precision', 'text'],
                        'double precision', 'predict_surv');
SELECT function_returns('clinnova', 'predict_curve', ARRAY['clinnova.coxmodel', 'double precision[]', 'text'], 'setof record',
                        'predict_curve returns rows');
SELECT function_returns('clinnova', 'coxph_fit', ARRAY['regclass', 'text', 'text', 'text[]', 'text', 'text', 'text', 'text', 'jsonb'],
                        'clinnova.coxmodel', 'coxph_fit returns coxmodel');
SELECT function_returns('clinnova', 'coxph_newton', ARRAY['clinnova.coxstep', 'double precision[]', 'jsonb'], 'double precision[]',
                        'coxph_newton returns the next beta');
SELECT function_returns('clinnova', 'coxmodel_from_step',
                        ARRAY['clinnova.coxstep', 'clinnova.coxstep', 'double precision[]', 'integer', 'boolean', 'jsonb'], 'clinnova.coxmodel',
                        'coxmodel_from_step returns coxmodel');
SELECT is((SELECT array_agg(a ORDER BY n) FROM unnest((SELECT proargnames FROM pg_proc
            WHERE oid = 'clinnova.coxph_stats(clinnova.coxmodel)'::regprocedure)) WITH ORDINALITY AS x(a, n) WHERE n <= 18),
          ARRAY['model', 'n', 'events', 'loglik_null', 'loglik', 'lr_chisq', 'lr_df', 'lr_p', 'wald_chisq', 'wald_df', 'wald_p',
                'score_chisq', 'score_df', 'score_p', 'concordance', 'concordance_se', 'iterations', 'converged'],
          'coxph_stats has the contract''s columns first');
SELECT is((SELECT array_agg(a ORDER BY n) FROM unnest((SELECT proargnames FROM pg_proc
            WHERE oid = 'clinnova.coxph_coefs(clinnova.coxmodel)'::regprocedure)) WITH ORDINALITY AS x(a, n) WHERE n <= 10),
          ARRAY['model', 'term', 'coef', 'hr', 'se', 'robust_se', 'z', 'p', 'hr_lower', 'hr_upper'],
          'coxph_coefs has the contract''s columns first');

-- ---- bad rows: 22023 ----
SELECT throws_ok($$SELECT clinnova.coxph(NULL::float8, true, ARRAY[1.0]) FROM d$$, '22023', NULL, 'NULL time');
SELECT throws_ok($$SELECT clinnova.coxph('NaN'::float8, true, ARRAY[1.0]) FROM d$$, '22023', NULL, 'NaN time');
SELECT throws_ok($$SELECT clinnova.coxph('Infinity'::float8, true, ARRAY[1.0]) FROM d$$, '22023', NULL, 'infinite time');
SELECT throws_ok($$SELECT clinnova.coxph(-1::float8, true, ARRAY[1.0]) FROM d$$, '22023', NULL, 'negative time');
SELECT throws_ok($$SELECT clinnova.coxph("time", NULL, ARRAY[x1]) FROM d$$, '22023', NULL, 'NULL event');
SELECT throws_ok($$SELECT clinnova.coxph("time", event, NULL) FROM d$$, '22023', NULL, 'NULL x');
SELECT throws_ok($$SELECT clinnova.coxph("time", event, ARRAY[x1, NULL]) FROM d$$, '22023', NULL, 'NULL element of x');
SELECT throws_ok($$SELECT clinnova.coxph("time", event, ARRAY[x1, 'NaN']) FROM d$$, '22023', NULL, 'NaN element of x');
SELECT throws_ok($$SELECT clinnova.coxph("time", event, ARRAY[x1, '-Infinity']) FROM d$$, '22023', NULL, 'infinite element of x');
SELECT throws_ok($$SELECT clinnova.coxph("time", event, CASE WHEN "time" < 5 THEN ARRAY[x1] ELSE ARRAY[x1, x2] END) FROM d$$,
                 '22023', NULL, 'x lengths differ between rows');
SELECT throws_ok($$SELECT clinnova.coxph("time", event, ARRAY[]::float8[]) FROM d$$, '22023', NULL, 'empty x');
SELECT throws_ok($$SELECT clinnova.coxph("time", event, ARRAY[[x1, x2]]) FROM d$$, '22023', NULL, 'two-dimensional x');
SELECT throws_ok($$SELECT clinnova.coxph("time", "time", event, ARRAY[x1], NULL, NULL, NULL, NULL) FROM d$$, '22023', NULL,
                 'entry equal to time');
SELECT throws_ok($$SELECT clinnova.coxph("time" + 1, "time", event, ARRAY[x1], NULL, NULL, NULL, NULL) FROM d$$, '22023', NULL,
                 'entry after time');
SELECT throws_ok($$SELECT clinnova.coxph('NaN', "time", event, ARRAY[x1], NULL, NULL, NULL, NULL) FROM d$$, '22023', NULL,
                 'NaN entry');
SELECT throws_ok($$SELECT clinnova.coxph(NULL, "time", event, ARRAY[x1], NULL, -w, NULL, NULL) FROM d$$, '22023', NULL,
                 'negative weight');
SELECT throws_ok($$SELECT clinnova.coxph(NULL, "time", event, ARRAY[x1], NULL, 0, NULL, NULL) FROM d$$, '22023', NULL,
                 'zero weight');
SELECT throws_ok($$SELECT clinnova.coxph(NULL, "time", event, ARRAY[x1], NULL, 'NaN', NULL, NULL) FROM d$$, '22023', NULL,
                 'NaN weight');

-- ---- bad options: 22023 ----
SELECT throws_ok($$SELECT clinnova.coxph("time", event, ARRAY[x1], '{"ties": "exact"}') FROM d$$, '22023', NULL, 'unknown ties');
SELECT throws_ok($$SELECT clinnova.coxph("time", event, ARRAY[x1], '{"max_iters": 5}') FROM d$$, '22023', NULL, 'unknown option');
SELECT throws_ok($$SELECT clinnova.coxph("time", event, ARRAY[x1], '{"max_iter": -1}') FROM d$$, '22023', NULL, 'negative max_iter');
SELECT throws_ok($$SELECT clinnova.coxph("time", event, ARRAY[x1], '{"conf_level": 1.5}') FROM d$$, '22023', NULL, 'conf_level > 1');
SELECT throws_ok($$SELECT clinnova.coxph("time", event, ARRAY[x1], '{"tol": "small"}') FROM d$$, '22023', NULL, 'tol not a number');
SELECT throws_ok($$SELECT clinnova.coxph("time", event, ARRAY[x1], '{"terms": ["a", "b"]}') FROM d$$, '22023', NULL,
                 'terms of the wrong length');
SELECT throws_ok($$SELECT clinnova.coxph("time", event, ARRAY[x1, x2], '{"terms": ["a", "a"]}') FROM d$$, '22023', NULL,
                 'duplicate term names');
SELECT throws_ok($$SELECT clinnova.coxph("time", event, ARRAY[x1], '[1, 2]') FROM d$$, '22023', NULL, 'options not an object');
SELECT throws_ok($$SELECT clinnova.coxph("time", event, ARRAY[x1], '{"robust": "yes"}') FROM d$$, '22023', NULL, 'robust not boolean');

-- ---- data problems: 22000 ----
SELECT throws_ok($$SELECT clinnova.coxph("time", false, ARRAY[x1]) FROM d$$, '22000', NULL, 'all censored');

-- ---- malformed values: 22P02 / 22P03 ----
SELECT throws_ok($$SELECT '{}'::clinnova.coxmodel$$, '22P02', NULL, 'empty coxmodel text');
SELECT throws_ok($$SELECT '{"type": "coxmodel", "version": 1}'::clinnova.coxmodel$$, '22P02', NULL, 'incomplete coxmodel text');
SELECT throws_ok($$SELECT 'nonsense'::clinnova.coxstep$$, '22P02', NULL, 'coxstep text that is not JSON');

-- ---- predictions ----
SELECT throws_ok($$SELECT clinnova.predict_lp((SELECT clinnova.coxph("time", event, ARRAY[x1, x2]) FROM d), ARRAY[1.0])$$,
                 '22023', NULL, 'predict with the wrong number of covariates');
SELECT throws_ok($$SELECT clinnova.predict((SELECT clinnova.coxph("time", event, ARRAY[x1]) FROM d), ARRAY[1.0], 'hazard')$$,
                 '22023', NULL, 'unknown prediction type');
SELECT throws_ok($$SELECT clinnova.predict_surv((SELECT clinnova.coxph(NULL, "time", event, ARRAY[x1], s, NULL, NULL, NULL) FROM d),
                                              ARRAY[1.0], 3)$$,
                 '22023', NULL, 'predict_surv on a stratified model needs a stratum');
SELECT is(clinnova.predict((SELECT clinnova.coxph("time", event, ARRAY[x1]) FROM d), ARRAY[0.5]),
          clinnova.predict((SELECT clinnova.coxph("time", event, ARRAY[x1]) FROM d), ARRAY[0.5], 'response'),
          'predict type response is risk');

-- ---- federation ----
SELECT throws_ok($$SELECT clinnova.coxph_newton((SELECT clinnova.coxph_step("time", event, ARRAY[x1], ARRAY[0.0]) FROM d), ARRAY[1.0])$$,
                 '22023', NULL, 'coxph_newton at another beta');
SELECT lives_ok($$SELECT clinnova.coxph_newton((SELECT clinnova.coxph_step("time", event, ARRAY[x1], ARRAY[0.0]) FROM d), ARRAY[0.0])$$,
                'coxph_newton at the step''s beta');
CREATE ROLE tap_cox_federation;
GRANT USAGE ON SCHEMA clinnova TO tap_cox_federation;
GRANT SELECT ON d TO tap_cox_federation;
SET LOCAL clinnova.federation_roles = 'tap_cox_federation';
SET LOCAL clinnova.federation_guard = off;  -- test the final functions, not the guard
SET LOCAL ROLE tap_cox_federation;
SELECT throws_ok($$SELECT clinnova.coxph("time", event, ARRAY[x1]) FROM d$$, '42501', NULL, 'coxph refused to a federation role');
SELECT throws_ok($$SELECT clinnova.coxph_step("time", event, ARRAY[x1], ARRAY[0.0]) FROM d WHERE "time" <= 4$$, '42501', NULL,
                 'coxph_step of fewer than min_cell_count people refused');
SELECT lives_ok($$SELECT clinnova.coxph_step("time", event, ARRAY[x1], ARRAY[0.0]) FROM d$$,
                'coxph_step of enough people allowed');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
