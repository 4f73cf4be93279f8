# Plans the AWS env with a mocked provider: what it would create on AWS, without an account.
mock_provider "aws" {
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

run "buckets_keep_their_lifecycle_rules" {
  command = plan

  assert {
    condition     = module.stack.noncurrent_version_days == { models = 90, artifacts = 90 }
    error_message = "On AWS both buckets must delete replaced versions after 90 days (their lifecycle rule)."
  }
}
