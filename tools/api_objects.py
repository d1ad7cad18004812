#!/usr/bin/env python3
"""Prints one sorted line "<address> <id>" per REST API resource, method, integration,
authorizer and gateway response in `terraform show -json` of a state (read from stdin;
an empty state prints nothing).

`just apply-plan` (and so `just deploy`) compares the lines before and after its apply: a
line that disappeared is an API object the apply destroyed after the stage's new
deployment was taken (see the README, "Changing or removing a route"), so the deployment
is replaced once more.
"""

import json
import sys

API_TYPES = {
    "aws_api_gateway_resource",
    "aws_api_gateway_method",
    "aws_api_gateway_integration",
    "aws_api_gateway_authorizer",
    "aws_api_gateway_gateway_response",
}


def api_objects(show: dict) -> list[str]:
    lines = []

    def walk(module: dict) -> None:
        for resource in module.get("resources", []):
            if resource.get("mode") == "managed" and resource.get("type") in API_TYPES:
                lines.append(f'{resource["address"]} {resource.get("values", {}).get("id", "")}')
        for child in module.get("child_modules", []):
            walk(child)

    walk(show.get("values", {}).get("root_module", {}))
    return sorted(lines)


if __name__ == "__main__":
    for line in api_objects(json.load(sys.stdin)):
        print(line)
