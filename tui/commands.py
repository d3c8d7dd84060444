"""The command palette, built from the action registry."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from mmsua.tui import actions
from mmsua.tui.screens.help import key_names


class ActionCommands(Provider):
    """Offers every registry action that applies where the user is."""

    def _available(self) -> list[tuple[actions.Action, object]]:
        app = self.app
        found = []
        for action in actions.ACTIONS:
            if not action.palette:
                continue
            # Judged on the screen the palette was opened from, not on the palette itself.
            target = app.action_target(action.context, self.screen)  # type: ignore[attr-defined]
            if target is not None:
                found.append((action, target))
        return found

    def _run(self, action: actions.Action, target: object) -> None:
        self.app.call_later(self.app.run_action, action.id, target)

    async def discover(self) -> Hits:
        for action, target in self._available():
            yield DiscoveryHit(action.description, partial(self._run, action, target), help=key_names(action.keys))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for action, target in self._available():
            score = matcher.match(action.description)
            if score > 0:
                yield Hit(score, matcher.highlight(action.description), partial(self._run, action, target), help=key_names(action.keys))
