# Plans the LocalStack env with a mocked provider (no LocalStack needed).
mock_provider "aws" {
  # The monitor's schedule names the monitor function and its rule by ARN.
  mock_resource "aws_lambda_function" {
    defaults = { arn = "arn:aws:lambda:us-east-1:123456789012:function:mock" }
  }

  mock_resource "aws_cloudwatch_event_rule" {
    defaults = { arn = "arn:aws:events:us-east-1:123456789012:rule/mock" }
  }

  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }

  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }

  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
}

variables {
  lambda_zip      = "../../stack/tests/fixtures/lambda.zip"
  lambda_manifest = "../../stack/tests/fixtures/lambda.manifest.json"
  models_dir      = "../../stack/tests/fixtures/models"
  frontend_dir    = "../../stack/tests/fixtures/site"
}

run "buckets_have_no_lifecycle_rules" {
  command = plan

  assert {
    condition     = module.stack.noncurrent_version_days == { models = null, artifacts = null, batch = null, monitoring = null }
    error_message = "On LocalStack the buckets must have no lifecycle rule: the AWS provider waits ~55 s after writing each one."
  }
}

run "monitor_thresholds_default_to_the_stacks" {
  command = plan

  assert {
    condition     = module.stack.monitor_settings.DRIFT_PSI_THRESHOLD == "0.2"
    error_message = "Unset in the env root, the drift threshold is the stack's default (0.2)."
  }
}

run "monitor_thresholds_are_set_from_the_env_root" {
  command = plan

  variables {
    monitor_psi_threshold = 0.3
  }

  assert {
    condition     = module.stack.monitor_settings.DRIFT_PSI_THRESHOLD == "0.3"
    error_message = "The env root's monitor_psi_threshold reaches the monitor function."
  }
}
