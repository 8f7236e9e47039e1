"""The asyncio loop thread and the task supervisor."""
