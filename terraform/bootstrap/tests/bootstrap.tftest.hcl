mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }

  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }

  mock_resource "aws_s3_bucket" {
    override_during = plan
    defaults        = { arn = "arn:aws:s3:::rmodel-tfstate-123456789012" }
  }
}

# plan only: the state bucket has prevent_destroy, which a test's teardown would trip over.
run "state_bucket" {
  command = plan

  assert {
    condition     = aws_s3_bucket.state.bucket == "rmodel-tfstate-123456789012"
    error_message = "The state bucket is named after the stack and the account."
  }

  assert {
    condition     = aws_s3_bucket_versioning.state.versioning_configuration[0].status == "Enabled"
    error_message = "Every state version must be kept (undo of a bad apply)."
  }

  assert {
    condition     = one(aws_s3_bucket_server_side_encryption_configuration.state.rule).apply_server_side_encryption_by_default[0].sse_algorithm == "aws:kms"
    error_message = "The state (it holds the API key) is encrypted with KMS."
  }

  assert {
    condition = alltrue([
      aws_s3_bucket_public_access_block.state.block_public_acls,
      aws_s3_bucket_public_access_block.state.block_public_policy,
      aws_s3_bucket_public_access_block.state.ignore_public_acls,
      aws_s3_bucket_public_access_block.state.restrict_public_buckets,
    ])
    error_message = "Every Block Public Access setting is on."
  }

  assert {
    condition = jsondecode(aws_s3_bucket_policy.state.policy).Statement == [{
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = ["arn:aws:s3:::rmodel-tfstate-123456789012", "arn:aws:s3:::rmodel-tfstate-123456789012/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
    error_message = "Requests without TLS are denied."
  }

  assert {
    condition     = output.backend_config == "bucket       = \"rmodel-tfstate-123456789012\"\nkey          = \"rmodel/terraform.tfstate\"\nregion       = \"us-east-1\"\nencrypt      = true\nuse_lockfile = true\n"
    error_message = "backend.hcl names the bucket, the key and the region, and locks with S3's own lock file."
  }

  assert {
    condition     = length(module.github) == 0 && output.deploy_role_arn == null
    error_message = "Without github_repository there is no OIDC provider and no role."
  }
}

run "with_github_roles" {
  command = plan

  variables {
    github_repository = "octo-org/r-models"
  }

  assert {
    condition     = length(module.github) == 1
    error_message = "github_repository creates the OIDC provider and the roles."
  }
}

run "rejects_bad_stack_name" {
  command = plan
  variables {
    stack_name = "RModel"
  }
  expect_failures = [var.stack_name]
}
