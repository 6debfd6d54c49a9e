package dev.finetune.engine.report;

/** Precision, recall and F1 of one class, with how many examples of it the split held. */
public record ClassMetrics(String label, double precision, double recall, double f1, int support) {
}
