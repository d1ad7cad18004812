#!/usr/bin/env bash
# A moto_server for the Terraform emulator runs (terraform/terraform.just, terraform/pipeline.just).
#   moto.sh start DIR   starts it on a free 127.0.0.1 port (moto picks and reports it, no
#                       port is guessed and raced for), state saved to DIR/moto.state, log in
#                       DIR/moto.log, its control secret (for save-moto's snapshot) in
#                       DIR/secrets.json; prints its endpoint URL
#   moto.sh stop DIR    stops it
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
command=${1:?usage: moto.sh start|stop DIR}
dir=${2:?usage: moto.sh start|stop DIR}

case "$command" in
  start)
    mkdir -p "$dir"
    rm -f "$dir/moto.port"
    (umask 077; python3 "$root/local/stack_json.py" new-secrets "$dir/secrets.json")
    "$root/.venv/bin/python" "$root/local/moto_server.py" -H 127.0.0.1 -p 0 --port-file "$dir/moto.port" \
      --save-state "$dir/moto.state" --secrets-file "$dir/secrets.json" > "$dir/moto.log" 2>&1 < /dev/null &
    echo $! > "$dir/moto.pid"
    for _ in $(seq 1 200); do
      [ -s "$dir/moto.port" ] && break
      if ! kill -0 "$(cat "$dir/moto.pid")" 2>/dev/null; then cat "$dir/moto.log" >&2; echo "moto_server died" >&2; exit 1; fi
      sleep 0.1
    done
    [ -s "$dir/moto.port" ] || { cat "$dir/moto.log" >&2; echo "moto_server reported no port" >&2; exit 1; }
    echo "http://127.0.0.1:$(cat "$dir/moto.port")"
    ;;
  stop)
    pid=$(cat "$dir/moto.pid" 2>/dev/null) || exit 0
    kill "$pid" 2>/dev/null || true
    # Not a child of this shell: wait for it to be gone.
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$dir/moto.pid"
    ;;
  *)
    echo "usage: moto.sh start|stop DIR" >&2
    exit 2
    ;;
esac
