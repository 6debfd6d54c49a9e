package dev.finetune.engine.report;

import org.commonmark.ext.autolink.AutolinkExtension;
import org.commonmark.ext.autolink.AutolinkType;
import org.commonmark.ext.gfm.tables.TableCell;
import org.commonmark.ext.gfm.tables.TablesExtension;
import org.commonmark.node.Code;
import org.commonmark.node.FencedCodeBlock;
import org.commonmark.node.HardLineBreak;
import org.commonmark.node.Heading;
import org.commonmark.node.HtmlBlock;
import org.commonmark.node.HtmlInline;
import org.commonmark.node.Image;
import org.commonmark.node.IndentedCodeBlock;
import org.commonmark.node.Link;
import org.commonmark.node.Node;
import org.commonmark.node.Paragraph;
import org.commonmark.node.SoftLineBreak;
import org.commonmark.node.Text;
import org.commonmark.parser.Parser;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A report's Markdown as GitHub reads it (CommonMark with GitHub's tables and bare-URL autolinks), reduced to what
 * data must not change: its elements. A report built from hostile data has to have the same elements as the same
 * report built from harmless data, and the hostile text has to show as text.
 */
public final class MarkdownShape {

    /**
     * Bare URLs and {@code www.} links as GitHub finds them. E-mail addresses are left to {@link #LINKABLE}: this
     * scanner takes any non-ASCII character, a zero-width space too, as part of an address, where GitHub's needs a
     * letter or digit right after the {@code @}.
     */
    private static final Parser PARSER = Parser.builder().extensions(List.of(TablesExtension.create(),
            AutolinkExtension.builder().linkTypes(AutolinkType.URL, AutolinkType.WWW).build())).build();

    /** What GitHub links in plain text after rendering: mentions, issue references, bare URLs and e-mail domains. */
    private static final Pattern LINKABLE = Pattern.compile("@[A-Za-z0-9]|#[0-9]|(?i:https?|ftp)://|(?i:www)\\.");

    /** The kinds counted one by one in failure messages: each one data must never add. */
    private static final List<Class<? extends Node>> FORBIDDEN = List.of(Link.class, Image.class, HtmlInline.class,
            HtmlBlock.class, Heading.class);

    private MarkdownShape() {
    }

    public static Node parse(String md) {
        return PARSER.parse(md);
    }

    /** Every element in document order, with heading levels and table cell counts; text itself left out. */
    public static List<String> shape(String md) {
        List<String> out = new ArrayList<>();
        walk(parse(md), 0, out);
        return out;
    }

    private static void walk(Node node, int depth, List<String> out) {
        if (!(node instanceof Text)) {
            String name = node.getClass().getSimpleName();
            if (node instanceof Heading h) {
                name += h.getLevel();
            }
            out.add("  ".repeat(depth) + name);
        }
        for (Node child = node.getFirstChild(); child != null; child = child.getNext()) {
            walk(child, depth + 1, out);
        }
    }

    /** Links, images, inline and block HTML and headings, by kind. */
    public static Map<String, Integer> counts(String md) {
        Map<String, Integer> out = new LinkedHashMap<>();
        FORBIDDEN.forEach(k -> out.put(k.getSimpleName(), 0));
        count(parse(md), out);
        return out;
    }

    private static void count(Node node, Map<String, Integer> out) {
        FORBIDDEN.stream().filter(k -> k.isInstance(node)).forEach(k -> out.merge(k.getSimpleName(), 1, Integer::sum));
        for (Node child = node.getFirstChild(); child != null; child = child.getNext()) {
            count(child, out);
        }
    }

    /** The headings' text. */
    public static List<String> headings(String md) {
        List<String> out = new ArrayList<>();
        headings(parse(md), out);
        return out;
    }

    private static void headings(Node node, List<String> out) {
        if (node instanceof Heading) {
            out.add(text(node, true));
        }
        for (Node child = node.getFirstChild(); child != null; child = child.getNext()) {
            headings(child, out);
        }
    }

    /** What a reader sees, block by block (one line each); zero-width spaces removed. */
    public static String visibleText(String md) {
        StringBuilder out = new StringBuilder();
        visible(parse(md), out);
        return out.toString().replace(String.valueOf(Markdown.BREAK), "");
    }

    private static void visible(Node node, StringBuilder out) {
        if (node instanceof Paragraph || node instanceof Heading || node instanceof TableCell) {
            out.append(text(node, true)).append('\n');
            return;
        }
        if (node instanceof FencedCodeBlock f) {
            out.append(f.getLiteral());
        } else if (node instanceof IndentedCodeBlock c) {
            out.append(c.getLiteral());
        } else if (node instanceof HtmlBlock h) {
            out.append(h.getLiteral()).append('\n');
        }
        for (Node child = node.getFirstChild(); child != null; child = child.getNext()) {
            visible(child, out);
        }
    }

    /** The inline text of a block: with code spans' content, or with code spans as a blank (where GitHub links nothing). */
    private static String text(Node block, boolean withCode) {
        StringBuilder out = new StringBuilder();
        inline(block, withCode, out);
        return out.toString();
    }

    private static void inline(Node node, boolean withCode, StringBuilder out) {
        if (node instanceof Text t) {
            out.append(t.getLiteral());
        } else if (node instanceof Code c) {
            out.append(withCode ? c.getLiteral() : " ");
        } else if (node instanceof SoftLineBreak || node instanceof HardLineBreak) {
            out.append('\n');
        } else if (node instanceof HtmlInline h) {
            out.append(h.getLiteral());
        }
        for (Node child = node.getFirstChild(); child != null; child = child.getNext()) {
            inline(child, withCode, out);
        }
    }

    /** Text outside code that GitHub would turn into a mention, an issue reference or a link. */
    public static List<String> linkable(String md) {
        List<String> out = new ArrayList<>();
        linkable(parse(md), out);
        return out;
    }

    private static void linkable(Node node, List<String> out) {
        if (node instanceof Paragraph || node instanceof Heading || node instanceof TableCell) {
            String text = text(node, false);
            Matcher m = LINKABLE.matcher(text);
            while (m.find()) {
                out.add(text.substring(Math.max(0, m.start() - 10), Math.min(text.length(), m.end() + 10)));
            }
            return;
        }
        if (node instanceof HtmlBlock h) {
            // raw HTML: GitHub's filters read its text as well
            Matcher m = LINKABLE.matcher(h.getLiteral());
            while (m.find()) {
                out.add(h.getLiteral().substring(Math.max(0, m.start() - 10), Math.min(h.getLiteral().length(), m.end() + 10)));
            }
        }
        for (Node child = node.getFirstChild(); child != null; child = child.getNext()) {
            linkable(child, out);
        }
    }

    /** The number of cells in each row of each table, in order. */
    public static List<Integer> tableRows(String md) {
        List<Integer> out = new ArrayList<>();
        rows(parse(md), out);
        return out;
    }

    private static void rows(Node node, List<Integer> out) {
        if (node instanceof org.commonmark.ext.gfm.tables.TableRow) {
            int cells = 0;
            for (Node c = node.getFirstChild(); c != null; c = c.getNext()) {
                cells++;
            }
            out.add(cells);
            return;
        }
        for (Node child = node.getFirstChild(); child != null; child = child.getNext()) {
            rows(child, out);
        }
    }

    /**
     * The report built from hostile data has the elements of the one built from harmless data (no link, image, HTML,
     * heading, list, table row or cell, emphasis or code came from data), GitHub would link nothing in it, and each
     * forged text shows, as text (a line break as {@link Markdown#LINE_BREAK}).
     */
    public static void assertOnlyTextFromData(String hostile, String harmless, List<String> forged) {
        assertEquals(counts(harmless), counts(hostile), () -> "links, images, HTML or headings from data in\n" + hostile);
        assertEquals(headings(harmless).size(), headings(hostile).size(), hostile);
        assertEquals(tableRows(harmless), tableRows(hostile), () -> "table rows or cells from data in\n" + hostile);
        assertEquals(String.join("\n", shape(harmless)), String.join("\n", shape(hostile)), () -> "elements from data in\n" + hostile);
        assertEquals(List.of(), linkable(harmless), "the harmless report has nothing GitHub would link");
        assertEquals(List.of(), linkable(hostile), () -> "mentions, references or URLs GitHub would link in\n" + hostile);
        assertTrue(hostile.chars().noneMatch(c -> c == '\r'), hostile);
        String seen = visibleText(hostile);
        for (String f : forged) {
            String expected = f.replace("\r\n", "\n").replace("\n", Markdown.LINE_BREAK);
            assertTrue(seen.contains(expected), () -> "not shown as text: " + expected + "\nin\n" + seen + "\nfrom\n" + hostile);
        }
    }
}
