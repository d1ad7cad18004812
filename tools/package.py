#!/usr/bin/env python3
"""Builds every deployed Lambda with cargo-lambda and writes deployment/<function>.zip
plus deployment/manifest.json (architecture, and per function: zip, sha256, size),
which Terraform reads. A crate is deployed when its Cargo.toml says
[package.metadata.deployment] lambda = true.

LAMBDA_ARCHITECTURE selects x86_64 (default) or arm64.
"""

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "deployment"
TARGETS = {"x86_64": "x86_64-unknown-linux-gnu", "arm64": "aarch64-unknown-linux-gnu"}


def deployed_functions() -> list[str]:
    metadata = json.loads(
        subprocess.check_output(["cargo", "metadata", "--format-version", "1", "--no-deps"], cwd=ROOT)
    )
    return sorted(
        p["name"]
        for p in metadata["packages"]
        if ((p.get("metadata") or {}).get("deployment") or {}).get("lambda") is True
    )


def main() -> int:
    architecture = os.environ.get("LAMBDA_ARCHITECTURE", "x86_64")
    if architecture not in TARGETS:
        print(f"LAMBDA_ARCHITECTURE must be one of {', '.join(TARGETS)}, not {architecture!r}", file=sys.stderr)
        return 2
    functions = deployed_functions()
    lambda_dir = ROOT / "target" / "lambda"
    started = time.monotonic()
    command = ["cargo", "lambda", "build", "--release", "--target", TARGETS[architecture],
               "--output-format", "zip", "--lambda-dir", str(lambda_dir)]
    for function in functions:
        command += ["--package", function]
    subprocess.run(command, cwd=ROOT, check=True)

    OUT.mkdir(exist_ok=True)
    manifest = {"architecture": architecture, "functions": {}}
    for function in functions:
        zip_path = OUT / f"{function}.zip"
        shutil.copyfile(lambda_dir / function / "bootstrap.zip", zip_path)
        data = zip_path.read_bytes()
        manifest["functions"][function] = {
            "zip": zip_path.name,
            "sha256_base64": base64.b64encode(hashlib.sha256(data).digest()).decode(),
            "size": len(data),
        }
    staging = OUT / "manifest.json.tmp"
    staging.write_text(json.dumps(manifest, indent=2) + "\n")
    staging.replace(OUT / "manifest.json")

    for function, entry in manifest["functions"].items():
        print(f"{function:20} {entry['size'] / 1024 / 1024:6.2f} MiB  {architecture}")
    print(f"packaged {len(functions)} functions in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
