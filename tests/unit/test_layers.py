"""The layer order is checked: `lint-imports` keeps the contracts in pyproject.toml, and fails
when a module imports against them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_every_module_imports_along_the_layer_order() -> None:
    result = lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_import_against_the_order_breaks_a_contract(tmp_path: Path) -> None:
    # The same check with the layers turned upside down: today's imports must then break it.
    config = tmp_path / "upside-down.toml"
    config.write_text(
        "[tool.importlinter]\n"
        'root_package = "callscope"\n'
        "[[tool.importlinter.contracts]]\n"
        'name = "domain above services"\n'
        'type = "layers"\n'
        'layers = ["callscope.domain", "callscope.services"]\n'
    )
    result = lint_imports(str(config))
    assert result.returncode == 1
    assert "callscope.services" in result.stdout and "BROKEN" in result.stdout
