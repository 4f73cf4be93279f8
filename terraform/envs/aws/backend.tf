# Remote state in S3 with S3's own lock file (Terraform >= 1.10; no DynamoDB table). Bucket, key and
# region come from backend.hcl, written by terraform/bootstrap: `terraform init -backend-config=backend.hcl`.
terraform {
  backend "s3" {}
}
