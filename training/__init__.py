"""Offline side of the platform: data, features, training, evaluation, reports and drift."""
