package dev.tbar.unlearn;

import dev.tbar.attack.Trigger;
import dev.tbar.data.ImageDataset;
import dev.tbar.data.Transform;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.StateDict;
import java.nio.file.Path;

/**
 * Everything a defense may use. {@code cleanData} are defender-owned images with their true labels (never the test
 * split); {@code validation} is a separate defender split used only for choosing hyper-parameters such as alpha.
 *
 * @param trigger the known or reverse-engineered trigger, or null when the defense does not need one
 * @param workDir where the defense may write checkpoints, or null to keep everything in memory
 */
public record DefenseContext(
        ImageClassifier model,
        StateDict backdoored,
        ImageDataset cleanData,
        Trigger trigger,
        int targetClass,
        ValidationSets validation,
        Transform augment,
        long seed,
        Path workDir) {}
