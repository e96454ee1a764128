"""Lessons: one rule group at a time, stepped through event by event, predicting before seeing."""

import streamlit as st

from ui import figures, lessons, links, runs, state

state.page_setup()
st.title("Lessons")
st.caption("Each lesson is a small scenario built to show one group of rules. Step through its "
           "events: the timeline grows, the queue and the sessions change, and each step says "
           "what happened and which rule made it so. Predict before you reveal.")

titles = {l.key: f"{l.rules}: {l.title}" for l in lessons.LESSONS}
links.restore_lesson(list(titles))
key = st.selectbox("Lesson", list(titles), format_func=titles.get, key="lesson_pick")
lesson = lessons.BY_KEY[key]
result = runs.run(runs.validate(lesson.scenario))
st.markdown(lesson.intro)
steps = lessons.steps(result.events)
ask = lessons.question_step(lesson, result.events)
ss = st.session_state
revealed = ss.get(f"lesson_answer_{key}") is not None
last = len(steps) - 1 if revealed else max(ask - 1, 0)

c1, c2 = st.columns([3, 1])
slider_key = f"lesson_step_{key}"
if ss.get(slider_key, 1) > last + 1:  # not past the question before it is answered
    ss[slider_key] = last + 1
step = c1.slider("Step", 1, len(steps), key=slider_key,
                 help="Answer the question below to step past it.") - 1
step = min(step, last)
links.write_lesson(key, step + 1)
row = steps.loc[step]
c2.metric("Simulated time", f"{row.time:g} s")
st.info(lessons.sentence(row))

jobs, sessions, events, spans, t = lessons.trace_until(result, step)
tenants = [t_.name for t_ in result.scenario.tenants]
backends = [b.name for b in result.scenario.backends]
fig = figures.timeline(jobs, sessions, events, spans, tenants=tenants, backends=backends,
                       system=lessons.system_until(result, t),
                       lanes=runs.backend_lanes(result.scenario))
# The whole story fits: the last job's end, or a later last step (a session closed after it).
end = max(float(result.jobs["end_time"].max()), float(steps["time"].max()))
fig.update_xaxes(range=[0, end * 1.05])
fig.update_layout(height=min(fig.layout.height, 520))
st.plotly_chart(fig, width="stretch", key=f"lesson_chart_{key}")

now = lessons.state_at(result, step)
stages_logged = bool(result.events["event"].isin(["job_qpu_started", "system_started"]).any())
q1, q2 = st.columns(2)
with q1:
    st.markdown("**Backends**")
    for b in backends:
        queued = ", ".join(now["queued"].get(b, [])) or "nobody"
        qpu = ""
        if stages_logged:   # runs that log QPU stages (R19, R20)
            qpu = f"; on the QPU: **{now['on_qpu'].get(b, 'nothing')}**"
        st.markdown(f"- {b}: running **{now['running'].get(b, 'nothing')}**{qpu}; "
                    f"queued: {queued}")
with q2:
    st.markdown("**Sessions**")
    if not now["sessions"]:
        st.markdown("- none yet")
    for sid, s in now["sessions"].items():
        st.markdown(f"- {sid}: {s}")

st.subheader("Predict")
st.markdown(lesson.question)
choice = st.radio("Your answer", lesson.options, index=None, key=f"lesson_choice_{key}")
if st.button("Check and reveal", key=f"lesson_check_{key}", disabled=choice is None):
    ss[f"lesson_answer_{key}"] = choice
    st.rerun()
answer = ss.get(f"lesson_answer_{key}")
if answer is not None:
    (st.success if answer == lesson.answer else st.warning)(
        ("Right. " if answer == lesson.answer else f"Not quite: {lesson.answer}. ")
        + lesson.explain)
    st.caption("Every step is open now: move the slider on.")
elif step >= ask - 1:
    st.caption("Answer to see the next steps.")
