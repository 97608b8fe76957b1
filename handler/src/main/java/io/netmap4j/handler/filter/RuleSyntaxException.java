package io.netmap4j.handler.filter;

/** A rule table text that does not parse; the message names the line and the word. */
public final class RuleSyntaxException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final int line;

    RuleSyntaxException(String source, int line, String text, String problem) {
        super(source + " line " + line + ": " + problem + "\n  " + text);
        this.line = line;
    }

    /** The 1-based line of the problem. */
    public int line() {
        return line;
    }
}
