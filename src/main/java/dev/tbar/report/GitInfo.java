package dev.tbar.report;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The git commit of the tbar checkout that produced a run, read from the {@code .git} files directly (no git
 * executable needed): HEAD, loose refs, {@code packed-refs}, and linked worktrees ({@code .git} file with
 * {@code gitdir:} plus {@code commondir}). Anything missing or unreadable gives {@code "unknown"}, never an error:
 * provenance must not stop a run.
 */
public record GitInfo(String commit, String branch) {
    public static final String UNKNOWN = "unknown";
    private static final Pattern HASH = Pattern.compile("[0-9a-f]{40}|[0-9a-f]{64}");

    public static GitInfo unknown() {
        return new GitInfo(UNKNOWN, UNKNOWN);
    }

    /** The checkout holding tbar's own classes or jar (e.g. {@code target/classes}); unknown for an installed jar. */
    public static GitInfo ofTbarCheckout() {
        try {
            CodeSource src = GitInfo.class.getProtectionDomain().getCodeSource();
            return src == null ? unknown() : find(Path.of(src.getLocation().toURI()));
        } catch (URISyntaxException | IllegalArgumentException | SecurityException e) {
            return unknown();
        }
    }

    /** Looks for {@code .git} in {@code start} and its ancestors. */
    public static GitInfo find(Path start) {
        for (Path dir = start.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
            Path dotGit = dir.resolve(".git");
            if (Files.exists(dotGit)) {
                return read(dotGit);
            }
        }
        return unknown();
    }

    /** Reads {@code dotGit}: a git directory, or a worktree's {@code .git} file pointing to one. */
    static GitInfo read(Path dotGit) {
        try {
            Path gitDir = dotGit;
            if (Files.isRegularFile(dotGit)) {
                String line = firstLine(dotGit);
                if (!line.startsWith("gitdir:")) {
                    return unknown();
                }
                gitDir = dotGit.getParent().resolve(line.substring("gitdir:".length()).trim()).normalize();
            }
            Path commonDir = gitDir;
            Path commonFile = gitDir.resolve("commondir");
            if (Files.isRegularFile(commonFile)) {
                commonDir = gitDir.resolve(firstLine(commonFile)).normalize();
            }
            String head = firstLine(gitDir.resolve("HEAD"));
            if (HASH.matcher(head).matches()) {
                return new GitInfo(head, "(detached)");
            }
            if (!head.startsWith("ref:")) {
                return unknown();
            }
            String ref = head.substring("ref:".length()).trim();
            String branch = ref.startsWith("refs/heads/") ? ref.substring("refs/heads/".length()) : ref;
            String commit = resolveRef(ref, gitDir, commonDir);
            return new GitInfo(commit, branch);
        } catch (IOException | RuntimeException e) {
            return unknown();
        }
    }

    private static String resolveRef(String ref, Path gitDir, Path commonDir) throws IOException {
        for (Path base : List.of(gitDir, commonDir)) {
            Path loose = base.resolve(ref).normalize();
            if (loose.startsWith(base) && Files.isRegularFile(loose)) {
                String sha = firstLine(loose);
                return HASH.matcher(sha).matches() ? sha : UNKNOWN;
            }
        }
        Path packed = commonDir.resolve("packed-refs");
        if (Files.isRegularFile(packed)) {
            for (String line : Files.readAllLines(packed, StandardCharsets.UTF_8)) {
                // "<sha> <ref>"; '#' starts the header, '^' a peeled tag line
                int sp = line.indexOf(' ');
                if (sp > 0 && !line.startsWith("#") && !line.startsWith("^") && line.substring(sp + 1).equals(ref)) {
                    String sha = line.substring(0, sp);
                    return HASH.matcher(sha).matches() ? sha : UNKNOWN;
                }
            }
        }
        return UNKNOWN; // e.g. a fresh repository with no commit yet
    }

    private static String firstLine(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        int nl = text.indexOf('\n');
        return (nl < 0 ? text : text.substring(0, nl)).trim();
    }
}
