"""Documents and messages built from a case for outside systems."""
