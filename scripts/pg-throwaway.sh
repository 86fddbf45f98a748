# Starts and stops a throwaway PostgreSQL cluster in a temporary directory, listening only on a
# unix socket inside it. Source this file, then:
#   pg_throwaway_start     # sets BANKSCORE_TEST_PG_DSN and PG_THROWAWAY_DIR
#   pg_throwaway_stop      # stops the server and removes the directory
# Works as root (the server runs as the 'postgres' system user, which Debian's package creates).

pg_throwaway_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [[ -n "$dir" ]] || { echo "pg-throwaway: PostgreSQL server binaries not found" >&2; return 1; }
  echo "$dir"
}

pg_throwaway_start() {
  local bin run_as=() port=5432
  bin=$(pg_throwaway_bin) || return 1
  PG_THROWAWAY_DIR=$(mktemp -d /tmp/bankscore-pg.XXXXXX)
  if [[ $(id -u) -eq 0 ]]; then
    chown postgres:postgres "$PG_THROWAWAY_DIR"
    run_as=(runuser -u postgres --)
    # initdb and pg_ctl go back to the working directory, which must be one the postgres user can
    # enter; a checkout under /root is not. Run them from the temp dir, in a subshell.
  fi
  (cd "$PG_THROWAWAY_DIR" && "${run_as[@]}" "$bin/initdb" -D "$PG_THROWAWAY_DIR/data" -U postgres -A trust -E UTF8 \
    --no-locale >"$PG_THROWAWAY_DIR/initdb.log" 2>&1) \
    || { cat "$PG_THROWAWAY_DIR/initdb.log" >&2; return 1; }
  # No TCP listener: the socket lives in the temp dir, so parallel runs never collide on a port.
  (cd "$PG_THROWAWAY_DIR" && "${run_as[@]}" "$bin/pg_ctl" -D "$PG_THROWAWAY_DIR/data" \
    -l "$PG_THROWAWAY_DIR/server.log" -w \
    -o "-c listen_addresses='' -c unix_socket_directories='$PG_THROWAWAY_DIR' -p $port \
        -c fsync=off -c max_connections=50" start >/dev/null) \
    || { cat "$PG_THROWAWAY_DIR/server.log" >&2; return 1; }
  (cd "$PG_THROWAWAY_DIR" && "${run_as[@]}" "$bin/createdb" -h "$PG_THROWAWAY_DIR" -p $port -U postgres bankscore_test)
  export BANKSCORE_TEST_PG_DSN="host=$PG_THROWAWAY_DIR port=$port dbname=bankscore_test user=postgres"
  export PG_THROWAWAY_DIR
  echo "pg-throwaway: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on $PG_THROWAWAY_DIR"
}

pg_throwaway_stop() {
  [[ -n "${PG_THROWAWAY_DIR:-}" && -d "$PG_THROWAWAY_DIR" ]] || return 0
  local bin run_as=()
  bin=$(pg_throwaway_bin) || return 0
  if [[ $(id -u) -eq 0 ]]; then run_as=(runuser -u postgres --); fi
  (cd "$PG_THROWAWAY_DIR" && "${run_as[@]}" "$bin/pg_ctl" -D "$PG_THROWAWAY_DIR/data" -m immediate \
    stop >/dev/null 2>&1) || true
  rm -rf "$PG_THROWAWAY_DIR"
}
