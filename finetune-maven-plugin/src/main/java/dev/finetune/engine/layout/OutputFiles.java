package dev.finetune.engine.layout;

/**
 * The names of everything the plugin writes, in one place: the output directory ({@code target/finetune}), which the
 * goals, the training job, packaging and the diff all read or write, and the entries of the model archive.
 * Paths are relative to the output directory unless noted.
 */
public final class OutputFiles {

    private OutputFiles() {
    }

    // --- written by the training job (finetune:train)
    /** The tuned network with its normaliser, a DL4J model zip. */
    public static final String MODEL = "model.zip";
    /** With {@code evaluation.compareWithScratch}: the same network trained from random weights. */
    public static final String SCRATCH_MODEL = "scratch-model.zip";
    public static final String TRAINING = "training.json";
    /** With {@code training.stages}: each stage's training report, in order ({@code training.json} is the last's). */
    public static final String STAGES = "stages.json";
    public static final String SCRATCH_TRAINING = "scratch-" + TRAINING;
    /** Split sizes, class counts and hashes of the data a model was trained on. */
    public static final String DATASET = "dataset.json";
    /** Versions, backend and thread settings of the training JVM. */
    public static final String RUN = "run.json";
    /** Wall-clock times; not packaged, since they differ from run to run. */
    public static final String TIMINGS = "timings.json";
    /** Every sweep trial and the winner; hold wall-clock times, so not packaged either. */
    public static final String SWEEP = "sweep.json";
    public static final String SWEEP_TABLE = "sweep.md";
    /**
     * Training's checkpoints (a folder): the fitted networks with updater state, the loop's bookkeeping, finished sweep
     * trials' networks; keyed by the inputs' fingerprint, removed when the training step completes.
     */
    public static final String CHECKPOINTS = "checkpoints";
    /**
     * Each finished sweep trial's outcome, one JSON line each, appended (and synced) as it ends, so a rerun after a crash
     * runs only the trials it lacks; kept after the step, for {@code -Dfinetune.sweep.rerunFailed}.
     */
    public static final String SWEEP_JOURNAL = "sweep-journal.jsonl";
    /** With an ONNX text encoder base: tokens per example, truncated texts and encoding time per split. */
    public static final String TEXT_ENCODING = "text-encoding.json";
    /** With an ONNX image base: its input layout and size, the pixel scaling, the output, and time per split. */
    public static final String IMAGE_ENCODING = "image-encoding.json";
    /** Where a base's {@code base.entry} (and its tokenizer) are extracted to, under the output directory. */
    public static final String BASE_EXTRACTED_DIR = "base";
    /**
     * Held (an OS file lock) by the goal writing the output directory, so a second build of the same project waits
     * instead of writing the same files at the same time; it names its holder. Released by the OS when the build
     * ends, however it ends (SIGKILL included), so it never goes stale.
     */
    public static final String BUILD_LOCK = "build.lock";
    /**
     * Parsed CSV data (a folder): each data file as float32 features and int labels, row-major, read by row index
     * (engine.data.RowFile); written once by finetune:validate or the first job that reads the file, keyed by the
     * SHA-256 of the file's bytes and the parse settings, and read instead of the CSV by training and evaluation.
     */
    public static final String DATA_CACHE_DIR = "data-cache";
    /** The frozen-feature cache's outputs when they exceed its memory budget (a folder, removed after use). */
    public static final String FEATURE_SPILL_DIR = "feature-cache";

    /** How a parsed data file's name in {@link #DATA_CACHE_DIR} ends, after its key. */
    public static final String DATA_CACHE_SUFFIX = ".rows";

    /** A parsed data file in {@link #DATA_CACHE_DIR}, by its key. */
    public static String dataCache(String key) {
        return key + DATA_CACHE_SUFFIX;
    }

    /** The job's typed progress events, one JSON object per line (train starts it anew, evaluate appends). */
    public static final String EVENTS = "events.jsonl";

    // --- written by the evaluation job (finetune:evaluate)
    public static final String METRICS = "metrics.json";
    /** The gates' results for the metrics in metrics.json, one per line, replayed when nothing changed. */
    public static final String GATES = "gates.txt";

    // --- written by packaging and the diff
    public static final String LINEAGE = "lineage.json";
    public static final String MODEL_CARD = "model-card.md";
    public static final String DIFF_MARKDOWN = "diff.md";
    public static final String DIFF_JSON = "diff.json";

    // --- charts and the HTML report (SVG files beside the Markdown reports that show them; also in the model zip)
    /** The self-contained HTML report: written by evaluate, refreshed by diff (and by train after a sweep). */
    public static final String REPORT_HTML = "report.html";
    /** Learning curves of the model (and of the from-scratch baseline), shown by the model card. */
    public static final String LEARNING_CURVE_SVG = "learning-curve.svg";
    /** The test confusion matrix as a heatmap, shown by the model card. */
    public static final String CONFUSION_SVG = "confusion-matrix.svg";
    /** This build's and the baseline's learning curves on one chart, shown by diff.md. */
    public static final String DIFF_LEARNING_CURVE_SVG = "diff-learning-curve.svg";
    /** This build's test confusion heatmap, shown by diff.md. */
    public static final String DIFF_CONFUSION_SVG = "diff-confusion-matrix.svg";

    // --- markers: what each goal's last completed run was made from (see InputRecord)
    public static final String VALIDATE_MARKER = "validate.fingerprint";
    public static final String TRAIN_MARKER = "train.fingerprint";
    public static final String EVALUATE_MARKER = "evaluate.fingerprint";
    public static final String PACKAGE_MARKER = "package.fingerprint";

    /** The request a forked training JVM reads, per task ({@code fork-train.request.json}). */
    public static String forkRequest(String task) {
        return "fork-" + task + ".request.json";
    }

    /** The JVM options of a forked training JVM, per task, passed as an argument file. */
    public static String forkArgs(String task) {
        return "fork-" + task + ".args";
    }

    // --- inside the model archive
    /** Folder of the archive's plugin-written entries; the rest is DL4J's own model zip layout. */
    public static final String ARCHIVE_METADATA_DIR = "finetune/";
    public static final String ARCHIVE_SPEC = "finetune.yaml";
    public static final String ARCHIVE_RESOLVED_SPEC = "spec.resolved.yaml";
}
