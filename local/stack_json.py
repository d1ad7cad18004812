"""The local stack's two files, both readable by their owner alone (`just up` sets umask 077).

- `new-secrets SECRETS`: new secrets for a stack: the control secret that opens moto's and
  the runner's control endpoints, and the access key pair clients sign their AWS calls with
  (shaped like IAM's: AKIA and 16 characters, a 40-character secret).
- `write OUTPUTS RUNNER SECRETS STACK`: .local/stack.json from `terraform output -json`, the
  runner's ready file and the secrets' access key pair.
"""

import json
import secrets
import sys


def new_secrets(path: str) -> None:
    value = {
        "control_secret": secrets.token_hex(32),
        "aws_access_key_id": "AKIA" + secrets.token_hex(8).upper(),
        "aws_secret_access_key": secrets.token_hex(20),
    }
    with open(path, "w") as out:
        json.dump(value, out, indent=2)
        out.write("\n")


def write(outputs_path: str, runner_path: str, secrets_path: str, stack_path: str) -> None:
    outputs = {name: value["value"] for name, value in json.load(open(outputs_path)).items()}
    runner = json.load(open(runner_path))
    keys = json.load(open(secrets_path))
    stack = {
        "aws_endpoint_url": runner["aws_endpoint_url"],
        "aws_access_key_id": keys["aws_access_key_id"],
        "aws_secret_access_key": keys["aws_secret_access_key"],
        "api_url": runner["api_url"],
        "hosted_ui_url": runner["hosted_ui_url"],
        "hosted_ui_https_url": runner["hosted_ui_https_url"],
        "hosted_ui_certificate": runner["hosted_ui_certificate"],
        "region": outputs["region"],
        "user_pool_id": outputs["user_pool_id"],
        "user_pool_client_id": outputs["user_pool_client_id"],
        # The test harnesses' client (password sign-ins); the app's client has production's flows.
        "test_client_id": outputs["user_pool_test_client_id"],
        "table_name": outputs["table_name"],
        "profile_shards": outputs["profile_shards"],
        "bucket_name": outputs["bucket_name"],
    }
    with open(stack_path, "w") as out:
        json.dump(stack, out, indent=2)
        out.write("\n")


if __name__ == "__main__":
    command, *arguments = sys.argv[1:]
    {"new-secrets": new_secrets, "write": write}[command](*arguments)
