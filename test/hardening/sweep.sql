-- test/hardening/sweep.sql — the catalog-driven bad-input sweep.
--
-- \i it after test/hardening/corpus.sql.  It defines, in pg_temp:
--   hz_args(fn)        the input arguments of a function with their baseline expressions
--   hz_calls(level)    every call of the sweep: for each function and aggregate of schema
--                      clinnova (read from pg_proc, so functions added later are covered), the
--                      baseline call and calls varying ONE argument through the edge values
--                      of its type (aggregates: for all rows, and for one row among valid
--                      ones; plus empty input and a single row)
--   hz_run(level)      runs every call in its own subtransaction (rolled back even on success,
--                      so calls with side effects leave nothing behind) and records the outcome
--                      in hz_result
-- The report queries are in the tests; the rules (test/hardening/README.md):
--   * a call never crashes the backend (the test's connection survives);
--   * an error carries a SQLSTATE of an expected class: 22 (bad data), 42 (bad call, access),
--     54 (limits), 0A (not supported), 23 (constraint), 55 (object state) — never XX000 (an
--     internal error is a bug: elog(ERROR) or an unchecked path) or P0001 (RAISE without code);
--   * every value a call returns prints (output function) and, for a type of the extension,
--     reads back through its text input to the same value (text and binary forms equal);
--   * every baseline call succeeds, so that each edge value is tested against a valid call.
-- (not echoed into pg_regress output: the definitions would bury the results)
\set hz_echo :ECHO
\set ECHO none
\set hz_quiet :QUIET
\set QUIET on

-- Functions the sweep does not call, with the reason (shown by the test).
CREATE TEMP TABLE hz_skip (fn regprocedure PRIMARY KEY, reason text NOT NULL);
-- trigger and event trigger functions (read from pg_proc): only the executor calls them
INSERT INTO hz_skip
SELECT p.oid, 'a ' || format_type(p.prorettype, NULL) || ' function: only the executor calls it'
FROM pg_proc p
WHERE p.pronamespace = 'clinnova'::regnamespace AND p.prorettype IN ('trigger'::regtype, 'event_trigger'::regtype);

-- Functions whose baseline call needs what a single test database does not have (federation
-- sites reached through postgres_fdw, clinnova in shared_preload_libraries): the baseline
-- fails with the SQLSTATE given, every edge value is still swept under the usual rules, and
-- the multi-cluster suite test/federation/ calls them for real (shown by the test).
CREATE TEMP TABLE hz_needs_setup (fn regprocedure PRIMARY KEY, state text NOT NULL, reason text NOT NULL);
INSERT INTO hz_needs_setup
SELECT p.oid, v.state, v.reason
FROM pg_proc p JOIN (VALUES
  ('^federated_', '22023', 'needs federation sites'),
  ('^federation_(check|selected|require)_sites$', '22023', 'needs federation sites'),
  ('^federation_(source|union_sql|refresh_site|glm_fit)$', '22023', 'needs federation sites'),
  ('^federation_cox_newton$', '42601', 'runs the SQL of a federated step (sites needed)'),
  ('^federation_create_foreign_tables$', '42601', 'needs a federation site row (postgres_fdw server)'),
  ('^federation_add_site$', '55000', 'needs postgres_fdw in the database'),
  ('^federation_publish$', '55000', 'needs clinnova in shared_preload_libraries'),
  ('^rank_treatments$', '22023', 'needs a model registered with a treatment encoding (test/sql/model_registry)'),
  ('^coxgrid_coxstep$', '22P02', 'needs the event count and sums of a real federated step (test/sql/federation_coxgrid)'),
  ('^model_registry_insert$', '22023', 'the checked insert behind register_model: its arguments must agree (swept through register_model)'))
  v(pattern, state, reason) ON p.proname ~ v.pattern
WHERE p.pronamespace = 'clinnova'::regnamespace;

-- Functions whose result is, by design, not a value to store: the sweep prints it but does not
-- require it to read back (shown by the test).
CREATE TEMP TABLE hz_unstorable (fn regprocedure PRIMARY KEY, reason text NOT NULL);
INSERT INTO hz_unstorable
SELECT to_regprocedure(f), r FROM (VALUES
  ('clinnova.code_subtree_end(clinnova.code)',
   'an exclusive sort bound for index scans, e.g. SNOMED:34000007 after SNOMED:34000006, which need not be a valid code')) v(f, r)
WHERE to_regprocedure(f) IS NOT NULL;

-- Is this call's outcome acceptable for a baseline?  Success, or the documented failure of a
-- function that needs setup (hz_needs_setup).  Other variants: always true.
CREATE FUNCTION pg_temp.hz_baseline_ok(f regprocedure, variant text, state text) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT variant <> 'baseline' OR state = '00000'
         OR EXISTS (SELECT 1 FROM pg_temp.hz_needs_setup n WHERE n.fn = f AND n.state = hz_baseline_ok.state)
$$;

-- What some baselines need in the database: a registered model (score, model_registry_get)
-- and a schema for synth_load (created only if missing, kept: both are harmless).
DO $$
BEGIN
    IF to_regprocedure('clinnova.register_model(text,clinnova.glmmodel,text[],clinnova.code[],text,jsonb,jsonb,jsonb)') IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM clinnova.model_registry WHERE name = 'hz_glm') THEN
        PERFORM clinnova.register_model('hz_glm', (SELECT clinnova.logreg(y_boolean, x) FROM pg_temp.hz_rows));
    END IF;
    CREATE SCHEMA IF NOT EXISTS hz_synth;
END
$$;

-- The call results.
CREATE TEMP TABLE hz_result (
    id serial PRIMARY KEY,
    pass text NOT NULL,             -- 'serial' or 'parallel'
    fn regprocedure NOT NULL,
    variant text NOT NULL,          -- 'baseline', 'empty', 'single row', 'arg N: edge', 'arg N row 7: edge'
    query text NOT NULL,
    state text,                     -- SQLSTATE, '00000' on success
    message text,
    result text,
    ms float8
);

-- The element type of a type name for the sample lookup: regtype text as pg_proc prints it.
-- Baseline expression of one input argument of function fn (qualified name fname), or NULL
-- when no rule gives one.  Rules in order: an override for this function; for aggregates a
-- column of hz_rows named like the argument (or argument_type) of the same type; the
-- argument's declared default; an override for any function; the first sample of the type.
CREATE FUNCTION pg_temp.hz_baseline(fname text, is_agg boolean, argname text, argtyp regtype, argdefault text)
RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE
    e text;
BEGIN
    SELECT o.expr INTO e FROM pg_temp.hz_override o
    WHERE o.func = fname AND o.arg = argname AND (o.typ IS NULL OR o.typ = argtyp)
    ORDER BY o.typ NULLS LAST LIMIT 1;
    IF e IS NOT NULL THEN RETURN e; END IF;
    IF is_agg THEN
        SELECT 'r.' || quote_ident(a.attname) INTO e
        FROM pg_attribute a
        WHERE a.attrelid = 'pg_temp.hz_rows'::regclass AND a.attnum > 0 AND a.atttypid = argtyp
          AND a.attname IN (argname, argname || '_' || (SELECT typname FROM pg_type WHERE oid = argtyp))
        ORDER BY a.attname = argname DESC LIMIT 1;
        IF e IS NOT NULL THEN RETURN e; END IF;
    END IF;
    IF argdefault IS NOT NULL THEN RETURN argdefault; END IF;
    SELECT o.expr INTO e FROM pg_temp.hz_override o
    WHERE o.func = '*' AND o.arg = argname AND (o.typ IS NULL OR o.typ = argtyp)
    ORDER BY o.typ NULLS LAST LIMIT 1;
    IF e IS NOT NULL THEN RETURN e; END IF;
    SELECT s.expr INTO e FROM pg_temp.hz_sample s WHERE s.typ = argtyp ORDER BY s.ord LIMIT 1;
    RETURN e;
END
$$;

-- The input arguments of fn: position, name (the type name when unnamed), type, baseline.
CREATE FUNCTION pg_temp.hz_args(fn regprocedure)
RETURNS TABLE (pos integer, name text, typ regtype, baseline text)
LANGUAGE sql STABLE AS $$
  WITH p AS (SELECT * FROM pg_proc WHERE oid = fn),
  a AS (
    SELECT n AS allpos,
           coalesce(p.proallargtypes[n], p.proargtypes[n - 1]) AS typ,
           coalesce(nullif(p.proargnames[n], ''), NULL) AS name,
           coalesce(p.proargmodes[n], 'i') AS mode
    FROM p, generate_series(1, coalesce(array_length(p.proallargtypes, 1), p.pronargs)) n)
  SELECT row_number() OVER (ORDER BY a.allpos)::integer,
         coalesce(a.name, format_type(a.typ, NULL)),
         a.typ::regtype,
         CASE WHEN a.typ = 'cstring'::regtype AND s.expr IS NOT NULL
              -- a type input function reads the text of a sample of its type
              THEN format('(%s)::text', s.expr)
              ELSE pg_temp.hz_baseline(p.oid::regproc::text, p.prokind = 'a', coalesce(a.name, format_type(a.typ, NULL)),
                                       a.typ::regtype, pg_get_function_arg_default(p.oid, a.allpos::integer)) END
  FROM p CROSS JOIN a
  LEFT JOIN LATERAL (SELECT x.expr FROM pg_temp.hz_sample x JOIN pg_type t ON t.oid = x.typ
                     WHERE t.typinput = p.oid ORDER BY x.ord LIMIT 1) s ON true
  WHERE a.mode IN ('i', 'b', 'v')
  ORDER BY a.allpos
$$;

-- The text of a value, checking that a value of one of the extension's base types reads back
-- through its text input to the same text and the same binary form (SQLSTATE HZ002 if not).
-- Arrays of such types are checked element by element.
CREATE FUNCTION pg_temp.hz_text(v anyelement) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    t regtype := pg_typeof(v);
    elem regtype;
    tt text;
    back text;
    same boolean;
BEGIN
    IF v IS NULL THEN RETURN NULL; END IF;
    tt := v::text;
    SELECT CASE WHEN typelem <> 0 AND typlen = -1 THEN typelem END INTO elem FROM pg_type WHERE oid = t;
    IF EXISTS (SELECT 1 FROM pg_type WHERE oid = coalesce(elem, t) AND typtype = 'b'
                 AND typnamespace = 'clinnova'::regnamespace AND typelem = 0) THEN
      BEGIN
        IF elem IS NULL THEN
            EXECUTE format('SELECT ($1::text)::%s::text, %s($1) = %s(($1::text)::%s)', t,
                           (SELECT typsend::regproc FROM pg_type WHERE oid = t),
                           (SELECT typsend::regproc FROM pg_type WHERE oid = t), t)
               INTO back, same USING v;
        ELSE
            EXECUTE format('SELECT ($1::text)::%s::text, bool_and(%s(e) = %s((e::text)::%s)) FROM unnest($1) e', t,
                           (SELECT typsend::regproc FROM pg_type WHERE oid = elem),
                           (SELECT typsend::regproc FROM pg_type WHERE oid = elem), elem)
               INTO back, same USING v;
        END IF;
      EXCEPTION WHEN OTHERS THEN
        -- a value the extension returned but cannot read back is a bug, whatever the error
        RAISE SQLSTATE 'HZ002' USING MESSAGE = format('%s value does not read back (%s): %s', t, SQLERRM, left(tt, 200));
      END;
        IF back IS DISTINCT FROM tt OR NOT coalesce(same, true) THEN
            RAISE SQLSTATE 'HZ002' USING MESSAGE = format('%s value does not round-trip: %s', t, left(tt, 200));
        END IF;
    END IF;
    RETURN tt;
END
$$;

-- Run one query in a subtransaction that is always rolled back (so a call that succeeds leaves
-- no side effect either); return its SQLSTATE, message and result.
CREATE FUNCTION pg_temp.hz_try(q text, OUT state text, OUT message text, OUT result text, OUT ms float8)
LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz := clock_timestamp();
    detail text;
BEGIN
    BEGIN
        EXECUTE q INTO result;
        state := '00000';
        RAISE SQLSTATE 'HZ001';
    EXCEPTION
        WHEN SQLSTATE 'HZ001' THEN NULL;
        WHEN query_canceled THEN
            GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
            message := message || coalesce(' (' || nullif(detail, '') || ')', '');
        WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
            message := message || coalesce(' (' || nullif(detail, '') || ')', '');
    END;
    ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
END
$$;

-- One call as SQL: a function in FROM (works for scalar and set-returning functions) or an
-- aggregate over hz_rows; args are expressions, filter the WHERE clause of an aggregate.
-- The relation aggregates read is hz_rows, or the one named by the setting hz.rows (the
-- parallel pass uses a regular table: temporary tables are never scanned in parallel).
CREATE FUNCTION pg_temp.hz_query(fn regprocedure, args text[], filter text DEFAULT 'true')
RETURNS text LANGUAGE sql STABLE AS $$
  SELECT CASE p.prokind
    WHEN 'a' THEN format('SELECT pg_temp.hz_text(%s(%s)) FROM %s r WHERE %s',
                         p.oid::regproc, CASE WHEN cardinality(args) = 0 THEN '*' ELSE array_to_string(args, ', ') END,
                         coalesce(nullif(current_setting('hz.rows', true), ''), 'pg_temp.hz_rows'), filter)
    WHEN 'p' THEN format('CALL %s(%s)', p.oid::regproc, array_to_string(args, ', '))
    ELSE CASE WHEN p.proretset OR t.typtype IN ('c', 'p')
              THEN format('SELECT string_agg(t::text, E''\n'') FROM %s(%s) AS t', p.oid::regproc, array_to_string(args, ', '))
              WHEN p.oid IN (SELECT u.fn FROM pg_temp.hz_unstorable u)
              THEN format('SELECT (%s(%s))::text', p.oid::regproc, array_to_string(args, ', '))
              ELSE format('SELECT pg_temp.hz_text(%s(%s))', p.oid::regproc, array_to_string(args, ', ')) END
  END
  FROM pg_proc p JOIN pg_type t ON t.oid = p.prorettype WHERE p.oid = fn
$$;

-- The functions of the sweep: every function, aggregate and procedure of schema clinnova that
-- SQL can call (not those taking internal: the executor calls them), minus hz_skip.
CREATE FUNCTION pg_temp.hz_functions() RETURNS SETOF regprocedure LANGUAGE sql STABLE AS $$
  SELECT p.oid::regprocedure FROM pg_proc p
  WHERE p.pronamespace = 'clinnova'::regnamespace
    AND NOT ('internal'::regtype = ANY (p.proargtypes::oid[]))
    AND p.oid NOT IN (SELECT fn FROM pg_temp.hz_skip)
  ORDER BY p.oid::regprocedure::text
$$;

-- Every call of the sweep at a level (1: a few bad values of each option key, 2: every option
-- key with every bad value for each options argument).
CREATE FUNCTION pg_temp.hz_calls(level integer DEFAULT 1)
RETURNS TABLE (fn regprocedure, variant text, query text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    f regprocedure;
    is_agg boolean;
    a record;
    base text[];
    args text[];
    e text;
BEGIN
    FOR f IN SELECT * FROM pg_temp.hz_functions() LOOP
        is_agg := (SELECT prokind = 'a' FROM pg_proc WHERE oid = f);
        SELECT array_agg(format('(%s)::%s', h.baseline, h.typ) ORDER BY h.pos) INTO base FROM pg_temp.hz_args(f) h;
        base := coalesce(base, '{}');
        fn := f;
        IF array_position(base, NULL) IS NOT NULL THEN
            variant := 'no baseline for argument ' || array_position(base, NULL);
            query := NULL;
            RETURN NEXT;
            CONTINUE;
        END IF;
        variant := 'baseline';
        query := pg_temp.hz_query(f, base);
        RETURN NEXT;
        IF is_agg THEN
            variant := 'empty input';
            query := pg_temp.hz_query(f, base, 'false');
            RETURN NEXT;
            variant := 'single row';
            query := pg_temp.hz_query(f, base, 'r.id = 1');
            RETURN NEXT;
            variant := 'all rows twice';
            query := regexp_replace(pg_temp.hz_query(f, base), ' FROM (\S+) r WHERE true$',
                                    ' FROM (SELECT * FROM \1 UNION ALL SELECT * FROM \1) r WHERE true');
            RETURN NEXT;
        END IF;
        FOR a IN SELECT * FROM pg_temp.hz_args(f) LOOP
            FOR e IN
                SELECT x.expr FROM pg_temp.hz_edge x WHERE x.typ = a.typ
                UNION ALL
                SELECT o.expr FROM pg_temp.hz_option o
                WHERE a.typ = 'jsonb'::regtype AND a.name = 'options'
                  AND (level >= 2 OR o.expr ~ ': (-1|"x"|\[\]|null)\}')
            LOOP
                args := base;
                args[a.pos] := format('(%s)::%s', e, a.typ);
                variant := format('arg %s (%s) = %s', a.pos, a.name, left(e, 60));
                query := pg_temp.hz_query(f, args);
                RETURN NEXT;
                IF is_agg THEN
                    args[a.pos] := format('(CASE WHEN r.id = 7 THEN (%s)::%s ELSE %s END)', e, a.typ, base[a.pos]);
                    variant := format('arg %s (%s) in row 7 = %s', a.pos, a.name, left(e, 60));
                    query := pg_temp.hz_query(f, args);
                    RETURN NEXT;
                END IF;
            END LOOP;
        END LOOP;
    END LOOP;
END
$$;

-- Run the sweep: every call in its own rolled-back subtransaction.
-- Only calls whose variant matches `variants` (a regular expression) and, with aggregates_only,
-- only aggregates run; pass is recorded with each result.
CREATE FUNCTION pg_temp.hz_run(level integer DEFAULT 1, trace boolean DEFAULT false,
                               variants text DEFAULT '', aggregates_only boolean DEFAULT false,
                               pass text DEFAULT 'serial')
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    c record;
    r record;
    n bigint := 0;
BEGIN
    FOR c IN SELECT k.* FROM pg_temp.hz_calls(level) k JOIN pg_proc p ON p.oid = k.fn
             WHERE k.variant ~ variants AND (NOT aggregates_only OR p.prokind = 'a') LOOP
        IF c.query IS NULL THEN
            INSERT INTO pg_temp.hz_result (pass, fn, variant, query, state, message)
            VALUES (pass, c.fn, c.variant, '', 'HZ000', 'no baseline value for an argument: add a rule to test/hardening/corpus.sql');
            CONTINUE;
        END IF;
        IF trace THEN RAISE LOG 'hardening sweep: %', c.query; END IF;
        r := pg_temp.hz_try(c.query);
        INSERT INTO pg_temp.hz_result (pass, fn, variant, query, state, message, result, ms)
        VALUES (pass, c.fn, c.variant, c.query, r.state, r.message, left(r.result, 2000), r.ms);
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;

-- Allowed error classes (see the header).
CREATE FUNCTION pg_temp.hz_allowed(state text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT state = '00000' OR left(state, 2) IN ('22', '42', '54', '0A', '23', '55')
$$;
\set QUIET :hz_quiet
\set ECHO :hz_echo
