locals {
  content_types = {
    html        = "text/html; charset=utf-8"
    htm         = "text/html; charset=utf-8"
    css         = "text/css; charset=utf-8"
    js          = "text/javascript; charset=utf-8"
    mjs         = "text/javascript; charset=utf-8"
    json        = "application/json"
    map         = "application/json"
    webmanifest = "application/manifest+json"
    svg         = "image/svg+xml"
    png         = "image/png"
    jpg         = "image/jpeg"
    jpeg        = "image/jpeg"
    gif         = "image/gif"
    webp        = "image/webp"
    ico         = "image/x-icon"
    txt         = "text/plain; charset=utf-8"
    woff        = "font/woff"
    woff2       = "font/woff2"
  }

  # Terraform's config.json wins over a file of that name in site_dir.
  files = setsubtract(fileset(var.site_dir, "**"), ["config.json"])

  keys = setunion(local.files, ["config.json"])
}

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_18:Access logs need a separate log bucket per account; enable server access logging there.
  #checkov:skip=CKV_AWS_144:The site is rebuilt from frontend/ by apply; replication adds nothing.
  #checkov:skip=CKV_AWS_145:Anonymous website readers cannot decrypt SSE-KMS objects; SSE-S3 is used.
  #checkov:skip=CKV_AWS_21:Every object is reproduced from frontend/ by apply; versions would only cost.
  #checkov:skip=CKV2_AWS_61:Objects are replaced by apply; no lifecycle transitions apply to a small site.
  #checkov:skip=CKV2_AWS_62:Nothing reacts to changes of the site's objects.
  #checkov:skip=CKV2_AWS_6:The public access block exists; it keeps ACLs blocked and allows the site's read policy.
  bucket        = var.bucket_name
  force_destroy = var.force_destroy
  tags          = var.tags
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

# ACLs stay blocked; the bucket policy (readable objects only) is what makes the site public.
resource "aws_s3_bucket_public_access_block" "this" {
  #checkov:skip=CKV_AWS_54:A website bucket needs a public read policy (scoped to the site's objects).
  #checkov:skip=CKV_AWS_56:A website bucket needs a public read policy (scoped to the site's objects).
  bucket = aws_s3_bucket.this.id

  block_public_acls       = true
  ignore_public_acls      = true
  block_public_policy     = false
  restrict_public_buckets = false
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_website_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  index_document {
    suffix = var.index_document
  }

  error_document {
    key = var.error_document
  }
}

# Anyone may read the site's own objects, and nothing else: no listing, no other keys, no writes.
locals {
  public_read_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "PublicReadSiteObjects"
      Effect    = "Allow"
      Principal = "*"
      Action    = "s3:GetObject"
      Resource  = [for key in sort(tolist(local.keys)) : "${aws_s3_bucket.this.arn}/${key}"]
    }]
  })
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = local.public_read_policy

  depends_on = [aws_s3_bucket_public_access_block.this]
}

resource "aws_s3_object" "file" {
  for_each = local.files

  bucket        = aws_s3_bucket.this.id
  key           = each.value
  source        = "${var.site_dir}/${each.value}"
  source_hash   = filemd5("${var.site_dir}/${each.value}")
  content_type  = lookup(local.content_types, lower(reverse(split(".", each.value))[0]), "application/octet-stream")
  cache_control = "no-cache"
}

resource "aws_s3_object" "config" {
  bucket        = aws_s3_bucket.this.id
  key           = "config.json"
  content       = jsonencode(var.config)
  content_type  = "application/json"
  cache_control = "no-cache"
}
