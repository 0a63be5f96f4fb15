-- API contract of the whole extension: schema, documentation and parallel-safety rules that
-- every module must keep.  Module suites live in test/pgtap/<module>.sql.
BEGIN;
SELECT plan(14);

SELECT has_schema('clinnova', 'schema clinnova exists');
SELECT has_extension('clinnova', 'extension clinnova is installed');
SELECT is((SELECT extrelocatable FROM pg_extension WHERE extname = 'clinnova'), false,
          'the extension is not relocatable');
SELECT is((SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'clinnova'), 'clinnova',
          'the extension lives in schema clinnova');

SELECT has_function('clinnova', 'version', ARRAY[]::name[], 'clinnova.version() exists');
SELECT function_returns('clinnova', 'version', ARRAY[]::name[], 'text', 'version() returns text');
SELECT is(clinnova.version(), (SELECT extversion FROM pg_extension WHERE extname = 'clinnova'),
          'library version equals the installed SQL version');
SELECT has_function('clinnova', 'build_info', ARRAY[]::name[], 'clinnova.build_info() exists');
SELECT ok((SELECT blas_check FROM clinnova.build_info()), 'BLAS/LAPACK self-check passes');
SELECT is((SELECT backend_threads FROM clinnova.build_info()), 1,
          'a backend that ran BLAS still has exactly one thread');
SELECT is((SELECT blas_mode FROM clinnova.build_info()), 'sequential', 'BLAS is the sequential build');

-- every function, aggregate and type of the extension is documented with COMMENT
SELECT is_empty($$
  SELECT p.oid::regprocedure::text FROM pg_proc p
  WHERE p.pronamespace = 'clinnova'::regnamespace AND obj_description(p.oid, 'pg_proc') IS NULL
$$, 'every function and aggregate in schema clinnova has a COMMENT');
SELECT is_empty($$
  SELECT t.oid::regtype::text FROM pg_type t
  WHERE t.typnamespace = 'clinnova'::regnamespace AND t.typtype IN ('b', 'd', 'e') AND t.typcategory <> 'A'
    AND obj_description(t.oid, 'pg_type') IS NULL
$$, 'every base type in schema clinnova has a COMMENT');

-- nothing is left PARALLEL UNSAFE by accident: unsafe functions must say why in their COMMENT
SELECT is_empty($$
  SELECT p.oid::regprocedure::text FROM pg_proc p
  WHERE p.pronamespace = 'clinnova'::regnamespace AND p.proparallel = 'u'
    AND obj_description(p.oid, 'pg_proc') NOT ILIKE '%parallel unsafe%'
$$, 'functions that are PARALLEL UNSAFE say so in their COMMENT');

SELECT * FROM finish();
ROLLBACK;
