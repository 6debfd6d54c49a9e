package dev.finetune.engine.onnx;

import java.util.List;
import java.util.Optional;

/**
 * Where a text encoder's {@code tokenizer.json} is when the spec does not say: beside the model, named
 * {@code tokenizer.json}, or else the one file in that folder whose name ends in {@code tokenizer.json} (as in
 * langchain4j's jars: {@code all-minilm-l6-v2-q-tokenizer.json}). Works on names only, for files on disk and entries
 * of an archive alike.
 */
public final class Tokenizers {

    public static final String DEFAULT_NAME = "tokenizer.json";

    private Tokenizers() {
    }

    /**
     * @param model    the model's path, {@code /}-separated
     * @param siblings every path in the model's folder or archive, {@code /}-separated
     * @return the tokenizer's path among {@code siblings}; empty when there is none, or several and none is
     *         {@code tokenizer.json}
     */
    public static Optional<String> beside(String model, List<String> siblings) {
        String folder = model.contains("/") ? model.substring(0, model.lastIndexOf('/') + 1) : "";
        List<String> here = siblings.stream()
                .filter(s -> s.startsWith(folder) && !s.substring(folder.length()).contains("/"))
                .filter(s -> s.endsWith(DEFAULT_NAME))
                .toList();
        if (here.contains(folder + DEFAULT_NAME)) {
            return Optional.of(folder + DEFAULT_NAME);
        }
        return here.size() == 1 ? Optional.of(here.get(0)) : Optional.empty();
    }
}
