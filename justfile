# HealthTech signup & profile platform: every workflow lives here. `just` lists them.

set shell := ["bash", "-euo", "pipefail", "-c"]

venv := justfile_directory() / ".venv"
tools := justfile_directory() / ".tools"
export PATH := venv / "bin" + ":" + tools / "bin" + ":" + env_var("PATH")
# Terraform and its AWS provider are short-lived Go processes that start the provider's
# schema over and over (each `terraform test` run starts it about three times): collecting
# garbage at 4x the live heap instead of 2x costs about 200 MB more and saves about a
# third of their CPU time.
export GOGC := env_var_or_default("GOGC", "400")

import 'terraform/terraform.just'
import 'terraform/pipeline.just'
import 'local/local.just'
import 'bench/bench.just'

# List the recipes.
default:
    @just --list --unsorted

# Install project-local tools into .venv (with uv): moto, cargo-lambda, zig, just, schemathesis, pycognito.
setup:
    #!/usr/bin/env bash
    set -euo pipefail
    stamp="{{venv}}/.requirements.sha256"
    want=$(sha256sum tools/requirements.txt | cut -d' ' -f1)
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        echo "setup: installing tools/requirements.txt into .venv"
        python3 -m venv "{{venv}}"
        # pip installs uv, and uv the rest: the same pinned packages in a few CPU-seconds
        # instead of half a CPU-minute. Neither compiles modules to bytecode up front: Python
        # compiles what it imports when it first does.
        "{{venv}}/bin/pip" install --quiet --disable-pip-version-check --no-compile "$(grep '^uv==' tools/requirements.txt)"
        "{{venv}}/bin/uv" pip install --quiet --python "{{venv}}/bin/python" -r tools/requirements.txt
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
    build=$(mktemp)
    trap 'rm -f "$build"' EXIT
    cargo test --workspace --locked --no-run --message-format=json-render-diagnostics > "$build"
    # Every test binary runs even after one fails, so one failure hides no other; one total
    # over them all is the closing line.
    status=0
    python3 tools/run_tests.py "$build" || status=$?
    cargo test --workspace --locked --doc
    exit "$status"

# Run only the end-to-end journeys and security checks (authorization matrix, bad input, races, faults, schemathesis, log hygiene) on their own local stack.
test-security: setup setup-test-tools
    cargo test --locked -p local-runner --test e2e -- --nocapture

# Run every check CI runs: Terraform (offline, checkov, applied to moto), the environments and the pipeline (offline, and its recipes on moto), the release package and the lint-checked test build side by side, then the Rust tests and the end-to-end suite on the release zips; prints how long each took.
test:
    #!/usr/bin/env bash
    set -euo pipefail
    just=("{{just_executable()}}" --justfile "{{justfile()}}")
    now() { date +%s%N; }
    since() { printf '%.0f s' "$(( $(now) - $1 ))e-9"; }
    started=$(now)
    e2e_build=$(mktemp)
    test_build=$(mktemp)
    declare -A pids logs
    trap 'for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done; rm -f "$e2e_build" "$test_build" "${logs[@]}"' EXIT
    beside() { # beside NICENESS NAME COMMAND...: runs the command in the background at that priority
      local niceness=$1 name=$2; shift 2
      logs[$name]=$(mktemp)
      # setsid puts it in a session of its own, which the kernel schedules as a group
      # (autogroup) beside the others whatever its processes' nice: the group's nice is set too.
      setsid bash -ec '{ echo "$1" > /proc/self/autogroup; } 2>/dev/null || true; t=$(date +%s); nice -n "$1" "${@:3}"
        echo "test: $2 passed in $(( $(date +%s) - t )) s"' \
        bash "$niceness" "$name" "$@" > "${logs[$name]}" 2>&1 < /dev/null &
      pids[$name]=$!
      echo "test: $name started"
    }
    finished() { # finished NAME: waits for it and shows its output
      if ! wait "${pids[$1]}"; then cat "${logs[$1]}"; echo "test: $1 failed" >&2; exit 1; fi
      cat "${logs[$1]}"
      unset "pids[$1]"
    }
    step() { # step NAME COMMAND...
      local t; t=$(now); "${@:2}"; echo "test: $1 passed in $(since "$t")"
    }
    # Two cores, and compiling takes nearly all of them. The end-to-end suite, the longest
    # test, needs the release zips, its own build and the applied module's state that its
    # `just up` restores; everything else runs beside it. The release build is the longest
    # chain (crates compiled on one thread each, then fat-LTO links), so it goes first
    # (nice 0) and the test builds take what it leaves (nice 10). The offline Terraform
    # checks feed nothing: they take only idle time (nice 19).
    step "cargo fmt --check" cargo fmt --all --check
    # Clippy lints the workspace inside the test builds instead of in a check build of its
    # own: clippy-driver (what `cargo clippy` runs) compiles the workspace's crates, so the
    # dependencies are compiled once. `just lint` is the same lints on their own. The
    # end-to-end suite's build is a part of the whole one (same features, same artifacts).
    # It needs none of the tools `just setup` installs, so it starts first.
    export RUSTC_WORKSPACE_WRAPPER="$(rustc --print sysroot)/bin/clippy-driver"
    export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
    build=(cargo test --workspace --locked --no-run --message-format=json-render-diagnostics)
    beside 10 "clippy -D warnings and the end-to-end suite's build" bash -c '"${@:2}" --test e2e > "$1"' bash "$e2e_build" "${build[@]}"
    step setup "${just[@]}" setup
    # What ships is compiled by rustc alone, as `just package` compiles it: clippy-driver
    # turns MIR optimisations off, so zips built through it would not be the ones CI vouches for.
    beside 0 package env -u RUSTC_WORKSPACE_WRAPPER -u CLIPPY_ARGS "${just[@]}" package
    beside 0 terraform-on-moto "${just[@]}" test-terraform-emulator stubs
    beside 0 setup-test-tools "${just[@]}" setup-test-tools
    beside 19 terraform-offline "${just[@]}" check-terraform scan-terraform check-environments check-pipeline
    # The pipeline's recipes on moto, as an upgrade from the previous release (bootstrap, the
    # previous release with users, this commit's saved plan, an empty plan after, a route
    # removed): about 110 CPU-seconds, most of its 7 minutes spent waiting on the emulator.
    beside 10 pipeline-on-moto "${just[@]}" test-pipeline-emulator stubs
    finished "clippy -D warnings and the end-to-end suite's build"
    finished setup-test-tools
    # The test binaries run without cargo (tools/run_tests.py), so none waits for the other's lock.
    beside 10 "clippy -D warnings, the test build and the other tests" bash -c \
      '"${@:2}" --all-targets > "$1" && python3 tools/run_tests.py "$1" --except e2e && cargo test --workspace --locked --doc' \
      bash "$test_build" "${build[@]}"
    finished terraform-on-moto
    finished package
    step e2e python3 tools/run_tests.py "$e2e_build" --only e2e
    finished "clippy -D warnings, the test build and the other tests"
    finished pipeline-on-moto
    finished terraform-offline
    echo "test: every check passed in $(since "$started")"

# What CI runs.
ci: test
