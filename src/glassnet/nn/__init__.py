"""Floor 2: initializers, layers, losses, the Network, gradient checks and the builders that turn names into them."""
