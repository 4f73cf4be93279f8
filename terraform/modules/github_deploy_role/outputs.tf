output "deploy_role_arn" {
  description = "Role the apply job assumes (repository variable AWS_DEPLOY_ROLE_ARN)."
  value       = aws_iam_role.deploy.arn
}

output "plan_role_arn" {
  description = "Read-only role pull-request plans assume (repository variable AWS_PLAN_ROLE_ARN)."
  value       = aws_iam_role.plan.arn
}

output "oidc_provider_arn" {
  description = "The GitHub OIDC identity provider the roles trust."
  value       = local.provider_arn
}

output "deploy_policy_json" {
  description = "The deploy role's permissions."
  value       = local.deploy_policy
}

output "plan_policy_json" {
  description = "The plan role's permissions."
  value       = local.plan_policy
}
