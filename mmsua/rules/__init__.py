"""Rules without code: auto-replies and forwards from the config file (docs/rules.md).

``load(config)`` checks the file's [[rules]] (RuleError, one line, names the rule);
``start(config, api, subscribe)`` runs them on a worker thread of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mmsua.rules.model import Rule, RuleError

__all__ = ["Rule", "RuleError", "load", "start"]


def load(config: Any, modems: list[str] | None = None) -> tuple[Rule, ...]:
    """The rules of a mmsua.config.Config, checked; RuleError for the first that cannot work.
    ``modems``: the daemon's modem names (default: the config's)."""
    from mmsua.rules.model import parse_rules

    where = f"config file {config.file}: " if config.file else ""
    try:
        return parse_rules(config.rules, config["identity.country"], tuple(modems or config.modem_names()))
    except RuleError as error:
        raise RuleError(f"{where}{error}") from None


def start(config: Any, api: Any, subscribe: Callable[[Callable[[Any], None]], object], modems: list[str] | None = None) -> Any:
    """A running RuleRunner for the config's rules, or None when there are none."""
    from mmsua.rules.limits import RateLimit
    from mmsua.rules.runner import RuleRunner

    rules = load(config, modems)
    if not rules:
        return None
    limit = RateLimit(config["automation.per_sender"], config["automation.total"], float(config["automation.window"]))
    runner = RuleRunner(rules, api, limit, config["identity.country"])
    subscribe(runner.on_event)
    return runner
