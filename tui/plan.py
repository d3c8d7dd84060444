"""The composer's plan line: what ``send`` will do with the message, as the daemon's
``plan_send`` says ("SMS · 2 parts · 87 left", "MMS · 214 KB of 1 MB"), and why.

The daemon owns the policy; the TUI only shows its answer and chooses ``via`` when
the user switches kinds. Reasons and problems come from the daemon: they are
passed through ``tui.display`` like any other text that is not ours.
"""

from __future__ import annotations

from rich.text import Text

from mmsua.api.shapes import SendPlan, SendVia
from mmsua.tui.display import human_size, safe_line

SWITCH_KEY = "^r"
GROUP_KEY = "^g"
MODEM_KEY = "^n"


def switched(plan: SendPlan, auto_kind: str | None) -> SendVia:
    """``via`` after the switch key: the other kind, or ``auto`` when the other kind is
    what the daemon chooses by itself (switching back leaves the choice to it again)."""
    target: SendVia = "mms" if plan.kind == "sms" else "sms"
    return "auto" if target == auto_kind else target


def headline(plan: SendPlan) -> str:
    """"SMS · 2 parts · 87 left" or "MMS · 214 KB of 1 MB" (and how many messages go out)."""
    if plan.kind == "sms":
        parts = f"{plan.sms_parts} part{'s' if plan.sms_parts != 1 else ''}"
        words = ["SMS", parts, f"{plan.sms_chars_left} left"]
        if plan.sms_encoding == "ucs2":
            words.append("Unicode")
    else:
        words = ["MMS", f"{human_size(plan.mms_size)} of {human_size(plan.mms_limit)}" if plan.mms_limit else human_size(plan.mms_size)]
    if plan.messages > 1:
        words.append(f"{plan.messages} messages")
    return " · ".join(words)


def plan_line(plan: SendPlan, via: SendVia) -> Text:
    """The plan as the composer shows it: headline, reason, how to switch, problems."""
    over = plan.kind == "mms" and plan.mms_limit and plan.mms_size > plan.mms_limit
    style = "bold red" if plan.problems or over else "bold"
    text = Text.assemble((headline(plan), style), ("  ", ""), safe_line(plan.reason, limit=80, style="dim"))
    if plan.switchable:
        other = "MMS" if plan.kind == "sms" else "SMS"
        # Chosen by the user: the key gives the choice back (the daemon's own kind is the other one).
        text.append(f"  {SWITCH_KEY}: {'back to' if via != 'auto' else 'send as'} {other}", style="dim")
    if plan.modem:  # a daemon with several modems says which one it goes out of
        text.append_text(Text.assemble(("\nfrom ", "dim"), safe_line(plan.modem, limit=32, style="bold"), (f"  {MODEM_KEY}: another modem", "dim")))
    for problem in plan.problems[:3]:
        text.append("\n")
        text.append_text(Text.assemble(("cannot send: ", "bold red"), safe_line(problem, limit=120, style="red")))
    if plan.confirm:
        text.append("\n")
        text.append_text(Text.assemble(("asks first: ", "yellow"), safe_line(plan.confirm, limit=120, style="yellow")))
    return text
