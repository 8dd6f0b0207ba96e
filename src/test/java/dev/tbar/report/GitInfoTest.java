package dev.tbar.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GitInfoTest {
    private static final String A = "0123456789abcdef0123456789abcdef01234567";
    private static final String B = "89abcdef0123456789abcdef0123456789abcdef";

    private static Path repo(Path root) throws Exception {
        Path git = Files.createDirectories(root.resolve(".git"));
        Files.createDirectories(git.resolve("refs/heads"));
        return git;
    }

    @Test
    void looseBranchRefFromASubfolder(@TempDir Path root) throws Exception {
        Path git = repo(root);
        Files.writeString(git.resolve("HEAD"), "ref: refs/heads/main\n");
        Files.writeString(git.resolve("refs/heads/main"), A + "\n");
        Path deep = Files.createDirectories(root.resolve("target/classes"));
        assertEquals(new GitInfo(A, "main"), GitInfo.find(deep));
    }

    @Test
    void packedRefAndDetachedHead(@TempDir Path root) throws Exception {
        Path git = repo(root);
        Files.writeString(git.resolve("HEAD"), "ref: refs/heads/feature/x\n");
        Files.writeString(git.resolve("packed-refs"), "# pack-refs with: peeled fully-peeled sorted\n"
                + B + " refs/heads/feature/x\n" + A + " refs/tags/v1\n^" + B + "\n");
        assertEquals(new GitInfo(B, "feature/x"), GitInfo.find(root));
        Files.writeString(git.resolve("HEAD"), A + "\n");
        assertEquals(new GitInfo(A, "(detached)"), GitInfo.find(root));
    }

    @Test
    void linkedWorktreeReadsRefsFromTheCommonDir(@TempDir Path root) throws Exception {
        Path main = repo(root.resolve("main"));
        Files.writeString(main.resolve("refs/heads/report"), B + "\n");
        Path wtGit = Files.createDirectories(main.resolve("worktrees/report"));
        Files.writeString(wtGit.resolve("HEAD"), "ref: refs/heads/report\n");
        Files.writeString(wtGit.resolve("commondir"), "../..\n");
        Path wt = Files.createDirectories(root.resolve("report"));
        Files.writeString(wt.resolve(".git"), "gitdir: " + wtGit + "\n");
        assertEquals(new GitInfo(B, "report"), GitInfo.find(wt));
    }

    @Test
    void missingOrBrokenGitIsUnknown(@TempDir Path root) throws Exception {
        assertEquals(GitInfo.unknown(), GitInfo.read(root.resolve("no/.git")));
        Files.writeString(root.resolve("not-a-gitfile"), "hello\n");
        assertEquals(GitInfo.unknown(), GitInfo.read(root.resolve("not-a-gitfile")));
        Path git = repo(root.resolve("fresh"));
        Files.writeString(git.resolve("HEAD"), "ref: refs/heads/main\n"); // no commit yet
        assertEquals(new GitInfo("unknown", "main"), GitInfo.find(root.resolve("fresh")));
        Files.writeString(root.resolve("fresh/.git/HEAD"), "garbage\n");
        assertEquals(GitInfo.unknown(), GitInfo.find(root.resolve("fresh")));
    }

    @Test
    void thisCheckoutMatchesGitRevParse() throws Exception {
        GitInfo mine = GitInfo.ofTbarCheckout();
        Process p;
        try {
            p = new ProcessBuilder("git", "rev-parse", "HEAD").redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            assumeTrue(false, "SKIPPED: no git executable to compare with");
            return;
        }
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assumeTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "SKIPPED: not a git checkout: " + out);
        assertEquals(out, mine.commit());
    }
}
