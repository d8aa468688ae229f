// A progress bar for training loops: a redrawn line on a terminal, plain lines in a log.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Shows step, loss, tokens/s and ETA while a model trains.
///
/// On a terminal it redraws one line (at most ten times a second):
///
///     copy  [###########.........]  560/1000  loss 0.4213  52.1k tok/s  ETA 0:03
///
/// When standard error is not a terminal (a log file, a pipe, CI), it prints a plain line
/// every tenth of the run instead, so logs stay readable:
///
///     copy: step 500/1000, loss 0.6012, 51.8k tok/s, ETA 0:04
public final class ProgressBar {
    public let total: Int
    public let label: String
    /// Whether output goes to a terminal (redrawn line) or not (plain lines).
    public let isTerminal: Bool
    let write: (String) -> Void
    let start = ContinuousClock.now
    var lastDraw: ContinuousClock.Instant?
    var tokens = 0

    /// - Parameters:
    ///   - total: the number of steps.
    ///   - label: a short name shown first.
    ///   - isTerminal: `nil` asks `isatty` about standard error.
    ///   - write: where text goes; `nil` means standard error.
    public init(total: Int, label: String, isTerminal: Bool? = nil, write: ((String) -> Void)? = nil) {
        self.total = total
        self.label = label
        self.isTerminal = isTerminal ?? (isatty(STDERR_FILENO) != 0)
        self.write = write ?? { text in FileHandle.standardError.write(Data(text.utf8)) }
    }

    /// Seconds since the bar was created.
    public var elapsedSeconds: Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    /// Reports that `step` steps (1…total) are done, the last with `loss`, having seen `tokens` more tokens.
    public func update(step: Int, loss: Float, tokens newTokens: Int = 0) {
        update(step: step, lossText: String(format: "%.4f", loss), tokens: newTokens)
    }

    /// The same for several models trained together: each one's last loss, by name
    /// ("loss CLM 0.6012 · MLM 1.2034").
    public func update(step: Int, losses: [(name: String, loss: Float)], tokens newTokens: Int = 0) {
        update(step: step, lossText: losses.map { "\($0.name) " + String(format: "%.4f", $0.loss) }.joined(separator: " · "),
               tokens: newTokens)
    }

    func update(step: Int, lossText: String, tokens newTokens: Int) {
        tokens += newTokens
        let seconds = elapsedSeconds
        let rate = seconds > 0 ? Double(tokens) / seconds : 0
        let eta = step > 0 ? seconds / Double(step) * Double(total - step) : 0
        if isTerminal {
            let now = ContinuousClock.now
            if step < total, let lastDraw, now - lastDraw < .milliseconds(100) { return }
            lastDraw = now
            let width = 20, filled = total > 0 ? width * step / total : width
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            var line = "\r\(label)  [\(bar)]  \(step)/\(total)  loss \(lossText)"
            if tokens > 0 { line += "  \(Self.format(rate)) tok/s" }
            write(line + "  ETA \(Self.clock(eta))\u{1B}[K")
        } else {
            let every = Swift.max(1, total / 10)
            guard step % every == 0 || step == total || step == 1 else { return }
            var line = "\(label): step \(step)/\(total), loss \(lossText)"
            if tokens > 0 { line += ", \(Self.format(rate)) tok/s" }
            write(line + ", ETA \(Self.clock(eta))\n")
        }
    }

    /// Ends the bar: a newline on a terminal, and a summary line.
    public func finish() {
        if isTerminal { write("\n") }
        write("\(label): \(total) steps in \(Self.clock(elapsedSeconds))\n")
    }

    /// 52100 → "52.1k".
    static func format(_ rate: Double) -> String {
        rate >= 1e6 ? String(format: "%.2fM", rate / 1e6) : rate >= 1e3 ? String(format: "%.1fk", rate / 1e3) : String(format: "%.0f", rate)
    }

    /// 75.3 → "1:15".
    static func clock(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        return whole >= 3600 ? String(format: "%d:%02d:%02d", whole / 3600, whole / 60 % 60, whole % 60)
            : String(format: "%d:%02d", whole / 60, whole % 60)
    }
}
