-- 3. A site-stratified federated Cox model: each site is a stratum with its own baseline hazard;
-- per Newton step every site returns its log-likelihood, score and information (p + p^2 + 1
-- numbers), the coordinator adds them and takes the step.
\pset footer off
SELECT $$disease IN ('crohn', 'uc') AND drug_class IN ('anti-TNF', 'anti-integrin', 'IL inhibitor', 'JAK inhibitor')$$
       AS ibd_filter \gset
\echo 'Time on drug, IBD advanced therapies: hazard ratios of failing or stopping (below 1: the drug keeps working longer)'
\echo 'clinnova.federated_coxph(''episode'', ''time'', ''event'', ARRAY[...], filter => ...), strata = site'
SET clinnova."verbose" = on;
CREATE TEMP TABLE cox AS
SELECT clinnova.federated_coxph('episode', 'time', 'event',
         ARRAY['anti_integrin', 'il_inhibitor', 'jak_inhibitor', 'age_decades', 'female', 'ln_crp', 'line', 'uc'],
         filter => :'ibd_filter') AS model;
RESET clinnova."verbose";

SELECT demo.term_label(c.term) AS term, round(c.hr::numeric, 3) AS "HR",
       format('%s-%s', round(c.hr_lower::numeric, 3), round(c.hr_upper::numeric, 3)) AS "95% CI",
       demo.p_value(c.p) AS p
FROM cox, clinnova.coxph_coefs(cox.model) c;
SELECT s.n, s.events, round(s.lr_chisq::numeric, 1) AS "LR chisq", s.lr_df AS df,
       demo.p_value(s.lr_p) AS p, s.iterations, s.converged
FROM cox, clinnova.coxph_stats(cox.model) s;

\echo 'Check: coxph() on the pooled rows with strata = site gives the same model:'
CREATE TEMP TABLE pooled_cox AS
SELECT clinnova.coxph(NULL, "time", event, ARRAY[anti_integrin, il_inhibitor, jak_inhibitor, age_decades, female, ln_crp, line, uc],
                      site, NULL, NULL,
                      '{"terms": ["anti_integrin", "il_inhibitor", "jak_inhibitor", "age_decades", "female", "ln_crp", "line", "uc"]}') AS model
FROM pooled.episode
WHERE disease IN ('crohn', 'uc') AND drug_class IN ('anti-TNF', 'anti-integrin', 'IL inhibitor', 'JAK inhibitor');
SELECT to_char(max(abs(f.coef - p.coef) / abs(p.coef)), '9.9EEEE') AS "max relative difference of coefficients",
       to_char(max(abs(f.se - p.se) / p.se), '9.9EEEE') AS "of standard errors",
       (SELECT round(a.loglik::numeric, 6) FROM clinnova.coxph_stats((SELECT model FROM cox)) a) AS "loglik, federated",
       (SELECT round(b.loglik::numeric, 6) FROM clinnova.coxph_stats((SELECT model FROM pooled_cox)) b) AS "loglik, pooled"
FROM cox, clinnova.coxph_coefs(cox.model) f, pooled_cox, clinnova.coxph_coefs(pooled_cox.model) p
WHERE f.term = p.term;

-- The figure: the same episodes at each site (federated_km, one site at a time).  The sites differ
-- in their baseline, which is why the model is stratified by site.
\pset format unaligned
\pset tuples_only on
\set svgfile :out '/km_ibd_by_site.svg'
SELECT clinnova.km_svg(
         array_agg(f.curve ORDER BY demo.site_order(s.site)),
         array_agg(s.name ORDER BY demo.site_order(s.site)),
         'IBD advanced therapies: time on drug at each site',
         jsonb_build_object('time_scale', 365.25, 'x_max', 6 * 365.25, 'x_step', 1,
                            'x_label', 'Years since the drug was started', 'y_label', 'Still on the drug',
                            'subtitle', 'The same drug classes, but each site has its own baseline (patient mix, '
                                        'practice, follow-up): the Cox model compares drugs within sites (strata).'))
FROM demo.coding_summary s,
     clinnova.federated_km('episode', 'time', 'event', filter => :'ibd_filter', sites => ARRAY[s.site]) f
\g :svgfile
\pset format aligned
\pset tuples_only off
