-- cox_check.sql — shared by the cox module's pg_regress tests (\i test/data/cox_check.sql after
-- test/lib/regress_helpers.sql): the R data sets as temporary tables, and a comparison of a
-- coxmodel with an R reference, item by item, relative tolerance 1e-8 (concordance and its
-- standard error 1e-6).
\set ECHO none
\set QUIET on

-- the item-by-item comparison below is a wide UNION of set-returning functions whose planner
-- estimates (1000 rows per generate_series) cross the JIT thresholds: compiling it would cost
-- seconds per case, so these tests run without JIT
SET jit = off;

CREATE TEMP TABLE lung (inst int, "time" float8, status int, age float8, sex float8, ph_ecog float8,
                        ph_karno float8, pat_karno float8, meal_cal float8, wt_loss float8);
\copy lung FROM 'test/data/lung.csv' WITH (FORMAT csv, HEADER)
CREATE TEMP TABLE veteran (trt float8, celltype text, "time" float8, status int, karno float8,
                           diagtime float8, age float8, prior float8);
\copy veteran FROM 'test/data/veteran.csv' WITH (FORMAT csv, HEADER)
CREATE TEMP TABLE heart (start float8, stop float8, event float8, age float8, year float8,
                         surgery float8, transplant float8, id int);
\copy heart FROM 'test/data/cox_heart.csv' WITH (FORMAT csv, HEADER)
CREATE TEMP TABLE mono ("time" float8, status int, x float8, z float8);
\copy mono FROM 'test/data/cox_monotone.csv' WITH (FORMAT csv, HEADER)
CREATE TEMP TABLE tied ("time" float8, status int, x1 float8, x2 float8, x3 float8, w float8);
\copy tied FROM 'test/data/cox_ties.csv' WITH (FORMAT csv, HEADER)

-- equal to a relative tolerance (exactly 0 expected: |actual| <= 1e-12); NULL matches NULL
CREATE FUNCTION pg_temp.rel_ok(actual float8, expected float8, rel float8)
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN expected IS NULL THEN actual IS NULL
    WHEN actual IS NULL THEN false
    WHEN expected IN ('Infinity'::float8, '-Infinity'::float8) THEN actual = expected
    WHEN expected = 0 THEN abs(actual) <= 1e-12
    ELSE abs(actual - expected) <= rel * abs(expected)
  END
$$;

-- the shared reference's coxph layout (shared/reference cox_*.json) in cox_gen.R's layout
CREATE FUNCTION pg_temp.ref_from_shared(j jsonb)
RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_object(
    'n', j->'n', 'nevent', j->'nevent', 'iter', j->'iter',
    'terms', j#>'{coefficients,term}', 'coef', j#>'{coefficients,coef}',
    'hr', j#>'{coefficients,exp.coef}', 'se', j#>'{coefficients,se.coef}',
    'robust_se', j#>'{coefficients,robust.se}', 'z', j#>'{coefficients,z}',
    'p', j#>'{coefficients,p}', 'hr_lower', j#>'{coefficients,lower.95}',
    'hr_upper', j#>'{coefficients,upper.95}',
    'var', j#>'{var,rows}', 'naive_var', coalesce(j#>'{naive_var,rows}', j#>'{var,rows}'),
    'means', (SELECT jsonb_agg(j->'means'->t ORDER BY o)
              FROM jsonb_array_elements_text(j#>'{coefficients,term}') WITH ORDINALITY AS x(t, o)),
    'loglik', jsonb_build_array(j->'loglik_null', j->'loglik_final'),
    'lr', j->'lr_test', 'wald', j->'wald_test', 'score', j->'score_test',
    'robust_score', j->'robust_score_test',
    'concordance', jsonb_build_object(
        'concordant', j#>'{concordance,concordant}', 'discordant', j#>'{concordance,discordant}',
        'tied_x', j#>'{concordance,tied.x}', 'tied_y', j#>'{concordance,tied.y}',
        'tied_xy', j#>'{concordance,tied.xy}', 'concordance', j#>'{concordance,concordance}',
        'std', j#>'{concordance,std}'))
$$;

-- every compared item of a model: (item, actual, expected, relative tolerance)
CREATE FUNCTION pg_temp.cox_items(m clinnova.coxmodel, r jsonb)
RETURNS TABLE (item text, actual float8, expected float8, rel float8)
LANGUAGE sql STABLE AS $$
  WITH c AS (
    SELECT * FROM clinnova.coxph_coefs(m) WITH ORDINALITY AS k(term, coef, hr, se, robust_se, z, p,
                                                                 hr_lower, hr_upper, mean, o)),
  e AS (SELECT c.*, (r->'coef'->(o::int - 1)) = 'null'::jsonb AS na FROM c),
  s AS (SELECT * FROM clinnova.coxph_stats(m)),
  k AS (SELECT * FROM clinnova.coxph_concordance(m)),
  v AS (SELECT clinnova.coxph_vcov(m) AS var, clinnova.coxph_vcov(m, false) AS naive,
               jsonb_array_length(r->'terms') AS p)
  SELECT 'term[' || term || ']', CASE WHEN term = r->'terms'->>(o::int - 1) THEN 1 ELSE 0 END, 1, 0 FROM e
  UNION ALL SELECT 'coef[' || term || ']', coef, pg_temp.json_float8(r->'coef'->(o::int - 1)), 1e-8 FROM e
  UNION ALL SELECT 'hr[' || term || ']', hr, pg_temp.json_float8(r->'hr'->(o::int - 1)), 1e-8 FROM e
  UNION ALL SELECT 'se[' || term || ']', se, pg_temp.json_float8(r->'se'->(o::int - 1)), 1e-8 FROM e WHERE NOT na
  UNION ALL SELECT 'robust_se[' || term || ']', robust_se, pg_temp.json_float8(r->'robust_se'->(o::int - 1)), 1e-8
            FROM e WHERE NOT na
  UNION ALL SELECT 'z[' || term || ']', z, pg_temp.json_float8(r->'z'->(o::int - 1)), 1e-8 FROM e
  UNION ALL SELECT 'p[' || term || ']', p, pg_temp.json_float8(r->'p'->(o::int - 1)), 1e-8 FROM e
  UNION ALL SELECT 'hr_lower[' || term || ']', hr_lower, pg_temp.json_float8(r->'hr_lower'->(o::int - 1)), 1e-8 FROM e
  UNION ALL SELECT 'hr_upper[' || term || ']', hr_upper, pg_temp.json_float8(r->'hr_upper'->(o::int - 1)), 1e-8 FROM e
  UNION ALL SELECT 'mean[' || term || ']', mean, pg_temp.json_float8(r->'means'->(o::int - 1)), 1e-8 FROM e
  UNION ALL SELECT 'var[' || i || ',' || j || ']', var[i][j], pg_temp.json_float8(r->'var'->(i - 1)->(j - 1)), 1e-8
            FROM v, generate_series(1, p) i, generate_series(1, p) j
  UNION ALL SELECT 'naive_var[' || i || ',' || j || ']', naive[i][j],
                   pg_temp.json_float8(r->'naive_var'->(i - 1)->(j - 1)), 1e-8
            FROM v, generate_series(1, p) i, generate_series(1, p) j
  UNION ALL SELECT 'n', n, pg_temp.json_float8(r->'n'), 0 FROM s
  UNION ALL SELECT 'events', events, pg_temp.json_float8(r->'nevent'), 0 FROM s
  UNION ALL SELECT 'iterations', iterations, pg_temp.json_float8(r->'iter'), 0 FROM s
  UNION ALL SELECT 'loglik_null', loglik_null, pg_temp.json_float8(r->'loglik'->0), 1e-8 FROM s
  UNION ALL SELECT 'loglik', loglik, pg_temp.json_float8(r->'loglik'->1), 1e-8 FROM s
  UNION ALL SELECT 'lr_chisq', lr_chisq, pg_temp.json_float8(r#>'{lr,stat}'), 1e-8 FROM s
  UNION ALL SELECT 'lr_df', lr_df, pg_temp.json_float8(r#>'{lr,df}'), 0 FROM s
  UNION ALL SELECT 'lr_p', lr_p, pg_temp.json_float8(r#>'{lr,p}'), 1e-8 FROM s
  UNION ALL SELECT 'wald_chisq', wald_chisq, pg_temp.json_float8(r#>'{wald,stat}'), 1e-8 FROM s
  UNION ALL SELECT 'wald_p', wald_p, pg_temp.json_float8(r#>'{wald,p}'), 1e-8 FROM s
  UNION ALL SELECT 'score_chisq', score_chisq, pg_temp.json_float8(r#>'{score,stat}'), 1e-8 FROM s
  UNION ALL SELECT 'score_p', score_p, pg_temp.json_float8(r#>'{score,p}'), 1e-8 FROM s
  UNION ALL SELECT 'robust_score_chisq', robust_score_chisq, pg_temp.json_float8(r#>'{robust_score,stat}'), 1e-8 FROM s
  UNION ALL SELECT 'robust_score_p', robust_score_p, pg_temp.json_float8(r#>'{robust_score,p}'), 1e-8 FROM s
  UNION ALL SELECT 'concordant', concordant, pg_temp.json_float8(r#>'{concordance,concordant}'), 1e-8 FROM k
  UNION ALL SELECT 'discordant', discordant, pg_temp.json_float8(r#>'{concordance,discordant}'), 1e-8 FROM k
  UNION ALL SELECT 'tied_x', tied_x, pg_temp.json_float8(r#>'{concordance,tied_x}'), 1e-8 FROM k
  UNION ALL SELECT 'tied_y', tied_y, pg_temp.json_float8(r#>'{concordance,tied_y}'), 1e-8 FROM k
  UNION ALL SELECT 'tied_xy', tied_xy, pg_temp.json_float8(r#>'{concordance,tied_xy}'), 1e-8 FROM k
  UNION ALL SELECT 'concordance', concordance, pg_temp.json_float8(r#>'{concordance,concordance}'), 1e-6 FROM k
  UNION ALL SELECT 'concordance_std', std_err, pg_temp.json_float8(r#>'{concordance,std}'), 1e-6 FROM k
$$;

-- one row per case: how many items were compared and which ones failed ('' = none)
CREATE FUNCTION pg_temp.cox_check(case_name text, m clinnova.coxmodel, r jsonb, skip text[] DEFAULT '{}')
RETURNS TABLE (case_name text, checked bigint, failed text)
LANGUAGE sql STABLE AS $$
  SELECT case_name, count(*),
         coalesce(string_agg(item || '=' || coalesce(actual::text, 'NULL') || ' vs ' ||
                             coalesce(expected::text, 'NULL'), '; ')
                  FILTER (WHERE NOT pg_temp.rel_ok(actual, expected, rel)), '')
  FROM pg_temp.cox_items(m, r)
  WHERE NOT EXISTS (SELECT 1 FROM unnest(skip) AS s(prefix) WHERE item LIKE s.prefix || '%')
$$;
\set QUIET off
\set ECHO all
