"""``LimitPolicy``: how Smartlead's daily limits and sending gaps are derived from TenantCore's.

The TenantCore ``daily_send_limit`` is the hard ceiling (Exchange blocks the excess once it is
provisioned); Smartlead's ``message_per_day`` only guides scheduling. The policy says how far
below the ceiling Smartlead should stay and how the day's volume should be spread.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Literal

import attrs

from tenantlead._core.validate import MAX_DAILY_LIMIT
from tenantlead.smartlead._validate import MAX_GAP_MINUTES

if TYPE_CHECKING:
    from tenantlead.orchestration.checks_model import CheckPolicy

__all__ = [
    "CONNECT_WARMUP_PER_DAY",
    "DEFAULT_WINDOW",
    "SMARTLEAD_MIN_GAP",
    "LimitMode",
    "LimitPolicy",
    "parse_window",
]

#: Smartlead rejects gaps under 3 minutes (``"min_time_btw_emails" must be larger than or equal to 3``).
SMARTLEAD_MIN_GAP = 3
#: Smartlead's help centre: gaps under about 10 minutes get accounts disconnected.
RECOMMENDED_MIN_GAP = 10

LimitMode = Literal["cap", "match"]

#: The sending window planned by default: the 8-hour business day the checks (TL304) assume.
DEFAULT_WINDOW = "09:00-17:00"
#: Warmup volume ``connect`` gives new accounts when the policy names none (a slow start within
#: Smartlead's 1-50 range; the warmup budget page's example).
CONNECT_WARMUP_PER_DAY = 5

_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_window(value: str | int) -> int:
    """Minutes in a sending window given as ``"HH:MM-HH:MM"`` (``"09:00-17:00"`` → 480) or minutes."""
    if isinstance(value, bool):
        raise ValueError(f"sending_window must be 'HH:MM-HH:MM' or minutes, got {value!r}")
    if isinstance(value, int):
        if not 1 <= value <= 1440:
            raise ValueError(f"sending_window in minutes must be 1..1440, got {value}")
        return value
    if not isinstance(value, str):
        raise ValueError(f"sending_window must be 'HH:MM-HH:MM' or minutes, got {type(value).__name__}")
    match = _WINDOW.match(value)
    if match is None:
        raise ValueError(f"sending_window must look like '09:00-17:00' (24-hour clock), got {value!r}")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        raise ValueError(f"sending_window has an impossible time: {value!r}")
    minutes = (h2 * 60 + m2) - (h1 * 60 + m1)
    if minutes <= 0:
        raise ValueError(f"sending_window must end after it starts (same day), got {value!r}")
    return minutes


def _check_int(name: str, value: Any, low: int, high: int | None = None) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if value < low or (high is not None and value > high):
        bound = f"{low}..{high}" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be {bound}, got {value}")


def _validate(policy: LimitPolicy) -> None:
    if policy.mode not in ("cap", "match"):
        raise ValueError(
            f"mode must be 'cap' (only lower Smartlead limits) or 'match' (set them to the allowed "
            f"maximum), got {policy.mode!r}"
        )
    # No ceiling is above MAX_DAILY_LIMIT, so more headroom than that is a typo that zeroes every limit.
    _check_int("headroom", policy.headroom, 0, MAX_DAILY_LIMIT)
    if not isinstance(policy.count_warmup, bool):
        raise ValueError(f"count_warmup must be True or False, got {policy.count_warmup!r}")
    if policy.default_ceiling is not None:
        _check_int("default_ceiling", policy.default_ceiling, 0, MAX_DAILY_LIMIT)
    if policy.sending_window is not None:
        parse_window(policy.sending_window)
    _check_int(
        f"min_gap (Smartlead rejects gaps under {SMARTLEAD_MIN_GAP} minutes; a day has {MAX_GAP_MINUTES})",
        policy.min_gap,
        3,
        MAX_GAP_MINUTES,
    )
    if policy.warmup_per_day is not None:
        _check_int("warmup_per_day (Smartlead's warmup range)", policy.warmup_per_day, 1, 50)
    if policy.enforce not in ("changed", "all"):
        raise ValueError(f"enforce must be 'changed' or 'all', got {policy.enforce!r}")
    if policy.warmup_over_ceiling not in ("lower", "refuse"):
        raise ValueError(
            "warmup_over_ceiling must be 'lower' (lower the warmup volume to fit the ceiling) or 'refuse' "
            f"(leave it and report the mailbox as unsafe), got {policy.warmup_over_ceiling!r}"
        )


@attrs.frozen(kw_only=True)
class LimitPolicy:
    """How to align Smartlead with TenantCore (validated on construction; bad values raise ValueError).

    Attributes:
        mode: ``"cap"`` (default) only lowers Smartlead limits above what is allowed; ``"match"``
            sets every limit to exactly what is allowed.
        headroom: sends kept free below the TenantCore ceiling (0..10000).
        count_warmup: warmup mail counts toward the ceiling (default True: Exchange's transport
            rule counts every message the mailbox sends).
        warmup_per_day: when set (1..50), accounts with active warmup get this warmup volume and
            the budget uses it; when None the fleet's known volume is used (load with
            ``Fleet.load(..., with_warmup_details=True)``).
        default_ceiling: for mailboxes with no TenantCore limit: None leaves them alone (TL106,
            reported as skipped); a number (0..10000) plans storing it and provisioning
            enforcement for the tenant.
        sending_window: business hours the day's volume spreads over, ``"09:00-17:00"`` (the
            default, the same 8-hour day the checks assume) or minutes; None leaves sending gaps
            alone.
        min_gap: the smallest gap planned, in minutes (>= 3, Smartlead's minimum; default 10
            because Smartlead's help centre links shorter gaps to disconnections).
        enforce: ``"changed"`` provisions enforcement only on tenants where the plan stores a
            limit; ``"all"`` re-provisions every tenant with a stored limit (use it to finish a
            run interrupted between storing and provisioning).
        warmup_over_ceiling: what to do when the ceiling (less headroom) is under an account's
            warmup volume, so warmup alone would get the mailbox blocked: ``"lower"`` (default)
            lowers the warmup to what fits (turning it off when nothing does) and sets the
            campaign limit to 0; ``"refuse"`` sets the limit to 0, leaves warmup, and lists the
            mailbox in ``plan.unsafe``.
    """

    mode: LimitMode = "cap"
    headroom: int = 0
    count_warmup: bool = True
    warmup_per_day: int | None = None
    default_ceiling: int | None = None
    sending_window: str | int | None = DEFAULT_WINDOW
    min_gap: int = RECOMMENDED_MIN_GAP
    enforce: Literal["changed", "all"] = "changed"
    warmup_over_ceiling: Literal["lower", "refuse"] = "lower"

    def __attrs_post_init__(self) -> None:
        _validate(self)

    @property
    def window_minutes(self) -> int | None:
        """The sending window in minutes, or None when gaps are not planned."""
        return None if self.sending_window is None else parse_window(self.sending_window)

    def allowed(self, ceiling: int, warmup: int) -> int:
        """Smartlead's allowed daily limit under ``ceiling`` with ``warmup`` mails a day (floored at 0)."""
        budget = warmup if self.count_warmup else 0
        return max(0, ceiling - self.headroom - budget)

    def warmup_that_fits(self, ceiling: int, warmup: int) -> int:
        """The warmup volume a mailbox with ``ceiling`` can carry: ``warmup``, or what the ceiling leaves (0: off).

        Exchange counts warmup like campaign mail, so a warmup above the ceiling less headroom
        gets the mailbox blocked by itself; ``align_limits`` (``warmup_over_ceiling="lower"``)
        and ``connect`` both lower it to this.
        """
        return min(warmup, max(0, ceiling - self.headroom))

    def needed_gap(self, limit: int) -> int | None:
        """The gap that spreads ``limit`` sends over the window (None without a window or sends)."""
        window = self.window_minutes
        if window is None or limit <= 0:
            return None
        return max(self.min_gap, window // max(1, limit))

    def check_policy(self, base: CheckPolicy | None = None) -> CheckPolicy:
        """The [CheckPolicy][tenantlead.orchestration.checks_model.CheckPolicy] that judges a fleet aligned with this policy.

        Its sending window and minimum gap (TL304) are this policy's, so a mailbox the plan
        aligned is not flagged by ``troubleshoot(fleet, policy=limit_policy.check_policy())``.
        """
        from tenantlead.orchestration.checks_model import CheckPolicy

        base = base if base is not None else CheckPolicy()
        window = self.window_minutes
        return attrs.evolve(
            base,
            sending_window_minutes=window if window is not None else base.sending_window_minutes,
            min_gap_minutes=self.min_gap,
        )

    def to_dict(self) -> dict[str, Any]:
        """The policy as a JSON-ready dict."""
        return attrs.asdict(self)
