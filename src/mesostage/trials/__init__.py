"""Clinical trials: import, index and match."""
