"""The locked dependencies: what the README and CI install is exact and hash-checked, it honours the floors of
requirements.txt (set above known advisories), and the offline audit finds what an advisory names."""

import json
import re
import sys
import zipfile

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import audit_lock  # noqa: E402

LOCKS = {"requirements.txt": "requirements.lock", "requirements-dev.txt": "requirements-dev.lock"}


def _requirements(path):
    """The requirements of a requirements file, following ``-r`` includes."""
    out = []
    for line in (ROOT / path).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            out += _requirements(line[3:].strip())
        elif line:
            out.append(Requirement(line))
    return out


@pytest.mark.parametrize("source", LOCKS)
def test_every_requirement_is_locked_within_its_floor_and_hashed(source):
    lock = ROOT / LOCKS[source]
    pinned = audit_lock.pins(lock)
    for req in _requirements(source):
        name = canonicalize_name(req.name)
        assert name in pinned, f"{req.name} is not in {lock.name}: regenerate it (README, Dependencies)"
        assert req.specifier.contains(pinned[name], prereleases=True), f"{lock.name} pins {name}=={pinned[name]}, " \
            f"below the floor {req}"
    # every pin carries hashes: pip --require-hashes refuses anything else
    blocks = re.split(r"\n(?=[A-Za-z0-9])", lock.read_text(encoding="utf-8"))
    for block in blocks:
        if "==" in block.split("\n", 1)[0]:
            assert "--hash=sha256:" in block, block.split("\n", 1)[0]


def test_the_runtime_lock_is_the_dev_lock_for_what_they_share():
    runtime, dev = audit_lock.pins(ROOT / "requirements.lock"), audit_lock.pins(ROOT / "requirements-dev.lock")
    assert {k: dev.get(k) for k in runtime} == runtime


def test_floors_sit_above_the_advisories_named_by_the_issue():
    floors = {canonicalize_name(r.name): r.specifier for r in _requirements("requirements.txt")}
    # the last vulnerable version of each (an advisory fixed after it): the floor must exclude it
    last_vulnerable = {"authlib": "1.6.5", "pyarrow": "14.0.0", "openpyxl": "2.4.1", "streamlit": "1.43.1",
                       "starlette": "0.49.0", "python-multipart": "0.0.17", "h11": "0.15.0"}
    for name, version in last_vulnerable.items():
        assert not floors[name].contains(version), f"{name}{floors[name]} still admits {version}"
    assert "vl-convert-python" in floors  # no advisory known; pinned by the lock


def test_the_readme_and_ci_install_the_locks_with_hashes():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pip install --require-hashes -r requirements.lock" in readme
    setup = (ROOT / "scripts" / "setup-tests.sh").read_text(encoding="utf-8")
    assert "--require-hashes -r requirements-dev.lock" in setup


def _osv(tmp_path, advisories):
    path = tmp_path / "all.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for advisory in advisories:
            archive.writestr(f"{advisory['id']}.json", json.dumps(advisory))
    return path


def _advisory(id, name, events=None, versions=(), withdrawn=None):
    entry = {"package": {"ecosystem": "PyPI", "name": name}, "versions": list(versions)}
    if events:
        entry["ranges"] = [{"type": "ECOSYSTEM", "events": events}]
    out = {"id": id, "affected": [entry]}
    if withdrawn:
        out["withdrawn"] = withdrawn
    return out


def test_offline_audit_names_affected_pins_only(tmp_path, capsys):
    lock = tmp_path / "requirements.lock"
    lock.write_text("Authlib==1.6.5 \\\n    --hash=sha256:00\nstreamlit==1.67.0 \\\n    --hash=sha256:11\n"
                    "openpyxl==3.1.5 \\\n    --hash=sha256:22\n")
    osv = _osv(tmp_path, [
        _advisory("GHSA-auth", "authlib", [{"introduced": "0"}, {"fixed": "1.6.6"}]),       # affects 1.6.5
        _advisory("GHSA-old", "Streamlit", [{"introduced": "0"}, {"fixed": "1.43.2"}]),     # fixed long before
        _advisory("GHSA-last", "openpyxl", [{"introduced": "3.0"}, {"last_affected": "3.1.5"}]),  # 3.1.5 included
        _advisory("GHSA-list", "streamlit", versions=["1.66.0"]),                            # another version
        _advisory("GHSA-gone", "streamlit", [{"introduced": "0"}], withdrawn="2026-01-01"),   # withdrawn
        _advisory("GHSA-npm", "authlib", [{"introduced": "0"}]) | {"affected": [
            {"package": {"ecosystem": "npm", "name": "authlib"}, "ranges": [
                {"type": "SEMVER", "events": [{"introduced": "0"}]}]}]},                        # other ecosystem
    ])
    assert audit_lock.main(["--osv", str(osv), str(lock)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == ["authlib==1.6.5: GHSA-auth (fixed in 1.6.6)",
                   "openpyxl==3.1.5: GHSA-last (fixed in no fixed version)", "2 affected pin(s)"]


def test_offline_audit_of_the_real_locks_with_the_known_advisories_is_clean(tmp_path, capsys):
    osv = _osv(tmp_path, [
        _advisory("CVE-2025-62706", "authlib", [{"introduced": "0"}, {"fixed": "1.6.5"}]),
        _advisory("CVE-2023-47248", "pyarrow", [{"introduced": "0.14.0"}, {"fixed": "14.0.1"}]),
        _advisory("CVE-2025-62727", "starlette", [{"introduced": "0.39.0"}, {"fixed": "0.49.1"}]),
    ])
    code = audit_lock.main(["--osv", str(osv), str(ROOT / "requirements.lock"), str(ROOT / "requirements-dev.lock")])
    assert (code, capsys.readouterr().out.strip()) == (0, "no known advisory affects the locked versions")
    assert audit_lock.main(["--osv", str(tmp_path / "missing.zip"), str(ROOT / "requirements.lock")]) == 2
