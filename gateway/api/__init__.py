"""The HTTP API: the FastAPI app, its routers, schemas, errors, metrics and the state requests share."""
