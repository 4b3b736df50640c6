"""A database whose every text holds every control character, written directly (no importer: databases filled by
old imports or by other tools hold such text whatever today's importer accepts).

Every C0 control but tab and line breaks, DEL, every C1 control, and U+FFFE / U+FFFF (not XML either: vl-convert
aborted on them too) sit in the middle of each persona, segment, region, channel label (and one channel code, so
a feedback channel), stage label, touchpoint type, comment, some customer, touchpoint and feedback ids.
PostgreSQL text cannot hold NUL: there it is left out.

The journey map's worst cell (purchase × store: ≥ 30 responses, nearly all detractors) has ``QUOTE`` as its most
frequent detractor comment, so that the map quotes it: the case that aborted the server.
"""

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlmodel import Session, select

from data_model import Channel, Customer, Feedback, Stage, Touchpoint, TouchpointType

CONTROLS = "".join(chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0)) if c not in (0x09, 0x0A, 0x0D))
NOT_XML = "\ufffe\uffff"
assert len(CONTROLS) == 29 + 1 + 32


def hostile(text: str, postgres: bool = False) -> str:
    planted = CONTROLS + NOT_XML
    if postgres:
        planted = planted.replace("\x00", "")
    half = len(text) // 2
    return text[:half] + planted + text[half:]


QUOTE_TEXT = "Livraison beaucoup trop lente"
CHANNELS = (("web", "Site web", "digital"), ("store", "Magasin", "physical"), ("app", "Application", "digital"),
            ("call", "Centre d'appels", "physical"), ("chat", "Messagerie", "digital"))


def texts(postgres: bool) -> dict:
    h = lambda s: hostile(s, postgres)  # noqa: E731
    return {
        "personas": [h("Famille"), h("Professionnel"), h("Étudiant")],
        "segments": [h("Premium"), h("Standard")],
        "regions": [h("Nord"), h("Sud"), None],
        "channels": {code: (h("chat") if code == "chat" else code, h(label), kind) for code, label, kind in CHANNELS},
        "type": h("clic publicitaire"),
        "quote": h(QUOTE_TEXT),
        "pains": [h("Vendeur absent au magasin"), h("Attente interminable au téléphone")],
        "praise": [h("Commande rapide et simple"), h("Très bon conseil en ligne")],
        "stop": h("Publicité trompeuse, prix introuvable"),
    }


def plant(db, customers: int = 360, seed: int = 7) -> dict:
    """Fill an initialised database (default stage model); return the texts planted."""
    postgres = db.dialect == "postgresql"
    h = lambda s: hostile(s, postgres)  # noqa: E731
    tx = texts(postgres)
    rng = random.Random(seed)
    codes = {key: code for key, (code, _, _) in tx["channels"].items()}
    with Session(db.engine) as s:
        stages = [st.code for st in sorted(s.exec(select(Stage)), key=lambda st: st.position)]
        for st in s.exec(select(Stage)):
            st.label_fr, st.label_en = h(st.label_fr), h(st.label_en)
            s.add(st)
        s.add(TouchpointType(code=tx["type"], stage="awareness"))
        for code, label, kind in tx["channels"].values():
            s.add(Channel(code=code, label=label, kind=kind))
        s.commit()

    tp_id = fb_id = 0
    rows: list = []
    start = datetime(2024, 1, 1, 9)
    for i in range(customers):
        cid = h(f"c{i:04d}") if i % 7 == 0 else f"c{i:04d}"
        churned = rng.random() < 0.3
        rows.append(Customer(customer_id=cid, customer_no=i + 1, persona=tx["personas"][i % 3],
                             segment=tx["segments"][i % 2], region=tx["regions"][i % 3],
                             signup_date=date(2023, 12, 1), churned=churned if i % 5 else None,
                             churn_date=date(2024, 7, 1) if churned and i % 5 else None))
        furthest = rng.choices(range(1, len(stages) + 1), weights=[2, 2, 4, 3, 2, 1])[0]
        when = start + timedelta(days=rng.randrange(0, 150), hours=rng.randrange(0, 8))
        for position, stage in enumerate(stages[:furthest], start=1):
            key = rng.choices(list(codes), weights=[40, 35, 10, 10, 5])[0]
            when += timedelta(days=rng.randrange(0, 6), hours=1)
            tp_id += 1
            rows.append(Touchpoint(
                id=tp_id, natural_key=f"tp-{tp_id}", customer_id=cid, customer_no=i + 1, timestamp=when,
                channel=codes[key], stage=stage, touchpoint=tx["type"] if position == 1 else h("commande"),
                revenue=Decimal("49.90") if stage == "purchase" else None,
                touchpoint_id=h(f"T{tp_id}") if tp_id % 9 == 0 else None, batch_id=1, line=tp_id + 1))
            if rng.random() > 0.85:
                continue
            if stage == "awareness" and furthest == 1:  # why did they drop? their own words
                nps, comment = rng.choice([1, 3, 5, 7]), tx["stop"]
            elif (stage, key) == ("purchase", "store"):
                nps = rng.choice([0, 1, 2, 3, 4, 5, 9])
                comment = tx["quote"] if nps <= 6 and rng.random() < 0.8 else rng.choice(tx["pains"])
            elif key == "web":
                nps = rng.choice([8, 9, 9, 10, 10])
                comment = rng.choice(tx["praise"])
            else:
                nps = rng.randrange(0, 11)
                comment = rng.choice(tx["pains"] + tx["praise"] + [None])
            fb_id += 1
            rows.append(Feedback(
                id=fb_id, natural_key=f"fb-{fb_id}", customer_id=cid, customer_no=i + 1,
                timestamp=when + timedelta(hours=2), stage=stage, channel=None if fb_id % 11 == 0 else codes[key],
                nps=nps, csat=rng.randrange(1, 6) if fb_id % 3 == 0 else None, comment=comment,
                feedback_id=h(f"F{fb_id}") if fb_id % 8 == 0 else None, batch_id=1, line=fb_id + 1))
    with Session(db.engine) as s:
        s.add_all(rows)
        s.commit()
    return tx


def hostile_database(folder) -> str:
    """A DuckDB file in ``folder`` with every hostile text planted (``plant``), closed; its URL."""
    import data_model as dm

    url = f"duckdb:///{folder / 'hostile.duckdb'}"
    db = dm.connect(url)
    dm.initialise(db)
    plant(db)
    db.close()
    return url
