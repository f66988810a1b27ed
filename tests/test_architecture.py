"""The rooms of docs/ARCHITECTURE.md hold: imports run one way, top to bottom.

Read from the source (``ast``), so a new upward import fails here before anyone has to find it
in a review; and checked in a fresh interpreter, so the worker's whole import graph is measured,
not guessed.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from core.settings import ROOT

# top -> bottom; a room may import only rooms below it (and itself)
ROOMS = ("app", "callbacks", "layouts", "web", "api", "demo", "runner", "streams", "city", "core")
SOURCE = [p for room in ROOMS for p in ([ROOT / "app.py"] if room == "app" else sorted((ROOT / room).rglob("*.py")))]


def _room(module: str) -> str | None:
    top = module.split(".")[0]
    return top if top in ROOMS else None


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def test_every_room_exists_with_a_docstring_that_states_its_rule() -> None:
    for room in ROOMS[1:]:
        init = ROOT / room / "__init__.py"
        assert init.exists(), f"{room}/ is a room of docs/ARCHITECTURE.md and needs an __init__.py"
        assert ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))), f"{init}: say what the room holds"


def test_imports_run_downward_only() -> None:
    upward = []
    for path in SOURCE:
        mine = "app" if path.name == "app.py" and path.parent == ROOT else path.relative_to(ROOT).parts[0]
        for line, module in _imports(path):
            theirs = _room(module)
            if theirs is not None and ROOMS.index(theirs) < ROOMS.index(mine):
                upward.append(f"{path.relative_to(ROOT)}:{line} ({mine}) imports {module} ({theirs})")
    assert upward == [], "imports that run upward:\n" + "\n".join(upward)


def test_the_http_api_loads_no_screen() -> None:
    bad = [f"{p.relative_to(ROOT)}:{line} {m}" for p in (ROOT / "api").rglob("*.py") for line, m in _imports(p)
           if m.split(".")[0] in {"dash", "dash_leaflet", "layouts", "callbacks", "web"}]
    assert bad == []


@pytest.mark.parametrize("entry", ["streams.worker", "streams.pipeline"])
def test_the_worker_graph_loads_no_web_framework_and_no_demo(entry: str) -> None:
    probe = (f"import sys, {entry}; "
             "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    loaded = set(out.stdout.split())
    assert "streams" in loaded  # the probe really imported the worker
    assert loaded & {"dash", "flask", "flask_socketio", "socketio", "engineio", "dash_leaflet", "plotly",
                     "demo", "web", "api", "layouts", "callbacks", "runner"} == set()


def test_no_module_reads_the_environment_but_settings() -> None:
    readers = [str(p.relative_to(ROOT)) for p in SOURCE
               if re.search(r"os\.environ|os\.getenv", p.read_text(encoding="utf-8"))]
    # the supervisor passes the environment on to the processes it starts; it reads no setting from it
    assert sorted(readers) == ["core/settings.py", "runner/supervisor.py"]


def test_every_docstring_example_runs_something() -> None:
    """``pytest --doctest-modules`` runs the examples; an example that is only a comment or is
    skipped would look like documentation that is checked and is not."""
    empty = []
    for path in SOURCE:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.match(r"\s*>>> #", line) or "doctest: +SKIP" in line:
                empty.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert empty == []
