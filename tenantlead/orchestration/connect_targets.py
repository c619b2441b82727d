"""What each connected account is to carry beyond its create: the agency client and the tags.

``connect(clients=, tags=)`` names them per tenant (GUID or name) or once for all; this module
checks those arguments, resolves them for a fleet row, and compares an account that already
exists with them. The comparison is what lets a re-run converge: an account created by an
interrupted run (its save carried the limit, gap, warmup and client, but the tags are a later
request) or one added by hand is planned as an ``"update"`` with the writes it still lacks,
instead of "already connected". The daily limit, gap and warmup of an existing account are
left to [`align_limits`][tenantlead.orchestration.limits.align_limits]: connect's save sets
them in the same request that creates the account, so an interruption cannot split them off.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from tenantlead.orchestration._rules import close_tenants, find_tenants, tenant_matches
from tenantlead.orchestration.fleet import Fleet, FleetRow
from tenantlead.smartlead.models import EmailAccount

__all__ = ["Convergence", "by_tenant", "check_clients_and_tags", "check_tenant_keys", "converge"]


def by_tenant(value: Any, row: FleetRow) -> Any:
    """``value`` for ``row``'s tenant: a mapping's entry by GUID (preferred) or name; else ``value``."""
    if value is None or not isinstance(value, Mapping):
        return value
    keys = [key for key in value if tenant_matches(row.tenant, key)]
    if not keys:
        return None
    return value[row.tenant_id if row.tenant_id in keys else keys[0]]  # the GUID wins over the name


def check_tenant_keys(fleet: Fleet, mapping: Any, what: str) -> None:
    """A ``clients=``/``tags=`` key that names no tenant would silently leave accounts unassigned."""
    if not isinstance(mapping, Mapping):
        return
    unknown = sorted(str(k) for k in mapping if not find_tenants(fleet.tenants, k))
    if unknown:
        shown = []
        for key in unknown:
            close = close_tenants(fleet.tenants, key)
            shown.append(
                repr(key) + (f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else "")
            )
        raise ValueError(
            f"{what}= names tenants that are not in the fleet: {', '.join(shown)}; "
            f"use a tenant GUID or its name (case and spaces do not matter; the fleet has {len(fleet.tenants)} "
            "tenant(s))"
        )


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_clients_and_tags(clients: Any, tags: Any) -> None:
    """Refuse shapes that would otherwise send nonsense ids (a str is a Sequence of characters)."""
    if clients is not None and not _is_id(clients):
        if not isinstance(clients, Mapping):
            raise ValueError(
                "clients must be one Smartlead client id (int) or a dict tenant GUID/name -> client id, "
                f"got {type(clients).__name__}"
            )
        for key, value in clients.items():
            if value is not None and not _is_id(value):
                raise ValueError(
                    f"client id for {key!r} must be an int (Smartlead's client id), got {value!r}"
                )
    if tags is None:
        return

    def tag_list(value: Any) -> bool:
        return isinstance(value, Sequence) and not isinstance(value, str) and all(_is_id(v) for v in value)

    if isinstance(tags, Mapping):
        for key, value in tags.items():
            if value is not None and not tag_list(value):
                raise ValueError(
                    f"tags for {key!r} must be a list of Smartlead tag ids (ints), got {value!r}"
                )
    elif not tag_list(tags):
        raise ValueError(
            "tags must be a list of Smartlead tag ids (ints), or a dict tenant GUID/name -> list of tag ids, "
            f"got {tags!r}"
        )


@attrs.frozen(kw_only=True)
class Convergence:
    """The writes an existing account still needs to hold the plan's client and tags."""

    #: The client to move the account to (None: it already has the planned one, or none is planned).
    client_id: int | None = None
    #: The account's client now (shown in the reason).
    client_before: int | None = None
    #: Planned tags not known to be on the account (added; tags are never removed).
    tag_ids: tuple[int, ...] = ()
    #: False when the fleet holds no tags for the account (loaded without ``with_tags=True``:
    #: Smartlead's account list shows none); then every planned tag is added, which Smartlead's
    #: tag mapping makes additive and idempotent.
    tags_known: bool = True

    def describe(self) -> str:
        """The writes in words, for the plan's reason column."""
        parts = []
        if self.client_id is not None:
            parts.append(f"move it to client {self.client_id} (now {self.client_before})")
        if self.tag_ids:
            parts.append(
                f"add tags {list(self.tag_ids)}"
                + (
                    ""
                    if self.tags_known
                    else " (Smartlead's account list shows no tags; adding is idempotent, and a fleet"
                    " loaded with_tags=True plans only the missing ones)"
                )
            )
        return " and ".join(parts)


def converge(account: EmailAccount, client_id: int | None, tag_ids: Sequence[int]) -> Convergence | None:
    """What ``account`` lacks of the planned client and tags (None: it holds them already)."""
    move = client_id if client_id is not None and account.client_id != client_id else None
    known = account.tags is not None
    present = {t.id for t in account.tags or ()}
    missing = tuple(t for t in dict.fromkeys(tag_ids) if t not in present)
    if move is None and not missing:
        return None
    return Convergence(client_id=move, client_before=account.client_id, tag_ids=missing, tags_known=known)
