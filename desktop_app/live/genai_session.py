"""The LiveSession seam implemented on the real google-genai SDK.

The connector dials Gemini or the emulator (a :class:`~desktop_app.live.backend.Backend` says which); the
session runs one receive loop for its whole life, looping around ``AsyncSession.receive()`` (which ends
after every ``turn_complete``), and classifies every failure once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, assert_never

from google import genai
from google.genai import types

from desktop_app.core.commands import (
    ActivityEnd,
    ActivityStart,
    AudioStreamEnd,
    Command,
    ToolResponse,
    UserAudio,
    UserImage,
    UserText,
)
from desktop_app.core.errors import LiveError
from desktop_app.core.events import LiveEvent, SetupComplete
from desktop_app.live.backend import Backend
from desktop_app.live.connect_config import plan_connect
from desktop_app.live.errors import classify_exception
from desktop_app.live.messages import map_server_message
from desktop_app.live.options import SessionOptions

__all__ = ["GenaiConnector", "GenaiSession"]

log = logging.getLogger(__name__)


class GenaiSession:
    """One open google-genai live session. Create it through :meth:`GenaiConnector.connect`."""

    def __init__(self, sdk_session: Any, secrets: tuple[str, ...]) -> None:
        self._sdk = sdk_session
        self._secrets = secrets
        self._closed = False

    @property
    def session_id(self) -> str | None:
        value = getattr(self._sdk, "session_id", None)
        return value if isinstance(value, str) else None

    @property
    def closed(self) -> bool:
        return self._closed

    async def send(self, command: Command) -> None:
        """Turn ``command`` into its SDK call; raise a classified LiveError when it fails."""
        sdk = self._sdk
        match command:
            case UserAudio(pcm, fmt):
                sending = sdk.send_realtime_input(audio=types.Blob(data=pcm, mime_type=fmt.mime_type))
            case UserImage(data, mime_type):
                sending = sdk.send_realtime_input(video=types.Blob(data=data, mime_type=mime_type))
            case UserText(text):
                sending = sdk.send_realtime_input(text=text)
            case AudioStreamEnd():
                sending = sdk.send_realtime_input(audio_stream_end=True)
            case ActivityStart():
                sending = sdk.send_realtime_input(activity_start=types.ActivityStart())
            case ActivityEnd():
                sending = sdk.send_realtime_input(activity_end=types.ActivityEnd())
            case ToolResponse(results):
                answers = [types.FunctionResponse(id=r.id, name=r.name, response=r.response) for r in results]
                sending = sdk.send_tool_response(function_responses=answers)
            case _:
                assert_never(command)
        try:
            await sending
        except LiveError:
            raise
        except Exception as exc:
            raise classify_exception(exc, secrets=self._secrets) from None

    async def events(self) -> AsyncIterator[LiveEvent]:
        """Yield every server event until :meth:`close`; raise a classified LiveError on a server close.

        The first event is :class:`SetupComplete` (the SDK consumes the server's own while connecting).
        """
        yield SetupComplete(session_id=self.session_id)
        while not self._closed:
            try:
                async for message in self._sdk.receive():
                    for event in map_server_message(message):
                        yield event
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self._closed:
                    return
                raise classify_exception(exc, secrets=self._secrets) from None

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            await self._sdk.close()
        except Exception as exc:  # closing a dead socket is not worth a warning
            log.debug("closing the live session failed: %s", type(exc).__name__)


class GenaiConnector:
    """Opens :class:`GenaiSession` objects on one backend. Constructing it does no I/O."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self._client: genai.Client | None = None

    @property
    def backend_name(self) -> str:
        return self._backend.name

    def _sdk_client(self) -> genai.Client:
        if self._client is None:
            b = self._backend
            # No permessage-deflate: the payload is base64 PCM and JPEG, which barely compresses, and
            # deflating a 100 kB frame on the loop thread delayed microphone blocks by tens of ms.
            # close_timeout: closing never waits long for the server's close reply (a socket whose reading
            # is paused because nobody drains it would otherwise hold shutdown for websockets' 10 s default).
            # ping: a dead peer is noticed in ~20 s instead of ~40 s.
            socket_args: dict[str, object] = {
                "compression": None,
                "close_timeout": 0.5,
                "ping_interval": 10,
                "ping_timeout": 10,
            }
            if b.ssl_context is not None:
                socket_args["ssl"] = b.ssl_context
            http_options = types.HttpOptions(
                base_url=b.base_url, api_version=b.api_version, async_client_args=socket_args
            )
            self._client = genai.Client(api_key=b.api_key, http_options=http_options)
        return self._client

    @asynccontextmanager
    async def connect(self, options: SessionOptions) -> AsyncIterator[GenaiSession]:
        """Open a live session with ``options``; raise a classified LiveError if it is refused."""
        secrets = (self._backend.api_key,)
        plan = plan_connect(options)  # its notices are the caller's to show: setup_notices(options)
        try:
            manager = self._sdk_client().aio.live.connect(model=options.model, config=plan.config)
            sdk_session = await manager.__aenter__()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            raise classify_exception(exc, secrets=secrets, sent=plan.sent) from None
        session = GenaiSession(sdk_session, secrets)
        try:
            yield session
        finally:
            session._closed = True
            try:
                await manager.__aexit__(None, None, None)
            except Exception as exc:
                log.debug("live session teardown: %s", type(exc).__name__)
