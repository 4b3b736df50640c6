"""Parcours — entry point: page config and navigation. The pages arrive with the dashboard issue."""

import streamlit as st

st.set_page_config(page_title="Parcours", page_icon="🧭", layout="wide")

pages = [st.Page("app_pages/overview.py", title="Vue d'ensemble", icon="📊", default=True)]
st.navigation(pages).run()
