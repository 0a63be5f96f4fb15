-- clinnova.code: text input and normalisation, validation errors, canonical output, casts,
-- constructors, storage size, text and binary round trips, FHIR, icd10gm_parse.
SET search_path = public, clinnova;

-- ---- normalisation truth table: input -> canonical output, per system ----
CREATE TABLE io_norm (input text, expected text);
INSERT INTO io_norm VALUES
  ('ICD10:K50', 'ICD10:K50'),
  ('icd10:k501', 'ICD10:K50.1'),
  ('  ICD10 : K50.1  ', 'ICD10:K50.1'),
  ('ICD-10:K50.9', 'ICD10:K50.9'),
  ('ICD10:K50.-', 'ICD10:K50'),
  ('ICD10:B06.0+', 'ICD10:B06.0'),
  ('ICD10:B06.0†', 'ICD10:B06.0'),
  ('ICD10:G05.1*', 'ICD10:G05.1'),
  ('ICD10:B18.19', 'ICD10:B18.19'),
  ('ICD10:U07.1', 'ICD10:U07.1'),
  ('ICD10GM:G35.10', 'ICD10GM:G35.10'),
  ('icd-10-gm:g3510', 'ICD10GM:G35.10'),
  ('ICD10GM:G35.1-', 'ICD10GM:G35.1'),
  ('ICD10GM:G35.-', 'ICD10GM:G35'),
  ('ICD10GM:B95.4-!', 'ICD10GM:B95.4'),
  ('ICD10GM:U84!', 'ICD10GM:U84'),
  ('ICD10GM:G32.0*', 'ICD10GM:G32.0'),
  ('ICD10GM:E10.30+', 'ICD10GM:E10.30'),
  ('ICD10CM:K50.011', 'ICD10CM:K50.011'),
  ('icd10cm:s82874s', 'ICD10CM:S82.874S'),
  ('ICD10CM:C4A.0', 'ICD10CM:C4A.0'),
  ('ICD10CM:T36.0X1A', 'ICD10CM:T36.0X1A'),
  ('ICD10CM:G35.A', 'ICD10CM:G35.A'),
  ('ATC:L', 'ATC:L'),
  ('atc:l04', 'ATC:L04'),
  ('ATC:L04A', 'ATC:L04A'),
  ('ATC:l04ag', 'ATC:L04AG'),
  ('ATC: L04AG05 ', 'ATC:L04AG05'),
  ('SNOMED:34000006', 'SNOMED:34000006'),
  ('snomedct:24700007', 'SNOMED:24700007'),
  ('SCT:100005', 'SNOMED:100005'),
  ('SNOMED:11000000101', 'SNOMED:11000000101'),
  ('SNOMED:999999910000000107', 'SNOMED:999999910000000107'),
  ('LOINC:1988-5', 'LOINC:1988-5'),
  ('loinc: 718-7', 'LOINC:718-7'),
  ('LOINC:101198-0', 'LOINC:101198-0'),
  ('LOINC:5895-7', 'LOINC:5895-7'),
  ('OMOP:201606', 'OMOP:201606'),
  ('OMOP:2147483647', 'OMOP:2147483647'),
  ('omop:1', 'OMOP:1'),
  ('LOCAL:lux-lab/CRP01', 'LOCAL:lux-lab/CRP01'),
  ('local:LUX-Lab/crp01', 'LOCAL:lux-lab/crp01'),
  ('LOCAL:chu.nancy_lab/Na+:v2', 'LOCAL:chu.nancy_lab/Na+:v2'),
  ('http://hl7.org/fhir/sid/icd-10|K50.1', 'ICD10:K50.1'),
  ('http://fhir.de/CodeSystem/bfarm/icd-10-gm|G35.10', 'ICD10GM:G35.10'),
  ('http://fhir.de/CodeSystem/dimdi/icd-10-gm|G35.10', 'ICD10GM:G35.10'),
  ('http://hl7.org/fhir/sid/icd-10-cm|K50.011', 'ICD10CM:K50.011'),
  ('http://www.whocc.no/atc|L04AG05', 'ATC:L04AG05'),
  ('http://fhir.de/CodeSystem/bfarm/atc|L04AG05', 'ATC:L04AG05'),
  ('http://snomed.info/sct|34000006', 'SNOMED:34000006'),
  ('http://loinc.org|1988-5', 'LOINC:1988-5'),
  ('https://fhir-terminology.ohdsi.org|201606', 'OMOP:201606'),
  ('urn:clinnova:local:lux-lab|CRP01', 'LOCAL:lux-lab/CRP01');
SELECT input, input::code AS code, input::code::text = expected AS ok FROM io_norm ORDER BY 2, 1 COLLATE "C";
-- every canonical output reads back to the same code
SELECT count(*) AS round_trips FROM io_norm WHERE input::code::text::code = input::code;

-- ---- invalid input: 22P02 with a DETAIL naming the problem (every form: test/pgtap/codes.sql) ----
SELECT ''::code;
SELECT 'K50.1'::code;
SELECT 'ICD9:250.00'::code;
SELECT 'ICD10:K50.11'::code;
SELECT 'ICD10:K5A'::code;
SELECT 'ICD10GM:G35.10 G'::code;
SELECT 'ICD10GM:I21.9 A'::code;
SELECT 'ICD10GM:S51.9 GL'::code;
SELECT 'ICD10:K50.1!'::code;
SELECT 'ATC:L04AG5'::code;
SELECT 'ATC:X01'::code;
SELECT 'SNOMED:34000007'::code;
SELECT 'SNOMED:1234567011'::code;
SELECT 'LOINC:1988-4'::code;
SELECT 'OMOP:0'::code;
SELECT 'LOCAL:CRP01'::code;
SELECT 'http://example.org/codes|1'::code;

-- ---- is_valid_code never raises ----
SELECT left(v, 20) AS input, is_valid_code(v) FROM (VALUES ('ICD10:K50.1'), ('ICD10:K50.11'), ('SNOMED:34000006'),
  ('SNOMED:34000007'), ('LOINC:6645-7'), ('LOINC:6645-8'), (''), ('garbage'), (repeat('x', 10000))) t(v)
ORDER BY 1;
SELECT is_valid_code(NULL) IS NULL AS null_in_null_out;

-- ---- NULL behaviour ----
SELECT NULL::code IS NULL AS null_code, code(NULL::text) IS NULL AS cast_null,
       code('ICD10', NULL) IS NULL AS ctor_null, code_system(NULL) IS NULL AS system_null;

-- ---- constructors and casts ----
SELECT code('ICD10GM', 'G35.10 ') AS by_name, code('http://snomed.info/sct', '34000006') AS by_uri,
       code('urn:clinnova:local:lux-lab', 'CRP01') AS local_by_uri, code('icd-10-cm', 'k50011') AS cm;
SELECT code('ICD11', '1A00');
SELECT code('SNOMED', '34000007');
SELECT 'ICD10:K50.1'::text::code AS from_text, 'ICD10:K50.1'::varchar::code AS from_varchar,
       'ICD10:K50.1'::code::text AS to_text;
SELECT code_system_name('icd-10-gm') AS gm, code_system_name('http://loinc.org') AS loinc;
SELECT code_system_name('CPT');

-- ---- accessors ----
SELECT c, code_system(c), code_value(c), code_fhir_system(c)
FROM unnest('{ICD10:K50.1,ICD10GM:G35.10,ICD10CM:K50.011,ATC:L04AG05,SNOMED:34000006,LOINC:1988-5,OMOP:201606,LOCAL:lux-lab/CRP01}'::code[]) c;

-- ---- storage: a stored code takes no more room than its value as text (LOCAL: the system
-- byte more than namespace/value, less than its full text form) ----
CREATE TABLE io_size (c code, t text);
INSERT INTO io_size SELECT c::code, CASE WHEN c LIKE 'LOCAL:%' THEN c ELSE code_value(c::code) END FROM (VALUES ('ICD10:K50'), ('ICD10:K50.1'),
  ('ICD10GM:G35.10'), ('ICD10CM:S82.874S'), ('ATC:L'), ('ATC:L04AG05'), ('SNOMED:34000006'),
  ('SNOMED:999999910000000107'), ('LOINC:1988-5'), ('OMOP:201606'), ('LOCAL:lux-lab/CRP01')) v(c);
SELECT c, t, pg_column_size(c) AS code_bytes, pg_column_size(t) AS text_bytes,
       pg_column_size(c) <= pg_column_size(t) AS not_larger
FROM io_size ORDER BY c;

-- ---- binary round trip (binary COPY) ----
CREATE TABLE io_bin (c code);
\copy (SELECT input::code FROM io_norm) TO '/tmp/clinnova_code_io.bin' WITH (FORMAT binary)
\copy io_bin FROM '/tmp/clinnova_code_io.bin' WITH (FORMAT binary)
SELECT count(*) AS rows_back,
       count(*) = (SELECT count(*) FROM io_norm) AS all_rows,
       bool_and(c IN (SELECT input::code FROM io_norm)) AS all_equal
FROM io_bin;
-- the binary format: version 1, system byte, value text
SELECT encode(code_send('ICD10GM:G35.10'), 'hex') AS icd10gm, encode(code_send('SNOMED:34000006'), 'hex') AS snomed;

-- binary input re-runs every check of text input (crafted binary COPY files)
-- one tuple of one field: int16 count, int32 length, the bytes; then the trailer -1
\! printf '\120\107\103\117\120\131\012\377\015\012\000\000\000\000\000\000\000\000\000\000\001\000\000\000\012\001\004\063\064\060\060\060\060\060\066\377\377' > /tmp/clinnova_code_ok.bin
\copy io_bin FROM '/tmp/clinnova_code_ok.bin' WITH (FORMAT binary)
SELECT count(*) AS rows_after_crafted_copy FROM io_bin;
-- wrong check digit
\! printf '\120\107\103\117\120\131\012\377\015\012\000\000\000\000\000\000\000\000\000\000\001\000\000\000\012\001\004\063\064\060\060\060\060\060\067\377\377' > /tmp/clinnova_code_bad.bin
\copy io_bin FROM '/tmp/clinnova_code_bad.bin' WITH (FORMAT binary)
-- unknown format version
\! printf '\120\107\103\117\120\131\012\377\015\012\000\000\000\000\000\000\000\000\000\000\001\000\000\000\012\002\004\063\064\060\060\060\060\060\066\377\377' > /tmp/clinnova_code_bad.bin
\copy io_bin FROM '/tmp/clinnova_code_bad.bin' WITH (FORMAT binary)
-- unknown system number
\! printf '\120\107\103\117\120\131\012\377\015\012\000\000\000\000\000\000\000\000\000\000\001\000\000\000\003\001\011\130\377\377' > /tmp/clinnova_code_bad.bin
\copy io_bin FROM '/tmp/clinnova_code_bad.bin' WITH (FORMAT binary)
-- no system byte
\! printf '\120\107\103\117\120\131\012\377\015\012\000\000\000\000\000\000\000\000\000\000\001\000\000\000\001\001\377\377' > /tmp/clinnova_code_bad.bin
\copy io_bin FROM '/tmp/clinnova_code_bad.bin' WITH (FORMAT binary)
-- empty value
\! printf '\120\107\103\117\120\131\012\377\015\012\000\000\000\000\000\000\000\000\000\000\001\000\000\000\002\001\000\377\377' > /tmp/clinnova_code_bad.bin
\copy io_bin FROM '/tmp/clinnova_code_bad.bin' WITH (FORMAT binary)
\! rm -f /tmp/clinnova_code_io.bin /tmp/clinnova_code_ok.bin /tmp/clinnova_code_bad.bin

-- ---- FHIR Coding ----
SELECT c, to_fhir(c) FROM unnest('{ICD10:K50.1,ICD10CM:K50.011,ATC:L04AG05,SNOMED:34000006,LOINC:1988-5,OMOP:201606,LOCAL:lux-lab/CRP01}'::code[]) c;
SELECT to_fhir('ICD10GM:G35.10', '2025') AS gm_with_version;
-- round trip through FHIR for every system
SELECT count(*) AS fhir_round_trips FROM io_norm WHERE from_fhir(to_fhir(input::code)) = input::code;
SELECT from_fhir('{"system": "http://snomed.info/sct", "code": "34000006", "display": "Crohn''s disease"}') AS plain,
       from_fhir('{"system": "http://fhir.de/CodeSystem/bfarm/icd-10-gm", "version": "2025", "code": "G35.10",
                   "extension": [{"url": "http://fhir.de/StructureDefinition/icd-10-gm-mehrfachcodierungs-kennzeichen",
                                  "valueCoding": {"code": "†"}}]}') AS gm_with_marker;
SELECT from_fhir('[1, 2]');
SELECT from_fhir('{"coding": [{"system": "http://snomed.info/sct", "code": "34000006"}]}');
SELECT from_fhir('{"system": "http://snomed.info/sct"}');
SELECT from_fhir('{"system": "http://snomed.info/sct", "code": 34000006}');
SELECT from_fhir('{"system": "http://www.ama-assn.org/go/cpt", "code": "99213"}');
SELECT from_fhir('{"system": "http://snomed.info/sct", "code": "34000007"}');
-- a German Coding with diagnosis certainty: refused by from_fhir, read by icd10gm_parse(jsonb)
\set coding '{"system": "http://fhir.de/CodeSystem/bfarm/icd-10-gm", "version": "2025", "code": "G35.10", "extension": [{"url": "http://fhir.de/StructureDefinition/icd-10-gm-diagnosesicherheit", "valueCoding": {"system": "https://fhir.kbv.de/CodeSystem/KBV_CS_SFHIR_ICD_DIAGNOSESICHERHEIT", "code": "A"}}, {"url": "http://fhir.de/StructureDefinition/seitenlokalisation", "valueCoding": {"code": "L"}}, {"url": "http://fhir.de/StructureDefinition/icd-10-gm-mehrfachcodierungs-kennzeichen", "valueCoding": {"code": "+"}}]}'
SELECT from_fhir(:'coding');
SELECT * FROM icd10gm_parse(:'coding'::jsonb);
SELECT * FROM icd10gm_parse('{"system": "http://snomed.info/sct", "code": "34000006"}'::jsonb);

-- ---- icd10gm_parse(text): German source entries ----
SELECT e, (icd10gm_parse(e)).* FROM (VALUES ('G35.10'), ('G35.10 G'), ('S51.9 GL'), ('S51.9 LG'),
  ('I21.9 A'), ('I64 Z'), ('G35.1- V'), ('B06.0+'), ('B06.0†'), ('G05.1* R'), ('B95.4-!'),
  ('ICD10GM:K50.80 B'), ('M06.99G')) t(e);
SELECT icd10gm_parse('E10.30+ H36.0*');
SELECT icd10gm_parse('G35.10 G V');
SELECT icd10gm_parse('ICD10:G35.10');
SELECT icd10gm_parse('G35.100 G');
