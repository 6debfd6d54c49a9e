package dev.finetune.engine.inspect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.finetune.engine.UserInputException;
import dev.finetune.engine.model.BaseModelInfo;
import dev.finetune.engine.onnx.OnnxImageInput;
import dev.finetune.engine.onnx.OnnxModelFile;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SweepTarget;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a spec may ask of a frozen-only base (an ONNX body, which ONNX Runtime runs but cannot train): it stays
 * frozen as a whole (no {@code freeze} other than {@code all}), the head goes on top of its output (no
 * {@code head.removeLayers}), nothing trains it from scratch, and its input is text with a tokenizer (a text encoder)
 * or an image folder without augmentation (an image model: one float input of rank 4). Each problem names the spec
 * key it is about. Pure Java: reads the ONNX protobuf and the tokenizer's JSON, no native code.
 */
final class FrozenBodyChecks {

    private static final String FROZEN_ONLY = "ONNX bases are frozen-only (ONNX Runtime has no Java training build): the"
            + " ONNX body computes features once and only the new head trains";

    private final FinetuneSpec spec;
    private final Path model;
    private final Optional<Path> tokenizer;

    FrozenBodyChecks(FinetuneSpec spec, Path model, Optional<Path> tokenizer) {
        this.spec = spec;
        this.model = model;
        this.tokenizer = tokenizer;
    }

    List<String> problems() {
        List<String> problems = new ArrayList<>();
        FinetuneSpec.FreezeSpec freeze = spec.freeze();
        if (!freeze.all() && spec.locations().containsKey("freeze")) {
            problems.add(spec.locate("freeze") + ": `freeze` asks to train part of the ONNX body; " + FROZEN_ONLY
                    + ". Leave `freeze` out, or write `freeze: all`");
        }
        if (spec.locations().containsKey("head.replaceFrom")) {
            problems.add(spec.locate("head.replaceFrom") + ": `head.replaceFrom` does not apply to an ONNX body: the head"
                    + " goes on top of its output (name another output with `base.output`)");
        }
        if (spec.locations().containsKey("head.removeLayers")) {
            problems.add(spec.locate("head.removeLayers") + ": `head.removeLayers` does not apply to an ONNX body: the head"
                    + " goes on top of its output (name another output with `base.output`)");
        }
        if (spec.evaluation().compareWithScratch()) {
            problems.add(spec.locate("evaluation.compareWithScratch") + ": `evaluation.compareWithScratch` would train the"
                    + " ONNX body from random weights; " + FROZEN_ONLY);
        }
        if (spec.evaluation().retention().isPresent()) {
            // the body never trains, so nothing of the base's task can be forgotten; the base's own head is not kept
            problems.add(spec.locate("evaluation.retention") + ": `evaluation.retention` measures what the base forgets of"
                    + " its own task, but " + FROZEN_ONLY + ": its outputs are the same before and after, so there is"
                    + " nothing to measure. Remove `evaluation.retention`");
        }
        spec.sweep().map(s -> s.parameters().get(SweepTarget.FREEZE_UP_TO.path())).ifPresent(p ->
                problems.add(spec.locate("sweep.parameters." + SweepTarget.FREEZE_UP_TO.path()) + ": the sweep varies `freeze.upTo`,"
                        + " but " + FROZEN_ONLY));
        boolean images = spec.dataset().type() == FinetuneSpec.DatasetSpec.Type.images;
        checkOutput(problems, images);
        if (images) {
            checkImageKeys(problems);
        } else if (spec.dataset().textColumn().isEmpty()) {
            problems.add(spec.locate("dataset") + ": the ONNX base is a text encoder here; name the CSV column holding each"
                    + " example's text with `dataset.textColumn` (an ONNX image model reads `dataset.type: images`; ONNX"
                    + " bases with numeric CSV inputs are not supported yet)");
        } else {
            checkTokenizer(problems);
        }
        return problems;
    }

    /** Keys an ONNX image body cannot honour: augmentation (its features are computed once) and the text-only ones. */
    private void checkImageKeys(List<String> problems) {
        if (spec.dataset().augments()) {
            problems.add(spec.locate("dataset.augmentation") + ": `dataset.augmentation` changes the images every epoch, but"
                    + " the ONNX image body's features are computed once (" + FROZEN_ONLY + "); remove the augmentation,"
                    + " or use a Keras or DL4J base");
        }
        if (spec.base().pooling().filter(p -> p == FinetuneSpec.BaseSpec.Pooling.cls).isPresent()) {
            problems.add(spec.locate("base.pooling") + ": `base.pooling: cls` takes a text encoder's first token; an image"
                    + " model's feature map is averaged over its positions (`mean`, the default)");
        }
        for (String key : List.of("base.tokenizer", "base.maxSequenceLength")) {
            if (spec.locations().containsKey(key)) {
                problems.add(spec.locate(key) + ": `" + key + "` applies to ONNX text encoders; " + spec.base()
                        + " is an image model here (`dataset.type: images`)");
            }
        }
    }

    private void checkOutput(List<String> problems, boolean images) {
        OnnxModelFile onnx;
        try {
            onnx = OnnxModelFile.read(model);
        } catch (UserInputException e) {
            problems.add(spec.locate(spec.base().key()) + ": " + e.getMessage());
            return;
        }
        List<String> names = onnx.outputs().stream().map(OnnxModelFile.Tensor::name).toList();
        List<String> inputs = onnx.inputs().stream().map(OnnxModelFile.Tensor::name).toList();
        if (images && OnnxImageInput.of(onnx).isEmpty()) {
            problems.add(spec.locate(spec.base().key()) + ": " + spec.base() + " takes " + onnx.inputs() + "; an image model"
                    + " takes one float tensor [batch, channels, height, width] or [batch, height, width, channels]");
        } else if (!images && (!inputs.contains("input_ids")
                || !List.of("input_ids", "attention_mask", "token_type_ids").containsAll(inputs))) {
            problems.add(spec.locate(spec.base().key()) + ": " + spec.base() + " takes " + onnx.inputs() + "; a text encoder"
                    + " takes input_ids, attention_mask and optionally token_type_ids (int64), as Hugging Face models export");
        }
        Optional<String> output = spec.base().output();
        if (output.isPresent() && !names.contains(output.get())) {
            String hint = dev.finetune.spec.Suggestions.closest(output.get(), names).map(n -> "; did you mean `" + n + "`?").orElse("");
            problems.add(spec.locate("base.output") + ": `base.output` is `" + output.get() + "`, which " + spec.base()
                    + " does not have; its outputs are: " + String.join(", ", names) + hint);
            return;
        }
        OnnxModelFile.Tensor chosen = onnx.outputs().stream().filter(t -> t.name().equals(output.orElse(names.isEmpty() ? "" : names.get(0))))
                .findFirst().orElse(null);
        int ranked = images ? 4 : 3;
        if (chosen != null && (!chosen.type().equals("float") || (chosen.shape().size() != 2 && chosen.shape().size() != ranked))) {
            problems.add(spec.locate(output.isPresent() ? "base.output" : spec.base().key()) + ": the ONNX output " + chosen
                    + " is not a float tensor of [batch, size] or " + (images ? "[batch, channels, height, width]"
                    : "[batch, tokens, size]") + "; name another with `base.output`");
        }
    }

    private void checkTokenizer(List<String> problems) {
        String key = spec.base().tokenizer().isPresent() ? "base.tokenizer" : spec.base().key();
        if (tokenizer.isEmpty()) {
            problems.add(spec.locate(key) + ": no tokenizer for the ONNX text encoder: none named `tokenizer.json` (or one"
                    + " file ending in tokenizer.json) beside " + spec.base() + "; name the model's Hugging Face tokenizer.json"
                    + " with `base.tokenizer`");
            return;
        }
        Path file = tokenizer.get();
        if (!Files.isRegularFile(file)) {
            problems.add(spec.locate(key) + ": `base.tokenizer` names " + spec.base().tokenizer().orElse(file.toString())
                    + ", which does not exist");
            return;
        }
        try {
            JsonNode json = new ObjectMapper().readTree(file.toFile());
            if (json == null || !json.path("model").isObject()) {
                problems.add(spec.locate(key) + ": " + file.getFileName() + " is not a Hugging Face tokenizer.json (it has no"
                        + " `model` object)");
            }
        } catch (IOException e) {
            problems.add(spec.locate(key) + ": " + file.getFileName() + " is not readable JSON: " + e.getMessage());
        }
    }

    /** ONNX-only keys and text examples on a base that is not ONNX, each at its key. */
    static List<String> onnxKeysOnOtherBases(FinetuneSpec spec, BaseModelInfo info) {
        List<String> problems = new ArrayList<>();
        FinetuneSpec.BaseSpec base = spec.base();
        for (var key : List.of(
                java.util.Map.entry("base.tokenizer", base.tokenizer().isPresent()),
                java.util.Map.entry("base.output", base.output().isPresent()),
                java.util.Map.entry("base.pooling", base.pooling().isPresent()),
                java.util.Map.entry("base.maxSequenceLength", base.maxSequenceLength().isPresent()))) {
            if (key.getValue()) {
                problems.add(spec.locate(key.getKey()) + ": `" + key.getKey() + "` applies to ONNX bases only; " + base
                        + " is a " + info.format());
            }
        }
        if (spec.dataset().textColumn().isPresent()) {
            problems.add(spec.locate("dataset.textColumn") + ": `dataset.textColumn` gives text examples, which only an ONNX"
                    + " text encoder base reads; " + base + " is a " + info.format());
        }
        return problems;
    }
}
