"""Floor 3: bundled and generated data sets, CSV/NPZ readers and train/dev/test splits."""
