"""gRPC explanation service: SHAP contributions of each feature to a client's score."""
