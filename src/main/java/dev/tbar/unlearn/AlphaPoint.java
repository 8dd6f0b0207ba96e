package dev.tbar.unlearn;

/** Validation clean accuracy (CA) and attack success rate (ASR) of theta_bd - alpha * tau. */
public record AlphaPoint(double alpha, double ca, double asr) {}
