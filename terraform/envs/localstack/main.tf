# LocalStack accepts any credentials; the default ones are not secrets.
provider "aws" {
  region     = var.region
  access_key = var.credentials.access_key
  secret_key = var.credentials.secret_key
  token      = var.credentials.token

  s3_use_path_style           = true
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  # The provider asks STS for the account (000000000000) as on AWS: without it, ARNs it builds itself (a REST API's
  # execution_arn, so every Lambda permission's source_arn) have an empty account and match no real caller.
  skip_requesting_account_id = false
  skip_region_validation     = true

  endpoints {
    apigateway = var.localstack_endpoint
    cloudwatch = var.localstack_endpoint
    firehose   = var.localstack_endpoint
    events     = var.localstack_endpoint
    logs       = var.localstack_endpoint
    iam        = var.localstack_endpoint
    lambda     = var.localstack_endpoint
    s3         = var.localstack_endpoint
    sfn        = var.localstack_endpoint
    sts        = var.localstack_endpoint
  }
}

locals {
  endpoint_port = regex(":([0-9]+)$", var.localstack_endpoint)[0]
}

module "stack" {
  source = "../../stack"

  name                            = var.name
  model_name                      = var.model_name
  lambda_zip                      = local.stack_paths.lambda_zip
  lambda_manifest                 = local.stack_paths.lambda_manifest
  models_dir                      = local.stack_paths.models_dir
  frontend_dir                    = local.stack_paths.frontend_dir
  model_refresh_seconds           = var.model_refresh_seconds
  memory_mb                       = var.memory_mb
  timeout_s                       = var.timeout_s
  throttle_rate                   = var.throttle_rate
  throttle_burst                  = var.throttle_burst
  cors_origin                     = var.cors_origin
  api_key_required                = var.api_key_required
  snapstart                       = var.snapstart
  reserved_concurrency            = var.reserved_concurrency
  manage_account_logging_role     = var.manage_account_logging_role
  alarm_actions                   = var.alarm_actions
  model_version_days              = var.model_version_days
  batch_rows_per_chunk            = var.batch_rows_per_chunk
  batch_max_concurrency           = var.batch_max_concurrency
  batch_max_input_mb              = var.batch_max_input_mb
  capture_enabled                 = var.capture_enabled
  capture_percent                 = var.capture_percent
  capture_exclude_inputs          = var.capture_exclude_inputs
  capture_batch_rows              = var.capture_batch_rows
  monitor_psi_threshold           = var.monitor_psi_threshold
  monitor_accuracy_drop_threshold = var.monitor_accuracy_drop_threshold
  monitor_rmse_increase_threshold = var.monitor_rmse_increase_threshold
  # There is no execute-api DNS here: clients use LocalStack's path form of the stage URL.
  api_url_template = "${var.localstack_endpoint}/_aws/execute-api/{api_id}/{stage}"
  # Test stacks come and go; their buckets must go with them.
  force_destroy = true
  # The AWS provider waits ~55 s after writing each bucket's lifecycle rule, whatever LocalStack answers;
  # a stack that lives minutes never needs old versions expired.
  bucket_lifecycle_rules = false
  # LocalStack's free edition has no CloudFront: the page stays on the S3 website endpoint.
  site_delivery = "s3_website"
}
