"""``oracle``: replays the gold action of each step (replay suites); every metric must be 1.0.

It declares ``uses_gold = True``, which is the only way the harness reveals a
step's gold action (in ``obs.extra["gold_action"]``) to an agent.
"""

from __future__ import annotations

from webbench.core.types import Observation


class OracleAgent:
    """Returns the gold action the replay env revealed for this step."""

    uses_gold = True

    def act(self, obs: Observation) -> str:
        """Return this step's gold action; raise if the suite revealed none."""
        gold = obs.extra.get("gold_action")
        if gold is None:
            raise RuntimeError("the oracle agent needs a replay suite that reveals gold actions")
        return gold
