"""The sheet parser compiled to C with mypyc, and the guard that only ever loads a build made from
the current sources.

    python -m pipelines.native      # what `make setup` runs; needs gcc and the Python headers

Parsing is pure Python with no dominant hot spot: a sheet costs a few thousand small operations
(one regex, one `Coded`, one dictionary look-up at a time). mypyc compiles the same, type-checked
source to a C extension that makes those operations cheaper; the code and its results do not
change (tests/test_native.py compares the two on every sheet we have).

The extensions are built into `.build/mypyc/`, not beside the sources, and are put on the
package's search path only when the digest of the sources they were built from equals the digest
of the sources on disk. An edited `.py` therefore always runs as written, compiled or not, and a
machine without a compiler runs the pure-Python parser. `ATOP_PURE_PYTHON=1` forces it.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import sys
import sysconfig
import tempfile
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHEETS = ROOT / "pipelines" / "sheets"
BUILD_ROOT = ROOT / ".build" / "mypyc"
DIGEST_FILE = "SOURCE_DIGEST"
# every module on the per-sheet path; `agreement` (pandas, once per run) and the package's
# `__init__` (which loads the build) stay Python
MODULES = ("code", "dates", "errors", "evidence", "member_rules", "members", "questions", "read",
           "record", "split", "text")


def source_digest() -> str:
    """What a build is valid for: the compiled sources, the interpreter's ABI and mypy's version."""
    digest = hashlib.sha256()
    digest.update(str(sysconfig.get_config_var("EXT_SUFFIX")).encode())
    digest.update(_mypy_version().encode())
    for module in MODULES:
        digest.update(module.encode() + b"\0" + (SHEETS / f"{module}.py").read_bytes() + b"\0")
    return digest.hexdigest()


def _mypy_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("mypy")
    except metadata.PackageNotFoundError:
        return "none"


def activate(package_path: list[str]) -> bool:
    """Put the compiled modules first on `pipelines.sheets`' search path when they were built from
    the sources on disk; True when they will be used."""
    if os.environ.get("ATOP_PURE_PYTHON") == "1":
        return False
    try:
        built_from = (BUILD_ROOT / DIGEST_FILE).read_text().strip()
    except OSError:
        return False  # never built (no compiler, or a fresh checkout before `make setup`)
    if built_from != source_digest():
        warnings.warn("the compiled sheet parser is older than its sources and is not used; "
                      "`make setup` rebuilds it", RuntimeWarning, stacklevel=2)
        return False
    if str(BUILD_ROOT) not in sys.path:
        sys.path.append(str(BUILD_ROOT))  # mypyc's shared support module sits at the build root
    package_path.insert(0, str(BUILD_ROOT / "pipelines" / "sheets"))
    return True


def build() -> Path:
    """Compile MODULES into BUILD_ROOT. The new build replaces the old one only once complete, so
    an interrupted build leaves the previous one (or none) in place."""
    from mypyc.build import mypycify
    from setuptools import Distribution
    from setuptools.command.build_ext import build_ext

    digest = source_digest()
    BUILD_ROOT.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="mypyc-", dir=BUILD_ROOT.parent))
    previous_cwd = os.getcwd()
    try:
        os.chdir(ROOT)  # mypy names modules from paths relative to the project
        extensions = mypycify(["--ignore-missing-imports", "--follow-imports=silent"]
                              + [f"pipelines/sheets/{module}.py" for module in MODULES],
                              opt_level="3", target_dir=str(work / "c"))
        command = build_ext(Distribution({"name": "atop-sheet-parser", "ext_modules": extensions}))
        command.build_lib = str(work / "lib")
        command.build_temp = str(work / "temp")
        command.ensure_finalized()
        command.run()
        (work / "lib" / DIGEST_FILE).write_text(digest + "\n")
        if BUILD_ROOT.exists():
            shutil.rmtree(BUILD_ROOT)
        (work / "lib").rename(BUILD_ROOT)
    finally:
        os.chdir(previous_cwd)
        shutil.rmtree(work, ignore_errors=True)
    return BUILD_ROOT


if __name__ == "__main__":
    print(f"compiled the sheet parser into {build().relative_to(ROOT)}")
