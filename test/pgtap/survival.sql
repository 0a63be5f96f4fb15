-- Survival module: the SQL surface (types, aggregates, accessors and their result types) and
-- the SQLSTATE of every bad input.
BEGIN;
SELECT plan(88);

-- ---- types ----
SELECT has_type('clinnova', 'survfit', 'type clinnova.survfit exists');
SELECT has_type('clinnova', 'logrank_test', 'composite type clinnova.logrank_test exists');
SELECT is((SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute
           WHERE attrelid = 'clinnova.logrank_test'::regclass AND attnum > 0),
          ARRAY['chisq', 'df', 'p', 'groups', 'n', 'observed', 'expected', 'variance'],
          'logrank_test fields: chisq, df, p, then the per-group detail');
SELECT is((SELECT array_agg(format_type(atttypid, atttypmod) ORDER BY attnum) FROM pg_attribute
           WHERE attrelid = 'clinnova.logrank_test'::regclass AND attnum > 0),
          ARRAY['double precision', 'integer', 'double precision', 'text[]', 'bigint[]',
                'double precision[]', 'double precision[]', 'double precision[]'],
          'logrank_test field types');
SELECT is((SELECT typalign FROM pg_type WHERE oid = 'clinnova.survfit'::regtype), 'd', 'survfit is double-aligned');
SELECT isnt((SELECT typsend FROM pg_type WHERE oid = 'clinnova.survfit'::regtype), 0::regproc, 'survfit has binary output');
SELECT isnt((SELECT typreceive FROM pg_type WHERE oid = 'clinnova.survfit'::regtype), 0::regproc, 'survfit has binary input');

-- ---- aggregates ----
SELECT is_aggregate('clinnova', 'km', ARRAY['double precision', 'boolean'], 'km(time, event boolean)');
SELECT is_aggregate('clinnova', 'km', ARRAY['double precision', 'integer'], 'km(time, event integer)');
SELECT is_aggregate('clinnova', 'km', ARRAY['double precision', 'boolean', 'double precision'], 'km(time, event, weight)');
SELECT is_aggregate('clinnova', 'km', ARRAY['double precision', 'double precision', 'boolean'], 'km(entry, time, event)');
SELECT is_aggregate('clinnova', 'km', ARRAY['double precision', 'double precision', 'boolean', 'double precision'], 'km(entry, time, event, weight)');
SELECT is_aggregate('clinnova', 'km_merge', ARRAY['clinnova.survfit'], 'km_merge(survfit)');
SELECT is_aggregate('clinnova', 'cif', ARRAY['double precision', 'integer'], 'cif(time, cause)');
SELECT is_aggregate('clinnova', 'cif', ARRAY['double precision', 'integer', 'double precision'], 'cif(time, cause, weight)');
SELECT is_aggregate('clinnova', 'logrank', ARRAY['text', 'clinnova.survfit'], 'logrank(grp, curve)');
SELECT is_aggregate('clinnova', 'logrank', ARRAY['text', 'clinnova.survfit', 'double precision'], 'logrank(grp, curve, rho)');
SELECT is_aggregate('clinnova', 'logrank', ARRAY['text', 'text', 'clinnova.survfit'], 'logrank(stratum, grp, curve)');
SELECT is_aggregate('clinnova', 'logrank', ARRAY['text', 'text', 'clinnova.survfit', 'double precision'], 'logrank(stratum, grp, curve, rho)');
SELECT is_aggregate('clinnova', 'logrank', ARRAY['double precision', 'boolean', 'text'], 'logrank(time, event, grp)');
SELECT is_aggregate('clinnova', 'logrank', ARRAY['double precision', 'boolean', 'text', 'double precision'], 'logrank(time, event, grp, rho)');
SELECT is_aggregate('clinnova', 'logrank', ARRAY['double precision', 'integer', 'text'], 'logrank(time, event integer, grp)');
SELECT is_aggregate('clinnova', 'logrank', ARRAY['double precision', 'integer', 'text', 'double precision'], 'logrank(time, event integer, grp, rho)');
SELECT function_returns('clinnova', 'km', ARRAY['double precision', 'boolean'], 'clinnova.survfit', 'km returns survfit');
SELECT function_returns('clinnova', 'cif', ARRAY['double precision', 'integer'], 'clinnova.survfit', 'cif returns survfit');
SELECT function_returns('clinnova', 'km_merge', ARRAY['clinnova.survfit'], 'clinnova.survfit', 'km_merge returns survfit');
SELECT function_returns('clinnova', 'logrank', ARRAY['text', 'clinnova.survfit'], 'clinnova.logrank_test', 'logrank returns logrank_test');
-- every survival aggregate runs in parallel: combine, serial and deserial functions
SELECT is_empty($$
  SELECT a.aggfnoid::regprocedure::text FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
  WHERE p.pronamespace = 'clinnova'::regnamespace AND p.proname IN ('km', 'km_merge', 'cif', 'logrank')
    AND (a.aggcombinefn = 0 OR a.aggserialfn = 0 OR a.aggdeserialfn = 0 OR p.proparallel <> 's')
$$, 'survival aggregates have combine/serial/deserial functions and are PARALLEL SAFE');
SELECT is((SELECT count(*)::int FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
           WHERE p.pronamespace = 'clinnova'::regnamespace AND p.proname IN ('km', 'km_merge', 'cif', 'logrank')),
          16, 'sixteen survival aggregates');

-- ---- accessors ----
SELECT has_function('clinnova', 'km_table', ARRAY['clinnova.survfit', 'text', 'double precision', 'text'], 'km_table(curve, conf_type, conf_level, variance)');
SELECT function_returns('clinnova', 'km_table', ARRAY['clinnova.survfit', 'text', 'double precision', 'text'], 'setof record', 'km_table returns rows');
SELECT is((SELECT array_agg(a.attname::text) FROM (SELECT unnest(proargnames) AS attname, unnest(proargmodes) AS mode
           FROM pg_proc WHERE oid = 'clinnova.km_table(clinnova.survfit, text, float8, text)'::regprocedure) a WHERE mode = 'o'),
          ARRAY['time', 'n_risk', 'n_event', 'n_censor', 'surv', 'std_err', 'lower', 'upper', 'cumhaz', 'std_chaz'],
          'km_table columns');
SELECT has_function('clinnova', 'surv_at', ARRAY['clinnova.survfit', 'double precision'], 'surv_at(curve, t)');
SELECT function_returns('clinnova', 'surv_at', ARRAY['clinnova.survfit', 'double precision'], 'double precision', 'surv_at returns float8');
SELECT has_function('clinnova', 'median_survival', ARRAY['clinnova.survfit', 'text', 'double precision', 'text'], 'median_survival(curve, ...)');
SELECT has_function('clinnova', 'surv_quantile', ARRAY['clinnova.survfit', 'double precision', 'text', 'double precision', 'text'], 'surv_quantile(curve, p, ...)');
SELECT has_function('clinnova', 'rmst', ARRAY['clinnova.survfit', 'double precision'], 'rmst(curve, tau)');
SELECT has_function('clinnova', 'rmst_diff', ARRAY['clinnova.survfit', 'clinnova.survfit', 'double precision', 'double precision'], 'rmst_diff(a, b, tau, conf_level)');
SELECT has_function('clinnova', 'nelson_aalen', ARRAY['clinnova.survfit', 'integer', 'text', 'double precision', 'text'], 'nelson_aalen(curve, ctype, ...)');
SELECT has_function('clinnova', 'cif_table', ARRAY['clinnova.survfit', 'text', 'double precision'], 'cif_table(curve, conf_type, conf_level)');
SELECT has_function('clinnova', 'survfit_summary', ARRAY['clinnova.survfit'], 'survfit_summary(curve)');
SELECT is((SELECT array_agg(a.attname::text) FROM (SELECT unnest(proargnames) AS attname, unnest(proargmodes) AS mode
           FROM pg_proc WHERE oid = 'clinnova.cif_table(clinnova.survfit, text, float8)'::regprocedure) a WHERE mode = 'o'),
          ARRAY['time', 'cause', 'n_risk', 'n_event', 'cif', 'std_err', 'lower', 'upper', 'n_censor', 'cumhaz'],
          'cif_table columns');
SELECT is((SELECT array_agg(a.attname::text) FROM (SELECT unnest(proargnames) AS attname, unnest(proargmodes) AS mode
           FROM pg_proc WHERE oid = 'clinnova.nelson_aalen(clinnova.survfit, integer, text, float8, text)'::regprocedure) a WHERE mode = 'o'),
          ARRAY['time', 'cumhaz', 'std_err', 'n_risk', 'n_event', 'n_censor', 'surv', 'lower', 'upper'],
          'nelson_aalen columns');
-- the defaults: conf_type 'log', conf_level 0.95, variance 'auto'
SELECT is((SELECT count(*)::int FROM clinnova.km_table((SELECT clinnova.km(t, t % 2 = 0) FROM generate_series(1, 9) t))), 9,
          'km_table with default arguments');
SELECT ok((SELECT (m).median = 6 FROM (SELECT clinnova.median_survival(clinnova.km(t, true)) AS m
                                       FROM generate_series(1, 11) t) x), 'median_survival with default arguments');
SELECT is_empty($$
  SELECT p.oid::regprocedure::text FROM pg_proc p
  WHERE p.pronamespace = 'clinnova'::regnamespace
    AND p.proname IN ('km_table', 'surv_at', 'median_survival', 'surv_quantile', 'rmst', 'rmst_diff',
                      'nelson_aalen', 'cif_table', 'survfit_summary')
    AND (p.proparallel <> 's' OR p.provolatile <> 'i' OR NOT p.proisstrict)
$$, 'accessors are IMMUTABLE STRICT PARALLEL SAFE');

-- ---- bad input: one SQLSTATE per kind, 22023 for arguments ----
SELECT throws_ok($$SELECT clinnova.km(-1, true)$$, '22023', 'time must be a finite number >= 0', 'negative time');
SELECT throws_ok($$SELECT clinnova.km('NaN', true)$$, '22023', 'time must be a finite number >= 0', 'NaN time');
SELECT throws_ok($$SELECT clinnova.km('Infinity', true)$$, '22023', 'time must be a finite number >= 0', 'infinite time');
SELECT throws_ok($$SELECT clinnova.km(1, 2)$$, '22023', 'event must be 0 (censored) or 1 (event)', 'event code 2');
SELECT throws_ok($$SELECT clinnova.km(1, -1)$$, '22023', 'event must be 0 (censored) or 1 (event)', 'event code -1');
SELECT throws_ok($$SELECT clinnova.km(1, true, -1)$$, '22023', 'case weight must be a number between 0 and 1e150', 'negative weight');
SELECT throws_ok($$SELECT clinnova.km(1, true, 'NaN')$$, '22023', 'case weight must be a number between 0 and 1e150', 'NaN weight');
SELECT throws_ok($$SELECT clinnova.km(1, true, 'Infinity')$$, '22023', 'case weight must be a number between 0 and 1e150', 'infinite weight');
SELECT throws_ok($$SELECT clinnova.km(2, 1, true)$$, '22023', 'entry time must be less than the exit time', 'entry after exit');
SELECT throws_ok($$SELECT clinnova.km(1, 1, true)$$, '22023', 'entry time must be less than the exit time', 'entry at exit');
SELECT throws_ok($$SELECT clinnova.km(-1, 1, true)$$, '22023', 'entry time must be a finite number >= 0', 'negative entry');
SELECT throws_ok($$SELECT clinnova.km(0, 1, true, -2)$$, '22023', 'case weight must be a number between 0 and 1e150', 'negative weight with entry');
SELECT throws_ok($$SELECT clinnova.cif(1, 65)$$, '22023', 'cause must be between 0 (censored) and 64', 'cause 65');
SELECT throws_ok($$SELECT clinnova.cif(1, -1)$$, '22023', 'cause must be between 0 (censored) and 64', 'cause -1');
SELECT throws_ok($$SELECT clinnova.cif(-1, 1)$$, '22023', 'time must be a finite number >= 0', 'cif negative time');
SELECT throws_ok($$SELECT clinnova.cif(1, 1, -1)$$, '22023', 'case weight must be a number between 0 and 1e150', 'cif negative weight');
SELECT throws_ok($$SELECT clinnova.logrank(1, 2, 'a')$$, '22023', 'event must be 0 (censored) or 1 (event)', 'logrank event code 2');
SELECT throws_ok($$SELECT clinnova.logrank(-1, true, 'a')$$, '22023', 'time must be a finite number >= 0', 'logrank negative time');
SELECT throws_ok($$SELECT clinnova.logrank(t, true, 'a', t) FROM generate_series(1, 2) t$$, '22023',
                 'rho must be the same in every row of a logrank aggregate', 'logrank rho changing');
SELECT throws_ok($$SELECT clinnova.logrank(1, true, 'a', NULL)$$, '22023', 'rho must not be NULL', 'logrank NULL rho');
SELECT throws_ok($$SELECT clinnova.logrank(1, true, 'a', 'NaN')$$, '22023', 'rho must be a finite number', 'logrank NaN rho');
SELECT throws_ok($$SELECT clinnova.logrank(t, true, 'a') FROM generate_series(1, 3) t$$, '22000',
                 'logrank needs at least two groups', 'logrank with one group is a data problem');
SELECT throws_ok($$SELECT * FROM clinnova.km_table((SELECT clinnova.km(1, true)), 'logit')$$, '22023',
                 'unknown confidence interval type "logit"', 'unknown conf_type');
SELECT throws_ok($$SELECT * FROM clinnova.km_table((SELECT clinnova.km(1, true)), 'log', 1.5)$$, '22023',
                 'conf_level must be between 0 and 1 (exclusive)', 'conf_level above 1');
SELECT throws_ok($$SELECT * FROM clinnova.km_table((SELECT clinnova.km(1, true)), 'log', 0.95, 'bootstrap')$$, '22023',
                 'unknown variance "bootstrap"', 'unknown variance');
SELECT throws_ok($$SELECT * FROM clinnova.km_table((SELECT clinnova.km(0, 1, true)), 'log', 0.95, 'robust')$$, '22023',
                 'km_table cannot compute the robust variance of a risk table with late entries', 'robust variance with entries');
SELECT throws_ok($$SELECT * FROM clinnova.nelson_aalen((SELECT clinnova.km(1, true)), 3)$$, '22023',
                 'ctype must be 1 (Nelson-Aalen) or 2 (Fleming-Harrington)', 'ctype 3');
SELECT throws_ok($$SELECT * FROM clinnova.surv_quantile((SELECT clinnova.km(1, true)), -0.1)$$, '22023',
                 'p must be between 0 and 1', 'quantile p below 0');
SELECT throws_ok($$SELECT clinnova.surv_at((SELECT clinnova.km(1, true)), 'NaN')$$, '22023', 't must not be NaN', 'surv_at NaN');
SELECT throws_ok($$SELECT * FROM clinnova.rmst((SELECT clinnova.km(1, true)), -5)$$, '22023', 'tau must be a finite number > 0', 'rmst negative tau');
SELECT throws_ok($$SELECT * FROM clinnova.rmst_diff((SELECT clinnova.km(1, true)), (SELECT clinnova.km(2, true)), 5, 0)$$, '22023',
                 'conf_level must be between 0 and 1 (exclusive)', 'rmst_diff conf_level 0');
SELECT throws_ok($$SELECT * FROM clinnova.cif_table((SELECT clinnova.cif(1, 1)), 'arcsin')$$, '22023',
                 'unknown confidence interval type "arcsin"', 'cif_table unknown conf_type');
-- malformed values: 22P02 (text), 22P03 (binary)
SELECT throws_ok($$SELECT '{"causes":1}'::clinnova.survfit$$, '22P02', 'invalid input syntax for type survfit', 'incomplete survfit text');
SELECT throws_ok($$SELECT 'garbage'::clinnova.survfit$$, '22P02', NULL, 'survfit text that is not JSON');
SELECT throws_ok($$SELECT '{"causes":1,"weights":"none","columns":["time","events","censored"],"rows":[[2,1,0],[1,1,0]]}'::clinnova.survfit$$,
                 '22P02', 'invalid input syntax for type survfit', 'unsorted times');
SELECT throws_ok($$SELECT '{"causes":1,"weights":"none","columns":["time","events","censored"],"rows":[[1,1.5,0]]}'::clinnova.survfit$$,
                 '22P02', 'invalid input syntax for type survfit', 'fractional count');
SELECT throws_ok($$SELECT '{"causes":65,"weights":"none","columns":["time","events","censored"],"rows":[[1,1,0]]}'::clinnova.survfit$$,
                 '22P02', 'invalid input syntax for type survfit', 'too many causes');
SELECT throws_ok($$SELECT clinnova.km_merge(s) FROM (VALUES
  ('{"causes":1,"weights":"fractional","columns":["time","events","events_w","events_w2","censored","censored_w","censored_w2"],"rows":[[1,1,1,1e308,0,0,0]]}'::clinnova.survfit),
  ('{"causes":1,"weights":"fractional","columns":["time","events","events_w","events_w2","censored","censored_w","censored_w2"],"rows":[[1,1,1,1e308,0,0,0]]}'::clinnova.survfit)) v(s)$$,
                 '22003', 'sums of case weights are out of range for type double precision', 'weight sums overflowing');
-- NULL rows are skipped, empty input is NULL
SELECT is((SELECT clinnova.km(t, e) IS NULL FROM (VALUES (NULL::float8, true), (1, NULL)) v(t, e)), true, 'only NULL rows: NULL');
SELECT is((SELECT clinnova.km(t, true) IS NULL FROM generate_series(1, 0) t), true, 'no rows: NULL');
SELECT is((SELECT clinnova.logrank(t, true, 'a') IS NULL FROM generate_series(1, 0) t), true, 'logrank of no rows: NULL');
SELECT is((SELECT clinnova.cif(t, 1) IS NULL FROM generate_series(1, 0) t), true, 'cif of no rows: NULL');

SELECT * FROM finish();
ROLLBACK;
