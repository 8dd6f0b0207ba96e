package dev.tbar.train;

import dev.tbar.model.ModuleGradients;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import dev.tbar.TbarException;
import dev.tbar.data.Batches;
import dev.tbar.data.Image;
import dev.tbar.data.ImageDataset;
import dev.tbar.data.Transform;
import dev.tbar.model.StateDict;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one training loop of tbar: backdoor implanting, TBAR's trigger fine-tuning and the fine-tuning baselines all
 * run here, differing only in objective, data, transform and settings. {@code weights} is updated in place; when the
 * call returns (or fails) its parameters are plain tensors again, without gradients, ready to save or diff.
 */
public final class Trainer {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

    private Trainer() {}

    /**
     * Trains from the current {@code weights}. With a {@code checkpointDir}, the state is saved there atomically
     * after every epoch and at the end ({@link TrainCheckpoint#FILE_NAME}, replacing an older one) by a
     * {@link Checkpointing} listener; a {@link DivergenceCheck} stops a run whose loss or gradients stop being finite.
     */
    public static TrainResult train(Objective objective, StateDict weights, ImageDataset data, Transform transform,
            TrainConfig cfg, Path checkpointDir, TrainListener listener) {
        return run(objective, weights, data, transform, cfg, checkpointDir, listener, false);
    }

    /**
     * Continues the run checkpointed in {@code checkpointDir}: weights, optimizer state and position are restored
     * (the given {@code weights} only supply names and shapes) and the run ends as an uninterrupted one would.
     * The settings and dataset size must equal those of the checkpointed run.
     */
    public static TrainResult resume(Objective objective, StateDict weights, ImageDataset data, Transform transform,
            TrainConfig cfg, Path checkpointDir, TrainListener listener) {
        if (checkpointDir == null) {
            throw new TbarException("resume needs a checkpoint directory");
        }
        return run(objective, weights, data, transform, cfg, checkpointDir, listener, true);
    }

    private static TrainResult run(Objective objective, StateDict weights, ImageDataset data, Transform transform,
            TrainConfig cfg, Path checkpointDir, TrainListener listener, boolean resume) {
        int n = data.size();
        if (n == 0) {
            throw new TbarException("training data is empty: " + data.describe());
        }
        Path ckpt = checkpointDir == null ? null : TrainCheckpoint.file(checkpointDir);
        // checks and checkpoints first: the caller's listener may stop the run, and a diverged state is not saved
        TrainListener out = TrainListener.all(new DivergenceCheck(cfg),
                ckpt == null ? TrainListener.NONE : new Checkpointing(ckpt),
                listener == null ? TrainListener.NONE : listener);
        Transform tf = transform == null ? Transform.IDENTITY : transform;
        long total = cfg.totalSteps(n);
        long perEpoch = cfg.stepsPerEpoch(n);
        TrainResult result = null;
        try (Optimizer opt = Optimizer.create(cfg, weights)) {
            long step = 0;
            long images = 0;
            float[] losses = new float[(int) Math.min(total, 1 << 16)];
            if (resume) {
                TrainCheckpoint.Restored r = TrainCheckpoint.load(ckpt, weights, opt, cfg, n);
                if (r.step() > total) {
                    throw new TbarException(ckpt + ": checkpoint is at step " + r.step() + ", beyond this run's "
                            + total + " steps");
                }
                step = r.step();
                images = r.imagesSeen();
                losses = Arrays.copyOf(r.losses(), (int) Math.max(r.losses().length, losses.length));
                LOG.info("resuming from {} at step {}/{}", ckpt, step, total);
            }
            long startStep = step;
            setLeaves(weights, true);
            out.onStart(new TrainListener.Plan(total, perEpoch, startStep, cfg.batchSize(), n));
            long t0 = System.nanoTime();
            long sessionImages = 0;
            int[] order = null;
            long orderEpoch = -1;
            double epochLossSum = 0;
            for (long e = step / perEpoch, s0 = e * perEpoch; s0 < step; s0++) {
                epochLossSum += losses[(int) s0]; // the resumed epoch's earlier steps
            }
            while (step < total) {
                long epoch = step / perEpoch;
                if (epoch != orderEpoch) {
                    order = Shuffle.epochOrder(cfg.seed(), epoch, n);
                    orderEpoch = epoch;
                }
                int from = (int) ((step % perEpoch) * cfg.batchSize());
                int count = Math.min(cfg.batchSize(), n - from);
                double lr = LrSchedule.lr(cfg, step, total);
                double[] lossAndNorm = step(objective, weights, opt, data, tf, cfg, order, from, count, step, lr);
                step++;
                images += count;
                sessionImages += count;
                if (step > losses.length) {
                    losses = Arrays.copyOf(losses, (int) Math.min(total, 2L * losses.length));
                }
                losses[(int) step - 1] = (float) lossAndNorm[0];
                boolean epochEnd = step % perEpoch == 0 || step == total;
                long inEpoch = step - epoch * perEpoch;
                epochLossSum += (float) lossAndNorm[0];
                double secs = (System.nanoTime() - t0) / 1e9;
                double rate = sessionImages / Math.max(secs, 1e-9);
                double eta = (total - step) * secs / (step - startStep);
                if (epochEnd) {
                    out.onEpochEnd(new TrainListener.EpochEnd(weights, opt, cfg, n, step, images,
                            Arrays.copyOf(losses, (int) step), step == total,
                            Double.isFinite(lossAndNorm[0]) && Double.isFinite(lossAndNorm[1])));
                }
                out.onStep(new TrainListener.Step(step, total, epoch, epochEnd, lossAndNorm[0],
                        epochLossSum / inEpoch, lr, lossAndNorm[1], rate, eta));
                if (epochEnd) {
                    epochLossSum = 0;
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            result = TrainResult.of(Arrays.copyOf(losses, (int) step), perEpoch, images, sessionImages, seconds,
                    startStep);
            return result;
        } finally {
            setLeaves(weights, false);
            out.onEnd(result);
        }
    }

    /** One optimizer step; returns {loss, gradient norm before clipping}. */
    private static double[] step(Objective objective, StateDict weights, Optimizer opt, ImageDataset data,
            Transform tf, TrainConfig cfg, int[] order, int from, int count, long step, double lr) {
        SplittableRandom rnd = Shuffle.stepRandom(cfg.seed(), step);
        Image[] batch = new Image[count];
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            int idx = order[from + i];
            batch[i] = tf.apply(data.image(idx), rnd);
            labels[i] = data.label(idx);
        }
        try (NDManager sm = weights.manager().getParentManager().newSubManager()) {
            // Ops join their first operand's manager: lend the long-lived tensors to this step so that whatever the
            // objective and optimizer compute from them is freed with it (they return to their owners on close).
            sm.tempAttachAll(weights.asMap().values().toArray(new NDArray[0]));
            sm.tempAttachAll(opt.state().asMap().values().toArray(new NDArray[0]));
            NDArray pixels = Batches.pixels(sm, batch);
            NDArray y = Batches.labels(sm, labels);
            double loss;
            Objective outer = objective.inner(weights, pixels, y, cfg.trainMode());
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray l = outer.loss(weights, pixels, y, cfg.trainMode());
                if (l.size() != 1) {
                    throw new IllegalStateException("objective returned shape " + l.getShape() + ", not a scalar");
                }
                loss = l.toType(DataType.FLOAT64, false).getDouble();
                if (!Double.isFinite(loss)) {
                    return new double[] {loss, Double.NaN}; // no update: the divergence check stops the run
                }
                ModuleGradients.backward(gc, l);
            }
            try (GradMode.AutoCloseableNoThrow noGrad = GradMode.disabled()) {
                Map<String, NDArray> grads = new LinkedHashMap<>();
                for (String name : weights.parameterNames()) {
                    grads.put(name, weights.get(name).getGradient());
                }
                double norm = clipGradients(grads, cfg.clipNorm());
                if (!Double.isFinite(norm)) {
                    return new double[] {loss, norm}; // no update: the divergence check stops the run
                }
                opt.step(weights, grads, lr);
                for (NDArray g : grads.values()) {
                    g.subi(g); // PyTorch accumulates into .grad: zero it for the next backward
                }
                objective.project(weights);
                return new double[] {loss, norm};
            }
        }
    }

    /**
     * Scales {@code grads} in place so that their global L2 norm is at most {@code maxNorm} (0 = no clipping), as
     * PyTorch's clip_grad_norm_ does (factor maxNorm / (norm + 1e-6)); returns the norm before clipping.
     */
    public static double clipGradients(Map<String, NDArray> grads, double maxNorm) {
        double sq = 0;
        NDArray acc = null;
        for (NDArray g : grads.values()) {
            NDArray s = g.square().sum();
            acc = acc == null ? s : acc.addi(s);
        }
        if (acc != null) {
            sq = acc.toType(DataType.FLOAT64, false).getDouble();
        }
        double norm = Math.sqrt(sq);
        if (maxNorm > 0 && Double.isFinite(norm) && norm > maxNorm) {
            float factor = (float) (maxNorm / (norm + 1e-6));
            grads.values().forEach(g -> g.muli(factor));
        }
        return norm;
    }

    /**
     * Replaces every parameter by a fresh copy: a leaf that records gradients before the loop, a plain tensor after
     * it, which also drops the gradient buffers and any stale gradient from earlier use. A copy, not a detached view:
     * arrays made from Java data borrow memory that the original wrapper keeps alive, so a view would outlive it.
     */
    private static void setLeaves(StateDict weights, boolean requiresGrad) {
        for (String name : weights.parameterNames()) {
            NDArray copy = weights.get(name).duplicate();
            NDArray leaf = copy.stopGradient(); // a leaf even if grad mode is on in this thread
            copy.close();
            if (requiresGrad) {
                leaf.setRequiresGradient(true);
            }
            weights.putParameter(name, leaf);
        }
    }
}
