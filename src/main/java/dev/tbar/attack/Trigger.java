package dev.tbar.attack;

import dev.tbar.data.Image;
import java.nio.file.Path;
import java.util.Map;

/**
 * A backdoor trigger: a deterministic map from a clean image to its triggered version. Every random part (noise
 * pattern, warping field) is drawn once, from the attack's seed, when the trigger is built.
 */
public interface Trigger {
    /** Attack family, e.g. {@code badnets}. */
    String name();

    /** The triggered version of {@code clean} (same shape); {@code clean} is not modified. */
    Image apply(Image clean);

    /** Resolved parameters, for reports and manifests. */
    Map<String, Object> parameters();

    /** SHA-256 (hex) over the exact trigger (pattern, mask, grid, parameters), for the run manifest. */
    String sha256();

    /** Saves the exact trigger (safetensors) and a PNG preview into {@code dir}; returns the files written. */
    java.util.List<Path> save(Path dir);

    /**
     * Clean-label attacks (e.g. SIG) poison only images of the target class and keep their labels; all-to-one
     * attacks poison other classes' images and relabel them to the target.
     */
    default boolean cleanLabel() {
        return false;
    }
}
