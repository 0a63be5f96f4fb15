-- clinnova.build_info(): what a DBA checks after an install.  build_info() runs a BLAS/LAPACK
-- self-check first, so backend_threads = 1 proves that a backend that called BLAS still runs
-- on a single thread (OpenBLAS serial build, pinned to one thread in _PG_init).
SELECT library_version = clinnova.version() AS version_ok,
       postgres_version LIKE 'PostgreSQL 15.%' AS postgres_15,
       blas_config LIKE 'OpenBLAS %' AS openblas,
       blas_mode,
       blas_threads,
       backend_threads,
       blas_check
FROM clinnova.build_info();

-- a second call in the same backend: still one thread
SELECT backend_threads FROM clinnova.build_info();

-- in a parallel worker too
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
CREATE TABLE build_info_rows AS SELECT g FROM generate_series(1, 1000) g;
ANALYZE build_info_rows;
-- the function is evaluated by the parallel workers (Output of the Parallel Seq Scan)
EXPLAIN (COSTS OFF, VERBOSE)
SELECT (clinnova.build_info()).backend_threads FROM build_info_rows WHERE g % 500 = 0;
SELECT DISTINCT t FROM (SELECT (clinnova.build_info()).backend_threads AS t FROM build_info_rows WHERE g % 500 = 0) s;
DROP TABLE build_info_rows;
