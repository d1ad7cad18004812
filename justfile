# HealthTech signup & profile platform: every workflow lives here. `just` lists them.

set shell := ["bash", "-euo", "pipefail", "-c"]

venv := justfile_directory() / ".venv"
tools := justfile_directory() / ".tools"
export PATH := venv / "bin" + ":" + tools / "bin" + ":" + env_var("PATH")

import 'terraform/terraform.just'
import 'local/local.just'
import 'bench/bench.just'

# List the recipes.
default:
    @just --list --unsorted

# Install project-local tools into .venv: moto, cargo-lambda, zig, just, schemathesis.
setup:
    #!/usr/bin/env bash
    set -euo pipefail
    stamp="{{venv}}/.requirements.sha256"
    want=$(sha256sum tools/requirements.txt | cut -d' ' -f1)
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        echo "setup: installing tools/requirements.txt into .venv"
        python3 -m venv "{{venv}}"
        "{{venv}}/bin/pip" install --quiet --disable-pip-version-check -r tools/requirements.txt
        echo "$want" > "$stamp"
    fi

# Install what only the tests need: tools/srp-client/node_modules (amazon-cognito-identity-js, a real client the end-to-end suite signs in with; needs node and npm; pycognito, the other, comes with .venv), and Chromium, chromedriver and certutil for the browser tests.
setup-test-tools:
    #!/usr/bin/env bash
    set -euo pipefail
    client="{{justfile_directory()}}/tools/srp-client"
    if [ ! -f "$client/node_modules/.package-lock.json" ] || [ "$client/package-lock.json" -nt "$client/node_modules/.package-lock.json" ]; then
        echo "setup: installing tools/srp-client (npm ci)"
        npm ci --prefix "$client" --silent --no-audit --no-fund
    fi
    # The Hosted UI's browser test drives Debian's Chromium through chromedriver
    # (CHROMIUM and CHROMEDRIVER name others), and trusts the local HTTPS certificate with
    # NSS's certutil as the README tells a person to.
    if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ] || [ ! -x "${CHROMEDRIVER:-/usr/bin/chromedriver}" ] || ! command -v certutil >/dev/null; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            echo "setup: installing Debian's chromium, chromium-driver and libnss3-tools (apt-get)"
            apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver libnss3-tools > /dev/null
        else
            echo "setup: the browser test needs Chromium, chromedriver and certutil: sudo apt-get install chromium chromium-driver libnss3-tools (or set CHROMIUM and CHROMEDRIVER)" >&2
            exit 1
        fi
    fi

# Build the workspace (debug).
build:
    cargo build --workspace --all-targets

# Build every Lambda for Lambda's Linux (cargo-lambda + zig) into deployment/<function>.zip and deployment/manifest.json.
package: setup
    python3 tools/package.py

# Check formatting and lints (warnings are errors).
lint:
    cargo fmt --all --check
    cargo clippy --workspace --all-targets --locked -- -D warnings

# Run the Rust tests: domain, handlers from event fixtures, adapters and triggers against moto and s3s-fs, the runner, and the end-to-end journeys on a local stack.
test-rust: setup setup-test-tools
    #!/usr/bin/env bash
    set -euo pipefail
    log=$(mktemp)
    trap 'rm -f "$log"' EXIT
    # Every test binary runs even after one fails, so one failure hides no other.
    status=0
    cargo test --workspace --locked --no-fail-fast 2>&1 | tee "$log" || status=$?
    # One total over every test binary, as the closing line.
    awk '/^test result:/ { passed += $4; failed += $6 } END { printf "rust: %d passed, %d failed\n", passed, failed }' "$log"
    exit "$status"

# Run only the end-to-end journeys and security checks (authorization matrix, bad input, races, faults, schemathesis, log hygiene) on their own local stack.
test-security: setup setup-test-tools
    cargo test --locked -p local-runner --test e2e -- --nocapture

# Run every check CI runs: lint, package, Terraform (offline, checkov, applied to moto) beside them, then the Rust tests; prints how long each took.
test: setup
    #!/usr/bin/env bash
    set -euo pipefail
    just=("{{just_executable()}}" --justfile "{{justfile()}}")
    now() { date +%s%N; }
    since() { printf '%.0f s' "$(( $(now) - $1 ))e-9"; }
    started=$(now)
    # The Terraform checks spend much of their time waiting (the provider alone waits 55 s on
    # one resource), so they run beside the builds, on placeholder zips; their output is
    # shown when they end. Their apply is also the state the end-to-end stacks start from.
    terraform_log=$(mktemp)
    setsid bash -c 'set -e; t=$(date +%s); "$@"; echo "test: test-terraform passed in $(( $(date +%s) - t )) s"' \
      terraform "${just[@]}" test-terraform stubs > "$terraform_log" 2>&1 &
    terraform_job=$!
    trap 'kill -TERM -- "-$terraform_job" 2>/dev/null || true; rm -f "$terraform_log"' EXIT
    step() { local t; t=$(now); "${just[@]}" "$@"; echo "test: $* passed in $(since "$t")"; }
    step lint
    step package
    if ! wait "$terraform_job"; then cat "$terraform_log"; echo "test: test-terraform failed" >&2; exit 1; fi
    cat "$terraform_log"
    step test-rust
    echo "test: every check passed in $(since "$started")"

# What CI runs.
ci: test
