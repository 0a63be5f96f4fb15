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

-- The clinical code type (src/code_*.c, src/vocab.c).  Storage and sort order: src/code.h.

CREATE TYPE clinnova.code;

CREATE FUNCTION clinnova.code_in(cstring) RETURNS clinnova.code
AS 'MODULE_PATHNAME', 'code_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.code_out(clinnova.code) RETURNS cstring
AS 'MODULE_PATHNAME', 'code_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.code_recv(internal) RETURNS clinnova.code
AS 'MODULE_PATHNAME', 'code_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.code_send(clinnova.code) RETURNS bytea
AS 'MODULE_PATHNAME', 'code_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE clinnova.code (
    INPUT = clinnova.code_in,
    OUTPUT = clinnova.code_out,
    RECEIVE = clinnova.code_recv,
    SEND = clinnova.code_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = int4,
    STORAGE = main
);

COMMENT ON TYPE clinnova.code IS
  'validated, normalised clinical code SYSTEM:VALUE (ICD10, ICD10GM, ICD10CM, ATC, SNOMED, LOINC, OMOP, LOCAL)';
COMMENT ON TYPE clinnova.code[] IS 'array of clinical codes';
COMMENT ON FUNCTION clinnova.code_in(cstring) IS 'text input of code: SYSTEM:VALUE or FHIR token uri|value';
COMMENT ON FUNCTION clinnova.code_out(clinnova.code) IS 'text output of code: canonical SYSTEM:VALUE';
COMMENT ON FUNCTION clinnova.code_recv(internal) IS 'binary input of code (version byte, system byte, value; fully re-validated)';
COMMENT ON FUNCTION clinnova.code_send(clinnova.code) IS 'binary output of code (version byte, system byte, value)';

-- constructors and casts
CREATE FUNCTION clinnova.code(text) RETURNS clinnova.code
AS 'MODULE_PATHNAME', 'code_from_text' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.code(text) IS 'parse SYSTEM:VALUE or uri|value into a code (the text -> code cast)';
CREATE CAST (text AS clinnova.code) WITH FUNCTION clinnova.code(text);

CREATE FUNCTION clinnova.code(system text, value text) RETURNS clinnova.code
AS 'MODULE_PATHNAME', 'code_make' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.code(text, text) IS 'a code from a system (name or FHIR URI) and a value';

CREATE FUNCTION clinnova.is_valid_code(text) RETURNS boolean
AS 'MODULE_PATHNAME', 'is_valid_code' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.is_valid_code(text) IS 'true when the text is a valid code (never raises for bad input)';

-- accessors
CREATE FUNCTION clinnova.code_system(clinnova.code) RETURNS text
AS 'MODULE_PATHNAME', 'code_system' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.code_system(clinnova.code) IS 'system of a code, e.g. ICD10GM';
CREATE FUNCTION clinnova.code_value(clinnova.code) RETURNS text
AS 'MODULE_PATHNAME', 'code_value' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.code_value(clinnova.code) IS 'value of a code as its system writes it, e.g. K50.1';
CREATE FUNCTION clinnova.code_system_name(text) RETURNS text
AS 'MODULE_PATHNAME', 'code_normalize_system' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.code_system_name(text) IS 'canonical system name for a name or FHIR URI (22023 if unknown)';
CREATE FUNCTION clinnova.code_fhir_system(clinnova.code) RETURNS text
AS 'MODULE_PATHNAME', 'code_fhir_system' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.code_fhir_system(clinnova.code) IS 'FHIR Coding.system URI of a code';

-- structure
CREATE FUNCTION clinnova.code_parent(clinnova.code) RETURNS clinnova.code
AS 'MODULE_PATHNAME', 'code_parent' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.code_parent(clinnova.code) IS 'nearest structural ancestor (ICD-10, ATC), NULL at the top or without structure';
CREATE FUNCTION clinnova.code_ancestors(clinnova.code) RETURNS clinnova.code[]
AS 'MODULE_PATHNAME', 'code_ancestors' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.code_ancestors(clinnova.code) IS 'structural ancestors from the top down, without the code itself';
CREATE FUNCTION clinnova.code_level(clinnova.code) RETURNS integer
AS 'MODULE_PATHNAME', 'code_level' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.code_level(clinnova.code) IS 'ICD: number of characters (3 = category); ATC: level 1-5; NULL without structure';
CREATE FUNCTION clinnova.code_chapter(clinnova.code) RETURNS text
AS 'MODULE_PATHNAME', 'code_chapter' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.code_chapter(clinnova.code) IS 'Roman numeral of the ICD-10 / ICD-10-GM chapter, NULL otherwise';
CREATE FUNCTION clinnova.code_subtree_end(clinnova.code) RETURNS clinnova.code
AS 'MODULE_PATHNAME', 'code_subtree_end' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.code_subtree_end(clinnova.code) IS
  'exclusive upper bound of the subtree of a code in sort order (index conditions of <@)';

-- comparison
CREATE FUNCTION clinnova.code_eq(clinnova.code, clinnova.code) RETURNS boolean
AS 'MODULE_PATHNAME', 'code_eq' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION clinnova.code_ne(clinnova.code, clinnova.code) RETURNS boolean
AS 'MODULE_PATHNAME', 'code_ne' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION clinnova.code_lt(clinnova.code, clinnova.code) RETURNS boolean
AS 'MODULE_PATHNAME', 'code_lt' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION clinnova.code_le(clinnova.code, clinnova.code) RETURNS boolean
AS 'MODULE_PATHNAME', 'code_le' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION clinnova.code_gt(clinnova.code, clinnova.code) RETURNS boolean
AS 'MODULE_PATHNAME', 'code_gt' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION clinnova.code_ge(clinnova.code, clinnova.code) RETURNS boolean
AS 'MODULE_PATHNAME', 'code_ge' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION clinnova.code_cmp(clinnova.code, clinnova.code) RETURNS integer
AS 'MODULE_PATHNAME', 'code_cmp' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION clinnova.code_sortsupport(internal) RETURNS void
AS 'MODULE_PATHNAME', 'code_sortsupport' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.code_hash(clinnova.code) RETURNS integer
AS 'MODULE_PATHNAME', 'code_hash' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION clinnova.code_hash_extended(clinnova.code, bigint) RETURNS bigint
AS 'MODULE_PATHNAME', 'code_hash_extended' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.code_eq(clinnova.code, clinnova.code) IS 'implementation of = (same system and value)';
COMMENT ON FUNCTION clinnova.code_ne(clinnova.code, clinnova.code) IS 'implementation of <>';
COMMENT ON FUNCTION clinnova.code_lt(clinnova.code, clinnova.code) IS 'implementation of <';
COMMENT ON FUNCTION clinnova.code_le(clinnova.code, clinnova.code) IS 'implementation of <=';
COMMENT ON FUNCTION clinnova.code_gt(clinnova.code, clinnova.code) IS 'implementation of >';
COMMENT ON FUNCTION clinnova.code_ge(clinnova.code, clinnova.code) IS 'implementation of >=';
COMMENT ON FUNCTION clinnova.code_cmp(clinnova.code, clinnova.code) IS 'btree comparison of codes (system, then value; ancestors first)';
COMMENT ON FUNCTION clinnova.code_sortsupport(internal) IS 'btree sort support of codes (abbreviated keys)';
COMMENT ON FUNCTION clinnova.code_hash(clinnova.code) IS 'hash of a code';
COMMENT ON FUNCTION clinnova.code_hash_extended(clinnova.code, bigint) IS 'seeded 64-bit hash of a code';

CREATE OPERATOR clinnova.= (
    LEFTARG = clinnova.code, RIGHTARG = clinnova.code, FUNCTION = clinnova.code_eq,
    COMMUTATOR = OPERATOR(clinnova.=), NEGATOR = OPERATOR(clinnova.<>),
    RESTRICT = pg_catalog.eqsel, JOIN = pg_catalog.eqjoinsel, HASHES, MERGES);
CREATE OPERATOR clinnova.<> (
    LEFTARG = clinnova.code, RIGHTARG = clinnova.code, FUNCTION = clinnova.code_ne,
    COMMUTATOR = OPERATOR(clinnova.<>), NEGATOR = OPERATOR(clinnova.=),
    RESTRICT = pg_catalog.neqsel, JOIN = pg_catalog.neqjoinsel);
CREATE OPERATOR clinnova.< (
    LEFTARG = clinnova.code, RIGHTARG = clinnova.code, FUNCTION = clinnova.code_lt,
    COMMUTATOR = OPERATOR(clinnova.>), NEGATOR = OPERATOR(clinnova.>=),
    RESTRICT = pg_catalog.scalarltsel, JOIN = pg_catalog.scalarltjoinsel);
CREATE OPERATOR clinnova.<= (
    LEFTARG = clinnova.code, RIGHTARG = clinnova.code, FUNCTION = clinnova.code_le,
    COMMUTATOR = OPERATOR(clinnova.>=), NEGATOR = OPERATOR(clinnova.>),
    RESTRICT = pg_catalog.scalarlesel, JOIN = pg_catalog.scalarlejoinsel);
CREATE OPERATOR clinnova.> (
    LEFTARG = clinnova.code, RIGHTARG = clinnova.code, FUNCTION = clinnova.code_gt,
    COMMUTATOR = OPERATOR(clinnova.<), NEGATOR = OPERATOR(clinnova.<=),
    RESTRICT = pg_catalog.scalargtsel, JOIN = pg_catalog.scalargtjoinsel);
CREATE OPERATOR clinnova.>= (
    LEFTARG = clinnova.code, RIGHTARG = clinnova.code, FUNCTION = clinnova.code_ge,
    COMMUTATOR = OPERATOR(clinnova.<=), NEGATOR = OPERATOR(clinnova.<),
    RESTRICT = pg_catalog.scalargesel, JOIN = pg_catalog.scalargejoinsel);

CREATE OPERATOR CLASS clinnova.code_ops
DEFAULT FOR TYPE clinnova.code USING btree AS
    OPERATOR 1 clinnova.<,
    OPERATOR 2 clinnova.<=,
    OPERATOR 3 clinnova.=,
    OPERATOR 4 clinnova.>=,
    OPERATOR 5 clinnova.>,
    FUNCTION 1 clinnova.code_cmp(clinnova.code, clinnova.code),
    FUNCTION 2 clinnova.code_sortsupport(internal),
    FUNCTION 4 pg_catalog.btequalimage(oid);

CREATE OPERATOR CLASS clinnova.code_hash_ops
DEFAULT FOR TYPE clinnova.code USING hash AS
    OPERATOR 1 clinnova.=,
    FUNCTION 1 clinnova.code_hash(clinnova.code),
    FUNCTION 2 clinnova.code_hash_extended(clinnova.code, bigint);

-- hierarchy: <@ and @> with planner support (index conditions, selectivity)
CREATE FUNCTION clinnova.code_contained_support(internal) RETURNS internal
AS 'MODULE_PATHNAME', 'code_contained_support' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.code_contains_support(internal) RETURNS internal
AS 'MODULE_PATHNAME', 'code_contains_support' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.code_contained_sel(internal, oid, internal, integer) RETURNS float8
AS 'MODULE_PATHNAME', 'code_contained_sel' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.code_contains_sel(internal, oid, internal, integer) RETURNS float8
AS 'MODULE_PATHNAME', 'code_contains_sel' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.code_contained_joinsel(internal, oid, internal, smallint, internal) RETURNS float8
AS 'MODULE_PATHNAME', 'code_contained_joinsel' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.code_contains_joinsel(internal, oid, internal, smallint, internal) RETURNS float8
AS 'MODULE_PATHNAME', 'code_contains_joinsel' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.code_contained_support(internal) IS 'planner support of <@: btree index conditions and selectivity';
COMMENT ON FUNCTION clinnova.code_contains_support(internal) IS 'planner support of @>: btree index conditions and selectivity';
COMMENT ON FUNCTION clinnova.code_contained_sel(internal, oid, internal, integer) IS 'restriction selectivity of <@';
COMMENT ON FUNCTION clinnova.code_contains_sel(internal, oid, internal, integer) IS 'restriction selectivity of @>';
COMMENT ON FUNCTION clinnova.code_contained_joinsel(internal, oid, internal, smallint, internal) IS 'join selectivity of <@';
COMMENT ON FUNCTION clinnova.code_contains_joinsel(internal, oid, internal, smallint, internal) IS 'join selectivity of @>';

CREATE FUNCTION clinnova.code_contained(clinnova.code, clinnova.code) RETURNS boolean
AS 'MODULE_PATHNAME', 'code_contained' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE
SUPPORT clinnova.code_contained_support;
CREATE FUNCTION clinnova.code_contains(clinnova.code, clinnova.code) RETURNS boolean
AS 'MODULE_PATHNAME', 'code_contains' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE
SUPPORT clinnova.code_contains_support;
COMMENT ON FUNCTION clinnova.code_contained(clinnova.code, clinnova.code) IS
  'a <@ b: a is b or a structural descendant of b (ICD-10 families, ATC levels); equality for other systems';
COMMENT ON FUNCTION clinnova.code_contains(clinnova.code, clinnova.code) IS
  'a @> b: a is b or a structural ancestor of b';

CREATE OPERATOR clinnova.<@ (
    LEFTARG = clinnova.code, RIGHTARG = clinnova.code, FUNCTION = clinnova.code_contained,
    COMMUTATOR = OPERATOR(clinnova.@>),
    RESTRICT = clinnova.code_contained_sel, JOIN = clinnova.code_contained_joinsel);
CREATE OPERATOR clinnova.@> (
    LEFTARG = clinnova.code, RIGHTARG = clinnova.code, FUNCTION = clinnova.code_contains,
    COMMUTATOR = OPERATOR(clinnova.<@),
    RESTRICT = clinnova.code_contains_sel, JOIN = clinnova.code_contains_joinsel);

-- FHIR and German source data
CREATE FUNCTION clinnova.from_fhir(coding jsonb) RETURNS clinnova.code
AS 'MODULE_PATHNAME', 'from_fhir' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.from_fhir(jsonb) IS
  'code of a FHIR Coding; refuses Codings carrying ICD-10-GM certainty or laterality (use icd10gm_parse)';

CREATE FUNCTION clinnova.icd10gm_parse(entry text,
    OUT code clinnova.code, OUT certainty text, OUT laterality text, OUT marker text)
RETURNS record
AS 'MODULE_PATHNAME', 'icd10gm_parse' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.icd10gm_parse(text) IS
  'split an ICD-10-GM entry such as ''G35.10 G'' into code, diagnosis certainty, laterality and multiple-coding marker';
CREATE FUNCTION clinnova.icd10gm_parse(coding jsonb,
    OUT code clinnova.code, OUT certainty text, OUT laterality text, OUT marker text)
RETURNS record
AS 'MODULE_PATHNAME', 'icd10gm_parse_fhir' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.icd10gm_parse(jsonb) IS
  'code, diagnosis certainty, laterality and multiple-coding marker of an ICD-10-GM FHIR Coding';

-- vocabulary: OMOP CDM 5.4 tables (load Athena files with \copy; see README)
CREATE FUNCTION clinnova.concept_to_code(vocabulary_id text, concept_code text, concept_id integer)
RETURNS clinnova.code
AS 'MODULE_PATHNAME', 'concept_to_code' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.concept_to_code(text, text, integer) IS
  'code of an OMOP concept row: its own system for ICD10/ICD10GM/ICD10CM/ATC/SNOMED/LOINC/LOCAL, else OMOP:<concept_id>';

CREATE TABLE clinnova.concept (
    concept_id       integer      NOT NULL,
    concept_name     varchar(255) NOT NULL,
    domain_id        varchar(20)  NOT NULL,
    vocabulary_id    varchar(20)  NOT NULL,
    concept_class_id varchar(20)  NOT NULL,
    standard_concept varchar(1)   NULL,
    concept_code     varchar(50)  NOT NULL,
    valid_start_date date         NOT NULL,
    valid_end_date   date         NOT NULL,
    invalid_reason   varchar(1)   NULL,
    CONSTRAINT xpk_concept PRIMARY KEY (concept_id)
);
CREATE INDEX idx_concept_code ON clinnova.concept
    (clinnova.concept_to_code(vocabulary_id, concept_code, concept_id));
COMMENT ON TABLE clinnova.concept IS 'OMOP CDM 5.4 concept table (sample vocabulary; load Athena CONCEPT.csv)';

CREATE TABLE clinnova.concept_relationship (
    concept_id_1     integer     NOT NULL,
    concept_id_2     integer     NOT NULL,
    relationship_id  varchar(20) NOT NULL,
    valid_start_date date        NOT NULL,
    valid_end_date   date        NOT NULL,
    invalid_reason   varchar(1)  NULL
);
CREATE INDEX idx_concept_relationship_id_1 ON clinnova.concept_relationship (concept_id_1);
CREATE INDEX idx_concept_relationship_id_2 ON clinnova.concept_relationship (concept_id_2);
CREATE INDEX idx_concept_relationship_id_3 ON clinnova.concept_relationship (relationship_id);
COMMENT ON TABLE clinnova.concept_relationship IS 'OMOP CDM 5.4 concept_relationship table (''Maps to'', ''Concept replaced by'', ...)';

CREATE TABLE clinnova.concept_ancestor (
    ancestor_concept_id      integer NOT NULL,
    descendant_concept_id    integer NOT NULL,
    min_levels_of_separation integer NOT NULL,
    max_levels_of_separation integer NOT NULL
);
CREATE INDEX idx_concept_ancestor_id_1 ON clinnova.concept_ancestor (ancestor_concept_id);
CREATE INDEX idx_concept_ancestor_id_2 ON clinnova.concept_ancestor (descendant_concept_id);
COMMENT ON TABLE clinnova.concept_ancestor IS 'OMOP CDM 5.4 concept_ancestor table (transitive closure of the hierarchy)';

GRANT SELECT ON clinnova.concept, clinnova.concept_relationship, clinnova.concept_ancestor TO PUBLIC;

-- BEGIN sample vocabulary (generated by test/data/codes_vocab_gen.py; do not edit)
INSERT INTO clinnova.concept (concept_id, concept_name, domain_id, vocabulary_id, concept_class_id, standard_concept, concept_code, valid_start_date, valid_end_date, invalid_reason) VALUES
  (4074815, 'Inflammatory bowel disease', 'Condition', 'SNOMED', 'Clinical Finding', 'S', '24526004', '1970-01-01', '2099-12-31', NULL),
  (201606, 'Crohn''s disease', 'Condition', 'SNOMED', 'Clinical Finding', 'S', '34000006', '1970-01-01', '2099-12-31', NULL),
  (2090000001, 'Crohn''s disease of small intestine', 'Condition', 'SNOMED', 'Clinical Finding', 'S', '56689002', '1970-01-01', '2099-12-31', NULL),
  (2090000002, 'Crohn''s disease of large bowel', 'Condition', 'SNOMED', 'Clinical Finding', 'S', '7620006', '1970-01-01', '2099-12-31', NULL),
  (2090000003, 'Crohn''s disease of small and large intestines', 'Condition', 'SNOMED', 'Clinical Finding', 'S', '71833008', '1970-01-01', '2099-12-31', NULL),
  (2090000004, 'Crohn''s disease of ileum', 'Condition', 'SNOMED', 'Clinical Finding', 'S', '38106008', '1970-01-01', '2099-12-31', NULL),
  (2090000005, 'Perianal Crohn''s disease', 'Condition', 'SNOMED', 'Clinical Finding', 'S', '235796008', '1970-01-01', '2099-12-31', NULL),
  (81893, 'Ulcerative colitis', 'Condition', 'SNOMED', 'Clinical Finding', 'S', '64766004', '1970-01-01', '2099-12-31', NULL),
  (2090000006, 'Ulcerative pancolitis', 'Condition', 'SNOMED', 'Clinical Finding', 'S', '444548001', '1970-01-01', '2099-12-31', NULL),
  (2090000007, 'Left sided ulcerative colitis', 'Condition', 'SNOMED', 'Clinical Finding', 'S', '445243001', '1970-01-01', '2099-12-31', NULL),
  (2090000008, 'Chronic ulcerative rectosigmoiditis', 'Condition', 'SNOMED', 'Clinical Finding', 'S', '52506002', '1970-01-01', '2099-12-31', NULL),
  (80809, 'Rheumatoid arthritis', 'Condition', 'SNOMED', 'Clinical Finding', 'S', '69896004', '1970-01-01', '2099-12-31', NULL),
  (4035611, 'Seropositive rheumatoid arthritis', 'Condition', 'SNOMED', 'Clinical Finding', 'S', '239791005', '1970-01-01', '2099-12-31', NULL),
  (4083556, 'Seronegative rheumatoid arthritis', 'Condition', 'SNOMED', 'Clinical Finding', 'S', '239792003', '1970-01-01', '2099-12-31', NULL),
  (374919, 'Multiple sclerosis', 'Condition', 'SNOMED', 'Clinical Finding', 'S', '24700007', '1970-01-01', '2099-12-31', NULL),
  (2090000009, 'Relapsing remitting multiple sclerosis', 'Condition', 'SNOMED', 'Clinical Finding', 'S', '426373005', '1970-01-01', '2099-12-31', NULL),
  (2090000010, 'Secondary progressive multiple sclerosis', 'Condition', 'SNOMED', 'Clinical Finding', 'S', '425500002', '1970-01-01', '2099-12-31', NULL),
  (2090000011, 'Crohn disease [regional enteritis]', 'Condition', 'ICD10', 'ICD10 Hierarchy', NULL, 'K50', '1970-01-01', '2099-12-31', NULL),
  (2090000012, 'Crohn disease of small intestine', 'Condition', 'ICD10', 'ICD10 code', NULL, 'K50.0', '1970-01-01', '2099-12-31', NULL),
  (2090000013, 'Crohn disease of large intestine', 'Condition', 'ICD10', 'ICD10 code', NULL, 'K50.1', '1970-01-01', '2099-12-31', NULL),
  (2090000014, 'Other Crohn disease', 'Condition', 'ICD10', 'ICD10 code', NULL, 'K50.8', '1970-01-01', '2099-12-31', NULL),
  (2090000015, 'Crohn disease, unspecified', 'Condition', 'ICD10', 'ICD10 code', NULL, 'K50.9', '1970-01-01', '2099-12-31', NULL),
  (2090000016, 'Ulcerative colitis', 'Condition', 'ICD10', 'ICD10 Hierarchy', NULL, 'K51', '1970-01-01', '2099-12-31', NULL),
  (2090000017, 'Ulcerative (chronic) pancolitis', 'Condition', 'ICD10', 'ICD10 code', NULL, 'K51.0', '1970-01-01', '2099-12-31', NULL),
  (2090000018, 'Ulcerative (chronic) proctitis', 'Condition', 'ICD10', 'ICD10 code', NULL, 'K51.2', '1970-01-01', '2099-12-31', NULL),
  (2090000019, 'Ulcerative (chronic) rectosigmoiditis', 'Condition', 'ICD10', 'ICD10 code', NULL, 'K51.3', '1970-01-01', '2099-12-31', NULL),
  (2090000020, 'Inflammatory polyps', 'Condition', 'ICD10', 'ICD10 code', NULL, 'K51.4', '1970-01-01', '2099-12-31', NULL),
  (2090000021, 'Left sided colitis', 'Condition', 'ICD10', 'ICD10 code', NULL, 'K51.5', '1970-01-01', '2099-12-31', NULL),
  (2090000022, 'Other ulcerative colitis', 'Condition', 'ICD10', 'ICD10 code', NULL, 'K51.8', '1970-01-01', '2099-12-31', NULL),
  (2090000023, 'Ulcerative colitis, unspecified', 'Condition', 'ICD10', 'ICD10 code', NULL, 'K51.9', '1970-01-01', '2099-12-31', NULL),
  (2090000024, 'Indeterminate colitis', 'Condition', 'ICD10', 'ICD10 code', NULL, 'K52.3', '1970-01-01', '2099-12-31', NULL),
  (2090000025, 'Seropositive rheumatoid arthritis', 'Condition', 'ICD10', 'ICD10 Hierarchy', NULL, 'M05', '1970-01-01', '2099-12-31', NULL),
  (2090000026, 'Felty syndrome', 'Condition', 'ICD10', 'ICD10 code', NULL, 'M05.0', '1970-01-01', '2099-12-31', NULL),
  (2090000027, 'Rheumatoid lung disease', 'Condition', 'ICD10', 'ICD10 code', NULL, 'M05.1', '1970-01-01', '2099-12-31', NULL),
  (2090000028, 'Rheumatoid vasculitis', 'Condition', 'ICD10', 'ICD10 code', NULL, 'M05.2', '1970-01-01', '2099-12-31', NULL),
  (2090000029, 'Rheumatoid arthritis with involvement of other organs and systems', 'Condition', 'ICD10', 'ICD10 code', NULL, 'M05.3', '1970-01-01', '2099-12-31', NULL),
  (2090000030, 'Other seropositive rheumatoid arthritis', 'Condition', 'ICD10', 'ICD10 code', NULL, 'M05.8', '1970-01-01', '2099-12-31', NULL),
  (2090000031, 'Seropositive rheumatoid arthritis, unspecified', 'Condition', 'ICD10', 'ICD10 code', NULL, 'M05.9', '1970-01-01', '2099-12-31', NULL),
  (2090000032, 'Other rheumatoid arthritis', 'Condition', 'ICD10', 'ICD10 Hierarchy', NULL, 'M06', '1970-01-01', '2099-12-31', NULL),
  (2090000033, 'Seronegative rheumatoid arthritis', 'Condition', 'ICD10', 'ICD10 code', NULL, 'M06.0', '1970-01-01', '2099-12-31', NULL),
  (2090000034, 'Adult-onset Still disease', 'Condition', 'ICD10', 'ICD10 code', NULL, 'M06.1', '1970-01-01', '2099-12-31', NULL),
  (2090000035, 'Rheumatoid bursitis', 'Condition', 'ICD10', 'ICD10 code', NULL, 'M06.2', '1970-01-01', '2099-12-31', NULL),
  (2090000036, 'Rheumatoid nodule', 'Condition', 'ICD10', 'ICD10 code', NULL, 'M06.3', '1970-01-01', '2099-12-31', NULL),
  (2090000037, 'Inflammatory polyarthropathy', 'Condition', 'ICD10', 'ICD10 code', NULL, 'M06.4', '1970-01-01', '2099-12-31', NULL),
  (2090000038, 'Other specified rheumatoid arthritis', 'Condition', 'ICD10', 'ICD10 code', NULL, 'M06.8', '1970-01-01', '2099-12-31', NULL),
  (2090000039, 'Rheumatoid arthritis, unspecified', 'Condition', 'ICD10', 'ICD10 code', NULL, 'M06.9', '1970-01-01', '2099-12-31', NULL),
  (2090000040, 'Multiple sclerosis', 'Condition', 'ICD10', 'ICD10 Hierarchy', NULL, 'G35', '1970-01-01', '2099-12-31', NULL),
  (2090000041, 'Multiple Sklerose [Encephalomyelitis disseminata]', 'Condition', 'ICD10GM', 'ICD10 Hierarchy', NULL, 'G35', '1970-01-01', '2099-12-31', NULL),
  (2090000042, 'Erstmanifestation einer multiplen Sklerose', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'G35.0', '1970-01-01', '2099-12-31', NULL),
  (2090000043, 'Multiple Sklerose mit vorherrschend schubförmigem Verlauf', 'Condition', 'ICD10GM', 'ICD10 Hierarchy', NULL, 'G35.1', '1970-01-01', '2099-12-31', NULL),
  (2090000044, 'Multiple Sklerose mit vorherrschend schubförmigem Verlauf: Ohne Angabe einer akuten Exazerbation oder Progression', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'G35.10', '1970-01-01', '2099-12-31', NULL),
  (2090000045, 'Multiple Sklerose mit vorherrschend schubförmigem Verlauf: Mit Angabe einer akuten Exazerbation oder Progression', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'G35.11', '1970-01-01', '2099-12-31', NULL),
  (2090000046, 'Multiple Sklerose mit primär-chronischem Verlauf', 'Condition', 'ICD10GM', 'ICD10 Hierarchy', NULL, 'G35.2', '1970-01-01', '2099-12-31', NULL),
  (2090000047, 'Multiple Sklerose mit primär-chronischem Verlauf: Ohne Angabe einer akuten Exazerbation oder Progression', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'G35.20', '1970-01-01', '2099-12-31', NULL),
  (2090000048, 'Multiple Sklerose mit primär-chronischem Verlauf: Mit Angabe einer akuten Exazerbation oder Progression', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'G35.21', '1970-01-01', '2099-12-31', NULL),
  (2090000049, 'Multiple Sklerose mit sekundär-chronischem Verlauf', 'Condition', 'ICD10GM', 'ICD10 Hierarchy', NULL, 'G35.3', '1970-01-01', '2099-12-31', NULL),
  (2090000050, 'Multiple Sklerose mit sekundär-chronischem Verlauf: Ohne Angabe einer akuten Exazerbation oder Progression', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'G35.30', '1970-01-01', '2099-12-31', NULL),
  (2090000051, 'Multiple Sklerose mit sekundär-chronischem Verlauf: Mit Angabe einer akuten Exazerbation oder Progression', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'G35.31', '1970-01-01', '2099-12-31', NULL),
  (2090000052, 'Multiple Sklerose, nicht näher bezeichnet', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'G35.9', '1970-01-01', '2099-12-31', NULL),
  (2090000053, 'Crohn-Krankheit [Enteritis regionalis] [Morbus Crohn]', 'Condition', 'ICD10GM', 'ICD10 Hierarchy', NULL, 'K50', '1970-01-01', '2099-12-31', NULL),
  (2090000054, 'Crohn-Krankheit des Dünndarmes', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'K50.0', '1970-01-01', '2099-12-31', NULL),
  (2090000055, 'Crohn-Krankheit des Dickdarmes', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'K50.1', '1970-01-01', '2099-12-31', NULL),
  (2090000056, 'Sonstige Crohn-Krankheit', 'Condition', 'ICD10GM', 'ICD10 Hierarchy', NULL, 'K50.8', '1970-01-01', '2099-12-31', NULL),
  (2090000057, 'Crohn-Krankheit des Magens', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'K50.80', '1970-01-01', '2099-12-31', NULL),
  (2090000058, 'Crohn-Krankheit der Speiseröhre', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'K50.81', '1970-01-01', '2099-12-31', NULL),
  (2090000059, 'Crohn-Krankheit der Speiseröhre und des Magen-Darm-Traktes, mehrere Teilbereiche betreffend', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'K50.82', '1970-01-01', '2099-12-31', NULL),
  (2090000060, 'Sonstige Crohn-Krankheit', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'K50.88', '1970-01-01', '2099-12-31', NULL),
  (2090000061, 'Crohn-Krankheit, nicht näher bezeichnet', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'K50.9', '1970-01-01', '2099-12-31', NULL),
  (2090000062, 'Colitis ulcerosa', 'Condition', 'ICD10GM', 'ICD10 Hierarchy', NULL, 'K51', '1970-01-01', '2099-12-31', NULL),
  (2090000063, 'Ulzeröse (chronische) Pankolitis', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'K51.0', '1970-01-01', '2099-12-31', NULL),
  (2090000064, 'Ulzeröse (chronische) Proktitis', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'K51.2', '1970-01-01', '2099-12-31', NULL),
  (2090000065, 'Ulzeröse (chronische) Rektosigmoiditis', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'K51.3', '1970-01-01', '2099-12-31', NULL),
  (2090000066, 'Inflammatorische Polypen des Kolons', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'K51.4', '1970-01-01', '2099-12-31', NULL),
  (2090000067, 'Linksseitige Kolitis', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'K51.5', '1970-01-01', '2099-12-31', NULL),
  (2090000068, 'Sonstige Colitis ulcerosa', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'K51.8', '1970-01-01', '2099-12-31', NULL),
  (2090000069, 'Colitis ulcerosa, nicht näher bezeichnet', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'K51.9', '1970-01-01', '2099-12-31', NULL),
  (2090000070, 'Colitis indeterminata', 'Condition', 'ICD10GM', 'ICD10 Hierarchy', NULL, 'K52.3', '1970-01-01', '2099-12-31', NULL),
  (2090000071, 'Pancolitis indeterminata', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'K52.30', '1970-01-01', '2099-12-31', NULL),
  (2090000072, 'Linksseitige Colitis indeterminata', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'K52.31', '1970-01-01', '2099-12-31', NULL),
  (2090000073, 'Colitis indeterminata des Rektosigmoids', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'K52.32', '1970-01-01', '2099-12-31', NULL),
  (2090000074, 'Sonstige Colitis indeterminata', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'K52.38', '1970-01-01', '2099-12-31', NULL),
  (2090000075, 'Seropositive chronische Polyarthritis', 'Condition', 'ICD10GM', 'ICD10 Hierarchy', NULL, 'M05', '1970-01-01', '2099-12-31', NULL),
  (2090000076, 'Felty-Syndrom', 'Condition', 'ICD10GM', 'ICD10 Hierarchy', NULL, 'M05.0', '1970-01-01', '2099-12-31', NULL),
  (2090000077, 'Felty-Syndrom: Mehrere Lokalisationen', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.00', '1970-01-01', '2099-12-31', NULL),
  (2090000078, 'Felty-Syndrom: Schulterregion [Klavikula, Skapula, Akromioklavikular-, Schulter-, Sternoklavikulargelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.01', '1970-01-01', '2099-12-31', NULL),
  (2090000079, 'Felty-Syndrom: Oberarm [Humerus, Ellenbogengelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.02', '1970-01-01', '2099-12-31', NULL),
  (2090000080, 'Felty-Syndrom: Unterarm [Radius, Ulna, Handgelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.03', '1970-01-01', '2099-12-31', NULL),
  (2090000081, 'Felty-Syndrom: Hand [Finger, Handwurzel, Mittelhand, Gelenke zwischen diesen Knochen]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.04', '1970-01-01', '2099-12-31', NULL),
  (2090000082, 'Felty-Syndrom: Beckenregion und Oberschenkel [Becken, Femur, Gesäß, Hüfte, Hüftgelenk, Iliosakralgelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.05', '1970-01-01', '2099-12-31', NULL),
  (2090000083, 'Felty-Syndrom: Unterschenkel [Fibula, Tibia, Kniegelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.06', '1970-01-01', '2099-12-31', NULL),
  (2090000084, 'Felty-Syndrom: Knöchel und Fuß [Fußwurzel, Mittelfuß, Zehen, Sprunggelenk, sonstige Gelenke des Fußes]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.07', '1970-01-01', '2099-12-31', NULL),
  (2090000085, 'Felty-Syndrom: Sonstige [Hals, Kopf, Rippen, Rumpf, Schädel, Wirbelsäule]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.08', '1970-01-01', '2099-12-31', NULL),
  (2090000086, 'Felty-Syndrom: Nicht näher bezeichnete Lokalisation', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.09', '1970-01-01', '2099-12-31', NULL),
  (2090000087, 'Lungenmanifestation der seropositiven chronischen Polyarthritis', 'Condition', 'ICD10GM', 'ICD10 Hierarchy', NULL, 'M05.1', '1970-01-01', '2099-12-31', NULL),
  (2090000088, 'Lungenmanifestation der seropositiven chronischen Polyarthritis: Mehrere Lokalisationen', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.10', '1970-01-01', '2099-12-31', NULL),
  (2090000089, 'Lungenmanifestation der seropositiven chronischen Polyarthritis: Schulterregion [Klavikula, Skapula, Akromioklavikular-, Schulter-, Sternoklavikulargelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.11', '1970-01-01', '2099-12-31', NULL),
  (2090000090, 'Lungenmanifestation der seropositiven chronischen Polyarthritis: Oberarm [Humerus, Ellenbogengelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.12', '1970-01-01', '2099-12-31', NULL),
  (2090000091, 'Lungenmanifestation der seropositiven chronischen Polyarthritis: Unterarm [Radius, Ulna, Handgelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.13', '1970-01-01', '2099-12-31', NULL),
  (2090000092, 'Lungenmanifestation der seropositiven chronischen Polyarthritis: Hand [Finger, Handwurzel, Mittelhand, Gelenke zwischen diesen Knochen]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.14', '1970-01-01', '2099-12-31', NULL),
  (2090000093, 'Lungenmanifestation der seropositiven chronischen Polyarthritis: Beckenregion und Oberschenkel [Becken, Femur, Gesäß, Hüfte, Hüftgelenk, Iliosakralgelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.15', '1970-01-01', '2099-12-31', NULL),
  (2090000094, 'Lungenmanifestation der seropositiven chronischen Polyarthritis: Unterschenkel [Fibula, Tibia, Kniegelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.16', '1970-01-01', '2099-12-31', NULL),
  (2090000095, 'Lungenmanifestation der seropositiven chronischen Polyarthritis: Knöchel und Fuß [Fußwurzel, Mittelfuß, Zehen, Sprunggelenk, sonstige Gelenke des Fußes]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.17', '1970-01-01', '2099-12-31', NULL),
  (2090000096, 'Lungenmanifestation der seropositiven chronischen Polyarthritis: Sonstige [Hals, Kopf, Rippen, Rumpf, Schädel, Wirbelsäule]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.18', '1970-01-01', '2099-12-31', NULL),
  (2090000097, 'Lungenmanifestation der seropositiven chronischen Polyarthritis: Nicht näher bezeichnete Lokalisation', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.19', '1970-01-01', '2099-12-31', NULL),
  (2090000098, 'Vaskulitis bei seropositiver chronischer Polyarthritis', 'Condition', 'ICD10GM', 'ICD10 Hierarchy', NULL, 'M05.2', '1970-01-01', '2099-12-31', NULL),
  (2090000099, 'Vaskulitis bei seropositiver chronischer Polyarthritis: Mehrere Lokalisationen', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.20', '1970-01-01', '2099-12-31', NULL),
  (2090000100, 'Vaskulitis bei seropositiver chronischer Polyarthritis: Schulterregion [Klavikula, Skapula, Akromioklavikular-, Schulter-, Sternoklavikulargelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.21', '1970-01-01', '2099-12-31', NULL),
  (2090000101, 'Vaskulitis bei seropositiver chronischer Polyarthritis: Oberarm [Humerus, Ellenbogengelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.22', '1970-01-01', '2099-12-31', NULL),
  (2090000102, 'Vaskulitis bei seropositiver chronischer Polyarthritis: Unterarm [Radius, Ulna, Handgelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.23', '1970-01-01', '2099-12-31', NULL),
  (2090000103, 'Vaskulitis bei seropositiver chronischer Polyarthritis: Hand [Finger, Handwurzel, Mittelhand, Gelenke zwischen diesen Knochen]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.24', '1970-01-01', '2099-12-31', NULL),
  (2090000104, 'Vaskulitis bei seropositiver chronischer Polyarthritis: Beckenregion und Oberschenkel [Becken, Femur, Gesäß, Hüfte, Hüftgelenk, Iliosakralgelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.25', '1970-01-01', '2099-12-31', NULL),
  (2090000105, 'Vaskulitis bei seropositiver chronischer Polyarthritis: Unterschenkel [Fibula, Tibia, Kniegelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.26', '1970-01-01', '2099-12-31', NULL),
  (2090000106, 'Vaskulitis bei seropositiver chronischer Polyarthritis: Knöchel und Fuß [Fußwurzel, Mittelfuß, Zehen, Sprunggelenk, sonstige Gelenke des Fußes]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.27', '1970-01-01', '2099-12-31', NULL),
  (2090000107, 'Vaskulitis bei seropositiver chronischer Polyarthritis: Sonstige [Hals, Kopf, Rippen, Rumpf, Schädel, Wirbelsäule]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.28', '1970-01-01', '2099-12-31', NULL),
  (2090000108, 'Vaskulitis bei seropositiver chronischer Polyarthritis: Nicht näher bezeichnete Lokalisation', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.29', '1970-01-01', '2099-12-31', NULL),
  (2090000109, 'Seropositive chronische Polyarthritis mit Beteiligung sonstiger Organe und Organsysteme', 'Condition', 'ICD10GM', 'ICD10 Hierarchy', NULL, 'M05.3', '1970-01-01', '2099-12-31', NULL),
  (2090000110, 'Seropositive chronische Polyarthritis mit Beteiligung sonstiger Organe und Organsysteme: Mehrere Lokalisationen', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.30', '1970-01-01', '2099-12-31', NULL),
  (2090000111, 'Seropositive chronische Polyarthritis mit Beteiligung sonstiger Organe und Organsysteme: Schulterregion [Klavikula, Skapula, Akromioklavikular-, Schulter-, Sternoklavikulargelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.31', '1970-01-01', '2099-12-31', NULL),
  (2090000112, 'Seropositive chronische Polyarthritis mit Beteiligung sonstiger Organe und Organsysteme: Oberarm [Humerus, Ellenbogengelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.32', '1970-01-01', '2099-12-31', NULL),
  (2090000113, 'Seropositive chronische Polyarthritis mit Beteiligung sonstiger Organe und Organsysteme: Unterarm [Radius, Ulna, Handgelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.33', '1970-01-01', '2099-12-31', NULL),
  (2090000114, 'Seropositive chronische Polyarthritis mit Beteiligung sonstiger Organe und Organsysteme: Hand [Finger, Handwurzel, Mittelhand, Gelenke zwischen diesen Knochen]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.34', '1970-01-01', '2099-12-31', NULL),
  (2090000115, 'Seropositive chronische Polyarthritis mit Beteiligung sonstiger Organe und Organsysteme: Beckenregion und Oberschenkel [Becken, Femur, Gesäß, Hüfte, Hüftgelenk, Iliosakralgelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.35', '1970-01-01', '2099-12-31', NULL),
  (2090000116, 'Seropositive chronische Polyarthritis mit Beteiligung sonstiger Organe und Organsysteme: Unterschenkel [Fibula, Tibia, Kniegelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.36', '1970-01-01', '2099-12-31', NULL),
  (2090000117, 'Seropositive chronische Polyarthritis mit Beteiligung sonstiger Organe und Organsysteme: Knöchel und Fuß [Fußwurzel, Mittelfuß, Zehen, Sprunggelenk, sonstige Gelenke des Fußes]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.37', '1970-01-01', '2099-12-31', NULL),
  (2090000118, 'Seropositive chronische Polyarthritis mit Beteiligung sonstiger Organe und Organsysteme: Sonstige [Hals, Kopf, Rippen, Rumpf, Schädel, Wirbelsäule]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.38', '1970-01-01', '2099-12-31', NULL),
  (2090000119, 'Seropositive chronische Polyarthritis mit Beteiligung sonstiger Organe und Organsysteme: Nicht näher bezeichnete Lokalisation', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.39', '1970-01-01', '2099-12-31', NULL),
  (2090000120, 'Sonstige seropositive chronische Polyarthritis', 'Condition', 'ICD10GM', 'ICD10 Hierarchy', NULL, 'M05.8', '1970-01-01', '2099-12-31', NULL),
  (2090000121, 'Sonstige seropositive chronische Polyarthritis: Mehrere Lokalisationen', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.80', '1970-01-01', '2099-12-31', NULL),
  (2090000122, 'Sonstige seropositive chronische Polyarthritis: Schulterregion [Klavikula, Skapula, Akromioklavikular-, Schulter-, Sternoklavikulargelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.81', '1970-01-01', '2099-12-31', NULL),
  (2090000123, 'Sonstige seropositive chronische Polyarthritis: Oberarm [Humerus, Ellenbogengelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.82', '1970-01-01', '2099-12-31', NULL),
  (2090000124, 'Sonstige seropositive chronische Polyarthritis: Unterarm [Radius, Ulna, Handgelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.83', '1970-01-01', '2099-12-31', NULL),
  (2090000125, 'Sonstige seropositive chronische Polyarthritis: Hand [Finger, Handwurzel, Mittelhand, Gelenke zwischen diesen Knochen]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.84', '1970-01-01', '2099-12-31', NULL),
  (2090000126, 'Sonstige seropositive chronische Polyarthritis: Beckenregion und Oberschenkel [Becken, Femur, Gesäß, Hüfte, Hüftgelenk, Iliosakralgelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.85', '1970-01-01', '2099-12-31', NULL),
  (2090000127, 'Sonstige seropositive chronische Polyarthritis: Unterschenkel [Fibula, Tibia, Kniegelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.86', '1970-01-01', '2099-12-31', NULL),
  (2090000128, 'Sonstige seropositive chronische Polyarthritis: Knöchel und Fuß [Fußwurzel, Mittelfuß, Zehen, Sprunggelenk, sonstige Gelenke des Fußes]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.87', '1970-01-01', '2099-12-31', NULL),
  (2090000129, 'Sonstige seropositive chronische Polyarthritis: Sonstige [Hals, Kopf, Rippen, Rumpf, Schädel, Wirbelsäule]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.88', '1970-01-01', '2099-12-31', NULL),
  (2090000130, 'Sonstige seropositive chronische Polyarthritis: Nicht näher bezeichnete Lokalisation', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.89', '1970-01-01', '2099-12-31', NULL),
  (2090000131, 'Seropositive chronische Polyarthritis, nicht näher bezeichnet', 'Condition', 'ICD10GM', 'ICD10 Hierarchy', NULL, 'M05.9', '1970-01-01', '2099-12-31', NULL),
  (2090000132, 'Seropositive chronische Polyarthritis, nicht näher bezeichnet: Mehrere Lokalisationen', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.90', '1970-01-01', '2099-12-31', NULL),
  (2090000133, 'Seropositive chronische Polyarthritis, nicht näher bezeichnet: Schulterregion [Klavikula, Skapula, Akromioklavikular-, Schulter-, Sternoklavikulargelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.91', '1970-01-01', '2099-12-31', NULL),
  (2090000134, 'Seropositive chronische Polyarthritis, nicht näher bezeichnet: Oberarm [Humerus, Ellenbogengelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.92', '1970-01-01', '2099-12-31', NULL),
  (2090000135, 'Seropositive chronische Polyarthritis, nicht näher bezeichnet: Unterarm [Radius, Ulna, Handgelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.93', '1970-01-01', '2099-12-31', NULL),
  (2090000136, 'Seropositive chronische Polyarthritis, nicht näher bezeichnet: Hand [Finger, Handwurzel, Mittelhand, Gelenke zwischen diesen Knochen]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.94', '1970-01-01', '2099-12-31', NULL),
  (2090000137, 'Seropositive chronische Polyarthritis, nicht näher bezeichnet: Beckenregion und Oberschenkel [Becken, Femur, Gesäß, Hüfte, Hüftgelenk, Iliosakralgelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.95', '1970-01-01', '2099-12-31', NULL),
  (2090000138, 'Seropositive chronische Polyarthritis, nicht näher bezeichnet: Unterschenkel [Fibula, Tibia, Kniegelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.96', '1970-01-01', '2099-12-31', NULL),
  (2090000139, 'Seropositive chronische Polyarthritis, nicht näher bezeichnet: Knöchel und Fuß [Fußwurzel, Mittelfuß, Zehen, Sprunggelenk, sonstige Gelenke des Fußes]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.97', '1970-01-01', '2099-12-31', NULL),
  (2090000140, 'Seropositive chronische Polyarthritis, nicht näher bezeichnet: Sonstige [Hals, Kopf, Rippen, Rumpf, Schädel, Wirbelsäule]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.98', '1970-01-01', '2099-12-31', NULL),
  (2090000141, 'Seropositive chronische Polyarthritis, nicht näher bezeichnet: Nicht näher bezeichnete Lokalisation', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M05.99', '1970-01-01', '2099-12-31', NULL),
  (2090000142, 'Sonstige chronische Polyarthritis', 'Condition', 'ICD10GM', 'ICD10 Hierarchy', NULL, 'M06', '1970-01-01', '2099-12-31', NULL),
  (2090000143, 'Seronegative chronische Polyarthritis', 'Condition', 'ICD10GM', 'ICD10 Hierarchy', NULL, 'M06.0', '1970-01-01', '2099-12-31', NULL),
  (2090000144, 'Seronegative chronische Polyarthritis: Mehrere Lokalisationen', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.00', '1970-01-01', '2099-12-31', NULL),
  (2090000145, 'Seronegative chronische Polyarthritis: Schulterregion [Klavikula, Skapula, Akromioklavikular-, Schulter-, Sternoklavikulargelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.01', '1970-01-01', '2099-12-31', NULL),
  (2090000146, 'Seronegative chronische Polyarthritis: Oberarm [Humerus, Ellenbogengelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.02', '1970-01-01', '2099-12-31', NULL),
  (2090000147, 'Seronegative chronische Polyarthritis: Unterarm [Radius, Ulna, Handgelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.03', '1970-01-01', '2099-12-31', NULL),
  (2090000148, 'Seronegative chronische Polyarthritis: Hand [Finger, Handwurzel, Mittelhand, Gelenke zwischen diesen Knochen]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.04', '1970-01-01', '2099-12-31', NULL),
  (2090000149, 'Seronegative chronische Polyarthritis: Beckenregion und Oberschenkel [Becken, Femur, Gesäß, Hüfte, Hüftgelenk, Iliosakralgelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.05', '1970-01-01', '2099-12-31', NULL),
  (2090000150, 'Seronegative chronische Polyarthritis: Unterschenkel [Fibula, Tibia, Kniegelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.06', '1970-01-01', '2099-12-31', NULL),
  (2090000151, 'Seronegative chronische Polyarthritis: Knöchel und Fuß [Fußwurzel, Mittelfuß, Zehen, Sprunggelenk, sonstige Gelenke des Fußes]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.07', '1970-01-01', '2099-12-31', NULL),
  (2090000152, 'Seronegative chronische Polyarthritis: Sonstige [Hals, Kopf, Rippen, Rumpf, Schädel, Wirbelsäule]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.08', '1970-01-01', '2099-12-31', NULL),
  (2090000153, 'Seronegative chronische Polyarthritis: Nicht näher bezeichnete Lokalisation', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.09', '1970-01-01', '2099-12-31', NULL),
  (2090000154, 'Adulte Form der Still-Krankheit', 'Condition', 'ICD10GM', 'ICD10 Hierarchy', NULL, 'M06.1', '1970-01-01', '2099-12-31', NULL),
  (2090000155, 'Adulte Form der Still-Krankheit: Mehrere Lokalisationen', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.10', '1970-01-01', '2099-12-31', NULL),
  (2090000156, 'Adulte Form der Still-Krankheit: Schulterregion [Klavikula, Skapula, Akromioklavikular-, Schulter-, Sternoklavikulargelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.11', '1970-01-01', '2099-12-31', NULL),
  (2090000157, 'Adulte Form der Still-Krankheit: Oberarm [Humerus, Ellenbogengelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.12', '1970-01-01', '2099-12-31', NULL),
  (2090000158, 'Adulte Form der Still-Krankheit: Unterarm [Radius, Ulna, Handgelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.13', '1970-01-01', '2099-12-31', NULL),
  (2090000159, 'Adulte Form der Still-Krankheit: Hand [Finger, Handwurzel, Mittelhand, Gelenke zwischen diesen Knochen]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.14', '1970-01-01', '2099-12-31', NULL),
  (2090000160, 'Adulte Form der Still-Krankheit: Beckenregion und Oberschenkel [Becken, Femur, Gesäß, Hüfte, Hüftgelenk, Iliosakralgelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.15', '1970-01-01', '2099-12-31', NULL),
  (2090000161, 'Adulte Form der Still-Krankheit: Unterschenkel [Fibula, Tibia, Kniegelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.16', '1970-01-01', '2099-12-31', NULL),
  (2090000162, 'Adulte Form der Still-Krankheit: Knöchel und Fuß [Fußwurzel, Mittelfuß, Zehen, Sprunggelenk, sonstige Gelenke des Fußes]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.17', '1970-01-01', '2099-12-31', NULL),
  (2090000163, 'Adulte Form der Still-Krankheit: Sonstige [Hals, Kopf, Rippen, Rumpf, Schädel, Wirbelsäule]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.18', '1970-01-01', '2099-12-31', NULL),
  (2090000164, 'Adulte Form der Still-Krankheit: Nicht näher bezeichnete Lokalisation', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.19', '1970-01-01', '2099-12-31', NULL),
  (2090000165, 'Bursitis bei chronischer Polyarthritis', 'Condition', 'ICD10GM', 'ICD10 Hierarchy', NULL, 'M06.2', '1970-01-01', '2099-12-31', NULL),
  (2090000166, 'Bursitis bei chronischer Polyarthritis: Mehrere Lokalisationen', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.20', '1970-01-01', '2099-12-31', NULL),
  (2090000167, 'Bursitis bei chronischer Polyarthritis: Schulterregion [Klavikula, Skapula, Akromioklavikular-, Schulter-, Sternoklavikulargelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.21', '1970-01-01', '2099-12-31', NULL),
  (2090000168, 'Bursitis bei chronischer Polyarthritis: Oberarm [Humerus, Ellenbogengelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.22', '1970-01-01', '2099-12-31', NULL),
  (2090000169, 'Bursitis bei chronischer Polyarthritis: Unterarm [Radius, Ulna, Handgelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.23', '1970-01-01', '2099-12-31', NULL),
  (2090000170, 'Bursitis bei chronischer Polyarthritis: Hand [Finger, Handwurzel, Mittelhand, Gelenke zwischen diesen Knochen]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.24', '1970-01-01', '2099-12-31', NULL),
  (2090000171, 'Bursitis bei chronischer Polyarthritis: Beckenregion und Oberschenkel [Becken, Femur, Gesäß, Hüfte, Hüftgelenk, Iliosakralgelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.25', '1970-01-01', '2099-12-31', NULL),
  (2090000172, 'Bursitis bei chronischer Polyarthritis: Unterschenkel [Fibula, Tibia, Kniegelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.26', '1970-01-01', '2099-12-31', NULL),
  (2090000173, 'Bursitis bei chronischer Polyarthritis: Knöchel und Fuß [Fußwurzel, Mittelfuß, Zehen, Sprunggelenk, sonstige Gelenke des Fußes]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.27', '1970-01-01', '2099-12-31', NULL),
  (2090000174, 'Bursitis bei chronischer Polyarthritis: Sonstige [Hals, Kopf, Rippen, Rumpf, Schädel, Wirbelsäule]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.28', '1970-01-01', '2099-12-31', NULL),
  (2090000175, 'Bursitis bei chronischer Polyarthritis: Nicht näher bezeichnete Lokalisation', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.29', '1970-01-01', '2099-12-31', NULL),
  (2090000176, 'Rheumaknoten', 'Condition', 'ICD10GM', 'ICD10 Hierarchy', NULL, 'M06.3', '1970-01-01', '2099-12-31', NULL),
  (2090000177, 'Rheumaknoten: Mehrere Lokalisationen', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.30', '1970-01-01', '2099-12-31', NULL),
  (2090000178, 'Rheumaknoten: Schulterregion [Klavikula, Skapula, Akromioklavikular-, Schulter-, Sternoklavikulargelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.31', '1970-01-01', '2099-12-31', NULL),
  (2090000179, 'Rheumaknoten: Oberarm [Humerus, Ellenbogengelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.32', '1970-01-01', '2099-12-31', NULL),
  (2090000180, 'Rheumaknoten: Unterarm [Radius, Ulna, Handgelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.33', '1970-01-01', '2099-12-31', NULL),
  (2090000181, 'Rheumaknoten: Hand [Finger, Handwurzel, Mittelhand, Gelenke zwischen diesen Knochen]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.34', '1970-01-01', '2099-12-31', NULL),
  (2090000182, 'Rheumaknoten: Beckenregion und Oberschenkel [Becken, Femur, Gesäß, Hüfte, Hüftgelenk, Iliosakralgelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.35', '1970-01-01', '2099-12-31', NULL),
  (2090000183, 'Rheumaknoten: Unterschenkel [Fibula, Tibia, Kniegelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.36', '1970-01-01', '2099-12-31', NULL),
  (2090000184, 'Rheumaknoten: Knöchel und Fuß [Fußwurzel, Mittelfuß, Zehen, Sprunggelenk, sonstige Gelenke des Fußes]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.37', '1970-01-01', '2099-12-31', NULL),
  (2090000185, 'Rheumaknoten: Sonstige [Hals, Kopf, Rippen, Rumpf, Schädel, Wirbelsäule]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.38', '1970-01-01', '2099-12-31', NULL),
  (2090000186, 'Rheumaknoten: Nicht näher bezeichnete Lokalisation', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.39', '1970-01-01', '2099-12-31', NULL),
  (2090000187, 'Entzündliche Polyarthropathie', 'Condition', 'ICD10GM', 'ICD10 Hierarchy', NULL, 'M06.4', '1970-01-01', '2099-12-31', NULL),
  (2090000188, 'Entzündliche Polyarthropathie: Mehrere Lokalisationen', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.40', '1970-01-01', '2099-12-31', NULL),
  (2090000189, 'Entzündliche Polyarthropathie: Schulterregion [Klavikula, Skapula, Akromioklavikular-, Schulter-, Sternoklavikulargelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.41', '1970-01-01', '2099-12-31', NULL),
  (2090000190, 'Entzündliche Polyarthropathie: Oberarm [Humerus, Ellenbogengelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.42', '1970-01-01', '2099-12-31', NULL),
  (2090000191, 'Entzündliche Polyarthropathie: Unterarm [Radius, Ulna, Handgelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.43', '1970-01-01', '2099-12-31', NULL),
  (2090000192, 'Entzündliche Polyarthropathie: Hand [Finger, Handwurzel, Mittelhand, Gelenke zwischen diesen Knochen]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.44', '1970-01-01', '2099-12-31', NULL),
  (2090000193, 'Entzündliche Polyarthropathie: Beckenregion und Oberschenkel [Becken, Femur, Gesäß, Hüfte, Hüftgelenk, Iliosakralgelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.45', '1970-01-01', '2099-12-31', NULL),
  (2090000194, 'Entzündliche Polyarthropathie: Unterschenkel [Fibula, Tibia, Kniegelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.46', '1970-01-01', '2099-12-31', NULL),
  (2090000195, 'Entzündliche Polyarthropathie: Knöchel und Fuß [Fußwurzel, Mittelfuß, Zehen, Sprunggelenk, sonstige Gelenke des Fußes]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.47', '1970-01-01', '2099-12-31', NULL),
  (2090000196, 'Entzündliche Polyarthropathie: Sonstige [Hals, Kopf, Rippen, Rumpf, Schädel, Wirbelsäule]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.48', '1970-01-01', '2099-12-31', NULL),
  (2090000197, 'Entzündliche Polyarthropathie: Nicht näher bezeichnete Lokalisation', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.49', '1970-01-01', '2099-12-31', NULL),
  (2090000198, 'Sonstige näher bezeichnete chronische Polyarthritis', 'Condition', 'ICD10GM', 'ICD10 Hierarchy', NULL, 'M06.8', '1970-01-01', '2099-12-31', NULL),
  (2090000199, 'Sonstige näher bezeichnete chronische Polyarthritis: Mehrere Lokalisationen', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.80', '1970-01-01', '2099-12-31', NULL),
  (2090000200, 'Sonstige näher bezeichnete chronische Polyarthritis: Schulterregion [Klavikula, Skapula, Akromioklavikular-, Schulter-, Sternoklavikulargelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.81', '1970-01-01', '2099-12-31', NULL),
  (2090000201, 'Sonstige näher bezeichnete chronische Polyarthritis: Oberarm [Humerus, Ellenbogengelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.82', '1970-01-01', '2099-12-31', NULL),
  (2090000202, 'Sonstige näher bezeichnete chronische Polyarthritis: Unterarm [Radius, Ulna, Handgelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.83', '1970-01-01', '2099-12-31', NULL),
  (2090000203, 'Sonstige näher bezeichnete chronische Polyarthritis: Hand [Finger, Handwurzel, Mittelhand, Gelenke zwischen diesen Knochen]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.84', '1970-01-01', '2099-12-31', NULL),
  (2090000204, 'Sonstige näher bezeichnete chronische Polyarthritis: Beckenregion und Oberschenkel [Becken, Femur, Gesäß, Hüfte, Hüftgelenk, Iliosakralgelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.85', '1970-01-01', '2099-12-31', NULL),
  (2090000205, 'Sonstige näher bezeichnete chronische Polyarthritis: Unterschenkel [Fibula, Tibia, Kniegelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.86', '1970-01-01', '2099-12-31', NULL),
  (2090000206, 'Sonstige näher bezeichnete chronische Polyarthritis: Knöchel und Fuß [Fußwurzel, Mittelfuß, Zehen, Sprunggelenk, sonstige Gelenke des Fußes]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.87', '1970-01-01', '2099-12-31', NULL),
  (2090000207, 'Sonstige näher bezeichnete chronische Polyarthritis: Sonstige [Hals, Kopf, Rippen, Rumpf, Schädel, Wirbelsäule]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.88', '1970-01-01', '2099-12-31', NULL),
  (2090000208, 'Sonstige näher bezeichnete chronische Polyarthritis: Nicht näher bezeichnete Lokalisation', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.89', '1970-01-01', '2099-12-31', NULL),
  (2090000209, 'Chronische Polyarthritis, nicht näher bezeichnet', 'Condition', 'ICD10GM', 'ICD10 Hierarchy', NULL, 'M06.9', '1970-01-01', '2099-12-31', NULL),
  (2090000210, 'Chronische Polyarthritis, nicht näher bezeichnet: Mehrere Lokalisationen', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.90', '1970-01-01', '2099-12-31', NULL),
  (2090000211, 'Chronische Polyarthritis, nicht näher bezeichnet: Schulterregion [Klavikula, Skapula, Akromioklavikular-, Schulter-, Sternoklavikulargelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.91', '1970-01-01', '2099-12-31', NULL),
  (2090000212, 'Chronische Polyarthritis, nicht näher bezeichnet: Oberarm [Humerus, Ellenbogengelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.92', '1970-01-01', '2099-12-31', NULL),
  (2090000213, 'Chronische Polyarthritis, nicht näher bezeichnet: Unterarm [Radius, Ulna, Handgelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.93', '1970-01-01', '2099-12-31', NULL),
  (2090000214, 'Chronische Polyarthritis, nicht näher bezeichnet: Hand [Finger, Handwurzel, Mittelhand, Gelenke zwischen diesen Knochen]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.94', '1970-01-01', '2099-12-31', NULL),
  (2090000215, 'Chronische Polyarthritis, nicht näher bezeichnet: Beckenregion und Oberschenkel [Becken, Femur, Gesäß, Hüfte, Hüftgelenk, Iliosakralgelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.95', '1970-01-01', '2099-12-31', NULL),
  (2090000216, 'Chronische Polyarthritis, nicht näher bezeichnet: Unterschenkel [Fibula, Tibia, Kniegelenk]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.96', '1970-01-01', '2099-12-31', NULL),
  (2090000217, 'Chronische Polyarthritis, nicht näher bezeichnet: Knöchel und Fuß [Fußwurzel, Mittelfuß, Zehen, Sprunggelenk, sonstige Gelenke des Fußes]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.97', '1970-01-01', '2099-12-31', NULL),
  (2090000218, 'Chronische Polyarthritis, nicht näher bezeichnet: Sonstige [Hals, Kopf, Rippen, Rumpf, Schädel, Wirbelsäule]', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.98', '1970-01-01', '2099-12-31', NULL),
  (2090000219, 'Chronische Polyarthritis, nicht näher bezeichnet: Nicht näher bezeichnete Lokalisation', 'Condition', 'ICD10GM', 'ICD10 code', NULL, 'M06.99', '1970-01-01', '2099-12-31', NULL),
  (2090000220, 'Multiple sclerosis', 'Condition', 'ICD10CM', '3-char billing code', NULL, 'G35', '1970-01-01', '2099-12-31', NULL),
  (2090000221, 'Crohn''s disease [regional enteritis]', 'Condition', 'ICD10CM', '3-char nonbill code', NULL, 'K50', '1970-01-01', '2099-12-31', NULL),
  (2090000222, 'Crohn''s disease of small intestine', 'Condition', 'ICD10CM', '4-char nonbill code', NULL, 'K50.0', '1970-01-01', '2099-12-31', NULL),
  (2090000223, 'Crohn''s disease of small intestine without complications', 'Condition', 'ICD10CM', '5-char billing code', NULL, 'K50.00', '1970-01-01', '2099-12-31', NULL),
  (2090000224, 'Crohn''s disease of small intestine with complications', 'Condition', 'ICD10CM', '5-char nonbill code', NULL, 'K50.01', '1970-01-01', '2099-12-31', NULL),
  (2090000225, 'Crohn''s disease of small intestine with rectal bleeding', 'Condition', 'ICD10CM', '6-char billing code', NULL, 'K50.011', '1970-01-01', '2099-12-31', NULL),
  (2090000226, 'Crohn''s disease of large intestine', 'Condition', 'ICD10CM', '4-char nonbill code', NULL, 'K50.1', '1970-01-01', '2099-12-31', NULL),
  (2090000227, 'Crohn''s disease of large intestine without complications', 'Condition', 'ICD10CM', '5-char billing code', NULL, 'K50.10', '1970-01-01', '2099-12-31', NULL),
  (2090000228, 'Crohn''s disease of both small and large intestine', 'Condition', 'ICD10CM', '4-char nonbill code', NULL, 'K50.8', '1970-01-01', '2099-12-31', NULL),
  (2090000229, 'Crohn''s disease of both small and large intestine without complications', 'Condition', 'ICD10CM', '5-char billing code', NULL, 'K50.80', '1970-01-01', '2099-12-31', NULL),
  (2090000230, 'Crohn''s disease, unspecified', 'Condition', 'ICD10CM', '4-char nonbill code', NULL, 'K50.9', '1970-01-01', '2099-12-31', NULL),
  (2090000231, 'Crohn''s disease, unspecified, without complications', 'Condition', 'ICD10CM', '5-char billing code', NULL, 'K50.90', '1970-01-01', '2099-12-31', NULL),
  (2090000232, 'Ulcerative colitis', 'Condition', 'ICD10CM', '3-char nonbill code', NULL, 'K51', '1970-01-01', '2099-12-31', NULL),
  (2090000233, 'Ulcerative (chronic) pancolitis', 'Condition', 'ICD10CM', '4-char nonbill code', NULL, 'K51.0', '1970-01-01', '2099-12-31', NULL),
  (2090000234, 'Ulcerative (chronic) pancolitis without complications', 'Condition', 'ICD10CM', '5-char billing code', NULL, 'K51.00', '1970-01-01', '2099-12-31', NULL),
  (2090000235, 'Ulcerative (chronic) proctitis', 'Condition', 'ICD10CM', '4-char nonbill code', NULL, 'K51.2', '1970-01-01', '2099-12-31', NULL),
  (2090000236, 'Ulcerative (chronic) rectosigmoiditis', 'Condition', 'ICD10CM', '4-char nonbill code', NULL, 'K51.3', '1970-01-01', '2099-12-31', NULL),
  (2090000237, 'Inflammatory polyps of colon', 'Condition', 'ICD10CM', '4-char nonbill code', NULL, 'K51.4', '1970-01-01', '2099-12-31', NULL),
  (2090000238, 'Left sided colitis', 'Condition', 'ICD10CM', '4-char nonbill code', NULL, 'K51.5', '1970-01-01', '2099-12-31', NULL),
  (2090000239, 'Other ulcerative colitis', 'Condition', 'ICD10CM', '4-char nonbill code', NULL, 'K51.8', '1970-01-01', '2099-12-31', NULL),
  (2090000240, 'Ulcerative colitis, unspecified', 'Condition', 'ICD10CM', '4-char nonbill code', NULL, 'K51.9', '1970-01-01', '2099-12-31', NULL),
  (2090000241, 'Ulcerative colitis, unspecified, without complications', 'Condition', 'ICD10CM', '5-char billing code', NULL, 'K51.90', '1970-01-01', '2099-12-31', NULL),
  (2090000242, 'Rheumatoid arthritis with rheumatoid factor', 'Condition', 'ICD10CM', '3-char nonbill code', NULL, 'M05', '1970-01-01', '2099-12-31', NULL),
  (2090000243, 'Felty''s syndrome', 'Condition', 'ICD10CM', '4-char nonbill code', NULL, 'M05.0', '1970-01-01', '2099-12-31', NULL),
  (2090000244, 'Rheumatoid lung disease with rheumatoid arthritis', 'Condition', 'ICD10CM', '4-char nonbill code', NULL, 'M05.1', '1970-01-01', '2099-12-31', NULL),
  (2090000245, 'Rheumatoid vasculitis with rheumatoid arthritis', 'Condition', 'ICD10CM', '4-char nonbill code', NULL, 'M05.2', '1970-01-01', '2099-12-31', NULL),
  (2090000246, 'Rheumatoid heart disease with rheumatoid arthritis', 'Condition', 'ICD10CM', '4-char nonbill code', NULL, 'M05.3', '1970-01-01', '2099-12-31', NULL),
  (2090000247, 'Rheumatoid myopathy with rheumatoid arthritis', 'Condition', 'ICD10CM', '4-char nonbill code', NULL, 'M05.4', '1970-01-01', '2099-12-31', NULL),
  (2090000248, 'Rheumatoid polyneuropathy with rheumatoid arthritis', 'Condition', 'ICD10CM', '4-char nonbill code', NULL, 'M05.5', '1970-01-01', '2099-12-31', NULL),
  (2090000249, 'Rheumatoid arthritis with involvement of other organs and systems', 'Condition', 'ICD10CM', '4-char nonbill code', NULL, 'M05.6', '1970-01-01', '2099-12-31', NULL),
  (2090000250, 'Rheumatoid arthritis with rheumatoid factor without organ or systems involvement', 'Condition', 'ICD10CM', '4-char nonbill code', NULL, 'M05.7', '1970-01-01', '2099-12-31', NULL),
  (2090000251, 'Other rheumatoid arthritis with rheumatoid factor', 'Condition', 'ICD10CM', '4-char nonbill code', NULL, 'M05.8', '1970-01-01', '2099-12-31', NULL),
  (2090000252, 'Rheumatoid arthritis with rheumatoid factor, unspecified', 'Condition', 'ICD10CM', '4-char billing code', NULL, 'M05.9', '1970-01-01', '2099-12-31', NULL),
  (2090000253, 'Other rheumatoid arthritis', 'Condition', 'ICD10CM', '3-char nonbill code', NULL, 'M06', '1970-01-01', '2099-12-31', NULL),
  (2090000254, 'Rheumatoid arthritis without rheumatoid factor', 'Condition', 'ICD10CM', '4-char nonbill code', NULL, 'M06.0', '1970-01-01', '2099-12-31', NULL),
  (2090000255, 'Adult-onset Still''s disease', 'Condition', 'ICD10CM', '4-char billing code', NULL, 'M06.1', '1970-01-01', '2099-12-31', NULL),
  (2090000256, 'Rheumatoid bursitis', 'Condition', 'ICD10CM', '4-char nonbill code', NULL, 'M06.2', '1970-01-01', '2099-12-31', NULL),
  (2090000257, 'Rheumatoid nodule', 'Condition', 'ICD10CM', '4-char nonbill code', NULL, 'M06.3', '1970-01-01', '2099-12-31', NULL),
  (2090000258, 'Inflammatory polyarthropathy', 'Condition', 'ICD10CM', '4-char billing code', NULL, 'M06.4', '1970-01-01', '2099-12-31', NULL),
  (2090000259, 'Other specified rheumatoid arthritis', 'Condition', 'ICD10CM', '4-char nonbill code', NULL, 'M06.8', '1970-01-01', '2099-12-31', NULL),
  (2090000260, 'Rheumatoid arthritis, unspecified', 'Condition', 'ICD10CM', '4-char billing code', NULL, 'M06.9', '1970-01-01', '2099-12-31', NULL),
  (2090000261, 'ALIMENTARY TRACT AND METABOLISM', 'Drug', 'ATC', 'ATC 1st', 'C', 'A', '1970-01-01', '2099-12-31', NULL),
  (2090000262, 'ANTIDIARRHEALS, INTESTINAL ANTIINFLAMMATORY/ANTIINFECTIVE AGENTS', 'Drug', 'ATC', 'ATC 2nd', 'C', 'A07', '1970-01-01', '2099-12-31', NULL),
  (2090000263, 'INTESTINAL ANTIINFLAMMATORY AGENTS', 'Drug', 'ATC', 'ATC 3rd', 'C', 'A07E', '1970-01-01', '2099-12-31', NULL),
  (21600652, 'Corticosteroids acting locally', 'Drug', 'ATC', 'ATC 4th', 'C', 'A07EA', '1970-01-01', '2099-12-31', NULL),
  (2090000264, 'Aminosalicylic acid and similar agents', 'Drug', 'ATC', 'ATC 4th', 'C', 'A07EC', '1970-01-01', '2099-12-31', NULL),
  (2090000265, 'ANTINEOPLASTIC AND IMMUNOMODULATING AGENTS', 'Drug', 'ATC', 'ATC 1st', 'C', 'L', '1970-01-01', '2099-12-31', NULL),
  (2090000266, 'ANTINEOPLASTIC AGENTS', 'Drug', 'ATC', 'ATC 2nd', 'C', 'L01', '1970-01-01', '2099-12-31', NULL),
  (2090000267, 'ANTIMETABOLITES', 'Drug', 'ATC', 'ATC 3rd', 'C', 'L01B', '1970-01-01', '2099-12-31', NULL),
  (2090000268, 'Folic acid analogues', 'Drug', 'ATC', 'ATC 4th', 'C', 'L01BA', '1970-01-01', '2099-12-31', NULL),
  (2090000269, 'Purine analogues', 'Drug', 'ATC', 'ATC 4th', 'C', 'L01BB', '1970-01-01', '2099-12-31', NULL),
  (2090000270, 'MONOCLONAL ANTIBODIES AND ANTIBODY DRUG CONJUGATES', 'Drug', 'ATC', 'ATC 3rd', 'C', 'L01F', '2022-01-01', '2099-12-31', NULL),
  (2090000271, 'CD20 (Clusters of Differentiation 20) inhibitors', 'Drug', 'ATC', 'ATC 4th', 'C', 'L01FA', '2022-01-01', '2099-12-31', NULL),
  (2090000272, 'OTHER ANTINEOPLASTIC AGENTS', 'Drug', 'ATC', 'ATC 3rd', 'C', 'L01X', '1970-01-01', '2099-12-31', NULL),
  (2090000273, 'Monoclonal antibodies', 'Drug', 'ATC', 'ATC 4th', 'C', 'L01XC', '1970-01-01', '2021-12-31', 'D'),
  (2090000274, 'IMMUNOSTIMULANTS', 'Drug', 'ATC', 'ATC 2nd', 'C', 'L03', '1970-01-01', '2099-12-31', NULL),
  (2090000275, 'IMMUNOSTIMULANTS', 'Drug', 'ATC', 'ATC 3rd', 'C', 'L03A', '1970-01-01', '2099-12-31', NULL),
  (2090000276, 'Interferons', 'Drug', 'ATC', 'ATC 4th', 'C', 'L03AB', '1970-01-01', '2099-12-31', NULL),
  (2090000277, 'Other immunostimulants', 'Drug', 'ATC', 'ATC 4th', 'C', 'L03AX', '1970-01-01', '2099-12-31', NULL),
  (2090000278, 'IMMUNOSUPPRESSANTS', 'Drug', 'ATC', 'ATC 2nd', 'C', 'L04', '1970-01-01', '2099-12-31', NULL),
  (2090000279, 'IMMUNOSUPPRESSANTS', 'Drug', 'ATC', 'ATC 3rd', 'C', 'L04A', '1970-01-01', '2099-12-31', NULL),
  (2090000280, 'Selective immunosuppressants', 'Drug', 'ATC', 'ATC 4th', 'C', 'L04AA', '1970-01-01', '2099-12-31', NULL),
  (2090000281, 'Tumor necrosis factor alpha (TNF-alpha) inhibitors', 'Drug', 'ATC', 'ATC 4th', 'C', 'L04AB', '1970-01-01', '2099-12-31', NULL),
  (2090000282, 'Interleukin inhibitors', 'Drug', 'ATC', 'ATC 4th', 'C', 'L04AC', '1970-01-01', '2099-12-31', NULL),
  (2090000283, 'Sphingosine-1-phosphate (S1P) receptor modulators', 'Drug', 'ATC', 'ATC 4th', 'C', 'L04AE', '2024-01-01', '2099-12-31', NULL),
  (2090000284, 'Janus-associated kinase (JAK) inhibitors', 'Drug', 'ATC', 'ATC 4th', 'C', 'L04AF', '2024-01-01', '2099-12-31', NULL),
  (2090000285, 'Monoclonal antibodies', 'Drug', 'ATC', 'ATC 4th', 'C', 'L04AG', '2024-01-01', '2099-12-31', NULL),
  (2090000286, 'Dihydroorotate dehydrogenase (DHODH) inhibitors', 'Drug', 'ATC', 'ATC 4th', 'C', 'L04AK', '2024-01-01', '2099-12-31', NULL),
  (2090000287, 'Other immunosuppressants', 'Drug', 'ATC', 'ATC 4th', 'C', 'L04AX', '1970-01-01', '2099-12-31', NULL),
  (2090000288, 'NERVOUS SYSTEM', 'Drug', 'ATC', 'ATC 1st', 'C', 'N', '1970-01-01', '2099-12-31', NULL),
  (2090000289, 'OTHER NERVOUS SYSTEM DRUGS', 'Drug', 'ATC', 'ATC 2nd', 'C', 'N07', '1970-01-01', '2099-12-31', NULL),
  (2090000290, 'OTHER NERVOUS SYSTEM DRUGS', 'Drug', 'ATC', 'ATC 3rd', 'C', 'N07X', '1970-01-01', '2099-12-31', NULL),
  (2090000291, 'Other nervous system drugs', 'Drug', 'ATC', 'ATC 4th', 'C', 'N07XX', '1970-01-01', '2099-12-31', NULL),
  (2090000292, 'ANTIPARASITIC PRODUCTS, INSECTICIDES AND REPELLENTS', 'Drug', 'ATC', 'ATC 1st', 'C', 'P', '1970-01-01', '2099-12-31', NULL),
  (2090000293, 'ANTIPROTOZOALS', 'Drug', 'ATC', 'ATC 2nd', 'C', 'P01', '1970-01-01', '2099-12-31', NULL),
  (2090000294, 'ANTIMALARIALS', 'Drug', 'ATC', 'ATC 3rd', 'C', 'P01B', '1970-01-01', '2099-12-31', NULL),
  (2090000295, 'Aminoquinolines', 'Drug', 'ATC', 'ATC 4th', 'C', 'P01BA', '1970-01-01', '2099-12-31', NULL),
  (2090000296, 'infliximab', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AB02', '1970-01-01', '2099-12-31', NULL),
  (2090000297, 'adalimumab', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AB04', '1970-01-01', '2099-12-31', NULL),
  (2090000298, 'golimumab', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AB06', '1970-01-01', '2099-12-31', NULL),
  (2090000299, 'certolizumab pegol', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AB05', '1970-01-01', '2099-12-31', NULL),
  (2090000300, 'etanercept', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AB01', '1970-01-01', '2099-12-31', NULL),
  (2090000301, 'vedolizumab', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AA33', '1970-01-01', '2023-12-31', 'U'),
  (2090000302, 'vedolizumab', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AG05', '2024-01-01', '2099-12-31', NULL),
  (2090000303, 'natalizumab', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AA23', '1970-01-01', '2023-12-31', 'U'),
  (2090000304, 'natalizumab', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AG03', '2024-01-01', '2099-12-31', NULL),
  (2090000305, 'ocrelizumab', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AA36', '1970-01-01', '2023-12-31', 'U'),
  (2090000306, 'ocrelizumab', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AG08', '2024-01-01', '2099-12-31', NULL),
  (2090000307, 'alemtuzumab', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AA34', '1970-01-01', '2023-12-31', 'U'),
  (2090000308, 'alemtuzumab', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AG06', '2024-01-01', '2099-12-31', NULL),
  (2090000309, 'ofatumumab', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AA52', '1970-01-01', '2023-12-31', 'U'),
  (2090000310, 'ofatumumab', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AG12', '2024-01-01', '2099-12-31', NULL),
  (2090000311, 'ustekinumab', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AC05', '1970-01-01', '2099-12-31', NULL),
  (2090000312, 'risankizumab', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AC18', '1970-01-01', '2099-12-31', NULL),
  (2090000313, 'tocilizumab', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AC07', '1970-01-01', '2099-12-31', NULL),
  (2090000314, 'sarilumab', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AC14', '1970-01-01', '2099-12-31', NULL),
  (2090000315, 'tofacitinib', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AA29', '1970-01-01', '2023-12-31', 'U'),
  (2090000316, 'tofacitinib', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AF01', '2024-01-01', '2099-12-31', NULL),
  (2090000317, 'baricitinib', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AA37', '1970-01-01', '2023-12-31', 'U'),
  (2090000318, 'baricitinib', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AF02', '2024-01-01', '2099-12-31', NULL),
  (2090000319, 'upadacitinib', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AA44', '1970-01-01', '2023-12-31', 'U'),
  (2090000320, 'upadacitinib', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AF03', '2024-01-01', '2099-12-31', NULL),
  (2090000321, 'filgotinib', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AA45', '1970-01-01', '2023-12-31', 'U'),
  (2090000322, 'filgotinib', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AF04', '2024-01-01', '2099-12-31', NULL),
  (2090000323, 'fingolimod', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AA27', '1970-01-01', '2023-12-31', 'U'),
  (2090000324, 'fingolimod', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AE01', '2024-01-01', '2099-12-31', NULL),
  (2090000325, 'ozanimod', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AA38', '1970-01-01', '2023-12-31', 'U'),
  (2090000326, 'ozanimod', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AE02', '2024-01-01', '2099-12-31', NULL),
  (2090000327, 'siponimod', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AA42', '1970-01-01', '2023-12-31', 'U'),
  (2090000328, 'siponimod', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AE03', '2024-01-01', '2099-12-31', NULL),
  (2090000329, 'ponesimod', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AA50', '1970-01-01', '2023-12-31', 'U'),
  (2090000330, 'ponesimod', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AE04', '2024-01-01', '2099-12-31', NULL),
  (2090000331, 'etrasimod', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AE05', '2024-01-01', '2099-12-31', NULL),
  (2090000332, 'leflunomide', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AA13', '1970-01-01', '2023-12-31', 'U'),
  (2090000333, 'leflunomide', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AK01', '2024-01-01', '2099-12-31', NULL),
  (2090000334, 'teriflunomide', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AA31', '1970-01-01', '2023-12-31', 'U'),
  (2090000335, 'teriflunomide', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AK02', '2024-01-01', '2099-12-31', NULL),
  (2090000336, 'abatacept', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AA24', '1970-01-01', '2099-12-31', NULL),
  (2090000337, 'cladribine', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AA40', '1970-01-01', '2099-12-31', NULL),
  (2090000338, 'cladribine', 'Drug', 'ATC', 'ATC 5th', 'C', 'L01BB04', '1970-01-01', '2099-12-31', NULL),
  (2090000339, 'rituximab', 'Drug', 'ATC', 'ATC 5th', 'C', 'L01XC02', '1970-01-01', '2021-12-31', 'U'),
  (2090000340, 'rituximab', 'Drug', 'ATC', 'ATC 5th', 'C', 'L01FA01', '2022-01-01', '2099-12-31', NULL),
  (2090000341, 'ofatumumab', 'Drug', 'ATC', 'ATC 5th', 'C', 'L01XC10', '1970-01-01', '2021-12-31', 'U'),
  (2090000342, 'ofatumumab', 'Drug', 'ATC', 'ATC 5th', 'C', 'L01FA02', '2022-01-01', '2099-12-31', NULL),
  (2090000343, 'mesalazine', 'Drug', 'ATC', 'ATC 5th', 'C', 'A07EC02', '1970-01-01', '2099-12-31', NULL),
  (2090000344, 'sulfasalazine', 'Drug', 'ATC', 'ATC 5th', 'C', 'A07EC01', '1970-01-01', '2099-12-31', NULL),
  (2090000345, 'budesonide', 'Drug', 'ATC', 'ATC 5th', 'C', 'A07EA06', '1970-01-01', '2099-12-31', NULL),
  (2090000346, 'azathioprine', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AX01', '1970-01-01', '2099-12-31', NULL),
  (2090000347, 'mercaptopurine', 'Drug', 'ATC', 'ATC 5th', 'C', 'L01BB02', '1970-01-01', '2099-12-31', NULL),
  (2090000348, 'methotrexate', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AX03', '1970-01-01', '2099-12-31', NULL),
  (2090000349, 'methotrexate', 'Drug', 'ATC', 'ATC 5th', 'C', 'L01BA01', '1970-01-01', '2099-12-31', NULL),
  (2090000350, 'hydroxychloroquine', 'Drug', 'ATC', 'ATC 5th', 'C', 'P01BA02', '1970-01-01', '2099-12-31', NULL),
  (2090000351, 'interferon beta-1a', 'Drug', 'ATC', 'ATC 5th', 'C', 'L03AB07', '1970-01-01', '2099-12-31', NULL),
  (2090000352, 'interferon beta-1b', 'Drug', 'ATC', 'ATC 5th', 'C', 'L03AB08', '1970-01-01', '2099-12-31', NULL),
  (2090000353, 'peginterferon beta-1a', 'Drug', 'ATC', 'ATC 5th', 'C', 'L03AB13', '1970-01-01', '2099-12-31', NULL),
  (2090000354, 'glatiramer acetate', 'Drug', 'ATC', 'ATC 5th', 'C', 'L03AX13', '1970-01-01', '2099-12-31', NULL),
  (2090000355, 'dimethyl fumarate', 'Drug', 'ATC', 'ATC 5th', 'C', 'N07XX09', '1970-01-01', '2018-12-31', 'U'),
  (2090000356, 'dimethyl fumarate', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AX07', '2019-01-01', '2099-12-31', NULL),
  (2090000357, 'mirikizumab', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AC24', '1970-01-01', '2099-12-31', NULL),
  (2090000358, 'guselkumab', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AC16', '1970-01-01', '2099-12-31', NULL),
  (2090000359, 'diroximel fumarate', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AX09', '1970-01-01', '2099-12-31', NULL),
  (2090000360, 'ublituximab', 'Drug', 'ATC', 'ATC 5th', 'C', 'L04AG14', '2024-01-01', '2099-12-31', NULL),
  (2090000361, 'C reactive protein [Mass/volume] in Serum or Plasma', 'Measurement', 'LOINC', 'Lab Test', 'S', '1988-5', '1970-01-01', '2099-12-31', NULL),
  (2090000362, 'Calprotectin [Mass/mass] in Stool', 'Measurement', 'LOINC', 'Lab Test', 'S', '38445-3', '1970-01-01', '2099-12-31', NULL),
  (2090000363, 'Erythrocyte sedimentation rate by Westergren method', 'Measurement', 'LOINC', 'Lab Test', 'S', '4537-7', '1970-01-01', '2099-12-31', NULL),
  (2090000364, 'Rheumatoid factor [Units/volume] in Serum or Plasma', 'Measurement', 'LOINC', 'Lab Test', 'S', '11572-5', '1970-01-01', '2099-12-31', NULL),
  (2090000365, 'Cyclic citrullinated peptide Ab [Units/volume] in Serum by Immunoassay', 'Measurement', 'LOINC', 'Lab Test', 'S', '32218-0', '1970-01-01', '2099-12-31', NULL),
  (3000963, 'Hemoglobin [Mass/volume] in Blood', 'Measurement', 'LOINC', 'Lab Test', 'S', '718-7', '1970-01-01', '2099-12-31', NULL),
  (2090000366, 'Albumin [Mass/volume] in Serum or Plasma', 'Measurement', 'LOINC', 'Lab Test', 'S', '1751-7', '1970-01-01', '2099-12-31', NULL),
  (2090000367, 'Leukocytes [#/volume] in Blood by Automated count', 'Measurement', 'LOINC', 'Lab Test', 'S', '6690-2', '1970-01-01', '2099-12-31', NULL);
INSERT INTO clinnova.concept_relationship (concept_id_1, concept_id_2, relationship_id, valid_start_date, valid_end_date, invalid_reason) VALUES
  (2090000011, 201606, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000012, 2090000001, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000013, 2090000002, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000014, 201606, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000015, 201606, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000016, 81893, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000017, 2090000006, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000018, 81893, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000019, 2090000008, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000020, 81893, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000021, 2090000007, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000022, 81893, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000023, 81893, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000025, 4035611, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000026, 4035611, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000027, 4035611, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000028, 4035611, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000029, 4035611, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000030, 4035611, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000031, 4035611, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000033, 4083556, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000038, 80809, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000039, 80809, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000040, 374919, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000053, 201606, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000054, 2090000001, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000055, 2090000002, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000056, 201606, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000061, 201606, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000062, 81893, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000063, 2090000006, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000064, 81893, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000065, 2090000008, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000066, 81893, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000067, 2090000007, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000068, 81893, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000069, 81893, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000075, 4035611, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000143, 4083556, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000198, 80809, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000209, 80809, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000041, 374919, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000042, 374919, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000043, 2090000009, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000046, 374919, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000049, 2090000010, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000052, 374919, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000221, 201606, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000222, 2090000001, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000226, 2090000002, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000228, 2090000003, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000230, 201606, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000232, 81893, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000233, 2090000006, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000235, 81893, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000236, 2090000008, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000237, 81893, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000238, 2090000007, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000239, 81893, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000240, 81893, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000242, 4035611, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000254, 4083556, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000259, 80809, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000260, 80809, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000220, 374919, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (4074815, 4074815, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (201606, 201606, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000001, 2090000001, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000002, 2090000002, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000003, 2090000003, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000004, 2090000004, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000005, 2090000005, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (81893, 81893, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000006, 2090000006, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000007, 2090000007, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000008, 2090000008, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (80809, 80809, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (4035611, 4035611, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (4083556, 4083556, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (374919, 374919, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000009, 2090000009, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000010, 2090000010, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000361, 2090000361, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000362, 2090000362, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000363, 2090000363, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000364, 2090000364, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000365, 2090000365, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (3000963, 3000963, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000366, 2090000366, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000367, 2090000367, 'Maps to', '1970-01-01', '2099-12-31', NULL),
  (2090000301, 2090000302, 'Concept replaced by', '2024-01-01', '2099-12-31', NULL),
  (2090000303, 2090000304, 'Concept replaced by', '2024-01-01', '2099-12-31', NULL),
  (2090000305, 2090000306, 'Concept replaced by', '2024-01-01', '2099-12-31', NULL),
  (2090000307, 2090000308, 'Concept replaced by', '2024-01-01', '2099-12-31', NULL),
  (2090000309, 2090000310, 'Concept replaced by', '2024-01-01', '2099-12-31', NULL),
  (2090000315, 2090000316, 'Concept replaced by', '2024-01-01', '2099-12-31', NULL),
  (2090000317, 2090000318, 'Concept replaced by', '2024-01-01', '2099-12-31', NULL),
  (2090000319, 2090000320, 'Concept replaced by', '2024-01-01', '2099-12-31', NULL),
  (2090000321, 2090000322, 'Concept replaced by', '2024-01-01', '2099-12-31', NULL),
  (2090000323, 2090000324, 'Concept replaced by', '2024-01-01', '2099-12-31', NULL),
  (2090000325, 2090000326, 'Concept replaced by', '2024-01-01', '2099-12-31', NULL),
  (2090000327, 2090000328, 'Concept replaced by', '2024-01-01', '2099-12-31', NULL),
  (2090000329, 2090000330, 'Concept replaced by', '2024-01-01', '2099-12-31', NULL),
  (2090000332, 2090000333, 'Concept replaced by', '2024-01-01', '2099-12-31', NULL),
  (2090000334, 2090000335, 'Concept replaced by', '2024-01-01', '2099-12-31', NULL),
  (2090000339, 2090000340, 'Concept replaced by', '2022-01-01', '2099-12-31', NULL),
  (2090000341, 2090000342, 'Concept replaced by', '2022-01-01', '2099-12-31', NULL),
  (2090000355, 2090000356, 'Concept replaced by', '2019-01-01', '2099-12-31', NULL);
INSERT INTO clinnova.concept_ancestor (ancestor_concept_id, descendant_concept_id, min_levels_of_separation, max_levels_of_separation) VALUES
  (4074815, 4074815, 0, 0),
  (201606, 201606, 0, 0),
  (2090000001, 2090000001, 0, 0),
  (2090000002, 2090000002, 0, 0),
  (2090000003, 2090000003, 0, 0),
  (2090000004, 2090000004, 0, 0),
  (2090000005, 2090000005, 0, 0),
  (81893, 81893, 0, 0),
  (2090000006, 2090000006, 0, 0),
  (2090000007, 2090000007, 0, 0),
  (2090000008, 2090000008, 0, 0),
  (80809, 80809, 0, 0),
  (4035611, 4035611, 0, 0),
  (4083556, 4083556, 0, 0),
  (374919, 374919, 0, 0),
  (2090000009, 2090000009, 0, 0),
  (2090000010, 2090000010, 0, 0),
  (2090000361, 2090000361, 0, 0),
  (2090000362, 2090000362, 0, 0),
  (2090000363, 2090000363, 0, 0),
  (2090000364, 2090000364, 0, 0),
  (2090000365, 2090000365, 0, 0),
  (3000963, 3000963, 0, 0),
  (2090000366, 2090000366, 0, 0),
  (2090000367, 2090000367, 0, 0),
  (4074815, 201606, 1, 1),
  (201606, 2090000001, 1, 1),
  (4074815, 2090000001, 2, 2),
  (201606, 2090000002, 1, 1),
  (4074815, 2090000002, 2, 2),
  (201606, 2090000003, 1, 1),
  (4074815, 2090000003, 2, 2),
  (201606, 2090000004, 1, 1),
  (4074815, 2090000004, 2, 2),
  (201606, 2090000005, 1, 1),
  (4074815, 2090000005, 2, 2),
  (4074815, 81893, 1, 1),
  (81893, 2090000006, 1, 1),
  (4074815, 2090000006, 2, 2),
  (81893, 2090000007, 1, 1),
  (4074815, 2090000007, 2, 2),
  (81893, 2090000008, 1, 1),
  (4074815, 2090000008, 2, 2),
  (80809, 4035611, 1, 1),
  (80809, 4083556, 1, 1),
  (374919, 2090000009, 1, 1),
  (374919, 2090000010, 1, 1);
-- END sample vocabulary

-- pg_dump keeps what users add or load, and leaves the shipped sample rows to CREATE EXTENSION.
DO $$
DECLARE
    ids text;
BEGIN
    SELECT pg_catalog.string_agg(concept_id::text, ',' ORDER BY concept_id) INTO ids FROM clinnova.concept;
    PERFORM pg_catalog.pg_extension_config_dump('clinnova.concept',
        pg_catalog.format('WHERE concept_id NOT IN (%s)', ids));
    PERFORM pg_catalog.pg_extension_config_dump('clinnova.concept_relationship',
        pg_catalog.format('WHERE NOT (concept_id_1 IN (%1$s) AND concept_id_2 IN (%1$s))', ids));
    PERFORM pg_catalog.pg_extension_config_dump('clinnova.concept_ancestor',
        pg_catalog.format('WHERE NOT (ancestor_concept_id IN (%1$s) AND descendant_concept_id IN (%1$s))', ids));
END
$$;

CREATE FUNCTION clinnova.code_concepts(c clinnova.code) RETURNS SETOF clinnova.concept
LANGUAGE sql STABLE STRICT PARALLEL SAFE ROWS 1
AS $$
    SELECT k.* FROM clinnova.concept k
    WHERE clinnova.concept_to_code(k.vocabulary_id, k.concept_code, k.concept_id) OPERATOR(clinnova.=) c
    UNION ALL
    SELECT k.* FROM clinnova.concept k
    WHERE k.concept_id = CASE WHEN clinnova.code_system(c) = 'OMOP'
                              THEN clinnova.code_value(c)::integer END
$$;
COMMENT ON FUNCTION clinnova.code_concepts(clinnova.code) IS 'vocabulary rows of a code (by system and code, or by OMOP concept_id)';

CREATE FUNCTION clinnova.code_concept_id(c clinnova.code) RETURNS integer
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
    SELECT k.concept_id FROM clinnova.code_concepts(c) k
    ORDER BY k.invalid_reason IS NOT NULL, k.concept_id LIMIT 1
$$;
COMMENT ON FUNCTION clinnova.code_concept_id(clinnova.code) IS 'OMOP concept_id of a code in the loaded vocabulary (valid rows first), or NULL';

CREATE FUNCTION clinnova.code_label(c clinnova.code) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
    SELECT k.concept_name::text FROM clinnova.code_concepts(c) k
    ORDER BY k.invalid_reason IS NOT NULL, k.concept_id LIMIT 1
$$;
COMMENT ON FUNCTION clinnova.code_label(clinnova.code) IS 'concept_name of a code in the loaded vocabulary, or NULL';

CREATE FUNCTION clinnova.descendants(c clinnova.code)
RETURNS TABLE (code clinnova.code, concept_id integer, concept_name text)
LANGUAGE sql STABLE STRICT PARALLEL SAFE ROWS 20
SET jit = off   -- recursive CTE estimates are far too high; JIT would cost more than the walk
AS $$
    WITH RECURSIVE d(concept_id) AS (
        SELECT k.concept_id FROM clinnova.concept k
        WHERE clinnova.concept_to_code(k.vocabulary_id, k.concept_code, k.concept_id) OPERATOR(clinnova.<@) c
      UNION
        SELECT k.concept_id FROM clinnova.code_concepts(c) k
      UNION
        SELECT n.concept_id
        FROM d CROSS JOIN LATERAL (
            SELECT a.descendant_concept_id
            FROM clinnova.concept_ancestor a
            WHERE a.ancestor_concept_id = d.concept_id
          UNION ALL
            SELECT r.concept_id_1
            FROM clinnova.concept_relationship r
            WHERE r.concept_id_2 = d.concept_id
              AND r.relationship_id IN ('Maps to', 'Concept replaced by')
              AND r.invalid_reason IS NULL
          UNION ALL
            SELECT k2.concept_id
            FROM clinnova.concept k1 JOIN clinnova.concept k2
              ON clinnova.concept_to_code(k2.vocabulary_id, k2.concept_code, k2.concept_id)
                 OPERATOR(clinnova.<@) clinnova.concept_to_code(k1.vocabulary_id, k1.concept_code, k1.concept_id)
            WHERE k1.concept_id = d.concept_id
        ) n(concept_id)
    )
    SELECT clinnova.concept_to_code(k.vocabulary_id, k.concept_code, k.concept_id), k.concept_id, k.concept_name::text
    FROM d JOIN clinnova.concept k ON k.concept_id = d.concept_id
    UNION ALL
    SELECT c, NULL::integer, NULL::text
    WHERE NOT EXISTS (SELECT 1 FROM clinnova.code_concepts(c))
$$;
COMMENT ON FUNCTION clinnova.descendants(clinnova.code) IS
  'the code and every vocabulary code that is a kind of it (structure, concept_ancestor, Maps to, Concept replaced by)';

CREATE FUNCTION clinnova.is_a(clinnova.code, clinnova.code) RETURNS boolean
AS 'MODULE_PATHNAME', 'is_a' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.is_a(clinnova.code, clinnova.code) IS
  'is a a kind of b: by structure, or through the loaded vocabulary (as descendants(b) lists)';

CREATE FUNCTION clinnova.map(c clinnova.code, target_system text)
RETURNS SETOF clinnova.code
LANGUAGE sql STABLE STRICT PARALLEL SAFE ROWS 1
SET jit = off   -- as descendants()
AS $$
    WITH RECURSIVE
    target(name) AS (SELECT clinnova.code_system_name(target_system)),
    own AS (SELECT k.concept_id FROM clinnova.code_concepts(c) k),
    replaced(v) AS (
        SELECT EXISTS (SELECT 1 FROM own o JOIN clinnova.concept_relationship r ON r.concept_id_1 = o.concept_id
                       WHERE r.relationship_id = 'Concept replaced by' AND r.invalid_reason IS NULL)),
    lineage(x, o) AS (SELECT u.x, u.o FROM unnest(clinnova.code_ancestors(c) || c) WITH ORDINALITY u(x, o)),
    start(concept_id, o) AS (
        SELECT k.concept_id, l.o FROM lineage l CROSS JOIN LATERAL clinnova.code_concepts(l.x) k),
    walk(concept_id, o, depth) AS (
        SELECT s.concept_id, s.o, 0 FROM start s
      UNION
        SELECT r.concept_id_2, w.o, w.depth + 1
        FROM walk w JOIN clinnova.concept_relationship r ON r.concept_id_1 = w.concept_id
        WHERE r.relationship_id IN ('Maps to', 'Concept replaced by') AND r.invalid_reason IS NULL
          AND r.concept_id_2 <> w.concept_id AND w.depth < 8),
    hits(o, code) AS (
        SELECT w.o, CASE WHEN t.name = 'OMOP' THEN clinnova.code('OMOP', k.concept_id::text)
                         ELSE clinnova.concept_to_code(k.vocabulary_id, k.concept_code, k.concept_id) END
        FROM (SELECT DISTINCT concept_id, o FROM walk) w
        JOIN clinnova.concept k ON k.concept_id = w.concept_id
        CROSS JOIN target t
        WHERE NOT EXISTS (SELECT 1 FROM clinnova.concept_relationship r
                          WHERE r.concept_id_1 = k.concept_id AND r.relationship_id = 'Concept replaced by'
                            AND r.invalid_reason IS NULL)
          AND CASE WHEN t.name = 'OMOP' THEN k.standard_concept = 'S'
                   ELSE clinnova.code_system(clinnova.concept_to_code(k.vocabulary_id, k.concept_code, k.concept_id)) = t.name END)
    -- the code itself when it is already of the target system and not replaced
    SELECT c FROM target t, replaced rp
    WHERE clinnova.code_system(c) = t.name AND NOT rp.v
    UNION
    -- else the target codes reached from the nearest code of the lineage that reaches any
    SELECT h.code FROM hits h, target t, replaced rp
    WHERE NOT (clinnova.code_system(c) = t.name AND NOT rp.v)
      AND h.o = (SELECT pg_catalog.max(h2.o) FROM hits h2)
$$;
COMMENT ON FUNCTION clinnova.map(clinnova.code, text) IS
  'codes of target_system for a code, following Maps to and Concept replaced by (OMOP: standard concept ids)';

-- phenotypes: named code sets
CREATE TABLE clinnova.phenotype (
    phenotype text          NOT NULL,
    code      clinnova.code NOT NULL,
    exclude   boolean       NOT NULL DEFAULT false,
    note      text,
    shipped   boolean       NOT NULL DEFAULT false,
    PRIMARY KEY (phenotype, code)
);
COMMENT ON TABLE clinnova.phenotype IS
  'named code sets: a code is in a phenotype when it is a kind of an included code and of no excluded code';
COMMENT ON TYPE clinnova.concept[] IS 'array of rows of clinnova.concept';
COMMENT ON TYPE clinnova.concept_relationship[] IS 'array of rows of clinnova.concept_relationship';
COMMENT ON TYPE clinnova.concept_ancestor[] IS 'array of rows of clinnova.concept_ancestor';
COMMENT ON TYPE clinnova.phenotype[] IS 'array of rows of clinnova.phenotype';
COMMENT ON COLUMN clinnova.phenotype.shipped IS 'row shipped with the extension (pg_dump leaves it to CREATE EXTENSION)';
GRANT SELECT ON clinnova.phenotype TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('clinnova.phenotype', 'WHERE NOT shipped');

INSERT INTO clinnova.phenotype (phenotype, code, exclude, note, shipped)
SELECT p, c::clinnova.code, x, n, true
FROM (VALUES
    ('crohn', 'ICD10:K50', false, 'Crohn disease'),
    ('crohn', 'ICD10GM:K50', false, 'Crohn-Krankheit'),
    ('crohn', 'ICD10CM:K50', false, 'Crohn''s disease'),
    ('crohn', 'SNOMED:34000006', false, 'Crohn''s disease'),
    ('uc', 'ICD10:K51', false, 'Ulcerative colitis'),
    ('uc', 'ICD10GM:K51', false, 'Colitis ulcerosa'),
    ('uc', 'ICD10CM:K51', false, 'Ulcerative colitis'),
    ('uc', 'SNOMED:64766004', false, 'Ulcerative colitis'),
    ('ibd', 'ICD10:K50', false, 'Crohn disease'),
    ('ibd', 'ICD10:K51', false, 'Ulcerative colitis'),
    ('ibd', 'ICD10GM:K50', false, 'Crohn-Krankheit'),
    ('ibd', 'ICD10GM:K51', false, 'Colitis ulcerosa'),
    ('ibd', 'ICD10CM:K50', false, 'Crohn''s disease'),
    ('ibd', 'ICD10CM:K51', false, 'Ulcerative colitis'),
    ('ibd', 'SNOMED:24526004', false, 'Inflammatory bowel disease'),
    ('ra', 'ICD10:M05', false, 'Seropositive rheumatoid arthritis'),
    ('ra', 'ICD10:M06', false, 'Other rheumatoid arthritis'),
    ('ra', 'ICD10:M06.1', true, 'Adult-onset Still disease is not rheumatoid arthritis'),
    ('ra', 'ICD10:M06.4', true, 'Inflammatory polyarthropathy is not specific for rheumatoid arthritis'),
    ('ra', 'ICD10GM:M05', false, 'Seropositive chronische Polyarthritis'),
    ('ra', 'ICD10GM:M06', false, 'Sonstige chronische Polyarthritis'),
    ('ra', 'ICD10GM:M06.1', true, 'Adult-onset Still disease is not rheumatoid arthritis'),
    ('ra', 'ICD10GM:M06.4', true, 'Inflammatory polyarthropathy is not specific for rheumatoid arthritis'),
    ('ra', 'ICD10CM:M05', false, 'Rheumatoid arthritis with rheumatoid factor'),
    ('ra', 'ICD10CM:M06', false, 'Other rheumatoid arthritis'),
    ('ra', 'ICD10CM:M06.1', true, 'Adult-onset Still''s disease is not rheumatoid arthritis'),
    ('ra', 'ICD10CM:M06.4', true, 'Inflammatory polyarthropathy is not specific for rheumatoid arthritis'),
    ('ra', 'SNOMED:69896004', false, 'Rheumatoid arthritis'),
    ('ms', 'ICD10:G35', false, 'Multiple sclerosis'),
    ('ms', 'ICD10GM:G35', false, 'Multiple Sklerose'),
    ('ms', 'ICD10CM:G35', false, 'Multiple sclerosis'),
    ('ms', 'SNOMED:24700007', false, 'Multiple sclerosis'),
    ('drug_tnf_inhibitors', 'ATC:L04AB', false, 'TNF-alpha inhibitors'),
    ('drug_il_inhibitors', 'ATC:L04AC', false, 'interleukin inhibitors'),
    ('drug_jak_inhibitors', 'ATC:L04AF', false, 'JAK inhibitors (before 2024 in L04AA; crosswalk rows)'),
    ('drug_s1p_modulators', 'ATC:L04AE', false, 'S1P receptor modulators (before 2024 in L04AA)'),
    ('drug_anti_integrins', 'ATC:L04AG05', false, 'vedolizumab (before 2024 L04AA33)'),
    ('drug_anti_integrins', 'ATC:L04AG03', false, 'natalizumab (before 2024 L04AA23)'),
    ('drug_anti_cd20', 'ATC:L01FA01', false, 'rituximab (before 2022 L01XC02)'),
    ('drug_anti_cd20', 'ATC:L04AG08', false, 'ocrelizumab (before 2024 L04AA36)'),
    ('drug_anti_cd20', 'ATC:L04AG12', false, 'ofatumumab, MS (before 2024 L04AA52)'),
    ('drug_anti_cd20', 'ATC:L04AG14', false, 'ublituximab'),
    ('drug_aminosalicylates', 'ATC:A07EC', false, 'aminosalicylic acid and similar agents'),
    ('drug_thiopurines', 'ATC:L04AX01', false, 'azathioprine'),
    ('drug_thiopurines', 'ATC:L01BB02', false, 'mercaptopurine'),
    ('drug_interferons_beta', 'ATC:L03AB07', false, 'interferon beta-1a'),
    ('drug_interferons_beta', 'ATC:L03AB08', false, 'interferon beta-1b'),
    ('drug_interferons_beta', 'ATC:L03AB13', false, 'peginterferon beta-1a'),
    ('lab_crp', 'LOINC:1988-5', false, 'C reactive protein'),
    ('lab_calprotectin', 'LOINC:38445-3', false, 'faecal calprotectin'),
    ('lab_esr', 'LOINC:4537-7', false, 'erythrocyte sedimentation rate, Westergren'),
    ('lab_rf', 'LOINC:11572-5', false, 'rheumatoid factor'),
    ('lab_anti_ccp', 'LOINC:32218-0', false, 'anti-CCP antibodies'),
    ('lab_hemoglobin', 'LOINC:718-7', false, 'haemoglobin'),
    ('lab_albumin', 'LOINC:1751-7', false, 'albumin'),
    ('lab_leukocytes', 'LOINC:6690-2', false, 'leukocytes')
) v(p, c, x, n);

CREATE FUNCTION clinnova.in_phenotype(clinnova.code, name text) RETURNS boolean
AS 'MODULE_PATHNAME', 'in_phenotype' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.in_phenotype(clinnova.code, text) IS
  'is the code a kind of an included code of the phenotype and of none of its excluded codes';

CREATE FUNCTION clinnova.to_fhir(c clinnova.code, version text DEFAULT NULL) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
        'system', clinnova.code_fhir_system(c),
        'version', version,
        'code', CASE WHEN clinnova.code_system(c) = 'LOCAL'
                     THEN pg_catalog.substr(s.v, pg_catalog.strpos(s.v, '/') + 1) ELSE s.v END,
        'display', clinnova.code_label(c)))
    FROM (SELECT clinnova.code_value(c)) s(v)
    WHERE c IS NOT NULL
$$;
COMMENT ON FUNCTION clinnova.to_fhir(clinnova.code, text) IS
  'FHIR Coding of a code: system, version (when given, e.g. the ICD-10-GM year), code, display from the vocabulary';

-- ============================================================================================
-- survival
-- ============================================================================================

-- The survfit risk table: the sufficient statistic of every survival estimator.  Text form is
-- a JSON object (exact float8 round trip); binary form starts with a format version byte.

CREATE TYPE clinnova.survfit;

CREATE FUNCTION clinnova.survfit_in(cstring) RETURNS clinnova.survfit
AS 'MODULE_PATHNAME', 'survfit_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.survfit_out(clinnova.survfit) RETURNS cstring
AS 'MODULE_PATHNAME', 'survfit_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.survfit_recv(internal) RETURNS clinnova.survfit
AS 'MODULE_PATHNAME', 'survfit_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.survfit_send(clinnova.survfit) RETURNS bytea
AS 'MODULE_PATHNAME', 'survfit_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE clinnova.survfit (
    INPUT = clinnova.survfit_in,
    OUTPUT = clinnova.survfit_out,
    RECEIVE = clinnova.survfit_recv,
    SEND = clinnova.survfit_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);

COMMENT ON TYPE clinnova.survfit IS
  'risk table: per distinct time the events by cause, censorings and late entries (with weight sums); input of every survival estimator';
COMMENT ON TYPE clinnova.survfit[] IS 'array of survfit risk tables';
COMMENT ON FUNCTION clinnova.survfit_in(cstring) IS 'text input of survfit (the JSON form survfit_out writes)';
COMMENT ON FUNCTION clinnova.survfit_out(clinnova.survfit) IS 'text output of survfit: a JSON object, floats in shortest exact form';
COMMENT ON FUNCTION clinnova.survfit_recv(internal) IS 'binary input of survfit (format version byte first; all checks of the text input)';
COMMENT ON FUNCTION clinnova.survfit_send(clinnova.survfit) IS 'binary output of survfit';

CREATE FUNCTION clinnova.survfit_eq(clinnova.survfit, clinnova.survfit) RETURNS boolean
AS 'MODULE_PATHNAME', 'survfit_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.survfit_ne(clinnova.survfit, clinnova.survfit) RETURNS boolean
AS 'MODULE_PATHNAME', 'survfit_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.survfit_eq(clinnova.survfit, clinnova.survfit) IS 'true when two risk tables are identical';
COMMENT ON FUNCTION clinnova.survfit_ne(clinnova.survfit, clinnova.survfit) IS 'true when two risk tables differ';

CREATE OPERATOR clinnova.= (
    LEFTARG = clinnova.survfit, RIGHTARG = clinnova.survfit, FUNCTION = clinnova.survfit_eq,
    COMMUTATOR = OPERATOR(clinnova.=), NEGATOR = OPERATOR(clinnova.<>),
    RESTRICT = eqsel, JOIN = eqjoinsel);
CREATE OPERATOR clinnova.<> (
    LEFTARG = clinnova.survfit, RIGHTARG = clinnova.survfit, FUNCTION = clinnova.survfit_ne,
    COMMUTATOR = OPERATOR(clinnova.<>), NEGATOR = OPERATOR(clinnova.=),
    RESTRICT = neqsel, JOIN = neqjoinsel);
COMMENT ON OPERATOR clinnova.= (clinnova.survfit, clinnova.survfit) IS 'identical risk tables';
COMMENT ON OPERATOR clinnova.<> (clinnova.survfit, clinnova.survfit) IS 'different risk tables';

-- Aggregate support shared by km, km_merge and cif (one state type: the risk table under
-- construction, counted by time without sorting rows).

CREATE FUNCTION clinnova.km_combine(internal, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'km_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.km_serialize(internal) RETURNS bytea
AS 'MODULE_PATHNAME', 'km_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.km_deserialize(bytea, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'km_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.km_finalfn(internal) RETURNS clinnova.survfit
AS 'MODULE_PATHNAME', 'km_finalfn' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.km_merge_finalfn(internal) RETURNS clinnova.survfit
AS 'MODULE_PATHNAME', 'km_merge_finalfn' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.cif_finalfn(internal) RETURNS clinnova.survfit
AS 'MODULE_PATHNAME', 'cif_finalfn' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.km_combine(internal, internal) IS 'combine function of km, km_merge and cif: adds two partial risk tables';
COMMENT ON FUNCTION clinnova.km_serialize(internal) IS 'serial function of km, km_merge and cif: the partial risk table in survfit binary form';
COMMENT ON FUNCTION clinnova.km_deserialize(bytea, internal) IS 'deserial function of km, km_merge and cif (checks version, lengths and invariants)';
COMMENT ON FUNCTION clinnova.km_finalfn(internal) IS 'final function of km: the sorted risk table, after disclosure control for federation roles';
COMMENT ON FUNCTION clinnova.km_merge_finalfn(internal) IS 'final function of km_merge: the merged risk table, after disclosure control for federation roles';
COMMENT ON FUNCTION clinnova.cif_finalfn(internal) IS 'final function of cif: the risk table by cause, after disclosure control for federation roles';

CREATE FUNCTION clinnova.km_transfn(internal, float8, boolean) RETURNS internal
AS 'MODULE_PATHNAME', 'km_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.km_int_transfn(internal, float8, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'km_int_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.km_weighted_transfn(internal, float8, boolean, float8) RETURNS internal
AS 'MODULE_PATHNAME', 'km_weighted_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.km_entry_transfn(internal, float8, float8, boolean) RETURNS internal
AS 'MODULE_PATHNAME', 'km_entry_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.km_entry_weighted_transfn(internal, float8, float8, boolean, float8) RETURNS internal
AS 'MODULE_PATHNAME', 'km_entry_weighted_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.km_merge_transfn(internal, clinnova.survfit) RETURNS internal
AS 'MODULE_PATHNAME', 'km_merge_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.cif_transfn(internal, float8, integer) RETURNS internal
AS 'MODULE_PATHNAME', 'cif_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.cif_weighted_transfn(internal, float8, integer, float8) RETURNS internal
AS 'MODULE_PATHNAME', 'cif_weighted_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.km_transfn(internal, float8, boolean) IS 'transition function of km(time, event boolean)';
COMMENT ON FUNCTION clinnova.km_int_transfn(internal, float8, integer) IS 'transition function of km(time, event integer 0/1)';
COMMENT ON FUNCTION clinnova.km_weighted_transfn(internal, float8, boolean, float8) IS 'transition function of km(time, event boolean, weight)';
COMMENT ON FUNCTION clinnova.km_entry_transfn(internal, float8, float8, boolean) IS 'transition function of km(entry, time, event boolean)';
COMMENT ON FUNCTION clinnova.km_entry_weighted_transfn(internal, float8, float8, boolean, float8) IS 'transition function of km(entry, time, event boolean, weight)';
COMMENT ON FUNCTION clinnova.km_merge_transfn(internal, clinnova.survfit) IS 'transition function of km_merge(survfit)';
COMMENT ON FUNCTION clinnova.cif_transfn(internal, float8, integer) IS 'transition function of cif(time, cause)';
COMMENT ON FUNCTION clinnova.cif_weighted_transfn(internal, float8, integer, float8) IS 'transition function of cif(time, cause, weight)';

CREATE AGGREGATE clinnova.km("time" float8, event boolean) (
    SFUNC = clinnova.km_transfn, STYPE = internal, FINALFUNC = clinnova.km_finalfn,
    COMBINEFUNC = clinnova.km_combine, SERIALFUNC = clinnova.km_serialize,
    DESERIALFUNC = clinnova.km_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE clinnova.km("time" float8, event integer) (
    SFUNC = clinnova.km_int_transfn, STYPE = internal, FINALFUNC = clinnova.km_finalfn,
    COMBINEFUNC = clinnova.km_combine, SERIALFUNC = clinnova.km_serialize,
    DESERIALFUNC = clinnova.km_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE clinnova.km("time" float8, event boolean, weight float8) (
    SFUNC = clinnova.km_weighted_transfn, STYPE = internal, FINALFUNC = clinnova.km_finalfn,
    COMBINEFUNC = clinnova.km_combine, SERIALFUNC = clinnova.km_serialize,
    DESERIALFUNC = clinnova.km_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE clinnova.km(entry float8, "time" float8, event boolean) (
    SFUNC = clinnova.km_entry_transfn, STYPE = internal, FINALFUNC = clinnova.km_finalfn,
    COMBINEFUNC = clinnova.km_combine, SERIALFUNC = clinnova.km_serialize,
    DESERIALFUNC = clinnova.km_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE clinnova.km(entry float8, "time" float8, event boolean, weight float8) (
    SFUNC = clinnova.km_entry_weighted_transfn, STYPE = internal, FINALFUNC = clinnova.km_finalfn,
    COMBINEFUNC = clinnova.km_combine, SERIALFUNC = clinnova.km_serialize,
    DESERIALFUNC = clinnova.km_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE clinnova.km_merge(curve clinnova.survfit) (
    SFUNC = clinnova.km_merge_transfn, STYPE = internal, FINALFUNC = clinnova.km_merge_finalfn,
    COMBINEFUNC = clinnova.km_combine, SERIALFUNC = clinnova.km_serialize,
    DESERIALFUNC = clinnova.km_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE clinnova.cif("time" float8, cause integer) (
    SFUNC = clinnova.cif_transfn, STYPE = internal, FINALFUNC = clinnova.cif_finalfn,
    COMBINEFUNC = clinnova.km_combine, SERIALFUNC = clinnova.km_serialize,
    DESERIALFUNC = clinnova.km_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE clinnova.cif("time" float8, cause integer, weight float8) (
    SFUNC = clinnova.cif_weighted_transfn, STYPE = internal, FINALFUNC = clinnova.cif_finalfn,
    COMBINEFUNC = clinnova.km_combine, SERIALFUNC = clinnova.km_serialize,
    DESERIALFUNC = clinnova.km_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE clinnova.km(float8, boolean) IS 'risk table for Kaplan-Meier from (time, event); NULL rows skipped';
COMMENT ON AGGREGATE clinnova.km(float8, integer) IS 'risk table for Kaplan-Meier from (time, event 0/1); NULL rows skipped';
COMMENT ON AGGREGATE clinnova.km(float8, boolean, float8) IS 'risk table with case weights (weight 0 or NULL rows skipped)';
COMMENT ON AGGREGATE clinnova.km(float8, float8, boolean) IS 'risk table of (entry, time] rows: left truncation and counting-process data';
COMMENT ON AGGREGATE clinnova.km(float8, float8, boolean, float8) IS 'risk table of weighted (entry, time] rows';
COMMENT ON AGGREGATE clinnova.km_merge(clinnova.survfit) IS 'sum of risk tables: equals one km over the union of their rows';
COMMENT ON AGGREGATE clinnova.cif(float8, integer) IS 'competing-risks risk table from (time, cause): cause 0 = censored, 1..64 = event causes';
COMMENT ON AGGREGATE clinnova.cif(float8, integer, float8) IS 'weighted competing-risks risk table (weight 0 or NULL rows skipped)';

-- Accessors: a risk table read as R's survfit reads it.

CREATE FUNCTION clinnova.km_table(curve clinnova.survfit, conf_type text DEFAULT 'log',
    conf_level float8 DEFAULT 0.95, variance text DEFAULT 'auto',
    OUT "time" float8, OUT n_risk float8, OUT n_event float8, OUT n_censor float8,
    OUT surv float8, OUT std_err float8, OUT lower float8, OUT upper float8,
    OUT cumhaz float8, OUT std_chaz float8)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'km_table' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 100;
COMMENT ON FUNCTION clinnova.km_table(clinnova.survfit, text, float8, text) IS
  'Kaplan-Meier curve, one row per exit time: at risk, events, censored, survival, std_err of -log S, confidence limits, Nelson-Aalen hazard';

CREATE FUNCTION clinnova.surv_at(curve clinnova.survfit, t float8) RETURNS float8
AS 'MODULE_PATHNAME', 'surv_at' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.surv_at(clinnova.survfit, float8) IS
  'Kaplan-Meier survival at time t (1 before the first time, NULL after the last)';

CREATE FUNCTION clinnova.median_survival(curve clinnova.survfit, conf_type text DEFAULT 'log',
    conf_level float8 DEFAULT 0.95, variance text DEFAULT 'auto',
    OUT median float8, OUT lower float8, OUT upper float8)
RETURNS record
AS 'MODULE_PATHNAME', 'median_survival' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.median_survival(clinnova.survfit, text, float8, text) IS
  'median survival time with confidence limits (R print.survfit rule; NULL where R gives NA)';

CREATE FUNCTION clinnova.surv_quantile(curve clinnova.survfit, p float8, conf_type text DEFAULT 'log',
    conf_level float8 DEFAULT 0.95, variance text DEFAULT 'auto',
    OUT quantile float8, OUT lower float8, OUT upper float8)
RETURNS record
AS 'MODULE_PATHNAME', 'surv_quantile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.surv_quantile(clinnova.survfit, float8, text, float8, text) IS
  'time by which a fraction p has had the event, with confidence limits (R quantile.survfit rule)';

CREATE FUNCTION clinnova.nelson_aalen(curve clinnova.survfit, ctype integer DEFAULT 1,
    conf_type text DEFAULT 'log', conf_level float8 DEFAULT 0.95, variance text DEFAULT 'auto',
    OUT "time" float8, OUT cumhaz float8, OUT std_err float8, OUT n_risk float8,
    OUT n_event float8, OUT n_censor float8, OUT surv float8, OUT lower float8, OUT upper float8)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'nelson_aalen' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 100;
COMMENT ON FUNCTION clinnova.nelson_aalen(clinnova.survfit, integer, text, float8, text) IS
  'cumulative hazard (ctype 1 Nelson-Aalen, 2 Fleming-Harrington) with std_err, and survival exp(-cumhaz) with confidence limits';

CREATE FUNCTION clinnova.rmst(curve clinnova.survfit, tau float8, OUT rmst float8, OUT se float8)
RETURNS record
AS 'MODULE_PATHNAME', 'rmst' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.rmst(clinnova.survfit, float8) IS
  'restricted mean survival time up to tau and its standard error (R print(fit, rmean = tau))';

CREATE FUNCTION clinnova.rmst_diff(curve_a clinnova.survfit, curve_b clinnova.survfit, tau float8,
    conf_level float8 DEFAULT 0.95,
    OUT diff float8, OUT se float8, OUT lower float8, OUT upper float8, OUT p float8)
RETURNS record
AS 'MODULE_PATHNAME', 'rmst_diff' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.rmst_diff(clinnova.survfit, clinnova.survfit, float8, float8) IS
  'difference of restricted mean survival times (a - b) with se, normal confidence limits and two-sided p';

CREATE FUNCTION clinnova.cif_table(curve clinnova.survfit, conf_type text DEFAULT 'log',
    conf_level float8 DEFAULT 0.95,
    OUT "time" float8, OUT cause integer, OUT n_risk float8, OUT n_event float8, OUT cif float8,
    OUT std_err float8, OUT lower float8, OUT upper float8, OUT n_censor float8, OUT cumhaz float8)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'cif_table' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 100;
COMMENT ON FUNCTION clinnova.cif_table(clinnova.survfit, text, float8) IS
  'Aalen-Johansen cumulative incidence per exit time and cause (cause 0 = event-free) with robust std_err and confidence limits';

CREATE FUNCTION clinnova.survfit_summary(curve clinnova.survfit,
    OUT records bigint, OUT n_max float8, OUT n_start float8, OUT events float8,
    OUT causes integer, OUT weights text, OUT late_entries boolean, OUT times integer)
RETURNS record
AS 'MODULE_PATHNAME', 'survfit_summary' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.survfit_summary(clinnova.survfit) IS
  'R''s summary counts (records, n.max, n.start, events) and the shape of a risk table';

-- Log-rank family (R survdiff).

CREATE TYPE clinnova.logrank_test AS (
    chisq float8,
    df integer,
    p float8,
    groups text[],
    n bigint[],
    observed float8[],
    expected float8[],
    variance float8[]
);
COMMENT ON TYPE clinnova.logrank_test IS
  'result of logrank: chisq, df, p, then per group (aligned with groups) n, observed, expected and the variance matrix';
COMMENT ON TYPE clinnova.logrank_test[] IS 'array of logrank_test results';

CREATE FUNCTION clinnova.logrank_curve_transfn(internal, text, clinnova.survfit) RETURNS internal
AS 'MODULE_PATHNAME', 'logrank_curve_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.logrank_curve_rho_transfn(internal, text, clinnova.survfit, float8) RETURNS internal
AS 'MODULE_PATHNAME', 'logrank_curve_rho_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.logrank_strata_transfn(internal, text, text, clinnova.survfit) RETURNS internal
AS 'MODULE_PATHNAME', 'logrank_strata_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.logrank_strata_rho_transfn(internal, text, text, clinnova.survfit, float8) RETURNS internal
AS 'MODULE_PATHNAME', 'logrank_strata_rho_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.logrank_rows_transfn(internal, float8, boolean, text) RETURNS internal
AS 'MODULE_PATHNAME', 'logrank_rows_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.logrank_rows_rho_transfn(internal, float8, boolean, text, float8) RETURNS internal
AS 'MODULE_PATHNAME', 'logrank_rows_rho_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.logrank_rows_int_transfn(internal, float8, integer, text) RETURNS internal
AS 'MODULE_PATHNAME', 'logrank_rows_int_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.logrank_rows_int_rho_transfn(internal, float8, integer, text, float8) RETURNS internal
AS 'MODULE_PATHNAME', 'logrank_rows_int_rho_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.logrank_combine(internal, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'logrank_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.logrank_serialize(internal) RETURNS bytea
AS 'MODULE_PATHNAME', 'logrank_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.logrank_deserialize(bytea, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'logrank_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.logrank_finalfn(internal) RETURNS clinnova.logrank_test
AS 'MODULE_PATHNAME', 'logrank_finalfn' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.logrank_curve_transfn(internal, text, clinnova.survfit) IS 'transition function of logrank(grp, curve)';
COMMENT ON FUNCTION clinnova.logrank_curve_rho_transfn(internal, text, clinnova.survfit, float8) IS 'transition function of logrank(grp, curve, rho)';
COMMENT ON FUNCTION clinnova.logrank_strata_transfn(internal, text, text, clinnova.survfit) IS 'transition function of logrank(stratum, grp, curve)';
COMMENT ON FUNCTION clinnova.logrank_strata_rho_transfn(internal, text, text, clinnova.survfit, float8) IS 'transition function of logrank(stratum, grp, curve, rho)';
COMMENT ON FUNCTION clinnova.logrank_rows_transfn(internal, float8, boolean, text) IS 'transition function of logrank(time, event, grp)';
COMMENT ON FUNCTION clinnova.logrank_rows_rho_transfn(internal, float8, boolean, text, float8) IS 'transition function of logrank(time, event, grp, rho)';
COMMENT ON FUNCTION clinnova.logrank_rows_int_transfn(internal, float8, integer, text) IS 'transition function of logrank(time, event 0/1, grp)';
COMMENT ON FUNCTION clinnova.logrank_rows_int_rho_transfn(internal, float8, integer, text, float8) IS 'transition function of logrank(time, event 0/1, grp, rho)';
COMMENT ON FUNCTION clinnova.logrank_combine(internal, internal) IS 'combine function of logrank: merges per-(stratum, group) risk tables';
COMMENT ON FUNCTION clinnova.logrank_serialize(internal) IS 'serial function of logrank';
COMMENT ON FUNCTION clinnova.logrank_deserialize(bytea, internal) IS 'deserial function of logrank (checks version, lengths and every risk table)';
COMMENT ON FUNCTION clinnova.logrank_finalfn(internal) IS 'final function of logrank: the G-rho test, after disclosure control for federation roles';

CREATE AGGREGATE clinnova.logrank(grp text, curve clinnova.survfit) (
    SFUNC = clinnova.logrank_curve_transfn, STYPE = internal, FINALFUNC = clinnova.logrank_finalfn,
    COMBINEFUNC = clinnova.logrank_combine, SERIALFUNC = clinnova.logrank_serialize,
    DESERIALFUNC = clinnova.logrank_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE clinnova.logrank(grp text, curve clinnova.survfit, rho float8) (
    SFUNC = clinnova.logrank_curve_rho_transfn, STYPE = internal, FINALFUNC = clinnova.logrank_finalfn,
    COMBINEFUNC = clinnova.logrank_combine, SERIALFUNC = clinnova.logrank_serialize,
    DESERIALFUNC = clinnova.logrank_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE clinnova.logrank(stratum text, grp text, curve clinnova.survfit) (
    SFUNC = clinnova.logrank_strata_transfn, STYPE = internal, FINALFUNC = clinnova.logrank_finalfn,
    COMBINEFUNC = clinnova.logrank_combine, SERIALFUNC = clinnova.logrank_serialize,
    DESERIALFUNC = clinnova.logrank_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE clinnova.logrank(stratum text, grp text, curve clinnova.survfit, rho float8) (
    SFUNC = clinnova.logrank_strata_rho_transfn, STYPE = internal, FINALFUNC = clinnova.logrank_finalfn,
    COMBINEFUNC = clinnova.logrank_combine, SERIALFUNC = clinnova.logrank_serialize,
    DESERIALFUNC = clinnova.logrank_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE clinnova.logrank("time" float8, event boolean, grp text) (
    SFUNC = clinnova.logrank_rows_transfn, STYPE = internal, FINALFUNC = clinnova.logrank_finalfn,
    COMBINEFUNC = clinnova.logrank_combine, SERIALFUNC = clinnova.logrank_serialize,
    DESERIALFUNC = clinnova.logrank_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE clinnova.logrank("time" float8, event boolean, grp text, rho float8) (
    SFUNC = clinnova.logrank_rows_rho_transfn, STYPE = internal, FINALFUNC = clinnova.logrank_finalfn,
    COMBINEFUNC = clinnova.logrank_combine, SERIALFUNC = clinnova.logrank_serialize,
    DESERIALFUNC = clinnova.logrank_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE clinnova.logrank("time" float8, event integer, grp text) (
    SFUNC = clinnova.logrank_rows_int_transfn, STYPE = internal, FINALFUNC = clinnova.logrank_finalfn,
    COMBINEFUNC = clinnova.logrank_combine, SERIALFUNC = clinnova.logrank_serialize,
    DESERIALFUNC = clinnova.logrank_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE clinnova.logrank("time" float8, event integer, grp text, rho float8) (
    SFUNC = clinnova.logrank_rows_int_rho_transfn, STYPE = internal, FINALFUNC = clinnova.logrank_finalfn,
    COMBINEFUNC = clinnova.logrank_combine, SERIALFUNC = clinnova.logrank_serialize,
    DESERIALFUNC = clinnova.logrank_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE clinnova.logrank(text, clinnova.survfit) IS 'log-rank test over per-group risk tables (curves of one group are merged)';
COMMENT ON AGGREGATE clinnova.logrank(text, clinnova.survfit, float8) IS 'G-rho test over per-group risk tables: rho 0 log-rank, 1 Peto-Peto';
COMMENT ON AGGREGATE clinnova.logrank(text, text, clinnova.survfit) IS 'stratified log-rank test over per-(stratum, group) risk tables';
COMMENT ON AGGREGATE clinnova.logrank(text, text, clinnova.survfit, float8) IS 'stratified G-rho test over per-(stratum, group) risk tables';
COMMENT ON AGGREGATE clinnova.logrank(float8, boolean, text) IS 'log-rank test from rows (time, event, group)';
COMMENT ON AGGREGATE clinnova.logrank(float8, boolean, text, float8) IS 'G-rho test from rows (time, event, group, rho)';
COMMENT ON AGGREGATE clinnova.logrank(float8, integer, text) IS 'log-rank test from rows (time, event 0/1, group)';
COMMENT ON AGGREGATE clinnova.logrank(float8, integer, text, float8) IS 'G-rho test from rows (time, event 0/1, group, rho)';

-- ============================================================================================
-- cox
-- ============================================================================================

-- ---- types ---------------------------------------------------------------------------------

CREATE TYPE clinnova.coxmodel;

CREATE FUNCTION clinnova.coxmodel_in(cstring) RETURNS clinnova.coxmodel
AS 'MODULE_PATHNAME', 'coxmodel_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.coxmodel_out(clinnova.coxmodel) RETURNS cstring
AS 'MODULE_PATHNAME', 'coxmodel_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.coxmodel_recv(internal) RETURNS clinnova.coxmodel
AS 'MODULE_PATHNAME', 'coxmodel_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.coxmodel_send(clinnova.coxmodel) RETURNS bytea
AS 'MODULE_PATHNAME', 'coxmodel_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE clinnova.coxmodel (
    INPUT = clinnova.coxmodel_in,
    OUTPUT = clinnova.coxmodel_out,
    RECEIVE = clinnova.coxmodel_recv,
    SEND = clinnova.coxmodel_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended);

COMMENT ON TYPE clinnova.coxmodel IS
  'fitted Cox proportional hazards model: coefficients, variances, tests, concordance, baseline hazard (text form is JSON)';
COMMENT ON FUNCTION clinnova.coxmodel_in(cstring) IS 'coxmodel input: JSON text form, validated';
COMMENT ON FUNCTION clinnova.coxmodel_out(clinnova.coxmodel) IS 'coxmodel output: JSON text form, float8 shortest-exact';
COMMENT ON FUNCTION clinnova.coxmodel_recv(internal) IS 'coxmodel binary input (version byte, validated)';
COMMENT ON FUNCTION clinnova.coxmodel_send(clinnova.coxmodel) IS 'coxmodel binary output (version byte)';

CREATE CAST (clinnova.coxmodel AS jsonb) WITH INOUT;
COMMENT ON CAST (clinnova.coxmodel AS jsonb) IS 'a coxmodel as a jsonb document, for exploration';

CREATE TYPE clinnova.coxstep;

CREATE FUNCTION clinnova.coxstep_in(cstring) RETURNS clinnova.coxstep
AS 'MODULE_PATHNAME', 'coxstep_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.coxstep_out(clinnova.coxstep) RETURNS cstring
AS 'MODULE_PATHNAME', 'coxstep_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.coxstep_recv(internal) RETURNS clinnova.coxstep
AS 'MODULE_PATHNAME', 'coxstep_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.coxstep_send(clinnova.coxstep) RETURNS bytea
AS 'MODULE_PATHNAME', 'coxstep_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE clinnova.coxstep (
    INPUT = clinnova.coxstep_in,
    OUTPUT = clinnova.coxstep_out,
    RECEIVE = clinnova.coxstep_recv,
    SEND = clinnova.coxstep_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended);

COMMENT ON TYPE clinnova.coxstep IS
  'one Newton step of a Cox partial likelihood at a given beta: loglik, score, information (mergeable by summing)';
COMMENT ON FUNCTION clinnova.coxstep_in(cstring) IS 'coxstep input: JSON text form, validated';
COMMENT ON FUNCTION clinnova.coxstep_out(clinnova.coxstep) IS 'coxstep output: JSON text form, float8 shortest-exact';
COMMENT ON FUNCTION clinnova.coxstep_recv(internal) IS 'coxstep binary input (version byte, validated)';
COMMENT ON FUNCTION clinnova.coxstep_send(clinnova.coxstep) IS 'coxstep binary output (version byte)';

CREATE CAST (clinnova.coxstep AS jsonb) WITH INOUT;
COMMENT ON CAST (clinnova.coxstep AS jsonb) IS 'a coxstep as a jsonb document';

CREATE TYPE clinnova.cox_zph_test AS (term text, chisq float8, df integer, p float8);
COMMENT ON TYPE clinnova.cox_zph_test IS 'one row of the proportional-hazards test (cox_zph): a term or GLOBAL';
COMMENT ON TYPE clinnova.cox_zph_test[] IS 'the table of a proportional-hazards test, as cox_zph returns it (unnest it)';
COMMENT ON TYPE clinnova.coxmodel[] IS 'array of coxmodel';
COMMENT ON TYPE clinnova.coxstep[] IS 'array of coxstep';

-- ---- aggregate support (internal state: the rows) ------------------------------------------

CREATE FUNCTION clinnova.coxph_transfn(internal, float8, boolean, float8[]) RETURNS internal
AS 'MODULE_PATHNAME', 'coxph_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION clinnova.coxph_transfn(internal, float8, boolean, float8[], jsonb) RETURNS internal
AS 'MODULE_PATHNAME', 'coxph_transfn_opts' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION clinnova.coxph_transfn(internal, float8, float8, boolean, float8[], text, float8, text, jsonb)
RETURNS internal
AS 'MODULE_PATHNAME', 'coxph_transfn_full' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION clinnova.coxph_step_transfn(internal, float8, boolean, float8[], float8[]) RETURNS internal
AS 'MODULE_PATHNAME', 'coxph_step_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION clinnova.coxph_step_transfn(internal, float8, boolean, float8[], float8[], jsonb) RETURNS internal
AS 'MODULE_PATHNAME', 'coxph_step_transfn_opts' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION clinnova.coxph_step_transfn(internal, float8, float8, boolean, float8[], text, float8, float8[], jsonb)
RETURNS internal
AS 'MODULE_PATHNAME', 'coxph_step_transfn_full' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION clinnova.cox_zph_transfn(internal, float8, boolean, float8[], clinnova.coxmodel) RETURNS internal
AS 'MODULE_PATHNAME', 'cox_zph_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION clinnova.cox_zph_transfn(internal, float8, float8, boolean, float8[], text, float8,
                                         clinnova.coxmodel, jsonb)
RETURNS internal
AS 'MODULE_PATHNAME', 'cox_zph_transfn_full' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION clinnova.coxph_combinefn(internal, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'coxph_combinefn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION clinnova.coxph_serialfn(internal) RETURNS bytea
AS 'MODULE_PATHNAME', 'coxph_serialfn' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.coxph_deserialfn(bytea, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'coxph_deserialfn' LANGUAGE C STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.coxph_finalfn(internal) RETURNS clinnova.coxmodel
AS 'MODULE_PATHNAME', 'coxph_finalfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION clinnova.coxph_step_finalfn(internal) RETURNS clinnova.coxstep
AS 'MODULE_PATHNAME', 'coxph_step_finalfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION clinnova.cox_zph_finalfn(internal) RETURNS clinnova.cox_zph_test[]
AS 'MODULE_PATHNAME', 'cox_zph_finalfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;

COMMENT ON FUNCTION clinnova.coxph_transfn(internal, float8, boolean, float8[]) IS
  'coxph transition: validate and collect one row';
COMMENT ON FUNCTION clinnova.coxph_transfn(internal, float8, boolean, float8[], jsonb) IS
  'coxph transition with options: validate and collect one row';
COMMENT ON FUNCTION clinnova.coxph_transfn(internal, float8, float8, boolean, float8[], text, float8, text, jsonb) IS
  'coxph transition, full form (entry, strata, weight, cluster): validate and collect one row';
COMMENT ON FUNCTION clinnova.coxph_step_transfn(internal, float8, boolean, float8[], float8[]) IS
  'coxph_step transition: validate and collect one row';
COMMENT ON FUNCTION clinnova.coxph_step_transfn(internal, float8, boolean, float8[], float8[], jsonb) IS
  'coxph_step transition with options: validate and collect one row';
COMMENT ON FUNCTION clinnova.coxph_step_transfn(internal, float8, float8, boolean, float8[], text, float8, float8[], jsonb) IS
  'coxph_step transition, full form: validate and collect one row';
COMMENT ON FUNCTION clinnova.cox_zph_transfn(internal, float8, boolean, float8[], clinnova.coxmodel) IS
  'cox_zph transition: validate and collect one row';
COMMENT ON FUNCTION clinnova.cox_zph_transfn(internal, float8, float8, boolean, float8[], text, float8, clinnova.coxmodel, jsonb) IS
  'cox_zph transition, full form: validate and collect one row';
COMMENT ON FUNCTION clinnova.coxph_combinefn(internal, internal) IS 'merge the rows of two Cox aggregate states';
COMMENT ON FUNCTION clinnova.coxph_serialfn(internal) IS 'serialize a Cox aggregate state for parallel query';
COMMENT ON FUNCTION clinnova.coxph_deserialfn(bytea, internal) IS 'deserialize a Cox aggregate state';
COMMENT ON FUNCTION clinnova.coxph_finalfn(internal) IS 'fit the Cox model to the collected rows';
COMMENT ON FUNCTION clinnova.coxph_step_finalfn(internal) IS 'compute one Newton step of the collected rows';
COMMENT ON FUNCTION clinnova.cox_zph_finalfn(internal) IS 'test proportional hazards on the collected rows';

-- ---- aggregates ----------------------------------------------------------------------------

CREATE AGGREGATE clinnova.coxph("time" float8, event boolean, x float8[]) (
    SFUNC = clinnova.coxph_transfn, STYPE = internal,
    FINALFUNC = clinnova.coxph_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = clinnova.coxph_combinefn,
    SERIALFUNC = clinnova.coxph_serialfn, DESERIALFUNC = clinnova.coxph_deserialfn,
    PARALLEL = SAFE);
CREATE AGGREGATE clinnova.coxph("time" float8, event boolean, x float8[], options jsonb) (
    SFUNC = clinnova.coxph_transfn, STYPE = internal,
    FINALFUNC = clinnova.coxph_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = clinnova.coxph_combinefn,
    SERIALFUNC = clinnova.coxph_serialfn, DESERIALFUNC = clinnova.coxph_deserialfn,
    PARALLEL = SAFE);
CREATE AGGREGATE clinnova.coxph(entry float8, "time" float8, event boolean, x float8[], strata text,
                                weight float8, cluster text, options jsonb) (
    SFUNC = clinnova.coxph_transfn, STYPE = internal,
    FINALFUNC = clinnova.coxph_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = clinnova.coxph_combinefn,
    SERIALFUNC = clinnova.coxph_serialfn, DESERIALFUNC = clinnova.coxph_deserialfn,
    PARALLEL = SAFE);

COMMENT ON AGGREGATE clinnova.coxph(float8, boolean, float8[]) IS
  'Cox proportional hazards model (Efron ties) of the rows, as R''s coxph';
COMMENT ON AGGREGATE clinnova.coxph(float8, boolean, float8[], jsonb) IS
  'Cox proportional hazards model of the rows with options (ties, terms, max_iter, tol, conf_level, robust, ...)';
COMMENT ON AGGREGATE clinnova.coxph(float8, float8, boolean, float8[], text, float8, text, jsonb) IS
  'Cox model of (entry, time] rows with strata, case weights and clusters (NULL = unused)';

CREATE AGGREGATE clinnova.coxph_step("time" float8, event boolean, x float8[], beta float8[]) (
    SFUNC = clinnova.coxph_step_transfn, STYPE = internal,
    FINALFUNC = clinnova.coxph_step_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = clinnova.coxph_combinefn,
    SERIALFUNC = clinnova.coxph_serialfn, DESERIALFUNC = clinnova.coxph_deserialfn,
    PARALLEL = SAFE);
CREATE AGGREGATE clinnova.coxph_step("time" float8, event boolean, x float8[], beta float8[], options jsonb) (
    SFUNC = clinnova.coxph_step_transfn, STYPE = internal,
    FINALFUNC = clinnova.coxph_step_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = clinnova.coxph_combinefn,
    SERIALFUNC = clinnova.coxph_serialfn, DESERIALFUNC = clinnova.coxph_deserialfn,
    PARALLEL = SAFE);
CREATE AGGREGATE clinnova.coxph_step(entry float8, "time" float8, event boolean, x float8[], strata text,
                                     weight float8, beta float8[], options jsonb) (
    SFUNC = clinnova.coxph_step_transfn, STYPE = internal,
    FINALFUNC = clinnova.coxph_step_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = clinnova.coxph_combinefn,
    SERIALFUNC = clinnova.coxph_serialfn, DESERIALFUNC = clinnova.coxph_deserialfn,
    PARALLEL = SAFE);

COMMENT ON AGGREGATE clinnova.coxph_step(float8, boolean, float8[], float8[]) IS
  'partial log-likelihood, score and information of the rows at beta (federated Newton step; disclosure-safe)';
COMMENT ON AGGREGATE clinnova.coxph_step(float8, boolean, float8[], float8[], jsonb) IS
  'Newton step at beta with options (ties, timefix, ...): the form postgres_fdw pushes down (disclosure-safe)';
COMMENT ON AGGREGATE clinnova.coxph_step(float8, float8, boolean, float8[], text, float8, float8[], jsonb) IS
  'Newton step of (entry, time] rows with strata and weights at beta (disclosure-safe)';

CREATE FUNCTION clinnova.coxstep_merge_transfn(clinnova.coxstep, clinnova.coxstep) RETURNS clinnova.coxstep
AS 'MODULE_PATHNAME', 'coxstep_merge_transfn' LANGUAGE C CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.coxstep_merge_transfn(clinnova.coxstep, clinnova.coxstep) IS
  'add two Cox steps taken at the same beta';

CREATE AGGREGATE clinnova.coxstep_merge(clinnova.coxstep) (
    SFUNC = clinnova.coxstep_merge_transfn, STYPE = clinnova.coxstep,
    COMBINEFUNC = clinnova.coxstep_merge_transfn,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE clinnova.coxstep_merge(clinnova.coxstep) IS
  'sum of Cox steps (sites as strata): the pooled stratified Newton step';

CREATE AGGREGATE clinnova.cox_zph("time" float8, event boolean, x float8[], model clinnova.coxmodel) (
    SFUNC = clinnova.cox_zph_transfn, STYPE = internal,
    FINALFUNC = clinnova.cox_zph_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = clinnova.coxph_combinefn,
    SERIALFUNC = clinnova.coxph_serialfn, DESERIALFUNC = clinnova.coxph_deserialfn,
    PARALLEL = SAFE);
CREATE AGGREGATE clinnova.cox_zph(entry float8, "time" float8, event boolean, x float8[], strata text,
                                  weight float8, model clinnova.coxmodel, options jsonb) (
    SFUNC = clinnova.cox_zph_transfn, STYPE = internal,
    FINALFUNC = clinnova.cox_zph_finalfn, FINALFUNC_MODIFY = READ_WRITE,
    COMBINEFUNC = clinnova.coxph_combinefn,
    SERIALFUNC = clinnova.coxph_serialfn, DESERIALFUNC = clinnova.coxph_deserialfn,
    PARALLEL = SAFE);

COMMENT ON AGGREGATE clinnova.cox_zph(float8, boolean, float8[], clinnova.coxmodel) IS
  'proportional-hazards test of a fitted model on its rows (R''s cox.zph, transform km): per term and GLOBAL';
COMMENT ON AGGREGATE clinnova.cox_zph(float8, float8, boolean, float8[], text, float8, clinnova.coxmodel, jsonb) IS
  'proportional-hazards test, full form (entry, strata, weight; options transform, assign, global)';

-- ---- accessors -----------------------------------------------------------------------------

CREATE FUNCTION clinnova.coxph_coefs(model clinnova.coxmodel)
RETURNS TABLE (term text, coef float8, hr float8, se float8, robust_se float8, z float8, p float8,
               hr_lower float8, hr_upper float8, mean float8)
AS 'MODULE_PATHNAME', 'coxph_coefs' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION clinnova.coxph_coefs(clinnova.coxmodel) IS
  'coefficient table: coef, hazard ratio, se, robust se, z, p, CI of the hazard ratio, covariate mean';

CREATE FUNCTION clinnova.coxph_stats(model clinnova.coxmodel,
    OUT n bigint, OUT events bigint, OUT loglik_null float8, OUT loglik float8,
    OUT lr_chisq float8, OUT lr_df integer, OUT lr_p float8,
    OUT wald_chisq float8, OUT wald_df integer, OUT wald_p float8,
    OUT score_chisq float8, OUT score_df integer, OUT score_p float8,
    OUT concordance float8, OUT concordance_se float8, OUT iterations integer, OUT converged boolean,
    OUT robust_score_chisq float8, OUT robust_score_p float8, OUT robust boolean, OUT ties text,
    OUT n_strata integer, OUT conf_level float8)
RETURNS record
AS 'MODULE_PATHNAME', 'coxph_stats' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.coxph_stats(clinnova.coxmodel) IS
  'model statistics: n, events, log-likelihoods, LR / Wald / score tests, concordance, iterations, convergence';

CREATE FUNCTION clinnova.coxph_vcov(model clinnova.coxmodel, robust boolean DEFAULT NULL)
RETURNS float8[]
AS 'MODULE_PATHNAME', 'coxph_vcov' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.coxph_vcov(clinnova.coxmodel, boolean) IS
  'variance matrix of the coefficients (robust, model-based, or NULL = what the model reports)';

CREATE FUNCTION clinnova.coxph_concordance(model clinnova.coxmodel,
    OUT concordant float8, OUT discordant float8, OUT tied_x float8, OUT tied_y float8,
    OUT tied_xy float8, OUT concordance float8, OUT std_err float8)
RETURNS record
AS 'MODULE_PATHNAME', 'coxph_concordance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.coxph_concordance(clinnova.coxmodel) IS
  'Harrell''s C with its pair counts and infinitesimal-jackknife standard error';

CREATE FUNCTION clinnova.coxph_basehaz(model clinnova.coxmodel, centered boolean DEFAULT true)
RETURNS TABLE (strata text, "time" float8, n_risk float8, n_event float8, n_censor float8, cumhaz float8)
AS 'MODULE_PATHNAME', 'coxph_basehaz' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 100;
COMMENT ON FUNCTION clinnova.coxph_basehaz(clinnova.coxmodel, boolean) IS
  'baseline cumulative hazard per stratum and time (R''s basehaz), at the covariate means or at zero';

-- ---- prediction ----------------------------------------------------------------------------

CREATE FUNCTION clinnova.predict_lp(model clinnova.coxmodel, x float8[]) RETURNS float8
AS 'MODULE_PATHNAME', 'coxph_predict_lp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.predict_lp(clinnova.coxmodel, float8[]) IS
  'centred linear predictor (x - means) . beta of a new patient (R''s predict type lp)';

CREATE FUNCTION clinnova.predict_risk(model clinnova.coxmodel, x float8[]) RETURNS float8
AS 'MODULE_PATHNAME', 'coxph_predict_risk' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.predict_risk(clinnova.coxmodel, float8[]) IS
  'relative risk exp(lp) of a new patient (R''s predict type risk)';

CREATE FUNCTION clinnova.predict(model clinnova.coxmodel, x float8[], type text DEFAULT 'risk')
RETURNS float8
AS 'MODULE_PATHNAME', 'coxph_predict_generic' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.predict(clinnova.coxmodel, float8[], text) IS
  'prediction of a Cox model: type lp, or risk / response (relative risk, the default)';

CREATE FUNCTION clinnova.predict_surv(model clinnova.coxmodel, x float8[], t float8, strata text DEFAULT NULL)
RETURNS float8
AS 'MODULE_PATHNAME', 'coxph_predict_surv' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.predict_surv(clinnova.coxmodel, float8[], float8, text) IS
  'survival probability of a new patient at time t (NULL beyond follow-up)';

CREATE FUNCTION clinnova.predict_curve(model clinnova.coxmodel, x float8[], strata text DEFAULT NULL)
RETURNS TABLE ("time" float8, surv float8, lower float8, upper float8, std_err float8, cumhaz float8,
               n_risk float8, n_event float8, n_censor float8, strata text)
AS 'MODULE_PATHNAME', 'coxph_predict_curve' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 100;
COMMENT ON FUNCTION clinnova.predict_curve(clinnova.coxmodel, float8[], text) IS
  'survival curve of a new patient with log-type confidence band (R''s survfit(fit, newdata))';

-- ---- federation helpers --------------------------------------------------------------------

CREATE FUNCTION clinnova.coxstep_parts(step clinnova.coxstep,
    OUT n bigint, OUT events bigint, OUT strata bigint, OUT loglik float8, OUT score float8[],
    OUT information float8[], OUT beta float8[], OUT sum_weights float8, OUT means float8[])
RETURNS record
AS 'MODULE_PATHNAME', 'coxstep_parts' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.coxstep_parts(clinnova.coxstep) IS
  'the pieces of a Cox step: counts, log-likelihood, score, information, beta, weighted means';

CREATE FUNCTION clinnova.coxph_newton(step clinnova.coxstep, beta float8[], options jsonb DEFAULT NULL)
RETURNS float8[]
AS 'MODULE_PATHNAME', 'coxph_newton' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.coxph_newton(clinnova.coxstep, float8[], jsonb) IS
  'next Newton-Raphson iterate beta + I^-1 u from a (merged) Cox step (caller does step halving)';

CREATE FUNCTION clinnova.coxmodel_from_step(step clinnova.coxstep, step_at_zero clinnova.coxstep,
                                            beta float8[], iterations integer, converged boolean,
                                            options jsonb DEFAULT NULL)
RETURNS clinnova.coxmodel
AS 'MODULE_PATHNAME', 'coxmodel_from_step' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.coxmodel_from_step(clinnova.coxstep, clinnova.coxstep, float8[], integer, boolean, jsonb) IS
  'coxmodel from merged steps at the final beta and at zero (no concordance, no baseline hazard)';

-- ---- convenience: fit from a table with named arguments ------------------------------------

CREATE FUNCTION clinnova.coxph_fit(relation regclass, "time" text, event text, covariates text[],
                                   strata text DEFAULT NULL, weights text DEFAULT NULL,
                                   cluster text DEFAULT NULL, entry text DEFAULT NULL,
                                   options jsonb DEFAULT '{}')
RETURNS clinnova.coxmodel
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog
AS $fn$
DECLARE
    used       text[];
    col        text;
    coltype    regtype;
    event_expr text;
    complete   text;
    opts       jsonb := coalesce(options, '{}'::jsonb);
    q          text;
    model      clinnova.coxmodel;
    dropped    bigint;
    bad_events bigint;
BEGIN
    IF relation IS NULL OR "time" IS NULL OR event IS NULL OR covariates IS NULL THEN
        RAISE EXCEPTION 'coxph_fit needs relation, time, event and covariates'
            USING ERRCODE = '22023';
    END IF;
    IF cardinality(covariates) = 0 OR array_position(covariates, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'covariates of coxph_fit must name at least one column, without NULLs'
            USING ERRCODE = '22023';
    END IF;
    used := ARRAY["time", event] || covariates;
    IF strata IS NOT NULL THEN used := used || strata; END IF;
    IF weights IS NOT NULL THEN used := used || weights; END IF;
    IF cluster IS NOT NULL THEN used := used || cluster; END IF;
    IF entry IS NOT NULL THEN used := used || entry; END IF;
    FOREACH col IN ARRAY used LOOP
        SELECT a.atttypid::regtype INTO coltype
        FROM pg_catalog.pg_attribute a
        WHERE a.attrelid = relation AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'column "%" of relation % does not exist', col, relation
                USING ERRCODE = '42703';
        END IF;
        IF col = event THEN
            IF coltype = 'boolean'::regtype THEN
                event_expr := pg_catalog.quote_ident(event);
            ELSIF coltype IN ('smallint'::regtype, 'integer'::regtype, 'bigint'::regtype,
                              'numeric'::regtype, 'real'::regtype, 'double precision'::regtype) THEN
                event_expr := pg_catalog.format('(%I = 1)', event);
                EXECUTE pg_catalog.format('SELECT pg_catalog.count(*) FROM %s WHERE %I NOT IN (0, 1)', relation, event)
                    INTO bad_events;
                IF bad_events > 0 THEN
                    RAISE EXCEPTION 'event column "%" has % values other than 0 and 1', event, bad_events
                        USING ERRCODE = '22023',
                              HINT = 'Pass a boolean column, e.g. a generated column (status = 2) for R''s 1/2 coding.';
                END IF;
            ELSE
                RAISE EXCEPTION 'event column "%" must be boolean or numeric 0/1, not %', event, coltype
                    USING ERRCODE = '22023';
            END IF;
        END IF;
    END LOOP;
    complete := (SELECT pg_catalog.string_agg(pg_catalog.format('%I IS NOT NULL', c), ' AND ')
                 FROM pg_catalog.unnest(used) AS c);
    IF NOT opts ? 'terms' THEN
        opts := opts || pg_catalog.jsonb_build_object('terms', pg_catalog.to_jsonb(covariates));
    END IF;
    q := pg_catalog.format(
        'SELECT clinnova.coxph(%s, %I::float8, %s, ARRAY[%s]::float8[], %s, %s, %s, $1) FILTER (WHERE %s),'
        ' pg_catalog.count(*) FILTER (WHERE NOT (%s))'
        ' FROM %s',
        CASE WHEN entry IS NULL THEN 'NULL::float8' ELSE pg_catalog.format('%I::float8', entry) END,
        "time", event_expr,
        (SELECT pg_catalog.string_agg(pg_catalog.format('%I::float8', c), ', ') FROM pg_catalog.unnest(covariates) AS c),
        CASE WHEN strata IS NULL THEN 'NULL::text' ELSE pg_catalog.format('%I::text', strata) END,
        CASE WHEN weights IS NULL THEN 'NULL::float8' ELSE pg_catalog.format('%I::float8', weights) END,
        CASE WHEN cluster IS NULL THEN 'NULL::text' ELSE pg_catalog.format('%I::text', cluster) END,
        complete, complete, relation);
    EXECUTE q INTO model, dropped USING opts;
    IF dropped > 0 THEN
        RAISE NOTICE 'coxph_fit: % rows with missing values dropped (like R''s na.omit); n = %',
            dropped, (clinnova.coxph_stats(model)).n;
    END IF;
    RETURN model;
END
$fn$;
COMMENT ON FUNCTION clinnova.coxph_fit(regclass, text, text, text[], text, text, text, text, jsonb) IS
  'fit a Cox model to table columns by name (rows with NULLs dropped like na.omit; parallel restricted: it runs a query on the relation, which may be temporary)';

-- ============================================================================================
-- models
-- ============================================================================================

-- ---- GLM: types ----

CREATE TYPE clinnova.glmmodel;

CREATE FUNCTION clinnova.glmmodel_in(cstring) RETURNS clinnova.glmmodel
AS 'MODULE_PATHNAME', 'glmmodel_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.glmmodel_out(clinnova.glmmodel) RETURNS cstring
AS 'MODULE_PATHNAME', 'glmmodel_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.glmmodel_recv(internal) RETURNS clinnova.glmmodel
AS 'MODULE_PATHNAME', 'glmmodel_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.glmmodel_send(clinnova.glmmodel) RETURNS bytea
AS 'MODULE_PATHNAME', 'glmmodel_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE clinnova.glmmodel (
    INPUT = clinnova.glmmodel_in,
    OUTPUT = clinnova.glmmodel_out,
    RECEIVE = clinnova.glmmodel_recv,
    SEND = clinnova.glmmodel_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);

COMMENT ON TYPE clinnova.glmmodel IS
  'fitted generalized linear model (family, link, terms, coefficients, covariance, deviances, AIC); text form is JSON';
COMMENT ON FUNCTION clinnova.glmmodel_in(cstring) IS 'glmmodel text input (JSON)';
COMMENT ON FUNCTION clinnova.glmmodel_out(clinnova.glmmodel) IS 'glmmodel text output (JSON, exact floats)';
COMMENT ON FUNCTION clinnova.glmmodel_recv(internal) IS 'glmmodel binary input';
COMMENT ON FUNCTION clinnova.glmmodel_send(clinnova.glmmodel) IS 'glmmodel binary output';

CREATE TYPE clinnova.glmstep;

CREATE FUNCTION clinnova.glmstep_in(cstring) RETURNS clinnova.glmstep
AS 'MODULE_PATHNAME', 'glmstep_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.glmstep_out(clinnova.glmstep) RETURNS cstring
AS 'MODULE_PATHNAME', 'glmstep_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.glmstep_recv(internal) RETURNS clinnova.glmstep
AS 'MODULE_PATHNAME', 'glmstep_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.glmstep_send(clinnova.glmstep) RETURNS bytea
AS 'MODULE_PATHNAME', 'glmstep_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE clinnova.glmstep (
    INPUT = clinnova.glmstep_in,
    OUTPUT = clinnova.glmstep_out,
    RECEIVE = clinnova.glmstep_recv,
    SEND = clinnova.glmstep_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);

COMMENT ON TYPE clinnova.glmstep IS
  'sums of one IRLS step at given coefficients (X''WX, X''Wz, deviance, counts): mergeable across sites; text form is JSON';
COMMENT ON FUNCTION clinnova.glmstep_in(cstring) IS 'glmstep text input (JSON)';
COMMENT ON FUNCTION clinnova.glmstep_out(clinnova.glmstep) IS 'glmstep text output (JSON, exact floats)';
COMMENT ON FUNCTION clinnova.glmstep_recv(internal) IS 'glmstep binary input';
COMMENT ON FUNCTION clinnova.glmstep_send(clinnova.glmstep) IS 'glmstep binary output';

-- ---- GLM: aggregate support functions ----

CREATE FUNCTION clinnova.glm_combine(internal, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'glm_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.glm_serialize(internal) RETURNS bytea
AS 'MODULE_PATHNAME', 'glm_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.glm_deserialize(bytea, internal) RETURNS internal
AS 'MODULE_PATHNAME', 'glm_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.glm_fit_finalfn(internal) RETURNS clinnova.glmmodel
AS 'MODULE_PATHNAME', 'glm_fit_finalfn' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION clinnova.glm_step_finalfn(internal) RETURNS clinnova.glmstep
AS 'MODULE_PATHNAME', 'glm_step_finalfn' LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION clinnova.glm_combine(internal, internal) IS
  'combine function of the GLM aggregates (appends rows, or adds steps)';
COMMENT ON FUNCTION clinnova.glm_serialize(internal) IS 'serialize function of the GLM aggregates';
COMMENT ON FUNCTION clinnova.glm_deserialize(bytea, internal) IS 'deserialize function of the GLM aggregates';
COMMENT ON FUNCTION clinnova.glm_fit_finalfn(internal) IS
  'final function of logreg, linreg and poisson: IRLS as R''s glm.fit';
COMMENT ON FUNCTION clinnova.glm_step_finalfn(internal) IS
  'final function of logreg_step, linreg_step and poisson_step';

-- ---- logreg ----

CREATE FUNCTION clinnova.logreg_transfn(internal, boolean, float8[]) RETURNS internal
AS 'MODULE_PATHNAME', 'logreg_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.logreg_transfn(internal, boolean, float8[]) IS 'transition function of logreg';
CREATE AGGREGATE clinnova.logreg(y boolean, x float8[]) (
    SFUNC = clinnova.logreg_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_fit_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.logreg(boolean, float8[]) IS
  'binomial (logit link): logistic regression as Rs glm(family = binomial)';

CREATE FUNCTION clinnova.logreg_transfn(internal, boolean, float8[], jsonb) RETURNS internal
AS 'MODULE_PATHNAME', 'logreg_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.logreg_transfn(internal, boolean, float8[], jsonb) IS 'transition function of logreg';
CREATE AGGREGATE clinnova.logreg(y boolean, x float8[], options jsonb) (
    SFUNC = clinnova.logreg_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_fit_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.logreg(boolean, float8[], jsonb) IS
  'binomial (logit link): logistic regression as Rs glm(family = binomial)';

CREATE FUNCTION clinnova.logreg_transfn(internal, boolean, float8[], float8) RETURNS internal
AS 'MODULE_PATHNAME', 'logreg_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.logreg_transfn(internal, boolean, float8[], float8) IS 'transition function of logreg';
CREATE AGGREGATE clinnova.logreg(y boolean, x float8[], weight float8) (
    SFUNC = clinnova.logreg_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_fit_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.logreg(boolean, float8[], float8) IS
  'binomial (logit link): logistic regression as Rs glm(family = binomial)';

CREATE FUNCTION clinnova.logreg_transfn(internal, boolean, float8[], float8, jsonb) RETURNS internal
AS 'MODULE_PATHNAME', 'logreg_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.logreg_transfn(internal, boolean, float8[], float8, jsonb) IS 'transition function of logreg';
CREATE AGGREGATE clinnova.logreg(y boolean, x float8[], weight float8, options jsonb) (
    SFUNC = clinnova.logreg_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_fit_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.logreg(boolean, float8[], float8, jsonb) IS
  'binomial (logit link): logistic regression as Rs glm(family = binomial)';

-- ---- logreg_step ----

CREATE FUNCTION clinnova.logreg_step_transfn(internal, boolean, float8[], float8[]) RETURNS internal
AS 'MODULE_PATHNAME', 'logreg_step_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.logreg_step_transfn(internal, boolean, float8[], float8[]) IS 'transition function of logreg_step';
CREATE AGGREGATE clinnova.logreg_step(y boolean, x float8[], beta float8[]) (
    SFUNC = clinnova.logreg_step_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_step_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.logreg_step(boolean, float8[], float8[]) IS
  'one IRLS step of a binomial (logit link) model at beta (NULL: R''s starting values), for federated fitting';

CREATE FUNCTION clinnova.logreg_step_transfn(internal, boolean, float8[], float8[], jsonb) RETURNS internal
AS 'MODULE_PATHNAME', 'logreg_step_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.logreg_step_transfn(internal, boolean, float8[], float8[], jsonb) IS 'transition function of logreg_step';
CREATE AGGREGATE clinnova.logreg_step(y boolean, x float8[], beta float8[], options jsonb) (
    SFUNC = clinnova.logreg_step_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_step_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.logreg_step(boolean, float8[], float8[], jsonb) IS
  'one IRLS step of a binomial (logit link) model at beta (NULL: R''s starting values), for federated fitting';

CREATE FUNCTION clinnova.logreg_step_transfn(internal, boolean, float8[], float8[], float8) RETURNS internal
AS 'MODULE_PATHNAME', 'logreg_step_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.logreg_step_transfn(internal, boolean, float8[], float8[], float8) IS 'transition function of logreg_step';
CREATE AGGREGATE clinnova.logreg_step(y boolean, x float8[], beta float8[], weight float8) (
    SFUNC = clinnova.logreg_step_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_step_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.logreg_step(boolean, float8[], float8[], float8) IS
  'one IRLS step of a binomial (logit link) model at beta (NULL: R''s starting values), for federated fitting';

CREATE FUNCTION clinnova.logreg_step_transfn(internal, boolean, float8[], float8[], float8, jsonb) RETURNS internal
AS 'MODULE_PATHNAME', 'logreg_step_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.logreg_step_transfn(internal, boolean, float8[], float8[], float8, jsonb) IS 'transition function of logreg_step';
CREATE AGGREGATE clinnova.logreg_step(y boolean, x float8[], beta float8[], weight float8, options jsonb) (
    SFUNC = clinnova.logreg_step_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_step_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.logreg_step(boolean, float8[], float8[], float8, jsonb) IS
  'one IRLS step of a binomial (logit link) model at beta (NULL: R''s starting values), for federated fitting';

-- ---- linreg ----

CREATE FUNCTION clinnova.linreg_transfn(internal, float8, float8[]) RETURNS internal
AS 'MODULE_PATHNAME', 'linreg_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.linreg_transfn(internal, float8, float8[]) IS 'transition function of linreg';
CREATE AGGREGATE clinnova.linreg(y float8, x float8[]) (
    SFUNC = clinnova.linreg_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_fit_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.linreg(float8, float8[]) IS
  'gaussian (identity link): linear regression as Rs lm / glm(family = gaussian)';

CREATE FUNCTION clinnova.linreg_transfn(internal, float8, float8[], jsonb) RETURNS internal
AS 'MODULE_PATHNAME', 'linreg_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.linreg_transfn(internal, float8, float8[], jsonb) IS 'transition function of linreg';
CREATE AGGREGATE clinnova.linreg(y float8, x float8[], options jsonb) (
    SFUNC = clinnova.linreg_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_fit_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.linreg(float8, float8[], jsonb) IS
  'gaussian (identity link): linear regression as Rs lm / glm(family = gaussian)';

CREATE FUNCTION clinnova.linreg_transfn(internal, float8, float8[], float8) RETURNS internal
AS 'MODULE_PATHNAME', 'linreg_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.linreg_transfn(internal, float8, float8[], float8) IS 'transition function of linreg';
CREATE AGGREGATE clinnova.linreg(y float8, x float8[], weight float8) (
    SFUNC = clinnova.linreg_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_fit_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.linreg(float8, float8[], float8) IS
  'gaussian (identity link): linear regression as Rs lm / glm(family = gaussian)';

CREATE FUNCTION clinnova.linreg_transfn(internal, float8, float8[], float8, jsonb) RETURNS internal
AS 'MODULE_PATHNAME', 'linreg_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.linreg_transfn(internal, float8, float8[], float8, jsonb) IS 'transition function of linreg';
CREATE AGGREGATE clinnova.linreg(y float8, x float8[], weight float8, options jsonb) (
    SFUNC = clinnova.linreg_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_fit_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.linreg(float8, float8[], float8, jsonb) IS
  'gaussian (identity link): linear regression as Rs lm / glm(family = gaussian)';

-- ---- linreg_step ----

CREATE FUNCTION clinnova.linreg_step_transfn(internal, float8, float8[], float8[]) RETURNS internal
AS 'MODULE_PATHNAME', 'linreg_step_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.linreg_step_transfn(internal, float8, float8[], float8[]) IS 'transition function of linreg_step';
CREATE AGGREGATE clinnova.linreg_step(y float8, x float8[], beta float8[]) (
    SFUNC = clinnova.linreg_step_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_step_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.linreg_step(float8, float8[], float8[]) IS
  'one IRLS step of a gaussian (identity link) model at beta (NULL: R''s starting values), for federated fitting';

CREATE FUNCTION clinnova.linreg_step_transfn(internal, float8, float8[], float8[], jsonb) RETURNS internal
AS 'MODULE_PATHNAME', 'linreg_step_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.linreg_step_transfn(internal, float8, float8[], float8[], jsonb) IS 'transition function of linreg_step';
CREATE AGGREGATE clinnova.linreg_step(y float8, x float8[], beta float8[], options jsonb) (
    SFUNC = clinnova.linreg_step_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_step_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.linreg_step(float8, float8[], float8[], jsonb) IS
  'one IRLS step of a gaussian (identity link) model at beta (NULL: R''s starting values), for federated fitting';

CREATE FUNCTION clinnova.linreg_step_transfn(internal, float8, float8[], float8[], float8) RETURNS internal
AS 'MODULE_PATHNAME', 'linreg_step_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.linreg_step_transfn(internal, float8, float8[], float8[], float8) IS 'transition function of linreg_step';
CREATE AGGREGATE clinnova.linreg_step(y float8, x float8[], beta float8[], weight float8) (
    SFUNC = clinnova.linreg_step_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_step_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.linreg_step(float8, float8[], float8[], float8) IS
  'one IRLS step of a gaussian (identity link) model at beta (NULL: R''s starting values), for federated fitting';

CREATE FUNCTION clinnova.linreg_step_transfn(internal, float8, float8[], float8[], float8, jsonb) RETURNS internal
AS 'MODULE_PATHNAME', 'linreg_step_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.linreg_step_transfn(internal, float8, float8[], float8[], float8, jsonb) IS 'transition function of linreg_step';
CREATE AGGREGATE clinnova.linreg_step(y float8, x float8[], beta float8[], weight float8, options jsonb) (
    SFUNC = clinnova.linreg_step_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_step_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.linreg_step(float8, float8[], float8[], float8, jsonb) IS
  'one IRLS step of a gaussian (identity link) model at beta (NULL: R''s starting values), for federated fitting';

-- ---- poisson ----

CREATE FUNCTION clinnova.poisson_transfn(internal, float8, float8[]) RETURNS internal
AS 'MODULE_PATHNAME', 'poisson_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.poisson_transfn(internal, float8, float8[]) IS 'transition function of poisson';
CREATE AGGREGATE clinnova.poisson(y float8, x float8[]) (
    SFUNC = clinnova.poisson_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_fit_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.poisson(float8, float8[]) IS
  'poisson (log link): Poisson regression as Rs glm(family = poisson)';

CREATE FUNCTION clinnova.poisson_transfn(internal, float8, float8[], jsonb) RETURNS internal
AS 'MODULE_PATHNAME', 'poisson_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.poisson_transfn(internal, float8, float8[], jsonb) IS 'transition function of poisson';
CREATE AGGREGATE clinnova.poisson(y float8, x float8[], options jsonb) (
    SFUNC = clinnova.poisson_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_fit_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.poisson(float8, float8[], jsonb) IS
  'poisson (log link): Poisson regression as Rs glm(family = poisson)';

CREATE FUNCTION clinnova.poisson_transfn(internal, float8, float8[], float8) RETURNS internal
AS 'MODULE_PATHNAME', 'poisson_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.poisson_transfn(internal, float8, float8[], float8) IS 'transition function of poisson';
CREATE AGGREGATE clinnova.poisson(y float8, x float8[], "offset" float8) (
    SFUNC = clinnova.poisson_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_fit_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.poisson(float8, float8[], float8) IS
  'poisson (log link): Poisson regression as Rs glm(family = poisson)';

CREATE FUNCTION clinnova.poisson_transfn(internal, float8, float8[], float8, jsonb) RETURNS internal
AS 'MODULE_PATHNAME', 'poisson_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.poisson_transfn(internal, float8, float8[], float8, jsonb) IS 'transition function of poisson';
CREATE AGGREGATE clinnova.poisson(y float8, x float8[], "offset" float8, options jsonb) (
    SFUNC = clinnova.poisson_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_fit_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.poisson(float8, float8[], float8, jsonb) IS
  'poisson (log link): Poisson regression as Rs glm(family = poisson)';

CREATE FUNCTION clinnova.poisson_transfn(internal, float8, float8[], float8, float8) RETURNS internal
AS 'MODULE_PATHNAME', 'poisson_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.poisson_transfn(internal, float8, float8[], float8, float8) IS 'transition function of poisson';
CREATE AGGREGATE clinnova.poisson(y float8, x float8[], "offset" float8, weight float8) (
    SFUNC = clinnova.poisson_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_fit_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.poisson(float8, float8[], float8, float8) IS
  'poisson (log link): Poisson regression as Rs glm(family = poisson)';

CREATE FUNCTION clinnova.poisson_transfn(internal, float8, float8[], float8, float8, jsonb) RETURNS internal
AS 'MODULE_PATHNAME', 'poisson_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.poisson_transfn(internal, float8, float8[], float8, float8, jsonb) IS 'transition function of poisson';
CREATE AGGREGATE clinnova.poisson(y float8, x float8[], "offset" float8, weight float8, options jsonb) (
    SFUNC = clinnova.poisson_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_fit_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.poisson(float8, float8[], float8, float8, jsonb) IS
  'poisson (log link): Poisson regression as Rs glm(family = poisson)';

-- ---- poisson_step ----

CREATE FUNCTION clinnova.poisson_step_transfn(internal, float8, float8[], float8[]) RETURNS internal
AS 'MODULE_PATHNAME', 'poisson_step_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.poisson_step_transfn(internal, float8, float8[], float8[]) IS 'transition function of poisson_step';
CREATE AGGREGATE clinnova.poisson_step(y float8, x float8[], beta float8[]) (
    SFUNC = clinnova.poisson_step_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_step_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.poisson_step(float8, float8[], float8[]) IS
  'one IRLS step of a poisson (log link) model at beta (NULL: R''s starting values), for federated fitting';

CREATE FUNCTION clinnova.poisson_step_transfn(internal, float8, float8[], float8[], jsonb) RETURNS internal
AS 'MODULE_PATHNAME', 'poisson_step_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.poisson_step_transfn(internal, float8, float8[], float8[], jsonb) IS 'transition function of poisson_step';
CREATE AGGREGATE clinnova.poisson_step(y float8, x float8[], beta float8[], options jsonb) (
    SFUNC = clinnova.poisson_step_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_step_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.poisson_step(float8, float8[], float8[], jsonb) IS
  'one IRLS step of a poisson (log link) model at beta (NULL: R''s starting values), for federated fitting';

CREATE FUNCTION clinnova.poisson_step_transfn(internal, float8, float8[], float8[], float8) RETURNS internal
AS 'MODULE_PATHNAME', 'poisson_step_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.poisson_step_transfn(internal, float8, float8[], float8[], float8) IS 'transition function of poisson_step';
CREATE AGGREGATE clinnova.poisson_step(y float8, x float8[], beta float8[], "offset" float8) (
    SFUNC = clinnova.poisson_step_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_step_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.poisson_step(float8, float8[], float8[], float8) IS
  'one IRLS step of a poisson (log link) model at beta (NULL: R''s starting values), for federated fitting';

CREATE FUNCTION clinnova.poisson_step_transfn(internal, float8, float8[], float8[], float8, jsonb) RETURNS internal
AS 'MODULE_PATHNAME', 'poisson_step_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.poisson_step_transfn(internal, float8, float8[], float8[], float8, jsonb) IS 'transition function of poisson_step';
CREATE AGGREGATE clinnova.poisson_step(y float8, x float8[], beta float8[], "offset" float8, options jsonb) (
    SFUNC = clinnova.poisson_step_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_step_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.poisson_step(float8, float8[], float8[], float8, jsonb) IS
  'one IRLS step of a poisson (log link) model at beta (NULL: R''s starting values), for federated fitting';

CREATE FUNCTION clinnova.poisson_step_transfn(internal, float8, float8[], float8[], float8, float8) RETURNS internal
AS 'MODULE_PATHNAME', 'poisson_step_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.poisson_step_transfn(internal, float8, float8[], float8[], float8, float8) IS 'transition function of poisson_step';
CREATE AGGREGATE clinnova.poisson_step(y float8, x float8[], beta float8[], "offset" float8, weight float8) (
    SFUNC = clinnova.poisson_step_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_step_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.poisson_step(float8, float8[], float8[], float8, float8) IS
  'one IRLS step of a poisson (log link) model at beta (NULL: R''s starting values), for federated fitting';

CREATE FUNCTION clinnova.poisson_step_transfn(internal, float8, float8[], float8[], float8, float8, jsonb) RETURNS internal
AS 'MODULE_PATHNAME', 'poisson_step_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.poisson_step_transfn(internal, float8, float8[], float8[], float8, float8, jsonb) IS 'transition function of poisson_step';
CREATE AGGREGATE clinnova.poisson_step(y float8, x float8[], beta float8[], "offset" float8, weight float8, options jsonb) (
    SFUNC = clinnova.poisson_step_transfn,
    STYPE = internal,
    FINALFUNC = clinnova.glm_step_finalfn,
    COMBINEFUNC = clinnova.glm_combine,
    SERIALFUNC = clinnova.glm_serialize,
    DESERIALFUNC = clinnova.glm_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.poisson_step(float8, float8[], float8[], float8, float8, jsonb) IS
  'one IRLS step of a poisson (log link) model at beta (NULL: R''s starting values), for federated fitting';

-- ---- GLM: accessors, scoring, federation helpers ----

CREATE FUNCTION clinnova.glm_coefs(model clinnova.glmmodel, conf_level float8 DEFAULT NULL)
RETURNS TABLE (term text, coef float8, se float8, z float8, t float8, p float8,
               lower float8, upper float8, odds_ratio float8, rate_ratio float8)
AS 'MODULE_PATHNAME', 'glm_coefs' LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION clinnova.glm_coefs(clinnova.glmmodel, float8) IS
  'coefficient table of a glmmodel: estimate, se, z (or t for gaussian), p, Wald interval, odds or rate ratio';

CREATE FUNCTION clinnova.glm_stats(model clinnova.glmmodel,
    OUT n bigint, OUT deviance float8, OUT null_deviance float8, OUT aic float8,
    OUT iterations integer, OUT converged boolean, OUT df_residual bigint, OUT df_null bigint,
    OUT dispersion float8, OUT loglik float8, OUT bic float8, OUT rank integer,
    OUT sigma float8, OUT r_squared float8, OUT adj_r_squared float8,
    OUT family text, OUT link text)
RETURNS record
AS 'MODULE_PATHNAME', 'glm_stats' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.glm_stats(clinnova.glmmodel) IS
  'fit statistics of a glmmodel: n, deviances, AIC, BIC, log-likelihood, degrees of freedom, dispersion, R squared';

CREATE FUNCTION clinnova.model_features(model clinnova.glmmodel) RETURNS text[]
AS 'MODULE_PATHNAME', 'glmmodel_terms' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.model_features(clinnova.glmmodel) IS
  'names of the elements of x a glmmodel expects, in order (its terms without the intercept)';

CREATE FUNCTION clinnova.predict(model clinnova.glmmodel, x float8[], type text DEFAULT 'response',
                                 "offset" float8 DEFAULT 0)
RETURNS float8
AS 'MODULE_PATHNAME', 'glmmodel_predict' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.predict(clinnova.glmmodel, float8[], text, float8) IS
  'score one row with a glmmodel: type ''response'' (fitted mean) or ''link'' (linear predictor)';

CREATE FUNCTION clinnova.predict_interval(model clinnova.glmmodel, x float8[],
    type text DEFAULT 'response', conf_level float8 DEFAULT NULL, "offset" float8 DEFAULT 0,
    OUT fit float8, OUT se float8, OUT lower float8, OUT upper float8)
RETURNS record
AS 'MODULE_PATHNAME', 'glmmodel_predict_interval' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.predict_interval(clinnova.glmmodel, float8[], text, float8, float8) IS
  'prediction with its standard error and a Wald confidence interval (delta method, formed on the link scale)';

CREATE FUNCTION clinnova.glmstep_merge_transfn(clinnova.glmstep, clinnova.glmstep) RETURNS clinnova.glmstep
AS 'MODULE_PATHNAME', 'glmstep_merge_transfn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.glmstep_merge_transfn(clinnova.glmstep, clinnova.glmstep) IS
  'transition and combine function of glmstep_merge: adds two IRLS steps taken at the same coefficients';

CREATE AGGREGATE clinnova.glmstep_merge(step clinnova.glmstep) (
    SFUNC = clinnova.glmstep_merge_transfn,
    STYPE = clinnova.glmstep,
    COMBINEFUNC = clinnova.glmstep_merge_transfn,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE clinnova.glmstep_merge(clinnova.glmstep) IS
  'sum of IRLS steps of disjoint rows at the same coefficients (the federated step)';

CREATE FUNCTION clinnova.glmstep_info(step clinnova.glmstep,
    OUT family text, OUT n_rows bigint, OUT n bigint, OUT sum_weights float8,
    OUT deviance float8, OUT at_start boolean, OUT beta float8[], OUT xtwx float8[],
    OUT xtwz float8[])
RETURNS record
AS 'MODULE_PATHNAME', 'glmstep_info' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.glmstep_info(clinnova.glmstep) IS
  'the pieces of an IRLS step: counts, deviance, the coefficients it was taken at, X''WX and X''Wz';

CREATE FUNCTION clinnova.glm_newton(step clinnova.glmstep, beta float8[] DEFAULT NULL) RETURNS float8[]
AS 'MODULE_PATHNAME', 'glm_newton' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.glm_newton(clinnova.glmstep, float8[]) IS
  'next IRLS coefficients from a (merged) step: the weighted least-squares solve (X''WX)^-1 X''Wz';

CREATE FUNCTION clinnova.glm_converged(previous clinnova.glmstep, current clinnova.glmstep,
                                       tol float8 DEFAULT 1e-8) RETURNS boolean
AS 'MODULE_PATHNAME', 'glm_converged' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.glm_converged(clinnova.glmstep, clinnova.glmstep, float8) IS
  'R''s IRLS convergence test between consecutive steps: |dev - devold| / (|dev| + 0.1) < tol';

CREATE FUNCTION clinnova.glmmodel_from_step(step clinnova.glmstep, final_step clinnova.glmstep,
    iterations integer, converged boolean, options jsonb DEFAULT NULL, boundary boolean DEFAULT false)
RETURNS clinnova.glmmodel
AS 'MODULE_PATHNAME', 'glmmodel_from_step' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.glmmodel_from_step(clinnova.glmstep, clinnova.glmstep, integer, boolean, jsonb, boolean) IS
  'fitted glmmodel of a (federated) IRLS run from its last two steps: the same model logreg() fits on the pooled rows';

-- ---- tree ensembles (XGBoost) ----

CREATE TYPE clinnova.treemodel;

CREATE FUNCTION clinnova.treemodel_in(cstring) RETURNS clinnova.treemodel
AS 'MODULE_PATHNAME', 'treemodel_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.treemodel_out(clinnova.treemodel) RETURNS cstring
AS 'MODULE_PATHNAME', 'treemodel_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.treemodel_recv(internal) RETURNS clinnova.treemodel
AS 'MODULE_PATHNAME', 'treemodel_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION clinnova.treemodel_send(clinnova.treemodel) RETURNS bytea
AS 'MODULE_PATHNAME', 'treemodel_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE clinnova.treemodel (
    INPUT = clinnova.treemodel_in,
    OUTPUT = clinnova.treemodel_out,
    RECEIVE = clinnova.treemodel_recv,
    SEND = clinnova.treemodel_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = int4,
    STORAGE = extended
);

COMMENT ON TYPE clinnova.treemodel IS
  'tree ensemble imported from XGBoost (gbtree): flattened nodes, objective, base score, feature names';
COMMENT ON FUNCTION clinnova.treemodel_in(cstring) IS 'treemodel text input (JSON)';
COMMENT ON FUNCTION clinnova.treemodel_out(clinnova.treemodel) IS 'treemodel text output (JSON, exact float4 values)';
COMMENT ON FUNCTION clinnova.treemodel_recv(internal) IS 'treemodel binary input';
COMMENT ON FUNCTION clinnova.treemodel_send(clinnova.treemodel) IS 'treemodel binary output';

CREATE FUNCTION clinnova.import_xgboost(model jsonb) RETURNS clinnova.treemodel
AS 'MODULE_PATHNAME', 'import_xgboost' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.import_xgboost(jsonb) IS
  'treemodel from an XGBoost JSON model (Booster.save_model): gbtree boosters with numeric splits and one output';

CREATE FUNCTION clinnova.predict(model clinnova.treemodel, x float8[], type text DEFAULT 'response')
RETURNS float8
AS 'MODULE_PATHNAME', 'treemodel_predict' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.predict(clinnova.treemodel, float8[], text) IS
  'score one row with a treemodel as xgboost predicts: type ''response'' or ''margin''; NULL or NaN elements are missing';

CREATE FUNCTION clinnova.model_features(model clinnova.treemodel) RETURNS text[]
AS 'MODULE_PATHNAME', 'treemodel_features' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.model_features(clinnova.treemodel) IS
  'feature names of a treemodel in order (empty when the XGBoost model has none)';

CREATE FUNCTION clinnova.treemodel_info(model clinnova.treemodel,
    OUT objective text, OUT base_score float8, OUT num_feature integer, OUT num_trees integer,
    OUT num_nodes integer, OUT max_depth integer)
RETURNS record
AS 'MODULE_PATHNAME', 'treemodel_info' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.treemodel_info(clinnova.treemodel) IS
  'shape of a treemodel: objective, base score, number of features, trees and nodes, depth of the deepest tree';

-- ---- model registry ----

CREATE FUNCTION clinnova.bind_features(features jsonb, names text[], missing_ok boolean DEFAULT false)
RETURNS float8[]
AS 'MODULE_PATHNAME', 'bind_features' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION clinnova.bind_features(jsonb, text[], boolean) IS
  'values of a JSON object of named features in the order of names; a missing, unknown or non-numeric feature is an error';

CREATE TABLE clinnova.model_registry (
    name text NOT NULL CHECK (name ~ '\S'),
    version integer NOT NULL CHECK (version >= 1),
    kind text NOT NULL CHECK (kind IN ('glm', 'xgboost', 'cox')),
    glm clinnova.glmmodel,
    tree clinnova.treemodel,
    cox clinnova.coxmodel,
    features text[] NOT NULL,
    feature_codes clinnova.code[],
    outcome text,
    provenance jsonb NOT NULL DEFAULT '{}',
    metrics jsonb NOT NULL DEFAULT '{}',
    treatment_encoding jsonb,
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by name NOT NULL DEFAULT CURRENT_USER,
    PRIMARY KEY (name, version),
    CONSTRAINT model_registry_one_model CHECK (
        pg_catalog.num_nonnulls(glm, tree, cox) = 1 AND
        CASE kind WHEN 'glm' THEN glm IS NOT NULL WHEN 'xgboost' THEN tree IS NOT NULL
                  ELSE cox IS NOT NULL END),
    CONSTRAINT model_registry_feature_codes CHECK (
        feature_codes IS NULL OR pg_catalog.cardinality(feature_codes) = pg_catalog.cardinality(features))
);
COMMENT ON TABLE clinnova.model_registry IS
  'models installed at this site (glm, xgboost, cox): one row per name and version, with named features, outcome, provenance, metrics and treatment encoding';
SELECT pg_catalog.pg_extension_config_dump('clinnova.model_registry', '');

-- the registry row of a model name (the latest version when version is NULL); 22023 if none
CREATE FUNCTION clinnova.model_registry_get(model_name text, model_version integer DEFAULT NULL)
RETURNS clinnova.model_registry
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog AS $$
DECLARE
  r clinnova.model_registry;
BEGIN
  SELECT * INTO r FROM clinnova.model_registry m
  WHERE m.name = model_name AND (model_version IS NULL OR m.version = model_version)
  ORDER BY m.version DESC LIMIT 1;
  IF NOT FOUND THEN
    IF model_version IS NOT NULL AND EXISTS (SELECT 1 FROM clinnova.model_registry m WHERE m.name = model_name) THEN
      RAISE EXCEPTION 'model "%" has no version %', model_name, model_version
        USING ERRCODE = '22023',
              DETAIL = format('Registered versions: %s.',
                              (SELECT string_agg(m.version::text, ', ' ORDER BY m.version)
                               FROM clinnova.model_registry m WHERE m.name = model_name));
    END IF;
    RAISE EXCEPTION 'model "%" is not registered', model_name
      USING ERRCODE = '22023', HINT = 'See SELECT name, version FROM clinnova.model_registry.';
  END IF;
  RETURN r;
END $$;
COMMENT ON FUNCTION clinnova.model_registry_get(text, integer) IS
  'internal: the registry row of a model (latest version by default); 22023 when it is not registered';

-- validation and insertion shared by the register_model overloads
CREATE FUNCTION clinnova.model_registry_insert(
    model_name text, model_kind text, glm clinnova.glmmodel, tree clinnova.treemodel,
    cox clinnova.coxmodel, model_features text[], model_dimension integer, names_fixed boolean, default_better text,
    features text[], feature_codes clinnova.code[], outcome text, provenance jsonb, metrics jsonb,
    treatment_encoding jsonb)
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog AS $$
DECLARE
  names text[] := coalesce(features, model_features);
  enc jsonb := treatment_encoding;
  enc_features text[];
  codes jsonb := '{}';
  k text;
  v jsonb;
  f text;
  new_version integer;
BEGIN
  IF model_name IS NULL OR model_name !~ '\S' THEN
    RAISE EXCEPTION 'a model needs a name' USING ERRCODE = '22023';
  END IF;
  IF names IS NULL OR cardinality(names) = 0 AND model_dimension > 0 THEN
    RAISE EXCEPTION 'model "%" needs feature names', model_name
      USING ERRCODE = '22023', HINT = 'The model carries none: pass features => ARRAY[...], in the order of x.';
  END IF;
  IF cardinality(names) <> model_dimension THEN
    RAISE EXCEPTION 'model "%" has % features but % names were given', model_name, model_dimension, cardinality(names)
      USING ERRCODE = '22023';
  END IF;
  IF EXISTS (SELECT 1 FROM unnest(names) n WHERE n IS NULL OR n !~ '\S') THEN
    RAISE EXCEPTION 'feature names must not be NULL or empty' USING ERRCODE = '22023';
  END IF;
  SELECT n INTO f FROM unnest(names) n GROUP BY n HAVING count(*) > 1 LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'feature "%" is named twice', f USING ERRCODE = '22023';
  END IF;
  IF names_fixed AND features IS NOT NULL AND features IS DISTINCT FROM model_features THEN
    RAISE EXCEPTION 'features do not match the names the model was fitted with'
      USING ERRCODE = '22023',
            DETAIL = format('The model''s features are %s; %s were given.', model_features, features),
            HINT = 'Leave features out to use the model''s own names.';
  END IF;
  IF feature_codes IS NOT NULL AND cardinality(feature_codes) <> cardinality(names) THEN
    RAISE EXCEPTION 'feature_codes has % elements for % features', cardinality(feature_codes), cardinality(names)
      USING ERRCODE = '22023', HINT = 'Give one code per feature, NULL for features without one.';
  END IF;
  IF provenance IS NULL OR jsonb_typeof(provenance) <> 'object' OR metrics IS NULL OR jsonb_typeof(metrics) <> 'object' THEN
    RAISE EXCEPTION 'provenance and metrics must be JSON objects' USING ERRCODE = '22023';
  END IF;

  -- treatment encoding: {"features": [...], "codes": {"<code>": {"<feature>": value, ...}}, "better": ...}
  IF enc IS NOT NULL THEN
    IF jsonb_typeof(enc) <> 'object' THEN
      RAISE EXCEPTION 'treatment_encoding must be a JSON object' USING ERRCODE = '22023';
    END IF;
    SELECT key INTO k FROM jsonb_object_keys(enc) key WHERE key NOT IN ('features', 'codes', 'better') LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'unknown key "%" in treatment_encoding', k
        USING ERRCODE = '22023', HINT = 'Keys are "features", "codes" and "better".';
    END IF;
    IF jsonb_typeof(enc -> 'features') IS DISTINCT FROM 'array' OR jsonb_array_length(enc -> 'features') = 0
       OR EXISTS (SELECT 1 FROM jsonb_array_elements(enc -> 'features') e WHERE jsonb_typeof(e) <> 'string') THEN
      RAISE EXCEPTION 'treatment_encoding needs "features": the names of the features that encode the treatment'
        USING ERRCODE = '22023';
    END IF;
    enc_features := ARRAY(SELECT jsonb_array_elements_text(enc -> 'features'));
    SELECT e INTO f FROM unnest(enc_features) e WHERE e <> ALL (names) LIMIT 1;
    IF FOUND THEN
      RAISE EXCEPTION 'treatment feature "%" is not a feature of the model', f USING ERRCODE = '22023';
    END IF;
    IF jsonb_typeof(enc -> 'codes') IS DISTINCT FROM 'object' OR enc -> 'codes' = '{}' THEN
      RAISE EXCEPTION 'treatment_encoding needs "codes": an object from treatment codes to feature values'
        USING ERRCODE = '22023';
    END IF;
    FOR k, v IN SELECT * FROM jsonb_each(enc -> 'codes') LOOP
      IF NOT clinnova.is_valid_code(k) THEN
        RAISE EXCEPTION 'treatment code "%" is not a valid code', k
          USING ERRCODE = '22023', HINT = 'Write codes as SYSTEM:VALUE, e.g. ATC:L04AB02.';
      END IF;
      IF jsonb_typeof(v) <> 'object'
         OR (SELECT array_agg(x ORDER BY x) FROM jsonb_object_keys(v) x) IS DISTINCT FROM
            (SELECT array_agg(x ORDER BY x) FROM unnest(enc_features) x)
         OR EXISTS (SELECT 1 FROM jsonb_each(v) e WHERE jsonb_typeof(e.value) <> 'number') THEN
        RAISE EXCEPTION 'treatment code "%" must give a number for each treatment feature', k
          USING ERRCODE = '22023', DETAIL = format('The treatment features are %s.', enc_features);
      END IF;
      IF codes ? (k::clinnova.code)::text THEN
        RAISE EXCEPTION 'treatment code "%" is encoded twice', k USING ERRCODE = '22023';
      END IF;
      codes := codes || jsonb_build_object((k::clinnova.code)::text, v);
    END LOOP;
    IF enc ? 'better' AND (enc ->> 'better') IS DISTINCT FROM 'higher' AND (enc ->> 'better') IS DISTINCT FROM 'lower' THEN
      RAISE EXCEPTION '"better" must be "higher" or "lower"' USING ERRCODE = '22023';
    END IF;
    IF NOT enc ? 'better' AND default_better IS NULL THEN
      RAISE EXCEPTION 'treatment_encoding must say whether a higher or a lower prediction is better'
        USING ERRCODE = '22023', HINT = 'Add "better": "higher" or "better": "lower".';
    END IF;
    enc := jsonb_build_object('features', enc -> 'features', 'codes', codes,
                              'better', coalesce(enc ->> 'better', default_better));
  END IF;

  -- a new version per name; concurrent registrations of one name queue on a lock
  PERFORM pg_advisory_xact_lock(hashtextextended('clinnova.model_registry:' || model_name, 0));
  SELECT coalesce(max(m.version), 0) + 1 INTO new_version FROM clinnova.model_registry m WHERE m.name = model_name;
  INSERT INTO clinnova.model_registry (name, version, kind, glm, tree, cox, features, feature_codes, outcome,
                                       provenance, metrics, treatment_encoding)
  VALUES (model_name, new_version, model_kind, glm, tree, cox, names, feature_codes, outcome,
          provenance, metrics, enc);
  RETURN new_version;
END $$;
COMMENT ON FUNCTION clinnova.model_registry_insert(text, text, clinnova.glmmodel, clinnova.treemodel, clinnova.coxmodel, text[], integer, boolean, text, text[], clinnova.code[], text, jsonb, jsonb, jsonb) IS
  'internal: validation and insertion behind register_model; parallel unsafe because it writes the registry';

CREATE FUNCTION clinnova.register_model(
    name text, model clinnova.glmmodel, features text[] DEFAULT NULL,
    feature_codes clinnova.code[] DEFAULT NULL, outcome text DEFAULT NULL,
    provenance jsonb DEFAULT '{}', metrics jsonb DEFAULT '{}', treatment_encoding jsonb DEFAULT NULL)
RETURNS integer
LANGUAGE sql VOLATILE PARALLEL UNSAFE AS $$
  SELECT clinnova.model_registry_insert(
    $1, 'glm', $2, NULL, NULL, clinnova.model_features($2), pg_catalog.cardinality(clinnova.model_features($2)),
    -- names x1, x2, ... are the defaults of an unnamed fit: any names may replace them
    clinnova.model_features($2) IS DISTINCT FROM
      ARRAY(SELECT 'x' || i FROM pg_catalog.generate_series(1, pg_catalog.cardinality(clinnova.model_features($2))) i),
    CASE (clinnova.glm_stats($2)).family WHEN 'binomial' THEN 'higher' END,
    $3, $4, $5, $6, $7, $8)
$$;
COMMENT ON FUNCTION clinnova.register_model(text, clinnova.glmmodel, text[], clinnova.code[], text, jsonb, jsonb, jsonb) IS
  'register a glmmodel under a name (a new version each time); returns the version; parallel unsafe because it writes the registry';

CREATE FUNCTION clinnova.register_model(
    name text, model clinnova.treemodel, features text[] DEFAULT NULL,
    feature_codes clinnova.code[] DEFAULT NULL, outcome text DEFAULT NULL,
    provenance jsonb DEFAULT '{}', metrics jsonb DEFAULT '{}', treatment_encoding jsonb DEFAULT NULL)
RETURNS integer
LANGUAGE sql VOLATILE PARALLEL UNSAFE AS $$
  SELECT clinnova.model_registry_insert(
    $1, 'xgboost', NULL, $2, NULL, clinnova.model_features($2), (clinnova.treemodel_info($2)).num_feature,
    pg_catalog.cardinality(clinnova.model_features($2)) > 0,
    CASE (clinnova.treemodel_info($2)).objective
      WHEN 'binary:logistic' THEN 'higher' WHEN 'reg:logistic' THEN 'higher' WHEN 'survival:cox' THEN 'lower' END,
    $3, $4, $5, $6, $7, $8)
$$;
COMMENT ON FUNCTION clinnova.register_model(text, clinnova.treemodel, text[], clinnova.code[], text, jsonb, jsonb, jsonb) IS
  'register a treemodel under a name (a new version each time); returns the version; parallel unsafe because it writes the registry';

CREATE FUNCTION clinnova.model_features(model clinnova.coxmodel) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(pg_catalog.array_agg(c.term ORDER BY c.ordinality), '{}')
  FROM clinnova.coxph_coefs($1) WITH ORDINALITY AS c
$$;
COMMENT ON FUNCTION clinnova.model_features(clinnova.coxmodel) IS
  'names of the elements of x a coxmodel expects, in order (its terms)';

CREATE FUNCTION clinnova.register_model(
    name text, model clinnova.coxmodel, features text[] DEFAULT NULL,
    feature_codes clinnova.code[] DEFAULT NULL, outcome text DEFAULT NULL,
    provenance jsonb DEFAULT '{}', metrics jsonb DEFAULT '{}', treatment_encoding jsonb DEFAULT NULL)
RETURNS integer
LANGUAGE sql VOLATILE PARALLEL UNSAFE AS $$
  SELECT clinnova.model_registry_insert(
    $1, 'cox', NULL, NULL, $2, clinnova.model_features($2), pg_catalog.cardinality(clinnova.model_features($2)),
    clinnova.model_features($2) IS DISTINCT FROM
      ARRAY(SELECT 'x' || i FROM pg_catalog.generate_series(1, pg_catalog.cardinality(clinnova.model_features($2))) i),
    'higher',                            -- survival at the horizon
    $3, $4, $5, $6, $7, $8)
$$;
COMMENT ON FUNCTION clinnova.register_model(text, clinnova.coxmodel, text[], clinnova.code[], text, jsonb, jsonb, jsonb) IS
  'register a coxmodel under a name (a new version each time); returns the version; parallel unsafe because it writes the registry';

CREATE FUNCTION clinnova.score(model_name text, features jsonb, version integer DEFAULT NULL,
                               type text DEFAULT 'response')
RETURNS float8
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog AS $$
DECLARE
  r clinnova.model_registry := clinnova.model_registry_get(model_name, version);
BEGIN
  IF features IS NULL OR type IS NULL THEN
    RETURN NULL;
  END IF;
  CASE r.kind
    WHEN 'glm' THEN
      RETURN clinnova.predict(r.glm, clinnova.bind_features(features, r.features, false), type);
    WHEN 'xgboost' THEN
      RETURN clinnova.predict(r.tree, clinnova.bind_features(features, r.features, true), type);
    WHEN 'cox' THEN
      RETURN clinnova.predict(r.cox, clinnova.bind_features(features, r.features, false), type);
  END CASE;
END $$;
COMMENT ON FUNCTION clinnova.score(text, jsonb, integer, text) IS
  'score one patient with a registered model, binding the features of a JSON object by name';

CREATE FUNCTION clinnova.rank_treatments(model_name text, patient jsonb, candidates clinnova.code[],
                                         version integer DEFAULT NULL, horizon float8 DEFAULT NULL,
                                         conf_level float8 DEFAULT 0.95)
RETURNS TABLE (rank integer, treatment clinnova.code, label text, measure text, predicted float8,
               lower float8, upper float8, rmst float8)
LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog AS $$
DECLARE
  r clinnova.model_registry := clinnova.model_registry_get(model_name, version);
  enc jsonb := r.treatment_encoding;
  what text;
  treatments clinnova.code[] := '{}';
  fits float8[] := '{}';
  lows float8[] := '{}';
  highs float8[] := '{}';
  c clinnova.code;
  key clinnova.code;
  x float8[];
  p record;
  rmsts float8[] := '{}';
  area float8;
  t_prev float8;
  s_prev float8;
  s_h float8;
  lo_h float8;
  hi_h float8;
  last_time float8;
BEGIN
  IF enc IS NULL THEN
    RAISE EXCEPTION 'model "%" has no treatment encoding', model_name
      USING ERRCODE = '22023', HINT = 'Register the model with treatment_encoding => ''{"features": [...], "codes": {...}}''.';
  END IF;
  IF r.kind = 'cox' THEN
    IF horizon IS NULL OR NOT horizon > 0 OR horizon = 'Infinity' THEN
      RAISE EXCEPTION 'ranking with a Cox model needs a positive, finite horizon'
        USING ERRCODE = '22023', HINT = 'Pass horizon => the time at which survival is compared (in the model''s time unit).';
    END IF;
    IF (clinnova.coxph_stats(r.cox)).n_strata > 1 THEN
      RAISE EXCEPTION 'model "%" is stratified: rank_treatments needs one baseline hazard', model_name
        USING ERRCODE = '22023';
    END IF;
  ELSIF horizon IS NOT NULL THEN
    RAISE EXCEPTION 'horizon applies to Cox models only' USING ERRCODE = '22023';
  END IF;
  IF patient IS NULL OR jsonb_typeof(patient) <> 'object' THEN
    RAISE EXCEPTION 'patient must be a JSON object of feature names and values' USING ERRCODE = '22023';
  END IF;
  what := CASE r.kind
            WHEN 'cox' THEN 'survival at horizon'
            WHEN 'glm' THEN CASE (clinnova.glm_stats(r.glm)).family
                              WHEN 'binomial' THEN 'probability' WHEN 'poisson' THEN 'rate' ELSE 'mean' END
            ELSE CASE (clinnova.treemodel_info(r.tree)).objective
                   WHEN 'binary:logistic' THEN 'probability' WHEN 'reg:logistic' THEN 'probability'
                   WHEN 'survival:cox' THEN 'hazard ratio' ELSE 'prediction' END
          END;
  FOREACH c IN ARRAY coalesce(candidates, '{}') LOOP
    IF c IS NULL THEN
      RAISE EXCEPTION 'candidates must not contain NULL' USING ERRCODE = '22023';
    END IF;
    -- the candidate's own encoding, else that of its nearest encoded ancestor (an ATC class)
    key := c;
    WHILE key IS NOT NULL AND NOT (enc -> 'codes') ? key::text LOOP
      key := clinnova.code_parent(key);
    END LOOP;
    IF key IS NULL THEN
      RAISE EXCEPTION 'model "%" has no encoding for treatment %', model_name, c
        USING ERRCODE = '22023',
              DETAIL = format('It encodes %s.', (SELECT string_agg(k, ', ' ORDER BY k) FROM jsonb_object_keys(enc -> 'codes') k));
    END IF;
    -- the patient's features, with the treatment features set for this candidate
    x := clinnova.bind_features(patient || (enc -> 'codes' -> key::text), r.features, r.kind = 'xgboost');
    IF r.kind = 'glm' THEN
      SELECT * INTO p FROM clinnova.predict_interval(r.glm, x, 'response', conf_level);
      fits := fits || p.fit;
      lows := lows || p.lower;
      highs := highs || p.upper;
    ELSIF r.kind = 'cox' THEN
      -- the patient's survival curve (R's survfit(fit, newdata)): S and its band at the
      -- horizon, and the area under S from 0 to the horizon (restricted mean survival time)
      area := 0; t_prev := 0; s_prev := 1; s_h := 1; lo_h := 1; hi_h := 1; last_time := NULL;
      FOR p IN SELECT c."time", c.surv, c.lower, c.upper FROM clinnova.predict_curve(r.cox, x) c ORDER BY c."time" LOOP
        last_time := p."time";
        EXIT WHEN p."time" > horizon;
        area := area + s_prev * (p."time" - t_prev);
        t_prev := p."time";
        s_prev := p.surv;
        s_h := p.surv; lo_h := p.lower; hi_h := p.upper;
      END LOOP;
      IF last_time IS NULL OR last_time < horizon THEN
        RAISE EXCEPTION 'horizon % is beyond the follow-up of model "%"', horizon, model_name
          USING ERRCODE = '22023', DETAIL = format('The last time in its baseline is %s.', last_time);
      END IF;
      fits := fits || s_h;
      lows := lows || lo_h;
      highs := highs || hi_h;
      rmsts := rmsts || (area + s_prev * (horizon - t_prev));
    ELSE
      fits := fits || clinnova.predict(r.tree, x);
      lows := lows || NULL::float8;
      highs := highs || NULL::float8;
    END IF;
    treatments := treatments || c;
  END LOOP;
  RETURN QUERY
    SELECT (row_number() OVER (ORDER BY CASE WHEN enc ->> 'better' = 'higher' THEN -t.fit ELSE t.fit END, t.ord))::integer,
           t.treatment, clinnova.code_label(t.treatment), what, t.fit, t.lo, t.hi, t.rm
    FROM unnest(treatments, fits, lows, highs, CASE WHEN r.kind = 'cox' THEN rmsts END)
           WITH ORDINALITY AS t(treatment, fit, lo, hi, rm, ord)
    ORDER BY 1;
END $$;
COMMENT ON FUNCTION clinnova.rank_treatments(text, jsonb, clinnova.code[], integer, float8, float8) IS
  'candidate treatments for one patient ranked by the predicted outcome of a registered model, with confidence intervals where the model gives them';

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


-- ---- coordinator side: federated survival (risk tables merged with km_merge) ----------------

CREATE FUNCTION clinnova.federated_km(relation text, "time" text, event text, group_by text DEFAULT NULL,
                                      filter text DEFAULT NULL, sites text[] DEFAULT NULL)
RETURNS TABLE (group_value text, curve clinnova.survfit)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, clinnova SET extra_float_digits = 3
AS $$
DECLARE
  src regclass;
  g text;
  agg text;
  q text;
BEGIN
  PERFORM clinnova.federation_require_sites(sites);
  src := clinnova.federation_source(relation, sites);
  g := clinnova.federation_expr(src, group_by);
  agg := format('clinnova.km(%s, %s) AS s', clinnova.federation_expr(src, "time"), clinnova.federation_expr(src, event));
  q := clinnova.federation_union_sql(relation, CASE WHEN g IS NULL THEN agg ELSE g || ' AS g, ' || agg END,
                                     CASE WHEN g IS NULL THEN 0 ELSE 1 END, filter, sites);
  IF g IS NULL THEN
    RETURN QUERY EXECUTE format('SELECT NULL::text, clinnova.km_merge(u.s) FROM (%s) u', q);
  ELSE
    RETURN QUERY EXECUTE format('SELECT u.g::text, clinnova.km_merge(u.s) FROM (%s) u GROUP BY u.g ORDER BY u.g', q);
  END IF;
END
$$;
COMMENT ON FUNCTION clinnova.federated_km(text, text, text, text, text, text[]) IS
  'federated Kaplan-Meier risk table (per group): per-site km() states merged with km_merge; equals km() over the pooled rows; parallel unsafe: queries remote servers';

CREATE FUNCTION clinnova.federated_cif(relation text, "time" text, cause text, group_by text DEFAULT NULL,
                                       filter text DEFAULT NULL, sites text[] DEFAULT NULL)
RETURNS TABLE (group_value text, curve clinnova.survfit)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, clinnova SET extra_float_digits = 3
AS $$
DECLARE
  src regclass;
  g text;
  agg text;
  q text;
BEGIN
  PERFORM clinnova.federation_require_sites(sites);
  src := clinnova.federation_source(relation, sites);
  g := clinnova.federation_expr(src, group_by);
  agg := format('clinnova.cif(%s, %s) AS s', clinnova.federation_expr(src, "time"), clinnova.federation_expr(src, cause));
  q := clinnova.federation_union_sql(relation, CASE WHEN g IS NULL THEN agg ELSE g || ' AS g, ' || agg END,
                                     CASE WHEN g IS NULL THEN 0 ELSE 1 END, filter, sites);
  IF g IS NULL THEN
    RETURN QUERY EXECUTE format('SELECT NULL::text, clinnova.km_merge(u.s) FROM (%s) u', q);
  ELSE
    RETURN QUERY EXECUTE format('SELECT u.g::text, clinnova.km_merge(u.s) FROM (%s) u GROUP BY u.g ORDER BY u.g', q);
  END IF;
END
$$;
COMMENT ON FUNCTION clinnova.federated_cif(text, text, text, text, text, text[]) IS
  'federated competing-risks risk table (per group): per-site cif() states merged; read with cif_table(); parallel unsafe: queries remote servers';

CREATE FUNCTION clinnova.federated_logrank(relation text, "time" text, event text, group_by text,
                                           strata text DEFAULT NULL, rho float8 DEFAULT 0,
                                           filter text DEFAULT NULL, sites text[] DEFAULT NULL)
RETURNS clinnova.logrank_test
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, clinnova SET extra_float_digits = 3
AS $$
DECLARE
  src regclass;
  g text;
  st text;
  q text;
  result clinnova.logrank_test;
BEGIN
  IF group_by IS NULL THEN
    RAISE EXCEPTION 'group_by must name the groups to compare' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM clinnova.federation_require_sites(sites);
  src := clinnova.federation_source(relation, sites);
  g := clinnova.federation_expr(src, group_by);
  st := clinnova.federation_expr(src, strata);
  q := clinnova.federation_union_sql(relation,
         format('%s AS g, %sclinnova.km(%s, %s) AS s', g, CASE WHEN st IS NULL THEN '' ELSE st || ' AS st, ' END,
                clinnova.federation_expr(src, "time"), clinnova.federation_expr(src, event)),
         CASE WHEN st IS NULL THEN 1 ELSE 2 END, filter, sites);
  IF st IS NULL THEN
    EXECUTE format('SELECT (clinnova.logrank(m.g::text, m.c, %L::float8)).* FROM '
                   '(SELECT u.g, clinnova.km_merge(u.s) AS c FROM (%s) u GROUP BY u.g) m', rho, q)
      INTO result;
  ELSE
    EXECUTE format('SELECT (clinnova.logrank(m.st::text, m.g::text, m.c, %L::float8)).* FROM '
                   '(SELECT u.g, u.st, clinnova.km_merge(u.s) AS c FROM (%s) u GROUP BY u.g, u.st) m', rho, q)
      INTO result;
  END IF;
  RETURN result;
END
$$;
COMMENT ON FUNCTION clinnova.federated_logrank(text, text, text, text, text, float8, text, text[]) IS
  'federated log-rank (G-rho) test, optionally stratified: per-site km() states per group merged, then logrank(); parallel unsafe: queries remote servers';

-- ---- coordinator side: iterative federated GLM (glmstep protocol of the models module) ------

CREATE FUNCTION clinnova.federation_glm_fit(step_aggregate text, relation text, y text, x text[],
                                           filter text, sites text[], options jsonb, label text)
RETURNS clinnova.glmmodel
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, clinnova SET extra_float_digits = 3
AS $$
DECLARE
  opts jsonb;
  src regclass;
  ye text;
  xs text;
  complete text;
  step_sql text;
  prev clinnova.glmstep;
  cur clinnova.glmstep;
  beta float8[];
  max_iter integer;
  tol float8;
  it integer := 0;
  conv boolean := false;
  progress boolean := coalesce(current_setting('clinnova.verbose', true)::boolean, false);
BEGIN
  IF x IS NULL OR cardinality(x) = 0 OR array_position(x, NULL) IS NOT NULL THEN
    RAISE EXCEPTION 'x must name at least one covariate, without NULLs' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF y IS NULL THEN
    RAISE EXCEPTION 'y must not be NULL' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  opts := jsonb_build_object('terms', to_jsonb(x)) || coalesce(options, '{}'::jsonb);
  max_iter := coalesce((opts->>'max_iter')::integer, 25);
  tol := coalesce((opts->>'tol')::float8, 1e-8);
  PERFORM clinnova.federation_require_sites(sites);
  src := clinnova.federation_source(relation, sites);
  ye := clinnova.federation_expr(src, y);
  SELECT string_agg(format('%s::float8', clinnova.federation_expr(src, v)), ', ' ORDER BY i) INTO xs
    FROM unnest(x) WITH ORDINALITY AS u(v, i);
  complete := format('%s IS NOT NULL', ye)
              || (SELECT string_agg(format(' AND %s IS NOT NULL', clinnova.federation_expr(src, v)), '' ORDER BY i)
                    FROM unnest(x) WITH ORDINALITY AS u(v, i));
  step_sql := format('SELECT clinnova.glmstep_merge(u.s) FROM (%s) u',
                     clinnova.federation_union_sql(relation,
                       format('clinnova.%I(%s, ARRAY[%s], {beta}, %L::jsonb) AS s', step_aggregate, ye, xs, opts),
                       0, CASE WHEN filter IS NULL THEN complete ELSE '(' || filter || ') AND ' || complete END,
                       sites));
  -- R's starting values, then IRLS steps until R's deviance criterion holds
  EXECUTE replace(step_sql, '{beta}', 'NULL::float8[]') INTO prev;
  IF prev IS NULL THEN
    RAISE EXCEPTION '% has no rows', label USING ERRCODE = 'data_exception';
  END IF;
  WHILE it < max_iter LOOP
    it := it + 1;
    beta := clinnova.glm_newton(prev);
    EXECUTE replace(step_sql, '{beta}', quote_literal(beta::text) || '::float8[]') INTO cur;
    conv := clinnova.glm_converged(prev, cur, tol);
    IF progress THEN
      RAISE NOTICE '% iteration %: deviance %', label, it, round((clinnova.glmstep_info(cur)).deviance::numeric, 6);
    END IF;
    EXIT WHEN conv OR it = max_iter;
    prev := cur;
  END LOOP;
  RETURN clinnova.glmmodel_from_step(prev, cur, it, conv, opts);
END
$$;
COMMENT ON FUNCTION clinnova.federation_glm_fit(text, text, text, text[], text, text[], jsonb, text) IS
  'internal: federated IRLS with R''s rules: each step sends beta, sums the sites'' glmsteps (X''WX, X''Wz, deviance, n); parallel unsafe: queries remote servers';

CREATE FUNCTION clinnova.federated_logreg(relation text, y text, x text[], filter text DEFAULT NULL,
                                          sites text[] DEFAULT NULL, options jsonb DEFAULT NULL)
RETURNS clinnova.glmmodel
LANGUAGE sql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog
AS $$ SELECT clinnova.federation_glm_fit('logreg_step', $1, $2, $3, $4, $5, $6, 'federated logreg') $$;
COMMENT ON FUNCTION clinnova.federated_logreg(text, text, text[], text, text[], jsonb) IS
  'exact federated logistic regression: the glmmodel logreg() fits on the pooled rows (y boolean); parallel unsafe: queries remote servers';

CREATE FUNCTION clinnova.federated_linreg(relation text, y text, x text[], filter text DEFAULT NULL,
                                          sites text[] DEFAULT NULL, options jsonb DEFAULT NULL)
RETURNS clinnova.glmmodel
LANGUAGE sql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog
AS $$ SELECT clinnova.federation_glm_fit('linreg_step', $1, $2, $3, $4, $5, $6, 'federated linreg') $$;
COMMENT ON FUNCTION clinnova.federated_linreg(text, text, text[], text, text[], jsonb) IS
  'exact federated linear regression: the glmmodel linreg() fits on the pooled rows; parallel unsafe: queries remote servers';

CREATE FUNCTION clinnova.federated_poisson(relation text, y text, x text[], filter text DEFAULT NULL,
                                           sites text[] DEFAULT NULL, options jsonb DEFAULT NULL)
RETURNS clinnova.glmmodel
LANGUAGE sql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog
AS $$ SELECT clinnova.federation_glm_fit('poisson_step', $1, $2, $3, $4, $5, $6, 'federated poisson') $$;
COMMENT ON FUNCTION clinnova.federated_poisson(text, text, text[], text, text[], jsonb) IS
  'exact federated Poisson regression (log link, no offset): the glmmodel poisson() fits on the pooled rows; parallel unsafe: queries remote servers';

-- ---- coordinator side: iterative federated Cox (coxstep protocol of the cox module) ----------

-- R's coxph Newton-Raphson (survival 3.5-3 coxfit6) over a federated step query: step_sql returns
-- the merged coxstep at the beta literal that replaces the token {beta}.
CREATE FUNCTION clinnova.federation_cox_newton(step_sql text, p integer, options jsonb, label text)
RETURNS clinnova.coxmodel
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog SET extra_float_digits = 3
AS $$
DECLARE
  max_iter integer := coalesce((options->>'max_iter')::integer, 20);
  tol float8 := coalesce((options->>'tol')::float8, 1e-9);
  step_opts jsonb := options - 'max_iter' - 'tol';
  beta float8[] := array_fill(0::float8, ARRAY[p]);
  newbeta float8[];
  s0 clinnova.coxstep;
  s clinnova.coxstep;
  best float8;
  ll float8;
  halving integer := 0;
  it integer := 0;
  iterations integer;
  converged boolean := false;
  progress boolean := coalesce(current_setting('clinnova.verbose', true)::boolean, false);
BEGIN
  IF max_iter IS NULL OR max_iter < 0 OR tol IS NULL OR NOT tol > 0 THEN
    RAISE EXCEPTION 'max_iter must be >= 0 and tol > 0' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  EXECUTE replace(step_sql, '{beta}', quote_literal(beta::text) || '::float8[]') INTO s0;
  IF s0 IS NULL THEN
    RAISE EXCEPTION '% has no rows', label USING ERRCODE = 'data_exception';
  END IF;
  s := s0;
  best := (clinnova.coxstep_parts(s0)).loglik;
  IF progress THEN
    RAISE NOTICE '% iteration 0: loglik %', label, round(best::numeric, 6);
  END IF;
  newbeta := clinnova.coxph_newton(s0, beta, step_opts);
  WHILE it < max_iter LOOP
    it := it + 1;
    EXECUTE replace(step_sql, '{beta}', quote_literal(newbeta::text) || '::float8[]') INTO s;
    ll := (clinnova.coxstep_parts(s)).loglik;
    IF progress THEN
      RAISE NOTICE '% iteration %: loglik %', label, it,
        round(ll::numeric, 6)::text || CASE WHEN halving > 0 THEN ' (step halving)' ELSE '' END;
    END IF;
    IF ll > '-Infinity' AND ll < 'Infinity' AND abs(1 - best / ll) <= tol THEN
      converged := true;
      iterations := it;
      beta := newbeta;
      EXIT;
    END IF;
    IF NOT (ll > '-Infinity' AND ll < 'Infinity') OR ll < best THEN
      halving := halving + 1;
      SELECT array_agg((nb + halving * b) / (halving + 1) ORDER BY i) INTO newbeta
        FROM unnest(newbeta, beta) WITH ORDINALITY AS t(nb, b, i);
    ELSE
      halving := 0;
      best := ll;
      beta := newbeta;
      newbeta := clinnova.coxph_newton(s, beta, step_opts);
    END IF;
  END LOOP;
  IF NOT converged THEN
    -- as coxfit6: the last accepted beta, with its own step
    iterations := max_iter + 1;
    IF max_iter > 0 AND (clinnova.coxstep_parts(s)).beta IS DISTINCT FROM beta THEN
      EXECUTE replace(step_sql, '{beta}', quote_literal(beta::text) || '::float8[]') INTO s;
    END IF;
    IF max_iter > 0 THEN
      RAISE WARNING '% did not converge in % iterations', label, max_iter
        USING HINT = 'Raise max_iter in the options, or look for a covariate that separates events from non-events.';
    END IF;
  END IF;
  RETURN clinnova.coxmodel_from_step(s, s0, beta, iterations, converged, step_opts);
END
$$;
COMMENT ON FUNCTION clinnova.federation_cox_newton(text, integer, jsonb, text) IS
  'internal: R''s coxph Newton-Raphson (coxfit6 rules) over merged federated coxsteps, NOTICE per iteration with clinnova.verbose; parallel unsafe: queries remote servers';

-- The site-independent Cox options: ties (efron, breslow), terms, conf_level, toler_chol, and the
-- coordinator's max_iter and tol.
CREATE FUNCTION clinnova.federated_coxph(relation text, "time" text, event text, x text[],
                                         filter text DEFAULT NULL, sites text[] DEFAULT NULL,
                                         options jsonb DEFAULT NULL)
RETURNS clinnova.coxmodel
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, clinnova SET extra_float_digits = 3
AS $$
DECLARE
  opts jsonb;
  src regclass;
  t text;
  e text;
  xs text;
  complete text;
  step_sql text;
  site_opts jsonb;
  agg text;
BEGIN
  IF x IS NULL OR cardinality(x) = 0 OR array_position(x, NULL) IS NOT NULL THEN
    RAISE EXCEPTION 'x must name at least one covariate, without NULLs' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  opts := jsonb_build_object('terms', to_jsonb(x)) || coalesce(options, '{}'::jsonb);
  PERFORM clinnova.federation_require_sites(sites);
  src := clinnova.federation_source(relation, sites);
  t := clinnova.federation_expr(src, "time");
  e := clinnova.federation_expr(src, event);
  SELECT string_agg(format('%s::float8', clinnova.federation_expr(src, v)), ', ' ORDER BY i) INTO xs
    FROM unnest(x) WITH ORDINALITY AS u(v, i);
  complete := format('%s IS NOT NULL AND %s IS NOT NULL', t, e)
              || (SELECT string_agg(format(' AND %s IS NOT NULL', clinnova.federation_expr(src, v)), '' ORDER BY i)
                    FROM unnest(x) WITH ORDINALITY AS u(v, i));
  -- The sites need the options only for ties other than Efron.  They travel through
  -- coxph_step(time, event, x, beta, options): postgres_fdw does not push down the full form,
  -- whose unused strata argument would be a NULL::text constant.
  site_opts := opts - 'max_iter' - 'tol' - 'terms' - 'conf_level';
  IF site_opts = '{}'::jsonb OR site_opts = '{"ties": "efron"}'::jsonb THEN
    agg := format('clinnova.coxph_step(%s, %s, ARRAY[%s], {beta}) AS s', t, e, xs);
  ELSE
    agg := format('clinnova.coxph_step(%s, %s, ARRAY[%s], {beta}, %L::jsonb) AS s', t, e, xs, site_opts);
  END IF;
  step_sql := format('SELECT clinnova.coxstep_merge(u.s) FROM (%s) u',
                     clinnova.federation_union_sql(relation, agg,
                       0, CASE WHEN filter IS NULL THEN complete ELSE '(' || filter || ') AND ' || complete END,
                       sites));
  RETURN clinnova.federation_cox_newton(step_sql, cardinality(x), opts, 'federated coxph');
END
$$;
COMMENT ON FUNCTION clinnova.federated_coxph(text, text, text, text[], text, text[], jsonb) IS
  'exact site-stratified federated Cox model: equals coxph() on the pooled rows with strata = site (each site returns p + p^2 + 1 sums per step); parallel unsafe: queries remote servers';

-- A merged coxgrid as the cox module's coxstep (strata 1, unweighted), so that the Newton loop
-- and coxmodel_from_step serve the grid fit too.  n and the covariate sums come from round 0.
CREATE FUNCTION clinnova.coxgrid_coxstep(grid clinnova.coxgrid, ties text, n bigint, sums float8[])
RETURNS clinnova.coxstep
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog SET extra_float_digits = 3
AS $$
  SELECT jsonb_build_object(
           'type', 'coxstep', 'version', 1, 'ties', lower($2), 'n', $3, 'events', d.events,
           'strata', 1, 'loglik', d.loglik, 'sum_weights', $3::float8, 'beta', d.beta,
           'score', d.score,
           'information', (SELECT jsonb_agg(r.row_values ORDER BY r.i)
                             FROM (SELECT i, jsonb_agg(d.information[(i - 1) * p + j] ORDER BY j) AS row_values
                                     FROM generate_series(1, p) i, generate_series(1, p) j GROUP BY i) r),
           'weighted_sums', $4,
           'nocenter', (SELECT jsonb_agg(false) FROM generate_series(1, p)))::text::clinnova.coxstep
    FROM clinnova.coxgrid_derivatives($1, $2) d, LATERAL (SELECT cardinality(d.beta) AS p) pp
$$;
COMMENT ON FUNCTION clinnova.coxgrid_coxstep(clinnova.coxgrid, text, bigint, float8[]) IS
  'a merged coxgrid as a coxstep (log-likelihood, score, information on the grid) with the fit''s row count and covariate sums';

CREATE FUNCTION clinnova.federated_coxph_grid(relation text, "time" text, event text, x text[],
                                              grain float8 DEFAULT NULL, filter text DEFAULT NULL,
                                              sites text[] DEFAULT NULL, options jsonb DEFAULT NULL)
RETURNS clinnova.coxmodel
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, clinnova SET extra_float_digits = 3
AS $$
DECLARE
  opts jsonb;
  ties text;
  src regclass;
  t text;
  e text;
  xs text[];
  where_sql text;
  r0 text;
  grid_u float8[];
  ctr float8[];
  sums float8[];
  total bigint;
  step_sql text;
  p integer := cardinality(x);
BEGIN
  IF p IS NULL OR p = 0 OR array_position(x, NULL) IS NOT NULL THEN
    RAISE EXCEPTION 'x must name at least one covariate, without NULLs' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  opts := jsonb_build_object('terms', to_jsonb(x)) || coalesce(options, '{}'::jsonb);
  ties := lower(coalesce(opts->>'ties', 'efron'));
  IF ties NOT IN ('efron', 'breslow') THEN
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
  where_sql := format('%s IS NOT NULL AND %s IS NOT NULL', t, e)
               || (SELECT string_agg(format(' AND %s IS NOT NULL', v), '' ORDER BY i) FROM unnest(xs) WITH ORDINALITY AS u(v, i));
  IF filter IS NOT NULL THEN
    where_sql := '(' || filter || ') AND ' || where_sql;
  END IF;

  -- round 0: each site's event grid points, covariate summaries (centre, sums) and row count
  r0 := clinnova.federation_union_sql(relation,
          format('clinnova.coxph_grid_times(%s, %s, %L::float8) AS u, clinnova.safe_count(*) AS n, %s',
                 t, e, grain,
                 (SELECT string_agg(format('clinnova.describe(%s) AS d%s', v, i), ', ' ORDER BY i)
                    FROM unnest(xs) WITH ORDINALITY AS u(v, i))),
          0, where_sql, sites);
  EXECUTE format('WITH r AS (%s), m AS (SELECT %s FROM r) '
                 'SELECT (SELECT array_agg(DISTINCT g ORDER BY g) FROM r, unnest(r.u) g), '
                 '(SELECT sum(r.n) FROM r)::bigint, ARRAY[%s]::float8[], ARRAY[%s]::float8[] FROM m', r0,
                 (SELECT string_agg(format('clinnova.summary_merge(r.d%s) AS s%s', i, i), ', ' ORDER BY i)
                    FROM generate_series(1, p) i),
                 (SELECT string_agg(format('clinnova.summary_mean(m.s%s)', i), ', ' ORDER BY i) FROM generate_series(1, p) i),
                 (SELECT string_agg(format('clinnova.summary_mean(m.s%s) * clinnova.summary_n(m.s%s)', i, i), ', ' ORDER BY i)
                    FROM generate_series(1, p) i))
    INTO grid_u, total, ctr, sums;
  IF grid_u IS NULL THEN
    RAISE EXCEPTION 'federated coxph (grid) has no events' USING ERRCODE = 'data_exception',
      HINT = 'Check the event expression and the filter.';
  END IF;

  -- each Newton step: per-site risk-set sums at beta, merged, read as a coxstep
  step_sql := format('SELECT clinnova.coxgrid_coxstep(clinnova.coxgrid_merge(u.s), %L, %s, %L::float8[]) FROM (%s) u',
                     ties, total, sums::text,
                     clinnova.federation_union_sql(relation,
                       format('clinnova.coxph_grid_step(%s, %s, ARRAY[%s], {beta}, %L::float8[], %L::float8, %L::float8[]) AS s',
                              t, e,
                              (SELECT string_agg(format('%s::float8', v), ', ' ORDER BY i) FROM unnest(xs) WITH ORDINALITY AS u(v, i)),
                              ctr::text, grain, grid_u::text),
                       0, where_sql, sites));
  RETURN clinnova.federation_cox_newton(step_sql, p, opts, 'federated coxph (grid)');
END
$$;
COMMENT ON FUNCTION clinnova.federated_coxph_grid(text, text, text, text[], float8, text, text[], jsonb) IS
  'pooled federated Cox model on the sites'' shared time grid: coxph() on the grid-coarsened pooled data, from per-site risk-set sums; parallel unsafe: queries remote servers';

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
    OUT disease text, OUT drug text, OUT drug_class text, OUT atc clinnova.code,
    OUT atc_pre2024 clinnova.code,
    OUT route text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'synth_drugs'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 26;

COMMENT ON FUNCTION clinnova.synth_drugs() IS
  'drugs of each disease in the synthetic cohort with ATC codes from the 2024 index and before';

CREATE FUNCTION clinnova.synth_lab_map(
    OUT site text, OUT measurement_source_value text, OUT unit_source_value text,
    OUT analyte text, OUT loinc clinnova.code, OUT unit text, OUT factor float8,
    OUT local_code clinnova.code)
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
    OUT condition_source_code clinnova.code)
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
    OUT drug_source_value text, OUT drug_source_code clinnova.code)
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
    OUT measurement_source_code clinnova.code)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'synth_measurement'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 16000;

COMMENT ON FUNCTION clinnova.synth_measurement(text, integer, bigint, integer) IS
  'synthetic OMOP measurement rows (baseline labs) of one site in local codes and units (deterministic by seed)';

CREATE FUNCTION clinnova.synth_treatment_episode(
    site text, n integer, seed bigint DEFAULT 0, first_person integer DEFAULT 1,
    OUT episode_id bigint, OUT person_id bigint, OUT site text, OUT disease text,
    OUT subtype text, OUT line integer, OUT prior_lines integer, OUT drug text,
    OUT drug_class text, OUT atc clinnova.code, OUT drug_source_value text,
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

-- ---- plots: Kaplan-Meier curves as SVG ----------------------------------------------------------

-- Text for XML and SVG: the five special characters escaped, characters XML 1.0 forbids removed.
CREATE FUNCTION clinnova.xml_escape(s text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(
           pg_catalog.regexp_replace($1, '[\x01-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]', '', 'g'),
           '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'), '''', '&apos;')
$$;

COMMENT ON FUNCTION clinnova.xml_escape(text) IS
  'text escaped for XML and SVG (& < > " '' as entities; control characters XML 1.0 forbids removed)';

-- Kaplan-Meier plot as a standalone SVG 1.1 document, drawn from km_table: each curve as a step
-- function from S = 1 at time 0, its confidence band as a filled step polygon (upper limit forwards,
-- lower limit backwards), optional censoring marks, a legend above the plot and a numbers-at-risk
-- table below it (at each x tick: n_risk of the first time at or after the tick, 0 after the last).
-- Layout in SVG user units, computed from the options only: title and legend rows, then the plot
-- area (plot_height high), x axis, risk table; text widths are estimated at 7 units per character
-- of the 12-unit font.  Curves and bands are clipped to the plot area.
CREATE FUNCTION clinnova.km_svg(curves clinnova.survfit[], labels text[] DEFAULT NULL,
                                title text DEFAULT NULL, options jsonb DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog
AS $$
DECLARE
  known CONSTANT text[] := ARRAY['conf_type', 'conf_level', 'bands', 'risk_table', 'censor_marks', 'time_scale',
                                 'x_max', 'x_step', 'x_label', 'y_label', 'y_min', 'width', 'plot_height',
                                 'colors', 'subtitle'];
  -- Okabe-Ito: distinguishable with the common colour-vision deficiencies
  palette CONSTANT text[] := ARRAY['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#999999'];
  opts jsonb := coalesce(options, '{}');
  key text;
  n integer;
  i integer;
  lab text[];
  colors text[];
  col text;
  conf_type text;
  conf_level float8;
  bands boolean;
  risk_table boolean;
  censor_marks boolean;
  time_scale float8;
  x_max float8;
  x_step float8;
  x_label text;
  y_label text;
  y_min float8;
  y_step float8;
  width float8;
  plot_h float8;
  subtitle text;
  sub_lines text[] := '{}';
  longest integer;
  ml float8;                          -- left margin: y tick labels or the risk table's row labels
  mr CONSTANT float8 := 28;           -- right margin
  pt float8;                          -- top of the plot area
  pw float8;                          -- width of the plot area
  y0 float8;                          -- top of the risk table
  total_h float8;
  lx float8;
  ly float8;
  entry_w float8;
  ticks float8[];
  v float8;
  raw_step float8;
  mag float8;
  clip text;
  legend text := '';
  grid text := '';
  body text := '';
  risk text := '';
  last_time float8;
  r record;
BEGIN
  IF curves IS NULL THEN
    RETURN NULL;
  END IF;
  n := coalesce(cardinality(curves), 0);
  IF n = 0 THEN
    RAISE EXCEPTION 'km_svg needs at least one curve' USING ERRCODE = '22023';
  END IF;
  IF array_ndims(curves) > 1 OR array_ndims(labels) > 1 THEN
    RAISE EXCEPTION 'km_svg takes one-dimensional arrays of curves and labels' USING ERRCODE = '22023';
  END IF;
  i := (SELECT min(u.k) FROM unnest(curves) WITH ORDINALITY u(c, k) WHERE u.c IS NULL);
  IF i IS NOT NULL THEN
    RAISE EXCEPTION 'curve % of km_svg is NULL', i
      USING ERRCODE = '22023', HINT = 'Leave groups without a curve out of both arrays.';
  END IF;
  IF labels IS NOT NULL AND cardinality(labels) <> n THEN
    RAISE EXCEPTION 'km_svg needs one label per curve'
      USING ERRCODE = '22023', DETAIL = format('It was given %s curves and %s labels.', n, cardinality(labels));
  END IF;
  lab := ARRAY(SELECT coalesce(labels[k], 'curve ' || k) FROM generate_series(1, n) k);
  longest := (SELECT max(length(l)) FROM unnest(lab) l);

  -- options: known keys, values of the right JSON type and range
  IF jsonb_typeof(opts) <> 'object' THEN
    RAISE EXCEPTION 'km_svg options must be a JSON object'
      USING ERRCODE = '22023', DETAIL = format('They are %s.', opts);
  END IF;
  FOR key IN SELECT jsonb_object_keys(opts) LOOP
    IF NOT key = ANY (known) THEN
      RAISE EXCEPTION 'unknown km_svg option "%"', key
        USING ERRCODE = '22023', HINT = format('The options are %s.', array_to_string(known, ', '));
    END IF;
    IF jsonb_typeof(opts -> key) <> (CASE
         WHEN key IN ('conf_type', 'x_label', 'y_label', 'subtitle') THEN 'string'
         WHEN key IN ('bands', 'risk_table', 'censor_marks') THEN 'boolean'
         WHEN key = 'colors' THEN 'array'
         ELSE 'number' END) THEN
      RAISE EXCEPTION 'km_svg option "%" has the wrong type', key
        USING ERRCODE = '22023', DETAIL = format('Its value is %s.', opts -> key);
    END IF;
  END LOOP;
  conf_type := coalesce(opts ->> 'conf_type', 'log');
  conf_level := coalesce((opts ->> 'conf_level')::float8, 0.95);
  bands := coalesce((opts ->> 'bands')::boolean, true);
  risk_table := coalesce((opts ->> 'risk_table')::boolean, true);
  censor_marks := coalesce((opts ->> 'censor_marks')::boolean, false);
  time_scale := coalesce((opts ->> 'time_scale')::float8, 1);
  x_step := (opts ->> 'x_step')::float8;
  x_label := coalesce(opts ->> 'x_label', 'Time');
  y_label := coalesce(opts ->> 'y_label', 'Survival probability');
  y_min := coalesce((opts ->> 'y_min')::float8, 0);
  width := coalesce((opts ->> 'width')::float8, 760);
  plot_h := coalesce((opts ->> 'plot_height')::float8, 340);
  subtitle := opts ->> 'subtitle';
  IF conf_type NOT IN ('log', 'log-log', 'plain') THEN
    RAISE EXCEPTION 'km_svg option conf_type must be log, log-log or plain'
      USING ERRCODE = '22023', DETAIL = format('It is %s.', conf_type);
  END IF;
  IF NOT (conf_level > 0 AND conf_level < 1) THEN
    RAISE EXCEPTION 'km_svg option conf_level must be between 0 and 1'
      USING ERRCODE = '22023', DETAIL = format('It is %s.', conf_level);
  END IF;
  IF NOT time_scale > 0 OR NOT coalesce((opts ->> 'x_max')::float8, 1) > 0 OR NOT coalesce(x_step, 1) > 0 THEN
    RAISE EXCEPTION 'km_svg options time_scale, x_max and x_step must be positive'
      USING ERRCODE = '22023', DETAIL = format('time_scale is %s, x_max %s, x_step %s.', time_scale,
                                              coalesce(opts ->> 'x_max', 'not given'), coalesce(x_step::text, 'not given'));
  END IF;
  IF NOT (y_min >= 0 AND y_min <= 0.9) THEN
    RAISE EXCEPTION 'km_svg option y_min must be between 0 and 0.9'
      USING ERRCODE = '22023', DETAIL = format('It is %s.', y_min);
  END IF;
  IF NOT (width BETWEEN 300 AND 4000) OR NOT (plot_h BETWEEN 100 AND 4000) THEN
    RAISE EXCEPTION 'km_svg options width must be between 300 and 4000, plot_height between 100 and 4000'
      USING ERRCODE = '22023', DETAIL = format('width is %s, plot_height %s.', width, plot_h);
  END IF;
  colors := palette;
  IF opts ? 'colors' THEN
    IF jsonb_array_length(opts -> 'colors') = 0
       OR EXISTS (SELECT 1 FROM jsonb_array_elements(opts -> 'colors') c
                  WHERE jsonb_typeof(c) <> 'string' OR c #>> '{}' !~ '^(#[0-9A-Fa-f]{3,8}|[A-Za-z]{3,20})$') THEN
      RAISE EXCEPTION 'km_svg option colors must be a non-empty array of colours like "#0072B2" or "teal"'
        USING ERRCODE = '22023', DETAIL = format('It is %s.', opts -> 'colors');
    END IF;
    colors := ARRAY(SELECT jsonb_array_elements_text(opts -> 'colors'));
  END IF;

  -- x range (data units) and ticks (display units: time / time_scale), "nice" steps 1, 2, 5 x 10^k
  x_max := (opts ->> 'x_max')::float8;
  IF x_max IS NULL THEN
    SELECT max(k."time") INTO x_max FROM unnest(curves) c, clinnova.km_table(c) k;
    IF NOT x_max > 0 THEN
      x_max := time_scale;
    END IF;
  END IF;
  IF x_step IS NULL THEN
    raw_step := x_max / time_scale / 6;
    mag := power(10::float8, floor(log(raw_step)));
    x_step := mag * CASE WHEN raw_step / mag < 1.5 THEN 1 WHEN raw_step / mag < 3 THEN 2
                         WHEN raw_step / mag < 7 THEN 5 ELSE 10 END;
  END IF;
  IF x_max / time_scale / x_step > 100 THEN
    RAISE EXCEPTION 'km_svg option x_step gives more than 100 ticks'
      USING ERRCODE = '22023', DETAIL = format('x_max / time_scale is %s and x_step %s.', x_max / time_scale, x_step);
  END IF;
  ticks := ARRAY(SELECT k * x_step FROM generate_series(0, floor(x_max / time_scale / x_step + 1e-9)::integer) k);
  y_step := CASE WHEN 1 - y_min > 0.5 THEN 0.2 WHEN 1 - y_min > 0.25 THEN 0.1 ELSE 0.05 END;

  -- layout: legend entries flow in rows above the plot
  ml := least(greatest(64, CASE WHEN risk_table THEN 40 + 8.2 * longest ELSE 0 END), width / 3);
  pw := width - ml - mr;
  IF subtitle IS NOT NULL THEN                 -- wrapped at spaces to the width of the figure
    sub_lines := ARRAY(SELECT l FROM regexp_split_to_table(
                         regexp_replace(btrim(subtitle), format('(.{1,%s})(\s+|$)', floor((width - 32) / 6.5)::integer), E'\\1\n', 'g'),
                         E'\n') l WHERE l <> '');
  END IF;
  ly := CASE WHEN title IS NOT NULL THEN 30 ELSE 8 END + 16 * cardinality(sub_lines)
        + CASE WHEN cardinality(sub_lines) > 0 THEN 4 ELSE 0 END;
  lx := ml;
  FOR i IN 1 .. n LOOP
    col := colors[(i - 1) % cardinality(colors) + 1];
    entry_w := 30 + 7 * length(lab[i]);
    IF lx + entry_w > width - mr AND lx > ml THEN
      lx := ml;
      ly := ly + 20;
    END IF;
    legend := legend || format('<g class="legend-entry"><rect x="%1$s" y="%2$s" width="18" height="10" fill="%3$s" '
                               'fill-opacity="0.25" stroke="%3$s" stroke-width="2"/><text x="%4$s" y="%5$s">%6$s</text></g>',
                               lx, ly + 6, col, lx + 24, ly + 15, clinnova.xml_escape(lab[i]));
    lx := lx + entry_w + 14;
  END LOOP;
  pt := ly + 34;
  y0 := pt + plot_h + 62;
  total_h := CASE WHEN risk_table THEN y0 + 20 * n + 14 ELSE pt + plot_h + 52 END;
  clip := 'km-clip-' || left(md5(curves::text || coalesce(labels::text, '') || coalesce(title, '') || opts::text), 12);

  -- grid lines and tick labels
  FOR v IN SELECT y_min + k * y_step FROM generate_series(0, floor((1 - y_min) / y_step + 1e-9)::integer) k LOOP
    grid := grid || format('<line class="grid" x1="%1$s" y1="%3$s" x2="%2$s" y2="%3$s"/><text class="ytick" x="%4$s" y="%5$s">%6$s</text>',
                           ml, ml + pw, round((pt + (1 - (v - y_min) / (1 - y_min)) * plot_h)::numeric, 2),
                           ml - 8, round((pt + (1 - (v - y_min) / (1 - y_min)) * plot_h + 4)::numeric, 2),
                           trim_scale(round(v::numeric, 2)));
  END LOOP;
  FOREACH v IN ARRAY ticks LOOP
    grid := grid || format('<line class="grid" x1="%1$s" y1="%2$s" x2="%1$s" y2="%3$s"/><text class="xtick" x="%1$s" y="%4$s">%5$s</text>',
                           round((ml + v * time_scale / x_max * pw)::numeric, 2), pt, pt + plot_h, pt + plot_h + 18,
                           trim_scale(round(v::numeric, 6)));
  END LOOP;

  -- curves, bands, censoring marks, numbers at risk
  FOR i IN 1 .. n LOOP
    col := colors[(i - 1) % cardinality(colors) + 1];
    last_time := (SELECT max(t."time") FROM clinnova.km_table(curves[i]) t);
    SELECT
      -- the curve: from (0, 1) horizontally to each time, then down to its S
      format('M%s %sH', ml, pt)
        || coalesce(string_agg(format('%sV%sH', k.x, k.y), '' ORDER BY k."time"), '')
        || round((ml + least(last_time, x_max) / x_max * pw)::numeric, 2) AS curve,
      -- the band: the upper limit forwards to the end, the lower limit backwards to time 0
      format('M%s %sH', ml, pt)
        || coalesce(string_agg(format('%sV%sH', k.x, k.yu), '' ORDER BY k."time"), '')
        || round((ml + least(last_time, x_max) / x_max * pw)::numeric, 2)
        || coalesce(string_agg(format('V%sH%s', k.yl, k.x), '' ORDER BY k."time" DESC), '')
        || format('V%sH%sZ', pt, ml) AS band,
      string_agg(format('M%s %sv8', k.x, k.y - 4), '' ORDER BY k."time") FILTER (WHERE k.n_censor > 0) AS marks
    INTO r
    FROM (SELECT t."time", t.n_censor,
                 round((ml + t."time" / x_max * pw)::numeric, 2) AS x,
                 round((pt + (1 - (greatest(t.surv, y_min) - y_min) / (1 - y_min)) * plot_h)::numeric, 2) AS y,
                 round((pt + (1 - (greatest(coalesce(t.upper, t.surv), y_min) - y_min) / (1 - y_min)) * plot_h)::numeric, 2) AS yu,
                 round((pt + (1 - (greatest(coalesce(t.lower, t.surv), y_min) - y_min) / (1 - y_min)) * plot_h)::numeric, 2) AS yl
          FROM clinnova.km_table(curves[i], conf_type, conf_level) t) k
    WHERE k."time" <= x_max;
    IF bands THEN
      body := body || format('<path class="band" d="%s" fill="%s" fill-opacity="0.16" stroke="none"/>', r.band, col);
    END IF;
    body := body || format('<path class="curve" d="%s" fill="none" stroke="%s" stroke-width="2.2"/>', r.curve, col);
    IF censor_marks AND r.marks IS NOT NULL THEN
      body := body || format('<path class="censor" d="%s" stroke="%s" stroke-width="1.2"/>', r.marks, col);
    END IF;
    IF risk_table THEN
      risk := risk || format('<text class="risk-label" x="%s" y="%s" fill="%s">%s</text>',
                             ml - 28, y0 + 20 * i, col, clinnova.xml_escape(lab[i]));
      FOREACH v IN ARRAY ticks LOOP
        risk := risk || format('<text class="risk" x="%s" y="%s">%s</text>',
                               round((ml + v * time_scale / x_max * pw)::numeric, 2), y0 + 20 * i,
                               coalesce((SELECT trim_scale(round(k.n_risk::numeric, 2)) FROM clinnova.km_table(curves[i]) k
                                         WHERE k."time" >= v * time_scale ORDER BY k."time" LIMIT 1), '0'));
      END LOOP;
    END IF;
  END LOOP;

  RETURN '<?xml version="1.0" encoding="UTF-8"?>' || E'\n'
    || format('<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="%1$s" height="%2$s" viewBox="0 0 %1$s %2$s" '
              'font-family="Helvetica, Arial, sans-serif" font-size="12">', width, total_h) || E'\n'
    || format('<title>%s</title>', clinnova.xml_escape(coalesce(title, 'Kaplan-Meier curves'))) || E'\n'
    || '<style>.grid{stroke:#e6e6e6;stroke-width:1}.axis{stroke:#444;stroke-width:1}'
       '.xtick,.risk{text-anchor:middle;fill:#333}.ytick,.risk-label{text-anchor:end;fill:#333}'
       '.risk-label,.risk-title{font-weight:bold}.title{font-size:16px;font-weight:bold;fill:#111}'
       '.subtitle{fill:#555}.axis-label{fill:#333;text-anchor:middle}</style>' || E'\n'
    || '<rect width="100%" height="100%" fill="white"/>' || E'\n'
    || CASE WHEN title IS NOT NULL
            THEN format('<text class="title" x="16" y="22">%s</text>', clinnova.xml_escape(title)) || E'\n' ELSE '' END
    || CASE WHEN cardinality(sub_lines) > 0
            THEN format('<text class="subtitle" x="16" y="%s">%s</text>', CASE WHEN title IS NOT NULL THEN 42 ELSE 20 END,
                        (SELECT string_agg(format('<tspan x="16" dy="%s">%s</tspan>', CASE WHEN k = 1 THEN 0 ELSE 16 END,
                                                  clinnova.xml_escape(l)), '' ORDER BY k)
                         FROM unnest(sub_lines) WITH ORDINALITY u(l, k))) || E'\n' ELSE '' END
    || format('<g class="legend">%s</g>', legend) || E'\n'
    || format('<clipPath id="%s"><rect x="%s" y="%s" width="%s" height="%s"/></clipPath>',
              clip, ml, pt - 2, pw + 2, plot_h + 3) || E'\n'
    || format('<g class="axes">%s<line class="axis" x1="%2$s" y1="%4$s" x2="%5$s" y2="%4$s"/>'
              '<line class="axis" x1="%2$s" y1="%3$s" x2="%2$s" y2="%4$s"/>'
              '<text class="axis-label" x="%6$s" y="%7$s">%8$s</text>'
              '<text class="axis-label" transform="translate(%9$s %10$s) rotate(-90)">%11$s</text></g>',
              grid, ml, pt, pt + plot_h, ml + pw, ml + pw / 2, pt + plot_h + 38, clinnova.xml_escape(x_label),
              ml - 46, pt + plot_h / 2, clinnova.xml_escape(y_label)) || E'\n'
    || format('<g class="curves" clip-path="url(#%s)">%s</g>', clip, body) || E'\n'
    || CASE WHEN risk_table
            THEN format('<g class="risk-table"><text class="risk-title" x="8" y="%s">Number at risk</text>%s</g>', y0, risk) || E'\n'
            ELSE '' END
    || '</svg>' || E'\n';
END
$$;

COMMENT ON FUNCTION clinnova.km_svg(clinnova.survfit[], text[], text, jsonb) IS
  'Kaplan-Meier curves as an SVG document: step curves with confidence bands, legend and numbers at risk (options: conf_type, conf_level, bands, risk_table, censor_marks, time_scale, x_max, x_step, x_label, y_label, y_min, width, plot_height, colors, subtitle)';
