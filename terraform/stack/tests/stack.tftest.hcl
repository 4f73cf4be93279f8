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

  mock_resource "aws_api_gateway_rest_api" {
    defaults = {
      id               = "abc123"
      execution_arn    = "arn:aws:execute-api:us-east-1:123456789012:abc123"
      root_resource_id = "root0"
    }
  }

  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mock" }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:mock" }
  }

  mock_resource "aws_kinesis_firehose_delivery_stream" {
    defaults = { arn = "arn:aws:firehose:us-east-1:123456789012:deliverystream/rtest-capture" }
  }

  mock_resource "aws_s3_bucket_website_configuration" {
    defaults = { website_endpoint = "rtest-site-123456789012.s3-website-us-east-1.amazonaws.com" }
  }

  mock_resource "aws_cloudfront_distribution" {
    defaults = {
      id          = "EDFDVBD6EXAMPLE"
      arn         = "arn:aws:cloudfront::123456789012:distribution/EDFDVBD6EXAMPLE"
      domain_name = "d111111abcdef8.cloudfront.net"
    }
  }
}

variables {
  name             = "rtest"
  model_name       = "admission"
  lambda_zip       = "tests/fixtures/lambda.zip"
  lambda_manifest  = "tests/fixtures/lambda.manifest.json"
  models_dir       = "tests/fixtures/models"
  frontend_dir     = "tests/fixtures/site"
  api_url_template = "http://127.0.0.1:4566/_aws/execute-api/{api_id}/{stage}"
}

run "composes_the_stack" {
  command = apply

  assert {
    condition     = output.monitoring_bucket == "rtest-monitoring-123456789012"
    error_message = "The monitoring bucket is named after the stack and the account."
  }

  assert {
    condition     = output.capture_settings == { CAPTURE = "on", CAPTURE_PERCENT = "100", CAPTURE_EXCLUDE = "", CAPTURE_BATCH_ROWS = "100" }
    error_message = "The functions capture every request by default."
  }

  assert {
    condition     = output.model_uri == "s3://rtest-models-123456789012/models/admission/"
    error_message = "MODEL_URI must be the model's prefix in the model bucket."
  }

  assert {
    condition     = aws_s3_object.model_rds[0].key == "models/admission/model.rds" && aws_s3_object.model_json[0].key == "models/admission/model.json"
    error_message = "The model files must be uploaded under the model's prefix."
  }

  assert {
    condition     = aws_s3_object.lambda_zip.key == "lambda/fb7d2a44ccd3404db185bcf7076760a47e96231037d6a07abd48bbc9f96f7ee2.zip"
    error_message = "The zip's key must carry its SHA-256."
  }

  assert {
    condition     = output.api_url == "http://127.0.0.1:4566/_aws/execute-api/abc123/v1"
    error_message = "api_url must follow api_url_template."
  }

  assert {
    condition     = jsondecode(module.site.config_json) == { api_url = "http://127.0.0.1:4566/_aws/execute-api/abc123/v1" }
    error_message = "The site's config.json must carry api_url."
  }

  assert {
    condition     = startswith(output.function_name, "rtest-") && startswith(output.model_bucket, "rtest-") && startswith(output.artifact_bucket, "rtest-") && startswith(output.site_bucket, "rtest-")
    error_message = "Every resource name must start with var.name."
  }

  assert {
    condition     = output.api_key == null
    error_message = "No API key unless api_key_required."
  }

  assert {
    condition     = output.website_url == "https://d111111abcdef8.cloudfront.net/" && output.site_distribution_id == "EDFDVBD6EXAMPLE"
    error_message = "By default the page is served by CloudFront over HTTPS."
  }

  assert {
    condition     = strcontains(module.site.content_security_policy, "connect-src 'self' http://127.0.0.1:4566;")
    error_message = "The page's content security policy must allow calls to the API's origin."
  }
}

run "site_on_s3_website_for_localstack" {
  command = apply

  variables {
    site_delivery = "s3_website"
  }

  assert {
    condition     = output.site_distribution_id == null && output.website_url == "http://rtest-site-123456789012.s3-website-us-east-1.amazonaws.com/"
    error_message = "site_delivery = s3_website serves the page from the S3 website endpoint, without CloudFront."
  }
}

run "no_model_files_no_model_objects" {
  command = plan

  variables {
    models_dir = "tests/fixtures/none"
  }

  assert {
    condition     = length(aws_s3_object.model_rds) == 0 && length(aws_s3_object.model_json) == 0
    error_message = "Without trained model files the stack must still plan (the model is uploaded later)."
  }
}

run "rejects_zip_that_does_not_match_manifest" {
  command = plan

  variables {
    lambda_manifest = "tests/fixtures/stale.manifest.json"
  }

  expect_failures = [aws_s3_object.lambda_zip]
}

run "rejects_missing_manifest" {
  command = plan
  variables {
    lambda_manifest = "tests/fixtures/missing.json"
  }
  expect_failures = [var.lambda_manifest]
}

run "rejects_uppercase_name" {
  command = plan
  variables {
    name = "RModel"
  }
  expect_failures = [var.name]
}

run "rejects_model_name_with_slash" {
  command = plan
  variables {
    model_name = "a/b"
  }
  expect_failures = [var.model_name]
}

run "capture_off_and_excluded_inputs" {
  command = plan

  variables {
    capture_enabled        = false
    capture_percent        = 12.5
    capture_exclude_inputs = ["gpa", "rank"]
  }

  assert {
    condition     = output.capture_settings == { CAPTURE = "off", CAPTURE_PERCENT = "12.5", CAPTURE_EXCLUDE = "gpa,rank", CAPTURE_BATCH_ROWS = "100" }
    error_message = "The capture variables reach the functions' environment."
  }
}

run "rejects_capture_percent_over_100" {
  command = plan

  variables {
    capture_percent = 101
  }

  expect_failures = [var.capture_percent]
}
