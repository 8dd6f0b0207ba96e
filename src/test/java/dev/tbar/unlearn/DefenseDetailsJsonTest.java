package dev.tbar.unlearn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tbar.report.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The details records write the JSON that readers of stored results look up: one flat object per defense (optional
 * parts unwrapped, absent ones left out) and, for the inverted-trigger defenses, the inversion's report first.
 */
class DefenseDetailsJsonTest {
    static final AlphaPoint P = new AlphaPoint(1, 0.8, 0.1);

    static List<String> keys(JsonNode n) {
        List<String> k = new ArrayList<>();
        n.fieldNames().forEachRemaining(k::add);
        return k;
    }

    static Tbar.Details tbar(Tbar.Projection projection, Tbar.LayerAlpha layers) {
        return new Tbar.Details(projection, 1.5, 0.76, 0.8, P, layers, List.of(P), 3.2, 200, false, 200, null, null,
                null);
    }

    @Test
    void tbarIsOneFlatObjectWithItsOptionalPartsUnwrapped() {
        JsonNode full = Json.mapper().valueToTree(tbar(new Tbar.Projection(0.1, 0.2, null),
                new Tbar.LayerAlpha(Map.of("conv1", 0.5), List.of(new Tbar.LayerTrial("conv1", 0.5, P)))));
        assertEquals(List.of("cleanDirectionCosine", "cleanDirectionCoefficient", "cleanFinetune", "alpha",
                "validationCaFloor", "validationBaseCa", "validation", "layerFactors", "layerTrials", "sweep",
                "triggerVectorNorm", "triggerSetSize", "linearized", "imagesUsed", "finetune"), keys(full));
        assertEquals(1.0, full.at("/" + DetailKeys.SWEEP + "/0/" + DetailKeys.ALPHA).asDouble());
        JsonNode plain = Json.mapper().valueToTree(tbar(null, null));
        assertEquals(List.of("alpha", "validationCaFloor", "validationBaseCa", "validation", "sweep",
                "triggerVectorNorm", "triggerSetSize", "linearized", "imagesUsed", "finetune"), keys(plain));
    }

    @Test
    void anInvertedTriggerDefenseReportsTheInversionFirstBesideItsOwnKeys() {
        DecreeDetection.Report decree = new DecreeDetection.Report(true, 0.05, 0.1, 0.9, true, 3, 0.7, 3, true, 12,
                "sha", 60, 1.5);
        JsonNode n = Json.mapper().valueToTree(new InversionReport.Inverted(decree, tbar(null, null)));
        assertEquals("inversion", keys(n).get(0));
        assertEquals("decree", n.at("/inversion/method").asText());
        assertEquals("method", keys(n.get("inversion")).get(0));
        assertEquals(true, n.at("/" + DetailKeys.INVERSION + "/" + DetailKeys.DETECTION_CORRECT).asBoolean());
        assertEquals(1.5, n.get(DetailKeys.ALPHA).asDouble());

        TriggerInversion.Report nc = new TriggerInversion.Report(true, 3.2, 0, 0, 0.9, 0, true, 12, 0.95, "sha",
                60, 2.0, List.of());
        JsonNode m = Json.mapper().valueToTree(new InversionReport.Inverted(nc, new NcUnlearn.Details(12, null)));
        assertEquals(List.of("inversion", "triggeredImages", "finetune"), keys(m));
        assertEquals(3.2, m.at("/inversion/anomalyIndex").asDouble());
    }
}
