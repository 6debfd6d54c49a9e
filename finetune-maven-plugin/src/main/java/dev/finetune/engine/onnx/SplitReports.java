package dev.finetune.engine.onnx;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Per-split encoding reports: training encodes train and validation, evaluation adds test to the same file. */
final class SplitReports {

    private SplitReports() {
    }

    /** {@code earlier}'s splits with {@code later}'s added (replacing any of the same name), in split order. */
    static <S> Map<String, S> merged(Map<String, S> earlier, Map<String, S> later) {
        Map<String, S> all = new LinkedHashMap<>();
        for (String name : List.of("train", "validation", "test")) {
            S s = later.containsKey(name) ? later.get(name) : earlier.get(name);
            if (s != null) {
                all.put(name, s);
            }
        }
        return all;
    }
}
