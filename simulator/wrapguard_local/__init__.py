"""Local infrastructure for tests, the demo and benchmarks: a DynamoDB server and tables from template.yaml."""
