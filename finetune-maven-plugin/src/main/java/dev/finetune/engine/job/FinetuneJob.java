package dev.finetune.engine.job;

import dev.finetune.engine.layout.OutputFiles;
import dev.finetune.engine.layout.ProjectPaths;
import dev.finetune.engine.UserInputException;
import dev.finetune.engine.data.DatasetSource;
import dev.finetune.engine.data.SplitData;
import dev.finetune.engine.dataparallel.SparkDataParallel;
import dev.finetune.engine.eval.Evaluator;
import dev.finetune.engine.eval.RetentionEvaluator;
import dev.finetune.engine.inputs.TrainingInputs;
import dev.finetune.engine.model.BaseFormat;
import dev.finetune.engine.model.ModelSurgery;
import dev.finetune.engine.model.Net;
import dev.finetune.engine.report.AtomicFiles;
import dev.finetune.engine.report.DatasetSummary;
import dev.finetune.engine.report.Json;
import dev.finetune.engine.report.MetricsReport;
import dev.finetune.engine.report.MetricsSummary;
import dev.finetune.engine.report.RetentionReport;
import dev.finetune.engine.report.RunInfo;
import dev.finetune.engine.report.SplitMetrics;
import dev.finetune.engine.report.TrainingReport;
import dev.finetune.engine.report.TrainingTimings;
import dev.finetune.engine.sweep.LocalTrialExecutor;
import dev.finetune.engine.sweep.LocalTrialWorker;
import dev.finetune.engine.sweep.SweepJournal;
import dev.finetune.engine.sweep.SweepRunner;
import dev.finetune.engine.sweep.SweepTables;
import dev.finetune.engine.sweep.TrialExecutor;
import dev.finetune.engine.sweep.spark.SparkTrialExecutor;
import dev.finetune.engine.sweep.spark.TrialEnvironment;
import dev.finetune.engine.train.Checkpoints;
import dev.finetune.engine.train.EpochFitter;
import dev.finetune.engine.train.FrozenFeatureCache;
import dev.finetune.engine.event.EventSink;
import dev.finetune.engine.train.Trainer;
import dev.finetune.spec.CanonicalSpec;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SweepSpec;
import dev.finetune.spec.SweepTarget;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The engine's two steps over one spec. {@link #train()} fits the model on the training split (selecting on
 * validation) and writes {@code model.zip} with its normaliser; {@link #evaluate()} scores that model on the
 * test split and writes {@code metrics.json}. Runs in the forked JVM, or in-process for debugging.
 */
public final class FinetuneJob {

    private final FinetuneSpec spec;
    private final Path baseDir;
    private final Path baseModel;
    /** Recognises and inspects the base once for this job (a Keras .h5 takes a second to open). */
    private final dev.finetune.engine.model.BaseInspector inspector = new dev.finetune.engine.model.BaseInspector();
    private final Path outputDir;
    private final RunInfoSupplier runInfo;
    private final EventSink log;
    private final JobOptions options;
    private final DatasetSource source;

    /** Supplies the run facts (backend, threads) once ND4J is up. */
    @FunctionalInterface
    public interface RunInfoSupplier {
        RunInfo get(SplitData data);
    }

    public FinetuneJob(FinetuneSpec spec, Path baseDir, Path baseModel, Path outputDir, RunInfoSupplier runInfo, EventSink log) {
        this(spec, baseDir, baseModel, outputDir, runInfo, log, JobOptions.DEFAULTS);
    }

    /**
     * @param baseDir   the project directory, against which the spec's paths resolve
     * @param baseModel the base model zip, resolved by the caller (the spec may name it by Maven coordinates)
     */
    public FinetuneJob(FinetuneSpec spec, Path baseDir, Path baseModel, Path outputDir, RunInfoSupplier runInfo, EventSink log,
                       JobOptions options) {
        this.spec = spec;
        this.baseDir = baseDir;
        this.baseModel = baseModel;
        this.outputDir = outputDir;
        this.runInfo = runInfo;
        this.log = log;
        this.options = options;
        ProjectPaths paths = new ProjectPaths(baseDir, spec.allowPathsOutsideProject());
        this.source = TrainingInputs.source(spec, paths, baseModel,
                Optional.of(outputDir.resolve(OutputFiles.DATA_CACHE_DIR)));
        this.paths = paths;
    }

    private final ProjectPaths paths;

    /** A path written in the spec, relative to the project directory; symbolic links out of it are refused. */
    public Path resolve(String specPath) {
        return paths.resolve(specPath);
    }

    public SplitData loadData() {
        SplitData data = source.load();
        // row files of data that has changed since are never read again; removed here, where the data in use is known
        dev.finetune.engine.data.CachePruning.rowFiles(outputDir.resolve(OutputFiles.DATA_CACHE_DIR), data,
                java.time.Instant.now()).forEach(log::info);
        String examples = spec.dataset().type() == FinetuneSpec.DatasetSpec.Type.images ? "images" : "rows";
        log.info(String.format("data: %d classes %s, %s; %d train / %d validation / %d test %s",
                data.numClasses(), data.classes(), data.train().texts().isPresent() ? "one text per example"
                        : data.featureCount() + " features", data.train().size(), data.validation().size(),
                data.test().size(), examples));
        boolean images = spec.dataset().type() == FinetuneSpec.DatasetSpec.Type.images;
        data.duplicatesAcrossSplits().filter(n -> n > 0 && images).ifPresent(n -> log.warn(n + (n == 1 ? " image is" : " images are")
                + " in more than one split (same content), so some metrics are not on unseen images; finetune:validate names them"));
        data.duplicatesAcrossSplits().filter(n -> n > 0 && !images).ifPresent(n -> log.warn(n + (n == 1
                ? " validation or test row has" : " validation and test rows have") + " the features of a training row, so"
                + " some metrics are not on unseen data; finetune:validate names them"));
        return data;
    }

    /** Whether the base is an ONNX body: its outputs are computed once, and a new head trains on them. */
    private boolean onnxBase() {
        return inspector.isOnnx(baseModel, spec.base());
    }

    /** An ONNX base's features for the named splits' texts (the frozen-feature cache of a body DL4J cannot run). */
    private SplitData encoded(SplitData data, List<String> splits) throws IOException {
        if (!onnxBase()) {
            if (data.train().texts().isPresent()) {
                throw new UserInputException("`dataset.textColumn` gives text examples, which only an ONNX text encoder base"
                        + " reads; " + spec.base() + " is a " + inspector.format(baseModel, spec.base()).displayName());
            }
            return data;
        }
        if (source instanceof dev.finetune.engine.data.ImageFolderSource images) {
            return imageFeatures(data, images, splits);
        }
        Path tokenizer = options.tokenizer().orElseGet(() -> baseModel.resolveSibling(
                dev.finetune.engine.onnx.Tokenizers.DEFAULT_NAME));
        dev.finetune.engine.onnx.TextFeatures.Result result = dev.finetune.engine.onnx.TextFeatures.encode(data, baseModel,
                tokenizer, spec.base(), options.threadsPerTrial(), splits, log);
        writeEncoding(OutputFiles.TEXT_ENCODING, result.report(), dev.finetune.engine.onnx.TextFeatures.Report.class,
                dev.finetune.engine.onnx.TextFeatures.Report::with, splits);
        return result.data();
    }

    /** An ONNX image base's features for the named splits' images, computed once (the frozen-feature cache). */
    private SplitData imageFeatures(SplitData data, dev.finetune.engine.data.ImageFolderSource images, List<String> splits)
            throws IOException {
        if (spec.dataset().augments()) {
            throw new UserInputException(spec.locate("dataset.augmentation") + ": `dataset.augmentation` changes the images"
                    + " every epoch, but an ONNX image body's features are computed once (it never trains, and running it"
                    + " per epoch would cost a pass over every image each epoch); remove the augmentation, or use a Keras or"
                    + " DL4J base");
        }
        dev.finetune.engine.onnx.ImageFeatures.Result result = dev.finetune.engine.onnx.ImageFeatures.encode(data, baseModel,
                spec.base(), images, options.threadsPerTrial(), splits, log);
        writeEncoding(OutputFiles.IMAGE_ENCODING, result.report(), dev.finetune.engine.onnx.ImageFeatures.Report.class,
                dev.finetune.engine.onnx.ImageFeatures.Report::with, splits);
        return result.data();
    }

    /** An encoding report: training writes the file anew; evaluation adds its splits to training's. */
    private <R> void writeEncoding(String file, R fresh, Class<R> type, java.util.function.BinaryOperator<R> merge,
                                   List<String> splits) throws IOException {
        Files.createDirectories(outputDir);
        Path report = outputDir.resolve(file);
        R written = !splits.contains("train") && Files.isRegularFile(report) ? merge.apply(Json.read(report, type), fresh) : fresh;
        Json.write(report, written);
    }

    /** Whether the base is an ONNX image body: its features are a vector per image, scaled pixels already applied. */
    private boolean onnxImages() {
        return spec.dataset().type() == FinetuneSpec.DatasetSpec.Type.images && onnxBase();
    }

    public void train() throws IOException {
        SplitData raw = loadData();
        Files.createDirectories(outputDir);
        // of the data as read (for text: the texts), not of encoder outputs
        Json.write(outputDir.resolve(OutputFiles.DATASET), DatasetSummary.of(raw));
        Json.write(outputDir.resolve(OutputFiles.RUN), runInfo.get(raw));
        boolean onnx = onnxBase();
        if (onnx && spec.evaluation().compareWithScratch()) {
            throw new UserInputException(spec.locate("evaluation.compareWithScratch") + ": `evaluation.compareWithScratch`"
                    + " would train the ONNX body from random weights, which this plugin cannot (ONNX bases are frozen-only)");
        }
        if (!onnxImages()) {
            Files.deleteIfExists(outputDir.resolve(OutputFiles.IMAGE_ENCODING));
        }
        SplitData data = encoded(raw, List.of("train", "validation"));
        // an ONNX image body was fed scaled pixels; its features reach the head as they are (as a frozen DL4J body's do)
        DatasetSource.TrainingSplits splits = onnxImages() ? dev.finetune.engine.data.DataSets.featureSplits(data)
                : source.trainingSplits(data);
        Optional<DataNormalization> normalizer = splits.normalizer();

        BaseFormat format = inspector.format(baseModel, spec.base());
        Net base = onnx ? null : format.load(baseModel);
        // an ONNX body's input was checked when its features were computed: the data are its outputs now
        inspector.inspect(baseModel, spec.base()).inputSize().filter(n -> !onnx && n != data.featureCount()).ifPresent(n -> {
            throw new UserInputException(spec.base() + " takes " + n + " inputs but the dataset has "
                    + data.featureCount() + " feature columns");
        });
        dev.finetune.engine.data.CachePruning.spills(outputDir.resolve(OutputFiles.FEATURE_SPILL_DIR), java.time.Instant.now())
                .forEach(log::info);
        FrozenFeatureCache cache = onnx ? FrozenFeatureCache.precomputed(splits.train(), splits.validation(), log)
                : new FrozenFeatureCache(splits.train(), splits.validation(), source.deterministic(),
                options.frozenFeatureCache(), log, Optional.of(outputDir.resolve(OutputFiles.FEATURE_SPILL_DIR)),
                FrozenFeatureCache.defaultBudget());
        LocalTrialWorker.NetBuilder onnxHead = trial -> new ModelSurgery(trial).headOnly(data.featureCount(), data.numClasses());
        Files.createDirectories(outputDir);
        Files.deleteIfExists(outputDir.resolve(OutputFiles.METRICS));
        Optional<Checkpoints> checkpoints = options.checkpoints().isPresent()
                ? Optional.of(Checkpoints.open(outputDir.resolve(OutputFiles.CHECKPOINTS), options.checkpoints().get(), log))
                : Optional.empty();
        Path journalFile = outputDir.resolve(OutputFiles.SWEEP_JOURNAL);
        boolean dataParallel = options.spark().isPresent() && options.spark().get().dataParallel();
        if (dataParallel && spec.sweep().isPresent()) {
            throw new UserInputException("finetune.spark.mode=data-parallel spreads one training over Spark's workers, but "
                    + spec.locate("sweep") + ": the spec has a sweep; run its trials on Spark with finetune.spark.mode=trials");
        }
        SparkDataParallel distributed = null;
        if (dataParallel) {
            distributed = SparkDataParallel.start(options.spark().get(), spec.training().batchSize(), spec.training().seed(), log);
            // the run's facts name how it was distributed: averaging gives other parameters than one machine
            Json.write(outputDir.resolve(OutputFiles.RUN), runInfo.get(raw).withDataParallel(Optional.of(distributed.info())));
        }
        try {
            train(raw, data, splits, normalizer, base, cache, onnxHead, checkpoints, journalFile,
                    Optional.ofNullable((EpochFitter) distributed));
        } finally {
            if (distributed != null) {
                distributed.close();
            }
        }
    }

    private void train(SplitData raw, SplitData data, DatasetSource.TrainingSplits splits, Optional<DataNormalization> normalizer,
                       Net base, FrozenFeatureCache cache, LocalTrialWorker.NetBuilder onnxHead,
                       Optional<Checkpoints> checkpoints, Path journalFile, Optional<EpochFitter> fitter) throws IOException {
        boolean onnx = onnxBase();
        List<TrainingTimings> timings = new ArrayList<>();
        // the spec that made the model: with a sweep, the winning trial's
        FinetuneSpec chosen = spec;
        Net tuned;
        Trainer.Result result;
        if (onnx && !spec.training().stages().isEmpty()) {
            throw new UserInputException(spec.locate("training.stages") + ": `training.stages` unfreezes layers in"
                    + " stages, but an ONNX base is a frozen body (only the head trains); train one stage");
        }
        if (spec.sweep().isPresent()) {
            SweepSpec sweep = spec.sweep().get();
            SweepRunner.Outcome outcome;
            LocalTrialWorker worker = onnx
                    ? new LocalTrialWorker(onnxHead, cache, data.numClasses(), data.classes(), sweep.metric(), log, options.heartbeat())
                    : new LocalTrialWorker(base, cache, data.numClasses(), data.classes(), sweep.metric(), log, options.heartbeat());
            if (onnx && options.spark().isPresent()) {
                throw new UserInputException("finetune.executor=spark does not run sweeps over ONNX bases yet (their trials"
                        + " train heads on features this JVM encoded): run this sweep with the local executor");
            }
            try (TrialExecutor trials = options.spark().isPresent() ? sparkExecutor(sweep)
                    : new LocalTrialExecutor(worker, sweep.parallelism(), options.threadsPerTrial(), log)) {
                Optional<SweepJournal> journal = checkpoints.isPresent()
                        ? Optional.of(SweepJournal.open(journalFile, checkpoints.get().dir(), checkpoints.get().key(), options.rerunFailedTrials()))
                        : Optional.empty();
                outcome = new SweepRunner(spec, log).run(trials, journal);
            }
            Json.write(outputDir.resolve(OutputFiles.SWEEP), outcome.report());
            AtomicFiles.write(outputDir.resolve(OutputFiles.SWEEP_TABLE), SweepTables.markdown(outcome.report()).getBytes(StandardCharsets.UTF_8));
            SweepTables.logLines(outcome.report()).forEach(log::info);
            chosen = outcome.winner().spec();
            tuned = outcome.net();
            result = outcome.result();
            timings.addAll(outcome.timings());
            if (!chosen.training().stages().isEmpty()) {
                if (outcome.stages().isEmpty()) {
                    // Spark's executors send back the last stage's report only
                    log.warn("sweep: the winner's stages came back without their reports (finetune.executor=spark):"
                            + " stages.json and the model card's stages table are left out");
                    Files.deleteIfExists(outputDir.resolve(OutputFiles.STAGES));
                } else {
                    Json.write(outputDir.resolve(OutputFiles.STAGES), outcome.stages());
                }
            }
        } else {
            if (options.spark().isPresent() && fitter.isEmpty()) {
                log.warn("finetune.executor=spark: the spec has no sweep, so there are no trials for Spark; training here"
                        + " (-Dfinetune.spark.mode=data-parallel spreads one training over Spark's workers)");
            }
            Files.deleteIfExists(outputDir.resolve(OutputFiles.SWEEP));
            Files.deleteIfExists(outputDir.resolve(OutputFiles.SWEEP_TABLE));
            Files.deleteIfExists(journalFile);
            if (fitter.isPresent() && spec.training().l2sp() > 0) {
                // L2-SP is a listener on this JVM's network; Spark's workers fit copies without it
                throw new UserInputException(spec.locate("training.l2sp") + ": `training.l2sp` is not applied by"
                        + " data-parallel training on Spark (-Dfinetune.spark.mode=data-parallel); train here, or drop it");
            }
            if (!spec.training().stages().isEmpty()) {
                if (onnx) {
                    throw new UserInputException(spec.locate("training.stages") + ": `training.stages` unfreezes layers in"
                            + " stages, but an ONNX base is a frozen body (only the head trains); train one stage");
                }
                StagedTraining.Outcome staged = new StagedTraining(spec, log, checkpoints, options.heartbeat(), fitter)
                        .run(base, cache, data.numClasses(), data.classes());
                tuned = staged.net();
                result = staged.last();
                timings.addAll(staged.timings());
                Json.write(outputDir.resolve(OutputFiles.STAGES), staged.reports());
            } else {
                tuned = onnx ? onnxHead.build(spec) : new ModelSurgery(spec).apply(base, data.numClasses(), spec.base().toString());
                result = new Trainer(spec, log, checkpoints, options.heartbeat(), fitter).train("fine-tune", cache.target(tuned), data.classes());
                timings.add(result.timings());
            }
        }
        save(tuned, normalizer, outputDir.resolve(OutputFiles.MODEL));
        if (chosen.training().stages().isEmpty()) {
            Files.deleteIfExists(outputDir.resolve(OutputFiles.STAGES));
        }
        Json.write(outputDir.resolve(OutputFiles.TRAINING), result.report());

        Path scratchFile = outputDir.resolve(OutputFiles.SCRATCH_MODEL);
        Path scratchReport = outputDir.resolve(OutputFiles.SCRATCH_TRAINING);
        if (spec.evaluation().compareWithScratch()) {
            Net scratch = new ModelSurgery(chosen).scratchCopy(tuned);
            // random weights are nothing to pull toward: the comparison trains without L2-SP
            FinetuneSpec scratchSpec = chosen.training().l2sp() > 0 ? SweepTarget.L2SP.apply(chosen, 0.0) : chosen;
            Trainer.Result scratchResult = new Trainer(scratchSpec, log, checkpoints, options.heartbeat(), fitter).train("from-scratch", scratch, splits.train(),
                    splits.validation(), data.classes());
            save(scratch, normalizer, scratchFile);
            Json.write(scratchReport, scratchResult.report());
            timings.add(scratchResult.timings());
        } else {
            Files.deleteIfExists(scratchFile);
            Files.deleteIfExists(scratchReport);
        }
        Json.write(outputDir.resolve(OutputFiles.TIMINGS), timings);
        // the step is complete: nothing left to resume (a sweep's journal stays, for rerunning failed trials)
        if (checkpoints.isPresent()) {
            Checkpoints.discard(checkpoints.get().dir());
        }
    }

    /** Sweep trials as Spark tasks ({@code finetune.executor=spark}); executors load the same inputs themselves. */
    private TrialExecutor sparkExecutor(SweepSpec sweep) {
        if (sweep.parallelism() > 0) {
            log.info("sweep: sweep.parallelism " + sweep.parallelism() + " does not apply on Spark: its task slots decide");
        }
        return SparkTrialExecutor.start(options.spark().get(), new TrialEnvironment(UUID.randomUUID().toString(),
                // the executors load the base and the data; the trials' own settings travel with their tasks
                CanonicalSpec.toYaml(SweepTarget.withoutSweep(spec)), baseDir.toAbsolutePath().toString(), baseModel.toAbsolutePath().toString(),
                spec.allowPathsOutsideProject(), options.frozenFeatureCache(),
                options.threadsPerTrial(), options.blasThreads(), options.heartbeat().toMillis(), sweep.metric()), log);
    }

    public MetricsReport evaluate() throws IOException {
        Path modelFile = outputDir.resolve(OutputFiles.MODEL);
        if (!Files.isRegularFile(modelFile)) {
            throw new UserInputException(modelFile + " does not exist; run finetune:train first");
        }
        SplitData data = encoded(loadData(), List.of("validation", "test"));
        TrainingReport training = Json.read(outputDir.resolve(OutputFiles.TRAINING), TrainingReport.class);
        SplitMetrics test = evaluateModel(modelFile, data, "test");
        SplitMetrics validation = evaluateModel(modelFile, data, "validation");
        MetricsSummary.lines("fine-tuned model", test).forEach(log::info);

        Optional<SplitMetrics> scratchTest = Optional.empty();
        Optional<TrainingReport> scratchTraining = Optional.empty();
        Path scratchFile = outputDir.resolve(OutputFiles.SCRATCH_MODEL);
        if (spec.evaluation().compareWithScratch() && Files.isRegularFile(scratchFile)) {
            scratchTest = Optional.of(evaluateModel(scratchFile, data, "test"));
            scratchTraining = Optional.of(Json.read(outputDir.resolve(OutputFiles.SCRATCH_TRAINING), TrainingReport.class));
            log.info(String.format("from scratch on test: accuracy %.4f, macro-F1 %.4f (fine-tuned: %.4f, %.4f)",
                    scratchTest.get().accuracy(), scratchTest.get().macroF1(), test.accuracy(), test.macroF1()));
        }
        Optional<RetentionReport> retention = Optional.empty();
        if (spec.evaluation().retention().isPresent()) {
            Net base = inspector.format(baseModel, spec.base()).load(baseModel);
            retention = Optional.of(new RetentionEvaluator(spec.evaluation().retention().get(), paths::resolve)
                    .measure(spec, base, BaseFormat.loadAny(modelFile), spec.base().toString()));
            RetentionReport r = retention.get();
            log.info(String.format(java.util.Locale.ROOT, "retention of the base's task (%s, %d rows): accuracy %.4f before,"
                    + " %.4f after (drop %.4f); loss %.4f before, %.4f after", r.data(), r.before().examples(),
                    r.before().accuracy(), r.after().accuracy(), r.drop().get(dev.finetune.spec.Metric.accuracy),
                    r.before().loss(), r.after().loss()));
        }
        MetricsReport report = new MetricsReport(test, validation, scratchTest, training, scratchTraining, runInfo.get(data),
                retention);
        Json.write(outputDir.resolve(OutputFiles.METRICS), report);
        return report;
    }

    private SplitMetrics evaluateModel(Path modelFile, SplitData data, String split) throws IOException {
        Net net = BaseFormat.loadAny(modelFile);
        DataNormalization normalizer = ModelSerializer.restoreNormalizerFromFile(modelFile.toFile());
        var rows = split.equals("test") ? data.test() : data.validation();
        return Evaluator.evaluate(net, source.batches(rows, data.numClasses(), Optional.ofNullable(normalizer)),
                data.classes(), split);
    }

    private static void save(Net net, Optional<DataNormalization> normalizer, Path target) throws IOException {
        // a diverged training stops before this (TrainingDiverged); this guard keeps any other route from writing one
        if (BooleanIndexing.or(net.params(), Conditions.isNan()) || BooleanIndexing.or(net.params(), Conditions.isInfinite())) {
            throw new IllegalStateException("refusing to write " + target + ": the network has NaN or infinite parameters");
        }
        AtomicFiles.write(target, temp -> {
            net.save(temp);
            if (normalizer.isPresent()) {
                ModelSerializer.addNormalizerToModel(temp.toFile(), normalizer.get());
            }
        });
    }
}
