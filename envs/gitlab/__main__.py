"""Run the code-hosting site by hand: ``python -m envs.gitlab --port 8023`` (from the repo root)."""

from envs._web import serve
from envs.gitlab import build

if __name__ == "__main__":
    serve(build)
