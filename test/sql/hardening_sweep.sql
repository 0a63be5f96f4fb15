-- The catalog-driven bad-input sweep (test/hardening/sweep.sql): every function and aggregate
-- of schema clinnova that SQL can call, read from pg_proc, is called with a valid baseline
-- and then with one argument at a time replaced by the edge values of its type (NULL, NaN,
-- +-Infinity, negative, huge, empty and oversized arrays, NULL elements, bad JSON options,
-- every other sample of the extension's types); aggregates also over empty input, one row,
-- duplicated rows and with the bad value in one row among valid ones.  Only violations are
-- printed, so this output stays the same as functions are added: an empty list is a pass.
\i test/lib/regress_helpers.sql
\i test/hardening/corpus.sql
\i test/hardening/sweep.sql
-- fits of edge cases warn (no convergence, aliased covariates): expected, not shown
SET client_min_messages = error;

-- every type of the extension has sample values (a new type needs one in corpus.sql)
SELECT t AS type_without_sample FROM pg_temp.hz_types() t WHERE t NOT IN (SELECT typ FROM pg_temp.hz_sample);
SELECT count(*) >= 4 AS has_types FROM pg_temp.hz_types();

-- the serial pass: every call, a few bad values of every option key (test/hardening/run sweeps
-- every option key with every bad value: level 2)
SELECT pg_temp.hz_run(1) > 5000 AS thousands_of_calls;

-- functions left out, and results that are not required to read back (with the reasons)
SELECT fn, reason FROM pg_temp.hz_skip ORDER BY 1;
SELECT fn, reason FROM pg_temp.hz_unstorable ORDER BY 1;
-- every function SQL can call is swept ...
SELECT p.oid::regprocedure AS not_swept FROM pg_proc p
WHERE p.pronamespace = 'clinnova'::regnamespace AND NOT ('internal'::regtype = ANY (p.proargtypes::oid[]))
  AND p.oid NOT IN (SELECT fn FROM pg_temp.hz_result) AND p.oid NOT IN (SELECT fn FROM pg_temp.hz_skip);
-- ... from a baseline call that works (else its edge cases would test nothing)
SELECT fn, state, message FROM pg_temp.hz_result WHERE NOT pg_temp.hz_baseline_ok(fn, variant, state) ORDER BY fn;
-- functions whose baseline needs setup this database lacks (their edge values are still swept)
SELECT fn, state, reason FROM pg_temp.hz_needs_setup ORDER BY 1;
-- violations: a crash ends this test; an internal error (XX000), a RAISE without SQLSTATE
-- (P0001), an error of an unexpected class, or a result that does not read back (HZ002)
SELECT fn, variant, state, message FROM pg_temp.hz_result WHERE NOT pg_temp.hz_allowed(state) ORDER BY id;

-- the parallel pass: every aggregate's baseline, empty, single-row and duplicated-row calls in
-- forced parallel plans over a regular table (so partial states are serialized and combined)
CREATE TABLE hardening_rows_par AS SELECT r.* FROM pg_temp.hz_rows r, generate_series(1, 25);
ANALYZE hardening_rows_par;
SELECT pg_temp.force_parallel();
SET hz.rows = 'hardening_rows_par';
EXPLAIN (COSTS OFF) SELECT clinnova.km("time", event) FROM hardening_rows_par;
SELECT pg_temp.hz_run(1, variants => '^(baseline|empty input|single row|all rows twice)$',
                      aggregates_only => true, pass => 'parallel') > 30 AS parallel_calls;
SELECT fn, variant, state, message FROM pg_temp.hz_result
WHERE pass = 'parallel' AND (NOT pg_temp.hz_allowed(state) OR NOT pg_temp.hz_baseline_ok(fn, variant, state)) ORDER BY id;
-- a call fails in a parallel plan exactly when it fails in a serial one (the values differ:
-- the parallel table holds every row 25 times; the modules' own tests compare values)
SELECT s.fn, s.variant FROM pg_temp.hz_result s JOIN pg_temp.hz_result p USING (fn, variant)
WHERE s.pass = 'serial' AND p.pass = 'parallel' AND s.state IS DISTINCT FROM p.state ORDER BY 1, 2;
RESET hz.rows;
DROP TABLE hardening_rows_par;
-- what test/hardening/sweep.sql set up for the baselines (a registered model, a schema)
DELETE FROM clinnova.model_registry WHERE name = 'hz_glm';
DROP SCHEMA hz_synth CASCADE;
