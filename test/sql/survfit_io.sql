-- The survfit type: text form (a JSON object), exact text and binary round trips, binary COPY,
-- equality, and every check of the input paths (text 22P02, binary 22P03).
\i test/lib/regress_helpers.sql
\i test/data/survival_load.sql

-- the text form of each layout: unweighted, integer and fractional weights, late entries, causes
SELECT clinnova.km(t, e) FROM (VALUES (1, true), (2, false), (2, true), (1, true)) v(t, e);
SELECT clinnova.km(t, e, w) FROM (VALUES (1, true, 2), (2, false, 1), (2, true, 3)) v(t, e, w);
SELECT clinnova.km(t, e, w) FROM (VALUES (1, true, 0.1), (1, true, 0.2), (2.5, false, 1)) v(t, e, w);
SELECT clinnova.km(s, t, e) FROM (VALUES (0, 1, true), (0.5, 2, false), (1, 3, true)) v(s, t, e);
SELECT clinnova.km(s, t, e, w) FROM (VALUES (0, 1, true, 1.5), (0.5, 2, false, 2)) v(s, t, e, w);
SELECT clinnova.cif(t, c) FROM (VALUES (1, 2), (1, 0), (3, 1)) v(t, c);

-- text round trips are exact: value::text::survfit equals value, for every table built here
CREATE TEMP TABLE tables (name text, sf clinnova.survfit);
INSERT INTO tables
          SELECT 'lung', clinnova.km(time, status = 2) FROM lung
UNION ALL SELECT 'lung_weighted', clinnova.km(time, status = 2, age / 60) FROM lung
UNION ALL SELECT 'ties_entry_weighted', clinnova.km(entry, time, status = 1, w) FROM ties
UNION ALL SELECT 'ties_causes_weighted', clinnova.cif(time, cause, w) FROM ties
UNION ALL SELECT 'heart', clinnova.km(start, stop, event = 1) FROM heart
UNION ALL SELECT 'awkward_doubles', clinnova.km(t, true, w)
            FROM (VALUES (1e-300, 0.1), (0.30000000000000004, 1e150), (123456.789e10, 1 / 3.0)) v(t, w);
SELECT name, sf::text::clinnova.survfit OPERATOR(clinnova.=) sf AS text_round_trip,
       length(sf::text) AS text_length
FROM tables ORDER BY name;

-- binary COPY round trip
-- (files go to this run's temporary directory, so concurrent test runs do not collide)
\copy (SELECT name, sf FROM tables) TO PROGRAM 'cat > "${CLN_TMP:-/tmp}/clinnova_survfit_io.bin"' WITH (FORMAT binary)
CREATE TEMP TABLE tables_back (name text, sf clinnova.survfit);
\copy tables_back FROM PROGRAM 'cat "${CLN_TMP:-/tmp}/clinnova_survfit_io.bin"' WITH (FORMAT binary)
SELECT t.name, b.sf OPERATOR(clinnova.=) t.sf AS binary_round_trip
FROM tables t JOIN tables_back b USING (name) ORDER BY t.name;

-- equality
SELECT a.sf OPERATOR(clinnova.=) b.sf AS eq, a.sf OPERATOR(clinnova.<>) b.sf AS ne
FROM tables a, tables b WHERE a.name = 'lung' AND b.name IN ('lung', 'heart') ORDER BY b.name;

-- input is JSON: any key order and spacing; -0 reads as 0
SELECT ' { "rows" : [ [ 0 , 1 , 0 ] , [2.5, 0, 3] ] , "columns": ["time", "events", "censored"],
         "weights": "none", "causes": 1 } '::clinnova.survfit;
SELECT '{"causes":1,"weights":"none","columns":["time","events","censored"],"rows":[[-0,1,0]]}'::clinnova.survfit;
-- the text form can be read with jsonb functions
SELECT jsonb_array_length(sf::text::jsonb -> 'rows') AS rows, sf::text::jsonb -> 'columns' AS columns
FROM tables WHERE name = 'heart';

-- bad text input: 22P02 with a DETAIL naming the problem
SELECT 'not json'::clinnova.survfit;
SELECT '[1, 2]'::clinnova.survfit;
SELECT '{"causes":1,"weights":"none","columns":["time","events","censored"]}'::clinnova.survfit;
SELECT '{"causes":1,"weights":"none","columns":["time","events","censored"],"rows":[[1,1,0]],"x":1}'::clinnova.survfit;
SELECT '{"causes":0,"weights":"none","columns":["time","censored"],"rows":[[1,1]]}'::clinnova.survfit;
SELECT '{"causes":1.5,"weights":"none","columns":["time","events","censored"],"rows":[[1,1,0]]}'::clinnova.survfit;
SELECT '{"causes":"1","weights":"none","columns":["time","events","censored"],"rows":[[1,1,0]]}'::clinnova.survfit;
SELECT '{"causes":1,"weights":"some","columns":["time","events","censored"],"rows":[[1,1,0]]}'::clinnova.survfit;
SELECT '{"causes":1,"weights":"none","columns":["time","events"],"rows":[[1,1]]}'::clinnova.survfit;
SELECT '{"causes":1,"weights":"none","columns":["time","deaths","censored"],"rows":[[1,1,0]]}'::clinnova.survfit;
SELECT '{"causes":1,"weights":"none","columns":["time","events","censored"],"rows":[]}'::clinnova.survfit;
SELECT '{"causes":1,"weights":"none","columns":["time","events","censored"],"rows":[[1,1]]}'::clinnova.survfit;
SELECT '{"causes":1,"weights":"none","columns":["time","events","censored"],"rows":[[1,"1",0]]}'::clinnova.survfit;
SELECT '{"causes":1,"weights":"none","columns":["time","events","censored"],"rows":[[2,1,0],[1,1,0]]}'::clinnova.survfit;
SELECT '{"causes":1,"weights":"none","columns":["time","events","censored"],"rows":[[1,1,0],[1,0,1]]}'::clinnova.survfit;
SELECT '{"causes":1,"weights":"none","columns":["time","events","censored"],"rows":[[-1,1,0]]}'::clinnova.survfit;
SELECT '{"causes":1,"weights":"none","columns":["time","events","censored"],"rows":[[1e400,1,0]]}'::clinnova.survfit;
SELECT '{"causes":1,"weights":"none","columns":["time","events","censored"],"rows":[[1,0.5,0]]}'::clinnova.survfit;
SELECT '{"causes":1,"weights":"none","columns":["time","events","censored"],"rows":[[1,-1,2]]}'::clinnova.survfit;
SELECT '{"causes":1,"weights":"none","columns":["time","events","censored"],"rows":[[1,0,0]]}'::clinnova.survfit;
SELECT '{"causes":1,"weights":"fractional","columns":["time","events","events_w","events_w2","censored","censored_w","censored_w2"],"rows":[[1,1,0,0.5,0,0,0]]}'::clinnova.survfit;
SELECT '{"causes":1,"weights":"integer","columns":["time","events","events_w","events_w2","censored","censored_w","censored_w2"],"rows":[[1,1,1.5,2.25,0,0,0]]}'::clinnova.survfit;
SELECT '{"causes":1,"weights":"none","columns":["time","events","censored","entered"],"rows":[[1,1,0,0],[2,1,0,2]]}'::clinnova.survfit;

-- binary input: survfit_send's bytes fed back through a binary COPY of a bytea column
CREATE TEMP TABLE raw (b bytea);
CREATE TEMP TABLE back (sf clinnova.survfit);
INSERT INTO raw SELECT clinnova.survfit_send(sf) FROM tables WHERE name = 'heart';
SELECT get_byte(b, 0) AS version, get_byte(b, 1) AS flags, length(b) AS bytes FROM raw;
\copy raw TO PROGRAM 'cat > "${CLN_TMP:-/tmp}/clinnova_survfit_io_raw.bin"' WITH (FORMAT binary)
\copy back FROM PROGRAM 'cat "${CLN_TMP:-/tmp}/clinnova_survfit_io_raw.bin"' WITH (FORMAT binary)
SELECT back.sf OPERATOR(clinnova.=) t.sf AS recv_ok FROM back, tables t WHERE t.name = 'heart';
-- a wrong version byte
UPDATE raw SET b = set_byte(b, 0, 2);
\copy raw TO PROGRAM 'cat > "${CLN_TMP:-/tmp}/clinnova_survfit_io_raw.bin"' WITH (FORMAT binary)
\copy back FROM PROGRAM 'cat "${CLN_TMP:-/tmp}/clinnova_survfit_io_raw.bin"' WITH (FORMAT binary)
-- truncated
UPDATE raw SET b = substring(set_byte(b, 0, 1) FROM 1 FOR length(b) - 3);
\copy raw TO PROGRAM 'cat > "${CLN_TMP:-/tmp}/clinnova_survfit_io_raw.bin"' WITH (FORMAT binary)
\copy back FROM PROGRAM 'cat "${CLN_TMP:-/tmp}/clinnova_survfit_io_raw.bin"' WITH (FORMAT binary)
-- a row count that promises more data than present (no allocation is attempted)
UPDATE raw SET b = '\x01000001 7fffffff'::bytea || '\x00'::bytea;
\copy raw TO PROGRAM 'cat > "${CLN_TMP:-/tmp}/clinnova_survfit_io_raw.bin"' WITH (FORMAT binary)
\copy back FROM PROGRAM 'cat "${CLN_TMP:-/tmp}/clinnova_survfit_io_raw.bin"' WITH (FORMAT binary)
-- unknown flags
UPDATE raw SET b = '\x01 80 0001 00000001'::bytea || float8send(1) || float8send(1) || float8send(0);
\copy raw TO PROGRAM 'cat > "${CLN_TMP:-/tmp}/clinnova_survfit_io_raw.bin"' WITH (FORMAT binary)
\copy back FROM PROGRAM 'cat "${CLN_TMP:-/tmp}/clinnova_survfit_io_raw.bin"' WITH (FORMAT binary)
-- a well-formed message with an invalid table (time NaN): recv runs every check of the text input
UPDATE raw SET b = '\x01 00 0001 00000001'::bytea || float8send('NaN') || float8send(1) || float8send(0);
\copy raw TO PROGRAM 'cat > "${CLN_TMP:-/tmp}/clinnova_survfit_io_raw.bin"' WITH (FORMAT binary)
\copy back FROM PROGRAM 'cat "${CLN_TMP:-/tmp}/clinnova_survfit_io_raw.bin"' WITH (FORMAT binary)
-- ... and the same bytes made valid
UPDATE raw SET b = '\x01 00 0001 00000001'::bytea || float8send(7) || float8send(1) || float8send(0);
\copy raw TO PROGRAM 'cat > "${CLN_TMP:-/tmp}/clinnova_survfit_io_raw.bin"' WITH (FORMAT binary)
\copy back FROM PROGRAM 'cat "${CLN_TMP:-/tmp}/clinnova_survfit_io_raw.bin"' WITH (FORMAT binary)
SELECT sf FROM back WHERE sf::text LIKE '%[7,1,0]%';
-- trailing bytes
UPDATE raw SET b = b || '\x00'::bytea;
\copy raw TO PROGRAM 'cat > "${CLN_TMP:-/tmp}/clinnova_survfit_io_raw.bin"' WITH (FORMAT binary)
\copy back FROM PROGRAM 'cat "${CLN_TMP:-/tmp}/clinnova_survfit_io_raw.bin"' WITH (FORMAT binary)
\! rm -f "${CLN_TMP:-/tmp}/clinnova_survfit_io.bin" "${CLN_TMP:-/tmp}/clinnova_survfit_io_raw.bin"

-- weights: at most 1e150 (their squares stay finite); weight sums that overflow when tables
-- are merged are reported
SELECT clinnova.km(1, true, 1e151);
SELECT clinnova.km_merge(sf) FROM (VALUES
  ('{"causes":1,"weights":"fractional","columns":["time","events","events_w","events_w2","censored","censored_w","censored_w2"],"rows":[[1,1,1e154,1e308,0,0,0]]}'::clinnova.survfit),
  ('{"causes":1,"weights":"fractional","columns":["time","events","events_w","events_w2","censored","censored_w","censored_w2"],"rows":[[1,1,1e154,1e308,0,0,0]]}'::clinnova.survfit)) v(sf);
