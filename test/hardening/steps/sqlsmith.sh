# steps/sqlsmith.sh — sourced by test/hardening/run: sqlsmith's random queries against a
# database whose tables hold every sample of every type of the extension (regular tables, so
# sqlsmith sees them) and the corpus data set, with the extension's schema on the search path
# so that its operators and functions are used unqualified.  SMITH_QUERIES queries over three
# fixed seeds; every statement is limited to 2 s.  Crashes are found in the server log; errors
# with an internal SQLSTATE (XX000) raised in the extension's code (the LOCATION the server logs
# with log_error_verbosity = verbose names one of src/*.c) are failures too.
sm=$WORK/sqlsmith
mkdir -p "$sm"
if ! command -v sqlsmith >/dev/null; then
  ok "sqlsmith # skip sqlsmith is not installed (Debian package sqlsmith)"
else
  q -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS smith" -c "CREATE DATABASE smith" >/dev/null
  q -d smith >"$sm/setup.log" 2>&1 <<'SQL'
SET client_min_messages = error;
CREATE EXTENSION clinnova;
\i test/hardening/corpus.sql
SELECT pg_temp.hz_values_table('smith_values');
CREATE TABLE smith_rows AS SELECT * FROM pg_temp.hz_rows;
CREATE TABLE smith_models AS SELECT id, coxmodel, survfit, code FROM smith_values;
ALTER DATABASE smith SET search_path = public, clinnova;
SQL
  log_start=$(wc -l <"$LOG")
  per=$(( (SMITH_QUERIES + 2) / 3 ))
  smith_total=0
  for seed in 1 2 3; do
    timeout 1800 sqlsmith --target="host=$PGHOST port=$PGPORT user=postgres dbname=smith options='-c statement_timeout=2000'" \
      --seed=$seed --max-queries=$per --exclude-catalog --verbose >"$sm/seed$seed.log" 2>&1
    got=$(grep -oE '^queries: [0-9]+' "$sm/seed$seed.log" | tail -1 | grep -oE '[0-9]+')
    smith_total=$((smith_total + ${got:-0}))
    echo "# sqlsmith seed $seed: ${got:-0} queries"
    # after a crash the server restarts: wait for it
    for _ in $(seq 1 30); do q -d smith -c "SELECT 1" >/dev/null 2>&1 && break; sleep 1; done
  done
  tail -n +"$((log_start + 1))" "$LOG" >"$sm/server.log"
  internal=$(grep -cE '\] XX[0-9A-Z]{3} ERROR' "$sm/server.log")
  # with log_error_verbosity = verbose each error is followed by its LOCATION (function, file)
  srcfiles=$(cd src && ls *.c | paste -sd'|')
  ours=$(awk -v files="$srcfiles" '/ ERROR: /{xx = ($0 ~ /\] XX[0-9A-Z][0-9A-Z][0-9A-Z] ERROR/)}
                                    xx && /LOCATION: /{if ($0 ~ ", (" files "):") n++; xx = 0}
                                    END {print n + 0}' "$sm/server.log")
  echo "# sqlsmith: $smith_total queries; $(grep -cE '\] [0-9A-Z]{5} ERROR' "$sm/server.log") errors logged, $internal internal (XX) errors, $ours of them raised in the extension's code"
  grep -E '\] XX[0-9A-Z]{3} ERROR' "$sm/server.log" | sed -E 's/^.*ERROR: +//' | sort | uniq -c | sort -rn | head -5 | sed 's/^/#   /'
  check "((smith_total >= SMITH_QUERIES / 2))" "sqlsmith ran $smith_total random queries"
  check "((ours == 0))" "sqlsmith: no internal error from the extension's code"
fi
