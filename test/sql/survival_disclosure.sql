-- Disclosure control: for a federation role (clinnova.federation_roles) the final functions of
-- km, cif, km_merge and logrank return nothing that describes fewer than
-- clinnova.min_cell_count people: exit times are rounded up and entry times down to
-- clinnova.time_grain, rows are merged until every count is 0 or >= min_cell_count, and groups
-- (or counts) that stay smaller are refused with 42501.
\i test/lib/regress_helpers.sql
\i test/data/survival_load.sql
\set QUIET on
CREATE ROLE regress_clinnova_fed NOLOGIN;
GRANT USAGE ON SCHEMA clinnova TO regress_clinnova_fed;
GRANT SELECT ON lung, ties, heart, mgus2 TO regress_clinnova_fed;
-- rows of a risk table as (time, events per cause, censored, entered) people counts
CREATE FUNCTION pg_temp.rows_of(sf clinnova.survfit)
RETURNS TABLE (t float8, events float8, censored float8, entered float8, min_event_cause float8)
LANGUAGE sql AS $$
  SELECT (r->>0)::float8,
         (SELECT sum((r->>(c.i))::float8) FROM generate_series(1, (j->>'causes')::int) c(i)),
         (r->>((j->>'causes')::int + 1))::float8,
         CASE WHEN j->'columns' ? 'entered' THEN (r->>((j->>'causes')::int + 2))::float8 ELSE 0 END,
         (SELECT min((r->>(c.i))::float8) FILTER (WHERE (r->>(c.i))::float8 > 0)
          FROM generate_series(1, (j->>'causes')::int) c(i))
  FROM (SELECT sf::text::jsonb AS j) x, jsonb_array_elements(j->'rows') r
  WHERE j->>'weights' = 'none'
$$;
-- is every count of every row 0 or >= m, every time a multiple of the grain?
CREATE FUNCTION pg_temp.safe(sf clinnova.survfit, m int, grain float8)
RETURNS TABLE (rows bigint, records float8, events float8, counts_safe boolean, times_on_grain boolean)
LANGUAGE sql AS $$
  SELECT count(*), sum(events + censored), sum(events),
         bool_and((events = 0 OR events >= m) AND (censored = 0 OR censored >= m)
                  AND (entered = 0 OR entered >= m) AND coalesce(min_event_cause >= m, true)),
         bool_and(grain = 0 OR t / grain = floor(t / grain))
  FROM pg_temp.rows_of(sf)
$$;
\set QUIET off

SET clinnova.federation_roles = 'regress_clinnova_fed';
-- this test checks the final functions themselves, not the federation guard (whose rules
-- would refuse these queries of a federation role)
SET clinnova.federation_guard = off;
SET clinnova.min_cell_count = 5;
SET clinnova.time_grain = 30;

-- the superuser session is not a federation role: full resolution
SELECT * FROM pg_temp.safe((SELECT clinnova.km(time, status = 2) FROM lung), 5, 30);

SET ROLE regress_clinnova_fed;
-- a federation role gets the coarsened table: same people, same events, safe rows
SELECT * FROM pg_temp.safe((SELECT clinnova.km(time, status = 2) FROM lung), 5, 30);
SELECT sex, s.* FROM (SELECT sex, clinnova.km(time, status = 2) AS sf FROM lung GROUP BY sex) x,
     pg_temp.safe(sf, 5, 30) s ORDER BY sex;
-- a small table in full: six exits merged into safe rows at 30-day multiples
SELECT clinnova.km(t, e) FROM (VALUES (1, true), (2, true), (3, false), (4, true), (5, true), (6, true),
                                      (40, false), (41, false), (42, false), (43, false), (44, false)) v(t, e);
-- weighted tables keep their weight sums through the merging
SELECT clinnova.km(t, true, 0.5) FROM generate_series(1, 12) t;
-- late entries are rounded down and merged backwards (an entry may only move earlier)
SELECT * FROM pg_temp.safe((SELECT clinnova.km(start, stop, event = 1) FROM heart), 5, 30);
SELECT * FROM pg_temp.safe((SELECT clinnova.km(entry, time, status = 1) FROM ties), 5, 30);
-- competing risks: every cause's count per row is 0 or >= 5
SELECT * FROM pg_temp.safe((SELECT clinnova.cif(etime, CASE event WHEN 'pcm' THEN 1 WHEN 'death' THEN 2 ELSE 0 END)
                            FROM mgus2), 5, 30);
-- km_merge, e.g. on a coordinator session of a federation role
SELECT * FROM pg_temp.safe((SELECT clinnova.km_merge(s) FROM (SELECT clinnova.km(time, status = 2) AS s
                            FROM lung WHERE inst IS NOT NULL GROUP BY inst % 4) x), 5, 30);
-- the curve read off a coarsened table
SELECT "time", n_risk, n_event, n_censor, round(surv::numeric, 4) AS surv
FROM clinnova.km_table((SELECT clinnova.km(time, status = 2) FROM lung)) LIMIT 5;
-- logrank describes whole groups: computed exactly, once every group is large enough
SELECT round(chisq::numeric, 6) AS chisq, df, groups, n, observed
FROM (SELECT (clinnova.logrank(time, status = 2, sex::text)).* FROM lung) x;
SELECT round((r).chisq::numeric, 3) AS chisq, (r).groups, (r).n, (r).observed
FROM (SELECT clinnova.logrank(time, status = 2, CASE WHEN time < 30 THEN 'early' ELSE 'late' END) AS r FROM lung) x;

-- refused: a group of fewer than 5 people (also a subquery's group, and a logrank group),
-- 3 events in all, a rare cause, 2 late entries, a logrank group with 3 events
SELECT clinnova.km(t, true) FROM generate_series(1, 4) t;
SELECT clinnova.km_merge(s) FROM (SELECT clinnova.km(t, true) s FROM generate_series(1, 4) t) x;
SELECT clinnova.logrank(time, status = 2, CASE WHEN time < 12 THEN 'small' ELSE 'rest' END) FROM lung;
SELECT clinnova.km(t, t <= 3) FROM generate_series(1, 100) t;
SELECT clinnova.logrank(t, t <= 3 OR t > 50, CASE WHEN t <= 50 THEN 'a' ELSE 'b' END) FROM generate_series(1, 100) t;
SELECT clinnova.cif(t, CASE WHEN t <= 2 THEN 2 WHEN t <= 50 THEN 1 ELSE 0 END) FROM generate_series(1, 100) t;
SELECT clinnova.km_merge(s) FROM (
  SELECT '{"causes":1,"weights":"none","columns":["time","events","censored","entered"],"rows":[[1,0,0,2],[200,2,0,0]]}'::clinnova.survfit
  UNION ALL SELECT clinnova.km(t, true) FROM generate_series(1, 100) t) x(s);
-- every row of a (start, stop] table has an entry, so entries are as many as the rows
SELECT clinnova.km(CASE WHEN t <= 2 THEN 1 ELSE 0 END, t + 10, true) FROM generate_series(1, 100) t;

-- without a time grain only the merging applies
RESET ROLE;
SET clinnova.time_grain = 0;
SET ROLE regress_clinnova_fed;
SELECT * FROM pg_temp.safe((SELECT clinnova.km(time, status = 2) FROM lung), 5, 0);
-- a larger minimum cell count merges more
RESET ROLE;
SET clinnova.min_cell_count = 20;
SET ROLE regress_clinnova_fed;
SELECT * FROM pg_temp.safe((SELECT clinnova.km(time, status = 2) FROM lung), 20, 0);

RESET ROLE;
RESET clinnova.federation_roles;
RESET clinnova.federation_guard;
RESET clinnova.min_cell_count;
RESET clinnova.time_grain;
\set QUIET on
REVOKE ALL ON lung, ties, heart, mgus2 FROM regress_clinnova_fed;
REVOKE USAGE ON SCHEMA clinnova FROM regress_clinnova_fed;
DROP ROLE regress_clinnova_fed;
