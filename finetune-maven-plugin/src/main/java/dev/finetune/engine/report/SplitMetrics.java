package dev.finetune.engine.report;

import dev.finetune.spec.Metric;

import java.util.ArrayList;
import java.util.List;

/**
 * Classification metrics on one split, computed from the confusion matrix. A class that is never predicted
 * (or never present) has precision (or recall) 0, not NaN, so reports and gates stay numeric.
 *
 * @param confusionMatrix rows are true classes, columns predicted classes, in the order of {@code classes}
 */
public record SplitMetrics(String split, int examples, List<String> classes, double accuracy, double macroPrecision,
                           double macroRecall, double macroF1, double loss, List<ClassMetrics> perClass,
                           int[][] confusionMatrix) {

    public static SplitMetrics of(String split, List<String> classes, int[][] confusion, double loss) {
        int k = classes.size();
        int total = 0;
        int correct = 0;
        List<ClassMetrics> perClass = new ArrayList<>();
        double sumP = 0;
        double sumR = 0;
        double sumF = 0;
        for (int c = 0; c < k; c++) {
            int tp = confusion[c][c];
            int actual = 0;
            int predicted = 0;
            for (int j = 0; j < k; j++) {
                actual += confusion[c][j];
                predicted += confusion[j][c];
            }
            total += actual;
            correct += tp;
            double p = predicted == 0 ? 0 : (double) tp / predicted;
            double r = actual == 0 ? 0 : (double) tp / actual;
            double f = p + r == 0 ? 0 : 2 * p * r / (p + r);
            perClass.add(new ClassMetrics(classes.get(c), p, r, f, actual));
            sumP += p;
            sumR += r;
            sumF += f;
        }
        return new SplitMetrics(split, total, List.copyOf(classes), total == 0 ? 0 : (double) correct / total,
                sumP / k, sumR / k, sumF / k, loss, List.copyOf(perClass), confusion);
    }

    public double value(Metric metric) {
        return switch (metric) {
            case accuracy -> accuracy;
            case macroF1 -> macroF1;
            case macroPrecision -> macroPrecision;
            case macroRecall -> macroRecall;
            case loss -> loss;
        };
    }
}
