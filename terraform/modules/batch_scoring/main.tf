data "aws_partition" "current" {}

data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

locals {
  state_machine_name = "${var.name}-batch"
  # Known before the state machine exists: its own role (Distributed Map starts child executions) and the
  # starter's policy name it without a dependency cycle.
  state_machine_arn = "arn:${data.aws_partition.current.partition}:states:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:stateMachine:${local.state_machine_name}"
  # A Distributed Map's child executions are named <state machine>/<map run label>:<id> (AWS's Distributed Map IAM guide).
  execution_arns = "arn:${data.aws_partition.current.partition}:states:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:execution:${local.state_machine_name}/*"
  bucket_arn     = "arn:${data.aws_partition.current.partition}:s3:::${var.bucket_name}"

  # Lambda's transient errors and throttling, retried with exponential backoff; anything else is the step's answer.
  lambda_retry = [{
    ErrorEquals     = ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException", "Lambda.Unknown"]
    IntervalSeconds = 2
    MaxAttempts     = 6
    BackoffRate     = 2
  }]
  to_failure = [{ ErrorEquals = ["States.ALL"], ResultPath = "$.error", Next = "ReportFailure" }]
  function   = module.scoring_function.arn

  # split -> Distributed Map over the chunk list (JSON ItemReader) -> assemble. The same definition runs on
  # AWS and on LocalStack, which rejects ItemBatcher, leaves ResultWriter's manifest empty and cannot parse
  # ToleratedFailurePercentage: chunks are made by the split step, and a failed chunk is caught per item.
  definition = {
    Comment = "Score in/<file>.csv into out/<file>.scored.csv and out/<file>.summary.json"
    StartAt = "Split"
    States = {
      Split = {
        Type     = "Task"
        Resource = local.function
        Parameters = {
          step           = "split"
          "bucket.$"     = "$.bucket"
          "key.$"        = "$.key"
          "version_id.$" = "$.version_id"
          "etag.$"       = "$.etag"
          "run.$"        = "$$.Execution.Name"
        }
        ResultPath = "$.split"
        Retry      = local.lambda_retry
        Catch      = local.to_failure
        Next       = "CheckFile"
      }
      CheckFile = {
        Type    = "Choice"
        Choices = [{ Variable = "$.split.ok", BooleanEquals = false, Next = "ReportFailure" }]
        Default = "ScoreChunks"
      }
      ScoreChunks = {
        Type = "Map"
        ItemReader = {
          Resource     = "arn:aws:states:::s3:getObject"
          ReaderConfig = { InputType = "JSON" }
          Parameters   = { "Bucket.$" = "$.split.bucket", "Key.$" = "$.split.chunks_key" }
        }
        ItemSelector = {
          step       = "score"
          "bucket.$" = "$.split.bucket"
          "chunk.$"  = "$$.Map.Item.Value"
        }
        ItemProcessor = {
          ProcessorConfig = { Mode = "DISTRIBUTED", ExecutionType = "STANDARD" }
          StartAt         = "ScoreChunk"
          States = {
            ScoreChunk = {
              Type     = "Task"
              Resource = local.function
              Retry    = local.lambda_retry
              # A chunk that still fails is reported by the assemble step (its rows get the error), not hidden.
              Catch = [{ ErrorEquals = ["States.ALL"], Next = "ChunkFailed" }]
              End   = true
            }
            ChunkFailed = { Type = "Pass", End = true }
          }
        }
        MaxConcurrency = var.max_concurrency
        ResultPath     = null
        Catch          = local.to_failure
        Next           = "Assemble"
      }
      Assemble = {
        Type     = "Task"
        Resource = local.function
        Parameters = {
          step           = "assemble"
          "bucket.$"     = "$.bucket"
          "key.$"        = "$.key"
          "version_id.$" = "$.version_id"
          "etag.$"       = "$.etag"
          "split.$"      = "$.split"
          "run.$"        = "$$.Execution.Name"
          "started.$"    = "$$.Execution.StartTime"
        }
        ResultPath = "$.result"
        Retry      = local.lambda_retry
        Catch      = local.to_failure
        Next       = "CheckChunks"
      }
      CheckChunks = {
        Type    = "Choice"
        Choices = [{ Variable = "$.result.status", StringEquals = "succeeded", Next = "Scored" }]
        Default = "ChunksFailed"
      }
      Scored       = { Type = "Succeed" }
      ChunksFailed = { Type = "Fail", Error = "ChunksFailed", CausePath = "$.result.reason" }
      ReportFailure = {
        Type     = "Task"
        Resource = local.function
        Parameters = {
          step        = "fail"
          "state.$"   = "$"
          "run.$"     = "$$.Execution.Name"
          "started.$" = "$$.Execution.StartTime"
        }
        ResultPath = "$.result"
        Retry      = local.lambda_retry
        Next       = "Failed"
      }
      Failed = { Type = "Fail", Error = "BatchScoringFailed", CausePath = "$.result.reason" }
    }
  }
}

# A bucket of its own: users write in/ without any access to models, and the bucket's single
# notification configuration belongs to this module alone.
module "bucket" {
  source = "../private_bucket"

  name            = var.bucket_name
  versioning      = true
  lifecycle_rules = var.lifecycle_rules
  force_destroy   = var.force_destroy
  tags            = var.tags
}

# The API's own code and model, as a second function: its own role, timeout and concurrency, so a
# large batch never takes the API's capacity or widens the API's permissions.
module "scoring_function" {
  source = "../function"

  name                  = "${var.name}-batch"
  artifact_bucket       = var.artifact_bucket
  artifact_key          = var.artifact_key
  source_code_hash      = var.source_code_hash
  handler               = "batch_scoring.lambda_handler"
  memory_mb             = var.memory_mb
  timeout_s             = var.timeout_s
  model_bucket          = var.model_bucket
  model_prefix          = var.model_prefix
  model_refresh_seconds = var.model_refresh_seconds
  log_retention_days    = var.log_retention_days
  environment = merge(var.environment, {
    BATCH_ROWS_PER_CHUNK = tostring(var.rows_per_chunk)
    BATCH_MAX_INPUT_MB   = tostring(var.max_input_mb)
  })
  tags = var.tags
}

# S3 -> the starter -> the state machine: each CSV uploaded under in/ starts one execution.
module "start" {
  source = "../s3_triggered_function"

  name               = "${var.name}-batch-start"
  handler            = "batch_start.lambda_handler"
  artifact_bucket    = var.artifact_bucket
  artifact_key       = var.artifact_key
  source_code_hash   = var.source_code_hash
  timeout_s          = 30
  environment        = { STATE_MACHINE_ARN = local.state_machine_arn }
  bucket_name        = module.bucket.name
  filter_prefix      = "in/"
  filter_suffix      = ".csv"
  statement_id       = "s3-batch-input"
  policy_name        = "start-batch-scoring"
  statements         = [{ Sid = "StartScoring", Effect = "Allow", Action = ["states:StartExecution"], Resource = [local.state_machine_arn] }]
  log_retention_days = var.log_retention_days
  tags               = var.tags
}

moved {
  from = aws_lambda_function.start
  to   = module.start.aws_lambda_function.this
}

moved {
  from = aws_iam_role.start
  to   = module.start.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.start
  to   = module.start.aws_iam_role_policy.this
}

moved {
  from = aws_cloudwatch_log_group.start
  to   = module.start.aws_cloudwatch_log_group.this
}

moved {
  from = aws_lambda_permission.s3_start
  to   = module.start.aws_lambda_permission.s3
}

moved {
  from = aws_s3_bucket_notification.input
  to   = module.start.aws_s3_bucket_notification.this
}

resource "aws_sfn_state_machine" "this" {
  name       = local.state_machine_name
  role_arn   = aws_iam_role.state_machine.arn
  definition = jsonencode(local.definition)

  logging_configuration {
    log_destination = "${aws_cloudwatch_log_group.state_machine.arn}:*"
    # State data is object keys and row counts, never rows (they stay in S3): safe to log with errors.
    include_execution_data = true
    level                  = "ERROR"
  }

  tracing_configuration {
    enabled = true
  }

  # LocalStack does not report tracing back, so every plan would show it again; it is fixed at true here anyway.
  lifecycle {
    ignore_changes = [tracing_configuration]
  }

  tags       = var.tags
  depends_on = [aws_iam_role_policy.state_machine]
}

locals {
  alarms = {
    executions-failed = {
      description = "A batch-scoring execution failed: a bad file, failed chunks or a step error; out/<file>.summary.json says why."
      namespace   = "AWS/States"
      metric      = "ExecutionsFailed"
      dimensions  = { StateMachineArn = aws_sfn_state_machine.this.arn }
    }
    # S3 invokes the starter asynchronously: an error here is a file that was never scored.
    start-errors = {
      description = "The starter could not start an execution for an uploaded file; upload it again once fixed."
      namespace   = "AWS/Lambda"
      metric      = "Errors"
      dimensions  = { FunctionName = module.start.function_name }
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${var.name}-batch-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  statistic           = "Sum"
  dimensions          = each.value.dimensions
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags
}
