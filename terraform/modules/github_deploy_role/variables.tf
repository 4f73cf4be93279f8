variable "repository" {
  type        = string
  description = "GitHub repository (owner/name) whose workflows may assume the roles; no other repository can."

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.repository))
    error_message = "repository must be owner/name, e.g. octo-org/r-models (no wildcards)."
  }
}

variable "environment" {
  type        = string
  description = "GitHub environment of the apply job (protect it: required reviewers, deployment branch main); only jobs in it may assume the deploy role."
  default     = "production"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+$", var.environment))
    error_message = "environment must be a plain GitHub environment name (no wildcards)."
  }
}

variable "stack_name" {
  type        = string
  description = "The stack's name prefix (envs/aws var.name): the deploy role may touch only resources named <stack_name>-*."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,30}[a-z0-9]$", var.stack_name))
    error_message = "stack_name must be the stack's name: 2-32 lowercase letters, digits or hyphens."
  }
}

variable "region" {
  type        = string
  description = "Region of the stack (envs/aws var.region); regional permissions are limited to it."
  default     = "us-east-1"
}

variable "state_bucket" {
  type        = string
  description = "Bucket of the Terraform state (terraform/bootstrap)."
}

variable "state_key" {
  type        = string
  description = "Key of the stack's state object in state_bucket; the lock file is <state_key>.tflock."
}

variable "create_oidc_provider" {
  type        = bool
  description = "Create the account's GitHub OIDC identity provider (one per account); false uses oidc_provider_arn."
  default     = true
}

variable "oidc_provider_arn" {
  type        = string
  description = "ARN of an existing token.actions.githubusercontent.com provider, when create_oidc_provider is false."
  default     = null

  validation {
    condition     = var.create_oidc_provider || var.oidc_provider_arn != null
    error_message = "Set oidc_provider_arn to the account's GitHub provider when create_oidc_provider is false."
  }
}

variable "role_name_prefix" {
  type        = string
  description = "Prefix of the two role names (<prefix>-deploy, <prefix>-plan)."
  default     = "github"
}

variable "tags" {
  type        = map(string)
  description = "Tags for the roles and the provider."
  default     = {}
}
