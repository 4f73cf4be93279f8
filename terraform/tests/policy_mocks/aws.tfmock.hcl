# The AWS provider mocked for rendering policy documents offline (`make lint`): every ARN a policy is built from
# is known at plan time and has its real format, so parliament can match each action to its resource type.
mock_data "aws_caller_identity" {
  defaults = { account_id = "123456789012" }
}

mock_data "aws_region" {
  defaults = { name = "us-east-1" }
}

mock_data "aws_partition" {
  defaults = { partition = "aws" }
}

mock_resource "aws_s3_bucket" {
  override_during = plan
  defaults        = { arn = "arn:aws:s3:::rmodel-mock" }
}

mock_resource "aws_cloudwatch_log_group" {
  override_during = plan
  defaults        = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/rmodel-mock" }
}

mock_resource "aws_lambda_function" {
  override_during = plan
  defaults = {
    arn           = "arn:aws:lambda:us-east-1:123456789012:function:rmodel-mock"
    qualified_arn = "arn:aws:lambda:us-east-1:123456789012:function:rmodel-mock:1"
    invoke_arn    = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:rmodel-mock/invocations"
    version       = "1"
  }
}

mock_resource "aws_iam_role" {
  override_during = plan
  defaults        = { arn = "arn:aws:iam::123456789012:role/rmodel-mock" }
}

mock_resource "aws_cloudfront_distribution" {
  override_during = plan
  defaults        = { arn = "arn:aws:cloudfront::123456789012:distribution/EMOCK" }
}

mock_resource "aws_api_gateway_rest_api" {
  override_during = plan
  defaults = {
    id            = "mockapi"
    execution_arn = "arn:aws:execute-api:us-east-1:123456789012:mockapi"
  }
}

mock_resource "aws_kms_key" {
  override_during = plan
  defaults        = { arn = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000" }
}

mock_resource "aws_iam_openid_connect_provider" {
  override_during = plan
  defaults        = { arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
}

mock_resource "aws_kinesis_firehose_delivery_stream" {
  override_during = plan
  defaults        = { arn = "arn:aws:firehose:us-east-1:123456789012:deliverystream/rmodel-mock" }
}
