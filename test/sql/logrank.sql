-- The G-rho family (R's survdiff) against R survival 3.5.3, to 1e-9 relative: every case of
-- section c of test/data/reference and the module's fixtures (ties, rho = 0.5, strata with
-- rho = 1, degenerate tests), each through the aggregate forms that apply: rows
-- logrank(time, event, grp), curves logrank(grp, km(...)), stratified logrank(stratum, grp, km(...)).
\i test/lib/regress_helpers.sql
\i test/data/survival_load.sql
\set QUIET on
CREATE FUNCTION pg_temp.same(actual float8, expected text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$ SELECT pg_temp.close_enough(actual, pg_temp.csv_float8(expected), 1e-9) $$;

CREATE TEMP TABLE tests (case_name text, form text, result clinnova.logrank_test);
INSERT INTO tests
          SELECT 'lr_lung_sex', 'rows', clinnova.logrank(time, status = 2, 'sex=' || sex) FROM lung
UNION ALL SELECT 'lr_lung_sex', 'curves', clinnova.logrank(g, c)
            FROM (SELECT 'sex=' || sex AS g, clinnova.km(time, status = 2) AS c FROM lung GROUP BY sex) s
UNION ALL SELECT 'lr_lung_sex_rho1', 'rows', clinnova.logrank(time, status = 2, 'sex=' || sex, 1) FROM lung
UNION ALL SELECT 'lr_lung_sex_rho1', 'curves', clinnova.logrank(g, c, 1)
            FROM (SELECT 'sex=' || sex AS g, clinnova.km(time, status = 2) AS c FROM lung GROUP BY sex) s
UNION ALL SELECT 'lr_veteran_celltype', 'rows', clinnova.logrank(time, status, 'celltype=' || celltype) FROM veteran
UNION ALL SELECT 'lr_veteran_celltype', 'curves', clinnova.logrank(g, c)
            FROM (SELECT 'celltype=' || celltype AS g, clinnova.km(time, status) AS c FROM veteran GROUP BY celltype) s
UNION ALL SELECT 'lr_veteran_celltype_rho1', 'rows', clinnova.logrank(time, status, 'celltype=' || celltype, 1) FROM veteran
UNION ALL SELECT 'lr_veteran_celltype_rho1', 'curves', clinnova.logrank(g, c, 1)
            FROM (SELECT 'celltype=' || celltype AS g, clinnova.km(time, status) AS c FROM veteran GROUP BY celltype) s
UNION ALL SELECT 'lr_ovarian_rx', 'rows', clinnova.logrank(futime, fustat = 1, 'rx=' || rx) FROM ovarian
UNION ALL SELECT 'lr_ovarian_rx', 'curves', clinnova.logrank(g, c)
            FROM (SELECT 'rx=' || rx AS g, clinnova.km(futime, fustat) AS c FROM ovarian GROUP BY rx) s
UNION ALL SELECT 'lr_veteran_trt_strata_celltype', 'strata', clinnova.logrank(s, g, c)
            FROM (SELECT celltype AS s, 'trt=' || trt AS g, clinnova.km(time, status) AS c
                  FROM veteran GROUP BY celltype, trt) s
UNION ALL SELECT 'ties_rho0', 'rows', clinnova.logrank(time, status, grp) FROM ties
UNION ALL SELECT 'ties_rho0', 'curves', clinnova.logrank(grp, c)
            FROM (SELECT grp, clinnova.km(time, status) AS c FROM ties GROUP BY grp) s
UNION ALL SELECT 'ties_rho1', 'rows', clinnova.logrank(time, status, grp, 1) FROM ties
UNION ALL SELECT 'ties_rho05', 'rows', clinnova.logrank(time, status = 1, grp, 0.5) FROM ties
UNION ALL SELECT 'ties_rho05', 'curves', clinnova.logrank(grp, c, 0.5)
            FROM (SELECT grp, clinnova.km(time, status) AS c FROM ties GROUP BY grp) s
UNION ALL SELECT 'ties_strata_rho0', 'strata', clinnova.logrank(stratum, grp, c)
            FROM (SELECT stratum, grp, clinnova.km(time, status) AS c FROM ties GROUP BY stratum, grp) s
UNION ALL SELECT 'ties_strata_rho1', 'strata', clinnova.logrank(stratum, grp, c, 1)
            FROM (SELECT stratum, grp, clinnova.km(time, status) AS c FROM ties GROUP BY stratum, grp) s
UNION ALL SELECT 'veteran_trt_strata_rho1', 'strata', clinnova.logrank(s, g, c, 1)
            FROM (SELECT celltype AS s, trt::text AS g, clinnova.km(time, status) AS c
                  FROM veteran GROUP BY celltype, trt) s
UNION ALL SELECT 'degenerate_e0', 'rows', clinnova.logrank(t, e, g)
            FROM (VALUES (1, 1, 'a'), (2, 1, 'a'), (3, 1, 'a'), (0.5, 0, 'b'), (0.5, 0, 'b')) v(t, e, g)
UNION ALL SELECT 'no_events', 'rows', clinnova.logrank(t, e, g)
            FROM (VALUES (1, 0, 'a'), (2, 0, 'a'), (3, 0, 'b'), (4, 0, 'b')) v(t, e, g)
-- fully separated groups: p-values of 1e-163, 1e-124, 1e-202 keep their relative precision
UNION ALL SELECT 'separated_2x300', 'rows', clinnova.logrank(g, true, chr(97 + (g - 1) / 300))
            FROM generate_series(1, 600) g
UNION ALL SELECT 'separated_3x100', 'rows', clinnova.logrank(g, true, chr(97 + (g - 1) / 100))
            FROM generate_series(1, 300) g
UNION ALL SELECT 'separated_4x100', 'rows', clinnova.logrank(g, true, chr(97 + (g - 1) / 100))
            FROM generate_series(1, 400) g;

-- references in long form: tests, groups, variance cells
CREATE TEMP TABLE ref_json (case_name text, j jsonb);
\set j `cat test/data/reference/lr_lung_sex.json`
INSERT INTO ref_json VALUES ('lr_lung_sex', :'j');
\set j `cat test/data/reference/lr_lung_sex_rho1.json`
INSERT INTO ref_json VALUES ('lr_lung_sex_rho1', :'j');
\set j `cat test/data/reference/lr_veteran_celltype.json`
INSERT INTO ref_json VALUES ('lr_veteran_celltype', :'j');
\set j `cat test/data/reference/lr_veteran_celltype_rho1.json`
INSERT INTO ref_json VALUES ('lr_veteran_celltype_rho1', :'j');
\set j `cat test/data/reference/lr_ovarian_rx.json`
INSERT INTO ref_json VALUES ('lr_ovarian_rx', :'j');
\set j `cat test/data/reference/lr_veteran_trt_strata_celltype.json`
INSERT INTO ref_json VALUES ('lr_veteran_trt_strata_celltype', :'j');
CREATE TEMP TABLE ref_lr (case_name text, grp text, n text, observed text, expected text,
  chisq text, df text, p text);
CREATE TEMP TABLE ref_var (case_name text, r text, c text, var text);
INSERT INTO ref_lr
SELECT case_name, j->'groups'->>i, j->'n'->>i, j->'observed'->>i, j->'expected'->>i,
       j->>'chisq', j->>'df', j->>'p'
FROM ref_json, generate_series(0, jsonb_array_length(j->'groups') - 1) i;
INSERT INTO ref_var
SELECT case_name, j->'var'->'rownames'->>i, j->'var'->'colnames'->>k, j->'var'->'rows'->i->>k
FROM ref_json, generate_series(0, jsonb_array_length(j->'groups') - 1) i,
     generate_series(0, jsonb_array_length(j->'groups') - 1) k;
\copy ref_lr FROM 'test/data/survival_lr.csv' WITH (FORMAT csv, HEADER)
\copy ref_var FROM 'test/data/survival_lr_var.csv' WITH (FORMAT csv, HEADER)
\set QUIET off

-- per test: statistic, df and p; per group: n, observed, expected; every variance cell
SELECT t.case_name, t.form,
       (SELECT count(*) FROM ref_lr r WHERE r.case_name = t.case_name) = cardinality((t.result).groups) AS same_groups,
       (SELECT pg_temp.same((t.result).chisq, min(r.chisq)) FROM ref_lr r WHERE r.case_name = t.case_name) AS chisq,
       (SELECT pg_temp.same((t.result).df, min(r.df)) FROM ref_lr r WHERE r.case_name = t.case_name) AS df,
       (SELECT pg_temp.same((t.result).p, min(r.p)) FROM ref_lr r WHERE r.case_name = t.case_name) AS p,
       (SELECT bool_and(pg_temp.same(g.n, r.n) AND pg_temp.same(g.o, r.observed) AND pg_temp.same(g.e, r.expected))
        FROM ref_lr r
        LEFT JOIN unnest((t.result).groups, (t.result).n, (t.result).observed, (t.result).expected) g(grp, n, o, e)
          ON g.grp = r.grp
        WHERE r.case_name = t.case_name) AS groups,
       (SELECT count(*) = cardinality((t.result).groups) ^ 2 AND bool_and(pg_temp.same((t.result).variance[i][k], v.var))
        FROM generate_subscripts((t.result).groups, 1) i, generate_subscripts((t.result).groups, 1) k, ref_var v
        WHERE v.case_name = t.case_name AND v.r = (t.result).groups[i] AND v.c = (t.result).groups[k]) AS variance
FROM tests t
ORDER BY t.case_name, t.form;

-- the result of one case in full
SELECT round((result).chisq::numeric, 9) AS chisq, (result).df, round((result).p::numeric, 12) AS p,
       (result).groups, (result).n,
       (SELECT array_agg(round(x::numeric, 9)) FROM unnest((result).observed) x) AS observed,
       (SELECT array_agg(round(x::numeric, 9)) FROM unnest((result).expected) x) AS expected,
       (SELECT array_agg(round(x::numeric, 9)) FROM unnest((result).variance) x) AS variance_cells,
       array_dims((result).variance) AS variance_dims
FROM tests WHERE case_name = 'lr_lung_sex' AND form = 'rows';
SELECT (result).* FROM tests WHERE case_name = 'no_events';

-- curves of one group fed side by side are merged: four "sites" give the pooled answer
SELECT p.result::text = s.result::text AS sites_equal_pooled
FROM (SELECT clinnova.logrank(time, status = 2, 'sex=' || sex) AS result FROM lung) p,
     (SELECT clinnova.logrank(g, c) AS result
      FROM (SELECT inst % 4 AS site, 'sex=' || sex AS g, clinnova.km(time, status = 2) AS c
            FROM lung GROUP BY inst % 4, sex) x) s;

-- NULL rows are skipped; empty input gives NULL
SELECT (clinnova.logrank(t, e, g)).groups
FROM (VALUES (1, true, 'a'), (NULL, true, 'a'), (2, NULL, 'b'), (3, true, NULL), (4, false, 'b'), (5, true, 'b')) v(t, e, g);
SELECT clinnova.logrank(t, e, g) IS NULL AS is_null FROM (VALUES (1.0, true, 'a')) v(t, e, g) WHERE false;

-- bad input
SELECT clinnova.logrank(t, e, g) FROM (VALUES (1, true, 'a'), (2, false, 'a')) v(t, e, g);
SELECT clinnova.logrank(t, e, g) FROM (VALUES (1, 2, 'a')) v(t, e, g);
SELECT clinnova.logrank(t, e, g) FROM (VALUES ('NaN'::float8, true, 'a')) v(t, e, g);
SELECT clinnova.logrank(t, e, g, r) FROM (VALUES (1, true, 'a', 0), (2, true, 'b', 1)) v(t, e, g, r);
SELECT clinnova.logrank(t, e, g, NULL) FROM (VALUES (1, true, 'a')) v(t, e, g);
SELECT clinnova.logrank(t, e, g, 'Infinity') FROM (VALUES (1, true, 'a')) v(t, e, g);

-- forced parallel plans: the same result as a serial plan
SELECT pg_temp.force_parallel();
CREATE TABLE big_lr AS    -- not TEMP: parallel workers cannot read temporary tables
SELECT g, (g % 365)::float8 AS t, (g % 3 <> 0) AS e, (ARRAY['x', 'y', 'z'])[1 + g % 3] AS grp,
       (ARRAY['s1', 's2'])[1 + g % 2] AS stratum
FROM generate_series(1, 30000) g;
ANALYZE big_lr;
EXPLAIN (COSTS OFF)
CREATE TEMP TABLE par AS SELECT clinnova.logrank(t, e, grp, 1) AS a FROM big_lr;
CREATE TEMP TABLE par AS SELECT clinnova.logrank(t, e, grp, 1) AS a FROM big_lr;
SELECT pg_temp.serial_only();
CREATE TEMP TABLE ser AS SELECT clinnova.logrank(t, e, grp, 1) AS a FROM big_lr;
SELECT par.a::text = ser.a::text AS parallel_equals_serial, round((ser.a).chisq::numeric, 6) AS chisq, (ser.a).df
FROM par, ser;
DROP TABLE big_lr;
