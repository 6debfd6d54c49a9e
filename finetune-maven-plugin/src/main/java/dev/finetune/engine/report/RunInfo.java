package dev.finetune.engine.report;

import java.util.List;
import java.util.Optional;

/**
 * Facts about a run that matter to reproduce it: same spec, data, base, seed and these settings.
 *
 * @param dataParallel how the training was spread over Spark workers; empty: it ran in the training JVM
 */
public record RunInfo(String dl4jVersion, String backend, int ompThreads, int blasThreads, String ompWaitPolicy,
                      String javaVersion, String os, List<String> classes, Optional<DataParallelInfo> dataParallel) {

    public RunInfo {
        dataParallel = dataParallel == null ? Optional.empty() : dataParallel;
    }

    /** A run in the training JVM. */
    public RunInfo(String dl4jVersion, String backend, int ompThreads, int blasThreads, String ompWaitPolicy,
                   String javaVersion, String os, List<String> classes) {
        this(dl4jVersion, backend, ompThreads, blasThreads, ompWaitPolicy, javaVersion, os, classes, Optional.empty());
    }

    public RunInfo withDataParallel(Optional<DataParallelInfo> info) {
        return new RunInfo(dl4jVersion, backend, ompThreads, blasThreads, ompWaitPolicy, javaVersion, os, classes, info);
    }
}
