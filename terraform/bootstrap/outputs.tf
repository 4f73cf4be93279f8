output "state_bucket" {
  description = "Bucket of the Terraform state."
  value       = aws_s3_bucket.state.bucket
}

output "backend_config" {
  description = "Content of terraform/envs/aws/backend.hcl (S3 backend with S3's own lock file)."
  value       = local.backend_config
}

output "deploy_role_arn" {
  description = "Repository variable AWS_DEPLOY_ROLE_ARN; null without github_repository."
  value       = one(module.github[*].deploy_role_arn)
}

output "plan_role_arn" {
  description = "Repository variable AWS_PLAN_ROLE_ARN; null without github_repository."
  value       = one(module.github[*].plan_role_arn)
}
