"""Orchestration: the fleet snapshot, plans, and the checks that join TenantCore and Smartlead."""
