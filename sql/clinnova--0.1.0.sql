-- clinnova 0.1.0: precision-medicine analytics inside PostgreSQL.
-- Schema clinnova is fixed (relocatable = false): postgres_fdw ships schema-qualified names, so
-- every site and the coordinator must agree on it.  SQL bodies qualify every name, because
-- remote sessions run with search_path = pg_catalog.

\echo Use "CREATE EXTENSION clinnova" to load this file. \quit

-- ============================================================================================
-- core
-- ============================================================================================

CREATE FUNCTION clinnova.version()
RETURNS text
AS 'MODULE_PATHNAME', 'clinnova_version'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION clinnova.version() IS 'version of the loaded clinnova library';

CREATE FUNCTION clinnova.build_info(
    OUT library_version text,
    OUT postgres_version text,
    OUT blas_config text,
    OUT blas_mode text,
    OUT blas_threads integer,
    OUT backend_threads integer,
    OUT blas_check boolean)
RETURNS record
AS 'MODULE_PATHNAME', 'clinnova_build_info'
LANGUAGE C VOLATILE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION clinnova.build_info() IS
  'library and server versions, BLAS library and threading, backend thread count, BLAS self-check';

-- ============================================================================================
-- codes
-- ============================================================================================

-- ============================================================================================
-- survival
-- ============================================================================================

-- ============================================================================================
-- cox
-- ============================================================================================

-- ============================================================================================
-- models
-- ============================================================================================

-- ============================================================================================
-- federation
-- ============================================================================================

-- ============================================================================================
-- demo
-- ============================================================================================
