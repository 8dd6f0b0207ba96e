package dev.tbar.report;

import ai.djl.engine.Engine;
import dev.tbar.util.Devices;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.Properties;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/** Software and machine a run used, for the manifest. Every field is text; what cannot be found says so. */
public record Versions(
        String tbar,
        String java,
        String javaVendor,
        String djl,
        String engine,
        String engineVersion,
        String os,
        String arch,
        int cores,
        long maxHeapMb,
        String threads,
        String device) {
    private static final String POM_PROPERTIES = "/META-INF/maven/dev.tbar/tbar/pom.properties";

    /** Detects everything; this starts the default DJL engine (loads its natives) if nothing has yet. */
    public static Versions detect() {
        String engineName;
        String engineVersion;
        try {
            Engine engine = Engine.getInstance();
            engineName = engine.getEngineName();
            engineVersion = engine.getVersion();
        } catch (RuntimeException | LinkageError e) {
            // a manifest is still worth writing when the engine is broken: say why in place of a version
            engineName = "unavailable";
            engineVersion = String.valueOf(e.getMessage());
        }
        return new Versions(
                tbarVersion(),
                System.getProperty("java.version"),
                System.getProperty("java.vendor"),
                Engine.getDjlVersion(),
                engineName,
                engineVersion,
                System.getProperty("os.name") + " " + System.getProperty("os.version"),
                System.getProperty("os.arch"),
                Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() / (1024 * 1024),
                threadSettings(),
                deviceSetting());
    }

    /** The device tensors live on, as asked for and as resolved ("auto -> cpu()"), or why there is none. */
    static String deviceSetting() {
        try {
            return Devices.requested() + " -> " + Devices.current();
        } catch (RuntimeException | LinkageError e) {
            return "unavailable: " + e.getMessage();
        }
    }

    /** The thread settings that change results (see the README): OpenMP's and DJL's, as set or "default". */
    static String threadSettings() {
        java.util.List<String> parts = new java.util.ArrayList<>();
        for (String env : new String[] {"OMP_NUM_THREADS", "MKL_NUM_THREADS"}) {
            String v = System.getenv(env);
            parts.add(env + "=" + (v == null ? "default" : v));
        }
        for (String prop : new String[] {"ai.djl.pytorch.num_threads", "ai.djl.pytorch.num_interop_threads"}) {
            String v = System.getProperty(prop);
            parts.add(prop + "=" + (v == null ? "default" : v));
        }
        return String.join(", ", parts);
    }

    /**
     * tbar's version: the jar manifest's Implementation-Version, else the pom.properties Maven packs into the jar,
     * else (running from {@code target/classes} in a checkout) the checkout's pom.xml, else "unknown".
     */
    public static String tbarVersion() {
        String v = Versions.class.getPackage().getImplementationVersion();
        if (v != null && !v.isBlank()) {
            return v;
        }
        try (InputStream in = Versions.class.getResourceAsStream(POM_PROPERTIES)) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                v = p.getProperty("version");
                if (v != null && !v.isBlank()) {
                    return v;
                }
            }
        } catch (IOException ignored) {
            // fall through to the checkout's pom.xml
        }
        return fromCheckoutPom();
    }

    private static String fromCheckoutPom() {
        try {
            CodeSource src = Versions.class.getProtectionDomain().getCodeSource();
            if (src == null) {
                return GitInfo.UNKNOWN;
            }
            Path classes = Path.of(src.getLocation().toURI());
            // target/classes -> checkout root
            Path pom = classes.getParent() == null || classes.getParent().getParent() == null
                    ? null : classes.getParent().getParent().resolve("pom.xml");
            if (pom == null || !Files.isRegularFile(pom)) {
                return GitInfo.UNKNOWN;
            }
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            Element project = f.newDocumentBuilder().parse(pom.toFile()).getDocumentElement();
            String artifact = child(project, "artifactId");
            String version = child(project, "version");
            return "tbar".equals(artifact) && version != null ? version : GitInfo.UNKNOWN;
        } catch (Exception e) {
            return GitInfo.UNKNOWN; // provenance is best effort
        }
    }

    private static String child(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e.getTextContent().trim();
            }
        }
        return null;
    }
}
