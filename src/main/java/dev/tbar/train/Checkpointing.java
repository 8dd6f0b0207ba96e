package dev.tbar.train;

import dev.tbar.TbarException;
import dev.tbar.model.StateDict;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Saves the loop's state atomically at the end of every epoch and of the run ({@link TrainCheckpoint}, replacing the
 * older one), so that {@code Trainer.resume} continues an interrupted run as if it had not stopped. A diverged state
 * is never saved.
 */
final class Checkpointing implements TrainListener {
    private static final Logger LOG = LoggerFactory.getLogger(Checkpointing.class);
    private final Path file;

    Checkpointing(Path file) {
        this.file = file;
    }

    @Override
    public void onEpochEnd(EpochEnd s) {
        if (!s.finite()) {
            return; // the step diverged: keep the last good checkpoint
        }
        requireFinite(s.weights(), s.step());
        TrainCheckpoint.save(file, s.weights(), s.optimizer(), s.config(), s.datasetSize(), s.step(), s.imagesSeen(),
                s.losses(), s.complete());
        LOG.debug("checkpoint at step {} written to {}", s.step(), file);
    }

    private static void requireFinite(StateDict weights, long step) {
        for (String name : weights.names()) {
            try (var tmp = weights.manager().getParentManager().newSubManager()) {
                var w = weights.get(name);
                tmp.tempAttachAll(w);
                if (w.isNaN().logicalOr(w.isInfinite()).any().getBoolean()) {
                    throw new TbarException("training diverged at step " + step + " (tensor '" + name
                            + "' is no longer finite); lower train.lr or set train.clip_norm");
                }
            }
        }
    }
}
