"""wrapguard: apply Genesys Cloud wrap-up codes inside the wrap-up window; record every failure."""
