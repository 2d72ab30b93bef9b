#!/usr/bin/env bash
# Start the local services the tests use (Redis) when they are not already answering.
set -euo pipefail
REDIS_PORT="${REDIS_PORT:-6379}"

if (exec 3<>"/dev/tcp/127.0.0.1/${REDIS_PORT}") 2>/dev/null; then
  echo "redis: already answering on 127.0.0.1:${REDIS_PORT}"
elif command -v redis-server >/dev/null; then
  redis-server --daemonize yes --bind 127.0.0.1 --port "${REDIS_PORT}" --save "" --appendonly no
  echo "redis: started on 127.0.0.1:${REDIS_PORT}"
else
  echo "redis: not found; tests that need it will fail with a clear message" >&2
fi
