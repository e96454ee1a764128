"""Session Lab's dashboard: navigation and the shared sidebar, nothing else.

Run with `make run` (or `streamlit run app.py`). Pages live in pages/, figure builders in ui/.
"""

import streamlit as st

from ui import state

st.set_page_config(page_title="Session Lab", page_icon=":material/view_timeline:",
                   layout="wide")
state.init()
page = st.navigation([
    st.Page("pages/timeline.py", title="Timeline", icon=":material/view_timeline:", default=True),
    st.Page("pages/jobs.py", title="Jobs", icon=":material/table_rows:"),
    st.Page("pages/scenario.py", title="Scenario", icon=":material/tune:"),
    st.Page("pages/results.py", title="Results", icon=":material/monitoring:"),
    st.Page("pages/events.py", title="Events", icon=":material/list_alt:"),
    st.Page("pages/compare.py", title="Compare", icon=":material/compare:"),
    st.Page("pages/advisor.py", title="Advisor", icon=":material/assistant:"),
    st.Page("pages/estimate.py", title="Wait estimate", icon=":material/schedule:"),
    st.Page("pages/lessons.py", title="Lessons", icon=":material/school:"),
])
state.sidebar()
page.run()
