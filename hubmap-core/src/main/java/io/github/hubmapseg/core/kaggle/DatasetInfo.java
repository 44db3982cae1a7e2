package io.github.hubmapseg.core.kaggle;

import java.util.Objects;

/**
 * One row of {@code HuBMAP-20-dataset_information.csv}: a slide's files, size and donor. Optional numeric
 * fields are {@code NaN} when empty; optional text fields are {@code ""}.
 *
 * @param imageFile                  TIFF file name, e.g. {@code 2f6ecfcdf.tiff}
 * @param widthPixels                width in pixels
 * @param heightPixels               height in pixels
 * @param anatomicalStructuresFile   anatomical-structure JSON file name ({@code ""} if none)
 * @param glomerulusFile             glomerulus polygon JSON file name ({@code ""} if none, e.g. test slides)
 * @param patientNumber              donor id, the group for patient-grouped folds
 * @param race                       donor race
 * @param ethnicity                  donor ethnicity
 * @param sex                        donor sex
 * @param age                        donor age, years
 * @param weightKilograms            donor weight, kg
 * @param heightCentimeters          donor height, cm
 * @param bmi                        body-mass index, kg/m^2
 * @param laterality                 {@code Left} or {@code Right} kidney
 * @param percentCortex              percentage of the tissue that is cortex
 * @param percentMedulla             percentage of the tissue that is medulla
 */
public record DatasetInfo(String imageFile, long widthPixels, long heightPixels, String anatomicalStructuresFile,
                          String glomerulusFile, long patientNumber, String race, String ethnicity, String sex,
                          double age, double weightKilograms, double heightCentimeters, double bmi,
                          String laterality, double percentCortex, double percentMedulla) {

    /** CSV header of the file, in the competition's column order. */
    public static final String[] COLUMNS = {"image_file", "width_pixels", "height_pixels",
        "anatomical_structures_segmention_file", "glomerulus_segmentation_file", "patient_number", "race",
        "ethnicity", "sex", "age", "weight_kilograms", "height_centimeters", "bmi_kg/m^2", "laterality",
        "percent_cortex", "percent_medulla"};

    /** Validates the row. */
    public DatasetInfo {
        Objects.requireNonNull(imageFile, "imageFile");
        if (imageFile.isEmpty()) {
            throw new IllegalArgumentException("imageFile must not be empty");
        }
        anatomicalStructuresFile = Objects.requireNonNullElse(anatomicalStructuresFile, "");
        glomerulusFile = Objects.requireNonNullElse(glomerulusFile, "");
        race = Objects.requireNonNullElse(race, "");
        ethnicity = Objects.requireNonNullElse(ethnicity, "");
        sex = Objects.requireNonNullElse(sex, "");
        laterality = Objects.requireNonNullElse(laterality, "");
    }

    /** The slide id: the image file name without its extension. */
    public String id() {
        int dot = imageFile.lastIndexOf('.');
        return dot > 0 ? imageFile.substring(0, dot) : imageFile;
    }
}
