"""Every text of the interface, in French and in English, and the number and date formats of each language.

No streamlit here: the app (through ``ui.i18n``, which picks the session's language), the command line and the
PowerPoint deck format the same texts. ``Texts("en").t("key", n=3)`` formats a text; ``Texts("fr").number(12430)``
gives ``12 430``. French is the default and the fallback.
"""

import re
from datetime import date, datetime

import pandas as pd

LANGUAGES = {"fr": "Français", "en": "English"}
DEFAULT = "fr"
_PLURAL = re.compile(r"\{(\w+)\|([^|{}]*)\|([^|{}]*)\}")  # {n|singular|plural}: see Texts.t

CATALOGUE: dict[str, dict[str, str]] = {
    # shell
    "app.title": {"fr": "Parcours", "en": "Parcours"},
    "app.tagline": {"fr": "Parcours client omnicanal : étapes, canaux, satisfaction, churn.",
                    "en": "Omnichannel customer journeys: stages, channels, satisfaction, churn."},
    "nav.analysis": {"fr": "Analyse", "en": "Analysis"},
    "nav.data": {"fr": "Données", "en": "Data"},
    "page.overview": {"fr": "Vue d'ensemble", "en": "Overview"},
    "page.funnel": {"fr": "Entonnoir", "en": "Funnel"},
    "page.channels": {"fr": "Canaux", "en": "Channels"},
    "page.satisfaction": {"fr": "Satisfaction & churn", "en": "Satisfaction & churn"},
    "page.data": {"fr": "Données", "en": "Data"},
    "page.journey_map": {"fr": "Carte du parcours", "en": "Journey map"},
    "page.irritants": {"fr": "Irritants & enchantements", "en": "Irritants & delights"},
    "page.voice": {"fr": "Voix du client", "en": "Voice of the customer"},
    "page.variants": {"fr": "Variantes de parcours", "en": "Journey variants"},
    "lang.label": {"fr": "Langue", "en": "Language"},
    # filters
    "filters.header": {"fr": "Filtres", "en": "Filters"},
    "link.view": {"fr": "Vue de la présentation", "en": "Presentation view"},
    "link.ignored": {"fr": "Lien : « {value} » ignoré, aucune valeur de ce nom pour « {what} ».",
                     "en": "Link: '{value}' ignored, no such value for '{what}'."},
    "filters.persona": {"fr": "Persona", "en": "Persona"},
    "filters.segment": {"fr": "Segment", "en": "Segment"},
    "filters.region": {"fr": "Région", "en": "Region"},
    "filters.channel": {"fr": "Canal", "en": "Channel"},
    "filters.period": {"fr": "Période", "en": "Period"},
    "filters.all": {"fr": "Tous", "en": "All"},
    "filters.period_help": {"fr": "Vide = toutes les données. Une période choisie reste dans le lien.",
                            "en": "Empty = all the data. A chosen period stays in the link."},
    "filters.reset": {"fr": "Réinitialiser les filtres", "en": "Reset filters"},
    # -- cohorts and lenses (issue 15): the sidebar's modes, the sentence under the filters ------------------------
    "filters.channel_mode": {"fr": "Clients retenus", "en": "Customers kept"},
    "filters.channel_mode.used": {"fr": "passés par ces canaux", "en": "who used these channels"},
    "filters.channel_mode.entered": {"fr": "arrivés par ces canaux", "en": "who came in through them"},
    "filters.channel_mode.only": {"fr": "loupe\u00a0: seulement ces canaux", "en": "lens: only these channels"},
    "filters.channel_mode_help": {
        "fr": "Passés par\u00a0: au moins un point de contact sur l'un des canaux. Arrivés par\u00a0: leur premier "
              "point de contact y est. Dans les deux cas, tout leur parcours est suivi (la vente faite ailleurs "
              "compte). Loupe\u00a0: seuls les points de contact et avis de ces canaux sont lus.",
        "en": "Used: at least one touchpoint on one of the channels. Came in through: their first touchpoint is on "
              "one of them. Either way their whole journey is followed (a sale made elsewhere counts). Lens: only "
              "these channels' touchpoints and feedback are read."},
    "filters.measure": {"fr": "Mesure de satisfaction", "en": "Satisfaction measure"},
    "filters.measure.nps": {"fr": "NPS (0–10)", "en": "NPS (0–10)"},
    "filters.measure.csat": {"fr": "CSAT (1–5)", "en": "CSAT (1–5)"},
    "filters.measure_help": {
        "fr": "La mesure que lisent les irritants, la carte du parcours et l'histoire : le NPS (recommandation, 0 "
              "à 10) ou le CSAT (note de 1 à 5, étoiles). Par défaut, celle réglée pour la base (page Données).",
        "en": "The measure the irritants, the journey map and the story read: NPS (recommendation, 0 to 10) or CSAT "
              "(a 1 to 5 score, stars). By default, the one set for the database (Data page)."},
    "filters.period_mode": {"fr": "Lecture de la période", "en": "The period chooses"},
    "filters.preset.last_30_days": {"fr": "30 derniers jours", "en": "Last 30 days"},
    "filters.preset.last_quarter": {"fr": "Dernier trimestre", "en": "Last quarter"},
    "filters.preset.year_to_date": {"fr": "Depuis janvier", "en": "Year to date"},
    "filters.preset.last_year": {"fr": "Année dernière", "en": "Last year"},
    "filters.preset_help": {"fr": "Du {start} au {end}, compté depuis le dernier jour des données",
                            "en": "From {start} to {end}, counted back from the data's last day"},
    "filters.period_mode.cohort": {"fr": "clients arrivés dans la période", "en": "customers who first came in it"},
    "filters.period_mode.activity": {"fr": "loupe\u00a0: activité dans la période", "en": "lens: activity inside it"},
    "filters.period_mode_help": {
        "fr": "Arrivés dans la période\u00a0: les clients dont le premier point de contact y tombe, suivis ensuite. "
              "Loupe\u00a0: seuls les points de contact et avis datés de la période sont lus (les parcours sont "
              "coupés).",
        "en": "First came in it: customers whose first touchpoint falls in the period, followed afterwards. Lens: "
              "only the touchpoints and feedback dated inside the period are read (journeys are cut)."},
    "describe.all": {"fr": "Tous les clients", "en": "All customers"},
    "describe.some": {"fr": "Clients", "en": "Customers"},
    "describe.or": {"fr": " ou ", "en": " or "},
    "describe.persona": {"fr": "du persona {values}", "en": "of persona {values}"},
    "describe.persona_many": {"fr": "des personas {values}", "en": "of personas {values}"},
    "describe.segment": {"fr": "du segment {values}", "en": "in segment {values}"},
    "describe.segment_many": {"fr": "des segments {values}", "en": "in segments {values}"},
    "describe.region": {"fr": "de la région {values}", "en": "in region {values}"},
    "describe.region_many": {"fr": "des régions {values}", "en": "in regions {values}"},
    "describe.channel": {"fr": "passés par {values}", "en": "who used {values}"},
    "describe.channel_entered": {"fr": "arrivés par {values}", "en": "who first came through {values}"},
    "describe.channel_entered_then": {"fr": "par {values}", "en": "through {values}"},
    "describe.n_personas": {"fr": "de {n} personas", "en": "of {n} personas"},
    "describe.n_segments": {"fr": "de {n} segments", "en": "in {n} segments"},
    "describe.n_regions": {"fr": "de {n} régions", "en": "in {n} regions"},
    "describe.n_channels": {"fr": "{n} canaux", "en": "{n} channels"},
    "describe.came_between": {"fr": "arrivés entre le {start} et le {end}", "en": "who first came between {start} "
                                                                              "and {end}"},
    "describe.came_from": {"fr": "arrivés à partir du {start}", "en": "who first came from {start}"},
    "describe.came_until": {"fr": "arrivés jusqu'au {end}", "en": "who first came until {end}"},
    "describe.followed": {"fr": "suivis jusqu'au {as_of}", "en": "followed until {as_of}"},
    "describe.within": {"fr": "sur {days} jours", "en": "for {days} days"},
    "describe.count": {"fr": "{text}\u00a0: {n}", "en": "{text}: {n}"},
    "describe.lens_channels": {"fr": "loupe\u00a0: seulement les points de contact de ces canaux ({values})",
                               "en": "lens: only these channels' touchpoints ({values})"},
    "describe.lens_between": {"fr": "loupe\u00a0: seulement l'activité du {start} au {end}",
                              "en": "lens: only activity inside the period, {start} to {end}"},
    "describe.lens_from": {"fr": "loupe\u00a0: seulement l'activité à partir du {start}",
                           "en": "lens: only activity inside the period, from {start}"},
    "describe.lens_until": {"fr": "loupe\u00a0: seulement l'activité jusqu'au {end}",
                            "en": "lens: only activity inside the period, until {end}"},
    # -- end of cohorts and lenses -----------------------------------------------------------------------------------
    "describe.customers": {"fr": "{n} {n|client|clients}", "en": "{n} {n|customer|customers}"},
    "empty.no_data": {"fr": "Pas encore de données : importez vos fichiers depuis la page Données.",
                      "en": "No data yet: import your files on the Data page."},
    "empty.templates": {"fr": "Modèles d'import (en-têtes et une ligne d'exemple) et un exemple d'export CRM "
                              "(12 clients) :",
                        "en": "Import templates (headers and one example row) and an example CRM export "
                              "(12 customers):"},
    "empty.template": {"fr": "Modèle {kind} ({lang})", "en": "{kind} template ({lang})"},
    "empty.example": {"fr": "Exemple : {name}", "en": "Example: {name}"},
    "empty.title": {"fr": "Aucun client ne correspond à ces filtres.",
                    "en": "No customer matches these filters."},
    "empty.hint": {"fr": "Élargissez la période ou retirez un filtre dans la barre latérale.",
                   "en": "Widen the period or remove a filter in the sidebar."},
    "footer": {"fr": "Données du {first} au {last} · dernier import : {imported}",
               "en": "Data from {first} to {last} · last import: {imported}"},
    "footer.none": {"fr": "Aucune donnée importée.", "en": "No data imported yet."},
    "demo.banner": {"fr": "Données de démonstration : une entreprise fictive de 2 000 clients. Importez vos exports "
                          "depuis la page Données : ils remplaceront la démo (ou s'y ajouteront, au choix).",
                    "en": "Demo data: a fictitious company of 2,000 customers. Import your own exports from the Data "
                          "page: they will replace the demo (or be added to it, as you choose)."},
    "demo.banner_mixed": {"fr": "Ces données mêlent vos imports et la société de démonstration (clients fictifs) : "
                                "retirez la démo depuis la page Données.",
                          "en": "These data mix your imports with the demo company (fictitious customers): remove "
                                "the demo from the Data page."},
    "demo.banner_viewer": {"fr": "Données de démonstration : une entreprise fictive de 2 000 clients.",
                           "en": "Demo data: a fictitious company of 2,000 customers."},
    "insufficient": {"fr": "données insuffisantes (n < {n})", "en": "insufficient data (n < {n})"},
    "how_to_read": {"fr": "Comment lire cette page", "en": "How to read this page"},
    "definitions": {"fr": "Définitions", "en": "Definitions"},
    # KPIs and overview
    "kpi.customers": {"fr": "Clients", "en": "Customers"},
    "kpi.customers_help": {"fr": "Clients ayant au moins un point de contact retenu par les filtres.",
                           "en": "Customers with at least one touchpoint kept by the filters."},
    "kpi.conversion": {"fr": "Conversion", "en": "Conversion"},
    "kpi.conversion_help": {"fr": "Part des clients dont l'étape la plus avancée atteint l'étape de conversion.",
                            "en": "Share of customers whose furthest stage reaches the conversion stage."},
    "kpi.nps": {"fr": "NPS", "en": "NPS"},
    "kpi.csat": {"fr": "CSAT moyen", "en": "Mean CSAT"},
    "kpi.csat_help": {
        "fr": "La moyenne des réponses CSAT (1 à 5) ; ± la demi-largeur de son intervalle à 95 %, chaque client "
              "comptant comme un seul groupe de réponses. Pas de comparaison avec la période précédente pour le CSAT.",
        "en": "The mean of the CSAT answers (1 to 5); ± half its 95% interval, each customer one cluster of answers. "
              "CSAT is not compared with the previous period."},
    "kpi.nps_help": {"fr": "% promoteurs (9–10) − % détracteurs (0–6) ; dessous, son intervalle à 95 % "
                           "(Wald ajusté de Rocks, chaque client comptant pour un). n = les clients qui ont répondu.",
                     "en": "% promoters (9–10) − % detractors (0–6); under it, its 95% interval (Rocks' adjusted "
                           "Wald, each customer counting once). n = the customers who answered."},
    "kpi.nps_interval": {"fr": "IC 95 % : {low} à {high}", "en": "95% CI: {low} to {high}"},
    "kpi.churn": {"fr": "Churn", "en": "Churn"},
    "kpi.churn_help": {"fr": "Part des clients partis, parmi ceux dont le statut est connu\u00a0: le statut à la date "
                             "de l'export, donc jamais comparé d'une période à l'autre (une période récente paraît "
                             "toujours meilleure, ses clients ont eu moins de temps pour partir).",
                       "en": "Share of customers who left, among those whose status is known: the status at export "
                             "time, so never compared between periods (a recent period always looks better: its "
                             "customers had less time to leave)."},
    "kpi.churn_dates": {"fr": "Churn à {days} j", "en": "Churn within {days} d"},
    "kpi.churn_dates_help": {"fr": "Part des clients convertis partis dans les {days} jours suivant leur conversion "
                                   "(date de départ), estimée par Kaplan–Meier pour ceux suivis moins longtemps : "
                                   "comparable d'une période à l'autre.",
                             "en": "Share of converted customers who left within {days} days of their conversion (by "
                                   "their churn date), estimated by Kaplan–Meier for those followed less long: "
                                   "comparable between periods."},
    "kpi.churn_within": {"fr": "{rate} à {days} j de la conversion", "en": "{rate} within {days} days of converting"},
    "kpi.too_early": {"fr": "trop tôt : {k} sur {n} encore en cours", "en": "too early: {k} of {n} still in progress"},
    "overview.no_window": {"fr": "Sans fenêtre de suivi, pas de comparaison : une cohorte plus ancienne, suivie "
                                 "plus longtemps, paraît toujours meilleure.",
                           "en": "No follow-up window, no comparison: an older cohort, followed longer, always looks "
                                 "better."},
    "data.analysis": {"fr": "Réglages d'analyse", "en": "Analysis settings"},
    "data.window_all": {"fr": "Sans fenêtre (parts simples)", "en": "No window (plain shares)"},
    "data.window_all_help": {"fr": "Chaque client est suivi jusqu'à la fin des données : une cohorte ancienne, "
                                   "suivie plus longtemps, paraît meilleure ; aucune variation n'est alors "
                                   "affichée.",
                             "en": "Each customer is followed to the end of the data: an older cohort, followed "
                                   "longer, looks better; no changes are then shown."},
    "data.window_days": {"fr": "Fenêtre avant conversion (jours)", "en": "Window up to conversion (days)"},
    "data.window_days_help": {"fr": "Les étapes jusqu'à la conversion comptent si elles sont atteintes dans ce "
                                    "nombre de jours après le premier point de contact ; un client dont la "
                                    "fenêtre n'est pas finie est « en cours », pas un échec.",
                              "en": "Stages up to the conversion count when reached within this many days of the "
                                    "first touchpoint; a customer whose window is not over is \"in progress\", not "
                                    "a failure."},
    "data.post_window_days": {"fr": "Fenêtre après conversion (jours)", "en": "Window after conversion (days)"},
    "data.post_window_days_help": {"fr": "Service, fidélisation, recommandation comptent dans ce nombre de jours "
                                         "après la conversion.",
                                   "en": "Service, loyalty and advocacy count within this many days of the "
                                         "conversion."},
    "data.churn_window_days": {"fr": "Fenêtre de churn (jours)", "en": "Churn window (days)"},
    "data.churn_window_days_help": {"fr": "Avec des dates de départ : parti dans ce nombre de jours après la "
                                          "conversion.",
                                    "en": "With churn dates: left within this many days of the conversion."},
    "data.measure": {"fr": "Mesure de satisfaction", "en": "Satisfaction measure"},
    # the same words in both languages: a choice whose label changed with the language would be another choice
    "data.measure.auto": {"fr": "auto", "en": "auto"},
    "data.measure.nps": {"fr": "NPS (0–10)", "en": "NPS (0–10)"},
    "data.measure.csat": {"fr": "CSAT (1–5)", "en": "CSAT (1–5)"},
    "data.measure_help": {
        "fr": "Ce que lisent les irritants, la carte, les thèmes et l'histoire. Automatique : le NPS quand au moins 30 "
              "clients en ont donné un, sinon la mesure à laquelle le plus de clients ont répondu.",
        "en": "What the irritants, the map, the themes and the story read. Automatic: NPS when at least 30 customers "
              "gave one, else the measure more customers answered."},
    "data.observed_for_ranking": {"fr": "Observée pour classer (%)", "en": "Observed to rank (%)"},
    "data.observed_for_ranking_help": {"fr": "Une étape entre dans le choix de l'étape la plus faible si au moins "
                                             "cette part de ceux qui l'atteignent y a un point de contact.",
                                       "en": "A step enters the weakest-step choice when at least this share of "
                                             "those who reach its stage have a touchpoint there."},
    "data.save_analysis": {"fr": "Enregistrer les réglages", "en": "Save the settings"},
    "data.currency": {"fr": "Devise des montants", "en": "Currency of the amounts"},
    "data.currency_help": {
        "fr": "Code ISO 4217 : le chiffre d'affaires et les montants des graphiques s'écrivent avec son symbole. "
              "Aussi : `python -m loaders setting currency BRL`.",
        "en": "ISO 4217 code: revenue and the charts' amounts are written with its symbol. Also: "
              "`python -m loaders setting currency BRL`."},
    "data.currency_symbol": {"fr": "Symbole (vide : l'usuel)", "en": "Symbol (empty: the usual one)"},
    "data.currency_symbol_help": {
        "fr": "Un autre symbole que celui d'usage de la devise (US$ parmi d'autres dollars), 4 caractères au plus.",
        "en": "A symbol other than the currency's usual one (US$ among other dollars), 4 characters at most."},
    "footer.window": {"fr": "Suivi jusqu'au {as_of}, étapes comptées dans les {days} jours après le premier contact "
                            "({post} jours après la conversion).",
                      "en": "Followed until {as_of}, stages counted within {days} days of the first touchpoint "
                            "({post} days after the conversion)."},
    "footer.no_window": {"fr": "Suivi jusqu'au {as_of}, sans fenêtre : parts simples.",
                         "en": "Followed until {as_of}, no window: plain shares."},
    "kpi.cross": {"fr": "Cross-canal", "en": "Cross-channel"},  # a card's label: short, the help says the rest
    "kpi.too_few": {"fr": "n = {n}, trop peu (il en faut {min})", "en": "n = {n}, too few ({min} needed)"},
    "kpi.cross_help": {"fr": "Clients dont le parcours a avancé d'étape en changeant de canal.",
                       "en": "Customers whose journey moved forward across channels."},
    "kpi.revenue": {"fr": "Chiffre d'affaires", "en": "Revenue"},
    "kpi.revenue_help": {"fr": "Somme des montants des points de contact retenus.",
                         "en": "Sum of the kept touchpoints' revenue."},
    "overview.compared": {"fr": "Du {start} au {end}, comparé au {pstart} – {pend} (même durée).",
                          "en": "From {start} to {end}, compared with {pstart} – {pend} (same length)."},
    "overview.compared_tests": {"fr": "Une variation en couleur est significative (test à 5\u00a0%, au moins 30 "
                                      "clients de chaque côté)\u00a0; en gris, elle peut tenir au hasard.",
                                "en": "A change in colour is significant (5 % test, at least 30 customers on each "
                                      "side); in grey, it may be chance."},
    "overview.no_comparable": {"fr": "Pas de période précédente comparable\u00a0: du {pstart} au {pend}, moins de "
                                     "{min} clients.",
                               "en": "No comparable previous period: {pstart} – {pend} holds fewer than {min} "
                                     "customers."},
    "overview.compare_year": {"fr": "Comparer à la même période un an avant ({start} – {end})",
                              "en": "Compare with the same period a year before ({start} – {end})"},
    "overview.compare_previous": {"fr": "Comparer à la période précédente", "en": "Compare with the previous period"},
    "kpi.delta_test": {"fr": "Variation {verdict} (p {p}).", "en": "Change {verdict} (p {p})."},
    "kpi.significant": {"fr": "significative à 5\u00a0%", "en": "significant at 5 %"},
    "kpi.not_significant": {"fr": "non significative (elle peut tenir au hasard)",
                            "en": "not significant (it may be chance)"},
    "kpi.per_customer": {"fr": "{delta} par client", "en": "{delta} per customer"},
    "kpi.conversion_not_observed": {"fr": "non observée sur ces canaux (aucun point de contact de conversion gardé par "
                                          "la loupe)",
                                    "en": "not observed on these channels (the lens keeps no conversion-stage "
                                          "touchpoint)"},
    "overview.grain": {"fr": "Tendance par", "en": "Trend by"},
    "overview.week": {"fr": "semaine", "en": "week"},
    "overview.month": {"fr": "mois", "en": "month"},
    "overview.funnel": {"fr": "Entonnoir", "en": "Funnel"},
    "overview.nps_by_stage": {"fr": "NPS par étape", "en": "NPS by stage"},
    "overview.lowest_nps": {"fr": "NPS le plus bas : {stage} ({nps}, {n} clients).",
                            "en": "Lowest NPS: {stage} ({nps}, {n} customers)."},
    "overview.how": {
        "fr": "Chaque carte compare la période affichée à la période précédente de même durée. Sous 30 "
              "observations, une valeur n'est pas affichée (« données insuffisantes »). **Clients** : ceux qui ont "
              "au moins un point de contact retenu. **Conversion** : part des clients dont l'étape la plus avancée "
              "atteint l'étape de conversion du modèle. **NPS** : % de 9–10 moins % de 0–6, avec les bornes "
              "de son intervalle à 95 %. **Churn** : part des clients partis parmi ceux dont le statut est connu. "
              "**Cross-canal** : le parcours a franchi ses étapes sur au moins deux canaux.",
        "en": "Each card compares the period shown with the previous period of the same length. Below 30 "
              "observations a value is not shown (\"insufficient data\"). **Customers**: those with at least one "
              "kept touchpoint. **Conversion**: share of customers whose furthest stage reaches the model's "
              "conversion stage. **NPS**: % of 9–10 minus % of 0–6, with its 95% interval's bounds. **Churn**: share "
              "who left among customers whose status is known. **Cross-channel**: the journey moved forward on at "
              "least two channels."},
    # funnel
    "funnel.kind": {"fr": "Entonnoir", "en": "Funnel"},
    "funnel.open": {"fr": "ouvert (étape la plus avancée)", "en": "open (furthest stage)"},
    "funnel.closed": {"fr": "fermé (étapes dans l'ordre)", "en": "closed (stages in order)"},
    "funnel.col.stage": {"fr": "Étape", "en": "Stage"},
    "funnel.col.customers": {"fr": "Clients", "en": "Customers"},
    "funnel.col.conv_prev": {"fr": "Depuis l'étape précédente", "en": "From previous stage"},
    "funnel.col.interval": {"fr": "Intervalle 95 %", "en": "95% interval"},
    "funnel.col.conv_start": {"fr": "Depuis le début", "en": "From start"},
    "funnel.col.drop": {"fr": "Perdus", "en": "Dropped"},
    "funnel.time_between": {"fr": "Temps médian entre étapes", "en": "Median time between stages"},
    "funnel.time_to_next": {"fr": "Temps jusqu'à l'étape suivante", "en": "Time to the next stage"},
    "funnel.time_to_next_help": {
        "fr": "Pour les clients vus à une étape, les jours jusqu'à leur premier passage à une étape suivante. Ceux "
              "qui n'y sont pas encore passés comptent comme « en attente » jusqu'au {as_of} (Kaplan–Meier), pas "
              "comme absents\u00a0: une médiane prise sur les seuls arrivés serait trop courte. Intervalle de la "
              "médiane à 95\u00a0% (Brookmeyer–Crowley)\u00a0; moins de 30 clients\u00a0: non affiché.",
        "en": "For customers seen at a stage, the days until they first reach a later stage. Those who have not yet "
              "count as \"still waiting\" until {as_of} (Kaplan–Meier), not as absent: a median over those who "
              "arrived alone would be too short. The median's 95% interval by Brookmeyer–Crowley; under 30 "
              "customers: not shown."},
    "funnel.col.step": {"fr": "Étape → suivante", "en": "Stage → next"},
    "funnel.reach": {"fr": "Atteinte dans la fenêtre", "en": "Reach within the window"},
    "funnel.reach_help": {"fr": "Part des clients de la cohorte qui atteignent chaque étape dans les {days} jours "
                                "après leur premier contact ({post} jours après la conversion pour les étapes "
                                "suivantes), estimée par Kaplan–Meier : un client dont la fenêtre n'est pas finie "
                                "est « en cours », ni converti ni perdu.",
                          "en": "Share of the cohort's customers who reach each stage within {days} days of their "
                                "first touchpoint ({post} days after the conversion for the later stages), estimated "
                                "by Kaplan–Meier: a customer whose window is not over is \"in progress\", neither "
                                "converted nor lost."},
    "funnel.reach_help_all": {"fr": "Sans fenêtre : part des clients de la cohorte qui ont atteint chaque étape "
                                    "à la fin des données ; ceux qui ne l'ont pas encore atteinte sont comptés "
                                    "« en cours ».",
                              "en": "No window: share of the cohort's customers who reached each stage by the end of "
                                    "the data; those who have not yet are counted \"in progress\"."},
    "funnel.col.reach": {"fr": "Atteinte", "en": "Reached"},
    "funnel.col.in_progress": {"fr": "Encore en cours", "en": "Still in progress"},
    "funnel.col.seen": {"fr": "Clients vus", "en": "Customers seen"},
    "funnel.col.moved": {"fr": "Passés", "en": "Moved on"},
    "funnel.col.median": {"fr": "Médiane (j)", "en": "Median (d)"},
    "funnel.col.median_ci": {"fr": "Intervalle 95 %", "en": "95% interval"},
    "funnel.col.quartiles": {"fr": "p25 – p75 – p90 (j)", "en": "p25 – p75 – p90 (d)"},
    "funnel.col.within": {"fr": "Sous 30 / 90 / 365 j", "en": "Within 30 / 90 / 365 d"},
    "funnel.never_half": {"fr": "moitié non atteinte", "en": "half not reached"},
    "funnel.too_few": {"fr": "trop peu (n < 30)", "en": "too few (n < 30)"},
    "funnel.cohorts": {"fr": "Conversion par cohorte", "en": "Conversion by cohort"},
    "funnel.cohorts_help": {
        "fr": "Clients regroupés par mois de premier contact (lignes)\u00a0; part convertie au bout de 1, 2, … mois "
              "de 30 jours (colonnes), Kaplan–Meier tant que des clients sont encore en cours. Case vide\u00a0: "
              "moins de 30 clients dont l'issue est connue.",
        "en": "Customers grouped by the month of their first touchpoint (rows); the share converted after 1, 2, … "
              "30-day months (columns), Kaplan–Meier while some are still in progress. Blank: fewer than 30 "
              "customers whose outcome is known."},
    "funnel.col.cohort": {"fr": "Cohorte", "en": "Cohort"},
    "funnel.col.month": {"fr": "M{n}", "en": "M{n}"},
    "funnel.compare": {"fr": "Comparer des groupes", "en": "Compare groups"},
    "funnel.by": {"fr": "Par", "en": "By"},
    "funnel.by.persona": {"fr": "persona", "en": "persona"},
    "funnel.by.segment": {"fr": "segment", "en": "segment"},
    "funnel.by.region": {"fr": "région", "en": "region"},
    "funnel.by.channel": {"fr": "premier canal", "en": "first channel"},
    "funnel.by_help.persona": {"fr": "Chaque client compte dans son persona.",
                           "en": "Each customer counts in their persona."},
    "funnel.by_help.segment": {"fr": "Chaque client compte dans son segment.",
                           "en": "Each customer counts in their segment."},
    "funnel.by_help.region": {"fr": "Chaque client compte dans sa région.",
                           "en": "Each customer counts in their region."},
    "funnel.by_help.channel": {"fr": "Chaque client compte dans le canal de son premier point de contact, pour que les "
                                     "groupes ne se recouvrent pas.",
                               "en": "Each customer counts in the channel of their first touchpoint, so that groups "
                                     "do not overlap."},
    "funnel.no_value": {"fr": "(non renseigné)", "en": "(not set)"},
    "funnel.significant": {"fr": "★ Différence significative entre groupes (khi-deux, ou test exact "
                                 "pour les petits effectifs ; groupes de moins de 30 clients non testés ; correction "
                                 "de Benjamini–Hochberg, q < 0,05) pour : {stages}.",
                           "en": "★ Significant difference between groups (chi-square, or an exact test "
                                 "for small counts; groups under 30 customers not tested; Benjamini–Hochberg "
                                 "correction, q < 0.05) at: {stages}."},
    "funnel.none_significant": {"fr": "Aucune différence significative entre groupes après correction de "
                                      "Benjamini–Hochberg (q < 0,05).",
                                "en": "No significant difference between groups after Benjamini–Hochberg "
                                      "correction (q < 0.05)."},
    "funnel.how": {
        "fr": "**Atteinte**\u00a0: un client atteint l'étape k si son étape la plus avancée est k ou au-delà "
              "(des étapes peuvent être sautées)\u00a0; **vus à l'étape**\u00a0: clients ayant un point de "
              "contact à k. Une étape où personne n'est vu est «\u00a0non observée dans les "
              "données\u00a0»\u00a0: sans taux, hors des passages d'étape. **Entonnoir fermé**\u00a0: les "
              "étapes dans l'ordre du parcours — l'étape suivante compte au premier point de contact qui "
              "vient après l'étape précédente\u00a0; un client entre à la première étape où il est vu. "
              "**Depuis l'étape précédente**\u00a0: part des clients de l'étape observée précédente qui vont "
              "à k, avec l'intervalle de Wilson à 95\u00a0%. **Perdus**\u00a0: ceux qui n'y vont pas. **Temps "
              "médian**\u00a0: entre la première atteinte de deux étapes consécutives, parmi les clients qui "
              "ont atteint les deux. **Comparaison**\u00a0: par étape, parmi les groupes d'au moins 30 "
              "clients au départ, un khi-deux (test exact de Fisher ou p-valeur Monte-Carlo si un effectif attendu "
              "est sous 5) teste si la conversion diffère entre groupes\u00a0; seules les étapes significatives "
              "après correction de Benjamini–Hochberg sont marquées ★.",
        "en": "**Reached**: a customer reaches stage k when their furthest stage is k or beyond (stages may be "
              "skipped); **seen at the stage**: customers with a touchpoint at k. A stage where nobody is seen is "
              "\"not observed in the data\": no rate, left out of the steps. **Closed funnel**: the stages in journey "
              "order — the next stage counts at the first touchpoint that comes after the previous step; a customer "
              "enters at the first stage they are seen at. **From previous stage**: the share of the previous "
              "observed stage's customers who go on to k, with its 95% Wilson interval. **Dropped**: those who do not. "
              "**Median time**: between the first reach of two consecutive stages, among customers who reached both. "
              "**Comparison**: per step, among groups with ≥ 30 customers at its start, a chi-square (Fisher's exact "
              "test or a Monte-Carlo p-value when an expected count is under 5) tests whether conversion differs "
              "between groups; only steps "
              "significant after Benjamini–Hochberg correction are marked ★."},
    # -- a funnel of what was seen, in the order it happened (issue 15): observed stages, the weakest step's
    #    ranking rule; said the same way by the funnel page, the overview, the story and the deck
    "funnel.col.observed": {"fr": "Vus à l'étape", "en": "Seen at the stage"},
    "funnel.col.from": {"fr": "Depuis", "en": "From"},
    "funnel.not_observed": {"fr": "non observée", "en": "not observed"},
    "funnel.not_observed_stages": {
        "fr": "Non observées dans les données (aucun point de contact, hors des taux de passage)\u00a0: {stages}.",
        "en": "Not observed in the data (no touchpoint; left out of the step conversions): {stages}."},
    "funnel.skipped": {
        "fr": "{stage}\u00a0: {share} des clients atteignent une étape ultérieure sans point de contact ici "
              "({reached} {reached|atteint|atteignent} l'étape, {observed} y {observed|est vu|sont vus}).",
        "en": "{stage}: {share} of customers reach a later stage without a touchpoint here ({reached} "
              "{reached|reaches|reach} the stage, {observed} {observed|is|are} seen there)."},
    "finding.not_ranked": {
        "fr": "{skipped} des clients atteignent une étape ultérieure sans point de contact à l'étape {stage}\u00a0: "
              "{src} → {stage} n'est pas classée\u00a0; {observed} des clients y ont été vus.",
        "en": "{skipped} of customers reach a later stage without a touchpoint at {stage}: {src} → {stage} is not "
              "ranked; {observed} of customers were seen at {stage}."},
    "finding.weakest_term": {"fr": "Étape la plus faible", "en": "Weakest step"},
    "finding.weakest_definition": {
        "fr": "le plus faible taux de passage de l'entonnoir fermé (étapes dans l'ordre du parcours) entre étapes "
              "observées, parmi les étapes partant d'au moins 30 clients et dont l'étape d'arrivée est observée pour "
              "au moins 80\u00a0% des clients qui l'atteignent\u00a0; les autres ne sont pas classées.",
        "en": "the lowest step conversion of the closed funnel (stages in journey order) between observed stages, "
              "among steps that start with at least 30 customers and whose later stage is observed for at least 80% "
              "of the customers who reach it; the others are not ranked."},
    "finding.no_ranked_step": {"fr": "Aucune étape ne peut être classée au taux de passage.",
                               "en": "No step can be ranked by step conversion."},
    # channels
    "channels.mix": {"fr": "Mono-, multi- ou cross-canal", "en": "Mono-, multi- or cross-channel"},
    "channels.mono": {"fr": "mono-canal", "en": "mono-channel"},
    "channels.multi": {"fr": "multicanal", "en": "multichannel"},
    "channels.cross": {"fr": "cross-canal", "en": "cross-channel"},
    "channels.mix_definition": {
        "fr": "Mono-canal : un seul canal. Cross-canal : le parcours avance d'étape sur au moins deux "
              "canaux (ex. recherche en ligne, achat en magasin). Multicanal : plusieurs canaux, mais chaque "
              "avancée se fait sur le même. Les canaux opérationnels (transporteur, e-mail d'enquête) n'en font "
              "pas partie.",
        "en": "Mono-channel: one channel. Cross-channel: the journey moves forward on at least two channels "
              "(e.g. research online, buy in store). Multichannel: several channels, but every step forward "
              "happens on the same one. Operational channels (a carrier, a survey e-mail) are left out."},
    "channels.sources": {
        "fr": "{share} des parcours passent par plus d'un système source ({sources})\u00a0: {spanning} "
              "{spanning|client|clients} sur {customers} dont la source est connue.",
        "en": "{share} of journeys span more than one source system ({sources}): {spanning} of the {customers} "
              "{customers|customer|customers} whose source is known."},
    "channels.sources_too_few": {
        "fr": "Parcours sur plusieurs systèmes sources\u00a0: trop peu de clients dont la source est connue "
              "(n = {n}, il en faut {min}).",
        "en": "Journeys across source systems: too few customers whose source is known (n = {n}, {min} needed)."},
    "channels.col.mix": {"fr": "Parcours", "en": "Journey"},
    "channels.col.share": {"fr": "Part", "en": "Share"},
    "channels.col.responses": {"fr": "Réponses NPS", "en": "NPS responses"},
    "channels.ropo": {"fr": "ROPO (recherche en ligne, achat physique)", "en": "ROPO (research online, buy offline)"},
    "channels.ropo_help": {"fr": "Parmi les clients convertis : le premier point de contact à l'étape de "
                                 "conversion est sur un canal physique, et un point de contact digital à une étape "
                                 "antérieure le précède dans le parcours (acheter en magasin puis regarder en ligne "
                                 "n'en est pas). Canaux opérationnels exclus.",
                           "en": "Among converted customers: the first touchpoint at the conversion stage is on a "
                                 "physical channel, and a digital touchpoint at an earlier stage comes before it in "
                                 "the journey (buying in store, then browsing online is not ROPO). Operational "
                                 "channels left out."},
    "channels.showrooming": {"fr": "Showrooming (vu en magasin, acheté en ligne)",
                             "en": "Showrooming (seen in store, bought online)"},
    "channels.showrooming_help": {"fr": "L'inverse du ROPO, parmi les clients convertis.",
                                  "en": "The reverse of ROPO, among converted customers."},
    "channels.ropo_interval": {"fr": "Intervalles de Wilson à 95 % — ROPO : {ropo} ; showrooming : {show}.",
                               "en": "95% Wilson intervals — ROPO: {ropo}; showrooming: {show}."},
    "channels.transitions": {"fr": "D'un canal à l'autre", "en": "From one channel to the next"},
    "channels.transitions_help": {"fr": "Nombre de passages d'un canal (ligne) au canal du point de contact suivant "
                                        "(colonne), même canal compris. Les canaux opérationnels sont retirés de la "
                                        "suite des points de contact.",
                                  "en": "Count of moves from a channel (row) to the channel of the next touchpoint "
                                        "(column), same channel included. Operational channels are taken out of the "
                                        "sequence of touchpoints."},
    "channels.flows": {"fr": "Canal de première atteinte de chaque étape",
                       "en": "Channel on which each stage is first reached"},
    "channels.flows_help": {"fr": "Chaque ruban relie le canal sur lequel un client a atteint une étape à celui de "
                                  "l'étape suivante qu'il a atteinte ; sa largeur est le nombre de clients.",
                            "en": "Each ribbon links the channel on which customers reached a stage to the one of "
                                  "the next stage they reached; its width is the number of customers."},
    "channels.digital": {"fr": "Digitalisation du parcours : part digitale par étape",
                         "en": "Digitalisation of the journey: digital share per stage"},
    "channels.how": {
        "fr": "Les parts se lisent avec leur effectif n ; sous 30 clients ou réponses, la valeur n'est pas affichée. "
              "Le ROPO et le showrooming ne comptent que les clients qui ont atteint l'étape de conversion.",
        "en": "Shares read with their n; below 30 customers or responses the value is not shown. ROPO and "
              "showrooming only count customers who reached the conversion stage."},
    # satisfaction
    "satisfaction.nps_stage": {"fr": "NPS par étape", "en": "NPS by stage"},
    "satisfaction.nps_channel": {"fr": "NPS par canal", "en": "NPS by channel"},
    "satisfaction.unknown": {"fr": "canal inconnu", "en": "channel unknown"},
    "satisfaction.split": {"fr": "Promoteurs, passifs, détracteurs", "en": "Promoters, passives, detractors"},
    "satisfaction.csat": {"fr": "CSAT par étape", "en": "CSAT by stage"},
    "satisfaction.no_csat": {"fr": "Aucune réponse CSAT dans ces données.", "en": "No CSAT answer in this data."},
    "satisfaction.churn": {"fr": "Churn", "en": "Churn"},
    "satisfaction.unhappy.nps": {"fr": "Churn des détracteurs", "en": "Detractors' churn"},
    "satisfaction.unhappy.csat": {"fr": "Churn des insatisfaits (1–2)", "en": "Dissatisfied customers' churn (1–2)"},
    "satisfaction.dissatisfied_definition": {
        "fr": "Chaque répondant est classé selon sa dernière réponse CSAT : insatisfait (1 ou 2 sur 5) ou autre (3 à "
              "5) ; churn parmi ceux dont le statut est connu.",
        "en": "Each respondent is classed by their latest CSAT answer: dissatisfied (1 or 2 out of 5) or other (3 "
              "to 5); churn among those whose status is known."},
    "satisfaction.csat_cells": {
        "fr": "Chaque case : la note moyenne (1 à 5) de ses réponses, grise sous 30 clients ayant répondu. Le test de "
              "chaque case contre les autres réponses et son classement sont sur la page Irritants.",
        "en": "Each cell: the mean answer (1 to 5), grey under 30 customers who answered. Each cell's test against "
              "the other responses and its rank are on the Irritants page."},
    "satisfaction.others": {"fr": "Churn des autres répondants", "en": "Other respondents' churn"},
    "satisfaction.rr": {"fr": "Risque relatif {rr} (IC 95 % {low} – {high}), p {p} : {verdict}.",
                        "en": "Relative risk {rr} (95% CI {low} – {high}), p {p}: {verdict}."},
    "satisfaction.significant": {"fr": "différence significative", "en": "significant difference"},
    "satisfaction.not_significant": {"fr": "pas de différence significative", "en": "no significant difference"},
    "satisfaction.detractor_definition": {
        "fr": "Détracteur : la dernière réponse du client dans la période est entre 0 et 6. Comparé aux autres "
              "clients ayant répondu, parmi ceux dont le statut de churn est connu.",
        "en": "Detractor: the customer's latest response in the period is 0–6. Compared with the other customers "
              "who answered, among those whose churn status is known."},
    "satisfaction.heatmap": {"fr": "NPS par étape et par canal", "en": "NPS by stage and channel"},
    "satisfaction.heatmap_csat": {"fr": "CSAT moyen par étape et par canal", "en": "Mean CSAT by stage and channel"},
    "satisfaction.trend": {"fr": "La satisfaction dans le temps", "en": "Satisfaction over time"},
    "satisfaction.trend_help": {
        "fr": "Chaque point : les réponses de la semaine ou du mois, avec leur intervalle à 95 % (la bande), un client "
              "comptant une fois par période. Une période de moins de 30 répondants n'est pas tracée (croix grise) ; "
              "celle où s'arrêtent les données est un point creux : elle n'est pas finie.",
        "en": "Each point: the answers given that week or month, with their 95% interval (the band), a customer "
              "counted once per period. A period with fewer than 30 respondents is not drawn (grey cross); the one "
              "the data stops in is an open point: it is not over yet."},
    "satisfaction.heatmap_help": {"fr": "Les cases de moins de 30 réponses sont grisées : pas assez de données pour "
                                        "un score fiable.",
                                  "en": "Cells with fewer than 30 responses are grey: not enough data for a reliable "
                                        "score."},
    "satisfaction.how": {
        "fr": "**NPS** = % de notes 9–10 − % de notes 0–6, avec l'intervalle à 95 % (barres d'erreur). Une réponse "
              "est un avis avec une note NPS. **CSAT** : part de notes 4–5 sur 5, intervalle de Wilson. **Churn par "
              "étape** : parmi les clients dont l'étape la plus avancée est celle-ci.",
        "en": "**NPS** = % of 9–10 scores − % of 0–6 scores, with its 95% interval (error bars). A response is a "
              "feedback with an NPS score. **CSAT**: share of 4–5 out of 5, Wilson interval. **Churn by stage**: "
              "among customers whose furthest stage is that one."},
    "data.keep_personal": {"fr": "Garder les données personnelles des commentaires",
                           "en": "Keep the personal data in comments"},
    "data.keep_personal_help": {
        "fr": "Par défaut, les e-mails, numéros de téléphone, IBAN et numéros de carte des commentaires sont masqués à "
              "l'import ([email], [téléphone] …) et le nombre est indiqué.",
        "en": "By default, e-mail addresses, phone numbers, IBANs and card numbers in comments are masked at import "
              "([email], [téléphone] …) and counted."},
    "data.forget": {"fr": "Oublier un client (droit à l'effacement)", "en": "Forget a customer (right to erasure)"},
    "data.forget_ids": {"fr": "Identifiants clients, un par ligne", "en": "Customer IDs, one per line"},
    "data.forget_help": {
        "fr": "Supprime ces clients avec tous leurs points de contact et avis, en une transaction. Le journal garde la "
              "date et les nombres, pas les identifiants ; les imports suivants ignorent leurs lignes.",
        "en": "Deletes these customers with all their touchpoints and feedback, in one transaction. The log keeps the "
              "date and the counts, not the IDs; later imports skip their rows."},
    "data.forget_button": {"fr": "Oublier ces clients", "en": "Forget these customers"},
    "data.forget_none": {"fr": "Aucun identifiant saisi.", "en": "No ID entered."},
    "data.forgotten": {
        "fr": "{customers} {customers|client oublié|clients oubliés} : {touchpoints} {touchpoints|point de "
              "contact|points de contact} et {feedback} {feedback|avis|avis} supprimés ({already} déjà "
              "{already|oublié|oubliés}).",
        "en": "{customers} {customers|customer|customers} forgotten: {touchpoints} {touchpoints|touchpoint|"
              "touchpoints} and {feedback} feedback {feedback|row|rows} deleted ({already} already forgotten)."},
    "data.forget_log": {"fr": "{n} {n|effacement|effacements} au journal, le dernier le {last}.",
                        "en": "{n} {n|erasure|erasures} in the log, the latest on {last}."},
    "download.csv": {"fr": "CSV", "en": "CSV"},
    "download.xlsx": {"fr": "Excel", "en": "Excel"},
    "download.chart": {"fr": "Télécharger le graphique", "en": "Download the chart"},
    "download.png": {"fr": "Image PNG", "en": "PNG image"},
    "download.svg": {"fr": "Image SVG (vectorielle)", "en": "SVG image (vector)"},
    "download.chart_failed": {
        "fr": "Ce graphique n'a pas pu être dessiné en image (le moteur de rendu s'est arrêté ou a refusé ses "
              "données). L'application continue ; réessayez, et signalez-le à l'administrateur si cela persiste.",
        "en": "This chart could not be drawn as a picture (the renderer stopped or refused its data). The app goes "
              "on; try again, and tell the administrator if it persists."},
    "download.table_failed": {
        "fr": "Ce tableau n'a pas pu être écrit dans ce format. Essayez l'autre format (CSV ou Excel), et signalez-le "
              "à l'administrateur si cela persiste.",
        "en": "This table could not be written in this format. Try the other format (CSV or Excel), and tell the "
              "administrator if it persists."},
    # presentation mode and the story it walks
    "present.toggle": {"fr": "Mode présentation", "en": "Presentation mode"},
    "present.toggle_help": {
        "fr": "Masque la barre latérale et les commandes, agrandit les chiffres et déroule l'histoire des données en "
              "8 vues. Les filtres choisis restent appliqués.",
        "en": "Hides the sidebar and the controls, enlarges the numbers and walks the data's story in 8 views. The "
              "chosen filters stay applied."},
    "present.exit": {"fr": "Quitter la présentation", "en": "Leave the presentation"},
    "present.previous": {"fr": "Précédente", "en": "Previous"},
    "present.next": {"fr": "Suivante", "en": "Next"},
    "present.position": {"fr": "Vue {i} sur {n}", "en": "View {i} of {n}"},
    "deck.download": {"fr": "Diaporama PowerPoint", "en": "PowerPoint deck"},
    "deck.download_help": {
        "fr": "Les 8 vues de l'histoire pour les filtres actuels, avec leurs graphiques, leurs phrases et les "
              "définitions, dans la langue choisie.",
        "en": "The story's 8 views for the current filters, with their charts, their sentences and the definitions, "
              "in the chosen language."},
    "deck.title": {"fr": "Parcours client omnicanal", "en": "Omnichannel customer journeys"},
    "deck.generated": {"fr": "Généré le {when} par Parcours", "en": "Generated on {when} by Parcours"},
    "deck.definitions": {"fr": "Définitions", "en": "Definitions"},
    "deck.definition": {"fr": "{term} : {text}", "en": "{term}: {text}"},
    "deck.range": {"fr": "Données du {first} au {last}", "en": "Data from {first} to {last}"},
    "deck.chart_failed": {"fr": "(Le graphique de cette vue n'a pas pu être dessiné ; ses chiffres sont dans "
                                "l'application.)",
                          "en": "(This view's chart could not be drawn; its numbers are in the app.)"},
    "deck.significance": {
        "fr": "Significatif : différence testée à 95 %, corrigée de la multiplicité (Benjamini–Hochberg) pour les "
              "irritants. « n < 30 » : trop peu d'observations pour conclure.",
        "en": "Significant: difference tested at 95%, corrected for multiplicity (Benjamini–Hochberg) for the "
              "irritants. \"n < 30\": too few observations to conclude."},
    "story.footer": {"fr": "{filters} · données du {first} au {last} · n = {n} {n|client|clients}",
                     "en": "{filters} · data from {first} to {last} · n = {n} {n|customer|customers}"},
    "story.overview.caption_csat": {
        "fr": "{customers} {customers|client|clients} : {conversion} atteignent l'étape de conversion, CSAT {nps} "
              "({responses} {responses|répondant|répondants}), churn {churn}.",
        "en": "{customers} {customers|customer|customers}: {conversion} reach the conversion stage, CSAT {nps} "
              "({responses} {responses|respondent|respondents}), churn {churn}."},
    "story.overview.caption": {
        "fr": "{customers} {customers|client|clients} : {conversion} atteignent l'étape de conversion, NPS {nps} "
              "(de {responses} {responses|client|clients}), churn {churn}.",
        "en": "{customers} {customers|customer|customers}: {conversion} reach the conversion stage, NPS {nps} "
              "(from {responses} {responses|customer|customers}), churn {churn}."},
    "story.overview.trend": {"fr": "Clients actifs par mois", "en": "Active customers per month"},
    # The weakest step, said the same way by the overview, the story's funnel and map views and the deck: a rate
    # (analytics.overview.weakest_step), with the count it means, so that no view seems to contradict another.
    "finding.weakest_step": {
        "fr": "Étape la plus faible, au taux de passage : {src} → {dst}. Des {n} clients allés jusqu'à {src}, {rate} "
              "vont plus loin et {lost} s'y arrêtent.",
        "en": "Weakest step, by step conversion: {src} → {dst}. Of the {n} customers who got as far as {src}, {rate} "
              "go further and {lost} stop there."},
    "story.funnel.none": {"fr": "Pas assez de clients pour comparer les étapes.",
                          "en": "Too few customers to compare the stages."},
    "story.too_few": {"fr": "Trop peu de clients ({n}) pour conclure : il en faut au moins {min}.",
                      "en": "Too few customers ({n}) to say: at least {min} are needed."},
    "story.crossover.title": {"fr": "Parcours cross-canal", "en": "Cross-channel journeys"},
    "story.crossover.caption": {
        "fr": "{cross} des clients ont un parcours cross-canal ; parmi les clients vus à au moins deux étapes, "
              "ils convertissent à {conv_cross} contre {conv_mono} en mono-canal. {ropo} des {converted} acheteurs "
              "ont cherché en ligne puis acheté en magasin (ROPO).",
        "en": "{cross} of customers have a cross-channel journey; among customers seen at two stages or more, they "
              "convert at {conv_cross} against {conv_mono} for mono-channel ones. {ropo} of the {converted} buyers "
              "researched online, then bought offline (ROPO)."},
    "story.crossover.none": {"fr": "Aucun parcours pour cette sélection.", "en": "No journey for this selection."},
    "story.satisfaction.caption": {
        "fr": "NPS global {nps} ({n} clients) ; le plus bas à l'étape {stage} : {stage_nps} ({stage_n} clients).",
        "en": "Overall NPS {nps} ({n} customers); lowest at the {stage} stage: {stage_nps} ({stage_n} customers)."},
    "story.satisfaction.overall": {"fr": "NPS global {nps} ({n} clients).",
                                   "en": "Overall NPS {nps} ({n} customers)."},
    "story.satisfaction.csat": {
        "fr": "CSAT moyen {mean}/5 de {n} clients ; {dissatisfied} d'insatisfaits (1 ou 2 sur 5).",
        "en": "Mean CSAT {mean}/5 from {n} customers; {dissatisfied} dissatisfied (1 or 2 out of 5)."},
    "story.satisfaction.csat_lowest": {"fr": "Le plus bas à l'étape {stage} : {mean}/5 ({n} clients).",
                                       "en": "Lowest at the {stage} stage: {mean}/5 ({n} customers)."},
    "story.satisfaction.few_csat": {
        "fr": "{n} {n|client a|clients ont} répondu seulement : trop peu pour un CSAT (il en faut {min}).",
        "en": "Only {n} {n|customer|customers} answered: too few for a CSAT ({min} needed)."},
    "story.satisfaction.few": {"fr": "{n} {n|client a|clients ont} répondu seulement : trop peu pour un NPS (il en "
                                     "faut {min}).",
                               "en": "Only {n} {n|customer|customers} answered: too few for an NPS ({min} needed)."},
    "story.satisfaction.trend.nps": {
        "fr": "Dernier mois complet ({month}) : NPS {value} ({low} à {high}, {n} clients).",
        "en": "Last complete month ({month}): NPS {value} ({low} to {high}, {n} customers)."},
    "story.satisfaction.trend.csat": {
        "fr": "Dernier mois complet ({month}) : {value}/5 ({low} à {high}, {n} clients).",
        "en": "Last complete month ({month}): {value}/5 ({low} to {high}, {n} customers)."},
    "story.next.title": {"fr": "Prochaines étapes", "en": "Next steps"},
    "story.next.caption": {"fr": "{n} {n|action tirée|actions tirées} des données, la plus coûteuse d'abord.",
                           "en": "{n} {n|action|actions} drawn from the data, the costliest first."},
    "story.next.none": {"fr": "Aucune action ne ressort nettement des données pour cette sélection.",
                        "en": "No action stands out clearly from the data for this selection."},
    "story.next.irritant": {
        "fr": "Traiter l'irritant {cell} : {customers} clients, {value} contre {overall} au global.",
        "en": "Fix the {cell} irritant: {customers} customers, {value} against {overall} overall."},
    "story.next.step": {"fr": "Réduire le décrochage entre {src} et {dst} ({lost} des {n} clients allés jusqu'à "
                              "{src} s'y arrêtent, au taux de passage).",
                        "en": "Reduce the drop between {src} and {dst} ({lost} of the {n} customers who got as far "
                              "as {src} stop there, by step conversion)."},
    "story.next.detractors": {
        "fr": "Rappeler les détracteurs : ils partent {rr} fois plus ({detractors} contre {others}).",
        "en": "Call back the detractors: they leave {rr} times as often ({detractors} against {others})."},
    "story.next.delight": {"fr": "S'inspirer du point d'enchantement {cell} ({value}).",
                           "en": "Learn from the point of delight {cell} ({value})."},
    "story.value.nps": {"fr": "NPS {value}", "en": "NPS {value}"},
    "story.value.csat": {"fr": "{share} d'insatisfaits (CSAT {mean})", "en": "{share} dissatisfied (CSAT {mean})"},
    # journey map
    "map.intro": {"fr": "La carte du parcours tirée des données : une colonne par étape ; qui y arrive et qui s'y "
                        "arrête, par quels canaux, ce que les clients ressentent, ce qui les bloque et ce qui les "
                        "enchante, et le churn de ceux dont le parcours s'arrête là.",
                  "en": "The journey map drawn from the data: one column per stage; who gets there and who stops, "
                        "through which channels, how customers feel, what blocks them and what delights them, and "
                        "the churn of those whose journey ends there."},
    "map.personas": {"fr": "Persona (un, ou deux à comparer)", "en": "Persona (one, or two to compare)"},
    "map.everyone": {"fr": "Tous les clients filtrés", "en": "All filtered customers"},
    "map.help_personas": {"fr": "Les filtres de la barre latérale s'appliquent aussi.",
                          "en": "The sidebar filters apply too."},
    "map.lane_customers": {"fr": "Clients qui atteignent l'étape · part qui s'y arrête",
                           "en": "Customers who reach the stage · share who stop there"},
    "map.lane_channels": {"fr": "Canaux principaux (part des clients de l'étape)",
                          "en": "Main channels (share of the stage's customers)"},
    "map.lane_emotion": {"fr": "Courbe d'émotion : NPS et son intervalle à 95 % · part de détracteurs",
                         "en": "Emotion curve: NPS and its 95% interval · share of detractors"},
    "map.lane_pains": {"fr": "Irritants (étape × canal au NPS significativement sous le global, n ≥ 30)",
                       "en": "Pain points (stage × channel with an NPS significantly below overall, n ≥ 30)"},
    "map.lane_delights": {"fr": "Points d'enchantement (NPS significativement au-dessus du global, n ≥ 30)",
                          "en": "Points of delight (NPS significantly above overall, n ≥ 30)"},
    "map.lane_emotion.csat": {"fr": "Courbe d'émotion : CSAT moyen (1 à 5) et son intervalle à 95 % · part "
                                    "d'insatisfaits (1–2)",
                              "en": "Emotion curve: mean CSAT (1 to 5) and its 95% interval · share dissatisfied "
                                    "(1–2)"},
    "map.lane_pains.csat": {"fr": "Irritants (étape × canal aux insatisfaits significativement plus nombreux, n ≥ 30)",
                            "en": "Pain points (stage × channel with significantly more dissatisfied, n ≥ 30)"},
    "map.lane_delights.csat": {"fr": "Points d'enchantement (insatisfaits significativement moins nombreux, n ≥ 30)",
                               "en": "Points of delight (significantly fewer dissatisfied, n ≥ 30)"},
    "map.none_significant": {"fr": "aucun significatif", "en": "none significant"},
    "map.lane_churn": {"fr": "Churn des clients dont le parcours s'arrête à cette étape",
                       "en": "Churn of the customers whose journey stopped at this stage"},
    "map.stop": {"fr": "s'arrêtent ici", "en": "stop here"},
    "map.detractors_short": {"fr": "dét.", "en": "det."},
    "map.dissatisfied_short": {"fr": "insat.", "en": "dissat."},
    "map.fix_first": {"fr": "À traiter en premier : {cell} — {reason}", "en": "Fix first: {cell} — {reason}"},
    "map.no_irritant": {"fr": "Aucune case étape × canal ne se distingue nettement des autres pour cette sélection "
                              "(cases d'au moins 30 clients ayant répondu).",
                        "en": "No stage × channel cell stands clearly apart from the rest for this selection (cells "
                              "of at least 30 customers who answered)."},
    "map.all_irritants": {"fr": "Tous les irritants classés", "en": "All ranked irritants"},
    "map.how": {
        "fr": "**Clients** : ceux dont l'étape la plus avancée est celle-ci ou au-delà (l'entonnoir ouvert) ; "
              "**s'arrêtent ici** : leur étape la plus avancée est celle-ci. **Canaux** : part des clients ayant un "
              "point de contact à l'étape qui y ont utilisé ce canal (un client peut en utiliser plusieurs). "
              "**Courbe d'émotion** : NPS des réponses données à cette étape, intervalle à 95 % en bande ; sous 30 "
              "réponses, pas de valeur. **Irritants / enchantements** : les cases étape × canal d'au moins 30 "
              "réponses dont le NPS est le plus bas (le plus haut) par rapport au NPS global ; ★ quand l'écart avec "
              "les autres réponses est significatif après correction de Benjamini–Hochberg. Le verbatim est le "
              "commentaire le plus fréquent des détracteurs (promoteurs) de la case, puis le plus récent. "
              "**Churn** : parmi les clients dont le parcours s'arrête à l'étape et dont le statut est connu.",
        "en": "**Customers**: those whose furthest stage is this one or beyond (the open funnel); **stop here**: "
              "their furthest stage is this one. **Channels**: share of the customers with a touchpoint at the "
              "stage who used that channel there (a customer may use several). **Emotion curve**: NPS of the "
              "responses given at the stage, 95% interval as a band; below 30 responses, no value. **Pain points "
              "/ delights**: the stage × channel cells with at least 30 responses whose NPS is lowest (highest) "
              "against the overall NPS; ★ when the difference with the other responses is significant after "
              "Benjamini–Hochberg correction. The verbatim is the cell's detractors' (promoters') most frequent "
              "comment, then the most recent. **Churn**: among the customers whose journey stopped at the stage "
              "and whose status is known."},
    # irritants
    "irritants.intro": {
        "fr": "Chaque case étape × canal où au moins 30 clients ont répondu, comparée à toutes les autres réponses, "
              "chaque client comptant une fois même s'il répond souvent. Seules les différences significatives "
              "(q < 0,05 après correction de Benjamini–Hochberg) sont appelées irritants ou points d'enchantement.",
        "en": "Every stage × channel cell where at least 30 customers answered, compared with every other response, "
              "each customer counting once however often they answer. Only significant differences (q < 0.05 after "
              "Benjamini–Hochberg correction) are called irritants or points of delight."},
    "irritants.formula.nps": {
        "fr": "**Score de priorité = clients concernés × points de NPS sous les autres réponses, ramenés selon leur "
              "précision** : écart × τ² / (τ² + se²), τ² l'écart réel entre cases (DerSimonian–Laird) et se "
              "l'incertitude de l'écart de la case. Une petite case bruitée ne passe donc pas devant une grande case "
              "solide par hasard. Plus le score est grand, plus l'irritant coûte ; un point d'enchantement a un score "
              "négatif. Irritant ou enchantement se décide, lui, par le test (q < 0,05).",
        "en": "**Priority score = customers affected × NPS points below the other answers, pulled in for their "
              "uncertainty**: gap × τ² / (τ² + se²), τ² the real spread between cells (DerSimonian–Laird) and se the "
              "uncertainty of the cell's gap. A small noisy cell thus does not outrank a large solid one by chance. "
              "The larger, the costlier the irritant; a point of delight has a negative score. Irritant or delight "
              "is decided by the test (q < 0.05)."},
    "irritants.formula.csat": {
        "fr": "**Score de priorité = clients concernés × points d'insatisfaits (1 ou 2 sur 5) de plus que les autres "
              "réponses, ramenés selon leur précision** : écart × τ² / (τ² + se²), τ² l'écart réel entre cases "
              "(DerSimonian–Laird) et se l'incertitude de l'écart de la case. Une petite case bruitée ne passe donc "
              "pas devant une grande case solide par hasard. Un point d'enchantement a un score négatif. Irritant ou "
              "enchantement se décide, lui, par le test (q < 0,05).",
        "en": "**Priority score = customers affected × points of dissatisfied customers (1 or 2 out of 5) above the "
              "other answers, pulled in for their uncertainty**: gap × τ² / (τ² + se²), τ² the real spread between "
              "cells (DerSimonian–Laird) and se the uncertainty of the cell's gap. A small noisy cell thus does not "
              "outrank a large solid one by chance. A point of delight has a negative score. Irritant or delight is "
              "decided by the test (q < 0.05)."},
    "irritants.no_shrinkage": {"fr": "Les cases ne diffèrent pas plus que leur bruit (τ² = 0) : rien à ramener, le "
                                     "classement suit l'écart brut.",
                               "en": "The cells differ no more than their noise (τ² = 0): nothing to pull in, the "
                                     "ranking follows the raw gap."},
    "irritants.col.raw_score": {"fr": "Score brut", "en": "Raw score"},
    "measure.absent.nps": {"fr": "Pas de NPS dans ces données : le CSAT est affiché.",
                           "en": "No NPS in this data: CSAT is shown."},
    "measure.absent.csat": {"fr": "Pas de CSAT dans ces données : le NPS est affiché.",
                            "en": "No CSAT in this data: NPS is shown."},
    "irritants.count_irritants": {"fr": "Irritants", "en": "Irritants"},
    "irritants.count_delights": {"fr": "Points d'enchantement", "en": "Points of delight"},
    "irritants.count_cells": {"fr": "Cases classées", "en": "Cells ranked"},
    "irritants.overall.nps": {"fr": "NPS global", "en": "Overall NPS"},
    "irritants.overall.csat": {"fr": "CSAT moyen global", "en": "Overall mean CSAT"},
    "irritants.none": {"fr": "Aucune case étape × canal n'a 30 clients répondants ou plus pour cette sélection.",
                       "en": "No stage × channel cell has 30 answering customers or more for this selection."},
    "irritants.ranking": {"fr": "Classement", "en": "Ranking"},
    "irritants.kind.irritant": {"fr": "irritant", "en": "irritant"},
    "irritants.kind.neutral": {"fr": "neutre", "en": "neutral"},
    "irritants.kind.delight": {"fr": "enchantement", "en": "delight"},
    "irritants.reason": {
        "fr": "NPS {nps} contre {overall} au global ; {customers} clients × {points} points {where} des autres "
              "réponses{raw} = {score} ; {test}.",
        "en": "NPS {nps} vs {overall} overall; {customers} customers × {points} points {where} the other answers{raw} "
              "= {score}; {test}."},
    "irritants.reason_csat": {
        "fr": "{share} d'insatisfaits contre {overall} au global ; {customers} clients × {points} points "
              "d'insatisfaits {where} les autres réponses{raw} = {score} ; {test}.",
        "en": "{share} dissatisfied vs {overall} overall; {customers} customers × {points} points of dissatisfied "
              "customers {where} the other answers{raw} = {score}; {test}."},
    "irritants.below": {"fr": "en dessous", "en": "below"},
    "irritants.above": {"fr": "au-dessus", "en": "above"},
    "irritants.more": {"fr": "de plus que", "en": "more than"},
    "irritants.fewer": {"fr": "de moins que", "en": "fewer than"},
    "irritants.shrunk_from": {"fr": " (écart brut {raw}, ramené selon sa précision)",
                              "en": " (raw gap {raw}, pulled in for its uncertainty)"},
    "irritants.test_significant": {"fr": "différence significative avec les autres réponses (q {q})",
                                   "en": "significantly different from the other responses (q {q})"},
    # the same verdicts in plain words, for the presentation and the deck (the q-values stay on the analysis pages)
    "irritants.plain.irritant": {"fr": "nettement moins bien que les autres (compte tenu des {n} cases comparées)",
                                 "en": "clearly worse than the rest (after allowing for the {n} cells compared)"},
    "irritants.plain.delight": {"fr": "nettement mieux que les autres (compte tenu des {n} cases comparées)",
                                "en": "clearly better than the rest (after allowing for the {n} cells compared)"},
    "irritants.plain.neutral": {"fr": "pas distinguable des autres", "en": "not distinguishable from the rest"},
    "irritants.test_not": {"fr": "pas de différence significative avec les autres réponses (q {q})",
                           "en": "no significant difference from the other responses (q {q})"},
    "irritants.col.rank": {"fr": "Rang", "en": "Rank"},
    "irritants.col.cell": {"fr": "Étape × canal", "en": "Stage × channel"},
    "irritants.col.kind": {"fr": "Verdict", "en": "Verdict"},
    "irritants.col.customers": {"fr": "Clients", "en": "Customers"},
    "irritants.col.respondents": {"fr": "Répondants", "en": "Respondents"},
    "irritants.col.value.nps": {"fr": "NPS [IC 95 %]", "en": "NPS [95% CI]"},
    "irritants.col.value.csat": {"fr": "CSAT moyen [IC 95 %]", "en": "Mean CSAT [95% CI]"},
    "irritants.col.unhappy.nps": {"fr": "Détracteurs", "en": "Detractors"},
    "irritants.col.unhappy.csat": {"fr": "Insatisfaits (1–2)", "en": "Dissatisfied (1–2)"},
    "irritants.col.drop_off": {"fr": "S'arrêtent à l'étape", "en": "Stop at the stage"},
    "irritants.col.churn.nps": {"fr": "Churn détracteurs / autres", "en": "Churn detractors / others"},
    "irritants.col.churn.csat": {"fr": "Churn insatisfaits / autres", "en": "Churn dissatisfied / others"},
    "irritants.col.score": {"fr": "Score", "en": "Score"},
    "irritants.col.reason": {"fr": "Pourquoi ce rang", "en": "Why this rank"},
    "irritants.cli": {"fr": "Le même classement en JSON : `python -m analytics irritants` (mêmes filtres en options).",
                      "en": "The same ranking as JSON: `python -m analytics irritants` (same filters as options)."},
    # closing the loop (issue 16): a ranked cell's unhappy customers, for the team that calls them back
    "irritants.callback.title": {"fr": "Rappeler les clients mécontents", "en": "Call back the unhappy customers"},
    "irritants.callback.pick": {"fr": "Choisir une case du classement", "en": "Choose a cell of the ranking"},
    "irritants.callback.count.nps": {
        "fr": "{n} {n|détracteur|détracteurs} (0–6) de cette case, selon leur dernière réponse ici : identifiant, "
              "note, commentaire et date, pour l'équipe qui les rappelle.",
        "en": "{n} {n|detractor|detractors} (0–6) of this cell, by their latest answer there: id, score, comment "
              "and date, for the team that calls them back."},
    "irritants.callback.count.csat": {
        "fr": "{n} {n|client insatisfait|clients insatisfaits} (1–2) de cette case, selon leur dernière réponse ici : "
              "identifiant, note, commentaire et date, pour l'équipe qui les rappelle.",
        "en": "{n} dissatisfied {n|customer|customers} (1–2) of this cell, by their latest answer there: id, score, "
              "comment and date, for the team that calls them back."},
    "irritants.callback.admins_only": {
        "fr": "L'export des clients mécontents d'une case (identifiants, réponses, commentaires) est réservé aux "
              "administrateurs.",
        "en": "The export of a cell's unhappy customers (ids, answers, comments) is for admins only."},
    "irritants.how": {
        "fr": "**Clients concernés** : clients ayant un point de contact à cette étape sur ce canal, ou une réponse "
              "dans la case (pour « canal inconnu », les répondants seulement). **Test** : la case contre toutes les "
              "autres réponses — NPS : les notes +1 / 0 / −1 ; CSAT : la part d'insatisfaits (1–2) — par une "
              "régression dont la variance est groupée par client (un client qui répond dix fois compte comme un "
              "client, pas dix), p-values corrigées par Benjamini–Hochberg sur toutes les cases classées. "
              "**S'arrêtent à l'étape** : part des clients de la case dont l'étape la plus avancée est celle-ci. "
              "**Churn** : des répondants de la case, selon leur dernière réponse dans la case (détracteur 0–6, ou "
              "insatisfait 1–2), parmi ceux dont le statut est connu. **Classement** : les irritants par score "
              "décroissant, puis les cases neutres, puis les points d'enchantement, le meilleur d'abord.",
        "en": "**Customers affected**: customers with a touchpoint at this stage on this channel, or a response in "
              "the cell (for \"channel unknown\", the respondents only). **Test**: the cell against all other "
              "responses — NPS: the +1 / 0 / −1 scores; CSAT: the dissatisfied share (1–2) — by a regression whose "
              "variance is clustered by customer (a customer answering ten times counts as one customer, not ten), "
              "p-values adjusted by Benjamini–Hochberg across all ranked cells. **Stop at the stage**: share of the "
              "cell's customers whose furthest stage is this one. **Churn**: of the cell's respondents, by their "
              "latest response in the cell (detractor 0–6, or dissatisfied 1–2), among those whose status is known. "
              "**Ranking**: irritants by decreasing score, then neutral cells, then points of delight, best first."},
    # voice of the customer
    "voice.intro": {"fr": "Ce que disent les clients, par étape et par canal : les verbatims, les thèmes qui "
                          "distinguent les détracteurs des promoteurs, et pourquoi certains s'arrêtent en chemin.",
                    "en": "What customers say, by stage and channel: the verbatims, the themes that set detractors "
                          "apart from promoters, and why some stop on the way."},
    "voice.view": {"fr": "Vue", "en": "View"},
    "voice.verbatims": {"fr": "Verbatims", "en": "Verbatims"},
    "voice.themes": {"fr": "Thèmes", "en": "Themes"},
    "voice.why_drop": {"fr": "Pourquoi s'arrêtent-ils ?", "en": "Why did they drop?"},
    "voice.group": {"fr": "Répondants", "en": "Respondents"},
    "voice.group.promoter": {"fr": "promoteur", "en": "promoter"},
    "voice.group.passive": {"fr": "passif", "en": "passive"},
    "voice.group.detractor": {"fr": "détracteur", "en": "detractor"},
    "voice.group.none": {"fr": "sans note", "en": "no score"},
    "voice.group.csat.promoter": {"fr": "satisfait (4–5)", "en": "satisfied (4–5)"},
    "voice.group.csat.passive": {"fr": "neutre (3)", "en": "neutral (3)"},
    "voice.group.csat.detractor": {"fr": "insatisfait (1–2)", "en": "dissatisfied (1–2)"},
    "voice.group.csat.none": {"fr": "sans note CSAT", "en": "no CSAT score"},
    "voice.search": {"fr": "Rechercher dans les commentaires", "en": "Search the comments"},
    "voice.search_hint": {"fr": "ex. attente, livraison, remboursement", "en": "e.g. waiting, delivery, refund"},
    "voice.shown": {"fr": "{total} verbatims correspondent ; les {shown} plus récents :",
                    "en": "{total} verbatims match; the {shown} most recent:"},
    "voice.no_verbatim": {"fr": "Aucun verbatim ne correspond.", "en": "No verbatim matches."},
    "voice.all_stages": {"fr": "Toutes les étapes", "en": "All stages"},
    "voice.term": {"fr": "Mot ou expression", "en": "Word or phrase"},
    "voice.z": {"fr": "Pouvoir distinctif (z)", "en": "Distinctiveness (z)"},
    "voice.side": {"fr": "Plus fréquent chez les", "en": "More frequent among"},
    "voice.detractors": {"fr": "détracteurs", "en": "detractors"},
    "voice.promoters": {"fr": "promoteurs", "en": "promoters"},
    "voice.detractor_comments": {"fr": "Commentaires de détracteurs", "en": "Detractor comments"},
    "voice.promoter_comments": {"fr": "Commentaires de promoteurs", "en": "Promoter comments"},
    "voice.csat.detractors": {"fr": "insatisfaits (1–2)", "en": "dissatisfied (1–2)"},
    "voice.csat.promoters": {"fr": "satisfaits (4–5)", "en": "satisfied (4–5)"},
    "voice.csat.detractor_comments": {"fr": "Commentaires d'insatisfaits", "en": "Dissatisfied comments"},
    "voice.csat.promoter_comments": {"fr": "Commentaires de satisfaits", "en": "Satisfied comments"},
    "voice.kind": {"fr": "Nature", "en": "Kind"},
    "voice.word": {"fr": "mot", "en": "word"},
    "voice.phrase": {"fr": "expression", "en": "phrase"},
    "voice.no_theme": {"fr": "Aucun thème ne se distingue nettement (q ≤ 5 % après correction de Benjamini–Hochberg "
                             "sur tous les termes comparés, au moins 3 commentaires) pour cette sélection.",
                       "en": "No theme stands out clearly (q ≤ 5% after Benjamini–Hochberg correction over every "
                             "term compared, at least 3 comments) for this selection."},
    "voice.theme_verbatims": {"fr": "Voir les verbatims du thème", "en": "See the theme's verbatims"},
    "voice.themes_help": {
        "fr": "Les mots et expressions de deux mots plus fréquents dans les commentaires des détracteurs (0–6) que "
              "dans ceux des promoteurs (9–10), ou l'inverse : log-odds ratio avec a priori de Dirichlet (Monroe et "
              "al., 2008), chaque commentaire compté une fois par terme ; un terme n'est retenu que si son q de "
              "Benjamini–Hochberg sur tous les termes comparés est d'au plus 5 %. Les accents sont ignorés (« não » = "
              "« nao ») et les mots vides retirés sont ceux de la langue de chaque commentaire (français, anglais, "
              "portugais, espagnol, allemand ou italien).",
        "en": "Words and two-word phrases more frequent in detractors' (0–6) comments than in promoters' (9–10), "
              "or the reverse: log-odds ratio with a Dirichlet prior (Monroe et al., 2008), each comment counted "
              "once per term; a term is kept only when its Benjamini–Hochberg q over every term compared is at "
              "most 5%. Accents are ignored (\"não\" = \"nao\") and the stop words left out are those of each "
              "comment's language (French, English, Portuguese, Spanish, German or Italian)."},
    "voice.step": {"fr": "Étape du parcours", "en": "Journey step"},
    "voice.no_step": {"fr": "Le modèle n'a qu'une étape : personne ne peut s'arrêter en chemin.",
                      "en": "The model has a single stage: nobody can stop on the way."},
    "voice.nps_stopped": {"fr": "NPS de ceux qui s'y sont arrêtés", "en": "NPS of those who stopped there"},
    "voice.nps_went_on": {"fr": "NPS de ceux qui ont continué", "en": "NPS of those who went on"},
    "voice.csat_stopped": {"fr": "CSAT moyen de ceux qui s'y sont arrêtés",
                           "en": "Mean CSAT of those who stopped there"},
    "voice.csat_went_on": {"fr": "CSAT moyen de ceux qui ont continué", "en": "Mean CSAT of those who went on"},
    "voice.drop_test_csat": {
        "fr": "Écart {diff} sur 5 (test z, variances groupées par client, p {p}) : {verdict}.",
        "en": "Difference {diff} out of 5 (z-test, variances clustered by customer, p {p}): {verdict}."},
    "voice.customers_in_group": {"fr": "{n} {n|client|clients} dans ce groupe ; la mesure vient de leurs réponses à "
                                       "cette étape.",
                                 "en": "{n} {n|customer|customers} in this group; the figure is from their answers "
                                       "at this stage."},
    "voice.drop_test": {"fr": "Écart {diff} points (test z, p {p}) : {verdict}.",
                        "en": "Difference {diff} points (z-test, p {p}): {verdict}."},
    "voice.stopped": {"fr": "se sont arrêtés", "en": "stopped"},
    "voice.went_on": {"fr": "ont continué", "en": "went on"},
    "voice.stopped_comments": {"fr": "Commentaires de ceux qui se sont arrêtés",
                               "en": "Comments of those who stopped"},
    "voice.went_on_comments": {"fr": "Commentaires de ceux qui ont continué", "en": "Comments of those who went on"},
    "voice.how": {
        "fr": "**Verbatims** : commentaires des avis retenus par les filtres, affichés tels quels (comme du texte). "
              "**Groupes** : promoteur 9–10, passif 7–8, détracteur 0–6. **Pourquoi s'arrêtent-ils ?** : parmi les "
              "clients qui ont atteint l'étape, ceux dont c'est l'étape la plus avancée contre ceux qui sont allés "
              "plus loin ; NPS de leurs réponses données à cette étape, et les thèmes qui distinguent leurs "
              "commentaires.",
        "en": "**Verbatims**: comments of the feedback kept by the filters, shown as they are (as text). "
              "**Groups**: promoter 9–10, passive 7–8, detractor 0–6. **Why did they drop?**: among the customers "
              "who reached the stage, those for whom it is the furthest stage against those who went further; NPS "
              "of their responses given at that stage, and the themes that set their comments apart."},
    # variants
    "variants.intro": {"fr": "Les enchaînements d'étapes ou de canaux les plus fréquents (répétitions fusionnées), la "
                             "part des clients que chacun couvre et sa conversion.",
                       "en": "The most frequent sequences of stages or channels (repeats collapsed), the share of "
                             "customers each covers and its conversion."},
    "variants.by": {"fr": "Séquence de", "en": "Sequence of"},
    "variants.by.stage": {"fr": "étapes", "en": "stages"},
    "variants.by.channel": {"fr": "canaux", "en": "channels"},
    "variants.operational_only": {"fr": "{n} clients vus seulement sur des canaux opérationnels (transporteur, "
                                        "e-mail d'enquête) n'ont pas de variante par canal.",
                                  "en": "{n} customers seen only on operational channels (a carrier, a survey e-mail) "
                                        "have no channel variant."},
    "variants.coverage": {"fr": "Les **{n} premières variantes couvrent {share}** des {customers} clients "
                                "({distinct} variantes distinctes).",
                          "en": "The **top {n} variants cover {share}** of the {customers} customers ({distinct} "
                                "distinct variants)."},
    "variants.variant": {"fr": "Parcours", "en": "Journey"},
    "variants.other": {"fr": "Autres parcours", "en": "Other journeys"},
    "variants.cumul": {"fr": "Part cumulée", "en": "Cumulative share"},
    "variants.steps": {"fr": "Étapes", "en": "Steps"},
    "variants.distinct": {"fr": "Parcours distincts", "en": "Distinct journeys"},
    "variants.conv_short": {"fr": "conv.", "en": "conv."},
    "variants.conversion": {"fr": "Conversion", "en": "Conversion"},
    "page.changes": {"fr": "Ce qui a changé", "en": "What changed"},
    "overview.why_moved": {"fr": "Pourquoi ces écarts ? Effet mix et effet taux, groupe par groupe",
                           "en": "Why did they move? Mix and rate, group by group"},
    "changes.intro": {
        "fr": "D'une cohorte à la suivante, un indicateur bouge : parce que les clients ont changé (plus d'un groupe "
              "qui convertit moins : l'effet **mix**) ou parce que chaque groupe fait moins bien (l'effet **taux**) ?",
        "en": "From one cohort to the next, a KPI moves: because the customers changed (more of a group that converts "
              "less: the **mix**) or because each group does worse (the **rate**)?"},
    "changes.metric": {"fr": "Indicateur", "en": "KPI"},
    "changes.by": {"fr": "Par", "en": "By"},
    "changes.entry_channel": {"fr": "Canal d'entrée", "en": "Entry channel"},
    "changes.before": {"fr": "Cohorte d'avant (premier contact)", "en": "Earlier cohort (first touchpoint)"},
    "changes.after": {"fr": "Cohorte d'après (premier contact)", "en": "Later cohort (first touchpoint)"},
    "changes.kpi.conversion": {"fr": "conversion", "en": "conversion"},
    "changes.kpi.nps": {"fr": "NPS", "en": "NPS"},
    "changes.kpi.csat": {"fr": "CSAT", "en": "CSAT"},
    "changes.the.conversion": {"fr": "la conversion", "en": "conversion"},
    "changes.the.nps": {"fr": "le NPS", "en": "NPS"},
    "changes.the.csat": {"fr": "le CSAT", "en": "CSAT"},
    "changes.axis.conversion": {"fr": "Taux de conversion (points)", "en": "Conversion rate (points)"},
    "changes.axis.nps": {"fr": "NPS (points)", "en": "NPS (points)"},
    "changes.axis.csat": {"fr": "CSAT moyen (1–5)", "en": "Mean CSAT (1–5)"},
    "changes.cohorts": {
        "fr": "Clients arrivés du {start} au {end} ({n} clients) comparés à ceux arrivés du {pstart} au {pend} ({pn} "
              "clients), chacun suivi {window}.",
        "en": "Customers who first came from {start} to {end} ({n} customers) against those who came from {pstart} "
              "to {pend} ({pn} customers), each followed {window}."},
    "changes.window_days": {"fr": "{days} jours après son premier contact",
                            "en": "{days} days from their first touchpoint"},
    "changes.window_all": {"fr": "jusqu'à la fin des données", "en": "until the end of the data"},
    "changes.window_open": {
        "fr": "Les clients de ces cohortes sont encore suivis : la comparaison sera possible à partir du {ready} "
              "(une cohorte récente, moins longtemps suivie, paraîtrait toujours moins bonne). Choisissez des périodes "
              "plus anciennes.",
        "en": "These cohorts' customers are still being followed: they can be compared from {ready} on (a recent "
              "cohort, followed for less time, would always look worse). Choose earlier periods."},
    "changes.too_few": {"fr": "Moins de {min} clients dans l'une des cohortes : rien à décomposer.",
                        "en": "Fewer than {min} customers in one of the cohorts: nothing to split."},
    "changes.no_data": {"fr": "Pas de {kpi} dans ces données.", "en": "No {kpi} in this data."},
    "changes.col.group": {"fr": "Groupe", "en": "Group"},
    "changes.col.customers": {"fr": "Clients avant → après", "en": "Customers before → after"},
    "changes.col.share": {"fr": "Part avant → après", "en": "Share before → after"},
    "changes.col.rate": {"fr": "Valeur avant → après", "en": "Value before → after"},
    "changes.col.mix": {"fr": "Effet mix (points)", "en": "Mix effect (points)"},
    "changes.col.rate_effect": {"fr": "Effet taux (points)", "en": "Rate effect (points)"},
    "changes.pooled": {"fr": "Autres groupes (moins de {min} clients) : {groups}.",
                       "en": "Other groups (fewer than {min} customers): {groups}."},
    "finding.change.head": {
        "fr": "{kpi} passe de {before} à {after} ({delta} points ; {verdict}).",
        "en": "{kpi} went from {before} to {after} ({delta} points; {verdict})."},
    "finding.change.units": {"fr": "Soit {n} conversions par mois au rythme d'arrivée de la période.",
                             "en": "That is {n} conversions a month at the period's arrival pace."},
    "finding.change.units_money": {
        "fr": "Soit {n} conversions par mois, environ {money} au revenu par conversion de la période.",
        "en": "That is {n} conversions a month, about {money} at the period's revenue per conversion."},
    "finding.change.significant": {"fr": "un écart réel", "en": "a real change"},
    "finding.change.chance": {"fr": "dans la marge du hasard", "en": "within chance"},
    "finding.change.mix": {
        "fr": "{share} de l'écart vient de ce qu'il y a {more} de clients « {group} », dont {kpi} est {side} de la "
              "moyenne.",
        "en": "{share} of the change comes from {more} {group} customers, whose {kpi} is {side} the average."},
    "finding.change.mix_value": {
        "fr": "La plus forte contribution ({value} points) vient de ce qu'il y a {more} de clients « {group} », dont "
              "{kpi} est {side} de la moyenne.",
        "en": "The largest contribution ({value} points) comes from {more} {group} customers, whose {kpi} is {side} "
              "the average."},
    "finding.change.rate": {
        "fr": "{share} de l'écart vient des clients « {group} » eux-mêmes, dont {kpi} {moved}.",
        "en": "{share} of the change comes from {group} customers themselves, whose {kpi} {moved}."},
    "finding.change.rate_value": {
        "fr": "La plus forte contribution ({value} points) vient des clients « {group} » eux-mêmes, dont {kpi} "
              "{moved}.",
        "en": "The largest contribution ({value} points) comes from {group} customers themselves, whose {kpi} "
              "{moved}."},
    "finding.change.more": {"fr": "plus", "en": "more"},
    "finding.change.fewer": {"fr": "moins", "en": "fewer"},
    "finding.change.above": {"fr": "au-dessus", "en": "above"},
    "finding.change.below": {"fr": "en dessous", "en": "below"},
    "finding.change.rose": {"fr": "a monté", "en": "rose"},
    "finding.change.fell": {"fr": "a baissé", "en": "fell"},
    "finding.change.within_held": {"fr": "À groupes égaux, {kpi} a tenu.", "en": "Within groups, {kpi} held."},
    "finding.change.within_moved": {"fr": "À groupes égaux, {kpi} {moved} de {value} points.",
                                    "en": "Within groups, {kpi} {moved} by {value} points."},
    "finding.change.none": {"fr": "Aucune contribution de groupe ne se distingue du hasard.",
                            "en": "No group's contribution stands out from chance."},
    "finding.change.others": {"fr": "autres groupes", "en": "other groups"},
    "finding.change.unset": {"fr": "non renseigné", "en": "not set"},
    "changes.how": {
        "fr": "Deux **cohortes** : les clients dont le premier contact tombe dans chaque période (avec les autres "
              "filtres), chacun suivi pendant la fenêtre d'analyse. Elles ne sont comparées qu'une fois la fenêtre "
              "de chaque client terminée : chaque valeur est alors celle de la carte de l'indicateur pour la "
              "période.\n\n"
              "Décomposition de Kitagawa, symétrique, termes centrés : pour le groupe g, de part sᵍ (des clients pour "
              "la conversion, des réponses pour le NPS et le CSAT) et de valeur rᵍ, **effet mix** = Δsᵍ × (r̄ᵍ − R̄), "
              "**effet taux** = s̄ᵍ × Δrᵍ (moyennes des deux cohortes) ; leur somme est exactement l'écart. Plus de "
              "clients d'un groupe en dessous de la moyenne : effet mix négatif.\n\n"
              "Intervalles à 95 % par bootstrap (clients tirés avec remise dans chaque cohorte, graine fixe) ; une "
              "barre en couleur est significative (son intervalle exclut 0), grise sinon. Les groupes de moins de 30 "
              "clients sont regroupés.",
        "en": "Two **cohorts**: the customers whose first touchpoint falls in each period (with the other filters), "
              "each followed over the analysis window. They are compared only once every customer's window is over: "
              "each value is then the KPI card's for that period.\n\n"
              "Kitagawa's symmetric split with centred terms: for group g with share sᵍ (of customers for conversion, "
              "of answers for NPS and CSAT) and value rᵍ, **mix effect** = Δsᵍ × (r̄ᵍ − R̄), **rate effect** = "
              "s̄ᵍ × Δrᵍ (the two cohorts' means); they add up exactly to the change. More customers of a group below "
              "the average: a negative mix.\n\n"
              "95 % intervals by bootstrap (customers drawn with replacement within each cohort, fixed seed); a "
              "coloured bar is significant (its interval excludes 0), a grey one is not. Groups of fewer than 30 "
              "customers are pooled."},
    "variants.how": {
        "fr": "Pour chaque client, la suite des étapes (ou des canaux) de ses points de contact retenus, dans l'ordre "
              "du parcours, en fusionnant les répétitions consécutives (web, web, magasin → web › magasin). "
              "**Conversion** : part des clients de la variante dont l'étape la plus avancée atteint l'étape de "
              "conversion, avec l'intervalle de Wilson à 95 % ; sous 30 clients, pas de taux. « Autres parcours » "
              "regroupe toutes les variantes au-delà des dix premières.",
        "en": "For each customer, the sequence of stages (or channels) of their kept touchpoints, in journey order, "
              "with consecutive repeats collapsed (web, web, store → web › store). **Conversion**: share of the "
              "variant's customers whose furthest stage reaches the conversion stage, with its 95% Wilson interval; "
              "below 30 customers, no rate. \"Other journeys\" holds every variant beyond the top ten."},
    # data page
    "data.intro": {"fr": "Importez vos exports (CRM, web, magasins, enquêtes) : ils sont vérifiés comme en ligne "
                         "de commande, puis écrits en une fois — ou pas du tout.",
                   "en": "Import your exports (CRM, web, stores, surveys): they are checked as on the command line, "
                         "then written in one go — or not at all."},
    "data.upload": {"fr": "Importer des fichiers", "en": "Import files"},
    "data.kind.customers": {"fr": "Clients", "en": "Customers"},
    "data.kind.touchpoints": {"fr": "Points de contact", "en": "Touchpoints"},
    "data.kind.feedback": {"fr": "Avis (NPS, CSAT, verbatims)", "en": "Feedback (NPS, CSAT, verbatims)"},
    "data.check": {"fr": "Vérifier", "en": "Check"},
    "data.checking": {"fr": "Vérification…", "en": "Checking…"},
    "data.refused": {"fr": "Import refusé, rien n'a été écrit : {n} {n|erreur|erreurs}.",
                     "en": "Import refused, nothing was written: {n} {n|error|errors}."},
    "data.on_error": {"fr": "Importer les lignes valides, mettre les invalides de côté",
                      "en": "Import the valid rows, set the invalid ones aside"},
    "data.on_error_help": {"fr": "Désactivé\u00a0: une seule ligne invalide refuse tout l'import. Activé\u00a0: les "
                                 "lignes valides sont écrites, les invalides vont dans un fichier de "
                                 "rejets à télécharger (avec la ligne, la colonne et le motif)\u00a0; au-delà "
                                 "de 5\u00a0% de lignes rejetées dans un fichier, l'import est refusé en entier.",
                           "en": "Off: one invalid row refuses the whole import. On: the valid "
                                 "rows are written, the invalid ones go to a rejected file to download (with the "
                                 "line, the column and the reason); above 5% of a file's rows rejected, the whole "
                                 "import is refused."},
    "data.rejected": {"fr": "{n} {n|ligne invalide sera mise|lignes invalides seront mises} de côté, le reste est "
                            "valide. Aperçu avant écriture\u00a0:",
                      "en": "{n} invalid {n|row|rows} will be set aside, the rest is valid. Preview before writing:"},
    "data.rejected_download": {"fr": "Télécharger les lignes rejetées de {file} (CSV)",
                               "en": "Download the rejected rows of {file} (CSV)"},
    "data.history.rejected": {"fr": "Rejetées", "en": "Rejected"},
    "data.history.quarantine": {"fr": "Lignes invalides mises de côté (non importées).",
                                "en": "Invalid rows set aside (not imported)."},
    "data.errors_download": {"fr": "Télécharger toutes les erreurs (CSV)", "en": "Download all errors (CSV)"},
    "data.valid": {"fr": "Fichiers valides. Aperçu avant écriture :", "en": "Files are valid. Preview before writing:"},
    "data.rows": {"fr": "lignes", "en": "rows"},
    "data.write": {"fr": "Écrire dans la base", "en": "Write to the database"},
    "data.writing": {"fr": "Écriture…", "en": "Writing…"},
    "data.written": {"fr": "Import terminé.", "en": "Import done."},
    "data.history": {"fr": "Historique des imports", "en": "Import history"},
    "data.customers_created": {"fr": "Clients créés depuis les points de contact ou avis : {n}",
                               "en": "Customers created from touchpoints or feedback: {n}"},
    "data.undo": {"fr": "Annuler cet import", "en": "Undo this import"},
    "data.stage_model": {"fr": "Modèle d'étapes", "en": "Stage model"},
    "data.mapping": {"fr": "Type de point de contact → étape", "en": "Touchpoint type → stage"},
    "data.mapping_hint": {"fr": "Pour les exports sans colonne d'étape. Aussi : "
                                "`python -m loaders map-type TYPE ÉTAPE`.",
                          "en": "For exports without a stage column. Also: `python -m loaders map-type TYPE STAGE`."},
    "data.col.type": {"fr": "Type", "en": "Type"},
    "data.col.stage": {"fr": "Étape", "en": "Stage"},
    "data.col.kind": {"fr": "Nature", "en": "Kind"},
    "data.col.code": {"fr": "Code", "en": "Code"},
    "data.col.label": {"fr": "Libellé", "en": "Label"},
    "data.col.label_fr": {"fr": "Libellé français", "en": "French label"},
    "data.col.label_en": {"fr": "Libellé anglais", "en": "English label"},
    "data.col.conversion": {"fr": "Conversion", "en": "Conversion"},
    "data.kind.digital": {"fr": "digital", "en": "digital"},
    "data.kind.physical": {"fr": "physique", "en": "physical"},
    "data.save_mapping": {"fr": "Enregistrer la correspondance", "en": "Save the mapping"},
    "data.channels": {"fr": "Canaux : digital ou physique, de parcours ou opérationnel",
                      "en": "Channels: digital or physical, journey or operational"},
    "data.save_channels": {"fr": "Enregistrer les canaux", "en": "Save the channels"},
    "data.saved": {"fr": "Enregistré.", "en": "Saved."},
    "data.demo_only": {"fr": "Cette base contient la société de démonstration (clients fictifs) et rien d'autre.",
                       "en": "This database holds the demo company (fictitious customers) and nothing else."},
    "data.demo_mixed": {"fr": "Cette base contient vos imports et la société de démonstration (clients fictifs).",
                        "en": "This database holds your imports and the demo company (fictitious customers)."},
    "data.no_demo": {"fr": "Cette base ne contient pas la démo : seulement vos imports.",
                     "en": "This database does not hold the demo: only your imports."},
    "data.demo_remove": {"fr": "Retirer la démo", "en": "Remove the demo"},
    "data.demo_removed": {
        "fr": "Démo retirée : {customers} {customers|client|clients}, {touchpoints} {touchpoints|point de contact|"
              "points de contact} et {feedback} avis supprimés ; {kept} {kept|client gardé|clients gardés} sans ses "
              "attributs (vos imports y font référence).",
        "en": "Demo removed: {customers} {customers|customer|customers}, {touchpoints} {touchpoints|touchpoint|"
              "touchpoints} and {feedback} feedback {feedback|row|rows} deleted; {kept} {kept|customer|customers} "
              "kept without the demo's attributes (your imports refer to them)."},
    "data.demo_choice": {"fr": "La base ne contient que la démo :", "en": "The database holds only the demo:"},
    "data.demo_replace": {"fr": "Remplacer la démo par mes fichiers", "en": "Replace the demo with my files"},
    "data.demo_add": {"fr": "Ajouter mes fichiers à la démo", "en": "Add my files to the demo"},
    "data.demo_replaced": {"fr": "La démo est retirée : la base ne contient plus que vos données.",
                           "en": "The demo is removed: the database now holds only your data."},
    "data.reset": {"fr": "Revenir aux données de démonstration", "en": "Back to the demo data"},
    "data.reset_confirm": {"fr": "Je comprends que toutes les données seront remplacées.",
                           "en": "I understand that all data will be replaced."},
    "data.reset_button": {"fr": "Remplacer par la démo", "en": "Replace with the demo"},
    "data.errors_file": {"fr": "erreurs-import.csv", "en": "import-errors.csv"},
    "data.yes": {"fr": "oui", "en": "yes"},
    "data.no": {"fr": "non", "en": "no"},
    # the preview of a checked file: its columns as a person names them
    "data.field.line": {"fr": "Ligne", "en": "Line"},
    "data.field.customer_id": {"fr": "Client", "en": "Customer"},
    "data.field.persona": {"fr": "Persona", "en": "Persona"},
    "data.field.segment": {"fr": "Segment", "en": "Segment"},
    "data.field.region": {"fr": "Région", "en": "Region"},
    "data.field.signup_date": {"fr": "Inscription", "en": "Sign-up date"},
    "data.field.churned": {"fr": "Parti", "en": "Churned"},
    "data.field.churn_date": {"fr": "Date de départ", "en": "Churn date"},
    "data.field.timestamp": {"fr": "Date et heure", "en": "Date and time"},
    "data.field.channel_label": {"fr": "Canal", "en": "Channel"},
    "data.field.channel": {"fr": "Canal", "en": "Channel"},
    "data.field.source": {"fr": "Système source", "en": "Source system"},
    "data.profile.title": {"fr": "Importer les exports d'une source avec un profil",
                           "en": "Import a source's exports through a profile"},
    "data.profile.intro": {"fr": "Pour des exports qui n'ont pas les colonnes de Parcours (commandes larges, paiements "
                                 "et avis par commande…)\u00a0: un brouillon de profil choisit la colonne de chaque "
                                 "champ d'après son nom et son contenu\u00a0; corrigez-le, vérifiez, puis importez. Le "
                                 "profil est gardé pour le prochain import de cette source.",
                           "en": "For exports without Parcours' columns (wide orders, payments and reviews by "
                                 "order…): a draft profile picks each field's column by its name and content; correct "
                                 "it, check, then import. The profile is kept for the next import of that source."},
    "data.profile.files": {"fr": "Fichiers de la source", "en": "The source's files"},
    "data.profile.start": {"fr": "Partir de", "en": "Start from"},
    "data.profile.draft": {"fr": "un brouillon d'après les fichiers", "en": "a draft from the files"},
    "data.profile.read": {"fr": "Lire les fichiers", "en": "Read the files"},
    "data.profile.event": {"fr": "Événement {n}\u00a0: colonne de date", "en": "Event {n}: time column"},
    "data.profile.download": {"fr": "Télécharger le profil (JSON)", "en": "Download the profile (JSON)"},
    "data.profile.check": {"fr": "Vérifier avec ce profil", "en": "Check with this profile"},
    "data.profile.journeys": {"fr": "Premiers parcours", "en": "First journeys"},
    "data.profile.saved": {"fr": "Profil « {source} » gardé pour le prochain import de cette source.",
                           "en": "Profile '{source}' kept for the next import of this source."},
    "data.field.stage": {"fr": "Étape", "en": "Stage"},
    "data.field.touchpoint": {"fr": "Point de contact", "en": "Touchpoint"},
    "data.field.revenue": {"fr": "Montant", "en": "Revenue"},
    "data.field.touchpoint_id": {"fr": "Identifiant du point de contact", "en": "Touchpoint ID"},
    "data.field.nps": {"fr": "NPS", "en": "NPS"},
    "data.field.csat": {"fr": "CSAT", "en": "CSAT"},
    "data.field.comment": {"fr": "Commentaire", "en": "Comment"},
    "data.field.feedback_id": {"fr": "Identifiant de l'avis", "en": "Feedback ID"},
    # the import history's table and where a batch came from
    "data.history.kind": {"fr": "Type de fichier", "en": "File kind"},
    "data.history.file": {"fr": "Fichier", "en": "File"},
    "data.history.sha256": {"fr": "Empreinte", "en": "Fingerprint"},
    "data.history.read": {"fr": "Lignes lues", "en": "Rows read"},
    "data.history.inserted": {"fr": "Écrites", "en": "Written"},
    "data.history.updated": {"fr": "Mises à jour", "en": "Updated"},
    "data.history.unchanged": {"fr": "Inchangées", "en": "Unchanged"},
    "data.source.app": {"fr": "page Données", "en": "Data page"},
    "data.source.import": {"fr": "ligne de commande", "en": "command line"},
    "data.source.sample": {"fr": "données synthétiques", "en": "synthetic data"},
    "data.source.demo": {"fr": "démo", "en": "demo"},
    "data.source.links": {"fr": "liens d'identité", "en": "identity links"},
    "data.source.profile": {"fr": "profil {source}", "en": "profile {source}"},
    "data.identities": {"fr": "Un client à travers les systèmes", "en": "One customer across systems"},
    "data.identities.intro": {
        "fr": "Un fichier de liens (id_a, id_b, puis le type de lien et le système) ou un export à plusieurs "
              "identifiants (client, e-mail, téléphone, carte de fidélité) réunit les identifiants d'une même "
              "personne\u00a0: ses parcours web, CRM et magasin deviennent un seul parcours. E-mails et téléphones "
              "ne sont gardés que hachés.",
        "en": "A links file (id_a, id_b, kind, source) or an export with several identifiers (customer, e-mail, phone, "
              "loyalty card) gathers one person's identifiers: their web, CRM and store journeys become one. E-mails "
              "and phones are kept only as hashes."},
    "data.identities.file": {"fr": "Fichier de liens", "en": "Links file"},
    "data.identities.import": {"fr": "Importer les liens", "en": "Import the links"},
    "data.identities.done": {"fr": "{links} liens importés\u00a0: {merged} clients fusionnés, {moved} points de "
                                   "contact rattachés.",
                             "en": "{links} links imported: {merged} customers merged, {moved} touchpoints moved."},
    "data.identities.summary": {"fr": "{identifiers} identifiants liés\u00a0; {customers} {customers|client en "
                                      "réunit|clients en réunissent} plusieurs ({merged} {merged|fiche fusionnée|"
                                      "fiches fusionnées}).",
                                "en": "{identifiers} linked identifiers; {customers} {customers|customer gathers|"
                                      "customers gather} several ({merged} {merged|record|records} merged)."},
    "data.identities.size": {"fr": "Identifiants par client", "en": "Identifiers per customer"},
    "data.identities.count": {"fr": "Clients", "en": "Customers"},
    "data.identities.held": {"fr": "Tenue à part ({size} identifiants, trop pour une personne\u00a0: appareil "
                                   "partagé, carte du magasin…)\u00a0: {first}…",
                             "en": "Held apart ({size} identifiers, too many for one person: a shared device, the "
                                   "shop's own card…): {first}…"},
    # sign-in and roles (ui.auth)
    "auth.sign_in": {"fr": "Se connecter", "en": "Sign in"},
    "auth.sign_in_intro": {"fr": "Connectez-vous avec le compte de votre entreprise pour ouvrir le tableau de bord.",
                           "en": "Sign in with your company account to open the dashboard."},
    "auth.sign_out": {"fr": "Se déconnecter", "en": "Sign out"},
    "auth.signed_in_as": {"fr": "Connecté : {who} · {role}", "en": "Signed in: {who} · {role}"},
    "auth.role.admin": {"fr": "administrateur", "en": "admin"},
    "auth.role.viewer": {"fr": "lecteur", "en": "viewer"},
    "auth.admin_only": {"fr": "Page réservée aux administrateurs : importer, annuler un import ou réinitialiser les "
                              "données. Demandez l'accès à un administrateur de Parcours.",
                        "en": "This page is for admins only: importing, undoing an import or resetting the data. "
                              "Ask a Parcours admin for access."},
    "auth.open_notice": {"fr": "Connexion désactivée : toute personne qui peut ouvrir l'application peut importer, "
                               "annuler un import ou réinitialiser les données. Pour les réserver aux "
                               "administrateurs, voir « Sign-in and roles » dans le README.",
                         "en": "Sign-in is off: anyone who can open the app may import, undo an import or reset the "
                               "data. To keep these to admins, see \"Sign-in and roles\" in the README."},
    "auth.open_local": {"fr": "Sans connexion, l'application n'écoute que sur {address} : seul cet ordinateur peut "
                              "l'ouvrir.",
                        "en": "Without sign-in, the app listens on {address} only: only this computer can open it."},
    "auth.open_wide": {"fr": "Elle écoute pourtant sur {address} : toute personne du réseau peut l'ouvrir. "
                             "Activez la connexion ou écoutez sur 127.0.0.1.",
                       "en": "Yet it listens on {address}: anyone on the network can open it. Turn sign-in on or "
                             "listen on 127.0.0.1."},
    "auth.secrets_exposed": {"fr": "Le fichier de secrets {path} est lisible par d'autres utilisateurs de cette "
                                   "machine (il contient les secrets de connexion) : chmod 600.",
                             "en": "The secrets file {path} is readable by other users of this machine (it holds "
                                   "the sign-in secrets): chmod 600 it."},
    "auth.secrets_unreadable": {"fr": "Le fichier de secrets (.streamlit/secrets.toml) existe mais ne peut pas être "
                                      "lu : la connexion ne peut pas être vérifiée. Corrigez-le (l'erreur est dans "
                                      "le journal du serveur).",
                                "en": "The secrets file (.streamlit/secrets.toml) exists but cannot be read: sign-in "
                                      "cannot be checked. Fix it (the error is in the server's log)."},
}

# The database's refusals (``data_model``: a file held by another process, a server out of reach, a read-only
# warehouse, a stage model that cannot be used), said by the command line (--lang) and the app.
DATABASE_TEXTS: dict[str, dict[str, str]] = {
    "db.read_only": {"fr": "cette base est en lecture seule dans Parcours\u00a0: chargez-la depuis vos traitements",
                     "en": "this database is read-only in Parcours: load it from your pipelines"},
    "db.read_only_url": {"fr": "{scheme}://…\u00a0: {reason}.",
                         "en": "{scheme}://…: {reason}."},
    "db.no_backend": {"fr": "pas de moteur Ibis pour {dialect}",
                      "en": "no Ibis backend for {dialect}"},
    "db.missing": {"fr": "Il n'y a pas de base à l'emplacement {path}.",
                   "en": "There is no database at {path}."},
    "db.cannot_open": {"fr": "Impossible d'ouvrir la base {url}\u00a0: {reason}",
                       "en": "Cannot open the database {url}: {reason}"},
    "db.cannot_migrate": {"fr": "Impossible de mettre la base {url} au schéma actuel\u00a0: {reason}",
                          "en": "Cannot bring the database {url} to the current schema: {reason}"},
    "db.held_command": {"fr": "Le fichier de base {path} est utilisé par le processus {pid} ({command}). Un fichier "
                              "DuckDB intégré ne s'ouvre que dans un processus à la fois. Importez par la page "
                              "Données de l'application en cours, ou arrêtez ce processus et réessayez\u00a0; les "
                              "équipes qui chargent pendant que d'autres lisent utilisent PostgreSQL "
                              "(--db postgresql+psycopg://…).",
                        "en": "The database file {path} is in use by process {pid} ({command}). An embedded DuckDB "
                              "file can be open in one process only. Import through the running app's Data page, or "
                              "stop that process and retry; teams that load while others read use PostgreSQL "
                              "(--db postgresql+psycopg://…)."},
    "db.held_pid": {"fr": "Le fichier de base {path} est utilisé par le processus {pid}. Un fichier DuckDB intégré ne "
                          "s'ouvre que dans un processus à la fois. Importez par la page Données de l'application en "
                          "cours, ou arrêtez ce processus et réessayez\u00a0; les équipes qui chargent pendant que "
                          "d'autres lisent utilisent PostgreSQL (--db postgresql+psycopg://…).",
                    "en": "The database file {path} is in use by process {pid}. An embedded DuckDB file can be open "
                          "in one process only. Import through the running app's Data page, or stop that process and "
                          "retry; teams that load while others read use PostgreSQL (--db postgresql+psycopg://…)."},
    "db.held_unknown": {"fr": "Le fichier de base {path} est utilisé par un autre processus. Un fichier DuckDB intégré "
                              "ne s'ouvre que dans un processus à la fois. Importez par la page Données de "
                              "l'application en cours, ou arrêtez ce processus et réessayez\u00a0; les équipes qui "
                              "chargent pendant que d'autres lisent utilisent PostgreSQL (--db postgresql+psycopg://…).",
                        "en": "The database file {path} is in use by another process. An embedded DuckDB file can be "
                              "open in one process only. Import through the running app's Data page, or stop that "
                              "process and retry; teams that load while others read use PostgreSQL "
                              "(--db postgresql+psycopg://…)."},
    "db.no_pyspark": {"fr": "spark+parquet:// demande PySpark\u00a0: python -m pip install pyspark (et Java 17 ou "
                            "plus récent)",
                      "en": "spark+parquet:// needs PySpark: python -m pip install pyspark (and Java 17 or later)"},
    "db.no_spark": {"fr": "Impossible de démarrer Spark\u00a0: {reason}",
                    "en": "Cannot start Spark: {reason}"},
    "db.no_folder": {"fr": "Impossible d'ouvrir la base {url}\u00a0: pas de dossier {folder} (attendu\u00a0: "
                           "spark+parquet:///dossier/absolu contenant les fichiers de "
                           "`python -m loaders export-parquet DOSSIER`)",
                     "en": "Cannot open the database {url}: no folder {folder} (expected spark+parquet:///absolute/dir "
                           "holding the files of `python -m loaders export-parquet DIR`)"},
    "db.stages.model": {"fr": "modèle d'étapes", "en": "stage model"},
    "db.stages.unknown": {"fr": "{name} n'est ni un modèle d'étapes ({models}) ni un fichier",
                          "en": "{name} is neither a stage model ({models}) nor a file"},
    "db.stages.unreadable": {"fr": "{where}\u00a0: impossible de lire le modèle d'étapes\u00a0: {reason}",
                             "en": "{where}: cannot read the stage model: {reason}"},
    "db.stages.bad_field": {"fr": "{where}\u00a0: étape {i}\u00a0: champ absent ou invalide {field}",
                            "en": "{where}: stage {i}: missing or bad field {field}"},
    "db.stages.none": {"fr": "{where}\u00a0: aucune étape",
                       "en": "{where}: no stages"},
    "db.stages.codes": {"fr": "{where}\u00a0: les codes d'étape doivent être non vides et distincts\u00a0: {codes}",
                        "en": "{where}: stage codes must be non-empty and distinct: {codes}"},
    "db.stages.conversion": {"fr": "{where}\u00a0: une étape exactement doit être l'étape de conversion",
                             "en": "{where}: exactly one stage must be the conversion stage"},
    "db.export.none": {"fr": "{url}\u00a0: aucune table Parcours à exporter (créez-les avec "
                             "`python -m loaders init`).",
                       "en": "{url}: no Parcours tables to export (create them with `python -m loaders init`)."},
    "db.export.cannot_write": {"fr": "Impossible d'écrire dans {folder}\u00a0: {reason}",
                               "en": "Cannot write to {folder}: {reason}"},
    "db.export.table": {"fr": "{table}\u00a0: {rows} {rows|ligne|lignes} → {path}",
                        "en": "{table}: {rows} {rows|row|rows} → {path}"},
}
CATALOGUE.update(DATABASE_TEXTS)

# Messages of the loaders (import errors and notes, the import summary, refusals): rendered by
# ``loaders.errors.Message`` in the session's language; the command line is English unless --lang fr.
LOADER_TEXTS: dict[str, dict[str, str]] = {
    "load.where_line": {"fr": "{file} ligne {line}",
                        "en": "{file} line {line}"},
    "load.where_column": {"fr": ", colonne {column}",
                          "en": ", column {column}"},
    "load.where_what": {"fr": "{where}\u00a0: {what}",
                        "en": "{where}: {what}"},
    "load.col.file": {"fr": "fichier",
                      "en": "file"},
    "load.col.line": {"fr": "ligne",
                      "en": "line"},
    "load.col.column": {"fr": "colonne",
                        "en": "column"},
    "load.col.value": {"fr": "valeur",
                       "en": "value"},
    "load.col.reason": {"fr": "motif",
                        "en": "reason"},
    "load.not_found": {"fr": "fichier introuvable ({path})",
                       "en": "file not found ({path})"},
    "load.is_directory": {"fr": "est un dossier, pas un fichier",
                          "en": "is a directory, not a file"},
    "load.unreadable": {"fr": "ne peut pas être lu ({why})",
                        "en": "cannot be read ({why})"},
    "load.xls": {"fr": "est un ancien fichier Excel (.xls) ou Office binaire\u00a0: enregistrez-le en .xlsx ou CSV",
                 "en": "is an old Excel (.xls) or Office binary file: save it as .xlsx or CSV"},
    "load.binary": {"fr": "n'est pas un fichier CSV, Excel (.xlsx) ou Parquet (contenu binaire)",
                    "en": "is not a CSV, Excel (.xlsx) or Parquet file (binary content)"},
    "load.empty": {"fr": "fichier vide\u00a0: pas de ligne d'en-tête",
                   "en": "empty file: no header line"},
    "load.bad_bom": {"fr": "commence par un marqueur UTF-8 (BOM) mais n'est pas du texte UTF-8 valide",
                     "en": "starts with a UTF-8 marker (BOM) but is not valid UTF-8 text"},
    "load.bad_encoding": {"fr": "n'est ni du texte UTF-8 ni du Windows-1252 (octet {byte})",
                          "en": "is neither UTF-8 nor Windows-1252 text (byte {byte})"},
    "load.bad_utf16": {"fr": "commence comme du texte UTF-16 mais n'est pas de l'UTF-16 valide ({why})",
                       "en": "starts like UTF-16 text but is not valid UTF-16 ({why})"},
    "load.nul": {"fr": "contient un octet NUL\u00a0: le fichier est endommagé ou n'est pas un fichier texte",
                 "en": "contains a NUL byte: the file is damaged or not a text file"},
    "load.too_many_columns_csv": {"fr": "l'en-tête a {n} colonnes\u00a0: {limit} au plus sont acceptées (vérifiez "
                                        "le séparateur, ou retirez les colonnes qui ne sont pas importées)",
                                  "en": "the header has {n} columns: at most {limit} are accepted (check the "
                                        "separator, or remove the columns that are not imported)"},
    "load.too_many_columns": {"fr": "l'en-tête a {n} colonnes\u00a0: {limit} au plus sont acceptées (retirez les "
                                    "colonnes qui ne sont pas importées)",
                              "en": "the header has {n} columns: at most {limit} are accepted (remove the columns "
                                    "that are not imported)"},
    "load.csv_cells": {"fr": "le fichier contient environ {records} enregistrements de {columns} colonnes ({cells} "
                             "cellules), plus que les {limit} acceptées pour sa taille",
                       "en": "the file holds about {records} records of {columns} columns ({cells} cells), more "
                             "than the {limit} accepted for its size"},
    "load.advice_columns": {"fr": "retirez les colonnes vides, ou découpez-le",
                            "en": "remove the empty columns, or split it"},
    "load.advice_sheet": {"fr": "enregistrez la feuille en CSV, ou découpez-la",
                          "en": "save the sheet as CSV, or split it"},
    "load.advice_groups": {"fr": "réécrivez-le avec moins de groupes de lignes",
                           "en": "write it again with fewer row groups"},
    "load.advice_split": {"fr": "découpez-le",
                          "en": "split it"},
    "load.too_big": {"fr": "{what}\u00a0; refusé pour protéger le serveur ({advice})",
                     "en": "{what}; refused to protect the server ({advice})"},
    "load.after_quote": {"fr": "texte après le guillemet fermant d'un champ entre guillemets (un guillemet dans un "
                               "champ doit être doublé)",
                         "en": "text after the closing quote of a quoted field (a quote inside a field must be "
                               "doubled)"},
    "load.field_too_long": {"fr": "un champ entre guillemets commençant à cette ligne dépasse {limit} caractères ou "
                                  "n'est jamais fermé (\" manquant)",
                            "en": "a quoted field starting on this line is longer than {limit} characters or is "
                                  "never closed (missing \")"},
    "load.unclosed": {"fr": "un champ entre guillemets commençant à cette ligne n'est jamais fermé (\" manquant)",
                      "en": "a quoted field starting on this line is never closed (missing \")"},
    "load.ragged": {"fr": "a {n} champs mais l'en-tête en a {width} (vérifiez le séparateur et les guillemets)",
                    "en": "has {n} fields but the header has {width} (check the separator and quotes)"},
    "load.more_ragged": {"fr": "… et {n} autres enregistrements avec un mauvais nombre de champs",
                         "en": "… and {n} more records with a wrong number of fields"},
    "load.bad_xlsx": {"fr": "n'est pas un classeur Excel (.xlsx) lisible\u00a0: {why}",
                      "en": "is not a readable Excel workbook (.xlsx): {why}"},
    "load.damaged_xlsx": {"fr": "le classeur Excel est endommagé\u00a0: {why}",
                          "en": "the Excel workbook is damaged: {why}"},
    "load.zip_entries": {"fr": "le fichier Excel contient {n} parties ({size} octets de répertoire), plus que les "
                               "{limit} acceptées",
                         "en": "the Excel file holds {n} parts ({size} bytes of directory), more than the {limit} "
                               "accepted"},
    "load.zip_method": {"fr": "n'est pas un classeur Excel (.xlsx) lisible\u00a0: la partie {part} utilise une "
                              "compression inhabituelle (méthode {method})",
                        "en": "is not a readable Excel workbook (.xlsx): part {part} uses an unusual compression "
                              "(method {method})"},
    "load.zip_ratio": {"fr": "la partie {part} se décompresse {ratio} fois ({stored} → {size} octets), plus que les "
                             "{limit} acceptées",
                       "en": "part {part} inflates {ratio} times ({stored} → {size} bytes), more than the {limit} "
                             "accepted"},
    "load.xlsx_inflates": {"fr": "le fichier Excel se décompresse en {size} octets ({stored} stockés), plus que les "
                                 "{limit} acceptés",
                           "en": "the Excel file inflates to {size} bytes ({stored} stored), more than the {limit} "
                                 "accepted"},
    "load.part_size": {"fr": "la partie {part} fait {size} octets une fois décompressée, plus que les {limit} "
                             "acceptés",
                       "en": "part {part} is {size} bytes once inflated, more than the {limit} accepted"},
    "load.no_sheet": {"fr": "le classeur n'a aucune feuille",
                      "en": "the workbook has no sheet"},
    "load.string_parts": {"fr": "un texte partagé a trop de parties",
                          "en": "a shared string has too many parts"},
    "load.strings": {"fr": "le classeur contient plus de {limit} textes distincts",
                     "en": "the workbook holds more than {limit} distinct texts"},
    "load.strings_declared": {"fr": "le classeur déclare {n} textes ({attribute}), plus que les {limit} acceptés",
                              "en": "the workbook declares {n} texts ({attribute}), more than the {limit} accepted"},
    "load.range_columns": {"fr": "la plage utilisée de la première feuille, {ref}, a {n} colonnes\u00a0: {limit} au "
                                 "plus sont acceptées (supprimez les colonnes inutilisées, ou enregistrez la "
                                 "feuille en CSV)",
                           "en": "the first sheet's used range {ref} has {n} columns: at most {limit} are accepted "
                                 "(delete the unused columns, or save the sheet as CSV)"},
    "load.range_cells": {"fr": "la plage utilisée de la première feuille, {ref}, contient {n} cellules, plus que "
                               "les {limit} acceptées",
                         "en": "the first sheet's used range {ref} holds {n} cells, more than the {limit} accepted"},
    "load.cell_parts": {"fr": "une cellule de la ligne {row} a trop de parties",
                        "en": "a cell of row {row} has too many parts"},
    "load.row_beyond": {"fr": "la première feuille a une ligne {row}, au-delà de la dernière ligne d'Excel "
                              "({limit})",
                        "en": "the first sheet has a row {row}, beyond Excel's last row ({limit})"},
    "load.rows_excel": {"fr": "la première feuille a plus de {limit} lignes, la limite d'Excel",
                        "en": "the first sheet has more than {limit} rows, Excel's limit"},
    "load.sheet_cells": {"fr": "la première feuille contient plus de {limit} cellules (ligne {row})",
                         "en": "the first sheet holds more than {limit} cells (row {row})"},
    "load.column_beyond": {"fr": "la ligne {row} a une cellule au-delà de la dernière colonne d'Excel ({limit})",
                           "en": "row {row} has a cell beyond Excel's last column ({limit})"},
    "load.empty_sheet": {"fr": "fichier vide\u00a0: la première feuille n'a pas de ligne d'en-tête",
                         "en": "empty file: the first sheet has no header row"},
    "load.parquet_footer": {"fr": "les métadonnées Parquet occupent {size} octets, plus que les {limit} acceptés",
                            "en": "the Parquet metadata takes {size} bytes, more than the {limit} accepted"},
    "load.bad_parquet": {"fr": "n'est pas un fichier Parquet lisible\u00a0: {why}",
                         "en": "is not a readable Parquet file: {why}"},
    "load.empty_parquet": {"fr": "fichier vide\u00a0: le fichier Parquet n'a aucune colonne",
                           "en": "empty file: the Parquet file has no columns"},
    "load.parquet_columns": {"fr": "le fichier Parquet a {n} colonnes\u00a0: {limit} au plus sont acceptées "
                                   "(n'écrivez que les colonnes importées)",
                             "en": "the Parquet file has {n} columns: at most {limit} are accepted (write only the "
                                   "columns that are imported)"},
    "load.parquet_groups": {"fr": "le fichier Parquet a {n} groupes de lignes, plus que les {limit} acceptés",
                            "en": "the Parquet file has {n} row groups, more than the {limit} accepted"},
    "load.parquet_cells": {"fr": "le fichier Parquet déclare {rows} lignes × {columns} colonnes = {cells} cellules, "
                                 "plus que les {limit} acceptées",
                           "en": "the Parquet file declares {rows} rows × {columns} columns = {cells} cells, more "
                                 "than the {limit} accepted"},
    "load.parquet_inflates": {"fr": "les données Parquet se décompressent en {size} octets, plus que les {limit} "
                                    "acceptés",
                              "en": "the Parquet data inflates to {size} bytes, more than the {limit} accepted"},
    "load.parquet_nested": {"fr": "la colonne {header} contient des listes ou des structures ({type}), pas des "
                                  "valeurs simples",
                            "en": "column {header} holds lists or records ({type}), not single values"},
    "load.parquet_type": {"fr": "la colonne {header} de type {type} ne peut pas être lue comme du texte\u00a0: "
                                "{why}",
                          "en": "column {header} of type {type} cannot be read as text: {why}"},
    "load.kind.customers": {"fr": "clients",
                            "en": "customers"},
    "load.kind.touchpoints": {"fr": "points de contact",
                              "en": "touchpoints"},
    "load.kind.feedback": {"fr": "avis",
                           "en": "feedback"},
    "load.none": {"fr": "aucun",
                  "en": "none"},
    "load.same_column": {"fr": "est la même colonne que {first}\u00a0: n'en gardez qu'une",
                         "en": "is the same column as {first}: keep only one of them"},
    "load.missing_columns": {"fr": "colonnes obligatoires manquantes pour les {kind}\u00a0: {missing} "
                                   "(en-têtes trouvés\u00a0: {headers})",
                             "en": "required columns missing for {kind}: {missing} (headers found: {headers})"},
    "load.missing_column": {"fr": "{name} (p. ex. {aliases})",
                            "en": "{name} (e.g. {aliases})"},
    "load.one_of": {"fr": "{first} ou {second}",
                    "en": "{first} or {second}"},
    "load.ignored_columns": {"fr": "colonnes ignorées (hors {kind})\u00a0: {columns}",
                             "en": "ignored columns (not part of {kind}): {columns}"},
    "load.unnamed_columns": {"fr": "{n} {n|colonne sans en-tête ignorée|colonnes sans en-tête ignorées}",
                             "en": "{n} {n|column|columns} without a header ignored"},
    # identity links (loaders.identities)
    "load.links.missing": {"fr": "fichier de liens\u00a0: colonnes manquantes {missing} (en-têtes trouvés\u00a0: "
                                 "{headers})",
                           "en": "links file: missing columns {missing} (headers found: {headers})"},
    "load.links.bad_phone": {"fr": "n'est pas un numéro de téléphone (8 à 15 chiffres, national ou +indicatif)",
                             "en": "is not a phone number (8 to 15 digits, national or +country code)"},
    "load.links.done": {"fr": "Lot {batch}\u00a0: {links} liens ({hashed} e-mails et téléphones gardés hachés)\u00a0; "
                              "{merged} clients fusionnés, {touchpoints} points de contact et {feedback} avis "
                              "rattachés\u00a0; {held} composantes suspectes tenues à part.",
                        "en": "Batch {batch}: {links} links ({hashed} e-mails and phones kept as hashes); {merged} "
                              "customers merged, {touchpoints} touchpoints and {feedback} feedback rows moved; "
                              "{held} suspicious components held apart."},
    "load.links.report": {"fr": "{links} liens, {identifiers} identifiants\u00a0: {customers} clients réunissent "
                                "plusieurs identifiants ({merged} fiches fusionnées).",
                          "en": "{links} links, {identifiers} identifiers: {customers} customers gather several "
                                "identifiers ({merged} records merged)."},
    "load.links.sizes": {"fr": "Identifiants par client\u00a0:", "en": "Identifiers per customer:"},
    "load.links.held": {"fr": "tenue à part ({size} identifiants, trop pour une personne)\u00a0: {first}…",
                        "en": "held apart ({size} identifiers, too many for one person): {first}…"},
    # source profiles (loaders.profile)
    "load.cli.profile_refuse_only": {"fr": "avec --profile, l'import est encore tout ou rien\u00a0: --on-error "
                                           "quarantine viendra plus tard (--dry-run dit ce qu'il écrirait)",
                                     "en": "with --profile, the import is still all or nothing: --on-error quarantine "
                                           "is not available yet (--dry-run says what it would write)"},
    "load.suggest.written": {"fr": "Brouillon de profil écrit dans {file}\u00a0; relisez-le, puis\u00a0: "
                                   "python -m loaders import --profile {file} FICHIER…",
                             "en": "Draft profile written to {file}; read it, then: python -m loaders import --profile "
                                   "{file} FILE…"},
    "load.suggest.unused": {"fr": "{role}\u00a0: colonnes non utilisées\u00a0: {columns}",
                            "en": "{role}: columns left unused: {columns}"},
    "load.cli.profile_and_files": {"fr": "--profile et les fichiers de la source vont ensemble\u00a0: "
                                        "python -m loaders import --profile P.json FICHIER…",
                                  "en": "--profile and the source's files go together: "
                                        "python -m loaders import --profile P.json FILE…"},
    "load.profile.unreadable": {"fr": "profil {file}\u00a0: illisible ({reason})",
                                "en": "profile {file}: cannot be read ({reason})"},
    "load.profile.not_json": {"fr": "profil {file}, ligne {line}\u00a0: ce n'est pas du JSON ({reason})",
                              "en": "profile {file}, line {line}: not JSON ({reason})"},
    "load.profile.invalid": {"fr": "profil {file}, à {where}\u00a0: {reason}",
                             "en": "profile {file}, at {where}: {reason}"},
    "load.profile.unknown_role": {"fr": "profil {file}\u00a0: le fichier {role} n'est pas déclaré dans « files » "
                                        "({roles})",
                                  "en": "profile {file}: the file {role} is not declared under \"files\" ({roles})"},
    "load.profile.unknown_field": {"fr": "profil {file}\u00a0: {field} n'est pas un champ des {kind} (champs\u00a0: "
                                         "{fields})",
                                   "en": "profile {file}: {field} is not a field of {kind} (fields: {fields})"},
    "load.profile.events_need_key": {"fr": "profil {file}\u00a0: les événements de {role} demandent une colonne "
                                           "« key » (la clé de ligne des identifiants de points de contact)",
                                     "en": "profile {file}: the events of {role} need a \"key\" column (the row key "
                                           "of the touchpoint ids)"},
    "load.profile.no_role": {"fr": "ne correspond à aucun fichier du profil ({roles})",
                             "en": "matches none of the profile's files ({roles})"},
    "load.profile.two_roles": {"fr": "correspond à plusieurs fichiers du profil ({roles})\u00a0: rendez leurs "
                                     "motifs distincts",
                               "en": "matches several of the profile's files ({roles}): make their patterns distinct"},
    "load.profile.same_role": {"fr": "est un second fichier pour {role} (le premier\u00a0: {other})",
                               "en": "is a second file for {role} (the first: {other})"},
    "load.profile.missing_file": {"fr": "aucun fichier donné pour {role} (motif\u00a0: {patterns})",
                                  "en": "no file given for {role} (pattern: {patterns})"},
    "load.profile.no_column": {"fr": "profil {file}\u00a0: pas de colonne {column} dans {role} (colonnes\u00a0: "
                                     "{columns})",
                               "en": "profile {file}: no column {column} in {role} (columns: {columns})"},
    "load.profile.fan_out": {"fr": "{keys} {keys|clé revient|clés reviennent} sur plusieurs lignes ({rows} lignes) de "
                                   "{role}, la première ici\u00a0: dites dans le profil comment les agréger "
                                   "(« aggregate »)",
                             "en": "{keys} {keys|key appears|keys appear} on several rows ({rows} rows) of {role}, "
                                   "the first here: say in the profile how to aggregate them (\"aggregate\")"},
    "load.profile.missing_fields": {"fr": "le profil ne donne pas {missing} pour les {kind}",
                                    "en": "the profile gives no {missing} for {kind}"},
    "load.what.identifier": {"fr": "un identifiant",
                             "en": "an identifier"},
    "load.what.channel": {"fr": "un nom de canal",
                          "en": "a channel name"},
    "load.what.type": {"fr": "un type de point de contact",
                       "en": "a touchpoint type"},
    "load.what.source": {"fr": "un nom de système source",
                         "en": "a source system's name"},
    "load.too_long": {"fr": "est trop long\u00a0: {what} a au plus {limit} caractères",
                      "en": "is too long: {what} has at most {limit} characters"},
    "load.control_id": {"fr": "contient des caractères de contrôle (invisibles, montrés comme <U+…>)\u00a0: un "
                              "identifiant est gardé exactement tel qu'écrit, il ne peut donc pas être "
                              "nettoyé\u00a0; corrigez-le dans l'export",
                        "en": "contains control characters (invisible, shown as <U+…>): an identifier is kept "
                              "exactly as written, so it cannot be cleaned; correct it in the export"},
    "load.header_count": {"fr": "{header} {n}",
                          "en": "{header} {n}"},
    "load.control_removed": {"fr": "{n} {n|caractère de contrôle retiré|caractères de contrôle retirés} du texte "
                                   "({where})\u00a0: des caractères "
                                   "invisibles qui ne veulent rien dire dans un nom ou un commentaire\u00a0; "
                                   "tabulations et sauts de ligne sont gardés, tabulation verticale, saut de page "
                                   "et séparateurs sont devenus une espace",
                             "en": "{n} control {n|character|characters} removed from the text ({where}): "
                                   "invisible characters "
                                   "that mean nothing in a name or comment; tab and line breaks are kept, vertical "
                                   "tab, form feed and separators became a space"},
    "load.more_same": {"fr": "… et {n} autres lignes à partir de celle-ci avec le même problème\u00a0: {reason}",
                       "en": "… and {n} more rows from this line on with the same problem: {reason}"},
    "load.required": {"fr": "valeur vide\u00a0: {name} est obligatoire",
                      "en": "empty value: {name} is required"},
    "load.not_date": {"fr": "n'est pas une date (attendu jj/mm/aaaa [HH:MM[:SS]] ou ISO 8601 "
                            "aaaa-mm-jj[THH:MM[:SS]][±HH:MM])",
                      "en": "is not a date (expected dd/mm/yyyy [HH:MM[:SS]] or ISO 8601 "
                            "yyyy-mm-dd[THH:MM[:SS]][±HH:MM])"},
    "load.bad_date": {"fr": "n'est pas une date valide (ce jour ou cette heure n'existe pas)",
                      "en": "is not a valid date (no such day or time)"},
    "load.accepted_dates": {"fr": "les dates acceptées vont du {first} au {last}",
                            "en": "the accepted dates are {first} to {last}"},
    "load.outside": {"fr": "est hors de la plage de dates de l'activité\u00a0: {accepted}",
                     "en": "is outside the business range of dates: {accepted}"},
    "load.outside_moved": {"fr": "est hors de la plage de dates de l'activité une fois son décalage converti dans "
                                 "le fuseau de l'activité ({timezone})\u00a0: {accepted}",
                           "en": "is outside the business range of dates once its offset is converted to the "
                                 "business time zone ({timezone}): {accepted}"},
    "load.ambiguous": {"fr": "est ambigu\u00a0: {other} est-il une marque décimale ou un séparateur de "
                             "milliers\u00a0? La marque décimale de ce fichier est {mark}\u00a0; les milliers "
                             "peuvent être groupés avec des espaces",
                       "en": "is ambiguous: is {other} a decimal mark or a thousands separator? The decimal mark of "
                             "this file is {mark}; thousands may be grouped with spaces"},
    "load.number_comma": {"fr": "1234,50 ou 1 234,50 €",
                          "en": "1234,50 or 1 234,50 €"},
    "load.not_number": {"fr": "n'est pas un nombre (p. ex. {example})",
                        "en": "is not a number (e.g. {example})"},
    "load.too_large": {"fr": "est trop grand\u00a0: les montants doivent rester sous {limit} en valeur absolue (la "
                             "base garde 4 décimales et au plus 18 chiffres)",
                       "en": "is too large: amounts must be below {limit} in absolute value (the database stores 4 "
                             "decimals and at most 18 digits)"},
    "load.stars_as_nps": {
        "fr": "les {n} réponses de la colonne {header} vont toutes de 1 à 5\u00a0: ce sont sans doute des étoiles ou "
              "une note de satisfaction, pas un NPS (0 à 10). Nommez la colonne «\u00a0csat\u00a0» pour l'importer "
              "comme CSAT, ou «\u00a0nps\u00a0» si c'est bien un NPS",
        "en": "all {n} answers of column {header} lie between 1 and 5: these look like star ratings or a satisfaction "
              "score, not NPS answers (0 to 10). Name the column \"csat\" to import it as CSAT, or \"nps\" if it "
              "really is an NPS"},
    "load.nps_looks_like_stars": {"fr": "les {n} réponses NPS de la colonne {header} vont toutes de 1 à 5\u00a0: "
                                        "vérifiez qu'il ne s'agit pas d'étoiles (CSAT\u00a0: une colonne "
                                        "«\u00a0csat\u00a0»)",
                                  "en": "all {n} NPS answers of column {header} lie between 1 and 5: check they are "
                                        "not star ratings (CSAT: a \"csat\" column)"},
    "load.not_integer": {"fr": "n'est pas un nombre entier de {low} à {high}",
                         "en": "is not a whole number from {low} to {high}"},
    "load.not_boolean": {"fr": "n'est pas une valeur oui/non (acceptées\u00a0: {accepted})",
                         "en": "is not a yes/no value (accepted: {accepted})"},
    "load.not_stage": {"fr": "n'est pas une étape (acceptées\u00a0: {accepted}, leurs codes ou leurs libellés "
                             "anglais)",
                       "en": "is not a stage (accepted: {accepted}, or their French or English labels)"},
    "load.not_channel": {"fr": "n'est pas un nom de canal (ni lettre ni chiffre)",
                         "en": "is not a channel name (no letter or digit)"},
    "load.empty_type": {"fr": "type de point de contact vide\u00a0: le fichier n'a pas de colonne d'étape, l'étape "
                              "vient donc du type",
                        "en": "empty touchpoint type: the file has no stage column, so the stage comes from the "
                              "type"},
    "load.stage_from_type": {"fr": "pas de colonne d'étape\u00a0: l'étape de chaque point de contact vient de son "
                                   "type",
                             "en": "no stage column: each touchpoint's stage comes from its type"},
    "load.type_rows": {"fr": "{type} ({rows} {rows|ligne|lignes}, d'abord à la ligne {line})",
                       "en": "{type} ({rows} rows, first on line {line})"},
    "load.and_more": {"fr": "et {n} de plus",
                      "en": "and {n} more"},
    "load.unmapped_types": {"fr": "types de point de contact sans étape\u00a0: {listed}. Le fichier n'a pas de "
                                  "colonne d'étape\u00a0: associez chaque type à une étape avec `python -m loaders "
                                  "map-type TYPE STAGE` (étapes\u00a0: {stages}), ou ajoutez une colonne d'étape",
                            "en": "touchpoint types with no stage: {listed}. The file has no stage column, so map "
                                  "each type to a stage with `python -m loaders map-type TYPE STAGE` (stages: "
                                  "{stages}), or add a stage column"},
    "load.kept_personal": {"fr": "commentaires gardés tels qu'écrits\u00a0: données personnelles (adresses e-mail, "
                                 "numéros de téléphone, IBAN, numéros de carte, identifiants clients) non masquées",
                           "en": "comments kept as written: personal data (e-mail addresses, phone numbers, IBANs, "
                                 "card numbers, customer IDs) not masked"},
    "load.masked": {"fr": "données personnelles masquées dans les commentaires\u00a0: {masked} (un import qui garde "
                          "les données personnelles les conserve)",
                    "en": "personal data masked in comments: {masked} (an import with --keep-personal-data keeps "
                          "them)"},
    "load.masked.email": {"fr": "{n} {n|adresse e-mail|adresses e-mail}",
                          "en": "{n} {n|e-mail address|e-mail addresses}"},
    "load.masked.phone": {"fr": "{n} {n|numéro de téléphone|numéros de téléphone}",
                          "en": "{n} {n|phone number|phone numbers}"},
    "load.masked.iban": {"fr": "{n} IBAN",
                         "en": "{n} {n|IBAN|IBANs}"},
    "load.masked.card": {"fr": "{n} {n|numéro de carte|numéros de carte}",
                         "en": "{n} {n|card number|card numbers}"},
    "load.masked.id": {"fr": "{n} {n|identifiant client|identifiants clients}",
                       "en": "{n} {n|customer ID|customer IDs}"},
    "load.more_conflicts": {"fr": "… et {n} autres clients répétés avec des valeurs différentes à partir de cette "
                                  "ligne",
                            "en": "… and {n} more customers repeated with different values from this line on"},
    "load.change": {"fr": "{column} {here} ici, {there} là-bas",
                    "en": "{column} {here} here, {there} there"},
    "load.conflict": {"fr": "est aussi à la ligne {line} avec des valeurs différentes ({changes})",
                      "en": "is also on line {line} with different values ({changes})"},
    "load.identical_rows": {"fr": "{n} {n|ligne répète|lignes répètent} exactement une ligne précédente du même "
                                  "client\u00a0: gardée une fois",
                            "en": "{n} {n|row repeats|rows repeat} an earlier row of the same customer exactly: "
                                  "kept once"},
    "load.empty_value": {"fr": "vide",
                         "en": "empty"},
    "load.yes": {"fr": "vrai",
                 "en": "True"},
    "load.no": {"fr": "faux",
                "en": "False"},
    "load.more_repeated": {"fr": "… et {n} autres lignes répétées à partir de celle-ci",
                           "en": "… and {n} more repeated rows from this line on"},
    "load.repeats": {"fr": "répète la ligne {line} ({same}) avec d'autres valeurs\u00a0: {changes}",
                     "en": "repeats line {line} ({same}) with other values: {changes}"},
    "load.already_used": {"fr": "est déjà utilisé à la ligne {line} avec d'autres valeurs\u00a0: {changes}",
                          "en": "is already used on line {line} with other values: {changes}"},
    "load.repeated_unlisted": {"fr": "répète une ligne précédente ({same}) avec d'autres valeurs",
                               "en": "repeats an earlier row ({same}) with other values"},
    "load.conflict_unlisted": {"fr": "client déjà présent plus haut avec des valeurs différentes",
                               "en": "customer already given on an earlier line with different values"},
    "load.identical_events": {"fr": "{n} {n|ligne répète|lignes répètent} exactement une ligne précédente ({kind} "
                                    "identiques une fois lus, même si d'autres colonnes du fichier diffèrent)\u00a0: "
                                    "{n|gardée|gardées} une fois",
                              "en": "{n} {n|row repeats|rows repeat} an earlier row exactly (identical {kind} once "
                                    "read, even where other columns of the file differ): kept once"},
    "load.empty_channel": {"fr": "{n} {n|ligne|lignes} sans canal (colonne {header})\u00a0: canal {channel} par "
                                 "défaut",
                           "en": "{n} {n|row|rows} with no channel (column {header}): channel {channel} by default"},
    "load.unmapped_type": {"fr": "type de point de contact sans étape (associez-le avec `python -m loaders map-type "
                                 "TYPE STAGE`, étapes\u00a0: {stages})",
                           "en": "touchpoint type with no stage (map it with `python -m loaders map-type TYPE "
                                 "STAGE`, stages: {stages})"},
    "load.same_touchpoint": {"fr": "même client, horodatage, canal, étape et type de point de contact",
                             "en": "same customer, timestamp, channel, stage and touchpoint type"},
    "load.same_feedback": {"fr": "même client, horodatage et étape",
                           "en": "same customer, timestamp and stage"},
    "load.summary.batch": {"fr": "Import n° {batch} ({seconds} s)",
                           "en": "Import batch {batch} ({seconds} s)"},
    "load.summary.file": {"fr": "{kind} ({file})\u00a0: {read} {read|ligne lue|lignes lues}, {written} "
                                "{written|écrite|écrites}, {updated} {updated|mise à jour|mises à jour}, "
                                "{unchanged} {unchanged|inchangée|inchangées}",
                          "en": "{kind} {file}: {read} rows read, {written} written, {updated} updated, {unchanged} "
                                "unchanged"},
    "load.summary.note": {"fr": "remarque\u00a0: {note}",
                          "en": "note: {note}"},
    "load.summary.skipped": {"fr": "{n} {n|ligne|lignes} de clients oubliés {n|ignorée|ignorées}",
                             "en": "{n} {n|row|rows} of forgotten customers skipped"},
    "load.summary.created": {"fr": "clients créés depuis les points de contact ou avis (sans persona pour "
                                   "l'instant)\u00a0: {n}",
                             "en": "customers created from touchpoints/feedback (no persona yet): {n}"},
    "load.summary.channels": {"fr": "nouveaux canaux\u00a0: {channels}",
                              "en": "new channels: {channels}"},
    "load.no_file": {"fr": "aucun fichier à importer (donnez --customers, --touchpoints et/ou --feedback)",
                     "en": "no file to import (give --customers, --touchpoints and/or --feedback)"},
    "load.checked_without_key": {"fr": "{file}\u00a0: ces lignes ont été vérifiées sans la clé de pseudonymisation "
                                       "de cette base (ses identifiants clients sont des pseudonymes)\u00a0: "
                                       "vérifiez à nouveau les fichiers.",
                                 "en": "{file}: these rows were checked without this database's pseudonym key (its "
                                       "customer IDs are pseudonyms): check the files again."},
    "load.undo_latest": {"fr": "seul le dernier import peut être annulé (annulez d'abord les suivants)",
                         "en": "only the latest import can be undone (undo the later ones first)"},
    "load.refused": {"fr": "Import refusé, rien n'a été écrit\u00a0: {reason}",
                     "en": "Import refused, nothing was written: {reason}"},
    "load.refused_count": {"fr": "Import refusé, rien n'a été écrit\u00a0: {n} {n|erreur|erreurs}.",
                           "en": "Import refused, nothing was written: {n} {n|error|errors}."},
    # -- keep the good rows (issue 17): --on-error quarantine, --max-rejected, --dry-run ------------------------------
    "load.quarantine.bad_limit": {"fr": "--max-rejected {value}\u00a0: attendu un nombre de lignes (20) ou une part "
                                        "des lignes (5%)",
                                  "en": "--max-rejected {value}: expected a number of rows (20) or a share of the "
                                        "rows (5%)"},
    "load.bad_source": {"fr": "--source {value}\u00a0: un système source a un nom (200 caractères au plus, sans "
                              "caractère de contrôle)",
                        "en": "--source {value}: a source system has a name (200 characters at most, no control "
                              "character)"},
    "load.quarantine.bad_channel": {"fr": "--empty-channel {value}\u00a0: un canal a au moins une lettre ou un "
                                          "chiffre (et 200 caractères au plus)",
                                    "en": "--empty-channel {value}: a channel has at least one letter or digit (and "
                                          "200 characters at most)"},
    "load.quarantine.whole_file": {"fr": "ces erreurs portent sur tout le fichier, pas sur une ligne\u00a0: aucune "
                                         "ligne ne peut être mise de côté, l'import est refusé en entier",
                                   "en": "these errors are about the whole file, not a row: no row can be set aside, "
                                         "so the whole import is refused"},
    "load.quarantine.too_many": {"fr": "{n} {n|ligne rejetée|lignes rejetées} sur {rows} ({share}), plus que "
                                       "--max-rejected ne le permet ({limit})\u00a0: l'import est refusé en entier",
                                 "en": "{n} {n|row|rows} rejected out of {rows} ({share}), more than --max-rejected "
                                       "allows ({limit}): the whole import is refused"},
    "load.quarantine.rejected_rows": {"fr": "{n} {n|ligne invalide mise|lignes invalides mises} de côté (fichier des "
                                            "rejets)",
                                      "en": "{n} invalid {n|row|rows} set aside (rejected file)"},
    "load.quarantine.customer_rejected": {"fr": "la ligne de ce client ({file}, ligne {line}) a été rejetée",
                                          "en": "this customer's row ({file} line {line}) was rejected"},
    "load.quarantine.cannot_write": {"fr": "le fichier des rejets {path} ne peut pas être écrit ({why})\u00a0: "
                                           "rien n'a été importé",
                                     "en": "the rejected file {path} cannot be written ({why}): nothing was "
                                           "imported"},
    "load.quarantine.written": {"fr": "lignes rejetées écrites dans {path}",
                                "en": "rejected rows written to {path}"},
    "load.dry.title": {"fr": "Essai à blanc ({mode})\u00a0: voici ce que l'import écrirait.",
                       "en": "Dry run ({mode}): what the import would write."},
    "load.dry.mode.refuse": {"fr": "tout ou rien", "en": "all or nothing"},
    "load.dry.mode.quarantine": {"fr": "lignes invalides mises de côté", "en": "invalid rows set aside"},
    "load.dry.file": {"fr": "{kind} ({file})\u00a0: {read} {read|ligne lue|lignes lues}, {kept} à importer, "
                            "{rejected} {rejected|rejetée|rejetées}",
                      "en": "{kind} {file}: {read} rows read, {kept} to import, {rejected} rejected"},
    "load.dry.per.touchpoints": {"fr": "par type et étape\u00a0: {counts}",
                                 "en": "per type and stage: {counts}"},
    "load.dry.per.feedback": {"fr": "par étape\u00a0: {counts}",
                              "en": "per stage: {counts}"},
    "load.dry.rejected": {"fr": "rejetée\u00a0: ligne {line}, colonne {column}\u00a0: {reason}",
                          "en": "rejected: line {line}, column {column}: {reason}"},
    "load.dry.journeys": {"fr": "premiers parcours (points de contact dans l'ordre du temps)\u00a0:",
                          "en": "first journeys (touchpoints in time order):"},
    "load.dry.step": {"fr": "{when} {channel} {what} ({stage})",
                      "en": "{when} {channel} {what} ({stage})"},
    "load.dry.nothing_written": {"fr": "Essai à blanc\u00a0: rien n'a été écrit.",
                                 "en": "Dry run: nothing was written."},
    "load.dry.refused": {"fr": "Essai à blanc\u00a0: cet import serait refusé.",
                         "en": "Dry run: this import would be refused."},
    "load.more_errors": {"fr": "… et {n} de plus",
                         "en": "… and {n} more"},
    "load.errors_hint": {"fr": " (--errors FICHIER les liste toutes)",
                         "en": " (--errors FILE lists all)"},
    "load.errors_written": {"fr": "Toutes les erreurs sont écrites dans {file}",
                            "en": "All errors written to {file}"},
    "load.raw_ids_held": {
        "fr": "Cette base contient déjà des identifiants clients tels qu'ils figurent dans le CRM\u00a0: elle ne peut "
              "pas passer aux pseudonymes (les identifiants bruts resteraient dans son historique d'annulation et dans "
              "chaque sauvegarde ou export déjà faits). Créez une nouvelle base avec pseudonymes et réimportez-y les "
              "fichiers\u00a0:\n"
              "  python -m loaders init --db NOUVELLE_URL --pseudonymise\n"
              "  python -m loaders import --db NOUVELLE_URL --customers … --touchpoints … --feedback …\n"
              "puis pointez Parcours sur NOUVELLE_URL (--db ou PARCOURS_DB_URL) et supprimez cette base et ses "
              "sauvegardes. Les clients oubliés ici doivent l'être à nouveau là-bas si l'export du CRM les contient "
              "encore.",
        "en": "This database already holds customer IDs as they appear in the CRM, so it cannot switch to "
              "pseudonyms (the raw IDs would stay in its undo history and in every backup or export made so far). "
              "Create a new database with pseudonyms and import the files again into it:\n"
              "  python -m loaders init --db NEW_URL --pseudonymise\n"
              "  python -m loaders import --db NEW_URL --customers … --touchpoints … --feedback …\n"
              "then point Parcours at NEW_URL (--db or PARCOURS_DB_URL) and delete this database and its backups. "
              "Customers forgotten here must be forgotten again there if the CRM export still holds them."},
    "load.key_help": {"fr": "définissez {env}, ou {name} dans la section [{section}] de .streamlit/secrets.toml",
                      "en": "set {env}, or {name} in the [{section}] section of .streamlit/secrets.toml"},
    "load.key_missing": {"fr": "Cette base stocke les identifiants clients sous forme de pseudonymes et aucune clé "
                               "de pseudonymisation n'a été trouvée\u00a0: {help}, avec la clé utilisée à la "
                               "création de la base.",
                         "en": "This database stores customer IDs as pseudonyms and no pseudonym key was found: "
                               "{help}, to the key this database was created with."},
    "load.key_wrong": {"fr": "La clé de pseudonymisation de {source} n'est pas celle avec laquelle cette base a été "
                             "créée\u00a0: ses clients recevraient d'autres pseudonymes. Utilisez la clé de la "
                             "base.",
                       "en": "The pseudonym key from {source} is not the one this database was created with: its "
                             "customers would get other pseudonyms. Use the database's key."},
    "load.note.pseudonyms": {"fr": "identifiants clients stockés sous forme de pseudonymes (HMAC-SHA256 à clé)",
                             "en": "customer IDs stored as pseudonyms (keyed HMAC-SHA256)"},
    "load.note.weak_key": {"fr": "la clé de pseudonymisation de {source} est trop facile à deviner (environ {bits} "
                                 "bits d'entropie, moins de {min})\u00a0: qui détient cette base pourrait la "
                                 "retrouver et défaire les pseudonymes. Créez une clé aléatoire (`{make}`), une "
                                 "nouvelle base avec elle (python -m loaders init --db NEW_URL --pseudonymise), "
                                 "importez-y à nouveau les fichiers et supprimez celle-ci",
                           "en": "the pseudonym key from {source} is too easy to guess (about {bits} bits of "
                                 "entropy, fewer than {min}): whoever holds this database could find it and undo "
                                 "the pseudonyms. Make a random key (`{make}`), create a new database with it "
                                 "(python -m loaders init --db NEW_URL --pseudonymise), import the files again into "
                                 "it and delete this one"},
    "load.note.key_unused": {"fr": "une clé de pseudonymisation est définie ({source}) mais cette base stocke les "
                                   "identifiants clients tels quels\u00a0: les pseudonymes se choisissent à la "
                                   "création d'une base (python -m loaders init --pseudonymise)",
                             "en": "a pseudonym key is set ({source}) but this database stores customer IDs as "
                                   "given: pseudonyms are chosen when a database is created (python -m loaders init "
                                   "--pseudonymise)"},
    "load.forget.none": {"fr": "Aucun identifiant client donné.",
                         "en": "No customer ID given."},
    "load.forget.more": {"fr": " et {n} de plus",
                         "en": " and {n} more"},
    "load.forget.id": {"fr": "l'identifiant",
                       "en": "ID"},
    "load.forget.ids": {"fr": "les identifiants",
                        "en": "IDs"},
    "load.forget.unknown": {"fr": "Aucun client {shown}{more} dans cette base\u00a0: rien n'a été supprimé. "
                                  "Vérifiez {ids} (tels que dans les fichiers importés, zéros initiaux compris).",
                            "en": "No customer {shown}{more} in this database: nothing was deleted. Check the {ids} "
                                  "(as in the import files, leading zeros included)."},
    "load.setting.not_stage": {"fr": "{stage} n'est pas une étape (acceptées\u00a0: {accepted})",
                               "en": "{stage} is not a stage (accepted: {accepted})"},
    "load.setting.not_type": {"fr": "{type} n'est pas un type de point de contact",
                              "en": "{type} is not a touchpoint type"},
    "load.setting.type_not_stage": {"fr": "{type}\u00a0: {stage} n'est pas une étape (acceptées\u00a0: {accepted})",
                                    "en": "{type}: {stage} is not a stage (accepted: {accepted})"},
    "load.setting.not_kind": {"fr": "{kind} n'est pas une nature de canal (acceptées\u00a0: {accepted})",
                              "en": "{kind} is not a channel kind (accepted: {accepted})"},
    "load.setting.no_channel": {"fr": "Aucun canal {channel} dans cette base (les canaux sont créés par les "
                                      "imports).",
                                "en": "No channel {channel} in this database (channels are created by imports)."},
    "load.forget.done": {"fr": "{customers} {customers|client oublié|clients oubliés}\u00a0: {touchpoints} "
                               "{touchpoints|point de contact supprimé|points de contact supprimés}, {feedback} "
                               "{feedback|avis supprimé|avis supprimés} et {history} {history|valeur d'annulation "
                               "supprimée|valeurs d'annulation supprimées}, en une transaction. Les imports "
                               "suivants ignorent leurs lignes\u00a0; le journal garde la date et ces nombres, pas "
                               "les identifiants.",
                         "en": "Forgot {customers} {customers|customer|customers}: deleted {touchpoints} "
                               "{touchpoints|touchpoint|touchpoints}, {feedback} feedback {feedback|row|rows} and "
                               "{history} undo {history|value|values}, in one transaction. Later imports skip their "
                               "rows; the log keeps the date and these counts, not the IDs."},
    "load.forget.already": {"fr": "{n} {n|identifiant était déjà oublié|identifiants étaient déjà oubliés}\u00a0: "
                                  "plus rien à supprimer.",
                            "en": "{n} {n|ID was|IDs were} already forgotten: nothing left to delete."},
    "load.key.unreadable": {"fr": "Impossible de lire {path}\u00a0: {why}",
                            "en": "Cannot read {path}: {why}"},
    "load.key.toml": {"fr": "{path} n'est pas du TOML valide ({why})\u00a0: corrigez-le pour lire la clé de "
                            "pseudonymisation.",
                      "en": "{path} is not valid TOML ({why}): fix it to read the pseudonym key."},
    "load.key.section": {"fr": "{path}\u00a0: {section} doit être une section ([{section}]).",
                         "en": "{path}: {section} must be a section ([{section}])."},
    "load.key.string": {"fr": "{where} doit être une chaîne entre guillemets.",
                        "en": "{where} must be a quoted string."},
    "load.key.short": {"fr": "La clé de pseudonymisation de {source} fait {n} {n|caractère|caractères}\u00a0: "
                             "utilisez au moins {min} caractères aléatoires, par exemple la sortie de `{make}`.",
                       "en": "The pseudonym key from {source} is {n} {n|character|characters} long: use at least "
                             "{min} random characters, e.g. the output of `{make}`."},
    "load.key.weak": {"fr": "La clé de pseudonymisation de {source} est trop facile à deviner (environ {bits} bits "
                            "d'entropie, moins de {min}\u00a0: caractères ou parties répétés, suites comme 1234 ou "
                            "abcd, mots, ou trop peu de caractères différents)\u00a0: qui détient la base pourrait "
                            "la retrouver et défaire les pseudonymes. Créez-en une aléatoire avec `{make}`.",
                      "en": "The pseudonym key from {source} is too easy to guess (about {bits} bits of entropy, "
                            "fewer than {min}: repeated characters or parts, sequences like 1234 or abcd, words, or "
                            "too few different characters): whoever holds the database could find it and undo the "
                            "pseudonyms. Make a random one with `{make}`."},
    "load.key.none": {"fr": "Pas de clé de pseudonymisation\u00a0: {help} (une clé aléatoire\u00a0: `{make}`). "
                            "Gardez-la en lieu sûr et hors de la base\u00a0: la même clé sert à chaque import "
                            "suivant.",
                      "en": "No pseudonym key: {help} (a random one: `{make}`). Keep it safe and outside the "
                            "database: the same key is needed for every later import."},
    "load.disk.file": {"fr": "le disque de {path}",
                       "en": "the disk of {path}"},
    "load.disk.server": {"fr": "le disque du serveur {dialect} ({host})",
                         "en": "the disk of the {dialect} server ({host})"},
    "load.disk.full": {"fr": "Import refusé, rien n'a été écrit\u00a0: {where} est plein. La base est telle "
                             "qu'avant cet import\u00a0; libérez de la place et importez à nouveau.",
                       "en": "Import refused, nothing was written: {where} is full. The database is as it was "
                             "before this import; free some space and import again."},
    "load.progress.reading": {"fr": "lecture de {file} ({kind})…",
                              "en": "reading {file} ({kind})…"},
    "load.progress.checked": {"fr": "  {n} {n|ligne vérifiée|lignes vérifiées} en {seconds} s, {errors} "
                                    "{errors|erreur|erreurs}",
                              "en": "  {n} rows checked in {seconds} s, {errors} errors"},
    "load.progress.writing": {"fr": "écriture…",
                              "en": "writing…"},
    "load.cli.has_model": {"fr": "Cette base a déjà un modèle d'étapes\u00a0; il se choisit une fois, à la création "
                                 "de la base.",
                           "en": "This database already has a stage model; it is chosen once, when the database is "
                                 "created."},
    "load.cli.created": {"fr": "{url} créée avec le modèle d'étapes {stages}.",
                         "en": "Created {url} with the {stages} stage model."},
    "load.cli.pseudonyms": {"fr": "Les identifiants clients seront stockés sous forme de pseudonymes (clé de "
                                  "{source})\u00a0; chaque import a besoin de la même clé.",
                            "en": "Customer IDs will be stored as pseudonyms (key from {source}); every import "
                                  "needs the same key."},
    "load.cli.pseudonyms_now": {"fr": "{url} ne contient encore aucun client\u00a0: les identifiants clients seront "
                                      "désormais stockés sous forme de pseudonymes (clé de {source})\u00a0; chaque "
                                      "import a besoin de la même clé.",
                                "en": "{url} holds no customer yet: customer IDs will be stored as pseudonyms from "
                                      "now on (key from {source}); every import needs the same key."},
    "load.cli.pseudonyms_already": {"fr": "{url} stocke déjà les identifiants clients sous forme de pseudonymes "
                                          "avec cette clé.",
                                    "en": "{url} already stores customer IDs as pseudonyms with this key."},
    "load.cli.sample_size": {"fr": "--customers doit valoir au moins 1",
                             "en": "--customers must be at least 1"},
    "load.cli.sample_written": {"fr": "Export de {n} clients écrit dans {out}/",
                                "en": "Wrote {n} customers' export to {out}/"},
    "load.cli.sample_not_empty": {"fr": "Cette base contient déjà des données\u00a0; sample ne remplit qu'une base "
                                        "vide (--replace la vide d'abord).",
                                  "en": "This database already holds data; sample fills an empty database only "
                                        "(--replace empties it first)."},
    "load.cli.mapped": {"fr": "Type de point de contact {type} → étape {stage}",
                        "en": "Touchpoint type {type} → stage {stage}"},
    "load.setting.not_setting": {"fr": "{name} n'est pas un réglage d'analyse (réglages\u00a0: {accepted})",
                                 "en": "{name} is not an analysis setting (settings: {accepted})"},
    "load.setting.bad_value": {"fr": "{name}\u00a0: {value} ne convient pas — attendu\u00a0: {reason}",
                               "en": "{name}: {value} does not fit — expected: {reason}"},
    "load.setting.reason.window_days": {"fr": "un nombre entier de jours de 1 à 3660, ou all",
                                        "en": "a whole number of days from 1 to 3660, or all"},
    "load.setting.reason.post_window_days": {"fr": "un nombre entier de jours de 1 à 3660",
                                             "en": "a whole number of days from 1 to 3660"},
    "load.setting.reason.churn_window_days": {"fr": "un nombre entier de jours de 1 à 3660",
                                              "en": "a whole number of days from 1 to 3660"},
    "load.setting.reason.observed_for_ranking": {"fr": "une part entre 0 et 1 (ou de 1 % à 100 %)",
                                                 "en": "a share between 0 and 1 (or 1 % to 100 %)"},
    "load.setting.reason.measure": {"fr": "auto, nps ou csat", "en": "auto, nps or csat"},
    "load.setting.reason.max_identity_ids": {"fr": "un nombre entier d'identifiants de 2 à 10000",
                                             "en": "a whole number of identifiers from 2 to 10000"},
    "load.setting.reason.currency": {"fr": "un code de devise ISO 4217 connu ({accepted})",
                                     "en": "a known ISO 4217 currency code ({accepted})"},
    "load.setting.reason.currency_symbol": {
        "fr": "un symbole de 1 à 4 caractères sans chiffre ni espace (R$, US$, Fr.), ou auto pour le symbole usuel "
              "du code",
        "en": "a symbol of 1 to 4 characters without digits or spaces (R$, US$, Fr.), or auto for the code's usual "
              "symbol"},
    "load.cli.setting_set": {"fr": "Réglage {name}\u00a0: {value}",
                             "en": "Setting {name}: {value}"},
    "load.cli.kind_set": {"fr": "Le canal {channel} est {kind}",
                          "en": "Channel {channel} is {kind}"},
    "load.cli.kind.digital": {"fr": "digital",
                              "en": "digital"},
    "load.cli.kind.physical": {"fr": "physique",
                               "en": "physical"},
    "load.cli.forget_ids": {"fr": "Donnez les identifiants clients à oublier (tels que dans les fichiers importés), "
                                  "ou --file FICHIER avec un identifiant par ligne.",
                            "en": "Give the customer IDs to forget (as in the import files), or --file FILE with "
                                  "one per line."},
}
CATALOGUE.update(LOADER_TEXTS)

# Operational channels, the mix comparison (issue 15): the command line's and the pages' texts.
OPERATIONAL_TEXTS: dict[str, dict[str, str]] = {
    "load.setting.nothing_to_set": {"fr": "Rien à changer : donnez une nature ({accepted}), --operational ou "
                                          "--journey",
                                    "en": "Nothing to change: give a kind ({accepted}), --operational or --journey"},
    "load.cli.role_set.operational": {"fr": "Le canal {channel} est opérationnel : hors du mix de canaux, du "
                                            "ROPO/showrooming et des transitions (ses points de contact comptent "
                                            "pour les étapes, le tunnel et le chiffre d'affaires)",
                                      "en": "Channel {channel} is operational: left out of the channel mix, "
                                            "ROPO/showrooming and transitions (its touchpoints count for stages, the "
                                            "funnel and revenue)"},
    "load.cli.role_set.journey": {"fr": "Le canal {channel} est un canal de parcours",
                                  "en": "Channel {channel} is a journey channel"},
    "data.col.operational": {"fr": "Opérationnel (hors parcours)", "en": "Operational (not a journey channel)"},
    "data.operational_help": {
        "fr": "Un canal opérationnel (transporteur, e-mail d'enquête) compte pour les étapes, le tunnel et le chiffre "
              "d'affaires, mais pas pour le mix de canaux, le ROPO/showrooming ni les transitions. Aussi : "
              "`python -m loaders channel-kind CANAL --operational` (ou `--journey`).",
        "en": "An operational channel (a carrier, a survey e-mail) counts for stages, the funnel and revenue, but not "
              "for the channel mix, ROPO/showrooming or transitions. Also: `python -m loaders channel-kind CHANNEL "
              "--operational` (or `--journey`)."},
    "channels.col.compared": {"fr": "Comparés (≥ 2 étapes)", "en": "Compared (≥ 2 stages)"},
    "channels.compared": {
        "fr": "Conversion et NPS comparés parmi les clients vus à au moins deux étapes ({n} {n|client|clients}) : "
              "un parcours cross-canal en demande deux, un parcours mono-canal peut n'en avoir qu'une.",
        "en": "Conversion and NPS compared among customers seen at two stages or more ({n} {n|customer|customers}): "
              "a cross-channel journey needs two, a mono-channel one can have one."},
    "channels.no_journey_channel": {
        "fr": "{n} {n|client n'a|clients n'ont} de points de contact que sur des canaux opérationnels : "
              "aucun canal de parcours, hors des trois classes.",
        "en": "{n} {n|customer has|customers have} touchpoints on operational channels only: no journey channel, "
              "in none of the three classes."},
}
LOADER_TEXTS.update({k: v for k, v in OPERATIONAL_TEXTS.items() if k.startswith("load.")})
CATALOGUE.update(OPERATIONAL_TEXTS)


def pick(lang: str | None) -> str:
    """A supported language from a language tag ("en-GB" → "en"), else the default."""
    code = (lang or "").split("-")[0].split("_")[0].lower()
    return code if code in LANGUAGES else DEFAULT


def missing(value) -> bool:
    """None, NaN or pandas' NA: analytics frames hold NaN where a rate is undefined."""
    try:
        return value is None or value != value or value is pd.NA
    except TypeError:  # pd.NA refuses comparison
        return True


FEWER_THAN = "n < {min_n}"
"""Too few observations to show a value (a grey mark, a period not drawn). ``{min_n}`` is the threshold,
``data_model.thresholds.MIN_N``: i18n imports nothing of the project, so ``chart_texts`` fills it from its
caller (the charts)."""
AT_LEAST = "n ≥ {min_n}"
"""Enough observations (the journey map's pain and delight lanes list only such cells)."""
MINUS = "\u2212"
"""The minus sign of the charts' numbers, as in Vega's number formats."""
_MONTHS_FR = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]
_MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


DEFAULT_CURRENCY = "EUR"
CURRENCIES = {
    "EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF", "JPY": "¥", "CNY": "¥", "CAD": "$", "AUD": "$", "NZD": "$",
    "BRL": "R$", "MXN": "$", "ARS": "$", "CLP": "$", "COP": "$", "PEN": "S/", "INR": "₹", "KRW": "₩", "HKD": "HK$",
    "SGD": "S$", "SEK": "kr", "NOK": "kr", "DKK": "kr", "ISK": "kr", "PLN": "zł", "CZK": "Kč", "HUF": "Ft",
    "RON": "lei", "BGN": "лв", "TRY": "₺", "ILS": "₪", "ZAR": "R", "MAD": "MAD", "TND": "DT", "DZD": "DA",
    "XOF": "FCFA", "XAF": "FCFA", "XPF": "F", "AED": "AED", "SAR": "SAR", "THB": "฿", "PHP": "₱", "VND": "₫",
    "IDR": "Rp", "MYR": "RM", "UAH": "₴",
}
"""The ISO 4217 codes a database may name as its currency (``python -m loaders setting currency BRL``), each with
its usual symbol (``currency_symbol`` overrides it: US$ for USD beside other dollars)."""


def money_affixes(lang: str, symbol: str) -> tuple[str, str]:
    """What goes before and after an amount in ``lang``: the symbol after in French, with a no-break space
    (1 234 R$); before in English (R$1,234), with a no-break space when it ends in a letter (CHF 1,234). The
    KPI cards (``Texts.money``) and the charts' number locale (``$`` formats) both write amounts so."""
    if pick(lang) == "fr":
        return "", "\u00a0" + symbol
    return symbol + ("\u00a0" if symbol[-1:].isalpha() else ""), ""


class Texts:
    """The texts and formats of one language; amounts in ``currency`` (an ISO 4217 code of ``CURRENCIES``, the
    database's setting), written with ``symbol`` (by default the code's usual one)."""

    def __init__(self, lang: str | None = DEFAULT, currency: str = DEFAULT_CURRENCY, symbol: str | None = None):
        self.lang = pick(lang)
        self.currency = currency
        self.symbol = symbol or CURRENCIES.get(currency, currency)

    def t(self, key: str, **values) -> str:
        """The text of ``key`` with its placeholders filled. ``{n|réponse|réponses}`` is the singular or plural
        form for the count ``n`` (a number, or a number this class formatted), by the language's rule."""
        entry = CATALOGUE[key]
        text = entry.get(self.lang) or entry[DEFAULT]
        if "|" in text:
            text = _PLURAL.sub(lambda m: m[2] if self.singular(values.get(m[1])) else m[3], text)
        return text.format(**values) if values else text

    def singular(self, count) -> bool:
        """Whether ``count`` takes the singular: 0 and 1 in French ("0 réponse"), only 1 in English."""
        if isinstance(count, str):  # as formatted here: "12 430" / "12,430", "1,5" / "1.5", "—"
            digits = "".join(count.split()).replace("\u202f", "")
            digits = digits.replace(",", ".") if self.lang == "fr" else digits.replace(",", "")
            try:
                count = float(digits)
            except ValueError:
                return False
        if count is None or missing(count):
            return False
        return 0 <= abs(count) < 2 if self.lang == "fr" else abs(count) == 1

    def number(self, value: float | int | None, digits: int = 0) -> str:
        """12 430 in French, 12,430 in English."""
        if missing(value):
            return "—"
        text = f"{value:,.{digits}f}"
        if text.startswith("-") and not text.strip("-0.,"):
            text = text[1:]  # −0.4 customers rounds to 0, not "-0"
        if self.lang == "fr":
            text = text.replace(",", "\u202f").replace(".", ",")
        return text

    def money(self, value: float | None) -> str:
        """An amount in the database's currency (``symbol``) that fits a KPI card: 193 566 € / €193,566, then
        2,39 M€ / €2.39M from a million; 1 234 R$ / R$1,234, 1 234 CHF / CHF 1,234 (``money_affixes``)."""
        if missing(value):
            return "—"
        before, after = money_affixes(self.lang, self.symbol)
        if abs(value) >= 1e6:
            text = self.decimal(value / 1e6, ".2f")
            if self.lang == "fr":  # 2,39 M€, 2,39 M R$
                return f"{text}\u00a0M" + ("" if len(self.symbol) == 1 else "\u00a0") + self.symbol
            text += "M"
        else:
            text = self.number(value)
        sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
        return f"{sign}{before}{digits}{after}"  # -R$1,234 in English

    def p_value(self, value: float | None) -> str:
        """A p- or q-value after its letter: "= 0,012", "< 0,001" (never 1,7e-08 in a sentence or a slide)."""
        if missing(value):
            return "= —"
        if value < 0.001:
            return "< " + self.decimal(0.001, ".3f")
        return "= " + self.decimal(value, ".2g" if value >= 0.01 else ".1g")

    def decimal(self, value: float | None, spec: str = ".2f") -> str:
        """A plain number (a ratio, a p-value, a signed NPS with "+.0f") in the language; "—" when undefined."""
        if missing(value):
            return "—"
        text = format(value, spec)
        return text.replace(",", "\u202f").replace(".", ",") if self.lang == "fr" else text

    def percent(self, value: float | None, digits: int = 1) -> str:
        if missing(value):
            return "—"
        text = f"{100 * value:.{digits}f}"
        return (text.replace(".", ",") + "\u202f%") if self.lang == "fr" else text + "%"

    def share(self, value: float | None) -> str:
        """A share as a percentage, one decimal below 10 % and none above: 8,5 % / 62 % (8.5% / 62%)."""
        if missing(value):
            return "—"
        return self.percent(value, 1 if 0 < abs(value) < 0.1 else 0)

    def figure(self, value: float | None, digits: int = 1, signed: bool = False) -> str:
        """A number on a chart: grouped, ``signed`` with "+" (an NPS), with the minus sign "−" Vega writes on the
        same chart's axes: −12,5 / +1 234,0 (−12.5 / +1,234.0)."""
        return self.decimal(value, f"{'+' if signed else ''},.{digits}f").replace("-", MINUS)

    @staticmethod
    def interval(low, high, write) -> str:
        """An interval from its bounds as ``write`` writes them: "26,0 % – 35,0 %"; "—" when a bound is missing."""
        if missing(low) or missing(high):
            return "—"
        return f"{write(low)} – {write(high)}"

    def month(self, value: date | None) -> str:
        """janv. 2025 in French, Jan 2025 in English (a month's first day, or any day of it)."""
        if value is None:
            return "—"
        return f"{(_MONTHS_FR if self.lang == 'fr' else _MONTHS_EN)[value.month - 1]} {value.year}"

    def day(self, value: date | None) -> str:
        """1 janv. 2025 in French, Jan 1, 2025 in English."""
        if value is None:
            return "—"
        if self.lang == "fr":
            return f"{value.day} {_MONTHS_FR[value.month - 1]} {value.year}"
        return f"{_MONTHS_EN[value.month - 1]} {value.day}, {value.year}"

    def moment(self, value: datetime | None) -> str:
        """A date and time: 1 janv. 2025 14:05 / Jan 1, 2025 2:05 PM."""
        if value is None:
            return "—"
        if self.lang == "fr":
            return f"{self.day(value)} {value:%H:%M}"
        return f"{self.day(value)} {value.hour % 12 or 12}:{value:%M} {'AM' if value.hour < 12 else 'PM'}"

    def chart_titles(self, **extra: str) -> dict[str, str]:
        """A chart's ``titles`` in the language: its locale (the chart's texts, number and date formats: 12 345 /
        62,5 % in French) and the currency symbol of its amounts, plus page-specific texts, which override the
        chart's own (``CHART_TEXTS``)."""
        return {"locale": self.lang, "currency_symbol": self.symbol, **extra}


# The charts' texts (axis, legend and tooltip titles, the words on their marks), chart by chart: a key may read
# differently on two charts ("kind": the touchpoints of the channel charts, the kind of term of the voice chart).
# charts/ builds each chart's texts from "common" and its own section in the chart's language; a caller's
# ``titles`` override them.
CHART_TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "common": {
        "insufficient": (FEWER_THAN, FEWER_THAN),
        "no_data": ("Aucune donnée pour cette sélection", "No data for this selection"),
        "stage": ("Étape", "Stage"),
        "channel": ("Canal", "Channel"),
        "customers": ("Clients", "Customers"),
        "responses": ("Réponses", "Responses"),
        "interval": ("intervalle à 95 %", "95% interval"),
    },
    "channels": {
        "mix": ("Parcours", "Channel mix"),
        "share": ("Part des clients", "Share of customers"),
        "mono": ("mono-canal", "mono-channel"),
        "multi": ("multicanal", "multichannel"),
        "cross": ("cross-canal", "cross-channel"),
        "from_channel": ("Canal de départ", "From channel"),
        "to_channel": ("Canal suivant", "Next channel"),
        "count": ("Passages", "Transitions"),
        "share_of_from": ("Part des suites du canal", "Share of the channel's next steps"),
        "from": ("De", "From"),
        "to": ("Vers", "To"),
        "kind": ("Points de contact", "Touchpoints"),
        "digital": ("Digital", "Digital"),
        "physical": ("Physique", "Physical"),
        "touchpoints": ("Points de contact", "Touchpoints"),
        "share_touchpoints": ("Part des points de contact", "Share of touchpoints"),
        "digital_first_share": ("Clients arrivés par le digital", "Customers digital first"),
    },
    "funnel": {
        "conv_from_start": ("Part de la première étape", "Share of first stage"),
        "conv_from_previous": ("Conversion depuis l'étape précédente", "Conversion from previous stage"),
        "drop_off": ("Perdus depuis l'étape précédente", "Lost since previous stage"),
        "group": ("Groupe", "Group"),
        "significant_note": ("★ = différence significative", "★ = significant difference"),
        "between": ("Entre les étapes", "Between stages"),
        "median_days": ("Temps médian (jours)", "Median time (days)"),
        "median_hours": ("Temps médian (heures)", "Median time (hours)"),
        "days_unit": ("j", "d"),
        "hours_unit": ("h", "h"),
        "not_observed": ("non observée dans les données", "not observed in the data"),
        "observed_customers": ("Clients vus à l'étape", "Customers seen at the stage"),
        "seen_here": ("vus ici", "seen here"),
    },
    "irritants": {
        "score": ("Score de priorité", "Priority score"),
        "cell": ("Étape × canal", "Stage × channel"),
        "kind_title": ("Verdict", "Verdict"),
        "irritant": ("irritant", "irritant"),
        "neutral": ("neutre", "neutral"),
        "delight": ("enchantement", "delight"),
        "nps": ("NPS", "NPS"),
        "satisfaction_value": ("Satisfaction", "Satisfaction"),
    },
    "journey_map": {
        "lane_customers": ("Clients qui atteignent l'étape · part qui s'y arrête",
                           "Customers who reach the stage · share who stop there"),
        "lane_channels": ("Canaux principaux (part des clients de l'étape)",
                          "Main channels (share of the stage's customers)"),
        "lane_emotion": ("Courbe d'émotion : NPS et son intervalle à 95 % · part de détracteurs",
                         "Emotion curve: NPS and its 95% interval · detractors"),
        "lane_pains": (f"Irritants (étape × canal au NPS significativement sous le global, {AT_LEAST})",
                       f"Pain points (NPS significantly below overall, {AT_LEAST})"),
        "lane_delights": (f"Points d'enchantement (NPS significativement au-dessus du global, {AT_LEAST})",
                          f"Points of delight (NPS significantly above overall, {AT_LEAST})"),
        "lane_churn": ("Churn des clients dont le parcours s'arrête à cette étape",
                       "Churn of the customers whose journey stopped here"),
        "stop": ("s'arrêtent ici", "stop here"),
        "not_observed": ("non observée dans les données", "not observed in the data"),
        "detractors_short": ("dét.", "det."),
        "dissatisfied_short": ("insat.", "dissat."),
        "none": ("aucun significatif", "none significant"),
        "series": ("Persona", "Persona"),
        "quote": ("Verbatim", "Verbatim"),
        "quote_open": ("«\u00a0", "“"),
        "quote_close": ("\u00a0»", "”"),
    },
    "satisfaction": {
        "nps": ("NPS", "NPS"),
        "detractors": ("Détracteurs (0–6)", "Detractors (0–6)"),
        "passives": ("Passifs (7–8)", "Passives (7–8)"),
        "promoters": ("Promoteurs (9–10)", "Promoters (9–10)"),
        "answers": ("Réponses", "Answers"),
        "share_responses": ("Part des réponses", "Share of responses"),
        "satisfied_share": ("Satisfaits (4–5 sur 5)", "Satisfied (4–5 of 5)"),
        "mean_csat": ("Satisfaction moyenne (1–5)", "Mean satisfaction (1–5)"),
        "csat_scale": ("/5", "/5"),
        "churn_rate": ("Taux de churn", "Churn rate"),
    },
    "satisfaction_trend": {
        "period": ("Période", "Period"),
        "nps": ("NPS", "NPS"),
        "mean_csat": ("Satisfaction moyenne (1–5)", "Mean satisfaction (1–5)"),
        "respondents": ("Répondants", "Respondents"),
        "trend_status": ("Statut", "Status"),
        "trend_partial": ("période en cours", "period not over"),
        "trend_full": ("période complète", "complete period"),
        "trend_insufficient": (f"trop peu ({FEWER_THAN})\u00a0: non affiché", f"too few ({FEWER_THAN}): not shown"),
    },
    "changes": {
        "before": ("Avant", "Before"),
        "after": ("Après", "After"),
        "mix": ("Mix (tous les groupes)", "Mix (all groups)"),
        "others": ("Autres groupes", "Other groups"),
        "unset": ("Non renseigné", "Not set"),
        "step": ("Étape", "Step"),
        "contribution": ("Valeur ou contribution (points)", "Value or contribution (points)"),
        "interval": ("Intervalle à 95 %", "95 % interval"),
        "kpi": ("Indicateur", "KPI"),
    },
    "timing": {
        "days_since": ("Jours depuis le passage à l'étape", "Days since seen at the stage"),
        "reached_later": ("Passés à une étape suivante", "Reached a later stage"),
        "step": ("De → à", "From → to"),
        "still_followed": ("Encore suivis", "Still followed"),
    },
    "trends": {
        "period": ("Période", "Period"),
        "trend_status": ("Statut", "Status"),
        "trend_partial": ("période en cours", "period not over"),
        "trend_full": ("période complète", "complete period"),
        "trend_insufficient": (f"trop peu ({FEWER_THAN})\u00a0: non affiché", f"too few ({FEWER_THAN}): not shown"),
        "trend_not_observed": ("non observé sur ces canaux", "not observed on these channels"),
        "customers": ("Clients", "Customers"),
        "conversion_rate": ("Taux de conversion", "Conversion rate"),
        "nps": ("NPS", "NPS"),
        "churn_rate": ("Taux de churn", "Churn rate"),
        "cross_share": ("Part cross-canal", "Cross-channel share"),
        "revenue": ("Chiffre d'affaires", "Revenue"),
    },
    "variants": {
        "variant": ("Parcours", "Journey"),
        "other": ("Autres parcours", "Other journeys"),
        "share": ("Part des clients", "Share of customers"),
        "cumulative_share": ("Part cumulée", "Cumulative share"),
        "steps": ("Étapes", "Steps"),
        "variants": ("Parcours distincts", "Distinct journeys"),
        "conversion_rate": ("Taux de conversion", "Conversion rate"),
        "conversion_short": ("conv.", "conv."),
    },
    "voice": {
        "term": ("Mot ou expression", "Word or phrase"),
        "z": ("Pouvoir distinctif (z)", "Distinctiveness (z)"),
        "side": ("Plus fréquent chez les", "More frequent among"),
        "detractor": ("détracteurs", "detractors"),
        "promoter": ("promoteurs", "promoters"),
        "kind": ("Nature", "Kind"),
        "word": ("mot", "word"),
        "phrase": ("expression", "phrase"),
        "detractor_comments": ("Commentaires de détracteurs", "Detractor comments"),
        "promoter_comments": ("Commentaires de promoteurs", "Promoter comments"),
    },
}


def chart_texts(chart: str, lang: str | None, min_n: int) -> dict[str, str]:
    """The texts of ``chart`` (a section of ``CHART_TEXTS``: its own and the common ones) in the language, with
    the threshold ``min_n`` in their "n < …" and "n ≥ …"."""
    i = 1 if pick(lang) == "en" else 0
    return {k: v[i].replace("{min_n}", str(min_n)) for section in ("common", chart)
            for k, v in CHART_TEXTS[section].items()}
