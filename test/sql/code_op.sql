-- clinnova.code operators: equality, order, hierarchy (<@, @>), hashing, sort support, and the
-- structural functions code_parent, code_ancestors, code_level, code_chapter, code_subtree_end.
SET search_path = public, clinnova;

-- ---- truth table of every operator over pairs of codes ----
CREATE TABLE op_pairs (a code, b code);
INSERT INTO op_pairs VALUES
  ('ICD10:K50', 'ICD10:K50'),          -- same code
  ('ICD10:K50.1', 'ICD10:K50'),        -- child, parent
  ('ICD10:K50', 'ICD10:K50.1'),        -- parent, child
  ('ICD10:K51', 'ICD10:K50'),          -- siblings
  ('ICD10:K50.8', 'ICD10CM:K50.8'),    -- same string, other system: different meaning (CODES.md 1.4)
  ('ICD10:K50.1', 'ICD10GM:K50'),      -- WHO code under a GM category: other system
  ('ICD10GM:G35.10', 'ICD10GM:G35'),   -- grandchild
  ('ICD10GM:G35.10', 'ICD10GM:G35.1'),
  ('ICD10GM:G35.20', 'ICD10GM:G35.1'), -- cousin
  ('ICD10CM:K50.011', 'ICD10CM:K50.0'),
  ('ICD10CM:T36.0X1A', 'ICD10CM:T36.0'),
  ('ATC:L04AG05', 'ATC:L04AG'),
  ('ATC:L04AG05', 'ATC:L04'),
  ('ATC:L04AG05', 'ATC:L'),
  ('ATC:L04AA33', 'ATC:L04AG'),        -- old vedolizumab code is no structural L04AG (see is_a)
  ('ATC:L01FA01', 'ATC:L04'),
  ('SNOMED:7620006', 'SNOMED:34000006'), -- SNOMED has no structure: only equality
  ('SNOMED:34000006', 'SNOMED:34000006'),
  ('LOINC:1988-5', 'LOINC:1988-5'),
  ('LOINC:718-7', 'LOINC:1988-5'),
  ('OMOP:201606', 'OMOP:201606'),
  ('OMOP:201606', 'SNOMED:34000006'),
  ('LOCAL:lux-lab/CRP01', 'LOCAL:lux-lab/CRP01'),
  ('LOCAL:lux-lab/CRP01', 'LOCAL:lux-lab/CRP');
SELECT a, b, a = b AS eq, a <> b AS ne, a < b AS lt, a <= b AS le, a > b AS gt, a >= b AS ge,
       a <@ b AS contained, a @> b AS contains, b @> a AS commuted, code_cmp(a, b) AS cmp
FROM op_pairs;
-- <@ and @> are each other's commutator; = and <> are negators; order is total and consistent
SELECT bool_and((a <@ b) = (b @> a)) AS commutator_ok,
       bool_and((a = b) = NOT (a <> b)) AS negator_ok,
       bool_and(((a < b)::int + (a = b)::int + (a > b)::int) = 1) AS trichotomy_ok,
       bool_and(sign(code_cmp(a, b)) = -sign(code_cmp(b, a))) AS antisymmetry_ok,
       bool_and((a <@ b AND b <@ a) = (a = b)) AS antisymmetric_hierarchy_ok
FROM op_pairs;

-- ---- sort order: by system, ancestors immediately before their descendants ----
SELECT c FROM unnest('{ICD10CM:K50.8,ICD10:K51,ICD10:K50.9,ICD10:K50,ICD10:K50.1,ICD10GM:K50,
  ICD10:K50.0,ATC:L04AG05,ATC:L04AG,ATC:L,ATC:L04,ATC:L04A,ATC:A07EC02,SNOMED:7620006,
  SNOMED:34000006,SNOMED:24526004,LOINC:718-7,LOINC:1988-5,LOINC:38445-3,OMOP:81893,OMOP:201606,
  LOCAL:lux-lab/CRP01,LOCAL:chu/CRP,ICD10:B18.19,ICD10:B18.1,ICD10:B18}'::code[]) c
ORDER BY c;

-- ---- <@ ANY (code[]): "is this one of these families?" ----
SELECT c, c <@ ANY ('{ICD10CM:K50,ICD10CM:K51}'::code[]) AS ibd_cm,
       c <@ ANY ('{ATC:L04AB,ATC:L04AG,ATC:L04AF}'::code[]) AS biologic_or_jak
FROM unnest('{ICD10CM:K50.011,ICD10CM:K51.90,ICD10CM:K52.3,ICD10:K50.1,ATC:L04AB02,ATC:L04AF01,ATC:L04AA29}'::code[]) c;
SELECT 'ICD10:K50.1'::code <@ ANY ('{}'::code[]) AS empty_any,
       'ICD10:K50.1'::code <@ ALL ('{ICD10:K50,ICD10:K50.1}'::code[]) AS all_ancestors;

-- ---- NULLs: strict operators give NULL ----
SELECT NULL::code = 'ICD10:K50' AS eq, 'ICD10:K50'::code <@ NULL AS contained, NULL::code @> NULL AS contains;

-- ---- structure ----
SELECT c, code_parent(c) AS parent, code_ancestors(c) AS ancestors, code_level(c) AS level,
       code_chapter(c) AS chapter, code_subtree_end(c) AS subtree_end
FROM unnest('{ICD10:K50,ICD10:K50.1,ICD10:B18.19,ICD10GM:G35,ICD10GM:G35.10,ICD10CM:K50.011,
  ICD10CM:T36.0X1A,ICD10CM:C4A.0,ATC:L,ATC:L04,ATC:L04A,ATC:L04AG,ATC:L04AG05,ATC:V,ICD10:K59,
  ICD10CM:Z3A.3Z,SNOMED:34000006,LOINC:1988-5,OMOP:255,LOCAL:lux-lab/CRP01}'::code[]) c;
-- the parent is always the last ancestor, and every ancestor contains the code
SELECT bool_and(code_parent(c) IS NOT DISTINCT FROM (code_ancestors(c))[cardinality(code_ancestors(c))]) AS parent_ok,
       bool_and((SELECT bool_and(a @> c) FROM unnest(code_ancestors(c)) a) IS NOT FALSE) AS ancestors_ok,
       bool_and(c < code_subtree_end(c)) AS bound_above
FROM unnest('{ICD10:K50.1,ICD10GM:G35.10,ICD10CM:T36.0X1A,ATC:L04AG05,SNOMED:34000006,LOCAL:a/b}'::code[]) c;
-- chapters are ranges, not letters: D and H are split between chapters
SELECT c, code_chapter(c) FROM unnest('{ICD10:D48.9,ICD10:D50.0,ICD10:H59,ICD10:H60,ICD10:U07.1,
  ICD10GM:D90,ICD10:D90,ICD10GM:U99.0,ICD10:U99,ICD10:T98.3,ICD10:V01}'::code[]) c;

-- ---- hashing: hash and btree agree on equality ----
CREATE TABLE op_many AS
SELECT g, (ARRAY['ICD10:K50','ICD10:K50.1','ICD10GM:K50.1','ICD10CM:K50.1','ATC:L04AG05',
                 'SNOMED:34000006','LOINC:1988-5','OMOP:201606','LOCAL:lux-lab/CRP01'])[1 + g % 9]::code AS c
FROM generate_series(1, 900) g;
ANALYZE op_many;
SET enable_hashagg = on;
SELECT c, count(*) FROM op_many GROUP BY c ORDER BY c;
SET enable_hashagg = off;
SELECT c, count(*) FROM op_many GROUP BY c ORDER BY c;
RESET enable_hashagg;
SELECT count(DISTINCT code_hash(c)) AS distinct_hashes, count(DISTINCT c) AS distinct_codes FROM op_many;
SELECT code_hash_extended('ICD10:K50', 0) = code_hash_extended('icd10:k50', 0) AS same_code_same_hash,
       code_hash_extended('ICD10:K50', 0) <> code_hash_extended('ICD10:K50', 1) AS seed_changes_hash;
-- hash join, merge join and nested loop give the same join
CREATE TABLE op_right AS SELECT DISTINCT c FROM op_many;
ANALYZE op_right;
SET enable_mergejoin = off; SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM op_many m JOIN op_right r ON m.c = r.c;
SELECT count(*) FROM op_many m JOIN op_right r ON m.c = r.c;
SET enable_hashjoin = off; SET enable_mergejoin = on;
SELECT count(*) FROM op_many m JOIN op_right r ON m.c = r.c;
RESET enable_mergejoin; RESET enable_nestloop; RESET enable_hashjoin;
-- a hash index answers equality
CREATE INDEX op_many_hash ON op_many USING hash (c);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM op_many WHERE c = 'ICD10CM:K50.1';
SELECT count(*) FROM op_many WHERE c = 'ICD10CM:K50.1';
RESET enable_seqscan;

-- ---- sort support (abbreviated keys) agrees with the comparison function ----
CREATE TABLE op_sort AS
SELECT (CASE g % 5
  WHEN 0 THEN 'ICD10:' || chr(65 + g % 26) || lpad((g % 100)::text, 2, '0') || CASE WHEN g % 3 = 0 THEN '' ELSE '.' || (g % 10) END
  WHEN 1 THEN 'ICD10CM:' || chr(65 + g % 26) || lpad((g % 100)::text, 2, '0') || '.' || (g % 7) || chr(65 + g % 20) || (g % 10)
  WHEN 2 THEN 'ATC:L0' || (g % 10) || chr(65 + g % 26) || chr(65 + g % 23) || lpad((g % 100)::text, 2, '0')
  WHEN 3 THEN 'OMOP:' || (g * 7919 % 2000000000 + 1)
  ELSE 'LOCAL:ns' || (g % 4) || '/v' || g END)::code AS c
FROM generate_series(1, 20000) g;
SELECT count(*) AS pairs, bool_and(code_le(prev, c)) AS sorted_by_comparator
FROM (SELECT c, lag(c) OVER (ORDER BY c) AS prev FROM op_sort) s WHERE prev IS NOT NULL;
-- a btree index built with sort support returns the same order
CREATE INDEX op_sort_idx ON op_sort (c);
SET enable_seqscan = off; SET enable_bitmapscan = off;
SELECT count(*) AS pairs, bool_and(code_le(prev, c)) AS index_order_ok
FROM (SELECT c, lag(c) OVER () AS prev FROM (SELECT c FROM op_sort ORDER BY c) o) s WHERE prev IS NOT NULL;
RESET enable_seqscan; RESET enable_bitmapscan;
-- btree deduplication is allowed (equality is bitwise): the index is far smaller than one entry per row
CREATE TABLE op_dup AS SELECT 'ICD10:K50.1'::code AS c FROM generate_series(1, 10000);
CREATE INDEX op_dup_idx ON op_dup (c);
SELECT pg_relation_size('op_dup_idx') < 100000 AS deduplicated;
