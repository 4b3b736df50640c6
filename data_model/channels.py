"""Digital or physical: known channel names are pre-classified; anything else starts as digital
(most new channel names in exports are apps, sites and platforms) and is editable. Likewise whether a channel
is *operational* (not a journey channel): only the default channel of empty channel values starts so."""

PHYSICAL = {
    "magasin", "boutique", "store", "shop", "point_de_vente", "agence", "branch", "showroom",
    "centre_d_appels", "call_center", "call_centre", "telephone", "phone", "courrier", "mail_postal",
    "salon", "evenement", "event", "caisse", "drive", "retrait_en_magasin", "click_and_collect",
    "vendeur", "conseiller", "borne", "catalogue", "print", "affichage", "radio", "tv", "television",
}


def channel_kind(code: str) -> str:
    return "physical" if code in PHYSICAL else "digital"


#: Codes of the channel an importer may create for empty channel values: not a journey channel.
DEFAULT_OPERATIONAL = {"unknown", "inconnu"}


def channel_operational(code: str) -> bool:
    return code in DEFAULT_OPERATIONAL
