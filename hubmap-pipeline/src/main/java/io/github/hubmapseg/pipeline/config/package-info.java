/**
 * Recipes: every setting of a winning pipeline as immutable records loaded from YAML, with the ledger that makes
 * a key nothing reads an error.
 */
package io.github.hubmapseg.pipeline.config;
