# HealthTech signup & profile platform: every workflow lives here. `just` lists them.

set shell := ["bash", "-euo", "pipefail", "-c"]
set dotenv-load := false

venv := justfile_directory() / ".venv"
export PATH := venv / "bin" + ":" + env_var("PATH")

import 'terraform/terraform.just'

# List the recipes.
default:
    @just --list --unsorted

# Install the project-local tools (Python venv with moto, cargo-lambda, zig, just).
setup:
    #!/usr/bin/env bash
    set -euo pipefail
    stamp="{{venv}}/.requirements.sha256"
    want=$(sha256sum tools/requirements.txt | cut -d' ' -f1)
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then exit 0; fi
    python3 -m venv "{{venv}}"
    "{{venv}}/bin/pip" install --quiet --disable-pip-version-check -r tools/requirements.txt
    echo "$want" > "$stamp"
