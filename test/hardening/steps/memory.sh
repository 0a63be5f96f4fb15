# steps/memory.sh — sourced by test/hardening/run: backend memory under large inputs.
#   scoring   every predict function of the extension (read from pg_proc) over SCORE_ROWS rows
#             (set-returning ones over SCORE_ROWS / 100) must not grow with the number of rows:
#             peak memory over SCORE_ROWS and over SCORE_ROWS / 10 rows differ by < 4 MB beyond
#             what the same query without the extension's call grows by
#   groups    coxph, km and logrank over FIT_ROWS rows in 1000 groups: the peak stays within the
#             expected state (coxph: the ungrouped fit's peak + 16 MB, since hash aggregation
#             spills; km: 2 x 64 bytes per distinct (group, time) + 16 MB), and every memory
#             context is back to its size before the query afterwards
#   failures  1000 Cox fits and steps that fail after the BLAS work (overflow) in one session:
#             neither the process's private memory nor its memory contexts grow
# Memory is the backend's private anonymous memory (RssAnon in /proc/PID/status, sampled every
# 20 ms from outside, so shared buffers do not count) and pg_backend_memory_contexts.
mem=$WORK/memory
mkdir -p "$mem"

# peak_anon SQL: run SQL in a new session (after loading the library); print "base peak ms".
peak_anon() {
  local pidfile=$mem/pid out=$mem/out bpid base peak=0 v ppid
  rm -f "$pidfile"
  { echo "SELECT clinnova.version();"; echo "SELECT pg_backend_pid() \\g $pidfile"; echo "SELECT pg_sleep(0.2);";
    echo "SET max_parallel_workers_per_gather = 0;"; echo "\\timing on"; echo "$1"; } \
    | cln_psql hard -d hardening -qAt >"$out" 2>&1 &
  ppid=$!
  for _ in $(seq 1 500); do [[ -s $pidfile ]] && break; sleep 0.01; done
  bpid=$(cat "$pidfile")
  sleep 0.1
  base=$(awk '/^RssAnon/{print $2}' "/proc/$bpid/status")
  while kill -0 "$ppid" 2>/dev/null; do
    v=$(awk '/^RssAnon/{print $2}' "/proc/$bpid/status" 2>/dev/null)
    [[ -n $v ]] && ((v > peak)) && peak=$v
    sleep 0.02
  done
  wait "$ppid"
  if grep -q ERROR "$out"; then
    grep ERROR "$out" | head -3 | sed 's/^/#   /' >&2
    echo "$base $peak -1"		# a failed query: elapsed -1 fails the checks
  else
    echo "$base $peak $(grep -oE 'Time: [0-9]+' "$out" | tail -1 | grep -oE '[0-9]+')"
  fi
}

q -d hardening >"$mem/setup.log" 2>&1 <<SQL
SET client_min_messages = error;
\i test/hardening/corpus.sql
\i test/hardening/sweep.sql
DROP TABLE IF EXISTS hard_models, hard_big, hard_fail, hard_scoring;
-- one model of every model type (the first corpus sample), stored as text
CREATE TABLE hard_models (typ regtype, m text);
DO \$\$ DECLARE s record; v text; BEGIN
  FOR s IN SELECT * FROM pg_temp.hz_sample WHERE ord = 1 AND typ IN (SELECT * FROM pg_temp.hz_types()) LOOP
    EXECUTE format('SELECT (%s)::%s::text', s.expr, s.typ) INTO v;
    INSERT INTO hard_models VALUES (s.typ, v);
  END LOOP; END \$\$;
-- the scoring queries: every predict function with a model argument and x float8[]
CREATE TABLE hard_scoring AS
SELECT p.oid::regprocedure::text AS fn, p.proretset AS srf,
       format('SELECT count(*) FROM (SELECT %s(%s) AS v FROM generate_series(1, @ROWS@) g) s',
              p.oid::regproc,
              string_agg(CASE WHEN a.typ IN (SELECT typ FROM hard_models)
                              THEN format('(SELECT m FROM hard_models WHERE typ = %L::regtype)::%s', a.typ, a.typ)
                              WHEN a.typ = 'float8[]'::regtype AND a.name = 'x' THEN 'ARRAY[sin(g), (g % 5)::float8 / 2]'
                              ELSE format('(%s)::%s', a.baseline, a.typ) END, ', ' ORDER BY a.pos)) AS sql
FROM pg_proc p, pg_temp.hz_args(p.oid) a
WHERE p.pronamespace = 'clinnova'::regnamespace AND p.proname LIKE 'predict%' AND p.prokind = 'f'
  AND EXISTS (SELECT 1 FROM pg_temp.hz_args(p.oid) b WHERE b.typ = 'float8[]'::regtype AND b.name = 'x')
GROUP BY p.oid;
-- FIT_ROWS rows in 1000 groups, ten covariates
CREATE TABLE hard_big AS
SELECT g, (g % 5000 + 1)::float8 + (g % 7)::float8 / 10 AS t, g % 3 <> 0 AS e, (g % 1000) AS grp,
       ARRAY[sin(g), cos(g), (g % 5)::float8, (g % 11)::float8, sin(g * 0.37), cos(g * 0.11), (g % 3)::float8,
             sqrt(g % 101), (g % 13)::float8 / 13, sin(g * 1.7)] AS x
FROM generate_series(1, $FIT_ROWS) g;
CREATE TABLE hard_fail AS
SELECT g AS id, (g % 17 + 1)::float8 AS t, g % 4 <> 0 AS e, ARRAY[sin(g), (g % 5)::float8] AS x FROM generate_series(1, 2000) g;
ANALYZE hard_big; ANALYZE hard_fail;
SQL
if (($? != 0)); then
  notok "memory: setup failed"
  tail -10 "$mem/setup.log" | sed 's/^/#   /'
else
  # ---- scoring ----
  while IFS='|' read -r fn srf sql; do
    rows=$SCORE_ROWS
    [[ $srf == t ]] && rows=$((SCORE_ROWS / 100))
    read -r b1 p1 t1 < <(peak_anon "${sql//@ROWS@/$rows};")
    read -r b2 p2 t2 < <(peak_anon "${sql//@ROWS@/$((rows / 10))};")
    # PostgreSQL's own share: the same query computing only the covariates (generate_series
    # keeps its rows in a tuplestore that grows to work_mem and then spills: ~9 MB more
    # private memory at 10 M rows than at 1 M, with or without the extension)
    read -r c1 q1 _ < <(peak_anon "SELECT count(*) FROM (SELECT ARRAY[sin(g), (g % 5)::float8 / 2] AS v FROM generate_series(1, $rows) g) s;")
    read -r c2 q2 _ < <(peak_anon "SELECT count(*) FROM (SELECT ARRAY[sin(g), (g % 5)::float8 / 2] AS v FROM generate_series(1, $((rows / 10))) g) s;")
    echo "# memory scoring $fn: $rows rows in ${t1} ms, peak private memory $(( (p1 - b1) / 1024 )) MB above the idle backend ($(( (p2 - b2) / 1024 )) MB for $((rows / 10)) rows; the same query without the extension: $(( (q1 - c1) / 1024 )) / $(( (q2 - c2) / 1024 )) MB)"
    check "(( t1 >= 0 && t2 >= 0 && ((p1 - b1) - (q1 - c1)) - ((p2 - b2) - (q2 - c2)) < 4096 ))" "memory: scoring $rows rows with $fn does not grow with the number of rows (beyond PostgreSQL's own)"
  done < <(q -d hardening -F'|' -c "SELECT fn, srf, sql FROM hard_scoring ORDER BY fn")

  # ---- 1000 groups ----
  read -r b0 p0 t0 < <(peak_anon "SELECT count(m) FROM (SELECT clinnova.coxph(t, e, x) m FROM hard_big) s;")
  read -r b1 p1 t1 < <(peak_anon "SELECT count(m) FROM (SELECT grp, clinnova.coxph(t, e, x) m FROM hard_big GROUP BY grp) s;")
  read -r b2 p2 t2 < <(peak_anon "SET enable_hashagg = off; SELECT count(m) FROM (SELECT grp, clinnova.coxph(t, e, x) m FROM hard_big GROUP BY grp) s;")
  echo "# memory coxph over $FIT_ROWS rows: one fit ${t0} ms, peak $(( (p0 - b0) / 1024 )) MB; 1000 groups hashed ${t1} ms, peak $(( (p1 - b1) / 1024 )) MB; sorted ${t2} ms, peak $(( (p2 - b2) / 1024 )) MB"
  check "(( t0 >= 0 && t1 >= 0 && t2 >= 0 && (p1 - b1) <= (p0 - b0) + 16384 && (p2 - b2) <= (p0 - b0) + 16384 ))" "memory: coxph in 1000 groups stays within the one-fit state (+16 MB)"
  pairs=$(q -d hardening -c "SELECT count(*) FROM (SELECT DISTINCT grp, t FROM hard_big) s")
  read -r b1 p1 t1 < <(peak_anon "SELECT count(m) FROM (SELECT grp, clinnova.km(t, e) m FROM hard_big GROUP BY grp) s;")
  read -r b2 p2 t2 < <(peak_anon "SELECT count(m) FROM (SELECT (clinnova.logrank(t, e, (grp % 4)::text)) m FROM hard_big GROUP BY grp / 4) s;")
  bound=$(( 2 * pairs * 64 / 1024 + 16384 ))
  echo "# memory km in 1000 groups: ${t1} ms, peak $(( (p1 - b1) / 1024 )) MB for $pairs distinct (group, time) pairs (bound $((bound / 1024)) MB); logrank in 250 groups of 4 arms: ${t2} ms, peak $(( (p2 - b2) / 1024 )) MB"
  check "(( t1 >= 0 && t2 >= 0 && (p1 - b1) <= bound && (p2 - b2) <= bound ))" "memory: km and logrank in many groups stay within 2 x 64 bytes per distinct (group, time) + 16 MB"
  # the queries run once to fill the catalog caches, then the contexts are measured around a second run
  ctx=$(q -d hardening <<'SQL'
SET client_min_messages = error;
SET max_parallel_workers_per_gather = 0;
SELECT count(m) FROM (SELECT grp, clinnova.coxph(t, e, x) m FROM hard_big WHERE grp < 100 GROUP BY grp) s \g /dev/null
SELECT count(m) FROM (SELECT grp, clinnova.km(t, e) m FROM hard_big GROUP BY grp) s \g /dev/null
SELECT sum(total_bytes) FROM pg_backend_memory_contexts \gset before_
SELECT count(m) FROM (SELECT grp, clinnova.coxph(t, e, x) m FROM hard_big WHERE grp < 100 GROUP BY grp) s \g /dev/null
SELECT count(m) FROM (SELECT grp, clinnova.km(t, e) m FROM hard_big GROUP BY grp) s \g /dev/null
SELECT sum(total_bytes) - :before_sum FROM pg_backend_memory_contexts;
SQL
)
  check "(( ctx < 65536 ))" "memory: after fitting many groups the memory contexts are back to their size before ($ctx bytes more)"

  # ---- failing BLAS-path calls ----
  {
    echo "SET client_min_messages = error;"
    echo "SELECT clinnova.version();"
    for i in $(seq 1 100); do
      echo "SELECT clinnova.coxph(t, e, CASE WHEN id = 7 THEN '{1e308,-1e308}' ELSE x END) FROM hard_fail;"
      echo "SELECT clinnova.coxph_step(t, e, CASE WHEN id = 7 THEN '{1e308,-1e308}' ELSE x END, '{0,0}') FROM hard_fail;"
    done
    echo "SELECT 'warm', (SELECT regexp_replace(l, '[^0-9]', '', 'g') FROM regexp_split_to_table(pg_read_file('/proc/self/status'), E'\\n') l WHERE l ~ '^RssAnon'), (SELECT sum(total_bytes) FROM pg_backend_memory_contexts);"
    for i in $(seq 1 500); do
      echo "SELECT clinnova.coxph(t, e, CASE WHEN id = 7 THEN '{1e308,-1e308}' ELSE x END) FROM hard_fail;"
      echo "SELECT clinnova.coxph_step(t, e, CASE WHEN id = 7 THEN '{1e308,-1e308}' ELSE x END, '{0,0}') FROM hard_fail;"
    done
    echo "SELECT 'done', (SELECT regexp_replace(l, '[^0-9]', '', 'g') FROM regexp_split_to_table(pg_read_file('/proc/self/status'), E'\\n') l WHERE l ~ '^RssAnon'), (SELECT sum(total_bytes) FROM pg_backend_memory_contexts);"
  } >"$mem/fail.sql"
  cln_psql hard -d hardening -qAt -v ON_ERROR_STOP=0 -f "$mem/fail.sql" >"$mem/fail.out" 2>"$mem/fail.err"
  IFS='|' read -r _ rss1 ctx1 < <(grep '^warm|' "$mem/fail.out")
  IFS='|' read -r _ rss2 ctx2 < <(grep '^done|' "$mem/fail.out")
  nerr=$(grep -c 'ERROR' "$mem/fail.err")
  echo "# memory failures: $nerr failing fits and steps; private memory ${rss1:-?} -> ${rss2:-?} kB, contexts ${ctx1:-?} -> ${ctx2:-?} bytes over the last 1000"
  check "(( nerr >= 1200 && rss2 - rss1 < 1024 && ctx2 - ctx1 < 65536 ))" "memory: 1000 fits and steps failing after the BLAS work leak nothing"
  q -d hardening -c "DROP TABLE IF EXISTS hard_models, hard_big, hard_fail, hard_scoring"
fi
