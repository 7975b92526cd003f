package dev.ebpf4j.examples;

import java.nio.file.Path;
import java.time.Duration;

import dev.ebpf4j.loader.BpfObject;
import dev.ebpf4j.loader.BpfProgram;
import dev.ebpf4j.loader.Globals;
import dev.ebpf4j.loader.LoadOptions;
import dev.ebpf4j.loader.RuntimeKind;
import dev.ebpf4j.loader.XdpMode;
import dev.ebpf4j.loader.link.Link;

/**
 * The XDP hello world from Java: attach {@code hello} to an interface and watch its {@code .bss} counter, which
 * the program bumps for every packet the interface receives, without a system call per read (the map is mmap'ed).
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp examples-java/target/classes:cli/target/ebpf4j.jar \
 *     dev.ebpf4j.examples.HelloXdp IFNAME [SECONDS] [examples/hello.bpf.o]
 * </pre>
 *
 * Attach only to an interface you own (a veth pair you made, as {@code ebpf4j demo} does): needs root.
 */
public final class HelloXdp {
    private HelloXdp() {}

    /** Attaches hello to {@code ifname}, runs {@code traffic}, and returns the packets the program counted. */
    public static int countPackets(Path object, String ifname, Runnable traffic) {
        // open() parses the ELF file; load() creates the maps and loads the programs into the kernel
        try (BpfObject obj = BpfObject.open(object).load(LoadOptions.defaults().withRuntime(RuntimeKind.KERNEL))) {
            BpfProgram hello = obj.program("hello");
            Globals bss = obj.globals(".bss");   // the program's global variables, backed by the map's memory
            // generic (skb) mode works on every interface; closing the link detaches the program
            try (Link link = hello.attachXdp(ifname, XdpMode.GENERIC)) {
                traffic.run();
                return bss.getInt("counter");    // a plain memory read of what the kernel program wrote
            }
        }
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length < 1) {
            System.err.println("usage: HelloXdp IFNAME [SECONDS] [OBJECT.o]");
            System.exit(2);
        }
        String ifname = args[0];
        long seconds = args.length > 1 ? Long.parseLong(args[1]) : 10;
        Path object = Path.of(args.length > 2 ? args[2] : "examples/hello.bpf.o");
        int total = countPackets(object, ifname, () -> {
            try {
                Thread.sleep(Duration.ofSeconds(seconds));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        System.out.println(ifname + ": hello saw " + total + " packets in " + seconds + " s");
    }
}
