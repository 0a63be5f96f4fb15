-- Competing risks: cif() risk tables and cif_table's Aalen-Johansen estimates against R
-- survival 3.5.3 (survfit(Surv(time, factor(cause)) ~ 1)), to 1e-9 relative: section g of
-- test/data/reference (cr_mgus2) and the module's fixtures with three causes, unweighted and
-- with fractional weights (R's infinitesimal-jackknife standard errors per state).
\i test/lib/regress_helpers.sql
\i test/data/survival_load.sql
\set QUIET on
CREATE FUNCTION pg_temp.same(actual float8, expected text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$ SELECT pg_temp.close_enough(actual, pg_temp.csv_float8(expected), 1e-9) $$;

CREATE TEMP TABLE curves (case_name text, curve clinnova.survfit);
INSERT INTO curves
          SELECT 'cr_mgus2', clinnova.cif(etime, CASE event WHEN 'pcm' THEN 1 WHEN 'death' THEN 2 ELSE 0 END) FROM mgus2
UNION ALL SELECT 'cr3', clinnova.cif(time, cause) FROM ties
UNION ALL SELECT 'cr3_w', clinnova.cif(time, cause, w) FROM ties
UNION ALL SELECT 'cr3_grp_b', clinnova.cif(time, cause) FROM ties WHERE grp = 'b';

-- the reference in long form: one row per time and state (cause 0 = R's "(s0)")
CREATE TEMP TABLE ref_mgus2 (strata text, time text, n_risk_s0 text, n_risk_pcm text, n_risk_death text,
  n_event_s0 text, n_event_pcm text, n_event_death text, n_censor text, pstate_s0 text,
  pstate_pcm text, pstate_death text, std_err_s0 text, std_err_pcm text, std_err_death text,
  lower_s0 text, lower_pcm text, lower_death text, upper_s0 text, upper_pcm text,
  upper_death text, cumhaz_12 text, cumhaz_13 text);
\copy ref_mgus2 FROM 'test/data/reference/cr_mgus2.curve.csv' WITH (FORMAT csv, HEADER)
CREATE TEMP TABLE ref_cif (case_name text, time text, cause int, n_risk text, n_event text,
  n_censor text, pstate text, std_err text, lower text, upper text, lower_loglog text,
  upper_loglog text, lower_plain text, upper_plain text, cumhaz text);
INSERT INTO ref_cif
SELECT 'cr_mgus2', time, s.cause, n_risk_s0, s.n_event, n_censor, s.pstate, s.std_err, s.lower, s.upper,
       NULL, NULL, NULL, NULL, s.cumhaz
FROM ref_mgus2,
     LATERAL (VALUES (0, n_event_s0, pstate_s0, std_err_s0, lower_s0, upper_s0, NULL),
                     (1, n_event_pcm, pstate_pcm, std_err_pcm, lower_pcm, upper_pcm, cumhaz_12),
                     (2, n_event_death, pstate_death, std_err_death, lower_death, upper_death, cumhaz_13))
             s(cause, n_event, pstate, std_err, lower, upper, cumhaz);
\copy ref_cif FROM 'test/data/survival_cif_curve.csv' WITH (FORMAT csv, HEADER)
\set QUIET off

CREATE TEMP TABLE cif_cmp AS
SELECT r.case_name, r.time, r.cause,
       l.time IS NOT NULL AS found,
       pg_temp.same(l.n_risk, r.n_risk) AND pg_temp.same(l.n_event, r.n_event)
         AND pg_temp.same(l.n_censor, r.n_censor) AS counts,
       pg_temp.same(l.cif, r.pstate) AS cif,
       pg_temp.same(l.std_err, r.std_err) AS std_err,
       pg_temp.same(l.lower, r.lower) AND pg_temp.same(l.upper, r.upper) AS ci_log,
       r.lower_loglog IS NULL OR (pg_temp.same(ll.lower, r.lower_loglog) AND pg_temp.same(ll.upper, r.upper_loglog)) AS ci_loglog,
       r.lower_plain IS NULL OR (pg_temp.same(pl.lower, r.lower_plain) AND pg_temp.same(pl.upper, r.upper_plain)) AS ci_plain,
       r.cumhaz IS NULL OR pg_temp.same(l.cumhaz, r.cumhaz) AS cumhaz
FROM ref_cif r
JOIN curves c USING (case_name)
LEFT JOIN LATERAL clinnova.cif_table(c.curve, 'log') l ON l.time = r.time::float8 AND l.cause = r.cause
LEFT JOIN LATERAL clinnova.cif_table(c.curve, 'log-log') ll ON ll.time = r.time::float8 AND ll.cause = r.cause
LEFT JOIN LATERAL clinnova.cif_table(c.curve, 'plain') pl ON pl.time = r.time::float8 AND pl.cause = r.cause;

SELECT case_name, cause, count(*) AS rows,
       count(*) FILTER (WHERE NOT found) AS missing,
       count(*) FILTER (WHERE NOT counts) AS counts_bad,
       count(*) FILTER (WHERE NOT cif) AS cif_bad,
       count(*) FILTER (WHERE NOT std_err) AS std_err_bad,
       count(*) FILTER (WHERE NOT ci_log) AS log_bad,
       count(*) FILTER (WHERE NOT ci_loglog) AS loglog_bad,
       count(*) FILTER (WHERE NOT ci_plain) AS plain_bad,
       count(*) FILTER (WHERE NOT cumhaz) AS chaz_bad
FROM cif_cmp GROUP BY case_name, cause ORDER BY case_name, cause;
SELECT * FROM cif_cmp
WHERE NOT (found AND counts AND cif AND std_err AND ci_log AND ci_loglog AND ci_plain AND cumhaz) LIMIT 10;

-- exactly R's rows
SELECT c.case_name, count(*) AS ours, (SELECT count(*) FROM ref_cif r WHERE r.case_name = c.case_name) AS r
FROM curves c, clinnova.cif_table(c.curve) l GROUP BY c.case_name ORDER BY 1;

-- the event-free state is the all-cause Kaplan-Meier, and the states add up to 1
SELECT count(*) AS rows,
       count(*) FILTER (WHERE NOT pg_temp.close_enough(l.cif, k.surv, 1e-12)) AS s0_differs_from_km,
       count(*) FILTER (WHERE NOT pg_temp.close_enough(
           (SELECT sum(x.cif) FROM clinnova.cif_table(c.curve) x WHERE x.time = l.time), 1, 1e-12)) AS not_summing_to_1
FROM curves c, clinnova.cif_table(c.curve) l, clinnova.km_table(c.curve) k
WHERE l.cause = 0 AND k.time = l.time;

-- restricted mean time in each state to tau = 240 (R: summary(fit, rmean = 240)$table):
-- the event-free state through rmst(), the causes by integrating cif_table's step functions
\set j `cat test/data/reference/cr_mgus2.summary.json`
WITH c AS (SELECT curve FROM curves WHERE case_name = 'cr_mgus2'),
steps AS (
  SELECT l.cause, l.cif, l.time,
         lead(l.time, 1, 240) OVER (PARTITION BY l.cause ORDER BY l.time) AS next_time
  FROM c, clinnova.cif_table(c.curve) l WHERE l.time <= 240),
ours AS (
  SELECT 0 AS cause, (clinnova.rmst(curve, 240)).rmst AS rmean FROM c
  UNION ALL
  SELECT cause, sum(cif * (next_time - time)) FROM steps WHERE cause > 0 GROUP BY cause)
SELECT o.cause, pg_temp.close_enough(o.rmean, pg_temp.json_float8((:'j'::jsonb)->'table'->'rmean'->o.cause)) AS rmean_matches_r
FROM ours o ORDER BY o.cause;

-- the risk table keeps each cause apart; km_table reads it as all-cause survival
SELECT clinnova.cif(t, c) FROM (VALUES (1, 1), (2, 2), (2, 0), (3, 3), (4, 1)) v(t, c);
SELECT "time", n_event, round(surv::numeric, 4) AS surv
FROM clinnova.km_table((SELECT clinnova.cif(t, c) FROM (VALUES (1, 1), (2, 2), (2, 0), (3, 3), (4, 1)) v(t, c)));

-- all censored: one cause column with no events; incidence 0, event-free 1
SELECT "time", cause, n_risk, cif, std_err, lower, upper
FROM clinnova.cif_table((SELECT clinnova.cif(t, 0) FROM generate_series(1, 3) t));

-- one row
SELECT "time", cause, n_risk, n_event, cif, std_err, lower, upper FROM clinnova.cif_table((SELECT clinnova.cif(5, 2)));

-- late entries: estimates without standard errors (the jackknife needs subject data)
SELECT "time", cause, round(cif::numeric, 6) AS cif, std_err, lower
FROM clinnova.cif_table((SELECT clinnova.km(e, t, true) FROM (VALUES (0, 2), (1, 3), (0, 4)) v(e, t)));

-- NULL rows are skipped, empty input gives NULL
SELECT clinnova.cif(t, c) FROM (VALUES (1, NULL), (NULL, 1), (2, 1)) v(t, c);
SELECT clinnova.cif(t, c) IS NULL AS is_null FROM (VALUES (1, NULL::int)) v(t, c);
SELECT clinnova.cif(t, c, w) FROM (VALUES (1, 1, 0.0), (2, 2, 1.5), (3, 0, NULL)) v(t, c, w);

-- bad input
SELECT clinnova.cif(t, c) FROM (VALUES (1, 65)) v(t, c);
SELECT clinnova.cif(t, c) FROM (VALUES (1, -1)) v(t, c);
SELECT clinnova.cif(t, c) FROM (VALUES (-1, 1)) v(t, c);
SELECT clinnova.cif(t, c, w) FROM (VALUES (1, 1, -0.5)) v(t, c, w);
SELECT * FROM clinnova.cif_table((SELECT curve FROM curves WHERE case_name = 'cr3'), 'arcsin');

-- forced parallel plan: same risk table as a serial one
SELECT pg_temp.force_parallel();
CREATE TABLE big_cr AS   -- not TEMP: parallel workers cannot read temporary tables
SELECT g, (g % 97) + (g % 3) * 0.25 AS t, (g % 4) AS cause, 0.5 + (g % 5) * 0.25 AS w
FROM generate_series(1, 20000) g;
ANALYZE big_cr;
EXPLAIN (COSTS OFF)
CREATE TEMP TABLE par AS SELECT clinnova.cif(t, cause) AS a, clinnova.cif(t, cause, w) AS b FROM big_cr;
CREATE TEMP TABLE par AS SELECT clinnova.cif(t, cause) AS a, clinnova.cif(t, cause, w) AS b FROM big_cr;
SELECT pg_temp.serial_only();
CREATE TEMP TABLE ser AS SELECT clinnova.cif(t, cause) AS a, clinnova.cif(t, cause, w) AS b FROM big_cr;
SELECT p.a OPERATOR(clinnova.=) s.a AS unweighted_equal,
       (SELECT count(*) FROM clinnova.cif_table(p.b)) AS rows,
       (SELECT bool_and(pg_temp.close_enough(x.cif, y.cif, 1e-12) AND pg_temp.close_enough(x.std_err, y.std_err, 1e-12))
        FROM clinnova.cif_table(p.b) x JOIN clinnova.cif_table(s.b) y USING ("time", cause)) AS weighted_equal
FROM par p, ser s;
DROP TABLE big_cr;
