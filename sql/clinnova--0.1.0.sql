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
COMMENT ON TYPE clinnova.federation_published[] IS 'array of rows of clinnova.federation_published';
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
COMMENT ON TYPE clinnova.federation_site_info[] IS 'array of rows of clinnova.federation_site_info';
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
COMMENT ON TYPE clinnova.federation_audit[] IS 'array of rows of clinnova.federation_audit';
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
  'mergeable descriptive summary of a numeric variable: n, sum and sum of squared deviations';
COMMENT ON TYPE clinnova.summary[] IS 'array of clinnova.summary';
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
COMMENT ON TYPE clinnova.coxgrid[] IS 'array of clinnova.coxgrid';
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


-- ---- coordinator side: sites ------------------------------------------------------------------

CREATE TABLE clinnova.federation_sites (
    name text PRIMARY KEY CHECK (name ~ '^[a-z_][a-z0-9_]{0,47}$'),
    server_name name NOT NULL UNIQUE,
    schema_name name NOT NULL UNIQUE,
    host text NOT NULL,
    port integer NOT NULL,
    dbname text NOT NULL,
    remote_user text NOT NULL,
    fetch_size integer NOT NULL,
    extension_version text,
    library_version text,
    min_cell_count integer,
    time_grain float8,
    relations text[] NOT NULL DEFAULT '{}',
    added_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    refreshed_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE clinnova.federation_sites IS
  'federation sites known to this coordinator (use federation_add_site / federation_remove_site)';
COMMENT ON TYPE clinnova.federation_sites[] IS 'array of rows of clinnova.federation_sites';
SELECT pg_catalog.pg_extension_config_dump('clinnova.federation_sites', '');

-- The foreign tables of one site: its clinnova.federation_site_info and its published relations.
CREATE FUNCTION clinnova.federation_create_foreign_tables(site clinnova.federation_sites,
                                                         published jsonb)
RETURNS text[]
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog
AS $$
DECLARE
  rel jsonb;
  col jsonb;
  cols text[];
  typ regtype;
  local_name text;
  created text[] := '{}';
  seen text[] := '{}';
BEGIN
  FOR rel IN SELECT r FROM jsonb_array_elements(coalesce(published, '[]'::jsonb)) AS r LOOP
    local_name := rel->>'name';
    IF local_name = ANY (seen) OR local_name = 'federation_site_info' THEN
      local_name := (rel->>'schema') || '_' || (rel->>'name');
    END IF;
    seen := seen || local_name;
    cols := '{}';
    FOR col IN SELECT c FROM jsonb_array_elements(rel->'columns') AS c LOOP
      typ := to_regtype(col->>'type');
      IF typ IS NULL THEN
        RAISE EXCEPTION 'site "%" publishes column "%" of relation %.% with type %, which does not exist at the coordinator',
          site.name, col->>'name', rel->>'schema', rel->>'name', col->>'type'
          USING ERRCODE = 'data_exception',
                HINT = 'Install the extension that defines the type at the coordinator, or publish a view without that column.';
      END IF;
      cols := cols || format('%I %s', col->>'name', format_type(typ, NULL));
    END LOOP;
    EXECUTE format('CREATE FOREIGN TABLE %I.%I (%s) SERVER %I OPTIONS (schema_name %L, table_name %L)',
                   site.schema_name, local_name, array_to_string(cols, ', '), site.server_name,
                   rel->>'schema', rel->>'name');
    EXECUTE format('COMMENT ON FOREIGN TABLE %I.%I IS %L', site.schema_name, local_name,
                   format('relation %s.%s published by federation site %s', rel->>'schema', rel->>'name', site.name));
    created := created || local_name;
  END LOOP;
  RETURN created;
END
$$;
COMMENT ON FUNCTION clinnova.federation_create_foreign_tables(clinnova.federation_sites, jsonb) IS
  'internal: create the foreign tables of a site''s published relations in its schema; parallel unsafe: runs DDL';

-- Compare one site's description with this coordinator; NULL when compatible.
CREATE FUNCTION clinnova.federation_version_problem(site text, extension_version text, library_version text)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog
AS $$
  SELECT CASE
    WHEN $2 IS DISTINCT FROM (SELECT e.extversion FROM pg_catalog.pg_extension e WHERE e.extname = 'clinnova')
      THEN pg_catalog.format('site "%s" runs clinnova extension version %s, this coordinator %s',
                             $1, coalesce($2, 'none'),
                             (SELECT e.extversion FROM pg_catalog.pg_extension e WHERE e.extname = 'clinnova'))
    WHEN $3 IS DISTINCT FROM clinnova.version()
      THEN pg_catalog.format('site "%s" runs clinnova library version %s, this coordinator %s',
                             $1, coalesce($3, 'none'), clinnova.version())
  END
$$;
COMMENT ON FUNCTION clinnova.federation_version_problem(text, text, text) IS
  'internal: the version mismatch between a site and this coordinator, or NULL';

CREATE FUNCTION clinnova.federation_add_site(
    name text, host text, port integer, dbname text, "user" text, password text,
    fetch_size integer DEFAULT 10000, schema_name text DEFAULT NULL)
RETURNS clinnova.federation_sites
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog
AS $$
DECLARE
  site clinnova.federation_sites;
  info record;
  problem text;
BEGIN
  IF name IS NULL OR name !~ '^[a-z_][a-z0-9_]{0,47}$' THEN
    RAISE EXCEPTION 'invalid site name "%"', name
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'A site name is a lower-case identifier of at most 48 characters.';
  END IF;
  IF host IS NULL OR port IS NULL OR dbname IS NULL OR "user" IS NULL THEN
    RAISE EXCEPTION 'host, port, dbname and user must not be NULL' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF fetch_size IS NULL OR fetch_size < 1 THEN
    RAISE EXCEPTION 'fetch_size must be a positive number' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'postgres_fdw') THEN
    RAISE EXCEPTION 'postgres_fdw is not installed in this database'
      USING ERRCODE = 'object_not_in_prerequisite_state', HINT = 'Run CREATE EXTENSION postgres_fdw.';
  END IF;
  IF EXISTS (SELECT FROM clinnova.federation_sites s WHERE s.name = federation_add_site.name) THEN
    RAISE EXCEPTION 'federation site "%" already exists', name
      USING ERRCODE = 'duplicate_object', HINT = 'Remove it first with clinnova.federation_remove_site().';
  END IF;

  site.name := name;
  site.server_name := 'clinnova_' || name;
  site.schema_name := coalesce(schema_name, name);
  site.host := host;
  site.port := port;
  site.dbname := dbname;
  site.remote_user := "user";
  site.fetch_size := fetch_size;
  site.added_at := now();
  site.refreshed_at := now();

  EXECUTE format('CREATE SERVER %I FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host %L, port %L, dbname %L, '
                 'extensions %L, async_capable %L, fetch_size %L, application_name %L)',
                 site.server_name, host, port::text, dbname, 'clinnova', 'true', fetch_size::text,
                 'clinnova/' || clinnova.version());
  EXECUTE format('COMMENT ON SERVER %I IS %L', site.server_name, format('clinnova federation site %s', name));
  IF password IS NULL THEN
    EXECUTE format('CREATE USER MAPPING FOR CURRENT_USER SERVER %I OPTIONS (user %L)', site.server_name, "user");
  ELSE
    EXECUTE format('CREATE USER MAPPING FOR CURRENT_USER SERVER %I OPTIONS (user %L, password %L)',
                   site.server_name, "user", password);
  END IF;
  EXECUTE format('CREATE SCHEMA %I', site.schema_name);
  EXECUTE format('COMMENT ON SCHEMA %I IS %L', site.schema_name, format('foreign tables of clinnova federation site %s', name));
  EXECUTE format('CREATE FOREIGN TABLE %I.federation_site_info (extension_version text, library_version text, '
                 'server_version text, min_cell_count integer, time_grain float8, guard_active boolean, '
                 'published jsonb) SERVER %I OPTIONS (schema_name %L, table_name %L)',
                 site.schema_name, site.server_name, 'clinnova', 'federation_site_info');

  -- the handshake: one row from the site, its versions checked against ours
  EXECUTE format('SELECT * FROM %I.federation_site_info', site.schema_name) INTO info;
  IF info IS NULL THEN
    RAISE EXCEPTION 'site "%" returned no description', name USING ERRCODE = 'data_exception';
  END IF;
  problem := clinnova.federation_version_problem(name, info.extension_version, info.library_version);
  IF problem IS NOT NULL THEN
    RAISE EXCEPTION '%', problem
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Every site and the coordinator must run the same clinnova version (ALTER EXTENSION clinnova UPDATE).';
  END IF;
  site.extension_version := info.extension_version;
  site.library_version := info.library_version;
  site.min_cell_count := info.min_cell_count;
  site.time_grain := info.time_grain;
  site.relations := clinnova.federation_create_foreign_tables(site, info.published);
  INSERT INTO clinnova.federation_sites SELECT site.*;
  RETURN site;
END
$$;
COMMENT ON FUNCTION clinnova.federation_add_site(text, text, integer, text, text, text, integer, text) IS
  'add a federation site: postgres_fdw server (extensions clinnova, async), user mapping for the current user, a schema with foreign tables of the published relations; checks versions; parallel unsafe: runs DDL';

CREATE FUNCTION clinnova.federation_refresh_site(name text)
RETURNS clinnova.federation_sites
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog
AS $$
DECLARE
  site clinnova.federation_sites;
  info record;
  problem text;
  rel text;
BEGIN
  SELECT * INTO site FROM clinnova.federation_sites s WHERE s.name = federation_refresh_site.name;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown federation site "%"', name USING ERRCODE = 'invalid_parameter_value';
  END IF;
  EXECUTE format('SELECT * FROM %I.federation_site_info', site.schema_name) INTO info;
  problem := clinnova.federation_version_problem(name, info.extension_version, info.library_version);
  IF problem IS NOT NULL THEN
    RAISE EXCEPTION '%', problem
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Every site and the coordinator must run the same clinnova version (ALTER EXTENSION clinnova UPDATE).';
  END IF;
  FOREACH rel IN ARRAY site.relations LOOP
    EXECUTE format('DROP FOREIGN TABLE IF EXISTS %I.%I', site.schema_name, rel);
  END LOOP;
  site.extension_version := info.extension_version;
  site.library_version := info.library_version;
  site.min_cell_count := info.min_cell_count;
  site.time_grain := info.time_grain;
  site.relations := clinnova.federation_create_foreign_tables(site, info.published);
  site.refreshed_at := now();
  UPDATE clinnova.federation_sites s SET extension_version = site.extension_version,
         library_version = site.library_version, min_cell_count = site.min_cell_count,
         time_grain = site.time_grain, relations = site.relations, refreshed_at = site.refreshed_at
   WHERE s.name = site.name;
  RETURN site;
END
$$;
COMMENT ON FUNCTION clinnova.federation_refresh_site(text) IS
  're-read a site''s description and re-create the foreign tables of its published relations; parallel unsafe: runs DDL';

CREATE FUNCTION clinnova.federation_remove_site(name text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog SET client_min_messages = warning
AS $$
DECLARE
  site clinnova.federation_sites;
BEGIN
  SELECT * INTO site FROM clinnova.federation_sites s WHERE s.name = federation_remove_site.name;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  EXECUTE format('DROP SCHEMA IF EXISTS %I CASCADE', site.schema_name);
  EXECUTE format('DROP SERVER IF EXISTS %I CASCADE', site.server_name);
  DELETE FROM clinnova.federation_sites s WHERE s.name = site.name;
  RETURN true;
END
$$;
COMMENT ON FUNCTION clinnova.federation_remove_site(text) IS
  'remove a federation site: its schema of foreign tables, server and user mappings; parallel unsafe: runs DDL';

CREATE FUNCTION clinnova.federation_sites()
RETURNS SETOF clinnova.federation_sites
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog
AS $$ SELECT * FROM clinnova.federation_sites ORDER BY name $$;
COMMENT ON FUNCTION clinnova.federation_sites() IS 'the federation sites of this coordinator';

CREATE FUNCTION clinnova.federation_check_sites(sites text[] DEFAULT NULL)
RETURNS TABLE (site text, extension_version text, library_version text, min_cell_count integer,
               time_grain float8, guard_active boolean, compatible boolean, problem text)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog
AS $$
DECLARE
  q text;
BEGIN
  SELECT string_agg(format('SELECT %L::text AS site, i.extension_version, i.library_version, '
                           'i.min_cell_count, i.time_grain, i.guard_active FROM %I.federation_site_info i',
                           s.name, s.schema_name), ' UNION ALL ' ORDER BY s.name)
    INTO q
    FROM clinnova.federation_selected_sites(sites) s;
  RETURN QUERY EXECUTE format(
    'SELECT d.site, d.extension_version, d.library_version, d.min_cell_count, d.time_grain, '
    'd.guard_active, p.problem IS NULL, p.problem FROM (%s) d, '
    'LATERAL (SELECT clinnova.federation_version_problem(d.site, d.extension_version, d.library_version) AS problem) p '
    'ORDER BY d.site', q);
END
$$;
COMMENT ON FUNCTION clinnova.federation_check_sites(text[]) IS
  'version handshake with the sites (all sites queried concurrently): versions, disclosure settings, compatibility; parallel unsafe: queries remote servers';

CREATE FUNCTION clinnova.federation_selected_sites(sites text[])
RETURNS SETOF clinnova.federation_sites
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog
AS $$
DECLARE
  unknown text;
BEGIN
  IF sites IS NOT NULL THEN
    SELECT string_agg(format('"%s"', u), ', ') INTO unknown
      FROM unnest(sites) u WHERE NOT EXISTS (SELECT FROM clinnova.federation_sites s WHERE s.name = u);
    IF unknown IS NOT NULL THEN
      RAISE EXCEPTION 'unknown federation site %', unknown USING ERRCODE = 'invalid_parameter_value',
        HINT = 'clinnova.federation_sites() lists the sites of this coordinator.';
    END IF;
  END IF;
  RETURN QUERY SELECT * FROM clinnova.federation_sites s
                WHERE sites IS NULL OR s.name = ANY (sites) ORDER BY s.name;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no federation site selected' USING ERRCODE = 'invalid_parameter_value',
      HINT = 'Add sites with clinnova.federation_add_site().';
  END IF;
END
$$;
COMMENT ON FUNCTION clinnova.federation_selected_sites(text[]) IS
  'internal: the sites named (all when NULL); raises for unknown names or an empty selection';

-- ---- coordinator side: building federated queries ---------------------------------------------

CREATE FUNCTION clinnova.federation_require_sites(sites text[])
RETURNS SETOF clinnova.federation_sites
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog
AS $$
DECLARE
  bad record;
BEGIN
  FOR bad IN SELECT * FROM clinnova.federation_check_sites(sites) c WHERE NOT c.compatible LOOP
    RAISE EXCEPTION '%', bad.problem
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Every site and the coordinator must run the same clinnova version (ALTER EXTENSION clinnova UPDATE), or leave the site out with the sites argument.';
  END LOOP;
  RETURN QUERY SELECT * FROM clinnova.federation_selected_sites(sites);
END
$$;
COMMENT ON FUNCTION clinnova.federation_require_sites(text[]) IS
  'internal: the selected sites after a live version handshake; raises naming the first incompatible site; parallel unsafe: queries remote servers';

CREATE FUNCTION clinnova.federation_source(relation text, sites text[])
RETURNS regclass
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog
AS $$
DECLARE
  s record;
  first regclass;
  ft regclass;
BEGIN
  IF relation IS NULL THEN
    RAISE EXCEPTION 'relation must not be NULL' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  FOR s IN SELECT * FROM clinnova.federation_selected_sites(sites) LOOP
    ft := to_regclass(format('%I.%I', s.schema_name, relation));
    IF ft IS NULL THEN
      RAISE EXCEPTION 'federation site "%" has no relation "%"', s.name, relation
        USING ERRCODE = 'undefined_table',
              HINT = 'The site must publish it (clinnova.federation_publish) and the coordinator refresh the site (clinnova.federation_refresh_site).';
    END IF;
    first := coalesce(first, ft);
  END LOOP;
  RETURN first;
END
$$;
COMMENT ON FUNCTION clinnova.federation_source(text, text[]) IS
  'internal: the foreign table of relation at the first selected site, after checking every selected site has it';

CREATE FUNCTION clinnova.federation_expr(source regclass, expr text)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog
AS $$
  SELECT CASE
    WHEN $2 IS NULL THEN NULL
    WHEN EXISTS (SELECT FROM pg_catalog.pg_attribute a
                  WHERE a.attrelid = $1 AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped)
      THEN pg_catalog.quote_ident($2)
    ELSE '(' || $2 || ')'
  END
$$;
COMMENT ON FUNCTION clinnova.federation_expr(regclass, text) IS
  'internal: a column name of the relation quoted as an identifier, any other text as a parenthesised SQL expression';

CREATE FUNCTION clinnova.federation_union_sql(relation text, select_list text, group_keys integer,
                                             filter text, sites text[])
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog
AS $$
DECLARE
  parts text[] := '{}';
  s record;
BEGIN
  FOR s IN SELECT * FROM clinnova.federation_selected_sites(sites) LOOP
    parts := parts || format('SELECT %s FROM %I.%I%s%s', select_list, s.schema_name, relation,
                             CASE WHEN filter IS NOT NULL THEN ' WHERE (' || filter || ')' ELSE '' END,
                             CASE WHEN group_keys > 0
                                  THEN ' GROUP BY ' || (SELECT string_agg(i::text, ', ') FROM generate_series(1, group_keys) i)
                                  ELSE '' END);
  END LOOP;
  RETURN array_to_string(parts, ' UNION ALL ');
END
$$;
COMMENT ON FUNCTION clinnova.federation_union_sql(text, text, integer, text, text[]) IS
  'internal: the UNION ALL over the selected sites of one aggregate query each (pushed down whole, run concurrently)';

-- ---- coordinator side: one-round federated analyses ------------------------------------------

CREATE FUNCTION clinnova.federated_describe(relation text, variables text[], group_by text DEFAULT NULL,
                                            filter text DEFAULT NULL, sites text[] DEFAULT NULL)
RETURNS TABLE (group_value text, variable text, n bigint, mean float8, sd float8)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, clinnova SET extra_float_digits = 3
AS $$
DECLARE
  src regclass;
  g text;
  aggs text;
  vals text;
  q text;
BEGIN
  IF variables IS NULL OR cardinality(variables) = 0 THEN
    RAISE EXCEPTION 'variables must name at least one column or expression' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM clinnova.federation_require_sites(sites);
  src := clinnova.federation_source(relation, sites);
  g := clinnova.federation_expr(src, group_by);
  SELECT string_agg(format('clinnova.describe(%s) AS d%s', clinnova.federation_expr(src, v), i), ', ' ORDER BY i),
         string_agg(format('(%s, %L, u.d%s)', i, v, i), ', ' ORDER BY i)
    INTO aggs, vals
    FROM unnest(variables) WITH ORDINALITY AS t(v, i);
  q := clinnova.federation_union_sql(relation, CASE WHEN g IS NULL THEN aggs ELSE g || ' AS g, ' || aggs END,
                                     CASE WHEN g IS NULL THEN 0 ELSE 1 END, filter, sites);
  RETURN QUERY EXECUTE format(
    'SELECT m.g, m.variable, clinnova.summary_n(m.s), clinnova.summary_mean(m.s), clinnova.summary_sd(m.s) '
    'FROM (SELECT %s AS g, v.k, v.variable, clinnova.summary_merge(v.d) AS s '
    '        FROM (%s) u CROSS JOIN LATERAL (VALUES %s) v(k, variable, d) '
    '       GROUP BY %s v.k, v.variable) m '
    'ORDER BY %s m.k',
    CASE WHEN g IS NULL THEN 'NULL::text' ELSE 'u.g::text' END, q, vals,
    CASE WHEN g IS NULL THEN '' ELSE 'u.g, ' END,
    CASE WHEN g IS NULL THEN '' ELSE 'm.g, ' END);
END
$$;
COMMENT ON FUNCTION clinnova.federated_describe(text, text[], text, text, text[]) IS
  'federated descriptive table: n, mean and sd of each variable (per group), merged from per-site describe() summaries; parallel unsafe: queries remote servers';

CREATE FUNCTION clinnova.federated_counts(relation text, group_by text DEFAULT NULL,
                                          filter text DEFAULT NULL, sites text[] DEFAULT NULL)
RETURNS TABLE (group_value text, n bigint)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, clinnova SET extra_float_digits = 3
AS $$
DECLARE
  src regclass;
  g text;
  q text;
BEGIN
  PERFORM clinnova.federation_require_sites(sites);
  src := clinnova.federation_source(relation, sites);
  g := clinnova.federation_expr(src, group_by);
  q := clinnova.federation_union_sql(relation,
         CASE WHEN g IS NULL THEN 'clinnova.safe_count(*) AS n' ELSE g || ' AS g, clinnova.safe_count(*) AS n' END,
         CASE WHEN g IS NULL THEN 0 ELSE 1 END, filter, sites);
  IF g IS NULL THEN
    RETURN QUERY EXECUTE format('SELECT NULL::text, sum(u.n)::bigint FROM (%s) u', q);
  ELSE
    RETURN QUERY EXECUTE format('SELECT u.g::text, sum(u.n)::bigint FROM (%s) u GROUP BY u.g ORDER BY u.g', q);
  END IF;
END
$$;
COMMENT ON FUNCTION clinnova.federated_counts(text, text, text, text[]) IS
  'federated counts (per category), summed from per-site safe_count(*); parallel unsafe: queries remote servers';


-- ---- coordinator side: iterative federated Cox --------------------------------------------------

CREATE FUNCTION clinnova.federation_solve(information float8[], score float8[], terms text[] DEFAULT NULL)
RETURNS float8[]
AS 'MODULE_PATHNAME', 'federation_solve'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.federation_solve(float8[], float8[], text[]) IS
  'Newton step: information^-1 score for a symmetric positive definite p x p matrix (row-major); raises naming a collinear term';

CREATE FUNCTION clinnova.federation_inverse(information float8[], terms text[] DEFAULT NULL)
RETURNS float8[]
AS 'MODULE_PATHNAME', 'federation_inverse'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.federation_inverse(float8[], text[]) IS
  'inverse of a symmetric positive definite p x p matrix (row-major): the model-based variance';

-- R's coxph Newton-Raphson (survival's coxfit6): from beta = 0, step halving when the
-- log-likelihood decreases, converged when |1 - loglik_old / loglik| <= tol outside halving.
-- derivatives_sql returns (loglik, score, information, n, events) at the beta literal that
-- replaces the token {beta}.
CREATE FUNCTION clinnova.federation_coxph_newton(derivatives_sql text, p integer, terms text[],
                                                max_iter integer, tol float8, label text)
RETURNS TABLE (beta float8[], variance float8[], loglik_null float8, loglik float8,
               score_test float8, iterations integer, converged boolean, n bigint, events bigint)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog SET extra_float_digits = 3
AS $$
DECLARE
  b float8[] := array_fill(0::float8, ARRAY[p]);
  nb float8[];
  step float8[];
  d record;
  lk_old float8;
  halving boolean := false;
  it integer := 0;
  progress boolean := coalesce(current_setting('clinnova.verbose', true)::boolean, false);
BEGIN
  EXECUTE replace(derivatives_sql, '{beta}', quote_literal(b::text) || '::float8[]') INTO d;
  IF d.events IS NULL OR d.events = 0 THEN
    RAISE EXCEPTION '% has no events', label USING ERRCODE = 'data_exception',
      HINT = 'Check the event expression and the filter.';
  END IF;
  loglik_null := d.loglik;
  lk_old := d.loglik;
  step := clinnova.federation_solve(d.information, d.score, terms);
  SELECT sum(u * s) INTO score_test FROM unnest(d.score, step) AS t(u, s);
  SELECT array_agg(x + y ORDER BY i) INTO nb FROM unnest(b, step) WITH ORDINALITY AS t(x, y, i);
  IF progress THEN
    RAISE NOTICE '% iteration 0: loglik %', label, d.loglik;
  END IF;
  converged := false;
  WHILE it < max_iter LOOP
    it := it + 1;
    EXECUTE replace(derivatives_sql, '{beta}', quote_literal(nb::text) || '::float8[]') INTO d;
    IF progress THEN
      RAISE NOTICE '% iteration %: loglik %', label, it,
        d.loglik::text || CASE WHEN halving THEN ' (after halving the step)' ELSE '' END;
    END IF;
    IF abs(1 - lk_old / d.loglik) <= tol AND NOT halving THEN
      converged := true;
      EXIT;
    END IF;
    EXIT WHEN it = max_iter;
    IF d.loglik < lk_old THEN
      halving := true;
      SELECT array_agg((x + y) / 2 ORDER BY i) INTO nb FROM unnest(nb, b) WITH ORDINALITY AS t(x, y, i);
    ELSE
      halving := false;
      lk_old := d.loglik;
      step := clinnova.federation_solve(d.information, d.score, terms);
      b := nb;
      SELECT array_agg(x + y ORDER BY i) INTO nb FROM unnest(b, step) WITH ORDINALITY AS t(x, y, i);
    END IF;
  END LOOP;
  IF NOT converged THEN
    RAISE WARNING '% did not converge in % iterations', label, max_iter
      USING HINT = 'Raise max_iter in the options, or check for a covariate that separates events from non-events.';
  END IF;
  beta := nb;
  loglik := d.loglik;
  variance := clinnova.federation_inverse(d.information, terms);
  iterations := it;
  n := d.n;
  events := d.events;
  RETURN NEXT;
END
$$;
COMMENT ON FUNCTION clinnova.federation_coxph_newton(text, integer, text[], integer, float8, text) IS
  'internal: R''s coxph Newton-Raphson over a federated derivatives query (NOTICE per iteration with clinnova.verbose); parallel unsafe: queries remote servers';

CREATE FUNCTION clinnova.federation_coxph_grid_fit(relation text, "time" text, event text, x text[],
                                                  grain float8, ties text, filter text, sites text[],
                                                  max_iter integer, tol float8)
RETURNS TABLE (beta float8[], variance float8[], loglik_null float8, loglik float8,
               score_test float8, iterations integer, converged boolean, n bigint, events bigint,
               center float8[], grid float8[], grain_used float8)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, clinnova SET extra_float_digits = 3
AS $$
DECLARE
  src regclass;
  t text;
  e text;
  xs text[];
  complete text;
  where_sql text;
  r0 text;
  grid_u float8[];
  ctr float8[];
  total bigint;
  step_sql text;
  fit record;
  p integer := cardinality(x);
BEGIN
  IF p IS NULL OR p = 0 THEN
    RAISE EXCEPTION 'x must name at least one covariate' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF ties IS NULL OR lower(ties) NOT IN ('efron', 'breslow') THEN
    RAISE EXCEPTION 'ties must be "efron" or "breslow"' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM clinnova.federation_require_sites(sites);
  IF grain IS NULL THEN
    SELECT max(s.time_grain) INTO grain FROM clinnova.federation_selected_sites(sites) s;
    IF grain IS NULL OR grain <= 0 THEN
      RAISE EXCEPTION 'no time grain given and the sites report none'
        USING ERRCODE = 'invalid_parameter_value', HINT = 'Pass grain explicitly.';
    END IF;
  END IF;
  src := clinnova.federation_source(relation, sites);
  t := clinnova.federation_expr(src, "time");
  e := clinnova.federation_expr(src, event);
  SELECT array_agg(clinnova.federation_expr(src, v) ORDER BY i) INTO xs FROM unnest(x) WITH ORDINALITY AS u(v, i);
  complete := format('%s IS NOT NULL AND %s IS NOT NULL', t, e)
              || (SELECT string_agg(format(' AND %s IS NOT NULL', v), '' ORDER BY i) FROM unnest(xs) WITH ORDINALITY AS u(v, i));
  where_sql := CASE WHEN filter IS NULL THEN complete ELSE '(' || filter || ') AND ' || complete END;

  -- round 0: each site's event grid points, covariate summaries (for centring) and row count
  r0 := clinnova.federation_union_sql(relation,
          format('clinnova.coxph_grid_times(%s, %s, %L::float8) AS u, clinnova.safe_count(*) AS n, %s',
                 t, e, grain,
                 (SELECT string_agg(format('clinnova.describe(%s) AS d%s', v, i), ', ' ORDER BY i)
                    FROM unnest(xs) WITH ORDINALITY AS u(v, i))),
          0, where_sql, sites);
  EXECUTE format('WITH r AS (%s) SELECT (SELECT array_agg(DISTINCT g ORDER BY g) FROM r, unnest(r.u) g), '
                 '(SELECT sum(r.n) FROM r)::bigint, ARRAY[%s]::float8[]', r0,
                 (SELECT string_agg(format('(SELECT clinnova.summary_mean(clinnova.summary_merge(r.d%s)) FROM r)', i), ', ' ORDER BY i)
                    FROM generate_series(1, p) i))
    INTO grid_u, total, ctr;
  IF grid_u IS NULL THEN
    RAISE EXCEPTION 'federated coxph (grid) has no events' USING ERRCODE = 'data_exception',
      HINT = 'Check the event expression and the filter.';
  END IF;

  -- each Newton step: per-site risk-set sums at beta, merged, then derivatives
  step_sql := format('SELECT d.loglik, d.score, d.information, d.n, d.events '
                     'FROM clinnova.coxgrid_derivatives((SELECT clinnova.coxgrid_merge(u.s) FROM (%s) u), %L) d',
                     clinnova.federation_union_sql(relation,
                       format('clinnova.coxph_grid_step(%s, %s, ARRAY[%s], {beta}, %L::float8[], %L::float8, %L::float8[]) AS s',
                              t, e,
                              (SELECT string_agg(format('%s::float8', v), ', ' ORDER BY i) FROM unnest(xs) WITH ORDINALITY AS u(v, i)),
                              ctr::text, grain, grid_u::text),
                       0, where_sql, sites),
                     lower(ties));
  SELECT * INTO fit FROM clinnova.federation_coxph_newton(step_sql, p, x, max_iter, tol, 'federated coxph (grid)');
  beta := fit.beta;
  variance := fit.variance;
  loglik_null := fit.loglik_null;
  loglik := fit.loglik;
  score_test := fit.score_test;
  iterations := fit.iterations;
  converged := fit.converged;
  n := total;
  events := fit.events;
  center := ctr;
  grid := grid_u;
  grain_used := grain;
  RETURN NEXT;
END
$$;
COMMENT ON FUNCTION clinnova.federation_coxph_grid_fit(text, text, text, text[], float8, text, text, text[], integer, float8) IS
  'internal: pooled Cox on a shared time grid from per-site risk-set sums (round 0: grid and centre; then Newton steps); parallel unsafe: queries remote servers';

-- ============================================================================================
-- demo
-- ============================================================================================
