"""The one AWS boundary: credentials, the SigV4 signer, the JSON-protocol transport and the clients on it.

Every Lambda process talks to each AWS service through `json_api.JsonApi` (one retry policy, one error
mapping, one deadline); boto3 is imported only by workstation CLI wiring (`credentials.BotoSessionCredentials`).
"""
