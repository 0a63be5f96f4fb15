# bench/federation.sh — the federation case of bench/run (sourced by it).
#
# Four site clusters on this machine (lu, ge, bw, bs), each with clinnova preloaded, a federation
# role and its own quarter of the benchmark table (the same rows the pooled table holds for that
# site), published with clinnova.federation_publish; the benchmark cluster is the coordinator and
# reaches them through postgres_fdw (clinnova.federation_add_site, over Unix sockets).  The
# federated analysis and the same analysis of the pooled table on the coordinator are timed
# interleaved.  The sites apply their disclosure control (min_cell_count 5, exact times), so the
# federated curve merges a few sparse risk-table rows that the pooled one keeps.

FED_SITES=(lu ge bw bs)
FED_READY=0
FED_PASSWORD=bench

# fpsql SITE [psql args...]: psql as postgres into a site's database
fpsql() {
  local s=$1
  shift
  cln_psql "site_$s" -d clinnova_site -q -At "$@"
}

# Start the four site clusters once.
fed_setup() {
  ((FED_READY)) && return 0
  local s port=5450
  for s in "${FED_SITES[@]}"; do
    log "starting federation site $s"
    cln_cluster_create "site_$s" "$port"
    cln_as_pg tee -a "$CLN_TMP/site_$s/data/postgresql.conf" >/dev/null <<EOF
# federation site of the benchmark: the guard preloaded, one federation role
shared_buffers = 1GB
work_mem = 256MB
max_parallel_workers_per_gather = 0
jit = off
shared_preload_libraries = 'clinnova'
clinnova.federation_roles = 'federation'
clinnova.min_cell_count = 5
EOF
    cln_cluster_start "site_$s"
    cln_psql "site_$s" -q -c "CREATE DATABASE clinnova_site" || return 1
    fpsql "$s" -c "CREATE EXTENSION clinnova" -c "CREATE SCHEMA bench" \
      -c "CREATE ROLE federation LOGIN PASSWORD '$FED_PASSWORD'" \
      -c "GRANT USAGE ON SCHEMA clinnova, bench TO federation" >/dev/null || return 1
    port=$((port + 1))
  done
  bq -c "CREATE EXTENSION IF NOT EXISTS postgres_fdw" >/dev/null || return 1
  FED_READY=1
}

# fed_load SIZE ROWS: each site's quarter of bench.cohort_SIZE, published; the coordinator
# (re)reads the sites' descriptions
fed_load() {
  local size=$1 rows=$2 s
  for s in "${FED_SITES[@]}"; do
    if [[ $(fpsql "$s" -c "SELECT to_regclass('bench.cohort_$size') IS NOT NULL") != t ]]; then
      log "loading site $s: its part of bench.cohort_$size"
      fpsql "$s" -v tbl="cohort_$size" -v rows="$rows" -v seed="$seed" -v sites="${s^^}" \
        -f bench/sql/load_cohort.sql >/dev/null || return 1
      fpsql "$s" -c "GRANT SELECT ON bench.cohort_$size TO federation" \
        -c "SELECT clinnova.federation_publish('bench.cohort_$size', ARRAY['id'])" >/dev/null || return 1
    fi
    if [[ -z $(bq -c "SELECT 1 FROM clinnova.federation_sites() WHERE name = '$s'") ]]; then
      bq -c "SELECT name FROM clinnova.federation_add_site('$s', '$(cln_host "site_$s")', $(cln_port "site_$s"),
             'clinnova_site', 'federation', '$FED_PASSWORD')" >/dev/null || return 1
    else
      bq -c "SELECT name FROM clinnova.federation_refresh_site('$s')" >/dev/null || return 1
    fi
  done
}

# bench_federation SIZE ROWS: federated KM (and logistic regression, when the federation module
# has it) over the four sites against the same analysis of the pooled table
bench_federation() {
  local size=$1 rows=$2 t=bench.cohort_$1
  if ! avail clinnova.federated_km; then
    skip federation_km "$size" federated "not available: clinnova.federated_km() not installed yet"
    return
  fi
  if ! fed_setup || ! fed_load "$size" "$rows"; then
    skip federation_km "$size" federated "setting up the four federation sites failed"
    return
  fi
  measure_group federation_km "$size" "$rows" \
    federated "SET max_parallel_workers_per_gather = 0" \
      "SELECT count(*) FROM clinnova.km_table((SELECT curve FROM clinnova.federated_km('cohort_$size', 'time', 'event')))" \
      "4 sites, km states pushed down and merged, whole curve" \
    "pooled local" "$SERIAL" \
      "SELECT count(*) FROM clinnova.km_table((SELECT clinnova.km(time, event) FROM $t))" \
      "the same rows in one local table, one backend"
  if ((rows > 1000000)); then
    skip federation_logreg "$size" federated "not measured above 1M rows (model fitting is timed at 100k and 1M)"
  elif avail clinnova.federated_logreg; then
    measure_group federation_logreg "$size" "$rows" \
      federated "SET max_parallel_workers_per_gather = 0" \
        "SELECT count(*) FROM clinnova.glm_coefs(clinnova.federated_logreg('cohort_$size', 'y', ARRAY['x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7', 'x8', 'x9', 'x10']))" \
        "4 sites, one IRLS step per round trip" \
      "pooled local" "$SERIAL" \
        "SELECT count(*) FROM clinnova.glm_coefs((SELECT clinnova.logreg(y, x) FROM $t))" \
        "the same rows in one local table"
  else
    skip federation_logreg "$size" federated "not available: clinnova.federated_logreg() not installed yet"
  fi
}
