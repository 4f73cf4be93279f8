variable "name" {
  type        = string
  description = "Prefix of the module's resource names (functions, roles, state machine, alarm)."

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,40}$", var.name))
    error_message = "name must be 1-40 letters, digits, hyphens or underscores (it prefixes function names of up to 64)."
  }
}

variable "bucket_name" {
  type        = string
  description = "Name of the batch bucket (in/ for input CSVs, out/ for results, work/ for chunks in flight)."
}

variable "artifact_bucket" {
  type        = string
  description = "Bucket that holds the function zip (the same zip as the prediction API)."
}

variable "artifact_key" {
  type        = string
  description = "Object key of the function zip in artifact_bucket."
}

variable "source_code_hash" {
  type        = string
  description = "Base64 SHA-256 of the zip (the manifest's base64sha256); a change redeploys both functions."
}

variable "model_bucket" {
  type        = string
  description = "Bucket of the model the API serves; the scoring function reads only model_prefix in it."
}

variable "model_prefix" {
  type        = string
  description = "Prefix of the model (model.json + model.rds), ending in a slash."
}

variable "model_refresh_seconds" {
  type        = number
  description = "How often at most the scoring function re-checks model.json for a new model."
  default     = 60
}

variable "rows_per_chunk" {
  type        = number
  description = "Rows scored by one task (one R call); larger chunks mean fewer invokes and state transitions."
  default     = 5000

  validation {
    condition     = var.rows_per_chunk >= 100 && var.rows_per_chunk <= 100000
    error_message = "rows_per_chunk must be between 100 and 100000."
  }
}

variable "max_concurrency" {
  type        = number
  description = "Chunks scored at once (the Distributed Map's MaxConcurrency): at most this many function instances."
  default     = 10

  validation {
    condition     = var.max_concurrency >= 1 && var.max_concurrency <= 10000
    error_message = "max_concurrency must be between 1 and 10000 (Distributed Map's limit)."
  }
}

variable "max_input_mb" {
  type        = number
  description = "Largest input CSV in MiB; the split step reads the whole file within the function timeout."
  default     = 1024

  validation {
    condition     = var.max_input_mb > 0 && var.max_input_mb <= 10240
    error_message = "max_input_mb must be above 0 and at most 10240."
  }
}

variable "memory_mb" {
  type        = number
  description = "Memory of the scoring function in MB (CPU scales with it; 1769 MB is one vCPU)."
  default     = 2048
}

variable "timeout_s" {
  type        = number
  description = "Timeout of one scoring step; splitting and assembling a large file take the longest."
  default     = 900
}

variable "log_retention_days" {
  type        = number
  description = "Days to keep the functions' and the state machine's logs."
  default     = 30
}

variable "alarm_actions" {
  type        = list(string)
  description = "ARNs notified when an execution fails (e.g. an SNS topic)."
  default     = []
}

variable "lifecycle_rules" {
  type        = bool
  description = "Give the batch bucket its lifecycle rule (expire replaced versions, abort stale uploads); LocalStack stacks turn it off, as the AWS provider waits ~55 s after writing one."
  default     = true
}

variable "force_destroy" {
  type        = bool
  description = "Let destroy delete the batch bucket while it still holds files."
  default     = false
}

variable "environment" {
  type        = map(string)
  description = "Extra environment variables for the scoring function (e.g. the capture settings)."
  default     = {}
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource of the module."
  default     = {}
}
