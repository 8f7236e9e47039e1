"""Token usage: SDK reports to :class:`UsageUpdate`, a session's running totals, the context gauge and the
cost estimate. Pure functions over values: no I/O, no clock.

The caller keeps one :class:`SessionUsage` per session, folds every :class:`UsageUpdate` into it with
:func:`add_usage` (the model's catalog entry says whether reports are cumulative), and shows
:func:`context_gauge` and :func:`estimate_cost` from it. The cost is an *estimate* from the catalog's prices
(placeholders unless edited, or overridden in settings): always show :attr:`CostEstimate.label` with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from google.genai import types

from desktop_app.core.events import Interaction, InteractionUpdate, ModalityTokens, UsageUpdate
from desktop_app.live.models import ModelSpec, Prices

__all__ = [
    "ContextGauge",
    "CostEstimate",
    "SessionUsage",
    "add_usage",
    "context_gauge",
    "estimate_cost",
    "interaction_update",
    "prices_with",
    "usage_update",
]

_MILLION = 1_000_000


def _details(items: Iterable[types.ModalityTokenCount] | None) -> tuple[ModalityTokens, ...]:
    out = []
    for item in items or ():
        modality = item.modality.value if item.modality is not None else "MODALITY_UNSPECIFIED"
        out.append(ModalityTokens(modality=str(modality), tokens=item.token_count or 0))
    return tuple(out)


def usage_update(usage: types.UsageMetadata) -> UsageUpdate:
    """The :class:`UsageUpdate` of one SDK ``usage_metadata``: thoughts, tool-use prompt and cached tokens
    apart, and the per-modality details."""
    return UsageUpdate(
        prompt_tokens=usage.prompt_token_count or 0,
        response_tokens=usage.response_token_count or 0,
        total_tokens=usage.total_token_count or 0,
        thoughts_tokens=usage.thoughts_token_count or 0,
        tool_use_prompt_tokens=usage.tool_use_prompt_token_count or 0,
        cached_tokens=usage.cached_content_token_count or 0,
        prompt_details=_details(usage.prompt_tokens_details),
        response_details=_details(usage.response_tokens_details),
    )


_STATUS = {
    types.InteractionStatus.IN_PROGRESS: Interaction.IN_PROGRESS,
    types.InteractionStatus.IDLE: Interaction.IDLE,
    types.InteractionStatus.REQUIRES_ACTION: Interaction.IDLE,  # deprecated alias of IDLE
}


def interaction_update(content: types.LiveServerContent) -> InteractionUpdate | None:
    """The :class:`InteractionUpdate` of a ``server_content``, or None when it carries neither
    ``interaction_status`` nor ``waiting_for_input``."""
    status = content.interaction_status
    if (status is None or status not in _STATUS) and content.waiting_for_input is None:
        return None
    return InteractionUpdate(
        status=_STATUS.get(status) if status is not None else None,
        waiting_for_input=bool(content.waiting_for_input),
    )


@dataclass(frozen=True, slots=True)
class SessionUsage:
    """A session's tokens so far. ``input_by_modality`` / ``output_by_modality`` sum the details."""

    prompt_tokens: int = 0
    response_tokens: int = 0
    thoughts_tokens: int = 0
    tool_use_prompt_tokens: int = 0
    total_tokens: int = 0
    reports: int = 0
    input_by_modality: dict[str, int] = field(default_factory=dict)
    output_by_modality: dict[str, int] = field(default_factory=dict)


def _merge(base: dict[str, int], details: tuple[ModalityTokens, ...]) -> dict[str, int]:
    merged = dict(base)
    for item in details:
        merged[item.modality] = merged.get(item.modality, 0) + item.tokens
    return merged


def add_usage(so_far: SessionUsage, update: UsageUpdate, *, cumulative: bool) -> SessionUsage:
    """``so_far`` with ``update`` folded in: replaced when the model's reports are ``cumulative`` (pass
    ``ModelSpec.cumulative_usage``), added when each report counts one turn."""
    base = SessionUsage(reports=so_far.reports) if cumulative else so_far
    total = update.total_tokens or (
        update.prompt_tokens + update.response_tokens + update.thoughts_tokens + update.tool_use_prompt_tokens
    )
    return replace(
        base,
        prompt_tokens=base.prompt_tokens + update.prompt_tokens,
        response_tokens=base.response_tokens + update.response_tokens,
        thoughts_tokens=base.thoughts_tokens + update.thoughts_tokens,
        tool_use_prompt_tokens=base.tool_use_prompt_tokens + update.tool_use_prompt_tokens,
        total_tokens=base.total_tokens + total,
        reports=so_far.reports + 1,
        input_by_modality=_merge(base.input_by_modality, update.prompt_details),
        output_by_modality=_merge(base.output_by_modality, update.response_details),
    )


@dataclass(frozen=True, slots=True)
class ContextGauge:
    """Tokens used against the compression trigger; ``fraction`` is capped at 1."""

    used: int
    trigger: int

    @property
    def fraction(self) -> float:
        return min(1.0, self.used / self.trigger) if self.trigger > 0 else 0.0

    @property
    def text(self) -> str:
        share = f"{self.fraction:.0%}"
        return f"context {self.used:,} / {self.trigger:,} tokens ({share} of the compression trigger)"


def context_gauge(usage: SessionUsage, spec: ModelSpec, trigger_tokens: int | None = None) -> ContextGauge:
    """How full the context is: the session's tokens against ``trigger_tokens`` (the session's own
    compression trigger) or else the model's. An upper bound: it does not shrink when the service
    compresses the window."""
    return ContextGauge(used=usage.total_tokens, trigger=trigger_tokens or spec.compression_trigger_tokens)


@dataclass(frozen=True, slots=True)
class CostEstimate:
    """An estimated cost in US dollars; show :attr:`label` next to it."""

    usd: float
    source: str

    @property
    def label(self) -> str:
        return f"estimated ${self.usd:.4f} ({self.source})"


def prices_with(prices: Prices, input_per_mtok: float | None, output_per_mtok: float | None) -> Prices:
    """``prices`` with the user's overrides (settings ``price_input_per_mtok`` / ``price_output_per_mtok``):
    one input price for every input modality, one output price for every output modality."""
    if input_per_mtok is None and output_per_mtok is None:
        return prices
    out = prices
    if input_per_mtok is not None:
        out = replace(out, input_text=input_per_mtok, input_audio=input_per_mtok, input_video=input_per_mtok)
    if output_per_mtok is not None:
        out = replace(out, output_text=output_per_mtok, output_audio=output_per_mtok)
    return replace(out, source="prices from settings")


def estimate_cost(usage: SessionUsage, prices: Prices) -> CostEstimate:
    """The session's estimated cost: input by modality (undetailed input at the text price), output by
    modality, thoughts at the text output price, tool-use prompt tokens at the text input price."""
    inputs = {"TEXT": prices.input_text, "AUDIO": prices.input_audio, "IMAGE": prices.input_video,
              "VIDEO": prices.input_video}  # fmt: skip
    outputs = {"TEXT": prices.output_text, "AUDIO": prices.output_audio}
    detailed_in = sum(usage.input_by_modality.values())
    detailed_out = sum(usage.output_by_modality.values())
    usd = sum(n * inputs.get(m, prices.input_text) for m, n in usage.input_by_modality.items())
    usd += max(0, usage.prompt_tokens - detailed_in) * prices.input_text
    usd += sum(n * outputs.get(m, prices.output_text) for m, n in usage.output_by_modality.items())
    usd += max(0, usage.response_tokens - detailed_out) * prices.output_audio
    usd += usage.thoughts_tokens * prices.output_text + usage.tool_use_prompt_tokens * prices.input_text
    return CostEstimate(usd=usd / _MILLION, source=prices.source)
