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

-- Synthetic four-site cohort (src/synth.c, src/synth_model.c).  Every table function takes
-- (site, n, seed, first_person) and returns the rows of persons first_person .. first_person+n-1
-- of that site; the same arguments always give the same rows, and the tables agree with each
-- other (they are cut from the same per-person stories).

CREATE FUNCTION clinnova.synth_sites(
    OUT site text, OUT site_id integer, OUT name text, OUT country text,
    OUT diagnosis_system text, OUT atc_edition text,
    OUT female_value text, OUT male_value text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'synth_sites'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 4;

COMMENT ON FUNCTION clinnova.synth_sites() IS
  'sites of the synthetic network and how each codes diagnoses, drugs and sex';

CREATE FUNCTION clinnova.synth_drugs(
    OUT disease text, OUT drug text, OUT drug_class text, OUT atc text, OUT atc_pre2024 text,
    OUT route text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'synth_drugs'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 26;

COMMENT ON FUNCTION clinnova.synth_drugs() IS
  'drugs of each disease in the synthetic cohort with ATC codes from the 2024 index and before';

CREATE FUNCTION clinnova.synth_lab_map(
    OUT site text, OUT measurement_source_value text, OUT unit_source_value text,
    OUT analyte text, OUT loinc text, OUT unit text, OUT factor float8, OUT local_code text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'synth_lab_map'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 36;

COMMENT ON FUNCTION clinnova.synth_lab_map() IS
  'local lab codes and units of each synthetic site mapped to LOINC and a standard unit (value * factor)';

CREATE FUNCTION clinnova.synth_person(
    site text, n integer, seed bigint DEFAULT 0, first_person integer DEFAULT 1,
    OUT person_id bigint, OUT gender_concept_id integer, OUT year_of_birth integer,
    OUT month_of_birth integer, OUT day_of_birth integer, OUT race_concept_id integer,
    OUT ethnicity_concept_id integer, OUT care_site_id integer,
    OUT person_source_value text, OUT gender_source_value text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'synth_person'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1000;

COMMENT ON FUNCTION clinnova.synth_person(text, integer, bigint, integer) IS
  'synthetic OMOP person rows of one site (deterministic by seed)';

CREATE FUNCTION clinnova.synth_observation_period(
    site text, n integer, seed bigint DEFAULT 0, first_person integer DEFAULT 1,
    OUT observation_period_id bigint, OUT person_id bigint,
    OUT observation_period_start_date date, OUT observation_period_end_date date,
    OUT period_type_concept_id integer)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'synth_observation_period'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1000;

COMMENT ON FUNCTION clinnova.synth_observation_period(text, integer, bigint, integer) IS
  'synthetic OMOP observation_period rows of one site (deterministic by seed)';

CREATE FUNCTION clinnova.synth_condition_occurrence(
    site text, n integer, seed bigint DEFAULT 0, first_person integer DEFAULT 1,
    OUT condition_occurrence_id bigint, OUT person_id bigint, OUT condition_concept_id integer,
    OUT condition_start_date date, OUT condition_type_concept_id integer,
    OUT condition_source_value text, OUT condition_status_source_value text,
    OUT condition_source_code text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'synth_condition_occurrence'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 3500;

COMMENT ON FUNCTION clinnova.synth_condition_occurrence(text, integer, bigint, integer) IS
  'synthetic OMOP condition_occurrence rows of one site in its own diagnosis coding (deterministic by seed)';

CREATE FUNCTION clinnova.synth_drug_exposure(
    site text, n integer, seed bigint DEFAULT 0, first_person integer DEFAULT 1,
    OUT drug_exposure_id bigint, OUT person_id bigint, OUT drug_concept_id integer,
    OUT drug_exposure_start_date date, OUT drug_exposure_end_date date,
    OUT drug_type_concept_id integer, OUT stop_reason text, OUT route_source_value text,
    OUT drug_source_value text, OUT drug_source_code text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'synth_drug_exposure'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 2500;

COMMENT ON FUNCTION clinnova.synth_drug_exposure(text, integer, bigint, integer) IS
  'synthetic OMOP drug_exposure rows (one per treatment episode) of one site (deterministic by seed)';

CREATE FUNCTION clinnova.synth_measurement(
    site text, n integer, seed bigint DEFAULT 0, first_person integer DEFAULT 1,
    OUT measurement_id bigint, OUT person_id bigint, OUT measurement_concept_id integer,
    OUT measurement_date date, OUT measurement_type_concept_id integer,
    OUT value_as_number float8, OUT unit_concept_id integer,
    OUT measurement_source_value text, OUT unit_source_value text,
    OUT measurement_source_code text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'synth_measurement'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 16000;

COMMENT ON FUNCTION clinnova.synth_measurement(text, integer, bigint, integer) IS
  'synthetic OMOP measurement rows (baseline labs) of one site in local codes and units (deterministic by seed)';

CREATE FUNCTION clinnova.synth_treatment_episode(
    site text, n integer, seed bigint DEFAULT 0, first_person integer DEFAULT 1,
    OUT episode_id bigint, OUT person_id bigint, OUT site text, OUT disease text,
    OUT subtype text, OUT line integer, OUT prior_lines integer, OUT drug text,
    OUT drug_class text, OUT atc text, OUT drug_source_value text,
    OUT start_date date, OUT end_date date, OUT "time" integer, OUT event boolean,
    OUT cause integer, OUT response_1y boolean, OUT age integer, OUT female boolean,
    OUT disease_duration float8, OUT crp float8, OUT calprotectin float8, OUT esr float8,
    OUT rf float8, OUT anti_ccp float8, OUT haemoglobin float8, OUT albumin float8,
    OUT leukocytes float8, OUT edss float8)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'synth_treatment_episode'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 2500;

COMMENT ON FUNCTION clinnova.synth_treatment_episode(text, integer, bigint, integer) IS
  'analysis-ready synthetic treatment episodes of one site: drug, baseline covariates, time to failure, event (deterministic by seed)';

-- Load persons first_person .. first_person + n - 1 of one site into the six tables person,
-- observation_period, condition_occurrence, drug_exposure, measurement and treatment_episode of
-- target_schema (created when missing; rows are appended).  Generates chunk persons per call of
-- the table functions, so memory stays flat at any n.
CREATE FUNCTION clinnova.synth_load(
    target_schema name, site text, n integer, seed bigint DEFAULT 0,
    first_person integer DEFAULT 1, chunk integer DEFAULT 50000,
    OUT table_name text, OUT rows_loaded bigint)
RETURNS SETOF record
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog
AS $$
DECLARE
    t text;
BEGIN
    IF chunk < 1 THEN
        RAISE EXCEPTION 'chunk must be positive'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('chunk is %s.', chunk);
    END IF;
    -- site, a negative n and first_person are checked before anything is created (n = 0
    -- generates nothing); a range beyond the last person index fails in the chunk reaching it
    PERFORM 1 FROM clinnova.synth_person(site, least(n, 0), seed, first_person);
    IF to_regnamespace(quote_ident(target_schema)) IS NULL THEN
        EXECUTE format('CREATE SCHEMA %I', target_schema);
    END IF;
    FOREACH t IN ARRAY ARRAY['person', 'observation_period', 'condition_occurrence',
                             'drug_exposure', 'measurement', 'treatment_episode']
    LOOP
        IF to_regclass(format('%I.%I', target_schema, t)) IS NULL THEN
            EXECUTE format('CREATE TABLE %I.%I AS SELECT * FROM clinnova.%I(%L, 0) WITH NO DATA',
                           target_schema, t, 'synth_' || t, site);
        END IF;
        EXECUTE format('INSERT INTO %I.%I SELECT s.* FROM generate_series($1, $1 + $2 - 1, $3) AS c(first), '
                       'LATERAL clinnova.%I($4, least($3, $1 + $2 - c.first), $5, c.first) AS s',
                       target_schema, t, 'synth_' || t)
            USING first_person, n, chunk, site, seed;
        GET DIAGNOSTICS rows_loaded = ROW_COUNT;
        EXECUTE format('ANALYZE %I.%I', target_schema, t);
        table_name := t;
        RETURN NEXT;
    END LOOP;
END
$$;

COMMENT ON FUNCTION clinnova.synth_load(name, text, integer, bigint, integer, integer) IS
  'create (if missing) and fill the six synthetic tables of one site in a schema; parallel unsafe: it creates and writes tables';
