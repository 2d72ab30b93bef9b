"""Stage 3: training sets, cross-validation, search, training, registration and evaluation."""
