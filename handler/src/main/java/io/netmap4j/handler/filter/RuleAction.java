package io.netmap4j.handler.filter;

/** What a matching rule does. */
public enum RuleAction {
    /** Pass the frame on; the search stops. */
    ALLOW,
    /** Drop (release) the frame; the search stops. */
    DENY,
    /** Count the frame and go on to the next rule (as ipfw's count). */
    COUNT
}
