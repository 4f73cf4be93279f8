"""`make lint`'s IAM step: parliament over every policy document the Terraform roots would create."""
