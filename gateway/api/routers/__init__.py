"""One router per resource: clients, applications, system (model, health, metrics)."""
