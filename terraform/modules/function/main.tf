locals {
  model_uri = "s3://${var.model_bucket}/${var.model_prefix}"
  # The folder that holds every model, one <name>/ each: the default model's parent (models/admission/ -> models/).
  models_prefix = replace(var.model_prefix, "/[^/]+/$/", "")
}

data "aws_partition" "current" {}

resource "aws_iam_role" "this" {
  name = var.name
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = var.tags
}

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_158:Logs carry no secrets (requests are model inputs); CloudWatch encrypts them at rest by default.
  #checkov:skip=CKV_AWS_338:Retention is a variable (default 30 days) so that cost follows the user's policy.
  name              = "/aws/lambda/${var.name}"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

# Least privilege: read and list the models folder (the function serves every model in it), write its own log group.
locals {
  role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ReadModel"
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = ["arn:${data.aws_partition.current.partition}:s3:::${var.model_bucket}/${local.models_prefix}*"]
      },
      {
        # Lists the models; and without ListBucket, S3 answers a missing model.json with 403 instead of 404.
        Sid       = "ListModels"
        Effect    = "Allow"
        Action    = ["s3:ListBucket"]
        Resource  = ["arn:${data.aws_partition.current.partition}:s3:::${var.model_bucket}"]
        Condition = { StringLike = { "s3:prefix" = ["${local.models_prefix}*"] } }
      },
      {
        Sid      = "WriteOwnLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = ["${aws_cloudwatch_log_group.this.arn}:*"]
      },
    ]
  })
}

resource "aws_iam_role_policy" "this" {
  name   = "model-read-and-logs"
  role   = aws_iam_role.this.id
  policy = local.role_policy
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_116:Called synchronously by API Gateway; there is no asynchronous event to send to a dead-letter queue.
  #checkov:skip=CKV_AWS_117:Reads only S3 and CloudWatch Logs over public endpoints; a VPC adds NAT cost and cold start.
  #checkov:skip=CKV_AWS_173:The environment holds no secrets (model location and limits); Lambda encrypts it at rest by default.
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile per account; the zip's SHA-256 is pinned by source_code_hash.
  #checkov:skip=CKV_AWS_115:Reserved concurrency is the variable reserved_concurrency; the default leaves the account pool intact.
  function_name    = var.name
  role             = aws_iam_role.this.arn
  s3_bucket        = var.artifact_bucket
  s3_key           = var.artifact_key
  source_code_hash = var.source_code_hash
  handler          = var.handler
  runtime          = var.runtime
  architectures    = ["x86_64"]
  memory_size      = var.memory_mb
  timeout          = var.timeout_s
  publish          = var.snapstart

  reserved_concurrent_executions = var.reserved_concurrency == null ? -1 : var.reserved_concurrency

  environment {
    variables = merge(var.environment, {
      MODEL_URI             = local.model_uri
      MODEL_REFRESH_SECONDS = tostring(var.model_refresh_seconds)
      MAX_BATCH_ROWS        = tostring(var.max_batch_rows)
      CORS_ORIGIN           = var.cors_origin
    })
  }

  tracing_config {
    mode = "PassThrough"
  }

  dynamic "snap_start" {
    for_each = var.snapstart ? [1] : []
    content {
      apply_on = "PublishedVersions"
    }
  }

  tags = var.tags

  # The role must be able to write logs before the first call.
  depends_on = [aws_iam_role_policy.this, aws_cloudwatch_log_group.this]
}

resource "aws_lambda_alias" "live" {
  count = var.snapstart ? 1 : 0

  name             = "live"
  function_name    = aws_lambda_function.this.function_name
  function_version = aws_lambda_function.this.version
}
