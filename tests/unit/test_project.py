"""Project rules that CI can check: the README's commands are the ones CI runs, the layout stays as designed."""

import ast
import re
import sys

from tests.conftest import ROOT


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", section)


def test_readme_has_exactly_two_commands_and_ci_runs_the_test_one():
    commands = readme_commands()
    assert len(commands) == 2
    assert "streamlit run app.py" in commands[0]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci.splitlines()


def test_deployment_safety_settings():
    import subprocess
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["enableXsrfProtection"] is True
    assert 0 < config["server"]["maxUploadSize"] <= 1024
    assert config["browser"]["gatherUsageStats"] is False
    assert config["client"]["toolbarMode"] == "viewer"  # no "Deploy" button nor developer menu for viewers
    # Streamlit ≥ 1.54: earlier versions have published security advisories
    pin = re.search(r"^streamlit>=(\d+)\.(\d+)", (ROOT / "requirements.txt").read_text(), re.M)
    assert pin and (int(pin[1]), int(pin[2])) >= (1, 54)
    # no secrets in the repository: the secrets file is ignored and no tracked file holds one
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert ".streamlit/secrets.toml" not in tracked.splitlines()
    assert ".streamlit/secrets.toml" in (ROOT / ".gitignore").read_text().splitlines()


def test_no_legacy_pages_folder():
    # A top-level pages/ folder switches Streamlit to its legacy multipage mode (deep links skip app.py).
    assert not (ROOT / "pages").exists()


def test_only_the_ui_layer_imports_streamlit():
    offenders = [
        str(p.relative_to(ROOT))
        for folder in ("analytics", "data_model", "loaders", "charts")
        for p in (ROOT / folder).rglob("*.py")
        if re.search(r"^\s*(import|from)\s+streamlit", p.read_text(encoding="utf-8"), re.M)
    ]
    assert offenders == []


def imports(folder: str) -> list[tuple[str, str, bool]]:
    """``(file, module, inside a function)`` for every import of every file under ``folder``, top-level or inside a
    function or method (a lazy import counts too); ``from x import y`` names ``x``, a relative import its package."""
    found = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}

        def in_function(node, parents=parents) -> bool:
            while node in parents:
                node = parents[node]
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                    return True
            return False

        name = path.relative_to(ROOT).as_posix()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [(name, alias.name, in_function(node)) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                found.append((name, node.module if not node.level else folder, in_function(node)))
    assert found, folder  # the scan sees the files
    return found


def offenders(folder: str, forbidden: set[str], exempt=lambda file, module, lazy: False) -> list[tuple[str, str]]:
    return [(file, module) for file, module, lazy in imports(folder)
            if module.split(".")[0] in forbidden and not exempt(file, module, lazy)]


def test_charts_import_no_analytics_story_ui_loaders_or_streamlit():
    """The chart layer takes frames and texts: it reads no query, no story, no page (``MIN_N`` comes from
    ``data_model.thresholds``)."""
    assert offenders("charts", {"analytics", "story", "ui", "loaders", "streamlit", "app_pages"}) == []


def test_analytics_imports_no_charts_story_ui_or_streamlit():
    """The metrics know nothing of their presentation; the one exception is ``python -m analytics deck``, an alias
    of ``python -m story deck`` for schedulers, which imports ``story.deck`` inside its function only."""

    def alias(file, module, lazy):
        return file == "analytics/__main__.py" and module == "story.deck" and lazy

    assert offenders("analytics", {"charts", "story", "ui", "streamlit", "app_pages"}, alias) == []


def test_story_imports_no_ui_streamlit_or_pages():
    """The story and the deck run from the command line too: ``analytics``, ``charts`` and ``i18n``, never the app."""
    assert offenders("story", {"ui", "streamlit", "app_pages"}) == []


def test_pages_import_only_ui_charts_i18n_story_streamlit_and_pandas():
    """A page is a thin script: data, constants and loaders' messages come through ``ui``."""
    allowed = {"ui", "charts", "i18n", "story", "streamlit", "pandas"} | set(sys.stdlib_module_names)
    found = [(file, module) for file, module, _ in imports("app_pages") if module.split(".")[0] not in allowed]
    assert found == []


def test_lint_is_clean():
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "ruff", "check", str(ROOT)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_readme_lists_the_accepted_columns_as_the_importer_knows_them():
    from loaders.columns import columns_markdown

    assert columns_markdown() in (ROOT / "README.md").read_text(encoding="utf-8")
