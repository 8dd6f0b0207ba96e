package dev.tbar.invert;

/**
 * Neural Cleanse's schedule for the L1 weight on the mask, shared by {@link NeuralCleanse} and {@link Decree}: after
 * {@code patience} consecutive steps that meet the goal (attack success, or embedding collapse) lambda grows by 1.5 to
 * shrink the mask; after as many that miss it, lambda falls faster (1.5^1.5). It also keeps the smallest mask seen
 * while the goal was met, which is the inversion's answer.
 */
final class AdaptiveLambda {
    static final double UP = 1.5;
    static final double DOWN = Math.pow(1.5, 1.5);

    private final int patience;
    private double lambda;
    private int up;
    private int down;
    private double bestL1 = Double.POSITIVE_INFINITY;
    private float[] bestMask;
    private float[] bestPattern;

    AdaptiveLambda(double initial, int patience) {
        this.lambda = initial;
        this.patience = patience;
    }

    double lambda() {
        return lambda;
    }

    /** Records one optimisation step: whether it met the goal and its mask's L1 norm; adapts lambda. */
    void step(boolean goalMet, double l1, MaskPattern mp) {
        if (goalMet) {
            if (l1 < bestL1) {
                bestL1 = l1;
                bestMask = mp.mask();
                bestPattern = mp.pattern();
            }
            up++;
            down = 0;
        } else {
            down++;
            up = 0;
        }
        if (up >= patience) {
            lambda *= UP;
            up = 0;
        } else if (down >= patience) {
            lambda /= DOWN;
            down = 0;
        }
    }

    /** Whether any step met the goal. */
    boolean reached() {
        return bestMask != null;
    }

    /** The smallest goal-meeting mask, or the final one when the goal was never met. */
    float[] mask(MaskPattern mp) {
        return reached() ? bestMask : mp.mask();
    }

    float[] pattern(MaskPattern mp) {
        return reached() ? bestPattern : mp.pattern();
    }
}
