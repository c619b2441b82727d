"""Orchestration: the fleet snapshot, plans, and the checks that join TenantCore and Smartlead."""

from tenantlead.orchestration._rules import UnknownTenantError
from tenantlead.orchestration.checks import CHECKS, CheckPolicy, Finding, Report, Severity, troubleshoot
from tenantlead.orchestration.connect import (
    ConnectItem,
    ConnectPlan,
    ConnectSettings,
    Credentials,
    CredentialsError,
    MicrosoftTokenProvider,
    await_connected,
    await_until_connected,
    connect,
    load_credentials,
    wait_connected,
    wait_until_connected,
)
from tenantlead.orchestration.fleet import Fleet, FleetRow
from tenantlead.orchestration.guard import Cut, DrasticPlanError, cuts_summary
from tenantlead.orchestration.journal import ApplyJournal, JournalError
from tenantlead.orchestration.limits import Change, LimitPlan, Skip, align_limits
from tenantlead.orchestration.migrate import migrate_to_oauth
from tenantlead.orchestration.nightly import CheckRun, nightly_check
from tenantlead.orchestration.policy import LimitPolicy
from tenantlead.orchestration.results import ApplyResult, Drift, ItemResult, ProgressEvent
from tenantlead.orchestration.warmup_cache import CachedWarmup, WarmupCache

__all__ = [
    "ApplyJournal",
    "ApplyResult",
    "CHECKS",
    "CachedWarmup",
    "Change",
    "CheckPolicy",
    "CheckRun",
    "ConnectItem",
    "ConnectPlan",
    "ConnectSettings",
    "Credentials",
    "CredentialsError",
    "Cut",
    "DrasticPlanError",
    "Drift",
    "Finding",
    "Fleet",
    "FleetRow",
    "ItemResult",
    "JournalError",
    "LimitPlan",
    "LimitPolicy",
    "MicrosoftTokenProvider",
    "ProgressEvent",
    "Report",
    "Severity",
    "Skip",
    "UnknownTenantError",
    "WarmupCache",
    "align_limits",
    "await_connected",
    "await_until_connected",
    "connect",
    "cuts_summary",
    "load_credentials",
    "migrate_to_oauth",
    "nightly_check",
    "troubleshoot",
    "wait_connected",
    "wait_until_connected",
]
