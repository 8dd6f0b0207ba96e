package dev.tbar.attack;

import dev.tbar.TbarException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Typed, validated access to an attack's parameter map (values as YAML delivers them: numbers, strings, lists).
 * Every error names the attack and the parameter.
 */
public final class Params {
    private final String attack;
    private final Map<String, Object> values;

    public Params(String attack, Map<String, Object> values) {
        this.attack = attack;
        this.values = values;
    }

    /** Refuses keys the attack does not know (a typo would otherwise silently fall back to a default). */
    public void requireKnown(Set<String> known) {
        for (String k : values.keySet()) {
            if (!known.contains(k)) {
                throw new TbarException("attack '" + attack + "': unknown parameter '" + k + "' (known: "
                        + new TreeSet<>(known) + ")");
            }
        }
    }

    public boolean has(String key) {
        return values.get(key) != null;
    }

    public Object raw(String key) {
        return values.get(key);
    }

    public double number(String key, double def) {
        Object v = values.get(key);
        if (v == null) {
            return def;
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        try {
            return Double.parseDouble(v.toString().trim());
        } catch (NumberFormatException e) {
            throw bad(key, v, "a number");
        }
    }

    public double number(String key, double def, double min, double max) {
        double v = number(key, def);
        if (!(v >= min && v <= max)) {
            throw bad(key, v, "a number in [" + fmt(min) + ", " + fmt(max) + "]");
        }
        return v;
    }

    public int integer(String key, int def, int min, int max) {
        double v = number(key, def);
        if (v != Math.rint(v) || v < min || v > max) {
            throw bad(key, values.get(key), "an integer in [" + min + ", " + max + "]");
        }
        return (int) v;
    }

    public String string(String key, String def, Set<String> allowed) {
        Object v = values.get(key);
        String s = v == null ? def : v.toString().trim().toLowerCase(java.util.Locale.ROOT);
        if (allowed != null && !allowed.contains(s)) {
            throw bad(key, v, "one of " + new TreeSet<>(allowed));
        }
        return s;
    }

    public boolean flag(String key, boolean def) {
        Object v = values.get(key);
        if (v == null) {
            return def;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        String s = v.toString().trim().toLowerCase(java.util.Locale.ROOT);
        if (s.equals("true") || s.equals("false")) {
            return s.equals("true");
        }
        throw bad(key, v, "true or false");
    }

    /** A list of numbers (e.g. an RGB colour), or null when the value is not a list. */
    public double[] numbers(String key) {
        Object v = values.get(key);
        if (!(v instanceof List<?> list)) {
            return null;
        }
        double[] out = new double[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof Number n)) {
                throw bad(key, v, "a list of numbers");
            }
            out[i] = n.doubleValue();
        }
        return out;
    }

    public TbarException bad(String key, Object value, String expected) {
        return new TbarException("attack '" + attack + "': parameter '" + key + "' = " + value + " is invalid (expected "
                + expected + ")");
    }

    private static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}
