"""Who may see what: the one place report visibility is decided.

- a reporter sees the reports they filed;
- a correspondent sees the reports of their establishment that went to a queue they work,
  or of which a queue they work received an information copy;
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
        return bool((set(report.queues) | copy_queues(report)) & set(user.vigilances))
    return False


def copy_queues(report: Report) -> set[str]:
    """The queues that received an information copy of *report*, as its decision names them."""
    return {copy["queue"] for copy in (report.decision or {}).get("copies", ())}


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


def may_link_reports(user: User, report: Report, other: Report) -> bool:
    """Whether *user* may link *report* to *other*: a correspondent or coordinator who reads one
    of them, both of their establishment. Two vigilances' reports about one case may be linked
    by either's correspondent, without reading the other's content."""
    if not user.is_active or user.role == Role.REPORTER or user.establishment_id is None:
        return False
    if report.establishment_id != user.establishment_id or other.establishment_id != user.establishment_id:
        return False
    if user.role != Role.CORRESPONDENT and not acts_as_coordinator(user):
        return False
    return may_read_report(user, report) or may_read_report(user, other)


def may_see_link_to(user: User, other: Report) -> bool:
    """Whether *user*, reading a report, sees its link to *other* (its reference, the reason):
    who reads *other*, or works a queue in its establishment (a link between vigilances)."""
    if may_read_report(user, other):
        return True
    return (
        user.is_active
        and user.role != Role.REPORTER
        and other.establishment_id == user.establishment_id
        and (user.role == Role.CORRESPONDENT or acts_as_coordinator(user))
    )


def may_answer_questions(user: User, report: Report) -> bool:
    """Questions asked about a report are its reporter's to answer, and nobody else's."""
    return user.is_active and report.reporter_id == user.id


def own_reports_filter(user: User) -> ColumnElement[bool]:
    """SQL filter: the reports *user* filed."""
    return col(Report.reporter_id) == user.id if user.id is not None else false()
