package dev.finetune.engine.report;

import com.fasterxml.jackson.annotation.JsonCreator;

import java.util.List;

/**
 * Facts about a run that matter to reproduce it: same spec, data, base, seed and these settings.
 *
 * @param threadsChosenBy why {@code ompThreads} is that number: {@code finetune.threads}, or the workload kind it
 *                        defaulted for; null in an older run.json reads as {@code finetune.threads}
 */
public record RunInfo(String dl4jVersion, String backend, int ompThreads, int blasThreads, String ompWaitPolicy,
                      String javaVersion, String os, List<String> classes, String threadsChosenBy) {

    @JsonCreator
    public RunInfo {
        threadsChosenBy = threadsChosenBy == null ? "finetune.threads" : threadsChosenBy;
    }

    /** Threads as set by {@code finetune.threads} (tests, benchmarks). */
    public RunInfo(String dl4jVersion, String backend, int ompThreads, int blasThreads, String ompWaitPolicy,
                   String javaVersion, String os, List<String> classes) {
        this(dl4jVersion, backend, ompThreads, blasThreads, ompWaitPolicy, javaVersion, os, classes, "finetune.threads");
    }
}
