"""``vigilance classify``: a decision of the rulebook, on the command line."""

import json
from datetime import datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from routing import EventKind, Facts, ProductFacts, decide
from vigilance import i18n
from vigilance.i18n import say, translatable


@click.command("classify")
@click.argument("name")
@click.option(
    "--event-kind",
    default="recipient_adverse_reaction",
    show_default=True,
    type=click.Choice([k.value for k in EventKind]),
)
@click.option("--serious/--not-serious", default=None, help="Whether the event is serious.")
@click.option("--grade", "severity_grade", type=click.IntRange(1, 4), help="Severity grade (1 to 4).")
@click.option("--on", "on_date", type=click.DateTime(["%Y-%m-%d"]), help="Decide under the rules in force that day.")
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the decision as the API returns it.")
@with_appcontext
def classify_command(name, event_kind, serious, severity_grade, on_date, lang, as_json):
    """Qualify the product NAME and show where its report would go, why, and by when."""

    tz = current_app.config["TZINFO"]
    on = on_date.date() if on_date else datetime.now(tz).date()
    facts = Facts(
        event_kind=EventKind(event_kind),
        product=ProductFacts(name=name),
        serious=serious,
        severity_grade=severity_grade,
        region=current_app.config["DEFAULT_REGION"],
    )
    decision = decide(facts, on=on).as_dict(lang, say)
    if as_json:
        click.echo(json.dumps(decision, ensure_ascii=False, indent=2))
        return
    headings = [
        heading.render(lang)
        for heading in (
            translatable("Catégorie"),
            translatable("Files"),
            translatable("Explication"),
            translatable("Délais"),
            translatable("Bases légales"),
            translatable("Référentiel"),
        )
    ]
    colon = i18n.colon(lang)
    click.secho(f"{headings[0]}{colon} {decision['category']} ({decision['category_label']})", bold=True)
    queues = ", ".join(
        f"{q} → {decision['authorities'][q]}" if q in decision["authorities"] else q for q in decision["queues"]
    )
    click.echo(f"{headings[1]}{colon} {queues}")
    if len(decision["products"]) > 1:  # a name holding several products is read as several
        click.echo(f"{translatable('Produits').render(lang)}{colon}")
        for product in decision["products"]:
            click.echo(f"  - {product['name']}{colon} {product['category']} ({', '.join(product['queues'])})")
    click.echo(f"{headings[2]}{colon}")
    for number, step in enumerate(decision["explanation"], 1):
        click.echo(f"  {number}. {step}")
    click.echo(f"{headings[3]}{colon}")
    for deadline in decision["deadlines"] or []:
        click.echo(f"  - [{deadline['queue']}] {deadline['description']}")
    click.echo(f"{headings[4]}{colon}")
    for basis in decision["legal_basis"]:
        click.echo(f"  - {basis}")
    rulebook = decision["rulebook"]
    click.echo(f"{headings[5]}{colon} {rulebook['id']} ({rulebook['effective_from']})")
