package dev.finetune.engine.onnx;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code finetune:validate}'s checks in a fresh JVM that lists every class it loads (as Maven's JVM would load them). */
final class ValidationJvm {

    private ValidationJvm() {
    }

    /** The {@code -verbose:class} lines of a validation of {@code spec} in {@code project}, which must find no problem. */
    static List<String> classesLoaded(String spec, Path project) throws Exception {
        Files.writeString(project.resolve("check.yaml"), spec);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-verbose:class", "-cp", System.getProperty("java.class.path"), dev.finetune.engine.InputChecksMain.class.getName(),
                project.resolve("check.yaml").toString(), project.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> out = new String(p.getInputStream().readAllBytes()).lines().toList();
        assertEquals(0, p.waitFor(), String.join("\n", out.subList(Math.max(0, out.size() - 20), out.size())));
        assertTrue(out.contains("problems: 0"), String.join("\n", out.stream().filter(l -> !l.startsWith("[")).toList()));
        return out;
    }
}
