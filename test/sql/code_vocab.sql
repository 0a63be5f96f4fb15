-- Vocabulary (OMOP CDM 5.4 tables, sample vocabulary, Athena loading), code_label, descendants,
-- is_a, map, phenotypes and in_phenotype; pg_dump keeps user rows and not the shipped ones.
SET search_path = public, clinnova;

-- ---- the shipped sample vocabulary ----
SELECT vocabulary_id, count(*) AS concepts,
       count(*) FILTER (WHERE code_system(concept_to_code(vocabulary_id, concept_code, concept_id)) = vocabulary_id) AS valid_codes,
       count(*) FILTER (WHERE standard_concept = 'S') AS standard,
       count(*) FILTER (WHERE invalid_reason IS NOT NULL) AS invalid
FROM concept GROUP BY 1 ORDER BY 1;
SELECT relationship_id, count(*) FROM concept_relationship GROUP BY 1 ORDER BY 1;
SELECT count(*) AS ancestor_rows FROM concept_ancestor;
-- every relationship and ancestor row points at existing concepts
SELECT count(*) AS dangling FROM concept_relationship r
WHERE NOT EXISTS (SELECT 1 FROM concept WHERE concept_id = r.concept_id_1)
   OR NOT EXISTS (SELECT 1 FROM concept WHERE concept_id = r.concept_id_2);
-- OMOP concept_ids verified in shared/CODES.md; all other sample concepts use the local range
SELECT c, code_concept_id(c), code_label(c) FROM unnest('{SNOMED:24526004,SNOMED:34000006,SNOMED:64766004,
  SNOMED:69896004,SNOMED:239791005,SNOMED:239792003,SNOMED:24700007,LOINC:718-7,ATC:A07EA}'::code[]) c;
SELECT count(*) FILTER (WHERE concept_id > 2000000000) AS local_ids, count(*) AS all_ids FROM concept;
-- the same string means different things in different systems (CODES.md 1.4)
SELECT c, code_label(c) FROM unnest('{ICD10:K50.8,ICD10GM:K50.8,ICD10CM:K50.8,ICD10:M05.3,ICD10CM:M05.3,
  ICD10:G35,ICD10GM:G35,ICD10CM:G35}'::code[]) c;
-- concept_to_code: the code of any concept row; OMOP:<id> where the vocabulary is not a system
SELECT concept_to_code('ICD10', 'K50.1', 1) AS icd, concept_to_code('SNOMED', '34000006', 201606) AS sct,
       concept_to_code('RxNorm', '1115', 1119119) AS rxnorm, concept_to_code('ICD10', 'K50-K52', 4) AS block,
       concept_to_code('None', 'x', 0) AS no_concept;
-- labels and ids of codes: by code, by OMOP id, NULL outside the vocabulary
SELECT c, code_label(c), code_concept_id(c) IS NOT NULL AS known
FROM unnest('{ATC:L04AA33,ATC:L04AG05,ATC:L04AG,LOINC:1988-5,OMOP:201606,ICD10GM:G35.10,ICD10:K99,LOCAL:x/y}'::code[]) c;
SELECT code_concepts('ATC:L04AA33');

-- ---- descendants: structure, concept_ancestor, Maps to, Concept replaced by ----
SELECT * FROM descendants('SNOMED:64766004') ORDER BY code;
SELECT code FROM descendants('ATC:L04AG') ORDER BY code;
SELECT code FROM descendants('ICD10GM:G35.1') ORDER BY code;
SELECT * FROM descendants('ICD10:K99');
SELECT * FROM descendants('SNOMED:24700007') ORDER BY code;

-- ---- is_a ----
CREATE TABLE vo_isa (a code, b code);
INSERT INTO vo_isa VALUES
  ('ICD10:K50.1', 'ICD10:K50'),          -- structure
  ('ICD10:K50', 'ICD10:K50.1'),          -- not upwards
  ('ICD10:K50.1', 'SNOMED:34000006'),    -- Maps to a descendant of Crohn's disease
  ('ICD10:K50.1', 'SNOMED:24526004'),    -- ... and of inflammatory bowel disease
  ('ICD10:K50.1', 'SNOMED:64766004'),    -- not ulcerative colitis
  ('ICD10:K50.1', 'SNOMED:7620006'),     -- maps exactly
  ('ICD10:K50.8', 'SNOMED:34000006'),    -- WHO "other Crohn disease" maps up to Crohn's disease
  ('ICD10:K50.8', 'SNOMED:71833008'),    -- but not to the CM meaning "small and large intestine"
  ('ICD10CM:K50.811', 'SNOMED:71833008'),-- CM K50.8x is "small and large intestine"; via its ancestor K50.8
  ('ICD10GM:G35.10', 'SNOMED:426373005'),-- outside the sample: judged by its ancestor G35.1
  ('ICD10GM:G35.31', 'SNOMED:24700007'),
  ('ICD10GM:G35.31', 'SNOMED:426373005'),
  ('SNOMED:7620006', 'SNOMED:24526004'), -- concept_ancestor
  ('SNOMED:24526004', 'SNOMED:7620006'),
  ('SNOMED:7620006', 'ICD10:K50'),       -- a standard concept is no kind of a source code
  ('OMOP:201606', 'SNOMED:24526004'),    -- OMOP ids are judged too
  ('SNOMED:34000006', 'OMOP:4074815'),
  ('ATC:L04AA33', 'ATC:L04AG'),          -- old vedolizumab code: Concept replaced by L04AG05
  ('ATC:L04AA29', 'ATC:L04AF'),          -- old tofacitinib code is a JAK inhibitor
  ('ATC:L04AA29', 'ATC:L04AA'),          -- and, by structure, still in L04AA
  ('ATC:L01XC02', 'ATC:L01FA'),          -- rituximab moved in 2022
  ('ATC:N07XX09', 'ATC:L04AX'),          -- dimethyl fumarate moved in 2019
  ('LOINC:1988-5', 'LOINC:1988-5'),
  ('LOINC:1988-5', 'LOINC:718-7'),
  ('ICD10:K50.1', 'ICD10GM:K50.1');      -- no cross-ICD mapping in the sample
SELECT a, b, is_a(a, b) FROM vo_isa;
-- is_a agrees with descendants() on every pair
SELECT bool_and(is_a(a, b) = EXISTS (SELECT 1 FROM descendants(b) d WHERE a <@ d.code OR
                (code_system(a) = 'OMOP' AND d.concept_id = code_value(a)::integer)))
       AS agrees_with_descendants
FROM vo_isa;
-- a changing second argument (the cache follows it)
SELECT b, count(*) FILTER (WHERE is_a(a, b)) AS kinds
FROM (SELECT a, b FROM unnest('{ICD10:K50.1,ICD10CM:K51.90,SNOMED:444548001,ATC:L04AA33}'::code[]) a,
      unnest('{SNOMED:24526004,SNOMED:64766004,ATC:L04AG,SNOMED:24526004}'::code[]) b) s
GROUP BY b ORDER BY b;

-- ---- map: Maps to and crosswalk rows ----
SELECT c, target, array(SELECT m FROM map(c, target) m ORDER BY m) AS mapped
FROM (VALUES ('ICD10:K50.1'::code, 'SNOMED'), ('ICD10:K50.1', 'OMOP'), ('ICD10:K50.8', 'SNOMED'),
             ('ICD10CM:K50.8', 'SNOMED'), ('ICD10CM:K50.811', 'SNOMED'), ('ICD10GM:G35.10', 'SNOMED'),
             ('ICD10GM:G35.10', 'ICD10GM'), ('ICD10:M05.9', 'snomed'), ('ICD10:M06.1', 'SNOMED'),
             ('SNOMED:34000006', 'OMOP'), ('SNOMED:34000006', 'ICD10'), ('ATC:L04AA33', 'ATC'),
             ('ATC:L04AG05', 'ATC'), ('ATC:L01XC02', 'ATC'), ('ATC:N07XX09', 'ATC'), ('ATC:L04AA33', 'OMOP'),
             ('LOINC:718-7', 'OMOP'), ('ICD10:K99', 'ICD10'), ('ICD10:K99', 'SNOMED')) t(c, target);
-- every pre-2024 L04AA code of the sample moves to exactly one current code (CODES.md 3)
SELECT c.concept_code AS old, array_agg(m ORDER BY m) AS current
FROM concept c CROSS JOIN LATERAL map(concept_to_code(c.vocabulary_id, c.concept_code, c.concept_id), 'ATC') m
WHERE c.vocabulary_id = 'ATC' AND c.invalid_reason = 'U'
GROUP BY 1 ORDER BY 1;
SELECT map('ICD10:K50.1', 'ICD9');

-- ---- phenotypes ----
SELECT phenotype, count(*) FILTER (WHERE NOT exclude) AS included, count(*) FILTER (WHERE exclude) AS excluded
FROM phenotype GROUP BY 1 ORDER BY 1;
CREATE TABLE vo_dx (c code);
INSERT INTO vo_dx SELECT unnest('{ICD10:K50.1,ICD10GM:K50.80,ICD10CM:K50.011,SNOMED:7620006,SNOMED:235796008,
  ICD10:K51.0,ICD10CM:K51.90,SNOMED:445243001,ICD10:K52.3,ICD10GM:M05.80,ICD10GM:M06.99,ICD10GM:M06.10,
  ICD10:M06.4,ICD10CM:M05.79,SNOMED:239792003,ICD10:G35,ICD10GM:G35.10,ICD10CM:G35.A,SNOMED:426373005,
  OMOP:374919,ICD10:J45.9}'::code[]);
SELECT c, in_phenotype(c, 'crohn') AS crohn, in_phenotype(c, 'uc') AS uc, in_phenotype(c, 'ibd') AS ibd,
       in_phenotype(c, 'ra') AS ra, in_phenotype(c, 'ms') AS ms
FROM vo_dx;
SELECT c, in_phenotype(c, 'drug_jak_inhibitors') AS jak, in_phenotype(c, 'drug_anti_integrins') AS anti_integrin,
       in_phenotype(c, 'drug_anti_cd20') AS anti_cd20, in_phenotype(c, 'drug_tnf_inhibitors') AS tnf
FROM unnest('{ATC:L04AA29,ATC:L04AF01,ATC:L04AA33,ATC:L04AG05,ATC:L04AA23,ATC:L01XC02,ATC:L04AA36,ATC:L04AB02,ATC:L04AA}'::code[]) c;
SELECT c, in_phenotype(c, 'lab_crp') AS crp, in_phenotype(c, 'lab_calprotectin') AS calprotectin
FROM unnest('{LOINC:1988-5,LOINC:38445-3,LOINC:718-7}'::code[]) c;
-- the phenotype name may vary row by row
SELECT p, count(*) FILTER (WHERE in_phenotype(c, p)) AS members
FROM vo_dx, unnest('{ibd,ra,ms,ibd}'::text[]) p GROUP BY p ORDER BY p;
-- every phenotype, name changing row by row (more names than a call site caches), agrees with
-- its definition through is_a (whose second argument changes row by row too); twenty user
-- phenotypes more than shipped, so the cache has to start over
BEGIN;
INSERT INTO phenotype (phenotype, code, exclude)
SELECT 'copy' || g || '_' || phenotype, code, exclude
FROM phenotype, generate_series(1, 10) g WHERE phenotype IN ('crohn', 'drug_jak_inhibitors');
SELECT count(DISTINCT p) > 32 AS many_names, count(*) AS pairs,
       count(*) FILTER (WHERE in_phenotype(c, p)) AS members,
       bool_and(in_phenotype(c, p) =
                (EXISTS (SELECT 1 FROM phenotype r WHERE r.phenotype = p AND NOT r.exclude AND is_a(c, r.code))
                 AND NOT EXISTS (SELECT 1 FROM phenotype r WHERE r.phenotype = p AND r.exclude AND is_a(c, r.code))))
         AS agrees_with_is_a
FROM (SELECT c, p
      FROM (SELECT c FROM vo_dx UNION ALL
            SELECT unnest('{ATC:L04AA29,ATC:L04AG05,ATC:L01XC02,ATC:L04AB02,LOINC:1988-5,LOINC:38445-3}'::code[])) cs,
           (SELECT DISTINCT phenotype AS p FROM phenotype) ps
      ORDER BY c, p) x;
ROLLBACK;
SELECT in_phenotype('ICD10:K50', 'asthma');
SELECT in_phenotype(NULL, 'ibd') IS NULL AS null_code, in_phenotype('ICD10:K50', NULL) IS NULL AS null_name;
-- in_phenotype in a parallel scan gives the serial answer
\i test/lib/regress_helpers.sql
CREATE TABLE vo_many AS SELECT g, (SELECT array_agg(c) FROM vo_dx)[1 + g % 21] AS c FROM generate_series(1, 21000) g;
ANALYZE vo_many;
SELECT pg_temp.force_parallel();
EXPLAIN (COSTS OFF) SELECT count(*) FROM vo_many WHERE in_phenotype(c, 'ibd');
SELECT count(*) AS parallel_ibd FROM vo_many WHERE in_phenotype(c, 'ibd');
SELECT pg_temp.serial_only();
SELECT count(*) AS serial_ibd FROM vo_many WHERE in_phenotype(c, 'ibd');

-- ---- loading Athena files (tab-delimited, header, YYYYMMDD dates, no quoting) ----
\copy clinnova.concept FROM 'test/data/codes_athena_CONCEPT.csv' WITH (FORMAT csv, DELIMITER E'\t', HEADER, QUOTE E'\b')
\copy clinnova.concept_relationship FROM 'test/data/codes_athena_CONCEPT_RELATIONSHIP.csv' WITH (FORMAT csv, DELIMITER E'\t', HEADER, QUOTE E'\b')
\copy clinnova.concept_ancestor FROM 'test/data/codes_athena_CONCEPT_ANCESTOR.csv' WITH (FORMAT csv, DELIMITER E'\t', HEADER, QUOTE E'\b')
SELECT concept_id, concept_name, concept_code, valid_start_date, valid_end_date, invalid_reason
FROM concept WHERE concept_id > 2100000000 ORDER BY 1;
SELECT is_a('SNOMED:441971007', 'SNOMED:64766004') AS left_sided_uc_is_uc,
       in_phenotype('SNOMED:441971007', 'uc') AS in_uc, in_phenotype('SNOMED:441971007', 'crohn') AS in_crohn;
SELECT array(SELECT map('LOCAL:lux-lab/ESR01', 'LOINC')) AS local_lab_to_loinc,
       array(SELECT map('LOCAL:lux-lab/BSG', 'LOCAL')) AS old_local_to_current,
       array(SELECT map('LOCAL:lux-lab/BSG', 'LOINC')) AS old_local_to_loinc;
INSERT INTO phenotype (phenotype, code, note) VALUES ('lab_esr', 'LOINC:30341-2', 'ESR, method unspecified');
SELECT c, in_phenotype(c, 'lab_esr') FROM unnest('{LOCAL:lux-lab/ESR01,LOCAL:lux-lab/BSG,LOINC:4537-7,LOINC:1988-5}'::code[]) c;

-- ---- pg_dump: the shipped rows are left to CREATE EXTENSION, user rows are dumped ----
SELECT c.relname, pg_extension_config_dump_filter IS NOT NULL AS has_filter
FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS x(oid, pg_extension_config_dump_filter)
JOIN pg_class c ON c.oid = x.oid
WHERE e.extname = 'clinnova' AND c.relname IN ('concept', 'concept_ancestor', 'concept_relationship', 'phenotype') ORDER BY 1;
-- the filters select exactly the rows added after CREATE EXTENSION
CREATE FUNCTION pg_temp.dumped(rel regclass) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint; cond text;
BEGIN
  SELECT x.cond INTO cond FROM pg_extension e, unnest(e.extconfig, e.extcondition) x(oid, cond)
  WHERE e.extname = 'clinnova' AND x.oid = rel;
  EXECUTE format('SELECT count(*) FROM %s %s', rel, cond) INTO n;
  RETURN n;
END $$;
SELECT pg_temp.dumped('clinnova.concept') AS concept, pg_temp.dumped('clinnova.concept_relationship') AS relationship,
       pg_temp.dumped('clinnova.concept_ancestor') AS ancestor, pg_temp.dumped('clinnova.phenotype') AS phenotype;
-- a real dump and restore
CREATE DATABASE codes_dump_src;
CREATE DATABASE codes_dump_dst;
\c codes_dump_src
CREATE EXTENSION clinnova;
\copy clinnova.concept FROM 'test/data/codes_athena_CONCEPT.csv' WITH (FORMAT csv, DELIMITER E'\t', HEADER, QUOTE E'\b')
\copy clinnova.concept_relationship FROM 'test/data/codes_athena_CONCEPT_RELATIONSHIP.csv' WITH (FORMAT csv, DELIMITER E'\t', HEADER, QUOTE E'\b')
\copy clinnova.concept_ancestor FROM 'test/data/codes_athena_CONCEPT_ANCESTOR.csv' WITH (FORMAT csv, DELIMITER E'\t', HEADER, QUOTE E'\b')
INSERT INTO clinnova.phenotype (phenotype, code, note) VALUES ('lab_esr', 'LOINC:30341-2', 'ESR, method unspecified');
CREATE TABLE conditions (person_id integer, dx clinnova.code);
INSERT INTO conditions VALUES (1, 'ICD10GM:K50.80'), (2, 'SNOMED:441971007'), (3, 'LOCAL:lux-lab/ESR01');
\! "${CLN_PGBIN:-/usr/lib/postgresql/15/bin}/pg_dump" -Fc -d codes_dump_src -f /tmp/clinnova_codes_vocab.dump && "${CLN_PGBIN:-/usr/lib/postgresql/15/bin}/pg_restore" -d codes_dump_dst /tmp/clinnova_codes_vocab.dump && echo restored
\! rm -f /tmp/clinnova_codes_vocab.dump
\c codes_dump_dst
SET search_path = public, clinnova;
SELECT (SELECT count(*) FROM concept) AS concepts, (SELECT count(*) FROM concept_relationship) AS relationships,
       (SELECT count(*) FROM concept_ancestor) AS ancestors, (SELECT count(*) FROM phenotype) AS phenotype_rows,
       (SELECT count(*) FROM phenotype WHERE NOT shipped) AS user_phenotype_rows;
SELECT person_id, dx, in_phenotype(dx, 'ibd') AS ibd, array(SELECT map(dx, 'LOINC')) AS loinc FROM conditions ORDER BY 1;
\c contrib_regression
DROP DATABASE codes_dump_src;
DROP DATABASE codes_dump_dst;
