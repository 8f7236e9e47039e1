"""Shared test helpers (fakes behind the seams DESIGN.md §3.6 names)."""
