"""Stage 4: data drift between the training features and production requests."""
