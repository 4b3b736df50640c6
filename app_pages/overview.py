"""Placeholder overview until the dashboard lands: loads the demo data into an empty embedded
database on first start and shows the headline figures of the report."""

import streamlit as st

from ui.data import demo_banner, get_report

st.title("Parcours")
st.caption("Parcours client omnicanal — le tableau de bord arrive bientôt.")
demo_banner()
report = get_report()
c1, c2, c3 = st.columns(3)
c1.metric("Clients", f"{report['customers']:,}".replace(",", " "))
rate = report["conversion"]["rate"]
c2.metric("Conversion", "—" if rate is None else f"{rate:.1%}")
nps = report["nps"]["nps"]
c3.metric("NPS", "—" if nps is None else f"{nps:+.0f}")
