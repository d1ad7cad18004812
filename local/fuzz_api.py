"""`just fuzz-api`: schema-driven fuzzing of the local stack's REST API with schemathesis.

Creates its own users through the stack's AWS endpoint (a self-signed-up Patient and an
operator-made Admin), then runs schemathesis from docs/openapi.yaml once per ID token: all
checks, positive and negative data, a fixed seed and a bounded number of examples.

Writes the e-mails and tokens it used to <stack dir>/fuzz-users.json (for log-hygiene scans)
and each run's redacted output and JSON report to <stack dir>/fuzz/. Prints only a summary:
never a token or an e-mail. Exits non-zero when schemathesis reports any failure or error.

Usage: .venv/bin/python local/fuzz_api.py .local/stack.json
"""

import json
import os
import re
import secrets
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "docs" / "openapi.yaml"
CONFIG = ROOT / "local" / "fuzz_api.toml"
HOOKS = ROOT / "local" / "fuzz_api_hooks.py"
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"

# Fixed, so a finding reproduces; the example budget keeps both runs under a minute on 2 cores.
SEED = 20261122
MAX_EXAMPLES = 100
# One worker: hypothesis' lambda descriptions call ast.parse, which is not thread-safe on Python 3.11.
WORKERS = 1

stack_json = Path(sys.argv[1])
stack = json.loads(stack_json.read_text())
out_dir = stack_json.parent / "fuzz"
# Every personal value the fuzzer sent (the hooks append them), for the log-hygiene scan.
SENT_VALUES = stack_json.parent / "fuzz-sent-values.jsonl"
out_dir.mkdir(parents=True, exist_ok=True)

cognito = boto3.client(
    "cognito-idp",
    endpoint_url=stack["aws_endpoint_url"],
    region_name=stack["region"],
    aws_access_key_id=stack["aws_access_key_id"],
    aws_secret_access_key=stack["aws_secret_access_key"],
)
pool, client = stack["user_pool_id"], stack["user_pool_client_id"]
# Password sign-ins go through the test harnesses' client (the app's allows SRP only).
password_client = stack["test_client_id"]
# One per run, meets the pool's policy (upper, lower, digit, symbol); never printed.
password = f"Fz-{secrets.token_urlsafe(12)}-9a!"
temporary_password = f"Tmp-{secrets.token_urlsafe(12)}-1a!"


def sign_in(email):
    result = cognito.initiate_auth(
        ClientId=password_client,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )
    tokens = result["AuthenticationResult"]
    return tokens["IdToken"], [tokens["AccessToken"], tokens["RefreshToken"]]


def self_signed_up_patient():
    """What the app does: sign-up (PreSignUp fires), then an operator's confirmation (PostConfirmation fires)."""
    email = f"fuzz.patient.{uuid.uuid4().hex}@example.com"
    cognito.sign_up(
        ClientId=client,
        Username=email,
        Password=password,
        UserAttributes=[
            {"Name": "email", "Value": email},
            {"Name": "custom:user_type", "Value": "Patient"},
        ],
    )
    cognito.admin_confirm_sign_up(UserPoolId=pool, Username=email)
    return (email, *sign_in(email))


def operator_made_admin():
    """What an operator does for an Admin (nobody can sign up as one)."""
    email = f"fuzz.admin.{uuid.uuid4().hex}@example.com"
    cognito.admin_create_user(
        UserPoolId=pool,
        Username=email,
        UserAttributes=[
            {"Name": "email", "Value": email},
            {"Name": "email_verified", "Value": "true"},
            {"Name": "custom:user_type", "Value": "Admin"},
        ],
        TemporaryPassword=temporary_password,
        MessageAction="SUPPRESS",
    )
    cognito.admin_add_user_to_group(UserPoolId=pool, Username=email, GroupName="Admin")
    cognito.admin_set_user_password(UserPoolId=pool, Username=email, Password=password, Permanent=True)
    return (email, *sign_in(email))


EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


def redact(text, secrets_used):
    for value in secrets_used:
        text = text.replace(value, "<redacted>")
    # Listings carry other users' e-mails too.
    return JWT.sub("<jwt>", EMAIL.sub("<email>", text))


def fuzz(role, token, secrets_used):
    report = out_dir / f"{role}.json"
    report.unlink(missing_ok=True)
    command = [
        str(SCHEMATHESIS), "--config-file", str(CONFIG), "--no-color",
        "run", str(SPEC),
        "--url", stack["api_url"],
        # Every check: schemathesis's default, stated in local/fuzz_api.toml (on the command
        # line it would override the 412 exception there).
        "--mode", "all",  # positive and negative data
        "--phases", "examples,coverage,fuzzing",  # the stateless phases
        "--exclude-method", "DELETE",  # the fuzzing users' own deletion (local/fuzz_api.toml)
        "--seed", str(SEED),
        "--max-examples", str(MAX_EXAMPLES),
        "--workers", str(WORKERS),
        "--generation-database", "none",
        "--request-timeout", "15",
        "--report", "json", "--report-json-path", str(report),
    ]
    started = time.monotonic()
    run = subprocess.run(
        command,
        env={**os.environ, "FUZZ_ID_TOKEN": token, "FUZZ_API_HOOKS": str(HOOKS), "FUZZ_SENT_VALUES": str(SENT_VALUES)},
        capture_output=True,
        text=True,
        cwd=out_dir,  # keeps schemathesis' own files out of the source tree
    )
    seconds = time.monotonic() - started
    log = out_dir / f"{role}.log"
    log.write_text(redact(run.stdout + run.stderr, secrets_used))
    summary = json.loads(report.read_text()) if report.exists() else {}
    return run.returncode, seconds, summary, log


def main():
    started = time.monotonic()
    patient_email, patient_token, patient_others = self_signed_up_patient()
    admin_email, admin_token, admin_others = operator_made_admin()
    secrets_used = [patient_email, admin_email, patient_token, admin_token, password, temporary_password,
                    *patient_others, *admin_others]
    # Everything used, for the log-hygiene scan; the hooks add every personal value sent.
    users = stack_json.parent / "fuzz-users.json"
    users.write_text(json.dumps({
        "users": [
            {"role": "patient", "email": patient_email, "id_token": patient_token},
            {"role": "admin", "email": admin_email, "id_token": admin_token},
        ],
        "secrets": secrets_used,
    }, indent=2) + "\n")
    users.chmod(0o600)
    SENT_VALUES.unlink(missing_ok=True)
    print(f"fuzz-api: 2 users created (patient, admin); seed {SEED}, max {MAX_EXAMPLES} examples per operation, "
          f"all checks, positive and negative data")

    failed = False
    total_cases = 0
    # Both users' runs at once: each fuzzes its own account, and the API must hold under
    # concurrent callers anyway.
    roles = (("patient", patient_token), ("admin", admin_token))
    with ThreadPoolExecutor(len(roles)) as pool:
        runs = list(pool.map(lambda role_token: fuzz(*role_token, secrets_used), roles))
    for (role, _), (code, seconds, summary, log) in zip(roles, runs):
        cases = summary.get("test_cases", {})
        operations = summary.get("operations") or {}
        failures = summary.get("failures", [])
        errors = summary.get("errors", [])
        total_cases += cases.get("generated", 0)
        print(f"fuzz-api: {role}: {operations.get('tested', 0)}/{operations.get('selected', 0)} operations, "
              f"{cases.get('generated', 0)} test cases, {cases.get('unique_failures', 0)} failures, "
              f"{sum(e['count'] for e in errors)} errors, exit {code}, {seconds:.0f}s")
        for failure in failures:
            print(f"  failure: {failure['title']} x{failure['count']} in {', '.join(failure['operations'])}")
        for error in errors:
            print(f"  error: {error['title']} x{error['count']}")
        if code != 0 or failures or errors or not summary:
            failed = True
            print(f"  details (redacted): {log}")
    verdict = "FAILED" if failed else "passed"
    print(f"fuzz-api: {verdict}: {total_cases} test cases in {time.monotonic() - started:.0f}s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
