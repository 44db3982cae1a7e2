/**
 * Recipes: the YAML settings of a run, each naming the write-up it comes from, validated at load, with
 * every key either used or refused (KeyLedger).
 */
package io.github.hubmapseg.pipeline.config;
