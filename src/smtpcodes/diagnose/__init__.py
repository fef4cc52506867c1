"""Live diagnosis: drive a real SMTP session (asyncio) and explain every reply."""
