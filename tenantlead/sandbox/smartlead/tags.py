"""Simulated Smartlead tag routes: the tag catalogue and account-tag mappings (§2.11-§2.13)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._http import SimResponse, json_response
from ..state import (
    SlAccount,
    SlTag,
)
from ._common import (
    Ctx,
    Handler,
)
from ._joi import F, Schema, reply, validate

# --------------------------------------------------------------------------- tags


def _tag_json(tag: SlTag) -> dict[str, Any]:
    return {"id": tag.id, "name": tag.name, "color": tag.color}


def list_tags(ctx: Ctx) -> SimResponse:
    """GET /email-accounts/tags (§2.15): the tag catalogue, bare array."""
    return json_response(200, [_tag_json(t) for t in sorted(ctx.user.tags.values(), key=lambda t: t.id)])


_TAG_CREATE: Schema = {"name": F("str", required=True, allow_empty=False), "color": F("str", nullable=True)}


def create_tag(ctx: Ctx) -> SimResponse:
    """POST /tags (§2.15): 201; always creates, even with a duplicate name."""
    body = validate(ctx.body, _TAG_CREATE)
    tag = SlTag(id=ctx.world.next_id("tag"), name=body["name"], color=body.get("color"))
    ctx.user.tags[tag.id] = tag
    return json_response(201, {"ok": True, "data": _tag_json(tag)})


_TAG_UPDATE: Schema = {
    "id": F("int", required=True),
    "name": F("str", required=True, allow_empty=False),
    "color": F("str", required=True, allow_empty=False),
}


def update_tag(ctx: Ctx) -> SimResponse:
    """POST /email-accounts/tag-manager (§2.15): rename/recolour a tag (404 text is a [GAP])."""
    body = validate(ctx.body, _TAG_UPDATE)
    tag = ctx.user.tags.get(body["id"])
    if tag is None:
        raise reply(404, {"ok": False, "message": "Tag not found!"})
    tag.name = body["name"]
    tag.color = body["color"]
    return json_response(200, {"ok": True, "data": _tag_json(tag)})


def _mapping_ids(ctx: Ctx) -> tuple[list[Any], list[Any]]:
    """Validate the tag-mapping body; errors use this endpoint's ``success: false`` shape."""
    body = ctx.body if isinstance(ctx.body, dict) else {}

    def fail(text: str) -> Exception:
        return reply(400, {"success": False, "message": "Validation error", "error": text})

    for name in body:
        if name not in ("email_account_ids", "tag_ids"):
            raise fail(f"{name} is not allowed")
    out: list[list[Any]] = []
    for name, most in (("email_account_ids", 25), ("tag_ids", None)):
        value = body.get(name)
        if value is None:
            raise fail(f"{name} is required")
        if not isinstance(value, list):
            raise fail(f"{name} must be an array")
        if len(value) < 1:
            raise fail(f"{name} must contain at least 1 item")
        if most is not None and len(value) > most:
            raise fail(f"{name} must contain at most {most} items")
        for i, v in enumerate(value):
            if isinstance(v, bool) or not isinstance(v, int):
                raise fail(f"{name}[{i}] must be a number")
        out.append(list(dict.fromkeys(value)))
    return out[0], out[1]


def _mapping_id(ctx: Ctx, account_id: int, tag_id: int) -> int:
    ids = ctx.world.tag_mapping_ids
    mid = ids.get((account_id, tag_id))
    if mid is None:
        mid = ids[(account_id, tag_id)] = ctx.world.next_id("tag_mapping")
    return mid


def _map_tags(ctx: Ctx, *, add: bool) -> SimResponse:
    account_ids, tag_ids = _mapping_ids(ctx)
    results: list[dict[str, Any]] = []
    done = skipped = failed = 0
    for aid in account_ids:
        acc = ctx.account(aid)
        for tid in tag_ids:
            base: dict[str, Any] = {"email_account_id": aid, "tag_id": tid}
            if acc is None or tid not in ctx.user.tags:
                failed += 1
                base.update(
                    action="failed", reason="Email account not found" if acc is None else "Tag not found"
                )
            elif add and tid in acc.tag_ids:
                skipped += 1
                base.update(action="skipped", reason="Mapping already exists")
            elif not add and tid not in acc.tag_ids:
                skipped += 1
                base.update(action="skipped", reason="Mapping does not exist")
            else:
                done += 1
                if add:
                    acc.tag_ids.append(tid)
                else:
                    acc.tag_ids.remove(tid)
                base.update(action="added" if add else "deleted", mapping_id=_mapping_id(ctx, aid, tid))
                if not add:
                    ctx.world.tag_mapping_ids.pop((aid, tid), None)
            results.append(base)
    verb = "added" if add else "deleted"
    return json_response(
        200,
        {
            "success": True,
            "message": "Tag mapping operation completed" if add else "Tag removal operation completed",
            "data": {
                "results": results,
                "summary": {
                    "total_processed": len(results),
                    verb: done,
                    "skipped": skipped,
                    "failed": failed,
                },
            },
        },
    )


def add_tag_mapping(ctx: Ctx) -> SimResponse:
    """POST /email-accounts/tag-mapping (§2.15): additive and idempotent."""
    return _map_tags(ctx, add=True)


def remove_tag_mapping(ctx: Ctx) -> SimResponse:
    """DELETE /email-accounts/tag-mapping (§2.15)."""
    return _map_tags(ctx, add=False)


_TAG_LIST: Schema = {"email_ids": F("list", required=True, item=F("str"), min_items=1)}


def tags_for_emails(ctx: Ctx) -> SimResponse:
    """POST /email-accounts/tag-list (§2.15): the live shape, unknown addresses left out."""
    body = validate(ctx.body, _TAG_LIST)
    by_email: dict[str, SlAccount] = {a.from_email.lower(): a for a in ctx.accounts()}
    data = []
    for email in body["email_ids"]:
        acc = by_email.get(email.lower())
        if acc is None:
            continue
        tags = [
            {"tag_id": t.id, "tag_name": t.name}
            for t in (ctx.user.tags.get(i) for i in acc.tag_ids)
            if t is not None
        ]
        data.append({"email_account_id": acc.id, "email_id": acc.from_email, "tags": tags})
    return json_response(200, {"data": data})


def _routes() -> Iterable[tuple[str, str, Handler]]:
    yield "GET", "/email-accounts/tags", list_tags
    yield "POST", "/email-accounts/tag-manager", update_tag
    yield "POST", "/email-accounts/tag-mapping", add_tag_mapping
    yield "DELETE", "/email-accounts/tag-mapping", remove_tag_mapping
    yield "POST", "/email-accounts/tag-list", tags_for_emails
    yield "POST", "/tags", create_tag


ROUTES: tuple[tuple[str, str, Handler], ...] = tuple(_routes())
