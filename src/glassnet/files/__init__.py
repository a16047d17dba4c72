"""Floor 3: atomic writes, the checksummed container, model files and checkpoints."""
