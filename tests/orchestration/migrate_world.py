"""Small sandbox worlds for the migration tests: SMTP accounts with every setting worth losing.

Each world has one or more tenants (consented to the agency app, the one Smartlead refreshes
with), mailboxes connected to Smartlead over basic-auth SMTP with their own limits, gaps,
signatures, bcc, tracking domains, clients, tags, warmup and campaign memberships. The same
seed gives the same world, so a run can be "restarted" on a copy and compared.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import attrs
import httpx

from tenantlead.microsoft import MicrosoftApp, MicrosoftIdentity
from tenantlead.orchestration import Fleet
from tenantlead.sandbox import Sandbox, SmartleadConfig
from tenantlead.sandbox.state import SlAccount, SlCampaign, SlClient, SlTag, SlWarmup
from tenantlead.smartlead import Smartlead
from tenantlead.tenantcore import TenantCore


@attrs.frozen
class AccountSpec:
    """What one SMTP account carries before the migration."""

    limit: int = 20
    gap: int = 24
    signature: str | None = "<p>Best, A</p>"
    bcc: str | None = None
    tracking: str | None = None
    tags: tuple[int, ...] = (0,)
    campaigns: tuple[int, ...] = (0,)
    warmup: int | None = 5  # None: warmup never configured
    client: bool = True
    suspended: bool = False


def build_world(
    specs: Sequence[Sequence[AccountSpec]], *, oauth_switch: str = "in_place", seed: int = 3, **config: Any
) -> Sandbox:
    """A sandbox with one tenant per entry of ``specs`` and one SMTP account per spec.

    ``config`` goes to ``SmartleadConfig`` (e.g. ``rate_limits=()``).
    """
    sb = Sandbox(seed=seed, smartlead=SmartleadConfig(seed=seed, oauth_switch=oauth_switch, **config))
    rng = random.Random(seed)
    tc, user = sb.tenantcore, sb.sl_user
    now = sb.clock.now()
    tags = []
    for n in range(3):
        tag = SlTag(id=sb.smartlead.next_id("tag"), name=f"tag-{n}", color="#4CAF50")
        user.tags[tag.id] = tag
        tags.append(tag.id)
    for t, tenant_specs in enumerate(specs):
        tenant = tc.add_tenant(sb.tc_account, f"Tenant {t} Dental", consented_at=now - timedelta(days=90))
        sb.microsoft.grant_consent(tenant.tenant_id, sb.authority.smartlead_app.client_id)
        client_id = sb.smartlead.next_id("client")
        user.clients[client_id] = SlClient(
            id=client_id, name=tenant.tenant_name, email=f"ops{t}@client.example", uuid=f"uuid-{t}",
            created_at=now, user_id=user.user_id,
        )  # fmt: skip
        campaigns = []
        for c in range(2):
            camp = SlCampaign(
                id=sb.smartlead.next_id("campaign"), user_id=user.user_id, created_at=now, updated_at=now,
                name=f"T{t} campaign {c}", status="ACTIVE", client_id=client_id, daily_volume_per_account=10,
            )  # fmt: skip
            user.campaigns[camp.id] = camp
            campaigns.append(camp)
        for i, spec in enumerate(tenant_specs):
            domain = tc.add_domain(sb.tc_account, tenant, f"t{t}d{i // 3}.example.com", is_default=(i == 0))
            mailbox = tc.add_mailbox(
                sb.tc_account, domain, f"user{i}", f"User {t}.{i}", created_at=now - timedelta(days=30),
                daily_send_limit=25, enforced=True,
            )  # fmt: skip
            account = SlAccount(
                id=sb.smartlead.next_id("account"),
                user_id=user.user_id,
                created_at=now - timedelta(days=20),
                updated_at=now - timedelta(days=20),
                from_name=mailbox.display_name,
                from_email=mailbox.primary_smtp,
                username=mailbox.primary_smtp,
                type="SMTP",
                password=mailbox.password,
                smtp_host="smtp.office365.com",
                imap_host="outlook.office365.com",
                message_per_day=spec.limit,
                min_time_to_wait_in_mins=spec.gap,
                signature=spec.signature,
                bcc_email=spec.bcc,
                custom_tracking_domain=spec.tracking,
                client_id=client_id if spec.client else None,
                is_suspended=spec.suspended,
                tag_ids=[tags[k] for k in spec.tags],
                warmup=None
                if spec.warmup is None
                else SlWarmup(
                    id=sb.smartlead.next_id("warmup"),
                    status="PAUSED" if spec.suspended else "ACTIVE",
                    created_at=now - timedelta(days=19),
                    total_sent_count=rng.randint(50, 300),
                    warmup_key_id=sb.smartlead.warmup_key(),
                    total_warmup_per_day=spec.warmup,
                    warmup_max_count=spec.warmup,
                ),
            )
            user.accounts[account.id] = account
            for c in spec.campaigns:
                campaigns[c].email_account_ids.append(account.id)
    tc.reindex()
    return sb


def state(sb: Sandbox) -> dict[str, dict[str, Any]]:
    """Every live Smartlead account by address, as the world holds it (independent of the SDK)."""
    user = sb.sl_user
    out: dict[str, dict[str, Any]] = {}
    for acc in user.accounts.values():
        if acc.deleted:
            continue
        assert acc.from_email not in out, f"{acc.from_email} has two live accounts"
        w = acc.warmup
        out[acc.from_email] = {
            "id": acc.id,
            "type": acc.type,
            "connected": acc.is_smtp_success and acc.is_imap_success,
            "from_name": acc.from_name,
            "message_per_day": acc.message_per_day,
            "gap": acc.min_time_to_wait_in_mins,
            "signature": acc.signature or None,
            "bcc": acc.bcc_email or None,
            "tracking": acc.custom_tracking_domain or None,
            "client_id": acc.client_id,
            "suspended": acc.is_suspended,
            "tags": sorted(acc.tag_ids),
            "campaigns": sorted(c.id for c in user.campaigns.values() if acc.id in c.email_account_ids),
            "warmup": None
            if w is None or w.status == "INACTIVE"
            else (w.status in ("ACTIVE", "PAUSED"), w.total_warmup_per_day, w.reply_rate),
        }
    return out


def settings_only(view: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The state without what a migration is meant to change (type, id, tokens, connection)."""
    return {
        email: {k: v for k, v in row.items() if k not in ("id", "type", "connected")}
        for email, row in view.items()
    }


class Interrupted(BaseException):
    """Stands for Ctrl-C or ``kill -9``: nothing after it runs (not an ``Exception``)."""


class InterruptingTransport(httpx.BaseTransport):
    """The sandbox's transport, dying at request number ``at`` (before it is served, or after)."""

    def __init__(self, inner: httpx.BaseTransport, at: int | None, after: bool) -> None:
        self.inner = inner
        self.at = at
        self.after = after
        self.count = 0
        #: The method of every request seen, in order (a lost GET answer changes nothing).
        self.methods: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.count += 1
        self.methods.append(request.method)
        if self.count == self.at and not self.after:
            raise Interrupted(f"interrupted before request {self.count}")
        response = self.inner.handle_request(request)
        if self.count == self.at and self.after:
            response.read()
            raise Interrupted(f"interrupted after request {self.count} (its answer lost)")
        return response


@contextmanager
def clients(
    sb: Sandbox, transport: httpx.BaseTransport | None = None
) -> Iterator[tuple[TenantCore, Smartlead, MicrosoftIdentity]]:
    """A fresh process's clients: TenantCore, Smartlead and the agency app's identity client."""
    through = transport or sb.transport
    clock = {"clock": sb.clock.timestamp, "sleep": sb.clock.sleep}
    registered = sb.authority.smartlead_app
    app = MicrosoftApp(registered.client_id, registered.secret, environ={})
    with (
        TenantCore(sb.tenantcore_api_key, http_client=httpx.Client(transport=sb.transport), **clock) as tc,
        Smartlead(sb.smartlead_api_key, http_client=httpx.Client(transport=through), **clock) as sl,
        MicrosoftIdentity(app, http_client=httpx.Client(transport=through), **clock) as ms,
    ):
        yield tc, sl, ms


def load(sb: Sandbox, tc: TenantCore, sl: Smartlead) -> Fleet:
    """The fleet, as a fresh run reads it."""
    return Fleet.load(tc, sl)
