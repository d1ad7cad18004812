"""Writes .local/stack.json from `terraform output -json` and the runner's ready file."""

import json
import sys

outputs_path, runner_path, stack_path = sys.argv[1:4]
outputs = {name: value["value"] for name, value in json.load(open(outputs_path)).items()}
runner = json.load(open(runner_path))
stack = {
    "aws_endpoint_url": runner["aws_endpoint_url"],
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
