-- Helpers for pg_regress tests: \i test/lib/regress_helpers.sql at the top of a test.
-- Session-local (pg_temp) so they never touch the extension's schema.
\set QUIET on

-- close_enough(actual, expected, rel): equal to a relative tolerance, or to an absolute one
-- (the same number) when |expected| < 1; NULL matches NULL, NaN matches NaN, infinities match
-- exactly.
CREATE FUNCTION pg_temp.close_enough(actual float8, expected float8, rel float8 DEFAULT 1e-9)
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN actual IS NULL OR expected IS NULL THEN actual IS NULL AND expected IS NULL
    WHEN actual = 'NaN'::float8 OR expected = 'NaN'::float8 THEN actual = expected
    WHEN expected IN ('Infinity'::float8, '-Infinity'::float8) THEN actual = expected
    ELSE abs(actual - expected) <= rel * greatest(abs(expected), 1.0)
  END
$$;

-- json_float8(j): a JSON number, or NULL for JSON null and for R's "NA"/"NaN" strings.
CREATE FUNCTION pg_temp.json_float8(j jsonb)
RETURNS float8 LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE jsonb_typeof(j)
    WHEN 'number' THEN (j #>> '{}')::float8
    WHEN 'string' THEN CASE WHEN j #>> '{}' IN ('NA', 'NaN', '') THEN NULL
                            WHEN j #>> '{}' = 'Inf' THEN 'Infinity'::float8
                            WHEN j #>> '{}' = '-Inf' THEN '-Infinity'::float8
                            ELSE (j #>> '{}')::float8 END
    ELSE NULL END
$$;

-- csv_float8(t): a CSV field as float8, with R's NA/NaN/Inf spellings.
CREATE FUNCTION pg_temp.csv_float8(t text)
RETURNS float8 LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN t IS NULL OR t IN ('NA', '') THEN NULL
              WHEN t = 'Inf' THEN 'Infinity'::float8
              WHEN t = '-Inf' THEN '-Infinity'::float8
              ELSE t::float8 END
$$;

-- The settings that force parallel plans (CONVENTIONS.md, practice 10).
CREATE FUNCTION pg_temp.force_parallel() RETURNS void LANGUAGE sql AS $$
  SELECT set_config('parallel_setup_cost', '0', false),
         set_config('parallel_tuple_cost', '0', false),
         set_config('min_parallel_table_scan_size', '0', false),
         set_config('max_parallel_workers_per_gather', '2', false),
         set_config('parallel_leader_participation', 'off', false);
$$;
CREATE FUNCTION pg_temp.serial_only() RETURNS void LANGUAGE sql AS $$
  SELECT set_config('max_parallel_workers_per_gather', '0', false);
$$;
\set QUIET off
