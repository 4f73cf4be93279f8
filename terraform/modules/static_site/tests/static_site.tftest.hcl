mock_provider "aws" {
  mock_resource "aws_s3_bucket" {
    defaults = {
      arn                         = "arn:aws:s3:::rmodel-site"
      bucket_regional_domain_name = "rmodel-site.s3.us-east-1.amazonaws.com"
    }
  }

  mock_resource "aws_cloudfront_distribution" {
    defaults = {
      id          = "EDFDVBD6EXAMPLE"
      arn         = "arn:aws:cloudfront::123456789012:distribution/EDFDVBD6EXAMPLE"
      domain_name = "d111111abcdef8.cloudfront.net"
    }
  }

  mock_resource "aws_cloudfront_origin_access_control" {
    defaults = { id = "E2QWRUHEXAMPLE" }
  }

  mock_resource "aws_cloudfront_response_headers_policy" {
    defaults = { id = "rhp-example" }
  }
}

variables {
  bucket_name = "rmodel-site"
  site_dir    = "tests/fixtures/site"
  config      = { api_url = "https://abc123.execute-api.us-east-1.amazonaws.com/v1" }
}

run "uploads_site_with_types_and_config" {
  command = apply

  variables {
    delivery = "s3_website"
  }

  assert {
    condition     = keys(aws_s3_object.file) == ["404.html", "app.js", "data.bin", "img/logo.svg", "index.html", "style.css"]
    error_message = "Every file of site_dir must be uploaded (config.json comes from Terraform)."
  }

  assert {
    condition = { for k, o in aws_s3_object.file : k => o.content_type } == {
      "404.html"     = "text/html; charset=utf-8"
      "app.js"       = "text/javascript; charset=utf-8"
      "data.bin"     = "application/octet-stream"
      "img/logo.svg" = "image/svg+xml"
      "index.html"   = "text/html; charset=utf-8"
      "style.css"    = "text/css; charset=utf-8"
    }
    error_message = "Content types must follow the file extension."
  }

  assert {
    condition     = jsondecode(aws_s3_object.config.content) == { api_url = "https://abc123.execute-api.us-east-1.amazonaws.com/v1" } && aws_s3_object.config.content_type == "application/json"
    error_message = "config.json must carry the API URL given by Terraform."
  }

  assert {
    condition     = aws_s3_bucket_website_configuration.this[0].index_document[0].suffix == "index.html" && aws_s3_bucket_website_configuration.this[0].error_document[0].key == "404.html"
    error_message = "The website must serve index.html and the 404 page."
  }

  assert {
    condition     = length(jsondecode(aws_s3_bucket_policy.this.policy).Statement) == 1
    error_message = "The site policy must have exactly one statement."
  }

  assert {
    condition = jsondecode(aws_s3_bucket_policy.this.policy).Statement[0] == {
      Sid       = "PublicReadSiteObjects"
      Effect    = "Allow"
      Principal = "*"
      Action    = "s3:GetObject"
      Resource = [
        "arn:aws:s3:::rmodel-site/404.html",
        "arn:aws:s3:::rmodel-site/app.js",
        "arn:aws:s3:::rmodel-site/config.json",
        "arn:aws:s3:::rmodel-site/data.bin",
        "arn:aws:s3:::rmodel-site/img/logo.svg",
        "arn:aws:s3:::rmodel-site/index.html",
        "arn:aws:s3:::rmodel-site/style.css",
      ]
    }
    error_message = "The public may only GetObject the site's own objects: no listing, no wildcard, no writes."
  }

  assert {
    condition     = aws_s3_bucket_public_access_block.this.block_public_acls && aws_s3_bucket_public_access_block.this.ignore_public_acls && !aws_s3_bucket_public_access_block.this.block_public_policy
    error_message = "ACLs stay blocked; only the bucket policy may be public."
  }

  assert {
    condition     = one(aws_s3_bucket_ownership_controls.this.rule).object_ownership == "BucketOwnerEnforced"
    error_message = "ACLs must be disabled."
  }

  assert {
    condition     = length(aws_cloudfront_distribution.this) == 0 && output.website_url == "http://${aws_s3_bucket_website_configuration.this[0].website_endpoint}/"
    error_message = "s3_website mode (LocalStack) has no CloudFront and serves the S3 website endpoint."
  }
}

run "cloudfront_private_bucket_https" {
  command = apply

  variables {
    connect_origins = ["https://abc123.execute-api.us-east-1.amazonaws.com"]
  }

  assert {
    condition     = length(aws_s3_bucket_website_configuration.this) == 0
    error_message = "Behind CloudFront the bucket has no website configuration."
  }

  assert {
    condition = alltrue([
      aws_s3_bucket_public_access_block.this.block_public_acls,
      aws_s3_bucket_public_access_block.this.ignore_public_acls,
      aws_s3_bucket_public_access_block.this.block_public_policy,
      aws_s3_bucket_public_access_block.this.restrict_public_buckets,
    ])
    error_message = "Behind CloudFront every Block Public Access setting is on."
  }

  assert {
    condition = jsondecode(aws_s3_bucket_policy.this.policy).Statement == [{
      Sid       = "CloudFrontReadSiteObjects"
      Effect    = "Allow"
      Principal = { Service = "cloudfront.amazonaws.com" }
      Action    = "s3:GetObject"
      Resource  = "arn:aws:s3:::rmodel-site/*"
      Condition = { StringEquals = { "AWS:SourceArn" = "arn:aws:cloudfront::123456789012:distribution/EDFDVBD6EXAMPLE" } }
    }]
    error_message = "Only this distribution (the CloudFront service principal with its SourceArn) may GetObject; nothing is public."
  }

  assert {
    condition = (
      aws_cloudfront_origin_access_control.this[0].origin_access_control_origin_type == "s3" &&
      aws_cloudfront_origin_access_control.this[0].signing_behavior == "always" &&
      aws_cloudfront_origin_access_control.this[0].signing_protocol == "sigv4"
    )
    error_message = "Origin Access Control must sign every request to S3 with SigV4."
  }

  assert {
    condition = (
      one(aws_cloudfront_distribution.this[0].origin).domain_name == "rmodel-site.s3.us-east-1.amazonaws.com" &&
      one(aws_cloudfront_distribution.this[0].origin).origin_access_control_id == "E2QWRUHEXAMPLE" &&
      length(one(aws_cloudfront_distribution.this[0].origin).s3_origin_config) == 0
    )
    error_message = "The origin is the bucket's REST endpoint through OAC (no legacy origin access identity, no website endpoint)."
  }

  assert {
    condition = (
      aws_cloudfront_distribution.this[0].default_cache_behavior[0].viewer_protocol_policy == "redirect-to-https" &&
      aws_cloudfront_distribution.this[0].default_cache_behavior[0].compress &&
      aws_cloudfront_distribution.this[0].default_cache_behavior[0].response_headers_policy_id == "rhp-example" &&
      toset(aws_cloudfront_distribution.this[0].default_cache_behavior[0].allowed_methods) == toset(["GET", "HEAD"])
    )
    error_message = "Viewers are redirected to HTTPS, answers are compressed, read-only methods, security headers attached."
  }

  assert {
    condition     = aws_cloudfront_distribution.this[0].default_root_object == "index.html" && aws_cloudfront_distribution.this[0].enabled
    error_message = "The distribution serves index.html at the root."
  }

  assert {
    condition     = { for r in aws_cloudfront_distribution.this[0].custom_error_response : r.error_code => [r.response_code, r.response_page_path] } == { 403 = [404, "/404.html"], 404 = [404, "/404.html"] }
    error_message = "A missing page (S3 answers 403 without listing) shows the 404 page with status 404."
  }

  assert {
    condition = (
      aws_cloudfront_distribution.this[0].viewer_certificate[0].cloudfront_default_certificate &&
      length(aws_cloudfront_distribution.this[0].aliases) == 0 &&
      output.website_url == "https://d111111abcdef8.cloudfront.net/"
    )
    error_message = "Without a custom domain the site is https://<distribution>.cloudfront.net/."
  }

  assert {
    condition = (
      aws_cloudfront_response_headers_policy.this[0].security_headers_config[0].strict_transport_security[0].access_control_max_age_sec >= 31536000 &&
      aws_cloudfront_response_headers_policy.this[0].security_headers_config[0].strict_transport_security[0].include_subdomains &&
      aws_cloudfront_response_headers_policy.this[0].security_headers_config[0].strict_transport_security[0].override &&
      aws_cloudfront_response_headers_policy.this[0].security_headers_config[0].content_type_options[0].override &&
      aws_cloudfront_response_headers_policy.this[0].security_headers_config[0].frame_options[0].frame_option == "DENY"
    )
    error_message = "HSTS (a year or more, subdomains), X-Content-Type-Options: nosniff and framing denied on every answer."
  }

  assert {
    condition     = aws_cloudfront_response_headers_policy.this[0].security_headers_config[0].content_security_policy[0].content_security_policy == "base-uri 'self'; connect-src 'self' https://abc123.execute-api.us-east-1.amazonaws.com; default-src 'self'; form-action 'self'; frame-ancestors 'none'; img-src 'self' data:; object-src 'none'"
    error_message = "The content security policy allows the page's own files and calls to the API's origin, nothing else."
  }
}

run "custom_domain_gets_tls12" {
  command = apply

  variables {
    domain_name         = "models.example.org"
    acm_certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  assert {
    condition = (
      aws_cloudfront_distribution.this[0].aliases == toset(["models.example.org"]) &&
      !aws_cloudfront_distribution.this[0].viewer_certificate[0].cloudfront_default_certificate &&
      aws_cloudfront_distribution.this[0].viewer_certificate[0].acm_certificate_arn == var.acm_certificate_arn &&
      aws_cloudfront_distribution.this[0].viewer_certificate[0].ssl_support_method == "sni-only" &&
      aws_cloudfront_distribution.this[0].viewer_certificate[0].minimum_protocol_version == "TLSv1.2_2021"
    )
    error_message = "A custom domain uses its ACM certificate over SNI with TLS 1.2 or later."
  }

  assert {
    condition     = output.website_url == "https://models.example.org/" && output.website_endpoint == "models.example.org"
    error_message = "The site's URL is the custom domain over HTTPS."
  }
}

run "rejects_unknown_delivery" {
  command = plan
  variables {
    delivery = "website"
  }
  expect_failures = [var.delivery]
}

run "rejects_domain_without_certificate" {
  command = plan
  variables {
    domain_name = "models.example.org"
  }
  expect_failures = [var.domain_name]
}

run "rejects_certificate_outside_us_east_1" {
  command = plan
  variables {
    domain_name         = "models.example.org"
    acm_certificate_arn = "arn:aws:acm:eu-west-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab"
  }
  expect_failures = [var.acm_certificate_arn]
}

run "rejects_connect_origin_with_a_path" {
  command = plan
  variables {
    connect_origins = ["https://abc123.execute-api.us-east-1.amazonaws.com/v1"]
  }
  expect_failures = [var.connect_origins]
}

run "rejects_invalid_bucket_name" {
  command = plan
  variables {
    bucket_name = "Site_Bucket"
  }
  expect_failures = [var.bucket_name]
}
