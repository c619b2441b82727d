"""The vocabulary of the troubleshooting checks: severity, policy, finding, check and catalogue.

Kept apart from the checks themselves (`tenantlead.orchestration.checks_rules`) and the
report ([`tenantlead.orchestration.checks`][tenantlead.orchestration.checks]) so each stays small; users import all of these
names from [`tenantlead.orchestration`][tenantlead.orchestration].
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal

import attrs

from tenantlead._core.convert import OpenStrEnum
from tenantlead.orchestration._render import Tabular, jsonable, text_table
from tenantlead.tenantcore.models import PROPAGATION_DELAY

if TYPE_CHECKING:
    from tenantlead.orchestration.fleet import Fleet

__all__ = ["Catalogue", "Check", "CheckFunction", "CheckPolicy", "Finding", "Severity", "SubjectKind"]


class Severity(OpenStrEnum):
    """How bad a finding is.

    ``error``: sending fails or will fail (blocks, NDRs, refused logins, nothing sends);
    ``warning``: works today but risky or degraded (no ceiling, bursts, close to the limit);
    ``info``: transient or a to-do (still propagating, not connected yet, organisation).
    The enum is open, so a severity from a newer SDK version read back from JSON still parses.
    """

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Sort key: errors first, then warnings, then info, then unknown severities."""
        return {"error": 0, "warning": 1, "info": 2}.get(self.value, 3)


#: What a finding is about: a mailbox address (or Smartlead ``from_email``), a domain name, or a
#: tenant (Microsoft tenant GUID).
SubjectKind = Literal["mailbox", "domain", "tenant"]


def _positive_int(name: str) -> Callable[[Any, Any, int], None]:
    def check(_: Any, __: Any, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"CheckPolicy.{name} must be a positive whole number, got {value!r}")

    return check


def _positive_delta(name: str) -> Callable[[Any, Any, timedelta], None]:
    def check(_: Any, __: Any, value: timedelta) -> None:
        if not isinstance(value, timedelta) or value <= timedelta(0):
            raise ValueError(f"CheckPolicy.{name} must be a positive datetime.timedelta, got {value!r}")

    return check


@attrs.frozen(kw_only=True)
class CheckPolicy:
    """The thresholds the checks use; the defaults follow TenantCore's and Smartlead's guidance.

    Attributes:
        propagation: how long a new mailbox needs before it can send (TL105; Exchange says 2-5
            minutes, we wait the upper bound).
        tenant_daily_budget: recommended sends per day across one tenant (TL109; exactly this
            much is fine).
        recent_block_window: how far back an enforcement block counts as recent (TL303).
        sending_window_minutes: the minutes per day a campaign sends in (TL304; default an
            8-hour business day).
        min_gap_minutes: the shortest safe gap between two sends of one mailbox (TL304;
            Smartlead's help centre: gaps under about 10 minutes get accounts disconnected).
        max_domains_per_tenant: TenantCore's structure, 12 domains per tenant (TL108).
        max_mailboxes_per_domain: TenantCore's structure, 3 mailboxes per domain (TL108).
        assumed_warmup_per_day: warmup volume to assume for an account whose warmup is active
            but whose volume the fleet does not know (Smartlead's list omits it). None (default)
            skips those accounts in TL302 and says so in `Report.notes`; load the fleet
            with ``with_warmup_details=True`` to know the real volume.
    """

    propagation: timedelta = attrs.field(default=PROPAGATION_DELAY, validator=_positive_delta("propagation"))
    tenant_daily_budget: int = attrs.field(default=900, validator=_positive_int("tenant_daily_budget"))
    recent_block_window: timedelta = attrs.field(
        default=timedelta(hours=24), validator=_positive_delta("recent_block_window")
    )
    sending_window_minutes: int = attrs.field(
        default=8 * 60, validator=_positive_int("sending_window_minutes")
    )
    min_gap_minutes: int = attrs.field(default=10, validator=_positive_int("min_gap_minutes"))
    max_domains_per_tenant: int = attrs.field(default=12, validator=_positive_int("max_domains_per_tenant"))
    max_mailboxes_per_domain: int = attrs.field(
        default=3, validator=_positive_int("max_mailboxes_per_domain")
    )
    assumed_warmup_per_day: int | None = attrs.field(default=None)

    @assumed_warmup_per_day.validator
    def _check_assumed(self, _: Any, value: int | None) -> None:
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise ValueError(
                f"CheckPolicy.assumed_warmup_per_day must be None or a whole number >= 0, got {value!r}"
            )


@attrs.frozen(kw_only=True)
class Finding:
    """One problem found by one check.

    Attributes:
        code: the stable check code (``TL301``); see `CHECKS`.
        severity: ``error`` / ``warning`` / ``info``.
        subject: what the finding is about: a mailbox address, a domain name or a tenant GUID.
        subject_kind: ``mailbox``, ``domain`` or ``tenant``.
        tenant_id: the tenant the subject belongs to (None when unknown).
        message: what is wrong, with the numbers.
        fix: what to do about it: the SDK call, CLI command or app action.
        details: the facts behind the message (ids, limits, error text), JSON-ready.
        tenant_name: the name of the tenant (filled in by ``troubleshoot``).
    """

    code: str
    severity: Severity
    subject: str
    subject_kind: SubjectKind
    tenant_id: str | None
    message: str
    fix: str
    details: Mapping[str, Any] = attrs.field(factory=dict, eq=False, hash=False)
    tenant_name: str | None = None

    def to_record(self) -> dict[str, Any]:
        """A flat, JSON-ready dict keyed by attribute names (details left out; see [`to_dict`][tenantlead.orchestration.checks_model.Finding.to_dict])."""
        return {
            "severity": self.severity.value,
            "code": self.code,
            "tenant_name": self.tenant_name,
            "subject": self.subject,
            "subject_kind": self.subject_kind,
            "tenant_id": self.tenant_id,
            "message": self.message,
            "fix": self.fix,
        }

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict, details included."""
        return {**self.to_record(), "details": jsonable(dict(self.details))}

    def __str__(self) -> str:
        return f"{self.code} {self.severity.value} {self.subject}: {self.message} (fix: {self.fix})"


#: A check: pure function of the fleet and the policy, yielding findings.
CheckFunction = Callable[["Fleet", CheckPolicy], Iterable[Finding]]


@attrs.frozen(kw_only=True)
class Check:
    """One entry of the catalogue: what a code means, how bad it is, how to fix it, and its function.

    Call it to run this one check: ``CHECKS["TL301"](fleet)`` returns its findings.
    """

    code: str
    title: str
    severity: Severity
    subject_kind: SubjectKind
    description: str
    fix: str
    function: CheckFunction = attrs.field(repr=False, eq=False)

    def __call__(self, fleet: Fleet, policy: CheckPolicy | None = None) -> list[Finding]:
        """Run this check alone on ``fleet`` (pure)."""
        return list(self.function(fleet, policy or CheckPolicy()))

    def to_record(self) -> dict[str, Any]:
        """A flat dict for tables, the CLI and the docs."""
        return {
            "code": self.code,
            "severity": self.severity.value,
            "subject": self.subject_kind,
            "title": self.title,
            "description": self.description,
            "fix": self.fix,
        }


class Catalogue(Mapping[str, Check], Tabular):
    """Every check by code, in code order; prints as a table and renders the docs' Markdown table."""

    columns = ("code", "severity", "subject", "title")

    def __init__(self) -> None:
        self._checks: dict[str, Check] = {}

    def register(self, check: Check) -> None:
        """Add a check (codes are unique)."""
        if check.code in self._checks:
            raise ValueError(f"check {check.code} is registered twice")
        self._checks[check.code] = check
        self._checks = dict(sorted(self._checks.items()))

    def __getitem__(self, code: str) -> Check:
        try:
            return self._checks[code.strip().upper()]
        except KeyError:
            raise KeyError(f"unknown check code {code!r}; known codes: {', '.join(self._checks)}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._checks)

    def __len__(self) -> int:
        return len(self._checks)

    def to_records(self) -> list[dict[str, Any]]:
        """One record per check."""
        return [check.to_record() for check in self._checks.values()]

    def to_markdown(self) -> str:
        """The catalogue as a Markdown table (docs/troubleshooting.md embeds exactly this)."""
        lines = ["| code | severity | subject | finds | how to fix |", "|---|---|---|---|---|"]
        for check in self._checks.values():
            cells = [check.code, check.severity.value, check.subject_kind, check.description, check.fix]
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        return "\n".join(lines)

    def __str__(self) -> str:
        return text_table(self.to_records(), list(self.columns), max_rows=None)

    def __repr__(self) -> str:
        return f"<Catalogue of {len(self)} checks: {', '.join(self._checks)}>"

    def _html_summary(self) -> str:
        return f"({len(self)} checks)"
