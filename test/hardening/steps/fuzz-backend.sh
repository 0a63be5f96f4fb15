# steps/fuzz-backend.sh — sourced by test/hardening/run: libFuzzer-driven input sent to the
# running backend (fuzz/backend_fuzz.c): for every base type of schema clinnova its text input
# and its binary receive function, seeded with the corpus samples; and every JSON importer
# (functions named import_% taking jsonb), seeded with the corpus and test/data JSON models.
# FUZZ_BACKEND_RUNS inputs per target, fixed seed.
fz=$WORK/fuzz-backend
mkdir -p "$fz"
if ! command -v clang-14 >/dev/null || [[ ! -e /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a ]]; then
  ok "fuzz-backend # skip clang-14 with libFuzzer (clang-14, libclang-rt-14-dev) is not installed"
elif ! clang-14 -g -O1 -fsanitize=fuzzer -I"$(pg_config --includedir)" -o "$fz/backend_fuzz" "$HERE/fuzz/backend_fuzz.c" \
       -L"$(pg_config --libdir)" -lpq >"$fz/build.log" 2>&1; then
  notok "fuzz-backend: the driver does not build"
  head -10 "$fz/build.log" | sed 's/^/#   /'
else
  # seeds: every sample of every type, text and binary (base64 per line: type|ord|text|binary)
  q -d hardening >"$fz/seeds.txt" 2>"$fz/seeds.err" <<'SQL'
SET client_min_messages = error;
\i test/hardening/corpus.sql
\set ECHO none
CREATE FUNCTION pg_temp.seeds() RETURNS TABLE (typ text, ord integer, txt text, bin text) LANGUAGE plpgsql AS $$
DECLARE t regtype; s record;
BEGIN
  FOR t IN SELECT * FROM pg_temp.hz_types() LOOP
    FOR s IN SELECT * FROM pg_temp.hz_sample x WHERE x.typ = t ORDER BY x.ord LOOP
      typ := t::text; ord := s.ord;
      EXECUTE format('SELECT translate(encode(convert_to((%s)::%s::text, ''UTF8''), ''base64''), E''\n'', ''''),
                             translate(encode(%s((%s)::%s), ''base64''), E''\n'', '''')',
                     s.expr, t, (SELECT typsend::regproc FROM pg_type WHERE oid = t), s.expr, t) INTO txt, bin;
      RETURN NEXT;
    END LOOP;
  END LOOP;
  typ := 'json'; ord := 0;
  txt := translate(encode(convert_to(pg_temp.hz_xgboost_json()::text, 'UTF8'), 'base64'), E'\n', ''); bin := '';
  RETURN NEXT;
END $$;
SELECT typ || '|' || ord || '|' || txt || '|' || bin FROM pg_temp.seeds();
SQL
  if [[ ! -s $fz/seeds.txt ]]; then
    notok "fuzz-backend: could not write the seeds"
    head -10 "$fz/seeds.err" | sed 's/^/#   /'
  fi
  # a JSON dictionary: punctuation, literals, and every key of the seeds
  {
    printf '%s\n' '"{"' '"}"' '"["' '"]"' '":"' '","' '"\""' '"null"' '"true"' '"false"' '"NaN"' '"Infinity"' \
      '"-1"' '"0"' '"1e308"' '"1e-320"' '"-0"' '"99999999999999999999"'
    while IFS='|' read -r typ ord txt bin; do echo "$txt" | base64 -d; echo; done <"$fz/seeds.txt" \
      | grep -oE '"[a-z_0-9]{1,40}"' | sort -u | sed 's/"\(.*\)"/"\\"\1\\""/'
  } >"$fz/json.dict"
  # targets: type|binary|query|seed filter
  targets=()
  for typ in $(cut -d'|' -f1 "$fz/seeds.txt" | sort -u | grep -v '^json$'); do
    rt="SELECT x::text::$typ::text = x::text FROM (SELECT \$1::$typ AS x) s"
    targets+=("$typ|0|$rt" "$typ|1|$rt")
  done
  while read -r fn; do
    targets+=("$fn|0|SELECT m::text IS NOT NULL FROM (SELECT $fn(\$1::jsonb) AS m) s")
  done < <(q -d hardening -c "SELECT p.oid::regproc FROM pg_proc p WHERE p.pronamespace = 'clinnova'::regnamespace
                             AND p.proname LIKE 'import\_%' AND p.proargtypes = '3802'::oidvector")
  total=0 bad=0
  for tg in "${targets[@]}"; do
    IFS='|' read -r what bin sql <<<"$tg"
    dir=$fz/$(echo "$what" | tr -c 'a-z0-9_\n' '_')_$bin
    mkdir -p "$dir/seeds" "$dir/corpus"
    i=0
    while IFS='|' read -r typ ord txt b; do
      if [[ $what == import_* || $what == clinnova.import_* ]]; then
        [[ $typ == json ]] || continue
        echo "$txt" | base64 -d >"$dir/seeds/s$((i += 1))"
      elif [[ $typ == "$what" ]]; then
        if ((bin)); then echo "$b" | base64 -d >"$dir/seeds/s$((i += 1))"; else echo "$txt" | base64 -d >"$dir/seeds/s$((i += 1))"; fi
      fi
    done <"$fz/seeds.txt"
    for f in test/data/*xgboost*.json; do
      [[ -f $f && $what == *import_xgboost* ]] && cp "$f" "$dir/seeds/"
    done
    (cd "$dir" && CLN_FUZZ_SQL="$sql" CLN_FUZZ_TYPE=$([[ $bin == 1 ]] && echo "$what") CLN_FUZZ_BINARY=$bin PGDATABASE=hardening \
       "$fz/backend_fuzz" -seed=1 -runs="$FUZZ_BACKEND_RUNS" -max_len=65536 -len_control=0 -reduce_inputs=0 \
       -dict="$fz/json.dict" -timeout=30 corpus seeds >"$dir/fuzz.log" 2>&1)
    rc=$?
    runs=$(grep -oE '^Done [0-9]+ runs' "$dir/fuzz.log" | grep -oE '[0-9]+')
    form=$([[ $bin == 1 ]] && echo binary || echo text)
    echo "# fuzz-backend $what ($form): ${runs:-0} inputs, $(ls "$dir/corpus" | wc -l) distinct outcomes kept"
    total=$((total + ${runs:-0}))
    if ((rc != 0)) || [[ -z $runs ]]; then
      bad=$((bad + 1))
      notok "fuzz-backend: $what ($form) failed"
      grep -E '^backend_fuzz|SUMMARY' "$dir/fuzz.log" | head -5 | sed 's/^/#   /'
      ls "$dir"/crash-* 2>/dev/null | head -1 | while read -r f; do echo "#   input (base64): $(base64 -w0 "$f" | cut -c1-400)"; done
      # a crashed backend takes the cluster through recovery: wait for it
      for _ in $(seq 1 30); do q -d hardening -c "SELECT 1" >/dev/null 2>&1 && break; sleep 1; done
    fi
  done
  check "((bad == 0 && total > 0))" "fuzz-backend: $total inputs to ${#targets[@]} input functions, receive functions and importers without a crash or internal error"
fi
