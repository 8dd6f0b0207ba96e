package dev.tbar.attack;

import dev.tbar.data.Image;
import java.util.SplittableRandom;

/**
 * A trigger with a "noise mode" (WaNet): besides the poisoned images, some training images are transformed by a
 * randomly perturbed version of the trigger and keep their true label, so the model learns the exact trigger and
 * not any similar transformation.
 */
public interface CrossSampling extends Trigger {
    /** Cross samples per poisoned sample. */
    double crossRatio();

    /** {@code clean} under the trigger perturbed by noise drawn from {@code rnd}. */
    Image applyCross(Image clean, SplittableRandom rnd);
}
