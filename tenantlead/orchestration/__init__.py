"""Orchestration: the fleet snapshot, plans, and the checks that join TenantCore and Smartlead."""

from tenantlead.orchestration.checks import CHECKS, CheckPolicy, Finding, Report, Severity, troubleshoot

__all__ = ["CHECKS", "CheckPolicy", "Finding", "Report", "Severity", "troubleshoot"]
