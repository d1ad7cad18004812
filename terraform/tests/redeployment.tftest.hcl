# Redeployment of the REST API: a stage serves the snapshot its deployment took, so any
# change to the routes, methods, integrations or authorizer must replace the deployment,
# and nothing else may. `triggers` forces a new deployment when its value changes (the
# provider's schema marks it ForceNew; a mocked provider plans no replacements, so these
# runs compare the trigger itself). Each run applies the rest-api module on the state the
# run before it left and compares its trigger with that run's.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
      arn        = "arn:aws:iam::123456789012:user/ops"
      user_id    = "AIDAEXAMPLE"
    }
  }

  mock_data "aws_region" {
    defaults = {
      name = "eu-west-1"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition  = "aws"
      dns_suffix = "amazonaws.com"
    }
  }

  mock_resource "aws_iam_role" {
    defaults = {
      arn = "arn:aws:iam::123456789012:role/mocked"
    }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = {
      arn = "arn:aws:logs:eu-west-1:123456789012:log-group:mocked"
    }
  }

  mock_resource "aws_api_gateway_rest_api" {
    defaults = {
      id            = "a1b2c3d4e5"
      execution_arn = "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5"
    }
  }

  mock_resource "aws_api_gateway_stage" {
    defaults = {
      arn = "arn:aws:apigateway:eu-west-1::/restapis/a1b2c3d4e5/stages/v1"
    }
  }

  mock_resource "aws_wafv2_web_acl" {
    defaults = {
      arn = "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/redeploy-v1/0a1b2c3d"
    }
  }
}

variables {
  name                = "redeploy"
  function_name       = "fn"
  function_invoke_arn = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:fn/invocations"
  user_pool_arn       = "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_example"
  log_kms_key_arn     = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
  routes = {
    "GET /health"        = { authorized = false }
    "GET /users/{id}"    = { authorized = true }
    "PUT /users/{id}"    = { authorized = true }
    "GET /admin/metrics" = { authorized = true }
  }
}

run "first_deployment" {
  command = apply

  module {
    source = "./modules/rest-api"
  }

  assert {
    condition     = output.deployment_id != null && length(output.deployment_trigger) == 40
    error_message = "The stage serves a deployment whose trigger is a SHA-1 of the API's resources."
  }
}

# The control: applying the same routes again must keep the deployment, or every other
# assertion here would pass for a trigger that changes on every apply.
run "unchanged_routes_keep_the_deployment" {
  command = apply

  module {
    source = "./modules/rest-api"
  }

  assert {
    condition     = output.deployment_trigger == run.first_deployment.deployment_trigger
    error_message = "Nothing changed, so the redeployment hash must not change."
  }

  assert {
    condition     = output.deployment_id == run.first_deployment.deployment_id
    error_message = "Nothing changed, so the stage must keep its deployment."
  }
}

run "a_removed_route_replaces_the_deployment" {
  command = apply

  module {
    source = "./modules/rest-api"
  }

  variables {
    routes = {
      "GET /health"     = { authorized = false }
      "GET /users/{id}" = { authorized = true }
      "PUT /users/{id}" = { authorized = true }
    }
  }

  assert {
    condition     = output.deployment_trigger != run.unchanged_routes_keep_the_deployment.deployment_trigger
    error_message = "Removing GET /admin/metrics must change the redeployment hash."
  }
}

run "a_removed_method_on_a_kept_path_replaces_the_deployment" {
  command = apply

  module {
    source = "./modules/rest-api"
  }

  variables {
    routes = {
      "GET /health"     = { authorized = false }
      "GET /users/{id}" = { authorized = true }
    }
  }

  assert {
    condition     = output.deployment_trigger != run.a_removed_route_replaces_the_deployment.deployment_trigger
    error_message = "Removing PUT /users/{id} (its resource stays) must replace the deployment."
  }
}

run "a_changed_authorization_replaces_the_deployment" {
  command = apply

  module {
    source = "./modules/rest-api"
  }

  variables {
    routes = {
      "GET /health"     = { authorized = true }
      "GET /users/{id}" = { authorized = true }
    }
  }

  assert {
    condition     = output.deployment_trigger != run.a_removed_method_on_a_kept_path_replaces_the_deployment.deployment_trigger
    error_message = "Putting the authorizer on GET /health must replace the deployment."
  }
}

run "a_changed_integration_target_replaces_the_deployment" {
  command = apply

  module {
    source = "./modules/rest-api"
  }

  variables {
    routes = {
      "GET /health"     = { authorized = true }
      "GET /users/{id}" = { authorized = true }
    }
    function_invoke_arn = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:fn:live/invocations"
  }

  assert {
    condition     = output.deployment_trigger != run.a_changed_authorization_replaces_the_deployment.deployment_trigger
    error_message = "Pointing the integrations at another function (or alias) must replace the deployment."
  }
}

run "a_changed_authorizer_replaces_the_deployment" {
  command = apply

  module {
    source = "./modules/rest-api"
  }

  variables {
    routes = {
      "GET /health"     = { authorized = true }
      "GET /users/{id}" = { authorized = true }
    }
    function_invoke_arn = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:fn:live/invocations"
    user_pool_arn       = "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_other"
  }

  assert {
    condition     = output.deployment_trigger != run.a_changed_integration_target_replaces_the_deployment.deployment_trigger
    error_message = "Trusting another user pool must replace the deployment."
  }
}

# Not an input of the old hash (routes, function, pool): a setting of the authorizer
# resource itself, here its name (derived from the API's). The hash follows what is
# applied, so settings written inside the module are covered too.
run "a_changed_authorizer_setting_replaces_the_deployment" {
  command = apply

  module {
    source = "./modules/rest-api"
  }

  variables {
    name = "redeploy-renamed"
    routes = {
      "GET /health"     = { authorized = true }
      "GET /users/{id}" = { authorized = true }
    }
    function_invoke_arn = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:fn:live/invocations"
    user_pool_arn       = "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_other"
  }

  assert {
    condition     = output.deployment_trigger != run.a_changed_authorizer_replaces_the_deployment.deployment_trigger
    error_message = "A changed authorizer attribute must replace the deployment, whatever input it came from."
  }
}

# Gateway responses (here the CORS headers on API Gateway's own 4xx/5xx answers) are part
# of the snapshot too: adding them must redeploy, or the stage keeps answering without them.
run "changed_gateway_responses_replace_the_deployment" {
  command = apply

  module {
    source = "./modules/rest-api"
  }

  variables {
    name = "redeploy-renamed"
    routes = {
      "GET /health"     = { authorized = true }
      "GET /users/{id}" = { authorized = true }
    }
    function_invoke_arn  = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:fn:live/invocations"
    user_pool_arn        = "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_other"
    cors_allowed_origins = ["https://app.example.com"]
  }

  assert {
    condition     = output.deployment_trigger != run.a_changed_authorizer_setting_replaces_the_deployment.deployment_trigger
    error_message = "Adding the CORS gateway responses must replace the deployment."
  }
}

run "a_changed_gateway_response_header_replaces_the_deployment" {
  command = apply

  module {
    source = "./modules/rest-api"
  }

  variables {
    name = "redeploy-renamed"
    routes = {
      "GET /health"     = { authorized = true }
      "GET /users/{id}" = { authorized = true }
    }
    function_invoke_arn  = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:fn:live/invocations"
    user_pool_arn        = "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_other"
    cors_allowed_origins = ["https://app.example.com", "https://admin.example.com"]
  }

  assert {
    condition     = output.deployment_trigger != run.changed_gateway_responses_replace_the_deployment.deployment_trigger
    error_message = "A changed Access-Control-Allow-Origin on the gateway responses must replace the deployment."
  }
}
