"""Every table model, imported here so that ``SQLModel.metadata`` is complete for Alembic and tests."""

from sqlmodel import SQLModel

# Deterministic constraint names, so that migrations can name what they alter on every database.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = SQLModel.metadata

from vigilance.models.alerts import Alert, AlertEmailChoice  # noqa: E402
from vigilance.models.attachments import Attachment  # noqa: E402
from vigilance.models.audit import AuditCheckpoint, AuditEvent, AuditHead, AuditPending, AuditSeal  # noqa: E402
from vigilance.models.case_files import CaseFileRecord  # noqa: E402
from vigilance.models.clocks import Timer  # noqa: E402
from vigilance.models.documents import GeneratedDocument  # noqa: E402
from vigilance.models.drafts import ReportDraft  # noqa: E402
from vigilance.models.establishments import Establishment  # noqa: E402
from vigilance.models.followups import FollowupStep, InformationCopy  # noqa: E402
from vigilance.models.idempotency import IdempotencyRecord  # noqa: E402
from vigilance.models.imports import ReportImport  # noqa: E402
from vigilance.models.outbox import OutboxMessage  # noqa: E402
from vigilance.models.reports import (  # noqa: E402
    CLOSED_URGENCY,
    COUNT_SLOTS,
    NOTHING_DUE,
    OPEN_ITEM_STATUSES,
    Deadline,
    DeadlineState,
    ItemStatus,
    QueueItem,
    QueueStatusCount,
    ReferenceCounter,
    Report,
    ReportProduct,
    ReportStatus,
)
from vigilance.models.single_sign_on import SignInRequest, UserIdentity  # noqa: E402
from vigilance.models.summaries import SummaryRun  # noqa: E402
from vigilance.models.triage import Assessment, Declaration, InformationRequest, ReportLink  # noqa: E402
from vigilance.models.users import ApiToken, Role, User, UserRpps, WebSession  # noqa: E402

__all__ = [
    "CLOSED_URGENCY",
    "COUNT_SLOTS",
    "NOTHING_DUE",
    "OPEN_ITEM_STATUSES",
    "Alert",
    "AlertEmailChoice",
    "ApiToken",
    "Assessment",
    "Attachment",
    "AuditCheckpoint",
    "AuditEvent",
    "AuditHead",
    "AuditPending",
    "AuditSeal",
    "CaseFileRecord",
    "Deadline",
    "DeadlineState",
    "Declaration",
    "Establishment",
    "FollowupStep",
    "GeneratedDocument",
    "IdempotencyRecord",
    "InformationCopy",
    "InformationRequest",
    "ItemStatus",
    "OutboxMessage",
    "QueueItem",
    "QueueStatusCount",
    "ReferenceCounter",
    "Report",
    "ReportDraft",
    "ReportImport",
    "ReportLink",
    "ReportProduct",
    "ReportStatus",
    "Role",
    "SignInRequest",
    "SummaryRun",
    "Timer",
    "User",
    "UserIdentity",
    "UserRpps",
    "WebSession",
    "metadata",
]

# The triggers that keep the counts per status are part of the schema: created with the tables.
# So are the triggers that note every write to the tables the audit seals.
import vigilance.audit_seals  # noqa: E402
import vigilance.storage.status_counts  # noqa: E402, F401
