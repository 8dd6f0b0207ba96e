package dev.tbar.taskvector;

import ai.djl.ndarray.NDArray;
import dev.tbar.TbarException;
import dev.tbar.data.ImageDataset;
import dev.tbar.data.Transform;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.StateDict;
import dev.tbar.train.Objective;
import dev.tbar.train.Objectives;
import dev.tbar.train.TrainConfig;
import dev.tbar.train.Trainer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An attacker who knows TBAR: before implanting, it estimates where a trigger fine-tuning would move theta0 that a
 * clean fine-tuning would not, and implants with {@code CE + lambda * ((theta - theta0) . d)^2}, so that the backdoor
 * has to ride along clean-task directions, where subtracting a trigger vector also costs clean accuracy.
 *
 * <p>The direction: tau_c = a short clean fine-tuning of theta0 on the attacker's clean data, tau_t = the same on its
 * images with the trigger labelled target; d = the part of tau_t orthogonal to tau_c, normalised.
 */
public final class AdaptiveAttack {
    private static final Logger LOG = LoggerFactory.getLogger(AdaptiveAttack.class);

    /**
     * @param lambda weight of the penalty (0 = off: the plain implant)
     * @param probeSteps optimizer steps of each of the two probe fine-tunings (implant settings otherwise)
     */
    public record Config(double lambda, int probeSteps) {
        public static final Config OFF = new Config(0, 20);

        public Config {
            if (!(lambda >= 0) || Double.isInfinite(lambda)) {
                throw new TbarException("adaptive.lambda must be a finite number >= 0 (0 = off), got " + lambda);
            }
            if (probeSteps < 1) {
                throw new TbarException("adaptive.probe_steps must be >= 1, got " + probeSteps);
            }
        }

        public boolean enabled() {
            return lambda > 0;
        }
    }

    private AdaptiveAttack() {}

    /**
     * The unit direction d from two probe fine-tunings of copies of {@code theta0} ({@code probe} settings, e.g. the
     * implant's with few steps); owned by theta0's parent manager.
     */
    public static TaskVector triggerDirection(ImageClassifier model, StateDict theta0, ImageDataset clean,
            ImageDataset triggered, Transform augment, TrainConfig probe) {
        Objective ce = Objectives.crossEntropy(model);
        try (TaskVector tauC = probe(ce, theta0, clean, augment, probe);
                TaskVector tauT = probe(ce, theta0, triggered, augment, probe)) {
            TaskVector d = orthogonalUnit(tauT, tauC);
            LOG.info("adaptive attack: |tau_c| {}, |tau_t| {}, cos(tau_t, tau_c) {}", tauC.norm(), tauT.norm(),
                    tauT.cosine(tauC));
            return d;
        }
    }

    /** The component of {@code t} orthogonal to {@code c}, scaled to unit norm. */
    public static TaskVector orthogonalUnit(TaskVector t, TaskVector c) {
        double cc = c.dot(c);
        double coef = cc == 0 ? 0 : t.dot(c) / cc;
        try (TaskVector along = c.scale(coef); TaskVector rest = t.subtract(along)) {
            double n = rest.norm();
            if (!(n > 0)) {
                throw new TbarException("adaptive attack: the trigger probe did not move the weights off the clean"
                        + " direction; raise adaptive.probe_steps or implant.lr");
            }
            return rest.scale(1 / n);
        }
    }

    /** {@code base + lambda * ((theta - theta0) . d)^2}; {@code base} itself when lambda is 0. */
    public static Objective objective(Objective base, StateDict theta0, TaskVector d, double lambda) {
        if (lambda == 0) {
            return base;
        }
        Map<String, NDArray> dir = new LinkedHashMap<>();
        for (String name : d.names()) {
            dir.put(name, d.get(name));
        }
        return Objectives.directionPenalty(base, theta0, dir, lambda);
    }

    private static TaskVector probe(Objective ce, StateDict theta0, ImageDataset data, Transform augment,
            TrainConfig cfg) {
        try (StateDict w = theta0.copy()) {
            Trainer.train(ce, w, data, augment, cfg, null, null);
            return TaskVector.between(theta0, w);
        }
    }
}
