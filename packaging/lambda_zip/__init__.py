"""Builds build/lambda.zip: the handler, rpy2 and a trimmed, relocatable R for the AWS Lambda python3.12 runtime."""


class BuildError(Exception):
    """A failure the user can act on: the message is one line that says what to do next."""
