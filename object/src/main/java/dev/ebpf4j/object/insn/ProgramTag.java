package dev.ebpf4j.object.insn;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kernel's program tag ({@code bpf_prog_calc_tag}): a hash over the instructions exactly as the
 * loader submits them, with the unstable parts of map references blanked, shortened to its first 8
 * bytes and shown as 16 lower-case hex digits (as {@code bpftool prog show} and
 * {@code /proc/kallsyms}' {@code bpf_prog_<tag>_<name>} print it).
 *
 * <p>Blanking: for every lddw whose src is {@link Pseudo#MAP_FD} or {@link Pseudo#MAP_VALUE}, both
 * immediates are hashed as zero: the map fd (first slot) and, for MAP_VALUE, the value offset (second
 * slot). Other lddw kinds (MAP_IDX, MAP_IDX_VALUE, BTF_ID, FUNC) are hashed as they are.
 *
 * <p>The hash is SHA-1 up to Linux 6.17 and SHA-256 from 6.18 on ({@link Algorithm#forKernelRelease}).
 */
public final class ProgramTag {
    private ProgramTag() {}

    /** Length of a tag in bytes. */
    public static final int SIZE = 8;

    /** The hash the kernel uses for the tag. */
    public enum Algorithm {
        /** Linux 4.10 .. 6.17. */
        SHA1("SHA-1"),
        /** Linux 6.18 and later. */
        SHA256("SHA-256");

        private final String jcaName;

        Algorithm(String jcaName) {
            this.jcaName = jcaName;
        }

        /** The algorithm of a kernel by version. */
        public static Algorithm forKernel(int major, int minor) {
            return major > 6 || (major == 6 && minor >= 18) ? SHA256 : SHA1;
        }

        private static final Pattern RELEASE = Pattern.compile("^(\\d+)\\.(\\d+)");

        /** The algorithm of a kernel by its release string ({@code uname -r}, e.g. {@code "6.18.4-arch1"}). */
        public static Algorithm forKernelRelease(String release) {
            Matcher m = RELEASE.matcher(Objects.requireNonNull(release, "release").trim());
            if (!m.find()) {
                throw new IllegalArgumentException("not a kernel release: " + release);
            }
            return forKernel(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
        }
    }

    /** The 8-byte tag as 16 lower-case hex digits. */
    public static String compute(List<Instruction> instructions, Algorithm algorithm) {
        return HexFormat.of().formatHex(computeBytes(instructions, algorithm));
    }

    /** The 8-byte tag. */
    public static byte[] computeBytes(List<Instruction> instructions, Algorithm algorithm) {
        Objects.requireNonNull(algorithm, "algorithm");
        byte[] digest = digest(algorithm).digest(Instructions.encode(blankMapReferences(instructions)));
        byte[] tag = new byte[SIZE];
        System.arraycopy(digest, 0, tag, 0, SIZE);
        return tag;
    }

    /**
     * The instructions as the kernel hashes them: every lddw with src MAP_FD or MAP_VALUE has both
     * immediates set to zero; everything else unchanged.
     */
    public static List<Instruction> blankMapReferences(List<Instruction> instructions) {
        List<Instruction> out = new ArrayList<>(instructions.size());
        for (Instruction insn : instructions) {
            if (insn.isLoadImm64() && (insn.src() == Pseudo.MAP_FD || insn.src() == Pseudo.MAP_VALUE)) {
                out.add(insn.withImm(0).withNextImm(0));
            } else {
                out.add(insn);
            }
        }
        return out;
    }

    private static MessageDigest digest(Algorithm algorithm) {
        try {
            return MessageDigest.getInstance(algorithm.jcaName);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm.jcaName + " is not available in this JVM", e);
        }
    }
}
