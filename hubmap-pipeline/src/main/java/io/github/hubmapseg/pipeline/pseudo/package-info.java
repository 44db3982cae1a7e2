/**
 * Pseudo-labelling of test and external slides: confident masks and the uncertain region that training
 * avoids.
 */
package io.github.hubmapseg.pipeline.pseudo;
