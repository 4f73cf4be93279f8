# Renders every policy document at plan time, the GitHub roles' included: `make lint` runs parliament on them.
mock_provider "aws" {
  source = "../tests/policy_mocks"
}

variables {
  github_repository = "example/r-lambda-serve"
}

run "policies" {
  command = plan
}
