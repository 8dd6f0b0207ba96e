package dev.tbar.unlearn;

import dev.tbar.data.ImageDataset;

/**
 * Defender-side validation data: clean images with true labels (for CA) and the same kind of images with the trigger,
 * non-target classes only, labelled with the target (for ASR).
 */
public record ValidationSets(ImageDataset clean, ImageDataset triggered) {}
