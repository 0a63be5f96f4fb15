-- Synthetic cohort generator: SQL surface, SQLSTATEs of bad arguments, determinism, the loader.
BEGIN;
SELECT plan(37);

-- ---- surface ----
SELECT has_function('clinnova', 'synth_sites', ARRAY[]::name[], 'synth_sites() exists');
SELECT has_function('clinnova', 'synth_drugs', ARRAY[]::name[], 'synth_drugs() exists');
SELECT has_function('clinnova', 'synth_lab_map', ARRAY[]::name[], 'synth_lab_map() exists');
SELECT has_function('clinnova', f, ARRAY['text', 'integer', 'bigint', 'integer'], f || '(site, n, seed, first_person) exists')
FROM unnest(ARRAY['synth_person', 'synth_observation_period', 'synth_condition_occurrence',
                  'synth_drug_exposure', 'synth_measurement', 'synth_treatment_episode']) f;
SELECT has_function('clinnova', 'synth_load', ARRAY['name', 'text', 'integer', 'bigint', 'integer', 'integer'],
                    'synth_load(schema, site, n, seed, first_person, chunk) exists');

-- the generators are pure functions of their arguments and run in parallel workers
SELECT is_empty($$
  SELECT p.proname FROM pg_proc p
  WHERE p.pronamespace = 'clinnova'::regnamespace AND p.proname LIKE 'synth\_%' AND p.proname <> 'synth_load'
    AND (p.provolatile <> 'i' OR p.proparallel <> 's' OR NOT p.proisstrict OR NOT p.proretset)
$$, 'every synth table function is IMMUTABLE, PARALLEL SAFE, STRICT and set-returning');
SELECT is((SELECT provolatile::text || proparallel::text FROM pg_proc WHERE oid = 'clinnova.synth_load(name, text, integer, bigint, integer, integer)'::regprocedure),
          'vu', 'synth_load writes tables: VOLATILE and PARALLEL UNSAFE');

-- ---- bad arguments ----
SELECT throws_ok($$SELECT * FROM clinnova.synth_person('Paris', 10)$$, '22023',
                 'unknown synthetic site "Paris"', 'an unknown site is a bad argument');
SELECT throws_ok($$SELECT * FROM clinnova.synth_treatment_episode('LU', -1)$$, '22023',
                 'number of persons must not be negative', 'a negative n is a bad argument');
SELECT throws_ok($$SELECT * FROM clinnova.synth_measurement('LU', 1, 0, 0)$$, '22023',
                 'first_person must be at least 1', 'first_person 0 is a bad argument');
SELECT throws_ok($$SELECT * FROM clinnova.synth_condition_occurrence('LU', 10, 0, 999999995)$$, '54000',
                 'synthetic person index out of range', 'persons beyond index 999999999 exceed a limit');
SELECT throws_ok($$SELECT * FROM clinnova.synth_load('synth_tap', 'LU', 10, 0, 1, 0)$$, '22023',
                 'chunk must be positive', 'synth_load: chunk 0 is a bad argument');
SELECT throws_ok($$SELECT * FROM clinnova.synth_load('synth_tap', 'XX', 10)$$, '22023',
                 'unknown synthetic site "XX"', 'synth_load checks the site before creating anything');
SELECT hasnt_schema('synth_tap', 'a failed synth_load leaves no schema behind');
SELECT lives_ok($$SELECT * FROM clinnova.synth_person('LU', 1, 0, 999999999)$$, 'the last person index can be generated');
SELECT is((SELECT count(*) FROM clinnova.synth_person(NULL, 10)), 0::bigint, 'a NULL argument gives no rows (STRICT)');

-- ---- determinism ----
SELECT results_eq($$SELECT * FROM clinnova.synth_treatment_episode('BW', 300, 77)$$,
                  $$SELECT * FROM clinnova.synth_treatment_episode('BW', 300, 77)$$,
                  'the same arguments give the same episodes, in the same order');
SELECT results_eq($$SELECT * FROM clinnova.synth_condition_occurrence('GE', 300, 77)$$,
                  $$SELECT * FROM clinnova.synth_condition_occurrence('GE', 100, 77, 1)
                    UNION ALL SELECT * FROM clinnova.synth_condition_occurrence('GE', 200, 77, 101)$$,
                  'generating in chunks gives the same rows');
SELECT results_ne($$SELECT * FROM clinnova.synth_person('LU', 100, 1)$$,
                  $$SELECT * FROM clinnova.synth_person('LU', 100, 2)$$,
                  'another seed gives other persons');
SELECT is((SELECT count(*) FROM clinnova.synth_person('BS', 1000, 5)), 1000::bigint, 'n persons give n person rows');
SELECT is((SELECT count(DISTINCT person_id) FROM clinnova.synth_treatment_episode('BS', 1000, 5)), 1000::bigint,
          'every person has at least one treatment episode');

-- ---- codes ----
SELECT is_empty($$
  SELECT e.drug_source_value FROM clinnova.synth_treatment_episode('GE', 2000, 3) e
  WHERE 'ATC:' || e.drug_source_value NOT IN (SELECT atc_pre2024::text FROM clinnova.synth_drugs())
$$, 'Grand Est records every drug with its code from the ATC index before 2024');
SELECT is_empty($$
  SELECT e.drug_source_value FROM clinnova.synth_treatment_episode('BW', 2000, 3) e
  WHERE 'ATC:' || e.drug_source_value NOT IN (SELECT atc::text FROM clinnova.synth_drugs())
$$, 'Baden-Wuerttemberg records every drug with its code from the 2024 ATC index');
SELECT is_empty($$
  SELECT c.condition_source_value FROM clinnova.synth_condition_occurrence('GE', 2000, 3) c
  WHERE c.condition_source_value LIKE '%.%'
$$, 'Grand Est writes ICD-10 codes without the dot');
SELECT isnt_empty($$
  SELECT 1 FROM clinnova.synth_condition_occurrence('BW', 2000, 3) c WHERE c.condition_source_value ~ ' A$'
$$, 'Baden-Wuerttemberg records excluded differential diagnoses with certainty marker A');

-- code columns are of type clinnova.code (every generated code is a valid code)
SELECT is_empty($$
  SELECT p.proname || '.' || a.name FROM pg_proc p,
         unnest(p.proargnames, p.proallargtypes::regtype[]) AS a(name, type)
  WHERE p.pronamespace = 'clinnova'::regnamespace AND p.proname LIKE 'synth\_%'
    AND (a.name LIKE '%source\_code' OR a.name IN ('atc', 'atc_pre2024', 'loinc', 'local_code'))
    AND a.type <> 'clinnova.code'::regtype
$$, 'every code column of the synth functions is a clinnova.code');
SELECT lives_ok($$SELECT count(*) FROM unnest(ARRAY['LU', 'GE', 'BW', 'BS']) s, clinnova.synth_condition_occurrence(s, 3000, 11)$$,
                'diagnosis codes of 12000 persons of all sites are valid codes');

-- ---- the loader ----
SELECT results_eq($$SELECT table_name FROM clinnova.synth_load('synth_tap', 'LU', 500, 9, 1, 120)$$,
                  ARRAY['person', 'observation_period', 'condition_occurrence', 'drug_exposure', 'measurement', 'treatment_episode'],
                  'synth_load fills the six tables, in this order');
SELECT tables_are('synth_tap', ARRAY['person', 'observation_period', 'condition_occurrence', 'drug_exposure',
                                     'measurement', 'treatment_episode'], 'synth_load created exactly the six tables');
SELECT set_eq($$SELECT * FROM synth_tap.treatment_episode$$, $$SELECT * FROM clinnova.synth_treatment_episode('LU', 500, 9)$$,
              'the loaded episodes are those of synth_treatment_episode');
SELECT lives_ok($$SELECT * FROM clinnova.synth_load('synth_tap', 'GE', 100, 9)$$, 'a second site appends to the same tables');
SELECT is((SELECT count(DISTINCT care_site_id) FROM synth_tap.person), 2::bigint, 'the tables now hold two sites');

SELECT * FROM finish();
ROLLBACK;
