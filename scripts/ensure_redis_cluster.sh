#!/usr/bin/env bash
# Make sure a Redis Cluster of 3 masters and 3 replicas answers on 127.0.0.1, ports
# $REDIS_CLUSTER_PORT .. $REDIS_CLUSTER_PORT+5, for the tests and benchmarks that run on a cluster.
#
# A cluster whose six nodes all serve every slot is used as it is. Otherwise the nodes that are down
# are started (node files and data under $REDIS_CLUSTER_DIR), a node alone joins the cluster as a
# replica, and six new nodes are joined by `redis-cli --cluster create`. redis-server itself comes
# from ensure_services.sh's install.
#
# cluster-node-timeout is 1 s (the default is 15 s): a replica is promoted about 2 s after its master
# dies, inside the 5 s the serving path may answer 503 for. Each node keeps an append-only file: a
# master restarted before its replica replaced it must come back with its data, not empty (its
# replica would then copy the empty set). A node that rejoins as a replica is synced at once (Redis
# waits 5 s by default for more replicas to share the transfer): until then its new master has no
# replica, and new applications, acknowledged only once a replica holds them, wait.
set -euo pipefail
REDIS_CLUSTER_PORT="${REDIS_CLUSTER_PORT:-7000}"
REDIS_CLUSTER_DIR="${REDIS_CLUSTER_DIR:-${TMPDIR:-/tmp}/credit-redis-cluster-${REDIS_CLUSTER_PORT}}"
NODE_TIMEOUT_MS="${REDIS_CLUSTER_NODE_TIMEOUT_MS:-1000}"
START_TIMEOUT_S="${REDIS_CLUSTER_START_TIMEOUT_S:-120}"
PORTS=()
for offset in 0 1 2 3 4 5; do
  PORTS+=("$((REDIS_CLUSTER_PORT + offset))")
done

fail() {
  echo "redis cluster: $1" >&2
  exit 1
}

answering() {  # a process listens on the port (one still loading its data answers LOADING)
  redis-cli -p "$1" ping 2>/dev/null | grep -qE '^(PONG|LOADING)'
}

serving_commands() {
  redis-cli -p "$1" ping 2>/dev/null | grep -q PONG
}

node_ok() {
  redis-cli -p "$1" cluster info 2>/dev/null | grep -q '^cluster_state:ok'
}

serving_node() {  # the first node that serves every slot, if any
  local port
  for port in "${PORTS[@]}"; do
    if node_ok "${port}"; then
      echo "${port}"
      return 0
    fi
  done
  return 1
}

every_node_ok() {  # a cluster converges node by node: a client may ask any of them
  local port
  for port in "${PORTS[@]}"; do
    node_ok "${port}" || return 1
  done
}

command -v redis-server >/dev/null 2>&1 || fail "redis-server is not installed: run scripts/ensure_services.sh first."
if every_node_ok; then
  echo "redis cluster: already serving every slot from 127.0.0.1:${PORTS[0]}"
  exit 0
fi
mkdir -p "${REDIS_CLUSTER_DIR}"
for port in "${PORTS[@]}"; do
  if answering "${port}"; then
    continue
  fi
  # A node that was part of the cluster (a killed master since replaced by its replica, or every node
  # after a reboot) starts again from its node file and its append-only file, and rejoins: as a
  # replica when another node took its slots. A node without a node file is new.
  redis-server --daemonize yes --bind 127.0.0.1 --port "${port}" --dir "${REDIS_CLUSTER_DIR}" \
    --cluster-enabled yes --cluster-config-file "nodes-${port}.conf" \
    --cluster-node-timeout "${NODE_TIMEOUT_MS}" --save "" --appendonly yes \
    --appendfilename "appendonly-${port}.aof" --appenddirname "aof-${port}" \
    --repl-diskless-sync-delay 0 --hash-max-listpack-entries 512 \
    --logfile "${REDIS_CLUSTER_DIR}/redis-${port}.log" >/dev/null
done
# A restarted node replays its append-only file before it answers: a second on a quiet machine, many
# more on a busy one. Once it has answered, it may answer LOADING again for a moment (a replica loading
# its master's data after a full resync): the convergence loop below waits for that, not this one.
for port in "${PORTS[@]}"; do
  answered=""
  for _ in $(seq "$((START_TIMEOUT_S * 10))"); do
    if serving_commands "${port}"; then
      answered=yes
      break
    fi
    sleep 0.1
  done
  [ -n "${answered}" ] || fail "redis-server on port ${port} does not answer within ${START_TIMEOUT_S} s; \
its log (${REDIS_CLUSTER_DIR}/redis-${port}.log) ends with:
$(tail -n 15 "${REDIS_CLUSTER_DIR}/redis-${port}.log" 2>/dev/null)"
done
if member="$(serving_node)"; then
  # A node alone (new, or one that lost its node file) joins as a replica of the master with the fewest.
  for port in "${PORTS[@]}"; do
    if redis-cli -p "${port}" cluster info 2>/dev/null | grep -q '^cluster_known_nodes:1'; then
      redis-cli --cluster add-node "127.0.0.1:${port}" "127.0.0.1:${member}" --cluster-slave \
        >>"${REDIS_CLUSTER_DIR}/create.log" 2>&1 \
        || fail "joining 127.0.0.1:${port} failed; see ${REDIS_CLUSTER_DIR}/create.log"
    fi
  done
else
  nodes=()
  for port in "${PORTS[@]}"; do
    nodes+=("127.0.0.1:${port}")
  done
  redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes >"${REDIS_CLUSTER_DIR}/create.log" 2>&1 \
    || fail "redis-cli --cluster create failed; see ${REDIS_CLUSTER_DIR}/create.log (nodes of another cluster on these ports?)"
fi
for _ in $(seq 300); do  # a rejoining node converges within seconds; a new cluster within one
  if every_node_ok; then
    echo "redis cluster: serving every slot from 127.0.0.1:${PORTS[0]}-${PORTS[5]}"
    exit 0
  fi
  sleep 0.1
done
fail "the cluster on 127.0.0.1:${PORTS[0]}-${PORTS[5]} does not reach cluster_state:ok; see ${REDIS_CLUSTER_DIR}"
