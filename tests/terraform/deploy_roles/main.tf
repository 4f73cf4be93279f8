# The GitHub deploy and plan roles of modules/github_deploy_role, on LocalStack: test_terraform_apply applies, plans
# and destroys envs/localstack with their credentials, so that make iam-check checks the AWS provider's own calls.
terraform {
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
}

variable "stack_name" {
  type        = string
  description = "The stack the roles may deploy (its name prefix)."
}

variable "localstack_endpoint" {
  type        = string
  description = "Base URL of LocalStack's gateway."
}

# LocalStack accepts any credentials; these are not secrets. The roles are made by an administrator, as on AWS.
provider "aws" {
  region                      = "us-east-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = false
  skip_region_validation      = true

  endpoints {
    iam = var.localstack_endpoint
    sts = var.localstack_endpoint
  }
}

module "roles" {
  source = "../../../terraform/modules/github_deploy_role"

  repository       = "example/r-model"
  stack_name       = var.stack_name
  region           = "us-east-1"
  state_bucket     = "${var.stack_name}-tfstate"
  state_key        = "${var.stack_name}/terraform.tfstate"
  role_name_prefix = "github-${var.stack_name}"
}

output "deploy_role_arn" {
  description = "The role the apply and destroy run as."
  value       = module.roles.deploy_role_arn
}

output "plan_role_arn" {
  description = "The role the plan runs as."
  value       = module.roles.plan_role_arn
}
