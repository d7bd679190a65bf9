"""wrapguard-setup: the Genesys Cloud side of a wrapguard deployment, as code (runs on a workstation)."""

from .main import main

__all__ = ["main"]
