# Least privilege, one role per actor: the starter may only start this state machine; the state machine may
# only invoke the scoring function, read its chunk lists and run its own child executions; the scoring
# function adds to its model read: read in/, write out/ and work/.

locals {
  # Only this account's state machines may use the role (the confused-deputy guard AWS documents).
  states_assume = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "states.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } }
    }]
  })

  scoring_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ReadInput"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:GetObjectVersion"]
        Resource = ["${local.bucket_arn}/in/*"]
      },
      {
        Sid      = "ChunksAndParts"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
        Resource = ["${local.bucket_arn}/work/*"]
      },
      {
        Sid       = "ListWork"
        Effect    = "Allow"
        Action    = ["s3:ListBucket"]
        Resource  = [local.bucket_arn]
        Condition = { StringLike = { "s3:prefix" = ["work/*"] } }
      },
      {
        Sid      = "WriteOutput"
        Effect   = "Allow"
        Action   = ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
        Resource = ["${local.bucket_arn}/out/*"]
      },
    ]
  })

  state_machine_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "InvokeScoring"
        Effect   = "Allow"
        Action   = ["lambda:InvokeFunction"]
        Resource = [module.scoring_function.arn, "${module.scoring_function.arn}:*"]
      },
      {
        Sid      = "ReadChunkList"
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = ["${local.bucket_arn}/work/*"]
      },
      {
        Sid      = "RunMapChildren"
        Effect   = "Allow"
        Action   = ["states:StartExecution"]
        Resource = [local.state_machine_arn]
      },
      {
        Sid      = "FollowMapChildren"
        Effect   = "Allow"
        Action   = ["states:DescribeExecution", "states:StopExecution"]
        Resource = [local.execution_arns]
      },
      {
        # Log delivery and X-Ray are account-level APIs that take no resource ARN (AWS documents "*").
        Sid    = "DeliverLogsAndTraces"
        Effect = "Allow"
        Action = [
          "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
          "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
          "xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets",
        ]
        Resource = ["*"]
      },
    ]
  })
}

resource "aws_iam_role_policy" "scoring" {
  name   = "batch-bucket"
  role   = element(split("/", module.scoring_function.role_arn), 1)
  policy = local.scoring_policy
}


resource "aws_iam_role" "state_machine" {
  name               = "${var.name}-batch-states"
  assume_role_policy = local.states_assume
  tags               = var.tags
}

resource "aws_iam_role_policy" "state_machine" {
  #checkov:skip=CKV_AWS_290:Only log delivery and X-Ray take "*" (they have no resource ARN); every other action names its resource.
  #checkov:skip=CKV_AWS_355:Only log delivery and X-Ray take "*" (they have no resource ARN); every other action names its resource.
  name   = "batch-scoring"
  role   = aws_iam_role.state_machine.id
  policy = local.state_machine_policy
}

resource "aws_cloudwatch_log_group" "state_machine" {
  #checkov:skip=CKV_AWS_158:Logged state data is object keys and counts, no rows; CloudWatch encrypts at rest by default.
  #checkov:skip=CKV_AWS_338:Retention is a variable (default 30 days) so that cost follows the user's policy.
  name              = "/aws/vendedlogs/states/${local.state_machine_name}"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}
