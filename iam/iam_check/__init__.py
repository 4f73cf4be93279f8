"""Least privilege, checked: recorded AWS calls evaluated against the policies Terraform applied."""
