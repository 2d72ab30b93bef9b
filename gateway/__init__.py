"""REST gateway (FastAPI): combines online features, Score and Explain into one answer per request."""
