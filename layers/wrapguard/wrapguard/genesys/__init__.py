"""Genesys Cloud REST client (httpx + pydantic); no Genesys SDK at run time."""
