"""Exports shaped like two public datasets, for the tests and the benchmark (no file of theirs is needed).

- ``marketplace``: a marketplace's orders export as its public documentation describes it (Olist's Brazilian
  e-commerce dataset): ``customers`` (a per-order ``customer_id`` and the person's ``customer_unique_id``, city,
  state), wide ``orders`` (purchase, approval, hand-over to the carrier and delivery timestamps on one row, empty
  where the order did not get there, and an *estimated* delivery date that is no event), ``payments`` (no
  timestamp, one or several rows per order: vouchers, instalments) and ``reviews`` (1–5 stars, Portuguese text,
  by order; a few reviews written once for two orders of the same person, so they appear twice).
- ``lead_funnel``: a B2B lead funnel (Olist's marketing funnel dataset): marketing-qualified ``leads`` with their
  first contact date and origin channel (some empty), and ``deals`` closed by the sales team on another file.

Vectorised (a million orders in seconds), deterministic for a seed.
"""

import numpy as np
import pandas as pd

STATES = np.array(["SP", "RJ", "MG", "RS", "PR", "SC", "BA", "DF", "GO", "ES", "PE", "CE"])
STATE_WEIGHTS = np.array([42, 13, 12, 5.5, 5, 3.7, 3.4, 2.2, 2, 2, 1.7, 1.3])
CITIES = {"SP": "sao paulo", "RJ": "rio de janeiro", "MG": "belo horizonte", "RS": "porto alegre", "PR": "curitiba",
          "SC": "florianopolis", "BA": "salvador", "DF": "brasilia", "GO": "goiania", "ES": "vitoria",
          "PE": "recife", "CE": "fortaleza"}
COMMENTS = {
    1: ["Não recebi o produto", "produto veio com defeito, péssimo", "Atrasou muito a entrega"],
    2: ["veio errado", "Demorou demais para chegar"],
    3: ["Produto ok, entrega demorada", ""],
    4: ["Bom produto", "chegou antes do prazo", ""],
    5: ["Ótimo, recomendo", "Excelente vendedor, entrega rápida", "Adorei", ""],
}
ORIGINS = np.array(["organic_search", "paid_search", "social", "direct_traffic", "email", "referral", "display",
                    "other", "unknown"])
ORIGIN_WEIGHTS = np.array([29, 20, 17, 6.3, 6, 3, 1.5, 0.2, 2])
SEGMENTS = np.array(["home_decor", "health_beauty", "car_accessories", "computers", "household_utilities",
                     "construction_tools_house_garden", "audio_video_electronics", "food_supplement"])


def _hex(rng: np.random.Generator, n: int) -> np.ndarray:
    """n distinct 32-digit hex ids (as the dataset's)."""
    high = rng.integers(0, 2**62, n, dtype=np.int64)
    low = (np.arange(n, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(4)  # odd multiplier: distinct
    return np.char.add(np.char.mod("%016x", high), np.char.mod("%015x", low)).astype(object)


def _stamp(values: np.ndarray) -> np.ndarray:
    """datetime64 -> 'YYYY-MM-DD HH:MM:SS', NaT -> '' (as the dataset writes an empty time)."""
    text = np.datetime_as_string(values.astype("datetime64[s]"), unit="s")
    text = np.char.replace(text.astype(str), "T", " ")
    return np.where(np.isnat(values), "", text)


def marketplace(orders: int = 2000, seed: int = 7, repeat_share: float = 0.03, twice_reviews: int = 20) -> dict:
    """DataFrames ``customers``, ``orders``, ``payments``, ``reviews`` (text columns, as read from the CSVs)."""
    rng = np.random.default_rng(seed)
    persons = max(1, int(orders * (1 - repeat_share)))
    person_of = np.concatenate([np.arange(persons), rng.integers(0, persons, orders - persons)])
    rng.shuffle(person_of)
    unique_ids = _hex(rng, persons)
    state_of_person = rng.choice(STATES, persons, p=STATE_WEIGHTS / STATE_WEIGHTS.sum())
    order_ids, customer_ids = _hex(rng, orders), _hex(rng, orders)

    start = np.datetime64("2017-01-01T00:00:00")
    purchase = start + rng.integers(0, 600 * 86400, orders).astype("timedelta64[s]")
    status = rng.choice(np.array(["delivered", "shipped", "canceled", "invoiced", "processing"]), orders,
                        p=[0.95, 0.02, 0.015, 0.01, 0.005])
    approved = purchase + rng.integers(600, 2 * 86400, orders).astype("timedelta64[s]")
    carrier = approved + rng.integers(86400, 5 * 86400, orders).astype("timedelta64[s]")
    delivered = carrier + rng.integers(2 * 86400, 20 * 86400, orders).astype("timedelta64[s]")
    nat = np.datetime64("NaT")
    approved = np.where((status == "canceled") & (rng.random(orders) < 0.5), nat, approved)
    carrier = np.where(np.isin(status, ["delivered", "shipped"]), carrier, nat)
    delivered = np.where(status == "delivered", delivered, nat)
    estimated = (purchase + np.timedelta64(24, "D")).astype("datetime64[D]").astype("datetime64[s]")

    customers = pd.DataFrame({
        "customer_id": customer_ids,
        "customer_unique_id": unique_ids[person_of],
        "customer_zip_code_prefix": rng.integers(1000, 99990, orders).astype(str),
        "customer_city": [CITIES[s] for s in state_of_person[person_of]],
        "customer_state": state_of_person[person_of],
    })
    orders_frame = pd.DataFrame({
        "order_id": order_ids, "customer_id": customer_ids, "order_status": status,
        "order_purchase_timestamp": _stamp(purchase), "order_approved_at": _stamp(approved),
        "order_delivered_carrier_date": _stamp(carrier), "order_delivered_customer_date": _stamp(delivered),
        "order_estimated_delivery_date": _stamp(estimated),
    })

    # payments: most orders one row; some a voucher beside the card, some several vouchers
    rows_per_order = rng.choice([1, 2, 3], orders, p=[0.96, 0.03, 0.01])
    pay_order = np.repeat(np.arange(orders), rows_per_order)
    sequential = np.arange(len(pay_order)) - np.repeat(np.cumsum(rows_per_order) - rows_per_order, rows_per_order) + 1
    cents = rng.integers(990, 60_000, len(pay_order))
    payments = pd.DataFrame({
        "order_id": order_ids[pay_order], "payment_sequential": sequential.astype(str),
        "payment_type": np.where(sequential == 1, "credit_card", "voucher"),
        "payment_installments": rng.integers(1, 10, len(pay_order)).astype(str),
        "payment_value": np.char.mod("%.2f", cents / 100),
    })

    # reviews: one per order for most orders; created the day after delivery (or purchase + 30 days)
    reviewed = np.flatnonzero(rng.random(orders) < 0.97)
    score = rng.choice([1, 2, 3, 4, 5], orders, p=[0.11, 0.03, 0.08, 0.19, 0.59])
    base = np.where(np.isnat(delivered), purchase + np.timedelta64(30, "D"), delivered)
    created = (base + np.timedelta64(1, "D")).astype("datetime64[D]").astype("datetime64[s]")
    answered = created + rng.integers(3600, 3 * 86400, orders).astype("timedelta64[s]")
    comment_of = np.array([rng.choice(COMMENTS[s]) for s in range(1, 6)], dtype=object)  # one text per score
    review_ids = _hex(rng, orders)
    reviews = pd.DataFrame({
        "review_id": review_ids[reviewed], "order_id": order_ids[reviewed], "review_score": score[reviewed].astype(str),
        "review_comment_title": "", "review_comment_message": comment_of[score[reviewed] - 1],
        "review_creation_date": _stamp(created[reviewed]), "review_answer_timestamp": _stamp(answered[reviewed]),
    })
    # a review written once for two orders of the same person: the same row again under the other order
    if twice_reviews:
        first_order = pd.Series(np.arange(orders)).groupby(person_of).transform("first").to_numpy()
        second = np.flatnonzero((first_order != np.arange(orders)) & np.isin(first_order, reviewed))[:twice_reviews]
        copies = reviews.set_index("order_id").loc[order_ids[first_order[second]]].reset_index()
        copies["order_id"] = order_ids[second]
        reviews = reviews[~reviews["order_id"].isin(order_ids[second])]
        reviews = pd.concat([reviews, copies[reviews.columns]], ignore_index=True)
    return {"customers": customers, "orders": orders_frame, "payments": payments, "reviews": reviews}


def lead_funnel(leads: int = 2000, seed: int = 11, won_share: float = 0.105, empty_origin: int = 60) -> dict:
    """DataFrames ``leads`` (marketing-qualified leads) and ``deals`` (those the sales team closed)."""
    rng = np.random.default_rng(seed)
    mql_ids = _hex(rng, leads)
    contact = (np.datetime64("2017-07-01") + rng.integers(0, 365, leads).astype("timedelta64[D]"))
    origin = rng.choice(ORIGINS, leads, p=ORIGIN_WEIGHTS / ORIGIN_WEIGHTS.sum())
    origin[rng.choice(leads, min(empty_origin, leads), replace=False)] = ""
    leads_frame = pd.DataFrame({
        "mql_id": mql_ids, "first_contact_date": np.datetime_as_string(contact, unit="D"),
        "landing_page_id": _hex(rng, leads), "origin": origin,
    })
    won = np.flatnonzero(rng.random(leads) < won_share)
    delay = rng.integers(86400, 120 * 86400, len(won)).astype("timedelta64[s]")
    won_at = contact[won].astype("datetime64[s]") + delay
    deals = pd.DataFrame({
        "mql_id": mql_ids[won], "seller_id": _hex(rng, len(won)), "sdr_id": _hex(rng, len(won)),
        "sr_id": _hex(rng, len(won)), "won_date": _stamp(won_at),
        "business_segment": rng.choice(SEGMENTS, len(won)),
        "lead_type": rng.choice(["online_medium", "industry", "offline", "online_big"], len(won)),
        "lead_behaviour_profile": rng.choice(["cat", "eagle", "wolf", "shark", ""], len(won)),
        "has_company": "", "has_gtin": "", "average_stock": "", "business_type": rng.choice(["reseller",
                                                                                           "manufacturer"], len(won)),
        "declared_product_catalog_size": "", "declared_monthly_revenue": "0.0",
    })
    return {"leads": leads_frame, "deals": deals}


FILE_NAMES = {
    "customers": "olist_customers_dataset.csv", "orders": "olist_orders_dataset.csv",
    "payments": "olist_order_payments_dataset.csv", "reviews": "olist_order_reviews_dataset.csv",
    "leads": "olist_marketing_qualified_leads_dataset.csv", "deals": "olist_closed_deals_dataset.csv",
}


def write_csvs(frames: dict, folder) -> list:
    """The frames as the dataset's CSV files in ``folder`` (comma-separated, UTF-8); their paths."""
    from pathlib import Path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in frames.items():
        path = folder / FILE_NAMES[name]
        frame.to_csv(path, index=False)
        paths.append(path)
    return paths
