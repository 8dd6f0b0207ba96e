package dev.tbar.attack;

import dev.tbar.TbarException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Attacks by name and named presets. Adding an attack is one class with a {@code create(Params, c, h, w, seed)}
 * factory plus one line in {@link #ATTACKS}; a preset is an attack name with default parameters.
 */
public final class AttackRegistry {
    /** Builds a trigger for (C, H, W) images from validated parameters and the attack seed. */
    @FunctionalInterface
    public interface Factory {
        Trigger create(Params params, int channels, int height, int width, long seed);
    }

    /** A named attack with default parameter values. */
    public record Preset(String attack, Map<String, Object> params) {}

    /** The attack family and the merged parameters (preset defaults, then the config's overrides). */
    public record Resolved(String attack, Map<String, Object> params) {}

    private static final Map<String, Factory> ATTACKS = new LinkedHashMap<>();
    private static final Map<String, Preset> PRESETS = new LinkedHashMap<>();

    static {
        ATTACKS.put(BadNets.NAME, BadNets::create);
        ATTACKS.put(Blended.NAME, Blended::create);
        ATTACKS.put(WaNet.NAME, WaNet::create);
        ATTACKS.put(Sig.NAME, Sig::create);

        // CIFAR scale, as in BackdoorBench's default configurations.
        preset("badnets-cifar", BadNets.NAME, Map.of("size", 3, "position", "bottom-right", "color", "white"));
        preset("blended-cifar", Blended.NAME, Map.of("alpha", 0.2));
        preset("wanet-cifar", WaNet.NAME, Map.of("k", 4, "s", 0.5, "grid_rescale", 1, "cross_ratio", 2));
        preset("sig-cifar", Sig.NAME, Map.of("delta", 40, "f", 6));
        // CLIP scale (224 px inputs).
        preset("badnets-clip", BadNets.NAME, Map.of("size", 16, "position", "bottom-right", "color", "white"));
        preset("blended-clip", Blended.NAME, Map.of("alpha", 0.2));
        preset("wanet-clip", WaNet.NAME, Map.of("k", 224, "s", 1, "grid_rescale", 1, "cross_ratio", 2));
        preset("sig-clip", Sig.NAME, Map.of("delta", 60, "f", 6));
    }

    private AttackRegistry() {}

    private static void preset(String name, String attack, Map<String, Object> params) {
        PRESETS.put(name, new Preset(attack, new LinkedHashMap<>(params)));
    }

    public static List<String> attacks() {
        return new ArrayList<>(ATTACKS.keySet());
    }

    public static List<String> presets() {
        return new ArrayList<>(PRESETS.keySet());
    }

    public static Preset preset(String name) {
        Preset p = PRESETS.get(name);
        if (p == null) {
            throw new TbarException("attack 'preset': unknown preset '" + name + "' (known: " + presets() + ")");
        }
        return p;
    }

    /** The attack family and merged parameters of {@code cfg}; unknown names give a TbarException. */
    public static Resolved resolve(AttackConfig cfg) {
        Map<String, Object> params = new LinkedHashMap<>();
        String attack = cfg.name();
        if (cfg.preset() != null) {
            Preset p = preset(cfg.preset());
            if (attack != null && !attack.equals(p.attack())) {
                throw new TbarException("attack 'name' " + attack + " contradicts preset '" + cfg.preset()
                        + "', which is a " + p.attack() + " attack");
            }
            attack = p.attack();
            params.putAll(p.params());
        }
        if (!ATTACKS.containsKey(attack)) {
            throw new TbarException("attack 'name': unknown attack '" + attack + "' (known: " + attacks() + ")");
        }
        params.putAll(cfg.params());
        return new Resolved(attack, params);
    }

    /** The trigger of {@code cfg} for images of shape (c, h, w); random parts are drawn from {@code cfg.seed()}. */
    public static Trigger trigger(AttackConfig cfg, int c, int h, int w) {
        if (c <= 0 || h <= 0 || w <= 0) {
            throw new IllegalArgumentException("image shape must be positive, got " + c + "x" + h + "x" + w);
        }
        Resolved r = resolve(cfg);
        return ATTACKS.get(r.attack()).create(new Params(r.attack(), r.params()), c, h, w, cfg.seed());
    }
}
