# The variables both envs accept; each env links this file (one list, no copies).

variable "name" {
  type        = string
  description = "Prefix of every resource name."
  default     = "rmodel"
}

variable "model_name" {
  type        = string
  description = "Model to serve (build/models/<model_name>/)."
  default     = "admission"
}

variable "lambda_zip" {
  type        = string
  description = "Deployment zip; null means build/lambda.zip of this repository."
  default     = null
}

variable "lambda_manifest" {
  type        = string
  description = "Manifest of the zip; null means build/lambda.manifest.json of this repository."
  default     = null
}

variable "models_dir" {
  type        = string
  description = "Folder of trained models; null means build/models of this repository."
  default     = null
}

variable "frontend_dir" {
  type        = string
  description = "Folder of the static page; null means frontend/ of this repository."
  default     = null
}

variable "model_refresh_seconds" {
  type        = number
  description = "How often at most the function re-checks model.json."
  default     = 60
}

variable "memory_mb" {
  type        = number
  description = "Function memory in MB."
  default     = 1024
}

variable "timeout_s" {
  type        = number
  description = "Function timeout in seconds."
  default     = 30
}

variable "throttle_rate" {
  type        = number
  description = "API rate limit, requests per second."
  default     = 50
}

variable "throttle_burst" {
  type        = number
  description = "API burst limit, requests."
  default     = 100
}

variable "cors_origin" {
  type        = string
  description = "Access-Control-Allow-Origin of every API response."
  default     = "*"
}

variable "api_key_required" {
  type        = bool
  description = "Require an API key."
  default     = false
}

variable "snapstart" {
  type        = bool
  description = "Publish the function with SnapStart behind the alias \"live\"."
  default     = false
}

variable "reserved_concurrency" {
  type        = number
  description = "Reserved concurrent executions; null for the shared pool."
  default     = null
}

variable "manage_account_logging_role" {
  type        = bool
  description = "Own the account's API Gateway CloudWatch role (one per account and region): true in one stack only, e.g. the first; false leaves an existing setting alone and a destroy does not reset it for others."
  default     = false
}

variable "alarm_actions" {
  type        = list(string)
  description = "ARNs notified by the alarms."
  default     = []
}

locals {
  repo_root = abspath("${path.root}/../../..")

  stack_paths = {
    lambda_zip      = coalesce(var.lambda_zip, "${local.repo_root}/build/lambda.zip")
    lambda_manifest = coalesce(var.lambda_manifest, "${local.repo_root}/build/lambda.manifest.json")
    models_dir      = coalesce(var.models_dir, "${local.repo_root}/build/models")
    frontend_dir    = coalesce(var.frontend_dir, "${local.repo_root}/frontend")
  }
}

variable "model_version_days" {
  type        = number
  description = "Days a replaced model version is kept (what `make rollback-model` can return to)."
  default     = 90
}

variable "batch_rows_per_chunk" {
  type        = number
  description = "Batch scoring: rows scored by one task (one R call)."
  default     = 5000
}

variable "batch_max_concurrency" {
  type        = number
  description = "Batch scoring: chunks scored at once (raise it on AWS, e.g. 100)."
  default     = 4
}

variable "batch_max_input_mb" {
  type        = number
  description = "Batch scoring: largest input CSV in MiB."
  default     = 1024
}

variable "capture_enabled" {
  type        = bool
  description = "Capture predictions for monitoring; false writes none."
  default     = true
}

variable "capture_percent" {
  type        = number
  description = "Percentage of requests captured."
  default     = 100
}

variable "capture_exclude_inputs" {
  type        = list(string)
  description = "Input names never captured."
  default     = []
}

variable "capture_batch_rows" {
  type        = number
  description = "Batch scoring: rows captured per chunk."
  default     = 100
}

variable "monitor_psi_threshold" {
  type        = number
  description = "PSI at or above which the monitor flags drift (and the drift alarm fires); null keeps the stack's default."
  default     = null
}

variable "monitor_accuracy_drop_threshold" {
  type        = number
  description = "Accuracy drop on joined truth at which the quality alarm fires (classifiers); null keeps the stack's default."
  default     = null
}

variable "monitor_rmse_increase_threshold" {
  type        = number
  description = "Fractional RMSE increase on joined truth at which the quality alarm fires (regressions); null keeps the stack's default."
  default     = null
}
