"""Cold-start floor with pydantic in use: the mandated libraries and one trivial model, nothing of ours.

`import pydantic` alone loads almost nothing (its __init__ is lazy); the first BaseModel subclass
loads pydantic's model machinery, which any use of pydantic (settings, results) pays.
"""

import httpx  # noqa: F401
import pydantic
from aws_lambda_powertools import Logger, Metrics

logger = Logger()
metrics = Metrics(namespace="floor")


class Probe(pydantic.BaseModel):
    name: str


Probe(name="floor")
