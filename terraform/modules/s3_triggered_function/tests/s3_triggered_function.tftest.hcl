mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }

  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/rmodel-start" }
  }

  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/rmodel-start" }
  }

  mock_resource "aws_lambda_function" {
    defaults = { arn = "arn:aws:lambda:us-east-1:123456789012:function:rmodel-start" }
  }
}

variables {
  name               = "rmodel-start"
  handler            = "batch_start.lambda_handler"
  artifact_bucket    = "rmodel-artifacts"
  artifact_key       = "lambda/abc.zip"
  source_code_hash   = "bWFuaWZlc3QtaGFzaA=="
  timeout_s          = 30
  environment        = { STATE_MACHINE_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:rmodel-batch" }
  bucket_name        = "rmodel-batch"
  filter_prefix      = "in/"
  filter_suffix      = ".csv"
  statement_id       = "s3-batch-input"
  policy_name        = "start-batch-scoring"
  statements         = [{ Sid = "StartScoring", Effect = "Allow", Action = ["states:StartExecution"], Resource = ["arn:aws:states:us-east-1:123456789012:stateMachine:rmodel-batch"] }]
  log_retention_days = 30
}

run "one_function_its_trigger_and_its_role" {
  command = apply

  assert {
    condition     = aws_lambda_function.this.s3_key == "lambda/abc.zip" && aws_lambda_function.this.source_code_hash == "bWFuaWZlc3QtaGFzaA==" && aws_lambda_function.this.runtime == "python3.12"
    error_message = "The function ships in the project's zip, pinned by its hash, on the Python 3.12 runtime."
  }

  assert {
    condition = (one(aws_s3_bucket_notification.this.lambda_function).filter_prefix == "in/" &&
      one(aws_s3_bucket_notification.this.lambda_function).filter_suffix == ".csv" &&
      one(aws_s3_bucket_notification.this.lambda_function).events == toset(["s3:ObjectCreated:*"]) &&
    one(aws_s3_bucket_notification.this.lambda_function).lambda_function_arn == "arn:aws:lambda:us-east-1:123456789012:function:rmodel-start")
    error_message = "New objects under the prefix with the suffix, and nothing else, run the function."
  }

  assert {
    condition     = aws_lambda_permission.s3.principal == "s3.amazonaws.com" && aws_lambda_permission.s3.source_arn == "arn:aws:s3:::rmodel-batch" && aws_lambda_permission.s3.source_account == "123456789012"
    error_message = "Only S3, from this bucket of this account, may invoke the function."
  }

  assert {
    condition = jsondecode(aws_iam_role_policy.this.policy).Statement == [
      { Sid = "StartScoring", Effect = "Allow", Action = ["states:StartExecution"], Resource = ["arn:aws:states:us-east-1:123456789012:stateMachine:rmodel-batch"] },
      { Sid = "WriteOwnLogs", Effect = "Allow", Action = ["logs:CreateLogStream", "logs:PutLogEvents"], Resource = ["arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/rmodel-start:*"] },
    ]
    error_message = "The role may do what the caller lists and write its own log lines, nothing more."
  }

  assert {
    condition     = jsondecode(aws_iam_role.this.assume_role_policy).Statement[0].Principal.Service == "lambda.amazonaws.com" && aws_cloudwatch_log_group.this.name == "/aws/lambda/rmodel-start"
    error_message = "Lambda assumes the role, and the function logs into its own group."
  }
}
