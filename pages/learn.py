"""Learn: each technique in the app's own words, each with a button that opens the lab on a preset."""

import streamlit as st

from ui.routing import require_router

require_router()

st.title("Learn")
st.write(
    "What each remedy does, which knobs it has, when it helps and what it costs. Every section ends with a button "
    "that opens the lab on a setup chosen to show the point, and trains it."
)

from imbalance_core import BuiltinSpec  # noqa: E402
from ui import links, share  # noqa: E402
from ui.keys import LAB, LEAKAGE, LEARN  # noqa: E402
from ui.state import dataset_spec  # noqa: E402

share.show_link_problems()
st.query_params.from_dict(links.page_query(dataset_spec()))  # the data choice stays in the address
_data = BuiltinSpec.of
Setup = links.LabSetup


# (anchor, title, text in markdown, preset setup, extra view state, button label)
SECTIONS = [
    ("accuracy", "The accuracy paradox", """
With 20 common points for every rare one, a network that never predicts the rare class is already **95 % accurate**.
Plain cross-entropy rewards exactly that: most of the loss comes from the common class, so the boundary is pushed
into the rare class's territory. Accuracy hides it; **recall**, **balanced accuracy**, **G-mean** and **MCC** do not.
Read those first whenever one class is rare.
""", Setup(_data("moons", {"imbalance_ratio": 20.0})), {}, "Show the paradox: Moons 1:20, no treatment"),
    ("pr-vs-roc", "Why the PR curve says more than ROC here", """
ROC plots recall against the **false-positive rate** - false alarms as a share of the (huge) common class. With
1 rare point in 50, a model can raise hundreds of false alarms and its false-positive rate barely moves, so ROC AUC
stays flattering. The **precision-recall** curve asks the question a user asks - *of the alarms, how many were
real?* - and its no-skill line sits at the positive rate (2 %), not at 0.5. Compare the two areas in the lab:
ROC AUC high, PR AUC much lower.
""", Setup(_data("moons", {"imbalance_ratio": 50.0, "n_samples": 2000})), {}, "Compare ROC and PR at 1:50"),
    ("oversampling", "Random oversampling: duplication overfits", """
**What it does:** copies random rare rows until the classes are equal. **Knobs:** none. **Helps** when the network
simply sees too few rare examples per epoch. **Costs:** nothing new is learned - the same few rare points are
repeated, and a large network memorises them, drawing small islands around each copy instead of a region. More
epochs make it worse. The preset trains a big network for long to show the islands.
""", Setup(_data("moons", {"imbalance_ratio": 20.0, "n_samples": 400}), "random_oversampling",
            network={"hidden_layers": "64,64,32", "epochs": 300}), {}, "Show the islands"),
    ("regularisation", "Regularisation: a few rare rows are easy to memorise", """
**What it does:** *L2 weight decay* adds the squared weights to the loss, so a boundary bent around single points
costs; *dropout* switches random hidden units off while training, so no unit can hold one rare row by itself.
**Why it matters here:** a big network given few rare rows learns *those rows*, not their region: on the history
chart its PR AUC on its training rows reaches 1 while the validation PR AUC stays far below - that gap is
memorising. **The preset** is the islands above (same data, network and 300 epochs) with L2 0.01: fewer, larger
regions, and the validation line closer to the training line. Then try dropout 0.3 in *Network and training*.
**Costs:** too much of either underfits, and the rare class fades from the boundary again.
""", Setup(_data("moons", {"imbalance_ratio": 20.0, "n_samples": 400}), "random_oversampling",
            network={"hidden_layers": "64,64,32", "epochs": 300, "l2": 0.01}), {}, "Regularise the islands"),
    ("replay", "Reading a replay: how the boundary reaches the rare class", """
After a run, the **Replay** slider above the boundary goes back through training (30 epochs kept, no new run):
the boundary, the numbers, the confusion matrix and the curves are the network's at that epoch, and the history
marks it. Watch three things: how early the boundary first encloses the rare class (untreated, it may never);
whether it then keeps bending around single rare points (memorising) while the validation line on the history
flattens or falls; and at which epoch recall stops changing - later epochs only buy confidence. The report carries
the same replay as an animation with a Play button.
""", Setup(_data("moons", {"imbalance_ratio": 10.0}), "smote"), {}, "Train SMOTE, then replay it"),
    ("undersampling", "Random undersampling: balance by throwing data away", """
**What it does:** drops random common rows until the classes are equal. **Knobs:** none here (NearMiss and Tomek
links choose *which* rows to drop). **Helps** with huge data sets, where training on everything is slow. **Costs:**
with a 1:20 ratio, 95 % of the common class is discarded - the ghosted circles on the boundary chart - and the
boundary now rests on a handful of points, so it moves a lot from seed to seed.
""", Setup(_data("moons", {"imbalance_ratio": 20.0}), "random_undersampling"), {}, "Show what is thrown away"),
    ("smote", "SMOTE: new points between rare neighbours", """
**What it does:** for a rare point, pick one of its *k* nearest rare neighbours and create a new point at a random
spot on the segment between them. **Knobs:** *k neighbours* (more = bolder interpolation). **Helps** when the rare
class fills a connected region. **Costs:** the segments can cross the common class where the rare class is split
into clumps or is noisy, planting rare points in common territory. The preset turns on **SMOTE lineage**: each
synthetic point joined to its two parents.
""", Setup(_data("moons", {"imbalance_ratio": 10.0}), "smote"), {LAB.lineage: True}, "Open SMOTE with its lineage"),
    ("cluster", "Cluster-based oversampling: interpolate within clumps", """
**What it does:** finds clusters inside the rare class with k-means and interpolates only inside a cluster, spreading
new points evenly across clusters. **Knobs:** clusters per class, *k neighbours*. **Helps** when the rare class
lives in separate clumps (here: XOR's two opposite quadrants), where SMOTE would bridge the gap through the common
class. **Costs:** the number of clusters is a guess; too many splits a region into fragments.
""", Setup(_data("xor", {"imbalance_ratio": 10.0}), "cluster_oversampling"), {}, "Oversample XOR by cluster"),
    ("weights", "Class weighting: make rare mistakes expensive", """
**What it does:** keeps the data and multiplies each example's loss by its class weight, inverse to the class's
frequency (scikit-learn's *balanced* weights). **Knobs:** none - the weights come from the counts. **Helps** almost
always, cheaply: no rows invented or dropped. **Costs:** predicted probabilities are no longer real-world rates (the
reliability diagram on the Compare page shows it), and a very large weight makes training noisy.
""", Setup(_data("moons", {"imbalance_ratio": 20.0}), "class_weight"), {}, "Train with class weights"),
    ("focal", "Focal loss: focus on the hard examples, and alpha's direction", """
**What it does:** multiplies cross-entropy by (1 - p_t)^gamma, so examples the network already gets right fade
out, and by alpha for the positive class (1 - alpha for the negative). **Knobs:** *gamma* (focus; 0 is plain
cross-entropy) and *alpha*. **Watch the direction of alpha:** it is the weight of the **positive (rare)** class.
The focal-loss paper's **0.25 down-weights the rare class** - right for object detection, where gamma already tames
the flood of easy negatives, wrong when the rare class is what you must find. The preset uses 0.25: watch recall
fall, then raise alpha above 0.5 and train again. The explorer beside the sliders draws the loss curves.
""", Setup(_data("moons", {"imbalance_ratio": 20.0}), "focal_loss", params={"gamma": 2.0, "alpha": 0.25}), {},
     "Try the paper's alpha = 0.25"),
    ("ensemble", "A balanced ensemble", """
**What it does:** trains several networks, each on every rare row plus a different random draw of the common rows,
and averages their probabilities. **Knobs:** the number of networks. **Helps:** the undersampling cost (discarded
data) is paid back - together the members see most of the common class - and averaging smooths each member's
quirks. **Costs:** training time grows with every network. The lab draws each member's boundary beside the average.
""", Setup(_data("moons", {"imbalance_ratio": 20.0}), "ensemble", params={"n_members": 5}), {},
     "See the members and their average"),
    ("threshold", "The threshold is a decision, not a constant", """
A network outputs a probability; 0.5 is only a convention. Lowering the threshold trades precision for recall -
often the cheapest remedy of all, and it needs no retraining. When a missed case costs more than a false alarm,
give both costs and let the lab choose the cheapest threshold **on the validation split** (never the test split,
which must stay untouched for an honest score). Over many public tables, studies find that resampling often does
not beat a tuned threshold for strong models, that it helps weak ones such as small networks more, and that SMOTE's
variants rarely beat random oversampling: the Benchmark page puts that question to ~120 tables, a tuned threshold
among the contenders.
""", Setup(_data("moons", {"imbalance_ratio": 20.0}), threshold=0.2), {}, "Untreated network, threshold 0.2"),
    ("prior-bias", "Start the output bias at the class priors", """
An untrained network predicts 50/50, so at 1:50 its first epochs are spent learning that the rare class is rare.
Setting the output bias to log(p / (1 - p)) of the rare share makes it start at the priors: the epoch-0 loss drops
(the dot at epoch 0 on the history chart, and the caption below it) and training starts on the real problem.
""", Setup(_data("moons", {"imbalance_ratio": 50.0, "n_samples": 2000}), network={"prior_bias": True}), {},
     "Train from the class priors"),
]


def _open(setup: links.LabSetup, view: dict) -> None:
    share.apply(setup, train=True)
    st.session_state.update(view)
    st.switch_page("pages/lab.py")


st.markdown(" · ".join(f"[{title}](#{anchor})" for anchor, title, *_ in SECTIONS) + " · [Leakage](#leakage)")
for anchor, title, text, setup, view, label in SECTIONS:
    st.header(title, anchor=anchor, divider="gray")
    st.markdown(text)
    if st.button(label, key=LEARN.section(anchor), icon=":material/science:"):
        _open(setup, view)
    if anchor == "threshold":
        st.page_link("pages/benchmark.py", label="When does resampling help? The benchmark over public tables",
                     icon=":material/query_stats:")

st.header("Leakage: resample after the split", anchor="leakage", divider="gray")
st.markdown("""
Resampling before the train/test split puts copies of training rows - or points interpolated from them - into the
test split, and gives the test split the resampled, balanced class ratio instead of the real one. Both make the
scores look better than the model is. The rule: **split first**, then fit scaling, encoding and resampling on the
training split only; the test split is never resampled. The Leakage page runs the same strategy both ways.
""")
if st.button("Run the leakage demo", key=LEARN.leakage, icon=":material/water_drop:"):
    st.session_state[LEAKAGE.strategy] = "random_oversampling"
    st.switch_page("pages/leakage.py")
