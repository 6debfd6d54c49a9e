package dev.finetune.it;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Opens the {@code report.html} that the {@code report} invoker build wrote in a real browser, headless Chromium,
 * from a file URL, as someone opening a CI artifact would: the page must render with its script run and no script
 * error or Content-Security-Policy violation (the page records both on its root element; Chromium's console log is
 * checked too), its charts must have their elements in the rendered DOM, the trial table must sort, and a screenshot
 * is kept in {@code it/target/screenshots}. Chromium must be installed ({@code .ci/run} installs Debian's
 * {@code chromium}); without it this test fails rather than pass unchecked.
 */
class ReportBrowserIT {

    private static final Path PROJECT = Path.of(System.getProperty("it.projects"), "src/it/report");
    private static final Path PAGE = PROJECT.resolve("target/finetune/report.html");

    private static String chromium;

    @BeforeAll
    static void findChromium() {
        String env = System.getenv("CHROMIUM");
        List<String> candidates = env != null ? List.of(env) : List.of("chromium", "chromium-browser", "google-chrome");
        for (String c : candidates) {
            for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
                if (Files.isExecutable(Path.of(dir, c))) {
                    chromium = Path.of(dir, c).toString();
                    return;
                }
            }
            if (Files.isExecutable(Path.of(c))) {
                chromium = c;
                return;
            }
        }
        fail("headless Chromium is needed to check report.html in a browser: `apt-get install -y chromium` (as .ci/run "
                + "does), or set CHROMIUM to its executable");
    }

    /** Chromium's output: the rendered DOM on stdout, its log on stderr. */
    record Run(String stdout, String stderr, int exitCode) {
    }

    static Run chromium(List<String> extra, String url) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("finetune-chromium");
        List<String> cmd = new ArrayList<>(List.of(chromium, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0"));
        cmd.addAll(extra);
        cmd.add(url);
        Path out = Files.createTempFile("chromium", ".out");
        Path err = Files.createTempFile("chromium", ".err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("chromium did not finish in 120 s: " + cmd);
        }
        return new Run(Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8), p.exitValue());
    }

    static String dom(String fragment) throws Exception {
        assertTrue(Files.isRegularFile(PAGE), "the report invoker build wrote " + PAGE);
        Run run = chromium(List.of("--virtual-time-budget=5000", "--dump-dom"), PAGE.toUri() + fragment);
        assertEquals(0, run.exitCode(), run.stderr());
        for (String line : run.stderr().split("\n")) {
            // the page's own console output would show as CONSOLE lines: errors, refused loads or scripts
            assertFalse(line.contains("CONSOLE") || line.contains("Refused to") || line.contains("Uncaught"), line);
        }
        assertTrue(run.stdout().contains("</html>"), "a whole DOM: " + run.stdout());
        return run.stdout();
    }

    @Test
    void rendersWithItsScriptRunAndNoErrors() throws Exception {
        String dom = dom("");
        // the markers are attributes of the root element and body (the script's own text names them too)
        String root = dom.substring(dom.indexOf("<html"), dom.indexOf('>', dom.indexOf("<html")) + 1);
        String body = dom.substring(dom.indexOf("<body"), dom.indexOf('>', dom.indexOf("<body")) + 1);
        assertTrue(body.contains("data-ready=\"true\""), "the page's script ran to its end: " + body);
        assertFalse(root.contains("data-script-error"), "no script error: " + root);
        assertFalse(root.contains("data-csp-violation"), "nothing the Content-Security-Policy had to block: " + root);
        assertTrue(dom.contains("data-verdict=\"passed\""));
    }

    @Test
    void chartsHaveTheirElementsInTheRenderedPage() throws Exception {
        String dom = dom("");
        String confusion = between(dom, "chart chart-confusion");
        assertEquals(25, count(confusion, "class=\"cell\""), "5 x 5 confusion cells");
        assertEquals(15, count(between(dom, "chart chart-per-class"), "class=\"bar\""), "precision, recall, F1 of 5 classes");
        // the winner and from scratch: train loss, validation loss, validation accuracy
        assertEquals(6, count(between(dom, "chart chart-learning-curve"), "class=\"series\""));
        String trials = between(dom, "chart chart-trials");
        assertEquals(4, count(trials, "class=\"series\""), "every trial's validation curve");
        assertTrue(count(trials, "class=\"stop\"") >= 2, "successive halving's stopped trials end in a cross");
        assertEquals(2, count(dom, "chart chart-scatter"), "one scatter per swept parameter");
    }

    @Test
    void theTrialTableSortsByAColumn() throws Exception {
        List<Double> ascending = accuracies(dom("#sort=2"));
        assertEquals(4, ascending.size());
        List<Double> sorted = new ArrayList<>(ascending);
        sorted.sort(Double::compare);
        assertEquals(sorted, ascending, "ascending by validation accuracy");
        List<Double> descending = accuracies(dom("#sort=-2"));
        sorted.sort((a, b) -> Double.compare(b, a));
        assertEquals(sorted, descending);
        assertFalse(ascending.equals(descending), "the two orders differ, so the sort did something");
    }

    @Test
    void screenshotIsTaken() throws Exception {
        Path dir = Path.of(System.getProperty("it.screenshots"));
        Files.createDirectories(dir);
        Path png = dir.resolve("report.png");
        Files.deleteIfExists(png);
        Run run = chromium(List.of("--window-size=1100,2600", "--hide-scrollbars", "--screenshot=" + png), PAGE.toUri().toString());
        assertEquals(0, run.exitCode(), run.stderr());
        byte[] bytes = Files.readAllBytes(png);
        assertTrue(bytes.length > 50_000, "a rendered page, not a blank one: " + bytes.length + " bytes");
        assertEquals("\u0089PNG", new String(bytes, 0, 4, StandardCharsets.ISO_8859_1));
        System.out.printf(Locale.ROOT, "report.html screenshot: %s (%d KiB)%n", png, bytes.length / 1024);
    }

    /** The trial table's accuracy column, top to bottom, as rendered. */
    private static List<Double> accuracies(String dom) {
        String table = dom.substring(dom.indexOf("<table class=\"sortable trials\""));
        table = table.substring(table.indexOf("<tbody>"), table.indexOf("</tbody>"));
        List<Double> out = new ArrayList<>();
        Matcher m = Pattern.compile("<tr[^>]*>(?:\\s*<td[^>]*>.*?</td>){2}\\s*<td class=\"num\" data-sort=\"([0-9.]+)\"", Pattern.DOTALL)
                .matcher(table);
        while (m.find()) {
            out.add(Double.parseDouble(m.group(1)));
        }
        return out;
    }

    private static String between(String dom, String cssClass) {
        int start = dom.indexOf("class=\"" + cssClass + "\"");
        assertTrue(start >= 0, "no " + cssClass + " in the rendered page");
        return dom.substring(start, dom.indexOf("</svg>", start));
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
