# The stack as both env roots deploy it (each links this file: one call, no copies).
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

  # What differs per env: each env's main.tf sets local.env_settings.
  api_url_template         = local.env_settings.api_url_template
  force_destroy            = local.env_settings.force_destroy
  bucket_lifecycle_rules   = local.env_settings.bucket_lifecycle_rules
  site_delivery            = local.env_settings.site_delivery
  site_domain_name         = local.env_settings.site_domain_name
  site_acm_certificate_arn = local.env_settings.site_acm_certificate_arn
}
