mock_provider "aws" {
  mock_resource "aws_s3_bucket" {
    defaults = { arn = "arn:aws:s3:::rmodel-site" }
  }
}

variables {
  bucket_name = "rmodel-site"
  site_dir    = "tests/fixtures/site"
  config      = { api_url = "https://abc123.execute-api.us-east-1.amazonaws.com/v1" }
}

run "uploads_site_with_types_and_config" {
  command = apply

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
    condition     = aws_s3_bucket_website_configuration.this.index_document[0].suffix == "index.html" && aws_s3_bucket_website_configuration.this.error_document[0].key == "404.html"
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
}

run "rejects_invalid_bucket_name" {
  command = plan
  variables {
    bucket_name = "Site_Bucket"
  }
  expect_failures = [var.bucket_name]
}
