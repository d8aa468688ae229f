// Tests of SystemInfo: the memory guard that refuses impossible work, and the byte formatting that
// timing tables print.

import Testing
import TensorCore

@Suite struct SystemInfoTests {
    @Test func absurdMemoryRequestIsRefused() {
        let error = #expect(throws: TensorError.self) {
            try SystemInfo.requireMemory(bytes: Int.max / 2, for: "the 10⁹ × 10⁹ score matrix")
        }
        guard case .tooLarge(let message)? = error else {
            Issue.record("expected tooLarge, got \(String(describing: error))")
            return
        }
        #expect(message.contains("the 10⁹ × 10⁹ score matrix"), "\(message)")
        #expect(message.contains("available"), "\(message)")
    }

    @Test func smallMemoryRequestPasses() throws {
        try SystemInfo.requireMemory(bytes: 0, for: "nothing")
        try SystemInfo.requireMemory(bytes: 1 << 20, for: "a megabyte")
    }

    @Test func memoryFiguresArePlausible() {
        #expect(SystemInfo.physicalMemory > 1 << 27)
        #expect(SystemInfo.availableMemory > 0)
        #expect(SystemInfo.availableMemory <= SystemInfo.physicalMemory)
    }

    @Test(arguments: [
        (0, "0 B"), (512, "512 B"), (1023, "1023 B"), (1024, "1 KiB"), (1536, "1.5 KiB"),
        (48 * 1024, "48 KiB"), (1 << 20, "1 MiB"), (3 << 29, "1.5 GiB"), (1 << 40, "1 TiB"),
        (1_000_000, "976.6 KiB"), (-2048, "-2 KiB"),
    ] as [(Int, String)])
    func formatBytes(bytes: Int, expected: String) {
        #expect(TensorCore.formatBytes(bytes) == expected)
    }
}
