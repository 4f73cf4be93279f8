data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}

locals {
  # The monitor's own copy of the API's code: its own role (reads capture, writes reports), timeout and memory.
  monitoring_arn = "arn:${data.aws_partition.current.partition}:s3:::${var.monitoring_bucket}"
  model_arn      = "arn:${data.aws_partition.current.partition}:s3:::${var.model_bucket}"
  # The folder of every model: the default model's parent (models/admission/ -> models/).
  models_prefix = replace(var.model_prefix, "/[^/]+/$/", "")

  settings = {
    MONITORING_BUCKET   = var.monitoring_bucket
    MONITOR_WINDOW_DAYS = tostring(var.window_days)
    DRIFT_PSI_THRESHOLD = tostring(var.psi_threshold)
    DRIFT_MIN_ROWS      = tostring(var.min_rows)
    METRICS_NAMESPACE   = var.metrics_namespace
  }

  # Published once more without dimensions, so one alarm watches every model and version (a new version
  # needs no apply); the per-version series (dimensions model, version) say which one it was.
  alarms = {
    input-drift = {
      metric      = "InputPSIMax"
      threshold   = var.psi_threshold
      description = "An input drifted from the training data (PSI >= ${var.psi_threshold}); build/monitoring/<model>.html or monitoring/<model>/latest.json says which model, version and input."
    }
    accuracy-drop = {
      metric      = "AccuracyDrop"
      threshold   = var.accuracy_drop_threshold
      description = "A classifier's accuracy on joined truth is ${var.accuracy_drop_threshold} or more below its training accuracy."
    }
    rmse-increase = {
      metric      = "RMSEIncrease"
      threshold   = var.rmse_increase_threshold
      description = "A regression's RMSE on joined truth is ${var.rmse_increase_threshold * 100}% or more above its training RMSE."
    }
  }
}

module "function" {
  source = "../function"

  name               = "${var.name}-monitor"
  artifact_bucket    = var.artifact_bucket
  artifact_key       = var.artifact_key
  source_code_hash   = var.source_code_hash
  handler            = "monitor.lambda_handler"
  memory_mb          = var.memory_mb
  timeout_s          = var.timeout_s
  model_bucket       = var.model_bucket
  model_prefix       = var.model_prefix
  log_retention_days = var.log_retention_days
  environment        = local.settings
  tags               = var.tags
}

resource "aws_cloudwatch_event_rule" "this" {
  name                = "${var.name}-monitor"
  description         = "Runs the model monitor over yesterday's capture (a day is complete once it is over)."
  schedule_expression = var.schedule_expression
  state               = var.schedule_enabled ? "ENABLED" : "DISABLED"
  tags                = var.tags
}

resource "aws_cloudwatch_event_target" "this" {
  rule  = aws_cloudwatch_event_rule.this.name
  arn   = module.function.arn
  input = jsonencode({ date = "yesterday" })
}

resource "aws_lambda_permission" "schedule" {
  statement_id   = "daily-monitor"
  action         = "lambda:InvokeFunction"
  function_name  = module.function.function_name
  principal      = "events.amazonaws.com"
  source_arn     = aws_cloudwatch_event_rule.this.arn
  source_account = data.aws_caller_identity.current.account_id
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${var.name}-monitor-${each.key}"
  alarm_description   = each.value.description
  namespace           = var.metrics_namespace
  metric_name         = each.value.metric
  statistic           = "Maximum"
  period              = 86400
  evaluation_periods  = 1
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags
}
