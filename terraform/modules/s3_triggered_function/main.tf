# A small function from the project's zip that S3 runs on each new object under a prefix of one bucket: its role
# (its own statements plus its own log lines), its log group, the permission S3 invokes it with, and the bucket's
# notification. Batch scoring's starter and capture's filing step are two of these.
data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}

locals {
  bucket_arn = "arn:${data.aws_partition.current.partition}:s3:::${var.bucket_name}"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(var.statements, [{
      Sid      = "WriteOwnLogs"
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = ["${aws_cloudwatch_log_group.this.arn}:*"]
    }])
  })
}

resource "aws_iam_role" "this" {
  name = var.name
  # Lambda's own execution role needs no confused-deputy guard: the function is the only one that can use it.
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
  tags = var.tags
}

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_158:Logs carry object keys and counts only; CloudWatch encrypts them at rest by default.
  #checkov:skip=CKV_AWS_338:Retention is a variable (default 30 days) so that cost follows the user's policy.
  name              = "/aws/lambda/${var.name}"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "aws_iam_role_policy" "this" {
  name   = var.policy_name
  role   = aws_iam_role.this.id
  policy = local.policy
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_116:S3 invokes it asynchronously with retries; an object whose event is lost stays where it was, to be handled again.
  #checkov:skip=CKV_AWS_117:Calls only AWS APIs over their public endpoints; a VPC adds NAT cost.
  #checkov:skip=CKV_AWS_173:The environment holds names and ARNs, no secret.
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile per account; the zip's SHA-256 is pinned by source_code_hash.
  #checkov:skip=CKV_AWS_115:Each run handles one small object's event; S3's event rate bounds how often it runs.
  function_name    = var.name
  role             = aws_iam_role.this.arn
  s3_bucket        = var.artifact_bucket
  s3_key           = var.artifact_key
  source_code_hash = var.source_code_hash
  handler          = var.handler
  runtime          = "python3.12"
  architectures    = ["x86_64"]
  memory_size      = 256
  timeout          = var.timeout_s

  environment {
    variables = var.environment
  }

  tracing_config {
    mode = "PassThrough"
  }

  tags       = var.tags
  depends_on = [aws_iam_role_policy.this, aws_cloudwatch_log_group.this]
}

resource "aws_lambda_permission" "s3" {
  statement_id   = var.statement_id
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.this.function_name
  principal      = "s3.amazonaws.com"
  source_arn     = local.bucket_arn
  source_account = data.aws_caller_identity.current.account_id
}

resource "aws_s3_bucket_notification" "this" {
  bucket = var.bucket_name

  lambda_function {
    lambda_function_arn = aws_lambda_function.this.arn
    events              = ["s3:ObjectCreated:*"]
    filter_prefix       = var.filter_prefix
    filter_suffix       = var.filter_suffix
  }

  depends_on = [aws_lambda_permission.s3]
}
