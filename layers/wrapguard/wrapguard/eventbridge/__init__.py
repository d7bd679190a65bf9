"""Genesys Cloud conversation detail events as delivered by the EventBridge partner event source."""
