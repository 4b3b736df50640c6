"""The app under ``streamlit.testing.v1.AppTest``, as tests/app runs it. Imported only by
``python -m bench.child app …`` (the only place in bench/ that imports streamlit)."""

import os
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["app_pages/overview.py", "app_pages/journey_map.py", "app_pages/irritants.py", "app_pages/voice.py",
         "app_pages/funnel.py", "app_pages/channels.py", "app_pages/satisfaction.py", "app_pages/variants.py",
         "app_pages/data.py"]


def _timed_run(at) -> float:
    t = time.perf_counter()
    at.run()
    return time.perf_counter() - t


def _errors(at, where: str) -> list[str]:
    return [f"{where}: {str(getattr(e, 'value', e))[:300]}" for e in at.exception]


def run_app(args: dict) -> dict:
    """Visit every page unfiltered (cold: first visit; warm: the same run again), then every page with a
    filter set no earlier run used (one persona per page + two channels + a 3-month window), cold and warm; then
    the presentation's views."""
    os.environ["PARCOURS_DB_URL"] = args["url"]
    os.chdir(ROOT)
    t = time.perf_counter()
    import streamlit as st
    from streamlit.testing.v1 import AppTest
    t_imports = time.perf_counter() - t
    st.cache_resource.clear()
    st.cache_data.clear()

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=args.get("timeout", 600))
    errors: list[str] = []
    pages: dict[str, dict] = {p: {} for p in PAGES}
    t_start = _timed_run(at)  # the app's first run: the default page (overview), unfiltered
    errors += _errors(at, "start")
    for p in PAGES:
        at.switch_page(p)
        cold = _timed_run(at)
        pages[p]["cold"] = t_start if p == PAGES[0] else cold
        errors += _errors(at, f"{p} cold")
        pages[p]["warm"] = _timed_run(at)

    spec = args["filters"]
    personas = spec["personas_pool"]
    for i, p in enumerate(PAGES):
        at.switch_page(p).run()  # same (unfiltered) filters as before: cached
        at.multiselect(key="persona").set_value([personas[i % len(personas)]])
        at.multiselect(key="channel").set_value(list(spec["channels"]))
        at.date_input(key="period").set_value((date.fromisoformat(spec["start"]), date.fromisoformat(spec["end"])))
        pages[p]["cold_filtered"] = _timed_run(at)
        errors += _errors(at, f"{p} cold filtered")
        pages[p]["warm_filtered"] = _timed_run(at)
        pages[p]["persona"] = personas[i % len(personas)]
        # back to no filter for the next page, so that each page's filtered run is its own first
        at.multiselect(key="persona").set_value([])
        at.multiselect(key="channel").set_value([])
        at.date_input(key="period").set_value(())
        at.run()
    presentation = _present(at, personas[len(PAGES) % len(personas)], errors)
    st.cache_resource.clear()
    return {"t_imports": t_imports, "t_app_start": t_start, "pages": pages, "presentation": presentation,
            "errors": errors[:20], "n_errors": len(errors)}


def _present(at, persona: str, errors: list[str]) -> dict:
    """Presentation mode: the seven views after browsing the pages unfiltered (a presenter who looked around
    first), then again for a persona no run used yet (the presenter picks one and starts: every view cold)."""
    from story import STORY

    out = {"views": list(STORY), "unfiltered": [], "persona": persona, "filtered": []}
    at.switch_page(PAGES[0]).run()
    for key, label in (("unfiltered", None), ("filtered", persona)):
        at.toggle(key="present").set_value(False).run()
        at.multiselect(key="persona").set_value([label] if label else [])
        at.toggle(key="present").set_value(True)
        at.query_params["view"] = "1"
        for i in range(len(STORY)):
            out[key].append(_timed_run(at))
            errors += _errors(at, f"presentation {key} view {i + 1}")
            at.query_params["view"] = str(i + 2)
    return out
