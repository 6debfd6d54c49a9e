package dev.finetune.engine.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Escaping for text that comes from data, file names, the spec or the project into the Markdown reports
 * ({@code diff.md}, posted as a pull-request comment; {@code model-card.md}, shipped in the model; {@code sweep.md}).
 * A pull request controls all of that text: a class label, a file name or a layer name must read as itself and never
 * become a link, an image, raw HTML, a heading, a list, a table cell of its own, a mention or an issue reference. The
 * plugin's own Markdown (headings, tables, emoji) is written as it is; only the values put into it go through here.
 *
 * <p>Every context first makes the text one line: a line break (CR, LF, CRLF, NEL, U+2028, U+2029) shows as
 * {@value #LINE_BREAK}, a tab as a space, any other control character as its Unicode control picture (U+2400 block) or
 * U+FFFD, and the bidirectional embedding, override and isolate controls (which can make text display as something
 * else) as U+FFFD. Then, per context:
 * <ul>
 *   <li>{@link #text}: inline text after fixed text on a line (a paragraph, a heading, a list item, a table cell).
 *       {@code \ ` * _ ~ [ ] | $} are backslash-escaped (no emphasis, code, strikethrough, link, image, cell end or
 *       math), {@code &} and {@code <} become entities (no HTML, no autolink, no entity from data; a {@code >} with
 *       no {@code <} before it closes nothing, so {@code 0.84 -> 0.89} stays as it is), and what GitHub links in
 *       plain text is broken with a zero-width space: after {@code @} before a letter or digit (mentions, e-mail
 *       autolinks), after {@code #} before a digit (issue references), before the {@code :} of {@code ://} and after
 *       {@code www} before {@code .} (bare URL autolinks). Other characters are left alone so that ordinary labels,
 *       versions and numbers ({@code 1.1.0-SNAPSHOT}, {@code (domestic)}, {@code 0.5!}) are byte for byte as they
 *       were: once {@code [}, {@code ]} and {@code <} are escaped and the text is on one line,
 *       {@code ( ) ! + - # . = >} start nothing.</li>
 *   <li>{@link #line}: like {@code text}, at the start of a line (after a block marker such as {@code > }), so a
 *       leading {@code #}, {@code >}, {@code +}, {@code -}, {@code =} or ordered-list marker ({@code 1.}, {@code 1)})
 *       is escaped too, and blanks at either end (an indented code block, a hard line break) are dropped.
 *       {@link #paragraph} is the same for a free text that legitimately has line breaks (a project description):
 *       whitespace runs become one space.</li>
 *   <li>{@link #cell}: a table cell's text; {@code text} already escapes {@code |}.</li>
 *   <li>{@link #code} / {@link #cellCode}: an inline code span, outside or inside a table. Nothing is escaped inside
 *       (CommonMark shows code literally, and GitHub links no mention or URL in code); the fence is one backtick longer
 *       than the longest backtick run of the content, and a space pads each side when the content starts or ends with
 *       a backtick or with spaces on both ends, so the content shows exactly. In a table cell {@code |} is
 *       {@code \|}, which GitHub's table parser turns back into {@code |} before it reads the code span.</li>
 *   <li>{@link #lineWithCode} / {@link #cellWithCode}: a sentence of the plugin's own (a note, an error message)
 *       that quotes values in backticks: the quoted parts as code spans, the rest as text.</li>
 *   <li>{@link #summary}: the text of a {@code <details><summary>} element, which is raw HTML where Markdown is not
 *       read: {@code & < "} become entities and mentions, issue references and URLs are broken as in
 *       {@code text}.</li>
 * </ul>
 */
public final class Markdown {

    /** What a line break in a value shows as: the value stays on its line, and the break stays visible. */
    public static final String LINE_BREAK = "\u23CE";

    /** Zero-width space: invisible, but ends the word GitHub would turn into a mention, reference or link. */
    static final char BREAK = '\u200B';

    private Markdown() {
    }

    /** Inline text after fixed text on a line: a paragraph, heading, list item or table cell. */
    public static String text(String s) {
        String v = oneLine(s);
        StringBuilder out = new StringBuilder(v.length() + 8);
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '\\', '`', '*', '_', '~', '[', ']', '|', '$' -> out.append('\\').append(c);
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                default -> out.append(c);
            }
            unlink(v, i, out);
        }
        return out.toString();
    }

    /** A table cell's text. */
    public static String cell(String s) {
        return text(s);
    }

    /** Inline text at the start of a line, or right after a block marker such as {@code "> "} or {@code "- "}. */
    public static String line(String s) {
        // blanks first would make an indented code block, two last a hard line break into the next line
        return lineStart(text(oneLine(s).strip()));
    }

    /** Escaped text that starts a line, with what would open a block there escaped as well. */
    private static String lineStart(String escaped) {
        StringBuilder out = new StringBuilder(escaped);
        if (out.isEmpty()) {
            return "";
        }
        char first = out.charAt(0);
        if (first == '#' || first == '>' || first == '+' || first == '-' || first == '=') {
            out.insert(0, '\\');
        } else if (first >= '0' && first <= '9') {
            int digits = 1;
            while (digits < out.length() && out.charAt(digits) >= '0' && out.charAt(digits) <= '9') {
                digits++;
            }
            boolean marker = digits <= 9 && digits < out.length() && (out.charAt(digits) == '.' || out.charAt(digits) == ')')
                    && (digits + 1 == out.length() || out.charAt(digits + 1) == ' ');
            if (marker) {
                out.insert(digits, '\\');
            }
        }
        // '<' is an entity by now, '*', '_', '`', '~', '[' and '|' backslash-escaped: none starts a block
        return out.toString();
    }

    /**
     * A free text that may have line breaks of its own (a project description) as one paragraph: whitespace runs,
     * line breaks included, become one space, then as {@link #line}.
     */
    public static String paragraph(String s) {
        return line(s.replaceAll("[\\s\\u0085\\u2028\\u2029]+", " ").strip());
    }

    /** An inline code span outside a table. */
    public static String code(String s) {
        return codeSpan(oneLine(s));
    }

    /** An inline code span inside a table cell. */
    public static String cellCode(String s) {
        return codeSpan(oneLine(s)).replace("|", "\\|");
    }

    /** The text of a {@code <summary>} element (raw HTML, where Markdown is not read). */
    public static String summary(String s) {
        String v = oneLine(s);
        StringBuilder out = new StringBuilder(v.length() + 8);
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '"' -> out.append("&quot;");
                default -> out.append(c);
            }
            unlink(v, i, out);
        }
        return out.toString();
    }

    /**
     * A spec value as {@link SpecValues#render} writes it ({@code 0.001}, {@code [128, 64]},
     * {@code {units: 64, activation: tanh}}), for a table cell or inline text: the brackets and separators as they
     * are, each name and string in it escaped as {@link #text}.
     */
    public static String value(Object v) {
        if (v instanceof Double) {
            return SpecValues.render(v);
        }
        if (v instanceof List<?> list) {
            List<String> items = new ArrayList<>();
            list.forEach(x -> items.add(value(x)));
            return "[" + String.join(", ", items) + "]";
        }
        if (v instanceof Map<?, ?> map) {
            List<String> items = new ArrayList<>();
            map.forEach((k, x) -> items.add(text(String.valueOf(k)) + ": " + value(x)));
            return "{" + String.join(", ", items) + "}";
        }
        return text(String.valueOf(v));
    }

    /**
     * A sentence of the plugin's own that quotes values in backticks, like {@code Test metrics not compared: ...
     * (run `mvn verify`)}, at the start of a line: each backtick-quoted part becomes a code span, the rest is
     * {@link #line} text. A value with a backtick of its own can only shift which parts are code; each part is still
     * escaped for where it ends up.
     */
    public static String lineWithCode(String s) {
        return withCode(s, true, false);
    }

    /** A sentence like {@link #lineWithCode}'s (an error message, a stop reason) in a table cell. */
    public static String cellWithCode(String s) {
        return withCode(s, false, true);
    }

    private static String withCode(String s, boolean lineStart, boolean inCell) {
        String v = oneLine(s).strip();
        StringBuilder out = new StringBuilder();
        int at = 0;
        while (true) {
            int open = v.indexOf('`', at);
            int close = open < 0 ? -1 : v.indexOf('`', open + 1);
            String plain = text(close < 0 ? v.substring(at) : v.substring(at, open));
            out.append(lineStart && at == 0 ? lineStart(plain) : plain);
            if (close < 0) {
                return out.toString();
            }
            String code = codeSpan(v.substring(open + 1, close));
            out.append(inCell ? code.replace("|", "\\|") : code);
            at = close + 1;
        }
    }

    /** After the character at {@code i}: a zero-width space where GitHub would start a mention, reference or link. */
    private static void unlink(String v, int i, StringBuilder out) {
        char c = v.charAt(i);
        char next = i + 1 < v.length() ? v.charAt(i + 1) : 0;
        boolean breakHere = switch (c) {
            // @user, @org/team, and the domain of an e-mail address GitHub would autolink
            case '@' -> isAsciiAlnum(next);
            // #123, owner/repo#123
            case '#' -> next >= '0' && next <= '9';
            // www.example.com
            case 'w', 'W' -> next == '.' && i >= 2 && v.regionMatches(true, i - 2, "www", 0, 3);
            default -> false;
        };
        if (breakHere) {
            out.append(BREAK);
        }
        // https://example.com: the scheme no longer touches "://"
        if (next == ':' && v.startsWith("://", i + 1) && Character.isLetter(c)) {
            out.append(BREAK);
        }
    }

    private static boolean isAsciiAlnum(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
    }

    /** The content verbatim in a code span (CommonMark 6.1): a fence longer than any backtick run inside. */
    private static String codeSpan(String v) {
        if (v.isEmpty()) {
            return "` `";
        }
        int longest = 0;
        int run = 0;
        for (int i = 0; i < v.length(); i++) {
            run = v.charAt(i) == '`' ? run + 1 : 0;
            longest = Math.max(longest, run);
        }
        String fence = "`".repeat(longest + 1);
        boolean allSpaces = v.isBlank();
        boolean pad = v.startsWith("`") || v.endsWith("`") || !allSpaces && v.startsWith(" ") && v.endsWith(" ");
        return pad ? fence + " " + v + " " + fence : fence + v + fence;
    }

    /** The value on one line, every control character visible and harmless (see the class comment). */
    static String oneLine(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') {
                continue; // CRLF is one break: the LF writes it
            }
            if (c == '\r' || c == '\n' || c == '\u0085' || c == '\u2028' || c == '\u2029') {
                out.append(LINE_BREAK);
            } else if (c == '\t') {
                out.append(' ');
            } else if (c < 0x20) {
                out.append((char) (0x2400 + c));
            } else if (c == 0x7F) {
                out.append('\u2421');
            } else if (c >= 0x80 && c < 0xA0 || c >= '\u202A' && c <= '\u202E' || c >= '\u2066' && c <= '\u2069') {
                out.append('\uFFFD');
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
