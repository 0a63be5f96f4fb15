-- The km and km_merge aggregates: what rows count, merging split data, parallel plans, window
-- use, the accessors' edge cases and every bad input (22023 with the value in DETAIL).
\i test/lib/regress_helpers.sql
\i test/data/survival_load.sql

-- NULL time or event rows are skipped; empty input gives NULL
SELECT clinnova.km(t, e) FROM (VALUES (1, true), (NULL, true), (2, NULL), (3, false)) v(t, e);
SELECT clinnova.km(t, e) IS NULL AS empty_is_null FROM (VALUES (1, true)) v(t, e) WHERE false;
SELECT clinnova.km(t, e) IS NULL AS all_null_is_null FROM (VALUES (NULL::float8, true)) v(t, e);
-- weight 0 or NULL rows are skipped (R drops zero weights)
SELECT clinnova.km(t, e, w) FROM (VALUES (1, true, 0), (2, true, NULL), (3, false, 2)) v(t, e, w);
SELECT clinnova.km(t, e, w) IS NULL AS zero_weights_only FROM (VALUES (1, true, 0)) v(t, e, w);
-- the integer 0/1 event overload gives the boolean table
SELECT (SELECT clinnova.km(futime, fustat) FROM ovarian) OPERATOR(clinnova.=)
       (SELECT clinnova.km(futime, fustat = 1) FROM ovarian) AS int_equals_bool;
-- integer-valued times below 65536 are counted in an array, all others in a hash table; the
-- table comes out sorted either way
SELECT (SELECT array_agg("time") FROM clinnova.km_table(clinnova.km(t, true))) AS times
FROM (VALUES (65536.0), (3.5), (65535.0), (0.0), (1e10), (2.0), (0.25), (65535.5)) v(t);
-- unit weights give the unweighted curve
SELECT count(*) AS rows, count(*) FILTER (WHERE a.surv <> b.surv OR a.std_err <> b.std_err OR a.n_risk <> b.n_risk) AS differ
FROM clinnova.km_table((SELECT clinnova.km(time, status = 2) FROM lung)) a
JOIN clinnova.km_table((SELECT clinnova.km(time, status = 2, 1) FROM lung)) b USING ("time");

-- km_merge of data split in four equals one km over the union, exactly
SELECT (SELECT clinnova.km_merge(s) FROM (SELECT clinnova.km(time, status = 2) s FROM lung GROUP BY inst % 4) p)
       OPERATOR(clinnova.=) (SELECT clinnova.km(time, status = 2) FROM lung) AS split_km,
       (SELECT clinnova.km_merge(s) FROM (SELECT clinnova.km(time, status = 2, inst) s FROM lung GROUP BY inst % 4) p)
       OPERATOR(clinnova.=) (SELECT clinnova.km(time, status = 2, inst) FROM lung) AS split_integer_weights,
       (SELECT clinnova.km_merge(s) FROM (SELECT clinnova.km(entry, time, status = 1) s FROM ties GROUP BY id % 4) p)
       OPERATOR(clinnova.=) (SELECT clinnova.km(entry, time, status = 1) FROM ties) AS split_entries,
       (SELECT clinnova.km_merge(s) FROM (SELECT clinnova.cif(time, cause) s FROM ties GROUP BY id % 4) p)
       OPERATOR(clinnova.=) (SELECT clinnova.cif(time, cause) FROM ties) AS split_causes;
-- fractional weights: the sums may differ in the last bits with the order of addition
SELECT count(*) AS rows,
       count(*) FILTER (WHERE NOT pg_temp.close_enough(a.surv, b.surv, 1e-13)
                           OR NOT pg_temp.close_enough(a.std_err, b.std_err, 1e-13)) AS differ
FROM clinnova.km_table((SELECT clinnova.km_merge(s) FROM (SELECT clinnova.km(time, status = 2, age / 60) s
                                                          FROM lung GROUP BY inst % 4) p)) a
JOIN clinnova.km_table((SELECT clinnova.km(time, status = 2, age / 60) FROM lung)) b USING ("time");
-- merging an unweighted with a weighted table (weight 1) and tables with different causes
SELECT clinnova.km_merge(s) FROM (VALUES
  ((SELECT clinnova.km(t, e) FROM (VALUES (1, true), (2, false)) v(t, e))),
  ((SELECT clinnova.km(t, e, w) FROM (VALUES (2, true, 0.5)) v(t, e, w))), (NULL)) x(s);
SELECT clinnova.km_merge(s) FROM (VALUES
  ((SELECT clinnova.cif(t, c) FROM (VALUES (1, 1), (2, 0)) v(t, c))),
  ((SELECT clinnova.cif(t, c) FROM (VALUES (2, 3)) v(t, c)))) x(s);
SELECT clinnova.km_merge(s) IS NULL AS null_inputs_only FROM (VALUES (NULL::clinnova.survfit)) x(s);

-- per-group curves with GROUP BY, and a running curve as a window aggregate
SELECT sex, (clinnova.survfit_summary(clinnova.km(time, status = 2))).*
FROM lung GROUP BY sex ORDER BY sex;
SELECT t, (clinnova.survfit_summary(clinnova.km(t, e) OVER (ORDER BY t ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))).records
FROM (VALUES (1, true), (2, false), (3, true)) v(t, e) ORDER BY t;

-- forced parallel plans give the serial risk tables
SELECT pg_temp.force_parallel();
CREATE TABLE big_km AS    -- not TEMP: parallel workers cannot read temporary tables
SELECT g, (g % 3650)::float8 AS t, (g % 3 = 0) AS e, 0.5 + (g % 7) * 0.125 AS w,
       CASE WHEN g % 5 = 0 THEN (g % 3650) * 0.5 ELSE 0 END AS entry,
       CASE WHEN g % 11 = 0 THEN (g % 3650) + 0.5 END AS t_frac
FROM generate_series(1, 50000) g;
ANALYZE big_km;
EXPLAIN (COSTS OFF)
CREATE TEMP TABLE par AS SELECT clinnova.km(t, e) AS a, clinnova.km(t, e, w) AS b,
  clinnova.km(entry, t + 1, e) AS c, clinnova.km(coalesce(t_frac, t), e) AS d FROM big_km;
CREATE TEMP TABLE par AS SELECT clinnova.km(t, e) AS a, clinnova.km(t, e, w) AS b,
  clinnova.km(entry, t + 1, e) AS c, clinnova.km(coalesce(t_frac, t), e) AS d FROM big_km;
-- km_merge over a table of risk tables, in parallel
CREATE TABLE big_tables AS SELECT g % 500 AS k, clinnova.km(t, e) AS s FROM big_km GROUP BY g % 500;
ANALYZE big_tables;
EXPLAIN (COSTS OFF) CREATE TEMP TABLE par_merge AS SELECT clinnova.km_merge(s) AS m FROM big_tables;
CREATE TEMP TABLE par_merge AS SELECT clinnova.km_merge(s) AS m FROM big_tables;
SELECT par_merge.m OPERATOR(clinnova.=) par.a AS merge_equals_km FROM par_merge, par;
DROP TABLE big_tables;
SELECT pg_temp.serial_only();
CREATE TEMP TABLE ser AS SELECT clinnova.km(t, e) AS a, clinnova.km(t, e, w) AS b,
  clinnova.km(entry, t + 1, e) AS c, clinnova.km(coalesce(t_frac, t), e) AS d FROM big_km;
SELECT par.a OPERATOR(clinnova.=) ser.a AS unweighted, par.c OPERATOR(clinnova.=) ser.c AS entries,
       par.d OPERATOR(clinnova.=) ser.d AS hashed_times,
       (SELECT bool_and(pg_temp.close_enough(x.surv, y.surv, 1e-12) AND pg_temp.close_enough(x.std_err, y.std_err, 1e-12))
        FROM clinnova.km_table(par.b) x JOIN clinnova.km_table(ser.b) y USING ("time")) AS weighted,
       (SELECT times FROM clinnova.survfit_summary(ser.d)) AS distinct_times
FROM par, ser;
DROP TABLE big_km;

-- accessors: survival at times before, at, between and after the observed times
SELECT t, round(clinnova.surv_at((SELECT clinnova.km(x, e) FROM (VALUES (2, true), (4, true), (6, false)) v(x, e)), t)::numeric, 6) AS surv
FROM unnest(ARRAY[0, 2, 3, 4, 6, 6.5, 'Infinity']::float8[]) t;
-- one event; all censored (R: median NA, CI NA)
SELECT * FROM clinnova.km_table((SELECT clinnova.km(5, true)));
SELECT * FROM clinnova.median_survival((SELECT clinnova.km(t, false) FROM generate_series(1, 3) t));
SELECT * FROM clinnova.surv_quantile((SELECT clinnova.km(t, true) FROM generate_series(1, 4) t), 0.5, 'plain', 0.9);

-- bad input: 22023 naming the value
SELECT clinnova.km(t, true) FROM (VALUES (-1.0)) v(t);
SELECT clinnova.km(t, true) FROM (VALUES ('NaN'::float8)) v(t);
SELECT clinnova.km(t, true) FROM (VALUES ('Infinity'::float8)) v(t);
SELECT clinnova.km(1, e) FROM (VALUES (2)) v(e);
SELECT clinnova.km(1, true, w) FROM (VALUES (-0.5)) v(w);
SELECT clinnova.km(1, true, w) FROM (VALUES ('NaN'::float8)) v(w);
SELECT clinnova.km(s, t, true) FROM (VALUES (3, 3)) v(s, t);
SELECT clinnova.km(s, t, true) FROM (VALUES (4, 3)) v(s, t);
SELECT clinnova.km(s, t, true) FROM (VALUES (-1, 3)) v(s, t);
SELECT clinnova.surv_at((SELECT clinnova.km(1, true)), 'NaN');
SELECT * FROM clinnova.surv_quantile((SELECT clinnova.km(1, true)), 1.5);
SELECT * FROM clinnova.median_survival((SELECT clinnova.km(1, true)), 'log', -0.1);
SELECT * FROM clinnova.km_table((SELECT clinnova.km(1, true)), 'loglog');
SELECT * FROM clinnova.km_table((SELECT clinnova.km(s, t, true) FROM (VALUES (0, 3), (1, 4)) v(s, t)), 'log', 0.95, 'robust');
