"""One table of a ``rlgrid bench`` report: a title, its column names and its rows of text, and
its Markdown for ``bench.md``. The CLI prints it; every part of the bench builds its own."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    """One table: a title, its column names and its rows of text (the first column a name)."""

    title: str
    columns: list[str]
    rows: list[list[str]]

    def markdown(self) -> str:
        lines = [f"### {self.title}", "", "| " + " | ".join(self.columns) + " |"]
        lines.append("|" + "---|" * len(self.columns))
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return "\n".join(lines) + "\n"
