-- bench/sql/load_cohort.sql — the benchmark table of one size, cut from the synthetic cohort.
--   psql -v tbl=cohort_1m -v rows=1000000 -v seed=2025 [-v sites=GE] -f bench/sql/load_cohort.sql
-- One row per treatment episode, a quarter from each of the four sites; with sites, only those
-- sites' quarters (a federation site holds exactly its part of the pooled table).  Columns:
--   time (days), event, cause (0 censored, 1 failure, 2 adverse event), grp (3 groups by line:
--   first / second / later), y (= event, the logistic outcome), x1..x10 and x = ARRAY[x1..x10]:
--   age/10, female, disease duration, prior lines, ln CRP, haemoglobin, albumin/10, leukocytes,
--   anti-TNF, IBD.
\set ON_ERROR_STOP on
DROP TABLE IF EXISTS bench.:"tbl";
CREATE UNLOGGED TABLE bench.:"tbl" (
    id bigint, site text, grp text, time float8, event boolean, cause integer, y boolean,
    x1 float8, x2 float8, x3 float8, x4 float8, x5 float8,
    x6 float8, x7 float8, x8 float8, x9 float8, x10 float8,
    x float8[]
);
SET bench.rows = :'rows';
SET bench.seed = :'seed';
SET bench.tbl = :'tbl';
\if :{?sites}
SET bench.sites = :'sites';
\else
SET bench.sites = 'LU,GE,BW,BS';
\endif
DO $$
DECLARE
    total bigint := current_setting('bench.rows')::bigint;
    k integer := 0;
    site text;
    want bigint;
BEGIN
    FOREACH site IN ARRAY ARRAY['LU', 'GE', 'BW', 'BS'] LOOP
        k := k + 1;
        want := total / 4 + CASE WHEN k = 4 THEN total % 4 ELSE 0 END;
        CONTINUE WHEN NOT site = ANY (string_to_array(current_setting('bench.sites'), ','));
        -- at least 1.5 episodes per person on average: enough persons, LIMIT stops early
        EXECUTE format($q$
            INSERT INTO bench.%I
            SELECT id, site, grp, time, event, cause, y, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10,
                   ARRAY[x1, x2, x3, x4, x5, x6, x7, x8, x9, x10]
            FROM (SELECT e.episode_id AS id, e.site,
                         CASE e.prior_lines WHEN 0 THEN 'first' WHEN 1 THEN 'second' ELSE 'later' END AS grp,
                         e.time::float8 AS time, e.event, e.cause, e.event AS y,
                         e.age / 10.0::float8 AS x1, e.female::int::float8 AS x2, e.disease_duration AS x3,
                         e.prior_lines::float8 AS x4, ln(e.crp) AS x5, e.haemoglobin AS x6,
                         e.albumin / 10.0 AS x7, e.leukocytes AS x8,
                         (e.drug_class = 'anti-TNF')::int::float8 AS x9,
                         (e.disease IN ('crohn', 'uc'))::int::float8 AS x10
                  FROM generate_series(1, %s::integer, 20000) c(first),
                       LATERAL clinnova.synth_treatment_episode(%L, 20000, %s, c.first) e
                  LIMIT %s) q$q$,
            current_setting('bench.tbl'), greatest(ceil(want / 1.5)::bigint, 1), site,
            current_setting('bench.seed'), want);
    END LOOP;
END
$$;
VACUUM (ANALYZE) bench.:"tbl";
SELECT count(*) AS rows, pg_size_pretty(pg_relation_size(('bench.' || quote_ident(:'tbl'))::regclass)) AS size
FROM bench.:"tbl";
