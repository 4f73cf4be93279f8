data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

locals {
  manifest = jsondecode(file(var.lambda_manifest))
  # Every model lives in models/<name>/ of the model bucket; the function serves them all, model_name by default.
  model_prefix = "models/${var.model_name}/"
  model_files  = "${var.models_dir}/${var.model_name}"
  # Account id keeps bucket names unique across accounts.
  bucket_suffix = data.aws_caller_identity.current.account_id
  tags          = merge({ Stack = var.name }, var.tags)
  # What the functions capture for monitoring (lambda/capture.py reads these on every request).
  capture_environment = {
    CAPTURE            = var.capture_enabled ? "on" : "off"
    CAPTURE_PERCENT    = tostring(var.capture_percent)
    CAPTURE_EXCLUDE    = join(",", var.capture_exclude_inputs)
    CAPTURE_BATCH_ROWS = tostring(var.capture_batch_rows)
  }
  # The function answers with the same CORS header list (lambda/cors.json ships in the zip).
  cors = jsondecode(file("${path.module}/../../lambda/cors.json"))

  api_url = var.api_url_template == null ? module.api.invoke_url : replace(replace(
    var.api_url_template, "{api_id}", module.api.id), "{stage}", module.api.stage_name
  )
}

module "model_bucket" {
  source = "../modules/private_bucket"

  name            = "${var.name}-models-${local.bucket_suffix}"
  versioning      = true
  lifecycle_rules = var.bucket_lifecycle_rules
  force_destroy   = var.force_destroy
  tags            = local.tags

  # Every publish is an object version: `make rollback-model` can go back to any kept this long.
  noncurrent_version_days = var.model_version_days
}

module "artifact_bucket" {
  source = "../modules/private_bucket"

  name            = "${var.name}-artifacts-${local.bucket_suffix}"
  versioning      = true
  lifecycle_rules = var.bucket_lifecycle_rules
  force_destroy   = var.force_destroy
  tags            = local.tags
}

# The key carries the zip's hash: a new build is a new object, and the function follows source_code_hash.
resource "aws_s3_object" "lambda_zip" {
  bucket = module.artifact_bucket.name
  key    = "lambda/${local.manifest.sha256}.zip"
  source = var.lambda_zip
  tags   = local.tags

  lifecycle {
    precondition {
      condition     = filebase64sha256(var.lambda_zip) == local.manifest.base64sha256
      error_message = "The zip does not match its manifest (base64sha256): run `make package` again."
    }
  }
}

# The first model comes with the stack; later models are uploaded directly (model.rds, then model.json)
# and served without apply, so Terraform must never put the old files back.
resource "aws_s3_object" "model_rds" {
  count = fileexists("${local.model_files}/model.rds") ? 1 : 0

  bucket = module.model_bucket.name
  key    = "${local.model_prefix}model.rds"
  source = "${local.model_files}/model.rds"

  lifecycle {
    ignore_changes = [source, source_hash, etag, content_type, metadata, tags, tags_all]
  }
}

# model.json is the commit point: it is written after model.rds.
resource "aws_s3_object" "model_json" {
  count = fileexists("${local.model_files}/model.json") ? 1 : 0

  bucket       = module.model_bucket.name
  key          = "${local.model_prefix}model.json"
  source       = "${local.model_files}/model.json"
  content_type = "application/json"

  lifecycle {
    ignore_changes = [source, source_hash, etag, content_type, metadata, tags, tags_all]
  }

  depends_on = [aws_s3_object.model_rds]
}

module "function" {
  source = "../modules/function"

  name                  = "${var.name}-predict"
  artifact_bucket       = module.artifact_bucket.name
  artifact_key          = aws_s3_object.lambda_zip.key
  source_code_hash      = local.manifest.base64sha256
  handler               = try(local.manifest.handler, "handler.lambda_handler")
  memory_mb             = var.memory_mb
  timeout_s             = var.timeout_s
  model_bucket          = module.model_bucket.name
  model_prefix          = local.model_prefix
  model_refresh_seconds = var.model_refresh_seconds
  max_batch_rows        = var.max_batch_rows
  cors_origin           = var.cors_origin
  reserved_concurrency  = var.reserved_concurrency
  snapstart             = var.snapstart
  log_retention_days    = var.log_retention_days
  # Capture settings, and the bucket GET /models/{name}/monitoring reads the monitor's latest report from.
  environment = merge(local.capture_environment, { MONITORING_BUCKET = module.capture.bucket })
  tags        = local.tags
}

module "api" {
  source = "../modules/rest_api"

  name                        = var.name
  function_name               = module.function.function_name
  function_invoke_arn         = module.function.invoke_arn
  function_qualifier          = module.function.qualifier
  stage_name                  = var.stage_name
  throttle_rate               = var.throttle_rate
  throttle_burst              = var.throttle_burst
  cors_origin                 = var.cors_origin
  cors_allow_headers          = local.cors.allow_headers
  api_key_required            = var.api_key_required
  access_log_retention_days   = var.log_retention_days
  manage_account_logging_role = var.manage_account_logging_role
  tags                        = local.tags
}

module "site" {
  source = "../modules/static_site"

  bucket_name = "${var.name}-site-${local.bucket_suffix}"
  site_dir    = var.frontend_dir
  config      = { api_url = local.api_url }
  tags        = local.tags

  delivery            = var.site_delivery
  connect_origins     = [regex("^https?://[^/]+", local.api_url)]
  domain_name         = var.site_domain_name
  acm_certificate_arn = var.site_acm_certificate_arn
}

module "monitoring" {
  source = "../modules/monitoring"

  name               = var.name
  function_name      = module.function.function_name
  function_timeout_s = var.timeout_s
  api_name           = var.name
  stage_name         = module.api.stage_name
  alarm_actions      = var.alarm_actions
  tags               = local.tags
}

module "batch_scoring" {
  source = "../modules/batch_scoring"

  name                  = var.name
  bucket_name           = "${var.name}-batch-${local.bucket_suffix}"
  artifact_bucket       = module.artifact_bucket.name
  artifact_key          = aws_s3_object.lambda_zip.key
  source_code_hash      = local.manifest.base64sha256
  model_bucket          = module.model_bucket.name
  model_prefix          = local.model_prefix
  model_refresh_seconds = var.model_refresh_seconds
  rows_per_chunk        = var.batch_rows_per_chunk
  max_concurrency       = var.batch_max_concurrency
  max_input_mb          = var.batch_max_input_mb
  lifecycle_rules       = var.bucket_lifecycle_rules
  environment           = local.capture_environment
  log_retention_days    = var.log_retention_days
  alarm_actions         = var.alarm_actions
  force_destroy         = var.force_destroy
  tags                  = local.tags
}

# Every capture record the two functions log reaches the monitoring bucket under capture/<model>/<version>/date=.../.
module "capture" {
  source = "../modules/prediction_capture"

  name             = var.name
  bucket_name      = "${var.name}-monitoring-${local.bucket_suffix}"
  log_group_names  = { api = module.function.log_group_name, batch = module.batch_scoring.scoring_log_group_name }
  artifact_bucket  = module.artifact_bucket.name
  artifact_key     = aws_s3_object.lambda_zip.key
  source_code_hash = local.manifest.base64sha256
  buffer_seconds   = var.capture_buffer_seconds
  lifecycle_rules  = var.bucket_lifecycle_rules
  force_destroy    = var.force_destroy
  tags             = local.tags
}

module "model_monitor" {
  source = "../modules/model_monitor"

  name                    = var.name
  monitoring_bucket       = module.capture.bucket
  artifact_bucket         = module.artifact_bucket.name
  artifact_key            = aws_s3_object.lambda_zip.key
  source_code_hash        = local.manifest.base64sha256
  model_bucket            = module.model_bucket.name
  model_prefix            = local.model_prefix
  psi_threshold           = var.monitor_psi_threshold
  accuracy_drop_threshold = var.monitor_accuracy_drop_threshold
  rmse_increase_threshold = var.monitor_rmse_increase_threshold
  api_role_name           = element(split("/", module.function.role_arn), 1)
  grant_api_read          = true
  log_retention_days      = var.log_retention_days
  alarm_actions           = var.alarm_actions
  tags                    = local.tags
}
