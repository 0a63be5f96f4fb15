#!/usr/bin/env bash
# test/hardening/durability.sh CLUSTER — values of every type of the extension survive pg_dump
# and pg_restore, and the upgrade test machinery works the day a second version exists.
#
# Run by test/run (suite "durability") against its running cluster; prints TAP-style
# "ok N - ..." / "not ok N - ..." lines.
#   1. a database holding every sample of every type (test/upgrade_data.sql: one column per
#      type of pg_type in schema clinnova, plus an array column per type; a type without a
#      sample fails here) is dumped with pg_dump -Fc and restored with pg_restore into a new
#      database, and dumped in plain SQL and restored with psql into another; the restored
#      tables must equal the original byte for byte in both text and binary COPY forms;
#   2. upgrade self-test (only when the extension is installed in test/run's private staged
#      copy of PostgreSQL, never system-wide): two synthetic older versions are added to the
#      staged extension directory — one whose update script really adds a function the old
#      version lacks, one whose update script forgets it — and test/upgrade.sh must pass the
#      first and fail the second.  The synthetic files are removed afterwards.
set -uo pipefail
source "$(dirname "$0")/../lib/pg.sh"
cd "$CLN_ROOT"
name=$1
[[ -n $CLN_TMP ]] || cln_die "CLN_TMP is not set: run through test/run"
q() { cln_psql "$name" -qAt "$@"; }
n=0 rc=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); echo "not ok $n - $*"; rc=1; }
work=$CLN_TMP/durability
mkdir -p "$work"
chmod 777 "$work"

# A canonical image of upgrade_values in database $1 (file $2): per row and column the text
# form and the binary (send) form in hex, arrays element by element (a binary array also
# carries its element type's OID, which differs between databases).
images() {
  q -d "$1" -o "$2" >/dev/null <<'SQL'
SELECT 'SELECT id' || string_agg(
         CASE WHEN t.typelem <> 0 AND t.typlen = -1
              THEN format(', %1$I::text, (SELECT string_agg(encode(%2$s(e), ''hex''), '','') FROM unnest(%1$I) e)',
                          a.attname, et.typsend::regproc)
              ELSE format(', %1$I::text, encode(%2$s(%1$I), ''hex'')', a.attname, t.typsend::regproc) END,
         '' ORDER BY a.attnum) || ' FROM upgrade_values ORDER BY id'
FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_type et ON et.oid = t.typelem
WHERE a.attrelid = 'upgrade_values'::regclass AND a.attnum > 1 AND NOT a.attisdropped
\gexec
SQL
  [[ -s $2 ]]
}

# ---- 1. pg_dump / pg_restore ----
for db in durability_src durability_custom durability_plain; do
  q -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
done
if q -d durability_src -c "CREATE EXTENSION clinnova" && q -d durability_src -f test/upgrade_data.sql >"$work/data.log" 2>&1; then
  ok "a database holds every sample of every type ($(q -d durability_src -c "SELECT count(*) - 1 FROM pg_attribute WHERE attrelid = 'upgrade_values'::regclass AND attnum > 0") columns)"
else
  notok "test/upgrade_data.sql failed"
  sed 's/^/#   /' "$work/data.log" | tail -20
fi
images durability_src "$work/src" || notok "could not read the original values"

export PGHOST=$(cln_host "$name") PGPORT=$(cln_port "$name") PGUSER=postgres
# restored LABEL DB WHAT: the values of database DB (restored by WHAT) equal the originals
restored() {
  if images "$2" "$work/$1" && cmp -s "$work/src" "$work/$1"; then
    ok "restored values equal the originals in text and binary form ($3)"
  else
    notok "restored values differ from the originals ($3)"
    diff "$work/src" "$work/$1" | head -10 | cut -c1-200 | sed 's/^/#   /'
  fi
}

if "$CLN_PGBIN/pg_dump" -Fc -d durability_src -f "$work/dump.custom" 2>"$work/dump.log" \
   && "$CLN_PGBIN/pg_restore" --exit-on-error -d durability_custom "$work/dump.custom" 2>"$work/restore.log"; then
  ok "pg_dump -Fc and pg_restore of every type"
else
  notok "pg_dump -Fc / pg_restore failed"
  cat "$work/dump.log" "$work/restore.log" | head -20 | sed 's/^/#   /'
fi
restored custom durability_custom "pg_restore"

if "$CLN_PGBIN/pg_dump" -Fp -d durability_src -f "$work/dump.sql" 2>"$work/dump.log" \
   && q -d durability_plain -v ON_ERROR_STOP=1 -f "$work/dump.sql" >"$work/restore.log" 2>&1; then
  ok "plain pg_dump restored with psql"
else
  notok "plain pg_dump / psql restore failed"
  cat "$work/dump.log" "$work/restore.log" | head -20 | sed 's/^/#   /'
fi
restored plain durability_plain "plain dump"
for db in durability_src durability_custom durability_plain; do
  q -c "DROP DATABASE IF EXISTS $db"
done

# ---- 2. upgrade self-test with synthetic older versions ----
extdir=$("$CLN_PGBIN/pg_config" --sharedir)/extension
if [[ $extdir != "$CLN_TMP"/* ]]; then
  ok "upgrade self-test # skip the extension is installed system-wide (run with CLINNOVA_STAGE=1)"
  exit $rc
fi
cur=$(q -c "SELECT default_version FROM pg_available_extensions WHERE name = 'clinnova'")
script=$extdir/clinnova--$cur.sql
# the function the synthetic old versions lack, and its definition from the current script
fn_sql=$(awk '/^CREATE FUNCTION clinnova.coxph_vcov\(/{s=1} s{print} s==1&&/^COMMENT ON FUNCTION clinnova.coxph_vcov/{s=2} s==2&&/;$/{exit}' "$script")
cleanup_versions() { rm -f "$extdir"/clinnova--0.0.*-hardening*.sql; }
trap cleanup_versions EXIT
cleanup_versions
# old scripts: the current one without that function
for v in 0.0.1-hardening 0.0.2-hardening; do
  awk '/^CREATE FUNCTION clinnova.coxph_vcov\(/{s=1} s==0{print} s==1&&/^COMMENT ON FUNCTION clinnova.coxph_vcov/{s=2} s==2&&/;$/{s=0}' \
    "$script" >"$extdir/clinnova--$v.sql"
done
{ echo '\echo Use "ALTER EXTENSION clinnova UPDATE" to load this file. \quit'; echo "$fn_sql"; } \
  >"$extdir/clinnova--0.0.1-hardening--$cur.sql"
echo '\echo Use "ALTER EXTENSION clinnova UPDATE" to load this file. \quit' >"$extdir/clinnova--0.0.2-hardening--$cur.sql"
chmod a+r "$extdir"/clinnova--0.0.*-hardening*.sql
if grep -q "coxph_vcov" "$extdir/clinnova--0.0.1-hardening.sql" || ! grep -q "CREATE FUNCTION clinnova.coxph_vcov" "$extdir/clinnova--0.0.1-hardening--$cur.sql"; then
  notok "could not build the synthetic versions from $script"
  exit 1
fi
test/upgrade.sh "$name" >"$work/upgrade.log" 2>&1
good=$(grep -cE '^ok .*0\.0\.1-hardening' "$work/upgrade.log")
good_bad=$(grep -cE '^not ok .*0\.0\.1-hardening' "$work/upgrade.log")
bad=$(grep -cE '^not ok .* objects after updating from 0\.0\.2-hardening differ' "$work/upgrade.log")
if ((good == 4 && good_bad == 0)); then
  ok "test/upgrade.sh passes a correct update script (stores values, updates, objects and values match)"
else
  notok "test/upgrade.sh did not pass the correct synthetic update"
  sed 's/^/#   /' "$work/upgrade.log" | head -30
fi
if ((bad == 1)); then
  ok "test/upgrade.sh fails an update script that forgets a function"
else
  notok "test/upgrade.sh did not notice the broken synthetic update"
  sed 's/^/#   /' "$work/upgrade.log" | head -30
fi
exit $rc
