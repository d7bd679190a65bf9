"""Cold-start floor: the libraries every wrapguard handler must import, and nothing of ours."""

import httpx  # noqa: F401
import pydantic  # noqa: F401
from aws_lambda_powertools import Logger, Metrics

logger = Logger()
metrics = Metrics(namespace="floor")
