package dev.finetune.engine.fork;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import dev.finetune.engine.job.JobOptions;
import dev.finetune.engine.report.AtomicFiles;
import dev.finetune.engine.sweep.spark.SparkSettings;
import dev.finetune.engine.train.Checkpoints;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Everything one engine run is asked to do, as the build hands it to the training JVM: written to a JSON file whose
 * path is the fork's only argument (as surefire's booter reads its configuration from a file). Nothing travels in
 * system properties, so an in-process run is the same call with the same record.
 *
 * @param protocol           {@link #PROTOCOL} of the writer; a fork refuses a request of another protocol
 * @param task               what to do
 * @param spec               the spec file
 * @param projectDir         the project directory, against which the spec's paths resolve
 * @param outputDir          where results go
 * @param baseModel          the base model file, resolved by the build (a spec may name it by Maven coordinates)
 * @param ompThreads         ND4J's OpenMP threads (they decide some results bit for bit, so they are fixed)
 * @param blasThreads        BLAS threads
 * @param frozenFeatureCache train on cached frozen-prefix outputs when possible
 * @param parentPid          the build's JVM: the fork stops when it disappears; empty in-process
 * @param allowPathsOutsideProject the build's {@code finetune.allowPathsOutsideProject} (never the spec's own say)
 * @param checkpoints        training's checkpoints and sweep journal, keyed by the inputs' fingerprint; empty: none
 * @param rerunFailedTrials  run the sweep trials that the journal records as failed again
 * @param heartbeatSeconds   {@code finetune.heartbeat}: a progress line within an epoch at least this often; 0 for none
 * @param tokenizer          an ONNX text encoder's tokenizer.json, resolved by the build; empty: beside the model
 * @param spark              {@code finetune.executor=spark}: sweep trials, or one data-parallel training, on Spark
 *                           ({@code finetune.spark.mode}); empty: everything on threads of the fork
 * @param threadsChosenBy    why {@code ompThreads} is that number ({@link ThreadChoice#chosenBy()}), for the lineage;
 *                           null in a request of an older build: {@code finetune.threads}
 */
public record ForkRequest(int protocol, Task task, Path spec, Path projectDir, Path outputDir, Path baseModel,
                          int ompThreads, int blasThreads, boolean frozenFeatureCache, Optional<Long> parentPid,
                          boolean allowPathsOutsideProject, Optional<Checkpoints.Policy> checkpoints,
                          boolean rerunFailedTrials, int heartbeatSeconds, Optional<Path> tokenizer,
                          Optional<SparkSettings> spark, String threadsChosenBy) {

    /** Raised when the request's shape changes, so a stale plugin jar on a fork's classpath fails clearly. */
    public static final int PROTOCOL = 7;

    public enum Task { train, evaluate }

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new Jdk8Module())
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    public ForkRequest {
        spec = spec.toAbsolutePath();
        projectDir = projectDir.toAbsolutePath();
        outputDir = outputDir.toAbsolutePath();
        baseModel = baseModel.toAbsolutePath();
        tokenizer = tokenizer == null ? Optional.empty() : tokenizer.map(Path::toAbsolutePath);
        threadsChosenBy = threadsChosenBy == null ? ThreadChoice.SET : threadsChosenBy;
    }

    public static ForkRequest of(Task task, Path spec, Path projectDir, Path outputDir, Path baseModel, int ompThreads,
                                 int blasThreads, boolean frozenFeatureCache, Optional<Long> parentPid) {
        return of(task, spec, projectDir, outputDir, baseModel, ompThreads, blasThreads, frozenFeatureCache, parentPid, false);
    }

    public static ForkRequest of(Task task, Path spec, Path projectDir, Path outputDir, Path baseModel, int ompThreads,
                                 int blasThreads, boolean frozenFeatureCache, Optional<Long> parentPid,
                                 boolean allowPathsOutsideProject) {
        return of(task, spec, projectDir, outputDir, baseModel, ompThreads, blasThreads, frozenFeatureCache, parentPid,
                allowPathsOutsideProject, (int) JobOptions.DEFAULT_HEARTBEAT.toSeconds());
    }

    public static ForkRequest of(Task task, Path spec, Path projectDir, Path outputDir, Path baseModel, int ompThreads,
                                 int blasThreads, boolean frozenFeatureCache, Optional<Long> parentPid,
                                 boolean allowPathsOutsideProject, int heartbeatSeconds) {
        return new ForkRequest(PROTOCOL, task, spec, projectDir, outputDir, baseModel, ompThreads, blasThreads,
                frozenFeatureCache, parentPid, allowPathsOutsideProject, Optional.empty(), false, heartbeatSeconds,
                Optional.empty(), Optional.empty(), ThreadChoice.SET);
    }

    /** This request with the thread count {@code choice} gives, and why. */
    public ForkRequest withThreads(ThreadChoice choice) {
        return new ForkRequest(protocol, task, spec, projectDir, outputDir, baseModel, choice.ompThreads(), blasThreads,
                frozenFeatureCache, parentPid, allowPathsOutsideProject, checkpoints, rerunFailedTrials, heartbeatSeconds, tokenizer,
                spark, choice.chosenBy());
    }

    /** This request, checkpointing by {@code policy}. */
    public ForkRequest withCheckpoints(Optional<Checkpoints.Policy> policy, boolean rerunFailed) {
        return new ForkRequest(protocol, task, spec, projectDir, outputDir, baseModel, ompThreads, blasThreads,
                frozenFeatureCache, parentPid, allowPathsOutsideProject, policy, rerunFailed, heartbeatSeconds, tokenizer, spark, threadsChosenBy);
    }

    /** The same request with the base's tokenizer.json. */
    public ForkRequest withTokenizer(Optional<Path> file) {
        return new ForkRequest(protocol, task, spec, projectDir, outputDir, baseModel, ompThreads, blasThreads,
                frozenFeatureCache, parentPid, allowPathsOutsideProject, checkpoints, rerunFailedTrials, heartbeatSeconds, file, spark, threadsChosenBy);
    }

    /** This request, running sweep trials on Spark when {@code settings} is present. */
    public ForkRequest withSpark(Optional<SparkSettings> settings) {
        return new ForkRequest(protocol, task, spec, projectDir, outputDir, baseModel, ompThreads, blasThreads,
                frozenFeatureCache, parentPid, allowPathsOutsideProject, checkpoints, rerunFailedTrials, heartbeatSeconds, tokenizer, settings, threadsChosenBy);
    }

    public JobOptions jobOptions() {
        return new JobOptions(frozenFeatureCache, ompThreads, checkpoints, rerunFailedTrials,
                java.time.Duration.ofSeconds(Math.max(0, heartbeatSeconds)), tokenizer, blasThreads, spark);
    }

    public void write(Path file) throws IOException {
        AtomicFiles.write(file, MAPPER.writeValueAsBytes(this));
    }

    public static ForkRequest read(Path file) throws IOException {
        ForkRequest request = MAPPER.readValue(Files.readAllBytes(file), ForkRequest.class);
        if (request.protocol() != PROTOCOL) {
            throw new IOException(file + ": fork protocol " + request.protocol() + ", this training JVM speaks " + PROTOCOL
                    + " (a plugin jar of another version on the fork's classpath?)");
        }
        return request;
    }
}
