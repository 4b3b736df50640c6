"""The chart renderer's own process: ``charts.export`` starts it (``python charts/render_worker.py``) and sends it the
charts to draw, so that a crash of vl-convert ends this process, never the app or the command that asked.

vl-convert (Rust) aborts the whole process on some panics, which no ``try`` can catch: one control character in a
chart's text did it (``Failed to parse text SVG: NonXmlChar``). Here such a crash costs one chart; the caller gets
``ChartRenderError`` and starts a new renderer for the next chart.

Standard library and vl-convert only (no project import): started by its path, it does not import the ``charts``
package and its Altair. The protocol, on stdin and stdout (lengths as 4-byte big-endian unsigned integers):

* once started and warmed up (vl-convert's first conversion in a process takes ~0.6 s), it writes ``R``;
* request: length + JSON header ``{"kind": "png"|"svg", "scale": 2.0, "options": {...}}``, length + spec JSON;
* answer: ``o`` + length + the image's bytes, or ``e`` + length + the error (type and message, UTF-8, at most
  500 characters). vl-convert's messages may quote the chart's data (customer text): the caller keeps this one
  as the exception's ``detail``, out of its message and of the logs.

It ends when stdin closes (its parent exited or stopped it).
"""

import json
import os
import struct
import sys

_WARM_UP = {"data": {"values": [{"a": "é", "b": 1}]}, "mark": "bar",
            "encoding": {"x": {"field": "a", "type": "nominal"}, "y": {"field": "b", "type": "quantitative"}}}


def _read(stream, n: int) -> bytes | None:
    data = stream.read(n)
    return data if data is not None and len(data) == n else None


def _frame(stream) -> bytes | None:
    head = _read(stream, 4)
    if head is None:
        return None
    return _read(stream, struct.unpack(">I", head)[0])


def serve() -> None:
    requests = sys.stdin.buffer
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever else prints goes to stderr, never into the answers
    import vl_convert as vlc

    vlc.vegalite_to_svg(_WARM_UP)
    vlc.vegalite_to_png(_WARM_UP, scale=1)
    answers.write(b"R")
    answers.flush()
    while True:
        header = _frame(requests)
        spec = _frame(requests) if header is not None else None
        if spec is None:
            return
        try:
            ask = json.loads(header)
            options = ask.get("options") or {}
            if ask["kind"] == "png":
                data, status = vlc.vegalite_to_png(spec.decode("utf-8"), scale=ask["scale"], **options), b"o"
            else:
                data, status = vlc.vegalite_to_svg(spec.decode("utf-8"), **options).encode("utf-8"), b"o"
        except Exception as exc:  # noqa: BLE001 - every refusal becomes an answer
            data, status = f"{type(exc).__name__}: {exc}"[:500].encode("utf-8", "replace"), b"e"
        answers.write(status + struct.pack(">I", len(data)) + data)
        answers.flush()


if __name__ == "__main__":
    serve()
