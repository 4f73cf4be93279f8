# The first apply, by a person with administrator credentials; its own state stays local (keep it, or
# move it into the bucket afterwards with a backend block and `terraform init -migrate-state`).
provider "aws" {
  region = var.region
}

data "aws_caller_identity" "current" {}

locals {
  state_bucket = coalesce(var.state_bucket, "${var.stack_name}-tfstate-${data.aws_caller_identity.current.account_id}")
  state_key    = "${var.stack_name}/terraform.tfstate"
  tags         = { Stack = var.stack_name, Purpose = "terraform-state" }
}

# Not modules/private_bucket: prevent_destroy is a lifecycle literal that cannot be passed into a module.
resource "aws_s3_bucket" "state" {
  #checkov:skip=CKV_AWS_18:Access logs need a separate log bucket per account; CloudTrail data events are the usual audit for state reads.
  #checkov:skip=CKV_AWS_144:Cross-region replication is a per-account disaster-recovery choice; versions keep every state.
  #checkov:skip=CKV2_AWS_62:Nothing reacts to state changes.
  bucket = local.state_bucket
  tags   = local.tags

  # Losing the state orphans every resource of the stack.
  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket_ownership_controls" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "state" {
  bucket = aws_s3_bucket.state.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# The state holds the API key's value: KMS (the account's aws/s3 key) rather than SSE-S3.
resource "aws_s3_bucket_server_side_encryption_configuration" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "aws:kms"
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_versioning" "state" {
  bucket = aws_s3_bucket.state.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    id     = "expire-old-states-and-abort-uploads"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_state_days
    }
  }

  depends_on = [aws_s3_bucket_versioning.state]
}

locals {
  tls_only_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [aws_s3_bucket.state.arn, "${aws_s3_bucket.state.arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })

  # terraform/envs/aws/backend.hcl: `terraform init -backend-config=backend.hcl`.
  backend_config = <<-EOT
    bucket       = "${aws_s3_bucket.state.bucket}"
    key          = "${local.state_key}"
    region       = "${var.region}"
    encrypt      = true
    use_lockfile = true
  EOT
}

resource "aws_s3_bucket_policy" "state" {
  bucket = aws_s3_bucket.state.id
  policy = local.tls_only_policy

  depends_on = [aws_s3_bucket_public_access_block.state]
}

module "github" {
  source = "../modules/github_deploy_role"
  count  = var.github_repository == null ? 0 : 1

  repository           = var.github_repository
  environment          = var.github_environment
  stack_name           = var.stack_name
  region               = var.region
  state_bucket         = aws_s3_bucket.state.bucket
  state_key            = local.state_key
  create_oidc_provider = var.create_oidc_provider
  oidc_provider_arn    = var.oidc_provider_arn
  tags                 = local.tags
}
