"""The advisors' Gradio app: it talks to the gateway's REST API only (no model, no feature store)."""
