"""``python -m glassnet.cli``: the same as the ``glassnet`` command."""

from glassnet.cli.main import main

main()
