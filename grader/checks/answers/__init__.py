"""answers checks (see grader/checks/__init__.py)."""
