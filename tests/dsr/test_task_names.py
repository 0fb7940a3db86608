"""Services hand work to the worker by task name (dsr/broker.py), so a misspelt name would
only show as a message no worker takes. Every name given to `broker.enqueue` in the code is
read from the source and must be a task the Celery app knows."""

from __future__ import annotations

import ast
from pathlib import Path

import dsr.tasks  # noqa: F401  (registers the tasks with the app)
from config.celery import app

ROOT = Path(__file__).resolve().parents[2]


def _enqueue_calls() -> list[tuple[str, int, ast.expr | None]]:
    calls = []
    for package in ("dsr", "accounts", "config"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "enqueue"
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "broker"
                ):
                    where = f"{path.relative_to(ROOT)}:{node.lineno}"
                    calls.append((where, node.lineno, node.args[0] if node.args else None))
    return calls


def test_every_enqueued_task_name_is_a_registered_task():
    calls = _enqueue_calls()
    assert len(calls) >= 8  # the reader found the call sites (e-mail, letters, steps, ...)
    for where, _line, first in calls:
        assert isinstance(first, ast.Constant) and isinstance(first.value, str), (
            f"{where}: broker.enqueue takes the task's name as a string literal"
        )
        assert first.value in app.tasks, f"{where}: no task named {first.value!r}"


def test_the_names_are_the_tasks_module_functions():
    names = {name for name in app.tasks if name.startswith("dsr.")}
    assert names and all(name.startswith("dsr.tasks.") for name in names)
    assert "dsr.tasks.letter_render" in names and "dsr.tasks.job_step_run" in names
