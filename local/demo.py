"""`just demo`: a patient's journey on the local stack, step by step. Each step prints the
command a person can paste (AWS CLI-free: Python with boto3 from .venv, and curl), then runs it.

Usage: .venv/bin/python local/demo.py .local/stack.json
"""

import json
import sys
import time
import urllib.request

import boto3

stack = json.load(open(sys.argv[1]))
API = stack["api_url"]
email = f"ada.{int(time.time())}@example.com"
password = "Correct-Horse-9!"

# The stack's own credentials (stack.json): the front checks every signature as AWS does.
cognito = boto3.client(
    "cognito-idp",
    endpoint_url=stack["aws_endpoint_url"],
    region_name=stack["region"],
    aws_access_key_id=stack["aws_access_key_id"],
    aws_secret_access_key=stack["aws_secret_access_key"],
)

PRELUDE = f"""import boto3, json
stack = json.load(open("{sys.argv[1]}"))
cognito = boto3.client("cognito-idp", endpoint_url=stack["aws_endpoint_url"], region_name=stack["region"],
                       aws_access_key_id=stack["aws_access_key_id"], aws_secret_access_key=stack["aws_secret_access_key"])"""


def step(title, code):
    print(f"\n## {title}\n.venv/bin/python - <<'PY'\n{PRELUDE}\n{code}\nPY")


def http(method, path, token=None, body=None, headers=None):
    request = urllib.request.Request(API + path, method=method, data=None if body is None else json.dumps(body).encode())
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


print(f"Local stack: AWS endpoint {stack['aws_endpoint_url']}, API {API}")

attributes = [
    {"Name": "email", "Value": email},
    {"Name": "name", "Value": "Ada Patient"},
    {"Name": "custom:user_type", "Value": "Patient"},
    {"Name": "custom:dob", "Value": "1990-04-01"},
    {"Name": "custom:gender", "Value": "female"},
    {"Name": "custom:blood_group", "Value": "O+"},
]
step("1. Sign up (fires PreSignUp)", f'cognito.sign_up(ClientId="{stack["user_pool_client_id"]}", Username="{email}",\n'
     f'                Password="{password}", UserAttributes={attributes!r})')
cognito.sign_up(ClientId=stack["user_pool_client_id"], Username=email, Password=password, UserAttributes=attributes)

step("2. Confirm (an operator's admin-confirm; fires PostConfirmation, which creates the profile)",
     f'cognito.admin_confirm_sign_up(UserPoolId="{stack["user_pool_id"]}", Username="{email}")')
cognito.admin_confirm_sign_up(UserPoolId=stack["user_pool_id"], Username=email)

step("3. Sign in (USER_PASSWORD_AUTH, through the test harnesses' client: the app's client allows SRP only,\n"
     "   as in production) and keep the ID token",
     f'tokens = cognito.initiate_auth(ClientId="{stack["test_client_id"]}", AuthFlow="USER_PASSWORD_AUTH",\n'
     f'    AuthParameters={{"USERNAME": "{email}", "PASSWORD": "{password}"}})["AuthenticationResult"]\n'
     'print(tokens["IdToken"])')
tokens = cognito.initiate_auth(
    ClientId=stack["test_client_id"],
    AuthFlow="USER_PASSWORD_AUTH",
    AuthParameters={"USERNAME": email, "PASSWORD": password},
)["AuthenticationResult"]
token = tokens["IdToken"]
print("(ID token obtained; export it as TOKEN for the curl commands below)")

print(f'\n## 4. Read my profile\ncurl -s -H "Authorization: Bearer $TOKEN" {API}/users/me')
status, profile = http("GET", "/users/me", token)
print(status, json.dumps(profile, indent=2))

update = {"name": "Ada L. Patient", "blood_group": "A+"}
print(f"\n## 5. Update it\ncurl -s -X PUT -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' "
      f"-d '{json.dumps(update)}' {API}/users/me")
status, profile = http("PUT", "/users/me", token, update)
print(status, json.dumps(profile, indent=2))

picture = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
ask = {"content_type": "image/png", "content_length": len(picture)}
print(f"\n## 6. Ask for a picture upload URL\ncurl -s -X POST -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' "
      f"-d '{json.dumps(ask)}' {API}/users/me/picture-upload-url")
status, upload = http("POST", "/users/me/picture-upload-url", token, ask)
print(status, {k: v for k, v in (upload or {}).items() if k != "url"}, "(url not shown)")

print("\n## 7. Upload the picture with the presigned PUT\n"
      "curl -s -X PUT --data-binary @picture.png -H 'Content-Type: image/png' \"$UPLOAD_URL\"")
request = urllib.request.Request(upload["url"], data=picture, method=upload.get("method", "PUT"))
for name, value in (upload.get("headers") or {}).items():
    request.add_header(name, value)
with urllib.request.urlopen(request) as response:
    print("upload:", response.status)

print(f"\n## 8. Point the profile at it and read it back (picture_url is presigned)\n"
      f"curl -s -X PUT -H \"Authorization: Bearer $TOKEN\" -d '{{\"picture_key\": \"<key>\"}}' {API}/users/me")
status, answer = http("PUT", "/users/me", token, {"picture_key": upload["key"]})
print(status, answer if status != 200 else "")
status, profile = http("GET", "/users/me", token)
print(status, "picture_url present:", bool(profile.get("picture_url")))
with urllib.request.urlopen(profile["picture_url"]) as response:
    print("picture fetched:", response.status, len(response.read()), "bytes")
