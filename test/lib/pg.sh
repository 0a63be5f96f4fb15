# test/lib/pg.sh — shared shell library of the test suite, the demo and the benchmarks.
#
# Source it from bash.  It provides:
#   cln_require_deps [extra apt packages...]  check build/test dependencies; install them with apt
#                                             when run as root, else print the exact apt line and exit
#   cln_build [make variables...]             build the extension (make -j)
#   cln_install                               install it: system-wide when root (make install), else
#                                             (or with CLINNOVA_STAGE=1) into a private copy of the
#                                             PostgreSQL installation under $CLN_TMP
#   cln_cluster_create NAME [PORT]            initdb a throwaway cluster (superuser "postgres")
#   cln_cluster_start NAME / cln_cluster_stop NAME
#   cln_psql NAME [psql args...]              psql as postgres into cluster NAME
#   cln_cleanup                               stop every cluster this shell started, remove $CLN_TMP
# Clusters listen on a Unix socket in their own directory ($CLN_TMP/NAME) and, when
# CLN_TCP=1, on 127.0.0.1:PORT.  Nothing is left running: callers trap cln_cleanup on EXIT.

CLN_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CLN_PG_MAJOR=15
CLN_TMP=${CLN_TMP:-}
CLN_CLUSTERS=()
CLN_PGBIN=${CLN_PGBIN:-/usr/lib/postgresql/$CLN_PG_MAJOR/bin}
export CLN_TMP CLN_PGBIN

cln_log() { printf '%s\n' "$*" >&2; }
cln_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Directory for everything temporary; readable by the postgres user that runs the servers.
cln_tmp() {
  if [[ -z $CLN_TMP ]]; then
    CLN_TMP=$(mktemp -d "${TMPDIR:-/tmp}/clinnova.XXXXXX")
    chmod 755 "$CLN_TMP"
    export CLN_TMP
  fi
}

# Run a command as the OS user that owns the clusters (postgres when we are root).
cln_as_pg() {
  if [[ $(id -u) == 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# ---- dependencies ----------------------------------------------------------------------------

CLN_MULTIARCH=$( (gcc -print-multiarch || dpkg-architecture -qDEB_HOST_MULTIARCH) 2>/dev/null || echo x86_64-linux-gnu)

# Each check: a path that must exist, and the Debian package that provides it.
cln_missing_packages() {
  local -a checks=(
    "/usr/bin/gcc:gcc"
    "/usr/bin/make:make"
    "/usr/include/stdio.h:libc6-dev"
    "/usr/lib/postgresql/$CLN_PG_MAJOR/bin/postgres:postgresql-$CLN_PG_MAJOR"
    "/usr/share/postgresql/$CLN_PG_MAJOR/extension/postgres_fdw.control:postgresql-contrib"
    "/usr/include/postgresql/$CLN_PG_MAJOR/server/postgres.h:postgresql-server-dev-$CLN_PG_MAJOR"
    "/usr/lib/$CLN_MULTIARCH/openblas-serial/libopenblas.so:libopenblas-serial-dev"
    "/usr/share/postgresql/$CLN_PG_MAJOR/extension/pgtap.control:postgresql-$CLN_PG_MAJOR-pgtap"
    "/usr/bin/pg_prove:libtap-parser-sourcehandler-pgtap-perl"
  )
  local c
  for c in "${checks[@]}"; do
    [[ -e ${c%%:*} ]] || printf '%s\n' "${c##*:}"
  done
  for c in "$@"; do
    dpkg -s "$c" >/dev/null 2>&1 || printf '%s\n' "$c"
  done
}

# Install what is missing (root) or say exactly what to install (non-root).
cln_require_deps() {
  local missing
  missing=$(cln_missing_packages "$@" | sort -u | tr '\n' ' ')
  missing=${missing% }
  [[ -z $missing ]] && return 0
  if [[ $(id -u) != 0 ]] || ! command -v apt-get >/dev/null; then
    cln_log "missing packages: $missing"
    cln_log "install them with:"
    cln_log "  sudo apt-get update && sudo apt-get install -y $missing"
    exit 1
  fi
  cln_log "installing missing packages: $missing"
  # Do not let the postgresql package create and start a "main" cluster we would leave running.
  if [[ ! -e /etc/postgresql-common/createcluster.conf ]]; then
    mkdir -p /etc/postgresql-common
    echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.conf
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || cln_die "apt-get update failed"
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >"${TMPDIR:-/tmp}/clinnova-apt.log" 2>&1 \
    || { tail -20 "${TMPDIR:-/tmp}/clinnova-apt.log" >&2; cln_die "apt-get install failed"; }
  missing=$(cln_missing_packages "$@" | tr '\n' ' ')
  [[ -z ${missing// /} ]] || cln_die "still missing after install: $missing"
}

# ---- build and install -----------------------------------------------------------------------

# Build with the given make variables (e.g. WERROR=1 ASSERTS=1).
cln_build() {
  make -C "$CLN_ROOT" -s -j"$(nproc)" "$@" >/dev/null \
    || { make -C "$CLN_ROOT" "$@" 2>&1 | tail -40 >&2; cln_die "build failed"; }
}

# Install system-wide when root, else into a staged copy of the PostgreSQL installation.
cln_install() {
  cln_tmp
  if [[ $(id -u) == 0 && ${CLINNOVA_STAGE:-0} != 1 ]]; then
    make -C "$CLN_ROOT" -s install "$@" >/dev/null || cln_die "make install failed"
    export CLN_PGBIN=/usr/lib/postgresql/$CLN_PG_MAJOR/bin
    return
  fi
  # A relocatable copy: PostgreSQL finds its share and lib directories relative to its binaries.
  local stage=$CLN_TMP/stage d
  for d in "$(pg_config --bindir)" "$(pg_config --pkglibdir)" "$(pg_config --sharedir)"; do
    mkdir -p "$stage$(dirname "$d")"
    [[ -d $stage$d ]] || cp -a "$d" "$stage$d"
  done
  make -C "$CLN_ROOT" -s install DESTDIR="$stage" "$@" >/dev/null || cln_die "staged make install failed"
  export CLN_PGBIN=$stage$(pg_config --bindir)
  chmod -R a+rX "$stage"
}

# ---- clusters --------------------------------------------------------------------------------

# cln_cluster_create NAME [PORT]: initdb into $CLN_TMP/NAME/data; settings may be appended later
# to $CLN_TMP/NAME/data/postgresql.conf.
cln_cluster_create() {
  local name=$1 port=${2:-5432} dir
  cln_tmp
  dir=$CLN_TMP/$name
  mkdir -p "$dir"
  [[ $(id -u) == 0 ]] && chown postgres:postgres "$dir"
  cln_as_pg "$CLN_PGBIN/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; cln_die "initdb of cluster $name failed"; }
  local listen="''"
  [[ ${CLN_TCP:-0} == 1 ]] && listen="'127.0.0.1'"
  cln_as_pg tee -a "$dir/data/postgresql.conf" >/dev/null <<EOF
# clinnova throwaway cluster "$name"
port = $port
listen_addresses = $listen
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
logging_collector = off
max_worker_processes = 16
max_parallel_workers = 8
EOF
  echo "$port" >"$dir/port"
}

# Start cluster NAME and wait until it accepts connections.
cln_cluster_start() {
  local name=$1 dir=$CLN_TMP/$1
  cln_as_pg "$CLN_PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
    || { tail -20 "$dir/server.log" >&2; cln_die "cluster $name failed to start (see log above)"; }
  CLN_CLUSTERS+=("$name")
}

# Stop cluster NAME (fast shutdown).
cln_cluster_stop() {
  local dir=$CLN_TMP/$1
  [[ -f $dir/data/postmaster.pid ]] && cln_as_pg "$CLN_PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1
  return 0
}

# Connection facts of cluster NAME.
cln_host() { echo "$CLN_TMP/$1"; }
cln_port() { cat "$CLN_TMP/$1/port"; }

# psql as postgres into cluster NAME: cln_psql NAME [-d DB] [psql args...]
cln_psql() {
  local name=$1
  shift
  PGHOST=$(cln_host "$name") PGPORT=$(cln_port "$name") PGUSER=postgres \
    "$CLN_PGBIN/psql" -X -v ON_ERROR_STOP=1 "$@"
}

# Stop everything this shell started and remove the temporary directory.
cln_cleanup() {
  local n
  for n in "${CLN_CLUSTERS[@]}"; do
    cln_cluster_stop "$n"
  done
  CLN_CLUSTERS=()
  if [[ -n $CLN_TMP && -d $CLN_TMP && ${CLN_KEEP:-0} != 1 ]]; then
    rm -rf "$CLN_TMP"
  fi
}
