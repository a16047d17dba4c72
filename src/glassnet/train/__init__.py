"""Floor 2: the epoch loop, its History, the callback base, early stopping and progress. Imports nothing above floor 2 and never the network module at run time."""
