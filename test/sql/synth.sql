-- Synthetic four-site cohort: catalogues, determinism, agreement between the tables, site
-- coding, distributions and treatment-effect heterogeneity, errors, parallel generation.
\i test/lib/regress_helpers.sql

-- ---- catalogues ----
SELECT * FROM clinnova.synth_sites();
SELECT * FROM clinnova.synth_drugs() ORDER BY disease, drug;
SELECT * FROM clinnova.synth_lab_map() ORDER BY site, analyte;

-- site names are accepted in several spellings
SELECT count(DISTINCT p) AS distinct_first_persons
FROM unnest(ARRAY['BW', 'bw', 'Baden-Württemberg', 'baden_wuerttemberg']) s,
     LATERAL (SELECT p::text FROM clinnova.synth_person(s, 1, 7) p) x;

-- ---- determinism ----
-- Checksums of every table of every site (200 persons, seed 42): they pin the generator; any
-- change to the clinical model changes them, deliberately.
SELECT s AS site,
       (SELECT md5(string_agg(t::text, ';' ORDER BY t.person_id)) FROM clinnova.synth_person(s, 200, 42) t) AS person,
       (SELECT md5(string_agg(t::text, ';' ORDER BY t.observation_period_id)) FROM clinnova.synth_observation_period(s, 200, 42) t) AS observation_period,
       (SELECT md5(string_agg(t::text, ';' ORDER BY t.condition_occurrence_id)) FROM clinnova.synth_condition_occurrence(s, 200, 42) t) AS condition_occurrence
FROM unnest(ARRAY['LU', 'GE', 'BW', 'BS']) s;
SELECT s AS site,
       (SELECT md5(string_agg(t::text, ';' ORDER BY t.drug_exposure_id)) FROM clinnova.synth_drug_exposure(s, 200, 42) t) AS drug_exposure,
       (SELECT md5(string_agg(t::text, ';' ORDER BY t.measurement_id)) FROM clinnova.synth_measurement(s, 200, 42) t) AS measurement,
       (SELECT md5(string_agg(t::text, ';' ORDER BY t.episode_id)) FROM clinnova.synth_treatment_episode(s, 200, 42) t) AS treatment_episode
FROM unnest(ARRAY['LU', 'GE', 'BW', 'BS']) s;

-- the same arguments give the same rows
SELECT count(*) AS rows_differing FROM (
  (SELECT * FROM clinnova.synth_treatment_episode('GE', 500, 9) EXCEPT ALL SELECT * FROM clinnova.synth_treatment_episode('GE', 500, 9))
  UNION ALL
  (SELECT * FROM clinnova.synth_treatment_episode('GE', 500, 9) EXCEPT ALL SELECT * FROM clinnova.synth_treatment_episode('GE', 500, 9))) d;

-- a person does not depend on the chunk it is generated in
SELECT count(*) AS rows_differing FROM (
  (SELECT * FROM clinnova.synth_measurement('BS', 300, 9)
   EXCEPT ALL
   (SELECT * FROM clinnova.synth_measurement('BS', 120, 9, 1)
    UNION ALL SELECT * FROM clinnova.synth_measurement('BS', 180, 9, 121)))
  UNION ALL
  ((SELECT * FROM clinnova.synth_measurement('BS', 120, 9, 1)
    UNION ALL SELECT * FROM clinnova.synth_measurement('BS', 180, 9, 121))
   EXCEPT ALL
   SELECT * FROM clinnova.synth_measurement('BS', 300, 9))) d;

-- another seed or another site gives other persons (ids aside)
SELECT count(*) FILTER (WHERE a.year_of_birth = b.year_of_birth AND a.month_of_birth = b.month_of_birth
                          AND a.day_of_birth = b.day_of_birth) AS same_birthday_other_seed
FROM clinnova.synth_person('LU', 1000, 1) a JOIN clinnova.synth_person('LU', 1000, 2) b USING (person_id);
SELECT count(*) FILTER (WHERE (a.year_of_birth, a.month_of_birth, a.day_of_birth)
                            = (b.year_of_birth, b.month_of_birth, b.day_of_birth)) AS same_birthday_other_site
FROM clinnova.synth_person('LU', 1000, 1) a
JOIN clinnova.synth_person('BS', 1000, 1) b ON b.person_id - 3000000000 = a.person_id;

-- nothing to generate
SELECT count(*) AS no_persons FROM clinnova.synth_treatment_episode('LU', 0, 1);
SELECT count(*) AS null_argument FROM clinnova.synth_treatment_episode('LU', NULL, 1);

-- ---- a cohort of 3000 persons per site, in the shape the demo loads it ----
SELECT l.table_name, sum(l.rows_loaded) AS rows_loaded
FROM unnest(ARRAY['LU', 'GE', 'BW', 'BS']) s,
     LATERAL clinnova.synth_load('synth_cohort', s, 3000, 2024, 1, 1000) WITH ORDINALITY AS l(table_name, rows_loaded, ord)
GROUP BY l.table_name ORDER BY min(l.ord);
-- the code operators live in schema clinnova
SET search_path = synth_cohort, clinnova, public;
SELECT count(*) AS persons, count(DISTINCT person_id) AS distinct_ids,
       count(*) FILTER (WHERE person_id / 1000000000 <> care_site_id) AS id_site_mismatch
FROM person;

-- ---- agreement between the tables ----
-- every row lies inside its person's observation period
SELECT
  (SELECT count(*) FROM condition_occurrence c JOIN observation_period o USING (person_id)
   WHERE c.condition_start_date NOT BETWEEN o.observation_period_start_date AND o.observation_period_end_date) AS conditions_outside,
  (SELECT count(*) FROM drug_exposure d JOIN observation_period o USING (person_id)
   WHERE d.drug_exposure_start_date < o.observation_period_start_date
      OR d.drug_exposure_end_date > o.observation_period_end_date
      OR d.drug_exposure_end_date <= d.drug_exposure_start_date) AS exposures_outside,
  (SELECT count(*) FROM measurement m JOIN observation_period o USING (person_id)
   WHERE m.measurement_date NOT BETWEEN o.observation_period_start_date AND o.observation_period_end_date) AS measurements_outside,
  (SELECT count(*) FROM observation_period WHERE observation_period_end_date > '2025-12-31') AS beyond_data_cut,
  (SELECT count(*) FROM person p LEFT JOIN observation_period o USING (person_id) WHERE o.person_id IS NULL) AS persons_without_period;

-- drug_exposure and treatment_episode describe the same treatment episodes
SELECT count(*) AS episodes,
       count(*) FILTER (WHERE d.drug_exposure_id IS NULL) AS without_exposure,
       count(*) FILTER (WHERE e.start_date <> d.drug_exposure_start_date OR e.end_date <> d.drug_exposure_end_date
                          OR e.drug_source_value <> d.drug_source_value
                          OR 'ATC:' || d.drug_source_value <> d.drug_source_code::text) AS disagreeing,
       count(*) FILTER (WHERE e.time <> e.end_date - e.start_date OR e.time < 1) AS bad_time,
       count(*) FILTER (WHERE e.event <> (e.cause > 0)) AS bad_event,
       count(*) FILTER (WHERE (d.stop_reason IS NULL) <> NOT e.event) AS bad_stop_reason
FROM treatment_episode e LEFT JOIN drug_exposure d ON d.drug_exposure_id = e.episode_id;

-- episodes of a person follow each other, a drug is never repeated, only the last is censored
SELECT count(*) FILTER (WHERE prev_end >= start_date) AS overlapping,
       count(*) FILTER (WHERE line <> rn) AS line_gaps,
       count(*) FILTER (WHERE NOT event AND line <> last_line) AS censored_before_last,
       count(*) FILTER (WHERE prior_lines < line - 1) AS bad_prior_lines
FROM (SELECT e.*, lag(end_date) OVER w AS prev_end, row_number() OVER w AS rn,
             max(line) OVER (PARTITION BY person_id) AS last_line
      FROM treatment_episode e WINDOW w AS (PARTITION BY person_id ORDER BY start_date)) x;
SELECT count(*) AS repeated_drugs FROM (SELECT person_id, drug FROM treatment_episode GROUP BY 1, 2 HAVING count(*) > 1) r;

-- censoring: administrative (at the data cut) and by loss to follow-up; response_1y follows time
SELECT count(*) FILTER (WHERE NOT event AND end_date = '2025-12-31') > 0 AS administrative,
       count(*) FILTER (WHERE NOT event AND end_date < '2025-12-31') > 0 AS lost_to_follow_up,
       count(*) FILTER (WHERE NOT event AND end_date <> o.observation_period_end_date) AS censored_early,
       count(*) FILTER (WHERE response_1y IS DISTINCT FROM
                        CASE WHEN time > 365 THEN true WHEN event THEN false END) AS bad_response
FROM treatment_episode JOIN observation_period o USING (person_id);

-- one diagnosis row, one per treatment start, and (BW) excluded differential diagnoses
SELECT e.site, count(*) AS persons,
       count(*) FILTER (WHERE c.n <> 1 + e.n + c.excluded) AS bad_condition_count,
       sum(c.excluded) AS excluded_dx
FROM (SELECT person_id, min(site) AS site, count(*) AS n FROM treatment_episode GROUP BY 1) e
JOIN (SELECT person_id, count(*) AS n, count(*) FILTER (WHERE condition_status_source_value = 'A') AS excluded
      FROM condition_occurrence GROUP BY 1) c USING (person_id)
GROUP BY e.site ORDER BY e.site;

-- measurements in local codes and units, mapped with synth_lab_map, equal the episode's baseline
-- covariates; the n-th panel of a person (by date) belongs to the n-th line
CREATE TEMP TABLE synth_lab_std AS
SELECT m.person_id, dense_rank() OVER (PARTITION BY m.person_id ORDER BY m.measurement_date) AS line,
       l.analyte, m.value_as_number * l.factor AS value
FROM measurement m
JOIN person p USING (person_id)
JOIN clinnova.synth_sites() s ON s.site_id = p.care_site_id
JOIN clinnova.synth_lab_map() l ON l.site = s.site AND l.measurement_source_value = m.measurement_source_value
                                AND l.unit_source_value = m.unit_source_value
                                AND l.local_code = m.measurement_source_code;
SELECT (SELECT count(*) FROM measurement) AS measurements, count(*) AS mapped,
       count(*) FILTER (WHERE NOT pg_temp.close_enough(l.value,
         CASE l.analyte WHEN 'crp' THEN e.crp WHEN 'calprotectin' THEN e.calprotectin WHEN 'esr' THEN e.esr
                        WHEN 'rf' THEN e.rf WHEN 'anti_ccp' THEN e.anti_ccp WHEN 'haemoglobin' THEN e.haemoglobin
                        WHEN 'albumin' THEN e.albumin WHEN 'leukocytes' THEN e.leukocytes WHEN 'edss' THEN e.edss END,
         1e-12)) AS disagreeing
FROM synth_lab_std l JOIN treatment_episode e USING (person_id, line);
SELECT count(*) AS covariates_without_measurement
FROM treatment_episode e
CROSS JOIN LATERAL (VALUES ('crp', e.crp), ('calprotectin', e.calprotectin), ('esr', e.esr), ('rf', e.rf),
                           ('anti_ccp', e.anti_ccp), ('haemoglobin', e.haemoglobin), ('albumin', e.albumin),
                           ('leukocytes', e.leukocytes), ('edss', e.edss)) v(analyte, value)
WHERE v.value IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM synth_lab_std l WHERE (l.person_id, l.line, l.analyte) = (e.person_id, e.line, v.analyte));

-- which labs each disease has
SELECT disease, count(*) AS episodes, count(crp) AS crp, count(calprotectin) AS calprotectin, count(esr) AS esr,
       count(rf) AS rf, count(anti_ccp) AS anti_ccp, count(haemoglobin) AS hb, count(albumin) AS albumin,
       count(leukocytes) AS leukocytes, count(edss) AS edss
FROM treatment_episode GROUP BY disease ORDER BY disease;

-- ---- site coding ----
-- diagnosis codes in use, per site (all from CODES.md)
SELECT p.care_site_id AS site_id, string_agg(DISTINCT c.condition_source_code::text, ' ' ORDER BY c.condition_source_code::text) AS codes
FROM condition_occurrence c JOIN person p USING (person_id) GROUP BY 1 ORDER BY 1;

-- code shapes: ICD-10 WHO, ICD-10-GM, SNOMED CT (Verhoeff check digit), ATC
CREATE FUNCTION pg_temp.verhoeff_ok(s text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  WITH RECURSIVE
    d(m) AS (SELECT ARRAY[[0,1,2,3,4,5,6,7,8,9],[1,2,3,4,0,6,7,8,9,5],[2,3,4,0,1,7,8,9,5,6],
                          [3,4,0,1,2,8,9,5,6,7],[4,0,1,2,3,9,5,6,7,8],[5,9,8,7,6,0,4,3,2,1],
                          [6,5,9,8,7,1,0,4,3,2],[7,6,5,9,8,2,1,0,4,3],[8,7,6,5,9,3,2,1,0,4],
                          [9,8,7,6,5,4,3,2,1,0]]),
    p(m) AS (SELECT ARRAY[[0,1,2,3,4,5,6,7,8,9],[1,5,7,6,2,8,3,0,9,4],[5,8,0,3,7,9,6,1,4,2],
                          [8,9,1,6,0,4,3,5,2,7],[9,4,5,3,1,2,6,8,7,0],[4,2,8,6,5,7,3,9,0,1],
                          [2,7,9,3,8,0,6,4,1,5],[7,0,4,6,9,1,3,2,5,8]]),
    walk(i, c) AS (
      SELECT 0, 0
      UNION ALL
      SELECT i + 1, (SELECT d.m[c + 1][p.m[(i % 8) + 1][substr(reverse(s), i + 1, 1)::int + 1] + 1] FROM d, p)
      FROM walk WHERE i < length(s))
  SELECT s ~ '^[0-9]{6,18}$' AND (SELECT c FROM walk WHERE i = length(s)) = 0
$$;
SELECT pg_temp.verhoeff_ok('34000006') AS crohn_ok, pg_temp.verhoeff_ok('34000007') AS wrong_check_digit,
       pg_temp.verhoeff_ok('43000006') AS transposed;
SELECT s.site,
       count(*) AS rows,
       count(*) FILTER (WHERE NOT CASE code_system(c.condition_source_code)
           WHEN 'ICD10' THEN code_value(c.condition_source_code) ~ '^[A-Z][0-9]{2}(\.[0-9])?$'
           WHEN 'ICD10GM' THEN code_value(c.condition_source_code) ~ '^[A-Z][0-9]{2}(\.[0-9]{1,2})?$'
           WHEN 'SNOMED' THEN pg_temp.verhoeff_ok(code_value(c.condition_source_code))
           ELSE false END) AS bad_codes,
       count(*) FILTER (WHERE code_system(c.condition_source_code) <> s.diagnosis_system) AS other_system
FROM condition_occurrence c JOIN person p USING (person_id) JOIN clinnova.synth_sites() s ON s.site_id = p.care_site_id
GROUP BY s.site ORDER BY s.site;

-- raw values as each site writes them: LU with dot, GE without dot (PMSI), BW with certainty and
-- laterality markers, BS bare SNOMED CT ids
SELECT s.site,
       count(*) FILTER (WHERE CASE s.site
           WHEN 'LU' THEN c.condition_source_value = code_value(c.condition_source_code)
           WHEN 'GE' THEN c.condition_source_value = replace(code_value(c.condition_source_code), '.', '')
           WHEN 'BW' THEN c.condition_source_value ~ ('^' || replace(code_value(c.condition_source_code), '.', '\.') || '( (G|A|GB|B))?$')
                          AND c.condition_status_source_value IS NOT DISTINCT FROM substring(c.condition_source_value from ' ([GA])B?$')
           WHEN 'BS' THEN c.condition_source_value = code_value(c.condition_source_code) END) AS raw_ok,
       count(*) AS rows,
       (array_agg(DISTINCT c.condition_source_value ORDER BY c.condition_source_value))[1:4] AS examples
FROM condition_occurrence c JOIN person p USING (person_id) JOIN clinnova.synth_sites() s ON s.site_id = p.care_site_id
GROUP BY s.site ORDER BY s.site;

-- drug codes: 2024 ATC index in LU and BW, the index before 2024 in GE and BS
SELECT e.site, count(*) AS episodes,
       count(*) FILTER (WHERE e.drug_source_value !~ '^[A-Z][0-9]{2}[A-Z]{2}[0-9]{2}$') AS bad_shape,
       count(*) FILTER (WHERE 'ATC:' || e.drug_source_value <> CASE s.atc_edition WHEN '2024' THEN d.atc ELSE d.atc_pre2024 END::text) AS wrong_edition,
       count(DISTINCT e.drug_source_value) FILTER (WHERE d.atc <> d.atc_pre2024) AS moved_codes_used
FROM treatment_episode e JOIN clinnova.synth_sites() s USING (site)
JOIN clinnova.synth_drugs() d ON d.disease = e.disease AND d.drug = e.drug AND d.atc = e.atc
GROUP BY e.site ORDER BY e.site;

-- LOINC codes of the lab map pass the mod-10 check digit
CREATE FUNCTION pg_temp.loinc_ok(code text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT code ~ '^[0-9]{1,7}-[0-9]$' AND (
    SELECT (10 - sum(CASE WHEN i % 2 = 1 THEN (2 * dgt) / 10 + (2 * dgt) % 10 ELSE dgt END) % 10) % 10
    FROM (SELECT i, substr(reverse(split_part(code, '-', 1)), i, 1)::int AS dgt
          FROM generate_series(1, length(split_part(code, '-', 1))) i) x
  ) = split_part(code, '-', 2)::int
$$;
SELECT pg_temp.loinc_ok('1988-5') AS crp_ok, pg_temp.loinc_ok('1988-4') AS wrong_check_digit,
       pg_temp.loinc_ok('1898-5') AS transposed;
SELECT analyte, min(loinc::text) AS loinc, bool_and(pg_temp.loinc_ok(code_value(loinc))) AS check_digit_ok,
       string_agg(site || ' ' || measurement_source_value || ' [' || unit_source_value || '] x' || factor, ', ' ORDER BY site) AS local_codes
FROM clinnova.synth_lab_map() GROUP BY analyte ORDER BY analyte;

-- ---- harmonisation with clinnova.code ----
-- every diagnosis row is in the phenotype of the person's disease, whatever the site's coding;
-- the excluded differential diagnoses of Baden-Wuerttemberg (marker A) name the other IBD
SELECT e.site, count(*) AS rows,
       count(*) FILTER (WHERE c.condition_status_source_value IS DISTINCT FROM 'A'
                          AND in_phenotype(c.condition_source_code, e.disease)) AS in_own_phenotype,
       count(*) FILTER (WHERE c.condition_status_source_value = 'A'
                          AND in_phenotype(c.condition_source_code, CASE e.disease WHEN 'crohn' THEN 'uc' ELSE 'crohn' END)) AS excluded_other_ibd,
       count(*) FILTER (WHERE in_phenotype(c.condition_source_code, 'ibd')) AS ibd_rows
FROM condition_occurrence c JOIN (SELECT DISTINCT person_id, site, disease FROM treatment_episode) e USING (person_id)
GROUP BY e.site ORDER BY e.site;

-- codes the shipped sample vocabulary does not place in the disease's phenotype
SELECT c.condition_source_code::text AS code, e.disease, count(*) AS rows
FROM condition_occurrence c JOIN (SELECT DISTINCT person_id, disease FROM treatment_episode) e USING (person_id)
WHERE c.condition_status_source_value IS DISTINCT FROM 'A' AND NOT in_phenotype(c.condition_source_code, e.disease)
GROUP BY 1, 2 ORDER BY 1;

-- raw values become the same codes: German entries through icd10gm_parse, French ones by adding
-- the system (the dot is optional in code input)
SELECT count(*) AS bw_rows,
       count(*) FILTER (WHERE (g.code, g.certainty) IS NOT DISTINCT FROM (c.condition_source_code, c.condition_status_source_value)
                          AND g.laterality IS NOT DISTINCT FROM CASE WHEN c.condition_source_value LIKE '%B' THEN 'B' END) AS parsed_alike
FROM condition_occurrence c, LATERAL icd10gm_parse(c.condition_source_value) g
WHERE code_system(c.condition_source_code) = 'ICD10GM';
SELECT count(*) AS ge_rows, count(*) FILTER (WHERE ('ICD10:' || c.condition_source_value)::code = c.condition_source_code) AS same_code
FROM condition_occurrence c JOIN person p USING (person_id) WHERE p.care_site_id = 2;

-- drug codes of every site map to the current ATC code, and every drug to its class's phenotype
SELECT site, count(*) AS episodes,
       count(*) FILTER (WHERE (SELECT array_agg(m) FROM map(('ATC:' || drug_source_value)::code, 'ATC') m) = ARRAY[atc]) AS maps_to_current
FROM treatment_episode GROUP BY site ORDER BY site;
SELECT drug_class, ph AS phenotype, count(*) AS episodes,
       count(*) FILTER (WHERE in_phenotype(('ATC:' || drug_source_value)::code, ph)) AS raw_code_in_phenotype
FROM (SELECT e.*, CASE drug_class WHEN 'anti-TNF' THEN 'drug_tnf_inhibitors' WHEN 'JAK inhibitor' THEN 'drug_jak_inhibitors'
                    WHEN 'S1P modulator' THEN 'drug_s1p_modulators' WHEN 'anti-integrin' THEN 'drug_anti_integrins'
                    WHEN 'anti-CD20' THEN 'drug_anti_cd20' WHEN 'aminosalicylate' THEN 'drug_aminosalicylates'
                    WHEN 'thiopurine' THEN 'drug_thiopurines' WHEN 'interferon beta' THEN 'drug_interferons_beta'
                    WHEN 'anti-IL-12/23' THEN 'drug_il_inhibitors' WHEN 'anti-IL-6R' THEN 'drug_il_inhibitors' END AS ph
      FROM treatment_episode e) x
WHERE ph IS NOT NULL
GROUP BY 1, 2 ORDER BY 1;

-- sex as each site writes it
SELECT s.site, p.gender_concept_id, string_agg(DISTINCT p.gender_source_value, ',') AS source_values, count(*)
FROM person p JOIN clinnova.synth_sites() s ON s.site_id = p.care_site_id GROUP BY 1, 2 ORDER BY 1, 2;

-- ---- distributions ----
-- disease mix per site, and how far it is from the model's shares
SELECT site, disease, count(*) AS persons, round(count(*) / 3000.0, 3) AS share
FROM (SELECT DISTINCT person_id, site, disease FROM treatment_episode) x GROUP BY 1, 2 ORDER BY 1, 2;

-- demography at cohort entry (first line)
SELECT disease, count(*) AS persons, round(avg(female::int), 2) AS female, round(avg(age), 1) AS mean_age,
       min(age) AS min_age, max(age) AS max_age, round(avg(disease_duration)::numeric, 1) AS mean_duration,
       round(avg(prior_lines), 2) AS mean_prior_lines
FROM treatment_episode WHERE line = 1 GROUP BY disease ORDER BY disease;

-- labs at baseline (medians) by disease
SELECT disease,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY crp) AS crp,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY calprotectin) AS calprotectin,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY esr) AS esr,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY haemoglobin) AS hb,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY albumin) AS albumin,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY edss) AS edss
FROM treatment_episode GROUP BY disease ORDER BY disease;
SELECT round(avg((rf >= 14 OR anti_ccp >= 7)::int) FILTER (WHERE subtype = 'seropositive'), 2) AS seropositive_positive,
       round(avg((rf >= 14 OR anti_ccp >= 7)::int) FILTER (WHERE subtype = 'seronegative'), 2) AS seronegative_positive
FROM treatment_episode WHERE disease = 'ra';

-- outcomes by disease
SELECT disease, count(*) AS episodes, round(avg(event::int), 2) AS events,
       round(avg((cause = 2)::int), 3) AS adverse_stops,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY time) AS median_time_observed,
       round(avg(response_1y::int), 2) AS response_1y
FROM treatment_episode GROUP BY disease ORDER BY disease;

-- ---- treatment effects differ by patient characteristics ----
-- A larger cohort of one seed; each line is a finding a response model can learn.
CREATE TEMP TABLE synth_big AS
SELECT e.* FROM unnest(ARRAY['LU', 'GE', 'BW', 'BS']) s, LATERAL clinnova.synth_treatment_episode(s, 15000, 11) e;
WITH r AS (
  SELECT disease, drug,
         avg(response_1y::int) FILTER (WHERE crp >= 20) AS high_crp,
         avg(response_1y::int) FILTER (WHERE crp < 5) AS low_crp,
         avg(response_1y::int) FILTER (WHERE age >= 60) AS old,
         avg(response_1y::int) FILTER (WHERE age < 40) AS young,
         avg(response_1y::int) FILTER (WHERE subtype = 'seropositive') AS seropositive,
         avg(response_1y::int) FILTER (WHERE subtype = 'seronegative') AS seronegative,
         avg(response_1y::int) AS overall
  FROM synth_big GROUP BY 1, 2)
SELECT
  (SELECT high_crp FROM r WHERE disease = 'crohn' AND drug = 'infliximab')
    > (SELECT high_crp FROM r WHERE disease = 'crohn' AND drug = 'vedolizumab') + 0.1 AS crohn_high_crp_infliximab_over_vedolizumab,
  (SELECT old FROM r WHERE disease = 'uc' AND drug = 'vedolizumab')
    > (SELECT old FROM r WHERE disease = 'uc' AND drug = 'tofacitinib') + 0.1 AS uc_old_vedolizumab_over_tofacitinib,
  (SELECT young FROM r WHERE disease = 'uc' AND drug = 'tofacitinib')
    > (SELECT young FROM r WHERE disease = 'uc' AND drug = 'vedolizumab') + 0.05 AS uc_young_tofacitinib_over_vedolizumab,
  (SELECT young - old FROM r WHERE disease = 'ra' AND drug = 'baricitinib') > 0.2 AS ra_baricitinib_worse_when_old,
  (SELECT high_crp - low_crp FROM r WHERE disease = 'ra' AND drug = 'tocilizumab') > 0.05 AS ra_tocilizumab_better_high_crp,
  (SELECT low_crp - high_crp FROM r WHERE disease = 'ra' AND drug = 'methotrexate') > 0.1 AS ra_methotrexate_worse_high_crp,
  (SELECT seropositive - seronegative FROM r WHERE disease = 'ra' AND drug = 'rituximab') > 0.05 AS ra_rituximab_better_seropositive,
  (SELECT min(overall) FROM r WHERE disease = 'ms' AND drug IN ('ocrelizumab', 'natalizumab'))
    > (SELECT max(overall) FROM r WHERE disease = 'ms' AND drug IN ('interferon beta-1a', 'glatiramer acetate')) + 0.1
    AS ms_high_efficacy_over_platform;

-- sites differ in baseline risk (site effects and shapes of the model), visible per disease
SELECT disease, string_agg(site || ' ' || round(ev, 2), ', ' ORDER BY site) AS one_year_failure_by_site
FROM (SELECT disease, site, avg((NOT response_1y)::int) AS ev FROM synth_big WHERE line = 1 GROUP BY 1, 2) x
GROUP BY disease ORDER BY disease;

-- ---- parallel generation ----
-- The functions are PARALLEL SAFE: chunks of persons are generated in parallel workers.
-- (a regular table: parallel workers cannot read temporary tables)
CREATE TABLE synth_chunks AS SELECT generate_series(1, 4000, 4) AS first;
ANALYZE synth_chunks;
SELECT count(*) AS rows, sum(hashtext(e::text)::numeric) AS hash_sum
FROM synth_chunks c, LATERAL clinnova.synth_treatment_episode('BW', 4, 5, c.first) e;
SELECT pg_temp.force_parallel();
EXPLAIN (COSTS OFF)
SELECT count(*), sum(hashtext(e::text)::numeric) FROM synth_chunks c, LATERAL clinnova.synth_treatment_episode('BW', 4, 5, c.first) e;
SELECT count(*) AS rows, sum(hashtext(e::text)::numeric) AS hash_sum
FROM synth_chunks c, LATERAL clinnova.synth_treatment_episode('BW', 4, 5, c.first) e;
RESET ALL;
DROP TABLE synth_chunks;

-- ---- errors ----
\set VERBOSITY default
SELECT * FROM clinnova.synth_person('Paris', 10);
SELECT * FROM clinnova.synth_person('LU', -1);
SELECT * FROM clinnova.synth_person('LU', 10, 0, 0);
SELECT * FROM clinnova.synth_person('LU', 10, 0, 999999995);
SELECT * FROM clinnova.synth_load('synth_cohort', 'LU', 10, 0, 1, 0);
SELECT * FROM clinnova.synth_load('synth_cohort', 'Paris', 10);

DROP SCHEMA synth_cohort CASCADE;
