"""An apply interrupted after k items (an exception, Ctrl-C), then run again.

The interruption propagates (it is never swallowed), carries ``partial_result`` listing what was
written, and says how to finish; a fresh load + plan + apply then completes the job with no
duplicate Smartlead account and every planned value in place (connect's tags and client too:
the accounts saved before the interruption never got their tags, and the re-plan converges them).
"""

from __future__ import annotations

from typing import Any

import pytest

from tenantlead.orchestration import Change, Fleet, ProgressEvent, align_limits, connect
from tests.reliability._world import POLICY, build_world, clients, duplicates, live_accounts, lost_updates
from tests.reliability.conftest import Figures, table

MAILBOXES = 120
CLIENT = 4242


class Boom(RuntimeError):
    """The user's progress callback (or anything around it) failing mid-run."""


def _stop_after(k: int, exc: BaseException) -> Any:
    def progress(event: ProgressEvent) -> None:
        if event.done == k:
            raise exc

    return progress


CASES = [
    ("connect", 7, Boom("disk full")),
    ("connect", 60, KeyboardInterrupt()),
    ("align", 5, Boom("disk full")),
    ("align", 40, KeyboardInterrupt()),
]
_ROWS: dict[str, tuple[Any, ...]] = {}


@pytest.mark.parametrize(
    ("phase", "k", "exc"), CASES, ids=[f"{p}-{k}-{type(e).__name__}" for p, k, e in CASES]
)
def test_interrupted_apply_then_rerun_converges(
    phase: str, k: int, exc: BaseException, figures: Figures
) -> None:
    sb = build_world(seed=k, mailboxes=MAILBOXES)
    tc, sl = clients(sb)
    planned: dict[tuple[str, str], Change] = {}
    with tc, sl:
        if phase == "align":
            connect(Fleet.load(tc, sl), "smtp", credentials=sb.credentials_csv(), policy=None).apply(sl=sl)
            # Lower a third of the TenantCore limits so the align plan has Smartlead work too.
            for i, mailbox in enumerate(
                sorted(sb.tc_account.mailboxes.values(), key=lambda m: m.primary_smtp)
            ):
                if i % 3 == 0 and mailbox.daily_send_limit is not None:
                    mailbox.daily_send_limit = mailbox.enforced_limit = 18

        fleet = Fleet.load(tc, sl, with_warmup_details=True)
        tag = sl.tags.create("interrupted").id
        assert tag is not None
        if phase == "connect":
            plan: Any = connect(
                fleet, "smtp", credentials=sb.credentials_csv(), policy=POLICY, clients=CLIENT, tags=[tag]
            )
            total = len(plan.to_create)
            run = lambda: plan.apply(sl=sl, on_progress=_stop_after(k, exc))  # noqa: E731
        else:
            plan = align_limits(fleet, POLICY)
            planned.update({(c.subject, c.field): c for c in plan.changes})
            total = len(plan.changes)
            run = lambda: plan.apply(tc=tc, sl=sl, on_progress=_stop_after(k, exc))  # noqa: E731
        assert total > k

        with pytest.raises(type(exc)) as info:
            run()
        partial = info.value.partial_result  # type: ignore[attr-defined]
        assert len(partial.items) == k
        assert any("interrupted after" in note for note in info.value.__notes__)
        written_before_rerun = len(partial.succeeded)

        # Re-run: load again, plan again, apply.
        fleet = Fleet.load(tc, sl, with_warmup_details=True)
        if phase == "connect":
            replan = connect(
                fleet, "smtp", credentials=sb.credentials_csv(), policy=POLICY, clients=CLIENT, tags=[tag]
            )
            remaining = len(replan.to_create) + len(replan.to_update)
            result = replan.apply(sl=sl)
        else:
            replan = align_limits(fleet, POLICY)
            planned.update({(c.subject, c.field): c for c in replan.changes})
            remaining = len(replan.changes)
            result = replan.apply(tc=tc, sl=sl)
        assert result.ok
        fleet = Fleet.load(tc, sl, with_warmup_details=True)

    assert duplicates(sb) == {}
    assert lost_updates(sb, planned) == []
    assert align_limits(fleet, POLICY).is_empty or phase == "connect"
    assert connect(fleet, "smtp", credentials=sb.credentials_csv(), policy=POLICY).to_create == []
    assert len(live_accounts(sb)) == MAILBOXES
    if phase == "connect":
        untagged = [a.from_email for a in live_accounts(sb) if tag not in a.tag_ids or a.client_id != CLIENT]
        assert untagged == [], f"{len(untagged)} accounts lack the planned tag or client"
    _ROWS[f"{phase}-{k}"] = (
        phase,
        total,
        k,
        type(exc).__name__,
        written_before_rerun,
        remaining,
        len(result.succeeded),
        0,
    )
    if len(_ROWS) == len(CASES):
        figures.record(
            "interrupted",
            f"## Interrupted apply, then re-run ({MAILBOXES} mailboxes)\n\n"
            + table(
                (
                    "plan",
                    "items planned",
                    "interrupted after",
                    "by",
                    "written before",
                    "left for the re-run",
                    "written by the re-run",
                    "duplicates",
                ),
                [_ROWS[key] for key in sorted(_ROWS)],
            ),
        )
