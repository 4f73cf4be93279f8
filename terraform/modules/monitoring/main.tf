locals {
  function_dimensions = { FunctionName = var.function_name }

  alarms = {
    function-errors = {
      description = "The function raised errors (unhandled exceptions, timeouts, out of memory)."
      namespace   = "AWS/Lambda"
      metric      = "Errors"
      statistic   = "Sum"
      extended    = null
      threshold   = var.error_threshold
      dimensions  = local.function_dimensions
    }
    function-throttles = {
      description = "Calls were rejected because the function ran out of concurrency."
      namespace   = "AWS/Lambda"
      metric      = "Throttles"
      statistic   = "Sum"
      extended    = null
      threshold   = 1
      dimensions  = local.function_dimensions
    }
    function-duration-p99 = {
      description = "The slowest 1% of calls come close to the timeout."
      namespace   = "AWS/Lambda"
      metric      = "Duration"
      statistic   = null
      extended    = "p99"
      threshold   = var.function_timeout_s * 1000 * var.duration_alarm_fraction
      dimensions  = local.function_dimensions
    }
    api-5xx = {
      description = "The API answered with server errors."
      namespace   = "AWS/ApiGateway"
      metric      = "5XXError"
      statistic   = "Sum"
      extended    = null
      threshold   = var.api_5xx_threshold
      dimensions  = { ApiName = var.api_name, Stage = var.stage_name }
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  statistic           = each.value.statistic
  extended_statistic  = each.value.extended
  dimensions          = each.value.dimensions
  period              = var.period_s
  evaluation_periods  = 1
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  # No traffic is not a failure.
  treat_missing_data = "notBreaching"
  alarm_actions      = var.alarm_actions
  ok_actions         = var.alarm_actions
  tags               = var.tags
}
