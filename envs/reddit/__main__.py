"""Run the forum by hand: ``python -m envs.reddit --port 9999`` (from the repo root)."""

from envs._web import serve
from envs.reddit import build

if __name__ == "__main__":
    serve(build)
