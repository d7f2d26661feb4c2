"""The house rules, read from the code's own imports: the flow goes one way, each library stays
in its room, and no source file grows past what one reader can hold."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "pdm_metrics"
MAX_LINES = 500


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function (relative imports resolved)."""
    found: set[str] = set()
    package = module_name(path).rsplit(".", 1)[0] if path.name != "__init__.py" else module_name(path)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package.split(".")[: len(package.split(".")) - node.level + 1], base]).strip(".")
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def core_files() -> list[Path]:
    return sorted(CORE.rglob("*.py"))


def test_the_core_never_imports_streamlit() -> None:
    offenders = [f for f in core_files() if any(m.split(".")[0] == "streamlit" for m in imported_modules(f))]
    assert offenders == []


def test_duckdb_is_imported_only_in_the_store_and_the_checks() -> None:
    allowed = (CORE / "store", CORE / "checks")
    offenders = [
        f
        for f in core_files()
        if "duckdb" in {m.split(".")[0] for m in imported_modules(f)} and not f.is_relative_to(allowed[0])
        if not f.is_relative_to(allowed[1])
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("room", "never"),
    [
        ("reading", ("pdm_metrics.store", "pdm_metrics.checks", "pdm_metrics.views", "pdm_metrics.roster")),
        ("checks", ("pdm_metrics.reading", "pdm_metrics.views", "pdm_metrics.roster")),
        ("store", ("pdm_metrics.checks", "pdm_metrics.reading", "pdm_metrics.views", "pdm_metrics.roster")),
    ],
)
def test_the_flow_never_imports_back_up(room: str, never: tuple[str, ...]) -> None:
    """file -> cells (reading) -> checked rows (checks) -> stored rows (store): a room never
    imports a room that comes after it, and reading knows nothing of the store."""
    offenders = {
        str(f.relative_to(ROOT)): sorted(m for m in imported_modules(f) if m.startswith(never))
        for f in (CORE / room).rglob("*.py")
    }
    assert {f: m for f, m in offenders.items() if m} == {}


def test_no_import_cycle_inside_the_core() -> None:
    names = {module_name(f): f for f in core_files()}
    edges = {
        name: {m for m in imported_modules(path) if m in names and m != name and not name.startswith(f"{m}.")}
        for name, path in names.items()
    }
    done: set[str] = set()

    def visit(name: str, trail: tuple[str, ...]) -> None:
        assert name not in trail, f"import cycle: {' -> '.join((*trail, name))}"
        if name in done:
            return
        for target in edges[name]:
            visit(target, (*trail, name))
        done.add(name)

    for name in names:
        visit(name, ())


def test_no_source_file_is_longer_than_one_reader_can_hold() -> None:
    sources = [*core_files(), *(ROOT / "ui").glob("*.py"), *(ROOT / "app_pages").glob("*.py"), ROOT / "app.py"]
    long_files = {str(f.relative_to(ROOT)): n for f in sources if (n := len(f.read_text().splitlines())) > MAX_LINES}
    assert long_files == {}
