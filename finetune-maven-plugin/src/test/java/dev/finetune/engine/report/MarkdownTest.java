package dev.finetune.engine.report;

import org.commonmark.node.Code;
import org.commonmark.node.Node;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Escaping per context: what each method writes, and that CommonMark reads it back as the same text and nothing else. */
class MarkdownTest {

    private static final String ZWSP = "\u200B";

    /** Text a pull request could put in a class label, a file name, a layer name or a spec value. */
    static Stream<String> hostile() {
        return Stream.of(
                "[Approve now](https://evil.example) <img src=x onerror=alert(1)> @org/team",
                "cat`|<b>x</b>.csv\n## ✅ all gates passed",
                "x\n\n## ✅ after a blank line",
                "![x](https://evil.example/p.png)",
                "<script>alert(1)</script>",
                "<!-- comment --> <details><summary>x</summary>",
                "<https://evil.example> <mail@evil.example>",
                "# forged heading",
                "###### six",
                "1. forged list",
                "2) forged list",
                "- forged item",
                "+ forged item",
                "* forged item",
                "> forged quote",
                "    indented code",
                "```\nfenced\n```",
                "~~~ fence",
                "---",
                "===",
                "***",
                "| a | b |",
                "**bold** _em_ ~~strike~~ $x^2$ $$y$$",
                "www.evil.example, WWW.EVIL.EXAMPLE, mail@evil.example, #123 and owner/repo#45",
                "http://a.b:80/c?d=e#f ftp://x.y",
                "[ref]: https://evil.example",
                "[ref]",
                "&lt;b&gt; &#64;team &amp;",
                "a\\",
                "trailing\\\\|",
                "`",
                "``code``",
                " `x` ",
                "line\r\nbreak\rand\u2028more\u0085end",
                "tab\there\u0000nul\u001besc\u007fdel\u0090c1",
                "\u202Egnp.exe",
                "@@team @-x",
                "text  ",
                "- [ ] task");
    }

    /** The contexts the reports use, each with fixed text around the value. */
    private static Map<String, UnaryOperator<String>> contexts() {
        Map<String, UnaryOperator<String>> c = new LinkedHashMap<>();
        c.put("paragraph", s -> "Before " + Markdown.text(s) + " after.\n");
        c.put("heading", s -> "## Title " + Markdown.text(s) + "\n\nBody.\n");
        c.put("bold", s -> ":x: **Regression vs " + Markdown.text(s) + ": failed**\n");
        c.put("list item", s -> "- item " + Markdown.text(s) + "\n- next " + Markdown.code(s) + "\n");
        c.put("table", s -> "| k | " + Markdown.cell(s) + " | c |\n|---|---|---|\n| key | " + Markdown.cell(s) + " | "
                + Markdown.cellCode(s) + " |\n| | " + Markdown.value(Map.of("freeze.upTo", s)) + " | x |\n");
        c.put("table sentence", s -> "| a | b |\n|---|---|\n| failed: " + Markdown.cellWithCode("no layer " + s) + " | x |\n");
        c.put("blockquote", s -> "> " + Markdown.line(s) + "\n> " + Markdown.line(s) + "\n");
        c.put("line start", s -> "Intro\n" + Markdown.line(s) + "\n\n" + Markdown.line(s) + "\n");
        c.put("description", s -> "# Title\n\n" + Markdown.paragraph(s) + "\n\n## Next\n");
        c.put("code", s -> "Run " + Markdown.code(s) + " now.\n");
        c.put("summary", s -> "<details><summary>" + Markdown.summary(s) + "</summary>\n\nBody.\n\n</details>\n");
        return c;
    }

    @ParameterizedTest
    @MethodSource("hostile")
    void dataAddsNoElementInAnyContextAndShowsAsText(String s) {
        contexts().forEach((name, context) -> {
            String md = context.apply(s);
            String harmless = context.apply("harmless");
            assertEquals(List.of(), MarkdownShape.linkable(md), () -> name + ": GitHub would link in\n" + md);
            if (name.contains("sentence") && s.contains("`")) {
                // a backtick of the value's own may shift which parts of the sentence are code: nothing else
                assertEquals(MarkdownShape.counts(harmless), MarkdownShape.counts(md), md);
                assertEquals(MarkdownShape.tableRows(harmless), MarkdownShape.tableRows(md), md);
                return;
            }
            assertEquals(String.join("\n", MarkdownShape.shape(harmless)), String.join("\n", MarkdownShape.shape(md)),
                    () -> name + ": elements from data in\n" + md);
            String seen = MarkdownShape.visibleText(md);
            String expected = Markdown.oneLine(name.equals("description") ? s.replaceAll("[\\s\\u0085\\u2028\\u2029]+", " ") : s)
                    .strip();
            if (!name.equals("summary")) { // raw HTML: its text is entities, which a browser shows as the characters
                assertTrue(seen.contains(expected), () -> name + ": not shown as text: " + expected + "\nin\n" + seen + "\nfrom\n" + md);
            }
        });
    }

    @ParameterizedTest
    @MethodSource("hostile")
    void aCodeSpanShowsItsContentExactly(String s) {
        for (String md : List.of("Run " + Markdown.code(s) + " now.\n", "| a |\n|---|\n| " + Markdown.cellCode(s) + " |\n")) {
            List<String> code = new ArrayList<>();
            collectCode(MarkdownShape.parse(md), code);
            String expected = Markdown.oneLine(s).isEmpty() ? " " : Markdown.oneLine(s);
            assertEquals(List.of(expected), code, md);
        }
    }

    private static void collectCode(Node node, List<String> out) {
        if (node instanceof Code c) {
            out.add(c.getLiteral());
        }
        for (Node child = node.getFirstChild(); child != null; child = child.getNext()) {
            collectCode(child, out);
        }
    }

    @Test
    void sentencesInCellsKeepTheirCodeAndTheirCell() {
        assertEquals("`freeze` names layer 2 (`out`), but x\\|y", Markdown.cellWithCode("`freeze` names layer 2 (`out`), but x|y"));
        assertEquals("`a\\|b` and `c` \\`", Markdown.cellWithCode("`a|b` and `c` `"));
        assertEquals("`freeze` names layer 2 (`out`)", Markdown.lineWithCode("`freeze` names layer 2 (`out`)"));
        assertEquals("\\# x `#1`", Markdown.lineWithCode("# x `#1`"));
    }

    @ParameterizedTest
    @MethodSource("hostile")
    void theSentencesOfNotesQuoteCodeAndEscapeTheRest(String s) {
        String md = "> " + Markdown.lineWithCode("Not compared: the baseline `" + s + "` (" + s + ") has no metrics; run `mvn verify`") + "\n";
        String harmless = "> " + Markdown.lineWithCode("Not compared: the baseline `x` (x) has no metrics; run `mvn verify`") + "\n";
        assertEquals(MarkdownShape.counts(harmless), MarkdownShape.counts(md), md);
        assertEquals(List.of(), MarkdownShape.linkable(md), md);
        if (!s.contains("`")) {
            // a value with a backtick of its own may shift which parts are code, each still escaped for where it is
            assertEquals(MarkdownShape.shape(harmless), MarkdownShape.shape(md), md);
            assertTrue(MarkdownShape.visibleText(md).contains(Markdown.oneLine(s).strip()), md);
        }
    }

    @Test
    void ordinaryTextIsWrittenAsItIs() {
        for (String s : List.of("5", "1.1.0-SNAPSHOT", "training.learningRate", "dev.finetune.it:diff:zip:model:1.0.0",
                "cat (domestic)!", "a+b-c=d #x", "a -> b", "0.001", "-0.5", "conv1, pool1 (2)", "data/digits.csv", "Digits", "CpuBackend",
                "17.0.2", "classification", "über Größe", "猫")) {
            assertEquals(s, Markdown.text(s));
            assertEquals(s, Markdown.cell(s));
            assertEquals(s, Markdown.summary(s));
            assertEquals("`" + s + "`", Markdown.code(s));
            assertEquals("`" + s + "`", Markdown.cellCode(s));
        }
        assertEquals("Test metrics not compared: this build has no test metrics (run finetune:evaluate before finetune:diff, "
                + "e.g. `mvn verify`)", Markdown.lineWithCode("Test metrics not compared: this build has no test metrics "
                + "(run finetune:evaluate before finetune:diff, e.g. `mvn verify`)"));
        assertEquals("1.5 is a number", Markdown.line("1.5 is a number"));
        assertEquals("Per-class test metrics (5 classes)", Markdown.summary("Per-class test metrics (5 classes)"));
    }

    @Test
    void lineBreaksAndControlCharactersNeverSurvive() {
        assertEquals("a⏎## ✅ all gates passed", Markdown.text("a\n## ✅ all gates passed"));
        assertEquals("a⏎b⏎c⏎d⏎e", Markdown.text("a\r\nb\rc\u2028d\u0085e"));
        assertEquals("a b␀c␛d␡e\uFFFDf\uFFFDg", Markdown.text("a\tb\u0000c\u001bd\u007fe\u0090f\u202Eg"));
        assertEquals("`a⏎⏎## b`", Markdown.code("a\n\n## b"));
        assertEquals("x⏎&lt;b>", Markdown.summary("x\n<b>"));
        assertEquals("One paragraph: the first line, the second.", Markdown.paragraph("  One paragraph:\n    the first line,\r\n\n the second.\n"));
        for (String md : List.of(Markdown.text("a\nb\r\n"), Markdown.cell("\n"), Markdown.code("\r"), Markdown.cellCode("\u2029"),
                Markdown.line("\n\n"), Markdown.summary("\n"), Markdown.value(Map.of("k\n", "v\n")), Markdown.lineWithCode("a`\n`\n"))) {
            assertTrue(md.chars().noneMatch(c -> c < 0x20 || c == 0x7F || c >= 0x80 && c < 0xA0 || c == 0x2028 || c == 0x2029), md);
        }
    }

    @Test
    void inTextMetacharactersAreEscapedAndHtmlIsEntities() {
        assertEquals("a\\|b", Markdown.cell("a|b"));
        assertEquals("&lt;script>alert(1)&lt;/script>", Markdown.text("<script>alert(1)</script>"));
        assertEquals("\\[x\\](y)", Markdown.text("[x](y)"));
        assertEquals("!\\[x\\](y)", Markdown.text("![x](y)"));
        assertEquals("\\*\\*b\\*\\* \\_i\\_ \\~\\~s\\~\\~ \\`c\\` \\$m\\$ a\\\\", Markdown.text("**b** _i_ ~~s~~ `c` $m$ a\\"));
        assertEquals("R&amp;D &amp;lt;", Markdown.text("R&D &lt;"));
        assertEquals("&lt;https" + ZWSP + "://x.y>", Markdown.text("<https://x.y>"));
        assertEquals("0.8400 -> 0.8889 (+0.0489)", Markdown.text("0.8400 -> 0.8889 (+0.0489)"));
    }

    @Test
    void mentionsReferencesAndBareUrlsAreBroken() {
        assertEquals("@" + ZWSP + "team and @" + ZWSP + "org/team", Markdown.text("@team and @org/team"));
        assertEquals("a@" + ZWSP + "b.example", Markdown.text("a@b.example"));
        assertEquals("@ alone, @-x", Markdown.text("@ alone, @-x"));
        assertEquals("#" + ZWSP + "123, owner/repo#" + ZWSP + "4, #x", Markdown.text("#123, owner/repo#4, #x"));
        assertEquals("https" + ZWSP + "://evil.example/a HTTP" + ZWSP + "://x ftp" + ZWSP + "://y",
                Markdown.text("https://evil.example/a HTTP://x ftp://y"));
        assertEquals("www" + ZWSP + ".evil.example WwW" + ZWSP + ".x", Markdown.text("www.evil.example WwW.x"));
        assertEquals("@" + ZWSP + "team https" + ZWSP + "://x", Markdown.summary("@team https://x"));
        // in code GitHub links nothing: the code span shows the text as it is
        assertEquals("`@team https://x #1`", Markdown.code("@team https://x #1"));
    }

    @Test
    void atTheStartOfALineBlockMarkersAreEscaped() {
        assertEquals("\\# x", Markdown.line("# x"));
        assertEquals("\\###### x", Markdown.line("###### x"));
        assertEquals("1\\. x", Markdown.line("1. x"));
        assertEquals("12\\) x", Markdown.line("12) x"));
        assertEquals("1\\.", Markdown.line("1."));
        assertEquals("\\- x", Markdown.line("- x"));
        assertEquals("\\+ x", Markdown.line("+ x"));
        assertEquals("\\* x", Markdown.line("* x"));
        assertEquals("\\> x", Markdown.line("> x"));
        assertEquals("\\===", Markdown.line("==="));
        assertEquals("\\---", Markdown.line("---"));
        assertEquals("indented", Markdown.line("    indented"));
        assertEquals("\\`\\`\\`java", Markdown.line("```java"));
        assertEquals("\\[ref\\]: https" + ZWSP + "://x", Markdown.line("[ref]: https://x"));
        assertEquals("&lt;div>", Markdown.line("<div>"));
        // mid-line the same characters start nothing, and stay as they are
        assertEquals("# x", Markdown.text("# x"));
        assertEquals("1. x", Markdown.text("1. x"));
    }

    @Test
    void codeSpansFenceLongerThanAnyBacktickRun() {
        assertEquals("`a|b`", Markdown.code("a|b"));
        assertEquals("`a\\|b`", Markdown.cellCode("a|b"));
        assertEquals("``a`b``", Markdown.code("a`b"));
        assertEquals("```a``b`c```", Markdown.code("a``b`c"));
        assertEquals("`` `x ``", Markdown.code("`x"));
        assertEquals("`` x` ``", Markdown.code("x`"));
        assertEquals("`` ` ``", Markdown.code("`"));
        assertEquals("```` ``` ````", Markdown.code("```"));
        assertEquals("`  a  `", Markdown.code(" a "));
        assertEquals("`   `", Markdown.code("   "));
        assertEquals("` `", Markdown.code(""));
        assertEquals("`<script>[x](y)</script>`", Markdown.code("<script>[x](y)</script>"));
        assertEquals("`a\\\\|b`", Markdown.cellCode("a\\|b"));
    }

    @Test
    void summaryIsHtmlText() {
        assertEquals("&lt;img src=x onerror=alert(1)> &quot;q&quot; &amp;amp; [x](y) **b**",
                Markdown.summary("<img src=x onerror=alert(1)> \"q\" &amp; [x](y) **b**"));
    }

    @Test
    void specValuesKeepTheirBracketsAndEscapeTheirNames() {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("freeze.upTo", "x|[y](z)");
        params.put("head.hidden", List.of(32, Map.of("units", 64)));
        params.put("training.learningRate", 3e-4);
        assertEquals("{freeze.upTo: x\\|\\[y\\](z), head.hidden: [32, {units: 64}], training.learningRate: 0.0003}",
                Markdown.value(params));
        assertEquals(SpecValues.render(List.of(List.of(), List.of(128, 64))), Markdown.value(List.of(List.of(), List.of(128, 64))));
        assertEquals("adam", Markdown.value("adam"));
    }
}
