#!/usr/bin/env bash
# test/upgrade.sh CLUSTER — ALTER EXTENSION clinnova UPDATE from every earlier version.
#
# For each version PostgreSQL lists for clinnova other than the default one: create it in a
# scratch database, store values of its types (test/upgrade_data.sql, run if present), update to
# the default version, and require that (1) the stored values read back unchanged and (2) the
# extension's objects are exactly those of a fresh install of the default version.
# Prints TAP-style "ok N - ..." / "not ok N - ..." lines.
set -uo pipefail
source "$(dirname "$0")/lib/pg.sh"
cd "$CLN_ROOT"
name=$1
[[ -n $CLN_TMP ]] || cln_die "CLN_TMP is not set: run through test/run"
q() { cln_psql "$name" -qAt "$@"; }

# A canonical text of every object of the extension: members, function definitions, aggregate
# support functions and table columns.  Two installs are equal when these texts are.
describe_sql=$(cat <<'SQL'
WITH ext AS (SELECT oid FROM pg_extension WHERE extname = 'clinnova'),
members AS (
  SELECT pg_describe_object(classid, objid, objsubid) AS d, classid, objid
  FROM pg_depend, ext WHERE refclassid = 'pg_extension'::regclass AND refobjid = ext.oid AND deptype = 'e')
SELECT d || coalesce(' :: ' || (SELECT pg_get_functiondef(p.oid) FROM pg_proc p
                                 WHERE m.classid = 'pg_proc'::regclass AND p.oid = m.objid AND p.prokind <> 'a'), '')
         || coalesce(' :: ' || (SELECT concat_ws(',', aggtransfn, aggfinalfn, aggcombinefn, aggserialfn,
                                                 aggdeserialfn, aggtranstype::regtype, aggfinalmodify)
                                 FROM pg_aggregate a WHERE m.classid = 'pg_proc'::regclass AND a.aggfnoid = m.objid), '')
         || coalesce(' :: ' || (SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum)
                                 FROM pg_attribute WHERE m.classid = 'pg_class'::regclass AND attrelid = m.objid
                                   AND attnum > 0 AND NOT attisdropped), '')
FROM members m ORDER BY 1;
SQL
)

default=$(q -c "SELECT default_version FROM pg_available_extensions WHERE name = 'clinnova'")
mapfile -t versions < <(q -c "SELECT version FROM pg_available_extension_versions
                              WHERE name = 'clinnova' AND version <> '$default' ORDER BY version")
if ((${#versions[@]} == 0)); then
  echo "# only version $default exists: no update path to test yet"
  exit 0
fi

q -c "DROP DATABASE IF EXISTS upgrade_fresh" -c "CREATE DATABASE upgrade_fresh"
q -d upgrade_fresh -c "CREATE EXTENSION clinnova"
fresh=$(q -d upgrade_fresh -c "$describe_sql")

n=0 rc=0
for v in "${versions[@]}"; do
  db="upgrade_from_${v//[^0-9a-zA-Z]/_}"
  q -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  q -d "$db" -c "CREATE EXTENSION clinnova VERSION '$v'"
  before=""
  if [[ -f test/upgrade_data.sql ]]; then
    n=$((n + 1))
    if q -d "$db" -f test/upgrade_data.sql >"$CLN_TMP/upgrade_data.log" 2>&1 \
       && before=$(q -d "$db" -c "SELECT * FROM upgrade_values ORDER BY 1") && [[ -n $before ]]; then
      echo "ok $n - values of every type stored in version $v (test/upgrade_data.sql)"
    else
      echo "not ok $n - test/upgrade_data.sql failed on version $v"
      tail -20 "$CLN_TMP/upgrade_data.log" | sed 's/^/#   /'
      rc=1 before=""
    fi
  fi
  n=$((n + 1))
  if q -d "$db" -c "ALTER EXTENSION clinnova UPDATE"; then
    echo "ok $n - ALTER EXTENSION clinnova UPDATE from $v to $default"
  else
    echo "not ok $n - ALTER EXTENSION clinnova UPDATE from $v to $default"; rc=1; continue
  fi
  n=$((n + 1))
  after=$(q -d "$db" -c "$describe_sql")
  if [[ $after == "$fresh" ]]; then
    echo "ok $n - objects after updating from $v equal a fresh install of $default"
  else
    echo "not ok $n - objects after updating from $v differ from a fresh install of $default"
    diff <(echo "$fresh") <(echo "$after") | head -40 | sed 's/^/#   /'
    rc=1
  fi
  if [[ -n $before ]]; then
    n=$((n + 1))
    if [[ $(q -d "$db" -c "SELECT * FROM upgrade_values ORDER BY 1") == "$before" ]]; then
      echo "ok $n - stored values read back unchanged after updating from $v"
    else
      echo "not ok $n - stored values changed after updating from $v"; rc=1
    fi
  fi
done
exit $rc
