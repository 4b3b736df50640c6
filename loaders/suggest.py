"""A draft source profile from a source's files: ``python -m loaders suggest FILE…``.

Each field's best column is chosen by its name (the importer's aliases, then words in French, English, Portuguese
and Spanish, then edit distance) and by its content (parses as dates, unique ids, whole numbers within 1–5 or 0–10,
long free text), and how the files fit together by their values: a column whose values are all among another
file's unique key is a lookup into that file (``join``), aggregated (summed) when its keys repeat. Each choice
comes with its evidence and a confidence; the columns left unused are listed. The draft is a profile
(``loaders.profile``) that imports as it is; its ``suggested`` section is only read by people.
"""

import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from data_model.text import fold, header_key
from loaders.columns import alias_index
from loaders.read import RawTable, read_table
from loaders.validate import parse_timestamps

SAMPLE_ROWS = 20_000
NOISE_WORDS = {"dataset", "data", "export", "extract", "file", "table", "list", "csv", "xlsx", "dump", "full",
               "all", "v1", "v2", "final", "donnees", "dados", "datos", "fichier"}
# field -> words of a header that suggest it (French, English, Portuguese, Spanish), strongest first
WORDS = {
    "customer_id": ["customer", "client", "cliente", "consumer", "user", "usuario", "person", "contact", "lead", "mql",
                    "prospect", "account", "compte", "conta", "cuenta", "member", "membre"],
    "timestamp": ["timestamp", "date", "data", "fecha", "time", "horodatage", "datetime", "at", "when", "created",
                  "heure", "hora"],
    "channel": ["channel", "canal", "origin", "origem", "origen", "source", "fonte", "fuente", "medium", "support"],
    "stage": ["stage", "etape", "etapa", "phase", "fase"],
    "revenue": ["revenue", "amount", "montant", "value", "valor", "price", "prix", "preco", "precio", "total",
                "payment", "paiement", "pagamento", "pago", "ca", "sales", "vente"],
    "region": ["region", "regiao", "state", "estado", "uf", "province", "departement", "county", "pays", "country"],
    "segment": ["segment", "segmento", "tier", "category", "categorie", "categoria"],
    "persona": ["persona", "profil", "profile", "perfil"],
    "nps": ["nps", "recommend", "recommandation", "recomendacao", "likelihood"],
    "csat": ["csat", "satisfaction", "satisfacao", "satisfaccion", "score", "rating", "stars", "etoiles", "nota",
             "note", "review"],
    "comment": ["comment", "commentaire", "comentario", "message", "mensagem", "mensaje", "text", "texte", "texto",
                "verbatim", "remarque", "avis", "opinion"],
}
ESTIMATE_WORDS = {"estimated", "estimate", "expected", "prevu", "prevue", "previsto", "prevista", "estimado",
                  "estimativa", "limit", "limite", "deadline", "due", "echeance", "prazo", "plazo"}
UNIQUE_PERSON_WORDS = {"unique", "person", "individual", "unico", "unica", "personne", "golden", "master"}
STAGE_WORDS = {  # the default stage model's codes, by words of an event's column or file
    "purchase": ["purchase", "order", "buy", "bought", "achat", "commande", "compra", "pedido", "won", "win",
                 "deal", "payment", "paid", "approved", "invoice", "facture", "checkout", "signed"],
    "service": ["deliver", "delivered", "delivery", "carrier", "ship", "shipped", "livraison", "livre", "entrega",
                "entregue", "transport", "support", "ticket", "return", "retour", "review", "avis", "claim"],
    "consideration": ["lead", "contact", "first", "quote", "devis", "demo", "visit", "cart", "panier", "trial",
                      "signup", "inscription", "cadastro", "qualified"],
    "awareness": ["impression", "ad", "campaign", "campagne", "seen", "exposure", "landing"],
    "loyalty": ["renewal", "renouvellement", "repeat", "loyalty", "fidelite", "subscription", "abonnement"],
    "advocacy": ["referral", "parrainage", "recommend", "share", "partage"],
}
CARRIER_WORDS = {"deliver", "delivered", "delivery", "carrier", "ship", "shipped", "livraison", "livre", "entrega",
                 "entregue", "transport", "transportadora"}
TIME_SUFFIXES = {"timestamp", "date", "at", "time", "datetime", "data", "fecha", "dt", "le", "on", "heure"}


def words(text: str) -> list[str]:
    """A header's or file name's words: camelCase and snake_case split, accents and case folded."""
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)
    return [w for w in re.split(r"[^a-z0-9]+", fold(text)) if w]


@dataclass
class ColumnFacts:
    header: str
    filled: float  # share of rows with a value
    unique: float  # distinct values / filled values
    distinct: int
    dates: float  # share of values that parse as dates or times
    integers: float  # share of values that are whole numbers
    numbers: float  # share of values that are numbers
    low: float | None
    high: float | None
    length: float  # mean length of the values
    values: pd.Series = field(default=None, repr=False)

    @property
    def words(self) -> list[str]:
        return words(self.header)


@dataclass
class FileFacts:
    path: Path
    role: str
    rows: int
    columns: dict[str, ColumnFacts]

    def times(self) -> list[ColumnFacts]:
        return [c for c in self.columns.values() if c.dates >= 0.9 and c.filled > 0]

    def events(self) -> list[ColumnFacts]:
        return [c for c in self.times() if not ESTIMATE_WORDS & set(c.words)]


def _facts(raw: RawTable) -> dict[str, ColumnFacts]:
    out = {}
    for position, header in enumerate(raw.headers):
        if not header.strip() or header in out:
            continue
        full = raw.data[position]
        values = full.dropna().str.strip()
        values = values[values != ""]
        sample = values.head(SAMPLE_ROWS)
        n = max(len(sample), 1)
        parsed, _, _ = parse_timestamps(sample, "UTC")
        numbers = pd.to_numeric(sample.str.replace(",", ".", regex=False), errors="coerce")
        whole = numbers.dropna()
        out[header] = ColumnFacts(
            header, len(values) / max(len(full), 1), values.nunique() / max(len(values), 1), int(values.nunique()),
            float(parsed.notna().sum() / n), float(((whole % 1) == 0).sum() / n), float(numbers.notna().sum() / n),
            float(whole.min()) if len(whole) else None, float(whole.max()) if len(whole) else None,
            float(sample.str.len().mean()) if len(sample) else 0.0, values)
    return out


def _role_names(paths: list[Path]) -> tuple[dict[Path, str], str]:
    """Each file's role (the last telling word of its name) and the source's name (the names' common prefix)."""
    stems = {p: words(p.stem) for p in paths}
    common = os.path.commonprefix(list(stems.values())) if len(paths) > 1 else []
    source = "_".join(common) or "source"
    roles = {}
    for path, ws in stems.items():
        telling = [w for w in ws[len(common):] if w not in NOISE_WORDS] or ws or ["file"]
        role = telling[-1]
        while role in roles.values():
            role = f"{role}_{len(roles)}"
        roles[path] = role
    return roles, source


def _name_score(field_name: str, column: ColumnFacts) -> tuple[float, str]:
    """How much a header looks like a field: an importer alias 1.0; a telling word 0.5–0.9; a close spelling 0.4."""
    from loaders.columns import KINDS

    for kind in KINDS:
        if alias_index(kind).get(header_key(column.header)) == field_name:
            return 1.0, "an accepted header"
    hints = WORDS.get(field_name, [])
    for rank, hint in enumerate(hints):
        if hint in column.words:
            return 0.9 - 0.02 * rank, f"the word '{hint}'"
    close = difflib.get_close_matches(header_key(column.header), [header_key(h) for h in hints], 1, 0.8)
    if close:
        return 0.4, f"close to '{close[0]}'"
    return 0.0, ""


@dataclass
class Draft:
    profile: dict
    evidence: list[str]
    unused: dict[str, list[str]]


def suggest(paths: list[str | Path]) -> Draft:
    paths = [Path(p) for p in paths]
    roles, source = _role_names(paths)
    files = {roles[p]: FileFacts(p, roles[p], 0, {}) for p in paths}
    for p in paths:
        raw = read_table(p)
        files[roles[p]].rows = len(raw.data)
        files[roles[p]].columns = _facts(raw)
    evidence: list[str] = []
    used: dict[str, set[str]] = {r: set() for r in files}

    keys = {r: _key(f) for r, f in files.items()}
    links = _links(files, keys)  # (role, column) -> (other role, its key column)
    scores = {r: _score_column(f, "csat") or _score_column(f, "nps") for r, f in files.items()}
    kinds = {}
    for role, f in files.items():
        if scores[role]:
            kinds[role] = "feedback"
        elif f.events():
            kinds[role] = "touchpoints"
        elif any(k[0] == role for k in links) and not _person_columns(f):
            kinds[role] = "lookup"
        else:
            kinds[role] = "customers"
    profile: dict = {"parcours_profile": 1, "source": source,
                     "files": {r: {"pattern": f"*{r}*"} for r in files}}

    # the person: a customers file's telling id (customer_unique_id beside a per-order customer_id), else a
    # customer-named column, else an events file's own key when its name says a person (mql_id, lead_id)
    person = None
    for role, f in files.items():
        if kinds[role] == "customers":
            person = (role, _person_id(f, keys[role]))
            evidence.append(f"{role}: the customer is '{person[1]}' ({_why_person(f, person[1], keys[role])})")
            break
    if person:
        role, column = person
        fields = {"customer_id": column}
        used[role] |= {column}
        for attribute in ("persona", "segment", "region"):
            best = _best(files[role], attribute, exclude=used[role], kind="text")
            if best:
                fields[attribute] = best[0]
                used[role].add(best[0])
                evidence.append(f"{role}.{attribute} = '{best[0]}' ({best[1]})")
        profile["customers"] = {"file": role, "fields": fields}

    touchpoints, feedback = [], []
    for role, f in files.items():
        if kinds[role] not in ("touchpoints", "feedback"):
            continue
        output: dict = {"file": role}
        joins, customer = _customer_path(role, files, keys, links, person)
        if joins:
            output["join"] = joins
        if keys[role]:
            output["key"] = keys[role]
            used[role].add(keys[role])
        fields = {}
        if customer:
            fields["customer_id"] = customer
            used[role].add(customer)
            evidence.append(f"{role}.customer_id = '{customer}'" + (f" through {', '.join(j['file'] for j in joins)}"
                                                                    if joins else ""))
        elif keys[role] and _name_score("customer_id", f.columns[keys[role]])[0] >= 0.5:
            fields["customer_id"] = keys[role]
            evidence.append(f"{role}.customer_id = '{keys[role]}' (its key names a person)")
            if "customers" not in profile:
                profile["customers"] = {"file": role, "fields": {"customer_id": keys[role]}}
        for j in joins:
            for column in (j["on"] if isinstance(j["on"], str) else j["on"]["left"],):
                used[role].add(column)
        if kinds[role] == "feedback":
            feedback.append(_feedback(role, f, output, fields, scores[role], used, evidence))
        else:
            touchpoints.append(_events(role, f, output, fields, source, files, links, keys, used, evidence, profile))
    for kind, outputs in (("touchpoints", touchpoints), ("feedback", feedback)):
        if outputs:
            profile[kind] = outputs[0] if len(outputs) == 1 else outputs
    for role, f in files.items():
        if kinds[role] == "lookup":
            used[role] |= {c for c in f.columns if any(
                c in j.get("aggregate", {}) or j["on"] == c for o in touchpoints for j in o.get("join", [])
                if j["file"] == role)}
    unused = {r: [c for c in f.columns if c not in used[r]] for r, f in files.items()}
    profile["suggested"] = {"evidence": evidence, "unused": unused}
    return Draft(profile, evidence, unused)


def _key(f: FileFacts) -> str | None:
    """The column that identifies a row: filled, (nearly) unique, id-like; named after the file's rows
    (``review_id`` in reviews, rather than the ``order_id`` it points to), else the first such."""
    singular = {w.removesuffix("s") for w in words(f.role)}
    ranked = []
    for position, c in enumerate(f.columns.values()):
        if c.filled >= 0.99 and c.unique >= 0.98 and c.dates < 0.5 and c.length >= 1 and (
                {"id", "key", "code", "number", "no", "num", "ref"} & set(c.words) or c.header.lower().endswith("id")):
            ranked.append((bool(singular & {w.removesuffix("s") for w in c.words}), position == 0, c.unique, c.header))
    return max(ranked)[3] if ranked else None


def _links(files: dict[str, FileFacts], keys: dict[str, str | None]) -> dict[tuple[str, str], tuple[str, str]]:
    """(role, column) -> (other role, its unique column) when every value of the column is among the other's."""
    links = {}
    unique_columns = {(r, c.header): set(c.values.head(2_000_000)) for r, f in files.items() for c in f.columns.values()
                      if c.filled >= 0.99 and c.unique >= 0.999 and c.distinct > 1 and c.dates < 0.5}
    for role, f in files.items():
        for c in f.columns.values():
            if c.dates >= 0.5 or c.distinct < 2 or c.numbers > 0.9 and c.length < 6:
                continue
            sample = set(c.values.head(SAMPLE_ROWS))
            for (other, header), values in unique_columns.items():
                if other != role and sample <= values and len(sample) >= min(c.distinct, 2):
                    links[(role, c.header)] = (other, header)
                    break
    return links


def _person_columns(f: FileFacts) -> list[str]:
    return [c.header for c in f.columns.values() if _name_score("customer_id", c)[0] >= 0.5 and c.dates < 0.5]


def _person_id(f: FileFacts, key: str | None) -> str:
    candidates = _person_columns(f) or [key or next(iter(f.columns))]
    telling = [c for c in candidates if UNIQUE_PERSON_WORDS & set(words(c))]
    if telling:
        return telling[0]
    repeated = [c for c in candidates if f.columns[c].unique < 0.999]  # a person with several orders repeats
    return repeated[0] if repeated else candidates[0]


def _why_person(f: FileFacts, column: str, key: str | None) -> str:
    if UNIQUE_PERSON_WORDS & set(words(column)):
        return "its name says a person" + (f"; '{key}' is a key other files point to" if key and key != column else "")
    return f"{f.columns[column].distinct} distinct values over {f.rows} rows"


def _customer_path(role, files, keys, links, person) -> tuple[list[dict], str | None]:
    """Joins from ``role`` to the customers file (at most two lookups), and the customer column then."""
    if person and role == person[0]:
        return [], person[1]
    own = [c for c in _person_columns(files[role]) if (role, c) not in links or not person]
    if not person:
        return [], own[0] if own else None
    target = person[0]
    # one or two lookups: role.col -> other.key [-> other.col2 -> target.key]
    for (r, column), (other, other_key) in links.items():
        if r != role:
            continue
        if other == target:
            return [{"file": other, "on": column if column == other_key else {"left": column, "right": other_key}}], \
                person[1]
        for (r2, column2), (other2, key2) in links.items():
            if r2 == other and other2 == target:
                return [{"file": other, "on": _on(column, other_key)}, {"file": other2, "on": _on(column2, key2)}], \
                    person[1]
    return [], own[0] if own else None


def _on(left: str, right: str):
    return left if left == right else {"left": left, "right": right}


def _score_column(f: FileFacts, measure: str) -> str | None:
    low, high = (1, 5) if measure == "csat" else (0, 10)
    for c in f.columns.values():
        name, _ = _name_score(measure, c)
        if c.integers >= 0.99 and c.low is not None and c.low >= low and c.high <= high and name >= 0.5 and (
                measure == "nps" or c.high <= 5):
            return c.header
    return None


def _best(f: FileFacts, field_name: str, exclude: set[str], kind: str) -> tuple[str, str] | None:
    ranked = []
    for c in f.columns.values():
        if c.header in exclude or c.filled == 0:
            continue
        score, why = _name_score(field_name, c)
        if kind == "text" and (c.dates > 0.5 or c.numbers > 0.9 or c.unique > 0.5):
            continue  # an attribute takes few values
        if kind == "number" and c.numbers < 0.99:
            continue
        if kind == "comment":
            score += min(c.length, 60) / 200
        if score >= 0.5:
            ranked.append((score, c.header, why))
    if not ranked:
        return None
    ranked.sort(key=lambda t: -t[0])
    score, header, why = ranked[0]
    return header, f"{why}; confidence {min(score, 1):.0%}"


def _feedback(role, f, output, fields, score_column, used, evidence) -> dict:
    times = _earliest_first(f.events())
    if times:
        fields["timestamp"] = times[0].header
        evidence.append(f"{role}.timestamp = '{times[0].header}' (the earliest of its times: when it was asked)")
    fields["stage"] = {"value": _stage(words(role) + words(score_column)) or "service"}
    measure = "csat" if f.columns[score_column].high <= 5 else "nps"
    fields[measure] = score_column
    evidence.append(f"{role}.{measure} = '{score_column}' (whole numbers within "
                    f"{'1–5' if measure == 'csat' else '0–10'})")
    comment = _best(f, "comment", used[role] | {v for v in fields.values() if isinstance(v, str)}, "comment")
    if comment:
        fields["comment"] = comment[0]
    if output.get("key"):
        fields["feedback_id"] = output.pop("key")
    used[role] |= {v for v in fields.values() if isinstance(v, str)}
    output["fields"] = fields
    return output


def _events(role, f, output, fields, source, files, links, keys, used, evidence, profile) -> dict:
    # a column under an accepted header of the source system ("source", "système source") is that, not a channel
    system = next((c.header for c in f.columns.values() if c.header not in used[role] and c.filled > 0
                   and alias_index("touchpoints").get(header_key(c.header)) == "source"), None)
    if system:
        fields["source"] = system
        used[role].add(system)
        evidence.append(f"{role}.source = '{system}' (an accepted header)")
    channel = _best(f, "channel", used[role], "text")
    if channel:
        fields["channel"] = channel[0]
        used[role].add(channel[0])
        evidence.append(f"{role}.channel = '{channel[0]}' ({channel[1]})")
        if f.columns[channel[0]].filled < 1:
            profile["empty_channel"] = "unknown"
            evidence.append(f"{role}.{channel[0]} is empty on {1 - f.columns[channel[0]].filled:.1%} of rows: "
                            "empty_channel 'unknown'")
    else:
        fields["channel"] = {"value": source}
    # amounts: in the file, or in a lookup file pointing to this one (summed when its keys repeat)
    revenue = _best(f, "revenue", used[role], "number")
    revenue_column = None
    if revenue and f.columns[revenue[0]].numbers >= 0.99:
        revenue_column = revenue[0]
    else:
        for (other, column), (target, key) in links.items():
            if target != role or other not in files or other == role:
                continue
            amount = _best(files[other], "revenue", {column}, "number")
            if amount and files[other].columns[amount[0]].numbers >= 0.99 and not files[other].events():
                join = {"file": other, "on": _on(key, column)}
                if files[other].columns[column].unique < 1:
                    join["aggregate"] = {amount[0]: "sum"}
                output.setdefault("join", []).append(join)
                revenue_column = amount[0]
                evidence.append(f"{role}.revenue = {other}.{amount[0]}, summed by '{column}'")
                break
    events = []
    noun = set(words(role)) | {role.rstrip("s")}
    for c in f.events():  # in the file's order: an export writes its steps in the order they happen
        telling = [w for w in c.words if w not in noun and w not in TIME_SUFFIXES] or c.words
        event = {"timestamp": c.header, "touchpoint": {"value": " ".join(telling)},
                 "stage": {"value": _stage(telling + words(role)) or "consideration"}}
        if CARRIER_WORDS & set(c.words) and not channel:
            event["channel"] = {"value": "carrier"}
        events.append(event)
        used[role].add(c.header)
    purchases = [e for e in events if e["stage"]["value"] == "purchase"]
    if revenue_column and purchases:
        purchases[0]["revenue"] = revenue_column
        used[role].add(revenue_column)
    for c in f.times():
        if c not in f.events():
            evidence.append(f"{role}.{c.header}: an estimate or a limit, not an event (left unused)")
    output["fields"] = fields
    output["events"] = events
    return output


def _earliest_first(times: list[ColumnFacts]) -> list[ColumnFacts]:
    """Time columns, the one earliest on most rows (where they are all filled) first, then in the file's order."""
    if len(times) < 2:
        return times
    frame = pd.DataFrame({c.header: parse_timestamps(c.values.head(SAMPLE_ROWS), "UTC")[0] for c in times}).dropna()
    if frame.empty:
        return times
    earliest = frame.idxmin(axis=1).value_counts()
    return sorted(times, key=lambda c: -earliest.get(c.header, 0))


def _stage(ws: list[str]) -> str | None:
    """The first word that says a stage (a plural read as its singular)."""
    for w in ws:
        for stage, hints in STAGE_WORDS.items():
            if w in hints or w.removesuffix("s") in hints:
                return stage
    return None


def differing_keys(a: dict, b: dict, ignore: tuple[str, ...] = ("suggested", "description")) -> list[str]:
    """The leaf paths where two profiles differ (added, removed or changed), ``ignore``d top-level keys aside."""
    def leaves(value, path=""):
        if isinstance(value, dict):
            if not value:
                yield path, {}
            for k, v in value.items():
                if path or k not in ignore:
                    yield from leaves(v, f"{path}/{k}")
        elif isinstance(value, list):
            for i, v in enumerate(value):
                yield from leaves(v, f"{path}/{i}")
        else:
            yield path, value
    left, right = dict(leaves(a)), dict(leaves(b))
    return sorted(p for p in left.keys() | right.keys() if left.get(p, ...) != right.get(p, ...))
