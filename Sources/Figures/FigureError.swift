// The one error type of the Figures module.

/// Something a figure, a table or the PNG writer could not do, said in one line.
///
/// Every failure in this module (bad input, a missing font, a file that cannot be written)
/// becomes a `FigureError` whose `description` tells the reader what went wrong and, where there
/// is one, what to do about it.
///
///     do {
///         try heatmap.writePNG(to: "Output/pe.png")
///     } catch {
///         print(error)   // "cannot write Output/pe.png: No such file or directory"
///     }
public struct FigureError: Error, CustomStringConvertible, Sendable {
    /// The whole message, one line.
    public let message: String

    init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
