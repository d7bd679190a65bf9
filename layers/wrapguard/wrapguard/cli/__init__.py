"""Operator command-line tools (installed as console scripts; not used by the Lambda functions)."""
