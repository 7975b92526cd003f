package dev.ebpf4j.loader.inspect;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import dev.ebpf4j.bindings.Bpf;
import dev.ebpf4j.bindings.BpfException;
import dev.ebpf4j.bindings.Errno;
import dev.ebpf4j.bindings.Fd;
import dev.ebpf4j.bindings.uapi.bpf_link_info;

/** The BPF links in the kernel (basic information only). */
public final class Links {
    Links() {}

    /** Every link, in id order. */
    public List<LinkInfo> list() {
        List<LinkInfo> out = new ArrayList<>();
        OptionalInt next = Bpf.linkGetNextId(0);
        while (next.isPresent()) {
            byId(next.getAsInt()).ifPresent(out::add);
            next = Bpf.linkGetNextId(next.getAsInt());
        }
        return out;
    }

    /** The link with this id, if there is one. */
    public Optional<LinkInfo> byId(int id) {
        try (Fd fd = Bpf.linkGetFdById(id); Arena arena = Arena.ofConfined()) {
            MemorySegment info = Bpf.linkInfo(fd, arena);
            return Optional.of(new LinkInfo(bpf_link_info.id(info), bpf_link_info.type(info), bpf_link_info.prog_id(info)));
        } catch (BpfException e) {
            if (e.is(Errno.ENOENT)) {
                return Optional.empty();
            }
            throw e;
        }
    }
}
