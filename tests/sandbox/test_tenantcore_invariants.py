"""Property tests: whatever sequence of API calls and sends happens, the TenantCore invariants hold."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from tenantlead.sandbox import Sandbox

BASE = "https://api.tenantcore.io/v1"
DOMAINS = ("a.example.com", "b.example.com")

_op = st.one_of(
    st.tuples(st.just("create"), st.sampled_from(DOMAINS), st.sampled_from(["x", "y", "z", "w", "v"])),
    st.tuples(st.just("patch"), st.integers(0, 9), st.one_of(st.none(), st.integers(-2, 40))),
    st.tuples(st.just("provision"), st.one_of(st.none(), st.integers(0, 30)), st.just(None)),
    st.tuples(st.just("send"), st.integers(0, 9), st.integers(1, 40)),
    st.tuples(st.just("advance"), st.integers(1, 30 * 60 * 60), st.just(None)),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_op, max_size=40))
def test_limits_propagation_and_enforcement_invariants(ops: list[tuple[str, object, object]]) -> None:
    sb = Sandbox(seed=9)
    tc = sb.tenantcore
    tenant = tc.add_tenant(sb.tc_account, "Prop")
    for name in DOMAINS:
        tc.add_domain(sb.tc_account, tenant, name)
    base = f"{BASE}/tenants/{tenant.tenant_id}"
    with sb.http_client(headers={"Authorization": f"Bearer {sb.tenantcore_api_key}"}) as c:
        for kind, a, b in ops:
            boxes = list(sb.tc_account.mailboxes.values())
            if kind == "create":
                resp = c.post(
                    f"{base}/mailboxes", json={"domain_name": a, "mail_nickname": b, "display_name": "N"}
                )
                assert resp.status_code in (201, 409)
                if resp.status_code == 201:
                    box = tc.find_mailbox(resp.json()["primary_smtp"])
                    assert box is not None
                    # Never ready before 2 minutes, always ready after 5.
                    assert box[1].ready_at is not None
                    delay = (box[1].ready_at - box[1].created_at).total_seconds()
                    assert 120 <= delay <= 300
            elif kind == "patch" and boxes:
                box = boxes[int(str(a)) % len(boxes)]
                resp = c.patch(f"{base}/mailboxes/{box.id}", json={"daily_send_limit": b})
                assert resp.status_code == (422 if isinstance(b, int) and b < 0 else 200)
            elif kind == "provision":
                body = {} if a is None else {"daily_send_limit": a}
                assert c.post(f"{base}/mailbox-limits", json=body).status_code == 200
            elif kind == "send" and boxes:
                box = boxes[int(str(a)) % len(boxes)]
                for _ in range(int(str(b))):
                    tc.record_send(box)
            elif kind == "advance":
                sb.advance(float(str(a)))
            per_domain = Counter(m.domain_name for m in sb.tc_account.mailboxes.values())
            assert max(per_domain.values(), default=0) <= 3
            for m in sb.tc_account.mailboxes.values():
                # A block only exists while the mailbox is over an enforced limit (a higher
                # provisioned limit or a reset lifts it); stored-only limits never block.
                if m.blocked_at is not None:
                    assert m.enforced_limit is not None
                    assert m.sends_today > m.enforced_limit
                if m.enforced_limit is None:
                    assert m.blocked_at is None
        blocked_events = Counter(
            e.mailbox_address for e in sb.tc_account.events if e.action_taken == "blocked"
        )
        unblocked_events = Counter(
            e.mailbox_address for e in sb.tc_account.events if e.action_taken == "unblocked"
        )
        for address, count in blocked_events.items():
            # Every block but possibly the current one has been lifted by a reset or provision.
            assert unblocked_events[address] in (count, count - 1)
        events = c.get(f"{BASE}/enforcement/events", params={"limit": 200}).json()
        assert events["total"] == len(sb.tc_account.events)
        stamps = [e["created_at"] for e in events["events"]]
        assert stamps == sorted(stamps, reverse=True)
