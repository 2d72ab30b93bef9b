"""Model core: the registry contract, the estimator classes saved models reference, and the serving
metadata a version carries. Training writes through it, serving reads through it; it imports neither.
"""
