#!/usr/bin/env bash
# Helpers of local/local.just: process bookkeeping and waits for the local stack.
set -euo pipefail

# 2xx from URL within SECONDS (python3 is a prerequisite; curl is not).
answers() {
  python3 - "$1" "$2" <<'PY'
import sys, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1], timeout=float(sys.argv[2])) as r:
        sys.exit(0 if 200 <= r.status < 300 else 1)
except Exception:
    sys.exit(1)
PY
}

command=${1:?usage: stack.sh healthy|stop|zips-stale|wait-file|wait-url ...}
shift

case "$command" in
  # healthy LOCAL_DIR: every recorded process alive and the API's /health answering.
  healthy)
    local_dir=$1
    [ -f "$local_dir/stack.json" ] || exit 1
    for name in moto runner; do
      pid=$(cat "$local_dir/pids/$name" 2>/dev/null) || exit 1
      kill -0 "$pid" 2>/dev/null || exit 1
    done
    api_url=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["api_url"])' "$local_dir/stack.json")
    answers "$api_url/health" 5
    ;;

  # stop LOCAL_DIR: TERM each recorded process group (runner first), KILL what is left after 10 s.
  stop)
    local_dir=$1
    for name in runner moto; do
      file="$local_dir/pids/$name"
      [ -f "$file" ] || continue
      pid=$(cat "$file")
      if kill -0 "$pid" 2>/dev/null; then
        # Started with setsid: the pid is its process group, function processes included.
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL -- "-$pid" 2>/dev/null || true
      fi
      rm -f "$file"
    done
    rm -f "$local_dir/stack.json"
    ;;

  # zips-stale ROOT: true when deployment/ lacks a manifest or a deployed crate changed after it.
  zips-stale)
    root=$1
    manifest="$root/deployment/manifest.json"
    [ -f "$manifest" ] || exit 0
    # What goes into a zip: each crate's src/ and Cargo.toml (tests, benches and the runner do not).
    changed=$(find "$root"/lambdas/*/src "$root"/lambdas/*/Cargo.toml \
      \( -path '*/local-runner/*' -o -path '*/test-support/*' \) -prune -o -type f -newer "$manifest" -print -quit)
    [ -n "$changed" ]
    ;;

  # wait-file FILE SECONDS: until FILE exists (a server's report of the port it bound).
  wait-file)
    file=$1 seconds=$2
    for _ in $(seq 1 $((seconds * 10))); do
      [ -s "$file" ] && exit 0
      sleep 0.1
    done
    echo "no $file after ${seconds}s" >&2
    exit 1
    ;;

  # wait-url URL SECONDS: until URL answers 2xx.
  wait-url)
    url=$1 seconds=$2
    for _ in $(seq 1 $((seconds * 5))); do
      answers "$url" 2 && exit 0
      sleep 0.2
    done
    echo "no answer from $url after ${seconds}s" >&2
    exit 1
    ;;

  *) echo "unknown command $command" >&2; exit 2 ;;
esac
