"""wrapguard: apply Genesys Cloud wrap-up codes inside the wrap-up window; record every failure."""

import os

# Powertools service name: parent Logger in observability.py, child loggers in the domain modules.
SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "wrapguard")
