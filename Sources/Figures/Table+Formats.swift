// A table as text: aligned for the terminal, a GitHub Markdown table, RFC 4180 CSV.

import _Support

extension Table {
    // MARK: - Terminal

    /// The table aligned in columns for a terminal, with a rule under the header.
    ///
    /// Widths are counted in terminal cells, so θ, · or é take one and CJK characters two; the
    /// columns stay aligned with any text.
    ///
    ///     Wavelengths
    ///     i  wavelength
    ///     -  ----------
    ///     0        6.28
    ///
    /// - Returns: the lines, each ending in "\n", without trailing spaces.
    public func terminal() -> String {
        let widths = columns.indices.map { c in ([columns[c]] + rows.map { $0[c] }).map(displayWidth).max() ?? 0 }
        let aligned = columns.indices.map(resolvedAlignment)
        func line(_ cells: [String]) -> String {
            let padded = cells.indices.map { pad(cells[$0], to: widths[$0], aligned[$0]) }
            return String(padded.joined(separator: "  ").reversed().drop { $0 == " " }.reversed()) + "\n"
        }
        var text = title.map { $0 + "\n" } ?? ""
        text += line(columns)
        text += line(widths.map { String(repeating: "-", count: max($0, 1)) })
        for row in rows { text += line(row) }
        return text
    }

    // MARK: - Markdown

    /// The table as a GitHub-flavoured Markdown pipe table, the title in bold above it.
    ///
    /// A `|` inside a cell is escaped as `\|` and a line break becomes `<br>`, so no cell can
    /// break the table. Columns are padded so that the source reads as a table too.
    ///
    ///     | i | wavelength |
    ///     | :-- | ---: |
    ///
    /// - Returns: the Markdown text, ending in "\n".
    public func markdown() -> String {
        func escape(_ cell: String) -> String {
            cell.replacing("|", with: "\\|").replacing("\r\n", with: "<br>").replacing("\n", with: "<br>")
        }
        let header = columns.map(escape)
        let body = rows.map { $0.map(escape) }
        let aligned = columns.indices.map(resolvedAlignment)
        let widths = columns.indices.map { c in max(3, ([header[c]] + body.map { $0[c] }).map(displayWidth).max() ?? 0) }
        func line(_ cells: [String]) -> String {
            "| " + cells.indices.map { pad(cells[$0], to: widths[$0], aligned[$0]) }.joined(separator: " | ") + " |\n"
        }
        let rule = columns.indices.map { c -> String in
            let w = widths[c]
            switch aligned[c] {
            case .right: return String(repeating: "-", count: w - 1) + ":"
            case .center: return ":" + String(repeating: "-", count: w - 2) + ":"
            default: return ":" + String(repeating: "-", count: w - 1)
            }
        }
        var text = title.map { "**\(escape($0))**\n\n" } ?? ""
        text += line(header)
        text += "| " + rule.joined(separator: " | ") + " |\n"
        for row in body { text += line(row) }
        return text
    }

    // MARK: - CSV

    /// The table as CSV (RFC 4180): a header row, then the rows, lines ending in "\n".
    ///
    /// A cell holding a comma, a double quote or a line break is put in double quotes, with
    /// its own double quotes doubled: `say "hi", then` becomes `"say ""hi"", then"`.
    ///
    /// - Returns: the CSV text; the title is not included.
    public func csv() -> String {
        func field(_ cell: String) -> String {
            let needsQuotes = cell.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
            return needsQuotes ? "\"" + cell.replacing("\"", with: "\"\"") + "\"" : cell
        }
        return ([columns] + rows).map { $0.map(field).joined(separator: ",") + "\n" }.joined()
    }

    // MARK: - Files

    /// Writes `csv()` to a file, atomically.
    ///
    /// - Parameter path: where to write; its folder must exist.
    /// - Throws: `FigureError` naming the path and the reason.
    public func writeCSV(to path: String) throws {
        try write(csv(), to: path)
    }

    /// Writes `markdown()` to a file, atomically.
    ///
    /// - Parameter path: where to write; its folder must exist.
    /// - Throws: `FigureError` naming the path and the reason.
    public func writeMarkdown(to path: String) throws {
        try write(markdown(), to: path)
    }

    private func write(_ text: String, to path: String) throws {
        do {
            try AtomicFile.write(Array(text.utf8), to: path)
        } catch {
            throw FigureError("\(error)")
        }
    }
}

// MARK: - Width in terminal cells

/// `text` padded with spaces to `width` terminal cells.
private func pad(_ text: String, to width: Int, _ alignment: Table.Alignment) -> String {
    let extra = max(0, width - displayWidth(text))
    switch alignment {
    case .right: return String(repeating: " ", count: extra) + text
    case .center: return String(repeating: " ", count: extra / 2) + text + String(repeating: " ", count: extra - extra / 2)
    default: return text + String(repeating: " ", count: extra)
    }
}

/// How many terminal cells `text` takes: one per character (accents combine with their
/// letter), two for East Asian wide characters and emoji, none for control characters.
func displayWidth(_ text: String) -> Int {
    text.reduce(0) { total, character in
        guard let scalar = character.unicodeScalars.first else { return total }
        let v = scalar.value
        if v < 0x20 || (0x7F..<0xA0).contains(v) || (0x200B...0x200F).contains(v) || v == 0xFEFF { return total }
        if scalar.properties.isEmojiPresentation { return total + 2 }
        let wide: [ClosedRange<UInt32>] = [
            0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
            0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
            0xFFE0...0xFFE6, 0x20000...0x3FFFD,
        ]
        return total + (wide.contains { $0.contains(v) } ? 2 : 1)
    }
}
