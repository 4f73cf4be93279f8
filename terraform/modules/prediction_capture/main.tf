# Function logs -> subscription filter -> Firehose -> capture/raw/ -> the filing function -> capture/<model>/<version>/date=YYYY-MM-DD/.
# Neither LocalStack's Firehose nor a plain S3 prefix can partition by model and version, so the filing step (same
# zip, capture_filing.py) does it on both clouds: one code path (README, "Why a filing step").

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account    = data.aws_caller_identity.current.account_id
  bucket_arn = "arn:${data.aws_partition.current.partition}:s3:::${var.bucket_name}"
  raw_prefix = "capture/raw/"
  filing     = "${var.name}-capture-filing"
}

module "bucket" {
  source = "../private_bucket"

  name            = var.bucket_name
  versioning      = true # a truth file or a report replaced by mistake can be recovered
  lifecycle_rules = var.lifecycle_rules
  # Filed raw objects and replaced files linger this long as old versions.
  noncurrent_version_days = 7
  force_destroy           = var.force_destroy
  tags                    = var.tags
}

resource "aws_kinesis_firehose_delivery_stream" "this" {
  #checkov:skip=CKV_AWS_240:Records stay in Firehose for at most buffer_seconds; S3 encrypts them at rest (SSE).
  #checkov:skip=CKV_AWS_241:As above: no customer-managed key for a buffer of at most buffer_seconds.
  name        = "${var.name}-capture"
  destination = "extended_s3"

  extended_s3_configuration {
    role_arn   = aws_iam_role.firehose.arn
    bucket_arn = local.bucket_arn
    # Without expressions Firehose adds YYYY/MM/DD/HH/ (on AWS and on LocalStack); the filing step reads any depth.
    prefix             = local.raw_prefix
    buffering_size     = var.buffer_mb
    buffering_interval = var.buffer_seconds
    # CloudWatch Logs sends each record gzipped already; a second gzip would only wrap the first.
    compression_format = "UNCOMPRESSED"
  }

  tags       = var.tags
  depends_on = [aws_iam_role_policy.firehose, module.bucket]
}

resource "aws_cloudwatch_log_subscription_filter" "this" {
  for_each = var.log_group_names

  name            = "${var.name}-capture-${each.key}"
  log_group_name  = each.value
  filter_pattern  = var.filter_pattern
  destination_arn = aws_kinesis_firehose_delivery_stream.this.arn
  role_arn        = aws_iam_role.logs.arn
  distribution    = "ByLogStream"

  depends_on = [aws_iam_role_policy.logs]
}

resource "aws_cloudwatch_log_group" "filing" {
  #checkov:skip=CKV_AWS_158:Logs carry object keys and counts only; CloudWatch encrypts them at rest by default.
  #checkov:skip=CKV_AWS_338:Retention is a variable (default 30 days) so that cost follows the user's policy.
  name              = "/aws/lambda/${local.filing}"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "aws_lambda_function" "filing" {
  #checkov:skip=CKV_AWS_116:S3 invokes it asynchronously with retries; an object left in capture/raw/ is filed by {"refile": "all"}.
  #checkov:skip=CKV_AWS_117:Calls only S3 over its public endpoint; a VPC adds NAT cost.
  #checkov:skip=CKV_AWS_173:The environment holds only the bucket's name, no secret.
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile per account; the zip's SHA-256 is pinned by source_code_hash.
  #checkov:skip=CKV_AWS_115:Each run files one small object; Firehose's buffer bounds how often S3 calls it.
  function_name    = local.filing
  role             = aws_iam_role.filing.arn
  s3_bucket        = var.artifact_bucket
  s3_key           = var.artifact_key
  source_code_hash = var.source_code_hash
  handler          = "capture_filing.lambda_handler"
  runtime          = "python3.12"
  architectures    = ["x86_64"]
  memory_size      = 256
  timeout          = 60

  environment {
    variables = { MONITORING_BUCKET = var.bucket_name }
  }

  tracing_config {
    mode = "PassThrough"
  }

  tags       = var.tags
  depends_on = [aws_iam_role_policy.filing, aws_cloudwatch_log_group.filing]
}

resource "aws_lambda_permission" "s3_filing" {
  statement_id   = "s3-capture-raw"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.filing.function_name
  principal      = "s3.amazonaws.com"
  source_arn     = local.bucket_arn
  source_account = local.account
}

resource "aws_s3_bucket_notification" "raw" {
  bucket = module.bucket.name

  lambda_function {
    lambda_function_arn = aws_lambda_function.filing.arn
    events              = ["s3:ObjectCreated:*"]
    filter_prefix       = local.raw_prefix
  }

  depends_on = [aws_lambda_permission.s3_filing]
}
