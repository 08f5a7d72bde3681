"""Imbalance Lab: routing only (page config, shared state, navigation)."""

import streamlit as st

from ui.jobs import spawn_workers, start_workers
from ui.lesson import prepare_database
from ui.routing import mark_routed
from ui.share import adopt_query_params
from ui.state import keep_widget_state

st.set_page_config(page_title="Imbalance Lab", page_icon=":material/balance:", layout="wide")
spawn_workers()  # on a cold server: the worker process starts importing TensorFlow while this page is drawn
keep_widget_state()
page = st.navigation([
    st.Page("pages/lab.py", title="Lab", icon=":material/science:", default=True),
    st.Page("pages/compare.py", title="Compare", icon=":material/compare_arrows:"),
    st.Page("pages/leakage.py", title="Leakage", icon=":material/water_drop:"),
    st.Page("pages/benchmark.py", title="Benchmark", icon=":material/query_stats:"),
    st.Page("pages/learn.py", title="Learn", icon=":material/school:"),
    st.Page("pages/data.py", title="Data", icon=":material/table_chart:"),
    st.Page("pages/lessons.py", title="Lessons", icon=":material/groups:"),
    st.Page("pages/board.py", title="Class board", icon=":material/leaderboard:"),
])
adopt_query_params(page.url_path)  # a shared link: its settings go into the page before any widget is drawn
mark_routed()  # pages check this (ui/routing.py)
page.run()

# after the page is drawn: start the workers' scheduler in the background; the workers import TensorFlow and
# compile the kernel (the web server itself never imports TensorFlow)
start_workers()
prepare_database()  # lessons and the class board: migrations applied in the background
