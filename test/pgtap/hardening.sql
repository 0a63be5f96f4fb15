-- The hardening pass's SQLSTATE contract for the bugs it found and fixed (one test per bug;
-- test/sql/hardening_regressions.sql shows the messages), and the error class of each kind of
-- bad input the sweep (test/sql/hardening_sweep.sql) checks generically.
BEGIN;
SELECT plan(23);

CREATE TEMP TABLE r AS
SELECT g AS id, (g % 17 + 1)::float8 AS t, g % 4 <> 0 AS e, ARRAY[sin(g), (g % 5)::float8] AS x
FROM generate_series(1, 40) g;
SET LOCAL client_min_messages = error;

-- crash: coxph_newton(NULL step)
SELECT throws_ok($$SELECT clinnova.coxph_newton(NULL, '{0,0}')$$, '22004', 'step must not be NULL',
                 'coxph_newton with a NULL step raises 22004 (it crashed the backend)');
SELECT throws_ok($$SELECT clinnova.coxph_newton(s, '{0,0}', '{"terms": ["a"]}') FROM (SELECT clinnova.coxph_step(t, e, x, '{0,0}') s FROM r) q$$,
                 '22023', NULL, 'coxph_newton checks the length of "terms"');
-- internal errors
SELECT throws_ok($$SELECT clinnova.km(t, e, CASE WHEN id = 7 THEN 1e-300 ELSE 1 END) FROM r$$, '22023', NULL,
                 'km with a weight whose square underflows raises 22023 (was XX000)');
SELECT throws_ok($$SELECT clinnova.cif(t, 1, 5e-324) FROM r$$, '22023', NULL,
                 'cif with a subnormal weight raises 22023 (was XX000)');
SELECT throws_ok($$SELECT clinnova.km(t, e, 1e-151) FROM r$$, '22023', NULL,
                 'km with a weight just below 1e-150 raises 22023');
-- values that could not be read back
SELECT throws_ok($$SELECT clinnova.coxmodel_from_step(s, s, '{0,0}', 1000000, true) FROM (SELECT clinnova.coxph_step(t, e, x, '{0,0}') s FROM r) q$$,
                 '22023', 'iterations must be between 0 and 100000', 'coxmodel_from_step refuses iteration counts the type cannot store');
SELECT throws_ok($$SELECT clinnova.coxph_step(t, e, CASE WHEN id = 7 THEN '{1e308,-1e308}' ELSE x END, '{0,0}') FROM r$$,
                 '22000', 'the partial likelihood is not finite at this beta', 'coxph_step refuses a non-finite score or information');
SELECT throws_ok($$SELECT clinnova.coxph(t, e, CASE WHEN id = 7 THEN '{1e308,-1e308}' ELSE x END) FROM r$$,
                 '22000', 'the fitted Cox model is out of range', 'an overflowing Cox fit raises 22000 with its own message');
SELECT throws_ok($$SELECT replace(s::text, '"n": 40', '"n": 72057594037927976')::clinnova.coxstep FROM (SELECT clinnova.coxph_step(t, e, x, '{0,0}') s FROM r) q$$,
                 '22P02', NULL, 'coxstep text input refuses counts it cannot write exactly');
SELECT lives_ok($$SELECT clinnova.coxmodel_from_step(s, s, '{0,0}', 100000, true)::text::clinnova.coxmodel FROM (SELECT clinnova.coxph_step(t, e, x, '{0,0}') s FROM r) q$$,
                'a model at the iteration limit reads back');
-- wrong numbers
SELECT is((SELECT (clinnova.surv_quantile(k, 0.5)).quantile
           FROM (SELECT clinnova.km(t, e) k FROM (VALUES (1.0::float8, true), (1.7e308, true), (1.7976931348623157e308, true)) v(t, e)) q),
          1.7e308::float8, 'surv_quantile near DBL_MAX is the time, not Infinity');
SELECT is((SELECT (clinnova.surv_quantile(k, 0.5)).quantile
           FROM (SELECT clinnova.km(t, e) k FROM (VALUES (1.7e308::float8, true), (1.7976931348623157e308, true)) v(t, e)) q),
          1.7488465674311577e308::float8, 'the midpoint of a flat stretch at 0.5 near DBL_MAX (R''s rule) is finite');
SELECT ok((SELECT isfinite FROM (SELECT (clinnova.rmst(k, 1e308)).se::text NOT IN ('NaN', 'Infinity') AS isfinite
                                 FROM (SELECT clinnova.km(t, e) k FROM r) q) q2),
          'rmst standard error with tau near DBL_MAX is finite');
-- models and federation (found after they landed)
SELECT lives_ok($$SELECT clinnova.coxgrid_merge(NULL::clinnova.coxgrid) FROM r$$,
                'coxgrid_merge over NULL rows is NULL (it crashed the backend)');
SELECT throws_ok($$SELECT clinnova.linreg(t, x, 5e-324) FROM r$$, '22000', NULL,
                 'linreg whose covariance matrix is infinite raises 22000 (the model did not read back)');
SELECT throws_ok($$SELECT clinnova.linreg_step(CASE WHEN id = 7 THEN 1e308 ELSE t END, x, '{0,0,0}') FROM r$$, '22000', NULL,
                 'an IRLS step whose sums overflow raises 22000 (the step did not read back)');
SELECT throws_ok($$SELECT clinnova.coxph_grid_step(t, e, CASE WHEN id = 7 THEN '{1e308,-1e308}' ELSE x END, '{0,0}', '{0,0}', 1.0, '{1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17}') FROM r$$,
                 '22000', NULL, 'a Cox grid step whose sums overflow raises 22000 (it did not read back)');
SELECT is((SELECT m::text::clinnova.glmmodel::text = m::text FROM (SELECT clinnova.logreg(true, x) m FROM r) q), true,
          'a logistic fit of a constant outcome reads back from text (null_deviance was -0)');
SELECT is('n=9007199254740993 sum=0 m2=0'::clinnova.summary::text, 'n=9007199254740993 sum=0 m2=0',
          'summary counts above 2^53 read exactly');

-- error classes the sweep relies on
SELECT throws_ok($$SELECT clinnova.km('NaN'::float8, true)$$, '22023', NULL, 'NaN time: 22023');
SELECT throws_ok($$SELECT 'not a model'::clinnova.coxmodel$$, '22P02', NULL, 'malformed text: 22P02');
SELECT throws_ok($$SELECT clinnova.coxph(t, e, array_fill(1.0::float8, ARRAY[10000])) FROM r$$, '54000', NULL, 'too many covariates: 54000');
SELECT throws_ok($$SELECT clinnova.coxph(t, false, x) FROM r$$, '22000', NULL, 'no events: 22000');

SELECT * FROM finish();
ROLLBACK;
