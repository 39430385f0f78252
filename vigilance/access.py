"""Who may see what: the one place report visibility is decided.

- a reporter sees the reports they filed;
- a correspondent sees the reports of their establishment that went to a queue they work;
- a coordinator sees every report of their establishment;
- an admin manages accounts and sees report content only when also a coordinator.
"""

from sqlalchemy import ColumnElement, false
from sqlmodel import col

from vigilance.models import QueueItem, Report, Role, User


def acts_as_coordinator(user: User) -> bool:
    """A coordinator, or an admin who is also one (*user* may be a row with these two fields)."""
    return user.role == Role.COORDINATOR or (user.role == Role.ADMIN and user.is_coordinator)


def may_read_report(user: User, report: Report) -> bool:
    if not user.is_active:
        return False
    if report.reporter_id == user.id:
        return True
    if report.establishment_id != user.establishment_id:
        return False
    if acts_as_coordinator(user):
        return True
    if user.role == Role.CORRESPONDENT:
        return bool(set(report.queues) & set(user.vigilances))
    return False


def may_work_queue(user: User, queue: str) -> bool:
    """Whether *user* may list and act on the items of *queue* in their establishment."""
    if not user.is_active or user.establishment_id is None:
        return False
    if user.role == Role.CORRESPONDENT:
        return queue in user.vigilances
    return acts_as_coordinator(user)


def may_read_item(user: User, item: QueueItem, report: Report) -> bool:
    """Whether *user* may open *item*, the file that shows *report* whole.

    Working the item's queue is not enough: an item shows its report, so it follows the report's
    rule. After requalification, the old queue's closed item stays in that queue, but its
    correspondents no longer read the report (it left their queue) and so no longer open the item.
    """
    return (
        may_work_queue(user, item.queue)
        and item.establishment_id == user.establishment_id
        and may_read_report(user, report)
    )


def may_answer_questions(user: User, report: Report) -> bool:
    """Questions asked about a report are its reporter's to answer, and nobody else's."""
    return user.is_active and report.reporter_id == user.id


def own_reports_filter(user: User) -> ColumnElement[bool]:
    """SQL filter: the reports *user* filed."""
    return col(Report.reporter_id) == user.id if user.id is not None else false()
