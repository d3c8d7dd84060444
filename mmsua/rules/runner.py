"""The rules at work: each received message is checked against every rule, in order,
on a worker thread of its own.

The engine's event callback only queues the message (bounded), so receiving never
waits for a rule; the worker runs commands without the engine's lock and reaches the
engine only through the API (``send``, ``forward``), taking the lock per call as any
client does. A message from a blocked number never gets here (it is no
``message.received``), nor does one whose content is not in yet.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mmsua import addresses, targets
from mmsua.api.errors import ApiError
from mmsua.api.events import Event, MessageReceived
from mmsua.api.methods import Api
from mmsua.api.shapes import Message, SendRequest
from mmsua.api.states import MessageState
from mmsua.rules import command
from mmsua.rules.limits import RateLimit
from mmsua.rules.match import is_short_code, matches
from mmsua.rules.model import Rule
from mmsua.textsafe import clean_line
from mmsua.workqueue import Recent, WorkQueue

log = logging.getLogger("mmsua.rules")
QUEUE_LIMIT = 1000  # messages waiting for the rules; past this they are skipped, logged
RESULTS_KEPT = 200


@dataclass(frozen=True, slots=True)
class RuleResult:
    message_id: int
    rule: str
    action: str  # "run", "reply", "forward", "hook", "skipped"
    ok: bool
    detail: str


class RuleRunner:
    def __init__(self, rules: Sequence[Rule], api: Api, limit: RateLimit, country: str = "") -> None:
        self.rules = tuple(rules)
        self.api = api
        self.limit = limit
        self.country = addresses.country_for(country or None)
        self._work: WorkQueue[Message] = WorkQueue("rules", self.handle, QUEUE_LIMIT)
        self.results: Recent[RuleResult] = Recent(RESULTS_KEPT)  # the most recent, for tests
        self._stopping = False

    # -- the engine's side: never blocks ---------------------------------------
    def on_event(self, event: Event) -> None:
        if not isinstance(event, MessageReceived):
            return
        message = event.data
        if message.direction != "in" or message.state != MessageState.RECEIVED or message.blocked:
            return
        if not self._work.offer(message):
            log.error("message %s: %d messages wait for the rules already; rules skipped for it", message.id, QUEUE_LIMIT)

    def stop(self, wait: float = 5.0) -> None:
        """Stop: a command running now is killed, the messages still queued are left."""
        self._stopping = True
        command.kill_all()
        self._work.stop(wait)

    # -- the worker ----------------------------------------------------------------
    def handle(self, message: Message) -> None:
        """Every rule that matches ``message`` acts on it, in the config's order."""
        own = self._own_numbers()
        for rule in self.rules:
            if self._stopping:
                return
            if matches(rule, message, self.country):
                self._act(rule, message, own)

    def _own_numbers(self) -> list[str]:
        """Every modem's own number: one of them writing to another is not a person to answer."""
        try:
            status = self.api.status()
        except ApiError:
            return []
        return [n for n in (status.own_number, *(m.own_number for m in status.modems)) if n]

    def _act(self, rule: Rule, message: Message, own: list[str]) -> None:
        sender = message.sender or ""
        if not sender:
            return
        if any(addresses.same_person(sender, number, self.country) for number in own) and not rule.own_number:
            self._record(message, rule, "skipped", False, "from our own number (own_number = true allows it)")
            return
        refused = self.limit.take(addresses.normalize(sender, self.country))
        if refused is not None:
            if self.limit.first_refusal(sender):
                log.warning("rule %s: not acting on messages from %s for now: %s", _name(rule), clean_line(sender, limit=40), refused)
            self._record(message, rule, "skipped", False, f"rate limit: {refused}", level=logging.DEBUG)
            return
        if rule.run:
            self._run(rule, message, sender)
        if rule.forward_to:
            self._call(message, rule, "forward", lambda: self.api.forward(message.id, rule.forward_to, via=rule.via))
        if rule.hook:
            delivered = targets.deliver(rule.hook, targets.Handoff("forward", rule.name, message))
            self._record(message, rule, "hook", delivered, f"to {rule.hook}" if delivered else f"{rule.hook} did not take it")

    def _run(self, rule: Rule, message: Message, sender: str) -> None:
        outcome = command.run(rule, message)
        self._record(message, rule, "run", outcome.ok, outcome.detail)
        for why in outcome.refused:
            log.warning("rule %s: picture left out: %s", _name(rule), why)
        if not (rule.reply and outcome.ok):
            return
        if not outcome.text and not outcome.attachments:
            self._record(message, rule, "reply", True, "nothing to send: the command printed nothing", level=logging.DEBUG)
            return
        if is_short_code(sender) and not rule.short_codes:
            self._record(message, rule, "reply", False, "not sent: a short code or named sender (short_codes = true allows it)")
            return
        request = SendRequest(to=(sender,), text=outcome.text or None, attachments=outcome.attachments, via=rule.via)
        self._call(message, rule, "reply", lambda: self.api.send(request))

    def _call(self, message: Message, rule: Rule, action: str, call: Callable[[], Message | list[Message]]) -> None:
        try:
            sent = call()
        except ApiError as error:
            self._record(message, rule, action, False, f"{error.code}: {clean_line(error.message, limit=200)}")
            return
        ids = [m.id for m in sent] if isinstance(sent, list) else [sent.id]
        self._record(message, rule, action, True, "queued as message " + ", ".join(map(str, ids)))

    def _record(self, message: Message, rule: Rule, action: str, ok: bool, detail: str, *, level: int | None = None) -> None:
        level = level if level is not None else logging.INFO if ok else logging.WARNING
        log.log(level, "message %s, rule %s: %s %s", message.id, _name(rule), action, detail)
        self.results.add(RuleResult(message.id, rule.name, action, ok, detail))


def _name(rule: Rule) -> str:
    return clean_line(rule.name, limit=60)
