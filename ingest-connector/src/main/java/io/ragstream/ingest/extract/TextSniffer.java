package io.ragstream.ingest.extract;

import java.util.regex.Pattern;

/**
 * Tells Markdown apart from plain text by its syntax, for text that neither its bytes nor a name nor a media type
 * identify (an upload without {@code name} and with {@code Content-Type: text/plain} or none): Tika's detection has
 * no magic for Markdown, which it recognises only by the {@code .md} extension, so such a file would be indexed as
 * plain text and lose its headings. Markdown is the one text format here whose structure a parser of ours keeps
 * (reStructuredText, AsciiDoc and the like have none, and stay plain text).
 *
 * <p>The rule, conservative on purpose: at least one ATX ({@code # Title}) or setext ({@code Title} over
 * {@code ===}) heading that starts a paragraph, and at least two Markdown signals in all (headings, list items, fenced
 * code, links, emphasis, table rules), in a text that does not read as source code ({@code # comment} lines before
 * code end their lines with {@code ;}, braces or colons). Plain prose with a {@code #hashtag} or a numbered list
 * stays plain text; a prose file misread as Markdown loses nothing but literal asterisks.
 */
final class TextSniffer {
  /** Enough to decide; a long file's first part says what it is. */
  static final int SAMPLE_CHARS = 64 * 1024;

  private static final Pattern ATX = Pattern.compile("^ {0,3}#{1,6}[ \\t]+\\S.*$");
  private static final Pattern SETEXT_RULE = Pattern.compile("^ {0,3}(=+|-{2,})[ \\t]*$");
  private static final Pattern LIST_ITEM = Pattern.compile("^ {0,3}([-*+]|\\d{1,9}[.)])[ \\t]+\\S.*$");
  private static final Pattern FENCE = Pattern.compile("^ {0,3}(```|~~~).*$");
  private static final Pattern LINK = Pattern.compile("!?\\[[^\\]\\n]+]\\([^)\\s]+\\)");
  private static final Pattern EMPHASIS = Pattern.compile("(\\*\\*|__)[^*_\\n]+\\1|`[^`\\n]+`");
  private static final Pattern TABLE_RULE = Pattern.compile("^ {0,3}\\|?[ \\t]*:?-{3,}:?[ \\t]*(\\|[ \\t]*:?-{3,}:?[ \\t]*)+\\|?[ \\t]*$");
  private static final Pattern CODE_LINE = Pattern.compile(".*([;{}]|\\):)[ \\t]*$");

  private TextSniffer() {}

  /** Whether {@code text}, known only to be text, is Markdown. */
  static boolean isMarkdown(String text) {
    String[] lines = (text.length() > SAMPLE_CHARS ? text.substring(0, SAMPLE_CHARS) : text).split("\\R", -1);
    int headings = 0;
    int signals = 0;
    boolean list = false;
    boolean fence = false;
    boolean inFence = false;
    int codeLines = 0;
    int nonBlank = 0;
    String previous = "";
    for (String line : lines) {
      if (FENCE.matcher(line).matches()) {
        fence = true;
        inFence = !inFence;
        previous = line;
        continue;
      }
      if (inFence) {
        continue; // code inside a fence says nothing about the text around it
      }
      if (!line.isBlank()) {
        nonBlank++;
        if (CODE_LINE.matcher(line).matches()) {
          codeLines++;
        }
      }
      boolean startsParagraph = previous.isBlank();
      if (ATX.matcher(line).matches() && startsParagraph) {
        headings++;
      } else if (SETEXT_RULE.matcher(line).matches() && !previous.isBlank() && !LIST_ITEM.matcher(previous).matches()
          && !ATX.matcher(previous).matches()) {
        headings++;
      } else if (LIST_ITEM.matcher(line).matches()) {
        list = true;
      } else if (TABLE_RULE.matcher(line).matches()) {
        signals++;
      }
      previous = line;
    }
    String sample = String.join("\n", lines);
    signals += headings + (list ? 1 : 0) + (fence ? 1 : 0);
    signals += LINK.matcher(sample).find() ? 1 : 0;
    signals += EMPHASIS.matcher(sample).find() ? 1 : 0;
    boolean readsAsCode = nonBlank > 0 && codeLines * 4 > nonBlank;
    return headings >= 1 && signals >= 2 && !readsAsCode;
  }
}
