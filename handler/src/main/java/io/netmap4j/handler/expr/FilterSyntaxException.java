package io.netmap4j.handler.expr;

/** A filter expression that does not parse; the message quotes it and points at the bad word. */
public final class FilterSyntaxException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final int column;

    FilterSyntaxException(String expression, int column, String problem) {
        super("bad filter expression at column " + (column + 1) + ": " + problem + "\n  " + expression + "\n  "
                + " ".repeat(Math.max(0, column)) + "^");
        this.column = column;
    }

    /** Where in the expression the problem is (0-based). */
    public int column() {
        return column;
    }
}
