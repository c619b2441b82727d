"""Connect over OAuth leaks neither the app's client secret nor a mailbox password.

Searched: every DEBUG log record of a whole run (planted failures included), the plan's and the
result's text, repr and JSON, and each failed item's error rendered with its frames' locals, as
a crash reporter (Sentry, ``pytest -l``, rich) would show it.
"""

from __future__ import annotations

import io
import logging
import traceback

from tenantlead.orchestration import Fleet, connect
from tenantlead.sandbox import Sandbox
from tests.orchestration.test_connect_oauth import _app, _sync


def test_oauth_connect_leaks_no_client_secret_or_password_in_logs_results_or_traceback_locals() -> None:
    sb = Sandbox.demo(seed=7, oauth_plants=True)
    sb.advance(minutes=10)
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        tc, sl, ms = _sync(sb)
        csv = sb.credentials_csv()
        plan = connect(Fleet.load(tc, sl), "oauth", microsoft=_app(sb), credentials=csv)
        result = plan.apply(sl=sl, ms=ms)
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)

    failed = [i for i in result.items if i.error is not None]
    assert len(result.failed) == 3  # the planted sign-in failures were exercised
    assert failed
    texts = [buf.getvalue(), repr(plan), str(plan), str(plan.to_dict()), str(result), repr(result)]
    texts += [
        "".join(traceback.TracebackException.from_exception(i.error, capture_locals=True).format())
        for i in failed
        if i.error is not None
    ]
    passwords = [line.split(",", 1)[1] for line in csv.splitlines()[1:] if "," in line]
    secrets = [sb.authority.smartlead_app.secret, *passwords]
    assert len(secrets) > 200
    assert "save-oauth" in buf.getvalue()  # the log really holds the run's requests
    assert [s[:3] for s in secrets if any(s in t for t in texts)] == []
