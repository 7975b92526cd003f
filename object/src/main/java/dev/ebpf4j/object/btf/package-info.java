/** BTF and BTF.ext: type information, function and line info, CO-RE relocation records. */
package dev.ebpf4j.object.btf;
