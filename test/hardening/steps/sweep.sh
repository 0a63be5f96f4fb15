# steps/sweep.sh — sourced by test/hardening/run: the catalog-driven sweep at full strength.
# Serial pass at SWEEP_LEVEL (2: every option key with every bad value), then every aggregate
# call again in forced parallel plans over a regular table.
q -d hardening -c "SET client_min_messages = warning" -c "DROP TABLE IF EXISTS hardening_rows_par" >/dev/null
q -d hardening -v level="$SWEEP_LEVEL" >"$WORK/sweep.out" 2>"$WORK/sweep.err" <<'SQL'
SET client_min_messages = error;
\i test/lib/regress_helpers.sql
\i test/hardening/corpus.sql
\i test/hardening/sweep.sql
\set ECHO none
SELECT pg_temp.hz_run(:level);
CREATE TABLE hardening_rows_par AS SELECT r.* FROM pg_temp.hz_rows r, generate_series(1, 25);
ANALYZE hardening_rows_par;
SELECT pg_temp.force_parallel();
SET hz.rows = 'hardening_rows_par';
SELECT pg_temp.hz_run(:level, aggregates_only => true, pass => 'parallel');
DROP TABLE hardening_rows_par;
\pset fieldsep '|'
\echo ---- summary
SELECT pass, count(*), count(DISTINCT fn), count(*) FILTER (WHERE state = '00000'),
       count(*) FILTER (WHERE state <> '00000' AND pg_temp.hz_allowed(state))
FROM pg_temp.hz_result GROUP BY pass ORDER BY pass;
\echo ---- classes
SELECT state, count(*) FROM pg_temp.hz_result GROUP BY 1 ORDER BY 2 DESC;
\echo ---- violations
SELECT pass, fn, variant, state, left(message, 300) FROM pg_temp.hz_result
WHERE NOT pg_temp.hz_allowed(state) OR NOT pg_temp.hz_baseline_ok(fn, variant, state) ORDER BY id;
\echo ---- slow
SELECT pass, fn, variant, round(ms) FROM pg_temp.hz_result WHERE ms > 2000 ORDER BY ms DESC LIMIT 10;
\echo ---- end
SQL
sweep_rc=$?
if ((sweep_rc != 0)) || ! grep -q -- '---- end' "$WORK/sweep.out"; then
  notok "sweep did not run to the end"
  tail -20 "$WORK/sweep.err" | sed 's/^/#   /'
else
  while IFS='|' read -r pass calls fns okc errc; do
    echo "# sweep $pass: $calls calls of $fns functions: $okc succeeded, $errc refused with an expected SQLSTATE"
  done < <(sed -n '/^---- summary/,/^---- classes/p' "$WORK/sweep.out" | grep '|')
  echo "# sweep SQLSTATEs: $(sed -n '/^---- classes/,/^---- violations/p' "$WORK/sweep.out" | grep '|' | tr '\n' ' ')"
  v=$(sed -n '/^---- violations/,/^---- slow/p' "$WORK/sweep.out" | grep -c '|')
  check "((v == 0))" "sweep: no internal error, unexpected SQLSTATE, failed baseline or value that does not read back ($v found)"
  sed -n '/^---- violations/,/^---- slow/p' "$WORK/sweep.out" | grep '|' | head -20 | sed 's/^/#   /'
  sed -n '/^---- slow/,/^---- end/p' "$WORK/sweep.out" | grep '|' | sed 's/^/# slow call (ms): /'
fi
