"""Building blocks of the synthetic Home Credit generator (one module per table family)."""
