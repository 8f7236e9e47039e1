"""Pure code shared by every layer: events, errors, audio formats, clocks. No I/O, no Qt."""
