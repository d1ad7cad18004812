#!/usr/bin/env python3
"""Builds every deployed Lambda and writes <out>/<function>.zip plus <out>/manifest.json
(architecture, profile, commit, source_date_epoch, and per function: zip, sha256 in hex and
base64, size), which Terraform reads and checks each zip against. A crate is deployed when
its Cargo.toml says [package.metadata.deployment] lambda = true.

The zips are reproducible: the same commit packaged twice gives the same bytes. Every entry
gets the commit's time (SOURCE_DATE_EPOCH, or the commit's when unset), a fixed mode and
a fixed compression level, in name order; what cargo-lambda zipped is rewritten that way.

  package.py               what ships: cargo-lambda + zig, the release profile, into deployment/
                           (LAMBDA_ARCHITECTURE selects x86_64, the default, or arm64)
  package.py --local DIR   for the local stack only: a native build with the `local` profile
                           (release behaviour, none of its optimisation; see Cargo.toml)
"""

import base64
import hashlib
import json
import os
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
    epoch = source_date_epoch()
    for function in functions:
        with zipfile.ZipFile(lambda_dir / function / "bootstrap.zip") as built:
            entries = {info.filename: (built.read(info), info.external_attr >> 16) for info in built.infolist()}
        write_reproducible_zip(out / f"{function}.zip", entries, epoch, compresslevel=9)


def build_local(functions: list[str], out: Path) -> None:
    """One native cargo build of every workspace binary, the local runner's included, as
    `just up` builds the runner (local/local.just): the same packages, so the same features
    and one compile of each dependency. Each function's binary is zipped as `bootstrap`
    with fixed timestamps, so a function whose binary did not change keeps its hash and
    Terraform leaves it alone."""
    subprocess.run(["cargo", "build", "--locked", "--profile", "local", "--workspace", "--bins"], cwd=ROOT, check=True)
    for function in functions:
        binary = (cargo_target_dir() / "local" / function).read_bytes()
        # The zip format's earliest time, not the commit's: a new commit that leaves a
        # binary unchanged must not change its zip.
        write_reproducible_zip(out / f"{function}.zip", {"bootstrap": (binary, 0o755)}, ZIP_EPOCH, compresslevel=1)


# 1980-01-01T00:00:00Z, the earliest time a zip entry can hold.
ZIP_EPOCH = 315532800


def source_date_epoch() -> int:
    """The time every release zip entry carries: SOURCE_DATE_EPOCH when set (the
    reproducible-builds convention), else the committer time of HEAD."""
    if "SOURCE_DATE_EPOCH" in os.environ:
        return int(os.environ["SOURCE_DATE_EPOCH"])
    try:
        return int(subprocess.check_output(["git", "log", "-1", "--format=%ct"], cwd=ROOT, text=True).strip())
    except (OSError, subprocess.CalledProcessError, ValueError):
        return ZIP_EPOCH


def head_commit() -> str | None:
    try:
        return subprocess.check_output(["git", "rev-parse", "HEAD"], cwd=ROOT, text=True, stderr=subprocess.DEVNULL).strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def write_reproducible_zip(path: Path, entries: dict[str, tuple[bytes, int]], epoch: int, compresslevel: int) -> None:
    """Writes entries (name -> (content, Unix mode)) so that the same entries and epoch
    always give the same bytes: name order, one timestamp (UTC; the zip format holds
    1980 to 2107 at two-second steps), mode 0755 for executables and 0644 for the rest,
    Unix as the creating system, deflate at the given level, no extra fields."""
    date_time = time.gmtime(min(max(epoch, ZIP_EPOCH), 4354819198))[:6]
    # Written aside and renamed: a stack may be reading the previous zip.
    staging = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(staging, "w") as archive:
        for name in sorted(entries):
            content, mode = entries[name]
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.create_system = 3
            info.external_attr = (0o100755 if mode & 0o111 else 0o100644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content, compresslevel=compresslevel)
    staging.replace(path)


def manifest_entry(zip_path: Path) -> dict:
    data = zip_path.read_bytes()
    digest = hashlib.sha256(data).digest()
    return {
        "zip": zip_path.name,
        "sha256": digest.hex(),
        "sha256_base64": base64.b64encode(digest).decode(),
        "size": len(data),
    }


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

    manifest = {
        "architecture": architecture,
        "profile": profile,
        # Local zips name no commit: a commit that changes no binary must not change them.
        "commit": None if local else head_commit(),
        "source_date_epoch": ZIP_EPOCH if local else source_date_epoch(),
        "functions": {function: manifest_entry(out / f"{function}.zip") for function in functions},
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
