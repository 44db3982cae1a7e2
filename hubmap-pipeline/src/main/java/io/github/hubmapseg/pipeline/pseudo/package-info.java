/**
 * Pseudo-labelling of test and external slides: confident masks and the uncertain region that training
 * avoids, and the hand labels that replace some slides' pseudo-labels.
 */
package io.github.hubmapseg.pipeline.pseudo;
