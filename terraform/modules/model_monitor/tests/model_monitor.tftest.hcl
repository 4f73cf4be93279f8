mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }

  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }

  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/rmodel-monitor" }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/rmodel-monitor" }
  }

  mock_resource "aws_cloudwatch_event_rule" {
    defaults = { arn = "arn:aws:events:us-east-1:123456789012:rule/rmodel-monitor" }
  }
}

variables {
  name              = "rmodel"
  monitoring_bucket = "rmodel-monitoring"
  artifact_bucket   = "rmodel-artifacts"
  artifact_key      = "lambda/abc.zip"
  source_code_hash  = "bWFuaWZlc3QtaGFzaA=="
  model_bucket      = "rmodel-models"
  model_prefix      = "models/admission/"
  alarm_actions     = ["arn:aws:sns:us-east-1:123456789012:alerts"]
}

run "the_monitor_runs_from_the_api_zip_every_day" {
  command = plan

  assert {
    condition     = output.function_name == "rmodel-monitor"
    error_message = "The monitor is a function of its own."
  }

  assert {
    condition     = aws_cloudwatch_event_rule.this.schedule_expression == "cron(15 0 * * ? *)" && aws_cloudwatch_event_rule.this.state == "ENABLED"
    error_message = "By default the monitor runs daily, just after midnight UTC."
  }

  assert {
    condition     = jsondecode(aws_cloudwatch_event_target.this.input) == { date = "yesterday" }
    error_message = "The schedule reports the last complete day."
  }

  assert {
    condition     = aws_lambda_permission.schedule.principal == "events.amazonaws.com" && aws_lambda_permission.schedule.source_account == "123456789012"
    error_message = "Only this account's EventBridge rule may invoke the monitor."
  }

  assert {
    condition     = output.settings == { MONITORING_BUCKET = "rmodel-monitoring", MONITOR_WINDOW_DAYS = "7", DRIFT_PSI_THRESHOLD = "0.2", DRIFT_MIN_ROWS = "100", METRICS_NAMESPACE = "ModelMonitoring" }
    error_message = "The function gets the bucket, the PSI threshold and the window."
  }
}

run "alarms_on_drift_and_on_quality_drops_with_variable_thresholds" {
  command = plan

  variables {
    psi_threshold           = 0.3
    accuracy_drop_threshold = 0.1
    rmse_increase_threshold = 0.5
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["input-drift"].metric_name == "InputPSIMax" && aws_cloudwatch_metric_alarm.this["input-drift"].threshold == 0.3
    error_message = "The drift alarm watches the largest input PSI at psi_threshold."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["accuracy-drop"].threshold == 0.1 && aws_cloudwatch_metric_alarm.this["rmse-increase"].threshold == 0.5
    error_message = "The quality alarms follow their variables."
  }

  assert {
    condition     = alltrue([for a in aws_cloudwatch_metric_alarm.this : a.namespace == "ModelMonitoring" && a.statistic == "Maximum" && a.period == 86400 && a.comparison_operator == "GreaterThanOrEqualToThreshold" && a.treat_missing_data == "notBreaching" && a.dimensions == null && a.alarm_actions == toset(["arn:aws:sns:us-east-1:123456789012:alerts"])])
    error_message = "Every alarm reads the daily maximum across models and versions and notifies alarm_actions."
  }

  assert {
    condition     = output.settings.DRIFT_PSI_THRESHOLD == "0.3"
    error_message = "The function flags inputs at the alarm's threshold."
  }
}

run "least_privilege" {
  command = plan

  variables {
    api_role_name  = "rmodel-predict"
    grant_api_read = true
  }

  assert {
    condition = jsondecode(aws_iam_role_policy.monitor.policy).Statement == [
      { Sid = "ReadCaptureAndTruth", Effect = "Allow", Action = ["s3:GetObject"], Resource = ["arn:aws:s3:::rmodel-monitoring/capture/*", "arn:aws:s3:::rmodel-monitoring/truth/*"] },
      { Sid = "ListCaptureAndTruth", Effect = "Allow", Action = ["s3:ListBucket"], Resource = ["arn:aws:s3:::rmodel-monitoring"], Condition = { StringLike = { "s3:prefix" = ["capture/*", "truth/*"] } } },
      { Sid = "WriteReports", Effect = "Allow", Action = ["s3:PutObject"], Resource = ["arn:aws:s3:::rmodel-monitoring/monitoring/*"] },
      { Sid = "ListModelVersions", Effect = "Allow", Action = ["s3:ListBucketVersions"], Resource = ["arn:aws:s3:::rmodel-models"], Condition = { StringLike = { "s3:prefix" = ["models/*"] } } },
      { Sid = "ReadModelJsonVersions", Effect = "Allow", Action = ["s3:GetObjectVersion"], Resource = ["arn:aws:s3:::rmodel-models/models/*/model.json"] },
      { Sid = "PublishMetrics", Effect = "Allow", Action = ["cloudwatch:PutMetricData"], Resource = ["*"], Condition = { StringEquals = { "cloudwatch:namespace" = "ModelMonitoring" } } },
    ]
    error_message = "The monitor reads capture/ and truth/, writes monitoring/, reads model.json versions, publishes to its namespace: nothing else."
  }

  assert {
    condition     = aws_iam_role_policy.api[0].role == "rmodel-predict" && jsondecode(aws_iam_role_policy.api[0].policy).Statement[0].Resource == ["arn:aws:s3:::rmodel-monitoring/monitoring/*/latest.json"]
    error_message = "The API may read the latest reports only."
  }
}

run "no_api_grant_by_default" {
  command = plan

  assert {
    condition     = length(aws_iam_role_policy.api) == 0
    error_message = "Without grant_api_read the module grants the API nothing."
  }
}

run "schedule_off" {
  command = plan

  variables {
    schedule_enabled = false
  }

  assert {
    condition     = aws_cloudwatch_event_rule.this.state == "DISABLED"
    error_message = "schedule_enabled = false keeps the rule but disables it."
  }
}

run "bad_threshold" {
  command = plan

  variables {
    psi_threshold = 0
  }

  expect_failures = [var.psi_threshold]
}

run "bad_schedule" {
  command = plan

  variables {
    schedule_expression = "every day"
  }

  expect_failures = [var.schedule_expression]
}

run "bad_window" {
  command = plan

  variables {
    window_days = 0
  }

  expect_failures = [var.window_days]
}
