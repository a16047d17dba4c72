"""Floor 2: optimizers (each step is its formula), learning-rate schedules, exponentially weighted averages and the compiled kernels."""
