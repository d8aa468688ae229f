// The handout of a run: the lesson's README (its lecture notes), section by section, with each
// figure beside the paragraph that says what to look for in it, then the run's tables; as one
// offline page (`index.html`) and as Markdown (`handout.md`).

import Figures
import _Support
import Foundation

extension LessonContext {
    /// Writes `index.html` and `handout.md` for the figures and tables this run wrote.
    ///
    /// A paragraph or list item of the README whose opening names a figure file in backticks
    /// (**`masks.png`** — …, or 2. **Title** (`pe.png`, …)) becomes that figure's caption; the
    /// page shows the figure right there. Figures the README does not describe follow under
    /// "More figures" with the lesson's one-line caption. Images and data are linked by relative
    /// path, so the folder can be copied or zipped whole; the page loads nothing else.
    ///
    /// - Throws: `LessonError` if a file cannot be written.
    public func writeHandout<L: Lesson>(for lesson: L.Type) throws {
        let notes = (try? String(contentsOfFile: Handout.notesPath(for: L.name), encoding: .utf8)) ?? ""
        let handout = Handout(lessonName: L.name, summary: L.summary, notes: notes, figures: savedFigures,
                              tables: shownTables, captions: L.figureCaptions, seed: seed, quick: quick)
        try writeText(handout.html(), to: "index.html")
        try writeText(handout.markdown(), to: "handout.md")
    }

    /// Writes `index.html` in `folder` linking every lesson's handout (`<lesson>/index.html`):
    /// what `lesson all` writes at the top of its output.
    public static func writeCourseIndex(in folder: String, lessons: [(name: String, summary: String, figures: Int)]) throws {
        var items = ""
        for lesson in lessons {
            items += "<li><a href=\"\(Handout.escape(lesson.name))/index.html\">\(Handout.escape(lesson.name))</a> — " +
                "\(Handout.escape(lesson.summary)) <span class=\"meta\">(\(lesson.figures) figures)</span></li>\n"
        }
        let page = Handout.page(title: "Transformer Playground: handouts",
                                body: "<h1>Transformer Playground: handouts</h1>\n<p>One page per lesson, with its notes, " +
                                    "figures, captions and tables.</p>\n<ol>\n\(items)</ol>\n")
        let path = folder.hasSuffix("/") ? folder + "index.html" : folder + "/index.html"
        do {
            try AtomicFile.write(Array(page.utf8), to: path)
        } catch {
            throw LessonError("\(error)")
        }
    }
}

/// One lesson run's handout, built from the README and what the run wrote.
struct Handout {
    let lessonName: String
    let summary: String
    let notes: String
    let figures: [SavedFigure]
    let tables: [(name: String, table: Table)]
    let captions: [(name: String, caption: String)]
    let seed: UInt64
    let quick: Bool

    /// The README of lesson `name`: `Lessons/<Name>/README.md` in the source tree this program
    /// was built from (`positional-encoding` → `PositionalEncoding`).
    ///
    /// NOTE: the notes are read from the sources rather than bundled as resources because every
    /// lesson's notes are called README.md, which SwiftPM's resource bundle cannot hold side by
    /// side; `swift run` always runs next to its sources.
    static func notesPath(for name: String) -> String {
        let folder = name.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        let lessons = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        return lessons.appendingPathComponent(folder).appendingPathComponent("README.md").path
    }

    // MARK: - Reading the notes

    /// A piece of the README: a heading, a paragraph or list item, a code block or a table.
    enum Block {
        case heading(level: Int, text: String)
        case paragraph(text: String, listMarker: String?)
        case code(String)
        case table([String])
    }

    var blocks: [Block] {
        var blocks: [Block] = []
        var paragraph: [String] = [], marker: String?
        var code: [String]?, indented: [String]?, table: [String] = []
        func flush() {
            if !paragraph.isEmpty { blocks.append(.paragraph(text: paragraph.joined(separator: " "), listMarker: marker)) }
            if !table.isEmpty { blocks.append(.table(table)) }
            paragraph = []; marker = nil; table = []
        }
        for rawLine in notes.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(rawLine)
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if var lines = code {
                if trimmed.hasPrefix("```") { blocks.append(.code(lines.joined(separator: "\n"))); code = nil } else { lines.append(line); code = lines }
                continue
            }
            if trimmed.hasPrefix("```") { flush(); code = []; continue }
            // An indented block after a blank line is code (commands, formulas); a list item's
            // continuation lines are indented less.
            if line.hasPrefix("    "), paragraph.isEmpty || indented != nil {
                if indented == nil { flush(); indented = [] }
                indented!.append(String(line.dropFirst(4)))
                continue
            }
            if let lines = indented {
                blocks.append(.code(lines.joined(separator: "\n")))
                indented = nil
            }
            if trimmed.isEmpty { flush(); continue }
            if trimmed.hasPrefix("|") { if !paragraph.isEmpty { flush() }; table.append(trimmed); continue }
            if trimmed.hasPrefix("#") {
                flush()
                let level = trimmed.prefix(while: { $0 == "#" }).count
                blocks.append(.heading(level: level, text: trimmed.dropFirst(level).trimmingCharacters(in: .whitespaces)))
                continue
            }
            // A numbered item starts at the left margin; a bulleted one may be nested under it.
            if let item = Self.listMarker(trimmed), line.first != " " || paragraph.isEmpty || !item.first!.isNumber {
                flush()
                marker = item
                paragraph = [String(trimmed.dropFirst(item.count)).trimmingCharacters(in: .whitespaces)]
                continue
            }
            paragraph.append(trimmed)
        }
        flush()
        if let code = code ?? indented { blocks.append(.code(code.joined(separator: "\n"))) }
        return blocks
    }

    /// "1. ", "- " or "* " at the start of a line, if it starts a list item.
    static func listMarker(_ line: String) -> String? {
        if line.hasPrefix("- ") || line.hasPrefix("* ") { return String(line.prefix(2)) }
        let digits = line.prefix(while: \.isNumber)
        if !digits.isEmpty, line.dropFirst(digits.count).hasPrefix(". ") { return digits + ". " }
        return nil
    }

    /// The figures a paragraph describes: those named as `name.png` in backticks in its opening
    /// (a `<placeholder>` in the README's name matches any text).
    func figuresDescribed(by text: String) -> [SavedFigure] {
        let opening = String(text.prefix(260))
        var names: [String] = []
        var rest = Substring(opening)
        while let start = rest.firstIndex(of: "`") {
            let after = rest[rest.index(after: start)...]
            guard let end = after.firstIndex(of: "`") else { break }
            let token = String(after[..<end])
            if token.hasSuffix(".png") { names.append(String(token.dropLast(4))) }
            rest = after[after.index(after: end)...]
        }
        return figures.filter { figure in names.contains { Self.matches(figure.name, pattern: $0) } }
    }

    /// Whether `name` matches `pattern`, where `<anything>` or `*` in the pattern stands for any text.
    static func matches(_ name: String, pattern: String) -> Bool {
        guard pattern.contains("<") || pattern.contains("*") else { return name == pattern }
        var regex = "^"
        var inside = false
        for character in pattern {
            if character == "*" && !inside { regex += ".+"; continue }
            if character == "<" { inside = true; regex += ".+"; continue }
            if character == ">" { inside = false; continue }
            if !inside { regex += NSRegularExpression.escapedPattern(for: String(character)) }
        }
        return name.range(of: regex + "$", options: .regularExpression) != nil
    }

    // MARK: - HTML

    func html() -> String {
        var body = ""
        var placed: Set<String> = []
        var listOpen: String?
        func closeList() {
            if let open = listOpen { body += "</\(open)>\n"; listOpen = nil }
        }
        let subtitle = "Run with seed \(seed)\(quick ? ", quick sizes" : ""). Figures, data and tables are in this folder."
        let meta = "<p class=\"meta\">\(Self.escape(summary)). \(Self.escape(subtitle))</p>\n"
        var metaShown = false
        for block in blocks {
            switch block {
            case let .heading(level, text):
                closeList()
                body += "<h\(min(level, 4))>\(Self.inline(text))</h\(min(level, 4))>\n"
                if level == 1 && !metaShown { body += meta; metaShown = true }
            case let .paragraph(text, marker):
                let described = figuresDescribed(by: text).filter { !placed.contains($0.name) }
                let kind = marker.map { $0.first!.isNumber ? "ol" : "ul" }
                if described.isEmpty {
                    if let kind {
                        if listOpen != kind { closeList(); body += "<\(kind)>\n"; listOpen = kind }
                        // The README's own number, so that a list interrupted by a figure or a
                        // nested list goes on counting from where it was.
                        let value = kind == "ol" ? " value=\"\(marker!.prefix(while: \.isNumber))\"" : ""
                        body += "<li\(value)>\(Self.inline(text))</li>\n"
                    } else {
                        closeList()
                        body += "<p>\(Self.inline(text))</p>\n"
                    }
                    continue
                }
                closeList()
                // The paragraph that says what to look for becomes the caption of its figures.
                let number = marker.map { $0.first!.isNumber ? $0 : "" } ?? ""
                body += "<figure id=\"\(Self.escape(described[0].name))\">\n"
                for figure in described {
                    placed.insert(figure.name)
                    body += image(figure)
                }
                body += "<figcaption>\(Self.escape(number))\(Self.inline(text))" +
                    described.map { "<span class=\"files\">\(links(for: $0))</span>" }.joined() + "</figcaption>\n</figure>\n"
            case let .code(text):
                closeList()
                body += "<pre><code>\(Self.escape(text))</code></pre>\n"
            case let .table(lines):
                closeList()
                body += Self.tableHTML(lines)
            }
        }
        closeList()
        let others = figures.filter { !placed.contains($0.name) }
        if !others.isEmpty {
            body += "<h2>More figures</h2>\n"
            for figure in others {
                let caption = captions.first { $0.name == figure.name }?.caption ?? figure.title
                body += "<figure id=\"\(Self.escape(figure.name))\">\n\(image(figure))<figcaption><b>\(Self.escape(figure.title))</b>. " +
                    "\(Self.escape(caption)).<span class=\"files\">\(links(for: figure))</span></figcaption>\n</figure>\n"
            }
        }
        if !tables.isEmpty {
            body += "<h2>Tables of this run</h2>\n"
            for (name, table) in tables {
                body += "<section class=\"table\">\n"
                if let title = table.title { body += "<h3>\(Self.escape(title))</h3>\n" }
                body += Self.tableHTML(table.markdown().split(separator: "\n").map(String.init).filter { $0.hasPrefix("|") })
                body += "<p class=\"files\"><a href=\"\(Self.escape(name)).csv\">\(Self.escape(name)).csv</a> · " +
                    "<a href=\"\(Self.escape(name)).md\">\(Self.escape(name)).md</a></p>\n</section>\n"
            }
        }
        let title = blocks.lazy.compactMap { block -> String? in
            if case let .heading(1, text) = block { text } else { nil }
        }.first ?? "Lesson \(lessonName)"
        if !metaShown {
            body = "<h1>\(Self.escape(title))</h1>\n" + meta + body
        }
        return Self.page(title: "\(title) — Transformer Playground", body: body)
    }

    /// The figure's image: the first of its files (PNG before SVG when both were written).
    private func image(_ figure: SavedFigure) -> String {
        let file = figure.files.first(where: { $0.hasSuffix(".png") }) ?? figure.files.first ?? "\(figure.name).png"
        return "<img src=\"\(Self.escape(file))\" alt=\"\(Self.escape(figure.title))\">\n"
    }

    private func links(for figure: SavedFigure) -> String {
        (figure.files + [figure.dataFile]).map { "<a href=\"\(Self.escape($0))\">\(Self.escape($0))</a>" }.joined(separator: " · ")
    }

    static func tableHTML(_ lines: [String]) -> String {
        func cells(_ line: String) -> [String] {
            var text = line.trimmingCharacters(in: .whitespaces)
            if text.hasPrefix("|") { text.removeFirst() }
            if text.hasSuffix("|") { text.removeLast() }
            return text.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        }
        guard let header = lines.first else { return "" }
        let isRule = { (line: String) in line.allSatisfy { "|-: ".contains($0) } }
        var html = "<table>\n<thead><tr>" + cells(header).map { "<th>\(inline($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        for line in lines.dropFirst() where !isRule(line) {
            html += "<tr>" + cells(line).map { "<td>\(inline($0))</td>" }.joined() + "</tr>\n"
        }
        return html + "</tbody>\n</table>\n"
    }

    /// A whole page with the handout's style sheet: readable on screen, figures kept whole when printed.
    static func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>
        body { font-family: "DejaVu Sans", system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; color: #222; }
        h1, h2, h3 { line-height: 1.2; }
        figure { margin: 1.5rem 0; break-inside: avoid; page-break-inside: avoid; }
        figure img { display: block; max-width: 100%; height: auto; border: 1px solid #ddd; }
        figcaption { margin-top: 0.5rem; }
        .files, .meta { display: block; color: #666; font-size: 0.9em; }
        table { border-collapse: collapse; margin: 1rem 0; font-size: 0.9em; break-inside: avoid; }
        th, td { border: 1px solid #ccc; padding: 0.2rem 0.5rem; text-align: left; }
        pre { background: #f6f6f6; padding: 0.5rem; overflow-x: auto; }
        code { font-family: "DejaVu Sans Mono", monospace; font-size: 0.9em; }
        @media print {
          body { max-width: none; margin: 0; font-size: 10pt; }
          a { color: inherit; text-decoration: none; }
          h2, h3 { break-after: avoid; page-break-after: avoid; }
          figure img { max-height: 60vh; width: auto; }
        }
        </style>
        </head>
        <body>
        \(body)</body>
        </html>

        """
    }

    /// Markdown's inline marks as HTML: `code`, **bold**, *italic*, [links](url); the rest escaped.
    static func inline(_ text: String) -> String {
        var html = ""
        var rest = Substring(text)
        while let character = rest.first {
            if character == "`", let end = rest.dropFirst().firstIndex(of: "`") {
                html += "<code>\(escape(String(rest[rest.index(after: rest.startIndex)..<end])))</code>"
                rest = rest[rest.index(after: end)...]
            } else if rest.hasPrefix("**"), let end = rest.dropFirst(2).range(of: "**") {
                html += "<strong>\(inline(String(rest[rest.index(rest.startIndex, offsetBy: 2)..<end.lowerBound])))</strong>"
                rest = rest[end.upperBound...]
            } else if character == "*", let end = rest.dropFirst().firstIndex(of: "*"), rest.dropFirst().first != " " {
                html += "<em>\(inline(String(rest[rest.index(after: rest.startIndex)..<end])))</em>"
                rest = rest[rest.index(after: end)...]
            } else if character == "[", let close = rest.range(of: "]("), let end = rest[close.upperBound...].firstIndex(of: ")") {
                let label = String(rest[rest.index(after: rest.startIndex)..<close.lowerBound])
                let target = String(rest[close.upperBound..<end])
                html += "<a href=\"\(escape(target))\">\(inline(label))</a>"
                rest = rest[rest.index(after: end)...]
            } else {
                html += escape(String(character))
                rest = rest.dropFirst()
            }
        }
        return html
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    // MARK: - Markdown

    /// The notes as written, with each figure's image after the paragraph that describes it,
    /// then the figures the notes do not describe and the run's tables.
    func markdown() -> String {
        var lines: [String] = []
        var placed: Set<String> = []
        for block in blocks {
            switch block {
            case let .heading(level, text):
                lines += [String(repeating: "#", count: level) + " " + text, ""]
            case let .paragraph(text, marker):
                lines += [(marker ?? "") + text, ""]
                for figure in figuresDescribed(by: text) where !placed.contains(figure.name) {
                    placed.insert(figure.name)
                    lines += [markdownImage(figure), ""]
                }
            case let .code(text):
                lines += ["```", text, "```", ""]
            case let .table(rows):
                lines += rows + [""]
            }
        }
        let others = figures.filter { !placed.contains($0.name) }
        if !others.isEmpty {
            lines += ["## More figures", ""]
            for figure in others {
                let caption = captions.first { $0.name == figure.name }?.caption ?? figure.title
                lines += ["**\(figure.title)**. \(caption).", "", markdownImage(figure), ""]
            }
        }
        if !tables.isEmpty {
            lines += ["## Tables of this run", ""]
            for (name, table) in tables {
                lines += [table.markdown().trimmingCharacters(in: .newlines), "", "[\(name).csv](\(name).csv)", ""]
            }
        }
        return lines.joined(separator: "\n")
    }

    private func markdownImage(_ figure: SavedFigure) -> String {
        let file = figure.files.first(where: { $0.hasSuffix(".png") }) ?? figure.files.first ?? "\(figure.name).png"
        let data = (figure.files + [figure.dataFile]).map { "[\($0)](\($0))" }.joined(separator: " · ")
        return "![\(figure.title.replacingOccurrences(of: "]", with: ")"))](\(file))\n\n" + data
    }
}
