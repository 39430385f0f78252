"""Cases brought in from an earlier register (spreadsheets, another tool), marked as imported."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from vigilance.models.types import UTCDateTime


class ReportImport(SQLModel, table=True):
    """The mark of a report that was imported, not filed here: a row per imported report.

    A table of its own rather than a column of ``reports``: the reports' rows and their seals stay
    as every earlier release wrote them, and the mark says more than a flag (when, by whom, from
    which file and line).
    """

    __tablename__ = "report_imports"

    report_id: int = Field(foreign_key="reports.id", primary_key=True, sa_column_kwargs={"autoincrement": False})
    imported_at: datetime = Field(sa_type=UTCDateTime)
    #: The administrator who confirmed the import; None from the command line.
    imported_by: int | None = Field(default=None, foreign_key="users.id")
    #: SHA-256 of the file imported, as its audit event names it.
    file_sha256: str = Field(max_length=64, index=True)
    #: Where the case was in that file (line of a CSV, position of a JSON object, from 1).
    line: int

    def __repr__(self) -> str:
        return f"<ReportImport report={self.report_id} line={self.line}>"
