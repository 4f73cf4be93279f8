mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }

  mock_resource "aws_api_gateway_rest_api" {
    defaults = {
      execution_arn    = "arn:aws:execute-api:us-east-1:123456789012:abc123"
      root_resource_id = "root0"
    }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/apigateway/rmodel/access" }
  }

  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/rmodel-apigateway-logs" }
  }
}

variables {
  name                = "rmodel"
  function_name       = "rmodel-predict"
  function_invoke_arn = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:rmodel-predict/invocations"
  throttle_rate       = 10
  throttle_burst      = 20
  # The one list of allowed headers, shared with the function's responses.
  cors_allow_headers = jsondecode(file("../../../lambda/cors.json")).allow_headers
}

run "routes_cors_throttling" {
  command = apply

  assert {
    condition     = keys(aws_api_gateway_method.call) == ["GET health", "GET metadata", "GET models", "GET models/{name}/metadata", "GET models/{name}/monitoring", "GET models/{name}/openapi.json", "GET monitoring", "GET openapi.json", "POST models/{name}/predict", "POST predict"]
    error_message = "The API must expose exactly the routes of DESIGN.md."
  }

  assert {
    condition     = alltrue([for i in aws_api_gateway_integration.call : i.type == "AWS_PROXY" && i.integration_http_method == "POST" && i.uri == var.function_invoke_arn])
    error_message = "Every route must be a Lambda proxy integration of the function."
  }

  assert {
    condition     = alltrue([for m in aws_api_gateway_method.preflight : m.http_method == "OPTIONS" && m.authorization == "NONE" && !m.api_key_required]) && length(aws_api_gateway_method.preflight) == 10
    error_message = "Every route must answer an unauthenticated OPTIONS preflight."
  }

  assert {
    condition     = alltrue([for i in aws_api_gateway_integration.preflight : i.type == "MOCK"])
    error_message = "Preflights are answered by API Gateway (MOCK), not the function."
  }

  assert {
    condition = aws_api_gateway_integration_response.preflight["predict"].response_parameters == tomap({
      "method.response.header.Access-Control-Allow-Origin"  = "'*'"
      "method.response.header.Access-Control-Allow-Headers" = "'Content-Type,X-Api-Key,Authorization'"
      "method.response.header.Access-Control-Allow-Methods" = "'OPTIONS,POST'"
    })
    error_message = "The preflight must allow the origin, the headers and the API's methods."
  }

  assert {
    condition     = alltrue([for r in ["DEFAULT_4XX", "DEFAULT_5XX", "MISSING_AUTHENTICATION_TOKEN"] : aws_api_gateway_gateway_response.cors[r].response_parameters["gatewayresponse.header.Access-Control-Allow-Origin"] == "'*'"])
    error_message = "4XX and 5XX gateway responses must carry Access-Control-Allow-Origin."
  }

  assert {
    condition     = alltrue([for r in aws_api_gateway_gateway_response.cors : can(jsondecode(replace(r.response_templates["application/json"], "$context.error.messageString", "\"m\"")).error.code)])
    error_message = "Gateway responses must use the API's error shape {\"error\": {\"code\", ...}}."
  }

  assert {
    condition     = aws_api_gateway_gateway_response.cors["DEFAULT_4XX"].response_parameters["gatewayresponse.header.Access-Control-Allow-Methods"] == "'OPTIONS,GET,POST'"
    error_message = "Gateway responses must allow every method of the API."
  }

  assert {
    condition     = aws_api_gateway_gateway_response.cors["MISSING_AUTHENTICATION_TOKEN"].status_code == "404"
    error_message = "An unknown route must answer 404."
  }

  assert {
    condition     = aws_api_gateway_method_settings.all.method_path == "*/*" && aws_api_gateway_method_settings.all.settings[0].throttling_rate_limit == 10 && aws_api_gateway_method_settings.all.settings[0].throttling_burst_limit == 20
    error_message = "Every method of the stage must be throttled at throttle_rate / throttle_burst."
  }

  assert {
    condition     = aws_api_gateway_stage.this.stage_name == "v1" && aws_api_gateway_stage.this.access_log_settings[0].destination_arn == aws_cloudwatch_log_group.access.arn
    error_message = "The stage must write access logs to its log group."
  }

  assert {
    condition     = length(aws_api_gateway_deployment.this.triggers.redeployment) == 40
    error_message = "The deployment must carry a redeployment hash of the API's shape."
  }

  assert {
    condition = { for k, p in aws_lambda_permission.call : k => p.source_arn } == {
      "GET health"                     = "arn:aws:execute-api:us-east-1:123456789012:abc123/*/GET/health"
      "GET metadata"                   = "arn:aws:execute-api:us-east-1:123456789012:abc123/*/GET/metadata"
      "GET openapi.json"               = "arn:aws:execute-api:us-east-1:123456789012:abc123/*/GET/openapi.json"
      "POST predict"                   = "arn:aws:execute-api:us-east-1:123456789012:abc123/*/POST/predict"
      "GET models"                     = "arn:aws:execute-api:us-east-1:123456789012:abc123/*/GET/models"
      "GET models/{name}/metadata"     = "arn:aws:execute-api:us-east-1:123456789012:abc123/*/GET/models/*/metadata"
      "GET models/{name}/openapi.json" = "arn:aws:execute-api:us-east-1:123456789012:abc123/*/GET/models/*/openapi.json"
      "POST models/{name}/predict"     = "arn:aws:execute-api:us-east-1:123456789012:abc123/*/POST/models/*/predict"
      "GET monitoring"                 = "arn:aws:execute-api:us-east-1:123456789012:abc123/*/GET/monitoring"
      "GET models/{name}/monitoring"   = "arn:aws:execute-api:us-east-1:123456789012:abc123/*/GET/models/*/monitoring"
    }
    error_message = "The function may be invoked only by this API's own routes and methods."
  }

  assert {
    condition     = keys(aws_api_gateway_resource.route) == ["health", "metadata", "models", "monitoring", "openapi.json", "predict"] && keys(aws_api_gateway_resource.nested) == ["models/{name}"] && keys(aws_api_gateway_resource.leaf) == ["models/{name}/metadata", "models/{name}/monitoring", "models/{name}/openapi.json", "models/{name}/predict"]
    error_message = "Per-model routes hang under models/{name}, each resource once."
  }

  assert {
    condition     = aws_api_gateway_resource.nested["models/{name}"].path_part == "{name}" && aws_api_gateway_resource.leaf["models/{name}/predict"].path_part == "predict"
    error_message = "{name} is a path parameter segment under /models."
  }

  assert {
    condition     = aws_api_gateway_integration_response.preflight["models/{name}/predict"].response_parameters["method.response.header.Access-Control-Allow-Methods"] == "'OPTIONS,POST'"
    error_message = "A per-model route's preflight names its own methods."
  }

  assert {
    condition     = alltrue([for p in aws_lambda_permission.call : can(regex("^[A-Za-z0-9_-]+$", p.statement_id))])
    error_message = "Permission statement ids must be letters, digits, - and _ only."
  }

  assert {
    condition     = alltrue([for p in aws_lambda_permission.call : p.principal == "apigateway.amazonaws.com" && p.action == "lambda:InvokeFunction"])
    error_message = "Permissions must be for API Gateway to invoke, nothing else."
  }

  assert {
    condition     = length(aws_api_gateway_api_key.this) == 0 && length(aws_api_gateway_usage_plan.this) == 0 && output.api_key == null
    error_message = "No key or usage plan unless api_key_required."
  }

  assert {
    condition     = alltrue([for m in aws_api_gateway_method.call : !m.api_key_required])
    error_message = "Routes must be open unless api_key_required."
  }

  assert {
    condition     = length(aws_api_gateway_account.this) == 0
    error_message = "The account-wide logging role is left alone by default."
  }
}

run "api_key_and_origin" {
  command = apply

  variables {
    api_key_required            = true
    quota_per_day               = 1000
    cors_origin                 = "https://example.org"
    manage_account_logging_role = true
  }

  assert {
    condition     = alltrue([for m in aws_api_gateway_method.call : m.api_key_required]) && alltrue([for m in aws_api_gateway_method.preflight : !m.api_key_required])
    error_message = "Routes need the key; preflights must not."
  }

  assert {
    condition     = aws_api_gateway_usage_plan.this[0].throttle_settings[0].rate_limit == 10 && aws_api_gateway_usage_plan.this[0].quota_settings[0].limit == 1000
    error_message = "The usage plan must throttle like the stage and carry the quota."
  }

  assert {
    condition     = length(aws_api_gateway_usage_plan_key.this) == 1
    error_message = "The key must be attached to the usage plan."
  }

  assert {
    condition     = aws_api_gateway_gateway_response.cors["DEFAULT_5XX"].response_parameters["gatewayresponse.header.Access-Control-Allow-Origin"] == "'https://example.org'"
    error_message = "cors_origin must reach the gateway responses."
  }

  assert {
    condition     = aws_iam_role_policy_attachment.account_logging[0].policy_arn == "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
    error_message = "The account logging role must only have the push-to-CloudWatch policy."
  }
}

run "rejects_route_deeper_than_three_segments" {
  command = plan
  variables {
    routes = { "a/b/c/d" = ["GET"] }
  }
  expect_failures = [var.routes]
}

run "rejects_malformed_segment" {
  command = plan
  variables {
    routes = { "models/{name/predict" = ["GET"] }
  }
  expect_failures = [var.routes]
}

run "rejects_unknown_method" {
  command = plan
  variables {
    routes = { "predict" = ["HEAD"] }
  }
  expect_failures = [var.routes]
}

run "rejects_invalid_stage_name" {
  command = plan
  variables {
    stage_name = "v-1"
  }
  expect_failures = [var.stage_name]
}

run "rejects_zero_rate" {
  command = plan
  variables {
    throttle_rate = 0
  }
  expect_failures = [var.throttle_rate]
}

run "rejects_zero_burst" {
  command = plan
  variables {
    throttle_burst = 0
  }
  expect_failures = [var.throttle_burst]
}

run "rejects_quote_in_origin" {
  command = plan
  variables {
    cors_origin = "https://a'b"
  }
  expect_failures = [var.cors_origin]
}

run "rejects_unsupported_retention" {
  command = plan
  variables {
    access_log_retention_days = 2
  }
  expect_failures = [var.access_log_retention_days]
}

run "rejects_bad_header_name" {
  command = plan
  variables {
    cors_allow_headers = ["Content-Type", "X Api Key"]
  }
  expect_failures = [var.cors_allow_headers]
}
