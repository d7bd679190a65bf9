"""How an invocation's time is shared out between Genesys calls and DynamoDB writes.

A handler binds the invocation's remaining time to the Genesys client (`set_time_budget`) and to
the DynamoDB store (`store.dynamo.set_time_budget`). The last RESERVED_SECONDS belong to the write
that records a failure: Genesys calls, and every other DynamoDB call, stop before them (they raise
rather than start an attempt that could run into them); only the failure write may use them.

RESERVED_SECONDS covers one worst-case DynamoDB attempt (connect + read timeout) and some slack,
so a failure can still be written after a Genesys call used all the time it was allowed.
"""

from __future__ import annotations

# In-region DynamoDB connects in milliseconds; 1 s also leaves room for the CLI's TLS handshake from
# far away. The read timeout bounds the wait for the first byte (and each gap between bytes) of an
# answer; single-item calls answer in milliseconds.
DYNAMODB_CONNECT_TIMEOUT_SECONDS = 1.0
DYNAMODB_READ_TIMEOUT_SECONDS = 1.0
# Attempts in all (botocore "standard" retry mode, which retries throttling, 5xx and connection errors).
DYNAMODB_MAX_ATTEMPTS = 3

RESERVED_SECONDS = DYNAMODB_CONNECT_TIMEOUT_SECONDS + DYNAMODB_READ_TIMEOUT_SECONDS + 0.5
