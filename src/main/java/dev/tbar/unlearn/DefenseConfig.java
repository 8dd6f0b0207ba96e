package dev.tbar.unlearn;

/** Settings of every registered defense, one section each. */
public record DefenseConfig(Tbar.Config tbar, FineTune.Config finetune) {}
