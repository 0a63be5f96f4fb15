-- Harmonisation, part 2 (at each site): the analysis relations the site publishes, built from
-- its OMOP-shaped source tables and the dictionaries of codes.sql.
--   analysis.patient  one row per patient: disease (phenotype), sex, age at the first treatment
--   analysis.episode  one row per treatment episode: drug (current ATC code, class), time on drug
--                     (days) and how it ended, baseline covariates in standard units, and 0/1
--                     indicator columns for the drugs and classes the models use (the federation
--                     guard allows no arithmetic in federated queries, so the site precomputes them)
-- Then every row is checked against the generator's own analysis-ready table: harmonisation must
-- recover it exactly.
-- Variables: site, name.
SET search_path = public, clinnova;

-- site rules (rules_<site>.sql) may have added phenotype rows: classify again
UPDATE analysis.diagnosis_map SET disease = analysis.disease_of(code);

-- a patient's disease: the phenotype of the diagnoses not marked as excluded (ICD-10-GM
-- certainty A); the date of the first such diagnosis
CREATE TABLE analysis.person_disease AS
SELECT c.person_id, min(c.condition_start_date) AS diagnosis_date,
       CASE WHEN count(DISTINCT d.disease) = 1 THEN min(d.disease) END AS disease
FROM cdm.condition_occurrence c JOIN analysis.diagnosis_map d ON d.raw = c.condition_source_value
WHERE d.certainty IS DISTINCT FROM 'A'
GROUP BY c.person_id;

CREATE TABLE analysis.episode AS
WITH ex AS (
  SELECT d.*, row_number() OVER w AS line, lag(d.drug_exposure_end_date) OVER w AS prev_end
  FROM cdm.drug_exposure d
  WINDOW w AS (PARTITION BY d.person_id ORDER BY d.drug_exposure_start_date)
), baseline AS (
  -- the lab panel of an episode: measured after the previous episode ended, up to its start
  SELECT ex.drug_exposure_id,
         max(m.value_as_number * l.factor) FILTER (WHERE l.loinc = 'LOINC:1988-5') AS crp,
         max(m.value_as_number * l.factor) FILTER (WHERE l.loinc = 'LOINC:38445-3') AS calprotectin,
         max(m.value_as_number * l.factor) FILTER (WHERE l.loinc = 'LOINC:718-7') AS haemoglobin,
         max(m.value_as_number * l.factor) FILTER (WHERE l.loinc = 'LOINC:1751-7') AS albumin,
         max(m.value_as_number * l.factor) FILTER (WHERE l.loinc = 'LOINC:11572-5') AS rf,
         max(m.value_as_number * l.factor) FILTER (WHERE l.loinc = 'LOINC:32218-0') AS anti_ccp
  FROM ex
  JOIN cdm.measurement m ON m.person_id = ex.person_id AND m.measurement_date <= ex.drug_exposure_start_date
                        AND m.measurement_date > coalesce(ex.prev_end, '-infinity')
  JOIN analysis.lab_map l USING (measurement_source_value, unit_source_value)
  GROUP BY ex.drug_exposure_id
)
SELECT ex.drug_exposure_id AS episode_id, ex.person_id,
       pd.disease, ex.line::integer AS line, dm.drug, dm.atc, dm.drug_class,
       ex.drug_exposure_end_date - ex.drug_exposure_start_date AS "time",
       ex.stop_reason IS NOT NULL AS event,
       CASE WHEN ex.stop_reason IS NULL THEN 0 WHEN ex.stop_reason = 'adverse event' THEN 2 ELSE 1 END AS cause,
       CASE WHEN ex.drug_exposure_end_date - ex.drug_exposure_start_date > 365 THEN true
            WHEN ex.stop_reason IS NOT NULL THEN false END AS response_1y,
       a.age, a.age / 10 AS age_decades,
       (p.gender_source_value = s.female_value)::integer::float8 AS female,
       round(((ex.drug_exposure_start_date - pd.diagnosis_date) / 365.25)::numeric, 1)::float8 AS disease_duration,
       b.crp, ln(b.crp) AS ln_crp, b.calprotectin, b.haemoglobin, b.albumin, b.rf, b.anti_ccp,
       (pd.disease = 'uc')::integer::float8 AS uc,
       (dm.drug_class = 'anti-TNF')::integer::float8 AS anti_tnf,
       (dm.drug_class = 'anti-integrin')::integer::float8 AS anti_integrin,
       (dm.drug_class = 'IL inhibitor')::integer::float8 AS il_inhibitor,
       (dm.drug_class = 'JAK inhibitor')::integer::float8 AS jak_inhibitor,
       (dm.drug = 'infliximab')::integer::float8 AS infliximab,
       (dm.drug = 'adalimumab')::integer::float8 AS adalimumab,
       (dm.drug = 'vedolizumab')::integer::float8 AS vedolizumab,
       (dm.drug = 'ustekinumab')::integer::float8 AS ustekinumab,
       (dm.drug = 'azathioprine')::integer::float8 AS azathioprine
FROM ex
JOIN cdm.person p USING (person_id)
CROSS JOIN LATERAL (SELECT date_part('year', age(ex.drug_exposure_start_date,
                           make_date(p.year_of_birth, p.month_of_birth, p.day_of_birth)))::float8 AS age) a
CROSS JOIN analysis.site s
LEFT JOIN analysis.person_disease pd USING (person_id)
JOIN analysis.drug_map dm ON dm.raw = ex.drug_source_value
LEFT JOIN baseline b USING (drug_exposure_id);
ALTER TABLE analysis.episode ADD PRIMARY KEY (episode_id);

CREATE TABLE analysis.patient AS
SELECT p.person_id, pd.disease, (p.gender_source_value = s.female_value)::integer::float8 AS female,
       e.age AS age_first_treatment
FROM cdm.person p
CROSS JOIN analysis.site s
LEFT JOIN analysis.person_disease pd USING (person_id)
LEFT JOIN analysis.episode e ON e.person_id = p.person_id AND e.line = 1;
ALTER TABLE analysis.patient ADD PRIMARY KEY (person_id);
ANALYZE analysis.episode, analysis.patient;

-- The generator also writes its own analysis-ready table (cdm.treatment_episode): harmonising the
-- raw codes must give exactly the same diseases, drugs, outcomes and covariates.
DO $$
DECLARE
  r record;
BEGIN
  SELECT count(*) AS n, count(t.episode_id) AS matched,
         count(*) FILTER (WHERE e.disease IS DISTINCT FROM t.disease) AS disease,
         count(*) FILTER (WHERE e.line <> t.line OR e.atc <> t.atc OR e.drug <> t.drug) AS drug,
         count(*) FILTER (WHERE e."time" <> t."time" OR e.event <> t.event OR e.cause <> t.cause
                                OR e.response_1y IS DISTINCT FROM t.response_1y) AS outcome,
         count(*) FILTER (WHERE e.age <> t.age OR e.female <> t.female::integer
                                OR abs(e.disease_duration - t.disease_duration) > 0.05) AS person,
         count(*) FILTER (WHERE abs(e.crp - t.crp) > 1e-9 * t.crp OR abs(e.haemoglobin - t.haemoglobin) > 1e-9 * t.haemoglobin
                                OR (e.crp IS NULL) <> (t.crp IS NULL)) AS labs
    INTO r
  FROM analysis.episode e LEFT JOIN cdm.treatment_episode t USING (episode_id);
  IF r.n <> r.matched OR r.disease + r.drug + r.outcome + r.person + r.labs > 0 THEN
    RAISE EXCEPTION 'harmonised episodes differ from the generator''s: %', row_to_json(r);
  END IF;
END $$;

-- The site's coding summary for the report: numbers of codes, no patient data.
CREATE TABLE analysis.coding_summary AS
SELECT :'name'::text AS name,
       (SELECT CASE s.diagnosis_system WHEN 'ICD10' THEN 'ICD-10 WHO' WHEN 'ICD10GM' THEN 'ICD-10-GM'
                                       WHEN 'SNOMED' THEN 'SNOMED CT' ELSE s.diagnosis_system END
               || CASE WHEN s.diagnosis_system LIKE 'ICD%' AND (SELECT bool_and(raw !~ '[.]') FROM analysis.diagnosis_map)
                       THEN ', no dots'
                       WHEN EXISTS (SELECT 1 FROM analysis.diagnosis_map WHERE raw ~ ' ') THEN ' + markers' ELSE '' END
        FROM analysis.site s) AS diagnoses_coded_as,
       (SELECT count(*) FROM analysis.diagnosis_map) AS raw_diagnosis_values,
       (SELECT string_agg(raw, ', ' ORDER BY raw) FROM (SELECT raw FROM analysis.diagnosis_map WHERE disease = 'crohn'
                                                        ORDER BY raw LIMIT 3) x)
         || CASE WHEN (SELECT count(*) FROM analysis.diagnosis_map WHERE disease = 'crohn') > 3
                 THEN format(' +%s', (SELECT count(*) - 3 FROM analysis.diagnosis_map WHERE disease = 'crohn')) ELSE '' END
         AS crohn_recorded_as,
       (SELECT min(raw) FROM analysis.drug_map WHERE drug = 'vedolizumab') AS vedolizumab_recorded_as,
       (SELECT count(*) FILTER (WHERE source_code <> atc) FROM analysis.drug_map) AS atc_codes_remapped,
       (SELECT format('%s %s', measurement_source_value, unit_source_value) FROM analysis.lab_map
         WHERE loinc = 'LOINC:1988-5') AS crp_recorded_as,
       (SELECT count(*) FROM analysis.episode) AS episodes;

\pset tuples_only on
\pset format unaligned
SELECT format('        %-18s %s patients, %s treatment episodes -> analysis.patient, analysis.episode '
              '(checked: identical to the generator''s own table)', '',
              to_char((SELECT count(*) FROM analysis.patient), 'FM999,999'), to_char(count(*), 'FM999,999'))
FROM analysis.episode;
