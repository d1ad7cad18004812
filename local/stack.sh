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

command=${1:?usage: stack.sh healthy|stop|zips-stale|cache-key|save-moto|cache-store|cache-fetch|build-zips|wait-file|wait-url ...}
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

  # stop LOCAL_DIR [NAME...]: TERM each recorded process group (default: a first apply still
  # running, the runner, then moto), KILL what is left after 10 s. Stopping moto retires
  # stack.json.
  stop)
    local_dir=$1; shift
    names=("$@")
    [ ${#names[@]} -gt 0 ] || names=(first-apply runner moto)
    for name in "${names[@]}"; do
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
    case " ${names[*]} " in *" moto "*) rm -f "$local_dir/stack.json" ;; esac
    ;;

  # zips-stale ROOT DIR: true when DIR lacks a manifest or a deployed crate changed after it.
  zips-stale)
    root=$1
    manifest="$2/manifest.json"
    [ -f "$manifest" ] || exit 0
    # What goes into a zip: each crate's src/ and Cargo.toml (tests, benches and the runner do not).
    changed=$(find "$root"/lambdas/*/src "$root"/lambdas/*/Cargo.toml "$root/Cargo.toml" "$root/Cargo.lock" \
      \( -path '*/local-runner/*' -o -path '*/test-support/*' \) -prune -o -type f -newer "$manifest" -print -quit)
    [ -n "$changed" ]
    ;;

  # cache-key ROOT: names moto's state right after `terraform apply`: the module as
  # prepare-terraform-emulator copies it, the recipe that copies it, moto and its wrapper,
  # Terraform and the AWS provider it would install. The zips and TF_VAR_* are not in it: an
  # apply on the restored state takes them in, as an apply in production would.
  cache-key)
    root=$1
    cd "$root"
    {
      find terraform \( -name .terraform -o -name tests \) -prune -o -type f \
        \( -name '*.tf' -o -name '*.tftpl' -o -name '*.json' \) ! -name '*_override.tf' ! -name backend.tf -print \
        | LC_ALL=C sort | xargs sha256sum
      sha256sum terraform/terraform.just tools/requirements.txt local/moto_server.py
      terraform version -json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["terraform_version"])'
      # The provider: the mirror's versions offline (TF_PLUGIN_DIR), else the module's constraint.
      if [ -n "${TF_PLUGIN_DIR:-}" ]; then find "$TF_PLUGIN_DIR" -name 'terraform-provider-aws*' | LC_ALL=C sort; fi
    } | sha256sum | cut -c1-16
    ;;

  # save-moto MOTO_URL SECRETS_FILE: moto writes its whole state to the file it was given
  # (--save-state); a control endpoint, so the call carries the stack's control secret.
  save-moto)
    python3 - "$1" "$2" <<'PY'
import json, sys, urllib.request
secret = json.load(open(sys.argv[2]))["control_secret"]
request = urllib.request.Request(sys.argv[1] + "/_local/save-state", method="POST",
                                 headers={"X-Local-Control-Secret": secret})
urllib.request.urlopen(request, timeout=120)
PY
    ;;

  # cache-store DIR FILE...: DIR becomes a copy of the FILEs (atomically); the three
  # newest entries beside it are kept.
  cache-store)
    dir=$1; shift
    parent=$(dirname "$dir")
    mkdir -p "$parent"
    staging=$(mktemp -d "$parent/.staging.XXXXXX")
    cp "$@" "$staging/"
    # Stacks starting side by side (the end-to-end tests) may store at the same time.
    exec 9> "$dir.lock"
    flock 9
    rm -rf "$dir.old"
    if [ -d "$dir" ]; then mv "$dir" "$dir.old"; fi
    mv "$staging" "$dir"
    rm -rf "$dir.old"
    # The three newest stay; an older one is moved aside under its own lock, then removed.
    # shellcheck disable=SC2012 # names are hex keys
    ls -1dt "$parent"/*/ 2>/dev/null | tail -n +4 | while read -r old; do
      old=${old%/}
      (flock 8; mv "$old" "$parent/.trash.$(basename "$old").$$" 2>/dev/null || true) 8> "$old.lock"
    done
    rm -rf "$parent"/.trash.*
    ;;

  # cache-fetch DIR TO: TO becomes a copy of DIR, taken whole; false when there is no DIR.
  cache-fetch)
    dir=$1 to=$2
    [ -d "$dir" ] || exit 1
    exec 9> "$dir.lock"
    flock 9
    rm -rf "$to"
    cp -r "$dir" "$to"
    ;;

  # build-zips ROOT DIR: the local-profile zips in DIR rebuilt when a deployed crate changed,
  # once for stacks starting side by side (they wait on one lock and check again).
  build-zips)
    root=$1 dir=$2
    mkdir -p "$dir"
    exec 9> "$dir.lock"
    flock 9
    "$0" zips-stale "$root" "$dir" || exit 0
    cd "$root"
    python3 tools/package.py --local "$dir" 2>&1 | sed 's/^/  /'
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
