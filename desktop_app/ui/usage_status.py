"""What the status bar says about tokens: the last report, the session's totals per model, the context gauge
and the estimated cost. Pure (no Qt): :class:`UsageStatus` folds each :class:`UsageUpdate` with the catalog's
rules (``add_usage``: cumulative or per-turn reports, by model), so the view only shows its texts.

The caller must say which model the session runs (:meth:`UsageStatus.set_model`, from ``BackendInfo``) and the
user's price overrides (:meth:`UsageStatus.set_prices`, from the settings), and call :meth:`reset` when a
new session starts. The cost is an estimate: :attr:`UsageStatus.cost_text` says so, and
:attr:`UsageStatus.cost_tooltip` names the prices used.
"""

from __future__ import annotations

from dataclasses import replace

from desktop_app.controller_api import (
    ModelSpec,
    SessionUsage,
    add_usage,
    context_gauge,
    estimate_cost,
    model_spec,
    prices_with,
)
from desktop_app.core.events import UsageUpdate

__all__ = ["UsageStatus"]


class UsageStatus:
    """See the module docstring. Call from one thread only."""

    def __init__(
        self, model: str, price_input: float | None = None, price_output: float | None = None
    ) -> None:
        self.model = model
        self._prices = (price_input, price_output)
        self.usage = SessionUsage()
        self.last: UsageUpdate | None = None

    def set_model(self, model: str) -> None:
        """The session runs ``model`` (its catalog entry decides how reports add up and the prices)."""
        if model != self.model:
            self.model = model
            self.reset()

    def set_prices(self, price_input: float | None, price_output: float | None) -> None:
        """The user's prices per million tokens (None: the catalog's)."""
        self._prices = (price_input, price_output)

    def reset(self) -> None:
        """A new session: count from zero."""
        self.usage = SessionUsage()
        self.last = None

    def apply(self, update: UsageUpdate) -> None:
        self.last = update
        self.usage = add_usage(self.usage, update, cumulative=model_spec(self.model).cumulative_usage)

    # --- texts -----------------------------------------------------------------------------------

    @property
    def tokens_text(self) -> str:
        last = self.last
        if last is None:
            return "Tokens —"
        parts = [f"in {last.prompt_tokens:,}", f"out {last.response_tokens:,}"]
        if last.thoughts_tokens:
            parts.append(f"thoughts {last.thoughts_tokens:,}")
        if last.tool_use_prompt_tokens:
            parts.append(f"tools {last.tool_use_prompt_tokens:,}")
        return f"Tokens {last.total_tokens:,} ({' · '.join(parts)}) · session {self.usage.total_tokens:,}"

    @property
    def tokens_tooltip(self) -> str:
        u = self.usage
        how = "each report counts the session so far" if model_spec(self.model).cumulative_usage else (
            "each report counts one turn; the session adds them up"
        )  # fmt: skip
        lines = [
            f"This session on {self.model} ({how}):",
            f"input {u.prompt_tokens:,} · output {u.response_tokens:,}",
            f"thoughts {u.thoughts_tokens:,} · tool use {u.tool_use_prompt_tokens:,}",
            f"total {u.total_tokens:,} in {u.reports:,} reports",
        ]
        by = ", ".join(f"{m.lower()} {n:,}" for m, n in sorted(u.input_by_modality.items()))
        if by:
            lines.append(f"input by kind: {by}")
        return "\n".join(lines)

    @property
    def gauge_fraction(self) -> float:
        return context_gauge(self.usage, model_spec(self.model)).fraction

    @property
    def gauge_text(self) -> str:
        return f"Context {self.gauge_fraction:.0%}"

    @property
    def gauge_tooltip(self) -> str:
        text = context_gauge(self.usage, model_spec(self.model)).text
        return text[:1].upper() + text[1:] + ". Past the trigger, the service drops the oldest turns."

    @property
    def cost_text(self) -> str:
        usd = estimate_cost(self.usage, self._spec().prices).usd
        return f"≈ ${usd:.4f} (estimate)"

    @property
    def cost_tooltip(self) -> str:
        p = self._spec().prices
        return (
            f"An estimate, not a bill: {estimate_cost(self.usage, p).label}.\n"
            f"US$ per million tokens: input text {p.input_text:g}, audio {p.input_audio:g}, video "
            f"{p.input_video:g}; output text {p.output_text:g}, audio {p.output_audio:g} "
            "(thoughts at the text output price). Change them in Settings › Model."
        )

    def _spec(self) -> ModelSpec:
        """The model's catalog entry with the user's prices."""
        spec = model_spec(self.model)
        return replace(spec, prices=prices_with(spec.prices, *self._prices))
