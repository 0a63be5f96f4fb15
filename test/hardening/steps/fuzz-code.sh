# steps/fuzz-code.sh — sourced by test/hardening/run: libFuzzer with AddressSanitizer and
# UndefinedBehaviorSanitizer on the code grammar (fuzz/code_parse_fuzz.c + src/code_parse.c),
# FUZZ_CODE_RUNS runs from the committed seeds with a fixed seed.
fz=$WORK/fuzz-code
mkdir -p "$fz/corpus"
cp "$HERE"/fuzz/seeds/code/* "$fz/corpus/"
pginc=$(pg_config --includedir-server)
if ! command -v clang-14 >/dev/null || [[ ! -e /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a ]]; then
  ok "fuzz-code # skip clang-14 with libFuzzer (clang-14, libclang-rt-14-dev) is not installed"
elif ! clang-14 -g -O1 -Wno-ignored-attributes -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
       -I"$pginc" -Isrc -o "$fz/code_parse_fuzz" "$HERE/fuzz/code_parse_fuzz.c" src/code_parse.c \
       "$(pg_config --pkglibdir)/libpgcommon.a" "$(pg_config --pkglibdir)/libpgport.a" >"$fz/build.log" 2>&1; then
  notok "fuzz-code: the fuzz target does not build"
  grep -E 'error' "$fz/build.log" | head -10 | sed 's/^/#   /'
else
  (cd "$fz" && ./code_parse_fuzz -seed=1 -runs="$FUZZ_CODE_RUNS" -max_len=300 -dict="$HERE/fuzz/code.dict" \
      -print_final_stats=1 corpus >"$fz/fuzz.log" 2>&1)
  rc=$?
  runs=$(grep -oE '^Done [0-9]+ runs' "$fz/fuzz.log" | grep -oE '[0-9]+')
  cov=$(grep -oE 'cov: [0-9]+' "$fz/fuzz.log" | tail -1)
  echo "# fuzz-code: ${runs:-0} inputs, ${cov:-no coverage line}, corpus $(ls "$fz/corpus" | wc -l) inputs"
  if ((rc == 0)) && [[ -n $runs ]]; then
    ok "fuzz-code: $runs inputs to the code parser without a crash, sanitizer report or broken round trip"
  else
    notok "fuzz-code: libFuzzer found a failing input (rc $rc)"
    grep -E 'check failed|ERROR: |SUMMARY|elog level' "$fz/fuzz.log" | head -10 | sed 's/^/#   /'
    ls "$fz"/crash-* 2>/dev/null | head -3 | while read -r f; do echo "#   input: $(base64 -w0 "$f")"; done
  fi
fi
