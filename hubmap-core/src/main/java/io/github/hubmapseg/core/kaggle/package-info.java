/**
 * The competition's files: the folder layout ({@link io.github.hubmapseg.core.kaggle.CompetitionLayout}),
 * the CSV and JSON readers and writers (train.csv, submissions, dataset information, polygons).
 */
package io.github.hubmapseg.core.kaggle;
