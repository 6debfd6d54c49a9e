package dev.finetune.it;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code stages} invoker build's {@code report.html} in headless Chromium, as {@link ReportBrowserIT} opens the
 * {@code report} build's: the page renders with its script run and no error, and its "Stages" section has a row and
 * a learning curve (training loss, validation loss, validation metric) per stage in the rendered DOM.
 */
class StagesReportBrowserIT {

    private static final Path PAGE = Path.of(System.getProperty("it.projects"), "src/it/stages/target/finetune/report.html");

    @BeforeAll
    static void findChromium() {
        ReportBrowserIT.findChromium();
    }

    @Test
    void theStagesSectionRendersWithARowAndACurvePerStage() throws Exception {
        assertTrue(Files.isRegularFile(PAGE), "the stages invoker build wrote " + PAGE);
        ReportBrowserIT.Run run = ReportBrowserIT.chromium(List.of("--virtual-time-budget=5000", "--dump-dom"), PAGE.toUri().toString());
        assertEquals(0, run.exitCode(), run.stderr());
        for (String line : run.stderr().split("\n")) {
            assertFalse(line.contains("CONSOLE") || line.contains("Refused to") || line.contains("Uncaught"), line);
        }
        String dom = run.stdout();
        String body = dom.substring(dom.indexOf("<body"), dom.indexOf('>', dom.indexOf("<body")) + 1);
        String root = dom.substring(dom.indexOf("<html"), dom.indexOf('>', dom.indexOf("<html")) + 1);
        assertTrue(body.contains("data-ready=\"true\""), "the page's script ran to its end: " + body);
        assertFalse(root.contains("data-script-error") || root.contains("data-csp-violation"), root);
        assertTrue(dom.contains("data-verdict=\"passed\""), "gates and the retention check passed");
        int start = dom.indexOf("<section id=\"stages\">");
        assertTrue(start >= 0, "a Stages section");
        String section = dom.substring(start, dom.indexOf("</section>", start));
        String rows = section.substring(section.indexOf("<tbody>"), section.indexOf("</tbody>"));
        assertEquals(2, count(rows, "<tr>"), "one row per stage: " + rows);
        assertEquals(6, count(section, "class=\"series\""), "two stages x (training loss, validation loss, metric)");
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
