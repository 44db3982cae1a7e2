/**
 * Compatibility shim under the name Deeplearning4j 1.0.0-M2.1 looks up by reflection to enable its oneDNN
 * layer helpers; not part of the hubmap-seg API.
 */
package org.nd4j.nativeblas;
