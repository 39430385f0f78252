"""The products of a report: stored one row each, read back to show them and to decide again."""

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import delete, insert
from sqlmodel import Session, col, select

from routing import Category, Decision, Features, Origin, ProductFacts
from vigilance.models import Report, ReportProduct

#: How the report's one-line ``product_name`` joins several names: a join the rulebook reads
#: back as several products, should the line alone be decided again.
NAME_JOIN = " + "
NAME_MAX_LENGTH = 500


def joined_name(products: Sequence[ProductFacts]) -> str:
    """Every name on one line, for the lists, emails and search that show the report in one line."""
    line = NAME_JOIN.join(p.name for p in products)
    if len(line) > NAME_MAX_LENGTH:
        line = line[: NAME_MAX_LENGTH - 1] + "…"
    return line


def answers_of(product: ProductFacts) -> dict[str, Any]:
    """The questionnaire's answers given for *product*, as stored (JSON)."""
    answers: dict[str, Any] = {
        k: (v.value if hasattr(v, "value") else v) for k, v in product.features.answered().items()
    }
    if product.origin is not None:
        answers["origin"] = product.origin.value
    if product.autologous is not None:
        answers["autologous"] = product.autologous
    return answers


def product_from(name: str, stored_answers: dict[str, Any]) -> ProductFacts:
    """The product as described, from its stored name and answers."""
    answers = dict(stored_answers)
    return ProductFacts(
        name=name,
        autologous=answers.pop("autologous", None),
        origin=Origin(answers.pop("origin")) if answers.get("origin") else None,
        features=Features(**answers),
    )


def rows_for(report_id: int, decision: Decision) -> list[dict[str, Any]]:
    """The rows of the decided products (a name holding several is several rows)."""
    return [
        dict(
            report_id=report_id,
            position=position,
            name=product.name,
            answers=answers_of(product.given),
            category=product.category.value,
            matched_by=product.matched_by,
            entry_id=product.entry.id if product.entry is not None else None,
            is_principal=position == decision.principal,
        )
        for position, product in enumerate(decision.products)
    ]


def store(session: Session, *, report_id: int, decision: Decision) -> None:
    """Write the products of a new report (flush, no commit)."""
    session.connection().execute(insert(ReportProduct.__table__), rows_for(report_id, decision))


def restore(session: Session, *, report_id: int, decision: Decision) -> None:
    """Replace a report's products by those of a new decision (requalification)."""
    session.connection().execute(
        delete(ReportProduct.__table__).where(ReportProduct.__table__.c.report_id == report_id)
    )
    store(session, report_id=report_id, decision=decision)


def products_of(session: Session, report_ids: Iterable[int]) -> dict[int, list[ReportProduct]]:
    """Each report's products, in the order given."""
    found: dict[int, list[ReportProduct]] = {report_id: [] for report_id in report_ids}
    if found:
        for product in session.exec(
            select(ReportProduct)
            .where(col(ReportProduct.report_id).in_(list(found)))
            .order_by(col(ReportProduct.report_id), col(ReportProduct.position))
        ).all():
            found[product.report_id].append(product)
    return found


def facts_of(session: Session, report: Report) -> tuple[ProductFacts, ...]:
    """The products to decide *report* again with: its stored rows, else its one product; each
    product a person qualified keeps that qualification (the rules decide the rest again)."""
    rows = products_of(session, [report.id])[report.id]
    if not rows:
        by_person = (report.decision or {}).get("matched", {}).get("by") == "person"
        product = product_from(report.product_name, report.product_answers)
        return (replace(product, qualified_as=Category(report.category)) if by_person else product,)
    return tuple(
        replace(product_from(row.name, row.answers), qualified_as=Category(row.category))
        if row.matched_by == "person"
        else product_from(row.name, row.answers)
        for row in rows
    )


def position_in_queue(report: Report, queue: str) -> int:
    """Which product an item of *queue* is about: the first whose own decision sends it there
    (the first product when the stored decision does not say: a report of one product)."""
    for position, product in enumerate((report.decision or {}).get("products", [])):
        if queue in product.get("queues", ()):
            return position
    return 0
