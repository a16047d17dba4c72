"""Floor 4: the learning strategy: bias/variance diagnosis, learning curves, search spaces and random search."""
