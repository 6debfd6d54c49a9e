package dev.finetune.maven;

import org.apache.maven.plugin.logging.SystemStreamLog;
import org.apache.maven.project.MavenProject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.apache.maven.api.plugin.testing.MojoExtension.setVariableValueToObject;

/**
 * What the mojo tests share: a project directory with a POM and a spec, wired into a mojo the harness injected, and
 * the mojo's log captured by level.
 */
final class MojoFixture {

    final List<String> info = new ArrayList<>();
    final List<String> warnings = new ArrayList<>();
    final List<String> errors = new ArrayList<>();

    /** Writes {@code pom.xml} and {@code finetune.yaml} into {@code project} and points {@code mojo} at them. */
    <M extends AbstractFinetuneMojo> M configure(M mojo, Path project, String spec) throws Exception {
        Files.writeString(project.resolve("pom.xml"), "<project/>");
        Files.writeString(project.resolve("finetune.yaml"), spec);
        MavenProject mavenProject = new MavenProject();
        mavenProject.setFile(project.resolve("pom.xml").toFile());
        setVariableValueToObject(mojo, "project", mavenProject);
        setVariableValueToObject(mojo, "spec", project.resolve("finetune.yaml").toFile());
        mojo.setLog(new SystemStreamLog() {
            @Override
            public void info(CharSequence content) {
                info.add(content.toString());
            }

            @Override
            public void warn(CharSequence content) {
                warnings.add(content.toString());
            }

            @Override
            public void error(CharSequence content) {
                errors.add(content.toString());
            }
        });
        return mojo;
    }
}
