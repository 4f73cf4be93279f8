variable "region" {
  type        = string
  description = "Region of the state bucket and of the stack."
  default     = "us-east-1"
}

variable "stack_name" {
  type        = string
  description = "The stack's name prefix (envs/aws var.name); names the state bucket, the state key and the deploy role's reach."
  default     = "rmodel"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,30}[a-z0-9]$", var.stack_name))
    error_message = "stack_name must be 2-32 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "state_bucket" {
  type        = string
  description = "Name of the state bucket; null means <stack_name>-tfstate-<account id>."
  default     = null
}

variable "noncurrent_state_days" {
  type        = number
  description = "Days to keep replaced versions of the state (the undo history)."
  default     = 90
}

variable "github_repository" {
  type        = string
  description = "GitHub repository (owner/name) that deploys the stack; null creates no OIDC provider and no roles."
  default     = null
}

variable "github_environment" {
  type        = string
  description = "GitHub environment of the apply job; only its jobs may assume the deploy role."
  default     = "production"
}

variable "create_oidc_provider" {
  type        = bool
  description = "Create the account's GitHub OIDC provider; false when the account has one (then set oidc_provider_arn)."
  default     = true
}

variable "oidc_provider_arn" {
  type        = string
  description = "ARN of the account's existing GitHub OIDC provider, when create_oidc_provider is false."
  default     = null
}
