# steps/valgrind.sh — sourced by test/hardening/run: the pg_regress suite against a server
# running under valgrind memcheck (a second throwaway cluster).  Debian's PostgreSQL is not
# built with USE_VALGRIND, so memcheck sees palloc chunks only as parts of malloc'd blocks:
# it still finds reads and writes past large allocations, uses of uninitialised memory and
# invalid frees.  PostgreSQL's own benign reports (padding bytes in WAL / statistics / protocol
# writes) are suppressed by test/hardening/valgrind.supp; an error is a failure when one of
# the innermost VG_OWN_FRAMES frames of its stack is clinnova code: "(in .../clinnova.so)" or,
# since the library carries debug information, "(file.c:LINE)" naming one of src/*.c or
# src/*.h (deeper frames are only callers: the executor hook is in nearly every stack).  JIT is off in that
# cluster (LLVM's loader reports are not ours and JIT under memcheck takes minutes per query).
# VALGRIND_TESTS chooses the tests (default: the whole REGRESS list).
vg=$WORK/valgrind
mkdir -p "$vg"
chmod 777 "$vg"
if ! command -v valgrind >/dev/null; then
  ok "valgrind # skip valgrind is not installed (Debian package valgrind)"
else
  cln_cluster_create vg 5434
  cln_as_pg tee -a "$CLN_TMP/vg/data/postgresql.conf" >/dev/null <<CONF
max_parallel_workers_per_gather = 2
log_line_prefix = '%m [%p] %e '
jit = off
CONF
  vgsrv=$CLN_TMP/vg
  cp "$HERE/valgrind.supp" "$vg/valgrind.supp"	# readable by the server's OS user
  chmod a+r "$vg/valgrind.supp"
  cln_as_pg bash -c "valgrind --quiet --trace-children=yes --track-origins=yes --read-var-info=no --num-callers=40 \
      --error-limit=no --leak-check=no --suppressions='$vg/valgrind.supp' --log-file='$vg/vg.%p.log' \
      '$CLN_PGBIN/postgres' -D '$vgsrv/data' >'$vgsrv/server.log' 2>&1 &"
  for _ in $(seq 1 60); do
    "$CLN_PGBIN/pg_isready" -q -h "$vgsrv" -p 5434 && break
    sleep 1
  done
  if ! "$CLN_PGBIN/pg_isready" -q -h "$vgsrv" -p 5434; then
    notok "valgrind: the server did not start under valgrind"
    tail -5 "$vgsrv/server.log" | sed 's/^/#   /'
  else
    tests=${VALGRIND_TESTS:-$(make -s --eval='hz-print-regress: ; @echo $(REGRESS)' hz-print-regress)}
    t0=$(date +%s)
    PGHOST=$vgsrv PGPORT=5434 make -s installcheck REGRESS="$tests" >"$vg/regress.log" 2>&1
    t1=$(date +%s)
    rok=$(grep -cE '\.\.\. ok' "$vg/regress.log")
    rfail=$(grep -cE '\.\.\. (FAILED|failed)' "$vg/regress.log")
    echo "# valgrind: $((rok + rfail)) pg_regress tests in $((t1 - t0)) s under memcheck ($rok ok, $rfail with other output: valgrind is slow, so timing-dependent output may differ)"
    cln_as_pg "$CLN_PGBIN/pg_ctl" -D "$vgsrv/data" -m fast -w -t 300 stop >/dev/null 2>&1
    # error blocks: "==PID== <what>" then the stack; count those with a frame in clinnova code
    ourframe="clinnova\\.so|\\(($(cd src && ls *.c *.h | sed 's/\./\\\\./' | paste -sd'|')):[0-9]+\\)"
    total=0 ours=0
    for f in "$vg"/vg.*.log; do
      [[ -s $f ]] || continue
      read -r t o < <(awk -v ours="$ourframe" -v nown="${VG_OWN_FRAMES:-4}" '
        /^==[0-9]+== [^ ]/ && !/^==[0-9]+== +(at|by) / { if (inblk) { t++; if (hit) o++ } inblk = 1; hit = 0; depth = 0; next }
        /^==[0-9]+== +(at|by) / { if (++depth <= nown && $0 ~ ours) hit = 1; next }
        /^==[0-9]+== *$/ { if (inblk) { t++; if (hit) o++ } inblk = 0; hit = 0 }
        END { if (inblk) { t++; if (hit) o++ } print t + 0, o + 0 }' "$f")
      total=$((total + t)) ours=$((ours + o))
      if ((o > 0)); then
        awk -v ours="$ourframe" -v nown="${VG_OWN_FRAMES:-4}" '
          /^==[0-9]+== [^ ]/ && !/ (at|by) / { blk = ""; depth = 0 }
          { blk = blk "\n" $0 }
          / (at|by) / && ++depth <= nown && $0 ~ ours { print blk; blk = "" }' "$f" | head -40 >>"$vg/ours.txt"
      fi
    done
    echo "# valgrind: $(ls "$vg"/vg.*.log 2>/dev/null | wc -l) processes traced, $total error reports in all, $ours with a frame in clinnova code"
    check "(( rok + rfail > 0 && ours == 0 ))" "valgrind: no invalid read, write, free or use of uninitialised memory in clinnova code"
    [[ -s $vg/ours.txt ]] && head -40 "$vg/ours.txt" | sed 's/^/#   /'
  fi
fi
