mock_provider "aws" {}

variables {
  name               = "rmodel"
  function_name      = "rmodel-predict"
  function_timeout_s = 30
  api_name           = "rmodel"
  stage_name         = "v1"
  alarm_actions      = ["arn:aws:sns:us-east-1:123456789012:alerts"]
}

run "alarms_on_errors_throttles_duration_and_5xx" {
  command = plan

  assert {
    condition     = keys(aws_cloudwatch_metric_alarm.this) == ["api-5xx", "function-duration-p99", "function-errors", "function-throttles"]
    error_message = "There must be alarms for function errors, throttles, duration and API 5XX."
  }

  assert {
    condition = alltrue([for k in ["function-errors", "function-throttles", "function-duration-p99"] :
      aws_cloudwatch_metric_alarm.this[k].namespace == "AWS/Lambda" && aws_cloudwatch_metric_alarm.this[k].dimensions == tomap({ FunctionName = "rmodel-predict" })
    ])
    error_message = "Function alarms must watch the function's metrics."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["function-errors"].metric_name == "Errors" && aws_cloudwatch_metric_alarm.this["function-throttles"].metric_name == "Throttles"
    error_message = "Error and throttle alarms must watch Errors and Throttles."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["function-duration-p99"].extended_statistic == "p99" && aws_cloudwatch_metric_alarm.this["function-duration-p99"].threshold == 24000
    error_message = "The duration alarm must fire at p99 >= 80% of the timeout (24,000 ms for 30 s)."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["api-5xx"].namespace == "AWS/ApiGateway" && aws_cloudwatch_metric_alarm.this["api-5xx"].metric_name == "5XXError" && aws_cloudwatch_metric_alarm.this["api-5xx"].dimensions == tomap({ ApiName = "rmodel", Stage = "v1" })
    error_message = "The API alarm must watch 5XXError of the API's stage."
  }

  assert {
    condition     = alltrue([for a in aws_cloudwatch_metric_alarm.this : a.alarm_actions == toset(var.alarm_actions) && a.treat_missing_data == "notBreaching"])
    error_message = "Every alarm must notify alarm_actions and treat silence as fine."
  }
}

run "rejects_zero_fraction" {
  command = plan
  variables {
    duration_alarm_fraction = 0
  }
  expect_failures = [var.duration_alarm_fraction]
}

run "rejects_fraction_above_one" {
  command = plan
  variables {
    duration_alarm_fraction = 1.5
  }
  expect_failures = [var.duration_alarm_fraction]
}

run "rejects_odd_period" {
  command = plan
  variables {
    period_s = 45
  }
  expect_failures = [var.period_s]
}
