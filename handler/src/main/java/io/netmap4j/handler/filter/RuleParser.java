package io.netmap4j.handler.filter;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Reads the rule text format described at {@link RuleTable}. */
final class RuleParser {
    private RuleParser() {
    }

    static RuleTable parse(String text, String source) {
        List<Rule> rules = new ArrayList<>();
        RuleAction defaultAction = RuleAction.DENY;
        RuleAction malformedAction = RuleAction.DENY;
        String[] lines = text.split("\r?\n", -1);
        for (int n = 0; n < lines.length; n++) {
            String raw = lines[n];
            int hash = raw.indexOf('#');
            String line = (hash >= 0 ? raw.substring(0, hash) : raw).strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] w = line.toLowerCase(Locale.ROOT).split("\\s+");
            try {
                if (w[0].equals("default") || w[0].equals("malformed")) {
                    if (w.length != 2) {
                        throw new IllegalArgumentException("expected '" + w[0] + " allow' or '" + w[0] + " deny'");
                    }
                    RuleAction a = action(w[1]);
                    if (a == RuleAction.COUNT) {
                        throw new IllegalArgumentException("'" + w[0] + "' must be allow or deny, not count");
                    }
                    if (w[0].equals("default")) {
                        defaultAction = a;
                    } else {
                        malformedAction = a;
                    }
                    continue;
                }
                rules.add(rule(n + 1, line, w));
            } catch (IllegalArgumentException e) {
                throw new RuleSyntaxException(source, n + 1, raw.strip(), e.getMessage());
            }
        }
        return RuleTable.of(rules, defaultAction, malformedAction);
    }

    private static RuleAction action(String w) {
        return switch (w) {
            case "allow", "pass", "accept" -> RuleAction.ALLOW;
            case "deny", "drop" -> RuleAction.DENY;
            case "count" -> RuleAction.COUNT;
            default -> throw new IllegalArgumentException("unknown action '" + w + "' (expected allow, deny or count)");
        };
    }

    private static Rule rule(int line, String text, String[] w) {
        RuleAction action = action(w[0]);
        if (w.length < 2) {
            throw new IllegalArgumentException("a protocol must follow the action (any, ip, ip4, ip6, tcp, udp, icmp, icmp6, arp or a number)");
        }
        int protocol = switch (w[1]) {
            case "any", "all" -> Rule.ANY;
            case "ip" -> Rule.IP;
            case "ip4" -> Rule.IP4;
            case "ip6" -> Rule.IP6;
            case "arp" -> Rule.ARP;
            case "tcp" -> 6;
            case "udp" -> 17;
            case "icmp" -> 1;
            case "icmp6" -> 58;
            default -> number(w[1], 255, "a protocol (any, ip, ip4, ip6, tcp, udp, icmp, icmp6, arp or 0..255)");
        };
        Rule.Prefix src = Rule.Prefix.ANY;
        Rule.Prefix dst = Rule.Prefix.ANY;
        int[] sp = {0, 65535};
        int[] dp = {0, 65535};
        int i = 2;
        if (i < w.length && w[i].equals("from")) {
            src = prefix(w, ++i, "from");
            i++;
            if (i < w.length && w[i].equals("port")) {
                sp = ports(w, ++i);
                i++;
            }
        }
        if (i < w.length && w[i].equals("to")) {
            dst = prefix(w, ++i, "to");
            i++;
            if (i < w.length && w[i].equals("port")) {
                dp = ports(w, ++i);
                i++;
            }
        }
        if (i < w.length) {
            throw new IllegalArgumentException("unexpected '" + w[i] + "' (a rule is ACTION PROTO [from ADDR [port P]] "
                    + "[to ADDR [port P]])");
        }
        if (src.version() != 0 && dst.version() != 0 && src.version() != dst.version()) {
            throw new IllegalArgumentException("the source is IPv" + src.version() + " but the destination IPv" + dst.version());
        }
        int version = Math.max(src.version(), dst.version());
        if (version != 0 && (protocol == Rule.ARP || protocol == Rule.IP4 && version == 6 || protocol == Rule.IP6 && version == 4
                || protocol == 1 && version == 6 || protocol == 58 && version == 4)) {
            throw new IllegalArgumentException("protocol '" + w[1] + "' and an IPv" + version + " address never match together");
        }
        Rule r = new Rule(line, text, action, protocol, src, sp[0], sp[1], dst, dp[0], dp[1]);
        if (r.hasPorts() && protocol != 6 && protocol != 17) {
            throw new IllegalArgumentException("ports need protocol tcp or udp, not '" + w[1] + "'");
        }
        return r;
    }

    private static Rule.Prefix prefix(String[] w, int i, String after) {
        if (i >= w.length) {
            throw new IllegalArgumentException("an address (any or a CIDR prefix) must follow '" + after + "'");
        }
        return Rule.Prefix.parse(w[i]);
    }

    private static int[] ports(String[] w, int i) {
        if (i >= w.length) {
            throw new IllegalArgumentException("a port or LOW-HIGH must follow 'port'");
        }
        String s = w[i];
        if (s.equals("any")) {
            return new int[] {0, 65535};
        }
        int dash = s.indexOf('-');
        int lo = number(dash < 0 ? s : s.substring(0, dash), 65535, "a port 0..65535");
        int hi = dash < 0 ? lo : number(s.substring(dash + 1), 65535, "a port 0..65535");
        if (lo > hi) {
            throw new IllegalArgumentException("port range " + s + " is empty (LOW above HIGH)");
        }
        return new int[] {lo, hi};
    }

    private static int number(String s, int max, String what) {
        try {
            int v = Integer.parseInt(s);
            if (v >= 0 && v <= max) {
                return v;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("'" + s + "' is not " + what);
    }
}
