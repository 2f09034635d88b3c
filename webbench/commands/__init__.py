"""Sub-commands of ``webbench``: one module each, with ``register(subparsers)``."""
