"""One module per benchmark; each defines SUITE (see webbench.core.suite)."""
