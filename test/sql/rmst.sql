-- Restricted mean survival time against R survival 3.5.3 (print(fit, rmean = tau)), to 1e-9
-- relative, and the difference of two groups (diff, se = sqrt(se_a^2 + se_b^2), normal limits,
-- two-sided p) computed in test/data/survival_gen.R from R's per-group values.
\i test/lib/regress_helpers.sql
\i test/data/survival_load.sql
\set QUIET on
CREATE FUNCTION pg_temp.same(actual float8, expected text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$ SELECT pg_temp.close_enough(actual, pg_temp.csv_float8(expected), 1e-9) $$;
CREATE TEMP TABLE ref_rmst (case_name text, tau text, rmst_a text, se_a text, rmst_b text, se_b text,
  diff text, se text, lower text, upper text, p text);
\copy ref_rmst FROM 'test/data/survival_rmst.csv' WITH (FORMAT csv, HEADER)
CREATE TEMP TABLE pairs (case_name text, a clinnova.survfit, b clinnova.survfit);
INSERT INTO pairs
SELECT 'lung_sex_730', (SELECT clinnova.km(time, status = 2) FROM lung WHERE sex = 1),
                       (SELECT clinnova.km(time, status = 2) FROM lung WHERE sex = 2);
INSERT INTO pairs
SELECT c, (SELECT clinnova.km(time, status) FROM ties WHERE grp = 'a'),
          (SELECT clinnova.km(time, status) FROM ties WHERE grp = 'b')
FROM unnest(ARRAY['ties_ab_30', 'ties_ab_100', 'ties_ab_1', 'ties_ab_12']) c;
\set QUIET off

SELECT r.case_name, r.tau,
       pg_temp.same(ma.rmst, r.rmst_a) AND pg_temp.same(ma.se, r.se_a) AS rmst_a,
       pg_temp.same(mb.rmst, r.rmst_b) AND pg_temp.same(mb.se, r.se_b) AS rmst_b,
       pg_temp.same(d.diff, r.diff) AND pg_temp.same(d.se, r.se) AS diff,
       pg_temp.same(d.lower, r.lower) AND pg_temp.same(d.upper, r.upper) AS ci,
       pg_temp.same(d.p, r.p) AS p
FROM ref_rmst r JOIN pairs USING (case_name),
     clinnova.rmst(a, r.tau::float8) ma, clinnova.rmst(b, r.tau::float8) mb,
     clinnova.rmst_diff(a, b, r.tau::float8) d
ORDER BY r.case_name;

-- one case in full
SELECT round(diff::numeric, 6) AS diff, round(se::numeric, 6) AS se, round(lower::numeric, 6) AS lower,
       round(upper::numeric, 6) AS upper, round(p::numeric, 9) AS p
FROM pairs, clinnova.rmst_diff(a, b, 730) WHERE case_name = 'lung_sex_730';
-- other confidence levels; b - a mirrors a - b
SELECT round(d1.lower::numeric, 6) AS lower_90, round(d1.upper::numeric, 6) AS upper_90,
       d1.diff = -d2.diff AS antisymmetric, d1.p = d2.p AS same_p
FROM pairs, clinnova.rmst_diff(a, b, 730, 0.9) d1, clinnova.rmst_diff(b, a, 730, 0.9) d2
WHERE case_name = 'lung_sex_730';

-- tau before the first time: the whole area is 1 * tau (R refuses: "truncation point ... <
-- smallest survival"); beyond the last time the last value is carried to tau
SELECT (clinnova.rmst(clinnova.km(t, e), 0.5)).*,
       round((clinnova.rmst(clinnova.km(t, e), 10)).rmst::numeric, 9) AS rmst_10,
       round((clinnova.rmst(clinnova.km(t, e), 10)).se::numeric, 9) AS se_10
FROM (VALUES (1, true), (2, false), (3, true)) v(t, e);
-- a curve reaching 0 has rmst = its area, whatever tau beyond
SELECT round((clinnova.rmst(clinnova.km(t, true), 100)).rmst::numeric, 9) AS rmst FROM (VALUES (1), (2), (3)) v(t);

-- bad arguments
SELECT * FROM clinnova.rmst((SELECT a FROM pairs LIMIT 1), 0);
SELECT * FROM clinnova.rmst((SELECT a FROM pairs LIMIT 1), 'NaN');
SELECT * FROM clinnova.rmst((SELECT a FROM pairs LIMIT 1), 'Infinity');
SELECT * FROM clinnova.rmst_diff((SELECT a FROM pairs LIMIT 1), (SELECT b FROM pairs LIMIT 1), 30, 0);
-- NULL arguments give NULL (STRICT)
SELECT (clinnova.rmst(NULL, 30)).rmst IS NULL AS null_curve;
