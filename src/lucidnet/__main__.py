"""``python -m lucidnet ...`` runs the command line, as the ``lucidnet`` command does."""

from .cli.main import main

main()
