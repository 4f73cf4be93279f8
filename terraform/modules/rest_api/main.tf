locals {
  # One entry per route and method, e.g. "POST predict", "POST models/{name}/predict".
  calls = merge([
    for path, methods in var.routes : { for m in methods : "${m} ${path}" => { path = path, method = m } }
  ]...)

  # Every resource the routes need, parents included ("models", "models/{name}", "models/{name}/predict"),
  # by depth: a resource's parent is one level up, and Terraform cannot refer to its own resource block.
  resource_paths = distinct(flatten([
    for path in keys(var.routes) : [
      for depth in range(1, length(split("/", path)) + 1) : join("/", slice(split("/", path), 0, depth))
    ]
  ]))
  paths_at_depth = { for depth in [1, 2, 3] : depth => toset([for p in local.resource_paths : p if length(split("/", p)) == depth]) }
  resource_ids = merge(
    { for p, r in aws_api_gateway_resource.route : p => r.id },
    { for p, r in aws_api_gateway_resource.nested : p => r.id },
    { for p, r in aws_api_gateway_resource.leaf : p => r.id },
  )

  # Header values are API Gateway literals, hence the single quotes.
  cors_headers = {
    "Access-Control-Allow-Origin"  = "'${var.cors_origin}'"
    "Access-Control-Allow-Headers" = "'${join(",", var.cors_allow_headers)}'"
    "Access-Control-Allow-Methods" = "'${join(",", concat(["OPTIONS"], sort(distinct(flatten(values(var.routes))))))}'"
  }

  # A preflight names only the methods of its own route.
  preflight_headers = {
    for path, methods in var.routes : path => merge(local.cors_headers, {
      "Access-Control-Allow-Methods" = "'${join(",", concat(["OPTIONS"], sort(methods)))}'"
    })
  }

  # API Gateway's own errors use the API's error shape and carry CORS headers so a browser can read them.
  gateway_responses = {
    DEFAULT_4XX = {
      status_code = null
      body        = "{\"error\":{\"code\":\"$context.error.responseType\",\"message\":$context.error.messageString,\"details\":null}}"
    }
    DEFAULT_5XX = {
      status_code = null
      body        = "{\"error\":{\"code\":\"$context.error.responseType\",\"message\":$context.error.messageString,\"details\":null}}"
    }
    # An unknown path or method is a 404 here, not API Gateway's 403 "Missing Authentication Token".
    MISSING_AUTHENTICATION_TOKEN = {
      status_code = "404"
      body        = "{\"error\":{\"code\":\"not_found\",\"message\":\"No route for this path and method.\",\"details\":null}}"
    }
  }
}

resource "aws_api_gateway_rest_api" "this" {
  name        = var.name
  description = "Predictions of an R model served by Lambda."
  tags        = var.tags

  endpoint_configuration {
    types = ["REGIONAL"]
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_resource" "route" {
  for_each = local.paths_at_depth[1]

  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_rest_api.this.root_resource_id
  path_part   = each.key
}

resource "aws_api_gateway_resource" "nested" {
  for_each = local.paths_at_depth[2]

  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_resource.route[dirname(each.key)].id
  path_part   = basename(each.key)
}

resource "aws_api_gateway_resource" "leaf" {
  for_each = local.paths_at_depth[3]

  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_resource.nested[dirname(each.key)].id
  path_part   = basename(each.key)
}

resource "aws_api_gateway_method" "call" {
  #checkov:skip=CKV_AWS_59:A public prediction API by design; set api_key_required to demand a key.
  #checkov:skip=CKV2_AWS_53:The function validates every request against the model's inputs and answers 400/422.
  for_each = local.calls

  rest_api_id      = aws_api_gateway_rest_api.this.id
  resource_id      = local.resource_ids[each.value.path]
  http_method      = each.value.method
  authorization    = "NONE"
  api_key_required = var.api_key_required
}

resource "aws_api_gateway_integration" "call" {
  for_each = local.calls

  rest_api_id             = aws_api_gateway_rest_api.this.id
  resource_id             = local.resource_ids[each.value.path]
  http_method             = aws_api_gateway_method.call[each.key].http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = var.function_invoke_arn
}

resource "aws_api_gateway_method" "preflight" {
  #checkov:skip=CKV_AWS_59:Browsers send CORS preflight requests without credentials or API keys.
  #checkov:skip=CKV2_AWS_53:A preflight has no body to validate; the mock integration answers it.
  for_each = var.routes

  rest_api_id      = aws_api_gateway_rest_api.this.id
  resource_id      = local.resource_ids[each.key]
  http_method      = "OPTIONS"
  authorization    = "NONE"
  api_key_required = false
}

resource "aws_api_gateway_integration" "preflight" {
  for_each = var.routes

  rest_api_id       = aws_api_gateway_rest_api.this.id
  resource_id       = local.resource_ids[each.key]
  http_method       = aws_api_gateway_method.preflight[each.key].http_method
  type              = "MOCK"
  request_templates = { "application/json" = "{\"statusCode\": 200}" }
}

resource "aws_api_gateway_method_response" "preflight" {
  for_each = var.routes

  rest_api_id         = aws_api_gateway_rest_api.this.id
  resource_id         = local.resource_ids[each.key]
  http_method         = aws_api_gateway_method.preflight[each.key].http_method
  status_code         = "200"
  response_parameters = { for h, _ in local.cors_headers : "method.response.header.${h}" => true }
}

resource "aws_api_gateway_integration_response" "preflight" {
  for_each = var.routes

  rest_api_id         = aws_api_gateway_rest_api.this.id
  resource_id         = local.resource_ids[each.key]
  http_method         = aws_api_gateway_method.preflight[each.key].http_method
  status_code         = aws_api_gateway_method_response.preflight[each.key].status_code
  response_parameters = { for h, v in local.preflight_headers[each.key] : "method.response.header.${h}" => v }

  depends_on = [aws_api_gateway_integration.preflight]
}

resource "aws_api_gateway_gateway_response" "cors" {
  for_each = local.gateway_responses

  rest_api_id         = aws_api_gateway_rest_api.this.id
  response_type       = each.key
  status_code         = each.value.status_code
  response_parameters = { for h, v in local.cors_headers : "gatewayresponse.header.${h}" => v }
  response_templates  = { "application/json" = each.value.body }
}

resource "aws_api_gateway_deployment" "this" {
  rest_api_id = aws_api_gateway_rest_api.this.id

  # Any change to the API's shape makes a new deployment; the stage then points at it.
  # Hashes what the configuration says (and the ids, for replacements), not attributes the API computes.
  triggers = {
    redeployment = sha1(jsonencode([
      local.calls,
      local.preflight_headers,
      local.gateway_responses,
      local.cors_headers,
      var.function_invoke_arn,
      var.api_key_required,
      local.resource_ids,
      [for m in aws_api_gateway_method.call : m.id],
      [for i in aws_api_gateway_integration.call : i.id],
      [for m in aws_api_gateway_method.preflight : m.id],
      [for i in aws_api_gateway_integration.preflight : i.id],
    ]))
  }

  lifecycle {
    create_before_destroy = true
  }

  depends_on = [
    aws_api_gateway_integration.call,
    aws_api_gateway_integration_response.preflight,
  ]
}

resource "aws_cloudwatch_log_group" "access" {
  #checkov:skip=CKV_AWS_158:Access logs hold request metadata only; CloudWatch encrypts them at rest by default.
  #checkov:skip=CKV_AWS_338:Retention is a variable (default 30 days) so that cost follows the user's policy.
  name              = "/aws/apigateway/${var.name}/access"
  retention_in_days = var.access_log_retention_days
  tags              = var.tags
}

resource "aws_api_gateway_stage" "this" {
  #checkov:skip=CKV_AWS_120:Predictions are cheap and a cache would serve a stale model after a refresh.
  #checkov:skip=CKV2_AWS_29:A WAF web ACL is an account-level choice with its own cost; stage throttling limits abuse.
  #checkov:skip=CKV2_AWS_51:Client certificates authenticate API Gateway to HTTP backends; this backend is Lambda.
  rest_api_id          = aws_api_gateway_rest_api.this.id
  deployment_id        = aws_api_gateway_deployment.this.id
  stage_name           = var.stage_name
  xray_tracing_enabled = true
  tags                 = var.tags

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    format = jsonencode({
      requestId          = "$context.requestId"
      ip                 = "$context.identity.sourceIp"
      requestTime        = "$context.requestTime"
      httpMethod         = "$context.httpMethod"
      resourcePath       = "$context.resourcePath"
      status             = "$context.status"
      responseLength     = "$context.responseLength"
      integrationLatency = "$context.integrationLatency"
      errorType          = "$context.error.responseType"
    })
  }

  depends_on = [aws_api_gateway_account.this]
}

resource "aws_api_gateway_method_settings" "all" {
  #checkov:skip=CKV_AWS_225:Caching is off on purpose: a cached prediction would outlive a model refresh.
  rest_api_id = aws_api_gateway_rest_api.this.id
  stage_name  = aws_api_gateway_stage.this.stage_name
  method_path = "*/*"

  settings {
    throttling_rate_limit  = var.throttle_rate
    throttling_burst_limit = var.throttle_burst
    metrics_enabled        = true
    logging_level          = "ERROR"
  }
}

resource "aws_lambda_permission" "call" {
  for_each = local.calls

  statement_id  = "apigateway-${each.value.method}-${replace(each.value.path, "/[./{}]/", "_")}"
  action        = "lambda:InvokeFunction"
  function_name = var.function_name
  qualifier     = var.function_qualifier
  principal     = "apigateway.amazonaws.com"
  # Only this API's own route and method may call the function, from any of its stages.
  # A path parameter ({name}) matches any value of its segment.
  source_arn = "${aws_api_gateway_rest_api.this.execution_arn}/*/${each.value.method}/${replace(each.value.path, "/\\{[^}]+\\}/", "*")}"
}

resource "aws_api_gateway_api_key" "this" {
  count = var.api_key_required ? 1 : 0

  name = var.name
  tags = var.tags
}

resource "aws_api_gateway_usage_plan" "this" {
  count = var.api_key_required ? 1 : 0

  name = var.name
  tags = var.tags

  api_stages {
    api_id = aws_api_gateway_rest_api.this.id
    stage  = aws_api_gateway_stage.this.stage_name
  }

  throttle_settings {
    rate_limit  = var.throttle_rate
    burst_limit = var.throttle_burst
  }

  dynamic "quota_settings" {
    for_each = var.quota_per_day == null ? [] : [var.quota_per_day]
    content {
      limit  = quota_settings.value
      period = "DAY"
    }
  }
}

resource "aws_api_gateway_usage_plan_key" "this" {
  count = var.api_key_required ? 1 : 0

  key_id        = aws_api_gateway_api_key.this[0].id
  key_type      = "API_KEY"
  usage_plan_id = aws_api_gateway_usage_plan.this[0].id
}

resource "aws_iam_role" "account_logging" {
  count = var.manage_account_logging_role ? 1 : 0

  name = "${var.name}-apigateway-logs"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "apigateway.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = var.tags
}

data "aws_partition" "current" {}

resource "aws_iam_role_policy_attachment" "account_logging" {
  count = var.manage_account_logging_role ? 1 : 0

  role       = aws_iam_role.account_logging[0].name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
}

resource "aws_api_gateway_account" "this" {
  count = var.manage_account_logging_role ? 1 : 0

  cloudwatch_role_arn = aws_iam_role.account_logging[0].arn
  # The role goes away with the stack; the account must not keep pointing at it.
  reset_on_delete = true

  depends_on = [aws_iam_role_policy_attachment.account_logging]
}
