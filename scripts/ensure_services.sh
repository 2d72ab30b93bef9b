#!/usr/bin/env bash
# Make sure a Redis answers on 127.0.0.1:$REDIS_PORT for the tests and the demo.
#
# In order: one already answering is used; else redis-server from the PATH is started; else, when this
# user may install packages (root with apt-get, and REDIS_INSTALL is not 0), Debian's redis-server is
# installed and started; else the script stops with one sentence saying what to install. (PyPI has no
# embedded Redis server with Linux wheels, so no Python package can stand in.)
set -euo pipefail
REDIS_PORT="${REDIS_PORT:-6379}"
REDIS_INSTALL="${REDIS_INSTALL:-1}"

answering() {
  (exec 3<>"/dev/tcp/127.0.0.1/${REDIS_PORT}") 2>/dev/null
}

fail() {
  echo "redis: $1" >&2
  exit 1
}

if answering; then
  echo "redis: already answering on 127.0.0.1:${REDIS_PORT}"
  exit 0
fi
if ! command -v redis-server >/dev/null 2>&1; then
  if [[ "${REDIS_INSTALL}" != "0" && "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
    echo "redis: redis-server not found; installing Debian's package"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; } >/dev/null \
      || fail "installing Debian's redis-server failed; install Redis (apt-get install redis-server) and retry."
  else
    fail "no Redis answers on 127.0.0.1:${REDIS_PORT} and redis-server is not installed: install Redis (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) and run the command again."
  fi
fi
# Each client's 429 fields in one listpack, whatever redis.conf says (deploy/README.md, "Sizing").
redis-server --daemonize yes --bind 127.0.0.1 --port "${REDIS_PORT}" --save "" --appendonly no \
  --hash-max-listpack-entries 512 >/dev/null
for _ in $(seq 50); do
  if answering; then
    echo "redis: started on 127.0.0.1:${REDIS_PORT}"
    exit 0
  fi
  sleep 0.1
done
fail "redis-server was started but does not answer on 127.0.0.1:${REDIS_PORT}; is the port taken by another program?"
