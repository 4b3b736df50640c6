"""Synthetic demo company: customers, touchpoints and feedback in the canonical export format.

``generate(n)`` draws a whole omnichannel retailer with numpy only (no loop per customer or per
touchpoint), so a million customers (~10 million touchpoints) take seconds:

1. customers: persona, segment, region and a hidden satisfaction ``z`` ~ N(0, 1);
2. the funnel: how far each customer goes (awareness → … → advocacy), persona- and ``z``-dependent, a few
   skipping an intermediate stage; then 1 + Poisson touchpoints per stage reached (≤ 25 in all);
3. channels: each customer follows a pattern — mono-channel (one home channel), ROPO (research online,
   purchase in store), showrooming (consideration in store, purchase online) or free (persona/stage
   preferences with a sticky home channel, which yields multi- and cross-channel journeys);
4. touchpoint types consistent with stage and channel, revenue on orders;
5. feedback: about a quarter of customers answer one or more surveys (after the last touchpoint of a
   stage); NPS/CSAT come from ``z`` plus stage, persona and *planted* cell effects, with French verbatims;
6. churn: logistic in ``z``, never purchased, irritants met, detractor/promoter answers;
7. time: day gaps between touchpoints, journeys placed in [start, end], business-like hours per channel.

The planted effects are documented by the module constants (``PLANTED_IRRITANTS``, ``PLANTED_DELIGHTS``,
``NPS_SHIFTS``) so that tests of the analytics can look for them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from data_model.stages import STAGE_MODELS

# ---------------------------------------------------------------------------------------------------------
# What the demo company looks like
# ---------------------------------------------------------------------------------------------------------

STAGES: tuple[str, ...] = tuple(s.code for s in STAGE_MODELS["default"])
AWARENESS, CONSIDERATION, PURCHASE, SERVICE, LOYALTY, ADVOCACY = range(6)
assert STAGES == ("awareness", "consideration", "purchase", "service", "loyalty", "advocacy")

#: Channel label → kind (agrees with ``data_model.channels.channel_kind(slug(label))``).
CHANNELS: dict[str, str] = {
    "Site web": "digital",
    "Application mobile": "digital",
    "E-mail": "digital",
    "Réseaux sociaux": "digital",
    "Magasin": "physical",
    "Centre d'appels": "physical",
}
_CH = tuple(CHANNELS)
WEB, APP, EMAIL, SOCIAL, STORE, CALL = range(6)
_DIGITAL = np.array([CHANNELS[c] == "digital" for c in _CH])

#: How "at" each channel reads in a sentence (used by verbatims).
_CHANNEL_PHRASE = {
    "Site web": "sur le site", "Application mobile": "sur l'application", "E-mail": "par e-mail",
    "Réseaux sociaux": "sur les réseaux sociaux", "Magasin": "en magasin", "Centre d'appels": "au téléphone",
}

#: Touchpoint types per stage (names the default stage model maps to that stage).
TOUCHPOINT_TYPES: dict[str, tuple[str, ...]] = {
    "awareness": ("ad view", "ad click", "newsletter"),
    "consideration": ("product view", "comparison"),
    "purchase": ("order", "payment"),
    "service": ("delivery", "return", "support call"),
    "loyalty": ("repeat order", "loyalty program"),
    "advocacy": ("review", "referral"),
}
#: Types that carry a revenue.
ORDER_TYPES = ("order", "repeat order")

SEGMENTS: dict[str, float] = {"Particulier": 0.86, "Professionnel": 0.14}

#: Metropolitan regions, weighted roughly by population.
REGIONS: dict[str, float] = {
    "Île-de-France": 18.6, "Auvergne-Rhône-Alpes": 12.1, "Hauts-de-France": 8.9, "Nouvelle-Aquitaine": 9.1,
    "Occitanie": 9.0, "Grand Est": 8.2, "Provence-Alpes-Côte d'Azur": 7.6, "Pays de la Loire": 5.7,
    "Bretagne": 5.1, "Normandie": 5.0, "Bourgogne-Franche-Comté": 4.1, "Centre-Val de Loire": 3.8,
    "Corse": 0.5,
}


@dataclass(frozen=True)
class Persona:
    """How one persona behaves. Channel vectors follow ``CHANNELS`` order (web, app, e-mail, social, store, call)."""

    weight: float
    description: str
    channel_pref: tuple[float, ...]
    #: P(go on) from awareness to consideration, →purchase, →service, →loyalty, →advocacy (at z = 0).
    continue_p: tuple[float, float, float, float, float]
    #: multiplies the mean number of repeated touchpoints per stage
    intensity: float
    #: P(journey pattern): free, mono-channel, ROPO, showrooming
    patterns: tuple[float, float, float, float]
    #: P(home channel of a mono-channel journey): web, app, store
    mono_home: tuple[float, float, float]
    nps_shift: float  # latent satisfaction shift of its answers
    churn_shift: float  # logit
    basket: float  # revenue multiplier
    response: float  # survey response-rate multiplier


PERSONAS: dict[str, Persona] = {
    "Cliente pressée": Persona(
        0.18, "Achète vite, surtout sur l'application ; peu de comparaisons.",
        (1.0, 1.7, 0.5, 0.5, 0.5, 0.3), (0.74, 0.70, 0.68, 0.52, 0.33), 0.65,
        (0.55, 0.30, 0.08, 0.07), (0.35, 0.55, 0.10), -0.10, 0.10, 1.10, 0.75),
    "Amateur de bons plans": Persona(
        0.20, "Compare beaucoup (web, e-mails, réseaux sociaux), regarde en magasin, achète en ligne.",
        (1.4, 1.0, 1.2, 1.0, 0.6, 0.2), (0.88, 0.48, 0.70, 0.40, 0.40), 1.35,
        (0.52, 0.12, 0.12, 0.24), (0.60, 0.30, 0.10), -0.15, 0.35, 0.75, 1.00),
    "Habitué du magasin": Persona(
        0.18, "Fidèle au magasin et au téléphone ; se renseigne parfois en ligne avant de venir.",
        (0.4, 0.3, 0.5, 0.2, 2.3, 0.8), (0.80, 0.70, 0.72, 0.68, 0.35), 0.90,
        (0.44, 0.38, 0.15, 0.03), (0.10, 0.05, 0.85), 0.15, -0.30, 1.05, 1.00),
    "Digital native": Persona(
        0.17, "Application et réseaux sociaux ; partage volontiers son avis.",
        (0.9, 1.8, 0.4, 1.6, 0.3, 0.1), (0.85, 0.56, 0.62, 0.50, 0.55), 1.10,
        (0.50, 0.30, 0.05, 0.15), (0.25, 0.70, 0.05), 0.00, 0.10, 0.90, 0.90),
    "Famille": Persona(
        0.17, "Prépare ses achats en ligne et les fait en magasin (ROPO) ; gros paniers, retours fréquents.",
        (1.2, 0.8, 0.8, 0.6, 1.3, 0.5), (0.85, 0.60, 0.85, 0.55, 0.40), 1.10,
        (0.50, 0.12, 0.30, 0.08), (0.45, 0.15, 0.40), 0.05, -0.10, 1.45, 1.10),
    "Senior prudent": Persona(
        0.10, "Magasin, téléphone et e-mail ; a souvent besoin du service après-vente.",
        (0.7, 0.2, 0.9, 0.1, 1.6, 1.5), (0.80, 0.58, 0.85, 0.55, 0.30), 0.90,
        (0.52, 0.25, 0.20, 0.03), (0.30, 0.05, 0.65), 0.05, -0.20, 1.15, 1.30),
}
_PERSONA_NAMES = tuple(PERSONAS)

#: Cells (stage, channel label) whose answers are planted clearly below the rest, with their own complaints.
PLANTED_IRRITANTS: list[tuple[str, str]] = [("service", "Centre d'appels"), ("purchase", "Application mobile")]
#: Cells planted clearly above the rest, with their own praise.
PLANTED_DELIGHTS: list[tuple[str, str]] = [("purchase", "Magasin"), ("service", "Magasin")]
#: Shift of the latent answer score (in standard deviations) at each planted cell.
NPS_SHIFTS: dict[tuple[str, str], float] = {
    ("service", "Centre d'appels"): -1.15,
    ("purchase", "Application mobile"): -1.0,
    ("purchase", "Magasin"): +0.75,
    ("service", "Magasin"): +0.85,
}
#: Shift of the latent answer score per stage (after-sales is harder, advocates are happier).
_STAGE_NPS_SHIFT = np.array([0.0, 0.10, 0.05, -0.20, 0.20, 0.50])

#: Canonical export columns, in file order.
COLUMNS: dict[str, tuple[str, ...]] = {
    "customers": ("customer_id", "persona", "segment", "region", "signup_date", "churned", "churn_date"),
    "touchpoints": ("customer_id", "timestamp", "channel", "stage", "touchpoint", "revenue", "touchpoint_id"),
    "feedback": ("customer_id", "timestamp", "stage", "channel", "nps", "csat", "comment", "feedback_id"),
}
DATE_COLUMNS = ("signup_date", "churn_date")

#: The demo export shipped in ``sample_data/``.
DEMO_CUSTOMERS = 2000
DEMO_SEED = 42

# Stage × channel affinity (0 = that channel is not used at that stage).
_AFFINITY = np.array([
    #  web  app  mail soc  store call
    [1.0, 0.5, 1.0, 1.5, 0.5, 0.0],   # awareness
    [1.5, 1.0, 0.3, 0.4, 1.0, 0.2],   # consideration
    [1.2, 1.0, 0.0, 0.0, 1.0, 0.15],  # purchase
    [0.8, 0.6, 0.5, 0.0, 0.6, 3.5],   # service
    [1.0, 1.2, 1.0, 0.0, 0.9, 0.1],   # loyalty
    [1.0, 0.8, 0.4, 1.3, 0.3, 0.0],   # advocacy
])
# Mean number of *extra* touchpoints per stage reached (Poisson), the cap per stage, and the cap per customer.
_EXTRA_TOUCHES = np.array([1.9, 4.4, 1.1, 1.6, 3.4, 0.7])
_MAX_TOUCHES = np.array([6, 9, 3, 5, 8, 3])
_MAX_PER_CUSTOMER = 25
# P(skip) of an intermediate stage, for customers who go further.
_SKIP_P = np.array([0.05, 0.06, 0.0, 0.15, 0.05, 0.0])

# Type probabilities per stage and channel: (first touchpoint of the stage, later ones), over TOUCHPOINT_TYPES.
_TYPE_P: dict[str, list[tuple[tuple[float, ...], tuple[float, ...]]]] = {
    "awareness": [((.60, .40, 0), (.60, .40, 0)), ((.55, .45, 0), (.55, .45, 0)), ((0, .25, .75), (0, .25, .75)),
                  ((.65, .35, 0), (.65, .35, 0)), ((1, 0, 0), (1, 0, 0)), ((1, 0, 0), (1, 0, 0))],
    "consideration": [((.55, .45), (.55, .45)), ((.60, .40), (.60, .40)), ((.85, .15), (.85, .15)),
                      ((.85, .15), (.85, .15)), ((.70, .30), (.70, .30)), ((.60, .40), (.60, .40))],
    "purchase": [((1, 0), (.25, .75))] * 6,
    "service": [((.55, .25, .20), (.30, .40, .30)), ((.60, .20, .20), (.35, .35, .30)),
                ((.75, .10, .15), (.50, .30, .20)), ((0, 0, 1), (0, 0, 1)),
                ((.30, .70, 0), (.20, .80, 0)), ((0, 0, 1), (0, 0, 1))],
    "loyalty": [((.70, .30), (.70, .30)), ((.55, .45), (.55, .45)), ((.15, .85), (.15, .85)),
                ((0, 1), (0, 1)), ((.60, .40), (.60, .40)), ((.75, .25), (.75, .25))],
    "advocacy": [((.80, .20), (.80, .20)), ((.70, .30), (.70, .30)), ((.35, .65), (.35, .65)),
                 ((.50, .50), (.50, .50)), ((.15, .85), (.15, .85)), ((.20, .80), (.20, .80))],
}

# Hour-of-day weights per channel (0h..23h): business-like opening hours, evening peaks online.
_HOURS = np.array([
    # 0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15 16 17 18 19 20 21 22 23
    [0, 0, 0, 0, 0, 0, 0, 2, 3, 4, 4, 4, 6, 6, 4, 4, 4, 5, 6, 7, 8, 8, 4, 0],  # web
    [0, 0, 0, 0, 0, 0, 0, 4, 5, 3, 3, 3, 6, 6, 3, 3, 3, 4, 6, 7, 8, 8, 5, 0],  # app
    [0, 0, 0, 0, 0, 0, 0, 5, 8, 7, 6, 5, 5, 4, 4, 4, 4, 4, 4, 4, 3, 2, 1, 0],  # e-mail
    [0, 0, 0, 0, 0, 0, 0, 2, 3, 3, 3, 3, 5, 5, 3, 3, 3, 4, 6, 8, 9, 9, 6, 0],  # social
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 5, 6, 5, 4, 5, 6, 7, 8, 7, 1, 0, 0, 0, 0],  # store
    [0, 0, 0, 0, 0, 0, 0, 0, 3, 8, 8, 7, 4, 4, 7, 7, 6, 5, 3, 0, 0, 0, 0, 0],  # call centre
], dtype=float)
# Day gaps before a touchpoint: (P(same day), mean of the exponential otherwise), when it repeats the stage
# and when it opens the stage.
_GAP_REPEAT = np.array([[0.30, 4.0], [0.35, 2.0], [0.90, 1.0], [0.25, 3.0], [0.05, 20.0], [0.30, 6.0]])
_GAP_ENTER = np.array([[0.00, 1.0], [0.20, 4.0], [0.30, 6.0], [0.05, 4.0], [0.00, 30.0], [0.05, 10.0]])

# Baseline NPS answer distribution (0..10) of a neutral cell, and CSAT (1..5); the latent score is
# N(0, 1) there and the cut points are its quantiles.
_NPS_BASE = np.array([2.0, 1.0, 1.5, 2.0, 2.5, 5.0, 6.0, 14.0, 21.0, 22.0, 23.0])
_CSAT_BASE = np.array([5.0, 8.0, 17.0, 35.0, 35.0])

# ---------------------------------------------------------------------------------------------------------
# Verbatims (French). "{canal}" reads like "en magasin", "sur l'application"… Optional stage / channel filters.
# ---------------------------------------------------------------------------------------------------------

_S = {s: i for i, s in enumerate(STAGES)}
_C = {c: i for i, c in enumerate(_CH)}

_NEGATIVE = [
    ("Expérience décevante {canal}, je ne recommanderai pas.", None, None),
    ("Déçu, la qualité n'est plus au rendez-vous.", None, None),
    ("Prix plus élevés que chez la concurrence.", ("consideration", "purchase", "loyalty"), None),
    ("Trop de sollicitations ; je reçois trois e-mails par jour.", ("awareness", "loyalty"), None),
    ("Publicités trop insistantes, j'ai l'impression d'être suivi partout.", ("awareness",),
     ("Site web", "Application mobile", "Réseaux sociaux")),
    ("Informations produit incomplètes {canal}, impossible de comparer.", ("consideration",), None),
    ("Site lent et recherche inutilisable.", ("consideration", "purchase", "service"), ("Site web",)),
    ("Rupture de stock au moment de commander.", ("purchase",), None),
    ("Frais de livraison excessifs.", ("purchase", "service"), ("Site web", "Application mobile")),
    ("Délai de livraison beaucoup trop long.", ("service",), None),
    ("Colis arrivé abîmé et retour compliqué.", ("service",), None),
    ("Remboursement toujours pas reçu après trois semaines.", ("service",), None),
    ("Personne ne répond aux messages privés.", None, ("Réseaux sociaux",)),
    ("Vendeur peu aimable et jamais disponible.", None, ("Magasin",)),
    ("Promotion annoncée mais non appliquée en caisse.", ("purchase", "loyalty"), ("Magasin",)),
    ("Mes points de fidélité ont disparu de mon compte.", ("loyalty",), None),
    ("On m'a renvoyé d'un service à l'autre ; personne n'est responsable.", ("service",), None),
    ("Conditions de retour floues, \"voir les CGV\" n'est pas une réponse.", ("service",), None),
    ("Je ne recommande pas.\nTrop de promesses non tenues.", None, None),
]
_NEUTRAL = [
    ("Correct, sans plus.", None, None),
    ("Rien à signaler.", None, None),
    ("Conforme à mes attentes.", None, None),
    ("Expérience correcte {canal}, mais peut mieux faire.", None, None),
    ("Bon produit, prix un peu élevé.", ("consideration", "purchase", "loyalty"), None),
    ("Livraison dans les temps mais emballage à revoir.", ("service",), None),
    ("Quelques lenteurs, mais j'ai trouvé ce que je cherchais.", ("consideration", "purchase"),
     ("Site web", "Application mobile")),
    ("Choix limité en magasin ; il a fallu commander.", ("consideration", "purchase"), ("Magasin",)),
    ("Newsletter intéressante mais trop fréquente.", ("awareness", "loyalty"), ("E-mail",)),
    ("Réponse obtenue, mais il a fallu relancer.", ("service",), None),
    ("Programme de fidélité un peu compliqué à comprendre.", ("loyalty",), None),
    ("Prix corrects ; choix moyen.", None, None),
    ("Publicité vue plusieurs fois, pas vraiment ciblée.", ("awareness",), None),
    ("Avis publié, en attente de modération.", ("advocacy",), ("Site web", "Application mobile")),
]
_POSITIVE = [
    ("Très satisfait, je recommande !", None, None),
    ("Super expérience {canal}.", None, None),
    ("Rien à redire, tout était parfait.", None, None),
    ("Bon rapport qualité/prix ; je reviendrai.", None, None),
    ("Produit conforme et de très bonne qualité.", ("purchase", "service", "loyalty", "advocacy"), None),
    ("Commande simple et rapide.", ("purchase", "loyalty"), ("Site web", "Application mobile")),
    ("Livraison rapide et soignée.", ("service",), None),
    ("Retour accepté sans difficulté, merci.", ("service",), None),
    ("Service client efficace : problème réglé en cinq minutes.", ("service",), None),
    ("Les offres fidélité valent vraiment le coup.", ("loyalty",), None),
    ("Je recommande à tous mes proches.", ("loyalty", "advocacy"), None),
    ("Site clair, j'ai trouvé en deux clics.", ("consideration", "purchase"), ("Site web",)),
    ("Application pratique et intuitive.", None, ("Application mobile",)),
    ("Le \"click & collect\" est vraiment pratique.", ("purchase", "service"), ("Site web", "Application mobile")),
    ("Newsletter utile, de bonnes idées ; merci.", ("awareness", "loyalty"), ("E-mail",)),
    ("Très bon accueil.\nJe reviendrai sans hésiter.", None, ("Magasin",)),
    ("Comparateur en ligne très utile pour choisir.", ("consideration",), ("Site web", "Application mobile")),
]
#: Distinctive verbatims of the planted cells (negative at irritants, positive at delights).
PLANTED_VERBATIMS: dict[tuple[str, str], list[str]] = {
    ("service", "Centre d'appels"): [
        "Plus de 40 minutes d'attente au téléphone avant d'avoir un conseiller.",
        "Temps d'attente interminable au centre d'appels ; personne ne rappelle.",
        "Impossible de joindre le service client, on m'a raccroché au nez deux fois.",
        "J'ai dû rappeler trois fois pour le même problème, à chaque fois il faut tout réexpliquer.",
        "Musique d'attente pendant 35 minutes puis coupure. Inadmissible.",
        "Le conseiller m'a dit \"ce n'est pas notre service\" et m'a renvoyé vers le site.",
        "Attente au téléphone beaucoup trop longue.\nEt aucune solution au final.",
        "Serveur vocal sans fin : tapez 1, tapez 2… jamais un humain.",
    ],
    ("purchase", "Application mobile"): [
        "Le paiement a planté dans l'application et j'ai été débité deux fois.",
        "Bug au moment de payer sur l'appli : le panier s'est vidé.",
        "Impossible de valider la commande dans l'application, erreur \"paiement refusé\" alors que ma carte marche.",
        "L'application se fige à l'étape du paiement ; j'ai fini par commander sur le site.",
        "Code 3D Secure jamais reçu, l'appli a annulé ma commande.",
        "Paiement impossible depuis la dernière mise à jour de l'application.",
        "Appli qui se ferme toute seule pendant le paiement, trois essais pour une commande.",
    ],
    ("purchase", "Magasin"): [
        "Vendeuse de très bon conseil, elle a pris le temps de m'expliquer les différences.",
        "Accueil chaleureux en magasin et conseils vraiment personnalisés.",
        "Le conseiller m'a orienté vers un modèle moins cher et mieux adapté ; bravo !",
        "Équipe du magasin disponible et compétente, passage en caisse rapide.",
        "Excellent conseil en magasin, je suis reparti avec exactement ce qu'il me fallait.",
        "Vendeur passionné qui connaît ses produits. \"Un vrai conseil\", ça change tout.",
    ],
    ("service", "Magasin"): [
        "Retour en magasin réglé en cinq minutes, échange immédiat. Parfait.",
        "Le SAV du magasin a réparé mon appareil sur place ; personnel adorable.",
        "Échange sans ticket accepté avec le sourire, merci à l'équipe du magasin.",
        "Conseiller en magasin qui a tout de suite trouvé la solution.",
        "Retrait de ma commande en magasin rapide, et on m'a aidé à tout vérifier.",
        "Remboursement fait directement en caisse, \"aucun souci\" m'a dit la vendeuse.",
    ],
}


# ---------------------------------------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------------------------------------


def _draw(rng: np.random.Generator, cell: np.ndarray, table: np.ndarray) -> np.ndarray:
    """One category per row: row i is drawn from the (unnormalised) distribution ``table[cell[i]]``."""
    table = np.asarray(table, dtype=float)
    n_cells, k = table.shape
    cdf = np.cumsum(table, axis=1)
    cdf = cdf / np.where(cdf[:, -1:] > 0, cdf[:, -1:], 1.0)
    cdf[:, -1] = 1.0
    flat = (cdf + np.arange(n_cells)[:, None]).ravel()
    cell = np.asarray(cell, dtype=np.int64)
    pos = np.searchsorted(flat, cell + rng.random(len(cell)), side="right")
    return np.clip(pos - cell * k, 0, k - 1).astype(np.int8)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p):
    p = np.asarray(p, dtype=float)
    return np.log(p / (1.0 - p))


def _cuts(weights) -> np.ndarray:
    """Cut points on N(0, 1) that give the categories these weights."""
    cum = np.cumsum(weights)[:-1] / np.sum(weights)
    return np.array([NormalDist().inv_cdf(float(q)) for q in cum])


def _fixed_strings(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """``prefix`` + zero-padded numbers as an Arrow string array, built as one byte matrix (no Python loop)."""
    numbers = np.asarray(numbers, dtype=np.int64).copy()
    n = len(numbers)
    pre = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    mat = np.empty((n, len(pre) + width), dtype=np.uint8)
    mat[:, :len(pre)] = pre
    for k in range(width - 1, -1, -1):
        mat[:, len(pre) + k] = 48 + numbers % 10
        numbers //= 10
    return _matrix_strings(mat)


def _matrix_strings(mat: np.ndarray) -> pa.Array:
    """Rows of a uint8 matrix as an Arrow ``large_string`` array (what pandas strings use: no copy later)."""
    n, w = mat.shape
    data = pa.py_buffer(np.ascontiguousarray(mat))
    offsets = pa.py_buffer(np.arange(0, (n + 1) * w, w, dtype=np.int64))
    return pa.LargeStringArray.from_buffers(n, offsets, data)


def _labels(labels, codes: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    """Arrow strings ``labels[codes]``; null where ``mask`` is True."""
    arr = pa.array(list(labels), type=pa.large_string()).take(pa.array(np.asarray(codes)))
    if mask is not None and mask.any():
        arr = pc.if_else(pa.array(~mask), arr, pa.scalar(None, pa.large_string()))
    return arr


def _width(n: int, minimum: int) -> int:
    return max(minimum, len(str(max(n, 1))))


def _verbatim_catalogue():
    """Flat array of comment texts, with (offset, length) per (sentiment, stage, channel-or-unknown) cell and
    per (planted cell, channel-or-unknown)."""
    texts: list[str] = []
    generic_off = np.zeros((3, 6, 7), dtype=np.int64)
    generic_len = np.zeros((3, 6, 7), dtype=np.int64)
    for si, pool in enumerate((_NEGATIVE, _NEUTRAL, _POSITIVE)):
        for st, stage in enumerate(STAGES):
            for ci in range(7):
                channel = _CH[ci] if ci < 6 else None
                chosen = []
                for text, stages, channels in pool:
                    if stages is not None and stage not in stages:
                        continue
                    if channels is not None and channel not in channels:
                        continue
                    if "{canal}" in text:
                        if channel is None:
                            continue
                        text = text.replace("{canal}", _CHANNEL_PHRASE[channel])
                    chosen.append(text)
                generic_off[si, st, ci] = len(texts)
                generic_len[si, st, ci] = len(chosen)
                texts.extend(chosen)
    planted_off = np.zeros(len(NPS_SHIFTS), dtype=np.int64)
    planted_len = np.zeros(len(NPS_SHIFTS), dtype=np.int64)
    for i, cell in enumerate(NPS_SHIFTS):
        planted_off[i] = len(texts)
        planted_len[i] = len(PLANTED_VERBATIMS[cell])
        texts.extend(PLANTED_VERBATIMS[cell])
    return np.array(texts, dtype=object), generic_off, generic_len, planted_off, planted_len


def _empty_frames() -> dict[str, pd.DataFrame]:
    dtypes = {
        "customer_id": "str", "persona": "str", "segment": "str", "region": "str",
        "signup_date": "datetime64[s]", "churned": "bool", "churn_date": "datetime64[s]",
        "timestamp": "datetime64[s]", "channel": "str", "stage": "str", "touchpoint": "str",
        "revenue": "float64", "touchpoint_id": "str", "nps": "Int64", "csat": "Int64", "comment": "str",
        "feedback_id": "str",
    }
    return {kind: pd.DataFrame({c: pd.Series([], dtype=dtypes[c]) for c in cols}) for kind, cols in COLUMNS.items()}


def generate(n_customers: int, seed: int = 0, start: date = date(2025, 1, 1),
             end: date = date(2025, 12, 31)) -> dict[str, pd.DataFrame]:
    """A synthetic company of ``n_customers`` in the canonical export format.

    Returns ``{"customers", "touchpoints", "feedback"}`` DataFrames (columns in ``COLUMNS`` order). Dates are
    ``datetime64[s]`` at midnight, timestamps naive ``datetime64[s]`` (local time), text columns pandas
    strings, ``nps``/``csat`` nullable ``Int64``, ``revenue`` float (NaN but on orders). Same arguments, same
    frames. Touchpoints are grouped by customer in journey order (stages never go back in time).
    """
    if n_customers < 0:
        raise ValueError("n_customers must be >= 0")
    if end < start:
        raise ValueError(f"end ({end}) is before start ({start})")
    if n_customers == 0:
        return _empty_frames()
    rng = np.random.default_rng(seed)
    n = int(n_customers)
    personas = list(PERSONAS.values())
    n_p = len(personas)

    # --- customers -----------------------------------------------------------------------------------------
    persona = rng.choice(n_p, size=n, p=_norm([p.weight for p in personas])).astype(np.int8)
    segment = rng.choice(len(SEGMENTS), size=n, p=_norm(list(SEGMENTS.values()))).astype(np.int8)
    region = rng.choice(len(REGIONS), size=n, p=_norm(list(REGIONS.values()))).astype(np.int8)
    z = rng.standard_normal(n)  # hidden satisfaction / propensity

    # --- funnel: how far each customer goes, and how many touchpoints per stage ---------------------------
    cont_logit = _logit(np.array([p.continue_p for p in personas]))[persona] + 0.4 * z[:, None]
    goes_on = rng.random((n, 5)) < _sigmoid(cont_logit)
    depth = np.where(goes_on.all(axis=1), 5, np.argmin(goes_on, axis=1))  # index of the last stage reached
    del goes_on, cont_logit
    reached = np.arange(6)[None, :] <= depth[:, None]
    skip = (rng.random((n, 6)) < _SKIP_P[None, :]) & (np.arange(6)[None, :] < depth[:, None])
    reached &= ~skip
    del skip
    intensity = np.array([p.intensity for p in personas])[persona]
    lam = _EXTRA_TOUCHES[None, :] * intensity[:, None]
    lam[:, CONSIDERATION] *= np.where(persona == _PERSONA_NAMES.index("Amateur de bons plans"), 1.3, 1.0)
    counts = np.minimum(1 + rng.poisson(lam), _MAX_TOUCHES[None, :]) * reached
    counts = counts.astype(np.int32)
    del lam, intensity
    excess = np.maximum(counts.sum(axis=1) - _MAX_PER_CUSTOMER, 0)
    for s in (CONSIDERATION, LOYALTY, AWARENESS, SERVICE, ADVOCACY, PURCHASE):  # trim the longest journeys
        cut = np.minimum(excess, np.maximum(counts[:, s] - 1, 0))
        counts[:, s] -= cut
        excess -= cut
    per_customer = counts.sum(axis=1)
    purchased = reached[:, PURCHASE]

    flat_counts = counts.ravel()
    n_rows = int(flat_counts.sum())
    cust = np.repeat(np.arange(n, dtype=np.int32), per_customer)
    stage = np.repeat(np.tile(np.arange(6, dtype=np.int8), n), flat_counts)
    block_end = np.cumsum(flat_counts)
    first_in_block = np.zeros(n_rows, dtype=bool)
    first_in_block[(block_end - flat_counts)[flat_counts > 0]] = True
    cust_start = np.cumsum(per_customer) - per_customer
    cust_last = cust_start + per_customer - 1
    row_persona = persona[cust]

    # --- channels ----------------------------------------------------------------------------------------
    pref = np.array([p.channel_pref for p in personas])  # (persona, channel)
    pattern = _draw(rng, persona, np.array([p.patterns for p in personas]))  # 0 free 1 mono 2 ropo 3 showroom
    home = _draw(rng, persona, pref)
    mono_home = np.array([WEB, APP, STORE], dtype=np.int8)[_draw(rng, persona, np.array([p.mono_home
                                                                                         for p in personas]))]
    ps_table = (pref[:, None, :] * _AFFINITY[None, :, :]).reshape(n_p * 6, 6)
    ps_cell = row_persona.astype(np.int64) * 6 + stage
    channel = _draw(rng, ps_cell, ps_table)
    row_pattern = pattern[cust]
    row_home = home[cust]
    sticky = (row_pattern == 0) & (rng.random(n_rows) < 0.4) & (_AFFINITY[stage, row_home] > 0)
    channel[sticky] = row_home[sticky]
    del sticky, row_home
    mono = row_pattern == 1
    channel[mono] = mono_home[cust[mono]]
    del mono
    # ROPO: research online, purchase offline
    m = (row_pattern == 2) & (stage <= CONSIDERATION)
    channel[m] = _draw(rng, ps_cell[m], ps_table * _DIGITAL[None, :])
    channel[(row_pattern == 2) & (stage == PURCHASE)] = STORE
    # Showrooming: consideration in store, purchase online (web or app)
    channel[(row_pattern == 3) & (stage == CONSIDERATION)] = STORE
    m = (row_pattern == 3) & (stage == PURCHASE)
    web_app = np.zeros(6)
    web_app[[WEB, APP]] = 1.0
    channel[m] = _draw(rng, ps_cell[m], ps_table * web_app[None, :])
    del m, ps_cell, row_pattern

    # --- touchpoint types and revenue -------------------------------------------------------------------
    type_names = [t for s in STAGES for t in TOUCHPOINT_TYPES[s]]
    type_offset = np.cumsum([0] + [len(TOUCHPOINT_TYPES[s]) for s in STAGES])[:-1]
    type_table = np.zeros((6 * 6 * 2, 3))
    for si, s in enumerate(STAGES):
        for ci in range(6):
            for later in (0, 1):
                probs = _TYPE_P[s][ci][later]
                type_table[(si * 6 + ci) * 2 + later, :len(probs)] = probs
    type_cell = (stage.astype(np.int64) * 6 + channel) * 2 + (~first_in_block)
    ttype = (type_offset[stage] + _draw(rng, type_cell, type_table)).astype(np.int8)
    del type_cell
    is_order = np.isin(ttype, [type_names.index(t) for t in ORDER_TYPES])
    n_orders = int(is_order.sum())
    basket = (np.array([p.basket for p in personas])[row_persona[is_order]]
              * np.where(segment[cust[is_order]] == list(SEGMENTS).index("Professionnel"), 2.4, 1.0)
              * np.where(channel[is_order] == STORE, 1.1, 1.0)
              * np.where(stage[is_order] == LOYALTY, 0.8, 1.0))
    revenue = np.full(n_rows, np.nan)
    revenue[is_order] = np.round(rng.lognormal(np.log(55.0), 0.75, n_orders) * basket + 2.0, 2)
    del basket, row_persona

    irritant_cells = np.zeros((6, 6), dtype=bool)
    for s, c in PLANTED_IRRITANTS:
        irritant_cells[_S[s], _C[c]] = True

    # --- feedback: who answers, after which touchpoints, with which scores ------------------------------
    cand = (block_end - 1)[flat_counts > 0]  # last touchpoint of every stage reached
    cand_cust = cust[cand]
    resp_p = (0.21 + 0.12 * purchased) * np.array([p.response for p in personas])[persona]
    responder = rng.random(n) < resp_p
    cand = cand[responder[cand_cust]]
    cand_cust = cust[cand]
    # weighted sampling without replacement; unhappy experiences are answered more readily
    weight = (np.array([0.25, 0.5, 1.5, 2.2, 1.0, 0.8])[stage[cand]]
              * np.where(irritant_cells[stage[cand], channel[cand]], 2.0, 1.0))
    key = np.log(rng.random(len(cand))) / weight
    order = np.lexsort((-key, cand_cust))
    cand, cand_cust = cand[order], cand_cust[order]
    n_cand = np.bincount(cand_cust, minlength=n)
    rank = np.arange(len(cand)) - np.repeat(np.cumsum(n_cand) - n_cand, n_cand)  # rank within the customer
    wanted = 1 + rng.poisson(0.4, n)
    fb_rows = np.sort(cand[rank < wanted[cand_cust]])
    del cand, cand_cust, key, order, rank
    fb_cust = cust[fb_rows]
    fb_stage = stage[fb_rows]
    fb_channel = channel[fb_rows]
    n_fb = len(fb_rows)

    cell_index = np.full((6, 6), -1, dtype=np.int64)
    shift_table = np.zeros((6, 6))
    for i, ((s, c), shift) in enumerate(NPS_SHIFTS.items()):
        cell_index[_S[s], _C[c]] = i
        shift_table[_S[s], _C[c]] = shift
    latent = (0.55 * z[fb_cust] + math.sqrt(1 - 0.55**2) * rng.standard_normal(n_fb)
              + _STAGE_NPS_SHIFT[fb_stage] + shift_table[fb_stage, fb_channel]
              + np.array([p.nps_shift for p in personas])[persona[fb_cust]] - 0.05)
    score = np.searchsorted(_cuts(_NPS_BASE), latent).astype(np.int64)
    csat_latent = 0.85 * latent + math.sqrt(1 - 0.85**2) * rng.standard_normal(n_fb)
    csat = 1 + np.searchsorted(_cuts(_CSAT_BASE), csat_latent).astype(np.int64)
    no_nps = rng.random(n_fb) < 0.03
    no_csat = rng.random(n_fb) < np.where(no_nps, 0.35, 0.25)  # without NPS: CSAT and/or a comment
    sentiment = np.where(score <= 6, 0, np.where(score <= 8, 1, 2))
    comment_p = np.array([0.62, 0.30, 0.42])[sentiment]
    has_comment = (rng.random(n_fb) < np.where(no_nps, 0.7, comment_p)) | (no_nps & no_csat)
    no_channel = rng.random(n_fb) < 0.05
    texts, g_off, g_len, p_off, p_len = _verbatim_catalogue()
    ch_or_unknown = np.where(no_channel, 6, fb_channel)
    pick = g_off[sentiment, fb_stage, ch_or_unknown] + (
        rng.random(n_fb) * g_len[sentiment, fb_stage, ch_or_unknown]).astype(np.int64)
    cell_i = cell_index[fb_stage, fb_channel]
    planted_ok = (cell_i >= 0) & np.where(shift_table[fb_stage, fb_channel] < 0, sentiment == 0, sentiment == 2)
    use_planted = planted_ok & (rng.random(n_fb) < 0.8)
    ci = np.where(use_planted, cell_i, 0)
    pick = np.where(use_planted, p_off[ci] + (rng.random(n_fb) * p_len[ci]).astype(np.int64), pick)
    comment = np.where(has_comment, texts[pick], None)

    # --- churn ---------------------------------------------------------------------------------------------
    met_irritant = np.zeros(n, dtype=bool)
    met_irritant[cust[irritant_cells[stage, channel]]] = True
    answered_score = np.where(no_nps, -1, score)
    detractor = np.zeros(n, dtype=bool)
    detractor[fb_cust[(answered_score >= 0) & (answered_score <= 6)]] = True
    promoter = np.zeros(n, dtype=bool)
    promoter[fb_cust[answered_score >= 9]] = True
    promoter &= ~detractor
    churn_logit = (-2.0 + np.array([p.churn_shift for p in personas])[persona] - 0.7 * z
                   + 1.1 * ~purchased - 0.8 * reached[:, LOYALTY] + 0.5 * met_irritant
                   + 0.9 * detractor - 0.5 * promoter)
    churned = rng.random(n) < _sigmoid(churn_logit)
    churn_gap = np.where(churned, 5 + rng.exponential(30.0, n).astype(np.int64), 4)  # days after last touch

    # --- time --------------------------------------------------------------------------------------------
    span = (end - start).days + 1
    gap_cell = stage * 2 + first_in_block  # row of np.stack([_GAP_REPEAT, _GAP_ENTER], axis=1)
    gap_table = np.stack([_GAP_REPEAT, _GAP_ENTER], axis=1).reshape(12, 2)
    gap = np.where(rng.random(n_rows) < gap_table[gap_cell, 0], 0,
                   1 + rng.exponential(1.0, n_rows) * (gap_table[gap_cell, 1] - 1)).astype(np.int64)
    del gap_cell
    gap[cust_start] = 0
    csum = np.cumsum(gap)
    offset = csum - np.repeat(csum[cust_start], per_customer)
    del csum, gap
    duration = offset[cust_last]
    reserve = np.minimum(churn_gap, span - 1)
    room = np.maximum(span - 1 - reserve, 0)
    too_long = duration > room
    if too_long.any():  # squeeze the few journeys that do not fit
        factor = np.where(too_long, room / np.maximum(duration, 1), 1.0)
        offset = np.floor(offset * factor[cust]).astype(np.int64)
        duration = offset[cust_last]
    first_day = (rng.random(n) * (room - duration + 1)).astype(np.int64)
    day = first_day[cust] + offset
    del offset

    hour = _draw(rng, channel, _HOURS).astype(np.int64)
    tod = hour * 3600 + (rng.random(n_rows) * 3600).astype(np.int64)
    group_start = np.ones(n_rows, dtype=bool)
    group_start[1:] = (cust[1:] != cust[:-1]) | (day[1:] != day[:-1])
    same_channel = np.zeros(n_rows, dtype=bool)
    same_channel[1:] = channel[1:] == channel[:-1]
    # touchpoints of one customer on one day follow the first one by minutes (a few deliberate exact ties)
    step = np.where(same_channel, 30 + rng.exponential(480.0, n_rows), 300 + rng.exponential(2400.0, n_rows))
    step = np.where(rng.random(n_rows) < 0.003, 0, step.astype(np.int64))
    step[group_start] = 0
    heads = np.flatnonzero(group_start)
    group_size = np.diff(np.append(heads, n_rows))
    head = np.repeat(heads, group_size)
    csum = np.cumsum(step)
    chain = np.append(csum[heads[1:] - 1], csum[-1]) - csum[heads]  # length of each day's chain
    # the day's chain is placed by its first store/call-centre touchpoint (opening hours), else by its first one
    physical_row = np.where(~_DIGITAL[channel], np.arange(n_rows), n_rows)
    anchor = np.minimum.reduceat(physical_row, heads)
    anchor = np.where(anchor < n_rows, anchor, heads)
    del physical_row
    base = tod[anchor] - (csum[anchor] - csum[heads])
    base = np.maximum(np.minimum(base, 22 * 3600 + 3599 - chain), 7 * 3600)  # from 7:00, ends by 23:00
    tod = np.minimum(np.repeat(base, group_size) + csum - csum[head], 86399)
    del step, csum, head, heads, group_size, chain, anchor, base, group_start, same_channel, hour
    epoch_day = (np.datetime64(start, "D") - np.datetime64("1970-01-01", "D")).astype(np.int64)
    ts_sec = (epoch_day + day) * 86400 + tod
    del tod

    last_day = day[cust_last]
    signup = (epoch_day + day[cust_start]) * 86400
    churn_day = np.minimum(last_day + churn_gap, span - 1)  # only a very short period clips it
    churn_sec = np.where(churned, (epoch_day + churn_day) * 86400, 0)
    del day

    # feedback times: a quick in-app/SMS survey, or an e-mail survey 1-3 days later
    quick = rng.random(n_fb) < 0.45
    tp_sec = ts_sec[fb_rows]
    later_day = (tp_sec // 86400 + rng.integers(1, 4, n_fb)) * 86400
    later = later_day + _draw(rng, np.zeros(n_fb, dtype=np.int64), _HOURS[[EMAIL]]).astype(np.int64) * 3600 \
        + rng.integers(0, 3600, n_fb)
    fb_sec = np.where(quick, tp_sec + rng.integers(300, 7200, n_fb), later)
    fb_sec = np.maximum(np.minimum(fb_sec, (epoch_day + span) * 86400 - 1), tp_sec)  # very short periods

    # --- frames --------------------------------------------------------------------------------------------
    cust_ids = _fixed_strings("C", np.arange(1, n + 1), _width(n, 7))
    customers = pa.table({
        "customer_id": cust_ids,
        "persona": _labels(_PERSONA_NAMES, persona),
        "segment": _labels(SEGMENTS, segment),
        "region": _labels(REGIONS, region),
        "signup_date": pa.array(signup.astype("datetime64[s]")),
        "churned": pa.array(churned),
        "churn_date": pa.array(churn_sec.astype("datetime64[s]"), mask=~churned),
    })
    touchpoints = pa.table({
        "customer_id": cust_ids.take(pa.array(cust)),
        "timestamp": pa.array(ts_sec.astype("datetime64[s]")),
        "channel": _labels(_CH, channel),
        "stage": _labels(STAGES, stage),
        "touchpoint": _labels(type_names, ttype),
        "revenue": pa.array(revenue, from_pandas=True),
        "touchpoint_id": _fixed_strings("T", np.arange(1, n_rows + 1), _width(n_rows, 8)),
    })
    feedback = pa.table({
        "customer_id": cust_ids.take(pa.array(fb_cust)),
        "timestamp": pa.array(fb_sec.astype("datetime64[s]")),
        "stage": _labels(STAGES, fb_stage),
        "channel": _labels(_CH, fb_channel, no_channel),
        "nps": pa.array(score, mask=no_nps),
        "csat": pa.array(csat, mask=no_csat),
        "comment": pa.array(comment, type=pa.large_string(), from_pandas=True),
        "feedback_id": _fixed_strings("F", np.arange(1, n_fb + 1), _width(n_fb, 7)),
    })
    mapper = {pa.int64(): pd.Int64Dtype()}.get
    return {name: t.to_pandas(types_mapper=mapper) for name, t in
            (("customers", customers), ("touchpoints", touchpoints), ("feedback", feedback))}


def _norm(weights) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    return w / w.sum()


# ---------------------------------------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------------------------------------

_CSV_CHUNK = 1_000_000
_NEEDS_QUOTES = r'[,"\r\n]'


def write_export(frames: dict[str, pd.DataFrame], out_dir, fmt: str = "csv") -> list[Path]:
    """Write ``customers``, ``touchpoints`` and ``feedback`` (those present) to ``out_dir`` as ``.csv`` (UTF-8,
    ``,``, quotes only where needed, ISO dates and ``YYYY-MM-DDTHH:MM:SS`` timestamps, ``true``/``false``,
    empty = missing) or ``.parquet`` (dates as ``date32``). Returns the paths written."""
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"unknown format {fmt!r}: csv or parquet")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in COLUMNS:
        if name not in frames:
            continue
        df = frames[name]
        path = out / f"{name}.{fmt}"
        if fmt == "csv":
            _write_csv(df, path)
        else:
            _write_parquet(df, path)
        written.append(path)
    return written


def write_demo(out_dir) -> list[Path]:
    """Regenerate the demo export shipped in ``sample_data/`` (2,000 customers, seed 42, year 2025)."""
    return write_export(generate(DEMO_CUSTOMERS, seed=DEMO_SEED), out_dir)


def _write_parquet(df: pd.DataFrame, path: Path) -> None:
    table = pa.Table.from_pandas(df, preserve_index=False)
    for i, field in enumerate(table.schema):
        if field.name in DATE_COLUMNS and pa.types.is_timestamp(field.type):
            table = table.set_column(i, field.name, table.column(i).cast(pa.date32()))
        elif pa.types.is_large_string(field.type) and table.column(i).nbytes < 2**31 - 2**24:
            table = table.set_column(i, field.name, table.column(i).cast(pa.string()))  # plain UTF8 for readers
    pq.write_table(table.replace_schema_metadata(None), path)


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    with open(path, "wb") as fh:
        fh.write((",".join(_quote_header(c) for c in df.columns) + "\n").encode("utf-8"))
        for lo in range(0, len(df), _CSV_CHUNK):
            chunk = df.iloc[lo:lo + _CSV_CHUNK]
            cols = [_csv_column(chunk[c], c) for c in df.columns]
            lines = pc.binary_join_element_wise(*cols, _lstr(",")) if len(cols) > 1 else cols[0]
            lines = pc.binary_join_element_wise(lines, _lstr("\n"), _lstr(""))
            fh.write(_string_bytes(lines))


def _lstr(text: str) -> pa.Scalar:
    return pa.scalar(text, pa.large_string())


def _quote_header(name) -> str:
    name = str(name)
    return '"' + name.replace('"', '""') + '"' if any(ch in name for ch in ',"\r\n') else name


def _string_bytes(arr: pa.Array) -> memoryview:
    """The concatenated bytes of a null-free Arrow string array."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    bufs = arr.buffers()
    off_type = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    offsets = np.frombuffer(bufs[1], dtype=off_type, count=len(arr) + 1 + arr.offset)
    lo, hi = int(offsets[arr.offset]), int(offsets[arr.offset + len(arr)])
    return memoryview(bufs[2])[lo:hi] if bufs[2] is not None else memoryview(b"")


def _csv_column(s: pd.Series, name: str) -> pa.Array:
    """One column as null-free, CSV-ready Arrow strings."""
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        if getattr(s.dtype, "tz", None) is not None:
            s = s.dt.tz_localize(None)
        values = s.to_numpy(dtype="datetime64[s]")
        missing = np.isnat(values)
        secs = np.where(missing, 0, values.astype(np.int64))
        as_date = name in DATE_COLUMNS
        arr = _format_datetimes(secs, as_date)
        if missing.any():
            arr = pc.if_else(pa.array(missing), pa.scalar(""), arr)
        return arr.cast(pa.large_string())
    if pd.api.types.is_bool_dtype(s.dtype):
        arr = pa.array(s, from_pandas=True).cast(pa.large_string())
        return pc.fill_null(arr, "")
    if isinstance(s.dtype, pd.ArrowDtype) or pd.api.types.is_numeric_dtype(s.dtype) or \
            pd.api.types.is_string_dtype(s.dtype):
        arr = pa.array(s, from_pandas=True)
    else:  # object columns of mixed values: their str()
        arr = pa.array([None if v is None or (isinstance(v, float) and math.isnan(v)) else _py_text(v)
                        for v in s], type=pa.string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_date(arr.type) or pa.types.is_timestamp(arr.type):
        arr = pc.strftime(arr, "%Y-%m-%d" if pa.types.is_date(arr.type) else "%Y-%m-%dT%H:%M:%S")
    elif not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = arr.cast(pa.string())
    arr = pc.fill_null(arr.cast(pa.large_string()), "")
    if len(arr) and pc.any(pc.match_substring_regex(arr, _NEEDS_QUOTES)).as_py():
        quoted = pc.binary_join_element_wise(_lstr('"'), pc.replace_substring(arr, '"', '""'), _lstr('"'), _lstr(""))
        arr = pc.if_else(pc.match_substring_regex(arr, _NEEDS_QUOTES), quoted, arr)
    return arr


def _py_text(v) -> str:
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


_TIME_TABLE: np.ndarray | None = None


def _format_datetimes(secs: np.ndarray, as_date: bool) -> pa.Array:
    """``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM:SS`` from epoch seconds, via lookup tables (fast at 10M rows)."""
    global _TIME_TABLE
    if len(secs) == 0:
        return pa.array([], type=pa.large_string())
    days = np.floor_divide(secs, 86400)
    d0 = int(days.min())
    span = np.arange(d0, int(days.max()) + 1).astype("datetime64[D]")
    date_strs = np.datetime_as_string(span, unit="D")
    if any(len(x) != 10 for x in (date_strs[0], date_strs[-1])):  # years outside 0000-9999
        out = np.datetime_as_string(secs.astype("datetime64[s]"), unit="D" if as_date else "s")
        return pa.array(out.tolist(), type=pa.large_string())
    date_mat = np.frombuffer(date_strs.astype("S10").tobytes(), dtype=np.uint8).reshape(-1, 10)
    rows = date_mat[days - d0]
    if as_date:
        return _matrix_strings(rows)
    if _TIME_TABLE is None:
        t = np.arange(86400)
        h, m, s = t // 3600, t // 60 % 60, t % 60
        _TIME_TABLE = np.stack([48 + h // 10, 48 + h % 10, np.full_like(t, 58), 48 + m // 10, 48 + m % 10,
                                np.full_like(t, 58), 48 + s // 10, 48 + s % 10], axis=1).astype(np.uint8)
    mat = np.empty((len(secs), 19), dtype=np.uint8)
    mat[:, :10] = rows
    del rows
    mat[:, 10] = ord("T")
    mat[:, 11:] = _TIME_TABLE[secs - days * 86400]
    return _matrix_strings(mat)
