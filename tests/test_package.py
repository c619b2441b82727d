"""The public surface: contract names import, version, py.typed, and a docstring on every public name."""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
import re
from pathlib import Path
from typing import Any

import attrs
import pytest

import tenantlead


def _public_modules() -> list[str]:
    """tenantlead, tenantlead.errors, tenantlead.tenantcore and its public submodules."""
    import tenantlead.tenantcore

    found = ["tenantlead", "tenantlead.errors", "tenantlead.tenantcore"]
    for info in pkgutil.walk_packages(tenantlead.tenantcore.__path__, "tenantlead.tenantcore."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            found.append(info.name)
    return found


PUBLIC_MODULES = _public_modules()


def test_contract_names_are_importable() -> None:
    from tenantlead import AsyncSmartlead, AsyncTenantCore, Smartlead, TenantCore, errors
    from tenantlead.errors import (
        APIConnectionError,
        APIError,
        APIResponseError,
        APIStatusError,
        APITimeoutError,
        AuthenticationError,
        ConfigurationError,
        ConflictError,
        NotFoundError,
        PaymentRequiredError,
        RateLimitError,
        ServerError,
        TenantleadError,
        ValidationError,
    )
    from tenantlead.tenantcore import Domain, EnforcementEvent, Mailbox, Tenant

    assert errors is tenantlead.errors
    assert all(
        inspect.isclass(obj)
        for obj in (
            AsyncSmartlead,
            AsyncTenantCore,
            Smartlead,
            TenantCore,
            APIConnectionError,
            APIError,
            APIResponseError,
            APIStatusError,
            APITimeoutError,
            AuthenticationError,
            ConfigurationError,
            ConflictError,
            NotFoundError,
            PaymentRequiredError,
            RateLimitError,
            ServerError,
            TenantleadError,
            ValidationError,
            Domain,
            EnforcementEvent,
            Mailbox,
            Tenant,
        )
    )


def test_contract_model_fields_use_wire_names() -> None:
    from tenantlead.tenantcore import Domain, Mailbox, Tenant

    def names(cls: type) -> set[str]:
        return {f.name for f in attrs.fields(cls)}

    assert {"tenant_id"} <= names(Tenant)
    assert {"primary_smtp", "daily_send_limit", "sends_today", "blocked_at"} <= names(Mailbox)
    assert {"is_verified", "spf_status", "dkim_status", "dmarc_status", "mx_status"} <= names(Domain)


def test_contract_resources_exist_on_both_clients() -> None:
    methods = {
        "tenants": ["list", "get", "deprovision"],
        "domains": ["list", "add", "dns_records"],
        "mailboxes": ["list", "create", "update", "usage", "wait_until_ready"],
        "mailbox_limits": ["provision"],
        "enforcement": ["list_events"],
        "api_keys": ["rotate"],
    }
    key = "tc_live_" + "0" * 48
    for client in (tenantlead.TenantCore(key), tenantlead.AsyncTenantCore(key)):
        for namespace, names in methods.items():
            for name in names:
                assert callable(getattr(getattr(client, namespace), name)), f"{namespace}.{name}"
        assert callable(client.request)
        assert callable(client.with_options)


def test_version_is_a_semver_string() -> None:
    assert isinstance(tenantlead.__version__, str)
    assert re.fullmatch(r"\d+\.\d+\.\d+([.-]?(a|b|rc|dev)\d*)?", tenantlead.__version__)


def test_py_typed_marker_ships_inside_the_package() -> None:
    marker = Path(tenantlead.__file__).parent / "py.typed"
    assert marker.is_file()


def _public_objects() -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        assert module.__doc__, f"{module_name} has no module docstring"
        # A namespace package such as ``resources`` may export nothing itself.
        for name in getattr(module, "__all__", ()):
            found.append((f"{module_name}.{name}", getattr(module, name)))
    return found


@pytest.mark.parametrize(
    ("qualname", "obj"), _public_objects(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_public_name_has_a_docstring(qualname: str, obj: Any) -> None:
    if inspect.ismodule(obj) or inspect.isclass(obj) or inspect.isfunction(obj):
        assert inspect.getdoc(obj), f"{qualname} has no docstring"
    if not inspect.isclass(obj):
        return
    for attr in dir(obj):
        if attr.startswith("_"):
            continue
        member = inspect.getattr_static(obj, attr)
        if isinstance(member, staticmethod | classmethod):
            member = member.__func__
        if isinstance(member, property):
            member = member.fget
        elif isinstance(member, functools.cached_property):
            member = member.func
        if inspect.isfunction(member) and member.__module__.startswith("tenantlead"):
            assert member.__doc__, f"{qualname}.{attr} has no docstring"


def test_the_docstring_walk_reaches_resource_methods() -> None:
    names = [name for name, _ in _public_objects()]
    assert "tenantlead.tenantcore.resources.mailboxes.Mailboxes" in names
    assert "tenantlead.tenantcore.models.Mailbox" in names


def test_all_lists_only_existing_names() -> None:
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        exported = list(getattr(module, "__all__", ()))
        assert sorted(set(exported)) == sorted(exported), f"duplicates in {module_name}.__all__"
        for name in getattr(module, "__all__", ()):
            assert hasattr(module, name), f"{module_name}.__all__ names missing {name}"
