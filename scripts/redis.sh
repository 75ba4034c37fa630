#!/usr/bin/env bash
# Starts or stops the Redis servers the Redis tests run against, all on free loopback ports:
#   scripts/redis.sh start DIR   one standalone redis-server and a three-primary Redis Cluster; prints
#                                `export OBJECTOS_REDIS=...` and `export OBJECTOS_REDIS_CLUSTER=...` on stdout
#                                (everything else goes to stderr), so callers run: eval "$(scripts/redis.sh start DIR)"
#   scripts/redis.sh stop DIR    shuts down every server started in DIR
# DIR holds the pid files, logs and cluster config files. Never touches the system Redis on 6379.
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
cmd="$1"
dir="$2"

log() { echo "redis.sh: $*" >&2; }

# A port is free when nothing listens on it (and, for cluster nodes, on its bus port +10000).
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pick_port() {
  local need_bus="$1" p tries=0
  while [ $tries -lt 200 ]; do
    tries=$((tries + 1))
    p=$((20000 + RANDOM % 30000))
    [ "$p" -eq 6379 ] && continue
    grep -qx "$p" "$dir/ports" 2>/dev/null && continue
    port_in_use "$p" && continue
    if [ "$need_bus" = yes ] && port_in_use $((p + 10000)); then continue; fi
    echo "$p"
    return 0
  done
  log "no free port found"
  return 1
}

start_server() {
  local port="$1"; shift
  mkdir -p "$dir/$port"
  echo "$port" >> "$dir/ports"
  redis-server --port "$port" --bind 127.0.0.1 --protected-mode no \
    --daemonize yes --pidfile "$dir/$port/redis.pid" --logfile "$dir/$port/redis.log" --dir "$dir/$port" \
    --save "" --appendonly no "$@" >&2
}

wait_ping() {
  local port="$1" i
  for i in $(seq 1 100); do
    if [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ]; then return 0; fi
    sleep 0.1
  done
  log "redis-server on port $port did not answer; log: $dir/$port/redis.log"
  cat "$dir/$port/redis.log" >&2 || true
  return 1
}

cluster_ok() {
  local port="$1" info
  info="$(redis-cli -h 127.0.0.1 -p "$port" cluster info 2>/dev/null | tr -d '\r')" || return 1
  echo "$info" | grep -qx 'cluster_state:ok' && echo "$info" | grep -qx 'cluster_slots_ok:16384' \
    && echo "$info" | grep -qx 'cluster_known_nodes:3'
}

do_start() {
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null \
    || { log "redis-server and redis-cli must be on PATH (Debian: apt-get install redis-server)"; exit 1; }
  mkdir -p "$dir"
  : > "$dir/ports"

  local standalone p1 p2 p3
  standalone="$(pick_port no)"
  start_server "$standalone"
  wait_ping "$standalone"

  p1="$(pick_port yes)"; start_server "$p1" --cluster-enabled yes --cluster-config-file "$dir/$p1/nodes.conf" --cluster-node-timeout 5000
  p2="$(pick_port yes)"; start_server "$p2" --cluster-enabled yes --cluster-config-file "$dir/$p2/nodes.conf" --cluster-node-timeout 5000
  p3="$(pick_port yes)"; start_server "$p3" --cluster-enabled yes --cluster-config-file "$dir/$p3/nodes.conf" --cluster-node-timeout 5000
  wait_ping "$p1"; wait_ping "$p2"; wait_ping "$p3"

  redis-cli --cluster create "127.0.0.1:$p1" "127.0.0.1:$p2" "127.0.0.1:$p3" --cluster-replicas 0 --cluster-yes >&2

  local i ok=no
  for i in $(seq 1 200); do
    if cluster_ok "$p1" && cluster_ok "$p2" && cluster_ok "$p3"; then ok=yes; break; fi
    sleep 0.1
  done
  if [ "$ok" != yes ]; then
    log "cluster did not reach state ok"
    redis-cli -h 127.0.0.1 -p "$p1" cluster info >&2 || true
    exit 1
  fi

  log "standalone on $standalone, cluster on $p1,$p2,$p3 (state ok)"
  echo "export OBJECTOS_REDIS=127.0.0.1:$standalone"
  echo "export OBJECTOS_REDIS_CLUSTER=127.0.0.1:$p1,127.0.0.1:$p2,127.0.0.1:$p3"
}

# A process counts as running unless it is gone or a zombie (containers without an init may not reap daemons).
alive() {
  kill -0 "$1" 2>/dev/null && [ "$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null)" != Z ]
}

do_stop() {
  [ -f "$dir/ports" ] || { log "nothing to stop in $dir"; return 0; }
  local port pid i
  while read -r port; do
    [ -n "$port" ] || continue
    pid="$(cat "$dir/$port/redis.pid" 2>/dev/null || true)"
    redis-cli -h 127.0.0.1 -p "$port" shutdown nosave >/dev/null 2>&1 || true
    if [ -n "$pid" ]; then
      for i in $(seq 1 50); do alive "$pid" || break; sleep 0.1; done
      if alive "$pid"; then kill -9 "$pid" 2>/dev/null || true; fi
    fi
  done < "$dir/ports"
  rm -f "$dir/ports"
  log "stopped servers in $dir"
}

case "$cmd" in
  start) do_start ;;
  stop) do_stop ;;
  *) usage ;;
esac
