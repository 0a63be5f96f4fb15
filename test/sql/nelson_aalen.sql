-- Cumulative hazards against R survival 3.5.3 (survfit with stype = 2), to 1e-9 relative:
-- every case of section b of test/data/reference (Nelson-Aalen ctype 1 and the
-- Fleming-Harrington ctype 2 variant) and the module's own fixtures: tied events with
-- fractional weights (robust and Greenwood variances), integer weights, late entries.
\i test/lib/regress_helpers.sql
\i test/data/survival_load.sql
\set QUIET on
CREATE FUNCTION pg_temp.same(actual float8, expected text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$ SELECT pg_temp.close_enough(actual, pg_temp.csv_float8(expected), 1e-9) $$;

CREATE TEMP TABLE curves (case_name text, strata text, ctype int, variance text, curve clinnova.survfit);
INSERT INTO curves
          SELECT 'na_lung', '', 1, 'auto', clinnova.km(time, status = 2) FROM lung
UNION ALL SELECT 'na_lung_sex', 'sex=' || sex, 1, 'auto', clinnova.km(time, status = 2) FROM lung GROUP BY sex
UNION ALL SELECT 'na_veteran_celltype', 'celltype=' || celltype, 1, 'auto', clinnova.km(time, status)
            FROM veteran GROUP BY celltype
UNION ALL SELECT 'na_lung_fh', '', 2, 'auto', clinnova.km(time, status = 2) FROM lung
UNION ALL SELECT 'na_ties_c1', 'grp=' || grp, 1, 'auto', clinnova.km(time, status) FROM ties GROUP BY grp
UNION ALL SELECT 'na_ties_c2', 'grp=' || grp, 2, 'auto', clinnova.km(time, status) FROM ties GROUP BY grp
UNION ALL SELECT 'na_ties_w_c1_robust', 'grp=' || grp, 1, 'auto', clinnova.km(time, status = 1, w) FROM ties GROUP BY grp
UNION ALL SELECT 'na_ties_w_c2_robust', 'grp=' || grp, 2, 'robust', clinnova.km(time, status = 1, w) FROM ties GROUP BY grp
UNION ALL SELECT 'na_ties_w_c2_greenwood', 'grp=' || grp, 2, 'greenwood', clinnova.km(time, status = 1, w)
            FROM ties GROUP BY grp
UNION ALL SELECT 'na_ties_wi_c2', 'grp=' || grp, 2, 'auto', clinnova.km(time, status = 1, wi) FROM ties GROUP BY grp
UNION ALL SELECT 'na_ties_entry_c2', 'grp=' || grp, 2, 'auto', clinnova.km(entry, time, status = 1) FROM ties GROUP BY grp;

CREATE TEMP TABLE ref_stage (strata text, time text, n_risk text, n_event text, n_censor text,
  cumhaz text, std_chaz text, surv text, std_err text, lower text, upper text);
CREATE TEMP TABLE ref_curve (case_name text, strata text, time text, n_risk text, n_event text,
  n_censor text, cumhaz text, std_chaz text, surv text, std_err text, lower text, upper text);
CREATE FUNCTION pg_temp.take_ref(name text) RETURNS void LANGUAGE sql AS $$
  INSERT INTO ref_curve SELECT name, * FROM ref_stage;
  TRUNCATE ref_stage;
$$;
\copy ref_stage FROM 'test/data/reference/na_lung.curve.csv' WITH (FORMAT csv, HEADER)
SELECT pg_temp.take_ref('na_lung');
\copy ref_stage FROM 'test/data/reference/na_lung_sex.curve.csv' WITH (FORMAT csv, HEADER)
SELECT pg_temp.take_ref('na_lung_sex');
\copy ref_stage FROM 'test/data/reference/na_veteran_celltype.curve.csv' WITH (FORMAT csv, HEADER)
SELECT pg_temp.take_ref('na_veteran_celltype');
\copy ref_stage FROM 'test/data/reference/na_lung_fh.curve.csv' WITH (FORMAT csv, HEADER)
SELECT pg_temp.take_ref('na_lung_fh');
\copy ref_curve FROM 'test/data/survival_na_curve.csv' WITH (FORMAT csv, HEADER)
\set QUIET off

-- every column of every row, per case.  One R quirk: with stype = 2, ctype = 1 and the robust
-- variance (na_ties_w_c1_robust), R 3.5.3 returns the cumulative hazard's standard error as
-- std.err but flags it as a standard error of S (logse = FALSE), so its confidence limits divide
-- it by S once more.  clinnova keeps it on the -log S scale, as R does for every other case;
-- that case's std_err is compared with std.chaz, its limits are checked below.
CREATE TEMP TABLE na_cmp AS
SELECT r.case_name, r.strata, r.time,
       n.time IS NOT NULL AS found,
       pg_temp.same(n.n_risk, r.n_risk) AND pg_temp.same(n.n_event, r.n_event)
         AND pg_temp.same(n.n_censor, r.n_censor) AS counts,
       pg_temp.same(n.cumhaz, r.cumhaz) AS cumhaz,
       pg_temp.same(n.std_err, r.std_chaz)
         AND (r.case_name = 'na_ties_w_c1_robust' OR pg_temp.same(n.std_err, r.std_err)) AS std_err,
       pg_temp.same(n.surv, r.surv) AS surv,
       r.case_name = 'na_ties_w_c1_robust'
         OR (pg_temp.same(n.lower, r.lower) AND pg_temp.same(n.upper, r.upper)) AS ci
FROM ref_curve r
JOIN curves c USING (case_name, strata)
LEFT JOIN LATERAL clinnova.nelson_aalen(c.curve, c.ctype, 'log', 0.95, c.variance) n
  ON n.time = r.time::float8;

SELECT case_name, count(*) AS rows,
       count(*) FILTER (WHERE NOT found) AS missing,
       count(*) FILTER (WHERE NOT counts) AS counts_bad,
       count(*) FILTER (WHERE NOT cumhaz) AS cumhaz_bad,
       count(*) FILTER (WHERE NOT std_err) AS std_err_bad,
       count(*) FILTER (WHERE NOT surv) AS surv_bad,
       count(*) FILTER (WHERE NOT ci) AS ci_bad
FROM na_cmp GROUP BY case_name ORDER BY case_name;
SELECT * FROM na_cmp WHERE NOT (found AND counts AND cumhaz AND std_err AND surv AND ci) LIMIT 10;

-- our curves have exactly R's rows
SELECT c.case_name, c.strata, count(*) AS ours
FROM curves c, clinnova.nelson_aalen(c.curve, c.ctype) n
GROUP BY c.case_name, c.strata
HAVING count(*) <> (SELECT count(*) FROM ref_curve r WHERE r.case_name = c.case_name AND r.strata = c.strata);

-- na_ties_w_c1_robust: R's limits are exp(-cumhaz -+ z std.chaz / surv); ours exp(-cumhaz -+ z std.chaz)
SELECT count(*) AS rows,
       count(*) FILTER (WHERE NOT pg_temp.close_enough(n.lower, exp(-n.cumhaz - 1.959963984540054 * n.std_err))
                           OR NOT pg_temp.close_enough(n.upper, least(1, exp(-n.cumhaz + 1.959963984540054 * n.std_err)))
                           OR NOT pg_temp.close_enough(pg_temp.csv_float8(r.lower),
                                    exp(-n.cumhaz - 1.959963984540054 * n.std_err / n.surv))) AS differ
FROM ref_curve r JOIN curves c USING (case_name, strata),
     clinnova.nelson_aalen(c.curve, 1, 'log', 0.95, 'auto') n
WHERE r.case_name = 'na_ties_w_c1_robust' AND n.time = r.time::float8;

-- ctype 1 hazard equals km_table's cumhaz column
SELECT count(*) AS rows, count(*) FILTER (WHERE n.cumhaz <> k.cumhaz OR n.std_err <> k.std_chaz) AS differ
FROM curves c, clinnova.nelson_aalen(c.curve) n, clinnova.km_table(c.curve) k
WHERE c.case_name = 'na_lung' AND n.time = k.time;

-- the other confidence types are available too
SELECT round(surv::numeric, 6) AS surv, round(lower::numeric, 6) AS lower, round(upper::numeric, 6) AS upper
FROM curves c, clinnova.nelson_aalen(c.curve, 1, 'log-log', 0.9) n
WHERE c.case_name = 'na_lung' AND n.time IN (5, 310, 1022) ORDER BY n.time;

-- bad arguments
SELECT * FROM clinnova.nelson_aalen((SELECT curve FROM curves WHERE case_name = 'na_lung'), 3);
SELECT * FROM clinnova.nelson_aalen((SELECT curve FROM curves WHERE case_name = 'na_lung'), 1, 'logit');
SELECT * FROM clinnova.nelson_aalen((SELECT curve FROM curves WHERE case_name = 'na_lung'), 1, 'log', 1);
SELECT * FROM clinnova.nelson_aalen((SELECT curve FROM curves WHERE case_name = 'na_lung'), 1, 'log', 0.95, 'jackknife');
SELECT * FROM clinnova.nelson_aalen((SELECT curve FROM curves WHERE case_name = 'na_ties_entry_c2' LIMIT 1),
                                    1, 'log', 0.95, 'robust');
