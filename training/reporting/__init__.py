"""Stage 5: the methodology note, generated from the tracked runs."""
