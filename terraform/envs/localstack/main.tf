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

  # What differs from envs/aws; ../stack_module.tf passes it to the stack.
  env_settings = {
    # There is no execute-api DNS here: clients use LocalStack's path form of the stage URL.
    api_url_template = "${var.localstack_endpoint}/_aws/execute-api/{api_id}/{stage}"
    # Test stacks come and go; their buckets must go with them.
    force_destroy = true
    # The AWS provider waits ~55 s after writing each bucket's lifecycle rule, whatever LocalStack answers;
    # a stack that lives minutes never needs old versions expired.
    bucket_lifecycle_rules = false
    # LocalStack's free edition has no CloudFront: the page stays on the S3 website endpoint.
    site_delivery            = "s3_website"
    site_domain_name         = null
    site_acm_certificate_arn = null
  }
}
