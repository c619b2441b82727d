"""Orchestration: the fleet snapshot, plans, and the checks that join TenantCore and Smartlead."""

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
from tenantlead.orchestration.limits import Change, LimitPlan, Skip, align_limits
from tenantlead.orchestration.policy import LimitPolicy
from tenantlead.orchestration.results import ApplyResult, Drift, ItemResult, ProgressEvent

__all__ = [
    "ApplyResult",
    "CHECKS",
    "Change",
    "CheckPolicy",
    "ConnectItem",
    "ConnectPlan",
    "ConnectSettings",
    "Credentials",
    "CredentialsError",
    "Drift",
    "Finding",
    "Fleet",
    "FleetRow",
    "ItemResult",
    "LimitPlan",
    "LimitPolicy",
    "MicrosoftTokenProvider",
    "ProgressEvent",
    "Report",
    "Severity",
    "Skip",
    "align_limits",
    "await_connected",
    "await_until_connected",
    "connect",
    "load_credentials",
    "troubleshoot",
    "wait_connected",
    "wait_until_connected",
]
