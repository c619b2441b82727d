"""The migration leaks no secret: not in logs, plans, results, the snapshot file, errors or tracebacks.

Exercised with DEBUG logging on: a tenant whose consent is missing, a wrong password, a refused
in-place switch recreated, and an interrupted run resumed. Searched for: the Smartlead key, the
app's client secret, every mailbox password (right and wrong) and every access and refresh token
the simulated identity platform issued.
"""

from __future__ import annotations

import json
import logging
import traceback
from pathlib import Path

import pytest

from tenantlead.orchestration.migrate import migrate_to_oauth
from tests.orchestration.migrate_world import (
    AccountSpec,
    Interrupted,
    InterruptingTransport,
    build_world,
    clients,
    load,
)


def sdk_traceback(exc: BaseException) -> str:
    """The traceback from the first SDK frame on, locals captured (the test's own frames hold the CSV)."""
    tb = exc.__traceback__
    while tb is not None and "/tenantlead/" not in tb.tb_frame.f_code.co_filename:
        tb = tb.tb_next
    assert tb is not None, "the error has no SDK frame"
    return "".join(traceback.TracebackException(type(exc), exc, tb, capture_locals=True).format())


def test_no_secret_anywhere_in_a_migration(caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    sb = build_world([[AccountSpec(), AccountSpec(), AccountSpec()], [AccountSpec()]], oauth_switch="refuse")
    tenants = list(sb.tc_account.tenants.values())
    sb.microsoft.revoke_consent(tenants[1].tenant_id, sb.authority.smartlead_app.client_id)
    boxes = list(sb.tc_account.mailboxes.values())
    wrong = "Wr0ng-" + boxes[1].password
    csv = sb.credentials_csv().replace(boxes[1].password, wrong)
    snapshot = tmp_path / "snap.json"
    texts: list[str] = []
    caplog.set_level(logging.DEBUG)

    def run(transport: object = None) -> None:
        with clients(sb, transport) as (tc, sl, ms):
            plan = migrate_to_oauth(
                load(sb, tc, sl), microsoft=ms, credentials=csv, snapshot=snapshot, allow_recreate=True
            )
            texts.extend([str(plan), repr(plan), json.dumps(plan.to_dict())])
            result = plan.apply(sl=sl)
            texts.extend([str(result), repr(result), json.dumps(result.to_dict())])
            for item in result.items:
                if item.error is not None:
                    texts.append(sdk_traceback(item.error))

    with pytest.raises(Interrupted) as stopped:
        run(InterruptingTransport(sb.transport, 30, True))
    texts.append(sdk_traceback(stopped.value))
    run()

    texts.append(snapshot.read_text(encoding="utf-8"))
    texts.append(caplog.text)
    secrets = {sb.smartlead_api_key, sb.authority.smartlead_app.secret, wrong}
    secrets |= {m.password for m in boxes}
    secrets |= set(sb.microsoft.grants) | set(sb.microsoft.access_tokens)
    assert len(secrets) > 10
    found = [f"{s[:4]}... in text {i}" for i, text in enumerate(texts) for s in secrets if s in text]
    assert found == []
    # What was exercised: the wrong password and the tenant without consent failed, the rest moved.
    assert "AADSTS65001" in " ".join(texts)
    assert "AADSTS50126" in " ".join(texts)
