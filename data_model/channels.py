"""Digital or physical: known channel names are pre-classified; anything else starts as digital
(most new channel names in exports are apps, sites and platforms) and is editable."""

PHYSICAL = {
    "magasin", "boutique", "store", "shop", "point_de_vente", "agence", "branch", "showroom",
    "centre_d_appels", "call_center", "call_centre", "telephone", "phone", "courrier", "mail_postal",
    "salon", "evenement", "event", "caisse", "drive", "retrait_en_magasin", "click_and_collect",
    "vendeur", "conseiller", "borne", "catalogue", "print", "affichage", "radio", "tv", "television",
}


def channel_kind(code: str) -> str:
    return "physical" if code in PHYSICAL else "digital"
