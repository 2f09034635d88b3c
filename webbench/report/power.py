"""How small a drop of the success rate the gate can detect: power and minimum detectable drop.

The **minimum detectable drop** (MDD) of a design (the shared tasks, each run's episode
count per task, the test that runs, ``alpha``) is the smallest drop d, on a grid of
``STEP`` (one point), such that the gate's own success-rate test gives p < alpha in at
least ``POWER`` (80 %) of simulated runs in which every baseline episode succeeds with
probability p0 (the baseline's success rate on the shared tasks) and every candidate
episode with p0 - d, all independently. It is computed by simulation (``REPLICATES``
runs, numpy's PCG64 seeded, the same random numbers for every d, so the same design
always gives the same figure) with the very functions the gate calls
(:func:`~webbench.report.stats.mcnemar_worse`, :func:`~webbench.report.stats.stratified_p_lower`).
(Beyond ``EXACT_EPISODES`` candidate episodes, the stratified test's power is simulated with
its normal approximation, :func:`~webbench.report.stats.cmh_p_lower`.)
Independence is the conservative case for paired episodes: when a seed makes a task
instance easier or harder for both agents alike, the paired test detects smaller drops.
None means that even a drop from p0 to 0 is not detected with that power.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import floor

import numpy as np

from webbench.report.compare import OutcomeRule, SuiteComparison, task_success
from webbench.report.stats import cmh_p_lower, mcnemar_worse, stratified_p_lower

POWER = 0.8
REPLICATES = 1000
STEP = 0.01
#: Beyond this many candidate episodes the stratified test's power is simulated with its normal
#: approximation (the Cochran-Mantel-Haenszel test), which is accurate there and much faster.
EXACT_EPISODES = 120


@dataclass(frozen=True)
class Design:
    """What decides a gate's power: the test's unit and each shared task's episode counts."""

    test: str  # task | episode | stratified
    base_episodes: tuple[int, ...]
    cand_episodes: tuple[int, ...]
    rule: OutcomeRule = "majority"

    @property
    def tasks(self) -> int:
        """Return the number of shared tasks."""
        return len(self.base_episodes)


def design_of(comparison: SuiteComparison, rule: OutcomeRule = "majority") -> Design:
    """Return the design of a compared suite (its chosen test and episode counts per task)."""
    return Design(
        comparison.design,
        tuple(n for _, n in comparison.base_counts),
        tuple(n for _, n in comparison.cand_counts),
        rule,
    )


def _p_worse(design: Design, base: np.ndarray, cand: np.ndarray) -> np.ndarray:
    """Return each replicate's one-sided p-value (candidate worse) of the design's success test.

    ``base``/``cand`` are (replicates, episodes) outcomes for the episode design, else
    (replicates, tasks) success counts.
    """
    if design.test == "episode":
        counts = np.stack([(base & ~cand).sum(1), (cand & ~base).sum(1)], axis=1)
    elif design.test == "task":
        ob = task_success(base, np.array(design.base_episodes), design.rule)
        oc = task_success(cand, np.array(design.cand_episodes), design.rule)
        counts = np.stack([(ob & ~oc).sum(1), (oc & ~ob).sum(1)], axis=1)
    else:
        k, nb, nc = design.tasks, design.base_episodes, design.cand_episodes
        if sum(nc) > EXACT_EPISODES:
            return cmh_p_lower(base, cand, nb, nc)
        unique, inverse = np.unique(np.hstack([base, cand]), axis=0, return_inverse=True)
        return stratified_p_lower(unique[:, :k], unique[:, k:], nb, nc)[inverse.ravel()]
    unique, inverse = np.unique(counts, axis=0, return_inverse=True)
    return mcnemar_worse(unique[:, 0], unique[:, 1])[inverse.ravel()]


class _Simulation:
    """Fixed random numbers for one design, so that every drop is tried on the same simulated runs.

    One uniform per episode (outcome = u < p), so outcomes fall monotonically with p and
    power rises with the drop.
    """

    def __init__(self, design: Design, replicates: int, seed: int) -> None:
        if design.test == "episode" and design.base_episodes != design.cand_episodes:
            raise ValueError("paired episodes need the same episode counts on both sides")
        rng = np.random.default_rng(seed)
        self.design = design
        self.base = rng.random((replicates, sum(design.base_episodes)), dtype=np.float32)
        self.cand = rng.random((replicates, sum(design.cand_episodes)), dtype=np.float32)

    def _outcomes(self, uniforms: np.ndarray, p: float, episodes: tuple[int, ...]) -> np.ndarray:
        outcomes = uniforms < p
        if self.design.test == "episode":
            return outcomes
        starts = np.concatenate([[0], np.cumsum(episodes)[:-1]]).astype(int)
        return np.add.reduceat(outcomes.astype(int), starts, axis=1)

    def power(self, p_base: float, p_cand: float, alpha: float) -> float:
        """Return the share of simulated runs in which the test rejects at ``alpha``."""
        base = self._outcomes(self.base, p_base, self.design.base_episodes)
        cand = self._outcomes(self.cand, max(0.0, p_cand), self.design.cand_episodes)
        return float(np.mean(_p_worse(self.design, base, cand) < alpha))


def power(
    design: Design, p_base: float, p_cand: float, alpha: float, replicates: int = REPLICATES, seed: int = 0
) -> float:
    """Return the share of ``replicates`` simulated runs (seeded) in which the gate's success test
    rejects at ``alpha`` when baseline episodes succeed with probability ``p_base``, the candidate's
    with ``p_cand``.
    """
    return _Simulation(design, replicates, seed).power(p_base, p_cand, alpha)


def min_detectable_drop(
    design: Design, p0: float, alpha: float, replicates: int = REPLICATES, seed: int = 0
) -> float | None:
    """Return the minimum detectable drop of ``design`` from the baseline rate ``p0`` (see the module
    docstring): a multiple of ``STEP`` or p0 itself, or None when no drop down to 0 reaches ``POWER``.
    """
    if p0 <= 0 or design.tasks == 0:
        return None
    sim = _Simulation(design, replicates, seed)
    drops = [round(j * STEP, 10) for j in range(1, floor(p0 / STEP + 1e-9) + 1)]
    if not drops or drops[-1] < p0 - 1e-9:
        drops.append(p0)

    def detected(index: int) -> bool:
        return sim.power(p0, p0 - drops[index], alpha) >= POWER

    if not detected(len(drops) - 1):
        return None
    low, high = -1, len(drops) - 1  # detected(high) holds; detected(low) is taken as false
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if detected(middle) else (middle, high)
    return drops[high]
