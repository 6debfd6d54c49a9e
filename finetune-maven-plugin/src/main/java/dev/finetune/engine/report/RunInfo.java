package dev.finetune.engine.report;

import com.fasterxml.jackson.annotation.JsonCreator;

import java.util.List;
import java.util.Optional;

/**
 * Facts about a run that matter to reproduce it: same spec, data, base, seed and these settings.
 *
 * @param threadsChosenBy why {@code ompThreads} is that number: {@code finetune.threads}, or the workload kind it
 *                        defaulted for; null in an older run.json reads as {@code finetune.threads}
 * @param dataParallel how the training was spread over Spark workers; empty: it ran in the training JVM
 * @param backendChosenBy why the backend's native build ({@code backend} names it) is that one:
 *                        {@code finetune.backendClassifier}, or the CPU flags it defaulted for; empty in an older
 *                        run.json, in-process runs and benchmarks
 */
public record RunInfo(String dl4jVersion, String backend, int ompThreads, int blasThreads, String ompWaitPolicy,
                      String javaVersion, String os, List<String> classes, String threadsChosenBy,
                      Optional<DataParallelInfo> dataParallel, Optional<String> backendChosenBy) {

    @JsonCreator
    public RunInfo {
        threadsChosenBy = threadsChosenBy == null ? "finetune.threads" : threadsChosenBy;
        dataParallel = dataParallel == null ? Optional.empty() : dataParallel;
        backendChosenBy = backendChosenBy == null ? Optional.empty() : backendChosenBy;
    }

    public RunInfo(String dl4jVersion, String backend, int ompThreads, int blasThreads, String ompWaitPolicy,
                   String javaVersion, String os, List<String> classes, String threadsChosenBy,
                   Optional<DataParallelInfo> dataParallel) {
        this(dl4jVersion, backend, ompThreads, blasThreads, ompWaitPolicy, javaVersion, os, classes, threadsChosenBy,
                dataParallel, Optional.empty());
    }

    /** A run in the training JVM. */
    public RunInfo(String dl4jVersion, String backend, int ompThreads, int blasThreads, String ompWaitPolicy,
                   String javaVersion, String os, List<String> classes, String threadsChosenBy) {
        this(dl4jVersion, backend, ompThreads, blasThreads, ompWaitPolicy, javaVersion, os, classes, threadsChosenBy,
                Optional.empty());
    }

    /** A run in the training JVM with threads as set by {@code finetune.threads} (tests, benchmarks). */
    public RunInfo(String dl4jVersion, String backend, int ompThreads, int blasThreads, String ompWaitPolicy,
                   String javaVersion, String os, List<String> classes) {
        this(dl4jVersion, backend, ompThreads, blasThreads, ompWaitPolicy, javaVersion, os, classes, "finetune.threads");
    }

    public RunInfo withDataParallel(Optional<DataParallelInfo> info) {
        return new RunInfo(dl4jVersion, backend, ompThreads, blasThreads, ompWaitPolicy, javaVersion, os, classes,
                threadsChosenBy, info, backendChosenBy);
    }

    /** This run with why its native build is that one. */
    public RunInfo withBackendChosenBy(Optional<String> why) {
        return new RunInfo(dl4jVersion, backend, ompThreads, blasThreads, ompWaitPolicy, javaVersion, os, classes,
                threadsChosenBy, dataParallel, why);
    }
}
