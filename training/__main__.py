"""`python -m training`: the offline jobs of the platform."""

from training.cli import app

app()
