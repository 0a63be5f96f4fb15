# test/federation/checks.sh — the checks of the multi-cluster federation suite (sourced by run,
# which has started the clusters and defines ok, q, fedq, is_true, refused).

# ---- sites and handshake ----------------------------------------------------------------------

is_true "coordinator lists four sites" coord coord \
  "SELECT count(*) = 4 AND bool_and(relations = '{cohort}') FROM clinnova.federation_sites()"
is_true "every site is compatible in the version handshake, guard active" coord coord \
  "SELECT count(*) = 4 AND bool_and(compatible AND guard_active AND min_cell_count = 5 AND time_grain = 30)
     FROM clinnova.federation_check_sites()"
is_true "exact sites report their per-database disclosure settings" coord coord_exact \
  "SELECT bool_and(min_cell_count = 1 AND time_grain = 0) FROM clinnova.federation_check_sites()"
out=$(fedq lux clinical "SELECT extension_version, library_version FROM clinnova.federation_site_info")
[[ $out == "0.1.0|0.1.0" ]]
ok $? "the federation role reads the site info view directly" "$out"
out=$(PGHOST=$(cln_host lux) PGPORT=$(cln_port lux) PGUSER=fedrole PGPASSWORD=wrong \
  "$CLN_PGBIN/psql" -X -qAt -d clinical -c "SELECT 1" 2>&1)
[[ $out == *"password authentication failed"* ]]
ok $? "the federation role must authenticate with its SCRAM password" "$out"

# ---- one-round analyses: descriptive tables ---------------------------------------------------

is_true "federated describe equals pooled (n exact, mean and sd to 1e-12)" coord coord "
  WITH f AS (SELECT * FROM clinnova.federated_describe('cohort', ARRAY['age', 'crp'], 'sex')),
       p AS (SELECT sex::text AS g, v.variable, count(v.x) AS n, avg(v.x) AS mean, stddev_samp(v.x) AS sd
               FROM pooled.cohort, LATERAL (VALUES ('age', age::float8), ('crp', crp)) v(variable, x)
              GROUP BY 1, 2)
  SELECT count(*) = 4 AND bool_and(f.n = p.n AND abs(f.mean - p.mean) <= 1e-12 * abs(p.mean)
                                   AND abs(f.sd - p.sd) <= 1e-12 * p.sd)
    FROM f JOIN p ON p.g = f.group_value AND p.variable = f.variable"
is_true "federated counts equal pooled counts exactly" coord coord "
  SELECT array_agg(group_value || ':' || n ORDER BY group_value)
       = (SELECT array_agg(trt || ':' || c ORDER BY trt) FROM (SELECT trt, count(*) c FROM pooled.cohort GROUP BY trt) x)
    FROM clinnova.federated_counts('cohort', 'trt')"
out=$(q coord coord "EXPLAIN (VERBOSE, COSTS OFF)
  SELECT u.g, clinnova.summary_merge(u.d) FROM (
    SELECT sex AS g, clinnova.describe(age) AS d FROM lux.cohort GROUP BY 1 UNION ALL
    SELECT sex AS g, clinnova.describe(age) AS d FROM gre.cohort GROUP BY 1) u GROUP BY u.g")
[[ $out == *"Async Foreign Scan"* && $out == *"Remote SQL: SELECT sex, clinnova.describe(age) FROM public.cohort GROUP BY 1"* ]]
ok $? "EXPLAIN VERBOSE: the aggregate is pushed down whole and the sites run concurrently" "$out"

# ---- the guard: refusals, directly and through postgres_fdw -----------------------------------

refused "guard refuses SELECT * (direct)" fed lux clinical "SELECT * FROM cohort" \
  "only aggregate queries are allowed"
refused "guard refuses SELECT * (through postgres_fdw)" coord coord coord "SELECT * FROM lux.cohort" \
  "only aggregate queries are allowed"
refused "guard refuses COPY (direct)" fed lux clinical "COPY cohort TO STDOUT" "COPY is not allowed"
refused "guard refuses COPY of a query (direct)" fed lux clinical \
  "COPY (SELECT clinnova.safe_count(*) FROM cohort) TO STDOUT" "COPY is not allowed"
refused "guard refuses the error-leak query (direct)" fed lux clinical \
  "SELECT clinnova.safe_count(*) FROM cohort WHERE CASE WHEN id = 42 THEN 1/(sex - 1) = 1 END" \
  "is not allowed"
refused "guard refuses the error-leak query without the identifier (direct)" fed lux clinical \
  "SELECT clinnova.safe_count(*) FROM cohort WHERE 1/(sex - 1) = 1" "operator / is not allowed"
refused "guard refuses the error-leak query (through postgres_fdw)" coord coord coord \
  "SELECT clinnova.safe_count(*) FROM lux.cohort WHERE CASE WHEN age = 42 THEN 1/(sex - 1) = 1 END" \
  "CASE is not allowed"
refused "guard refuses an identifier in a filter (direct)" fed lux clinical \
  "SELECT clinnova.safe_count(*) FROM cohort WHERE id = 42" 'column "id" is an identifier'
refused "guard refuses a one-patient WHERE (direct)" fed lux clinical \
  "SELECT clinnova.describe(crp) FROM cohort WHERE age = 30 AND sex = 1 AND trt = 0" \
  "a result cell describes fewer than 5 people"
refused "guard refuses a one-patient WHERE (through postgres_fdw)" coord coord coord \
  "SELECT clinnova.describe(crp) FROM lux.cohort WHERE age = 30 AND sex = 1 AND trt = 0" \
  "a result cell describes fewer than 5 people"
refused "guard refuses an empty WHERE (no count below the threshold is revealed)" fed lux clinical \
  "SELECT clinnova.describe(crp) FROM cohort WHERE age > 500" "a result cell describes fewer than 5 people"
refused "guard refuses a small-group GROUP BY (direct)" fed lux clinical \
  "SELECT age, clinnova.safe_count(*) FROM cohort GROUP BY age" "a result cell describes fewer than 5 people"
refused "guard refuses a small-group GROUP BY (through postgres_fdw)" coord coord coord \
  "SELECT age, clinnova.safe_count(*) FROM lux.cohort GROUP BY age" "a result cell describes fewer than 5 people"
refused "guard refuses a GROUP BY on an identifier" fed lux clinical \
  "SELECT id, clinnova.safe_count(*) FROM cohort GROUP BY id" 'column "id" is an identifier'
refused "guard refuses an unpublished table it may SELECT (direct)" fed lux clinical \
  "SELECT clinnova.describe(salary) FROM staff" 'relation "staff" is not published'
q coord coord "CREATE FOREIGN TABLE lux.staff (id integer, salary integer) SERVER clinnova_lux
               OPTIONS (schema_name 'public', table_name 'staff')" >/dev/null
refused "guard refuses an unpublished table (through postgres_fdw)" coord coord coord \
  "SELECT clinnova.describe(salary) FROM lux.staff" 'relation "staff" is not published'
refused "guard refuses built-in count(*) (direct)" fed lux clinical "SELECT count(*) FROM cohort" \
  "aggregate count() is not disclosure-safe"
refused "guard refuses built-in count(*) (through postgres_fdw)" coord coord coord "SELECT count(*) FROM lux.cohort" \
  "aggregate count() is not disclosure-safe"
refused "guard refuses min() (direct)" fed lux clinical "SELECT min(age) FROM cohort" \
  "aggregate min() is not disclosure-safe"
refused "guard refuses array_agg() (through postgres_fdw)" coord coord coord "SELECT array_agg(age) FROM lux.cohort" \
  "aggregate array_agg() is not disclosure-safe"
refused "guard refuses a function applied to an aggregate" fed lux clinical \
  "SELECT clinnova.summary_mean(clinnova.describe(age)) FROM cohort" "output column 1 is not"
refused "guard refuses DO blocks" fed lux clinical "DO \$\$ BEGIN PERFORM 1; END \$\$" "DO is not allowed"
refused "guard refuses PREPARE" fed lux clinical "PREPARE p AS SELECT clinnova.safe_count(*) FROM cohort" \
  "PREPARE is not allowed"
refused "guard refuses SET ROLE" fed lux clinical "SET ROLE postgres" "SET role is not allowed"
refused "guard refuses other settings" fed lux clinical "SET work_mem = '1GB'" "SET work_mem is not allowed"
refused "guard refuses EXPLAIN" fed lux clinical "EXPLAIN SELECT clinnova.safe_count(*) FROM cohort" \
  "EXPLAIN is not allowed"
refused "guard refuses catalog queries" fed lux clinical "SELECT relname FROM pg_class" \
  'relation "pg_class" is not published'
refused "guard refuses subqueries" fed lux clinical \
  "SELECT clinnova.safe_count(*) FROM cohort WHERE age > (SELECT 50)" "subqueries are not allowed"
refused "guard refuses joins" fed lux clinical \
  "SELECT clinnova.safe_count(*) FROM cohort a, cohort b" "more than one relation"
refused "guard refuses LISTEN" fed lux clinical "LISTEN x" "LISTEN is not allowed"
refused "guard refuses a write" fed lux clinical "DELETE FROM cohort" "DELETE is not allowed"
out=$(PGAPPNAME='clinnova/9.9.9' fedq lux clinical "SELECT clinnova.safe_count(*) FROM cohort")
[[ $out == *"federated query refused: the coordinator runs clinnova 9.9.9, this site 0.1.0"* ]]
ok $? "a site refuses a coordinator announcing another clinnova version" "$out"
out=$(PGAPPNAME='clinnova/9.9.9' fedq lux clinical "SELECT library_version FROM clinnova.federation_site_info")
[[ $out == 0.1.0 ]]
ok $? "... but still answers the handshake so the coordinator can report it" "$out"
out=$(fedq lux clinical "BEGIN ISOLATION LEVEL REPEATABLE READ;
  DECLARE c1 CURSOR FOR SELECT sex, clinnova.safe_count(*) FROM cohort WHERE age BETWEEN 40 AND 70 AND trt IN (0, 1) GROUP BY 1 ORDER BY 1;
  FETCH 10 FROM c1; CLOSE c1; COMMIT;")
[[ $out == *"0|"*"1|"* ]]
ok $? "the session postgres_fdw runs (REPEATABLE READ, DECLARE, FETCH, CLOSE) works directly" "$out"

# ---- audit ------------------------------------------------------------------------------------

sleep 0.2
is_true "the site's audit table records allowed queries with the rows they represent" lux clinical "
  SELECT count(*) > 0 AND bool_and(rows_represented = (SELECT count(*) FROM cohort))
    FROM clinnova.federation_audit
   WHERE outcome = 'allowed' AND statement LIKE 'DECLARE%describe(age)%GROUP BY 1' AND role_name = 'fedrole'"
is_true "the audit table records refused queries with their reason" lux clinical "
  SELECT count(*) FILTER (WHERE statement = 'COPY cohort TO STDOUT' AND reason LIKE 'COPY is not allowed%') = 1
     AND count(*) FILTER (WHERE reason LIKE 'a group represents fewer than 5 rows%') >= 5
    FROM clinnova.federation_audit WHERE outcome = 'refused'"
is_true "postgres_fdw sessions are audited with the coordinator's application name" lux clinical "
  SELECT count(*) > 0 FROM clinnova.federation_audit WHERE client = 'clinnova/0.1.0'"

# ---- version handshake ------------------------------------------------------------------------

q bas clinical "UPDATE pg_extension SET extversion = '0.0.9' WHERE extname = 'clinnova'" >/dev/null
out=$(q coord coord "SELECT site || ':' || compatible || ':' || coalesce(problem, '') FROM clinnova.federation_check_sites() WHERE NOT compatible")
[[ $out == 'bas:false:site "bas" runs clinnova extension version 0.0.9, this coordinator 0.1.0' ]]
ok $? "the handshake reports a site running another extension version" "$out"
out=$(q coord coord "SELECT * FROM clinnova.federated_counts('cohort', 'sex')")
[[ $out == *'ERROR:  site "bas" runs clinnova extension version 0.0.9, this coordinator 0.1.0'* ]]
ok $? "a federated analysis refuses to run with a site of another version, naming it" "$out"
out=$(q coord coord "SELECT count(*) FROM clinnova.federated_counts('cohort', 'sex', sites => ARRAY['lux', 'gre', 'bw'])")
[[ $out == 2 ]]
ok $? "leaving the incompatible site out works" "$out"
q bas clinical "UPDATE pg_extension SET extversion = '0.1.0' WHERE extname = 'clinnova'" >/dev/null

# ---- one-round survival analyses: federated = pooled, exactly -----------------------------------

is_true "federated KM per group equals km() over the pooled rows exactly (lung by sex)" coord coord_exact "
  SELECT array_agg(f.group_value || ':' || f.curve::text ORDER BY f.group_value)
       = (SELECT array_agg(sex || ':' || c::text ORDER BY sex)
            FROM (SELECT sex, clinnova.km(\"time\", status = 2) AS c FROM pooled.lung GROUP BY sex) p)
    FROM clinnova.federated_km('lung', 'time', 'status = 2', 'sex') f"
is_true "federated KM tables equal pooled km_table row by row" coord coord_exact "
  SELECT NOT EXISTS (
    (SELECT t.* FROM clinnova.federated_km('lung', 'time', 'status = 2') f, clinnova.km_table(f.curve) t
     EXCEPT ALL
     SELECT t.* FROM (SELECT clinnova.km(\"time\", status = 2) AS c FROM pooled.lung) p, clinnova.km_table(p.c) t)
    UNION ALL
    (SELECT t.* FROM (SELECT clinnova.km(\"time\", status = 2) AS c FROM pooled.lung) p, clinnova.km_table(p.c) t
     EXCEPT ALL
     SELECT t.* FROM clinnova.federated_km('lung', 'time', 'status = 2') f, clinnova.km_table(f.curve) t))"
is_true "federated KM under disclosure control equals pooled KM on the 30-day grid exactly (cohort)" coord coord "
  SELECT f.curve::text = (SELECT clinnova.km(ceil(\"time\"::float8 / 30) * 30, status = 1)::text FROM pooled.cohort)
    FROM clinnova.federated_km('cohort', 'time', 'status = 1') f"
is_true "federated log-rank equals pooled log-rank exactly (lung by sex)" coord coord_exact "
  SELECT clinnova.federated_logrank('lung', 'time', 'status = 2', 'sex')::text
       = (SELECT clinnova.logrank(sex::text, c)::text
            FROM (SELECT sex, clinnova.km(\"time\", status = 2) AS c FROM pooled.lung GROUP BY sex) p)"
is_true "federated stratified Peto-Peto test equals pooled exactly (veteran trt, strata celltype)" coord coord_exact "
  SELECT clinnova.federated_logrank('veteran', 'time', 'status = 1', 'trt', strata => 'celltype', rho => 1)::text
       = (SELECT clinnova.logrank(celltype, trt::text, c, 1)::text
            FROM (SELECT celltype, trt, clinnova.km(\"time\", status = 1) AS c FROM pooled.veteran GROUP BY 1, 2) p)"
is_true "federated log-rank matches R's survdiff (lung by sex)" coord coord_exact "
  SELECT abs(r.chisq - (j->>'chisq')::float8) <= 1e-9 * r.chisq AND r.df = (j->>'df')::int
    FROM clinnova.federated_logrank('lung', 'time', 'status = 2', 'sex') r,
         (SELECT '$(sed "s/'/''/g" test/data/reference/lr_lung_sex.json)'::jsonb AS j) x"
is_true "federated cumulative incidence equals pooled cif() exactly (mgus2)" coord coord_exact "
  SELECT f.curve::text = (SELECT clinnova.cif(etime, cause)::text FROM pooled.mgus2)
    FROM clinnova.federated_cif('mgus2', 'etime', 'cause') f"
out=$(q coord coord_exact "EXPLAIN (VERBOSE, COSTS OFF)
  SELECT clinnova.km_merge(u.s) FROM (SELECT clinnova.km(\"time\", status = 2) AS s FROM lux.lung
                                       UNION ALL SELECT clinnova.km(\"time\", status = 2) FROM gre.lung) u")
[[ $out == *'Remote SQL: SELECT clinnova.km("time", (status = 2)) FROM public.lung'* && $out == *"Async Foreign Scan"* ]]
ok $? "EXPLAIN VERBOSE: km() is pushed down whole to each site" "$out"
refused "a federated KM by a small group is refused by the sites" coord coord coord "
  SELECT * FROM clinnova.federated_km('cohort', 'time', 'status = 1', 'age')" "fewer than"

# ---- iterative fits: federated = pooled to 1e-10 ------------------------------------------------

# same_glm A B: every coefficient, se and statistic of two glmmodels to 1e-10
same_glm="
  SELECT (SELECT bool_and(abs(x.coef - y.coef) <= 1e-10 * greatest(abs(y.coef), 1)
                          AND abs(x.se - y.se) <= 1e-10 * greatest(abs(y.se), 1))
            FROM clinnova.glm_coefs(f.m) x JOIN clinnova.glm_coefs(p.m) y USING (term))
     AND (SELECT abs(a.deviance - b.deviance) <= 1e-10 * b.deviance AND abs(a.aic - b.aic) <= 1e-10 * b.aic
             AND a.iterations = b.iterations AND a.converged AND a.n = b.n
            FROM clinnova.glm_stats(f.m) a, clinnova.glm_stats(p.m) b)"
is_true "federated logistic regression equals pooled logreg() to 1e-10" coord coord "
  WITH f AS (SELECT clinnova.federated_logreg('cohort', 'response', ARRAY['age', 'sex', 'trt', 'crp']) AS m),
       p AS (SELECT clinnova.logreg(response, ARRAY[age, sex, trt, crp]::float8[],
                                    '{\"terms\": [\"age\", \"sex\", \"trt\", \"crp\"]}'::jsonb) AS m FROM pooled.cohort)
  $same_glm FROM f, p"
json=$(sed "s/'/''/g" test/data/federation_glm_logit.json)
is_true "federated logistic regression equals R's glm to 1e-8" coord coord "
  WITH f AS (SELECT clinnova.federated_logreg('cohort', 'response', ARRAY['age', 'sex', 'trt', 'crp']) AS m),
       r AS (SELECT '$json'::jsonb AS j)
  SELECT (SELECT bool_and(abs(c.coef - (r.j->'coef'->>(i::int - 1))::float8) <= 1e-8 * abs(c.coef)
                          AND abs(c.se - (r.j->'se'->>(i::int - 1))::float8) <= 1e-8 * c.se)
            FROM clinnova.glm_coefs(f.m) WITH ORDINALITY AS c(term, coef, se, z, t, p, lo, hi, orr, rr, i))
     AND (SELECT abs(s.deviance - (r.j->'deviance'->>0)::float8) <= 1e-10 * s.deviance AND s.iterations = (r.j->>'iter')::int
            FROM clinnova.glm_stats(f.m) s)
    FROM f, r"
is_true "federated linear regression equals pooled linreg() to 1e-10" coord coord "
  WITH f AS (SELECT clinnova.federated_linreg('cohort', 'crp', ARRAY['age', 'sex', 'trt'], filter => 'status = 1') AS m),
       p AS (SELECT clinnova.linreg(crp, ARRAY[age, sex, trt]::float8[],
                                    '{\"terms\": [\"age\", \"sex\", \"trt\"]}'::jsonb) AS m FROM pooled.cohort WHERE status = 1)
  $same_glm FROM f, p"
is_true "federated Poisson regression equals pooled poisson() to 1e-10" coord coord "
  WITH f AS (SELECT clinnova.federated_poisson('cohort', 'status', ARRAY['age', 'trt'], filter => 'sex = 1') AS m),
       p AS (SELECT clinnova.poisson(status, ARRAY[age, trt]::float8[],
                                     '{\"terms\": [\"age\", \"trt\"]}'::jsonb) AS m FROM pooled.cohort WHERE sex = 1)
  $same_glm FROM f, p"
out=$(cln_psql coord -d coord -qAtX -c "SET clinnova.\"verbose\" = on" -c "
  SELECT (clinnova.glm_stats(clinnova.federated_logreg('cohort', 'response', ARRAY['age']))).iterations" 2>&1)
[[ $out == *"NOTICE:  federated logreg iteration 1: deviance"* ]]
ok $? "clinnova.verbose reports each IRLS iteration of a federated fit" "$out"

# same_cox A B: coefficients, se, variance, log-likelihoods, tests, iterations of two coxmodels to 1e-10
same_cox="
  SELECT (SELECT bool_and(abs(x.coef - y.coef) <= 1e-10 * greatest(abs(y.coef), 1)
                          AND abs(x.se - y.se) <= 1e-10 * greatest(abs(y.se), 1))
            FROM clinnova.coxph_coefs(f.m) x JOIN clinnova.coxph_coefs(p.m) y USING (term))
     AND (SELECT bool_and(abs(a - b) <= 1e-10 * greatest(abs(b), 1e-12))
            FROM unnest(clinnova.coxph_vcov(f.m), clinnova.coxph_vcov(p.m)) AS v(a, b))
     AND (SELECT abs(a.loglik - b.loglik) <= 1e-10 * abs(b.loglik)
             AND abs(a.loglik_null - b.loglik_null) <= 1e-10 * abs(b.loglik_null)
             AND abs(a.lr_chisq - b.lr_chisq) <= 1e-8 * b.lr_chisq AND abs(a.wald_chisq - b.wald_chisq) <= 1e-10 * b.wald_chisq
             AND abs(a.score_chisq - b.score_chisq) <= 1e-10 * b.score_chisq
             AND a.iterations = b.iterations AND a.converged AND a.n = b.n AND a.events = b.events
            FROM clinnova.coxph_stats(f.m) a, clinnova.coxph_stats(p.m) b)"
for ties in efron breslow; do
  is_true "site-stratified federated Cox ($ties) equals pooled coxph with strata = site to 1e-10" coord coord "
    WITH f AS (SELECT clinnova.federated_coxph('cohort', 'time', 'status = 1', ARRAY['age', 'sex', 'trt', 'crp'],
                                               options => '{\"ties\": \"$ties\"}') AS m),
         p AS (SELECT clinnova.coxph(NULL, \"time\", status = 1, ARRAY[age, sex, trt, crp]::float8[], site, NULL, NULL,
                                     '{\"ties\": \"$ties\", \"terms\": [\"age\", \"sex\", \"trt\", \"crp\"]}') AS m
                 FROM pooled.cohort)
    $same_cox FROM f, p"
  is_true "pooled federated Cox on the 30-day grid ($ties) equals coxph on the coarsened pooled data to 1e-10" coord coord "
    WITH f AS (SELECT clinnova.federated_coxph_grid('cohort', 'time', 'status = 1', ARRAY['age', 'sex', 'trt', 'crp'],
                                                    options => '{\"ties\": \"$ties\"}') AS m),
         p AS (SELECT clinnova.coxph(ceil(\"time\"::float8 / 30) * 30, status = 1, ARRAY[age, sex, trt, crp]::float8[],
                                     '{\"ties\": \"$ties\", \"terms\": [\"age\", \"sex\", \"trt\", \"crp\"]}') AS m
                 FROM pooled.cohort)
    $same_cox FROM f, p"
done

# cox_vs_r FUNCTION FIXTURE: a federated Cox model against R's coxph (coefficients and variance 1e-8)
cox_vs_r() {
  local call=$1 json
  json=$(sed "s/'/''/g" "test/data/$2")
  q coord coord "
    WITH r AS (SELECT '$json'::jsonb AS j), f AS (SELECT $call AS m)
    SELECT (SELECT bool_and(abs(c.coef - (r.j->'coef'->>(i::int - 1))::float8) <= 1e-8 * abs(c.coef))
              FROM clinnova.coxph_coefs(f.m) WITH ORDINALITY AS c(term, coef, hr, se, rse, z, p, lo, hi, mean, i))
       AND (SELECT bool_and(abs(v - (r.j->'var'->>(i::int - 1))::float8) <= 1e-8 * abs(v))
              FROM unnest(clinnova.coxph_vcov(f.m)) WITH ORDINALITY AS t(v, i))
       AND (SELECT abs(s.loglik - (r.j->'loglik'->>1)::float8) <= 1e-10 * abs(s.loglik)
               AND s.iterations = (r.j->>'iter')::int AND s.n = (r.j->>'n')::bigint
              FROM clinnova.coxph_stats(f.m) s)
      FROM r, f"
}
for ties in efron breslow; do
  out=$(cox_vs_r "clinnova.federated_coxph_grid('cohort', 'time', 'status = 1', ARRAY['age', 'sex', 'trt', 'crp'], options => '{\"ties\": \"$ties\"}')" \
                 "federation_cox_grid_$ties.json")
  [[ $out == t ]]
  ok $? "pooled federated Cox on the 30-day grid ($ties) equals R's coxph on the coarsened data (1e-8)" "$out"
  out=$(cox_vs_r "clinnova.federated_coxph('cohort', 'time', 'status = 1', ARRAY['age', 'sex', 'trt', 'crp'], options => '{\"ties\": \"$ties\"}')" \
                 "federation_cox_strata_$ties.json")
  [[ $out == t ]]
  ok $? "site-stratified federated Cox ($ties) equals R's coxph with strata(site) (1e-8)" "$out"
done
out=$(cln_psql coord -d coord -qAtX -c "SET clinnova.\"verbose\" = on" -c "
  SELECT (clinnova.coxph_stats(clinnova.federated_coxph_grid('cohort', 'time', 'status = 1', ARRAY['age']))).iterations" 2>&1)
[[ $out == *"NOTICE:  federated coxph (grid) iteration 0: loglik"* && $out == *"iteration 2: loglik"* ]]
ok $? "clinnova.verbose reports each Newton iteration of a federated Cox fit" "$out"
refused "a grain finer than the sites' time_grain is refused by every site" coord coord coord "
  SELECT clinnova.federated_coxph_grid('cohort', 'time', 'status = 1', ARRAY['age'], 10)" \
  "finer than this site's clinnova.time_grain 30"
refused "a grid interval with fewer than 5 events at a site is refused" coord coord coord "
  SELECT clinnova.federated_coxph_grid('cohort', 'time', 'status = 1', ARRAY['age'], filter => 'age > 80')" \
  "fewer than 5 events"

# ---- cancellation --------------------------------------------------------------------------

# A federated fit over 4 x 1.5 million rows runs for seconds; statement_timeout must stop it at the
# coordinator and at every site (postgres_fdw cancels the remote cursors) within one second of
# the timeout.
# psql's \timing reports the statement's own time, failed statements included.
out=$(cln_psql coord -d coord_exact -qAtX -c "SET statement_timeout = '500ms'" -c '\timing on' \
        -c "SELECT clinnova.federated_logreg('longfit', 'response', ARRAY['age'])" 2>&1)
ms=$(sed -n 's/^Time: \([0-9]*\)\..*/\1/p' <<<"$out" | tail -1)
[[ $out == *"canceling statement due to statement timeout"* && -n $ms ]] && ((ms < 1500))
ok $? "statement_timeout (0.5 s) cancels a long federated fit: error after ${ms:-?} ms" "$out"
busy=0
for s in "${SITES[@]}"; do
  n=$(q "$s" exact "SELECT count(*) FROM pg_stat_activity WHERE usename = 'fedrole' AND state = 'active'")
  [[ $n == 0 ]] || busy=$((busy + 1))
done
((busy == 0))
ok $? "... and no site is still running its part ($busy sites busy)"
is_true "... and the next federated analysis runs" coord coord_exact "
  SELECT count(*) = 4 AND bool_and(compatible) FROM clinnova.federation_check_sites()"
