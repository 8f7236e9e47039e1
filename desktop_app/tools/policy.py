"""Allow / ask / deny per tool: each tool's default, the user's saved choices, this run's flags.

Saved choices live in the settings as ``tool_policies`` entries ``"NAME=allow|ask|deny"``
(:func:`parse_policy_entries` / :func:`format_policy_entries`). ``--allow-tool`` / ``--deny-tool`` become
entries too (:func:`merge_policy_entries`), so the same book answers in every mode.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from desktop_app.core.errors import ConfigError
from desktop_app.tools.spec import Policy, ToolSpec

__all__ = ["PolicyBook", "format_policy_entries", "merge_policy_entries", "parse_policy_entries"]


def parse_policy_entries(entries: Iterable[str]) -> dict[str, Policy]:
    """``("clock=allow", …)`` → ``{"clock": Policy.ALLOW}``; the last entry for a name wins.

    Raises:
        ConfigError: an entry is not ``NAME=allow|ask|deny``.
    """
    out: dict[str, Policy] = {}
    for entry in entries:
        name, sep, value = entry.partition("=")
        name, value = name.strip(), value.strip().lower()
        if not sep or not name or value not in tuple(Policy):
            raise ConfigError(f"Tool policy {entry!r} must be NAME=allow, NAME=ask or NAME=deny.")
        out[name] = Policy(value)
    return out


def format_policy_entries(policies: Mapping[str, Policy]) -> tuple[str, ...]:
    return tuple(f"{name}={policies[name].value}" for name in sorted(policies))


def merge_policy_entries(
    entries: Iterable[str], *, allow: Iterable[str] = (), deny: Iterable[str] = ()
) -> tuple[str, ...]:
    """Saved entries with ``allow`` and then ``deny`` names set on top (a name in both is denied)."""
    policies = parse_policy_entries(entries)
    policies.update({name: Policy.ALLOW for name in allow})
    policies.update({name: Policy.DENY for name in deny})
    return format_policy_entries(policies)


class PolicyBook:
    """Which policy applies to a tool: the saved choice for its name, else the tool's own default.

    ``on_change(entries)`` runs when the user changes a choice (e.g. "Always allow"): persist ``entries``
    as the ``tool_policies`` setting there. Use from the loop thread.
    """

    def __init__(
        self,
        saved: Mapping[str, Policy] | None = None,
        *,
        on_change: Callable[[tuple[str, ...]], None] | None = None,
    ) -> None:
        self._saved = dict(saved or {})
        self._on_change = on_change

    @classmethod
    def from_entries(
        cls, entries: Iterable[str], *, on_change: Callable[[tuple[str, ...]], None] | None = None
    ) -> PolicyBook:
        return cls(parse_policy_entries(entries), on_change=on_change)

    def policy_for(self, spec: ToolSpec) -> Policy:
        return self._saved.get(spec.name, spec.policy)

    def set(self, name: str, policy: Policy) -> None:
        """Save ``policy`` for tool ``name`` and report the new entries to ``on_change``."""
        if self._saved.get(name) is policy:
            return
        self._saved[name] = policy
        if self._on_change is not None:
            self._on_change(self.entries())

    def entries(self) -> tuple[str, ...]:
        return format_policy_entries(self._saved)
