"""``vigilance audit verify``: everything the audit key lets the service prove, in one pass.

- the chains: every event's keyed link (an event altered, removed, reordered or rewritten with
  the chain hashed again without the key), each chain's head;
- the checkpoints: each file's signature, and each chain against every checkpoint (truncated,
  emptied, rolled back);
- the seals: every row of reports, queue items, assessments, declarations and deadlines against
  its seal (a field changed, a row deleted or inserted, a seal edited), by table, row and field.
"""

from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session

from vigilance import audit, audit_checkpoints, audit_seals


@dataclass
class Report:
    events: int = 0
    checkpoints: int = 0
    findings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


def verify(session: Session, *, checkpoint_dir: Path) -> Report:
    report = Report()
    checkpoints, report.findings = audit_checkpoints.read_all(checkpoint_dir)
    report.checkpoints = len(checkpoints)
    chains = audit.verify(session, positions=audit_checkpoints.positions(checkpoints))
    report.events = chains.checked
    report.findings.extend(chains.findings)
    report.findings.extend(audit_checkpoints.compare(checkpoints, chains.lengths or {}, chains.hashes_at or {}))
    report.findings.extend(str(finding) for finding in audit_seals.verify(session))
    return report
