mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }

  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }

  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/rmodel-batch-start" }
  }

  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/rmodel-batch" }
  }

  mock_resource "aws_s3_bucket" {
    defaults = { arn = "arn:aws:s3:::rmodel-batch" }
  }

  mock_resource "aws_sfn_state_machine" {
    defaults = { arn = "arn:aws:states:us-east-1:123456789012:stateMachine:rmodel-batch" }
  }
}

override_resource {
  target = module.scoring_function.aws_lambda_function.this
  values = { arn = "arn:aws:lambda:us-east-1:123456789012:function:rmodel-batch" }
}

override_resource {
  target = module.start.aws_lambda_function.this
  values = { arn = "arn:aws:lambda:us-east-1:123456789012:function:rmodel-batch-start" }
}

variables {
  name             = "rmodel"
  bucket_name      = "rmodel-batch"
  artifact_bucket  = "rmodel-artifacts"
  artifact_key     = "lambda/abc.zip"
  source_code_hash = "bWFuaWZlc3QtaGFzaA=="
  model_bucket     = "rmodel-models"
  model_prefix     = "models/admission/"
  alarm_actions    = ["arn:aws:sns:us-east-1:123456789012:alerts"]
}

run "split_map_assemble_on_the_api_code" {
  command = apply

  assert {
    condition     = module.scoring_function.function_name == "rmodel-batch" && module.start.handler == "batch_start.lambda_handler"
    error_message = "The steps run in rmodel-batch; S3 events go to the starter's handler."
  }

  assert {
    condition     = jsondecode(aws_sfn_state_machine.this.definition).StartAt == "Split" && keys(jsondecode(aws_sfn_state_machine.this.definition).States) == ["Assemble", "CheckChunks", "CheckFile", "ChunksFailed", "Failed", "ReportFailure", "ScoreChunks", "Scored", "Split"]
    error_message = "The state machine must be split -> map -> assemble with a failure report."
  }

  assert {
    condition = alltrue([
      jsondecode(aws_sfn_state_machine.this.definition).States.ScoreChunks.ItemProcessor.ProcessorConfig.Mode == "DISTRIBUTED",
      jsondecode(aws_sfn_state_machine.this.definition).States.ScoreChunks.ItemReader.ReaderConfig.InputType == "JSON",
      jsondecode(aws_sfn_state_machine.this.definition).States.ScoreChunks.MaxConcurrency == 10,
      jsondecode(aws_sfn_state_machine.this.definition).States.ScoreChunks.ResultPath == null,
    ])
    error_message = "Chunks must be a Distributed Map over the JSON chunk list, 10 at a time, results discarded (the 256 KB state limit)."
  }

  assert {
    condition = alltrue([for state in ["Split", "Assemble", "ReportFailure"] :
      contains(jsondecode(aws_sfn_state_machine.this.definition).States[state].Retry[0].ErrorEquals, "Lambda.TooManyRequestsException") &&
      jsondecode(aws_sfn_state_machine.this.definition).States[state].Retry[0].BackoffRate == 2
    ])
    error_message = "Every task must retry Lambda's throttling with exponential backoff."
  }

  assert {
    condition     = jsondecode(aws_sfn_state_machine.this.definition).States.ScoreChunks.ItemProcessor.States.ScoreChunk.Catch[0].Next == "ChunkFailed"
    error_message = "A chunk that fails after its retries is caught per item and reported by the assemble step."
  }

  assert {
    condition     = jsondecode(aws_sfn_state_machine.this.definition).States.Failed.CausePath == "$.result.reason"
    error_message = "A failed execution must carry the reason as its cause."
  }

  assert {
    condition     = module.start.notification == { bucket = "rmodel-batch", prefix = "in/", suffix = ".csv" }
    error_message = "Only in/*.csv must start the starter."
  }

  assert {
    condition     = module.start.permission.principal == "s3.amazonaws.com" && module.start.permission.source_account == "123456789012"
    error_message = "Only S3 in this account may invoke the starter."
  }

  assert {
    condition     = module.scoring_function.model_uri == "s3://rmodel-models/models/admission/"
    error_message = "The scoring function serves the API's model."
  }
}

run "least_privilege_roles" {
  command = apply

  assert {
    condition = jsondecode(module.start.policy_json).Statement[0] == {
      Sid      = "StartScoring"
      Effect   = "Allow"
      Action   = ["states:StartExecution"]
      Resource = ["arn:aws:states:us-east-1:123456789012:stateMachine:rmodel-batch"]
    } && length(jsondecode(module.start.policy_json).Statement) == 2
    error_message = "The starter may only start this state machine (and write its logs)."
  }

  assert {
    condition = {
      for s in jsondecode(aws_iam_role_policy.scoring.policy).Statement : s.Sid => s.Resource
      } == {
      ReadInput      = ["arn:aws:s3:::rmodel-batch/in/*"]
      ChunksAndParts = ["arn:aws:s3:::rmodel-batch/work/*"]
      ListWork       = ["arn:aws:s3:::rmodel-batch"]
      WriteOutput    = ["arn:aws:s3:::rmodel-batch/out/*"]
    }
    error_message = "The scoring function may read in/, write work/ and out/, list only work/."
  }

  assert {
    condition     = !anytrue([for s in jsondecode(aws_iam_role_policy.scoring.policy).Statement : contains(s.Action, "s3:PutObject") && anytrue([for r in s.Resource : endswith(r, "/in/*")])])
    error_message = "The scoring function must never write input files."
  }

  assert {
    condition = {
      for s in jsondecode(aws_iam_role_policy.state_machine.policy).Statement : s.Sid => s.Resource if s.Sid != "DeliverLogsAndTraces"
      } == {
      InvokeScoring     = ["arn:aws:lambda:us-east-1:123456789012:function:rmodel-batch", "arn:aws:lambda:us-east-1:123456789012:function:rmodel-batch:*"]
      ReadChunkList     = ["arn:aws:s3:::rmodel-batch/work/*"]
      RunMapChildren    = ["arn:aws:states:us-east-1:123456789012:stateMachine:rmodel-batch"]
      FollowMapChildren = ["arn:aws:states:us-east-1:123456789012:execution:rmodel-batch/*"]
    }
    error_message = "The state machine may invoke only the scoring function, read only work/ and run only its own children."
  }

  assert {
    condition     = jsondecode(aws_iam_role.state_machine.assume_role_policy).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "123456789012"
    error_message = "Only this account's Step Functions may assume the state machine's role."
  }
}

run "alarm_on_failed_executions" {
  command = apply

  assert {
    condition     = keys(aws_cloudwatch_metric_alarm.this) == ["executions-failed", "start-errors"]
    error_message = "There must be alarms on failed executions and on starter errors."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["executions-failed"].namespace == "AWS/States" && aws_cloudwatch_metric_alarm.this["executions-failed"].metric_name == "ExecutionsFailed" && aws_cloudwatch_metric_alarm.this["executions-failed"].dimensions.StateMachineArn == "arn:aws:states:us-east-1:123456789012:stateMachine:rmodel-batch"
    error_message = "The executions alarm must watch this state machine's ExecutionsFailed."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["start-errors"].namespace == "AWS/Lambda" && aws_cloudwatch_metric_alarm.this["start-errors"].metric_name == "Errors" && aws_cloudwatch_metric_alarm.this["start-errors"].dimensions.FunctionName == "rmodel-batch-start"
    error_message = "The starter alarm must watch the starter's Errors."
  }

  assert {
    condition     = alltrue([for a in aws_cloudwatch_metric_alarm.this : a.threshold == 1 && a.statistic == "Sum" && a.alarm_actions == toset(["arn:aws:sns:us-east-1:123456789012:alerts"])])
    error_message = "One failure must raise an alarm that notifies alarm_actions."
  }

  assert {
    condition     = aws_sfn_state_machine.this.tracing_configuration[0].enabled && aws_sfn_state_machine.this.logging_configuration[0].level == "ERROR" && aws_sfn_state_machine.this.logging_configuration[0].include_execution_data
    error_message = "Executions must be traced and their errors logged with their state (keys and counts)."
  }
}

run "settings_reach_the_function_and_the_map" {
  command = apply

  variables {
    rows_per_chunk  = 2000
    max_concurrency = 100
    max_input_mb    = 64
  }

  assert {
    condition     = jsondecode(aws_sfn_state_machine.this.definition).States.ScoreChunks.MaxConcurrency == 100
    error_message = "max_concurrency must be the map's MaxConcurrency."
  }
}

run "rejects_tiny_chunks" {
  command = plan
  variables {
    rows_per_chunk = 10
  }
  expect_failures = [var.rows_per_chunk]
}

run "rejects_concurrency_beyond_distributed_map" {
  command = plan
  variables {
    max_concurrency = 20000
  }
  expect_failures = [var.max_concurrency]
}

run "rejects_zero_input_limit" {
  command = plan
  variables {
    max_input_mb = 0
  }
  expect_failures = [var.max_input_mb]
}
