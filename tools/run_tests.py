#!/usr/bin/env python3
"""Runs the test executables a `cargo test --no-run --message-format=json` build wrote, as
`cargo test --no-fail-fast` would run them (each from its package's directory, every one
even after a failure), without cargo's lock on the build directory: `just test` runs the
end-to-end binary and the others side by side, each as soon as what it needs is ready.

  run_tests.py MESSAGES [--only NAME | --except NAME]

NAME is a test target's name (e2e). Prints cargo's "Running" lines and each binary's
output, then one total: "rust: N passed, M failed (WHICH)". Exits 1 when anything failed.
Doc tests are not executables: `just test` runs them with `cargo test --doc`.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

RESULT = re.compile(r"^test result: \w+\. (\d+) passed; (\d+) failed;")


def test_executables(messages: Path) -> list[dict]:
    """What `cargo test` runs: the test builds of libs, bins and integration tests (not benches or examples)."""
    found = {}
    for line in messages.read_text().splitlines():
        if not line.startswith("{"):
            continue
        message = json.loads(line)
        if message.get("reason") != "compiler-artifact" or not message.get("executable"):
            continue
        target = message["target"]
        if not message["profile"]["test"] or set(target["kind"]) & {"bench", "example"}:
            continue
        found[message["executable"]] = {
            "executable": message["executable"],
            "name": target["name"],
            "src": target["src_path"],
            "package_dir": str(Path(message["manifest_path"]).parent),
            "order": (message["package_id"], 0 if "lib" in target["kind"] else 1 if "bin" in target["kind"] else 2, target["name"]),
        }
    return sorted(found.values(), key=lambda t: t["order"])


def main() -> int:
    args = sys.argv[1:]
    if len(args) not in (1, 3) or (len(args) == 3 and args[1] not in ("--only", "--except")):
        print("usage: run_tests.py MESSAGES [--only NAME | --except NAME]", file=sys.stderr)
        return 2
    messages = Path(args[0])
    selected = test_executables(messages)
    which = "every test binary"
    if len(args) == 3:
        mode, name = args[1], args[2]
        if name not in {t["name"] for t in selected}:
            print(f"run_tests: no test target named {name!r} in {messages}", file=sys.stderr)
            return 2
        selected = [t for t in selected if (t["name"] == name) == (mode == "--only")]
        which = name if mode == "--only" else f"every test binary but {name}"
    if not selected:
        print(f"run_tests: no test executables in {messages}", file=sys.stderr)
        return 2

    passed = failed = 0
    broken = []
    for test in selected:
        root = Path(test["package_dir"])
        src = Path(test["src"])
        print(f"     Running {src.relative_to(root) if src.is_relative_to(root) else src} ({test['executable']})", flush=True)
        process = subprocess.Popen([test["executable"]], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        counted = False
        for line in process.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            if match := RESULT.match(line):
                passed += int(match[1])
                failed += int(match[2])
                counted = True
        if process.wait() != 0:
            broken.append(test["executable"])
            if not counted:  # it died before its summary: count it as one failure
                failed += 1
    for executable in broken:
        print(f"run_tests: {executable} failed", file=sys.stderr)
    print(f"rust: {passed} passed, {failed} failed ({which})", flush=True)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
