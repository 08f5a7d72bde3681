"""Imbalance Lab: routing only (page config, shared state, navigation)."""

import streamlit as st

from imbalance_core.warmup import warm_up
from ui.routing import mark_routed, take_redirect
from ui.share import adopt_query_params
from ui.state import keep_widget_state

st.set_page_config(page_title="Imbalance Lab", page_icon=":material/balance:", layout="wide")
keep_widget_state()
redirect = take_redirect()  # a deep link that Streamlit first ran without this file (see ui/routing.py)
# a shared link: its setup goes into the lab before any widget is drawn
adopt_query_params(redirect[1] if redirect else None)

page = st.navigation([
    st.Page("pages/lab.py", title="Lab", icon=":material/science:", default=True),
    st.Page("pages/compare.py", title="Compare", icon=":material/compare_arrows:"),
    st.Page("pages/leakage.py", title="Leakage", icon=":material/water_drop:"),
    st.Page("pages/learn.py", title="Learn", icon=":material/school:"),
    st.Page("pages/data.py", title="Data", icon=":material/table_chart:"),
])
if redirect:
    st.switch_page(redirect[0], query_params=redirect[1])
mark_routed()
page.run()

# after the page is drawn: start importing TensorFlow in the background so Train does not wait
warm_up()
