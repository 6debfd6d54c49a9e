package dev.finetune.engine.report;

import java.util.List;

/** Facts about a run that matter to reproduce it: same spec, data, base, seed and these settings. */
public record RunInfo(String dl4jVersion, String backend, int ompThreads, int blasThreads, String ompWaitPolicy,
                      String javaVersion, String os, List<String> classes) {
}
