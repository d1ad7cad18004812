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

# Install project-local tools: .venv (moto, cargo-lambda, zig, just), .tools (s3s-fs, an S3 server that checks signatures) and tools/srp-client/node_modules (amazon-cognito-identity-js, the real client the e2e suite signs in with; needs node and npm).
setup:
    #!/usr/bin/env bash
    set -euo pipefail
    stamp="{{venv}}/.requirements.sha256"
    want=$(sha256sum tools/requirements.txt | cut -d' ' -f1)
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        python3 -m venv "{{venv}}"
        "{{venv}}/bin/pip" install --quiet --disable-pip-version-check -r tools/requirements.txt
        echo "$want" > "$stamp"
    fi
    if [ ! -x "{{tools}}/bin/s3s-fs" ]; then
        CARGO_TARGET_DIR=target/tools cargo install --quiet --locked s3s-fs --version 0.14.1 --features binary --root "{{tools}}"
    fi
    client="{{justfile_directory()}}/tools/srp-client"
    if [ ! -f "$client/node_modules/.package-lock.json" ] || [ "$client/package-lock.json" -nt "$client/node_modules/.package-lock.json" ]; then
        npm ci --prefix "$client" --silent --no-audit --no-fund
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
test-rust: setup
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
test-security: setup
    cargo test --locked -p local-runner --test e2e -- --nocapture

# Run every check CI runs: lint, package, Terraform (offline, checkov, applied to moto), then the Rust tests.
test: setup lint package test-terraform test-rust

# What CI runs.
ci: test
