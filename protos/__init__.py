"""The gRPC contract (package credit.v1): .proto files and the Python code generated from them."""
