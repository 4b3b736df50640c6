"""The only library code that imports streamlit: cached data access, filter widgets, KPI cards."""
