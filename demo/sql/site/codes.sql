-- Harmonisation, part 1 (at each site, by its DBA): dictionaries from the site's raw codes to
-- standard ones, built with clinnova's code type, vocabulary and phenotypes.  Only distinct raw
-- values are looked up; the episode table (analysis.sql) joins them.
-- Variables: site (LU, GE, BW, BS), name.
SET search_path = public, clinnova;
CREATE SCHEMA analysis;

-- how this site codes (clinnova.synth_sites() documents it for the four synthetic sites)
CREATE TABLE analysis.site AS SELECT * FROM clinnova.synth_sites() WHERE site = :'site';

-- Diagnoses: each distinct raw value read in the site's system (ICD-10-GM entries through
-- icd10gm_parse, which splits off the certainty and laterality markers), then placed in the
-- disease phenotypes.
CREATE TABLE analysis.diagnosis_map AS
WITH raw AS (
  SELECT condition_source_value AS raw, count(*) AS n_rows, count(DISTINCT person_id) AS n_persons
  FROM cdm.condition_occurrence GROUP BY condition_source_value
), parsed AS (
  SELECT r.*, CASE WHEN s.diagnosis_system = 'ICD10GM' THEN (icd10gm_parse(r.raw)).code
                   ELSE code(s.diagnosis_system, r.raw) END AS code,
              CASE WHEN s.diagnosis_system = 'ICD10GM' THEN (icd10gm_parse(r.raw)).certainty END AS certainty
  FROM raw r, analysis.site s
)
SELECT p.*, NULL::text AS disease FROM parsed p;

-- disease of a code: the one of the four phenotypes it belongs to (NULL if none).  Inlined into
-- the calling query, so each in_phenotype call site computes its phenotype's code set once.
CREATE FUNCTION analysis.disease_of(c code) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT nullif(concat_ws(',', CASE WHEN clinnova.in_phenotype(c, 'crohn') THEN 'crohn' END,
                               CASE WHEN clinnova.in_phenotype(c, 'uc') THEN 'uc' END,
                               CASE WHEN clinnova.in_phenotype(c, 'ra') THEN 'ra' END,
                               CASE WHEN clinnova.in_phenotype(c, 'ms') THEN 'ms' END), '')
$$;
UPDATE analysis.diagnosis_map SET disease = analysis.disease_of(code);

-- Drugs: the ATC code as recorded, mapped to the current ATC index (Grand Est and Basel record
-- codes from before the 2024 L04A restructuring), named from the vocabulary, and put in a drug
-- class through the drug-class phenotypes.
CREATE TABLE analysis.drug_class_phenotype (phenotype text PRIMARY KEY, drug_class text NOT NULL);
INSERT INTO analysis.drug_class_phenotype VALUES
  ('drug_tnf_inhibitors', 'anti-TNF'), ('drug_anti_integrins', 'anti-integrin'),
  ('drug_il_inhibitors', 'IL inhibitor'), ('drug_jak_inhibitors', 'JAK inhibitor'),
  ('drug_anti_cd20', 'anti-CD20'), ('drug_s1p_modulators', 'S1P modulator'),
  ('drug_thiopurines', 'thiopurine'), ('drug_aminosalicylates', 'aminosalicylate'),
  ('drug_interferons_beta', 'interferon beta');
CREATE TABLE analysis.drug_map AS
WITH raw AS (
  SELECT drug_source_value AS raw, count(*) AS n_rows FROM cdm.drug_exposure GROUP BY drug_source_value
), coded AS (
  SELECT r.*, code('ATC', r.raw) AS source_code FROM raw r
), current AS (
  SELECT c.*, (SELECT m FROM map(c.source_code, 'ATC') m ORDER BY m LIMIT 1) AS atc FROM coded c
)
SELECT c.raw, c.n_rows, c.source_code, c.atc, code_label(c.atc) AS drug,
       coalesce((SELECT k.drug_class FROM analysis.drug_class_phenotype k
                 WHERE in_phenotype(c.source_code, k.phenotype) ORDER BY k.phenotype LIMIT 1), 'other') AS drug_class
FROM current c;

-- Labs: the site's local codes and units mapped to LOINC and a standard unit.
CREATE TABLE analysis.lab_map AS
SELECT l.measurement_source_value, l.unit_source_value, l.analyte, l.loinc, l.unit, l.factor, l.local_code
FROM clinnova.synth_lab_map() l, analysis.site s WHERE l.site = s.site;

\pset tuples_only on
\pset format unaligned
SELECT format('        %-18s diagnoses: %s distinct raw values (%s) -> phenotypes %s', :'name', count(*),
              CASE s.diagnosis_system WHEN 'ICD10' THEN 'ICD-10 WHO' WHEN 'ICD10GM' THEN 'ICD-10-GM with markers'
                                      WHEN 'SNOMED' THEN 'SNOMED CT' ELSE s.diagnosis_system END
                || CASE WHEN s.diagnosis_system LIKE 'ICD%' AND bool_and(d.raw !~ '[.]') THEN ', without dots' ELSE '' END,
              string_agg(DISTINCT d.disease, ', ' ORDER BY d.disease))
FROM analysis.diagnosis_map d, analysis.site s GROUP BY s.diagnosis_system;
SELECT format('        %-18s   not in any phenotype: %s', '', string_agg(format('%s (%s patients)', d.code, d.n_persons), '; ' ORDER BY d.code))
FROM analysis.diagnosis_map d WHERE d.disease IS NULL HAVING count(*) > 0;
SELECT format('        %-18s drugs: %s ATC codes; %s', '', count(*),
              CASE WHEN count(*) FILTER (WHERE source_code <> atc) = 0 THEN 'all from the current ATC index'
                   ELSE format('%s from the index before 2024, mapped to current codes (e.g. %s)',
                               count(*) FILTER (WHERE source_code <> atc),
                               min(format('%s -> %s %s', source_code, atc, drug)) FILTER (WHERE drug = 'vedolizumab')) END)
FROM analysis.drug_map;
SELECT format('        %-18s labs: %s local codes -> %s LOINC codes + EDSS; unit conversion: %s', '',
              count(*), count(DISTINCT loinc),
              coalesce(string_agg(format('%s %s x %s -> %s', measurement_source_value, unit_source_value, factor, unit), ', ')
                       FILTER (WHERE factor <> 1), 'none'))
FROM analysis.lab_map;
