# steps/io.sh — sourced by test/hardening/run: malformed text and binary forms of every sample
# of every type (test/hardening/io.sql), IO_SAMPLES samples per type.
q -d hardening -v samples="$IO_SAMPLES" >"$WORK/io.out" 2>"$WORK/io.err" <<'SQL'
SET client_min_messages = error;
\i test/lib/regress_helpers.sql
\i test/hardening/corpus.sql
\i test/hardening/sweep.sql
\i test/hardening/io.sql
\set ECHO none
SELECT pg_temp.hz_io_run(:samples);
\pset fieldsep '|'
\echo ---- summary
SELECT typ, form, count(*), count(*) FILTER (WHERE state = '00000'),
       string_agg(DISTINCT state, ',') FILTER (WHERE state <> '00000')
FROM pg_temp.hz_io GROUP BY 1, 2 ORDER BY 1, 2;
\echo ---- violations
SELECT typ, form, variant, state, left(message, 300) FROM pg_temp.hz_io WHERE NOT pg_temp.hz_io_allowed(state) ORDER BY id;
\echo ---- end
SQL
if (($? != 0)) || ! grep -q -- '---- end' "$WORK/io.out"; then
  notok "io corpus did not run to the end"
  tail -20 "$WORK/io.err" | sed 's/^/#   /'
else
  while IFS='|' read -r typ form cnt acc states; do
    echo "# io $typ $form: $cnt malformed forms, $acc accepted as valid values, refused with $states"
  done < <(sed -n '/^---- summary/,/^---- violations/p' "$WORK/io.out" | grep '|')
  v=$(sed -n '/^---- violations/,/^---- end/p' "$WORK/io.out" | grep -c '|')
  check "((v == 0))" "io: every malformed form refused with class 22/54 or read back as a valid value ($v violations)"
  sed -n '/^---- violations/,/^---- end/p' "$WORK/io.out" | grep '|' | head -20 | sed 's/^/#   /'
fi
