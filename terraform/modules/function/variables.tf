variable "name" {
  type        = string
  description = "Function name; also names its IAM role and log group."

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.name))
    error_message = "The function name must be 1-64 letters, digits, hyphens or underscores."
  }
}

variable "artifact_bucket" {
  type        = string
  description = "Bucket that holds the deployment zip."
}

variable "artifact_key" {
  type        = string
  description = "Object key of the deployment zip in artifact_bucket."
}

variable "source_code_hash" {
  type        = string
  description = "Base64 SHA-256 of the zip (the manifest's base64sha256); a change redeploys the code."
}

variable "handler" {
  type        = string
  description = "Entry point, module.function."
  default     = "handler.lambda_handler"
}

variable "runtime" {
  type        = string
  description = "Lambda runtime; the zip carries compiled code for this Python."
  default     = "python3.12"

  validation {
    condition     = can(regex("^python3\\.(1[2-9])$", var.runtime))
    error_message = "The runtime must be python3.12 or newer (Amazon Linux 2023); older runtimes cannot run the bundled R."
  }
}

variable "memory_mb" {
  type        = number
  description = "Memory in MB (CPU scales with it)."
  default     = 1024

  validation {
    condition     = var.memory_mb >= 128 && var.memory_mb <= 10240
    error_message = "memory_mb must be between 128 and 10240."
  }
}

variable "timeout_s" {
  type        = number
  description = "Timeout of one invocation in seconds."
  default     = 30

  validation {
    condition     = var.timeout_s >= 1 && var.timeout_s <= 900
    error_message = "timeout_s must be between 1 and 900."
  }
}

variable "model_bucket" {
  type        = string
  description = "Bucket that holds the models; the function may read and list only the folder of model_prefix in it."
}

variable "model_prefix" {
  type        = string
  description = "Prefix of the default model, <folder>/<name>/ (model.json and model.rds); every other model is a sibling <folder>/<other name>/."

  validation {
    condition     = can(regex("^[^/*?][^*?]*/[^/*?]+/$", var.model_prefix))
    error_message = "model_prefix must be <folder>/<name>/: the default model's folder inside the folder of models, ending in \"/\", without wildcards."
  }
}

variable "model_refresh_seconds" {
  type        = number
  description = "How often at most the function re-checks model.json for a new model."
  default     = 60

  validation {
    condition     = var.model_refresh_seconds >= 0
    error_message = "model_refresh_seconds must be 0 or more."
  }
}

variable "max_batch_rows" {
  type        = number
  description = "Largest number of rows one prediction request may carry."
  default     = 1000

  validation {
    condition     = var.max_batch_rows >= 1
    error_message = "max_batch_rows must be at least 1."
  }
}

variable "cors_origin" {
  type        = string
  description = "Value of Access-Control-Allow-Origin on the function's responses."
  default     = "*"
}

variable "environment" {
  type        = map(string)
  description = "Extra environment variables for the function."
  default     = {}
}

variable "reserved_concurrency" {
  type        = number
  description = "Reserved concurrent executions; null leaves the function on the account's shared pool."
  default     = null

  validation {
    condition     = var.reserved_concurrency == null || try(var.reserved_concurrency >= 0, false)
    error_message = "reserved_concurrency must be null or 0 and more."
  }
}

variable "snapstart" {
  type        = bool
  description = "Publish a version with SnapStart and route calls through the alias \"live\" (R starts at init, so the snapshot carries it)."
  default     = false
}

variable "log_retention_days" {
  type        = number
  description = "Days to keep the function's logs."
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource of the module."
  default     = {}
}
