"""The live session: the seam (:mod:`.session`), its google-genai implementation, and error classification."""
