# steps/timeout.sh — sourced by test/hardening/run: statement_timeout cancels long fits within
# one second.  Each fit over TIMEOUT_ROWS rows with ten covariates is timed once, then run again
# with statement_timeout at 10 %, 20 %, ... 90 % of its duration, so that the cancel lands in
# every phase (scan, sort, Newton iterations, concordance, baseline hazard); the latency is the
# time from the timeout to the error reaching the client.  Federated fits: test/federation/.
tm=$WORK/timeout
mkdir -p "$tm"
q -d hardening >"$tm/setup.log" 2>&1 <<SQL
DROP TABLE IF EXISTS hard_timeout;
CREATE TABLE hard_timeout AS
SELECT g, (g % 5000 + 1)::float8 + (g % 7)::float8 / 10 AS t, g % 3 <> 0 AS e, g % 4 AS s,
       ARRAY[sin(g), cos(g), (g % 5)::float8, (g % 11)::float8, sin(g * 0.37), cos(g * 0.11), (g % 3)::float8,
             sqrt(g % 101), (g % 13)::float8 / 13, sin(g * 1.7)] AS x
FROM generate_series(1, $TIMEOUT_ROWS) g;
ANALYZE hard_timeout;
CREATE TABLE hard_timeout_model AS SELECT clinnova.coxph(t, e, x) AS m FROM hard_timeout WHERE g <= 20000;
SQL
fits=(
  "coxph|SELECT clinnova.coxph(t, e, x) IS NOT NULL FROM hard_timeout"
  "coxph strata|SELECT clinnova.coxph(NULL, t, e, x, s::text, NULL, NULL, '{\"ties\": \"breslow\"}') IS NOT NULL FROM hard_timeout"
  "coxph_step|SELECT clinnova.coxph_step(t, e, x, '{0,0,0,0,0,0,0,0,0,0}') IS NOT NULL FROM hard_timeout"
  "cox_zph|SELECT clinnova.cox_zph(t, e, x, (SELECT m FROM hard_timeout_model)) IS NOT NULL FROM hard_timeout"
)
# elapsed SQL TIMEOUT_MS: milliseconds until the statement ends (0 = no timeout)
elapsed() {
  cln_psql hard -d hardening -qAt -v ON_ERROR_STOP=0 2>/dev/null <<SQL | grep -oE 'Time: [0-9.]+' | tail -1 | grep -oE '[0-9]+' | head -1
SET max_parallel_workers_per_gather = 0;
SET client_min_messages = error;
SET statement_timeout = $2;
\timing on
$1;
SQL
}
for f in "${fits[@]}"; do
  IFS='|' read -r label sql <<<"$f"
  full=$(elapsed "$sql" 0)
  worst=0 worst_at=0
  for pct in 10 20 30 40 50 60 70 80 90; do
    to=$(( full * pct / 100 ))
    ((to < 1)) && to=1
    e=$(elapsed "$sql" "$to")
    lat=$(( ${e:-0} - to ))
    if ((lat > worst)); then worst=$lat worst_at=$to; fi
  done
  echo "# timeout $label over $TIMEOUT_ROWS rows: ${full} ms uncancelled; worst cancel latency ${worst} ms (timeout at ${worst_at} ms)"
  check "(( full > 0 && worst < 1000 ))" "timeout: statement_timeout cancels $label within 1 s in every phase"
done
q -d hardening -c "DROP TABLE IF EXISTS hard_timeout, hard_timeout_model"
