-- Kaplan-Meier against R survival 3.5.3, to 1e-9 relative (absolute near 0): every case of
-- section a of test/data/reference (every curve column, the summary table, medians and their
-- CIs per conf type, quantiles with CIs, restricted means) and the module's own fixtures from
-- test/data/survival_gen.R (ties, integer and fractional weights, left truncation and
-- (start, stop] data, one-row and all-censored data, flat stretches at 0.5, survival at times).
\i test/lib/regress_helpers.sql
\i test/data/survival_load.sql
\set QUIET on

-- same(actual, expected CSV/JSON text): equal to 1e-9 relative, NA = NULL
CREATE FUNCTION pg_temp.same(actual float8, expected text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$ SELECT pg_temp.close_enough(actual, pg_temp.csv_float8(expected), 1e-9) $$;

-- the small data sets of survival_gen.R
CREATE TEMP TABLE small (case_name text, time float8, status int, w float8);
INSERT INTO small VALUES
  ('one_event', 5, 1, 1), ('one_censored', 5, 0, 1),
  ('all_censored', 3, 0, 1), ('all_censored', 5, 0, 1), ('all_censored', 5, 0, 1), ('all_censored', 8, 0, 1),
  ('flat_mid', 1, 1, 1), ('flat_mid', 2, 1, 1), ('flat_mid', 3, 1, 1), ('flat_mid', 4, 1, 1),
  ('flat_last', 1, 1, 1), ('flat_last', 2, 1, 1), ('flat_last', 3, 0, 1), ('flat_last', 4, 0, 1),
  ('w_to_zero', 1, 1, 0.5), ('w_to_zero', 2, 1, 1.5), ('w_to_zero', 2, 0, 2.5), ('w_to_zero', 3, 1, 0.7);

-- the risk tables under test, with the variance R used for each case
CREATE TEMP TABLE curves (case_name text, strata text, variance text, curve clinnova.survfit);
INSERT INTO curves
          SELECT 'km_lung', '', 'auto', clinnova.km(time, status = 2) FROM lung
UNION ALL SELECT 'km_lung_sex', 'sex=' || sex, 'auto', clinnova.km(time, status = 2) FROM lung GROUP BY sex
UNION ALL SELECT 'km_veteran_trt', 'trt=' || trt, 'auto', clinnova.km(time, status) FROM veteran GROUP BY trt
UNION ALL SELECT 'km_veteran_celltype', 'celltype=' || celltype, 'auto', clinnova.km(time, status = 1)
            FROM veteran GROUP BY celltype
UNION ALL SELECT 'km_ovarian_rx', 'rx=' || rx, 'auto', clinnova.km(futime, fustat) FROM ovarian GROUP BY rx
UNION ALL SELECT 'km_lung_sex_weighted', 'sex=' || sex, 'auto', clinnova.km(time, status = 2, age / 60)
            FROM lung GROUP BY sex
UNION ALL SELECT 'km_lung_sex_weighted_greenwood', 'sex=' || sex, 'greenwood', clinnova.km(time, status = 2, age / 60)
            FROM lung GROUP BY sex
UNION ALL SELECT 'ties_grp', 'grp=' || grp, 'auto', clinnova.km(time, status = 1) FROM ties GROUP BY grp
UNION ALL SELECT 'ties_w_robust', 'grp=' || grp, 'auto', clinnova.km(time, status = 1, w) FROM ties GROUP BY grp
UNION ALL SELECT 'ties_w_greenwood', 'grp=' || grp, 'greenwood', clinnova.km(time, status = 1, w) FROM ties GROUP BY grp
UNION ALL SELECT 'ties_wi', 'grp=' || grp, 'auto', clinnova.km(time, status = 1, wi) FROM ties GROUP BY grp
UNION ALL SELECT 'ties_robust', 'grp=' || grp, 'robust', clinnova.km(time, status) FROM ties GROUP BY grp
UNION ALL SELECT 'ties_entry', 'grp=' || grp, 'auto', clinnova.km(entry, time, status = 1) FROM ties GROUP BY grp
UNION ALL SELECT 'ties_entry_w', 'grp=' || grp, 'auto', clinnova.km(entry, time, status = 1, w) FROM ties GROUP BY grp
UNION ALL SELECT 'heart', '', 'auto', clinnova.km(start, stop, event = 1) FROM heart
UNION ALL SELECT 'heart_transplant', 'transplant=' || transplant, 'auto', clinnova.km(start, stop, event = 1)
            FROM heart GROUP BY transplant
UNION ALL SELECT case_name, '', 'auto', clinnova.km(time, status = 1, w) FROM small WHERE case_name = 'w_to_zero'
            GROUP BY case_name
UNION ALL SELECT case_name, '', 'auto', clinnova.km(time, status) FROM small WHERE case_name <> 'w_to_zero'
            GROUP BY case_name;

-- ---- reference curves ----
CREATE TEMP TABLE ref_stage (strata text, time text, n_risk text, n_event text, n_censor text,
  surv text, std_err text, se_surv text, lower text, upper text, lower_loglog text,
  upper_loglog text, lower_plain text, upper_plain text, cumhaz text, std_chaz text);
CREATE TEMP TABLE ref_curve (case_name text, strata text, time text, n_risk text, n_event text,
  n_censor text, surv text, std_err text, se_surv text, lower text, upper text, lower_loglog text,
  upper_loglog text, lower_plain text, upper_plain text, cumhaz text, std_chaz text);
CREATE FUNCTION pg_temp.take_ref(name text) RETURNS void LANGUAGE sql AS $$
  INSERT INTO ref_curve SELECT name, * FROM ref_stage;
  TRUNCATE ref_stage;
$$;
\copy ref_stage FROM 'test/data/reference/km_lung.curve.csv' WITH (FORMAT csv, HEADER)
SELECT pg_temp.take_ref('km_lung');
\copy ref_stage FROM 'test/data/reference/km_lung_sex.curve.csv' WITH (FORMAT csv, HEADER)
SELECT pg_temp.take_ref('km_lung_sex');
\copy ref_stage FROM 'test/data/reference/km_veteran_trt.curve.csv' WITH (FORMAT csv, HEADER)
SELECT pg_temp.take_ref('km_veteran_trt');
\copy ref_stage FROM 'test/data/reference/km_veteran_celltype.curve.csv' WITH (FORMAT csv, HEADER)
SELECT pg_temp.take_ref('km_veteran_celltype');
\copy ref_stage FROM 'test/data/reference/km_ovarian_rx.curve.csv' WITH (FORMAT csv, HEADER)
SELECT pg_temp.take_ref('km_ovarian_rx');
\copy ref_stage FROM 'test/data/reference/km_lung_sex_weighted.curve.csv' WITH (FORMAT csv, HEADER)
SELECT pg_temp.take_ref('km_lung_sex_weighted');
\copy ref_stage FROM 'test/data/reference/km_lung_sex_weighted_greenwood.curve.csv' WITH (FORMAT csv, HEADER)
SELECT pg_temp.take_ref('km_lung_sex_weighted_greenwood');
-- own fixtures carry a case column and no se.surv
CREATE TEMP TABLE own_stage (case_name text, strata text, time text, n_risk text, n_event text,
  n_censor text, surv text, std_err text, lower text, upper text, lower_loglog text,
  upper_loglog text, lower_plain text, upper_plain text, cumhaz text, std_chaz text);
\copy own_stage FROM 'test/data/survival_km_curve.csv' WITH (FORMAT csv, HEADER)
INSERT INTO ref_curve SELECT case_name, strata, time, n_risk, n_event, n_censor, surv, std_err, NULL,
  lower, upper, lower_loglog, upper_loglog, lower_plain, upper_plain, cumhaz, std_chaz FROM own_stage;
\set QUIET off

-- every column of every curve row, per case: rows compared and mismatches per column group
CREATE TEMP TABLE curve_cmp AS
SELECT r.case_name, r.strata, r.time,
       k.time IS NOT NULL AS found,
       pg_temp.same(k.n_risk, r.n_risk) AND pg_temp.same(k.n_event, r.n_event)
         AND pg_temp.same(k.n_censor, r.n_censor) AS counts,
       pg_temp.same(k.surv, r.surv) AS surv,
       pg_temp.same(k.std_err, r.std_err) AS std_err,
       (r.se_surv IS NULL OR pg_temp.same(NULLIF(k.surv * k.std_err, 'NaN'), r.se_surv)) AS se_surv,
       pg_temp.same(k.lower, r.lower) AND pg_temp.same(k.upper, r.upper) AS ci_log,
       pg_temp.same(ll.lower, r.lower_loglog) AND pg_temp.same(ll.upper, r.upper_loglog) AS ci_loglog,
       pg_temp.same(pl.lower, r.lower_plain) AND pg_temp.same(pl.upper, r.upper_plain) AS ci_plain,
       pg_temp.same(k.cumhaz, r.cumhaz) AND pg_temp.same(k.std_chaz, r.std_chaz) AS cumhaz
FROM ref_curve r
JOIN curves c USING (case_name, strata)
LEFT JOIN LATERAL clinnova.km_table(c.curve, 'log', 0.95, c.variance) k ON k.time = r.time::float8
LEFT JOIN LATERAL clinnova.km_table(c.curve, 'log-log', 0.95, c.variance) ll ON ll.time = r.time::float8
LEFT JOIN LATERAL clinnova.km_table(c.curve, 'plain', 0.95, c.variance) pl ON pl.time = r.time::float8;

SELECT case_name, count(*) AS rows,
       count(*) FILTER (WHERE NOT found) AS missing,
       count(*) FILTER (WHERE NOT counts) AS counts_bad,
       count(*) FILTER (WHERE NOT surv) AS surv_bad,
       count(*) FILTER (WHERE NOT std_err OR NOT se_surv) AS se_bad,
       count(*) FILTER (WHERE NOT ci_log) AS log_bad,
       count(*) FILTER (WHERE NOT ci_loglog) AS loglog_bad,
       count(*) FILTER (WHERE NOT ci_plain) AS plain_bad,
       count(*) FILTER (WHERE NOT cumhaz) AS chaz_bad
FROM curve_cmp GROUP BY case_name ORDER BY case_name;

-- no extra rows: our curves have exactly R's rows
SELECT c.case_name, c.strata, count(*) AS ours,
       (SELECT count(*) FROM ref_curve r WHERE r.case_name = c.case_name AND r.strata = c.strata) AS r
FROM curves c, clinnova.km_table(c.curve) k
GROUP BY c.case_name, c.strata
HAVING count(*) <> (SELECT count(*) FROM ref_curve r WHERE r.case_name = c.case_name AND r.strata = c.strata);

-- any mismatching row in detail (none expected)
SELECT * FROM curve_cmp
WHERE NOT (found AND counts AND surv AND std_err AND se_surv AND ci_log AND ci_loglog AND ci_plain AND cumhaz)
LIMIT 10;

-- ---- summary table, medians and their CIs, restricted means ----
\set QUIET on
CREATE TEMP TABLE ref_summary (case_name text, strata text, records text, n_max text, n_start text,
  events text, tau text, rmean text, se_rmean text, median text, lcl_log text, ucl_log text,
  lcl_loglog text, ucl_loglog text, lcl_plain text, ucl_plain text);
CREATE TEMP TABLE ref_quantile (case_name text, strata text, conf text, prob text, quantile text,
  lower text, upper text);
CREATE TEMP TABLE ref_json (case_name text, j jsonb);
\set j `cat test/data/reference/km_lung.summary.json`
INSERT INTO ref_json VALUES ('km_lung', :'j');
\set j `cat test/data/reference/km_lung_sex.summary.json`
INSERT INTO ref_json VALUES ('km_lung_sex', :'j');
\set j `cat test/data/reference/km_veteran_trt.summary.json`
INSERT INTO ref_json VALUES ('km_veteran_trt', :'j');
\set j `cat test/data/reference/km_veteran_celltype.summary.json`
INSERT INTO ref_json VALUES ('km_veteran_celltype', :'j');
\set j `cat test/data/reference/km_ovarian_rx.summary.json`
INSERT INTO ref_json VALUES ('km_ovarian_rx', :'j');
\set j `cat test/data/reference/km_lung_sex_weighted.summary.json`
INSERT INTO ref_json VALUES ('km_lung_sex_weighted', :'j');
\set j `cat test/data/reference/km_lung_sex_weighted_greenwood.summary.json`
INSERT INTO ref_json VALUES ('km_lung_sex_weighted_greenwood', :'j');
INSERT INTO ref_summary
SELECT case_name, s.strata,
       t->'records'->>i, t->'n.max'->>i, t->'n.start'->>i, t->'events'->>i, j->>'tau',
       t->'rmean'->>i, t->'se.rmean'->>i, t->'median'->>i, t->'lcl.median'->>i, t->'ucl.median'->>i,
       j->'median_ci_loglog'->'lcl.median'->>i, j->'median_ci_loglog'->'ucl.median'->>i,
       j->'median_ci_plain'->'lcl.median'->>i, j->'median_ci_plain'->'ucl.median'->>i
FROM ref_json,
     LATERAL (SELECT j->'table_log' AS t) x,
     LATERAL jsonb_array_elements_text(t->'strata') WITH ORDINALITY s(strata, n),
     LATERAL (SELECT (s.n - 1)::int AS i) y;
INSERT INTO ref_quantile
SELECT case_name, q->'strata'->>i, conf, q->'prob'->>i, q->'quantile'->>i, q->'lower'->>i, q->'upper'->>i
FROM ref_json,
     LATERAL (VALUES ('log', j->'quantiles_log'), ('log-log', j->'quantiles_loglog'),
                     ('plain', j->'quantiles_plain')) v(conf, q),
     LATERAL generate_series(0, jsonb_array_length(q->'prob') - 1) i;
\copy ref_summary FROM 'test/data/survival_km_summary.csv' WITH (FORMAT csv, HEADER)
\copy ref_quantile FROM 'test/data/survival_km_quantile.csv' WITH (FORMAT csv, HEADER)
\set QUIET off

CREATE TEMP TABLE summary_cmp AS
SELECT r.case_name, r.strata,
       pg_temp.same(s.records, r.records) AND pg_temp.same(s.n_max, r.n_max)
         AND pg_temp.same(s.n_start, r.n_start) AND pg_temp.same(s.events, r.events) AS counts,
       pg_temp.same(m.rmst, r.rmean) AND pg_temp.same(m.se, r.se_rmean) AS rmean,
       pg_temp.same(ml.median, r.median) AND pg_temp.same(mll.median, r.median)
         AND pg_temp.same(mp.median, r.median) AS median,
       pg_temp.same(ml.lower, r.lcl_log) AND pg_temp.same(ml.upper, r.ucl_log) AS ci_log,
       pg_temp.same(mll.lower, r.lcl_loglog) AND pg_temp.same(mll.upper, r.ucl_loglog) AS ci_loglog,
       pg_temp.same(mp.lower, r.lcl_plain) AND pg_temp.same(mp.upper, r.ucl_plain) AS ci_plain
FROM ref_summary r
JOIN curves c USING (case_name, strata),
     clinnova.survfit_summary(c.curve) s,
     clinnova.rmst(c.curve, r.tau::float8) m,
     clinnova.median_survival(c.curve, 'log', 0.95, c.variance) ml,
     clinnova.median_survival(c.curve, 'log-log', 0.95, c.variance) mll,
     clinnova.median_survival(c.curve, 'plain', 0.95, c.variance) mp;

SELECT case_name, count(*) AS strata,
       count(*) FILTER (WHERE NOT counts) AS counts_bad,
       count(*) FILTER (WHERE NOT rmean) AS rmean_bad,
       count(*) FILTER (WHERE NOT median) AS median_bad,
       count(*) FILTER (WHERE NOT ci_log) AS log_bad,
       count(*) FILTER (WHERE NOT ci_loglog) AS loglog_bad,
       count(*) FILTER (WHERE NOT ci_plain) AS plain_bad
FROM summary_cmp GROUP BY case_name ORDER BY case_name;

-- every (case, strata) of the references was compared
SELECT count(*) AS summary_rows_without_curve
FROM ref_summary r WHERE NOT EXISTS (SELECT FROM curves c WHERE c.case_name = r.case_name AND c.strata = r.strata);

-- quantiles (R's quantile.survfit rule) with CIs per conf type
CREATE TEMP TABLE quantile_cmp AS
SELECT r.case_name, r.strata, r.conf, r.prob,
       pg_temp.same(q.quantile, r.quantile) AS quantile,
       pg_temp.same(q.lower, r.lower) AND pg_temp.same(q.upper, r.upper) AS ci
FROM ref_quantile r
JOIN curves c USING (case_name, strata),
     clinnova.surv_quantile(c.curve, r.prob::float8, r.conf, 0.95, c.variance) q;

SELECT case_name, count(*) AS quantiles,
       count(*) FILTER (WHERE NOT quantile) AS quantile_bad,
       count(*) FILTER (WHERE NOT ci) AS ci_bad
FROM quantile_cmp GROUP BY case_name ORDER BY case_name;
SELECT * FROM quantile_cmp WHERE NOT (quantile AND ci) LIMIT 10;

-- the two R rules differ on a last flat stretch at 0.5: print.survfit's median is the first
-- time at 0.5, quantile(fit, 0.5) the midpoint to the last time
SELECT m.median, q.quantile
FROM curves c, clinnova.median_survival(c.curve) m, clinnova.surv_quantile(c.curve, 0.5) q
WHERE c.case_name = 'flat_last';

-- ---- survival at given times (R: summary(fit, times = t), NA after the last time) ----
\set QUIET on
CREATE TEMP TABLE ref_survat (case_name text, strata text, t text, surv text);
\copy ref_survat FROM 'test/data/survival_km_survat.csv' WITH (FORMAT csv, HEADER)
\set QUIET off
SELECT count(*) AS points,
       count(*) FILTER (WHERE NOT pg_temp.same(clinnova.surv_at(c.curve, r.t::float8), r.surv)) AS surv_at_bad,
       count(*) FILTER (WHERE r.surv = 'NA') AS beyond_last_time
FROM ref_survat r JOIN curves c USING (case_name, strata);
