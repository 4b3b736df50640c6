"""Project rules that CI can check: the README's commands are the ones CI runs, the layout stays as designed."""

import re

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


def test_lint_is_clean():
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "ruff", "check", str(ROOT)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_readme_lists_the_accepted_columns_as_the_importer_knows_them():
    from loaders.columns import columns_markdown

    assert columns_markdown() in (ROOT / "README.md").read_text(encoding="utf-8")
