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

# Each object Firehose writes under capture/raw/ is filed by model, version and day; one left behind (a lost event)
# is filed by invoking the function with {"refile": "all"}.
module "filing" {
  source = "../s3_triggered_function"

  name               = local.filing
  handler            = "capture_filing.lambda_handler"
  artifact_bucket    = var.artifact_bucket
  artifact_key       = var.artifact_key
  source_code_hash   = var.source_code_hash
  timeout_s          = 60
  environment        = { MONITORING_BUCKET = var.bucket_name }
  bucket_name        = module.bucket.name
  filter_prefix      = local.raw_prefix
  statement_id       = "s3-capture-raw"
  policy_name        = "file-captures"
  statements         = local.filing_statements
  log_retention_days = var.log_retention_days
  tags               = var.tags
}

moved {
  from = aws_lambda_function.filing
  to   = module.filing.aws_lambda_function.this
}

moved {
  from = aws_iam_role.filing
  to   = module.filing.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.filing
  to   = module.filing.aws_iam_role_policy.this
}

moved {
  from = aws_cloudwatch_log_group.filing
  to   = module.filing.aws_cloudwatch_log_group.this
}

moved {
  from = aws_lambda_permission.s3_filing
  to   = module.filing.aws_lambda_permission.s3
}

moved {
  from = aws_s3_bucket_notification.raw
  to   = module.filing.aws_s3_bucket_notification.this
}
