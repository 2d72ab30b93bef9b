"""New applications: their features, their Redis store, the intake limit, and the offers a client would
be granted."""
