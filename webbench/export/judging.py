"""Re-judging answers for the ``correct`` filter (``--judge-model``) through the LLM client and cache.

The judge is WebVoyager's reference-free one (:meth:`webbench.llm.judges.Judge.webvoyager`):
the task, the agent's answer and the episode's saved screenshots (the last 15, as in
WebVoyager's evaluation script; none when the run kept none). Its decision is kept in the
episode (``judgement``) and its score in the exported metadata (``judge_score``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from webbench.export.episodes import ExportEpisode
from webbench.llm.judges import WEBVOYAGER_JUDGE_MODEL, Judge, make_judge
from webbench.llm.settings import LLMSettings


def screenshots(episode: ExportEpisode) -> list[bytes]:
    """Return the PNG screenshots the episode's trajectory names and that exist, in step order."""
    if episode.trajectory_dir is None:
        return []
    shots = []
    for step in episode.steps:
        path = episode.trajectory_dir / step.screenshot if step.screenshot else None
        if path is not None and path.is_file():
            shots.append(path.read_bytes())
    return shots


@dataclass
class AnswerJudge:
    """A callable verdict for :func:`webbench.export.filters.is_correct`: True when the judge accepts."""

    judge: Judge

    def __call__(self, episode: ExportEpisode) -> bool:
        judgement = self.judge.webvoyager(episode.goal, episode.answer, screenshots(episode))
        episode.judgement = judgement.record()
        return judgement.score == 1.0

    def close(self) -> None:
        """Close the judge's client."""
        self.judge.close()


def answer_judge(
    model: str | None, base_url: str | None = None, cache: Path | None = None, cache_mode: str = "rw"
) -> AnswerJudge:
    """Return the judge of ``--judge-model`` (default WebVoyager's official model) at ``base_url``."""
    settings = LLMSettings.from_dict(
        {
            "judge_model": model,
            "judge_base_url": base_url,
            "cache": None if cache is None else str(cache),
            "cache_mode": cache_mode,
        }
    )
    return AnswerJudge(make_judge(settings.to_dict(), WEBVOYAGER_JUDGE_MODEL))
