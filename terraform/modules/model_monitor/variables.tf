variable "name" {
  type        = string
  description = "Prefix of the module's resource names (function, role, schedule, alarms)."

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,48}$", var.name))
    error_message = "name must be 1-48 letters, digits, hyphens or underscores (it prefixes a function name of up to 64)."
  }
}

variable "monitoring_bucket" {
  type        = string
  description = "Bucket of capture/ (records), truth/ (labels) and monitoring/ (reports); made by the capture side."
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
  description = "Base64 SHA-256 of the zip (the manifest's base64sha256)."
}

variable "model_bucket" {
  type        = string
  description = "Bucket of the models: the monitor reads each version's model.json (its baseline) from it."
}

variable "model_prefix" {
  type        = string
  description = "Prefix of the default model, <folder>/<name>/; the monitor reads every model of <folder>/."
}

variable "window_days" {
  type        = number
  description = "Days a report covers, ending on the day it is run for."
  default     = 7

  validation {
    condition     = var.window_days >= 1 && var.window_days <= 90
    error_message = "window_days must be between 1 and 90."
  }
}

variable "psi_threshold" {
  type        = number
  description = "PSI at or above which an input (or the predictions) counts as drifted, and the drift alarm fires."
  default     = 0.2

  validation {
    condition     = var.psi_threshold > 0
    error_message = "psi_threshold must be above 0 (0.1 is a small shift, 0.2 a real one, 0.25+ a large one)."
  }
}

variable "min_rows" {
  type        = number
  description = "Rows an input needs in the window before it can be flagged (PSI of a few rows is noise)."
  default     = 100

  validation {
    condition     = var.min_rows >= 1
    error_message = "min_rows must be at least 1."
  }
}

variable "accuracy_drop_threshold" {
  type        = number
  description = "Classifiers: the quality alarm fires when accuracy on joined truth is this far below training accuracy."
  default     = 0.05

  validation {
    condition     = var.accuracy_drop_threshold > 0 && var.accuracy_drop_threshold < 1
    error_message = "accuracy_drop_threshold must be between 0 and 1 (a difference of accuracies)."
  }
}

variable "rmse_increase_threshold" {
  type        = number
  description = "Regression: the quality alarm fires when RMSE on joined truth exceeds training RMSE by this fraction."
  default     = 0.25

  validation {
    condition     = var.rmse_increase_threshold > 0
    error_message = "rmse_increase_threshold must be above 0 (0.25 = 25% above the training RMSE)."
  }
}

variable "schedule_expression" {
  type        = string
  description = "When the monitor runs on AWS (EventBridge); LocalStack never fires schedules: run make monitor there."
  default     = "cron(15 0 * * ? *)"

  validation {
    condition     = can(regex("^(rate|cron)\\(.+\\)$", var.schedule_expression))
    error_message = "schedule_expression must be rate(...) or cron(...)."
  }
}

variable "schedule_enabled" {
  type        = bool
  description = "Run the monitor on the schedule (false: only on demand)."
  default     = true
}

variable "metrics_namespace" {
  type        = string
  description = "CloudWatch namespace of the monitor's metrics (dimensions model and version)."
  default     = "ModelMonitoring"
}

variable "api_role_name" {
  type        = string
  description = "Role of the prediction API's function, allowed to read the latest reports (GET /models/{name}/monitoring) when grant_api_read is true."
  default     = null
}

variable "grant_api_read" {
  type        = bool
  description = "Let api_role_name read monitoring/<model>/latest.json (a bool, known at plan time, unlike the role's name)."
  default     = false
}

variable "memory_mb" {
  type        = number
  description = "Memory of the monitor function in MB."
  default     = 1024
}

variable "timeout_s" {
  type        = number
  description = "Timeout of one monitor run (every model and version of the window)."
  default     = 300
}

variable "log_retention_days" {
  type        = number
  description = "Days to keep the monitor's logs."
  default     = 30
}

variable "alarm_actions" {
  type        = list(string)
  description = "ARNs notified when an alarm fires or clears (e.g. an SNS topic)."
  default     = []
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource of the module."
  default     = {}
}
