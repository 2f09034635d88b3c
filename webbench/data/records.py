"""Streaming readers for large record files: JSON arrays, JSON lines and parquet.

Memory stays flat however large the file: one record is held at a time (JSON arrays
are read with ``ijson``; parquet in row batches with ``pyarrow``). Errors name the
file and the record.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

BUFFER = 1 << 20
PARQUET_BATCH = 16


class RecordError(ValueError):
    """A record file that cannot be read; the message names the file and the record."""


def read_json_file(path: Path, error: type[Exception] = RecordError) -> Any:
    """Return the parsed JSON of the file ``path``; raise ``error`` with one line naming the file
    when it is missing, cannot be read or is not valid JSON."""
    try:
        return json.loads(path.read_bytes())
    except FileNotFoundError as exc:
        raise error(f"{path}: file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path}: cannot be read: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise error(f"{path}: not valid JSON: {exc.msg} at line {exc.lineno}") from exc


def record_kind(path: Path) -> str:
    """Return ``parquet``, ``jsonl`` or ``json`` from the file name."""
    if path.suffix == ".parquet":
        return "parquet"
    return "jsonl" if path.suffix in (".jsonl", ".ndjson") else "json"


def _ijson():
    import ijson

    return ijson


def iter_records(path: Path, columns: Sequence[str] | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (index, record) for each record of ``path``; ``columns`` limits parquet reads."""
    kind = record_kind(path)
    if kind == "parquet":
        yield from _parquet_records(path, columns)
        return
    with path.open("rb") as stream:
        if kind == "jsonl":
            for index, line in enumerate(ln for ln in stream if ln.strip()):
                try:
                    record = json.loads(line)
                except ValueError as exc:
                    raise RecordError(f"{path}: record {index}: not valid JSON: {exc}") from exc
                yield index, _object(path, index, record)
            return
        ijson = _ijson()
        index = 0
        try:
            _expect_array(path, stream)
            for index, record in enumerate(ijson.items(stream, "item", buf_size=BUFFER, use_float=True)):
                yield index, _object(path, index, record)
        except ijson.JSONError as exc:
            raise RecordError(f"{path}: record {index}: not valid JSON: {exc}") from exc


def _object(path: Path, index: int, record: Any) -> dict[str, Any]:
    if not isinstance(record, dict):
        raise RecordError(f"{path}: record {index}: expected an object, got {type(record).__name__}")
    return record


def _expect_array(path: Path, stream: Any) -> None:
    """Check that the stream starts a JSON array (then rewind)."""
    head = stream.read(4096).lstrip()
    stream.seek(0)
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:].lstrip()
    if not head.startswith(b"["):
        raise RecordError(f"{path}: expected a JSON list of records")


def scan_records(
    path: Path, fields: Sequence[str], count: str | None = None
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (index, {field: value}) for each record, reading only the top-level scalar
    ``fields`` (and, as ``count``, the length of the list field named ``count``).

    For JSON arrays this avoids building the records (HTML pages stay unparsed text).
    """
    kind = record_kind(path)
    if kind != "json":
        for index, record in iter_records(path, columns=list(fields)):
            summary = {f: record.get(f) for f in fields}
            if count is not None:
                summary[count] = len(record.get(count) or [])
            yield index, summary
        return
    ijson = _ijson()
    wanted = {f"item.{f}": f for f in fields}
    counted = f"item.{count}.item" if count else None
    index, current = -1, {}
    with path.open("rb") as stream:
        try:
            _expect_array(path, stream)
            for prefix, event, value in ijson.parse(stream, buf_size=BUFFER, use_float=True):
                if prefix == "item":
                    if event == "start_map":
                        index, current = index + 1, {count: 0} if count else {}
                    elif event == "end_map":
                        yield index, current
                    elif event != "map_key":
                        raise RecordError(f"{path}: record {index + 1}: expected an object")
                elif prefix in wanted and event not in ("start_map", "start_array", "end_map", "end_array"):
                    current[wanted[prefix]] = value
                elif prefix == counted and event in ("start_map", "start_array", "string", "number"):
                    current[count] += 1
        except ijson.JSONError as exc:
            raise RecordError(f"{path}: record {max(index, 0)}: not valid JSON: {exc}") from exc


def _parquet_records(path: Path, columns: Sequence[str] | None) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise RecordError(f"{path}: reading parquet needs pyarrow: pip install 'webbench[parquet]'") from exc
    try:
        handle = pq.ParquetFile(path)
        names = set(handle.schema_arrow.names)
        chosen = [c for c in columns if c in names] if columns is not None else None
        index = 0
        for batch in handle.iter_batches(batch_size=PARQUET_BATCH, columns=chosen):
            for row in batch.to_pylist():
                yield index, row
                index += 1
    except (OSError, ValueError) as exc:
        raise RecordError(f"{path}: not a readable parquet file: {exc}") from exc
