"""Wrap-up rules: when the window is open, which participant, which code, how failures are classified.

The domain owns its values (model.py) and the ports it calls (ports.py); it imports no adapter
(tests/unit/test_domain_imports.py). Adapters translate at the edge: genesys/gateway.py for Genesys,
contracts.py for the data action's input and output, the stores for DynamoDB.
"""
