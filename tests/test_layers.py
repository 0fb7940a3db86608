"""DESIGN.md's "Dependencies run one way", held by the import graph (function-level imports
included): the import-linter contracts in pyproject.toml, every module placed in a layer,
and no import cycle anywhere in dsr/, accounts/ or config/. So `make test` fails on an
upward import even when it runs only some tests."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("dsr", "accounts", "config")


def _graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, cache_dir=None)


def _modules() -> set[str]:
    return {m for m in _graph().modules if ".migrations" not in m and m not in PACKAGES}


def test_the_import_contracts_hold():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_module_is_in_a_layer():
    """A new module must be given its place in pyproject.toml's layers, or no contract sees it."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    (layers,) = [
        contract["layers"]
        for contract in config["tool"]["importlinter"]["contracts"]
        if contract["type"] == "layers"
    ]
    placed = {
        name.strip().strip("()")
        for layer in layers
        for name in layer.replace("|", ":").split(":")
        if name.strip()
    }
    containers = {"dsr.letters", "dsr.fulfilment"}  # their modules are placed one by one
    unplaced = sorted(
        module
        for module in _modules()
        if module not in containers
        and not any(module == name or module.startswith(name + ".") for name in placed)
    )
    assert unplaced == []


def test_no_import_cycle_between_modules():
    graph = _graph()
    modules = sorted(_modules())
    edges = {m: graph.find_modules_directly_imported_by(m) & set(modules) for m in modules}
    # Tarjan's strongly connected components, iteratively.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    cycles: list[list[str]] = []
    for root in modules:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    assert cycles == []
