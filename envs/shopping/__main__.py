"""Run the shop by hand: ``python -m envs.shopping --port 7770`` (from the repo root)."""

from envs._web import serve
from envs.shopping import build

if __name__ == "__main__":
    serve(build)
