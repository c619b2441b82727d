"""connect makes accounts doctor accepts; align's guard rails and enforcement options; Ctrl-C's note."""

from __future__ import annotations

import json
from pathlib import Path

from tenantlead.cli import _exit
from tenantlead.cli._session import sandbox_clients
from tenantlead.orchestration import ApplyJournal
from tenantlead.sandbox import Sandbox
from tests.cli.conftest import Run


def _csv(sb: Sandbox, tmp_path: Path) -> Path:
    csv = tmp_path / "mailboxes.csv"
    csv.write_text(sb.credentials_csv(), encoding="utf-8")
    return csv


def test_connect_with_policy_client_and_tag_makes_accounts_doctor_is_clean_on(
    sb: Sandbox, run: Run, tmp_path: Path
) -> None:
    tc, sl = sandbox_clients(sb)
    with tc, sl:
        client = sl.clients.save(name="Acme agency client", email="ops@acme-client.example")
        tag = sl.tags.create("client:acme")
    sb.advance(minutes=10)  # the propagating mailbox is ready (TL105)
    new = set(sb.planted["TL201"])
    code, out, err = run(
        "--sandbox", "connect", "--strategy", "smtp", "--credentials", _csv(sb, tmp_path), "--apply",
        "--window", "08:00-18:00", "--warmup-per-day", "4", "--headroom", "1",
        "--client", client.client_id, "--tag", tag.id,
    )  # fmt: skip
    assert code == _exit.OK
    assert "basic" in err.lower()  # the basic-auth warning shows with --apply too
    created = [a for a in sb.sl_user.accounts.values() if a.from_email in new and not a.deleted]
    assert {a.from_email for a in created} == new
    for a in created:
        assert a.client_id == client.client_id
        assert tag.id in a.tag_ids
        assert a.warmup is not None
        assert (a.warmup.status, a.warmup.total_warmup_per_day) == ("ACTIVE", 4)
        limit = next(
            m.daily_send_limit for m in sb.tc_account.mailboxes.values() if m.primary_smtp == a.from_email
        )
        if limit is not None:
            assert a.message_per_day == limit - 1 - 4
            assert a.min_time_to_wait_in_mins == max(10, 600 // a.message_per_day)
    code, out, _ = run("--sandbox", "doctor", "--json", "--warmup-details")
    found = {(f["code"], f["subject"]) for f in json.loads(out)["findings"]}
    for address in new:
        assert not {c for c, s in found if s == address} & {"TL301", "TL302", "TL304", "TL305"}


def test_connect_without_options_warms_up_and_spreads_the_day(sb: Sandbox, run: Run, tmp_path: Path) -> None:
    sb.advance(minutes=10)
    code, _, _ = run(
        "--sandbox", "connect", "--strategy", "smtp", "--credentials", _csv(sb, tmp_path), "--apply"
    )
    assert code == _exit.OK
    for a in sb.sl_user.accounts.values():
        if a.from_email in sb.planted["TL201"]:
            assert a.warmup is not None
            assert a.warmup.status == "ACTIVE"
            assert a.min_time_to_wait_in_mins is None or a.min_time_to_wait_in_mins >= 10


def test_ctrl_c_during_align_prints_the_interruption_note(sb: Sandbox, run: Run, tmp_path: Path) -> None:
    writes = {"n": 0}
    original = sb.dispatch

    def dispatch(api, req):  # type: ignore[no-untyped-def]
        if req.method in ("PATCH", "POST"):
            writes["n"] += 1
            if writes["n"] == 2:  # after the first stored limit, before provisioning
                raise KeyboardInterrupt
        return original(api, req)

    sb.dispatch = dispatch  # type: ignore[method-assign]
    code, out, err = run("--sandbox", "align", "--apply", "--default-ceiling", "25", "--json")
    assert code == _exit.INTERRUPTED
    assert json.loads(out)["error"]["exit_code"] == _exit.INTERRUPTED
    hint = next(line for line in err.splitlines() if line.startswith("hint:"))
    assert "interrupted after" in hint
    assert "not yet enforced" in hint
    assert "--enforce-all" in hint
    # The journal remembers; doctor says so; the next plan provisions it.
    unenforced = ApplyJournal().unenforced()
    assert unenforced
    sb.dispatch = original  # type: ignore[method-assign]
    code, out, _ = run("--sandbox", "doctor", "--json")
    assert set(json.loads(out)["summary"]) >= {"TL110"}
    code, out, _ = run("--sandbox", "align", "--json", "--default-ceiling", "25")
    provisions = {
        c["tenant_id"] for c in json.loads(out)["plan"]["changes"] if c["field"] == "mailbox_limits"
    }
    assert unenforced <= provisions
    code, _, _ = run("--sandbox", "align", "--apply", "--default-ceiling", "25")
    assert code == _exit.OK
    assert ApplyJournal().unenforced() == frozenset()


def test_align_enforce_all_provisions_every_tenant_with_a_stored_limit(sb: Sandbox, run: Run) -> None:
    _, out, _ = run("--sandbox", "align", "--json", "--enforce-all")
    provisions = {
        c["tenant_id"] for c in json.loads(out)["plan"]["changes"] if c["field"] == "mailbox_limits"
    }
    limited = {m.tenant_id for m in sb.tc_account.mailboxes.values() if m.daily_send_limit is not None}
    assert provisions == limited
