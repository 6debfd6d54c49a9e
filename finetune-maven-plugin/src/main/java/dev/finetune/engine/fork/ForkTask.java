package dev.finetune.engine.fork;

import java.nio.file.Path;
import java.util.List;

/**
 * What one engine run is asked to do, as passed on the training JVM's command line:
 * {@code train|evaluate SPEC PROJECTDIR OUTPUTDIR BASEMODEL}. The base model is passed resolved, since a spec may name
 * it by Maven coordinates that only the build can resolve.
 *
 * @param task      {@code train} or {@code evaluate}
 * @param spec      the spec file
 * @param baseDir   the project directory, against which the spec's paths resolve
 * @param outputDir where results go
 * @param baseModel the base model zip
 */
public record ForkTask(String task, Path spec, Path baseDir, Path outputDir, Path baseModel) {

    public static final String USAGE = "ForkMain train|evaluate SPEC PROJECTDIR OUTPUTDIR BASEMODEL";

    public ForkTask {
        if (!task.equals("train") && !task.equals("evaluate")) {
            throw new IllegalArgumentException("unknown task `" + task + "`; usage: " + USAGE);
        }
    }

    public List<String> toArgs() {
        return List.of(task, spec.toString(), baseDir.toString(), outputDir.toString(), baseModel.toString());
    }

    public static ForkTask parse(String[] args) {
        if (args.length != 5) {
            throw new IllegalArgumentException("expected 5 arguments; usage: " + USAGE);
        }
        return new ForkTask(args[0], Path.of(args[1]), Path.of(args[2]), Path.of(args[3]), Path.of(args[4]));
    }
}
