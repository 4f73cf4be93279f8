variable "name" {
  type        = string
  description = "Prefix of the alarm names."
}

variable "function_name" {
  type        = string
  description = "Lambda function to watch."
}

variable "function_timeout_s" {
  type        = number
  description = "The function's timeout; the duration alarm fires at duration_alarm_fraction of it."
}

variable "duration_alarm_fraction" {
  type        = number
  description = "Fraction of the timeout that the p99 duration may reach before the alarm fires."
  default     = 0.8

  validation {
    condition     = var.duration_alarm_fraction > 0 && var.duration_alarm_fraction <= 1
    error_message = "duration_alarm_fraction must be greater than 0 and at most 1."
  }
}

variable "api_name" {
  type        = string
  description = "Name of the REST API to watch (the ApiName metric dimension)."
}

variable "stage_name" {
  type        = string
  description = "Stage of the REST API to watch."
}

variable "period_s" {
  type        = number
  description = "Length of one evaluation period in seconds."
  default     = 300

  validation {
    condition     = contains([10, 30], var.period_s) || (var.period_s >= 60 && var.period_s % 60 == 0)
    error_message = "period_s must be 10, 30 or a multiple of 60."
  }
}

variable "error_threshold" {
  type        = number
  description = "Function errors per period that raise the alarm."
  default     = 1
}

variable "api_5xx_threshold" {
  type        = number
  description = "API 5XX responses per period that raise the alarm."
  default     = 1
}

variable "alarm_actions" {
  type        = list(string)
  description = "ARNs notified when an alarm fires or clears (e.g. an SNS topic)."
  default     = []
}

variable "tags" {
  type        = map(string)
  description = "Tags for the alarms."
  default     = {}
}
