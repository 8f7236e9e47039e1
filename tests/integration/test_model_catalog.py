"""Every catalog model through the real google-genai SDK and the emulator: the app's own setup is accepted,
every documented refusal is refused and reads as a sentence naming the setting, and the extended-thinking
model's background work arrives as typed events."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pytest
from google import genai
from google.genai import errors, types

from desktop_app.core.events import (
    Interaction,
    InteractionUpdate,
    LiveEvent,
    ModelThought,
    TurnComplete,
    UsageUpdate,
    VoiceActivity,
)
from desktop_app.emulator import Emulator, EmulatorConfig
from desktop_app.live.connect_config import plan_connect
from desktop_app.live.errors import classify_exception
from desktop_app.live.messages import map_server_message
from desktop_app.live.models import CATALOG
from desktop_app.live.options import Modality, SessionOptions
from tests.support.audio import blocks, speech_like

pytestmark = pytest.mark.integration

EVERYTHING_ON = SessionOptions(
    modality=Modality.TEXT,
    system_instruction="Be brief.",
    media_resolution="low",
    speech_language="en-US",
    transcription_languages=("en-US",),
    custom_vocabulary=("Gemini",),
    affective_dialog=True,
    proactive_audio=True,
    thinking_level="low",
    thinking_budget=256,
    include_thoughts=True,
)


@pytest.fixture
async def emu() -> Any:
    async with Emulator(EmulatorConfig(pace=0.0)) as emulator:
        yield emulator


def client_for(emu: Emulator) -> genai.Client:
    return genai.Client(
        api_key="test-key",
        http_options=types.HttpOptions(
            base_url=emu.base_url, async_client_args={"ssl": emu.client_ssl_context()}
        ),
    )


async def one_turn(
    emu: Emulator, model: str, config: types.LiveConnectConfig, until: type
) -> list[LiveEvent]:
    """Connect, send one typed turn, and map server messages to the app's events up to ``until``."""
    seen: list[LiveEvent] = []

    async def run() -> None:
        async with client_for(emu).aio.live.connect(model=model, config=config) as session:
            await session.send_realtime_input(text="hello")
            async for message in session.receive():
                seen.extend(map_server_message(message))
                if any(isinstance(event, until) for event in seen):
                    return
            raise AssertionError(f"the turn ended before {until.__name__}: {seen}")  # pragma: no cover

    await asyncio.wait_for(run(), 20)
    return seen


@pytest.mark.parametrize("model", list(CATALOG))
@pytest.mark.parametrize("options", [SessionOptions(), EVERYTHING_ON], ids=["defaults", "everything-on"])
async def test_the_apps_setup_is_accepted_by_every_catalog_model(
    emu: Emulator, model: str, options: SessionOptions
) -> None:
    plan = plan_connect(replace(options, model=model))
    ends_with = InteractionUpdate if CATALOG[model].background_work else TurnComplete
    seen = await one_turn(emu, model, plan.config, ends_with)
    assert any(isinstance(event, TurnComplete) for event in seen)
    assert emu.stats.setups_accepted == 1 and emu.stats.setups_rejected == 0


async def test_extended_thinking_reports_background_work_then_idle_with_thoughts(emu: Emulator) -> None:
    model = "gemini-3.8-live-extended-thinking"
    plan = plan_connect(SessionOptions(model=model, thinking_level="high", include_thoughts=True))
    seen: list[LiveEvent] = []

    async def run() -> None:
        async with client_for(emu).aio.live.connect(model=model, config=plan.config) as session:
            await session.send_realtime_input(text="hello")
            async for message in session.receive():
                seen.extend(map_server_message(message))
                if InteractionUpdate(Interaction.IDLE) in seen:
                    return

    await asyncio.wait_for(run(), 20)
    turn = next(i for i, e in enumerate(seen) if isinstance(e, TurnComplete))
    assert seen[turn + 1] == InteractionUpdate(Interaction.IN_PROGRESS)  # turn_complete is not "done"
    assert any(isinstance(e, ModelThought) for e in seen[:turn])  # the thought summary
    assert any(isinstance(e, ModelThought) for e in seen[turn:])  # the background work
    assert seen[-1] == InteractionUpdate(Interaction.IDLE)
    usage = next(e for e in seen if isinstance(e, UsageUpdate))
    assert usage.thoughts_tokens > 0 and {d.modality for d in usage.prompt_details} == {"TEXT"}


def thinking(level: str) -> types.ThinkingConfig:
    return types.ThinkingConfig(thinking_level=types.ThinkingLevel(level))


# Each documented refusal (the rule and its source: desktop_app/emulator/model_rules.py), a config that
# breaks it (built by hand: the app's builder never does), and the setting the user is told about.
REFUSALS = [
    ("gemini-3.8-live", {"thinking_config": thinking("LOW")}, "The model refused the thinking setting."),
    *(
        (model, {"enable_affective_dialog": True}, "The model refused the affective dialog setting.")
        for model in ("gemini-3.8-live", "gemini-3.8-live-extended-thinking", "gemini-3.1-flash-live-preview")
    ),
    (
        "gemini-3.8-live",
        {"proactivity": types.ProactivityConfig(proactive_audio=False)},
        "The model refused the proactive audio setting.",
    ),
    (
        "gemini-3.8-live-extended-thinking",
        {
            "tools": [
                types.Tool(
                    function_declarations=[
                        types.FunctionDeclaration(name="f", behavior=types.Behavior.BLOCKING)
                    ]
                )
            ]
        },
        "The model refused the blocking function calls setting.",
    ),
    (
        "gemini-2.5-flash-native-audio-preview-12-2025",
        {"response_modalities": [types.Modality.TEXT]},
        "The Live API refused the session settings; the likely cause is one of: text replies (TEXT modality)",
    ),
]


@pytest.mark.parametrize(("model", "fields", "sentence"), REFUSALS)
async def test_every_documented_refusal_is_refused_and_named(
    emu: Emulator, model: str, fields: dict[str, Any], sentence: str
) -> None:
    config = types.LiveConnectConfig(response_modalities=[types.Modality.AUDIO])
    config = config.model_copy(update=fields)
    with pytest.raises(errors.APIError) as caught:
        async with client_for(emu).aio.live.connect(model=model, config=config):
            pass
    assert caught.value.code == 1007
    sent = ("response_modality",) if "response_modalities" in fields else ()
    error = classify_exception(caught.value, sent=sent)
    assert str(error).startswith(sentence)


async def test_client_content_after_the_first_turn_on_3_1_is_refused_and_named(emu: Emulator) -> None:
    # 3.1 Flash Live takes client content only as initial history (livekit/agents PR #5251)
    client = client_for(emu)
    config = types.LiveConnectConfig(response_modalities=[types.Modality.AUDIO])
    with pytest.raises(errors.APIError) as caught:
        async with client.aio.live.connect(model="gemini-3.1-flash-live-preview", config=config) as session:
            await session.send_realtime_input(text="first")
            await session.send_client_content(turns=types.Content(role="user", parts=[types.Part(text="hi")]))
            async for _ in session.receive():
                pass
    error = classify_exception(caught.value)
    assert str(error).startswith("The model refused the mid-session client content setting.")


async def test_the_servers_voice_activity_becomes_heard_you_events(emu: Emulator) -> None:
    model = "gemini-3.8-live"
    config = plan_connect(SessionOptions(model=model)).config
    seen: list[LiveEvent] = []
    speech = speech_like(1.0)

    async def run() -> None:
        async with client_for(emu).aio.live.connect(model=model, config=config) as session:
            for block in blocks(speech + bytes(32_000)):
                await session.send_realtime_input(
                    audio=types.Blob(data=block, mime_type="audio/pcm;rate=16000")
                )
            async for message in session.receive():
                seen.extend(map_server_message(message))
                if any(isinstance(event, TurnComplete) for event in seen):
                    return

    await asyncio.wait_for(run(), 20)
    activity = [event for event in seen if isinstance(event, VoiceActivity)]
    assert activity[:2] == [VoiceActivity(speaking=True), VoiceActivity(speaking=False)]
