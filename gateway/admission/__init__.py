"""Admission of HTTP requests before their body is read: API keys, rate limits, lockouts, body size."""
