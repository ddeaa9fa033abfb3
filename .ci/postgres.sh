# A throwaway PostgreSQL server for the tests, sourced by .ci/run (bash).
#
#   source .ci/postgres.sh   # installs PostgreSQL if missing (root, Debian), starts a cluster in a
#                            # temporary directory, exports SCOPEGATE_TEST_POSTGRES_URL, and stops
#                            # and deletes the cluster when the shell exits
#
# The cluster trusts every local connection and listens on 127.0.0.1 only, on a free high port; its
# socket, data and log stay in the temporary directory. As root, the server runs as the `postgres`
# user (PostgreSQL refuses to run as root).

scopegate_pg_bin() {
  printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | while read -r dir; do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; fi
  done | tail -n 1
}

# Whether something accepts connections on 127.0.0.1:$1.
scopegate_pg_port_taken() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

scopegate_pg_stop() {
  if [ -n "${SCOPEGATE_PG_DIR:-}" ] && [ -d "$SCOPEGATE_PG_DIR" ]; then
    if [ -f "$SCOPEGATE_PG_DIR/data/postmaster.pid" ]; then
      $SCOPEGATE_PG_AS "$SCOPEGATE_PG_BIN/pg_ctl" -D "$SCOPEGATE_PG_DIR/data" -m fast -w stop >/dev/null 2>&1 ||
        $SCOPEGATE_PG_AS "$SCOPEGATE_PG_BIN/pg_ctl" -D "$SCOPEGATE_PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 ||
        true
    fi
    rm -rf "$SCOPEGATE_PG_DIR"
  fi
  SCOPEGATE_PG_DIR=
}

scopegate_pg_start() {
  SCOPEGATE_PG_BIN=$(scopegate_pg_bin)
  if [ -z "$SCOPEGATE_PG_BIN" ]; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "postgres.sh: PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb), and installing it needs root" >&2
      return 1
    fi
    echo "postgres.sh: installing PostgreSQL" >&2
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql
    SCOPEGATE_PG_BIN=$(scopegate_pg_bin)
    if [ -z "$SCOPEGATE_PG_BIN" ]; then
      echo "postgres.sh: the postgresql package installed no /usr/lib/postgresql/*/bin/initdb" >&2
      return 1
    fi
  fi

  # As root, under /tmp: the server's user must be able to reach the directory.
  local base=${TMPDIR:-/tmp}
  [ "$(id -u)" -ne 0 ] || base=/tmp
  SCOPEGATE_PG_DIR=$(mktemp -d "$base/scopegate-postgres.XXXXXX")
  trap scopegate_pg_stop EXIT
  SCOPEGATE_PG_AS=
  if [ "$(id -u)" -eq 0 ]; then
    # The server may not run as root: use the package's `postgres` user, or create one.
    local user=postgres
    if ! id -u "$user" >/dev/null 2>&1; then
      user=scopegate-postgres
      id -u "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
    fi
    chown "$user" "$SCOPEGATE_PG_DIR"
    SCOPEGATE_PG_AS="runuser -u $user --"
  fi

  $SCOPEGATE_PG_AS "$SCOPEGATE_PG_BIN/initdb" -D "$SCOPEGATE_PG_DIR/data" -U postgres --auth=trust \
    --encoding=UTF8 --no-locale >"$SCOPEGATE_PG_DIR/initdb.log" 2>&1 || {
    cat "$SCOPEGATE_PG_DIR/initdb.log" >&2
    return 1
  }

  # A free port from a random start; another process may still take it first, so try a few.
  local port attempt
  port=$((50000 + RANDOM % 10000))
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    while scopegate_pg_port_taken "$port"; do port=$((port + 1)); done
    # fsync off: the cluster is deleted afterwards, so there is nothing to keep after a power loss.
    if $SCOPEGATE_PG_AS "$SCOPEGATE_PG_BIN/pg_ctl" -D "$SCOPEGATE_PG_DIR/data" -l "$SCOPEGATE_PG_DIR/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $SCOPEGATE_PG_DIR -c fsync=off -c max_connections=200" \
      start >/dev/null; then
      export SCOPEGATE_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
      echo "postgres.sh: PostgreSQL ($("$SCOPEGATE_PG_BIN/postgres" --version)) on 127.0.0.1:$port, data in $SCOPEGATE_PG_DIR" >&2
      return 0
    fi
    port=$((port + 1))
  done
  echo "postgres.sh: the server did not start; its log:" >&2
  cat "$SCOPEGATE_PG_DIR/server.log" >&2 || true
  return 1
}

scopegate_pg_start
