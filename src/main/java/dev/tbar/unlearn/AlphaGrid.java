package dev.tbar.unlearn;

import dev.tbar.TbarException;

/** The scaling coefficients alpha tried when subtracting a trigger vector: {@code steps} evenly spaced values. */
public record AlphaGrid(double min, double max, int steps) {
    public AlphaGrid {
        if (steps < 1 || !(max >= min) || min < 0) {
            throw new TbarException("tbar.alphas: expected 0 <= min <= max and steps >= 1, got min=" + min + " max="
                    + max + " steps=" + steps);
        }
    }

    public double[] values() {
        double[] v = new double[steps];
        for (int i = 0; i < steps; i++) {
            v[i] = steps == 1 ? min : min + (max - min) * i / (steps - 1);
        }
        return v;
    }
}
