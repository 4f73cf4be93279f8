mock_provider "aws" {
  mock_resource "aws_s3_bucket" {
    defaults = { arn = "arn:aws:s3:::models-bucket" }
  }
}

variables {
  name = "models-bucket"
}

run "private_encrypted_versioned_tls_only" {
  command = apply

  assert {
    condition = alltrue([
      aws_s3_bucket_public_access_block.this.block_public_acls,
      aws_s3_bucket_public_access_block.this.block_public_policy,
      aws_s3_bucket_public_access_block.this.ignore_public_acls,
      aws_s3_bucket_public_access_block.this.restrict_public_buckets,
    ])
    error_message = "All four public access blocks must be on."
  }

  assert {
    condition     = one(aws_s3_bucket_ownership_controls.this.rule).object_ownership == "BucketOwnerEnforced"
    error_message = "ACLs must be disabled (BucketOwnerEnforced)."
  }

  assert {
    condition     = [for r in aws_s3_bucket_server_side_encryption_configuration.this.rule : r.apply_server_side_encryption_by_default[0].sse_algorithm] == ["AES256"]
    error_message = "Objects must be encrypted with SSE-S3 when no KMS key is given."
  }

  assert {
    condition     = aws_s3_bucket_versioning.this.versioning_configuration[0].status == "Enabled"
    error_message = "Versioning must be on by default."
  }

  assert {
    condition     = jsondecode(aws_s3_bucket_policy.this.policy).Statement[0].Effect == "Deny" && jsondecode(aws_s3_bucket_policy.this.policy).Statement[0].Condition.Bool["aws:SecureTransport"] == "false"
    error_message = "The policy must deny every request without TLS."
  }

  assert {
    condition     = toset(jsondecode(aws_s3_bucket_policy.this.policy).Statement[0].Resource) == toset(["arn:aws:s3:::models-bucket", "arn:aws:s3:::models-bucket/*"])
    error_message = "The TLS-only deny must cover the bucket and all its objects."
  }

  assert {
    condition     = length(jsondecode(aws_s3_bucket_policy.this.policy).Statement) == 1
    error_message = "The private bucket's policy must grant nothing: one Deny statement only."
  }

  assert {
    condition     = one(aws_s3_bucket_lifecycle_configuration.this[0].rule).noncurrent_version_expiration[0].noncurrent_days == 90
    error_message = "Replaced versions must expire after noncurrent_version_days."
  }
}

run "versioning_can_be_suspended" {
  command = plan

  variables {
    versioning = false
  }

  assert {
    condition     = aws_s3_bucket_versioning.this.versioning_configuration[0].status == "Suspended"
    error_message = "versioning = false must suspend versioning."
  }
}

run "lifecycle_rules_can_be_left_out" {
  command = plan

  variables {
    lifecycle_rules = false
  }

  assert {
    condition     = length(aws_s3_bucket_lifecycle_configuration.this) == 0
    error_message = "lifecycle_rules = false must leave the lifecycle configuration out."
  }
}

run "kms_key_switches_to_sse_kms" {
  command = plan

  variables {
    kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  }

  assert {
    condition     = [for r in aws_s3_bucket_server_side_encryption_configuration.this.rule : r.apply_server_side_encryption_by_default[0].sse_algorithm] == ["aws:kms"]
    error_message = "A KMS key must switch encryption to aws:kms."
  }
}

run "rejects_invalid_bucket_name" {
  command = plan

  variables {
    name = "Models_Bucket"
  }

  expect_failures = [var.name]
}

run "rejects_zero_noncurrent_days" {
  command = plan

  variables {
    noncurrent_version_days = 0
  }

  expect_failures = [var.noncurrent_version_days]
}
