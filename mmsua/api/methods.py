"""The API's methods: one ``Api`` Protocol, and the method table read from it.

``Api``'s signatures are the only definition of the methods (names, parameters,
defaults, results). The socket server, both Python clients, the TUI's client and
the engine's UserAgent implement or consume ``Api``, and the type checker proves
they match it. :data:`METHODS` reads each signature by inspection when that method
is first used, and the codec in :mod:`mmsua.api.wire` turns parameters and results
into JSON and back.

On the wire a method's params are its parameters by name, except that a single
parameter typed with a request shape (``send``'s :class:`SendRequest`) stands for
that shape's fields, and an :data:`EventCallback` parameter is the connection
itself (``subscribe``: events follow on it).
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from mmsua.api.errors import BadRequest
from mmsua.api.shapes import Conversation, Message, PartContent, SendPlan, SendRequest, SendVia, Status
from mmsua.api.wire import JSON, Shape, decode, encode, shape_fields

if TYPE_CHECKING:  # read at run time only for ``subscribe`` (_method): a client that lists needs no events
    from mmsua.api.events import EventCallback

Unsubscribe = Callable[[], None]


class Api(Protocol):
    """The daemon's API (docs/api.md). Calls block; results are the typed shapes."""

    def status(self) -> Status: ...

    def list_conversations(self, query: str | None = None, limit: int = 50, offset: int = 0, blocked: bool = False) -> list[Conversation]:
        """Most recent first; ``query`` matches participants, their names and text;
        ``blocked``: the conversations with blocked numbers instead (kept apart)."""

    def list_messages(self, conversation_id: int, before_id: int | None = None, limit: int = 50) -> list[Message]:
        """Oldest first within the page; ``before_id`` pages back."""

    def show_message(self, id: int) -> Message: ...  # noqa: A002 - the API's name

    def get_part(self, message_id: int, index: int) -> PartContent: ...

    def send(self, request: SendRequest) -> Message | list[Message]:
        """The queued message, or one per recipient with ``separately``."""

    def plan_send(self, request: SendRequest) -> SendPlan:
        """What ``send`` would do with this request (SMS or MMS, parts, size), sending nothing."""

    def forward(self, id: int, to: tuple[str, ...], separately: bool = False, via: SendVia = "auto") -> Message | list[Message]:  # noqa: A002
        """Send a message's text and parts to new recipients (``via``: auto, sms or mms)."""

    def fetch(self, id: int, trust: bool = False) -> Message:  # noqa: A002
        """Retrieve a deferred (or failed) notification now; ``trust`` also one held as
        untrusted (its Content-Location is not the carrier's MMSC)."""

    def retry(self, id: int) -> Message:  # noqa: A002
        """Queue a failed outgoing message again."""

    def cancel(self, id: int) -> Message:  # noqa: A002
        """Cancel an outgoing message that has not left yet (``too_late`` once its POST began)."""

    def resend_as_sms(self, id: int, force: bool = False) -> Message:  # noqa: A002
        """Send an outgoing MMS's text as a new SMS; one that was sent (or may be) only with ``force``."""

    def mark_read(self, id: int) -> Message: ...  # noqa: A002

    def delete(self, id: int) -> None: ...  # noqa: A002

    def mark_all_read(self, conversation_id: int | None = None) -> int:
        """Mark every message of one conversation (or of all) read; the number marked."""

    def delete_conversation(self, conversation_id: int) -> None:
        """Delete a conversation and all its messages."""

    def mute_conversation(self, conversation_id: int) -> None:
        """Announce none of this conversation's new messages (desktop, ntfy, hooks); they
        are stored and counted unread as ever."""

    def unmute_conversation(self, conversation_id: int) -> None: ...

    def block(self, address: str) -> None:
        """Block a number: its SMS and MMS are kept apart, never announced; its MMS are not fetched."""

    def unblock(self, address: str) -> None: ...

    def list_blocked(self) -> list[str]: ...

    def subscribe(self, callback: EventCallback) -> Unsubscribe:
        """Call ``callback(event)`` for each event until the returned function is called."""


@dataclass(frozen=True, slots=True)
class Param:
    name: str  # on the wire
    annotation: Any
    required: bool
    default: Any


@dataclass(frozen=True, slots=True)
class Method:
    """One API method as the wire sees it."""

    name: str
    params: tuple[Param, ...]
    result: Any  # the return annotation
    request: type[Shape] | None = None  # the request shape the params are the fields of (send)

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def decode_params(self, params: dict[str, JSON]) -> dict[str, Any]:
        """The keyword arguments for calling an ``Api`` implementation; BadRequest says what is wrong."""
        unknown = sorted(set(params) - set(self.param_names))
        if unknown:
            raise BadRequest(f"{self.name}: unknown parameter(s) {', '.join(unknown)}")
        if self.request is not None:
            return {"request": self.request.from_json(params, self.name)}
        kwargs: dict[str, Any] = {}
        for param in self.params:
            if param.name in params:
                kwargs[param.name] = decode(param.annotation, params[param.name], f"{self.name}: {param.name}")
            elif param.required:
                raise BadRequest(f"{self.name}: missing a required argument: {param.name!r}")
        return kwargs

    def encode_params(self, kwargs: dict[str, Any]) -> dict[str, JSON]:
        if self.request is not None:
            request = kwargs["request"]
            assert isinstance(request, Shape)
            return request.to_json()
        return {name: encode(value) for name, value in kwargs.items()}

    def encode_result(self, result: Any) -> JSON:
        return {} if result is None else encode(result)

    def decode_result(self, value: JSON) -> Any:
        if self.result is type(None) or self.result is None:
            return None
        return decode(self.result, value, f"{self.name}'s answer")


def _method(name: str, function: Callable[..., Any]) -> Method:
    callback: Any = None  # the EventCallback type, for the one method that takes it
    localns: dict[str, Any] = {}
    if any("EventCallback" in str(a) for a in function.__annotations__.values()):
        from mmsua.api.events import EventCallback

        callback = localns["EventCallback"] = EventCallback
    hints = typing.get_type_hints(function, localns=localns)
    params: list[Param] = []
    request: type[Shape] | None = None
    for parameter in list(inspect.signature(function).parameters.values())[1:]:  # after self
        annotation = hints[parameter.name]
        if callback is not None and annotation == callback:
            continue  # the connection carries the events
        if isinstance(annotation, type) and issubclass(annotation, Shape):
            request = annotation
            params.extend(Param(wire, a, required, None) for wire, _, a, required in shape_fields(annotation))
            continue
        required = parameter.default is inspect.Parameter.empty
        params.append(Param(parameter.name, annotation, required, None if required else parameter.default))
    return Method(name, tuple(params), hints["return"], request)


class _MethodTable(Mapping[str, Method]):
    """Every method of ``Api`` by name, each read from its signature at first use: a
    command-line client pays for the one or two it calls, not for all of them."""

    def __init__(self) -> None:
        self._functions = {name: function for name, function in vars(Api).items()
                           if not name.startswith("_") and isinstance(function, types.FunctionType)}
        self._read: dict[str, Method] = {}

    def __getitem__(self, name: str) -> Method:
        method = self._read.get(name)
        if method is None:  # two threads may both read it: the same Method either way
            method = self._read[name] = _method(name, self._functions[name])
        return method

    def __contains__(self, name: object) -> bool:
        return name in self._functions

    def __iter__(self) -> Iterator[str]:
        return iter(self._functions)

    def __len__(self) -> int:
        return len(self._functions)


METHODS: Mapping[str, Method] = _MethodTable()
