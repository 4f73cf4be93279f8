mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }

  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }

  mock_resource "aws_iam_openid_connect_provider" {
    defaults = { arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
  }

  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/github-deploy" }
  }
}

variables {
  repository   = "octo-org/r-models"
  stack_name   = "rmodel"
  state_bucket = "rmodel-tfstate-123456789012"
  state_key    = "rmodel/terraform.tfstate"
}

run "trust_one_repository_and_environment" {
  command = apply

  assert {
    condition = jsondecode(aws_iam_role.deploy.assume_role_policy).Statement == [{
      Sid       = "GitHubActions"
      Effect    = "Allow"
      Principal = { Federated = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = {
          "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
          "token.actions.githubusercontent.com:sub" = "repo:octo-org/r-models:environment:production"
        }
      }
    }]
    error_message = "Only jobs of octo-org/r-models in its environment production may assume the deploy role (exact match, no wildcard)."
  }

  assert {
    condition     = jsondecode(aws_iam_role.plan.assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"] == "repo:octo-org/r-models:pull_request"
    error_message = "The read-only plan role is for pull-request runs of the one repository."
  }

  assert {
    condition     = aws_iam_openid_connect_provider.github[0].url == "https://token.actions.githubusercontent.com" && aws_iam_openid_connect_provider.github[0].client_id_list == toset(["sts.amazonaws.com"])
    error_message = "The identity provider is GitHub's, for the audience of aws-actions/configure-aws-credentials."
  }

  assert {
    condition     = aws_iam_role.deploy.name == "github-deploy" && aws_iam_role.plan.name == "github-plan" && aws_iam_role.deploy.max_session_duration == 3600
    error_message = "Two roles, one-hour sessions."
  }
}

run "permissions_limited_to_the_stack_and_its_state" {
  command = apply

  assert {
    condition = alltrue(flatten([
      for s in jsondecode(aws_iam_role_policy.deploy.policy).Statement : [for r in s.Resource : r != "*"]
      if !contains(["DescribeLogGroups", "CreateSiteDistribution", "StepFunctionsDefinitionAndLogging"], s.Sid)
    ]))
    error_message = "No deploy statement may name every resource, except for actions AWS cannot limit to one."
  }

  assert {
    condition = toset(flatten([
      for s in jsondecode(aws_iam_role_policy.deploy.policy).Statement : s.Action if contains(s.Resource, "*")
    ])) == toset(["logs:DescribeLogGroups", "cloudfront:CreateDistribution", "cloudfront:CreateOriginAccessControl", "cloudfront:CreateResponseHeadersPolicy", "states:ValidateStateMachineDefinition", "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies"])
    error_message = "Only actions without resource-level permission (the IAM catalogue) are granted on every resource."
  }

  assert {
    condition = alltrue(flatten([
      for s in jsondecode(aws_iam_role_policy.deploy.policy).Statement : [
        for r in s.Resource : strcontains(r, "rmodel-") || strcontains(r, "/aws/apigateway/rmodel/")
      ] if contains(["StackBuckets", "StackFunctions", "StackRoles", "StackRoleManagedPolicy", "PassStackRoles", "StackLogGroups", "StackAlarms", "StackStateMachines", "StackDeliveryStreams", "StackSchedules"], s.Sid)
    ]))
    error_message = "Buckets, functions, roles, log groups, alarms, state machines, delivery streams and schedules are reachable only by the stack's name prefix."
  }

  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.deploy.policy).Statement : s.Resource if s.Sid == "StackBuckets"][0] == [
      "arn:aws:s3:::rmodel-*", "arn:aws:s3:::rmodel-*/*",
    ]
    error_message = "The deploy role reaches only the stack's own buckets."
  }

  assert {
    condition = {
      for s in jsondecode(aws_iam_role_policy.deploy.policy).Statement : s.Sid => s.Resource if startswith(s.Sid, "State")
      } == {
      StateList      = ["arn:aws:s3:::rmodel-tfstate-123456789012"]
      StateReadWrite = ["arn:aws:s3:::rmodel-tfstate-123456789012/rmodel/terraform.tfstate"]
      StateLockFile  = ["arn:aws:s3:::rmodel-tfstate-123456789012/rmodel/terraform.tfstate.tflock"]
    }
    error_message = "State access is the one state object and its lock file."
  }

  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.deploy.policy).Statement : s if s.Sid == "ProtectStateBucket"][0] == {
      Sid       = "ProtectStateBucket"
      Effect    = "Deny"
      NotAction = ["s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
      Resource  = ["arn:aws:s3:::rmodel-tfstate-123456789012", "arn:aws:s3:::rmodel-tfstate-123456789012/*"]
    }
    error_message = "A state bucket named like the stack stays out of the deploy role's reach, state objects aside."
  }

  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.deploy.policy).Statement : s.Condition if s.Sid == "PassStackRoles"][0] == {
      StringEquals = { "iam:PassedToService" = ["lambda.amazonaws.com", "apigateway.amazonaws.com", "states.amazonaws.com", "firehose.amazonaws.com", "logs.amazonaws.com"] }
    }
    error_message = "The stack's roles may be passed only to the services that run as them: Lambda, API Gateway, Step Functions, Firehose and CloudWatch Logs."
  }

  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.deploy.policy).Statement : s.Condition if s.Sid == "StackRoleManagedPolicy"][0].ArnEquals["iam:PolicyARN"] == "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
    error_message = "The only managed policy the deploy role may attach is API Gateway's CloudWatch push policy."
  }

  assert {
    condition = alltrue(flatten([
      for s in jsondecode(aws_iam_role_policy.plan.policy).Statement : [
        for a in s.Action : can(regex("^[a-z0-9]+:(Get|List|Describe)", a)) || a == "apigateway:GET"
      ]
    ]))
    error_message = "The plan role may only read (Get, List, Describe)."
  }

  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.plan.policy).Statement : s.Resource if s.Sid == "StateRead"][0] == ["arn:aws:s3:::rmodel-tfstate-123456789012/rmodel/terraform.tfstate"]
    error_message = "The plan role reads the state object and nothing else of the state bucket."
  }
}

run "existing_identity_provider" {
  command = apply

  variables {
    create_oidc_provider = false
    oidc_provider_arn    = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
  }

  assert {
    condition     = length(aws_iam_openid_connect_provider.github) == 0 && jsondecode(aws_iam_role.deploy.assume_role_policy).Statement[0].Principal.Federated == var.oidc_provider_arn
    error_message = "With create_oidc_provider = false the roles trust the given provider and none is created."
  }
}

run "rejects_wildcard_repository" {
  command = plan
  variables {
    repository = "octo-org/*"
  }
  expect_failures = [var.repository]
}

run "rejects_wildcard_environment" {
  command = plan
  variables {
    environment = "*"
  }
  expect_failures = [var.environment]
}

run "rejects_missing_provider_arn" {
  command = plan
  variables {
    create_oidc_provider = false
  }
  expect_failures = [var.oidc_provider_arn]
}
