"""DynamoDB adapters: the failure table, staged codes, reconcile checkpoints."""
