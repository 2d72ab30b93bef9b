"""gRPC scoring service: default probability and decision of the registry's champion model."""
