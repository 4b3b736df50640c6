"""One customer across systems: identity links, stitched deterministically.

A **links file** (``id_a, id_b, kind, source``) says that two identifiers are one person: a web cookie and an
e-mail address, a CRM id and a loyalty card. Linked identifiers form one customer — the connected components of
every link ever imported — whose key is stable across imports: among its identifiers that are customers, the one
imported first (the smallest ``customer_no``); else the first identifier the links gave that is no e-mail or phone.
Touchpoints and feedback under any of its identifiers are that customer's: the rows already in the database are moved
to the key when a link arrives, and later imports are mapped as they are written (``map_frames``). When several
customers become one, each attribute comes from the latest import that gave it, ``churned`` is true if any is, and
``churn_date`` is the latest.

E-mail addresses (trimmed, lower case) and phone numbers (E.164, national numbers read in the business's country) are
never stored: only their keyed hash (HMAC-SHA256 with the database's secret, the one forgetting uses), ``email:h_…``,
``phone:h_…``. A component of more than ``max_identity_ids`` identifiers (20) is not one person — a shared device, a
shop's own loyalty card at the till — so its links are not applied, and it is listed as suspicious.

A links import is a batch like any other: undoing it puts every moved row back and rebuilds the identities from the
links that remain.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

from data_model.text import fold, header_key
from loaders.errors import InputError, InputErrors, Message
from loaders.read import LINE_COLUMN, read_table
from loaders.validate import STR, ImportContext, _Check

MAX_IDS = 20
SIZE_BUCKETS = ((2, 2), (3, 3), (4, 5), (6, 10), (11, MAX_IDS))
HEADERS = {
    "id_a": ("id_a", "id a", "identifiant a", "identifier a", "id1", "from", "de"),
    "id_b": ("id_b", "id b", "identifiant b", "identifier b", "id2", "to", "vers"),
    "kind": ("kind", "type", "nature", "type de lien", "link type", "match"),
    "source": ("source", "système", "systeme", "system"),
}
EMAIL_KINDS = {"email", "e_mail", "mail", "courriel", "adresse_mail", "adresse_e_mail"}
PHONE_KINDS = {"phone", "telephone", "tel", "mobile", "portable", "gsm", "phone_number"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# country calling codes by the business time zone's country (the phone numbers written nationally: 06 12 34 56 78)
CALLING_CODES = {"Europe/Paris": "33", "Europe/Brussels": "32", "Europe/Zurich": "41", "Europe/Luxembourg": "352",
                 "Europe/London": "44", "Europe/Madrid": "34", "Europe/Lisbon": "351", "Europe/Berlin": "49",
                 "Europe/Rome": "39", "Europe/Amsterdam": "31", "America/Sao_Paulo": "55", "America/New_York": "1",
                 "America/Chicago": "1", "America/Los_Angeles": "1", "America/Montreal": "1",
                 "America/Toronto": "1"}


# -- reading a links file ----------------------------------------------------------------------------------------


@dataclass
class Links:
    file_name: str
    sha256: str
    rows_read: int
    frame: pd.DataFrame  # id_a, id_b, kind, source, line (identifiers as stored: e-mail and phone hashed)
    errors: list[InputError] = field(default_factory=list)
    hashed: int = 0  # e-mail addresses and phone numbers stored as hashes


def _kind_code(value) -> str | None:
    return None if value is None or value != value else re.sub(r"[^a-z0-9]+", "_", fold(str(value))).strip("_")


def normalise_email(value: str) -> str | None:
    text = value.strip().lower()
    return text if _EMAIL.match(text) else None


def normalise_phone(value: str, calling_code: str) -> str | None:
    """E.164 (+33612345678): ``00`` becomes ``+``, a national number (one leading 0) takes the business's country
    code; 8 to 15 digits in all, else None."""
    text = re.sub(r"[\s.\-()/]", "", value.strip())
    if text.startswith("00"):
        text = "+" + text[2:]
    if not text.startswith("+"):
        if not text.startswith("0") or text.startswith("00"):
            return None
        text = "+" + calling_code + text[1:]
    digits = text[1:]
    return text if digits.isdigit() and 8 <= len(digits) <= 15 else None


IDENTIFIER_WORDS = {"email", "mail", "courriel", "phone", "telephone", "tel", "mobile", "portable", "gsm", "card",
                    "carte", "loyalty", "fidelite", "cookie", "device", "login", "crm", "id", "identifiant", "uid",
                    "client", "customer", "cliente"}


def _column_kind(header: str) -> str:
    words = set(re.split(r"[^a-z0-9]+", fold(header)))
    if words & {"email", "mail", "courriel"}:
        return "email"
    if words & {"phone", "telephone", "tel", "mobile", "portable", "gsm"}:
        return "phone"
    return header_key(header)


def read_links(path: str | Path, ctx: ImportContext, secret: bytes) -> Links:
    """Read and check a links file — ``id_a, id_b[, kind, source]``, one link a row; or a file with several
    identifier columns (a CRM export: customer id, e-mail, phone, loyalty card), each row linking its first
    identifier to each other one, the kind from the column's name. An e-mail address or phone number (by the kind,
    or an e-mail by its shape) is normalised then hashed; other identifiers are stored as the database stores
    customer ids (pseudonymised when it is)."""
    from loaders.columns import canonical_name
    from loaders.privacy import _hex_digest

    raw = read_table(path)
    found = {}
    for position, header in enumerate(raw.headers):
        for name, aliases in HEADERS.items():
            if name not in found and header_key(header) in {header_key(a) for a in aliases}:
                found[name] = position
    if "id_a" in found and "id_b" in found:
        check = _Check(raw, found)
        kind = check.text("kind") if "kind" in found else pd.Series(np.nan, index=raw.data.index, dtype=STR)
        kinds = kind.map(_kind_code).astype(object)
        pairs = [("id_a", "id_b", kinds, kinds, kinds)]
    else:  # several identifier columns: the first linked to each other
        columns = [h for h in raw.headers if h.strip() and (canonical_name("customers", h) == "customer_id" or set(
            re.split(r"[^a-z0-9]+", fold(h))) & IDENTIFIER_WORDS)]
        if len(columns) < 2:
            raise InputErrors([InputError(raw.file_name, raw.header_line, None, None, Message(
                "load.links.missing", missing="id_a, id_b", headers=", ".join(raw.headers)))])
        found = {h: raw.headers.index(h) for h in columns}
        if "source" in {header_key(h) for h in raw.headers}:
            found["source"] = [header_key(h) for h in raw.headers].index("source")
        check = _Check(raw, found)
        n = len(raw.data)
        constant = {h: pd.Series([_column_kind(h)] * n, index=raw.data.index, dtype=object) for h in columns}
        pairs = [(columns[0], other, constant[columns[0]], constant[other], constant[other]) for other in columns[1:]]
    source = check.text("source") if "source" in found else pd.Series(np.nan, index=raw.data.index, dtype=STR)
    digest = _hex_digest(secret, b"identity\x1f")
    calling = CALLING_CODES.get(ctx.timezone, "33")
    hashed = 0
    values_of = {}
    frames = []
    for left, right, kind_a, kind_b, link_kind in pairs:
        sides = []
        for name, kinds in ((left, kind_a), (right, kind_b)):
            if name not in values_of:
                values_of[name] = check.identifier(name, required=(name in ("id_a", "id_b")))
            stored, count = _stored(check, name, values_of[name], kinds, digest, calling)
            hashed += count
            sides.append(stored)
        frames.append(pd.DataFrame({"id_a": sides[0], "id_b": sides[1], "kind": pd.Series(
            link_kind, index=raw.data.index).astype(STR), "source": source, "line": raw.data[LINE_COLUMN].to_numpy(),
            "bad": check.bad.copy()}))
    frame = pd.concat(frames, ignore_index=True)
    if ctx.transform_customer_id is not None:  # ids other than hashes are stored as the customers' are
        for name in ("id_a", "id_b"):
            keep = frame[name].notna() & ~frame[name].str.match(r"^(?:email|phone):h_").fillna(False)
            if keep.any():
                frame.loc[keep, name] = list(ctx.transform_customer_id(frame.loc[keep, name]))
    frame = frame[~frame.pop("bad") & frame["id_a"].notna() & frame["id_b"].notna()]
    frame = frame[frame["id_a"] != frame["id_b"]].sort_values("line", kind="stable").reset_index(drop=True)
    return Links(raw.file_name, raw.sha256, len(raw.data), frame, check.sorted_errors(), hashed)


def _stored(check, name: str, values: pd.Series, kinds: pd.Series, digest, calling: str) -> tuple[pd.Series, int]:
    """Each identifier as stored: e-mail and phone as keyed hashes (a phone that cannot be read is an error)."""
    stored, hashed = [], 0
    for i, (value, kind) in enumerate(zip(values.astype(object), kinds, strict=True)):
        if value is None or value != value:
            stored.append(None)
            continue
        email = normalise_email(value) if (kind in EMAIL_KINDS or "@" in value) else None
        if email:
            stored.append("email:h_" + digest("email:" + email)[:32])
            hashed += 1
            continue
        phone = normalise_phone(value, calling) if kind in PHONE_KINDS else None
        if phone:
            stored.append("phone:h_" + digest("phone:" + phone)[:32])
            hashed += 1
            continue
        if kind in PHONE_KINDS and not re.search(r"[A-Za-z]", value):
            check.error(name, np.arange(len(values)) == i, values, Message("load.links.bad_phone"))
            stored.append(None)
            continue
        stored.append(value)
    return pd.Series(stored, index=values.index, dtype=STR), hashed


# -- stitching --------------------------------------------------------------------------------------------------


@dataclass
class Stitched:
    identifiers: int = 0
    components: int = 0  # of two identifiers or more, applied
    merged_customers: int = 0  # customer rows absorbed into another by this batch
    moved_touchpoints: int = 0
    moved_feedback: int = 0
    held: list[list[str]] = field(default_factory=list)  # suspicious components: their first identifiers
    sizes: dict[str, int] = field(default_factory=dict)


def _components(links: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(node identifiers in order of first appearance, each one's component label)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    both = pd.concat([links["id_a"], links["id_b"]], ignore_index=True)
    codes, nodes = pd.factorize(both)
    n = len(links)
    a, b = codes[:n], codes[n:]
    graph = coo_matrix((np.ones(n, dtype=np.int8), (a, b)), shape=(len(nodes), len(nodes)))
    _, labels = connected_components(graph, directed=False)
    return np.asarray(nodes, dtype=object), labels


def rebuild(conn, max_ids: int = MAX_IDS) -> tuple[pd.DataFrame, Stitched]:
    """The identities from every link in the database: (identifier, customer_id, component_size, held), replacing
    the table's rows; and what they say."""
    links = pd.read_sql("SELECT id_a, id_b FROM identity_links ORDER BY id", conn)
    stats = Stitched()
    conn.exec_driver_sql("DELETE FROM identities")
    if links.empty:
        return pd.DataFrame(columns=["identifier", "customer_id", "component_size", "held"]), stats
    nodes, labels = _components(links)
    known = _customer_numbers(conn, list(nodes))
    table = pd.DataFrame({"identifier": nodes, "label": labels, "order": np.arange(len(nodes))})
    table["customer_no"] = table["identifier"].map(known)
    table["hashed"] = table["identifier"].str.match(r"^(?:email|phone):h_")
    size = table.groupby("label")["identifier"].transform("size")
    table["component_size"] = size
    table["held"] = size > max_ids
    # the key: the member imported first as a customer; else the first plain identifier the links gave
    ranked = table.assign(has_no=table["customer_no"].isna(), no=table["customer_no"].fillna(0))
    ranked = ranked.sort_values(["label", "has_no", "no", "hashed", "order"], kind="stable")
    keys = ranked.drop_duplicates("label").set_index("label")["identifier"]
    table["customer_id"] = table["label"].map(keys)  # held components too (never applied: see identity_map)
    rows = table[["identifier", "customer_id", "component_size", "held"]]
    conn.execute(sa.text("INSERT INTO identities (identifier, customer_id, component_size, held) "
                         "VALUES (:identifier, :customer_id, :component_size, :held)"),
                 [{"identifier": r.identifier, "customer_id": r.customer_id, "component_size": int(r.component_size),
                   "held": bool(r.held)} for r in rows.itertuples(index=False)])
    stats.identifiers = len(table)
    applied = table[~table["held"]].groupby("label").size()
    stats.components = int((applied >= 2).sum())
    for low, high in SIZE_BUCKETS:
        stats.sizes[f"{low}" if low == high else f"{low}–{high}"] = int(((applied >= low) & (applied <= high)).sum())
    held = table[table["held"]].sort_values("order").groupby("label")["identifier"].apply(lambda s: list(s[:3]))
    stats.held = [list(v) for v in held]
    stats.sizes[f"> {max_ids}"] = len(stats.held)
    return rows, stats


def _customer_numbers(conn, identifiers: list[str]) -> dict[str, int]:
    out = {}
    for start in range(0, len(identifiers), 5000):
        chunk = identifiers[start:start + 5000]
        rows = conn.execute(sa.text("SELECT customer_id, customer_no FROM customers WHERE customer_id IN :ids")
                            .bindparams(sa.bindparam("ids", expanding=True)), {"ids": chunk}).all()
        out.update({r[0]: int(r[1]) for r in rows})
    return out


def restitch(conn, batch_id: int, max_ids: int = MAX_IDS) -> Stitched:
    """Rebuild the identities, then move the rows already in the database to their customer's key: touchpoints and
    feedback re-pointed, absorbed customers' attributes merged into the key's row and the absorbed rows deleted —
    every change kept for this batch's undo."""
    identities, stats = rebuild(conn, max_ids)
    moved = identities[(identities["identifier"] != identities["customer_id"]) & ~identities["held"]]
    if moved.empty:
        return stats
    conn.exec_driver_sql("DROP TABLE IF EXISTS stitch_map")
    conn.exec_driver_sql("CREATE TEMPORARY TABLE stitch_map (old VARCHAR PRIMARY KEY, new VARCHAR, new_no BIGINT)")
    numbers = _customer_numbers(conn, list(set(moved["customer_id"])))
    conn.execute(sa.text("INSERT INTO stitch_map (old, new, new_no) VALUES (:old, :new, :new_no)"),
                 [{"old": r.identifier, "new": r.customer_id, "new_no": numbers.get(r.customer_id)}
                  for r in moved.itertuples(index=False)])
    b = int(batch_id)
    _merge_customers(conn, b, stats)
    for table in ("touchpoints", "feedback"):
        history = f"{table}_history"
        cols = [r[0] for r in conn.exec_driver_sql(f"SELECT * FROM {table} LIMIT 0").cursor.description]
        listed = ", ".join(f'"{c}"' for c in cols)
        conn.exec_driver_sql(f"INSERT INTO {history} (undo_batch_id, {listed}) SELECT {b}, {listed} FROM {table} "
                             f"WHERE customer_id IN (SELECT old FROM stitch_map)")
        count = conn.exec_driver_sql(f"UPDATE {table} AS t SET customer_id = m.new, customer_no = m.new_no, "
                                     f"batch_id = {b} FROM stitch_map m WHERE t.customer_id = m.old").rowcount
        setattr(stats, f"moved_{table}", int(count or 0))
    conn.exec_driver_sql("DROP TABLE stitch_map")
    return stats


def _merge_customers(conn, batch_id: int, stats: Stitched) -> None:
    """Customers that are one: each attribute from the latest batch that gave it, churned if any, the latest churn
    date; the key's row keeps its number, the others go (all kept for undo)."""
    from loaders.write import _CUSTOMER_ATTRIBUTES

    members = pd.read_sql(
        "SELECT c.*, m.new AS stitched_to FROM customers c JOIN stitch_map m ON c.customer_id = m.old "
        "UNION ALL SELECT c.*, c.customer_id AS stitched_to FROM customers c "
        "WHERE c.customer_id IN (SELECT new FROM stitch_map)", conn)
    if members.empty:
        return
    cols = [c for c in members.columns if c != "stitched_to"]
    listed = ", ".join(f'"{c}"' for c in cols)
    conn.exec_driver_sql(f"INSERT INTO customers_history (undo_batch_id, {listed}) SELECT {batch_id}, {listed} "
                         f"FROM customers WHERE customer_id IN (SELECT old FROM stitch_map) "
                         f"OR customer_id IN (SELECT new FROM stitch_map)")
    members = members.sort_values(["stitched_to", "batch_id"], kind="stable", na_position="first")
    updates = []
    for key, group in members.groupby("stitched_to", sort=False):
        if key not in set(group["customer_id"]):
            continue  # the key is no customer (cannot be: the key is the first customer of its component)
        row = {"customer_id": key}
        for name in _CUSTOMER_ATTRIBUTES:
            if name not in group.columns:
                continue
            given = group[name].dropna()
            if name == "churned":
                row[name] = bool(given.astype(bool).any()) if len(given) else None
            elif name == "churn_date":
                row[name] = given.max() if len(given) else None
            else:
                row[name] = given.iloc[-1] if len(given) else None  # the latest batch's
        updates.append(row)
        stats.merged_customers += len(group) - 1
    conn.exec_driver_sql("DELETE FROM customers WHERE customer_id IN (SELECT old FROM stitch_map)")
    for row in updates:
        sets = ", ".join(f'"{k}" = :{k}' for k in row if k != "customer_id")
        if sets:
            conn.execute(sa.text(f"UPDATE customers SET {sets}, batch_id = {batch_id} "
                                 "WHERE customer_id = :customer_id"),
                         {k: (None if (not isinstance(v, str) and pd.isna(v)) else v) for k, v in row.items()})


# -- later imports ----------------------------------------------------------------------------------------------


def identity_map(conn) -> dict[str, str]:
    """identifier -> its customer's key, for the identifiers stitched to another (held components left out)."""
    rows = conn.exec_driver_sql("SELECT identifier, customer_id FROM identities "
                                "WHERE identifier <> customer_id AND NOT held").all()
    return dict(rows)


def map_frames(conn, validated: list) -> int:
    """Inside an import's transaction: every row of a stitched identifier becomes its customer's; several
    customer rows that are one person become one (each attribute the last given in the file, churned if any, the
    latest churn date). Returns the rows mapped."""
    mapping = identity_map(conn)
    if not mapping:
        return 0
    mapped = 0
    for v in validated:
        ids = v.frame["customer_id"]
        hit = ids.isin(mapping.keys())
        if not hit.any():
            continue
        mapped += int(hit.sum())
        v.frame["customer_id"] = ids.where(~hit, ids.map(mapping)).astype(STR)
        if v.kind == "customers":
            v.frame = _one_row_per_customer(v.frame)
    return mapped


def _one_row_per_customer(frame: pd.DataFrame) -> pd.DataFrame:
    if not frame["customer_id"].duplicated().any():
        return frame
    aggregations = {c: "last" for c in frame.columns if c != "customer_id"}  # last non-null, in file order
    if "churned" in frame.columns:
        aggregations["churned"] = "max"
    if "churn_date" in frame.columns:
        aggregations["churn_date"] = "max"
    return frame.groupby("customer_id", sort=False, as_index=False).agg(aggregations)[list(frame.columns)]


# -- the links import and its report ----------------------------------------------------------------------------


def import_links(db, path: str | Path, keep_personal_data: bool = False, max_ids: int | None = None) -> dict:
    """Import a links file as one batch and stitch; returns what ``report`` says plus this batch's moves."""
    from data_model import ImportBatch, ImportFile, ensure_initialised
    from loaders.privacy import _forget_secret
    from loaders.write import _PG_IMPORT_LOCK, import_context

    ensure_initialised(db)
    ctx = import_context(db, keep_personal_data)
    if ctx.refusal:
        raise InputErrors([InputError("", None, None, None, ctx.refusal)])
    max_ids = max_ids or _max_ids(db)
    with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            conn.exec_driver_sql(f"select pg_advisory_xact_lock({_PG_IMPORT_LOCK})")
        links = read_links(path, ctx, _forget_secret(conn, create=True))
        if links.errors:
            raise InputErrors(links.errors)
        batch_id = conn.execute(sa.insert(ImportBatch).values(source="links").returning(ImportBatch.id)).scalar_one()
        first = conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM identity_links").scalar_one()
        rows = links.frame.assign(id=np.arange(first + 1, first + 1 + len(links.frame)), batch_id=batch_id)
        conn.execute(sa.text("INSERT INTO identity_links (id, batch_id, id_a, id_b, kind, source, line) "
                             "VALUES (:id, :batch_id, :id_a, :id_b, :kind, :source, :line)"),
                     [{k: (None if (not isinstance(v, str) and pd.isna(v)) else (int(v) if k in ("id", "batch_id",
                                                                                             "line") else v))
                       for k, v in r.items()} for r in rows.to_dict("records")])
        stats = restitch(conn, batch_id, max_ids)
        conn.execute(sa.insert(ImportFile).values(batch_id=batch_id, kind="links", file_name=links.file_name,
                                                  sha256=links.sha256, rows_read=links.rows_read,
                                                  inserted=len(links.frame), updated=0, unchanged=0))
    from loaders.write import refresh_facts

    refresh_facts(db)  # customers were stitched together: their journeys changed
    return {"batch_id": batch_id, "links": len(links.frame), "hashed": links.hashed, **stats.__dict__}


def _max_ids(db) -> int:
    from analytics.settings import analysis_settings

    return analysis_settings(db).max_identity_ids


def report(db) -> dict:
    """How many identifiers were stitched, into how many customers; the sizes; the suspicious components."""
    with db.engine.connect() as conn:
        table = pd.read_sql("SELECT identifier, customer_id, component_size, held FROM identities", conn)
        links = conn.exec_driver_sql("SELECT count(*) FROM identity_links").scalar_one()
    held = table["held"].astype(bool)
    per_customer = table[~held].groupby("customer_id").size()
    sizes = {f"{lo}" if lo == hi else f"{lo}–{hi}": int(((per_customer >= lo) & (per_customer <= hi)).sum())
             for lo, hi in SIZE_BUCKETS}
    suspicious = table[held].groupby("customer_id")["identifier"].agg(["size", lambda s: sorted(s)[:3]])
    suspicious.columns = ["size", "first"]
    sizes[f"> {MAX_IDS}"] = len(suspicious)
    # records merged: identifiers of a system (not an e-mail or phone hash) that became another's customer
    plain = ~table["identifier"].str.match(r"^(?:email|phone):h_")
    merged = int((plain & ~held & (table["identifier"] != table["customer_id"])).sum())
    return {"links": int(links), "identifiers": len(table), "customers": int((per_customer >= 2).sum()),
            "merged": merged, "sizes": sizes,
            "held": [{"size": int(r.size), "first": list(r.first)} for r in suspicious.itertuples()]}


def undo(conn, batch_id: int) -> None:
    """Inside an undo: the batch's links go, the identities are rebuilt from the others (the rows it moved are
    restored by the undo itself)."""
    if conn.exec_driver_sql(f"DELETE FROM identity_links WHERE batch_id = {int(batch_id)}").rowcount:
        rebuild(conn)

