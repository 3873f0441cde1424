"""The web chat widget over socket.io."""
