# Least privilege, one role per actor: CloudWatch Logs may only put records into this stream; Firehose may only
# write under capture/raw/; the filing function reads and deletes capture/raw/ and writes the filed captures.
# The trust policies take only this account's services (aws:SourceAccount, the confused-deputy guard).

locals {
  assume = { for service in ["logs", "firehose"] : service => jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "${service}.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account } }
    }]
  }) }

  logs_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "PutCaptureRecords"
      Effect   = "Allow"
      Action   = ["firehose:PutRecord", "firehose:PutRecordBatch"]
      Resource = [aws_kinesis_firehose_delivery_stream.this.arn]
    }]
  })

  # What AWS documents for an S3 destination, without the reads Firehose does not need for a plain prefix.
  firehose_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "WriteRaw"
        Effect   = "Allow"
        Action   = ["s3:PutObject", "s3:AbortMultipartUpload"]
        Resource = ["${local.bucket_arn}/${local.raw_prefix}*"]
      },
      {
        Sid      = "FindBucket"
        Effect   = "Allow"
        Action   = ["s3:GetBucketLocation", "s3:ListBucketMultipartUploads"]
        Resource = [local.bucket_arn]
      },
    ]
  })

  filing_statements = [
    {
      Sid      = "TakeRaw"
      Effect   = "Allow"
      Action   = ["s3:GetObject", "s3:DeleteObject"]
      Resource = ["${local.bucket_arn}/${local.raw_prefix}*"]
    },
    {
      Sid       = "ListRaw"
      Effect    = "Allow"
      Action    = ["s3:ListBucket"]
      Resource  = [local.bucket_arn]
      Condition = { StringLike = { "s3:prefix" = ["${local.raw_prefix}*"] } }
    },
    {
      Sid      = "WriteCaptures"
      Effect   = "Allow"
      Action   = ["s3:PutObject"]
      Resource = ["${local.bucket_arn}/capture/*"]
    },
  ]
}

resource "aws_iam_role" "logs" {
  name               = "${var.name}-capture-logs"
  assume_role_policy = local.assume["logs"]
  tags               = var.tags
}

resource "aws_iam_role_policy" "logs" {
  name   = "put-capture-records"
  role   = aws_iam_role.logs.id
  policy = local.logs_policy
}

resource "aws_iam_role" "firehose" {
  name               = "${var.name}-capture-firehose"
  assume_role_policy = local.assume["firehose"]
  tags               = var.tags
}

resource "aws_iam_role_policy" "firehose" {
  name   = "write-raw-captures"
  role   = aws_iam_role.firehose.id
  policy = local.firehose_policy
}
