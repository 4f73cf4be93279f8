data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  issuer     = "token.actions.githubusercontent.com"
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  provider_arn = var.create_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : var.oidc_provider_arn

  # The subject claims GitHub puts in a job's token: an environment's jobs, and pull-request runs.
  deploy_subject = "repo:${var.repository}:environment:${var.environment}"
  plan_subject   = "repo:${var.repository}:pull_request"
}

resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_oidc_provider ? 1 : 0

  url            = "https://${local.issuer}"
  client_id_list = ["sts.amazonaws.com"]
  # AWS validates GitHub's certificate against its trusted CAs; the thumbprint is kept for the API's sake.
  thumbprint_list = ["6938fd4d98bab03faadb97b34396831e3780aea1"]
  tags            = var.tags
}

# Only one repository's jobs, with the audience of aws-actions/configure-aws-credentials, and exactly one subject.
locals {
  trust = {
    for role, subject in { deploy = local.deploy_subject, plan = local.plan_subject } : role => jsonencode({
      Version = "2012-10-17"
      Statement = [{
        Sid       = "GitHubActions"
        Effect    = "Allow"
        Principal = { Federated = local.provider_arn }
        Action    = "sts:AssumeRoleWithWebIdentity"
        Condition = {
          StringEquals = {
            "${local.issuer}:aud" = "sts.amazonaws.com"
            "${local.issuer}:sub" = subject
          }
        }
      }]
    })
  }
}

resource "aws_iam_role" "deploy" {
  name                 = "${var.role_name_prefix}-deploy"
  description          = "Applies the ${var.stack_name} stack from ${var.repository} (environment ${var.environment})."
  assume_role_policy   = local.trust.deploy
  max_session_duration = 3600
  tags                 = var.tags
}

resource "aws_iam_role_policy" "deploy" {
  name   = "apply-${var.stack_name}"
  role   = aws_iam_role.deploy.id
  policy = local.deploy_policy
}

resource "aws_iam_role" "plan" {
  name                 = "${var.role_name_prefix}-plan"
  description          = "Plans the ${var.stack_name} stack for pull requests of ${var.repository} (read-only)."
  assume_role_policy   = local.trust.plan
  max_session_duration = 3600
  tags                 = var.tags
}

resource "aws_iam_role_policy" "plan" {
  name   = "plan-${var.stack_name}"
  role   = aws_iam_role.plan.id
  policy = local.plan_policy
}
