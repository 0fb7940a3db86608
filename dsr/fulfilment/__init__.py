"""Fulfilment's web side and files: desk pages, the callback, the package, Art. 19 notices."""
