-- test/hardening/corpus.sql — the bad-input corpus shared by the hardening tests.
--
-- \i it after test/lib/regress_helpers.sql.  It creates, in pg_temp (session-local):
--   hz_rows        a small data set whose columns are named like the arguments of the
--                  extension's aggregates (time, event, x, weight, entry, strata, grp, ...);
--                  an aggregate argument with a column of the same name and type reads it
--   hz_sample      valid values of every type the extension's functions take: for the
--                  extension's own types several (the first, ord = 1, is the baseline); a
--                  type of schema clinnova without a sample is reported by the tests
--   hz_edge        edge values per argument type: NULL, NaN, +-Infinity, negative, huge,
--                  empty and oversized arrays, NULL elements, malformed and deeply nested JSON
--   hz_option      option keys of the extension's jsonb options with bad values
--   hz_override    baseline argument values by argument name (and optionally function) where
--                  the default value of the type is not a valid argument
-- Everything is data: the sweep (test/hardening/sweep.sql) reads pg_proc and these tables, so a
-- function added later is swept without editing this file unless its arguments need a
-- baseline that no rule here gives.
-- (not echoed into pg_regress output: the definitions would bury the results)
\set hz_echo :ECHO
\set ECHO none
\set hz_quiet :QUIET
\set QUIET on

-- ---- the data set ------------------------------------------------------------------------
-- 40 rows, 2 groups, 2 strata, 8 clusters, distinct and tied times, late entries below the
-- exits, positive non-integer weights, two non-collinear covariates, causes 0..2.
CREATE TEMP TABLE hz_rows AS
SELECT g AS id,
       (g % 17 + 1 + (g % 3) * 0.5)::float8 AS "time",
       (g % 4 <> 0) AS event,
       (g % 4 <> 0)::integer AS event_integer,
       (g % 5 / 10.0)::float8 AS entry,
       (0.5 + (g % 7) / 4.0)::float8 AS weight,
       ARRAY[sin(g), (g % 5)::float8 / 2]::float8[] AS x,
       sin(g)::float8 AS x1, ((g % 5)::float8 / 2)::float8 AS x2,
       CASE WHEN g % 2 = 0 THEN 'a' ELSE 'b' END AS strata,
       CASE WHEN g % 2 = 0 THEN 'a' ELSE 'b' END AS stratum,
       CASE WHEN g % 3 = 0 THEN 'control' ELSE 'treated' END AS grp,
       'c' || (g % 8) AS cluster,
       (g % 3)::integer AS cause,
       (g % 3 = 1) AS y_boolean,
       ((g % 6) + sin(g))::float8 AS y_float8,
       (g % 4)::float8 AS y_count,
       ln(1 + g % 3)::float8 AS "offset",
       1.0::float8 AS grain
FROM generate_series(1, 40) g;
ANALYZE hz_rows;

-- ---- valid sample values per type ------------------------------------------------------
CREATE TEMP TABLE hz_sample (typ regtype, ord integer, label text, expr text, PRIMARY KEY (typ, ord));

INSERT INTO hz_sample (typ, ord, label, expr) VALUES
  ('float8', 1, 'one', '1.5'),
  ('real', 1, 'one', '1.5'),
  ('numeric', 1, 'one', '1.5'),
  ('integer', 1, 'one', '1'),
  ('bigint', 1, 'one', '1'),
  ('smallint', 1, 'one', '1'),
  ('boolean', 1, 'true', 'true'),
  ('text', 1, 'word', $$'a'$$),
  ('name', 1, 'word', $$'a'$$),
  ('oid', 1, 'zero', '0'),
  ('bytea', 1, 'bytes', $$'\x01'$$),
  ('jsonb', 1, 'empty object', $${}$$),
  ('json', 1, 'empty object', $${}$$),
  ('regclass', 1, 'the data set', $$'hz_rows'$$),
  ('float8[]', 1, 'two covariates', $$'{0.5,1}'$$),
  ('integer[]', 1, 'two', $$'{1,2}'$$),
  ('text[]', 1, 'two names', $$'{x1,x2}'$$),
  ('bigint[]', 1, 'two', $$'{1,2}'$$),
  ('cstring', 1, 'word', $$'a'$$);
-- literals that are not expressions of their own type are cast by the sweep: ('{}' AS jsonb)
UPDATE hz_sample SET expr = quote_literal(expr) WHERE typ IN ('jsonb'::regtype, 'json'::regtype);

-- the extension's types (added when the type exists, so modules that have not landed are skipped)
CREATE TEMP TABLE hz_sample_wanted (typ text, ord integer, label text, expr text);
INSERT INTO hz_sample_wanted VALUES
  -- codes
  ('clinnova.code', 1, 'ICD-10-GM', $$'ICD10GM:K50.1'$$),
  ('clinnova.code', 2, 'ATC', $$'ATC:L04AB02'$$),
  ('clinnova.code', 3, 'SNOMED', $$'SNOMED:34000006'$$),
  ('clinnova.code', 4, 'LOINC', $$'LOINC:1751-7'$$),
  ('clinnova.code', 5, 'OMOP', $$'OMOP:201606'$$),
  ('clinnova.code', 6, 'LOCAL', $$'LOCAL:site/x-1'$$),
  ('clinnova.code', 7, 'ICD-10 chapter top', $$'ICD10:A00'$$),
  ('clinnova.code[]', 1, 'two codes', $$'{ICD10GM:K50.1,ATC:L04AB02}'$$),
  ('clinnova.code[]', 2, 'drugs', $$'{ATC:L04AB02,ATC:L04AB04,ATC:L04AA23}'$$),
  -- survival
  ('clinnova.survfit', 1, 'km', $$(SELECT clinnova.km("time", event) FROM pg_temp.hz_rows)$$),
  ('clinnova.survfit', 2, 'km fractional weights', $$(SELECT clinnova.km("time", event, weight) FROM pg_temp.hz_rows)$$),
  ('clinnova.survfit', 3, 'km late entry', $$(SELECT clinnova.km(entry, "time", event) FROM pg_temp.hz_rows)$$),
  ('clinnova.survfit', 4, 'km late entry weighted', $$(SELECT clinnova.km(entry, "time", event, weight) FROM pg_temp.hz_rows)$$),
  ('clinnova.survfit', 5, 'cif two causes', $$(SELECT clinnova.cif("time", cause) FROM pg_temp.hz_rows)$$),
  ('clinnova.survfit', 6, 'cif weighted', $$(SELECT clinnova.cif("time", cause, weight) FROM pg_temp.hz_rows)$$),
  ('clinnova.survfit', 7, 'single row', $$(SELECT clinnova.km(2.0, true))$$),
  ('clinnova.survfit', 8, 'all censored', $$(SELECT clinnova.km("time", false) FROM pg_temp.hz_rows)$$),
  ('clinnova.survfit', 9, 'all events at time 0', $$(SELECT clinnova.km(0.0, true) FROM pg_temp.hz_rows)$$),
  ('clinnova.survfit', 10, 'extreme times', $$(SELECT clinnova.km(t, e) FROM (VALUES (5e-324::float8, true), (1e-300, false), (1.7e308, true), (1.7976931348623157e308, true)) v(t, e))$$),
  ('clinnova.survfit', 11, 'integer weights', $$(SELECT clinnova.km("time", event, 2.0) FROM pg_temp.hz_rows)$$),
  ('clinnova.survfit[]', 1, 'two curves', $$(SELECT array_agg(c) FROM (SELECT clinnova.km("time", event) c FROM pg_temp.hz_rows GROUP BY grp) s)$$),
  -- cox
  ('clinnova.coxmodel', 1, 'efron', $$(SELECT clinnova.coxph("time", event, x) FROM pg_temp.hz_rows)$$),
  ('clinnova.coxmodel', 2, 'breslow, strata, weights, cluster, entry',
     $$(SELECT clinnova.coxph(entry, "time", event, x, strata, weight, cluster, '{"ties": "breslow"}') FROM pg_temp.hz_rows)$$),
  ('clinnova.coxmodel', 3, 'one covariate', $$(SELECT clinnova.coxph("time", event, ARRAY[x1]) FROM pg_temp.hz_rows)$$),
  ('clinnova.coxmodel', 4, 'not converged', $$(SELECT clinnova.coxph("time", event, x, '{"max_iter": 1}') FROM pg_temp.hz_rows)$$),
  ('clinnova.coxmodel', 5, 'from steps (no baseline)',
     $$(SELECT clinnova.coxmodel_from_step(s, s, '{0,0}', 0, false) FROM (SELECT clinnova.coxph_step("time", event, x, '{0,0}') s FROM pg_temp.hz_rows) q)$$),
  ('clinnova.coxmodel', 6, 'aliased covariate', $$(SELECT clinnova.coxph("time", event, ARRAY[x1, x1]) FROM pg_temp.hz_rows)$$),
  ('clinnova.coxmodel', 7, 'monotone likelihood', $$(SELECT clinnova.coxph("time", event, ARRAY["time"]) FROM pg_temp.hz_rows)$$),
  ('clinnova.coxmodel', 8, 'stratified', $$(SELECT clinnova.coxph(NULL, "time", event, x, strata, NULL, NULL, NULL) FROM pg_temp.hz_rows)$$),
  ('clinnova.coxstep', 1, 'at zero', $$(SELECT clinnova.coxph_step("time", event, x, '{0,0}') FROM pg_temp.hz_rows)$$),
  ('clinnova.coxstep', 2, 'strata, weights, breslow',
     $$(SELECT clinnova.coxph_step(entry, "time", event, x, strata, weight, '{0.1,-0.2}', '{"ties": "breslow"}') FROM pg_temp.hz_rows)$$),
  ('clinnova.coxstep', 3, 'one covariate', $$(SELECT clinnova.coxph_step("time", event, ARRAY[x1], '{0.3}') FROM pg_temp.hz_rows)$$),
  ('clinnova.coxstep', 4, 'huge beta', $$(SELECT clinnova.coxph_step("time", event, x, '{300,-300}') FROM pg_temp.hz_rows)$$),
  -- models
  ('clinnova.glmmodel', 1, 'logistic', $$(SELECT clinnova.logreg(y_boolean, x) FROM pg_temp.hz_rows)$$),
  ('clinnova.glmmodel', 2, 'linear', $$(SELECT clinnova.linreg(y_float8, x) FROM pg_temp.hz_rows)$$),
  ('clinnova.glmmodel', 3, 'poisson', $$(SELECT clinnova.poisson(y_count, x) FROM pg_temp.hz_rows)$$),
  ('clinnova.glmmodel', 4, 'poisson offset weights', $$(SELECT clinnova.poisson(y_count, x, "offset", weight) FROM pg_temp.hz_rows)$$),
  ('clinnova.glmmodel', 5, 'no intercept', $$(SELECT clinnova.logreg(y_boolean, x, '{"intercept": false}'::jsonb) FROM pg_temp.hz_rows)$$),
  ('clinnova.glmstep', 1, 'logistic at zero', $$(SELECT clinnova.logreg_step(y_boolean, x, '{0,0,0}') FROM pg_temp.hz_rows)$$),
  ('clinnova.glmstep', 2, 'linear', $$(SELECT clinnova.linreg_step(y_float8, x, '{0,0,0}') FROM pg_temp.hz_rows)$$),
  ('clinnova.glmstep', 3, 'poisson weighted', $$(SELECT clinnova.poisson_step(y_count, x, '{0,0,0}', "offset", weight) FROM pg_temp.hz_rows)$$),
  ('clinnova.treemodel', 1, 'xgboost', $$(SELECT clinnova.import_xgboost(pg_temp.hz_xgboost_json()))$$),
  -- federation
  ('clinnova.summary', 1, 'describe', $$(SELECT clinnova.describe(y_float8) FROM pg_temp.hz_rows)$$),
  ('clinnova.summary', 2, 'single value', $$(SELECT clinnova.describe(1.5))$$),
  ('clinnova.coxgrid', 1, 'grid step',
     $$(SELECT clinnova.coxph_grid_step("time", event, x, '{0,0}', '{0,0}', 1.0, g) FROM pg_temp.hz_rows, (SELECT clinnova.coxph_grid_times("time", event, 1.0) g FROM pg_temp.hz_rows) q)$$),
  ('clinnova.coxgrid', 2, 'grid step, stratum of one row',
     $$(SELECT clinnova.coxph_grid_step("time", event, x, '{0.1,-0.2}', '{0.5,1}', 1.0, '{1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19}') FROM pg_temp.hz_rows WHERE id = 3)$$);

-- A tiny XGBoost JSON model (two trees of depth 1 over two features), for treemodel samples.
CREATE FUNCTION pg_temp.hz_xgboost_json() RETURNS jsonb LANGUAGE sql IMMUTABLE AS $json$
SELECT $$
{"learner": {"attributes": {}, "feature_names": ["x1", "x2"], "feature_types": ["float", "float"],
  "gradient_booster": {"model": {"gbtree_model_param": {"num_parallel_tree": "1", "num_trees": "2"},
    "iteration_indptr": [0, 1, 2], "tree_info": [0, 0],
    "trees": [
      {"base_weights": [0, -0.4, 0.4], "categories": [], "categories_nodes": [], "categories_segments": [],
       "categories_sizes": [], "default_left": [1, 0, 0], "id": 0, "left_children": [1, -1, -1],
       "loss_changes": [1, 0, 0], "parents": [2147483647, 0, 0], "right_children": [2, -1, -1],
       "split_conditions": [0.0, -0.4, 0.4], "split_indices": [0, 0, 0], "split_type": [0, 0, 0],
       "sum_hessian": [10, 5, 5], "tree_param": {"num_deleted": "0", "num_feature": "2", "num_nodes": "3", "size_leaf_vector": "0"}},
      {"base_weights": [0, -0.2, 0.2], "categories": [], "categories_nodes": [], "categories_segments": [],
       "categories_sizes": [], "default_left": [0, 0, 0], "id": 1, "left_children": [1, -1, -1],
       "loss_changes": [1, 0, 0], "parents": [2147483647, 0, 0], "right_children": [2, -1, -1],
       "split_conditions": [1.0, -0.2, 0.2], "split_indices": [1, 0, 0], "split_type": [0, 0, 0],
       "sum_hessian": [10, 5, 5], "tree_param": {"num_deleted": "0", "num_feature": "2", "num_nodes": "3", "size_leaf_vector": "0"}}
    ]}, "name": "gbtree"},
  "learner_model_param": {"base_score": "5E-1", "boost_from_average": "1", "num_class": "0", "num_feature": "2", "num_target": "1"},
  "objective": {"name": "binary:logistic", "reg_loss_param": {"scale_pos_weight": "1"}}},
 "version": [2, 0, 3]}
$$::jsonb
$json$;

INSERT INTO hz_sample (typ, ord, label, expr)
SELECT to_regtype(w.typ), w.ord, w.label, w.expr
FROM hz_sample_wanted w
WHERE to_regtype(w.typ) IS NOT NULL;
DROP TABLE hz_sample_wanted;

-- The extension's base types (pg_type, schema clinnova): a type added later is covered by
-- every test that iterates over them, and reported if it has no sample above.
CREATE FUNCTION pg_temp.hz_types() RETURNS SETOF regtype LANGUAGE sql STABLE AS $$
  SELECT t.oid::regtype FROM pg_type t
  WHERE t.typnamespace = 'clinnova'::regnamespace AND t.typtype = 'b' AND t.typelem = 0
  ORDER BY t.typname
$$;

-- Create table `name` (a regular table) holding every sample of every type of the extension:
-- column id, one column per type (named like the type) and one array column per type
-- (typname_array, all samples of the type); row k holds the k-th sample of each type (NULL
-- where a type has fewer).  Raises if a type has no sample.  Used for COPY round trips,
-- pg_dump / pg_restore and ALTER EXTENSION UPDATE (test/upgrade_data.sql).
CREATE FUNCTION pg_temp.hz_values_table(name text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    t regtype;
    missing text;
    cols text := 'id integer PRIMARY KEY';
    k integer;
    maxord integer;
BEGIN
    SELECT string_agg(x::text, ', ') INTO missing FROM pg_temp.hz_types() x
    WHERE x NOT IN (SELECT typ FROM pg_temp.hz_sample);
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'types without a sample value: %', missing
            USING HINT = 'Add samples to test/hardening/corpus.sql.';
    END IF;
    FOR t IN SELECT * FROM pg_temp.hz_types() LOOP
        cols := cols || format(', %I %s, %I %s[]', (SELECT typname FROM pg_type WHERE oid = t), t,
                               (SELECT typname FROM pg_type WHERE oid = t) || '_array', t);
    END LOOP;
    EXECUTE format('CREATE TABLE %I (%s)', name, cols);
    SELECT max(ord) INTO maxord FROM pg_temp.hz_sample WHERE typ IN (SELECT * FROM pg_temp.hz_types());
    FOR k IN 1 .. maxord LOOP
        EXECUTE format('INSERT INTO %I (id) VALUES (%s)', name, k);
    END LOOP;
    FOR t IN SELECT * FROM pg_temp.hz_types() LOOP
        FOR k IN SELECT ord FROM pg_temp.hz_sample WHERE typ = t ORDER BY ord LOOP
            EXECUTE format('UPDATE %I SET %I = (%s)::%s WHERE id = %s', name, (SELECT typname FROM pg_type WHERE oid = t),
                           (SELECT expr FROM pg_temp.hz_sample WHERE typ = t AND ord = k), t, k);
        END LOOP;
        EXECUTE format('UPDATE %I SET %I = (SELECT array_agg(%I ORDER BY id) FROM %I WHERE %I IS NOT NULL) WHERE id = 1',
                       name, (SELECT typname FROM pg_type WHERE oid = t) || '_array', (SELECT typname FROM pg_type WHERE oid = t),
                       name, (SELECT typname FROM pg_type WHERE oid = t));
    END LOOP;
END
$$;

-- The columns in which tables a and b (same columns, key id) differ, as text or as binary
-- (send) forms; NULL when they are equal.
CREATE FUNCTION pg_temp.hz_compare_tables(a regclass, b regclass) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    c record;
    ids integer[];
    diffs text[] := '{}';
BEGIN
    IF (SELECT array_agg(attname::text || atttypid::regtype::text ORDER BY attnum) FROM pg_attribute
        WHERE attrelid = a AND attnum > 0 AND NOT attisdropped) IS DISTINCT FROM
       (SELECT array_agg(attname::text || atttypid::regtype::text ORDER BY attnum) FROM pg_attribute
        WHERE attrelid = b AND attnum > 0 AND NOT attisdropped) THEN
        RETURN 'the columns differ';
    END IF;
    EXECUTE format('SELECT array_agg(id) FROM (SELECT id FROM %s EXCEPT ALL SELECT id FROM %s UNION ALL
                    (SELECT id FROM %s EXCEPT ALL SELECT id FROM %s)) q', a, b, b, a) INTO ids;
    IF ids IS NOT NULL THEN RETURN 'rows differ: ' || ids::text; END IF;
    FOR c IN SELECT attname, t.typsend::regproc AS send FROM pg_attribute JOIN pg_type t ON t.oid = atttypid
             WHERE attrelid = a AND attnum > 0 AND NOT attisdropped AND attname <> 'id' ORDER BY attnum LOOP
        EXECUTE format('SELECT array_agg(x.id ORDER BY x.id) FROM %s x JOIN %s y USING (id)
                        WHERE x.%I::text IS DISTINCT FROM y.%I::text OR %s(x.%I) IS DISTINCT FROM %s(y.%I)',
                       a, b, c.attname, c.attname, c.send, c.attname, c.send, c.attname) INTO ids;
        IF ids IS NOT NULL THEN
            diffs := diffs || format('%s in rows %s', c.attname, ids);
        END IF;
    END LOOP;
    RETURN nullif(array_to_string(diffs, '; '), '');
END
$$;

-- ---- edge values per argument type -------------------------------------------------------
CREATE TEMP TABLE hz_edge (typ regtype, expr text, PRIMARY KEY (typ, expr));
INSERT INTO hz_edge (typ, expr)
SELECT 'float8'::regtype, unnest(ARRAY['NULL', $$'NaN'$$, $$'Infinity'$$, $$'-Infinity'$$, '0', '-0.0', '-1', '-1e-300',
                              '5e-324', '1e-300', '1e15', '1e308', '-1e308', '1.7976931348623157e308', '0.5'])
UNION ALL
SELECT 'real'::regtype, unnest(ARRAY['NULL', $$'NaN'$$, $$'Infinity'$$, '-1', '0', '3e38'])
UNION ALL
SELECT 'numeric'::regtype, unnest(ARRAY['NULL', $$'NaN'$$, '-1', '0', '1e300'])
UNION ALL
SELECT 'integer'::regtype, unnest(ARRAY['NULL', '0', '-1', '2', '3', '64', '65', '1000000', '2147483647', '-2147483648'])
UNION ALL
SELECT 'bigint'::regtype, unnest(ARRAY['NULL', '0', '-1', '9223372036854775807', '-9223372036854775808'])
UNION ALL
SELECT 'smallint'::regtype, unnest(ARRAY['NULL', '0', '-1', '32767', '-32768'])
UNION ALL
SELECT 'boolean'::regtype, unnest(ARRAY['NULL', 'false', 'true'])
UNION ALL
SELECT 'text'::regtype, unnest(ARRAY['NULL', $$''$$, $$' '$$, $$'x'$$, $$'NaN'$$, $$'null'$$, $$'{}'$$, $$'-1'$$,
                            $$E'\t\n'$$, $$'ICD10:K50.1'$$, $$'log'$$, $$repeat('é', 5000)$$, $$'a"b\c'$$])
UNION ALL
SELECT 'name'::regtype, unnest(ARRAY['NULL', $$''$$, $$'x'$$])
UNION ALL
SELECT 'oid'::regtype, unnest(ARRAY['NULL', '0', '4294967295'])
UNION ALL
SELECT 'bytea'::regtype, unnest(ARRAY['NULL', $$''$$, $$'\x00'$$, $$'\xffffffff'$$])
UNION ALL
SELECT 'regclass'::regtype, unnest(ARRAY['NULL', $$'pg_class'$$, '0', $$'clinnova.concept'$$])
UNION ALL
SELECT 'jsonb'::regtype, unnest(ARRAY['NULL', $$'null'$$, $$'{}'$$, $$'[]'$$, $$'1'$$, $$'"x"'$$, $$'true'$$,
                             $$'{"unknown_key": 1}'$$, $$'[{}]'$$, $$'{"a": {"b": {"c": []}}}'$$,
                             $$repeat('[', 1000) || repeat(']', 1000)$$,
                             $$('{' || repeat('"a": {', 200) || repeat('}', 200) || '}')$$,
                             $$(SELECT jsonb_object_agg('k' || g, g) FROM generate_series(1, 2000) g)$$])
UNION ALL
SELECT 'json'::regtype, unnest(ARRAY['NULL', $$'null'$$, $$'{}'$$, $$'[]'$$, $$'1'$$])
UNION ALL
SELECT 'float8[]'::regtype, unnest(ARRAY['NULL', $$'{}'$$, $$'{NULL}'$$, $$'{NULL,1}'$$, $$'{1,NULL}'$$, $$'{NaN,1}'$$,
                                $$'{1,Infinity}'$$, $$'{-Infinity,1}'$$, $$'{1}'$$, $$'{1,2,3}'$$, $$'{0,0}'$$,
                                $$'{1e308,-1e308}'$$, $$'{1e-320,5e-324}'$$, $$'{{1,2},{3,4}}'$$, $$'{{1},{2}}'$$,
                                $$'[5:6]={1,2}'$$, $$'[0:1]={1,2}'$$, $$array_fill(1.0::float8, ARRAY[10000])$$,
                                $$array_fill(NULL::float8, ARRAY[2])$$, $$'{1000,-1000}'$$])
UNION ALL
SELECT 'integer[]'::regtype, unnest(ARRAY['NULL', $$'{}'$$, $$'{NULL}'$$, $$'{-1}'$$, $$'{2147483647}'$$, $$'{{1},{2}}'$$])
UNION ALL
SELECT 'bigint[]'::regtype, unnest(ARRAY['NULL', $$'{}'$$, $$'{NULL}'$$, $$'{-1}'$$])
UNION ALL
SELECT 'text[]'::regtype, unnest(ARRAY['NULL', $$'{}'$$, $$'{NULL}'$$, $$'{""}'$$, $$'{x1,x1}'$$, $$'{x1}'$$, $$'{x1,x2,x3}'$$,
                              $$'{{x1},{x2}}'$$, $$'[3:4]={x1,x2}'$$, $$array_fill('x'::text, ARRAY[5000])$$])
UNION ALL
SELECT 'cstring'::regtype, unnest(ARRAY['NULL', $$''$$, $$'x'$$]);

-- the extension's own types: every other sample, plus NULL
INSERT INTO hz_edge (typ, expr)
SELECT DISTINCT typ, 'NULL' FROM hz_sample WHERE typ::text LIKE 'clinnova.%'
UNION
SELECT typ, expr FROM hz_sample WHERE typ::text LIKE 'clinnova.%' AND ord > 1;
INSERT INTO hz_edge (typ, expr)
SELECT t, unnest(ARRAY[$$'{}'$$, $$'{NULL}'$$]) FROM (VALUES (to_regtype('clinnova.code[]')), (to_regtype('clinnova.survfit[]'))) v(t)
WHERE t IS NOT NULL
ON CONFLICT DO NOTHING;

-- ---- option keys with bad values (jsonb arguments named options) --------------------------
-- Keys of every module's options (unknown keys must be refused by name, so a key a function
-- does not take is an edge case too).
CREATE TEMP TABLE hz_option (expr text PRIMARY KEY);
INSERT INTO hz_option (expr)
SELECT quote_literal(jsonb_build_object(k, v::jsonb))
FROM unnest(ARRAY['ties', 'terms', 'max_iter', 'tol', 'toler_chol', 'toler_inf', 'conf_level', 'robust',
                  'concordance', 'baseline', 'timefix', 'transform', 'assign', 'global', 'intercept',
                  'family', 'link', 'epsilon', 'maxit', 'names', 'features', 'weights', 'offset',
                  'missing', 'type', 'strata']) k,
     unnest(ARRAY['null', '-1', '0', '0.5', '1', '2', '1e308', '-1e308', '"x"', '""', '"NaN"', '[]', '["x"]',
                  '[1, 2]', '[null]', '{}', 'true', 'false', '2147483648', '1.5']) v;

-- ---- baseline overrides by argument name ---------------------------------------------------
-- func = '*' applies to every function; a function-specific row wins.
CREATE TEMP TABLE hz_override (func text, arg text, typ regtype, expr text, UNIQUE (func, arg, typ));
INSERT INTO hz_override (func, arg, typ, expr) VALUES
  ('*', 'conf_type', NULL, $$'log'$$),
  ('*', 'variance', NULL, $$'auto'$$),
  ('*', 'system', NULL, $$'ICD10'$$),
  ('*', 'target_system', NULL, $$'ATC'$$),
  ('*', 'vocabulary_id', NULL, $$'ICD10'$$),
  ('*', 'concept_code', NULL, $$'K50.1'$$),
  ('*', 'value', NULL, $$'K50.1'$$),
  ('*', 'entry', 'text', $$'K50.1 G'$$),
  ('*', 'name', NULL, $$'ibd'$$),
  ('*', 'version', NULL, 'NULL'),
  ('*', 'type', NULL, 'NULL'),
  ('*', 'strata', NULL, 'NULL'),
  ('*', 'coding', NULL, $${"system": "http://hl7.org/fhir/sid/icd-10", "code": "K50.1"}$$),
  ('*', 'beta', NULL, $$'{0,0}'$$),
  ('*', 'p', NULL, '0.5'),
  ('*', 'tau', NULL, '10'),
  ('*', 't', NULL, '5'),
  ('*', 'conf_level', NULL, '0.95'),
  ('*', 'rho', NULL, '1'),
  ('*', 'iterations', NULL, '3'),
  ('*', 'relation', NULL, $$'hz_rows'$$),
  ('*', 'covariates', NULL, $$'{x1,x2}'$$),
  ('*', 'ctype', NULL, '1'),
  ('clinnova.icd10gm_parse', 'coding', NULL, $${"system": "http://fhir.de/CodeSystem/bfarm/icd-10-gm", "code": "K50.1"}$$),
  ('clinnova.code', 'text', NULL, $$'ICD10:K50.1'$$),
  ('clinnova.is_valid_code', 'text', NULL, $$'ICD10:K50.1'$$),
  ('clinnova.code_system_name', 'text', NULL, $$'ICD10'$$),
  ('clinnova.code_in', 'cstring', NULL, $$'ICD10:K50.1'$$),
  ('clinnova.coxph_fit', 'time', NULL, $$'time'$$),
  ('clinnova.coxph_fit', 'event', NULL, $$'event'$$),
  -- models: outcomes of each family, beta with the intercept, a registered model, features
  ('clinnova.logreg', 'y', NULL, 'r.y_boolean'),
  ('clinnova.logreg_step', 'y', NULL, 'r.y_boolean'),
  ('clinnova.poisson', 'y', NULL, 'r.y_count'),
  ('clinnova.poisson_step', 'y', NULL, 'r.y_count'),
  ('clinnova.logreg_step', 'beta', NULL, $$'{0,0,0}'$$),
  ('clinnova.linreg_step', 'beta', NULL, $$'{0,0,0}'$$),
  ('clinnova.poisson_step', 'beta', NULL, $$'{0,0,0}'$$),
  ('clinnova.import_xgboost', 'model', 'jsonb', 'pg_temp.hz_xgboost_json()'),
  ('clinnova.bind_features', 'features', NULL, $$'{"x1": 0.5, "x2": 1}'$$),
  ('clinnova.score', 'features', NULL, $$'{"x1": 0.5, "x2": 1}'$$),
  ('*', 'model_name', NULL, $$'hz_glm'$$),
  -- federation: a grid of the data set's event times, a count above min_cell_count
  ('clinnova.coxph_grid_step', 'center', NULL, $$'{0,0}'$$),
  ('clinnova.coxph_grid_step', 'grid', NULL, $$'{1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19}'$$),
  ('clinnova.federation_cell_check', 'n', NULL, '10'),
  -- synth: a site of the synthetic network
  ('*', 'site', 'text', $$'LU'$$),
  ('*', 'ties', NULL, $$'efron'$$),
  ('clinnova.synth_load', 'target_schema', NULL, $$'hz_synth'$$);
UPDATE hz_override SET expr = quote_literal(expr) WHERE arg = 'coding';
\set QUIET :hz_quiet
\set ECHO :hz_echo
