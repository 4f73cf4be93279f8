# Least privilege: the monitor reads capture/ and truth/, writes monitoring/, reads older model.json versions
# (their baselines) and publishes metrics to its own namespace; the function module already grants reading the
# current models and writing its own logs. The API may read only the latest reports.

locals {
  monitor_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ReadCaptureAndTruth"
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = ["${local.monitoring_arn}/capture/*", "${local.monitoring_arn}/truth/*"]
      },
      {
        Sid       = "ListCaptureAndTruth"
        Effect    = "Allow"
        Action    = ["s3:ListBucket"]
        Resource  = [local.monitoring_arn]
        Condition = { StringLike = { "s3:prefix" = ["capture/*", "truth/*"] } }
      },
      {
        Sid      = "WriteReports"
        Effect   = "Allow"
        Action   = ["s3:PutObject"]
        Resource = ["${local.monitoring_arn}/monitoring/*"]
      },
      {
        Sid       = "ListModelVersions"
        Effect    = "Allow"
        Action    = ["s3:ListBucketVersions"]
        Resource  = [local.model_arn]
        Condition = { StringLike = { "s3:prefix" = ["${local.models_prefix}*"] } }
      },
      {
        Sid      = "ReadModelJsonVersions"
        Effect   = "Allow"
        Action   = ["s3:GetObjectVersion"]
        Resource = ["${local.model_arn}/${local.models_prefix}*/model.json"]
      },
      {
        # PutMetricData takes no resource ARN (AWS documents "*"); the namespace condition narrows it.
        Sid       = "PublishMetrics"
        Effect    = "Allow"
        Action    = ["cloudwatch:PutMetricData"]
        Resource  = ["*"]
        Condition = { StringEquals = { "cloudwatch:namespace" = var.metrics_namespace } }
      },
    ]
  })

  api_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "ReadLatestReports"
      Effect   = "Allow"
      Action   = ["s3:GetObject"]
      Resource = ["${local.monitoring_arn}/monitoring/*/latest.json"]
    }]
  })
}

resource "aws_iam_role_policy" "monitor" {
  #checkov:skip=CKV_AWS_290:Only PutMetricData takes "*" (no resource ARN), narrowed by the namespace condition.
  #checkov:skip=CKV_AWS_355:Only PutMetricData takes "*" (no resource ARN), narrowed by the namespace condition.
  name   = "monitoring"
  role   = element(split("/", module.function.role_arn), 1)
  policy = local.monitor_policy
}

resource "aws_iam_role_policy" "api" {
  count = var.grant_api_read ? 1 : 0

  name   = "read-latest-monitoring-reports"
  role   = var.api_role_name
  policy = local.api_policy
}
