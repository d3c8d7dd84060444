"""The composer: recipients, subject, text, attachments, send.

What it will send is the daemon's answer to ``plan_send`` (SMS or MMS, parts or size,
and why), asked again in a worker a moment after each change, so typing never waits
on the daemon; sending asks once more and follows that plan. A daemon without
``plan_send`` leaves the composer with its own size estimate.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Checkbox, Footer, Input, Label, Static, TextArea

from mmsua.api import shapes
from mmsua.api.methods import Api
from mmsua.tui import actions, recipients
from mmsua.tui.contacts import Contacts
from mmsua.tui.display import human_size, safe_line
from mmsua.tui.drafts import NEW_MESSAGE, Draft, Drafts
from mmsua.tui.plan import GROUP_KEY, plan_line, switched
from mmsua.tui.screens.dialogs import Confirm, FilePicker
from mmsua.tui.sizing import Attachment, AttachmentError, SizeEstimate, check_file, estimate
from mmsua.tui.widgets.recipient_input import RecipientInput, RecipientSuggester

PLAN_DELAY = 0.3  # seconds after the last change before the daemon is asked for a plan


@dataclass(frozen=True, slots=True)
class Form:
    """What the composer holds, read on the UI thread for a worker to turn into a request."""

    to: tuple[str, ...]
    subject: str
    text: str
    attachments: tuple[Attachment, ...]
    delivery_report: bool | None
    read_report: bool | None
    separately: bool
    via: shapes.SendVia
    modem: str | None = None  # the user's choice of modem; None: the daemon's (the conversation's)


def meter(size: SizeEstimate, width: int = 16) -> Text:
    filled = min(width, int(size.ratio * width))
    style = "green" if size.ratio <= 0.8 else "yellow" if size.ratio <= 1 else ("yellow" if size.fits else "red")
    text = Text.assemble(("█" * filled, style), ("░" * (width - filled), "dim"), f"  {human_size(size.total)} of {human_size(size.limit)}")
    if size.total > size.limit:
        if size.fits:
            names = ", ".join(a.path.name for a in size.scaled)
            text.append("\n")
            text.append_text(safe_line(f"pictures will be scaled to fit: {names}", limit=120, style="yellow"))
        else:
            text.append("\ntoo large for the carrier, even with pictures scaled", style="bold red")
    return text


class ComposeScreen(Screen[Any]):
    """Write a message; dismisses with the daemon's answer once queued."""

    BINDINGS = actions.bindings(actions.COMPOSER)

    # The send bar (meter, errors, buttons) sits under the form, which takes the rest:
    # on a small terminal the form scrolls, and what sends the message stays in sight.
    DEFAULT_CSS = """
    ComposeScreen { align: center top; }
    ComposeScreen > VerticalScroll { width: 100; max-width: 100%; height: 1fr; padding: 0 2; scrollbar-size-vertical: 1; }
    ComposeScreen > #send-bar { height: auto; width: 100; max-width: 100%; padding: 0 2; }
    ComposeScreen .title { text-style: bold; color: $primary; margin: 0 0 1 0; }
    ComposeScreen Label { color: $text-muted; padding: 0 1; }
    ComposeScreen TextArea { height: 8; }
    ComposeScreen #to-error, ComposeScreen #send-error { color: $error; height: auto; padding: 0 1; }
    ComposeScreen .-empty { display: none; }
    ComposeScreen #attachments { height: auto; color: $text; padding: 0 1; margin-bottom: 1; }
    ComposeScreen #meter { height: auto; width: 1fr; padding: 0 1; }
    ComposeScreen .reports { height: auto; }
    ComposeScreen .reports Checkbox { border: none; padding: 0 1; background: $background; }
    ComposeScreen .buttons { height: auto; }
    ComposeScreen .buttons Button { margin-left: 1; min-width: 8; width: auto; }
    """

    def __init__(self, client: Api, contacts: Contacts, limit: int, draft: Draft | None = None, start_dir: Path | None = None,
                 drafts: Drafts | None = None, draft_key: str = NEW_MESSAGE) -> None:
        super().__init__()
        self._client = client
        self._contacts = contacts
        self._limit = limit
        self._drafts = drafts or Drafts(None)
        self._draft_key = draft_key
        kept = self._kept_draft()
        self.restored = kept is not None  # a draft kept by Esc came back
        draft = draft or Draft()
        self._suggested = draft  # a reply's recipients and subject: not worth keeping alone
        self._draft = kept or draft
        self._start_dir = start_dir or Path.home()
        self.attachments: list[Attachment] = []
        self.sending = False
        self.sent = False
        self.via: shapes.SendVia = "auto"  # the user's choice of kind; auto: the daemon's
        self.modem: str | None = None  # the user's choice of modem (several); None: the daemon's
        self.plan: shapes.SendPlan | None = None  # the daemon's latest answer for what is on screen
        self.plan_error: str | None = None  # why there is no plan (an older daemon, no recipient yet)
        self.planned: Form | None = None  # what the plan shown was asked for
        self._auto_kind: str | None = None  # the kind the daemon chooses by itself
        self._plan_timer: Any = None
        self._plan_generation = 0
        self._payloads: dict[Path, shapes.Attachment] = {}  # files read once, for plans and the send

    def _kept_draft(self) -> Draft | None:
        try:
            return self._drafts.get(self._draft_key)
        except OSError:
            return None  # an unreadable drafts file: start afresh; saving says why

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("New message" if not self._draft.to else "Reply", classes="title")
            yield Label("To (numbers or e-mail, separated by commas)")
            yield RecipientInput(", ".join(self._draft.to), id="to", placeholder="+447700900123, Alice…", suggester=RecipientSuggester(self._contacts))
            yield Static("", id="to-error", markup=False, classes="-empty")
            yield Label("Subject")
            yield Input(self._draft.subject, id="subject", placeholder="optional")
            yield Label("Text  (ctrl+o to write it in $EDITOR)")
            yield TextArea(self._draft.text, id="text", soft_wrap=True, show_line_numbers=False)
            yield Label("Attachments  (ctrl+a to add)")
            yield Static(Text("none", style="dim"), id="attachments", markup=False)
            with Horizontal(classes="reports"):
                yield Checkbox("Delivery report", id="delivery-report")
                yield Checkbox("Read report", id="read-report")
                yield Checkbox(f"One message each  {GROUP_KEY}", id="separately", classes="-empty")
        with Vertical(id="send-bar"):
            yield Static("", id="send-error", markup=False, classes="-empty")
            with Horizontal(classes="buttons"):
                yield Static("", id="meter", markup=False)
                yield Button("Cancel", id="cancel")
                yield Button("Attach…", id="attach")
                yield Button("Send", id="send", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        for name in self._draft.attachments:  # a kept draft's files, where they still are
            try:
                self.attachments.append(check_file(Path(name), self._limit))
            except AttachmentError as error:
                self._say("#send-error", Text(str(error)))
        self._update_meter()
        self._show_recipient_choices()
        self._plan_soon(0)
        target = "#text" if self._draft.to else "#to"
        self.query_one(target).focus()
        if self.restored:
            self.notify("Your draft is back (Esc keeps it again; an emptied draft is dropped).", markup=False)

    # ---- live checks ------------------------------------------------------
    @on(Input.Changed, "#to")
    def _check_to(self, event: Input.Changed) -> None:
        _, bad = self._recipients()
        self._say("#to-error", Text.assemble("not a number or e-mail: ", safe_line(", ".join(bad), limit=100)) if bad else "")
        self._show_recipient_choices()
        self._plan_soon()

    def _show_recipient_choices(self) -> None:
        """Several recipients: one group message, or one message each."""
        to, _ = self._recipients()
        self.query_one("#separately", Checkbox).set_class(len(to) < 2, "-empty")

    def _say(self, selector: str, text: Text | str) -> None:
        line = self.query_one(selector, Static)
        line.update(text)
        line.set_class(not str(text), "-empty")

    def _recipients(self) -> tuple[list[str], list[str]]:
        return recipients.resolve(self.query_one("#to", Input).value, self._contacts)

    @on(Input.Changed, "#subject")
    @on(TextArea.Changed, "#text")
    def _changed(self) -> None:
        self._update_meter()
        self._plan_soon()

    @on(Checkbox.Changed)
    def _option_changed(self) -> None:
        self._plan_soon(0)

    # ---- the daemon's plan ------------------------------------------------
    def form(self) -> Form:
        to, _ = self._recipients()
        # Unticked means "as configured" (None), not "refuse reports".
        delivery = True if self.query_one("#delivery-report", Checkbox).value else None
        read = True if self.query_one("#read-report", Checkbox).value else None
        separately = len(to) > 1 and self.query_one("#separately", Checkbox).value
        return Form(tuple(to), self.query_one("#subject", Input).value, self.query_one("#text", TextArea).text, tuple(self.attachments),
                    delivery, read, separately, self.via, self.modem)

    def request(self, form: Form) -> shapes.SendRequest:
        """The request for ``form`` (in a worker: it reads the attachments, once each).
        The bytes go in the request, read with the user's rights, as the CLI sends them."""
        attachments = []
        for a in form.attachments:
            if a.path not in self._payloads:
                self._payloads[a.path] = shapes.Attachment.of(a.read(self._limit), a.path.name, a.content_type)
            attachments.append(self._payloads[a.path])
        return shapes.SendRequest(
            to=form.to, subject=form.subject or None, text=form.text or None, attachments=tuple(attachments),
            delivery_report=form.delivery_report, read_report=form.read_report, separately=form.separately, via=form.via,
            modem=form.modem,
        )

    def _plan_soon(self, delay: float = PLAN_DELAY) -> None:
        """Ask for a plan once the user pauses: each change restarts the wait."""
        self._plan_generation += 1  # an answer on its way is for older text
        if self._plan_timer is not None:
            self._plan_timer.stop()
        self._plan_timer = self.set_timer(max(delay, 0.01), self._ask_plan)  # Textual's timers divide by the delay

    def _ask_plan(self) -> None:
        self._plan_timer = None
        form, generation = self.form(), self._plan_generation
        _, bad = self._recipients()
        if not form.to or bad:
            self._show_plan(generation, form, None, "add a recipient to see whether it goes as SMS or MMS")
            return

        def work() -> None:
            try:
                plan, error = self._client.plan_send(self.request(form)), None
            except Exception as failure:  # said on the plan line; sending is still possible
                plan, error = None, str(failure) or type(failure).__name__
            self.app.call_from_thread(self._show_plan, generation, form, plan, error)

        self.run_worker(work, thread=True, group="plan")

    def _show_plan(self, generation: int, form: Form, plan: shapes.SendPlan | None, error: str | None) -> None:
        if generation != self._plan_generation or not self.is_attached or not self.query("#meter"):
            return  # the form changed since (a newer plan is coming), or the composer is closing
        self.plan, self.plan_error, self.planned = plan, error, form
        if plan is not None and self.via == "auto":
            self._auto_kind = plan.kind
        self._update_meter()

    def action_switch_kind(self) -> None:
        """Send as SMS instead of MMS or the other way round, where the daemon says both go."""
        plan = self.plan
        if plan is None:
            self.notify("Add a recipient first: the daemon says then how the message goes.", severity="warning", markup=False)
            return
        if not plan.switchable:
            reason = safe_line(plan.reason, limit=80).plain
            self.notify(f"This can only go as {plan.kind.upper()}: {reason}.", severity="warning", markup=False)
            return
        self.via = switched(plan, self._auto_kind)
        self._plan_soon(0)

    def action_switch_modem(self) -> None:
        """Send from the daemon's next modem (several modems; the daemon picks the conversation's by itself)."""
        status = getattr(self.app, "status", None)
        names = [status.name, *(o.name for o in status.others)] if status is not None and status.others else []
        if not names:
            self.notify("The daemon has one modem: messages go out of it.", severity="information", markup=False)
            return
        current = self.modem or (self.plan.modem if self.plan is not None else None) or names[0]
        self.modem = names[(names.index(current) + 1) % len(names)] if current in names else names[0]
        self._plan_soon(0)

    def action_toggle_separately(self) -> None:
        box = self.query_one("#separately", Checkbox)
        if box.has_class("-empty"):
            self.notify("One message each needs more than one recipient.", severity="warning", markup=False)
            return
        box.value = not box.value  # its Changed event asks for a new plan

    def _estimate(self) -> SizeEstimate:
        return estimate(self.query_one("#text", TextArea).text, self.query_one("#subject", Input).value, self.attachments, self._limit)

    def _update_meter(self) -> None:
        """The daemon's plan where there is one, else the composer's own size estimate."""
        if self.plan is not None:
            shown = plan_line(self.plan, self.via)
        else:
            shown = meter(self._estimate())
            if self.plan_error:
                shown.append("\n")
                shown.append_text(safe_line(self.plan_error, limit=120, style="dim"))
        self.query_one("#meter", Static).update(shown)
        listing = Text("none", style="dim") if not self.attachments else Text("\n").join(
            Text.assemble("▪ ", safe_line(a.path.name, limit=60), (f"  {a.content_type}  {human_size(a.size)}", "dim")) for a in self.attachments
        )
        self.query_one("#attachments", Static).update(listing)

    # ---- actions ----------------------------------------------------------
    def action_attach(self) -> None:
        def chosen(path: Path | None) -> None:
            if path is not None:
                self._start_dir = path.parent
                self.add_attachment(path)

        self.app.push_screen(FilePicker(self._start_dir), chosen)

    def add_attachment(self, path: Path) -> None:
        """Attach a file (from the picker; tests call it directly): a regular file that can be sent."""
        try:
            self.attachments.append(check_file(path, self._limit))
        except AttachmentError as error:
            self._say("#send-error", Text(str(error)))
            return
        self._say("#send-error", "")
        self._update_meter()
        self._plan_soon(0)  # a file makes it an MMS: the plan line must say so before Send

    def action_edit_in_editor(self) -> None:
        """Suspend the app, write the text in $EDITOR, and take back what was saved."""
        from textual.app import SuspendNotSupported

        from mmsua.tui.editor import EditorError, edit_text

        area = self.query_one("#text", TextArea)

        def edit() -> tuple[str | None, str]:
            # Errors are caught in here: one escaping the suspend block would leave the app suspended.
            try:
                return edit_text(area.text), ""
            except EditorError as error:
                return None, str(error)

        try:
            with self.app.suspend():
                text, problem = edit()
        except SuspendNotSupported:  # no terminal to hand over (headless): the editor needs none
            text, problem = edit()
        if text is None:
            self._say("#send-error", Text(problem))
            return
        self._say("#send-error", "")
        area.load_text(text.removesuffix("\n"))  # editors end the file with a newline
        area.focus()
        self._update_meter()
        self.keep_draft()  # written in the editor: not lost if the app is closed next

    def current_draft(self) -> Draft:
        return Draft(
            tuple(recipients.split(self.query_one("#to", Input).value)),
            self.query_one("#subject", Input).value,
            self.query_one("#text", TextArea).text,
            tuple(str(a.path) for a in self.attachments),
        )

    def keep_draft(self) -> bool:
        """Keep what is written for the next time this composer opens; True when something was kept."""
        if self.sent:
            return False
        draft = self.current_draft()
        if draft == self._suggested:
            draft = Draft()  # nothing written: drop what was kept
        try:
            self._drafts.put(self._draft_key, draft)
        except OSError as error:
            self.notify(f"Draft not kept: {error}", severity="error", markup=False)
            return False
        return not draft.empty

    def action_cancel(self) -> None:
        if self.keep_draft():
            self.notify("Draft kept: it comes back when you write here again.", markup=False)
        self.dismiss(None)

    def action_send(self) -> None:
        if self.sending:
            return
        to, bad = self._recipients()
        if bad or not to:
            self._say("#send-error", "add at least one valid recipient" if not to else "fix the recipients first")
            self.query_one("#to").focus()
            return
        form = self.form()
        if not (form.text or form.subject or form.attachments):
            self._say("#send-error", "the message is empty")
            return
        self.sending = True
        self._say("#send-error", Text("sending…", style="dim"))
        self._plan_generation += 1  # the plan asked for here is the one shown

        def work() -> None:
            # The plan is asked again for exactly what goes: the one on screen may be a moment old.
            try:
                request = self.request(form)
            except AttachmentError as failure:
                self.app.call_from_thread(self._failed, str(failure))
                return
            try:
                plan, error = self._client.plan_send(request), None
            except Exception as failure:  # an older daemon: send, and it decides as before
                plan, error = None, str(failure) or type(failure).__name__
            self.app.call_from_thread(self._decide, form, request, plan, error)

        self.run_worker(work, thread=True, group="send")

    def _decide(self, form: Form, request: shapes.SendRequest, plan: shapes.SendPlan | None, error: str | None) -> None:
        """Send what the plan allows: refused with the daemon's reason, or asked first."""
        if self.is_attached:
            self._show_plan(self._plan_generation, form, plan, error)
        if plan is None and not self._estimate().fits:
            self._failed("too large for the carrier: remove an attachment")
            return
        if plan is not None and plan.problems:
            self._failed(plan.problems[0])
            return
        if plan is not None and plan.confirm:
            def answered(yes: bool | None) -> None:
                if yes:
                    self._send(request)
                else:
                    self.sending = False
                    self._say("#send-error", "")

            self.app.push_screen(Confirm(f"Send as {plan.kind.upper()}?", safe_line(plan.confirm, limit=120), action="Send"), answered)
            return
        self._send(request)

    def _send(self, request: shapes.SendRequest) -> None:
        def work() -> None:
            try:
                answer = self._client.send(request)
            except Exception as failure:  # the draft stays on screen: nothing is lost
                self.app.call_from_thread(self._failed, str(failure))
                return
            self.app.call_from_thread(self._sent, answer)

        self.run_worker(work, thread=True, group="send")

    def _sent(self, answer: Any) -> None:
        self.sent = True
        try:
            self._drafts.discard(self._draft_key)
        except OSError as error:
            self.notify(f"Sent, but the kept draft was not removed: {error}", severity="warning", markup=False)
        self.dismiss(answer)

    def _failed(self, reason: str) -> None:
        self.sending = False
        self._say("#send-error", Text.assemble("not sent: ", safe_line(reason, limit=200)))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        {"cancel": self.action_cancel, "attach": self.action_attach, "send": self.action_send}[event.button.id or "cancel"]()
