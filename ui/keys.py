"""Every session-state key the app uses, declared once: one small object per page.

A widget's key is also its address for tests (``AppTest``) and its name in a link's page state, so the
keys are stable text; code names them through these objects, never by writing the string again. Keys
under a page's prefix outlive a switch to another page (``ui.state.keep_widget_state``), except the
page's ``unsettable`` widgets (buttons and uploaders, which Streamlit does not let a script set).
"""

from __future__ import annotations

__all__ = ["BENCHMARK", "BOARD", "COMPARE", "DATA", "LAB", "LEAKAGE", "LEARN", "LESSON", "PAGES", "SHARED"]


class _Page:
    prefix = ""
    unsettable: tuple[str, ...] = ()

    @property
    def network_prefix(self) -> str:
        """Where this page's network widgets live: ``<page>.net.<setting>``."""
        return f"{self.prefix}.net"

    def network(self, name: str) -> str:
        """The widget of one network setting on this page."""
        return f"{self.network_prefix}.{name}"


class _Lab(_Page):
    prefix = "lab"
    present = "lab.present"  # presentation mode (a view setting: never stops a run)
    strategy = "lab.strategy"
    combine_with = "lab.combine_with"  # a loss or weights after a sampler ("" for none)
    seed = "lab.seed"
    test_size = "lab.test_size"
    train = "lab.train"
    stop = "lab.stop"
    autotrain = "lab.autotrain"  # a link or a learn-page preset asks for a run on arrival
    expected_upload = "lab.expected_upload"  # the uploaded file a link names (an UploadSpec without content)
    run = "lab.run"  # the run's lifecycle and its last result (ui.lab_run.LabRun)
    threshold = "lab.view.threshold"
    cost_fn, cost_fp, use_cost_threshold = "lab.view.cost_fn", "lab.view.cost_fp", "lab.view.use_cost_threshold"
    replay = "lab.view.replay"  # the epoch the replay shows (a finished run's training, no retraining)
    playing = "lab.view.playing"  # the replay steps on by itself (the result's fragment reruns on a timer)
    play = "lab.view.play"  # Play / Pause
    play_hold = "lab.view.play_hold"  # Play was just pressed: its page run shows the epoch it was pressed on
    more = "lab.view.more"  # how many epochs "Train N more epochs" adds
    train_more = "lab.train_more"  # that button
    train_on = "lab.train_on"  # its request: the next script run trains the last result further
    epochs_back = "lab.epochs_back"  # a stopped "Train N more epochs": the Epochs setting goes back to the result's
    cost_open = "lab.view.cost_open"  # the cost box is open (its content is worked out only then)
    normalize, synthetic, lineage, removed = "lab.view.normalize", "lab.view.synthetic", "lab.view.lineage", \
        "lab.view.removed"
    unsettable = (train, stop, autotrain, use_cost_threshold, train_more, train_on, play)

    def param(self, strategy: str, name: str) -> str:
        """The widget of one strategy setting (per strategy: switching back finds its value again)."""
        return f"lab.{strategy}.{name}"

    def download(self, name: str) -> str:
        return f"lab.download.{name}"


class _Compare(_Page):
    prefix = "compare"
    strategies = "compare.strategies"
    seed = "compare.seed"
    repeats = "compare.repeats"
    run = "compare.run"
    result = "compare.result"  # the Comparison (finished seeds only)
    setup = "compare.setup"  # what the kept comparison was trained with
    running = "compare.running"  # a comparison was under way when the script run ended
    threshold_mode, threshold = "compare.view.threshold_mode", "compare.view.threshold"
    cost_fn, cost_fp = "compare.view.cost_fn", "compare.view.cost_fp"
    spread = "compare.view.spread"
    replay = "compare.view.replay"  # the epoch every boundary shows (the strategies' training replayed together)
    leaderboard = "compare.leaderboard"
    download_metrics = "compare.download.metrics"
    unsettable = (run, leaderboard)


class _Benchmark(_Page):
    prefix = "bench"
    source = "bench.source"  # run one here, or open a results CSV
    corpus = "bench.corpus"
    strategies = "bench.strategies"
    seeds = "bench.seeds"
    max_rows = "bench.max_rows"
    epochs = "bench.epochs"
    run = "bench.run"
    stop = "bench.stop"
    upload = "bench.upload"
    rows = "bench.rows"  # the rows of the benchmark on screen (a list of dicts; kept as tables finish)
    about = "bench.about"  # what they are: "corpus keel, 4 strategies, 1 seed" or the file's name
    running = "bench.running"  # a benchmark was under way when the script run ended
    metric = "bench.view.metric"
    gain_strategies = "bench.view.gain_strategies"
    gain_chart = "bench.gain_chart"
    open_table = "bench.open_table"  # "Open <table> in the lab", under the gain chart
    go_lab = "bench.go_lab"  # that button was pressed: the next run of the page goes to the lab
    problem = "bench.problem"  # why a table could not be opened in the lab (said once)
    unsettable = (run, stop, upload, gain_chart, open_table)


class _Leakage(_Page):
    prefix = "leakage"
    strategy = "leakage.strategy"
    seed = "leakage.seed"
    run = "leakage.run"
    result = "leakage.result"
    setup = "leakage.setup"
    table = "leakage.table"
    unsettable = (run, table)


class _Data(_Page):
    prefix = "data"
    source = "data.source"
    builtin = "data.builtin"
    corpus_table = "data.corpus_table"  # a table of the keel corpus
    BUILTIN, UPLOAD, CORPUS = "Built-in data set", "Upload CSV or Parquet", "Public table (KEEL / UCI)"  # source's
    upload = "data.upload"
    digest = "data.digest"  # (upload's file id, its content digest): hashed once per file
    file = "data.file"  # (name, size) of the file whose columns the widgets show
    target = "data.target"
    positive = "data.positive"
    features = "data.features"
    features_target = "data.features_target"  # the target the feature list was made for
    unsettable = (upload,)

    def settings_prefix(self, builtin: str) -> str:
        """Where a built-in data set's setting widgets live: ``data.<key>.<setting>``."""
        return f"data.{builtin}"

    def param(self, builtin: str, name: str) -> str:
        """The widget of one setting of a built-in data set."""
        return f"{self.settings_prefix(builtin)}.{name}"


class _Learn(_Page):
    prefix = "learn"
    leakage = "learn.leakage"

    def section(self, anchor: str) -> str:
        return f"learn.{anchor}"


class _Lesson(_Page):
    prefix = "lesson"
    active = "lesson.active"  # the lesson this session's lab is in (ui.lesson.ActiveLesson)
    problem = "lesson.problem"  # why the lesson a link names could not be opened (said once)
    strategy = "lesson.strategy"  # the strategy picker in a lesson: the lesson's strategies only
    nickname = "lesson.nickname"
    kept = "lesson.kept"  # the result last offered to the board, and what became of it
    question, strategies, settable = "lesson.make.question", "lesson.make.strategies", "lesson.make.settable"
    make = "lesson.make.go"
    made = "lesson.made"  # the lesson just made and its teacher key (shown on the Lessons page)
    unsettable = (make,)


class _Board(_Page):
    prefix = "board"
    hide = "board.hide"
    hide_run = "board.hide_run"
    clear = "board.clear"
    confirm_clear = "board.confirm_clear"
    close = "board.close"
    message = "board.message"
    unsettable = (hide, clear, close)


class _Shared:
    dataset_spec = "dataset_spec"  # the data every page works on (a DataSpec)
    adopted = "share.adopted"  # the link that opened this session was read
    link_problems = "share.link_problems"  # what part of that link could not be used


LAB, COMPARE, LEAKAGE, DATA, LEARN, SHARED = _Lab(), _Compare(), _Leakage(), _Data(), _Learn(), _Shared()
LESSON, BOARD, BENCHMARK = _Lesson(), _Board(), _Benchmark()
PAGES = (LAB, COMPARE, LEAKAGE, DATA, LESSON, BENCHMARK)  # the pages whose widget values outlive a page switch
