import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;

/**
 * Compares scripts/gpu-smoke's GPU results with its CPU ones: CLIP logits of a fixed batch within 1e-3 relative, and
 * the short ResNet-20 benchmark cell's CA and ASR (backdoored and fine-tuned) within 2 points. Exit 1 on a mismatch.
 */
public class GpuSmokeCheck {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        ObjectMapper json = new ObjectMapper();
        boolean ok = true;
        JsonNode cpu = json.readTree(dir.resolve("clip-cpu.json").toFile()).path("check");
        JsonNode gpu = json.readTree(dir.resolve("clip-gpu.json").toFile()).path("check");
        for (String k : new String[] {"logitMean", "logitL2", "logitMaxAbs"}) {
            require(cpu.path(k).isNumber() && gpu.path(k).isNumber(), "clip-*.json lack check." + k);
            double a = cpu.path(k).asDouble();
            double b = gpu.path(k).asDouble();
            boolean close = Math.abs(a - b) <= 1e-3 * Math.max(1, Math.abs(a));
            System.out.printf("clip %-12s cpu %.6f  gpu %.6f  %s%n", k, a, b, close ? "ok" : "MISMATCH");
            ok &= close;
        }
        JsonNode rc = json.readTree(dir.resolve("resnet-cpu/leaderboard.json").toFile()).path("rows");
        JsonNode rg = json.readTree(dir.resolve("resnet-gpu/leaderboard.json").toFile()).path("rows");
        require(rc.size() > 0 && rc.size() == rg.size(), "the leaderboards have " + rc.size() + " and " + rg.size()
                + " rows");
        for (int i = 0; i < rc.size(); i++) {
            require(rc.get(i).path("model").equals(rg.get(i).path("model")), "row " + i + " differs in its model");
            for (String k : new String[] {"ca", "asr"}) {
                double a = rc.get(i).path(k).path("mean").asDouble() * 100;
                double b = rg.get(i).path(k).path("mean").asDouble() * 100;
                boolean close = Math.abs(a - b) <= 2.0;
                System.out.printf("resnet %-12s %-4s cpu %6.2f%%  gpu %6.2f%%  %s%n", rc.get(i).path("model").asText(),
                        k, a, b, close ? "ok" : "MISMATCH");
                ok &= close;
            }
        }
        System.exit(ok ? 0 : 1);
    }

    private static void require(boolean ok, String why) {
        if (!ok) {
            System.out.println("MISMATCH: " + why);
            System.exit(1);
        }
    }
}
