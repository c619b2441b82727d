"""``troubleshoot(fleet)``: every TL check on a fleet snapshot, as one pure report.

    fleet = Fleet.load(tc, sl, with_warmup_details=True)
    report = troubleshoot(fleet)
    print(report)                      # grouped by code, errors first
    report.filter(code="TL301")        # a sub-report
    report.to_dict()                   # JSON-ready

The checks themselves live in `tenantlead.orchestration.checks_rules` (and TL110, which
reads the apply journal's verdict, in ``checks_enforcement``); the catalogue of
codes is `CHECKS` (``print(CHECKS)``; docs/troubleshooting.md embeds ``CHECKS.to_markdown()``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

from tenantlead._core.redact import escape_controls
from tenantlead.orchestration import checks_enforcement  # noqa: F401  (registers TL110)
from tenantlead.orchestration import checks_microsoft as _checks_microsoft  # noqa: F401 (registers TL4xx)
from tenantlead.orchestration import checks_migration as _checks_migration  # noqa: F401  (registers TL206)
from tenantlead.orchestration._render import Tabular, jsonable
from tenantlead.orchestration.checks_model import (
    Catalogue,
    Check,
    CheckFunction,
    CheckPolicy,
    Finding,
    Severity,
    SubjectKind,
)
from tenantlead.orchestration.checks_rules import CHECKS, classify_login_failure
from tenantlead.orchestration.views import attach_tenants, field_is, per_tenant

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from tenantlead.orchestration.fleet import Fleet

__all__ = [
    "CHECKS",
    "Catalogue",
    "Check",
    "CheckFunction",
    "CheckPolicy",
    "Finding",
    "Report",
    "Severity",
    "SubjectKind",
    "classify_login_failure",
    "troubleshoot",
]

_LEVELS = {"errors": "error", "warnings": "warning", "info": "info"}

#: Subjects listed per code by ``str(report)`` before "... and N more".
SUBJECTS_SHOWN = 3


def _sort_key(finding: Finding) -> tuple[int, str, str, str]:
    return (finding.severity.rank, finding.code, finding.tenant_id or "", finding.subject)


def _sorted(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    return tuple(sorted(findings, key=_sort_key))


@attrs.frozen(kw_only=True)
class Report(Tabular):
    """The findings of [`troubleshoot`][tenantlead.orchestration.checks.troubleshoot], errors first, then by code.

    Attributes:
        findings: every finding, sorted by severity, code, tenant and subject.
        checked: the codes that ran (a code that ran and found nothing is healthy).
        notes: what the checks could not judge (e.g. warmup volumes the fleet does not know).
        loaded_at: when the fleet was read.
    """

    findings: tuple[Finding, ...] = attrs.field(converter=_sorted)
    checked: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    loaded_at: datetime | None = None

    columns = ("severity", "code", "tenant_name", "subject", "message", "fix")
    summary_columns = ("tenant_name", "errors", "warnings", "info", "codes")
    row_noun = "findings"
    view_name = "report"

    # ------------------------------------------------------------------ views

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    def __bool__(self) -> bool:
        # A report is an object, not a container of problems: `if report:` must not mean "healthy".
        return True

    @property
    def errors(self) -> list[Finding]:
        """Findings of severity error."""
        return [f for f in self.findings if f.severity == Severity.ERROR]

    @property
    def warnings(self) -> list[Finding]:
        """Findings of severity warning."""
        return [f for f in self.findings if f.severity == Severity.WARNING]

    @property
    def infos(self) -> list[Finding]:
        """Findings of severity info."""
        return [f for f in self.findings if f.severity == Severity.INFO]

    @property
    def has_errors(self) -> bool:
        """True when any finding is an error."""
        return any(f.severity == Severity.ERROR for f in self.findings)

    @property
    def ok(self) -> bool:
        """True when nothing was found."""
        return not self.findings

    def codes(self) -> set[str]:
        """The codes found."""
        return {f.code for f in self.findings}

    def subjects(self, code: str) -> list[str]:
        """The subjects found for ``code``, sorted."""
        return sorted(f.subject for f in self.findings if f.code == code)

    def by_code(self) -> dict[str, list[Finding]]:
        """Findings grouped by code, in code order."""
        out: dict[str, list[Finding]] = {}
        for finding in sorted(self.findings, key=lambda f: (f.code, f.tenant_id or "", f.subject)):
            out.setdefault(finding.code, []).append(finding)
        return out

    def summary(self) -> dict[str, int]:
        """Findings per code, in code order."""
        counts = Counter(f.code for f in self.findings)
        return dict(sorted(counts.items()))

    def severity_counts(self) -> dict[str, int]:
        """Findings per severity (``error``, ``warning``, ``info``, always present)."""
        out = {"error": 0, "warning": 0, "info": 0}
        for finding in self.findings:
            out[finding.severity.value] = out.get(finding.severity.value, 0) + 1
        return out

    def filter(
        self,
        *,
        code: str | Iterable[str] | None = None,
        severity: str | Severity | Iterable[str | Severity] | None = None,
        tenant: str | None = None,
        subject: str | None = None,
    ) -> Report:
        """A sub-report of the findings matching every given filter.

        ``code`` and ``severity`` take one value or several; ``tenant`` is a tenant GUID or name;
        ``subject`` an address, domain or tenant GUID (case-insensitive).
        """
        codes = _as_set(code, "code", upper=True)
        if codes is not None:
            unknown = sorted(codes - set(CHECKS))
            if unknown:
                raise ValueError(f"unknown check code(s) {unknown}; known codes: {', '.join(CHECKS)}")
        severities = _as_set(severity, "severity")
        if severities is not None:
            unknown = sorted(severities - {s.value for s in Severity})
            if unknown:
                raise ValueError(f"unknown severity {unknown}; use 'error', 'warning' or 'info'")
        wanted_subject = subject.strip().lower() if subject is not None else None
        kept = [
            f
            for f in self.findings
            if (codes is None or f.code in codes)
            and (severities is None or f.severity.value in severities)
            and (tenant is None or tenant in (f.tenant_id, f.tenant_name))
            and (wanted_subject is None or f.subject.lower() == wanted_subject)
        ]
        return attrs.evolve(self, findings=tuple(kept))

    # ------------------------------------------------------------------ rendering

    def to_records(self) -> list[dict[str, Any]]:
        """One flat record per finding (``pandas.DataFrame(report.to_records())``)."""
        return [f.to_record() for f in self.findings]

    def summary_records(self) -> list[dict[str, Any]]:
        """One record per tenant, problems first: ``errors``, ``warnings``, ``info`` and the ``codes`` found."""
        records = self.to_records()
        out = per_tenant(
            records,
            {level: field_is("severity", severity) for level, severity in _LEVELS.items()},
            rank=tuple(_LEVELS),
        )
        for group in out:
            found = [r["code"] for r in records if r["tenant_id"] == group["tenant_id"]]
            group["codes"] = ", ".join(f"{c} x{n}" if n > 1 else c for c, n in sorted(Counter(found).items()))
        return out

    def _view_notes(self) -> tuple[str, ...]:
        return self.notes

    def plot(self, *, ax: Axes | None = None) -> Figure:
        """Findings per code as bars coloured by severity (needs the ``plot`` extra: matplotlib)."""
        from tenantlead.orchestration.plots import findings_by_code

        return findings_by_code(self, ax=ax)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: counts, per-code summary, findings with details, notes."""
        return {
            "loaded_at": jsonable(self.loaded_at),
            "ok": self.ok,
            "has_errors": self.has_errors,
            "counts": self.severity_counts(),
            "summary": self.summary(),
            "checked": list(self.checked),
            "findings": [f.to_dict() for f in self.findings],
            "notes": list(self.notes),
        }

    def _headline(self) -> str:
        c = self.severity_counts()
        if not self.findings:
            return f"no problems found ({len(self.checked)} checks)"
        return (
            f"{len(self.findings)} findings: {c['error']} errors, {c['warning']} warnings, {c['info']} info "
            f"({len(self.summary())} codes)"
        )

    def _html_summary(self) -> str:
        return self._headline()

    def __str__(self) -> str:
        lines = [f"Troubleshooting: {self._headline()}"]
        groups = self.by_code()
        # Errors first, as in .findings.
        order = sorted(groups, key=lambda code: (groups[code][0].severity.rank, code))
        for code in order:
            found = groups[code]
            label = f"{found[0].severity.value.upper():7} {code}"
            if len(found) == 1:
                # One subject: the message says it all, so the header carries it.
                lines.append(f"{label} {found[0].subject}: {found[0].message}")
            else:
                lines.append(f"{label} {CHECKS[code].title} ({len(found)})")
                shown = found[:SUBJECTS_SHOWN]
                lines += [f"{'':13}{f.subject}: {f.message}" for f in shown]
                if len(found) > len(shown):
                    lines.append(
                        f"{'':13}... and {len(found) - len(shown)} more (report.filter(code={code!r}))"
                    )
            fixes = {f.fix for f in found}
            # Per-subject fixes name ids; when they differ, the catalogue's general fix reads better.
            lines.append(f"{'':13}fix: {found[0].fix if len(fixes) == 1 else CHECKS[code].fix}")
        lines += [f"note: {note}" for note in self.notes]
        # Subjects and messages carry server strings (tenant names): no escape sequence stays live.
        return escape_controls("\n".join(lines))

    def __repr__(self) -> str:
        return f"<Report {self._headline()}>"


def _as_set(value: str | Iterable[Any] | None, name: str, *, upper: bool = False) -> set[str] | None:
    if value is None:
        return None
    items = [value] if isinstance(value, str) else list(value)
    out: set[str] = set()
    for item in items:
        if not isinstance(item, str):
            raise TypeError(f"{name} must be a string or strings, got {item!r}")
        text = str(item).strip()
        out.add(text.upper() if upper else text.lower())
    return out


def _notes(fleet: Fleet, policy: CheckPolicy, codes: Sequence[str]) -> list[str]:
    notes: list[str] = []
    connected = [r for r in fleet.rows if r.status == "connected"]
    if "TL302" in codes and policy.assumed_warmup_per_day is None:
        unknown = sum(1 for r in connected if r.warmup_per_day is None)
        if unknown:
            notes.append(
                f"TL302 counted the warmup of {unknown} account(s) with active warmup of unknown volume "
                "(Smartlead's list omits it) as Smartlead's minimum, 1/day, so only certain overruns are "
                "found: load with Fleet.load(..., with_warmup_details=True) or set "
                "CheckPolicy(assumed_warmup_per_day=...)."
            )
    if "TL304" in codes:
        unknown = sum(
            1 for r in connected if r.account is not None and r.account.min_time_to_wait_in_mins is None
        )
        if unknown:
            notes.append(
                f"TL304 skipped {unknown} account(s) whose sending gap is unknown (only Smartlead's list "
                "returns it)."
            )
    return notes


def troubleshoot(
    fleet: Fleet,
    *,
    policy: CheckPolicy | None = None,
    codes: str | Iterable[str] | None = None,
) -> Report:
    """Run the troubleshooting checks on ``fleet`` (pure: no I/O) and return a [`Report`][tenantlead.orchestration.checks.Report].

    Args:
        fleet: a snapshot from ``Fleet.load`` / ``Fleet.aload`` / ``Fleet.build``. Load it with
            ``with_warmup_details=True`` so TL302 knows the warmup volumes.
        policy: thresholds (default [`CheckPolicy`][tenantlead.orchestration.checks_model.CheckPolicy]).
        codes: run only these codes (``"TL301"`` or ``["TL301", "TL302"]``); default all of
            `CHECKS`.
    """
    policy = policy if policy is not None else CheckPolicy()
    if not isinstance(policy, CheckPolicy):
        raise TypeError(f"policy must be a CheckPolicy, got {type(policy).__name__}")
    wanted = _as_set(codes, "codes", upper=True)
    if wanted is not None:
        unknown = sorted(wanted - set(CHECKS))
        if unknown:
            raise ValueError(f"unknown check code(s) {unknown}; known codes: {', '.join(CHECKS)}")
        if not wanted:
            raise ValueError("codes is empty: pass None to run every check")
    selected = [code for code in CHECKS if wanted is None or code in wanted]
    findings: list[Finding] = []
    for code in selected:
        findings.extend(CHECKS[code](fleet, policy))
    return Report(
        findings=attach_tenants(findings, fleet),
        checked=tuple(selected),
        notes=tuple(_notes(fleet, policy, selected)),
        loaded_at=fleet.loaded_at,
    )
