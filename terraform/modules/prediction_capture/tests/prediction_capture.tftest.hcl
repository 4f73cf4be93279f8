mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }

  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/rmodel-capture-filing" }
  }

  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/rmodel-capture" }
  }

  mock_resource "aws_s3_bucket" {
    defaults = { arn = "arn:aws:s3:::rmodel-monitoring" }
  }

  mock_resource "aws_kinesis_firehose_delivery_stream" {
    defaults = { arn = "arn:aws:firehose:us-east-1:123456789012:deliverystream/rmodel-capture" }
  }

  mock_resource "aws_lambda_function" {
    defaults = { arn = "arn:aws:lambda:us-east-1:123456789012:function:rmodel-capture-filing" }
  }
}

variables {
  name             = "rmodel"
  bucket_name      = "rmodel-monitoring"
  log_group_names  = { api = "/aws/lambda/rmodel-predict", batch = "/aws/lambda/rmodel-batch" }
  artifact_bucket  = "rmodel-artifacts"
  artifact_key     = "lambda/abc.zip"
  source_code_hash = "bWFuaWZlc3QtaGFzaA=="
}

run "logs_to_firehose_to_raw_then_filed" {
  command = apply

  assert {
    condition     = toset(keys(aws_cloudwatch_log_subscription_filter.this)) == toset(["api", "batch"]) && aws_cloudwatch_log_subscription_filter.this["batch"].log_group_name == "/aws/lambda/rmodel-batch"
    error_message = "Each given log group gets one subscription filter."
  }

  assert {
    condition     = alltrue([for f in aws_cloudwatch_log_subscription_filter.this : f.filter_pattern == "{ $.capture = 1 }" && f.destination_arn == aws_kinesis_firehose_delivery_stream.this.arn])
    error_message = "Only capture records go to the stream (on AWS; LocalStack ignores the pattern)."
  }

  assert {
    condition     = aws_kinesis_firehose_delivery_stream.this.extended_s3_configuration[0].prefix == "capture/raw/" && aws_kinesis_firehose_delivery_stream.this.extended_s3_configuration[0].compression_format == "UNCOMPRESSED"
    error_message = "Firehose writes the (already gzipped) records under capture/raw/."
  }

  assert {
    condition     = aws_kinesis_firehose_delivery_stream.this.extended_s3_configuration[0].buffering_interval == 60
    error_message = "Captures reach S3 within a minute by default."
  }

  assert {
    condition     = module.filing.handler == "capture_filing.lambda_handler" && module.filing.notification.bucket == "rmodel-monitoring" && module.filing.notification.prefix == "capture/raw/" && module.filing.notification.suffix == null
    error_message = "Every raw object is filed by capture_filing.py from the same zip."
  }

  assert {
    condition     = module.filing.permission.source_arn == "arn:aws:s3:::rmodel-monitoring" && module.filing.permission.source_account == "123456789012"
    error_message = "Only the monitoring bucket of this account may invoke the filing function."
  }
}

run "each_role_holds_only_its_step" {
  command = plan

  assert {
    condition     = jsondecode(aws_iam_role_policy.logs.policy).Statement[0].Action == ["firehose:PutRecord", "firehose:PutRecordBatch"] && length(jsondecode(aws_iam_role_policy.logs.policy).Statement) == 1
    error_message = "CloudWatch Logs may only put records into the stream."
  }

  assert {
    condition     = jsondecode(aws_iam_role.logs.assume_role_policy).Statement[0].Principal.Service == "logs.amazonaws.com" && jsondecode(aws_iam_role.logs.assume_role_policy).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "123456789012"
    error_message = "Only this account's CloudWatch Logs may assume the logs role."
  }

  assert {
    condition     = jsondecode(aws_iam_role.firehose.assume_role_policy).Statement[0].Principal.Service == "firehose.amazonaws.com" && jsondecode(aws_iam_role.firehose.assume_role_policy).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "123456789012"
    error_message = "Only this account's Firehose may assume the Firehose role."
  }

  assert {
    condition     = jsondecode(aws_iam_role_policy.firehose.policy).Statement[0].Resource == ["arn:aws:s3:::rmodel-monitoring/capture/raw/*"] && !contains(flatten([for s in jsondecode(aws_iam_role_policy.firehose.policy).Statement : s.Action]), "s3:GetObject")
    error_message = "Firehose writes only under capture/raw/ and reads nothing."
  }

  assert {
    condition     = [for s in jsondecode(module.filing.policy_json).Statement : s.Resource[0] if s.Sid == "WriteCaptures"] == ["arn:aws:s3:::rmodel-monitoring/capture/*"] && [for s in jsondecode(module.filing.policy_json).Statement : s.Condition.StringLike["s3:prefix"] if s.Sid == "ListRaw"] == [["capture/raw/*"]]
    error_message = "The filing function writes captures and lists only capture/raw/."
  }
}

run "buffer_interval_is_bounded" {
  command = plan

  variables {
    buffer_seconds = 901
  }

  expect_failures = [var.buffer_seconds]
}
