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

  website    = var.delivery == "s3_website"
  cloudfront = var.delivery == "cloudfront"
  aliases    = var.domain_name == null ? [] : [var.domain_name]

  # The page loads only its own files and talks only to itself and the API. The directives live in a JSON file
  # that tests/browser/local_site.py serves too, so the browser tests run the page under the same policy.
  content_security_policy = join("; ", [
    for directive, sources in jsondecode(file("${path.module}/content-security-policy.json")) :
    "${directive} ${join(" ", directive == "connect-src" ? concat(sources, var.connect_origins) : sources)}"
  ])
}

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_18:Access logs need a separate log bucket per account; enable server access logging there.
  #checkov:skip=CKV_AWS_144:The site is rebuilt from frontend/ by apply; replication adds nothing.
  #checkov:skip=CKV_AWS_145:SSE-S3 suffices for public page files; SSE-KMS would need a key policy for CloudFront and cannot serve anonymous website readers.
  #checkov:skip=CKV_AWS_21:Every object is reproduced from frontend/ by apply; versions would only cost.
  #checkov:skip=CKV2_AWS_61:Objects are replaced by apply; no lifecycle transitions apply to a small site.
  #checkov:skip=CKV2_AWS_62:Nothing reacts to changes of the site's objects.
  #checkov:skip=CKV2_AWS_6:The public access block exists: fully on with CloudFront; in s3_website mode (LocalStack) ACLs stay blocked and the read policy is allowed.
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

# With CloudFront every setting is on; an S3 website needs its public read policy (ACLs stay blocked).
resource "aws_s3_bucket_public_access_block" "this" {
  #checkov:skip=CKV_AWS_54:Only in s3_website mode (LocalStack, no CloudFront) is the policy public, scoped to the site's objects.
  #checkov:skip=CKV_AWS_56:Only in s3_website mode (LocalStack, no CloudFront) is the policy public, scoped to the site's objects.
  bucket = aws_s3_bucket.this.id

  block_public_acls       = true
  ignore_public_acls      = true
  block_public_policy     = local.cloudfront
  restrict_public_buckets = local.cloudfront
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
  count = local.website ? 1 : 0

  bucket = aws_s3_bucket.this.id

  index_document {
    suffix = var.index_document
  }

  error_document {
    key = var.error_document
  }
}

locals {
  # s3_website: anyone may read the site's own objects, and nothing else: no listing, no other keys, no writes.
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

  # cloudfront: only this distribution, signing through Origin Access Control, may read; the bucket stays private.
  cloudfront_read_policy = local.cloudfront ? jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "CloudFrontReadSiteObjects"
      Effect    = "Allow"
      Principal = { Service = "cloudfront.amazonaws.com" }
      Action    = "s3:GetObject"
      Resource  = "${aws_s3_bucket.this.arn}/*"
      Condition = { StringEquals = { "AWS:SourceArn" = aws_cloudfront_distribution.this[0].arn } }
    }]
  }) : null

  read_policy = local.cloudfront ? local.cloudfront_read_policy : local.public_read_policy
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = local.read_policy

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

resource "aws_cloudfront_origin_access_control" "this" {
  count = local.cloudfront ? 1 : 0

  name                              = var.bucket_name
  description                       = "Signed reads of the site bucket ${var.bucket_name}."
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

resource "aws_cloudfront_response_headers_policy" "this" {
  count = local.cloudfront ? 1 : 0

  name    = "${substr(replace(var.bucket_name, ".", "-"), 0, 55)}-security"
  comment = "Security headers of the site ${var.bucket_name}."

  security_headers_config {
    strict_transport_security {
      access_control_max_age_sec = 63072000 # two years, as hstspreload.org asks
      include_subdomains         = true
      preload                    = true # only consent: a domain joins the preload list when its owner submits it
      override                   = true
    }

    content_type_options {
      override = true
    }

    content_security_policy {
      content_security_policy = local.content_security_policy
      override                = true
    }

    frame_options {
      frame_option = "DENY"
      override     = true
    }

    referrer_policy {
      referrer_policy = "strict-origin-when-cross-origin"
      override        = true
    }
  }
}

resource "aws_cloudfront_distribution" "this" {
  #checkov:skip=CKV_AWS_68:A WAF web ACL is an account-level choice with its own cost; the site is static files. Pass web_acl_id to attach one.
  #checkov:skip=CKV2_AWS_47:A WAF web ACL (and its Log4j rule) is an account-level choice; the site is static files with no Java behind it.
  #checkov:skip=CKV_AWS_86:Access logs need a log bucket with ACLs per account; the API has its own access logs.
  #checkov:skip=CKV_AWS_310:One origin: the site is rebuilt by apply; a failover bucket would only duplicate it.
  #checkov:skip=CKV_AWS_374:A public page for a public API; geo restriction is the user's policy.
  #checkov:skip=CKV_AWS_174:TLSv1.2_2021 applies with a custom domain (domain_name + acm_certificate_arn); on *.cloudfront.net CloudFront fixes the policy itself.
  #checkov:skip=CKV2_AWS_42:A custom certificate needs the user's own domain: set domain_name and acm_certificate_arn.
  count = local.cloudfront ? 1 : 0

  enabled             = true
  is_ipv6_enabled     = true
  comment             = "Site ${var.bucket_name}"
  default_root_object = var.index_document
  aliases             = local.aliases
  price_class         = var.price_class
  web_acl_id          = var.web_acl_id
  http_version        = "http2and3"
  tags                = var.tags

  origin {
    origin_id                = "site"
    domain_name              = aws_s3_bucket.this.bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.this[0].id
  }

  default_cache_behavior {
    target_origin_id           = "site"
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = var.cache_policy_id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.this[0].id
  }

  # A missing key reaches CloudFront as 403 (the bucket grants no listing): both show the 404 page.
  dynamic "custom_error_response" {
    for_each = [403, 404]
    content {
      error_code            = custom_error_response.value
      response_code         = 404
      response_page_path    = "/${var.error_document}"
      error_caching_min_ttl = 10
    }
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = var.acm_certificate_arn == null
    acm_certificate_arn            = var.acm_certificate_arn
    ssl_support_method             = var.acm_certificate_arn == null ? null : "sni-only"
    minimum_protocol_version       = var.acm_certificate_arn == null ? "TLSv1" : "TLSv1.2_2021"
  }
}
