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

# Run every check CI runs: Terraform (offline, checkov, applied to moto), the release package and the test tools beside the lint-checked test build, then the Rust tests; prints how long each took.
test: setup
    #!/usr/bin/env bash
    set -euo pipefail
    just=("{{just_executable()}}" --justfile "{{justfile()}}")
    now() { date +%s%N; }
    since() { printf '%.0f s' "$(( $(now) - $1 ))e-9"; }
    started=$(now)
    # What mostly waits (Terraform: the provider alone waits 55 s on one resource; the
    # release build's fat LTO links on one core; apt and npm) runs beside the test build,
    # which takes the cores they leave. Each one's output is shown when it ends.
    declare -A pids logs
    trap 'for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done; rm -f "${logs[@]}"' EXIT
    beside() { # beside NAME RECIPE...: runs the recipe in the background
      local name=$1; shift
      logs[$name]=$(mktemp)
      setsid bash -c 't=$(date +%s); "${@:2}"; echo "test: $1 passed in $(( $(date +%s) - t )) s"' \
        bash "$name" "${just[@]}" "$@" > "${logs[$name]}" 2>&1 < /dev/null &
      pids[$name]=$!
      echo "test: $name started beside the build"
    }
    finished() { # finished NAME: waits for it and shows its output
      if ! wait "${pids[$1]}"; then cat "${logs[$1]}"; echo "test: $1 failed" >&2; exit 1; fi
      cat "${logs[$1]}"
      unset "pids[$1]"
    }
    step() { # step NAME COMMAND...
      local t; t=$(now); "${@:2}"; echo "test: $1 passed in $(since "$t")"
    }
    beside test-terraform test-terraform stubs
    beside package package
    beside setup-test-tools setup-test-tools
    step "cargo fmt --check" cargo fmt --all --check
    # Clippy lints the workspace inside the test build instead of in a check build of its
    # own: clippy-driver (what `cargo clippy` runs) compiles the workspace's crates for this
    # build and for test-rust's, so the dependencies are compiled once. `just lint` is the
    # same lints on their own.
    export RUSTC_WORKSPACE_WRAPPER="$(rustc --print sysroot)/bin/clippy-driver"
    export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
    step "clippy -D warnings and the test build" cargo test --workspace --all-targets --locked --no-run
    finished setup-test-tools
    finished package
    finished test-terraform
    step test-rust "${just[@]}" test-rust
    echo "test: every check passed in $(since "$started")"

# What CI runs.
ci: test
