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

-- ---- site side: published relations --------------------------------------------------------

CREATE TABLE clinnova.federation_published (
    relation regclass PRIMARY KEY,
    identifiers text[] NOT NULL DEFAULT '{}',
    published_by name NOT NULL DEFAULT CURRENT_USER,
    published_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE clinnova.federation_published IS
  'relations this site publishes for federation, with their identifier columns (use federation_publish)';
SELECT pg_catalog.pg_extension_config_dump('clinnova.federation_published', '');

CREATE FUNCTION clinnova.federation_published_changed()
RETURNS trigger
AS 'MODULE_PATHNAME', 'federation_published_changed'
LANGUAGE C PARALLEL UNSAFE;

COMMENT ON FUNCTION clinnova.federation_published_changed() IS
  'trigger: makes every backend reload the published relations; parallel unsafe: sends cache invalidations';

CREATE TRIGGER federation_published_changed
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON clinnova.federation_published
FOR EACH STATEMENT EXECUTE FUNCTION clinnova.federation_published_changed();

CREATE FUNCTION clinnova.federation_publish(relation regclass, identifiers text[] DEFAULT '{}')
RETURNS void
AS 'MODULE_PATHNAME', 'federation_publish'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION clinnova.federation_publish(regclass, text[]) IS
  'publish a relation for federation roles; identifier columns may never be filtered, grouped or aggregated; superuser or owner; parallel unsafe: writes clinnova.federation_published';

CREATE FUNCTION clinnova.federation_unpublish(relation regclass)
RETURNS boolean
AS 'MODULE_PATHNAME', 'federation_unpublish'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION clinnova.federation_unpublish(regclass) IS
  'withdraw a publication (true if the relation was published); parallel unsafe: writes clinnova.federation_published';

CREATE FUNCTION clinnova.federation_forget_dropped()
RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog
AS $$
BEGIN
  IF pg_catalog.to_regclass('clinnova.federation_published') IS NULL THEN
    RETURN;
  END IF;
  DELETE FROM clinnova.federation_published p
   USING pg_catalog.pg_event_trigger_dropped_objects() d
   WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
     AND d.objsubid = 0
     AND p.relation::pg_catalog.oid = d.objid;
END
$$;

COMMENT ON FUNCTION clinnova.federation_forget_dropped() IS
  'event trigger: removes dropped relations from clinnova.federation_published; parallel unsafe: writes a table';

CREATE EVENT TRIGGER clinnova_federation_forget_dropped ON sql_drop
EXECUTE FUNCTION clinnova.federation_forget_dropped();

-- ---- site side: the site description (version handshake) -----------------------------------

CREATE FUNCTION clinnova.federation_site_description(
    OUT extension_version text,
    OUT library_version text,
    OUT server_version text,
    OUT min_cell_count integer,
    OUT time_grain float8,
    OUT guard_active boolean,
    OUT published jsonb)
RETURNS record
AS 'MODULE_PATHNAME', 'federation_site_description'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION clinnova.federation_site_description() IS
  'this site for the coordinator: versions, min_cell_count, time_grain, guard status, published relations and their usable columns';

CREATE VIEW clinnova.federation_site_info AS
SELECT * FROM clinnova.federation_site_description();

COMMENT ON VIEW clinnova.federation_site_info IS
  'one row describing this site for the version handshake; readable by federation roles';
GRANT SELECT ON clinnova.federation_site_info TO PUBLIC;

-- ---- site side: audit and the small-cell check ----------------------------------------------

CREATE TABLE clinnova.federation_audit (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    role_name name NOT NULL,
    client text,
    backend_pid integer NOT NULL,
    statement text NOT NULL,
    outcome text NOT NULL CHECK (outcome IN ('allowed', 'refused', 'failed')),
    reason text,
    rows_represented bigint,
    groups_returned bigint,
    started timestamptz NOT NULL,
    finished timestamptz NOT NULL
);
COMMENT ON TABLE clinnova.federation_audit IS
  'every query a federation role ran at this site: allowed, refused or failed, with the rows it represented';
SELECT pg_catalog.pg_extension_config_dump('clinnova.federation_audit', '');
SELECT pg_catalog.pg_extension_config_dump('clinnova.federation_audit_id_seq', '');

CREATE FUNCTION clinnova.federation_cell_check(n bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'federation_cell_check'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION clinnova.federation_cell_check(bigint) IS
  'small-cell check the federation guard adds to every federated query: refuses groups of fewer than clinnova.min_cell_count rows and counts rows for the audit';

-- ---- disclosure-safe descriptive aggregates -------------------------------------------------

CREATE TYPE clinnova.summary;

CREATE FUNCTION clinnova.summary_in(cstring) RETURNS clinnova.summary
AS 'MODULE_PATHNAME', 'summary_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.summary_out(clinnova.summary) RETURNS cstring
AS 'MODULE_PATHNAME', 'summary_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.summary_recv(internal) RETURNS clinnova.summary
AS 'MODULE_PATHNAME', 'summary_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.summary_send(clinnova.summary) RETURNS bytea
AS 'MODULE_PATHNAME', 'summary_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE clinnova.summary (
    INPUT = clinnova.summary_in,
    OUTPUT = clinnova.summary_out,
    RECEIVE = clinnova.summary_recv,
    SEND = clinnova.summary_send,
    INTERNALLENGTH = 24,
    ALIGNMENT = double,
    STORAGE = plain
);

COMMENT ON TYPE clinnova.summary IS
  'mergeable descriptive summary of a numeric variable: n, mean and sum of squared deviations';
COMMENT ON FUNCTION clinnova.summary_in(cstring) IS 'text input of clinnova.summary';
COMMENT ON FUNCTION clinnova.summary_out(clinnova.summary) IS 'text output of clinnova.summary (exact)';
COMMENT ON FUNCTION clinnova.summary_recv(internal) IS 'binary input of clinnova.summary';
COMMENT ON FUNCTION clinnova.summary_send(clinnova.summary) IS 'binary output of clinnova.summary';

CREATE FUNCTION clinnova.describe_transfn(internal, float8) RETURNS internal
AS 'MODULE_PATHNAME', 'describe_transfn' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION clinnova.summary_merge_transfn(internal, clinnova.summary) RETURNS internal
AS 'MODULE_PATHNAME', 'summary_merge_transfn' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION clinnova.summary_combine(internal, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'summary_combine' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION clinnova.summary_serialize(internal) RETURNS bytea
AS 'MODULE_PATHNAME', 'summary_serialize' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.summary_deserialize(bytea, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'summary_deserialize' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.summary_finalfn(internal) RETURNS clinnova.summary
AS 'MODULE_PATHNAME', 'summary_finalfn' LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION clinnova.describe_transfn(internal, float8) IS 'transition function of describe';
COMMENT ON FUNCTION clinnova.summary_merge_transfn(internal, clinnova.summary) IS 'transition function of summary_merge';
COMMENT ON FUNCTION clinnova.summary_combine(internal, internal) IS 'combine function of describe and summary_merge';
COMMENT ON FUNCTION clinnova.summary_serialize(internal) IS 'serialize function of describe and summary_merge';
COMMENT ON FUNCTION clinnova.summary_deserialize(bytea, internal) IS 'deserialize function of describe and summary_merge';
COMMENT ON FUNCTION clinnova.summary_finalfn(internal) IS
  'final function of describe and summary_merge (NULL below min_cell_count for federation roles)';

CREATE AGGREGATE clinnova.describe(x float8) (
    SFUNC = clinnova.describe_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.summary_finalfn,
    COMBINEFUNC = clinnova.summary_combine,
    SERIALFUNC = clinnova.summary_serialize,
    DESERIALFUNC = clinnova.summary_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.describe(float8) IS
  'disclosure-safe summary (n, mean, variance) of the non-NULL finite values; NULL below min_cell_count for federation roles';

CREATE AGGREGATE clinnova.summary_merge(clinnova.summary) (
    SFUNC = clinnova.summary_merge_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.summary_finalfn,
    COMBINEFUNC = clinnova.summary_combine,
    SERIALFUNC = clinnova.summary_serialize,
    DESERIALFUNC = clinnova.summary_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.summary_merge(clinnova.summary) IS
  'merge summaries (per site, per group) into the summary of the pooled values';

CREATE FUNCTION clinnova.safe_count_finalfn(bigint) RETURNS bigint
AS 'MODULE_PATHNAME', 'safe_count_finalfn' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.safe_count_finalfn(bigint) IS 'final function of safe_count';

CREATE AGGREGATE clinnova.safe_count(*) (
    SFUNC = pg_catalog.int8inc,
    STYPE = bigint,
    INITCOND = '0',
    FINALFUNC = clinnova.safe_count_finalfn,
    COMBINEFUNC = pg_catalog.int8pl,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.safe_count(*) IS
  'disclosure-safe row count: NULL below min_cell_count for federation roles';

CREATE FUNCTION clinnova.summary_n(clinnova.summary) RETURNS bigint
AS 'MODULE_PATHNAME', 'summary_n' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.summary_mean(clinnova.summary) RETURNS float8
AS 'MODULE_PATHNAME', 'summary_mean' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.summary_variance(clinnova.summary) RETURNS float8
AS 'MODULE_PATHNAME', 'summary_variance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.summary_sd(clinnova.summary) RETURNS float8
AS 'MODULE_PATHNAME', 'summary_sd' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.summary_n(clinnova.summary) IS 'number of values of a summary';
COMMENT ON FUNCTION clinnova.summary_mean(clinnova.summary) IS 'mean of a summary';
COMMENT ON FUNCTION clinnova.summary_variance(clinnova.summary) IS 'sample variance (n - 1) of a summary; NULL below 2 values';
COMMENT ON FUNCTION clinnova.summary_sd(clinnova.summary) IS 'sample standard deviation of a summary; NULL below 2 values';

-- ---- pooled Cox on a shared time grid: per-site risk-set sums --------------------------------

CREATE TYPE clinnova.coxgrid;

CREATE FUNCTION clinnova.coxgrid_in(cstring) RETURNS clinnova.coxgrid
AS 'MODULE_PATHNAME', 'coxgrid_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.coxgrid_out(clinnova.coxgrid) RETURNS cstring
AS 'MODULE_PATHNAME', 'coxgrid_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.coxgrid_recv(internal) RETURNS clinnova.coxgrid
AS 'MODULE_PATHNAME', 'coxgrid_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.coxgrid_send(clinnova.coxgrid) RETURNS bytea
AS 'MODULE_PATHNAME', 'coxgrid_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE clinnova.coxgrid (
    INPUT = clinnova.coxgrid_in,
    OUTPUT = clinnova.coxgrid_out,
    RECEIVE = clinnova.coxgrid_recv,
    SEND = clinnova.coxgrid_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);

COMMENT ON TYPE clinnova.coxgrid IS
  'one Newton step of pooled Cox on a time grid: per-grid-point risk-set and event-set sums at a given beta';
COMMENT ON FUNCTION clinnova.coxgrid_in(cstring) IS 'text input of clinnova.coxgrid';
COMMENT ON FUNCTION clinnova.coxgrid_out(clinnova.coxgrid) IS 'text output of clinnova.coxgrid (JSON, exact)';
COMMENT ON FUNCTION clinnova.coxgrid_recv(internal) IS 'binary input of clinnova.coxgrid';
COMMENT ON FUNCTION clinnova.coxgrid_send(clinnova.coxgrid) IS 'binary output of clinnova.coxgrid';

CREATE FUNCTION clinnova.coxph_grid_times_transfn(internal, float8, boolean, float8) RETURNS internal
AS 'MODULE_PATHNAME', 'coxph_grid_times_transfn' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.coxph_grid_times_combine(internal, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'coxph_grid_times_combine' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION clinnova.coxph_grid_times_serialize(internal) RETURNS bytea
AS 'MODULE_PATHNAME', 'coxph_grid_times_serialize' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.coxph_grid_times_deserialize(bytea, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'coxph_grid_times_deserialize' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.coxph_grid_times_finalfn(internal) RETURNS float8[]
AS 'MODULE_PATHNAME', 'coxph_grid_times_finalfn' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.coxph_grid_times_transfn(internal, float8, boolean, float8) IS 'transition function of coxph_grid_times';
COMMENT ON FUNCTION clinnova.coxph_grid_times_combine(internal, internal) IS 'combine function of coxph_grid_times';
COMMENT ON FUNCTION clinnova.coxph_grid_times_serialize(internal) IS 'serialize function of coxph_grid_times';
COMMENT ON FUNCTION clinnova.coxph_grid_times_deserialize(bytea, internal) IS 'deserialize function of coxph_grid_times';
COMMENT ON FUNCTION clinnova.coxph_grid_times_finalfn(internal) IS 'final function of coxph_grid_times';

CREATE AGGREGATE clinnova.coxph_grid_times("time" float8, event boolean, grain float8) (
    SFUNC = clinnova.coxph_grid_times_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.coxph_grid_times_finalfn,
    COMBINEFUNC = clinnova.coxph_grid_times_combine,
    SERIALFUNC = clinnova.coxph_grid_times_serialize,
    DESERIALFUNC = clinnova.coxph_grid_times_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.coxph_grid_times(float8, boolean, float8) IS
  'grid points (multiples of grain) holding events; at federation sites each must hold at least min_cell_count events';

CREATE FUNCTION clinnova.coxph_grid_step_transfn(internal, float8, boolean, float8[], float8[], float8[], float8, float8[])
RETURNS internal
AS 'MODULE_PATHNAME', 'coxph_grid_step_transfn' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.coxph_grid_step_combine(internal, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'coxph_grid_step_combine' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION clinnova.coxph_grid_step_serialize(internal) RETURNS bytea
AS 'MODULE_PATHNAME', 'coxph_grid_step_serialize' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.coxph_grid_step_deserialize(bytea, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'coxph_grid_step_deserialize' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.coxph_grid_step_finalfn(internal) RETURNS clinnova.coxgrid
AS 'MODULE_PATHNAME', 'coxph_grid_step_finalfn' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.coxph_grid_step_transfn(internal, float8, boolean, float8[], float8[], float8[], float8, float8[]) IS
  'transition function of coxph_grid_step';
COMMENT ON FUNCTION clinnova.coxph_grid_step_combine(internal, internal) IS 'combine function of coxph_grid_step and coxgrid_merge';
COMMENT ON FUNCTION clinnova.coxph_grid_step_serialize(internal) IS 'serialize function of coxph_grid_step and coxgrid_merge';
COMMENT ON FUNCTION clinnova.coxph_grid_step_deserialize(bytea, internal) IS 'deserialize function of coxph_grid_step and coxgrid_merge';
COMMENT ON FUNCTION clinnova.coxph_grid_step_finalfn(internal) IS
  'final function of coxph_grid_step (refused at federation sites when a grid interval holds fewer than min_cell_count events or censorings)';

CREATE AGGREGATE clinnova.coxph_grid_step("time" float8, event boolean, x float8[], beta float8[],
                                          center float8[], grain float8, grid float8[]) (
    SFUNC = clinnova.coxph_grid_step_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.coxph_grid_step_finalfn,
    COMBINEFUNC = clinnova.coxph_grid_step_combine,
    SERIALFUNC = clinnova.coxph_grid_step_serialize,
    DESERIALFUNC = clinnova.coxph_grid_step_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.coxph_grid_step(float8, boolean, float8[], float8[], float8[], float8, float8[]) IS
  'per-grid-point Cox risk-set and event-set sums at beta (one Newton step of pooled Cox on a time grid)';

CREATE FUNCTION clinnova.coxgrid_merge_transfn(internal, clinnova.coxgrid) RETURNS internal
AS 'MODULE_PATHNAME', 'coxgrid_merge_transfn' LANGUAGE C PARALLEL SAFE;
CREATE FUNCTION clinnova.coxgrid_merge_finalfn(internal) RETURNS clinnova.coxgrid
AS 'MODULE_PATHNAME', 'coxgrid_merge_finalfn' LANGUAGE C PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.coxgrid_merge_transfn(internal, clinnova.coxgrid) IS 'transition function of coxgrid_merge';
COMMENT ON FUNCTION clinnova.coxgrid_merge_finalfn(internal) IS 'final function of coxgrid_merge';

CREATE AGGREGATE clinnova.coxgrid_merge(clinnova.coxgrid) (
    SFUNC = clinnova.coxgrid_merge_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.coxgrid_merge_finalfn,
    COMBINEFUNC = clinnova.coxph_grid_step_combine,
    SERIALFUNC = clinnova.coxph_grid_step_serialize,
    DESERIALFUNC = clinnova.coxph_grid_step_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.coxgrid_merge(clinnova.coxgrid) IS
  'sum the coxgrid values of several sites (same step) into the pooled one';

CREATE FUNCTION clinnova.coxgrid_derivatives(
    grid clinnova.coxgrid,
    ties text DEFAULT 'efron',
    OUT beta float8[],
    OUT loglik float8,
    OUT score float8[],
    OUT information float8[],
    OUT n bigint,
    OUT events bigint)
RETURNS record
AS 'MODULE_PATHNAME', 'coxgrid_derivatives'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.coxgrid_derivatives(clinnova.coxgrid, text) IS
  'log partial likelihood, score and information (p x p, row-major) of pooled Cox on the grid at the value''s beta';

-- ============================================================================================
-- demo
-- ============================================================================================
