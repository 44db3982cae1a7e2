package io.github.hubmapseg.pipeline.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.pipeline.augment.Augmentations;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecipesTest {

    @Test
    void everyShippedRecipeLoads() {
        for (String name : Recipes.NAMES) {
            Recipe r = Recipes.builtin(name);
            assertThat(r.name()).isEqualTo(name);
            assertThat(r.source()).isNotBlank();
            assertThat(Augmentations.preset(r.train().augment())).isNotNull();
        }
        assertThat(Recipes.defaultRecipe().name()).isEqualTo("cpu-quick");
    }

    @Test
    void thirdPlaceCarriesTheWriteUpValues() {
        Recipe r = Recipes.builtin("third-place");
        assertThat(r.data().tileSize()).isEqualTo(1024);
        assertThat(r.data().reduce()).isEqualTo(2);
        assertThat(r.data().saturationThreshold()).isEqualTo(40);
        assertThat(r.train().lr().schedule()).isEqualTo("one-cycle");
        assertThat(r.train().lr().pctStart()).isEqualTo(0.2);
        assertThat(r.train().lr().divFactor()).isEqualTo(100.0);
        assertThat(r.train().lr().maxLr()).isEqualTo(1e-4);
        assertThat(r.train().epochs()).isEqualTo(50);
        assertThat(r.train().batchSize()).isEqualTo(16);
        assertThat(r.train().gradClipNorm()).isEqualTo(1.0);
        assertThat(r.train().loss()).isEqualTo("bce");
        assertThat(r.model().aspp()).isTrue();
        assertThat(r.model().variants()).containsExactly("resnext50_32x4d", "resnext101_32x4d");
        assertThat(r.infer().expansion()).isEqualTo(128);
        assertThat(r.cv().folds()).isEqualTo(5);
        Recipe f = Recipes.builtin("first-place");
        assertThat(f.cv().validationGroups()).containsExactly(List.of("63921"), List.of("68250"), List.of("65631"),
                List.of("67177"));
        assertThat(f.train().loss()).isEqualTo("bce+lovasz");
        assertThat(f.train().deepSupervisionWeight()).isEqualTo(0.1);
        assertThat(f.data().shift()).isEqualTo(512);
        // a recipe that sets nothing in a section gets the defaults
        Recipe quick = Recipes.builtin("cpu-quick");
        assertThat(quick.pseudo().enabled()).isFalse();
        assertThat(quick.model().aspp()).isFalse();
    }

    @Test
    void unknownKeysAreNamedWithPathAndValidKeys() {
        assertThatThrownBy(() -> Recipes.parse("train:\n  epoch: 3\n", "my.yaml"))
                .hasMessageContaining("my.yaml").hasMessageContaining("unknown key 'epoch'")
                .hasMessageContaining("at 'train'").hasMessageContaining("epochs").hasMessageContaining("batch_size");
        assertThatThrownBy(() -> Recipes.parse("trian: {epochs: 3}\n", "x.yaml"))
                .hasMessageContaining("unknown key 'trian' at the top level").hasMessageContaining("train");
        assertThatThrownBy(() -> Recipes.parse("train:\n  lr: {max: 1}\n", "x.yaml"))
                .hasMessageContaining("'train.lr'").hasMessageContaining("max_lr");
    }

    @Test
    void wrongTypesNameTheValue() {
        assertThatThrownBy(() -> Recipes.parse("train: {epochs: ten}", "x.yaml"))
                .hasMessageContaining("train.epochs must be an integer, got \"ten\"");
        assertThatThrownBy(() -> Recipes.parse("train: {epochs: 2.5}", "x.yaml"))
                .hasMessageContaining("train.epochs must be an integer, got 2.5");
        assertThatThrownBy(() -> Recipes.parse("infer: {search_threshold: maybe}", "x.yaml"))
                .hasMessageContaining("infer.search_threshold must be true or false, got \"maybe\"");
        assertThatThrownBy(() -> Recipes.parse("data: 5", "x.yaml"))
                .hasMessageContaining("data must be a section");
        assertThatThrownBy(() -> Recipes.parse("infer: {tta: hflip}", "x.yaml"))
                .hasMessageContaining("infer.tta must be a list, got \"hflip\"");
        // values checked by the records name the key
        assertThatThrownBy(() -> Recipes.parse("train: {epochs: 0}", "x.yaml"))
                .hasMessageContaining("x.yaml").hasMessageContaining("train.epochs must be > 0, got 0");
        assertThatThrownBy(() -> Recipes.parse("data: {sampling: clever}", "x.yaml"))
                .hasMessageContaining("data.sampling must be one of").hasMessageContaining("\"clever\"");
        assertThatThrownBy(() -> Recipes.parse("train: {augment: heavy}", "x.yaml"))
                .hasMessageContaining("train.augment").hasMessageContaining("third-place");
        assertThatThrownBy(() -> Recipes.parse("- a\n- b\n", "x.yaml")).hasMessageContaining("mapping");
    }

    @Test
    void numbersWrittenWithoutADotAreAccepted() {
        Recipe r = Recipes.parse("train:\n  lr: {max_lr: 1e-4, div_factor: 1e2}\n", "x.yaml");
        assertThat(r.train().lr().maxLr()).isEqualTo(1e-4);
        assertThat(r.train().lr().divFactor()).isEqualTo(100.0);
        assertThat(r.name()).isEqualTo("custom");
    }

    @Test
    void overrides() {
        Recipe base = Recipes.builtin("third-place");
        Recipe r = Recipes.withOverrides(base, List.of("train.epochs=3", "infer.tta=[hflip, vflip]",
                "train.lr.max_lr=3e-4", "cv.folds=2", "model.aspp=false", "name=mine"));
        assertThat(r.train().epochs()).isEqualTo(3);
        assertThat(r.infer().tta()).containsExactly("hflip", "vflip");
        assertThat(r.train().lr().maxLr()).isEqualTo(3e-4);
        assertThat(r.cv().folds()).isEqualTo(2);
        assertThat(r.model().aspp()).isFalse();
        assertThat(r.name()).isEqualTo("mine");
        assertThat(r.train().batchSize()).isEqualTo(16);
        assertThat(base.train().epochs()).isEqualTo(50);
        assertThatThrownBy(() -> Recipes.withOverrides(base, List.of("train.epoch=3")))
                .hasMessageContaining("unknown key 'epoch' at 'train'").hasMessageContaining("epochs");
        assertThatThrownBy(() -> Recipes.withOverrides(base, List.of("train.epochs")))
                .hasMessageContaining("key=value").hasMessageContaining("'train.epochs'");
        assertThatThrownBy(() -> Recipes.withOverrides(base, List.of("train.epochs=many")))
                .hasMessageContaining("train.epochs must be an integer, got \"many\"");
        assertThatThrownBy(() -> Recipes.withOverrides(base, List.of("train.epochs.x=1")))
                .hasMessageContaining("not a section");
    }

    @Test
    void yamlRoundTripAndFiles(@TempDir Path dir) throws Exception {
        for (String name : Recipes.NAMES) {
            Recipe r = Recipes.builtin(name);
            assertThat(Recipes.parse(Recipes.toYaml(r), name)).isEqualTo(r);
        }
        Path f = dir.resolve("run/recipe.yaml");
        Recipe r = Recipes.builtin("first-place");
        Recipes.save(r, f);
        assertThat(Recipes.load(f)).isEqualTo(r);
        assertThat(Recipes.resolve(f.toString())).isEqualTo(r);
        Path json = dir.resolve("r.json");
        Files.writeString(json, "{\"name\": \"j\", \"train\": {\"epochs\": 2}}");
        assertThat(Recipes.load(json).train().epochs()).isEqualTo(2);
        assertThatThrownBy(() -> Recipes.builtin("second-place")).hasMessageContaining("'second-place'")
                .hasMessageContaining("cpu-quick");
        assertThatThrownBy(() -> Recipes.resolve("nope")).hasMessageContaining("neither");
    }

    /** snake_case of a record component name, as the YAML keys are. */
    private static String snake(String camel) {
        return camel.replaceAll("([A-Z])", "_$1").toLowerCase(java.util.Locale.ROOT);
    }

    @Test
    void everySettingAccessorRecordsItsKeyAndNothingElse() throws Exception {
        Recipe r = Recipes.builtin("cpu-quick");
        assertThat(r.keys().consumed()).isEmpty();
        Object[][] sections = {{"data", r.data()}, {"model", r.model()}, {"train", r.train()},
                {"train.lr", r.train().lr()}, {"cv", r.cv()}, {"infer", r.infer()}, {"pseudo", r.pseudo()},
                {"post", r.post()}};
        int settings = 0;
        for (Object[] s : sections) {
            for (java.lang.reflect.RecordComponent c : s[1].getClass().getRecordComponents()) {
                if (c.getType() == KeyLedger.class || Record.class.isAssignableFrom(c.getType())) {
                    continue;
                }
                String key = s[0] + "." + snake(c.getName());
                List<String> before = r.keys().consumed();
                assertThat(before).doesNotContain(key);
                c.getAccessor().invoke(s[1]);
                // a component added without its one-line accessor (keys.read(...)) would be a silent key
                assertThat(r.keys().consumed()).as("accessor of %s records it", key).contains(key)
                        .hasSize(before.size() + 1);
                settings++;
            }
        }
        assertThat(settings).isGreaterThan(50);
        // every recorded key exists in defaults.yaml, i.e. the accessors name real keys
        for (String key : r.keys().consumed()) {
            try {
                Recipes.withOverrides(r, List.of(key + "=[]"));
            } catch (IllegalArgumentException e) {
                assertThat(e.getMessage()).as(key).doesNotContain("unknown key");
            }
        }
    }

    @Test
    void declaredKeysAreTheFileAndOverrideKeysAndSerialisingReadsNothing() {
        Recipe r = Recipes.builtin("third-place");
        assertThat(r.keys().declared()).contains("data.saturation_threshold", "model.variants", "train.lr.max_lr")
                .doesNotContain("name", "source", "notes", "data.shift", "pseudo.enabled");
        Recipes.toYaml(r);
        assertThat(r.keys().consumed()).isEmpty();
        Recipe o = Recipes.withOverrides(r, List.of("data.shift=512"));
        assertThat(o.keys()).isSameAs(r.keys());
        assertThat(r.keys().declared()).contains("data.shift");
        o.data().shift();
        assertThat(r.unconsumedKeys()).doesNotContain("data.shift").contains("data.saturation_threshold");
        assertThatThrownBy(() -> Recipes.requireConsumed(r, "this test"))
                .hasMessageContaining("data.saturation_threshold").hasMessageContaining("this test");
    }

    @Test
    void storedRecipesDropRetiredKeysButFilesRefuseThem() {
        String old = Recipes.toYaml(Recipes.builtin("third-place")).replace("model:\n", "model:\n  depth: 5\n")
                .replace("train:\n", "train:\n  mixed_precision: true\n");
        assertThat(old).contains("depth: 5");
        assertThat(Recipes.parseStored(old, "old checkpoint").model().variants()).contains("resnext101_32x4d");
        assertThatThrownBy(() -> Recipes.parse(old, "file")).hasMessageContaining("unknown key 'depth'");
    }
}
