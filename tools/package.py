#!/usr/bin/env python3
"""Builds every deployed Lambda and writes <out>/<function>.zip plus <out>/manifest.json
(architecture, profile, and per function: zip, sha256, size), which Terraform reads. A
crate is deployed when its Cargo.toml says [package.metadata.deployment] lambda = true.

  package.py               what ships: cargo-lambda + zig, the release profile, into deployment/
                           (LAMBDA_ARCHITECTURE selects x86_64, the default, or arm64)
  package.py --local DIR   for the local stack only: a native build with the `local` profile
                           (release behaviour, none of its optimisation; see Cargo.toml)
"""

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
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


def cargo_target_dir() -> Path:
    # Relative to the workspace, where cargo runs; an absolute path stays as it is.
    return ROOT / os.environ.get("CARGO_TARGET_DIR", "target")


def build_release(functions: list[str], architecture: str, out: Path) -> None:
    """cargo-lambda links against Lambda's glibc with zig; it writes bootstrap.zip per function."""
    lambda_dir = cargo_target_dir() / "lambda"
    # One codegen unit makes each crate's compile one thread, and the three AWS SDK crates
    # take minutes each: with a job per core on 2 cores, the third waits for one of the others.
    jobs = max(os.cpu_count() or 1, 4)
    command = ["cargo", "lambda", "build", "--release", "--target", TARGETS[architecture],
               "--jobs", str(jobs), "--output-format", "zip", "--lambda-dir", str(lambda_dir)]
    for function in functions:
        command += ["--package", function]
    subprocess.run(command, cwd=ROOT, check=True)
    for function in functions:
        shutil.copyfile(lambda_dir / function / "bootstrap.zip", out / f"{function}.zip")


def build_local(functions: list[str], out: Path) -> None:
    """One native cargo build of every workspace binary, the local runner's included, as
    `just up` builds the runner (local/local.just): the same packages, so the same features
    and one compile of each dependency. Each function's binary is zipped as `bootstrap`
    with fixed timestamps, so a function whose binary did not change keeps its hash and
    Terraform leaves it alone."""
    subprocess.run(["cargo", "build", "--locked", "--profile", "local", "--workspace", "--bins"], cwd=ROOT, check=True)
    for function in functions:
        info = zipfile.ZipInfo("bootstrap", date_time=(1980, 1, 1, 0, 0, 0))
        info.external_attr = 0o100755 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        binary = (cargo_target_dir() / "local" / function).read_bytes()
        # Written aside and renamed: a stack may be reading the previous zip.
        staging = out / f"{function}.zip.tmp"
        with zipfile.ZipFile(staging, "w", compresslevel=1) as archive:
            archive.writestr(info, binary)
        staging.replace(out / f"{function}.zip")


def main() -> int:
    local = len(sys.argv) == 3 and sys.argv[1] == "--local"
    if len(sys.argv) != 1 and not local:
        print("usage: package.py [--local DIR]", file=sys.stderr)
        return 2
    if local:
        # The runner executes the binaries on this machine: its architecture, whatever Lambda's.
        architecture = {"x86_64": "x86_64", "aarch64": "arm64"}[os.uname().machine]
        out, profile = Path(sys.argv[2]).resolve(), "local"
    else:
        architecture = os.environ.get("LAMBDA_ARCHITECTURE", "x86_64")
        if architecture not in TARGETS:
            print(f"LAMBDA_ARCHITECTURE must be one of {', '.join(TARGETS)}, not {architecture!r}", file=sys.stderr)
            return 2
        out, profile = OUT, "release"
    functions = deployed_functions()
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    print(f"package: building {', '.join(functions)} ({profile} profile, {architecture})", flush=True)
    if local:
        build_local(functions, out)
    else:
        build_release(functions, architecture, out)

    manifest = {"architecture": architecture, "profile": profile, "functions": {}}
    for function in functions:
        data = (out / f"{function}.zip").read_bytes()
        manifest["functions"][function] = {
            "zip": f"{function}.zip",
            "sha256_base64": base64.b64encode(hashlib.sha256(data).digest()).decode(),
            "size": len(data),
        }
    staging = out / "manifest.json.tmp"
    staging.write_text(json.dumps(manifest, indent=2) + "\n")
    staging.replace(out / "manifest.json")

    for function, entry in manifest["functions"].items():
        print(f"package: {function:20} {entry['size'] / 1024 / 1024:6.2f} MiB  {architecture}  {profile}")
    print(f"package: {len(functions)} functions in {time.monotonic() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
