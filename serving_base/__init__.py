"""What both gRPC model services share: settings, the model bundle and its holder, request decoding,
status mapping and the server loop. Stands on the cores and protos only, never on training."""
