"""What an analysis found, row by row (kept as JSON between the preview and the write)."""

from __future__ import annotations

from dataclasses import dataclass, field

from civic.core.text import clean_line
from civic.invitations.models import RowAction


@dataclass
class RowResult:
    row: int
    action: RowAction
    values: dict = field(default_factory=dict)
    reason: str = ""
    contact_id: int | None = None
    changes: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.action = RowAction(self.action)  # read back from the job's JSON as text

    @property
    def full_name(self) -> str:
        v = self.values
        return clean_line(" ".join(x for x in (v.get("family_name"), v.get("middle_name"), v.get("given_name")) if x))

    def as_dict(self) -> dict:
        return {"row": self.row, "action": self.action, "values": self.values, "reason": self.reason,
                "contact_id": self.contact_id, "changes": self.changes}


@dataclass
class ImportReport:
    header_row: int
    headers: list[str]
    mapping: dict[int, str]
    rows: list[RowResult]
    written: bool = False

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def rejected(self) -> list[RowResult]:
        return [r for r in self.rows if r.action == RowAction.REJECT]

    def summary(self) -> dict:
        return {
            "created": self.count(RowAction.CREATE),
            "updated": self.count(RowAction.UPDATE),
            "unchanged": self.count(RowAction.UNCHANGED),
            "rejected": [{"row": r.row, "reason": r.reason} for r in self.rejected],
            "header_row": self.header_row,
            "mapping": {str(k): v for k, v in self.mapping.items()},
            "written": self.written,
        }

    def as_dict(self) -> dict:
        return {"header_row": self.header_row, "headers": self.headers,
                "mapping": {str(k): v for k, v in self.mapping.items()},
                "rows": [r.as_dict() for r in self.rows], "written": self.written}

    @classmethod
    def from_dict(cls, data: dict) -> ImportReport:
        return cls(header_row=data["header_row"], headers=data["headers"],
                   mapping={int(k): v for k, v in data["mapping"].items()},
                   rows=[RowResult(**r) for r in data["rows"]], written=data.get("written", False))

