"""Parcours — the entry point: page config, navigation, global filters, language.

Every page runs through this file (the scripts live in app_pages/, not pages/, so Streamlit never
switches to its legacy multipage mode where a deep link would skip the filters drawn here).
"""

import streamlit as st

from ui import uploads

uploads.install()  # first of all: upload capacity only for the Data page of an admin (ui/uploads.py)

from data_model import DatabaseUnavailable  # noqa: E402
from story import deck_file_name  # noqa: E402
from ui import presentation  # noqa: E402
from ui.auth import account_box, is_admin, log_start, require_sign_in  # noqa: E402
from ui.data import catalogue, deck_file, pin_version, query  # noqa: E402
from ui.filters import describe, sidebar_filters  # noqa: E402
from ui.i18n import LANGUAGES, browser_language, language, language_code, t  # noqa: E402
from ui.links import check_link, from_link, to_link  # noqa: E402
from ui.metrics import metrics  # noqa: E402
from ui.widgets import plain  # noqa: E402

st.set_page_config(page_title="Parcours", page_icon="🧭", layout="wide")
log_start()  # once per process: open or signed-in, the listening address, a secrets file others may read
st.session_state["_charts_drawn"] = {}  # names this run's chart downloads (ui.widgets.chart_downloads)

# Before any choice, the browser's language (French when it is neither French nor English); a choice stays in the
# link as its code (?lang=en; an old link's ?lang=English still reads).
from_link("lang", list(LANGUAGES), what=t("lang.label"), resolve=language_code)
st.session_state.setdefault("lang", browser_language())
lang_chosen = st.sidebar.selectbox(t("lang.label"), list(LANGUAGES), format_func=LANGUAGES.get, key="lang")
to_link("lang", lang_chosen, default=browser_language())
# With sign-in on (an [auth] section in the secrets), nobody signed in sees anything but the sign-in screen.
require_sign_in()
try:
    pin_version()  # the whole run reads one version of the data (an import landing meanwhile restarts it)
except DatabaseUnavailable as exc:  # held by a command-line import, a server out of reach: said (to a signed-in
    # reader only: it names the database), not a traceback
    st.error(plain(exc.message_in(language())), icon=":material/database:")
    st.stop()  # the next run tries again (a failed cache_resource is not cached)
check_link("present", lambda v: v in ("true", "false"), what=t("present.toggle"))
presenting = st.sidebar.toggle(t("present.toggle"), key="present", bind="query-params", help=t("present.toggle_help"))

pages = {
    t("nav.analysis"): [
        # The default page is served at "/"; the others have stable URL paths for shared links.
        st.Page("app_pages/overview.py", title=t("page.overview"), icon=":material/dashboard:", default=True),
        st.Page("app_pages/journey_map.py", title=t("page.journey_map"), icon=":material/route:",
                url_path="journey-map"),
        st.Page("app_pages/irritants.py", title=t("page.irritants"), icon=":material/priority_high:",
                url_path="irritants"),
        st.Page("app_pages/voice.py", title=t("page.voice"), icon=":material/forum:", url_path="voice"),
        st.Page("app_pages/funnel.py", title=t("page.funnel"), icon=":material/filter_alt:", url_path="funnel"),
        st.Page("app_pages/channels.py", title=t("page.channels"), icon=":material/alt_route:",
                url_path="channels"),
        st.Page("app_pages/satisfaction.py", title=t("page.satisfaction"), icon=":material/sentiment_satisfied:",
                url_path="satisfaction"),
        st.Page("app_pages/variants.py", title=t("page.variants"), icon=":material/account_tree:",
                url_path="variants"),
        st.Page("app_pages/changes.py", title=t("page.changes"), icon=":material/difference:",
                url_path="changes"),
    ],
}
if is_admin():  # viewers are not offered the Data page (which checks the role again itself)
    pages[t("nav.data")] = [
        st.Page("app_pages/data.py", title=t("page.data"), icon=":material/upload_file:", url_path="data"),
    ]
# Presentation mode walks a fixed story in place of the page, whose links it hides (the page stays in the URL, so
# leaving returns to it; the filters stay applied).
page = st.navigation(pages, position="hidden" if presenting else "sidebar")

filters = sidebar_filters()
customers = query(metrics.customers, filters)
st.sidebar.caption(plain(describe(filters, customers)))
lang = language()  # read now: the deck is written later, outside this run
st.sidebar.download_button(t("deck.download"), lambda: deck_file(filters, lang), icon=":material/slideshow:",
                           file_name=deck_file_name(filters, catalogue(), lang), on_click="ignore",
                           help=t("deck.download_help"),
                           mime="application/vnd.openxmlformats-officedocument.presentationml.presentation")
account_box()

if presenting or page.url_path != "data":
    uploads.revoke()  # the Data page allows this session to upload after its own role check
    st.session_state.pop("pending_import", None)  # a checked, unwritten import is not kept in memory off its page
if presenting:
    presentation.show()
else:
    page.run()
