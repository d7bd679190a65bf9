"""Which stack a Genesys object belongs to: the mark wrapguard-setup writes into every object it creates.

Genesys has no tags on these objects, so the mark goes into a free-text field each vendor model has
(docs/genesys-api-notes.md s12, "Ownership mark"): an integration's config `notes`, a role's and an
OAuth client's `description`, and the credential's `name` (CredentialInfo has no other text field).
A data action has none: it belongs to the stack that owns its integration.

plan/apply/destroy act only on objects carrying this stack's mark; an object of the same name with
another mark (another stack) or none (the org's own, or made before marks existed) is left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Stack names: CloudFormation's [A-Za-z][A-Za-z0-9-]*; regions: us-east-1, us-gov-west-1...
_MARK = re.compile(r"wrapguard-owner=(?P<stack>[A-Za-z][A-Za-z0-9-]*)@(?P<account>\d{12})/(?P<region>[a-z0-9-]+)")


@dataclass(frozen=True)
class Owner:
    """A deployed wrapguard stack: its name, AWS account and region (two stacks of one name in two
    accounts or regions are two owners)."""

    stack: str
    account: str
    region: str

    @property
    def mark(self) -> str:
        return f"wrapguard-owner={self.stack}@{self.account}/{self.region}"

    def owns(self, text: str | None) -> bool:
        return found_in(text) == self

    def __str__(self) -> str:
        return f"stack {self.stack} (account {self.account}, {self.region})"


def found_in(text: str | None) -> Owner | None:
    """The owner whose mark `text` carries, or None (the org's own object)."""
    match = _MARK.search(text or "")
    return Owner(match["stack"], match["account"], match["region"]) if match else None


def describe_owner(text: str | None) -> str:
    """Who an object that is not ours belongs to, for a `problem` line."""
    owner = found_in(text)
    return f"belongs to {owner}" if owner else "belongs to the org (no wrapguard-setup mark)"
