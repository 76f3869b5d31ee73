"""tito: the TinyTorch course command line."""
