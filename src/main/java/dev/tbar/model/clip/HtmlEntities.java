package dev.tbar.model.clip;

import java.nio.charset.Charset;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HTML character-reference decoding in the manner of Python's {@code html.unescape}, which CLIP's text cleanup
 * applies (twice) before tokenising, so that captions scraped as {@code &amp;} tokenise like {@code &}. Numeric
 * references follow Python's rules; named references cover a common subset of HTML5's 2,231 names (the markup
 * entities, Latin-1 symbols and typographic punctuation). An unknown name is left as written.
 */
final class HtmlEntities {
    // Same shape as Python's html._charref: numeric, hex, or a name of up to 32 characters, ';' optional.
    private static final Pattern REF = Pattern.compile("&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\\t\\n\\f <&#;]{1,32};?)");

    private static final Map<String, Integer> NAMED = Map.ofEntries(
            Map.entry("amp", 0x26), Map.entry("lt", 0x3c), Map.entry("gt", 0x3e), Map.entry("quot", 0x22),
            Map.entry("AMP", 0x26), Map.entry("LT", 0x3c), Map.entry("GT", 0x3e), Map.entry("QUOT", 0x22),
            Map.entry("COPY", 0xa9), Map.entry("REG", 0xae),
            Map.entry("apos", 0x27), Map.entry("nbsp", 0xa0), Map.entry("iexcl", 0xa1), Map.entry("cent", 0xa2),
            Map.entry("pound", 0xa3), Map.entry("curren", 0xa4), Map.entry("yen", 0xa5), Map.entry("sect", 0xa7),
            Map.entry("copy", 0xa9), Map.entry("laquo", 0xab), Map.entry("not", 0xac), Map.entry("shy", 0xad),
            Map.entry("reg", 0xae), Map.entry("deg", 0xb0), Map.entry("plusmn", 0xb1), Map.entry("micro", 0xb5),
            Map.entry("para", 0xb6), Map.entry("middot", 0xb7), Map.entry("raquo", 0xbb), Map.entry("frac14", 0xbc),
            Map.entry("frac12", 0xbd), Map.entry("frac34", 0xbe), Map.entry("iquest", 0xbf), Map.entry("times", 0xd7),
            Map.entry("divide", 0xf7), Map.entry("eacute", 0xe9), Map.entry("egrave", 0xe8), Map.entry("aacute", 0xe1),
            Map.entry("agrave", 0xe0), Map.entry("ccedil", 0xe7), Map.entry("uuml", 0xfc), Map.entry("ouml", 0xf6),
            Map.entry("auml", 0xe4), Map.entry("szlig", 0xdf), Map.entry("ntilde", 0xf1), Map.entry("ndash", 0x2013),
            Map.entry("mdash", 0x2014), Map.entry("lsquo", 0x2018), Map.entry("rsquo", 0x2019),
            Map.entry("ldquo", 0x201c), Map.entry("rdquo", 0x201d), Map.entry("bull", 0x2022),
            Map.entry("hellip", 0x2026), Map.entry("euro", 0x20ac), Map.entry("trade", 0x2122));

    private static final Charset CP1252 = Charset.forName("windows-1252");

    private HtmlEntities() {}

    static String unescape(String s) {
        if (s.indexOf('&') < 0) {
            return s;
        }
        Matcher m = REF.matcher(s);
        StringBuilder out = new StringBuilder(s.length());
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(replace(m.group(1))));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String replace(String ref) {
        if (ref.charAt(0) == '#') {
            String digits = ref.endsWith(";") ? ref.substring(1, ref.length() - 1) : ref.substring(1);
            boolean hex = digits.startsWith("x") || digits.startsWith("X");
            long n;
            try {
                n = Long.parseLong(hex ? digits.substring(1) : digits, hex ? 16 : 10);
            } catch (NumberFormatException e) {
                n = Long.MAX_VALUE; // too many digits: out of range like any huge number
            }
            return numeric(n);
        }
        // Python tries the longest prefix that is a known name; legacy Latin-1 names may omit the ';'.
        String name = ref.endsWith(";") ? ref.substring(0, ref.length() - 1) : ref;
        Integer cp = NAMED.get(name);
        if (cp != null && (ref.endsWith(";") || legacy(name, cp))) {
            return new String(Character.toChars(cp));
        }
        for (int len = name.length() - 1; len > 1; len--) {
            Integer p = NAMED.get(name.substring(0, len));
            if (p != null && legacy(name.substring(0, len), p)) {
                return new String(Character.toChars(p)) + ref.substring(len);
            }
        }
        return "&" + ref;
    }

    /** HTML's legacy names (those allowed without ';') are the Latin-1 ones, which excludes {@code apos}. */
    private static boolean legacy(String name, int cp) {
        return cp <= 0xff && !name.equals("apos");
    }

    private static String numeric(long n) {
        if (n == 0 || (n >= 0xd800 && n <= 0xdfff) || n > 0x10ffff) {
            return "\ufffd";
        }
        if (n == 0x0d) {
            return "\r";
        }
        if (n >= 0x80 && n <= 0x9f) {
            // Browsers (and Python) read these as windows-1252; its five holes stay as the C1 control itself.
            String c = new String(new byte[] {(byte) n}, CP1252);
            return c.equals("\ufffd") ? String.valueOf((char) n) : c;
        }
        if ((n >= 0x1 && n <= 0x8) || n == 0xb || (n >= 0xe && n <= 0x1f) || n == 0x7f
                || (n >= 0xfdd0 && n <= 0xfdef) || (n & 0xfffe) == 0xfffe) {
            return ""; // Python drops these invalid code points
        }
        return new String(Character.toChars((int) n));
    }
}
