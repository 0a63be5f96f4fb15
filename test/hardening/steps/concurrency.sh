# steps/concurrency.sh — sourced by test/hardening/run: many sessions scoring and fitting at
# once.  pgbench runs 8 clients on 2 threads for BENCH_SECONDS with three weighted scripts:
#   score     predict_risk / predict_surv of one of 1000 patients (weight 5)
#   fit       coxph and km of one of 200 groups of 500 rows (weight 3)
#   parallel  km and coxph of all 100 000 rows in a forced parallel plan (weight 1)
# Every statement compares its result with the one computed serially beforehand and raises an
# error naming what differs, which aborts the pgbench client: any error, any changed number,
# any crash fails the step.
cc=$WORK/concurrency
mkdir -p "$cc"
q -d hardening >"$cc/setup.log" 2>&1 <<'SQL'
SET client_min_messages = error;
DROP TABLE IF EXISTS hard_conc_rows, hard_conc_model, hard_conc_scores, hard_conc_fits, hard_conc_all;
CREATE TABLE hard_conc_rows AS
SELECT g, g % 200 AS grp, (g % 97 + 1)::float8 + (g % 7)::float8 / 10 AS t, g % 3 <> 0 AS e,
       ARRAY[sin(g), (g % 5)::float8, cos(g * 0.3)] AS x
FROM generate_series(1, 100000) g;
ANALYZE hard_conc_rows;
CREATE TABLE hard_conc_model AS SELECT clinnova.coxph(t, e, x) AS m FROM hard_conc_rows;
CREATE TABLE hard_conc_scores AS
SELECT k, clinnova.predict_risk(m, ARRAY[sin(k), (k % 5)::float8, cos(k * 0.3)]) AS risk,
       clinnova.predict_surv(m, ARRAY[sin(k), (k % 5)::float8, cos(k * 0.3)], 50) AS surv
FROM hard_conc_model, generate_series(1, 1000) k;
CREATE TABLE hard_conc_fits AS
SELECT grp AS k, clinnova.coxph(t, e, x)::text AS cox, clinnova.km(t, e)::text AS km FROM hard_conc_rows GROUP BY grp;
SET max_parallel_workers_per_gather = 0;
CREATE TABLE hard_conc_all AS SELECT clinnova.km(t, e)::text AS km, clinnova.coxph(t, e, x)::text AS cox FROM hard_conc_rows;
SQL
# a mismatch raises "invalid input syntax for type integer" quoting what differed
cat >"$cc/score.sql" <<'SQL'
\set k random(1, 1000)
SELECT CASE WHEN r = s.risk AND su IS NOT DISTINCT FROM s.surv THEN 1
            ELSE ('mismatch: patient ' || :k || ' risk ' || r || ' <> ' || s.risk || ', surv ' || su || ' <> ' || s.surv)::integer END
FROM (SELECT clinnova.predict_risk(m, ARRAY[sin(:k), (:k % 5)::float8, cos(:k * 0.3)]) AS r,
             clinnova.predict_surv(m, ARRAY[sin(:k), (:k % 5)::float8, cos(:k * 0.3)], 50) AS su FROM hard_conc_model) p,
     hard_conc_scores s WHERE s.k = :k;
SQL
cat >"$cc/fit.sql" <<'SQL'
\set k random(0, 199)
SET max_parallel_workers_per_gather = 0;
SELECT CASE WHEN r.c = f.cox AND r.km = f.km THEN 1
            ELSE ('mismatch: group ' || :k || ' coxph ' || (r.c = f.cox) || ' km ' || (r.km = f.km))::integer END
FROM (SELECT clinnova.coxph(t, e, x)::text AS c, clinnova.km(t, e)::text AS km FROM hard_conc_rows WHERE grp = :k) r,
     hard_conc_fits f WHERE f.k = :k;
SQL
cat >"$cc/parallel.sql" <<'SQL'
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT CASE WHEN k = a.km AND c = a.cox THEN 1
            ELSE ('mismatch: all rows in parallel: km ' || (k = a.km) || ' coxph ' || (c = a.cox))::integer END
FROM (SELECT clinnova.km(t, e)::text AS k, clinnova.coxph(t, e, x)::text AS c FROM hard_conc_rows) r, hard_conc_all a;
SQL
"$CLN_PGBIN/pgbench" -n -c 8 -j 2 -T "$BENCH_SECONDS" -f "$cc/score.sql@5" -f "$cc/fit.sql@3" -f "$cc/parallel.sql@1" \
  hardening >"$cc/pgbench.log" 2>&1
bench_rc=$?
tx=$(grep -oE 'number of transactions actually processed: [0-9]+' "$cc/pgbench.log" | grep -oE '[0-9]+$')
aborted=$(grep -cE 'aborted|ERROR' "$cc/pgbench.log")
tps=$(grep -oE 'tps = [0-9.]+' "$cc/pgbench.log" | head -1)
per=$(grep -oE '^ - [0-9]+ transactions' "$cc/pgbench.log" | grep -oE '[0-9]+' | paste -sd'/')
echo "# concurrency: ${tx:-0} transactions by 8 clients in ${BENCH_SECONDS} s (${tps:-?}; per script score / fit / parallel: ${per:-?})"
check "(( bench_rc == 0 && aborted == 0 && ${tx:-0} > 0 ))" "concurrency: 8 sessions scoring and fitting at once, every result equal to the serial one, no error"
grep -E 'aborted|ERROR' "$cc/pgbench.log" | head -5 | sed 's/^/#   /'
q -d hardening -c "DROP TABLE IF EXISTS hard_conc_rows, hard_conc_model, hard_conc_scores, hard_conc_fits, hard_conc_all"
