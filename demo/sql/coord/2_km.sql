-- 2. Federated Kaplan-Meier by drug class, with a log-rank test, checked against the pooled rows.
-- Outcome: time on drug (days) until the drug fails or is stopped (event), censored at the end of
-- follow-up.  Each site returns its km() risk table per class, made disclosure-safe by the site
-- (times rounded up to 30 days, counts under 5 merged into neighbouring times); the coordinator
-- merges them (km_merge) and reads them with km_table, median_survival, logrank.
\pset footer off
SELECT $$disease IN ('crohn', 'uc') AND drug_class IN ('anti-TNF', 'anti-integrin', 'IL inhibitor', 'JAK inhibitor')$$
       AS ibd_filter \gset
\echo 'IBD (Crohn''s disease and ulcerative colitis), advanced therapies: how long does a drug keep working?'
\echo 'clinnova.federated_km(''episode'', ''time'', ''event'', group_by => ''drug_class'', filter => ...)'
CREATE TEMP TABLE km AS
SELECT group_value AS drug_class, curve
FROM clinnova.federated_km('episode', 'time', 'event', group_by => 'drug_class', filter => :'ibd_filter');

-- S(t) and its band at time t: the last row of the curve at or before t
CREATE FUNCTION pg_temp.at(curve clinnova.survfit, t float8) RETURNS text
LANGUAGE sql AS $$
  SELECT format('%s (%s-%s)', round(k.surv::numeric, 3), round(k.lower::numeric, 3), round(k.upper::numeric, 3))
  FROM clinnova.km_table(curve) k WHERE k."time" <= t ORDER BY k."time" DESC LIMIT 1
$$;

SELECT k.drug_class AS "drug class", s.n_start::bigint AS episodes, s.events::bigint AS "failed or stopped",
       round(m.median) AS "median days", format('%s-%s', round(m.lower), coalesce(round(m.upper)::text, 'NA')) AS "95% CI",
       pg_temp.at(k.curve, 365) AS "on drug at 1 year (95% CI)", pg_temp.at(k.curve, 730) AS "at 2 years"
FROM km k, clinnova.survfit_summary(k.curve) s, clinnova.median_survival(k.curve) m
ORDER BY m.median DESC;

\echo 'Log-rank test (clinnova.federated_logrank): observed and expected failures per class'
CREATE TEMP TABLE lr AS
SELECT * FROM clinnova.federated_logrank('episode', 'time', 'event', 'drug_class', filter => :'ibd_filter');
SELECT g.grp AS "drug class", g.n AS episodes, round(g.o::numeric) AS observed, round(g.e::numeric, 1) AS expected,
       round((g.o / g.e)::numeric, 2) AS "O/E"
FROM lr, unnest(lr.groups, lr.n, lr.observed, lr.expected) g(grp, n, o, e) ORDER BY g.o / g.e;
SELECT round(chisq::numeric, 2) AS chisq, df, demo.p_value(p) AS p FROM lr;

-- Check 1: federated = pooled.  The coordinator's pooled copy (demo/run made it only for this
-- check) split by site and passed through the sites' own disclosure rules, merged.
SELECT min(min_cell_count) AS min_cell_count, min(time_grain) AS time_grain FROM clinnova.federation_sites() \gset
SET clinnova.federation_roles = 'demo_site_rules';
SET clinnova.min_cell_count = :min_cell_count;
SET clinnova.time_grain = :time_grain;
SET clinnova.federation_guard = off;
SET ROLE demo_site_rules;
CREATE TEMP TABLE site_rules_km AS
SELECT site, drug_class, clinnova.km("time", event) AS curve
FROM pooled.episode
WHERE disease IN ('crohn', 'uc') AND drug_class IN ('anti-TNF', 'anti-integrin', 'IL inhibitor', 'JAK inhibitor')
GROUP BY site, drug_class;
RESET ROLE;
RESET clinnova.federation_guard;
RESET clinnova.time_grain;
RESET clinnova.min_cell_count;
RESET clinnova.federation_roles;
\echo 'Check 1, federated = pooled: the pooled rows (a copy made only for this check), each site''s part passed'
\echo 'through the disclosure rules the sites apply (min_cell_count ':min_cell_count', time grain ':time_grain' days), merged:'
SELECT k.drug_class AS "drug class", k.curve OPERATOR(clinnova.=) p.curve AS "identical risk table",
       (SELECT count(*) FROM clinnova.km_table(k.curve)) AS "curve rows"
FROM km k JOIN (SELECT drug_class, clinnova.km_merge(curve) AS curve FROM site_rules_km GROUP BY drug_class) p USING (drug_class)
ORDER BY 1;
SELECT lr.chisq AS "log-rank chisq, federated", p.chisq AS "pooled", lr.chisq = p.chisq AS identical
FROM lr, (SELECT (clinnova.logrank(drug_class, curve)).* FROM site_rules_km) p;

\echo 'Check 2, what disclosure control costs: the same estimates from all pooled rows with exact days:'
CREATE TEMP TABLE pooled_km AS
SELECT drug_class, clinnova.km("time", event) AS curve
FROM pooled.episode
WHERE disease IN ('crohn', 'uc') AND drug_class IN ('anti-TNF', 'anti-integrin', 'IL inhibitor', 'JAK inhibitor')
GROUP BY drug_class;
SELECT k.drug_class AS "drug class",
       round(fm.median) AS "median, federated", round(pm.median) AS "median, pooled exact",
       round(clinnova.surv_at(k.curve, 365)::numeric, 4) AS "1 year, federated",
       round(clinnova.surv_at(p.curve, 365)::numeric, 4) AS "1 year, pooled exact",
       round(clinnova.surv_at(k.curve, 730)::numeric, 4) AS "2 years, federated",
       round(clinnova.surv_at(p.curve, 730)::numeric, 4) AS "2 years, pooled exact"
FROM km k JOIN pooled_km p USING (drug_class), clinnova.median_survival(k.curve) fm, clinnova.median_survival(p.curve) pm
ORDER BY fm.median DESC;

-- The figure: clinnova.km_svg over the federated curves
\pset format unaligned
\pset tuples_only on
\set svgfile :out '/km_ibd_drug_class.svg'
SELECT clinnova.km_svg(
         array_agg(k.curve ORDER BY m.median DESC),
         array_agg(k.drug_class ORDER BY m.median DESC),
         'IBD: time on advanced therapy, by drug class',
         jsonb_build_object('time_scale', 365.25, 'x_max', 6 * 365.25, 'x_step', 1,
                            'x_label', 'Years since the drug was started', 'y_label', 'Still on the drug',
                            'subtitle', format('Crohn''s disease and ulcerative colitis, %s treatment episodes at 4 sites. '
                                               'Kaplan-Meier curves merged from the sites'' risk tables, 95%% confidence bands; '
                                               'log-rank test p = %s.', sum(s.n_start)::bigint, demo.p_value((SELECT p FROM lr)))))
FROM km k, clinnova.median_survival(k.curve) m, clinnova.survfit_summary(k.curve) s
\g :svgfile
\pset format aligned
\pset tuples_only off
