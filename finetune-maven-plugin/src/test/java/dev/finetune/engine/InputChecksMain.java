package dev.finetune.engine;

import dev.finetune.engine.inspect.InputChecks;
import dev.finetune.spec.SpecParser;

import java.nio.file.Path;
import java.util.List;

/** Runs the input checks alone, for {@link InputChecksTest#validationLoadsNoNd4j()}. */
public final class InputChecksMain {
    public static void main(String[] args) throws Exception {
        Path base = Path.of(args[1]);
        var spec = new SpecParser().parse(Path.of(args[0]));
        Path model = base.resolve(spec.base().path().orElseThrow());
        // an ONNX text encoder's tokenizer, when the test put one beside the model
        java.util.Optional<Path> tokenizer = java.util.Optional.of(model.resolveSibling("tokenizer.json"))
                .filter(java.nio.file.Files::isRegularFile);
        // as finetune:validate runs them: a CSV is parsed into the data cache, which must load no ND4J either
        List<String> problems = new InputChecks(spec, base::resolve, model, tokenizer,
                java.util.Optional.of(base.resolve("target/finetune/data-cache"))).problems();
        problems.forEach(System.out::println);
        System.out.println("problems: " + problems.size());
    }
}
