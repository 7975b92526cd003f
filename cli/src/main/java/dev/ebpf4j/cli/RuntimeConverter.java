package dev.ebpf4j.cli;

import dev.ebpf4j.loader.RuntimeKind;
import picocli.CommandLine;

/** Parses {@code --runtime kernel|fallback|auto} (any case); anything else is a usage error. */
final class RuntimeConverter implements CommandLine.ITypeConverter<RuntimeKind> {
    @Override
    public RuntimeKind convert(String value) {
        try {
            return RuntimeKind.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
