"""Usage totals per model, the context gauge and the cost estimate (desktop_app/live/usage.py)."""

from __future__ import annotations

import pytest

from desktop_app.core.events import ModalityTokens, UsageUpdate
from desktop_app.live.models import CATALOG, Prices
from desktop_app.live.usage import SessionUsage, add_usage, context_gauge, estimate_cost, prices_with

TURN = UsageUpdate(
    prompt_tokens=100,
    response_tokens=50,
    total_tokens=160,
    thoughts_tokens=10,
    prompt_details=(ModalityTokens("AUDIO", 80), ModalityTokens("TEXT", 20)),
    response_details=(ModalityTokens("AUDIO", 50),),
)
PRICES = Prices(1.0, 2.0, 3.0, 4.0, 5.0, "test prices")


def test_per_turn_reports_are_summed() -> None:
    usage = add_usage(add_usage(SessionUsage(), TURN, cumulative=False), TURN, cumulative=False)
    assert (usage.prompt_tokens, usage.response_tokens, usage.thoughts_tokens) == (200, 100, 20)
    assert usage.total_tokens == 320 and usage.reports == 2
    assert usage.input_by_modality == {"AUDIO": 160, "TEXT": 40}
    assert usage.output_by_modality == {"AUDIO": 100}


def test_cumulative_reports_replace_the_totals() -> None:
    usage = add_usage(add_usage(SessionUsage(), TURN, cumulative=True), TURN, cumulative=True)
    assert (usage.prompt_tokens, usage.total_tokens, usage.reports) == (100, 160, 2)
    assert usage.input_by_modality == {"AUDIO": 80, "TEXT": 20}


def test_a_report_without_a_total_is_totalled() -> None:
    usage = add_usage(SessionUsage(), UsageUpdate(prompt_tokens=5, response_tokens=3), cumulative=False)
    assert usage.total_tokens == 8


def test_the_gauge_measures_against_the_models_trigger_or_the_sessions() -> None:
    spec = CATALOG["gemini-3.8-live"]
    usage = add_usage(SessionUsage(), TURN, cumulative=False)
    gauge = context_gauge(usage, spec)
    assert (gauge.used, gauge.trigger) == (160, spec.compression_trigger_tokens)
    assert context_gauge(usage, spec, trigger_tokens=320).fraction == pytest.approx(0.5)
    assert (
        context_gauge(add_usage(usage, UsageUpdate(total_tokens=10**6), cumulative=False), spec).fraction == 1
    )
    assert "of the compression trigger" in gauge.text


def test_the_cost_is_priced_by_modality_and_labelled_as_an_estimate() -> None:
    usage = add_usage(SessionUsage(), TURN, cumulative=False)
    cost = estimate_cost(usage, PRICES)
    # audio in 80 × 2, text in 20 × 1, audio out 50 × 5, thoughts 10 × text out 4: per million tokens
    assert cost.usd == pytest.approx((80 * 2 + 20 * 1 + 50 * 5 + 10 * 4) / 1e6)
    assert cost.label.startswith("estimated $") and "test prices" in cost.label


def test_settings_override_the_catalog_prices() -> None:
    assert prices_with(PRICES, None, None) is PRICES
    mine = prices_with(PRICES, 10.0, None)
    assert (mine.input_audio, mine.input_text, mine.output_audio) == (10.0, 10.0, 5.0)
    assert mine.source == "prices from settings"
