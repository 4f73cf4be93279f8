mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }

  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/rmodel-predict" }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/rmodel-predict" }
  }
}

variables {
  name             = "rmodel-predict"
  artifact_bucket  = "rmodel-artifacts"
  artifact_key     = "lambda/abc.zip"
  source_code_hash = "bWFuaWZlc3QtaGFzaA=="
  model_bucket     = "rmodel-models"
  model_prefix     = "models/admission/"
}

run "least_privilege_role_and_function" {
  command = apply

  assert {
    condition     = length(jsondecode(aws_iam_role_policy.this.policy).Statement) == 3
    error_message = "The role must have exactly three statements: model read, model list (a missing model.json is then a 404, not a 403) and own logs."
  }

  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s if s.Sid == "ReadModel"][0] == {
      Sid      = "ReadModel"
      Effect   = "Allow"
      Action   = ["s3:GetObject"]
      Resource = ["arn:aws:s3:::rmodel-models/models/*"]
    }
    error_message = "The function may only GetObject under the models folder."
  }

  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s if s.Sid == "ListModels"][0] == {
      Sid       = "ListModels"
      Effect    = "Allow"
      Action    = ["s3:ListBucket"]
      Resource  = ["arn:aws:s3:::rmodel-models"]
      Condition = { StringLike = { "s3:prefix" = ["models/*"] } }
    }
    error_message = "The function may list only the models folder."
  }

  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s if s.Sid == "WriteOwnLogs"][0] == {
      Sid      = "WriteOwnLogs"
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = ["arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/rmodel-predict:*"]
    }
    error_message = "The function may only write streams and events of its own log group."
  }

  assert {
    condition     = !anytrue([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : anytrue([for r in s.Resource : r == "*" || endswith(r, ":::rmodel-models/*")])])
    error_message = "No statement may grant a wildcard resource or the whole model bucket."
  }

  assert {
    condition     = jsondecode(aws_iam_role.this.assume_role_policy).Statement[0].Principal.Service == "lambda.amazonaws.com"
    error_message = "Only Lambda may assume the role."
  }

  assert {
    condition     = aws_cloudwatch_log_group.this.name == "/aws/lambda/rmodel-predict" && aws_cloudwatch_log_group.this.retention_in_days == 30
    error_message = "The function's own log group must exist with a retention."
  }

  assert {
    condition     = aws_lambda_function.this.runtime == "python3.12" && aws_lambda_function.this.handler == "handler.lambda_handler"
    error_message = "Runtime and handler must default to python3.12 and handler.lambda_handler."
  }

  assert {
    condition     = aws_lambda_function.this.memory_size == 1024 && aws_lambda_function.this.timeout == 30
    error_message = "Memory and timeout must default to 1024 MB and 30 s."
  }

  assert {
    condition     = aws_lambda_function.this.s3_bucket == "rmodel-artifacts" && aws_lambda_function.this.s3_key == "lambda/abc.zip" && aws_lambda_function.this.source_code_hash == "bWFuaWZlc3QtaGFzaA=="
    error_message = "The code must come from the artifact bucket, pinned by source_code_hash."
  }

  assert {
    condition = aws_lambda_function.this.environment[0].variables == tomap({
      MODEL_URI             = "s3://rmodel-models/models/admission/"
      MODEL_REFRESH_SECONDS = "60"
      MAX_BATCH_ROWS        = "1000"
      CORS_ORIGIN           = "*"
    })
    error_message = "The environment must carry MODEL_URI and the handler's settings."
  }

  assert {
    condition     = aws_lambda_function.this.reserved_concurrent_executions == -1 && !aws_lambda_function.this.publish && length(aws_lambda_alias.live) == 0
    error_message = "By default: no reserved concurrency, no published version, no alias."
  }

  assert {
    condition     = output.qualifier == null && output.invoke_arn == aws_lambda_function.this.invoke_arn
    error_message = "Without SnapStart the API calls the unqualified function."
  }
}

run "snapstart_publishes_behind_alias" {
  command = apply

  variables {
    snapstart            = true
    reserved_concurrency = 5
    environment          = { EXTRA = "1" }
  }

  assert {
    condition     = aws_lambda_function.this.publish && aws_lambda_function.this.snap_start[0].apply_on == "PublishedVersions"
    error_message = "SnapStart must publish versions."
  }

  assert {
    condition     = output.qualifier == "live" && output.invoke_arn == aws_lambda_alias.live[0].invoke_arn
    error_message = "With SnapStart the API must call the alias."
  }

  assert {
    condition     = aws_lambda_function.this.reserved_concurrent_executions == 5
    error_message = "reserved_concurrency must reach the function."
  }

  assert {
    condition     = aws_lambda_function.this.environment[0].variables["EXTRA"] == "1" && aws_lambda_function.this.environment[0].variables["MODEL_URI"] == "s3://rmodel-models/models/admission/"
    error_message = "Extra environment variables are merged; MODEL_URI stays."
  }
}

run "rejects_invalid_name" {
  command = plan
  variables {
    name = "bad name"
  }
  expect_failures = [var.name]
}

run "rejects_old_runtime" {
  command = plan
  variables {
    runtime = "python3.11"
  }
  expect_failures = [var.runtime]
}

run "rejects_too_little_memory" {
  command = plan
  variables {
    memory_mb = 64
  }
  expect_failures = [var.memory_mb]
}

run "rejects_too_much_memory" {
  command = plan
  variables {
    memory_mb = 10241
  }
  expect_failures = [var.memory_mb]
}

run "rejects_zero_timeout" {
  command = plan
  variables {
    timeout_s = 0
  }
  expect_failures = [var.timeout_s]
}

run "rejects_timeout_over_900" {
  command = plan
  variables {
    timeout_s = 901
  }
  expect_failures = [var.timeout_s]
}

run "rejects_prefix_without_slash" {
  command = plan
  variables {
    model_prefix = "admission"
  }
  expect_failures = [var.model_prefix]
}

run "rejects_wildcard_prefix" {
  command = plan
  variables {
    model_prefix = "*/"
  }
  expect_failures = [var.model_prefix]
}

run "rejects_prefix_without_a_models_folder" {
  command = plan
  variables {
    model_prefix = "admission/"
  }
  expect_failures = [var.model_prefix]
}

run "rejects_negative_refresh" {
  command = plan
  variables {
    model_refresh_seconds = -1
  }
  expect_failures = [var.model_refresh_seconds]
}

run "rejects_zero_batch_rows" {
  command = plan
  variables {
    max_batch_rows = 0
  }
  expect_failures = [var.max_batch_rows]
}

run "rejects_negative_reserved_concurrency" {
  command = plan
  variables {
    reserved_concurrency = -2
  }
  expect_failures = [var.reserved_concurrency]
}

run "rejects_unsupported_retention" {
  command = plan
  variables {
    log_retention_days = 10
  }
  expect_failures = [var.log_retention_days]
}
