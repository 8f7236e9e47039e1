"""The client message schema the emulator validates against, written from the documented protocol.

Field names are the canonical lowerCamelCase JSON names. Proto JSON parsers also accept the proto (snake_case)
name of every field, and so does :func:`desktop_app.emulator.decode.normalize`. Sources: the Live API
reference (BidiGenerateContent*), and what google-genai 3.x really sends (research/protocol.md §2.4–§2.7).

``ANY`` marks free-form values (``google.protobuf.Struct``, JSON schemas, and sub-messages the emulator does
not model); their keys are neither checked nor renamed. Deep sub-configs are ``ANY`` on purpose: the emulator
should catch a misplaced or misspelled field where it matters, not refuse a newer SDK's legitimate extras.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "ANY",
    "CLIENT_MESSAGE",
    "EnumOf",
    "Field",
    "Kind",
    "Message",
    "Repeated",
]


class Kind(enum.Enum):
    """Scalar kinds; the value is the type name used in proto JSON error reasons."""

    BOOL = "TYPE_BOOL"
    STRING = "TYPE_STRING"
    INT = "TYPE_INT32"
    FLOAT = "TYPE_FLOAT"
    BYTES = "TYPE_BYTES"
    ANY = "ANY"


ANY = Kind.ANY


@dataclass(frozen=True, slots=True)
class EnumOf:
    """An enum field: ``name`` is the proto enum's name, ``values`` its value names."""

    name: str
    values: frozenset[str]


@dataclass(frozen=True, slots=True)
class Repeated:
    item: Field


Message = Mapping[str, "Field"]
Field = Kind | EnumOf | Repeated | Message


def _enum(name: str, *values: str) -> EnumOf:
    return EnumOf(name, frozenset(values))


EMPTY: Message = {}

BLOB: Message = {"mimeType": Kind.STRING, "data": Kind.BYTES, "displayName": Kind.STRING}

PART: Message = {
    "text": Kind.STRING,
    "inlineData": BLOB,
    "thought": Kind.BOOL,
    "thoughtSignature": Kind.BYTES,
    **dict.fromkeys(
        (
            "functionCall",
            "functionResponse",
            "fileData",
            "executableCode",
            "codeExecutionResult",
            "videoMetadata",
            "mediaResolution",
            "toolCall",
            "toolResponse",
            "partMetadata",
            "audioTranscription",
            "mediaProcessing",
            "speechMetadata",
            "documentMetadata",
            "spreadsheetMetadata",
            "audioMetadata",
        ),
        ANY,
    ),
}

CONTENT: Message = {"parts": Repeated(PART), "role": Kind.STRING}

FUNCTION_DECLARATION: Message = {
    "name": Kind.STRING,
    "description": Kind.STRING,
    "parameters": ANY,
    "parametersJsonSchema": ANY,
    "response": ANY,
    "responseJsonSchema": ANY,
    "behavior": _enum("Behavior", "UNSPECIFIED", "BLOCKING", "NON_BLOCKING"),
}

TOOL: Message = {
    "functionDeclarations": Repeated(FUNCTION_DECLARATION),
    **dict.fromkeys(
        (
            "googleSearch",
            "googleSearchRetrieval",
            "codeExecution",
            "urlContext",
            "computerUse",
            "fileSearch",
            "googleMaps",
            "mcpServers",
            "retrieval",
            "enterpriseWebSearch",
        ),
        ANY,
    ),
}

SPEECH_CONFIG: Message = {
    "voiceConfig": {
        "prebuiltVoiceConfig": {"voiceName": Kind.STRING},
        "replicatedVoiceConfig": ANY,
        "voice": Kind.STRING,
    },
    "languageCode": Kind.STRING,
    "multiSpeakerVoiceConfig": ANY,
}

GENERATION_CONFIG: Message = {
    "candidateCount": Kind.INT,
    "maxOutputTokens": Kind.INT,
    "temperature": Kind.FLOAT,
    "topP": Kind.FLOAT,
    "topK": Kind.INT,
    "presencePenalty": Kind.FLOAT,
    "frequencyPenalty": Kind.FLOAT,
    "responseModalities": Repeated(
        _enum("GenerationConfig.Modality", "MODALITY_UNSPECIFIED", "TEXT", "IMAGE", "AUDIO", "VIDEO")
    ),
    "speechConfig": SPEECH_CONFIG,
    "mediaResolution": _enum(
        "GenerationConfig.MediaResolution",
        "MEDIA_RESOLUTION_UNSPECIFIED",
        "MEDIA_RESOLUTION_LOW",
        "MEDIA_RESOLUTION_MEDIUM",
        "MEDIA_RESOLUTION_HIGH",
    ),
    "seed": Kind.INT,
    "thinkingConfig": {
        "includeThoughts": Kind.BOOL,
        "thinkingBudget": Kind.INT,
        "thinkingLevel": _enum(
            "ThinkingConfig.ThinkingLevel",
            "THINKING_LEVEL_UNSPECIFIED",
            "MINIMAL",
            "LOW",
            "MEDIUM",
            "HIGH",
            "XHIGH",
        ),
    },
    "enableAffectiveDialog": Kind.BOOL,
    "translationConfig": {"echoTargetLanguage": Kind.BOOL, "targetLanguageCode": Kind.STRING},
}

REALTIME_INPUT_CONFIG: Message = {
    "automaticActivityDetection": {
        "disabled": Kind.BOOL,
        "startOfSpeechSensitivity": _enum(
            "StartSensitivity",
            "START_SENSITIVITY_UNSPECIFIED",
            "START_SENSITIVITY_HIGH",
            "START_SENSITIVITY_LOW",
        ),
        "endOfSpeechSensitivity": _enum(
            "EndSensitivity",
            "END_SENSITIVITY_UNSPECIFIED",
            "END_SENSITIVITY_HIGH",
            "END_SENSITIVITY_LOW",
        ),
        "prefixPaddingMs": Kind.INT,
        "silenceDurationMs": Kind.INT,
    },
    "activityHandling": _enum(
        "ActivityHandling",
        "ACTIVITY_HANDLING_UNSPECIFIED",
        "START_OF_ACTIVITY_INTERRUPTS",
        "NO_INTERRUPTION",
    ),
    "turnCoverage": _enum(
        "TurnCoverage",
        "TURN_COVERAGE_UNSPECIFIED",
        "TURN_INCLUDES_ONLY_ACTIVITY",
        "TURN_INCLUDES_ALL_INPUT",
        "TURN_INCLUDES_AUDIO_ACTIVITY_AND_ALL_VIDEO",
    ),
    "interimTranscriptTimestampEnabled": Kind.BOOL,
}

AUDIO_TRANSCRIPTION_CONFIG: Message = {
    "languageCodes": Repeated(Kind.STRING),
    "languageAuto": ANY,
    "languageHints": ANY,
    "customVocabulary": Repeated(Kind.STRING),
    "adaptationPhrases": Repeated(Kind.STRING),
    "wordTimestamp": Kind.BOOL,
    "diarization": Kind.BOOL,
    "mode": ANY,
    "sourceText": Kind.STRING,
}

SETUP: Message = {
    "model": Kind.STRING,
    "generationConfig": GENERATION_CONFIG,
    "systemInstruction": CONTENT,
    "tools": Repeated(TOOL),
    "realtimeInputConfig": REALTIME_INPUT_CONFIG,
    "sessionResumption": {"handle": Kind.STRING, "transparent": Kind.BOOL},
    "contextWindowCompression": {
        "triggerTokens": Kind.INT,
        "slidingWindow": {"targetTokens": Kind.INT},
    },
    "inputAudioTranscription": AUDIO_TRANSCRIPTION_CONFIG,
    "outputAudioTranscription": AUDIO_TRANSCRIPTION_CONFIG,
    "proactivity": {"proactiveAudio": Kind.BOOL, "proactiveVideo": Kind.BOOL},
    "explicitVadSignal": Kind.BOOL,
    "historyConfig": {"initialHistoryInClientContent": Kind.BOOL},
    "avatarConfig": ANY,
    "safetySettings": Repeated(ANY),
    "labels": ANY,
}

CLIENT_CONTENT: Message = {"turns": Repeated(CONTENT), "turnComplete": Kind.BOOL}

REALTIME_INPUT: Message = {
    "mediaChunks": Repeated(BLOB),
    "audio": BLOB,
    "video": BLOB,
    "text": Kind.STRING,
    "activityStart": EMPTY,
    "activityEnd": EMPTY,
    "audioStreamEnd": Kind.BOOL,
}

TOOL_RESPONSE: Message = {
    "functionResponses": Repeated(
        {
            "id": Kind.STRING,
            "name": Kind.STRING,
            "response": ANY,
            "willContinue": Kind.BOOL,
            "scheduling": ANY,
            "parts": ANY,
        }
    )
}

CONTEXT_UPDATE: Message = {"systemInstruction": CONTENT, "tools": ANY}

CLIENT_MESSAGE: Message = {
    "setup": SETUP,
    "clientContent": CLIENT_CONTENT,
    "realtimeInput": REALTIME_INPUT,
    "toolResponse": TOOL_RESPONSE,
    "contextUpdate": CONTEXT_UPDATE,
}
"""The top level of a client message: exactly one of these keys must be present."""
