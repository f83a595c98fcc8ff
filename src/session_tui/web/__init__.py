"""The dashboard in a browser (`session-tui serve`): see `server.py`."""
