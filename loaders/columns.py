"""The columns each kind of file may have, as data: the README renders its table from here.

A file's header matches a column when ``header_key`` of both is equal, so case, accents,
spaces and punctuation are ignored ("N° client", "n client" and "NCLIENT" are one header).
Each kind is matched on its own, so "Date" can mean the timestamp of a touchpoint and of a
feedback without clashing with anything in customers.
"""

from dataclasses import dataclass
from functools import cache

from data_model.text import header_key


@dataclass(frozen=True)
class Column:
    name: str  # canonical name
    required: bool  # see ONE_OF for columns that are required only when another is missing
    aliases: tuple[str, ...]  # headers accepted besides the canonical name
    meaning: str


_CUSTOMER_ID = Column(
    "customer_id", True,
    ("client", "id client", "identifiant client", "numero client", "n° client", "code client", "customer",
     "customer id", "id customer", "client id"),
    "Customer identifier, kept as text (leading zeros stay)",
)
_TIMESTAMP = Column(
    "timestamp", True,
    ("date", "date/heure", "date heure", "horodatage", "datetime", "time", "timestamp", "date et heure"),
    "When it happened: ISO 8601 or dd/mm/yyyy [HH:MM[:SS]]; an offset is converted to the business time zone",
)
_STAGE = Column(
    "stage", True, ("étape", "etape", "phase", "stage", "étape du parcours"),
    "Journey stage: its code or French/English label",
)
_CHANNEL = Column(
    "channel", True, ("canal", "channel", "support", "canal de contact"),
    "Channel, open-ended: values with the same slug are the same channel",
)

COLUMNS: dict[str, tuple[Column, ...]] = {
    "customers": (
        _CUSTOMER_ID,
        Column("persona", False, ("persona", "profil"), "Persona (empty or no column = none)"),
        Column("segment", False, ("segment",), "Segment"),
        Column("region", False, ("région", "region"), "Region"),
        Column(
            "signup_date", False,
            ("date d'inscription", "date inscription", "inscription", "date de création", "date creation",
             "signup date"),
            "Sign-up date",
        ),
        Column(
            "churned", False, ("résilié", "churn", "désabonné", "parti", "churned"),
            "Has left: true/false, vrai/faux, 1/0, yes/no, oui/non, y/n, o/n (empty = unknown)",
        ),
        Column("churn_date", False, ("date de résiliation", "date résiliation", "churn date"), "Date of leaving"),
    ),
    "touchpoints": (
        _CUSTOMER_ID,
        _TIMESTAMP,
        _CHANNEL,
        _STAGE,
        Column(
            "touchpoint", False,
            ("type", "point de contact", "type de contact", "action", "touchpoint", "touchpoint type", "event",
             "type de point de contact"),
            "Touchpoint type as written (e.g. clic); gives the stage when there is no stage column",
        ),
        Column(
            "revenue", False,
            ("montant", "montant (€)", "chiffre d'affaires", "ca", "revenue", "amount", "montant ttc"),
            "Amount: spaces as thousands separators and a € sign are fine; decimal comma in ;-separated files",
        ),
        Column(
            "touchpoint_id", False,
            ("id point de contact", "identifiant point de contact", "touchpoint id", "event id"),
            "Identifier of the touchpoint; when given, it is what makes a row unique",
        ),
        Column(
            "source", False,
            ("source", "système source", "source system", "systeme", "origine du système"),
            "The system the touchpoint came from (CRM, web, stores…), as written; empty = the import's --source, "
            "if any",
        ),
    ),
    "feedback": (
        _CUSTOMER_ID,
        _TIMESTAMP,
        _STAGE,
        Column(_CHANNEL.name, False, _CHANNEL.aliases, _CHANNEL.meaning + " (empty = unknown)"),
        Column("nps", False, ("note", "nps", "note nps", "recommandation", "score", "rating"),
               "NPS answer, integer 0–10"),
        Column("csat", False, ("csat", "satisfaction", "note satisfaction"), "Satisfaction, integer 1–5"),
        Column("comment", False, ("commentaire", "verbatim", "comment", "remarque", "avis"), "Free text"),
        Column(
            "feedback_id", False, ("id avis", "identifiant avis", "feedback id", "response id"),
            "Identifier of the answer; when given, it is what makes a row unique",
        ),
    ),
}

# Headers that may name an NPS answer or a star rating: such a column whose answers all lie between 1 and 5 is
# refused as NPS (``loaders.validate``); CSAT has its own column.
AMBIGUOUS_NPS_HEADERS = ("note", "score", "rating")

# Touchpoints need a stage *or* a type to derive it from; either column alone is enough.
ONE_OF: dict[str, tuple[tuple[str, ...], ...]] = {"touchpoints": (("stage", "touchpoint"),)}

KINDS = tuple(COLUMNS)


def _one_of_group(kind: str, name: str) -> tuple[str, ...] | None:
    return next((group for group in ONE_OF.get(kind, ()) if name in group), None)


def requirement(kind: str, name: str) -> str:
    """"required", "optional" or "required unless X is given", for the README table."""
    group = _one_of_group(kind, name)
    if group:
        others = " or ".join(g for g in group if g != name)
        return f"required unless {others} is given"
    column = next(c for c in COLUMNS[kind] if c.name == name)
    return "required" if column.required else "optional"


def is_always_required(kind: str, name: str) -> bool:
    column = next(c for c in COLUMNS[kind] if c.name == name)
    return column.required and _one_of_group(kind, name) is None


@cache
def alias_index(kind: str) -> dict[str, str]:
    """``header_key(header)`` -> canonical name, the canonical names themselves included."""
    index: dict[str, str] = {}
    for column in COLUMNS[kind]:
        for alias in (column.name, *column.aliases):
            index[header_key(alias)] = column.name
    return index


def canonical_name(kind: str, header: str) -> str | None:
    return alias_index(kind).get(header_key(header))


def schema_rows(kind: str) -> list[dict[str, str]]:
    """The documented table for one kind: column, requirement, accepted headers, meaning."""
    return [
        {
            "column": c.name,
            "requirement": requirement(kind, c.name),
            "headers": ", ".join(dict.fromkeys((c.name, *c.aliases))),
            "meaning": c.meaning,
        }
        for c in COLUMNS[kind]
    ]


def columns_markdown() -> str:
    """The README's table of accepted columns (tests/unit/test_project.py keeps the README in step)."""
    out = []
    for kind in KINDS:
        out += [f"**{kind}**", "", "| column | | accepted headers | meaning |", "|---|---|---|---|"]
        out += [f"| `{r['column']}` | {r['requirement']} | {r['headers']} | {r['meaning']} |"
                for r in schema_rows(kind)]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


# -- import templates: what a new user downloads to shape an export ------------------------------------------------

TEMPLATE_HEADERS_FR = {
    "customer_id": "Identifiant client", "persona": "Persona", "segment": "Segment", "region": "Région",
    "signup_date": "Date d'inscription", "churned": "Résilié", "churn_date": "Date de résiliation",
    "timestamp": "Date et heure", "channel": "Canal", "stage": "Étape", "touchpoint": "Type de contact",
    "revenue": "Montant", "touchpoint_id": "Identifiant point de contact", "source": "Système source",
    "nps": "Note NPS",
    "csat": "Note satisfaction", "comment": "Commentaire", "feedback_id": "Identifiant avis",
}
# one example row per kind, per language: French files as French Excel writes them (;, dd/mm/yyyy, decimal comma)
_TEMPLATE_ROWS = {
    "customers": {"fr": ["C0001", "Famille", "Particulier", "Bretagne", "15/01/2025", "FAUX", ""],
                  "en": ["C0001", "Famille", "Particulier", "Bretagne", "2025-01-15", "false", ""]},
    "touchpoints": {"fr": ["C0001", "15/01/2025 10:30", "Site web", "Achat", "commande", "64,90", "T0001", "web"],
                    "en": ["C0001", "2025-01-15T10:30:00", "Site web", "purchase", "order", "64.90", "T0001", "web"]},
    "feedback": {"fr": ["C0001", "16/01/2025 09:00", "Achat", "Site web", "9", "5", "Livraison rapide.", "F0001"],
                 "en": ["C0001", "2025-01-16T09:00:00", "purchase", "Site web", "9", "5", "Quick delivery.",
                        "F0001"]},
}


def template_csv(kind: str, lang: str) -> bytes:
    """An import template for ``kind``: every column's header (French aliases in French, the canonical names in
    English) and one example row, as the importer reads it (French: ``;`` and a BOM, for Excel)."""
    import csv
    import io

    names = [c.name for c in COLUMNS[kind]]
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";" if lang == "fr" else ",", lineterminator="\r\n")
    writer.writerow([TEMPLATE_HEADERS_FR[n] for n in names] if lang == "fr" else names)
    writer.writerow(_TEMPLATE_ROWS[kind][lang])
    return buf.getvalue().encode("utf-8-sig" if lang == "fr" else "utf-8")
