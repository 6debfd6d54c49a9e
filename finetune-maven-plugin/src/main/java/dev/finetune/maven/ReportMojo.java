package dev.finetune.maven;

import dev.finetune.engine.layout.OutputFiles;
import dev.finetune.engine.report.AtomicFiles;
import dev.finetune.engine.report.Html;
import org.apache.maven.doxia.sink.Sink;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;
import org.apache.maven.reporting.MavenReport;
import org.apache.maven.reporting.MavenReportException;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Puts {@code report.html} into the project's site: listed under "Project Reports" by {@code mvn site} when the
 * plugin is declared in the POM's {@code <reporting>} section, as {@code finetune/report.html}. The page is the one
 * {@code finetune:evaluate} wrote (self-contained, so it is copied as it is, not re-rendered by the site's skin); this
 * goal never trains or evaluates. Without a report yet, the site gets a page saying how to make one. Standalone,
 * {@code mvn finetune:report} copies it to {@code target/site/finetune/report.html}.
 */
@Mojo(name = "report", threadSafe = true)
public class ReportMojo extends AbstractMojo implements MavenReport {

    /** The site-relative page, without {@code .html}: where the site's menu links. */
    static final String OUTPUT_NAME = "finetune/report";

    @Parameter(defaultValue = "${project}", readonly = true, required = true)
    protected MavenProject project;

    /** Where the goals wrote their results (report.html among them). */
    @Parameter(property = "finetune.outputDirectory", defaultValue = "${project.build.directory}/finetune", required = true)
    protected File outputDirectory;

    /** The site's output directory; the site plugin sets it for its own run. */
    @Parameter(defaultValue = "${project.reporting.outputDirectory}", readonly = true, required = true)
    protected File reportOutputDirectory;

    /** Skip every finetune goal, this one included. */
    @Parameter(property = "finetune.skip", defaultValue = "false")
    protected boolean skip;

    @Override
    public void execute() throws MojoExecutionException {
        if (skip) {
            getLog().info("finetune.skip is set: no report copied into the site");
            return;
        }
        try {
            copy();
        } catch (IOException e) {
            throw new MojoExecutionException("Cannot write " + target() + ": " + e.getMessage(), e);
        }
    }

    /** An external report: it writes its own page, which the site plugin links and does not wrap in its skin. */
    @Override
    public void generate(Sink sink, Locale locale) throws MavenReportException {
        try {
            if (!skip) {
                copy();
            }
        } catch (IOException e) {
            throw new MavenReportException("Cannot write " + target() + ": " + e.getMessage(), e);
        }
    }

    private void copy() throws IOException {
        Path source = outputDirectory.toPath().resolve(OutputFiles.REPORT_HTML);
        Path target = target();
        if (Files.isRegularFile(source)) {
            AtomicFiles.write(target, Files.readAllBytes(source));
            getLog().info("Fine-tuning report in the site: " + target);
            return;
        }
        getLog().warn("No " + source + " yet: the site's fine-tuning page says to run `mvn verify` (finetune:evaluate"
                + " writes the report) before `mvn site`");
        String name = project == null ? "this project" : project.getName() == null ? project.getArtifactId() : project.getName();
        AtomicFiles.write(target, ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Fine-tuning report</title>"
                + "</head><body><h1>No fine-tuning report for " + Html.text(name) + " yet</h1><p>Run <code>mvn verify site</code>"
                + " (or <code>mvn verify</code> before <code>mvn site</code>): <code>finetune:evaluate</code> writes"
                + " <code>target/finetune/report.html</code>, which this page then is.</p></body></html>\n").getBytes(StandardCharsets.UTF_8));
    }

    private Path target() {
        return reportOutputDirectory.toPath().resolve(OUTPUT_NAME + ".html");
    }

    @Override
    public String getOutputName() {
        return OUTPUT_NAME;
    }

    @Override
    public String getCategoryName() {
        return CATEGORY_PROJECT_REPORTS;
    }

    @Override
    public String getName(Locale locale) {
        return "Fine-tuning report";
    }

    @Override
    public String getDescription(Locale locale) {
        return "The fine-tuned model: verdict, learning curves, confusion matrix, per-class metrics, sweep trials and the"
                + " diff against the baseline";
    }

    @Override
    public void setReportOutputDirectory(File outputDirectory) {
        this.reportOutputDirectory = outputDirectory;
    }

    @Override
    public File getReportOutputDirectory() {
        return reportOutputDirectory;
    }

    @Override
    public boolean isExternalReport() {
        return true;
    }

    @Override
    public boolean canGenerateReport() {
        return !skip;
    }
}
