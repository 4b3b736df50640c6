"""Charts as files: PNG and SVG rendered on the server by vl-convert (Vega's own renderer, no browser).

``chart_image(spec, "png"|"svg")`` takes a Vega-Lite spec as the app draws it (``chart.to_dict()``). A spec
that stretches to its container in the app gets a fixed width here, a white background (slides and documents
are white; the app's dark theme is not), and the French number formats of its config, which vl-convert takes
as separate options.

Hostile text never takes the process down:

* every string of the spec (data values, inline or in named datasets, field names, titles, labels, tooltips…)
  goes through ``clean_text`` first: no control character (``data_model.text.clean_control``) and no U+FFFE /
  U+FFFF, which are not XML either. One ``\\x01`` in a survey comment quoted by the journey map made vl-convert
  panic while parsing its own SVG, and that panic aborts the process (SIGABRT), whatever ``try`` surrounds it;
* vl-convert runs in a worker process of its own (``charts/render_worker.py``), started once, kept warm (its first
  conversion in a process takes ~0.6 s) and started again after it died. A crash, a refusal or a render longer
  than ``TIMEOUT`` seconds is ``ChartRenderError`` for the caller, with a message that quotes nothing of the
  data; ``failure_image`` draws a message in its place.
"""

from __future__ import annotations

import json
import logging
import math
import queue
import re
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

from data_model.text import clean_control

__all__ = ["KINDS", "TIMEOUT", "WIDTH", "ChartRenderError", "chart_image", "clean_spec", "clean_text",
           "failure_image", "stop_renderer", "warm_up"]

WIDTH = 960
"""The width of a chart that fills its container in the app: a slide's picture, readable once scaled."""

KINDS = {"png": "image/png", "svg": "image/svg+xml"}

TIMEOUT = 60.0
"""Seconds a chart may take to render (the journey map at scale 2 takes well under one)."""

STARTUP = 30.0
"""Seconds the renderer may take to start and warm up, on top of the first chart's ``TIMEOUT``."""

_log = logging.getLogger(__name__)


class ChartRenderError(RuntimeError):
    """The chart could not be drawn: the renderer crashed (it is started again for the next chart), took longer
    than ``TIMEOUT`` or refused the spec. ``reason`` is ``crashed``, ``timeout`` or ``refused``; the message never
    quotes the chart's data, ``detail`` (the renderer's own words, which may) is kept out of it."""

    def __init__(self, reason: str, message: str, detail: str = ""):
        super().__init__(message)
        self.reason = reason
        self.detail = detail


clean_text = clean_control
"""``text`` as a renderer or an XML file takes it (``data_model.text.clean_control``)."""


def clean_spec(value):
    """A copy of a spec (or any JSON-like value) with every string, keys included, through ``clean_text``, and
    NaN and infinities as null (JSON has no such numbers; vl-convert read them so from a dict)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(k) if isinstance(k, str) else k: clean_spec(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_spec(v) for v in value]
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):  # numpy scalars
        return clean_spec(value.item())
    return value


def _json_default(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return clean_text(str(value))


class _Renderer:
    """One vl-convert worker process, used by one chart at a time (a lock), started on demand."""

    def __init__(self):
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self._answers: queue.Queue | None = None
        self._ready = False
        self._panics: list[str] = []
        self._stderr: threading.Thread | None = None

    def _start(self) -> None:
        worker = Path(__file__).with_name("render_worker.py")
        proc = subprocess.Popen([sys.executable, str(worker)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, close_fds=True)
        answers: queue.Queue = queue.Queue()
        panics: list[str] = []
        threading.Thread(target=_read_answers, args=(proc.stdout, answers), daemon=True,
                         name="chart-renderer-answers").start()
        self._stderr = threading.Thread(target=_read_panics, args=(proc.stderr, panics), daemon=True,
                                        name="chart-renderer-stderr")
        self._stderr.start()
        self._proc, self._answers, self._ready, self._panics = proc, answers, False, panics

    def _alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def _stop(self) -> int | None:
        """Stop the worker (if still running) and forget it; its exit status."""
        proc, self._proc = self._proc, None
        if proc is None:
            return None
        if proc.poll() is None:
            proc.kill()
        try:
            code = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            code = None
        for stream in (proc.stdin, proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        if self._stderr is not None:
            self._stderr.join(timeout=2)
        return code

    def warm_up(self) -> None:
        """Start the worker if none runs, without waiting for it (a chart being drawn means it runs)."""
        if self._lock.acquire(blocking=False):
            try:
                if not self._alive():
                    self._stop()
                    self._start()
            finally:
                self._lock.release()

    def stop(self) -> None:
        with self._lock:
            if self._proc is not None and self._proc.stdin is not None:
                try:
                    self._proc.stdin.close()  # the worker ends on end of input
                    self._proc.wait(timeout=5)
                except (OSError, subprocess.TimeoutExpired):
                    pass
            self._stop()

    def _answer(self, deadline: float):
        try:
            return self._answers.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            return "timeout"

    def _crashed(self) -> ChartRenderError:
        code = self._stop()
        where = f", {'; '.join(self._panics[-2:])}" if self._panics else ""
        _log.warning("the chart renderer stopped (exit status %s%s); a new one starts for the next chart", code,
                     where)
        return ChartRenderError("crashed", "the chart renderer stopped while drawing this chart; it is started again "
                                           "for the next one")

    def render(self, header: dict, spec: bytes, timeout: float) -> bytes:
        head = json.dumps(header).encode("utf-8")
        request = struct.pack(">I", len(head)) + head + struct.pack(">I", len(spec)) + spec
        with self._lock:
            if not self._alive():
                self._stop()
                self._start()
            deadline = time.monotonic() + timeout + (0 if self._ready else STARTUP)
            # written by a thread: a large spec fills the pipe, and a worker that never reads must not hold the
            # caller (and the lock) past the deadline
            failed: list[OSError] = []
            writer = threading.Thread(target=_write, args=(self._proc.stdin, request, failed), daemon=True,
                                      name="chart-renderer-request")
            writer.start()
            writer.join(timeout=max(0.0, deadline - time.monotonic()))
            if writer.is_alive():
                raise self._timed_out(timeout)
            if failed:
                raise self._crashed()
            if not self._ready:
                answer = self._answer(deadline)
                if answer != "ready":
                    raise self._timed_out(timeout) if answer == "timeout" else self._crashed()
                self._ready = True
            answer = self._answer(deadline)
            if answer == "timeout":
                raise self._timed_out(timeout)
            if answer is None:
                raise self._crashed()
            status, data = answer
            if status == b"o":
                return data
            raise ChartRenderError("refused", "the chart renderer refused this chart",
                                   detail=data.decode("utf-8", "replace"))

    def _timed_out(self, timeout: float) -> ChartRenderError:
        self._stop()
        _log.warning("a chart took longer than %s s to render: its renderer was stopped", timeout)
        return ChartRenderError("timeout", f"the chart took longer than {timeout:g} s to draw")


def _write(stream, request: bytes, failed: list) -> None:
    try:
        stream.write(request)
        stream.flush()
    except (OSError, ValueError) as exc:  # the worker died (broken pipe) or was stopped (closed file)
        failed.append(exc)


def _read_answers(stream, answers: queue.Queue) -> None:
    """The worker's answers into ``answers``: "ready", (status, bytes)…, then None when it ended."""
    try:
        if stream.read(1) == b"R":
            answers.put("ready")
            while (status := stream.read(1)) in (b"o", b"e"):
                head = stream.read(4)
                if len(head) < 4:
                    break
                n = struct.unpack(">I", head)[0]
                data = stream.read(n)
                if len(data) < n:
                    break
                answers.put((status, data))
    except (OSError, ValueError):
        pass
    answers.put(None)


def _read_panics(stream, panics: list[str]) -> None:
    """Drain the worker's stderr, keeping only where Rust panicked (a file and line, never the panic's message,
    which may quote the data)."""
    try:
        for line in stream:
            found = re.search(rb"panicked at ([\w./\\-]+:\d+:\d+)", line)
            if found:
                panics.append("panicked at " + found.group(1).decode("ascii", "replace"))
    except (OSError, ValueError):
        pass


_renderer = _Renderer()


def warm_up() -> None:
    """Start the renderer in the background if it is not running (the app calls it when it draws a chart, so that
    the first download is as fast as the next ones)."""
    _renderer.warm_up()


def stop_renderer() -> None:
    """End the renderer process (a new one starts with the next chart)."""
    _renderer.stop()


def _fixed_width(spec: dict, width: int) -> None:
    # The app stretches a chart to its column; a file needs a width. A vertical concatenation (the journey
    # map's lanes) gives it to each part; a horizontal one shares it; facets and repeats size themselves.
    if "vconcat" in spec:
        for part in spec["vconcat"]:
            _fixed_width(part, width)
    elif "hconcat" in spec:
        for part in spec["hconcat"]:
            _fixed_width(part, width // max(1, len(spec["hconcat"])))
    elif not any(k in spec for k in ("concat", "facet", "repeat")) and spec.get("width") in (None, "container"):
        spec["width"] = width


def chart_image(spec: dict, kind: str, *, width: int = WIDTH, scale: float = 2.0, timeout: float = TIMEOUT) -> bytes:
    """The chart as PNG (``scale`` × its size, sharp when projected) or SVG bytes. ``ChartRenderError`` when the
    renderer cannot draw it (the app and the command go on)."""
    if kind not in KINDS:
        raise ValueError(f"unknown image kind {kind!r}: expected one of {', '.join(KINDS)}")
    spec = clean_spec(spec)
    _fixed_width(spec, width)
    spec.setdefault("background", "white")
    config = spec.get("config") or {}
    locale = config.pop("locale", None) or {}
    options = {}
    if locale.get("number"):
        options["format_locale"] = locale["number"]
    if locale.get("time"):
        options["time_format_locale"] = locale["time"]
    body = json.dumps(spec, default=_json_default, ensure_ascii=False, allow_nan=False).encode("utf-8")
    return _renderer.render({"kind": kind, "scale": scale, "options": options}, body, timeout)


def failure_image(kind: str, message: str, *, width: int = WIDTH) -> bytes:
    """A plain picture (PNG or SVG) that says ``message``: what a chart download gives when the chart could not be
    drawn, drawn without the renderer."""
    import textwrap

    lines = textwrap.wrap(clean_text(message), 70) or [""]
    height = 40 + 28 * len(lines)
    if kind == "svg":
        from xml.sax.saxutils import escape

        texts = "".join(f'<text x="24" y="{44 + 28 * i}">{escape(line)}</text>' for i, line in enumerate(lines))
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
                f'font-family="sans-serif" font-size="18" fill="#262626"><rect width="100%" height="100%" '
                f'fill="white"/>{texts}</svg>').encode()
    if kind != "png":
        raise ValueError(f"unknown image kind {kind!r}: expected one of {', '.join(KINDS)}")
    import io

    from PIL import Image, ImageDraw, ImageFont

    scale = 2
    image = Image.new("RGB", (width * scale, height * scale), "white")
    draw = ImageDraw.Draw(image)
    for name in ("DejaVuSans.ttf", "LiberationSans-Regular.ttf", "Arial.ttf"):
        try:
            font = ImageFont.truetype(name, 18 * scale)
            break
        except OSError:
            continue
    else:  # Pillow's own font has no accents: spell them out ("dessiné" → "dessine")
        import unicodedata

        font = ImageFont.load_default(size=18 * scale)
        lines = ["".join(c for c in unicodedata.normalize("NFKD", line) if not unicodedata.combining(c))
                 for line in lines]
    for i, line in enumerate(lines):
        draw.text((24 * scale, (24 + 28 * i) * scale), line, fill=(0x26, 0x26, 0x26), font=font)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
