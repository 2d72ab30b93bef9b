"""The decision path: a decision from features, model and policy, its reasons, and the log of decisions."""
