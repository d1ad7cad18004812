"""`just bench`: measures the Rust functions and the Python baseline (bench/python) on the
local stack `just up` brought up in LOCAL_STACK_DIR, then writes bench/results.md.

Usage (bench/bench.just runs it with .venv-bench's python):
  run.py --stack-dir DIR --runner BIN --criterion-dir target/criterion --out bench/results.md

Every duration comes from the runner: its `cold-starts` subcommand for fresh instances and
its REPORT lines for the warm run through the API stage, so Rust and Python are measured by
the same code. The load comes from oha (.tools/bin). Nothing personal is printed: the bench
users are synthetic and tokens are never logged.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
import zipfile
from pathlib import Path

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
WORK = BENCH / "work"

# The figures the issue asks for (cold starts per function; the warm run through the stage).
COLD_STARTS = int(os.environ.get("BENCH_COLD_STARTS", "20"))
WARM_INVOCATIONS = int(os.environ.get("BENCH_WARM_INVOCATIONS", "20"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "4"))
GET_REQUESTS = int(os.environ.get("BENCH_GET_REQUESTS", "2000"))
PUT_REQUESTS = int(os.environ.get("BENCH_PUT_REQUESTS", "1000"))
WARMUP_REQUESTS = 40

# AWS Lambda's published on-demand prices (x86, us-east-1, first tier).
PRICE_PER_REQUEST = 0.20 / 1_000_000
PRICE_PER_GB_SECOND = 0.0000166667
COST_MEMORY_MB = 128

PASSWORD = "Bench-Horse-9!x"


def log(message):
    print(f"bench: {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- statistics


def percentile(values, p):
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def median(values):
    return statistics.median(values) if values else None


# ---------------------------------------------------------------- the stack


def lambda_functions(applied):
    """Every aws_lambda_function in `terraform show -json`: name -> (values)."""
    found = {}

    def walk(module):
        for resource in module.get("resources", []):
            if resource["type"] == "aws_lambda_function":
                values = resource["values"]
                found[values["function_name"]] = values
        for child in module.get("child_modules", []):
            walk(child)

    walk(applied["values"]["root_module"])
    return found


def function_named(functions, suffix):
    matches = [name for name in functions if name.endswith(suffix)]
    if len(matches) != 1:
        raise SystemExit(f"bench: expected one function ending in {suffix}, found {matches}")
    return matches[0]


def environment_of(values):
    blocks = values.get("environment") or []
    return dict(blocks[0].get("variables") or {}) if blocks else {}


class Users:
    """Synthetic bench users through the stack's Cognito front (triggers fire as on AWS)."""

    def __init__(self, stack):
        self.stack = stack
        self.cognito = boto3.client(
            "cognito-idp", endpoint_url=stack["aws_endpoint_url"], region_name=stack["region"],
            aws_access_key_id=stack["aws_access_key_id"], aws_secret_access_key=stack["aws_secret_access_key"])
        self.run_id = uuid.uuid4().hex[:8]
        self.count = 0

    def _email(self):
        self.count += 1
        return f"bench-{self.run_id}-{self.count}@example.com"

    def signed_in(self):
        """Signs a Patient up, confirms (PostConfirmation writes the profile), returns (sub, id token)."""
        email = self._email()
        self.cognito.sign_up(
            ClientId=self.stack["user_pool_client_id"], Username=email, Password=PASSWORD,
            UserAttributes=[{"Name": "email", "Value": email}, {"Name": "name", "Value": "Bench Patient"},
                            {"Name": "custom:user_type", "Value": "Patient"}])
        self.cognito.admin_confirm_sign_up(UserPoolId=self.stack["user_pool_id"], Username=email)
        tokens = self.cognito.initiate_auth(
            ClientId=self.stack["test_client_id"], AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD})["AuthenticationResult"]
        user = self.cognito.admin_get_user(UserPoolId=self.stack["user_pool_id"], Username=email)
        sub = next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "sub")
        return sub, tokens["IdToken"]

    def unconfirmed(self):
        """A user PostConfirmation has not run for: (username, attributes as the trigger sees them)."""
        email = self._email()
        created = self.cognito.admin_create_user(
            UserPoolId=self.stack["user_pool_id"], Username=email, MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": email}, {"Name": "name", "Value": "Bench Patient"},
                            {"Name": "custom:user_type", "Value": "Patient"},
                            {"Name": "custom:dob", "Value": "1990-02-03"},
                            {"Name": "custom:blood_group", "Value": "O-"}])["User"]
        attributes = {a["Name"]: a["Value"] for a in created["Attributes"]}
        return created["Username"], attributes


# ---------------------------------------------------------------- events


def get_event(sub, stage):
    """The REST proxy event the stage hands users-api for GET /users/me (claims as API Gateway passes them)."""
    return {
        "resource": "/users/{id}", "path": "/users/me", "httpMethod": "GET",
        "headers": {"Accept": "application/json", "Host": "127.0.0.1"},
        "multiValueHeaders": {"Accept": ["application/json"], "Host": ["127.0.0.1"]},
        "queryStringParameters": None, "multiValueQueryStringParameters": None,
        "pathParameters": {"id": "me"}, "stageVariables": None,
        "requestContext": {
            "resourceId": "bench", "resourcePath": "/users/{id}", "httpMethod": "GET",
            "path": f"/{stage}/users/me", "accountId": "000000000000", "protocol": "HTTP/1.1",
            "stage": stage, "requestId": str(uuid.uuid4()), "apiId": "bench",
            "requestTimeEpoch": int(time.time() * 1000),
            "identity": {"sourceIp": "127.0.0.1", "userAgent": "bench"},
            "authorizer": {"claims": {"sub": sub, "cognito:groups": "Patient", "token_use": "id",
                                      "cognito:username": sub, "name": "Bench Patient"}},
        },
        "body": None, "isBase64Encoded": False,
    }


def post_confirmation_event(stack, username, attributes):
    return {
        "version": "1", "region": stack["region"], "userPoolId": stack["user_pool_id"],
        "userName": username,
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": stack["user_pool_client_id"]},
        "triggerSource": "PostConfirmation_ConfirmSignUp",
        "request": {"userAttributes": {**attributes, "cognito:user_status": "CONFIRMED"}},
        "response": {},
    }


def pre_signup_event(stack):
    return {
        "version": "1", "region": stack["region"], "userPoolId": stack["user_pool_id"],
        "userName": str(uuid.uuid4()),
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": stack["user_pool_client_id"]},
        "triggerSource": "PreSignUp_SignUp",
        "request": {"userAttributes": {"email": "bench@example.com", "name": "Bench Patient",
                                       "custom:dob": "1990-02-03", "custom:blood_group": "O-",
                                       "custom:user_type": "Patient"}, "validationData": None},
        "response": {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False},
    }


def write_events(name, events):
    path = WORK / f"{name}.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    return path


# ---------------------------------------------------------------- the Python baseline


def python_bundle(name, module, bench_python):
    """A deployment zip with the handler module and a `bootstrap` that runs it with awslambdaric.
    boto3 and awslambdaric are not in it: Lambda's Python runtime provides both."""
    bootstrap = (
        "#!/bin/sh\n"
        "# Lambda's python3 runtime, emulated: the bench venv's python runs the handler with awslambdaric.\n"
        'cd "$(dirname "$0")"\n'
        f'exec "{bench_python}" -m awslambdaric {module}.handler\n'
    )
    path = WORK / f"{name}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = 0o755 << 16
        bundle.writestr(info, bootstrap)
        bundle.write(BENCH / "python" / f"{module}.py", f"{module}.py")
    return path


# ---------------------------------------------------------------- measurements


def cold_starts(runner, stack, name, bundle, environment, events_path, invocations, memory_mb):
    command = [str(runner), "cold-starts", "--bundle", str(bundle), "--events", str(events_path),
               "--name", name, "--count", str(COLD_STARTS), "--invocations", str(invocations),
               "--memory-mb", str(memory_mb), "--aws-endpoint-url", stack["aws_endpoint_url"],
               "--region", stack["region"], "--work-dir", str(WORK / "cold-starts"),
               "--logs-dir", str(WORK / "cold-starts" / "logs")]
    # The function signs its calls to the front with the stack's credentials (no role here).
    credentials = {"AWS_ACCESS_KEY_ID": stack["aws_access_key_id"],
                   "AWS_SECRET_ACCESS_KEY": stack["aws_secret_access_key"]}
    for key, value in {**environment, **credentials}.items():
        command += ["--env", f"{key}={value}"]
    log(f"cold starts: {name} x{COLD_STARTS} ({invocations} invocations each)")
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    samples = json.loads(output)["samples"]
    errors = [s["error"] for s in samples if s["error"]]
    inits = [s["init_ms"] for s in samples if s["init_ms"] is not None]
    firsts = [s["first_invocation_ms"] for s in samples if s["first_invocation_ms"] is not None]
    warm = [ms for s in samples for ms in s["warm_invocation_ms"]]
    memory = [s["max_memory_mb"] for s in samples if s["max_memory_mb"] is not None]
    return {
        "instances": len(samples), "errors": len(errors), "first_error": errors[0] if errors else None,
        "init_p50": median(inits), "init_p90": percentile(inits, 90) if inits else None,
        "first_p50": median(firsts), "first_p90": percentile(firsts, 90) if firsts else None,
        "warm_p50": median(warm), "warm_p99": percentile(warm, 99) if warm else None,
        "max_memory_mb": max(memory) if memory else None,
    }


def oha(url, requests, method="GET", headers=None, body=None, tokens=None):
    """`requests` requests at concurrency CONCURRENCY. With `tokens`, one oha per token (each at
    concurrency 1), so concurrent writes go to different profiles, as real users' do.
    Percentiles come from oha's per-request CSV, over all processes."""
    runs = [(token, requests // len(tokens), 1) for token in tokens] if tokens else [(None, requests, CONCURRENCY)]
    processes = []
    started = time.monotonic()
    for token, count, concurrency in runs:
        command = [str(ROOT / ".tools" / "bin" / "oha"), "--no-tui", "--output-format", "csv",
                   "-n", str(count), "-c", str(concurrency), "-m", method]
        for name, value in {**(headers or {}), **({"Authorization": f"Bearer {token}"} if token else {})}.items():
            command += ["-H", f"{name}: {value}"]
        if body is not None:
            command += ["-d", body]
        command.append(url)
        processes.append(subprocess.Popen(command, stdout=subprocess.PIPE, text=True))
    outputs = [p.communicate()[0] for p in processes]
    wall = time.monotonic() - started
    if any(p.returncode != 0 for p in processes):
        raise SystemExit("bench: oha failed")
    latencies, codes = [], {}
    for output in outputs:
        for row in output.splitlines()[1:]:
            fields = row.split(",")
            if len(fields) < 7:
                continue
            latencies.append(float(fields[4]) * 1000)
            code = int(fields[6]) if fields[6].isdigit() else 0
            codes[code] = codes.get(code, 0) + 1
    sent = sum(count for _, count, _ in runs)
    ok = sum(v for k, v in codes.items() if 200 <= k < 300)
    return {
        "requests": sent, "ok": ok, "errors": sent - ok, "status_codes": codes,
        "p50_ms": percentile(latencies, 50), "p99_ms": percentile(latencies, 99),
        "rps": sent / wall,
    }


REPORT = re.compile(r"^REPORT RequestId: \S+\tDuration: ([0-9.]+) ms\tBilled Duration: ([0-9]+) ms"
                    r"\tMemory Size: [0-9]+ MB\tMax Memory Used: ([0-9]+) MB(\tInit Duration: ([0-9.]+) ms)?")


class FunctionLog:
    """The REPORT lines a function's log gains from now on."""

    def __init__(self, path):
        self.path = path
        self.start = path.stat().st_size if path.exists() else 0

    def reports(self):
        with open(self.path, "rb") as f:
            f.seek(self.start)
            lines = f.read().decode("utf-8", "replace").splitlines()
        found = []
        for line in lines:
            match = REPORT.match(line)
            if match:
                found.append({"duration": float(match[1]), "billed": int(match[2]),
                              "memory": int(match[3]), "cold": match[4] is not None})
        return found


def warm_run(name, url, function_log, requests, **request):
    oha(url, WARMUP_REQUESTS * max(1, len(request.get("tokens") or [])), **request)  # every instance started and warm before the clock runs
    window = FunctionLog(function_log)
    log(f"warm run: {name}: {requests} requests at concurrency {CONCURRENCY}")
    result = oha(url, requests, **request)
    reports = [r for r in window.reports() if not r["cold"]]
    durations = [r["duration"] for r in reports]
    result["invocations"] = len(reports)
    result["cold_in_window"] = len(window.reports()) - len(reports)
    result["function_p50_ms"] = median(durations)
    result["function_p99_ms"] = percentile(durations, 99) if durations else None
    result["billed_mean_ms"] = statistics.fmean(r["billed"] for r in reports) if reports else None
    result["max_memory_mb"] = max((r["memory"] for r in window.reports()), default=None)
    return result


def signed_headers(stack, service, url, body, headers):
    """`headers` plus the SigV4 ones for a POST of `body` to `url`, with the stack's credentials."""
    request = AWSRequest(method="POST", url=url, data=body, headers=headers)
    credentials = Credentials(stack["aws_access_key_id"], stack["aws_secret_access_key"])
    SigV4Auth(credentials, service, stack["region"]).add_auth(request)
    return dict(request.headers.items())


def get_item_run(stack, sub):
    """DynamoDB GetItem straight at the AWS front, as the function makes it: the I/O in the split."""
    body = json.dumps({"TableName": stack["table_name"], "ConsistentRead": True,
                       "Key": {"PK": {"S": f"USER#{sub}"}, "SK": {"S": "PROFILE"}}})
    # Signed once with the stack's credentials: the front accepts a signature for 15
    # minutes, as AWS does, which outlasts the run.
    headers = signed_headers(stack, "dynamodb", stack["aws_endpoint_url"] + "/", body, {
        "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.GetItem"})
    oha(stack["aws_endpoint_url"] + "/", WARMUP_REQUESTS, method="POST", headers=headers, body=body)
    log(f"warm run: DynamoDB GetItem at the AWS front: {GET_REQUESTS} requests")
    return oha(stack["aws_endpoint_url"] + "/", GET_REQUESTS, method="POST", headers=headers, body=body)


def criterion_results(criterion_dir):
    """Median of each criterion benchmark (ns), by its name."""
    found = {}
    for estimates in Path(criterion_dir).glob("*/new/estimates.json"):
        meta = json.loads((estimates.parent / "benchmark.json").read_text())
        found[meta["full_id"]] = json.loads(estimates.read_text())["median"]["point_estimate"]
    return found


# The API Gateway events both sides of the no-I/O figure are timed on, as raw bytes.
OVERHEAD_EVENTS = ROOT / "lambdas" / "users-api" / "benches" / "events"


def python_overhead(bench_python, event_path):
    """The Python GET handler without I/O, as criterion measures the Rust one: from the raw
    event bytes to the response bytes."""
    output = subprocess.run([str(bench_python), str(BENCH / "python" / "overhead.py"), str(event_path)],
                            check=True, capture_output=True, text=True).stdout
    return json.loads(output)


# ---------------------------------------------------------------- the Python stack


def start_python_stack(runner, stack_dir, applied_path, python_get_zip):
    """A second runner on the same moto whose users-api is the Python GET handler: the same
    stage, authorizer and Runtime API, so the two warm runs differ only in the function."""
    applied = json.loads(applied_path.read_text())
    users_api = function_named(lambda_functions(applied), "-users-api")
    lambda_functions(applied)[users_api]["filename"] = str(python_get_zip)
    here = stack_dir / "python"
    shutil.rmtree(here, ignore_errors=True)
    (here / "logs").mkdir(parents=True)
    (here / "applied.json").write_text(json.dumps(applied))
    moto = re.search(r"\(moto at (\S+)\)", (stack_dir / "logs" / "runner.log").read_text())[1]
    ready = here / "runner.json"
    process = subprocess.Popen(
        [str(runner), "--applied", str(here / "applied.json"), "--moto", moto,
         "--work-dir", str(here / "runner"), "--logs-dir", str(here / "logs"), "--tls-dir", str(here / "tls"),
         "--ready-file", str(ready)],
        stdout=open(here / "logs" / "runner.log", "w"), stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, start_new_session=True)
    (stack_dir / "pids").mkdir(exist_ok=True)
    (stack_dir / "pids" / "python-runner").write_text(str(process.pid))
    try:
        for _ in range(100):
            if ready.exists() and ready.stat().st_size:
                break
            time.sleep(0.1)
        info = json.loads(ready.read_text())
        with urllib.request.urlopen(info["api_url"] + "/health", timeout=10):
            pass
    except BaseException:
        stop(process)
        raise
    return process, info, here / "logs" / f"{users_api}.log"


def stop(process):
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


# ---------------------------------------------------------------- report


def machine():
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())[1])
    return f"{os.cpu_count()} cores, {model}, {memory_kb / 1024 / 1024:.1f} GiB RAM, Linux {platform.release()}"


def cost_per_million(billed_ms, memory_mb=COST_MEMORY_MB):
    return 1_000_000 * (PRICE_PER_REQUEST + billed_ms / 1000 * memory_mb / 1024 * PRICE_PER_GB_SECOND)


def fmt(value, digits=1, unit=""):
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}{unit}"


def ratio(python, rust):
    if python is None or rust is None or rust == 0:
        return "n/a"
    return f"{python / rust:.1f}x"


def verdict(ok):
    return "met" if ok else "**missed**"


def write_report(r, out):
    rust_get, py_get = r["cold"]["rust users-api"], r["cold"]["python users-api (GET)"]
    rust_pc, py_pc = r["cold"]["rust post-confirmation"], r["cold"]["python post-confirmation"]
    lines = [
        "# Benchmarks: Rust functions vs the Python 3 + boto3 baseline",
        "",
        f"Generated by `just bench` on {r['date']} in {r['elapsed_s']:.0f} s. Machine: {r['machine']}.",
        "Everything ran in this one run on this machine, through the local stack (moto + the runner):",
        "the same Runtime API, the same API stage and authorizer, the same moto, for both languages.",
        "Python = `bench/python/` (boto3, run by `awslambdaric` " + r["awslambdaric"] + ", Python "
        + r["python"] + "). Ratio = Python / Rust (above 1: Rust is better).",
        "",
        f"## Cold start ({COLD_STARTS} fresh instances per function)",
        "",
        "Init = process start to the first `next` poll (SDK clients built); first invocation = the",
        "cold instance's first event. Milliseconds.",
        "",
        "| function | init p50 | init p90 | first invocation p50 | first invocation p90 | errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, c in r["cold"].items():
        lines.append(f"| {name} | {fmt(c['init_p50'], 2)} | {fmt(c['init_p90'], 2)} | "
                     f"{fmt(c['first_p50'], 2)} | {fmt(c['first_p90'], 2)} | {c['errors']} |")
    lines += [
        "",
        "| init p50 | Rust | Python | ratio |",
        "|---|---:|---:|---:|",
        f"| GET /users/{{id}} | {fmt(rust_get['init_p50'], 2)} ms | {fmt(py_get['init_p50'], 2)} ms | {ratio(py_get['init_p50'], rust_get['init_p50'])} |",
        f"| PostConfirmation | {fmt(rust_pc['init_p50'], 2)} ms | {fmt(py_pc['init_p50'], 2)} ms | {ratio(py_pc['init_p50'], rust_pc['init_p50'])} |",
        "",
    ]

    g, p, pg, gi = r["warm"]["rust GET"], r["warm"]["rust PUT"], r["warm"]["python GET"], r["get_item"]
    lines += [
        f"## Warm latency and throughput through the API stage (concurrency {CONCURRENCY}, oha)",
        "",
        "| request | Rust p50 | Rust p99 | Rust req/s | Rust errors | Python p50 | Python p99 | Python req/s | Python errors | p99 ratio | req/s ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| GET /users/me ({g['requests']}) | {fmt(g['p50_ms'], 2)} ms | {fmt(g['p99_ms'], 2)} ms | {fmt(g['rps'], 0)} | {g['errors']} | "
        f"{fmt(pg['p50_ms'], 2)} ms | {fmt(pg['p99_ms'], 2)} ms | {fmt(pg['rps'], 0)} | {pg['errors']} | "
        f"{ratio(pg['p99_ms'], g['p99_ms'])} | {ratio(g['rps'], pg['rps'])} |",
        f"| PUT /users/me ({p['requests']}) | {fmt(p['p50_ms'], 2)} ms | {fmt(p['p99_ms'], 2)} ms | {fmt(p['rps'], 0)} | {p['errors']} | "
        "n/a | n/a | n/a | n/a | n/a | n/a |",
        "",
        "(req/s ratio = Rust / Python. The baseline has GET only; PUT is Rust alone.)",
        "",
        "### Where the GET p99 goes",
        "",
        "| part | Rust p50 | Rust p99 | Python p50 | Python p99 |",
        "|---|---:|---:|---:|---:|",
        f"| end to end (oha: stage, authorizer, runner, function) | {fmt(g['p50_ms'], 2)} ms | {fmt(g['p99_ms'], 2)} ms | {fmt(pg['p50_ms'], 2)} ms | {fmt(pg['p99_ms'], 2)} ms |",
        f"| function Duration (REPORT lines of the same requests) | {fmt(g['function_p50_ms'], 2)} ms | {fmt(g['function_p99_ms'], 2)} ms | {fmt(pg['function_p50_ms'], 2)} ms | {fmt(pg['function_p99_ms'], 2)} ms |",
        f"| of which DynamoDB GetItem at the AWS front (moto), measured alone at the same concurrency | {fmt(gi['p50_ms'], 2)} ms | {fmt(gi['p99_ms'], 2)} ms | same | same |",
        f"| of which the handler's own work (no I/O; criterion / timeit medians) | {fmt(r['overhead']['rust GET'] / 1e6, 3)} ms | | {fmt(r['overhead']['python GET'] / 1e6, 3)} ms | |",
        "",
        f"Function's share of the end-to-end p99 (Rust): its Duration {r['share']['duration_pct']:.0f} % "
        f"(nearly all of it the wait for moto's GetItem); its own work, the handler without I/O, "
        f"{r['share']['own_pct']:.2f} %.",
        "",
        "## Handler overhead without I/O (GET/PUT /users/me, raw event bytes in, response bytes out)",
        "",
        "| request | Rust (criterion median) | Python (timeit median) | ratio |",
        "|---|---:|---:|---:|",
        f"| GET | {fmt(r['overhead']['rust GET'] / 1000, 1)} µs | {fmt(r['overhead']['python GET'] / 1000, 1)} µs | {ratio(r['overhead']['python GET'], r['overhead']['rust GET'])} |",
        f"| PUT | {fmt(r['overhead']['rust PUT'] / 1000, 1)} µs | n/a | n/a |",
        "",
        "Both sides start from the same API Gateway event file (`lambdas/users-api/benches/events/`) as raw",
        "bytes and end with the response serialized to bytes, along their runtime's own path: for Rust",
        "(`cargo bench -p users-api`) lambda_runtime's deserialization (through serde_path_to_error) into",
        "the function's event type, its reading of the event into an `http::Request` and of the response",
        "back into the proxy JSON, `serde_json::to_vec` of that, inside the runtime's request span;",
        "for Python (`bench/python/overhead.py`) awslambdaric's context, its marshaller's decode of the",
        "event and encode of the response. In between, the same work: routing, the caller from the",
        "authorizer's claims, `{id}`, the access policy, the in-memory profile store, the access-log entry,",
        "the JSON log line (formatted, not written), CORS and security headers, the ETag. The Python",
        "baseline has no PUT handler, so PUT is Rust alone.",
        "",
        "## Memory: max RSS per instance (Lambda's Max Memory Used)",
        "",
        "| function | Rust | Python | ratio |",
        "|---|---:|---:|---:|",
        f"| GET /users/{{id}}, after the warm run through the stage | {g['max_memory_mb']} MB | {pg['max_memory_mb']} MB | {ratio(pg['max_memory_mb'], g['max_memory_mb'])} |",
        f"| GET /users/{{id}}, fresh instance after {WARM_INVOCATIONS} invocations | {rust_get['max_memory_mb']} MB | {py_get['max_memory_mb']} MB | {ratio(py_get['max_memory_mb'], rust_get['max_memory_mb'])} |",
        f"| PostConfirmation, fresh instance after {WARM_INVOCATIONS // 4} invocations | {rust_pc['max_memory_mb']} MB | {py_pc['max_memory_mb']} MB | {ratio(py_pc['max_memory_mb'], rust_pc['max_memory_mb'])} |",
        "",
        "## Package size (deployment zip)",
        "",
        "| function | Rust | Python |",
        "|---|---:|---:|",
    ]
    for name, size in r["zips"]["rust"].items():
        python_size = r["zips"]["python"].get(name)
        lines.append(f"| {name} | {size / 1024 / 1024:.2f} MiB | "
                     f"{'n/a' if python_size is None else f'{python_size / 1024:.1f} KiB'} |")
    lines += [
        "",
        "The Python zips hold the handler only: the python3 Lambda runtime provides boto3 and awslambdaric.",
        "",
        f"## Projected cost per million warm GETs at {COST_MEMORY_MB} MB",
        "",
        "Mean billed duration of the warm GETs above (REPORT lines, rounded up to 1 ms each), priced at",
        "AWS Lambda's published x86 on-demand rates ($0.20 per million requests, $0.0000166667 per GB-s).",
        "API Gateway ($3.50 per million REST requests) and DynamoDB are the same for both and left out.",
        "",
        "| | Rust | Python | ratio |",
        "|---|---:|---:|---:|",
        f"| mean billed duration | {fmt(g['billed_mean_ms'], 2)} ms | {fmt(pg['billed_mean_ms'], 2)} ms | {ratio(pg['billed_mean_ms'], g['billed_mean_ms'])} |",
        f"| compute per million | ${r['cost']['rust_compute']:.4f} | ${r['cost']['python_compute']:.4f} | {ratio(r['cost']['python_compute'], r['cost']['rust_compute'])} |",
        f"| total per million (with the request fee) | ${r['cost']['rust']:.4f} | ${r['cost']['python']:.4f} | {ratio(r['cost']['python'], r['cost']['rust'])} |",
        "",
        "Durations were measured with a whole core; Lambda at 128 MB gets about 1/14 of a vCPU, so",
        "both would bill longer there (and Python's CPU-heavier work more so).",
        "",
        "## Targets",
        "",
        "| target | figure | |",
        "|---|---|---|",
    ]
    for target, figure, ok in r["targets"]:
        lines.append(f"| {target} | {figure} | {verdict(ok)} |")
    missed = [target for target, _, ok in r["targets"] if not ok]
    if missed:
        lines += ["", "What limits the missed targets:", ""]
        for target in missed:
            lines.append(f"- {target}: {LIMITS.get(target.split(':')[0], 'see the tables above')}")
    lines += [
        "",
        "Not measured: the optional run under a CPU quota near 128 MB Lambda's share of a core.",
        "",
    ]
    out.write_text("\n".join(lines) + load_section(out))


def load_section(out):
    """The "## Load" section `just load` (bench/load.py) writes at the end of the file, kept as it is."""
    previous = out.read_text() if out.exists() else ""
    start = previous.find("\n## Load\n")
    return previous[start:] if start >= 0 else ""


# Why a target can be missed on this bench, named in the report when it is.
LIMITS = {
    "function's share of warm GET p99 under 10 %": (
        "the function's Duration is almost all the wait for its one DynamoDB GetItem, which moto "
        "(the Python emulator) answers in about the same time measured alone; the Rust code's own "
        "work is the no-I/O figure. On this stack the share is set by moto, not by the function."),
    "zero errors": "see bench/work/results.json for the status codes and the cold-start errors",
}


def targets(r):
    rust_get, py_get = r["cold"]["rust users-api"], r["cold"]["python users-api (GET)"]
    rust_pc, py_pc = r["cold"]["rust post-confirmation"], r["cold"]["python post-confirmation"]
    g, pg = r["warm"]["rust GET"], r["warm"]["python GET"]
    found = []
    for label, rust, python in [("GET", rust_get, py_get), ("PostConfirmation", rust_pc, py_pc)]:
        speedup = python["init_p50"] / rust["init_p50"]
        found.append((f"{label} init at least 15x faster than Python and under 30 ms",
                      f"{rust['init_p50']:.2f} ms, {speedup:.1f}x", speedup >= 15 and rust["init_p50"] < 30))
    memory = pg["max_memory_mb"] / g["max_memory_mb"]
    found.append(("max memory at least 4x lower (GET, after the warm run)",
                  f"{g['max_memory_mb']} MB vs {pg['max_memory_mb']} MB, {memory:.1f}x", memory >= 4))
    pc_memory = py_pc["max_memory_mb"] / rust_pc["max_memory_mb"]
    found.append(("max memory at least 4x lower (PostConfirmation)",
                  f"{rust_pc['max_memory_mb']} MB vs {py_pc['max_memory_mb']} MB, {pc_memory:.1f}x", pc_memory >= 4))
    worst = max(r["overhead"]["rust GET"], r["overhead"]["rust PUT"]) / 1000
    found.append(("handler overhead without I/O under 50 µs", f"{worst:.1f} µs (the slower of GET and PUT)", worst < 50))
    times = r["overhead"]["python GET"] / r["overhead"]["rust GET"]
    found.append(("handler overhead without I/O at least 4x lower than Python (GET, event bytes to response bytes)",
                  f"{r['overhead']['rust GET'] / 1000:.1f} µs vs {r['overhead']['python GET'] / 1000:.1f} µs, {times:.1f}x",
                  times >= 4))
    biggest = max(r["zips"]["rust"].values()) / 1024 / 1024
    found.append(("each zip under 4 MiB", f"largest {biggest:.2f} MiB", biggest < 4))
    found.append(("function's share of warm GET p99 under 10 %: its Duration (incl. the wait for moto)",
                  f"{r['share']['duration_pct']:.0f} %", r["share"]["duration_pct"] < 10))
    found.append(("function's share of warm GET p99 under 10 %: its own work (no I/O)",
                  f"{r['share']['own_pct']:.2f} %", r["share"]["own_pct"] < 10))
    errors = sum(w["errors"] for w in r["warm"].values()) + sum(c["errors"] for c in r["cold"].values())
    found.append(("zero errors", f"{errors}", errors == 0))
    return found


# ---------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--stack-dir", type=Path, required=True)
    parser.add_argument("--runner", type=Path, required=True)
    parser.add_argument("--criterion-dir", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--started", type=float, default=time.time())
    args = parser.parse_args()
    bench_python = Path(sys.executable)

    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    stack = json.loads((args.stack_dir / "stack.json").read_text())
    applied_path = args.stack_dir / "stack" / "applied.json"
    functions = lambda_functions(json.loads(applied_path.read_text()))
    stage = stack["api_url"].rstrip("/").rsplit("/", 1)[1]
    names = {short: function_named(functions, f"-{short}") for short in ("users-api", "post-confirmation", "pre-signup")}

    users = Users(stack)
    sub, token = users.signed_in()
    python_get_zip = python_bundle("python-users-api", "get_profile", bench_python)
    python_pc_zip = python_bundle("python-post-confirmation", "post_confirmation", bench_python)

    results = {"cold": {}, "warm": {}}
    get_events = write_events("get", [get_event(sub, stage)])
    pc_invocations = max(1, WARM_INVOCATIONS // 4)

    def fresh_confirmations(name):
        log(f"creating {COLD_STARTS * pc_invocations} users for {name}")
        return write_events(name, [post_confirmation_event(stack, *users.unconfirmed())
                                   for _ in range(COLD_STARTS * pc_invocations)])

    for label, short, bundle, events, invocations in [
        ("rust users-api", "users-api", Path(functions[names["users-api"]]["filename"]), get_events, WARM_INVOCATIONS),
        ("python users-api (GET)", "users-api", python_get_zip, get_events, WARM_INVOCATIONS),
        ("rust post-confirmation", "post-confirmation", Path(functions[names["post-confirmation"]]["filename"]),
         fresh_confirmations("rust-post-confirmation"), pc_invocations),
        ("python post-confirmation", "post-confirmation", python_pc_zip,
         fresh_confirmations("python-post-confirmation"), pc_invocations),
        ("rust pre-signup", "pre-signup", Path(functions[names["pre-signup"]]["filename"]),
         write_events("pre-signup", [pre_signup_event(stack)]), pc_invocations),
    ]:
        values = functions[names[short]]
        results["cold"][label] = cold_starts(
            args.runner, stack, label.replace(" ", "-").replace("(", "").replace(")", ""), bundle,
            environment_of(values), events, invocations, values["memory_size"])

    auth = {"Authorization": f"Bearer {token}"}
    logs = args.stack_dir / "logs"
    results["warm"]["rust GET"] = warm_run("rust GET", stack["api_url"] + "/users/me",
                                           logs / f"{names['users-api']}.log", GET_REQUESTS, headers=auth)
    writers = [token] + [users.signed_in()[1] for _ in range(CONCURRENCY - 1)]
    results["warm"]["rust PUT"] = warm_run(
        "rust PUT", stack["api_url"] + "/users/me", logs / f"{names['users-api']}.log", PUT_REQUESTS,
        method="PUT", headers={"Content-Type": "application/json"}, tokens=writers,
        body=json.dumps({"name": "Bench Patient", "blood_group": "O-", "dob": "1990-02-03"}))
    results["get_item"] = get_item_run(stack, sub)
    process, python_stack, python_log = start_python_stack(args.runner, args.stack_dir, applied_path, python_get_zip)
    try:
        # A runner accepts the tokens its own Cognito front issued (they name its issuer).
        _, python_token = Users({**stack, "aws_endpoint_url": python_stack["aws_endpoint_url"]}).signed_in()
        results["warm"]["python GET"] = warm_run("python GET", python_stack["api_url"] + "/users/me",
                                                 python_log, GET_REQUESTS,
                                                 headers={"Authorization": f"Bearer {python_token}"})
    finally:
        stop(process)

    crit = criterion_results(args.criterion_dir)
    results["overhead"] = {"rust GET": crit["GET /users/me"], "rust PUT": crit["PUT /users/me"],
                           "python GET": python_overhead(bench_python, OVERHEAD_EVENTS / "get_users_me.json")["median_ns"]}
    results["zips"] = {
        "rust": {short: Path(functions[names[short]]["filename"]).stat().st_size for short in names},
        "python": {"users-api": python_get_zip.stat().st_size, "post-confirmation": python_pc_zip.stat().st_size},
    }
    g, pg = results["warm"]["rust GET"], results["warm"]["python GET"]
    own_ms = results["overhead"]["rust GET"] / 1e6
    results["share"] = {"duration_pct": 100 * g["function_p99_ms"] / g["p99_ms"],
                        "own_pct": 100 * own_ms / g["p99_ms"]}
    results["cost"] = {
        "rust": cost_per_million(g["billed_mean_ms"]), "python": cost_per_million(pg["billed_mean_ms"]),
        "rust_compute": cost_per_million(g["billed_mean_ms"]) - 0.20,
        "python_compute": cost_per_million(pg["billed_mean_ms"]) - 0.20,
    }
    from importlib.metadata import version
    results.update(date=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                   machine=machine(), awslambdaric=version("awslambdaric"), python=platform.python_version(),
                   elapsed_s=time.time() - args.started)
    results["targets"] = targets(results)
    (WORK / "results.json").write_text(json.dumps(results, indent=2, default=str))
    write_report(results, args.out)
    print(args.out.read_text())
    missed = [t for t, _, ok in results["targets"] if not ok]
    if any(t == "zero errors" for t in missed):
        log("errors during the run: see bench/work/results.json")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
