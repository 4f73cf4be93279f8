variable "name" {
  type        = string
  description = "Prefix of every resource name; lowercase because bucket names are."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,30}[a-z0-9]$", var.name))
    error_message = "name must be 2-32 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "model_name" {
  type        = string
  description = "Default model (served by the unprefixed routes and direct invokes): the folder models_dir/<model_name>/ and the prefix models/<model_name>/ in the model bucket."

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]+$", var.model_name))
    error_message = "model_name must be letters, digits, hyphens or underscores."
  }
}

variable "lambda_zip" {
  type        = string
  description = "Path of the function's deployment zip (build/lambda.zip)."
}

variable "lambda_manifest" {
  type        = string
  description = "Path of the zip's manifest (build/lambda.manifest.json); its base64sha256 pins the code."

  validation {
    condition     = fileexists(var.lambda_manifest)
    error_message = "The Lambda manifest is missing: run `make package` to build build/lambda.zip and its manifest."
  }
}

variable "models_dir" {
  type        = string
  description = "Folder of trained models (build/models); <model_name>/model.rds and model.json are uploaded when present."
}

variable "frontend_dir" {
  type        = string
  description = "Folder of the static page (frontend/), uploaded as the website."
}

variable "model_refresh_seconds" {
  type        = number
  description = "How often at most the function re-checks model.json for a new model."
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

variable "max_batch_rows" {
  type        = number
  description = "Largest number of rows one prediction request may carry."
  default     = 1000
}

variable "reserved_concurrency" {
  type        = number
  description = "Reserved concurrent executions of the function; null for the account's shared pool."
  default     = null
}

variable "snapstart" {
  type        = bool
  description = "Publish the function with SnapStart behind the alias \"live\"."
  default     = false
}

variable "throttle_rate" {
  type        = number
  description = "API stage rate limit, requests per second."
  default     = 50
}

variable "throttle_burst" {
  type        = number
  description = "API stage burst limit, requests."
  default     = 100
}

variable "cors_origin" {
  type        = string
  description = "Access-Control-Allow-Origin of every API response."
  default     = "*"
}

variable "api_key_required" {
  type        = bool
  description = "Require an API key (and create it with a usage plan)."
  default     = false
}

variable "stage_name" {
  type        = string
  description = "API stage name."
  default     = "v1"
}

variable "api_url_template" {
  type        = string
  description = "How clients reach the stage, with {api_id} and {stage} placeholders; null uses the stage's own invoke URL."
  default     = null
}

variable "manage_account_logging_role" {
  type        = bool
  description = "Own the account's API Gateway CloudWatch role (one per account and region): true in one stack only, e.g. the first; false leaves an existing setting alone and a destroy does not reset it for others."
  default     = false
}

variable "log_retention_days" {
  type        = number
  description = "Days to keep function and access logs."
  default     = 30
}

variable "alarm_actions" {
  type        = list(string)
  description = "ARNs notified by the alarms (e.g. an SNS topic)."
  default     = []
}

variable "bucket_lifecycle_rules" {
  type        = bool
  description = "Give the model and artifact buckets their lifecycle rule (expire replaced versions after 90 days, abort stale uploads); LocalStack stacks turn it off, since the AWS provider waits ~55 s after writing each one."
  default     = true
  nullable    = false # null (an env root leaving it unset) means this default
}

variable "force_destroy" {
  type        = bool
  description = "Let destroy delete buckets that still hold objects (models uploaded after apply included)."
  default     = false
  nullable    = false # null (an env root leaving it unset) means this default
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource."
  default     = {}
}

variable "site_delivery" {
  type        = string
  description = "How the page is served: \"cloudfront\" (private bucket, CloudFront with OAC, HTTPS; AWS) or \"s3_website\" (S3 website endpoint, HTTP; LocalStack, which has no CloudFront)."
  default     = "cloudfront"
  nullable    = false # null (an env root leaving it unset) means this default
}

variable "site_domain_name" {
  type        = string
  description = "Custom domain of the page on CloudFront; null for the distribution's *.cloudfront.net name."
  default     = null
}

variable "site_acm_certificate_arn" {
  type        = string
  description = "ACM certificate in us-east-1 for site_domain_name (set both or neither)."
  default     = null
}

variable "model_version_days" {
  type        = number
  description = "Days a replaced model version is kept in the model bucket (what `make rollback-model` can return to)."
  default     = 90

  validation {
    condition     = var.model_version_days >= 1
    error_message = "model_version_days must be at least 1."
  }
}

variable "batch_rows_per_chunk" {
  type        = number
  description = "Batch scoring: rows scored by one task (one R call)."
  default     = 5000
}

variable "batch_max_concurrency" {
  type        = number
  description = "Batch scoring: chunks scored at once (Distributed Map MaxConcurrency)."
  default     = 4
}

variable "batch_max_input_mb" {
  type        = number
  description = "Batch scoring: largest input CSV in MiB."
  default     = 1024
}

variable "capture_enabled" {
  type        = bool
  description = "Capture predictions for monitoring (one log line per request, delivered to the monitoring bucket); false writes none."
  default     = true
}

variable "capture_percent" {
  type        = number
  description = "Percentage of requests (and of batch-scoring chunks) captured, sampled per request."
  default     = 100

  validation {
    condition     = var.capture_percent >= 0 && var.capture_percent <= 100
    error_message = "capture_percent must be between 0 and 100."
  }
}

variable "capture_exclude_inputs" {
  type        = list(string)
  description = "Input names never captured (privacy): they do not leave the function."
  default     = []

  validation {
    condition     = alltrue([for name in var.capture_exclude_inputs : !strcontains(name, ",")])
    error_message = "capture_exclude_inputs are input names, without commas."
  }
}

variable "capture_batch_rows" {
  type        = number
  description = "Batch scoring: consecutive rows captured per chunk (a sample of each chunk, not the whole file)."
  default     = 100

  validation {
    condition     = var.capture_batch_rows >= 0
    error_message = "capture_batch_rows must be 0 or more."
  }
}

variable "capture_buffer_seconds" {
  type        = number
  description = "Firehose buffer interval: the longest a capture waits before it is written to S3 (AWS)."
  default     = 60
}

variable "monitor_psi_threshold" {
  type        = number
  description = "PSI at or above which the monitor flags an input or the predictions as drifted (and the drift alarm fires)."
  default     = 0.2
  nullable    = false # null (an env root leaving it unset) means this default
}

variable "monitor_accuracy_drop_threshold" {
  type        = number
  description = "The quality alarm fires when a classifier's accuracy on joined truth falls this far below its training accuracy."
  default     = 0.05
  nullable    = false # null (an env root leaving it unset) means this default
}

variable "monitor_rmse_increase_threshold" {
  type        = number
  description = "The quality alarm fires when a regression's RMSE on joined truth exceeds its training RMSE by this fraction."
  default     = 0.25
  nullable    = false # null (an env root leaving it unset) means this default
}
