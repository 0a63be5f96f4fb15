-- Malformed text and binary forms of every type of the extension (test/hardening/io.sql):
-- truncations, wrong version bytes, wrong lengths and counts, NaN / Infinity / huge numbers,
-- deleted punctuation, random characters, deep JSON nesting.  The types are read from pg_type,
-- so a type added later is covered once it has a sample in test/hardening/corpus.sql.  Only
-- violations are printed: an input error outside class 22 / 54, an internal error, or a
-- malformed form that was accepted but is not a valid value (it does not read back).
-- Binary forms reach the receive functions through binary COPY from a file that lo_export
-- writes, exactly as a client's COPY would deliver them.
\i test/lib/regress_helpers.sql
\i test/hardening/corpus.sql
\i test/hardening/sweep.sql
\i test/hardening/io.sql
SET client_min_messages = error;

SELECT pg_temp.hz_io_run(2) > 10000 AS thousands_of_forms;
-- every type got text and binary forms, most of them refused
SELECT t AS type_not_fuzzed FROM pg_temp.hz_types() t
WHERE NOT EXISTS (SELECT 1 FROM pg_temp.hz_io i WHERE i.typ = t AND i.form = 'text')
   OR NOT EXISTS (SELECT 1 FROM pg_temp.hz_io i WHERE i.typ = t AND i.form = 'binary');
SELECT typ, form FROM pg_temp.hz_io GROUP BY 1, 2 HAVING count(*) FILTER (WHERE state <> '00000') < count(*) / 4 ORDER BY 1, 2;
-- text input errors are 22P02 (or a numeric range / JSON error of class 22), binary 22P03
SELECT typ, form, state, count(*) > 0 AS seen FROM pg_temp.hz_io
WHERE state NOT IN ('00000', '22P02', '22P03', '22P05', '22003', '22021') GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
-- violations
SELECT typ, form, variant, state, message FROM pg_temp.hz_io WHERE NOT pg_temp.hz_io_allowed(state) ORDER BY id;

-- text and binary COPY round trips of every sample of every type, in one table with one
-- column per type (the same table test/upgrade_data.sql builds for the upgrade test)
SELECT pg_temp.hz_values_table('hardening_values');
SELECT count(*) >= 5 AS several_rows, count(*) FILTER (WHERE v IS NULL) AS all_null_rows FROM hardening_values v;
\copy hardening_values TO PROGRAM 'cat > "${CLN_TMP:-/tmp}/clinnova_hardening_io.bin"' WITH (FORMAT binary)
\copy hardening_values TO PROGRAM 'cat > "${CLN_TMP:-/tmp}/clinnova_hardening_io.txt"'
CREATE TEMP TABLE values_binary (LIKE hardening_values);
CREATE TEMP TABLE values_text (LIKE hardening_values);
\copy values_binary FROM PROGRAM 'cat "${CLN_TMP:-/tmp}/clinnova_hardening_io.bin"' WITH (FORMAT binary)
\copy values_text FROM PROGRAM 'cat "${CLN_TMP:-/tmp}/clinnova_hardening_io.txt"'
SELECT (SELECT count(*) FROM hardening_values) = (SELECT count(*) FROM values_binary) AS binary_rows,
       (SELECT count(*) FROM hardening_values) = (SELECT count(*) FROM values_text) AS text_rows;
-- compared as text and as binary (send) forms, column by column
SELECT pg_temp.hz_compare_tables('hardening_values', 'values_binary') AS binary_copy_differences;
SELECT pg_temp.hz_compare_tables('hardening_values', 'values_text') AS text_copy_differences;
DROP TABLE hardening_values;
-- what test/hardening/sweep.sql set up for the baselines (a registered model, a schema)
DELETE FROM clinnova.model_registry WHERE name = 'hz_glm';
DROP SCHEMA hz_synth CASCADE;
