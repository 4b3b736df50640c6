"""Stage models: data, not code. Chosen once, when the database is created.

A model is an ordered list of stages; exactly one is the conversion stage, and each
stage may list the touchpoint types that map to it by default (for exports without a
stage column; the mapping is editable in the database afterwards).
"""

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from data_model.text import slug


@dataclass(frozen=True)
class StageDef:
    code: str
    label_fr: str
    label_en: str
    is_conversion: bool = False
    touchpoint_types: tuple[str, ...] = field(default=())


# Default touchpoint types per *role*; each built-in model assigns them to its own stages.
_AWARE = ("ad view", "ad click", "affichage publicitaire", "clic publicitaire", "publicite", "newsletter")
_CONSIDER = ("product view", "comparison", "consultation produit", "comparaison", "visite", "fiche produit")
_BUY = ("order", "payment", "commande", "paiement", "achat")
_SERVICE = ("delivery", "return", "support call", "livraison", "retour", "appel sav", "reclamation")
_LOYAL = ("repeat order", "loyalty program", "reachat", "programme de fidelite", "commande repetee")
_ADVOCATE = ("review", "referral", "avis", "parrainage", "recommandation")

STAGE_MODELS: dict[str, tuple[StageDef, ...]] = {
    "default": (
        StageDef("awareness", "Sensibilisation", "Awareness", touchpoint_types=_AWARE),
        StageDef("consideration", "Considération", "Consideration", touchpoint_types=_CONSIDER),
        StageDef("purchase", "Achat", "Purchase", True, _BUY),
        StageDef("service", "Service après-vente", "After-sales service", touchpoint_types=_SERVICE),
        StageDef("loyalty", "Fidélisation", "Loyalty", touchpoint_types=_LOYAL),
        StageDef("advocacy", "Recommandation", "Advocacy", touchpoint_types=_ADVOCATE),
    ),
    "three-step": (
        StageDef("awareness", "Sensibilisation", "Awareness", touchpoint_types=_AWARE),
        StageDef("consideration", "Considération", "Consideration", touchpoint_types=_CONSIDER),
        StageDef("decision", "Décision", "Decision", True, _BUY),
    ),
    "lifecycle": (
        StageDef("awareness", "Sensibilisation", "Awareness", touchpoint_types=_AWARE),
        StageDef("acquisition", "Acquisition", "Acquisition", True, _BUY),
        StageDef("onboarding", "Intégration", "Onboarding", touchpoint_types=_CONSIDER),
        StageDef("engagement", "Engagement", "Engagement", touchpoint_types=_SERVICE),
        StageDef("retention", "Fidélisation", "Retention", touchpoint_types=_LOYAL),
        StageDef("advocacy", "Recommandation", "Advocacy", touchpoint_types=_ADVOCATE),
    ),
}


class StageModelError(ValueError):
    """A stage model that cannot be used: ``message_in(lang)`` in French or English (``db.stages.…`` texts of the
    ``i18n`` catalogue); ``str()`` is English."""

    def __init__(self, key: str, /, **params):
        self.key, self.params = key, params
        super().__init__(self.message_in("en"))

    def message_in(self, lang: str | None) -> str:
        from i18n import Texts

        texts = Texts(lang or "en")
        where = self.params.get("where", "")
        return texts.t(self.key, **{**self.params, "where": where or texts.t("db.stages.model")})


def load_stage_model(name_or_file: str) -> tuple[StageDef, ...]:
    """A built-in model by name, or a custom one from a JSON or CSV file.

    JSON: ``[{"code", "label_fr", "label_en", "conversion": bool, "touchpoint_types": [...]}, …]``.
    CSV: columns ``code,label_fr,label_en,conversion,touchpoint_types`` (types separated by ``|``).
    """
    if name_or_file in STAGE_MODELS:
        return STAGE_MODELS[name_or_file]
    path = Path(name_or_file)
    if not path.is_file():
        raise StageModelError("db.stages.unknown", name=repr(name_or_file), models=", ".join(STAGE_MODELS))
    text = path.read_text(encoding="utf-8-sig")
    try:
        if path.suffix.lower() == ".json":
            rows = json.loads(text)
        else:
            rows = list(csv.DictReader(text.splitlines()))
    except (ValueError, csv.Error) as exc:
        raise StageModelError("db.stages.unreadable", path=path, reason=exc) from None
    stages = []
    for i, row in enumerate(rows, start=1):
        try:
            code = slug(str(row["code"]))
            types = row.get("touchpoint_types") or []
            if isinstance(types, str):
                types = [t for t in types.split("|") if t.strip()]
            conv = row.get("conversion", False)
            if isinstance(conv, str):
                conv = conv.strip().lower() in {"1", "true", "yes", "oui", "vrai", "x"}
            stages.append(
                StageDef(code, str(row["label_fr"]).strip(), str(row.get("label_en") or row["label_fr"]).strip(),
                         bool(conv), tuple(types))
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise StageModelError("db.stages.bad_field", path=path, i=i, field=exc) from None
    validate_stage_model(stages, str(path))
    return tuple(stages)


def validate_stage_model(stages, where: str | None = None) -> None:
    codes = [s.code for s in stages]
    if not stages:
        raise StageModelError("db.stages.none", where=where)
    if "" in codes or len(set(codes)) != len(codes):
        raise StageModelError("db.stages.codes", where=where, codes=codes)
    if sum(s.is_conversion for s in stages) != 1:
        raise StageModelError("db.stages.conversion", where=where)
