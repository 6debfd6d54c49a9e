package dev.finetune.engine.packaging;

import dev.finetune.engine.chart.ReportCharts;
import dev.finetune.engine.fingerprint.Fingerprint;
import dev.finetune.engine.layout.OutputFiles;

import dev.finetune.engine.report.AtomicFiles;
import dev.finetune.engine.report.DatasetSummary;
import dev.finetune.engine.report.GateResult;
import dev.finetune.engine.report.Json;
import dev.finetune.engine.report.MetricsReport;
import dev.finetune.engine.report.RunInfo;
import dev.finetune.engine.report.SweepReport;
import dev.finetune.engine.report.TrainingReport;
import dev.finetune.engine.UserInputException;
import dev.finetune.spec.CanonicalSpec;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SweepPlanner;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Assembles the model artifact from a finished training (and, when it ran, evaluation): the DL4J model plus the spec,
 * reports, {@code lineage.json} and {@code model-card.md}. The lineage and card are also left in the output directory
 * for people and tools that look there.
 */
public final class ModelPackager {


    /**
     * @param specFile       the spec as written
     * @param projectDir     the project directory (for git)
     * @param outputDir      where training and evaluation wrote their results
     * @param baseModel      the base model file used
     * @param baseCoordinates the base's Maven coordinates, when the spec named it so
     * @param name           the project's name, for the model card's title
     * @param description    the project's description
     * @param git            the project's commit and whether it had uncommitted changes; empty outside git
     */
    public record Request(FinetuneSpec spec, Path specFile, Path projectDir, Path outputDir, Path baseModel,
                          Optional<String> baseCoordinates, Lineage.Model model, String pluginVersion, String name,
                          String description, LocalDateTime timestamp, Optional<GitInfo> git, Path baseSource,
                          Optional<Path> tokenizer) {

        public Request(FinetuneSpec spec, Path specFile, Path projectDir, Path outputDir, Path baseModel,
                       Optional<String> baseCoordinates, Lineage.Model model, String pluginVersion, String name,
                       String description, LocalDateTime timestamp, Optional<GitInfo> git) {
            this(spec, specFile, projectDir, outputDir, baseModel, baseCoordinates, model, pluginVersion, name, description,
                    timestamp, git, baseModel, Optional.empty());
        }
    }

    private ModelPackager() {
    }

    /** Writes the artifact to {@code target} (atomically) and returns its lineage. */
    public static Lineage write(Request r, Path target) throws IOException {
        Path out = r.outputDir();
        Path model = out.resolve(OutputFiles.MODEL);
        if (!Files.isRegularFile(model)) {
            throw new UserInputException(model + " does not exist: finetune:train must run before finetune:package");
        }
        TrainingReport training = Json.read(out.resolve(OutputFiles.TRAINING), TrainingReport.class);
        Optional<MetricsReport> metrics = readIfPresent(out.resolve(OutputFiles.METRICS), MetricsReport.class);
        Optional<SweepReport> sweep = r.spec().sweep().isPresent()
                ? readIfPresent(out.resolve(OutputFiles.SWEEP), SweepReport.class) : Optional.empty();
        // with a sweep, the model was trained with the winning trial's settings, not the spec's defaults
        FinetuneSpec trained = sweep.flatMap(s -> SweepPlanner.plan(r.spec()).stream().filter(t -> t.index() == s.winner())
                .findFirst()).map(SweepPlanner.Trial::spec).orElse(r.spec());
        Lineage lineage = lineage(r, trained, sweep, metrics);
        Path stagesFile = out.resolve(OutputFiles.STAGES);
        List<TrainingReport> stages = !trained.training().stages().isEmpty() && Files.isRegularFile(stagesFile)
                ? List.of(Json.read(stagesFile, TrainingReport[].class)) : List.of();
        String card = ModelCard.render(r.name(), r.description(), trained, lineage, training, metrics, stages);
        Json.write(out.resolve(OutputFiles.LINEAGE), lineage);
        AtomicFiles.write(out.resolve(OutputFiles.MODEL_CARD), card.getBytes(StandardCharsets.UTF_8));
        // the card's images, beside it here and in the zip; the same records give the same bytes
        List<ReportCharts.Run> runs = new ArrayList<>();
        runs.add(new ReportCharts.Run(sweep.isPresent() ? "winner" : "fine-tune", training));
        metrics.flatMap(MetricsReport::scratchTraining).ifPresent(s -> runs.add(new ReportCharts.Run("from scratch", s)));
        byte[] curves = ReportCharts.learningCurves(runs).getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(out.resolve(OutputFiles.LEARNING_CURVE_SVG), curves);
        Optional<byte[]> confusion = metrics.map(m -> ReportCharts.confusion(m.test()).getBytes(StandardCharsets.UTF_8));
        if (confusion.isPresent()) {
            AtomicFiles.write(out.resolve(OutputFiles.CONFUSION_SVG), confusion.get());
        } else {
            Files.deleteIfExists(out.resolve(OutputFiles.CONFUSION_SVG));
        }

        Map<String, byte[]> metadata = new LinkedHashMap<>();
        metadata.put(OutputFiles.ARCHIVE_SPEC, Files.readAllBytes(r.specFile()));
        metadata.put(OutputFiles.ARCHIVE_RESOLVED_SPEC, CanonicalSpec.toYaml(r.spec()).getBytes(StandardCharsets.UTF_8));
        metadata.put(OutputFiles.TRAINING, Files.readAllBytes(out.resolve(OutputFiles.TRAINING)));
        if (!stages.isEmpty()) {
            metadata.put(OutputFiles.STAGES, Files.readAllBytes(stagesFile));
        }
        if (metrics.isPresent()) {
            metadata.put(OutputFiles.METRICS, Files.readAllBytes(out.resolve(OutputFiles.METRICS)));
        }
        metadata.put(OutputFiles.LINEAGE, Files.readAllBytes(out.resolve(OutputFiles.LINEAGE)));
        metadata.put(OutputFiles.MODEL_CARD, card.getBytes(StandardCharsets.UTF_8));
        metadata.put(OutputFiles.LEARNING_CURVE_SVG, curves);
        confusion.ifPresent(c -> metadata.put(OutputFiles.CONFUSION_SVG, c));
        ModelArchive.write(target, model, metadata, r.timestamp());
        return lineage;
    }

    static Lineage lineage(Request r, FinetuneSpec trained, Optional<SweepReport> sweepReport, Optional<MetricsReport> metrics)
            throws IOException {
        Path out = r.outputDir();
        RunInfo run = Json.read(out.resolve(OutputFiles.RUN), RunInfo.class);
        Optional<DatasetSummary> dataset = readIfPresent(out.resolve(OutputFiles.DATASET), DatasetSummary.class);
        FinetuneSpec spec = trained;
        Map<String, Long> seeds = new LinkedHashMap<>();
        spec.dataset().path().ifPresent(p -> seeds.put("split", spec.dataset().split().seed()));
        seeds.put("training", spec.training().seed());
        r.spec().sweep().ifPresent(s -> seeds.put("sweep", s.seed()));
        List<Lineage.Gate> gates = metrics.map(m -> GateResult.check(spec.evaluation().gates(), m.test()).stream()
                .map(Lineage.Gate::of).toList()).orElse(List.of());
        Optional<Lineage.Sweep> sweep = sweepReport.map(s -> new Lineage.Sweep(s.trials().size(), s.strategy(), s.metric(),
                s.winner(), s.winnerParameters()));
        return new Lineage(Lineage.FORMAT_VERSION, r.model(),
                new Lineage.Spec(r.projectDir().relativize(r.specFile().toAbsolutePath()).toString(), Fingerprint.sha256(r.specFile()),
                        Fingerprint.sha256(CanonicalSpec.toYaml(r.spec()).getBytes(StandardCharsets.UTF_8))),
                dataset,
                new Lineage.Base(r.baseCoordinates(), spec.base().path(), Fingerprint.sha256(r.baseModel()),
                        Lineage.Base.tunedFrom(r.baseModel())),
                seeds,
                new Lineage.Tools(r.pluginVersion(), run.dl4jVersion(), run.backend(), run.ompThreads(), run.blasThreads(),
                        run.ompWaitPolicy(), run.javaVersion(), run.os(), run.threadsChosenBy(), run.dataParallel(),
                        run.backendChosenBy()),
                r.git(),
                sweep,
                metrics.map(Lineage.Metrics::of),
                gates,
                Optional.of(Fingerprint.zipEntriesSha256(r.outputDir().resolve(OutputFiles.MODEL))),
                encoder(r, spec), imageEncoder(r, spec));
    }

    /** The ONNX image model the head was trained on, when there is one: {@code image-encoding.json} says training used it. */
    private static Optional<Lineage.ImageEncoder> imageEncoder(Request r, FinetuneSpec spec) throws IOException {
        Path encoding = r.outputDir().resolve(OutputFiles.IMAGE_ENCODING);
        if (!Files.isRegularFile(encoding)) {
            return Optional.empty();
        }
        var report = Json.read(encoding, dev.finetune.engine.onnx.ImageFeatures.Report.class);
        var base = spec.base();
        boolean inArchive = base.entry().isPresent();
        return Optional.of(new Lineage.ImageEncoder(r.baseCoordinates(),
                inArchive ? Optional.of(Fingerprint.sha256(r.baseSource())) : Optional.empty(), base.entry(),
                Fingerprint.sha256(r.baseModel()), report.input(), report.layout(), report.height(), report.width(),
                report.channels(), report.scaling(), report.output(), report.pooling(), report.dimension()));
    }

    /** The ONNX encoder the head was trained on, when there is one: {@code text-encoding.json} says training used it. */
    private static Optional<Lineage.Encoder> encoder(Request r, FinetuneSpec spec) throws IOException {
        Path encoding = r.outputDir().resolve(OutputFiles.TEXT_ENCODING);
        if (!Files.isRegularFile(encoding) || r.tokenizer().isEmpty()) {
            return Optional.empty();
        }
        var report = Json.read(encoding, dev.finetune.engine.onnx.TextFeatures.Report.class);
        var base = spec.base();
        boolean inArchive = base.entry().isPresent();
        return Optional.of(new Lineage.Encoder(r.baseCoordinates(),
                inArchive ? Optional.of(Fingerprint.sha256(r.baseSource())) : Optional.empty(), base.entry(),
                Fingerprint.sha256(r.baseModel()),
                base.tokenizer().orElse(r.tokenizer().get().getFileName().toString()), Fingerprint.sha256(r.tokenizer().get()),
                base.output().orElse("(first output)"), base.pooling().orElse(FinetuneSpec.BaseSpec.Pooling.mean).name(),
                base.sequenceLength(), report.dimension()));
    }

    private static <T> Optional<T> readIfPresent(Path file, Class<T> type) throws IOException {
        return Files.isRegularFile(file) ? Optional.of(Json.read(file, type)) : Optional.empty();
    }
}
