#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the lake tests: its own folder, 127.0.0.1 only, trust
# authentication for local connections, database `pantau`. Prints the libpq connection string.
# Usage: .ci/postgres.sh start FOLDER [PORT] | .ci/postgres.sh stop FOLDER
set -euo pipefail
action="$1"; folder="$2"; port="${3:-55432}"
bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
# PostgreSQL refuses to run as root: as root the cluster belongs to the `postgres` user.
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "$action" in
  start)
    mkdir -p "$folder"
    [ "$(id -u)" = 0 ] && chown postgres "$folder"
    as_owner "$bin/initdb" -D "$folder/data" -U postgres --auth=trust -E UTF8 >/dev/null
    as_owner "$bin/pg_ctl" -D "$folder/data" -l "$folder/log" -w \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $folder -c max_connections=200 -c fsync=off" start >/dev/null
    as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres pantau
    echo "dbname=pantau host=127.0.0.1 port=$port user=postgres"
    ;;
  stop)
    as_owner "$bin/pg_ctl" -D "$folder/data" -m fast stop >/dev/null
    ;;
esac
