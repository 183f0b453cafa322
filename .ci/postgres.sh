#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server: `.ci/postgres.sh <command…>`.
#
# Starts the machine's Debian PostgreSQL (installing it with apt-get only when missing) in a temporary directory, as a
# non-root user (PostgreSQL refuses to run as root), on a free loopback port, with OBJECTIVEAI_TEST_DATABASE_URL set
# for the command; stops it and removes the directory however the command ends.
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: $0 <command…>" >&2
  exit 2
fi

bin_dir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

if [ -z "$(bin_dir)" ]; then
  echo "PostgreSQL is not installed: installing it with apt-get" >&2
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq postgresql >/dev/null
fi
pg_bin="$(bin_dir)"

# The server runs as the invoking user, or, for root, as an unprivileged account.
run_as=()
if [ "$(id -u)" -eq 0 ]; then
  user=objectiveai-ci
  id -u "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
  run_as=(runuser -u "$user" --)
fi

dir="$(mktemp -d "${TMPDIR:-/tmp}/objectiveai-postgres.XXXXXX")"
[ "$(id -u)" -eq 0 ] && chown "$user" "$dir"

stop() {
  "${run_as[@]}" "$pg_bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT

port="$(node -e 'const s = require("node:net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close() })')"

"${run_as[@]}" "$pg_bin/initdb" -D "$dir/data" -U objectiveai -A trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 ||
  { cat "$dir/initdb.log" >&2; exit 1; }
"${run_as[@]}" "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }

export OBJECTIVEAI_TEST_DATABASE_URL="postgres://objectiveai@127.0.0.1:$port/postgres"
echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
"$@"
