"""Audit the locked dependencies offline: which pinned versions of requirements.lock (or requirements-dev.lock) an
advisory of the OSV database names as affected.

The machine that runs Parcours often has no internet. Fetch the PyPI advisories once on a machine that has it
(``https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip``, one OSV JSON file per advisory, the
database behind pip-audit and GitHub's advisories), carry the zip over, and run::

    python scripts/audit_lock.py --osv all.zip requirements.lock requirements-dev.lock

It prints one line per affected pin (package, version, advisory, fixed versions) and exits 1 when there is any,
0 when none, 2 when a file cannot be read.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


@dataclass(frozen=True)
class Finding:
    package: str
    version: str
    advisory: str
    fixed: tuple[str, ...]

    def line(self) -> str:
        fixed = ", ".join(self.fixed) or "no fixed version"
        return f"{self.package}=={self.version}: {self.advisory} (fixed in {fixed})"


def pins(lock: Path) -> dict[str, str]:
    """``name -> version`` of a pip/uv lock file (``name==version \\`` lines)."""
    found = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line.strip())
        if match:
            found[canonicalize_name(match.group(1))] = match.group(2)
    return found


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _in_range(version: Version, events: list[dict]) -> bool:
    """OSV's ECOSYSTEM range: sorted events, affected from each ``introduced`` up to the next ``fixed`` (excluded)
    or ``last_affected`` (included)."""
    affected = False
    for event in events:
        if "introduced" in event:
            start = event["introduced"]
            if start == "0" or ((v := _version(start)) is not None and version >= v):
                affected = True
        elif "fixed" in event and (v := _version(event["fixed"])) is not None and version >= v:
            affected = False
        elif "last_affected" in event and (v := _version(event["last_affected"])) is not None and version > v:
            affected = False
    return affected


def affected(advisory: dict, package: str, version: str) -> tuple[bool, tuple[str, ...]]:
    """Whether ``package==version`` is affected by one OSV advisory, and the versions that fix it."""
    parsed = _version(version)
    hit, fixed = False, []
    for entry in advisory.get("affected", []):
        pkg = entry.get("package", {})
        if pkg.get("ecosystem") != "PyPI" or canonicalize_name(pkg.get("name", "")) != package:
            continue
        if version in entry.get("versions", []):
            hit = True
        for rng in entry.get("ranges", []):
            events = rng.get("events", [])
            fixed += [e["fixed"] for e in events if "fixed" in e]
            if rng.get("type") == "ECOSYSTEM" and parsed is not None and _in_range(parsed, events):
                hit = True
    return hit, tuple(dict.fromkeys(fixed))


def audit(osv_zip: Path, locks: list[Path]) -> list[Finding]:
    pinned: dict[str, str] = {}
    for lock in locks:
        pinned.update(pins(lock))
    findings = []
    with zipfile.ZipFile(osv_zip) as archive:
        for name in archive.namelist():
            if not name.endswith(".json"):
                continue
            advisory = json.loads(archive.read(name))
            if advisory.get("withdrawn"):
                continue
            for package, version in pinned.items():
                hit, fixed = affected(advisory, package, version)
                if hit:
                    findings.append(Finding(package, version, advisory.get("id", name), fixed))
    return sorted(set(findings), key=lambda f: (f.package, f.advisory))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python scripts/audit_lock.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--osv", required=True, type=Path, help="the OSV PyPI database as a zip (all.zip)")
    parser.add_argument("locks", nargs="+", type=Path, help="lock files (requirements.lock …)")
    args = parser.parse_args(argv)
    try:
        findings = audit(args.osv, args.locks)
    except (OSError, zipfile.BadZipFile, json.JSONDecodeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for finding in findings:
        print(finding.line())
    count = len({(f.package, f.version) for f in findings})
    print(f"{count} affected pin(s)" if findings else "no known advisory affects the locked versions")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
