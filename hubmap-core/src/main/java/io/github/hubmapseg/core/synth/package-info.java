/**
 * Deterministic synthetic competition folders (easy and hard PAS-like profiles with look-alikes,
 * artefacts and label noise) for running every pipeline without the competition data.
 */
package io.github.hubmapseg.core.synth;
