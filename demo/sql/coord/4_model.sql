-- 4. A federated logistic response model, registered in the model registry, ranking candidate
-- drugs for one patient.
-- Outcome: response at one year (still on the drug, without failure, 365 days after starting it;
-- episodes censored earlier are left out).  Crohn's disease; infliximab is the reference drug.
\pset footer off
\echo 'Crohn''s disease: which drug is still working after a year?  clinnova.federated_logreg(''episode'', ''response_1y'', ...)'
SET clinnova."verbose" = on;
CREATE TEMP TABLE fit AS
SELECT clinnova.federated_logreg('episode', 'response_1y',
         ARRAY['age_decades', 'female', 'ln_crp', 'line', 'disease_duration',
               'adalimumab', 'vedolizumab', 'ustekinumab', 'azathioprine'],
         filter => $$disease = 'crohn'$$) AS m;
RESET clinnova."verbose";

SELECT demo.term_label(c.term) AS term, round(c.odds_ratio::numeric, 3) AS "odds ratio",
       format('%s-%s', round(exp(c.lower)::numeric, 3), round(exp(c.upper)::numeric, 3)) AS "95% CI",
       demo.p_value(c.p) AS p
FROM fit, clinnova.glm_coefs(fit.m) c;
SELECT s.n, round(s.deviance::numeric, 2) AS deviance, round(s.null_deviance::numeric, 2) AS "null deviance",
       round(s.aic::numeric, 2) AS aic, s.iterations, s.converged
FROM fit, clinnova.glm_stats(fit.m) s;

\echo 'Check: logreg() on the pooled rows gives the same model:'
SELECT to_char(max(abs(f.coef - p.coef) / abs(p.coef)), '9.9EEEE') AS "max relative difference of coefficients",
       to_char(max(abs(f.se - p.se) / p.se), '9.9EEEE') AS "of standard errors"
FROM fit, clinnova.glm_coefs(fit.m) f,
     clinnova.glm_coefs((SELECT clinnova.logreg(response_1y, ARRAY[age_decades, female, ln_crp, line, disease_duration,
                                                                    adalimumab, vedolizumab, ustekinumab, azathioprine],
                                                '{"terms": ["age_decades", "female", "ln_crp", "line", "disease_duration",
                                                            "adalimumab", "vedolizumab", "ustekinumab", "azathioprine"]}'::jsonb)
                         FROM pooled.episode WHERE disease = 'crohn')) p
WHERE p.term = f.term;

\echo 'Registered in the model registry, with the encoding of the candidate drugs by their ATC codes:'
SELECT clinnova.register_model(
         name => 'crohn_response_1y', model => m,
         feature_codes => ARRAY[NULL, NULL, 'LOINC:1988-5', NULL, NULL,
                                'ATC:L04AB04', 'ATC:L04AG05', 'ATC:L04AC05', 'ATC:L04AX01']::clinnova.code[],
         outcome => 'still on the drug without failure one year after starting it (Crohn''s disease)',
         provenance => jsonb_build_object(
           'fitted_with', 'clinnova.federated_logreg', 'relation', 'analysis.episode', 'filter', 'disease = ''crohn''',
           'sites', (SELECT jsonb_agg(name ORDER BY demo.site_order(name)) FROM clinnova.federation_sites())),
         metrics => (SELECT jsonb_build_object('n', s.n, 'deviance', s.deviance, 'aic', s.aic)
                     FROM clinnova.glm_stats(m) s),
         treatment_encoding => '{"features": ["adalimumab", "vedolizumab", "ustekinumab", "azathioprine"],
                                 "codes": {"ATC:L04AB02": {"adalimumab": 0, "vedolizumab": 0, "ustekinumab": 0, "azathioprine": 0},
                                           "ATC:L04AB04": {"adalimumab": 1, "vedolizumab": 0, "ustekinumab": 0, "azathioprine": 0},
                                           "ATC:L04AG05": {"adalimumab": 0, "vedolizumab": 1, "ustekinumab": 0, "azathioprine": 0},
                                           "ATC:L04AC05": {"adalimumab": 0, "vedolizumab": 0, "ustekinumab": 1, "azathioprine": 0},
                                           "ATC:L04AX01": {"adalimumab": 0, "vedolizumab": 0, "ustekinumab": 0, "azathioprine": 1}}}')
       AS version
FROM fit;
SELECT name, version, kind, array_to_string(features, ', ') AS features, outcome FROM clinnova.model_registry;

-- the example patient: a 34-year-old woman, Crohn's disease for 6 years, CRP 38 mg/L, starting her
-- second advanced-therapy line
SELECT jsonb_build_object('age_decades', 34 / 10.0, 'female', 1, 'ln_crp', ln(38), 'line', 2, 'disease_duration', 6)
       AS patient \gset
\echo
\echo 'Example patient: a 34-year-old woman, Crohn''s disease for 6 years, CRP 38 mg/L, starting a second line.'
\echo 'clinnova.rank_treatments(''crohn_response_1y'', patient, ARRAY[infliximab, adalimumab, vedolizumab, ustekinumab]):'
SELECT r.rank, r.treatment, r.label AS drug, round(r.predicted::numeric, 3) AS "P(response at 1 year)",
       format('%s-%s', round(r.lower::numeric, 3), round(r.upper::numeric, 3)) AS "95% CI"
FROM clinnova.rank_treatments('crohn_response_1y', :'patient',
                              ARRAY['ATC:L04AB02', 'ATC:L04AB04', 'ATC:L04AG05', 'ATC:L04AC05']::clinnova.code[]) r;
