variable "name" {
  type        = string
  description = "Name of the REST API; prefixes its log group, key and usage plan."
}

variable "function_name" {
  type        = string
  description = "Lambda function that answers every route (proxy integration)."
}

variable "function_invoke_arn" {
  type        = string
  description = "Invoke ARN of the function (of its alias when it has one)."
}

variable "function_qualifier" {
  type        = string
  description = "Alias the API calls, or null for the unqualified function."
  default     = null
}

variable "routes" {
  type        = map(list(string))
  description = "Paths (up to three segments; {param} for a path parameter) and the methods each accepts; every route also answers an OPTIONS preflight."
  default = {
    "predict"                    = ["POST"]
    "health"                     = ["GET"]
    "metadata"                   = ["GET"]
    "openapi.json"               = ["GET"]
    "models"                     = ["GET"]
    "monitoring"                 = ["GET"]
    "models/{name}/predict"      = ["POST"]
    "models/{name}/metadata"     = ["GET"]
    "models/{name}/openapi.json" = ["GET"]
    "models/{name}/monitoring"   = ["GET"]
  }

  validation {
    condition     = alltrue([for path, _ in var.routes : can(regex("^([A-Za-z0-9._-]+|\\{[A-Za-z0-9_]+\\})(/([A-Za-z0-9._-]+|\\{[A-Za-z0-9_]+\\})){0,2}$", path))])
    error_message = "Each route is one to three path segments of letters, digits, dots, hyphens or underscores, or {parameter}, joined by slashes."
  }

  validation {
    condition     = alltrue(flatten([for _, methods in var.routes : [for m in methods : contains(["GET", "POST", "PUT", "PATCH", "DELETE"], m)]]))
    error_message = "Route methods must be GET, POST, PUT, PATCH or DELETE (OPTIONS is added for every route)."
  }
}

variable "stage_name" {
  type        = string
  description = "Stage name; the last part of the base URL."
  default     = "v1"

  validation {
    condition     = can(regex("^[A-Za-z0-9_]{1,128}$", var.stage_name))
    error_message = "stage_name must be 1-128 letters, digits or underscores."
  }
}

variable "throttle_rate" {
  type        = number
  description = "Steady-state request rate limit of the stage, requests per second."
  default     = 50

  validation {
    condition     = var.throttle_rate > 0
    error_message = "throttle_rate must be greater than 0."
  }
}

variable "throttle_burst" {
  type        = number
  description = "Burst limit of the stage, requests."
  default     = 100

  validation {
    condition     = var.throttle_burst >= 1 && floor(var.throttle_burst) == var.throttle_burst
    error_message = "throttle_burst must be a whole number of at least 1."
  }
}

variable "cors_origin" {
  type        = string
  description = "Access-Control-Allow-Origin of preflight and gateway (error) responses."
  default     = "*"

  validation {
    condition     = !strcontains(var.cors_origin, "'")
    error_message = "cors_origin must not contain a single quote (API Gateway header values are quoted with it)."
  }
}

variable "cors_allow_headers" {
  type        = list(string)
  description = "Request headers a browser may send (Access-Control-Allow-Headers); the stack passes lambda/cors.json's allow_headers, the list the function answers with."

  validation {
    condition     = length(var.cors_allow_headers) > 0 && alltrue([for h in var.cors_allow_headers : can(regex("^[A-Za-z0-9-]+$", h))])
    error_message = "cors_allow_headers must be a non-empty list of header names (letters, digits, hyphens)."
  }
}

variable "api_key_required" {
  type        = bool
  description = "Require an API key on every route (preflight excepted) and create the key and a usage plan."
  default     = false
}

variable "quota_per_day" {
  type        = number
  description = "Requests per day of the usage plan (only with api_key_required); null for no quota."
  default     = null
}

variable "access_log_retention_days" {
  type        = number
  description = "Days to keep the stage's access logs."
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.access_log_retention_days)
    error_message = "access_log_retention_days must be one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }
}

variable "manage_account_logging_role" {
  type        = bool
  description = "Create the account-wide role that lets API Gateway write logs (needed once per account and region for access logs)."
  default     = false
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource of the module."
  default     = {}
}
