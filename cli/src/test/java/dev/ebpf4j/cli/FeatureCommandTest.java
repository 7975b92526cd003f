package dev.ebpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ebpf4j.object.testing.TestObjects;

/** {@code ebpf4j feature}: bpftool's sections and JSON keys, and bpftool's own answers where both probe the same. */
class FeatureCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void textHasBpftoolsSectionsAndTheRuntimeChoice() {
        CliRun r = CliRun.of("feature", "--no-helpers");
        assertEquals(0, r.exitCode(), r.err());
        List<String> sections = r.out().lines().filter(l -> l.startsWith("Scanning ")).toList();
        boolean bpf = r.out().contains("\nbpf() syscall is available\n");
        assertEquals(bpf ? List.of("Scanning system configuration...", "Scanning system call availability...",
                "Scanning eBPF program types...", "Scanning eBPF map types...", "Scanning miscellaneous eBPF features...",
                "Scanning BTF kinds...", "Scanning ebpf4j runtimes...")
                : List.of("Scanning system configuration...", "Scanning system call availability...",
                "Scanning ebpf4j runtimes..."), sections);
        assertTrue(r.out().lines().anyMatch(l -> l.matches("CAP_BPF is (NOT )?present")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("vmlinux BTF \\(/sys/kernel/btf/vmlinux\\) is (NOT )?available")));
        assertTrue(r.out().lines().anyMatch(l -> l.matches("ebpf4j runs hello\\.bpf\\.o in the (kernel|fallback VM) \\(.+\\)")),
                r.out());
        if (bpf) {
            assertTrue(r.out().contains("\neBPF program_type xdp is available\n"), r.out());
            assertTrue(r.out().contains("\neBPF map_type hash is available\n"), r.out());
            assertTrue(r.out().contains("\nbpf_link (BPF_LINK_CREATE) is available\n"), "Linux 5.7+:\n" + r.out());
            assertTrue(r.out().lines().anyMatch(l -> l.matches("Global memory limit for JIT compiler for unprivileged users is \\d{4,} bytes")),
                    "the whole sysctl value:\n" + r.out());
        }
    }

    @Test
    void fallbackAskedForIsWhatTheRuntimeLineSays() {
        CliRun r = CliRun.of("--runtime", "fallback", "feature", "--no-helpers");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("\nebpf4j runs hello.bpf.o in the fallback VM (asked for)\n"), r.out());
        assertTrue(r.out().contains("\nebpf4j demo runs in the fallback VM (asked for)\n"), r.out());
    }

    @Test
    void jsonHasBpftoolsKeysAndHelpers() throws Exception {
        CliRun r = CliRun.of("-j", "feature");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode root = JSON.readTree(r.out());
        List<String> keys = new java.util.ArrayList<>();
        root.fieldNames().forEachRemaining(keys::add);
        assertEquals(List.of("system_config", "syscall_config", "program_types", "map_types", "helpers", "misc", "ebpf4j"), keys);
        JsonNode e = root.get("ebpf4j");
        assertTrue(e.get("hello").get("runtime").asText().matches("kernel|fallback"), e.toString());
        assertTrue(e.get("capabilities").has("CAP_BPF"));
        if (root.get("syscall_config").get("have_bpf_syscall").asBoolean()) {
            assertTrue(root.get("program_types").get("have_xdp_prog_type").asBoolean());
            List<String> xdp = JSON.convertValue(root.get("helpers").get("xdp_available_helpers"),
                    JSON.getTypeFactory().constructCollectionType(List.class, String.class));
            assertTrue(xdp.contains("bpf_xdp_adjust_head") && xdp.contains("bpf_trace_printk") && xdp.contains("bpf_redirect_map"), xdp.toString());
            assertFalse(xdp.contains("bpf_get_stackid") || xdp.contains("bpf_override_return"),
                    "tracing helpers are not XDP's: " + xdp);
            List<String> kprobe = JSON.convertValue(root.get("helpers").get("kprobe_available_helpers"),
                    JSON.getTypeFactory().constructCollectionType(List.class, String.class));
            assertTrue(kprobe.contains("bpf_get_current_comm") && !kprobe.contains("bpf_xdp_adjust_head"), kprobe.toString());
            assertTrue(e.get("btf_kinds").get("global_func").asBoolean());
        }
    }

    /** Program and map types as bpftool probes them (its helper lists are not compared: see the docs). */
    @Test
    void typesAreBpftools() throws Exception {
        String bpftool = TestObjects.requireTool("bpftool").toString();
        TestObjects.skipUnless("root".equals(System.getProperty("user.name")), "needs root");
        JsonNode theirs = JSON.readTree(TestObjects.run(bpftool, "-j", "feature", "probe"));
        JsonNode ours = JSON.readTree(CliRun.of("-j", "feature", "--no-helpers").out());
        for (String section : List.of("program_types", "map_types")) {
            int compared = 0;
            for (Iterator<Map.Entry<String, JsonNode>> it = theirs.get(section).fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> f = it.next();
                if (ours.get(section).has(f.getKey())) {
                    assertEquals(f.getValue().asBoolean(), ours.get(section).get(f.getKey()).asBoolean(), section + " " + f.getKey());
                    compared++;
                }
            }
            assertTrue(compared >= 25, section + ": compared " + compared);
        }
        for (String key : List.of("have_large_insn_limit", "have_bounded_loops", "have_v2_isa_extension", "have_v3_isa_extension")) {
            assertEquals(theirs.get("misc").get(key).asBoolean(), ours.get("misc").get(key).asBoolean(), key);
        }
        assertEquals(theirs.get("system_config").get("bpf_jit_limit").asLong(), ours.get("system_config").get("bpf_jit_limit").asLong());
    }
}
