"""The screenshots a run keeps: one file per step, downscaled past a width, within a byte budget.

The agent always gets the screenshot as the env took it; what the trajectory keeps is a copy:
the PNG itself when it is at most ``max_width`` pixels wide, else a JPEG downscaled to that
width (the step records ``screenshot_scale``, kept pixels per screenshot pixel, so that boxes
in screenshot pixels still land on the element). Once a worker has written its share of the
run's byte budget, later steps keep no screenshot and say so (``screenshot_skipped``).
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_PNG = b"\x89PNG\r\n\x1a\n"
#: Image files a trajectory folder may hold (what a resumed run counts against its budget).
IMAGE_SUFFIXES = (".png", ".jpg")
JPEG_QUALITY = 80


@dataclass(frozen=True)
class ShotPolicy:
    """How screenshots are kept: the widest kept as is (pixels) and this worker's byte budget."""

    max_width: int = 1280
    budget_bytes: int = 2_000_000_000


def png_size(data: bytes) -> tuple[int, int] | None:
    """Return (width, height) from a PNG's header, or None when ``data`` is not a PNG."""
    if not data.startswith(_PNG) or len(data) < 24:
        return None
    return struct.unpack(">II", data[16:24])


def images_bytes(folder: Path) -> int:
    """Return the bytes of the image files under ``folder`` (0 when it does not exist)."""
    if not folder.is_dir():
        return 0
    return sum(p.stat().st_size for p in folder.rglob("*") if p.suffix in IMAGE_SUFFIXES and p.is_file())


def _downscaled(data: bytes, width: int) -> tuple[bytes, tuple[int, int]]:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        height = max(1, round(image.height * width / image.width))
        small = image.convert("RGB").resize((width, height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    small.save(out, "JPEG", quality=JPEG_QUALITY)
    return out.getvalue(), (width, height)


class ShotKeeper:
    """Writes one worker's step screenshots under a trajectories folder, counting its budget."""

    def __init__(self, policy: ShotPolicy | None = None) -> None:
        self.policy = policy or ShotPolicy()
        self.used = 0

    def keep(self, image: bytes, folder: Path, stem: str) -> dict[str, Any]:
        """Write ``image`` (a PNG) as ``folder/stem.png`` (or ``.jpg``, downscaled) and return the
        step's fields: ``screenshot`` (the file name), ``screenshot_size`` ([width, height] kept)
        and ``screenshot_scale`` when downscaled; ``{"screenshot_skipped": "budget"}`` when the
        budget is spent."""
        size = png_size(image)
        data, suffix, fields = image, ".png", {}
        if size is not None and size[0] > self.policy.max_width:
            data, kept = _downscaled(image, self.policy.max_width)
            suffix = ".jpg"
            fields["screenshot_scale"] = round(kept[0] / size[0], 6)
            size = kept
        if self.used + len(data) > self.policy.budget_bytes:
            return {"screenshot_skipped": "budget"}
        folder.mkdir(parents=True, exist_ok=True)
        (folder / (stem + suffix)).write_bytes(data)
        self.used += len(data)
        fields["screenshot"] = stem + suffix
        if size is not None:
            fields["screenshot_size"] = list(size)
        return fields
