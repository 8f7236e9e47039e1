"""The backend service: Gemini, or the built-in emulator it starts, and the connector sessions open on.

:func:`open_backend` is the real opener (the key decides, unless ``settings.backend`` forces one);
:func:`session_options` turns settings into what every session (the window's and each relay client's) is
opened with. :func:`check_key` tells whether the service takes a key, by opening and closing a session with
it: the settings dialog runs it when a key is saved (through :meth:`BackendService.check_key`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

from desktop_app.config import Section, Settings
from desktop_app.core.app_events import BackendInfo
from desktop_app.core.errors import AuthError, ConfigError, LiveError
from desktop_app.live.backend import Backend
from desktop_app.live.genai_session import GenaiConnector
from desktop_app.live.options import Modality, SessionOptions, VadOptions
from desktop_app.live.reconnect import ReconnectPolicy
from desktop_app.live.resilient_connector import ResilientConnector
from desktop_app.live.session import LiveConnector
from desktop_app.services.bus import Bus, ServiceBase

__all__ = [
    "OFFLINE_NOTICE",
    "BackendHandle",
    "BackendOpener",
    "BackendService",
    "KeyCheck",
    "check_key",
    "choose_backend",
    "open_backend",
    "session_options",
]

log = logging.getLogger(__name__)

OFFLINE_NOTICE = (
    "Offline demo: no GEMINI_API_KEY is set, so the built-in Live API emulator answers "
    "(a loopback check of the whole pipeline, not a model). Set GEMINI_API_KEY to talk to Gemini."
)


def choose_backend(settings: Settings) -> str:
    """``"gemini"`` or ``"emulator"``: the key decides unless ``settings.backend`` forces one."""
    if settings.backend == "gemini":
        if not settings.api_key:
            raise ConfigError(
                "The Gemini backend needs an API key: set GEMINI_API_KEY (or GOOGLE_API_KEY), "
                "or use --backend emulator."
            )
        return "gemini"
    if settings.backend == "emulator":
        return "emulator"
    return "gemini" if settings.api_key else "emulator"


def session_options(settings: Settings) -> SessionOptions:
    """The live session options the user's settings ask for."""
    return SessionOptions(
        model=settings.model,
        modality=Modality(settings.response_modality),
        voice=settings.voice or None,
        system_instruction=settings.system_instruction or None,
        input_transcription=settings.input_transcription,
        output_transcription=settings.output_transcription,
        vad=VadOptions(
            start_sensitivity=settings.vad_start_sensitivity,
            end_sensitivity=settings.vad_end_sensitivity,
            silence_duration_ms=settings.vad_silence_ms,
            prefix_padding_ms=settings.vad_prefix_padding_ms,
        ),
        media_resolution=settings.media_resolution or None,
        speech_language=settings.speech_language or None,
        transcription_languages=settings.transcription_languages,
        custom_vocabulary=settings.custom_vocabulary,
        affective_dialog=settings.affective_dialog,
        proactive_audio=settings.proactive_audio,
        thinking_level=settings.thinking_level or None,
        thinking_budget=None if settings.thinking_budget < 0 else settings.thinking_budget,
        include_thoughts=settings.include_thoughts,
    )


@dataclass(frozen=True, slots=True)
class BackendHandle:
    """An open backend: a connector for sessions, plus the notice to show the user (empty for Gemini)."""

    connector: LiveConnector
    backend: Backend
    notice: str = ""


def _resilient(backend: Backend) -> LiveConnector:
    """Sessions that reconnect by themselves (goAway, drops, 1011) for the engine and every relay client."""
    return ResilientConnector(GenaiConnector(backend), ReconnectPolicy())


@asynccontextmanager
async def open_backend(settings: Settings) -> AsyncIterator[BackendHandle]:
    """Yield a connector on the chosen backend, starting (and finally stopping) the emulator if needed."""
    if choose_backend(settings) == "gemini":
        backend = Backend(name="gemini", api_key=settings.api_key or "")
        yield BackendHandle(_resilient(backend), backend)
        return

    from desktop_app.emulator import Emulator, EmulatorConfig

    emulator = Emulator(EmulatorConfig(pace=settings.emulator_pace))
    await emulator.start()
    try:
        backend = Backend(
            name="emulator",
            api_key="offline-emulator",
            base_url=emulator.base_url,
            ssl_context=emulator.client_ssl_context(),
        )
        log.info("using the built-in emulator at %s", emulator.base_url)
        yield BackendHandle(_resilient(backend), backend, OFFLINE_NOTICE)
    finally:
        await emulator.stop()


BackendOpener = Callable[[Settings], AbstractAsyncContextManager[BackendHandle]]

KEY_CHECK_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class KeyCheck:
    """What checking a key found. ``refused``: the service said the key is not valid (do not save it as
    it is); ``checked`` False: the service could not be reached, so nothing is known about the key.
    ``message`` is a sentence for the key dialog (empty when the key was accepted)."""

    checked: bool
    refused: bool = False
    message: str = ""

    @property
    def accepted(self) -> bool:
        return self.checked and not self.refused


async def check_key(backend: Backend, model: str, timeout_s: float = KEY_CHECK_TIMEOUT_S) -> KeyCheck:
    """Open one session on ``backend`` (which carries the key to check) and close it at once.

    The service checks the key at the handshake, before the setup: a refusal there (1007 "API Key not found.
    Please pass a valid API key.", research/protocol.md §2.10) means a bad key; any other refusal (the model,
    the setup) came after the key was taken, so the key is good. No audio is sent and nothing is said."""
    options = SessionOptions(model=model, input_transcription=False, output_transcription=False)
    try:
        async with asyncio.timeout(timeout_s), GenaiConnector(backend).connect(options):
            pass
    except AuthError as err:
        said = f" The service said: {err.reason}" if err.reason else ""
        return KeyCheck(True, True, "Gemini did not accept this key." + said)
    except LiveError as err:
        if err.retryable:  # unreachable, or the service failed: the key is unknown
            return KeyCheck(False, message=f"The key could not be checked now: {err}")
        return KeyCheck(True)  # refused for another reason after the key was accepted
    except TimeoutError:
        return KeyCheck(False, message=f"The key could not be checked: no answer within {timeout_s:g} s.")
    return KeyCheck(True)


class BackendService(ServiceBase):
    """Holds the open backend between :meth:`start` and :meth:`stop`. Call on the loop thread."""

    sections = frozenset({Section.BACKEND})

    def __init__(self, settings: Settings, bus: Bus, opener: BackendOpener) -> None:
        super().__init__(settings, bus)
        self._opener = opener
        self.key_target: Callable[[str], Backend] = lambda key: Backend(name="gemini", api_key=key)
        """Where :meth:`check_key` checks a key: Gemini (a test points it at an emulator)."""
        self._stack: AsyncExitStack | None = None
        self.handle: BackendHandle | None = None
        """The open backend, or None before start, after stop, or when it could not open."""

    async def start(self) -> None:
        """Open the backend and publish :class:`BackendInfo`. Raises AppError (the caller says so)."""
        stack = AsyncExitStack()
        try:
            handle = await stack.enter_async_context(self._opener(self._settings))
        except BaseException:
            await stack.aclose()
            raise
        self._stack, self.handle = stack, handle
        self._bus.publish(BackendInfo(handle.backend.name, self._settings.model, handle.notice))

    async def stop(self) -> None:
        """Close the backend (and stop the emulator if it started one). Safe to call twice."""
        if self._stack is not None:
            stack, self._stack, self.handle = self._stack, None, None
            await stack.aclose()

    async def apply_settings(self, settings: Settings) -> None:
        """Reopen with ``settings``. Close the sessions and the relay first; reopen them after."""
        self._settings = settings
        await self.stop()
        await self.start()

    async def check_key(self, key: str) -> KeyCheck:
        """Whether Gemini takes ``key`` (see :func:`check_key`), checked with the settings' model."""
        return await check_key(self.key_target(key.strip()), self._settings.model)
