"""connect(): the pure planner and load_credentials, on hand-built fleets."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest

from tenantlead.orchestration.connect import (
    Credentials,
    CredentialsError,
    MicrosoftTokenProvider,
    connect,
    load_credentials,
)
from tenantlead.orchestration.fleet import Fleet
from tenantlead.orchestration.policy import LimitPolicy
from tests.orchestration.factories import NOW, account, domain, fleet, mailbox, tenant

SECRET = "Sup3r-Secret!pw"


def token_for(email):
    return {
        "scope": "https://outlook.office.com/.default",
        "token_type": "Bearer",
        "access_token": "x.y",
        "expiry_date": 1,
    }


def demo_fleet():
    t1 = tenant(1, tenant_name="Acme")
    t2 = tenant(2, tenant_name="Beta", exchange_bootstrap_status="pending", discovery_completed=False)
    ok, unverified = domain("acme.com"), domain("new-acme.com", is_verified=False)
    beta = domain("beta.com")
    return fleet(
        {
            t1: {
                ok: [
                    (mailbox("new@acme.com", limit=25, display_name="New Box"), None),
                    (mailbox("off@acme.com", account_enabled=False), None),
                    (mailbox("fresh@acme.com", created_at=NOW - timedelta(minutes=2)), None),
                ],
                unverified: [(mailbox("x@new-acme.com"), None)],
                domain("acme2.com"): [
                    (mailbox("have@acme2.com"), account("have@acme2.com", client_id=None)),
                    (mailbox("nolimit@acme2.com", limit=None), None),
                ],
            },
            t2: {beta: [(mailbox("b@beta.com"), None)]},
        }
    )


def by_address(plan):
    return {i.address: i for i in plan.items}


# ----------------------------------------------------------------------------- strategies


def test_unknown_strategy_lists_the_valid_ones():
    with pytest.raises(ValueError, match="'oauth', 'smtp', 'manual'"):
        connect(demo_fleet(), "imap")  # type: ignore[arg-type]


def test_smtp_needs_credentials_and_oauth_needs_tokens():
    with pytest.raises(ValueError, match="TenantCore app"):
        connect(demo_fleet(), "smtp")
    with pytest.raises(ValueError, match="MicrosoftTokenProvider"):
        connect(demo_fleet(), "oauth")
    with pytest.raises(TypeError, match="get_token"):
        connect(demo_fleet(), "oauth", tokens=42)  # type: ignore[arg-type]


def test_prerequisites_are_checked_and_not_ready_items_skipped_with_the_reason():
    plan = connect(demo_fleet(), "oauth", tokens=token_for)
    items = by_address(plan)
    assert items["new@acme.com"].action == "create"
    assert (items["off@acme.com"].action, items["off@acme.com"].code) == ("skip", "TL101")
    assert (items["fresh@acme.com"].action, items["fresh@acme.com"].code) == ("skip", "TL105")
    assert "propagating" in items["fresh@acme.com"].reason
    assert (items["x@new-acme.com"].action, items["x@new-acme.com"].code) == ("skip", "TL103")
    assert (items["b@beta.com"].action, items["b@beta.com"].code) == ("skip", "TL107")
    assert items["have@acme2.com"].action == "skip"
    assert "already connected" in items["have@acme2.com"].reason


def test_new_accounts_get_the_aligned_limit_gap_warmup_client_and_tags():
    policy = LimitPolicy(headroom=1, warmup_per_day=4, sending_window="09:00-17:00", default_ceiling=10)
    plan = connect(
        demo_fleet(),
        "oauth",
        tokens=token_for,
        policy=policy,
        clients={"Acme": 77},
        tags={tenant(1).tenant_id: [5, 6]},
    )
    new = by_address(plan)["new@acme.com"].settings
    assert (new.max_email_per_day, new.time_to_wait_in_mins, new.warmup_per_day) == (20, 24, 4)
    assert (new.client_id, new.tag_ids) == (77, (5, 6))
    assert new.create_fields() == {
        "max_email_per_day": 20,
        "time_to_wait_in_mins": 24,
        "client_id": 77,
        "warmup_enabled": True,
        "total_warmup_per_day": 4,
    }
    # No TenantCore limit: the policy's default ceiling is what the account is aligned with.
    assert by_address(plan)["nolimit@acme2.com"].settings.max_email_per_day == 5


def test_client_mapping_moves_existing_accounts_once():
    plan = connect(demo_fleet(), "manual", clients=77)
    have = by_address(plan)["have@acme2.com"]
    assert have.action == "update"
    assert have.settings.update_fields() == {"client_id": 77}
    assert plan.counts()["update"] == 1


def test_existing_accounts_converge_on_the_plans_tags_and_client_instead_of_being_skipped():
    # An account saved by an interrupted run has its limit, gap, warmup and client, not its tags.
    t1 = tenant(1, tenant_name="Acme")
    known = [{"tag_id": 5, "tag_name": "wave"}]
    rows = fleet(
        {
            t1: {
                domain("acme.com"): [
                    (mailbox("listed@acme.com"), account("listed@acme.com", client_id=77)),
                    (mailbox("tagged@acme.com"), account("tagged@acme.com", client_id=77, tags=known)),
                    (mailbox("half@acme.com"), account("half@acme.com", client_id=77, tags=[known[0]])),
                    (mailbox("moved@acme.com"), account("moved@acme.com", client_id=3, tags=known)),
                ]
            }
        }
    )
    plan = connect(rows, "oauth", tokens=token_for, clients=77, tags=[5])
    items = by_address(plan)
    # Smartlead's list shows no tags: the planned ones are added (additive, idempotent).
    listed = items["listed@acme.com"]
    assert (listed.action, listed.settings.tag_ids, listed.settings.client_id) == ("update", (5,), None)
    assert "add tags [5]" in listed.reason
    assert "shows no tags" in listed.reason
    assert listed.settings.update_fields() == {}  # no limit, gap or warmup rewritten
    # Known to hold them: nothing to do.
    assert items["tagged@acme.com"].action == "skip"
    assert "already connected" in items["tagged@acme.com"].reason
    # Another client: moved, and nothing else (its tags are there).
    moved = items["moved@acme.com"]
    assert (moved.action, moved.settings.client_id, moved.settings.tag_ids) == ("update", 77, ())
    assert "move it to client 77 (now 3)" in moved.reason
    # Only the missing tag of a longer list is added.
    again = by_address(connect(rows, "oauth", tokens=token_for, clients=77, tags=[5, 6]))
    assert again["half@acme.com"].settings.tag_ids == (6,)
    assert "add tags [6]" in str(connect(rows, "oauth", tokens=token_for, clients=77, tags=[5, 6]))
    assert plan.counts() == {"create": 0, "update": 2, "manual": 0, "skip": 2}
    # Without tags or clients a re-plan of connected accounts stays empty.
    assert connect(rows, "oauth", tokens=token_for).is_empty


def test_smtp_skips_mailboxes_without_a_password_and_warns_about_basic_auth():
    plan = connect(demo_fleet(), "smtp", credentials={"new@acme.com": SECRET})
    items = by_address(plan)
    assert items["new@acme.com"].action == "create"
    assert "smtp.office365.com:587" in items["new@acme.com"].reason
    assert items["nolimit@acme2.com"].action == "skip"
    assert "Copy the credentials" in items["nolimit@acme2.com"].reason
    assert any("December 2026" in w for w in plan.warnings)
    assert "WARNING" in str(plan)


def test_manual_strategy_gives_a_handoff_list():
    plan = connect(demo_fleet(), "manual", policy=LimitPolicy(default_ceiling=25))
    handoff = {row["address"]: row for row in plan.handoff()}
    assert set(handoff) == {"new@acme.com", "nolimit@acme2.com"}
    assert "Microsoft 365" in handoff["new@acme.com"]["steps"]
    # The default policy warms up at 5/day under the ceiling (25 - 5 = 20) and spreads the limit
    # over a 09:00-17:00 day: 480 // 20 = 24 minutes apart.
    assert handoff["new@acme.com"]["then_set"] == "daily limit 20, gap 24 min, warmup 5/day"


def test_plan_output_never_contains_a_password():
    plan = connect(demo_fleet(), "smtp", credentials={"new@acme.com": SECRET})
    rendered = [str(plan), repr(plan), json.dumps(plan.to_dict()), plan._repr_html_(), repr(plan.credentials)]
    assert all(SECRET not in text for text in rendered)
    assert plan.to_create[0].address == "new@acme.com"


# ----------------------------------------------------------------------------- credentials


def test_credentials_from_csv_text_path_file_dict_and_callable(tmp_path):
    text = (
        '\ufeffEmail , Password,Notes\r\nA@x.com,Pw1,first\r\n\r\nb@x.com,"p,w",\r\na@x.com,Pw1,dup same\r\n'
    )
    path = tmp_path / "creds.csv"
    path.write_text(text, encoding="utf-8")
    for source in (text, path, str(path), io.StringIO(text)):
        creds = load_credentials(source)
        assert creds.get("a@x.com") == "Pw1"
        assert creds.get("B@X.COM") == "p,w"
        assert creds.emails == ["a@x.com", "b@x.com"]
    assert load_credentials({"A@x.com": "pw"}).get("a@x.com") == "pw"
    asked = []
    lookup = load_credentials(lambda e: asked.append(e) or ("pw" if e == "a@x.com" else None))
    assert lookup.get("A@x.com") == "pw"
    assert lookup.get("c@x.com") is None
    assert asked == ["a@x.com", "c@x.com"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "mailbox,secret\na@x.com,pw\n",
            r"row 1 \(the header, 2 comma-separated columns\): no column is named like an address .*; no column is named like a password",
        ),
        ("email,password\na@x.com,pw\na@x.com,PW\n", "row 3: a@x.com already appeared on row 2"),
        ("email,password\na@x.com,  \n", r"row 2, column B \('password'\): the password of a@x.com is empty"),
        (
            "email,password\nnot-an-address,pw\n",
            r"row 2, column A \('email'\): not an email address \(it has no '@'\)",
        ),
        ("email,password\na@x.com\n", r"row 2 has 1 field\(s\), so column B \('password'\) is missing"),
    ],
)
def test_bad_csvs_name_the_row_and_the_fix(text, message):
    with pytest.raises(CredentialsError, match=message):
        load_credentials(text)


def test_other_bad_sources_are_explained(tmp_path):
    with pytest.raises(CredentialsError, match="no credentials file"):
        load_credentials(str(tmp_path / "missing.csv"))
    with pytest.raises(CredentialsError, match="is empty"):
        load_credentials(io.StringIO(""))
    with pytest.raises(CredentialsError, match="not a valid email"):
        load_credentials({"nope": "pw"})
    with pytest.raises(CredentialsError, match="must be a path, file object, text or bytes"):
        load_credentials(42)  # type: ignore[arg-type]
    with pytest.raises(CredentialsError, match="return the password as a str"):
        load_credentials(lambda e: 123).get("a@x.com")  # type: ignore[arg-type, return-value]


def test_credentials_never_show_passwords():
    creds = Credentials({"a@x.com": SECRET})
    assert SECRET not in repr(creds)
    assert SECRET not in str(creds)
    assert "a@x.com" in creds
    assert len(creds) == 1


def test_token_provider_protocol_is_structural():
    class Provider:
        def get_token(self, email):
            return token_for(email)

    assert isinstance(Provider(), MicrosoftTokenProvider)
    plan = connect(demo_fleet(), "oauth", tokens=Provider())
    assert plan.tokens is not None


def test_a_tenant_without_a_reported_bootstrap_status_is_not_called_not_ready():
    # troubleshoot's TL107 lets unknown values pass; connect must agree instead of skipping as TL107.
    t = tenant(3, exchange_bootstrap_status=None, discovery_completed=None)
    f = fleet({t: {domain("gamma.com"): [(mailbox("g@gamma.com"), None)]}})
    item = by_address(connect(f, "oauth", tokens=token_for))["g@gamma.com"]
    assert (item.action, item.code) == ("create", None)
    pending = fleet(
        {tenant(4, exchange_bootstrap_status="pending"): {domain("d.com"): [(mailbox("p@d.com"), None)]}}
    )
    item = by_address(connect(pending, "oauth", tokens=token_for))["p@d.com"]
    assert (item.action, item.code) == ("skip", "TL107")
    assert "Exchange bootstrap is pending" in item.reason


def test_a_mailbox_whose_domain_tenantcore_does_not_list_says_so():
    t = tenant(5)
    f = fleet({t: {domain("listed.com"): [(mailbox("m@unlisted.com"), None)]}})
    item = by_address(connect(f, "oauth", tokens=token_for))["m@unlisted.com"]
    assert (item.action, item.code) == ("skip", "TL103")
    assert "unlisted.com" in item.reason
    assert "not among" in item.reason


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"tags": "5"}, "tags must be"),
        ({"tags": [5, "x"]}, "tags must be"),
        ({"tags": {"Acme": 5}}, "tags for 'Acme' must be"),
        ({"clients": "77"}, "clients must be"),
        ({"clients": True}, "clients must be"),
        ({"clients": {"Acme": "77"}}, "client id for 'Acme' must be"),
    ],
)
def test_bad_clients_or_tags_are_refused_with_what_to_pass(kwargs, match):
    with pytest.raises(ValueError, match=match):
        connect(demo_fleet(), "oauth", tokens=token_for, **kwargs)


def test_clients_or_tags_naming_no_tenant_are_refused_with_the_fleets_tenants() -> None:
    from tenantlead.orchestration import connect as plan_connect

    fleet = _fleet_for_unknown_keys()
    with pytest.raises(ValueError, match=r"clients= names tenants that are not in the fleet: 'Acme Dental'"):
        plan_connect(fleet, "manual", clients={"Acme Dental": 7})
    with pytest.raises(ValueError, match=r"tags= names tenants .*'Acne' \(did you mean 'Acme'\?\)"):
        plan_connect(fleet, "manual", tags={"Acne": [5]})
    # Case and spaces do not matter: " acme " names the tenant Acme.
    plan = plan_connect(fleet, "manual", clients={" acme ": 7})
    assert [i.settings.client_id for i in plan.items if i.action != "skip"] == [7]


def test_an_unquoted_comma_in_a_password_is_refused_not_cut() -> None:
    from tenantlead.orchestration import CredentialsError, load_credentials

    with pytest.raises(CredentialsError, match=r"row 2 has 4 fields but the header has 2: .*must be quoted"):
        load_credentials("email,password\na@b.com,pw,with,comma\n")
    assert load_credentials('email,password\na@b.com,"pw,with,comma"\n').get("a@b.com") == "pw,with,comma"


def _fleet_for_unknown_keys() -> Fleet:
    t = tenant(1, tenant_name="Acme")
    return fleet({t: {domain("acme.example"): [(mailbox("ann@acme.example"), None)]}})
