"""wrapguard: apply Genesys Cloud wrap-up codes inside the wrap-up window; record every failure."""

from .settings import ObservabilitySettings, load_settings

# Read once for the whole package (settings.py is the only place that reads the environment).
OBSERVABILITY = load_settings(ObservabilitySettings)
# Powertools service name: parent Logger in observability.py, child loggers in the domain modules.
SERVICE = OBSERVABILITY.powertools_service_name
