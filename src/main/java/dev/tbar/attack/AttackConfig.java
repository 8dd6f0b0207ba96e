package dev.tbar.attack;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.tbar.TbarException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What to implant: an attack by {@code name} ({@code badnets}, {@code blended}, {@code wanet}, {@code sig}) and/or a
 * named {@code preset} (e.g. {@code badnets-cifar}), the all-to-one {@code target} class, the fraction of training
 * images to poison, the seed of every random choice, and {@code params} overriding the preset's trigger parameters.
 * Binds from YAML with keys {@code name, preset, target, poison_rate, seed, params}; absent keys take defaults.
 */
public record AttackConfig(String name, String preset, Integer target,
        @JsonProperty("poison_rate") Double poisonRate, Long seed, Map<String, Object> params) {
    /** BackdoorBench's default poisoning ratio. */
    public static final double DEFAULT_POISON_RATE = 0.1;

    public AttackConfig {
        name = blankToNull(name);
        preset = blankToNull(preset);
        if (name == null && preset == null) {
            throw new TbarException("attack: set 'name' (one of " + AttackRegistry.attacks() + ") or 'preset' (one of "
                    + AttackRegistry.presets() + ")");
        }
        target = target == null ? 0 : target;
        if (target < 0) {
            throw new TbarException("attack 'target' must be a class index >= 0, got " + target);
        }
        poisonRate = poisonRate == null ? DEFAULT_POISON_RATE : poisonRate;
        if (!(poisonRate >= 0 && poisonRate <= 1)) {
            throw new TbarException("attack 'poison_rate' must be in [0, 1], got " + poisonRate);
        }
        seed = seed == null ? 0L : seed;
        // A copy that keeps null-free insertion order and cannot be changed behind the registry's back.
        params = params == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }

    /** A config from a preset with no overrides. */
    public static AttackConfig ofPreset(String preset, int target, double poisonRate, long seed) {
        return new AttackConfig(null, preset, target, poisonRate, seed, Map.of());
    }

    /** A config for attack {@code name} with explicit parameters (defaults for the rest). */
    public static AttackConfig of(String name, int target, double poisonRate, long seed, Map<String, Object> params) {
        return new AttackConfig(name, null, target, poisonRate, seed, params);
    }

    /** The preset (or attack) name with the poison rate, for summaries. */
    public String describe() {
        return (preset != null ? preset : name) + " (poison rate " + poisonRate + ")";
    }

    /** The attack family, from {@code name} or else from the preset. */
    public String attackName() {
        return AttackRegistry.resolve(this).attack();
    }

    /** A copy with {@code key} overridden. */
    public AttackConfig withParam(String key, Object value) {
        Map<String, Object> p = new LinkedHashMap<>(params);
        p.put(key, value);
        return new AttackConfig(name, preset, target, poisonRate, seed, p);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim().toLowerCase(java.util.Locale.ROOT);
    }
}
