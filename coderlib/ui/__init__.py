"""coderlib.ui."""
