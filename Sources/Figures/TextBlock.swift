// Text set on one or more lines: titles that wrap at spaces, rather than shrink, when enlarged
// type (an export for slides) makes them longer than their room.

/// A piece of text set on `lines.count` lines at one size, each line measured.
///
///     let block = try TextBlock.fitted("A long figure title", largest: 48, room: 900, wrapFirst: true)
///     block.lines    // ["A long figure", "title"] if one line is too wide at 48 px
struct TextBlock {
    var lines: [String]
    var size: Int
    /// Distance from one line's top to the next: the font's line box at `size`.
    var lineHeight: Int
    /// The widest line, in pixels.
    var width: Int

    var height: Int { lines.count * lineHeight }

    /// The text on one line at `size`.
    static func single(_ text: String, size: Int) throws -> TextBlock {
        let (width, height) = try Canvas.measureText(text, size: size)
        return TextBlock(lines: [text], size: size, lineHeight: height, width: width)
    }

    /// The text at the largest size (from `largest` down to the smallest text size of enlarged
    /// type) and on the fewest lines (at most `maxLines`) at which every line fits in `room`.
    ///
    /// With `wrapFirst` (titles) two lines at the largest size come before one line at a smaller
    /// size; without it (axis titles) the text is made smaller before it is wrapped. When nothing
    /// fits, the smallest size on `maxLines` lines, which may still be wider than `room`.
    static func fitted(_ text: String, largest: Int, room: Int, maxLines: Int = 3, wrapFirst: Bool) throws -> TextBlock {
        let smallest = min(largest, FigureStyle.smallestSize)
        // A lone operator stays with the words on both sides: "Br = 8" is never broken.
        var words: [String] = []
        var joinsNext = false
        for word in text.split(separator: " ", omittingEmptySubsequences: true).map(String.init) {
            let isOperator = ["=", "+", "−", "-", "→", "·", "×", "≈", "|"].contains(word)
            if (isOperator || joinsNext), let last = words.last {
                words[words.count - 1] = last + " " + word
            } else {
                words.append(word)
            }
            joinsNext = isOperator
        }
        var tries: [(size: Int, lines: Int)] = []
        let sizes = Array(stride(from: largest, through: smallest, by: -1))
        if wrapFirst {
            tries = [(largest, 1)] + (2...max(2, maxLines)).flatMap { lines in sizes.map { ($0, lines) } }
        } else {
            tries = (1...max(1, maxLines)).flatMap { lines in sizes.map { ($0, lines) } }
        }
        var last: TextBlock?
        for (size, count) in tries where count <= max(1, min(maxLines, words.count)) {
            let block = try split(words, into: count, size: size)
            if block.width <= room { return block }
            last = block
        }
        return try last ?? single(text, size: smallest)
    }

    /// The words on `count` lines whose widest line is the narrowest possible.
    private static func split(_ words: [String], into count: Int, size: Int) throws -> TextBlock {
        var widths: [String: Int] = [:]
        func measure(_ line: String) throws -> Int {
            if let known = widths[line] { return known }
            let width = try Canvas.measureText(line, size: size).width
            widths[line] = width
            return width
        }
        let lineHeight = try Canvas.measureText("Ag", size: size).height
        guard count > 1, words.count > 1 else {
            let line = words.joined(separator: " ")
            return TextBlock(lines: [line], size: size, lineHeight: lineHeight, width: try measure(line))
        }
        // Breaks before word indices b₁ < b₂ < …; every choice is tried (titles are short).
        var best: (lines: [String], width: Int)?
        func search(from start: Int, linesLeft: Int, chosen: [String]) throws {
            if linesLeft == 1 {
                let lines = chosen + [words[start...].joined(separator: " ")]
                let width = try lines.map(measure).max() ?? 0
                if best == nil || width < best!.width { best = (lines, width) }
                return
            }
            guard start + linesLeft <= words.count else { return }
            for end in (start + 1)...(words.count - linesLeft + 1) {
                try search(from: end, linesLeft: linesLeft - 1, chosen: chosen + [words[start..<end].joined(separator: " ")])
            }
        }
        try search(from: 0, linesLeft: min(count, words.count), chosen: [])
        return TextBlock(lines: best!.lines, size: size, lineHeight: lineHeight, width: best!.width)
    }
}

extension FigureStyle {
    /// Whether the type is enlarged (an export for slides or print), when layouts make room for
    /// it instead of shrinking text below `smallestSize`.
    static var isEnlarged: Bool { environment.fontScale != 1 }

    /// The smallest size any text takes under enlarged type: the size the export scales to
    /// the slide's or page's smallest points.
    static var smallestSize: Int { scaled(smallestBaseSize) }

    /// The figure title as it will be drawn on a canvas `canvasWidth` wide: one line at the
    /// standard size, wrapped onto two or three lines under enlarged type when it is too long.
    static func titleBlock(_ title: String, canvasWidth: Int) throws -> TextBlock {
        let room = canvasWidth - 2 * margin
        guard isEnlarged else { return try TextBlock.single(title, size: titleSize) }
        return try TextBlock.fitted(title, largest: titleSize, room: room, wrapFirst: true)
    }

    /// The height the title takes above a chart, with the gap under it; 0 without a title.
    static func titleHeight(_ title: String, canvasWidth: Int) throws -> Int {
        guard showsTitle(title) else { return 0 }
        return try titleBlock(title, canvasWidth: canvasWidth).height + 14
    }

    /// The rows a chart's upright y title may take: the canvas between the margins at the
    /// standard size; under enlarged type from the plot's top down to the x title, so that it
    /// stays clear of a legend above the plot and of a long x title.
    static func yTitleSpan(canvasWidth: Int, canvasHeight: Int, plotTop: Int, xTitle: String) throws -> (top: Int, bottom: Int) {
        guard isEnlarged else { return (margin, canvasHeight - margin) }
        let xTitleHeight = xTitle.isEmpty ? 0 : try axisTitleBlock(xTitle, room: canvasWidth - 2 * margin).height + 8
        return (plotTop, canvasHeight - margin - xTitleHeight)
    }

    /// An axis title with `room` pixels along its axis: one line at the standard size; under
    /// enlarged type made smaller (down to `smallestSize`), then wrapped, until it fits.
    static func axisTitleBlock(_ text: String, room: Int) throws -> TextBlock {
        guard isEnlarged else { return try TextBlock.single(text, size: axisTitleSize) }
        return try TextBlock.fitted(text, largest: axisTitleSize, room: room, wrapFirst: false)
    }
}
