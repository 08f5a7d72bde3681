"""Streamlit-side helpers shared by the pages: widgets built from parameter declarations, state."""
