"""The typed log of an eval run: one record per case, the metrics, and the Markdown rendered from them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field


class CaseRecord(BaseModel):
    """What the grader did with one case."""

    case_id: str
    question_id: str
    round: str
    kind: str
    heldout: bool
    gold_score: float
    predicted_score: float
    gold_points: dict[str, float] | None = None
    predicted_points: dict[str, float] = Field(default_factory=dict)
    contradicted: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


class RunLog(BaseModel):
    """An eval run: which set, which grader, every record, the metrics computed from them, and the report."""

    name: str
    set: str
    grader: str
    created_at: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    records: list[CaseRecord] = Field(default_factory=list)
    metrics: dict[str, Any] = Field(default_factory=dict)
    markdown: list[str] = Field(default_factory=list)

    def save(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        data = self.model_dump(mode="json", exclude={"markdown"})
        (folder / "results.json").write_text(json.dumps(data, indent=2, default=_plain), encoding="utf-8")
        (folder / "report.md").write_text("\n".join(self.markdown) + "\n", encoding="utf-8")
        return folder


def _plain(value: Any) -> Any:
    if hasattr(value, "as_dict"):
        return value.as_dict()
    if hasattr(value, "item"):
        return value.item()
    return str(value)
