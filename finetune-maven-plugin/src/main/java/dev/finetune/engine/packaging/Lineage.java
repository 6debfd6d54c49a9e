package dev.finetune.engine.packaging;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune.engine.layout.OutputFiles;
import dev.finetune.engine.report.DatasetSummary;
import dev.finetune.engine.report.GateResult;
import dev.finetune.engine.report.MetricsReport;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.ZipFile;

/**
 * Contents of {@code finetune/lineage.json}: everything that shaped a model, for tools. With the same spec, data,
 * base, seeds, versions and backend settings a build gives the same parameters.
 *
 * @param model    the artifact's coordinates
 * @param spec     hashes of the spec as written and of its canonical form (formatting and comments do not count)
 * @param dataset  per split: rows, rows per class, SHA-256 of the rows
 * @param base     the base model: coordinates or project path, and SHA-256 of its file
 * @param seeds    the seeds of the split and of training
 * @param tools    versions and settings of the software that trained it
 * @param git      commit of the project and whether its directory had uncommitted changes; empty outside git
 * @param sweep    when a sweep chose the model: how many trials, on which validation metric, and the winner
 * @param metrics  headline test and validation metrics; empty when evaluation was skipped
 * @param gates    the quality gates and whether they passed
 * @param network  SHA-256 of the trained network as finetune:train wrote it: over {@code model.zip}'s entries
 *                 (configuration, coefficients, normaliser), which packaging copies into the artifact unchanged
 *                 ({@link dev.finetune.engine.fingerprint.Fingerprint#zipEntriesSha256})
 * @param encoder  with an ONNX text encoder base: the frozen encoder the model's head needs at inference, which the
 *                 artifact does not contain
 * @param imageEncoder with an ONNX image base: the same for the image model (with the image size and scaling)
 */
public record Lineage(int formatVersion, Model model, Spec spec, Optional<DatasetSummary> dataset, Base base,
                      Map<String, Long> seeds, Tools tools, Optional<GitInfo> git, Optional<Sweep> sweep,
                      Optional<Metrics> metrics, List<Gate> gates, Optional<String> network, Optional<Encoder> encoder,
                      Optional<ImageEncoder> imageEncoder) {

    public Lineage {
        // absent in lineages written before image encoders were recorded
        imageEncoder = imageEncoder == null ? Optional.empty() : imageEncoder;
    }

    /** A lineage without an image encoder (every base but an ONNX image model). */
    public Lineage(int formatVersion, Model model, Spec spec, Optional<DatasetSummary> dataset, Base base,
                   Map<String, Long> seeds, Tools tools, Optional<GitInfo> git, Optional<Sweep> sweep,
                   Optional<Metrics> metrics, List<Gate> gates, Optional<String> network, Optional<Encoder> encoder) {
        this(formatVersion, model, spec, dataset, base, seeds, tools, git, sweep, metrics, gates, network, encoder,
                Optional.empty());
    }

    /** A lineage without an encoder (every base but ONNX). */
    public Lineage(int formatVersion, Model model, Spec spec, Optional<DatasetSummary> dataset, Base base,
                   Map<String, Long> seeds, Tools tools, Optional<GitInfo> git, Optional<Sweep> sweep,
                   Optional<Metrics> metrics, List<Gate> gates, Optional<String> network) {
        this(formatVersion, model, spec, dataset, base, seeds, tools, git, sweep, metrics, gates, network, Optional.empty());
    }

    /** A lineage without the network's hash (as plugin versions before it was recorded wrote). */
    public Lineage(int formatVersion, Model model, Spec spec, Optional<DatasetSummary> dataset, Base base,
                   Map<String, Long> seeds, Tools tools, Optional<GitInfo> git, Optional<Sweep> sweep,
                   Optional<Metrics> metrics, List<Gate> gates) {
        this(formatVersion, model, spec, dataset, base, seeds, tools, git, sweep, metrics, gates, Optional.empty());
    }

    public static final int FORMAT_VERSION = 1;

    public record Model(String groupId, String artifactId, String version) {
    }

    /**
     * An ONNX text encoder base, as the head was trained on its outputs: what a consumer must run before the head.
     *
     * @param coordinates       the encoder's artifact (with {@code @extension} unless zip), when named by coordinates
     * @param archiveSha256     SHA-256 of that artifact (or of the project's archive) when {@code entry} is inside one
     * @param entry             the model's path inside the archive
     * @param sha256            SHA-256 of the {@code .onnx} file itself
     * @param tokenizer         the tokenizer.json's name (inside the same archive when {@code entry} is)
     * @param tokenizerSha256   its SHA-256
     * @param output            the ONNX output the features come from
     * @param pooling           how its token vectors became one vector
     * @param maxSequenceLength tokens per text at most (longer texts truncated, special tokens included)
     * @param dimension         features per text: the head's input size
     */
    public record Encoder(Optional<String> coordinates, Optional<String> archiveSha256, Optional<String> entry, String sha256,
                          String tokenizer, String tokenizerSha256, String output, String pooling, int maxSequenceLength,
                          int dimension) {
    }

    /**
     * An ONNX image base, as the head was trained on its outputs: what a consumer must run before the head.
     *
     * @param coordinates   the model's artifact (with {@code @extension} unless zip), when named by coordinates
     * @param archiveSha256 SHA-256 of that artifact (or of the project's archive) when {@code entry} is inside one
     * @param entry         the model's path inside the archive
     * @param sha256        SHA-256 of the {@code .onnx} file itself
     * @param input         the model's input tensor
     * @param layout        {@code NCHW} or {@code NHWC}: the order its values were fed in
     * @param height        pixels the images were resized to
     * @param width         pixels the images were resized to
     * @param channels      1 (grey) or 3 (RGB)
     * @param scaling       how pixels were scaled before the model
     * @param output        the ONNX output the features come from
     * @param pooling       {@code mean} when that output is a feature map averaged over its positions, else {@code none}
     * @param dimension     features per image: the head's input size
     */
    public record ImageEncoder(Optional<String> coordinates, Optional<String> archiveSha256, Optional<String> entry,
                               String sha256, String input, String layout, int height, int width, int channels,
                               String scaling, String output, String pooling, int dimension) {
    }

    /**
     * @param winner           index of the trial whose model this is
     * @param winnerParameters the values that trial overrode in the spec
     */
    public record Sweep(int trials, String strategy, String metric, int winner, Map<String, Object> winnerParameters) {
    }

    public record Spec(String file, String sha256, String canonicalSha256) {
    }

    /**
     * @param tunedFrom when the base is itself a model this plugin packaged: that model's coordinates, from its own
     *                  lineage, so a chain of fine-tunings can be followed back
     */
    public record Base(Optional<String> coordinates, Optional<String> path, String sha256, Optional<Model> tunedFrom) {

        /** The lineage's {@code model} of a base this plugin packaged; empty for any other file. */
        public static Optional<Model> tunedFrom(Path baseFile) {
            try (ZipFile zip = new ZipFile(baseFile.toFile())) {
                var entry = zip.getEntry(OutputFiles.ARCHIVE_METADATA_DIR
                        + OutputFiles.LINEAGE);
                if (entry == null) {
                    return Optional.empty();
                }
                try (var in = zip.getInputStream(entry)) {
                    var model = new ObjectMapper().readTree(in).path("model");
                    return model.hasNonNull("artifactId") ? Optional.of(new Model(model.path("groupId").asText(),
                            model.path("artifactId").asText(), model.path("version").asText())) : Optional.empty();
                }
            } catch (IOException e) {
                return Optional.empty(); // not a zip (another base format): no lineage of ours inside
            }
        }
    }

    /**
     * @param backend ND4J backend, as the training JVM reported it ({@code CpuBackend}, {@code CudaBackend})
     * @param ompWaitPolicy   the fork's {@code OMP_WAIT_POLICY}: speed only, never the parameters
     * @param threadsChosenBy why {@code ompThreads} is that number: {@code finetune.threads} or the workload kind's default
     * @param dataParallel    how the training was spread over Spark's workers ({@code finetune.spark.mode=data-parallel}),
     *                        which gives other parameters than a training in one JVM; empty: it was not
     * @param backendChosenBy why the native build named in {@code backend} is that one ({@code finetune.backendClassifier}
     *                        or the CPU flags' default); empty in older lineage and in-process runs
     */
    public record Tools(String plugin, String dl4j, String backend, int ompThreads, int blasThreads, String ompWaitPolicy,
                        String java, String os, String threadsChosenBy,
                        Optional<dev.finetune.engine.report.DataParallelInfo> dataParallel, Optional<String> backendChosenBy) {

        @com.fasterxml.jackson.annotation.JsonCreator
        public Tools {
            threadsChosenBy = threadsChosenBy == null ? "finetune.threads" : threadsChosenBy;
            dataParallel = dataParallel == null ? Optional.empty() : dataParallel;
            backendChosenBy = backendChosenBy == null ? Optional.empty() : backendChosenBy;
        }

        public Tools(String plugin, String dl4j, String backend, int ompThreads, int blasThreads, String ompWaitPolicy,
                     String java, String os, String threadsChosenBy,
                     Optional<dev.finetune.engine.report.DataParallelInfo> dataParallel) {
            this(plugin, dl4j, backend, ompThreads, blasThreads, ompWaitPolicy, java, os, threadsChosenBy, dataParallel,
                    Optional.empty());
        }

        /** Tools of a training in one JVM, threads as set by {@code finetune.threads}. */
        public Tools(String plugin, String dl4j, String backend, int ompThreads, int blasThreads, String ompWaitPolicy,
                     String java, String os) {
            this(plugin, dl4j, backend, ompThreads, blasThreads, ompWaitPolicy, java, os, "finetune.threads",
                    Optional.empty());
        }
    }

    public record Metrics(double testAccuracy, double testMacroF1, double validationAccuracy, double validationMacroF1,
                          int testExamples) {

        public static Metrics of(MetricsReport report) {
            return new Metrics(report.test().accuracy(), report.test().macroF1(), report.validation().accuracy(),
                    report.validation().macroF1(), report.test().examples());
        }
    }

    public record Gate(String expression, double value, boolean passed) {

        public static Gate of(GateResult result) {
            return new Gate(result.gate().expression(), result.value(), result.passed());
        }
    }
}
