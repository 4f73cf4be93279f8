# Renders every policy document at plan time (mocked ARNs of the real format): `make lint` runs parliament on them.
mock_provider "aws" {
  source = "../../tests/policy_mocks"
}

variables {
  lambda_zip      = "../../stack/tests/fixtures/lambda.zip"
  lambda_manifest = "../../stack/tests/fixtures/lambda.manifest.json"
  models_dir      = "../../stack/tests/fixtures/models"
  frontend_dir    = "../../stack/tests/fixtures/site"
}

run "policies" {
  command = plan
}
