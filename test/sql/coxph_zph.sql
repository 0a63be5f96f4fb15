-- cox_zph: the proportional-hazards test of R's cox.zph(fit, transform = "km", terms = TRUE),
-- per term (columns of one factor grouped by the "assign" option) and GLOBAL, and the other
-- transforms, against R for right-censored, stratified, weighted and (start, stop] fits.
-- Tolerance 1e-8 relative on chisq and p; df exact.
\i test/lib/regress_helpers.sql
\i test/data/cox_check.sql
\set ECHO none
\set QUIET on
-- one row per case: rows compared and the failures ('' = none)
CREATE FUNCTION pg_temp.zph_check(name text, z clinnova.cox_zph_test[], r jsonb)
RETURNS TABLE (case_name text, terms bigint, failed text)
LANGUAGE sql STABLE AS $$
  WITH ref AS (
    SELECT t AS term, (r->'chisq'->>(o::int - 1))::float8 AS chisq, (r->'df'->>(o::int - 1))::int AS df,
           (r->'p'->>(o::int - 1))::float8 AS p
    FROM jsonb_array_elements_text(r->'term') WITH ORDINALITY AS x(t, o)),
  ours AS (SELECT * FROM unnest(z))
  SELECT name, count(*),
         coalesce(string_agg(coalesce(ref.term, ours.term) || ': ' || coalesce(ours.chisq::text, 'NULL') || '/' ||
                             coalesce(ours.df::text, 'NULL') || '/' || coalesce(ours.p::text, 'NULL') || ' vs ' ||
                             coalesce(ref.chisq::text, 'NULL') || '/' || coalesce(ref.df::text, 'NULL') || '/' ||
                             coalesce(ref.p::text, 'NULL'), '; ')
                  FILTER (WHERE NOT (pg_temp.rel_ok(ours.chisq, ref.chisq, 1e-8) AND ours.df IS NOT DISTINCT FROM ref.df
                                     AND pg_temp.rel_ok(ours.p, ref.p, 1e-8))), '')
  FROM ref FULL JOIN ours ON ours.term = ref.term
$$;
CREATE TEMP TABLE fits (name text PRIMARY KEY, m clinnova.coxmodel);
INSERT INTO fits
SELECT 'lung_' || ties, clinnova.coxph("time", status = 2, ARRAY[age, sex, ph_ecog],
                                       jsonb_build_object('ties', ties, 'terms', '["age", "sex", "ph.ecog"]'::jsonb))
FROM lung, (VALUES ('efron'), ('breslow')) AS t(ties) WHERE ph_ecog IS NOT NULL GROUP BY ties;
INSERT INTO fits
SELECT 'veteran_' || ties,
       clinnova.coxph("time", status = 1,
                      ARRAY[trt, (celltype = 'smallcell')::int, (celltype = 'adeno')::int,
                            (celltype = 'large')::int, karno, diagtime, age, prior],
                      jsonb_build_object('ties', ties, 'terms',
                                         '["trt", "celltypesmallcell", "celltypeadeno", "celltypelarge", "karno", "diagtime", "age", "prior"]'::jsonb))
FROM veteran, (VALUES ('efron'), ('breslow')) AS t(ties) GROUP BY ties;
\set QUIET off
\set ECHO all

-- ---- shared reference section e: cox.zph(fit) of the lung fits ----
\set ref `cat test/data/reference/pred_lung_efron.json`
SELECT * FROM pg_temp.zph_check('pred_lung_efron',
  (SELECT clinnova.cox_zph("time", status = 2, ARRAY[age, sex, ph_ecog], (SELECT m FROM fits WHERE name = 'lung_efron'))
   FROM lung WHERE ph_ecog IS NOT NULL), (:'ref'::jsonb)->'cox_zph');
\set ref `cat test/data/reference/pred_lung_breslow.json`
SELECT * FROM pg_temp.zph_check('pred_lung_breslow',
  (SELECT clinnova.cox_zph("time", status = 2, ARRAY[age, sex, ph_ecog], (SELECT m FROM fits WHERE name = 'lung_breslow'))
   FROM lung WHERE ph_ecog IS NOT NULL), (:'ref'::jsonb)->'cox_zph');

-- the table itself, unnested
SELECT term, round(chisq::numeric, 6) AS chisq, df, round(p::numeric, 6) AS p
FROM (SELECT clinnova.cox_zph("time", status = 2, ARRAY[age, sex, ph_ecog], (SELECT m FROM fits WHERE name = 'lung_efron')) z
      FROM lung WHERE ph_ecog IS NOT NULL) s, unnest(z);

-- ---- a factor as one term (assign), every transform, both tie methods ----
\set assign '{"assign": ["trt", "celltype", "celltype", "celltype", "karno", "diagtime", "age", "prior"]}'
\set ref `cat test/data/cox_veteran_zph_efron.json`
SELECT * FROM pg_temp.zph_check('cox_veteran_zph_efron km',
  (SELECT clinnova.cox_zph(NULL, "time", status = 1,
                           ARRAY[trt, (celltype = 'smallcell')::int, (celltype = 'adeno')::int, (celltype = 'large')::int,
                                 karno, diagtime, age, prior], NULL, NULL, (SELECT m FROM fits WHERE name = 'veteran_efron'),
                           :'assign') FROM veteran), (:'ref'::jsonb)->'zph');
SELECT c.* FROM unnest(ARRAY['identity', 'rank', 'log']) AS tr,
  LATERAL pg_temp.zph_check('cox_veteran_zph_efron ' || tr,
  (SELECT clinnova.cox_zph(NULL, "time", status = 1,
                           ARRAY[trt, (celltype = 'smallcell')::int, (celltype = 'adeno')::int, (celltype = 'large')::int,
                                 karno, diagtime, age, prior], NULL, NULL, (SELECT m FROM fits WHERE name = 'veteran_efron'),
                           :'assign'::jsonb || jsonb_build_object('transform', tr)) FROM veteran),
  (:'ref'::jsonb)->('zph_' || tr)) c;
\set ref `cat test/data/cox_veteran_zph_breslow.json`
SELECT c.* FROM unnest(ARRAY['km', 'identity', 'rank', 'log']) AS tr,
  LATERAL pg_temp.zph_check('cox_veteran_zph_breslow ' || tr,
  (SELECT clinnova.cox_zph(NULL, "time", status = 1,
                           ARRAY[trt, (celltype = 'smallcell')::int, (celltype = 'adeno')::int, (celltype = 'large')::int,
                                 karno, diagtime, age, prior], NULL, NULL, (SELECT m FROM fits WHERE name = 'veteran_breslow'),
                           :'assign'::jsonb || jsonb_build_object('transform', tr)) FROM veteran),
  CASE WHEN tr = 'km' THEN (:'ref'::jsonb)->'zph' ELSE (:'ref'::jsonb)->('zph_' || tr) END) c;
-- without the grouping every dummy column is its own term; without GLOBAL no last row
SELECT term, df FROM (SELECT clinnova.cox_zph(NULL, "time", status = 1,
                           ARRAY[trt, (celltype = 'smallcell')::int, (celltype = 'adeno')::int, (celltype = 'large')::int,
                                 karno, diagtime, age, prior], NULL, NULL, (SELECT m FROM fits WHERE name = 'veteran_efron'),
                           '{"global": false}') z FROM veteran) s, unnest(z);

-- ---- strata, weights, (start, stop] data, aliased terms, one covariate ----
\set ref `cat test/data/cox_veteran_strata_zph.json`
SELECT * FROM pg_temp.zph_check('cox_veteran_strata_zph',
  (SELECT clinnova.cox_zph(NULL, "time", status = 1, ARRAY[trt, karno, age], celltype, NULL, m, '{}')
   FROM veteran, (SELECT clinnova.coxph(NULL, "time", status = 1, ARRAY[trt, karno, age], celltype, NULL, NULL,
                                        '{"terms": ["trt", "karno", "age"]}') AS m FROM veteran) f),
  (:'ref'::jsonb)->'zph');
\set ref `cat test/data/cox_lung_strata_weights_efron.json`
SELECT * FROM pg_temp.zph_check('cox_lung_strata_weights_efron',
  (SELECT clinnova.cox_zph(NULL, "time", status = 2, ARRAY[age, ph_ecog], sex::text, ph_karno / 80, m, NULL)
   FROM lung, (SELECT clinnova.coxph(NULL, "time", status = 2, ARRAY[age, ph_ecog], sex::text, ph_karno / 80, NULL,
                                     '{"terms": ["age", "ph.ecog"]}') AS m
               FROM lung WHERE ph_ecog IS NOT NULL AND ph_karno IS NOT NULL) f
   WHERE ph_ecog IS NOT NULL AND ph_karno IS NOT NULL),
  (:'ref'::jsonb)->'zph');
\set ref `cat test/data/cox_heart_efron.json`
SELECT * FROM pg_temp.zph_check('cox_heart_efron',
  (SELECT clinnova.cox_zph(start, stop, event = 1, ARRAY[age, year, surgery, transplant], NULL, NULL, m,
                           '{"assign": ["age", "year", "surgery", "transplant"]}')
   FROM heart, (SELECT clinnova.coxph(start, stop, event = 1, ARRAY[age, year, surgery, transplant], NULL, NULL, NULL, NULL) AS m
                FROM heart) f),
  (:'ref'::jsonb)->'zph');
\set ref `cat test/data/cox_heart_breslow.json`
SELECT * FROM pg_temp.zph_check('cox_heart_breslow',
  (SELECT clinnova.cox_zph(start, stop, event = 1, ARRAY[age, year, surgery, transplant], NULL, NULL, m,
                           '{"assign": ["age", "year", "surgery", "transplant"]}')
   FROM heart, (SELECT clinnova.coxph(start, stop, event = 1, ARRAY[age, year, surgery, transplant], NULL, NULL, NULL,
                                      '{"ties": "breslow"}') AS m FROM heart) f),
  (:'ref'::jsonb)->'zph');
\set ref `cat test/data/cox_heart_strata.json`
SELECT * FROM pg_temp.zph_check('cox_heart_strata',
  (SELECT clinnova.cox_zph(start, stop, event = 1, ARRAY[age, year, transplant], surgery::text, NULL, m,
                           '{"assign": ["age", "year", "transplant"]}')
   FROM heart, (SELECT clinnova.coxph(start, stop, event = 1, ARRAY[age, year, transplant], surgery::text, NULL, NULL, NULL) AS m
                FROM heart) f),
  (:'ref'::jsonb)->'zph');
\set ref `cat test/data/cox_lung_collinear.json`
SELECT * FROM pg_temp.zph_check('cox_lung_collinear',
  (SELECT clinnova.cox_zph("time", status = 2, ARRAY[age, sex, 2 * age, 3], m)
   FROM lung, (SELECT clinnova.coxph("time", status = 2, ARRAY[age, sex, 2 * age, 3], '{"terms": ["age", "sex", "age2", "k"]}') AS m
               FROM lung) f),
  (:'ref'::jsonb)->'zph');
\set ref `cat test/data/cox_lung_age.json`
SELECT * FROM pg_temp.zph_check('cox_lung_age',
  (SELECT clinnova.cox_zph("time", status = 2, ARRAY[age], m)
   FROM lung, (SELECT clinnova.coxph("time", status = 2, ARRAY[age], '{"terms": ["age"]}') AS m FROM lung) f),
  (:'ref'::jsonb)->'zph');

-- ---- a parallel plan gives the same table as a serial one (veteran, 20 copies of each row) ----
CREATE TABLE coxph_zph_vet AS SELECT v.* FROM veteran v, generate_series(1, 20);
ANALYZE coxph_zph_vet;
CREATE TABLE coxph_zph_model AS
SELECT clinnova.coxph("time", status = 1, ARRAY[trt, karno, age]) AS m FROM coxph_zph_vet;
CREATE TEMP TABLE zph_serial AS
SELECT clinnova.cox_zph("time", status = 1, ARRAY[trt, karno, age], (SELECT m FROM coxph_zph_model)) AS z
FROM coxph_zph_vet;
SELECT pg_temp.force_parallel();
EXPLAIN (COSTS OFF)
SELECT clinnova.cox_zph("time", status = 1, ARRAY[trt, karno, age], (SELECT m FROM coxph_zph_model)) FROM coxph_zph_vet;
SELECT z::text = (SELECT clinnova.cox_zph("time", status = 1, ARRAY[trt, karno, age], (SELECT m FROM coxph_zph_model))
                  FROM coxph_zph_vet)::text AS parallel_equals_serial
FROM zph_serial;
SELECT pg_temp.serial_only();
DROP TABLE coxph_zph_vet, coxph_zph_model;

-- ---- bad input ----
SELECT clinnova.cox_zph("time", status = 2, ARRAY[age, sex], (SELECT m FROM fits WHERE name = 'lung_efron')) FROM lung;
SELECT clinnova.cox_zph("time", status = 2, ARRAY[age, sex, ph_ecog], NULL) FROM lung WHERE ph_ecog IS NOT NULL;
SELECT clinnova.cox_zph(NULL, "time", status = 2, ARRAY[age, sex, ph_ecog], NULL, NULL,
                        (SELECT m FROM fits WHERE name = 'lung_efron'), '{"transform": "logit"}')
FROM lung WHERE ph_ecog IS NOT NULL;
SELECT clinnova.cox_zph(NULL, "time", status = 2, ARRAY[age, sex, ph_ecog], NULL, NULL,
                        (SELECT m FROM fits WHERE name = 'lung_efron'), '{"assign": ["age", "sex"]}')
FROM lung WHERE ph_ecog IS NOT NULL;
SELECT clinnova.cox_zph(NULL, "time", status = 2, ARRAY[age, sex, ph_ecog], NULL, NULL,
                        (SELECT m FROM fits WHERE name = 'lung_efron'), '{"ties": "breslow"}')
FROM lung WHERE ph_ecog IS NOT NULL;
SELECT clinnova.cox_zph("time", false, ARRAY[age, sex, ph_ecog], (SELECT m FROM fits WHERE name = 'lung_efron'))
FROM lung WHERE ph_ecog IS NOT NULL;
SELECT clinnova.cox_zph("time", status = 2, ARRAY[age, sex, ph_ecog], (SELECT m FROM fits WHERE name = 'lung_efron'))
FROM lung WHERE false;
