"""Gemini Live Desktop: a desktop voice-and-video assistant for the Gemini Live API."""

__version__ = "0.1.0"
