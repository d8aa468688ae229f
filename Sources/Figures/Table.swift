// Tables of results: rows of text under named columns, printed aligned in a terminal and
// written as Markdown or CSV.


/// A table of text cells under named columns, e.g. timings over sequence lengths.
///
/// Cells are text, formatted by the caller (see `NumberFormat`), so the table prints exactly
/// what the lesson decided to show. Columns of numbers are right-aligned automatically, so
/// their digits line up. The same table prints in the terminal, goes into a README as
/// Markdown, and into a spreadsheet as CSV.
///
///     var table = Table(title: "Attention time", columns: ["N", "standard (ms)", "flash (ms)"])
///     try table.append(["1024", "3.21", "1.10"])
///     try table.append(["2048", "12.80", "4.02"])
///     print(table.terminal())
///     try table.writeCSV(to: "Output/flash-vs-standard/time.csv")
public struct Table: Sendable {
    /// How the cells of a column line up.
    public enum Alignment: Sendable, Equatable {
        /// Right if every cell is a number (units such as "ms" or "%" allowed), else left.
        case automatic
        case left
        case right
        case center
    }

    /// Printed above the table (terminal, Markdown); not part of the CSV.
    public var title: String?
    /// The column names, in order.
    public let columns: [String]
    /// One alignment per column; missing entries count as `.automatic`, extra ones are ignored.
    public var alignments: [Alignment]
    /// The rows so far; each has exactly one cell per column.
    public private(set) var rows: [[String]] = []

    /// Creates an empty table.
    ///
    /// - Parameters:
    ///   - title: a line above the table, or nil.
    ///   - columns: the column names.
    ///   - alignments: per-column alignment; `.automatic` for all by default.
    public init(title: String? = nil, columns: [String], alignments: [Alignment] = []) {
        self.title = title
        self.columns = columns
        self.alignments = alignments
    }

    /// Creates a table with its rows.
    ///
    ///     let table = try Table(columns: ["i", "wavelength"], rows: [["0", "6.28"], ["2", "39.7"]])
    ///
    /// - Parameters:
    ///   - title: a line above the table, or nil.
    ///   - columns: the column names.
    ///   - alignments: per-column alignment; `.automatic` for all by default.
    ///   - rows: the rows, each with one cell per column.
    /// - Throws: `FigureError` naming the first row with the wrong number of cells.
    public init(title: String? = nil, columns: [String], alignments: [Alignment] = [], rows: [[String]]) throws {
        self.init(title: title, columns: columns, alignments: alignments)
        for row in rows { try append(row) }
    }

    /// Adds a row at the bottom.
    ///
    ///     try table.append(["4096", "51.3", "15.9"])
    ///
    /// - Parameter row: one cell per column.
    /// - Throws: `FigureError` if the row has more or fewer cells than there are columns; the
    ///   table is then unchanged.
    public mutating func append(_ row: [String]) throws {
        guard row.count == columns.count else {
            let name = title.map { "table \"\($0)\"" } ?? "table"
            throw FigureError("\(name): row \(rows.count + 1) has \(row.count) cells but there are \(columns.count) columns (\(columns.joined(separator: ", ")))")
        }
        rows.append(row)
    }
}

// MARK: - Alignment

extension Table {
    /// The alignment used for column `index`, with `.automatic` resolved.
    func resolvedAlignment(_ index: Int) -> Alignment {
        let chosen = index < alignments.count ? alignments[index] : .automatic
        guard chosen == .automatic else { return chosen }
        let cells = rows.map { $0[index] }.filter { !Self.isPlaceholder($0) }
        return !cells.isEmpty && cells.allSatisfy(Self.looksNumeric) ? .right : .left
    }

    /// Cells that stand for "no value" and do not decide a column's alignment.
    static func isPlaceholder(_ cell: String) -> Bool {
        ["", "-", "—", "–", "n/a", "N/A", "nan", "NaN", "inf", "-inf"].contains(cell.trimmingSpaces())
    }

    /// A number, possibly signed, with thousands separators, an exponent and a short unit:
    /// "42", "−0.5", "1,024", "3.2e-05", "12.5 ms", "98%", "2.1×".
    static func looksNumeric(_ cell: String) -> Bool {
        var scalars = Substring(cell.trimmingSpaces()).unicodeScalars[...]
        if let first = scalars.first, "+-−".unicodeScalars.contains(first) { scalars = scalars.dropFirst() }
        var digits = 0
        while let c = scalars.first, ("0"..."9").contains(c) || c == "." || c == "," || c == "_" {
            if ("0"..."9").contains(c) { digits += 1 }
            scalars = scalars.dropFirst()
        }
        guard digits > 0 else { return false }
        if let e = scalars.first, e == "e" || e == "E" {
            var exponent = scalars.dropFirst()
            if let sign = exponent.first, sign == "+" || sign == "-" { exponent = exponent.dropFirst() }
            let exponentDigits = exponent.prefix { ("0"..."9").contains($0) }
            if !exponentDigits.isEmpty { scalars = exponent.dropFirst(exponentDigits.count) }
        }
        let unit = String(String.UnicodeScalarView(scalars)).trimmingSpaces()
        return unit.count <= 5 && !unit.unicodeScalars.contains { ("0"..."9").contains($0) }
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        let isSpace = { (c: Character) in c == " " || c == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
