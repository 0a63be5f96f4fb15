-- Module codes: SQLSTATEs of every invalid form of every system, normalisation and operator
-- truth tables, NULL behaviour, the catalog contract (types, operators, opclasses, estimators),
-- index/seq-scan agreement, FHIR round trip, vocabulary and phenotype functions.
BEGIN;
SET LOCAL search_path = public, clinnova;

-- ---- fixtures (created before plan() so the plan can count them) ----
CREATE TEMP TABLE bad (input text, why text);
INSERT INTO bad VALUES
  -- general
  ('', 'empty'), ('   ', 'blank'), ('K50.1', 'no system prefix'), ('XYZ:1', 'unknown system'),
  (':K50', 'empty system'), ('ICD10:', 'empty value'), (repeat('A', 300), 'too long'),
  ('http://example.org/codes|1', 'unknown FHIR URI'), ('urn:clinnova:local:|x', 'empty local namespace URI'),
  ('ICD10;K50', 'wrong separator'),
  -- ICD-10 (WHO)
  ('ICD10:150', 'starts with a digit'), ('ICD10:KA0', 'letter in position 2'), ('ICD10:K5', 'two characters'),
  ('ICD10:K50.11', 'five characters outside B18'), ('ICD10:B18.02', 'B18 subdivision that does not exist'),
  ('ICD10:K5.01', 'dot after position 2'), ('ICD10:K50.', 'dot at the end'), ('ICD10:K50..1', 'two dots'),
  ('ICD10:K50.1.2', 'two dots apart'), ('ICD10:K50 G', 'Zusatzkennzeichen in WHO'), ('ICD10:K50A', 'letter after WHO code'),
  ('ICD10:K50.1!', 'GM-only marker'), ('ICD10:K50-1', 'text after the dash'), ('ICD10:K501234', 'seven characters'),
  ('ICD10:K50.1*!', 'two markers'), ('ICD10:Ä50', 'non-ASCII letter'), ('ICD10:K50,1', 'comma'),
  ('ICD10:K5A', 'CM-style letter in WHO'),
  -- ICD-10-GM
  ('ICD10GM:G35.10 G', 'certainty G'), ('ICD10GM:G35.10 V', 'certainty V'), ('ICD10GM:G35.10 Z', 'certainty Z'),
  ('ICD10GM:I21.9 A', 'certainty A (excluded)'), ('ICD10GM:S51.9 R', 'laterality R'), ('ICD10GM:S51.9 L', 'laterality L'),
  ('ICD10GM:S51.9 B', 'laterality B'), ('ICD10GM:S51.9 GL', 'certainty and laterality'),
  ('ICD10GM:G35.10A', 'certainty without space'), ('ICD10GM:G35.100', 'six characters'),
  ('ICD10GM:G35.1X', 'letter after GM code'), ('ICD10GM:G35.10 X', 'unknown trailing letter'),
  ('ICD10GM:G3', 'two characters'), ('ICD10GM:G35.1-X', 'text after the dash'), ('ICD10GM:E10.30+ H36.0*', 'two codes'),
  -- ICD-10-CM
  ('ICD10CM:K50-', 'dash in CM'), ('ICD10CM:K50.0111X', 'eight characters'), ('ICD10CM:KX0', 'letter in position 2'),
  ('ICD10CM:K50.+', 'marker in CM'), ('ICD10CM:K5', 'two characters'), ('ICD10CM:150.0', 'starts with a digit'),
  ('ICD10CM:K50.011 A', 'trailing text'), ('ICD10CM:K50.0*', 'asterisk in CM'),
  -- ATC
  ('ATC:L0', 'two characters'), ('ATC:L04A0', 'digit in position 5'), ('ATC:L04AG5', 'six characters'),
  ('ATC:L04AG055', 'eight characters'), ('ATC:X01', 'unknown main group'), ('ATC:L0A', 'letter in position 3'),
  ('ATC:LA4', 'letter in position 2'), ('ATC:104', 'digit as main group'), ('ATC:L04-AG', 'dash'),
  ('ATC:L04AGA5', 'letter in position 6'), ('ATC:L04AG0A', 'letter in position 7'),
  -- SNOMED CT
  ('SNOMED:34000007', 'Verhoeff check digit'), ('SNOMED:24526005', 'Verhoeff check digit'),
  ('SNOMED:034000006', 'leading zero'), ('SNOMED:12345', 'five digits'), ('SNOMED:1234567890123456789', 'nineteen digits'),
  ('SNOMED:3400a006', 'letter'), ('SNOMED:1234567011', 'partition 01 (description)'),
  ('SNOMED:1234567021', 'partition 02 (relationship)'), ('SNOMED:12345671000000111', 'partition 11 (description)'),
  ('SNOMED:12345671000000121', 'partition 12 (relationship)'), ('SNOMED:1234567161', 'partition 16 (expression)'),
  ('SNOMED:1234567031', 'legacy partition 03'), ('SNOMED:1234567151', 'legacy partition 15'),
  ('SNOMED:1234567071', 'reserved partition 07'), ('SNOMED:123456101', 'partition 10 without namespace'),
  ('SNOMED:-34000006', 'sign'), ('SNOMED:34000006.0', 'decimal'), ('SNOMED:34 000 006', 'spaces'),
  -- LOINC
  ('LOINC:1988-4', 'mod-10 check digit'), ('LOINC:38445-2', 'mod-10 check digit'), ('LOINC:6645-8', 'check digit of a deprecated code'),
  ('LOINC:19885', 'no hyphen'), ('LOINC:01988-5', 'leading zero'), ('LOINC:1234567-0', 'seven-digit number'),
  ('LOINC:1988-', 'no check digit'), ('LOINC:-5', 'no number'), ('LOINC:1988-55', 'two check digits'),
  ('LOINC:1988--5', 'two hyphens'), ('LOINC:LP1234-5', 'LOINC part'), ('LOINC:19a8-5', 'letter'),
  -- OMOP
  ('OMOP:0', 'No matching concept'), ('OMOP:-1', 'negative'), ('OMOP:2147483648', 'above int4'),
  ('OMOP:99999999999', 'eleven digits'), ('OMOP:01', 'leading zero'), ('OMOP:12a', 'letter'), ('OMOP:1.0', 'decimal'),
  -- LOCAL
  ('LOCAL:CRP01', 'no namespace'), ('LOCAL:/x', 'empty namespace'), ('LOCAL:ns/', 'empty value'),
  ('LOCAL:lux lab/x', 'space in namespace'), ('LOCAL:-lux/x', 'namespace starts with dash'),
  ('LOCAL:' || repeat('a', 33) || '/x', 'namespace too long'), ('LOCAL:ns/' || repeat('v', 65), 'value too long'),
  ('LOCAL:ns/a b', 'space in value'), ('LOCAL:ns/é', 'non-ASCII value'), ('LOCAL:n$/x', 'symbol in namespace'),
  -- FHIR tokens
  ('http://snomed.info/sct|34000007', 'FHIR token, bad check digit'), ('http://loinc.org|', 'FHIR token, empty code'),
  ('http://hl7.org/fhir/sid/icd-10|K50.11', 'FHIR token, WHO five characters');

CREATE TEMP TABLE good (input text, canonical text);
INSERT INTO good VALUES
  ('icd10:k501', 'ICD10:K50.1'), (' ICD10 : K50.1 ', 'ICD10:K50.1'), ('ICD-10:K50', 'ICD10:K50'),
  ('ICD10:K50.-', 'ICD10:K50'), ('ICD10:B06.0+', 'ICD10:B06.0'), ('ICD10:B06.0†', 'ICD10:B06.0'),
  ('ICD10:G05.1*', 'ICD10:G05.1'), ('ICD10:B18.00', 'ICD10:B18.00'), ('ICD10:B18.09', 'ICD10:B18.09'),
  ('ICD10:B18.10', 'ICD10:B18.10'), ('ICD10:B18.19', 'ICD10:B18.19'),
  ('ICD10GM:G3510', 'ICD10GM:G35.10'), ('ICD10GM:G35.1-', 'ICD10GM:G35.1'), ('ICD10GM:G35.-', 'ICD10GM:G35'),
  ('ICD10GM:B95.4-!', 'ICD10GM:B95.4'), ('ICD10GM:U84!', 'ICD10GM:U84'), ('ICD10GM:G32.0*', 'ICD10GM:G32.0'),
  ('ICD10GM:E10.30+', 'ICD10GM:E10.30'), ('icd-10-gm:k50.80', 'ICD10GM:K50.80'),
  ('ICD10CM:K50011', 'ICD10CM:K50.011'), ('ICD10CM:s82.874s', 'ICD10CM:S82.874S'), ('ICD10CM:C4A.0', 'ICD10CM:C4A.0'),
  ('ICD10CM:M05.7A', 'ICD10CM:M05.7A'), ('ICD10CM:G35.B1', 'ICD10CM:G35.B1'), ('ICD10CM:T36.0X1A', 'ICD10CM:T36.0X1A'),
  ('atc:l', 'ATC:L'), ('ATC:L04', 'ATC:L04'), ('ATC:L04A', 'ATC:L04A'), ('ATC:L04AG', 'ATC:L04AG'),
  ('ATC:l04ag05', 'ATC:L04AG05'), ('ATC:V03AB', 'ATC:V03AB'),
  ('SNOMED:34000006', 'SNOMED:34000006'), ('SCT:24526004', 'SNOMED:24526004'), ('SNOMED-CT:64766004', 'SNOMED:64766004'),
  ('SNOMED:100005', 'SNOMED:100005'), ('SNOMED:11000000101', 'SNOMED:11000000101'),
  ('SNOMED:999999910000000107', 'SNOMED:999999910000000107'),
  ('LOINC:1988-5', 'LOINC:1988-5'), ('LOINC:718-7', 'LOINC:718-7'), ('LOINC:101198-0', 'LOINC:101198-0'),
  ('LOINC:11491-6', 'LOINC:11491-6'), ('LOINC:6649-9', 'LOINC:6649-9'),
  ('OMOP:1', 'OMOP:1'), ('OMOP:2147483647', 'OMOP:2147483647'),
  ('LOCAL:Lux-Lab/CRP01', 'LOCAL:lux-lab/CRP01'), ('LOCAL:a/B', 'LOCAL:a/B'),
  ('http://snomed.info/sct|34000006', 'SNOMED:34000006'), ('http://fhir.de/CodeSystem/dimdi/atc|L04AG05', 'ATC:L04AG05'),
  ('HTTP://LOINC.ORG|1988-5', 'LOINC:1988-5'), ('urn:clinnova:local:Lux-Lab|CRP01', 'LOCAL:lux-lab/CRP01');

CREATE TEMP TABLE pairs (a clinnova.code, b clinnova.code, contained boolean, lt boolean);
INSERT INTO pairs VALUES
  ('ICD10:K50.1', 'ICD10:K50', true, false), ('ICD10:K50', 'ICD10:K50.1', false, true),
  ('ICD10:K50', 'ICD10:K50', true, false), ('ICD10:K51', 'ICD10:K50', false, false),
  ('ICD10:K50.8', 'ICD10CM:K50.8', false, true), ('ICD10GM:K50.8', 'ICD10:K50', false, false),
  ('ICD10GM:G35.10', 'ICD10GM:G35', true, false), ('ICD10CM:T36.0X1A', 'ICD10CM:T36.0', true, false),
  ('ATC:L04AG05', 'ATC:L', true, false), ('ATC:L04AA33', 'ATC:L04AG', false, true),
  ('SNOMED:7620006', 'SNOMED:34000006', false, true), ('SNOMED:34000006', 'SNOMED:34000006', true, false),
  ('LOINC:718-7', 'LOINC:1988-5', false, true), ('OMOP:201606', 'SNOMED:34000006', false, false),
  ('LOCAL:a/bc', 'LOCAL:a/b', false, false);

SELECT plan((SELECT count(*)::integer FROM bad) * 2 + (SELECT count(*)::integer FROM good) * 2
            + (SELECT count(*)::integer FROM pairs) * 2 + 52);

-- ---- every invalid form raises 22P02, and is_valid_code says false without raising ----
SELECT throws_ok(format('SELECT %L::clinnova.code', input), '22P02', NULL, 'invalid (' || why || '): ' || left(input, 40))
FROM bad;
SELECT is(is_valid_code(input), false, 'is_valid_code false (' || why || '): ' || left(input, 40)) FROM bad;

-- ---- normalisation truth table ----
SELECT is(input::code::text, canonical, 'normalises ' || input) FROM good;
SELECT is(is_valid_code(input), true, 'is_valid_code true: ' || input) FROM good;

-- ---- operator truth table ----
SELECT is(a <@ b, contained, format('%s <@ %s', a, b)) FROM pairs;
SELECT is(a < b, lt, format('%s < %s', a, b)) FROM pairs;

-- ---- NULL behaviour ----
SELECT ok(NULL::code IS NULL, 'NULL::code is NULL');
SELECT ok(code(NULL::text) IS NULL, 'code(NULL) is NULL (strict)');
SELECT ok(is_valid_code(NULL) IS NULL, 'is_valid_code(NULL) is NULL');
SELECT ok(('ICD10:K50'::code <@ NULL) IS NULL, '<@ with NULL is NULL');
SELECT ok(in_phenotype(NULL, 'ibd') IS NULL, 'in_phenotype(NULL, ...) is NULL');

-- ---- other SQLSTATEs ----
SELECT throws_ok($$SELECT clinnova.code('ICD11', '1A00')$$, '22023', NULL, 'code(): unknown system is 22023');
SELECT throws_ok($$SELECT clinnova.code('SNOMED', '34000007')$$, '22P02', NULL, 'code(): invalid value is 22P02');
SELECT throws_ok($$SELECT clinnova.code_system_name('CPT')$$, '22023', NULL, 'code_system_name: unknown system is 22023');
SELECT throws_ok($$SELECT clinnova.from_fhir('[1]')$$, '22023', NULL, 'from_fhir: not an object');
SELECT throws_ok($$SELECT clinnova.from_fhir('{"coding": []}')$$, '22023', NULL, 'from_fhir: CodeableConcept');
SELECT throws_ok($$SELECT clinnova.from_fhir('{"system": "http://loinc.org"}')$$, '22023', NULL, 'from_fhir: no code');
SELECT throws_ok($$SELECT clinnova.from_fhir('{"system": 1, "code": "1988-5"}')$$, '22023', NULL, 'from_fhir: system not a string');
SELECT throws_ok($$SELECT clinnova.from_fhir('{"system": "http://x.org", "code": "1"}')$$, '22023', NULL, 'from_fhir: unknown system');
SELECT throws_ok($$SELECT clinnova.from_fhir('{"system": "http://loinc.org", "code": "1988-4"}')$$, '22P02', NULL, 'from_fhir: bad check digit');
SELECT throws_ok($$SELECT clinnova.from_fhir('{"system": "http://fhir.de/CodeSystem/bfarm/icd-10-gm", "code": "G35.10",
  "extension": [{"url": "http://fhir.de/StructureDefinition/icd-10-gm-diagnosesicherheit", "valueCoding": {"code": "A"}}]}')$$,
  '22023', NULL, 'from_fhir: refuses a Coding with diagnosis certainty');
SELECT throws_ok($$SELECT clinnova.icd10gm_parse('{"system": "http://loinc.org", "code": "1988-5"}'::jsonb)$$, '22023', NULL,
  'icd10gm_parse(jsonb): not ICD-10-GM');
SELECT throws_ok($$SELECT clinnova.icd10gm_parse('{"system": "http://fhir.de/CodeSystem/bfarm/icd-10-gm", "code": "G35.10",
  "extension": [{"url": "http://fhir.de/StructureDefinition/icd-10-gm-diagnosesicherheit", "valueCoding": {"code": "X"}}]}'::jsonb)$$,
  '22P02', NULL, 'icd10gm_parse(jsonb): unknown certainty');
SELECT throws_ok($$SELECT clinnova.icd10gm_parse('E10.30+ H36.0*')$$, '22P02', NULL, 'icd10gm_parse: two codes');
SELECT throws_ok($$SELECT clinnova.icd10gm_parse('G35.10 G A')$$, '22P02', NULL, 'icd10gm_parse: two certainties');
SELECT throws_ok($$SELECT clinnova.icd10gm_parse('ATC:L04AG05')$$, '22P02', NULL, 'icd10gm_parse: other system');
SELECT throws_ok($$SELECT clinnova.in_phenotype('ICD10:K50', 'no such phenotype')$$, '22023', NULL, 'in_phenotype: unknown name');
SELECT throws_ok($$SELECT * FROM clinnova.map('ICD10:K50', 'ICD9')$$, '22023', NULL, 'map: unknown target system');

-- ---- catalog contract ----
SELECT has_type('clinnova', 'code', 'type clinnova.code');
SELECT is((SELECT typstorage FROM pg_type WHERE oid = 'clinnova.code'::regtype), 'm', 'code is stored inline (main)');
SELECT ok((SELECT opcdefault FROM pg_opclass WHERE opcname = 'code_ops'
           AND opcmethod = (SELECT oid FROM pg_am WHERE amname = 'btree')), 'code_ops is the default btree opclass');
SELECT ok((SELECT opcdefault FROM pg_opclass WHERE opcname = 'code_hash_ops'
           AND opcmethod = (SELECT oid FROM pg_am WHERE amname = 'hash')), 'code_hash_ops is the default hash opclass');
SELECT ok((SELECT oprcom = 'clinnova.@>(clinnova.code,clinnova.code)'::regoperator FROM pg_operator
           WHERE oid = 'clinnova.<@(clinnova.code,clinnova.code)'::regoperator), '<@ has @> as commutator');
SELECT ok((SELECT oprrest = 'clinnova.code_contained_sel'::regproc AND oprjoin = 'clinnova.code_contained_joinsel'::regproc
           FROM pg_operator WHERE oid = 'clinnova.<@(clinnova.code,clinnova.code)'::regoperator), '<@ has its own estimators');
SELECT ok((SELECT prosupport = 'clinnova.code_contained_support'::regproc FROM pg_proc
           WHERE oid = 'clinnova.code_contained(clinnova.code,clinnova.code)'::regprocedure),
          'code_contained has a planner support function');
SELECT ok((SELECT oprcanhash AND oprcanmerge FROM pg_operator WHERE oprname = '=' AND oprleft = 'clinnova.code'::regtype),
          '= supports hash and merge joins');
SELECT ok((SELECT bool_and(proleakproof) FROM pg_proc WHERE pronamespace = 'clinnova'::regnamespace
           AND proname IN ('code_eq', 'code_ne', 'code_lt', 'code_le', 'code_gt', 'code_ge', 'code_cmp',
                           'code_contained', 'code_contains')), 'comparison and hierarchy functions are leakproof');
SELECT has_table('clinnova', 'concept', 'OMOP table concept');
SELECT columns_are('clinnova', 'concept', ARRAY['concept_id', 'concept_name', 'domain_id', 'vocabulary_id',
  'concept_class_id', 'standard_concept', 'concept_code', 'valid_start_date', 'valid_end_date', 'invalid_reason'],
  'concept has the OMOP CDM 5.4 columns in order');
SELECT columns_are('clinnova', 'concept_relationship', ARRAY['concept_id_1', 'concept_id_2', 'relationship_id',
  'valid_start_date', 'valid_end_date', 'invalid_reason'], 'concept_relationship has the OMOP CDM 5.4 columns');
SELECT columns_are('clinnova', 'concept_ancestor', ARRAY['ancestor_concept_id', 'descendant_concept_id',
  'min_levels_of_separation', 'max_levels_of_separation'], 'concept_ancestor has the OMOP CDM 5.4 columns');
SELECT is((SELECT count(*)::integer FROM pg_extension e, unnest(e.extconfig) c WHERE e.extname = 'clinnova'
           AND c IN ('clinnova.concept'::regclass, 'clinnova.concept_relationship'::regclass,
                     'clinnova.concept_ancestor'::regclass, 'clinnova.phenotype'::regclass)), 4, 'vocabulary and phenotype tables are dumped (config tables)');

-- ---- index and seq scan agree ----
CREATE TEMP TABLE t_ix AS SELECT g, (ARRAY['ICD10:K50','ICD10:K50.1','ICD10:K51.0','ICD10GM:K50.80','ATC:L04AG05',
  'ATC:L04AB02','SNOMED:34000006','LOINC:1988-5'])[1 + g % 8]::code AS c FROM generate_series(1, 4000) g;
CREATE INDEX ON t_ix (c);
ANALYZE t_ix;
SET LOCAL enable_seqscan = off;
CREATE TEMP TABLE r_ix AS SELECT q, (SELECT array_agg(g ORDER BY g) FROM t_ix WHERE c <@ q) AS ids
FROM unnest('{ICD10:K50,ICD10GM:K50,ATC:L04,ATC:L04AG05,SNOMED:34000006}'::code[]) q;
SET LOCAL enable_seqscan = on; SET LOCAL enable_indexscan = off; SET LOCAL enable_bitmapscan = off;
SELECT set_eq($$SELECT q, ids FROM r_ix$$,
  $$SELECT q, (SELECT array_agg(g ORDER BY g) FROM t_ix WHERE c <@ q) FROM unnest('{ICD10:K50,ICD10GM:K50,ATC:L04,ATC:L04AG05,SNOMED:34000006}'::code[]) q$$,
  'index scan and seq scan give the same rows for <@');
SET LOCAL enable_indexscan = on; SET LOCAL enable_bitmapscan = on;
SELECT ok((SELECT count(*) FROM r_ix WHERE ids IS NOT NULL) = 5, 'every query code has rows');

-- ---- FHIR round trip ----
SELECT is((SELECT count(*)::integer FROM good WHERE from_fhir(to_fhir(input::code)) = input::code),
          (SELECT count(*)::integer FROM good), 'every code survives to_fhir/from_fhir');
SELECT is(to_fhir('ICD10GM:G35.10', '2025') ->> 'version', '2025', 'to_fhir keeps a given version');
SELECT is(to_fhir('ATC:L04AG05') ->> 'system', 'http://www.whocc.no/atc', 'to_fhir: ATC system URI');
SELECT is((icd10gm_parse('S51.9 LG')).laterality, 'L', 'icd10gm_parse: laterality');
SELECT is((icd10gm_parse('I21.9 A')).certainty, 'A', 'icd10gm_parse: excluded diagnosis is returned, not dropped');

-- ---- vocabulary and phenotypes ----
SELECT is(code_label('SNOMED:34000006'), 'Crohn''s disease', 'code_label of a SNOMED concept');
SELECT is(code_concept_id('SNOMED:24700007'), 374919, 'verified OMOP concept_id of multiple sclerosis');
SELECT ok(is_a('ICD10GM:K50.80', 'SNOMED:24526004'), 'a GM Crohn code is a kind of IBD');
SELECT ok(NOT is_a('ICD10:K50.8', 'SNOMED:71833008'), 'WHO K50.8 is not the CM meaning of K50.8');
SELECT set_eq($$SELECT clinnova.map('ATC:L04AA33', 'ATC')$$, ARRAY['ATC:L04AG05'::clinnova.code],
  'vedolizumab L04AA33 maps to L04AG05');
SELECT set_eq($$SELECT clinnova.map('ICD10CM:K50.8', 'SNOMED')$$, ARRAY['SNOMED:71833008'::clinnova.code],
  'CM K50.8 maps to Crohn''s disease of small and large intestines');
SELECT ok(in_phenotype('ICD10GM:M06.99', 'ra') AND NOT in_phenotype('ICD10GM:M06.10', 'ra'),
  'ra includes M06.99 and excludes Still''s disease M06.1x');
SELECT ok(in_phenotype('ATC:L04AA29', 'drug_jak_inhibitors'), 'old tofacitinib code is a JAK inhibitor');
SELECT ok((SELECT bool_and(in_phenotype(c, p)) FROM (VALUES ('ICD10:K50.9'::code, 'crohn'), ('ICD10CM:K51.90', 'uc'),
  ('SNOMED:24526004', 'ibd'), ('ICD10:G35', 'ms'), ('ICD10GM:M05.80', 'ra')) v(c, p)), 'phenotypes ibd, crohn, uc, ra, ms');

SELECT * FROM finish();
ROLLBACK;
