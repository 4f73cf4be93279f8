variable "localstack_endpoint" {
  type        = string
  description = "Base URL of LocalStack's gateway."
  default     = "http://127.0.0.1:4566"

  validation {
    condition     = can(regex("^https?://[^/]+:[0-9]+$", var.localstack_endpoint))
    error_message = "localstack_endpoint must look like http://127.0.0.1:4566 (scheme, host, port, no path)."
  }
}

variable "region" {
  type        = string
  description = "Region LocalStack emulates."
  default     = "us-east-1"
}

variable "credentials" {
  type = object({
    access_key = string
    secret_key = string
    token      = optional(string)
  })
  description = "What Terraform signs its LocalStack requests with: the account's test keys, or a role's (AssumeRole) so that make iam-check checks the provider's calls against that role's policy."
  default     = { access_key = "test", secret_key = "test" }
  sensitive   = true
}
