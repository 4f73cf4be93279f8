# What the two roles may touch: the stack's resources, found by the name prefix every one of them carries,
# and the stack's state. REST APIs and CloudFront distributions have generated ids, not names: those
# statements are limited to this account (and the stack's region for API Gateway) instead.
locals {
  p = local.partition
  r = var.region
  a = local.account_id
  n = var.stack_name

  arns = {
    buckets   = ["arn:${local.p}:s3:::${local.n}-*", "arn:${local.p}:s3:::${local.n}-*/*"]
    functions = ["arn:${local.p}:lambda:${local.r}:${local.a}:function:${local.n}-*"]
    roles     = ["arn:${local.p}:iam::${local.a}:role/${local.n}-*"]
    log_groups = [
      "arn:${local.p}:logs:${local.r}:${local.a}:log-group:/aws/lambda/${local.n}-*",
      "arn:${local.p}:logs:${local.r}:${local.a}:log-group:/aws/apigateway/${local.n}/*",
      "arn:${local.p}:logs:${local.r}:${local.a}:log-group:/aws/vendedlogs/states/${local.n}-*",
    ]
    state_machines   = ["arn:${local.p}:states:${local.r}:${local.a}:stateMachine:${local.n}-*"]
    delivery_streams = ["arn:${local.p}:firehose:${local.r}:${local.a}:deliverystream/${local.n}-*"]
    rules            = ["arn:${local.p}:events:${local.r}:${local.a}:rule/${local.n}-*"]
    alarms           = ["arn:${local.p}:cloudwatch:${local.r}:${local.a}:alarm:${local.n}-*"]
    apigateway = [for path in ["/restapis", "/restapis/*", "/account", "/apikeys", "/apikeys/*", "/usageplans", "/usageplans/*", "/tags/*"] :
      "arn:${local.p}:apigateway:${local.r}::${path}"
    ]
    cloudfront = [for kind in ["distribution", "origin-access-control", "response-headers-policy"] :
      "arn:${local.p}:cloudfront::${local.a}:${kind}/*"
    ]
    state_bucket = "arn:${local.p}:s3:::${var.state_bucket}"
    state        = "arn:${local.p}:s3:::${var.state_bucket}/${var.state_key}"
    state_lock   = "arn:${local.p}:s3:::${var.state_bucket}/${var.state_key}.tflock"
  }

  deploy_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Sid = "StackBuckets", Effect = "Allow", Action = ["s3:*"], Resource = local.arns.buckets },
      { Sid = "StateList", Effect = "Allow", Action = ["s3:ListBucket"], Resource = [local.arns.state_bucket] },
      { Sid = "StateReadWrite", Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject"], Resource = [local.arns.state] },
      {
        Sid      = "StateLockFile"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
        Resource = [local.arns.state_lock]
      },
      { Sid = "StackFunctions", Effect = "Allow", Action = ["lambda:*"], Resource = local.arns.functions },
      {
        Sid    = "StackRoles"
        Effect = "Allow"
        Action = [
          "iam:CreateRole", "iam:DeleteRole", "iam:GetRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy",
          "iam:TagRole", "iam:UntagRole", "iam:ListRoleTags", "iam:ListInstanceProfilesForRole",
          "iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy", "iam:ListRolePolicies",
          "iam:ListAttachedRolePolicies",
        ]
        Resource = local.arns.roles
      },
      {
        # The only managed policy the stack attaches: API Gateway's push-to-CloudWatch policy.
        Sid       = "StackRoleManagedPolicy"
        Effect    = "Allow"
        Action    = ["iam:AttachRolePolicy", "iam:DetachRolePolicy"]
        Resource  = local.arns.roles
        Condition = { ArnEquals = { "iam:PolicyARN" = "arn:${local.p}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs" } }
      },
      {
        Sid      = "PassStackRoles"
        Effect   = "Allow"
        Action   = ["iam:PassRole"]
        Resource = local.arns.roles
        Condition = {
          StringEquals = {
            "iam:PassedToService" = [
              "lambda.amazonaws.com", "apigateway.amazonaws.com", "states.amazonaws.com", "firehose.amazonaws.com",
              "logs.amazonaws.com",
            ]
          }
        }
      },
      {
        Sid    = "StackLogGroups"
        Effect = "Allow"
        Action = [
          "logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy",
          "logs:TagResource", "logs:UntagResource", "logs:ListTagsForResource", "logs:TagLogGroup", "logs:ListTagsLogGroup",
          "logs:PutSubscriptionFilter", "logs:DeleteSubscriptionFilter", "logs:DescribeSubscriptionFilters",
        ]
        Resource = flatten([for g in local.arns.log_groups : [g, "${g}:*"]])
      },
      {
        Sid    = "StackStateMachines"
        Effect = "Allow"
        Action = [
          "states:CreateStateMachine", "states:UpdateStateMachine", "states:DeleteStateMachine",
          "states:DescribeStateMachine", "states:ListStateMachineVersions", "states:TagResource",
          "states:UntagResource", "states:ListTagsForResource",
        ]
        Resource = local.arns.state_machines
      },
      {
        Sid    = "StackDeliveryStreams"
        Effect = "Allow"
        Action = [
          "firehose:CreateDeliveryStream", "firehose:DeleteDeliveryStream", "firehose:DescribeDeliveryStream",
          "firehose:UpdateDestination", "firehose:TagDeliveryStream", "firehose:UntagDeliveryStream",
          "firehose:ListTagsForDeliveryStream",
        ]
        Resource = local.arns.delivery_streams
      },
      {
        Sid    = "StackSchedules"
        Effect = "Allow"
        Action = [
          "events:PutRule", "events:DeleteRule", "events:DescribeRule", "events:EnableRule", "events:DisableRule",
          "events:PutTargets", "events:RemoveTargets", "events:ListTargetsByRule", "events:TagResource",
          "events:UntagResource", "events:ListTagsForResource",
        ]
        Resource = local.arns.rules
      },
      {
        # Checking a definition, and the log delivery Step Functions sets up for the state machine's logging,
        # have no resource-level permission in AWS (the Step Functions developer guide, "Logging"): only "*".
        Sid    = "StepFunctionsDefinitionAndLogging"
        Effect = "Allow"
        Action = [
          "states:ValidateStateMachineDefinition", "logs:CreateLogDelivery", "logs:GetLogDelivery",
          "logs:UpdateLogDelivery", "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy",
          "logs:DescribeResourcePolicies",
        ]
        Resource = ["*"]
      },
      {
        Sid      = "StackAlarms"
        Effect   = "Allow"
        Action   = ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms", "cloudwatch:TagResource", "cloudwatch:UntagResource", "cloudwatch:ListTagsForResource"]
        Resource = local.arns.alarms
      },
      {
        Sid      = "StackApi"
        Effect   = "Allow"
        Action   = ["apigateway:GET", "apigateway:POST", "apigateway:PUT", "apigateway:PATCH", "apigateway:DELETE"]
        Resource = local.arns.apigateway
      },
      {
        Sid    = "StackSiteDistribution"
        Effect = "Allow"
        Action = [
          "cloudfront:UpdateDistribution", "cloudfront:DeleteDistribution", "cloudfront:GetDistribution",
          "cloudfront:GetDistributionConfig", "cloudfront:TagResource", "cloudfront:UntagResource",
          "cloudfront:ListTagsForResource", "cloudfront:GetOriginAccessControl", "cloudfront:UpdateOriginAccessControl",
          "cloudfront:DeleteOriginAccessControl", "cloudfront:GetResponseHeadersPolicy",
          "cloudfront:UpdateResponseHeadersPolicy", "cloudfront:DeleteResponseHeadersPolicy",
        ]
        Resource = local.arns.cloudfront
      },
      {
        # Creating these has no resource-level permission in AWS (the IAM catalogue): only "*" matches.
        # CreateDistributionWithTags, the API the provider calls, is authorised as CreateDistribution + TagResource.
        Sid      = "CreateSiteDistribution"
        Effect   = "Allow"
        Action   = ["cloudfront:CreateDistribution", "cloudfront:CreateOriginAccessControl", "cloudfront:CreateResponseHeadersPolicy"]
        Resource = ["*"]
      },
      {
        # Whatever a name pattern above matches, the state bucket itself stays out of reach: state objects only.
        Sid       = "ProtectStateBucket"
        Effect    = "Deny"
        NotAction = ["s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
        Resource  = [local.arns.state_bucket, "${local.arns.state_bucket}/*"]
      },
      {
        # Listing log groups has no resource-level permission in AWS: only "*" matches it.
        Sid      = "DescribeLogGroups"
        Effect   = "Allow"
        Action   = ["logs:DescribeLogGroups"]
        Resource = ["*"]
      },
    ]
  })

  # Pull-request plans read and never write; they run with -lock=false, so the lock file is not touched either.
  plan_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Sid = "StackBuckets", Effect = "Allow", Action = ["s3:Get*", "s3:List*"], Resource = local.arns.buckets },
      { Sid = "StateList", Effect = "Allow", Action = ["s3:ListBucket"], Resource = [local.arns.state_bucket] },
      { Sid = "StateRead", Effect = "Allow", Action = ["s3:GetObject"], Resource = [local.arns.state] },
      { Sid = "StackFunctions", Effect = "Allow", Action = ["lambda:Get*", "lambda:List*"], Resource = local.arns.functions },
      {
        Sid      = "StackRoles"
        Effect   = "Allow"
        Action   = ["iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:ListRoleTags"]
        Resource = local.arns.roles
      },
      {
        Sid      = "StackLogGroups"
        Effect   = "Allow"
        Action   = ["logs:ListTagsForResource", "logs:ListTagsLogGroup", "logs:DescribeSubscriptionFilters"]
        Resource = flatten([for g in local.arns.log_groups : [g, "${g}:*"]])
      },
      { Sid = "DescribeLogGroups", Effect = "Allow", Action = ["logs:DescribeLogGroups"], Resource = ["*"] },
      { Sid = "StackAlarms", Effect = "Allow", Action = ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"], Resource = local.arns.alarms },
      {
        Sid      = "StackStateMachines"
        Effect   = "Allow"
        Action   = ["states:DescribeStateMachine", "states:ListStateMachineVersions", "states:ListTagsForResource"]
        Resource = local.arns.state_machines
      },
      {
        Sid      = "StackDeliveryStreams"
        Effect   = "Allow"
        Action   = ["firehose:DescribeDeliveryStream", "firehose:ListTagsForDeliveryStream"]
        Resource = local.arns.delivery_streams
      },
      {
        Sid      = "StackSchedules"
        Effect   = "Allow"
        Action   = ["events:DescribeRule", "events:ListTargetsByRule", "events:ListTagsForResource"]
        Resource = local.arns.rules
      },
      { Sid = "StackApi", Effect = "Allow", Action = ["apigateway:GET"], Resource = local.arns.apigateway },
      {
        Sid      = "StackSiteDistribution"
        Effect   = "Allow"
        Action   = ["cloudfront:GetDistribution", "cloudfront:GetDistributionConfig", "cloudfront:ListTagsForResource", "cloudfront:GetOriginAccessControl", "cloudfront:GetResponseHeadersPolicy"]
        Resource = local.arns.cloudfront
      },
    ]
  })
}
