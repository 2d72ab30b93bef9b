"""Helpers shared by every part of the platform (logging), kept tiny on purpose."""
