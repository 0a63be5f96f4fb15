-- 100 000 rows with 100 000 distinct times against R (test/data/hardening_gen.R computes the
-- same data from the same formula): Kaplan-Meier with and without case weights (R's robust
-- variance for fractional weights), median, restricted mean, Nelson-Aalen, log-rank and
-- Peto-Peto, Cox (Efron and Breslow) with concordance; serial and in a parallel plan.
\i test/lib/regress_helpers.sql
SET client_min_messages = warning;
\set ref `cat test/data/hardening_scale.json`
CREATE TABLE hardening_big AS
SELECT g, g + (g % 7)::float8 / 10 AS "time", g % 3 <> 0 AS event, (g % 2)::text AS grp,
       sin(g) AS x1, (g % 5)::float8 AS x2, 0.5 + (g % 4)::float8 / 4 AS w
FROM generate_series(1, 100000) g;
ANALYZE hardening_big;
SELECT count(DISTINCT "time") AS distinct_times FROM hardening_big;

-- relative closeness (the Cox coefficients and the test statistics here are far below 1, where
-- close_enough would compare absolutely)
CREATE FUNCTION pg_temp.rel_close(a float8, b float8, rel float8) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT abs(a - b) <= rel * abs(b)
$$;
CREATE FUNCTION pg_temp.scale_check() RETURNS TABLE (item text, ok boolean) LANGUAGE plpgsql AS $$
DECLARE
    ref jsonb := current_setting('hz.ref')::jsonb;
    k clinnova.survfit;
    kw clinnova.survfit;
    m clinnova.coxmodel;
    mb clinnova.coxmodel;
    i integer;
    r record;
BEGIN
    SELECT clinnova.km("time", event), clinnova.km("time", event, w) INTO k, kw FROM hardening_big;
    FOR i IN 0 .. 4 LOOP
        SELECT * INTO r FROM clinnova.km_table(k) t WHERE t."time" <= (ref->'at'->>i)::float8 ORDER BY t."time" DESC LIMIT 1;
        item := 'km at ' || (ref->'at'->>i);
        ok := pg_temp.close_enough(r.surv, (ref->'km_surv'->>i)::float8, 1e-12)
              AND pg_temp.close_enough(r.std_err, (ref->'km_std_err'->>i)::float8, 1e-9)
              AND pg_temp.close_enough(r.lower, (ref->'km_lower'->>i)::float8, 1e-9)
              AND pg_temp.close_enough(r.upper, (ref->'km_upper'->>i)::float8, 1e-9);
        RETURN NEXT;
        SELECT * INTO r FROM clinnova.km_table(kw) t WHERE t."time" <= (ref->'at'->>i)::float8 ORDER BY t."time" DESC LIMIT 1;
        item := 'weighted km at ' || (ref->'at'->>i);
        ok := pg_temp.close_enough(r.surv, (ref->'kmw_surv'->>i)::float8, 1e-12)
              AND pg_temp.close_enough(r.std_err, (ref->'kmw_std_err'->>i)::float8, 1e-9);
        RETURN NEXT;
    END LOOP;
    item := 'median'; ok := (clinnova.median_survival(k)).median = (ref->>'km_median')::float8; RETURN NEXT;
    item := 'rmst(60000)';
    ok := pg_temp.close_enough((clinnova.rmst(k, 60000)).rmst, (ref->>'km_rmean_60000')::float8, 1e-12)
          AND pg_temp.close_enough((clinnova.rmst(k, 60000)).se, (ref->>'km_se_rmean_60000')::float8, 1e-9);
    RETURN NEXT;
    item := 'Nelson-Aalen at the end';
    ok := pg_temp.close_enough((SELECT cumhaz FROM clinnova.nelson_aalen(k) ORDER BY "time" DESC LIMIT 1),
                               (ref->>'na_cumhaz_end')::float8, 1e-12);
    RETURN NEXT;
    item := 'log-rank';
    ok := pg_temp.rel_close((SELECT (clinnova.logrank("time", event, grp)).chisq FROM hardening_big),
                            (ref->>'lr_chisq')::float8, 1e-8);
    RETURN NEXT;
    item := 'Peto-Peto';
    ok := pg_temp.rel_close((SELECT (clinnova.logrank("time", event, grp, 1)).chisq FROM hardening_big),
                            (ref->>'lr_rho1_chisq')::float8, 1e-8);
    RETURN NEXT;
    SELECT clinnova.coxph("time", event, ARRAY[x1, x2]),
           clinnova.coxph("time", event, ARRAY[x1, x2], '{"ties": "breslow"}') INTO m, mb FROM hardening_big;
    item := 'coxph efron';
    ok := (SELECT bool_and(pg_temp.rel_close(c.coef, (ref->'cox_efron_coef'->>(n - 1)::integer)::float8, 1e-10)
                           AND pg_temp.rel_close(c.se, (ref->'cox_efron_se'->>(n - 1)::integer)::float8, 1e-10))
           FROM clinnova.coxph_coefs(m) WITH ORDINALITY c(term, coef, hr, se, robust_se, z, p, hr_lower, hr_upper, mean, n))
          AND pg_temp.close_enough((clinnova.coxph_stats(m)).loglik, (ref->'cox_efron_loglik'->>1)::float8, 1e-12)
          AND pg_temp.close_enough((clinnova.coxph_stats(m)).loglik_null, (ref->'cox_efron_loglik'->>0)::float8, 1e-12)
          AND pg_temp.close_enough((clinnova.coxph_stats(m)).concordance, (ref->>'cox_efron_concordance')::float8, 1e-12);
    RETURN NEXT;
    item := 'coxph breslow';
    ok := pg_temp.close_enough((clinnova.coxph_stats(mb)).loglik, (ref->'cox_breslow_loglik'->>1)::float8, 1e-12);
    RETURN NEXT;
    -- the same in a parallel plan
    PERFORM pg_temp.force_parallel();
    item := 'km parallel = serial';
    ok := (SELECT clinnova.km("time", event) FROM hardening_big) OPERATOR(clinnova.=) k;
    RETURN NEXT;
    item := 'coxph parallel = serial';
    ok := (SELECT clinnova.coxph("time", event, ARRAY[x1, x2]) FROM hardening_big)::text = m::text;
    RETURN NEXT;
    PERFORM pg_temp.serial_only();
END
$$;
SELECT set_config('hz.ref', :'ref', false) IS NOT NULL AS loaded;
SELECT * FROM pg_temp.scale_check();
DROP TABLE hardening_big;
