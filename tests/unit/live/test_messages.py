from google.genai import types

from desktop_app.core.events import (
    GenerationComplete,
    GoAway,
    Interaction,
    InteractionUpdate,
    Interrupted,
    ModalityTokens,
    ModelAudio,
    ModelText,
    ModelThought,
    ResumptionUpdate,
    Role,
    SetupComplete,
    ToolCall,
    Transcript,
    TurnComplete,
    UsageUpdate,
    VoiceActivity,
)
from desktop_app.live.messages import map_server_message, parse_duration_s


def msg(**kwargs: object) -> types.LiveServerMessage:
    return types.LiveServerMessage.model_validate(kwargs)


def test_interrupted_comes_before_audio_in_the_same_message() -> None:
    m = msg(
        server_content={
            "model_turn": {
                "parts": [{"inline_data": {"data": b"\x01\x02", "mime_type": "audio/pcm;rate=24000"}}]
            },
            "interrupted": True,
        }
    )
    events = map_server_message(m)
    assert isinstance(events[0], Interrupted)
    assert events[1] == ModelAudio(pcm=b"\x01\x02")


def test_turn_parts_transcripts_and_markers_in_order() -> None:
    m = msg(
        server_content={
            "model_turn": {"parts": [{"text": "hi"}]},
            "input_transcription": {"text": "hello", "finished": True},
            "output_transcription": {"text": "hi there"},
            "generation_complete": True,
            "turn_complete": True,
        },
        usage_metadata={"prompt_token_count": 3, "response_token_count": 4, "total_token_count": 7},
    )
    assert map_server_message(m) == [
        ModelText("hi"),
        Transcript(Role.USER, "hello", final=True),
        Transcript(Role.MODEL, "hi there", final=False),
        GenerationComplete(),
        TurnComplete(),
        UsageUpdate(3, 4, 7),
    ]


def test_control_messages() -> None:
    assert map_server_message(msg(setup_complete={"session_id": "s1"})) == [SetupComplete("s1")]
    assert map_server_message(msg(go_away={"time_left": "50s"})) == [GoAway(50.0)]
    assert map_server_message(msg(session_resumption_update={"new_handle": "h", "resumable": True})) == [
        ResumptionUpdate("h", True)
    ]
    assert map_server_message(msg(session_resumption_update={"resumable": False})) == [
        ResumptionUpdate(None, False)
    ]
    calls = map_server_message(
        msg(tool_call={"function_calls": [{"id": "c1", "name": "f", "args": {"a": 1}}]})
    )
    assert isinstance(calls[0], ToolCall)
    assert calls[0].calls[0].name == "f" and calls[0].calls[0].args == {"a": 1}
    assert map_server_message(msg(voice_activity={"voice_activity_type": "ACTIVITY_START"})) == [
        VoiceActivity(True)
    ]


def test_parse_duration() -> None:
    assert parse_duration_s("1.5s") == 1.5
    assert parse_duration_s(3) == 3.0
    assert parse_duration_s("soon") is None
    assert parse_duration_s(None) is None


def test_thought_parts_become_model_thoughts_not_text() -> None:
    m = msg(
        server_content={"model_turn": {"parts": [{"text": "Let me check.", "thought": True}, {"text": "Hi"}]}}
    )
    assert map_server_message(m) == [ModelThought("Let me check."), ModelText("Hi")]


def test_interaction_status_follows_turn_complete() -> None:
    working = msg(server_content={"turn_complete": True, "interaction_status": "IN_PROGRESS"})
    assert map_server_message(working) == [TurnComplete(), InteractionUpdate(Interaction.IN_PROGRESS)]
    idle = msg(server_content={"interaction_status": "IDLE", "waiting_for_input": True})
    assert map_server_message(idle) == [InteractionUpdate(Interaction.IDLE, waiting_for_input=True)]
    assert map_server_message(msg(server_content={"waiting_for_input": False})) == [InteractionUpdate()]
    assert map_server_message(msg(server_content={"turn_complete": True})) == [TurnComplete()]


def test_usage_keeps_thoughts_tool_use_and_modalities_apart() -> None:
    m = msg(
        usage_metadata={
            "prompt_token_count": 100,
            "response_token_count": 40,
            "thoughts_token_count": 25,
            "tool_use_prompt_token_count": 7,
            "cached_content_token_count": 3,
            "total_token_count": 172,
            "prompt_tokens_details": [
                {"modality": "AUDIO", "token_count": 90},
                {"modality": "TEXT", "token_count": 10},
            ],
            "response_tokens_details": [{"modality": "AUDIO", "token_count": 40}],
        }
    )
    assert map_server_message(m) == [
        UsageUpdate(
            prompt_tokens=100,
            response_tokens=40,
            total_tokens=172,
            thoughts_tokens=25,
            tool_use_prompt_tokens=7,
            cached_tokens=3,
            prompt_details=(ModalityTokens("AUDIO", 90), ModalityTokens("TEXT", 10)),
            response_details=(ModalityTokens("AUDIO", 40),),
        )
    ]
