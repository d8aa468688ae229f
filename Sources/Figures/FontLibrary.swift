// Real glyphs for figure text: finding a TrueType font, rendering glyphs with FreeType, caching.

import CFreeType
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One glyph rendered at one pixel size and rotation: an 8-bit coverage bitmap and where it
/// sits relative to the pen.
struct Glyph: Sendable {
    /// FreeType's index of the glyph in the font (for kerning).
    let index: UInt32
    /// Bitmap size in pixels.
    let width: Int
    let height: Int
    /// From the pen position to the bitmap's left column, in pixels.
    let left: Int
    /// From the pen position up to the bitmap's top row, in pixels.
    let top: Int
    /// Coverage 0…255, `width × height`, row-major from the top.
    let coverage: [UInt8]
    /// How far the pen moves along the text after this glyph (unhinted, so spacing stays even).
    let advance: Double
}

/// A line of text ready to draw: its glyphs, where each one starts along the line, and the box
/// it occupies when not rotated.
///
/// The text frame has its origin at the pen start on the baseline, `x` along the text and `y`
/// down (the box's `y` runs from `-ascent` to `descent`).
struct TextLayout: Sendable {
    /// The glyphs, rendered for the requested rotation, with their pen offsets along the line.
    var glyphs: [(glyph: Glyph, pen: Double)]
    /// Left and right of the box: the advance box, widened to include any ink that sticks out.
    var boxLeft: Double
    var boxRight: Double
    /// The font's line extent above and below the baseline, in pixels.
    var ascent: Int
    var descent: Int

    var width: Int { Int((boxRight - boxLeft).rounded(.up)) }
    var height: Int { ascent + descent }
}

/// The font used for every figure, loaded once and shared.
///
/// FreeType objects must not be used from two threads at once, so the library, the face and the
/// glyph cache live together behind one lock. Glyphs are cached per character, pixel size and
/// rotation; rendering is a pure function of those, so output is byte-identical run to run.
enum FontLibrary {
    /// Where to look for a font, in order after `$TP_FONT`: DejaVu Sans in the usual Linux
    /// places, then fonts that every Mac has. All of them cover Greek, arrows and maths signs.
    static let searchPaths = [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",  // Debian, Ubuntu
        "/usr/share/fonts/TTF/DejaVuSans.ttf",  // Arch
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",  // Fedora (older), openSUSE
        "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",  // Fedora
        "/usr/local/share/fonts/DejaVuSans.ttf",
        "/System/Library/Fonts/Supplemental/Arial Unicode.ttf",
        "/Library/Fonts/Arial Unicode.ttf",
        "/System/Library/Fonts/Helvetica.ttc",
    ]

    private static let state = Mutex(FontState())

    /// Lays out `text` at `size` pixels, rendering any glyph not yet cached.
    ///
    /// - Parameters:
    ///   - text: one line; control characters are skipped.
    ///   - size: pixel size (the em square), e.g. 14 for tick labels.
    ///   - rotation: the rotation the glyph bitmaps are rendered with.
    /// - Throws: `FigureError` if no font can be found or loaded.
    static func layout(_ text: String, size: Int, rotation: TextRotation) throws -> TextLayout {
        try state.withLock { state throws(FigureError) -> TextLayout in
            try state.layout(text, size: max(1, size), rotation: rotation)
        }
    }

    /// Loads the font file `chosen`, else the one `fontPath()` finds, so that a missing or broken
    /// font is reported before anything is drawn; later text uses it.
    ///
    /// - Returns: the font file's path.
    /// - Throws: `FigureError` saying in one line what is wrong with the font file.
    static func load(_ chosen: String? = nil) throws(FigureError) -> String {
        let path = if let chosen { chosen } else { try fontPath() }
        try state.withLock { state throws(FigureError) in _ = try state.openFace(path: path) }
        return path
    }

    /// The family name of the font figures are drawn with ("DejaVu Sans"), for SVG text.
    static var familyName: String {
        let name = try? state.withLock { state throws(FigureError) -> String? in
            let face = try state.openFace()
            return face.pointee.family_name.map { String(cString: $0) }
        }
        return (name ?? nil) ?? "DejaVu Sans"
    }

    /// Finds the font file to use: `chosen` (by default `$TP_FONT`) if set, else the first of
    /// `searchPaths` present.
    static func fontPath(chosen: String? = environmentFont) throws(FigureError) -> String {
        if let chosen {
            guard access(chosen, R_OK) == 0 else {
                throw FigureError("TP_FONT=\(chosen): cannot read that font file (\(String(cString: strerror(errno)))); point TP_FONT at a .ttf file or unset it")
            }
            return chosen
        }
        if let found = searchPaths.first(where: { access($0, R_OK) == 0 }) { return found }
        throw FigureError("no font found for figure text: install DejaVu Sans (apt-get install fonts-dejavu-core) or set TP_FONT to a TrueType font file")
    }

    /// `$TP_FONT`, or nil when it is unset or empty.
    static var environmentFont: String? {
        getenv("TP_FONT").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// One line on why FreeType could not open the font file at `path`, and what to do.
    static func problem(with path: String, freeTypeError error: FT_Error) -> String {
        var info = stat()
        let exists = stat(path, &info) == 0
        let what: String
        if exists && info.st_mode & S_IFMT == S_IFDIR {
            what = "is a folder, not a font file"
        } else if exists && info.st_size == 0 {
            what = "is an empty file"
        } else {
            // FreeType's error codes (fterrdef.h): 1 cannot open, 2 unknown format, 3 broken file.
            what = switch error {
            case 1: "cannot be opened"
            case 2: "is not a font file FreeType knows (not TrueType, OpenType or Type 1)"
            case 3: "is a damaged or unsupported font file"
            default: "cannot be loaded (FreeType error \(error))"
            }
        }
        let name = environmentFont == path ? "TP_FONT=\(path)" : "font \(path)"
        return "\(name) \(what); point TP_FONT at a TrueType (.ttf) font file, or unset it"
    }
}

// MARK: - FreeType state

/// FreeType's pointers and the caches; only ever touched while holding `FontLibrary.state`.
private struct FontState {
    var library: FT_Library?
    var face: FT_Face?
    var facePath: String?
    var glyphs: [GlyphKey: Glyph] = [:]
    var metrics: [Int: (ascent: Int, descent: Int)] = [:]
    var kerning: [KerningKey: Double] = [:]
    var hasKerning = false
    var currentSize = 0

    struct GlyphKey: Hashable {
        let scalar: UInt32
        let size: Int
        let rotation: TextRotation
    }

    struct KerningKey: Hashable {
        let left: UInt32
        let right: UInt32
        let size: Int
    }

    // NOTE: these are C macros built from other macros, which Swift does not import.
    static let loadRender: Int32 = 1 << 2
    static let loadNoBitmap: Int32 = 1 << 3
    static let loadTargetLight: Int32 = 1 << 16  // FT_LOAD_TARGET_(FT_RENDER_MODE_LIGHT)
    static let faceFlagScalable: FT_Long = 1 << 0
    static let faceFlagKerning: FT_Long = 1 << 6
    static let kerningUnfitted: FT_UInt = 1
    static let pixelModeMono: UInt8 = 1

    /// The face to draw with: the one loaded, else the font `FontLibrary.fontPath()` finds.
    mutating func openFace() throws(FigureError) -> FT_Face {
        if let face { return face }
        return try openFace(path: FontLibrary.fontPath())
    }

    /// Loads the font at `path` (unless it is the one loaded) and draws with it from now on;
    /// if it cannot be used, the font loaded before stays.
    mutating func openFace(path: String) throws(FigureError) -> FT_Face {
        if let face, facePath == path { return face }
        if library == nil {
            var created: FT_Library?
            guard FT_Init_FreeType(&created) == 0, let created else {
                throw FigureError("cannot start FreeType to draw figure text")
            }
            library = created
        }
        var opened: FT_Face?
        let error = FT_New_Face(library, path, 0, &opened)
        guard error == 0, let opened else {
            throw FigureError(FontLibrary.problem(with: path, freeTypeError: error))
        }
        guard opened.pointee.face_flags & Self.faceFlagScalable != 0 else {
            FT_Done_Face(opened)
            let name = FontLibrary.environmentFont == path ? "TP_FONT=\(path)" : "font \(path)"
            throw FigureError("\(name) is a bitmap font, which cannot be drawn at every size; point TP_FONT at a TrueType (.ttf) font file, or unset it")
        }
        if let face { FT_Done_Face(face) }
        face = opened
        facePath = path
        glyphs = [:]
        metrics = [:]
        kerning = [:]
        currentSize = 0
        hasKerning = opened.pointee.face_flags & Self.faceFlagKerning != 0
        return opened
    }

    mutating func setSize(_ size: Int, on face: FT_Face) {
        guard size != currentSize else { return }
        FT_Set_Pixel_Sizes(face, 0, FT_UInt(size))
        currentSize = size
    }

    mutating func layout(_ text: String, size: Int, rotation: TextRotation) throws(FigureError) -> TextLayout {
        let face = try openFace()
        let metrics = lineMetrics(size: size, face: face)
        var placed: [(glyph: Glyph, pen: Double)] = []
        var pen = 0.0
        var boxLeft = 0.0, boxRight = 0.0
        var previous: UInt32?
        for scalar in text.unicodeScalars where scalar.value >= 0x20 && scalar.value != 0x7F {
            let upright = glyph(scalar.value, size: size, rotation: .none, face: face)
            if let previous { pen += kern(previous, upright.index, size: size, face: face) }
            if upright.width > 0 {
                boxLeft = min(boxLeft, pen + Double(upright.left))
                boxRight = max(boxRight, pen + Double(upright.left + upright.width))
            }
            let drawn = rotation == .none ? upright : glyph(scalar.value, size: size, rotation: rotation, face: face)
            placed.append((drawn, pen))
            pen += upright.advance
            previous = upright.index
        }
        boxRight = max(boxRight, pen)
        return TextLayout(glyphs: placed, boxLeft: boxLeft, boxRight: boxRight,
                          ascent: metrics.ascent, descent: metrics.descent)
    }

    mutating func lineMetrics(size: Int, face: FT_Face) -> (ascent: Int, descent: Int) {
        if let known = metrics[size] { return known }
        setSize(size, on: face)
        let m = face.pointee.size.pointee.metrics  // 26.6 fixed point, rounded by FreeType
        let result = (ascent: Int((m.ascender + 63) >> 6), descent: Int((-m.descender + 63) >> 6))
        metrics[size] = result
        return result
    }

    mutating func kern(_ left: UInt32, _ right: UInt32, size: Int, face: FT_Face) -> Double {
        guard hasKerning else { return 0 }
        let key = KerningKey(left: left, right: right, size: size)
        if let known = kerning[key] { return known }
        setSize(size, on: face)
        var delta = FT_Vector()
        let amount = FT_Get_Kerning(face, left, right, Self.kerningUnfitted, &delta) == 0 ? Double(delta.x) / 64 : 0
        kerning[key] = amount
        return amount
    }

    /// Renders (or recalls) one glyph. Rotated glyphs are rendered rotated by FreeType itself,
    /// from the outline, so they are as crisp as upright ones.
    mutating func glyph(_ scalar: UInt32, size: Int, rotation: TextRotation, face: FT_Face) -> Glyph {
        let key = GlyphKey(scalar: scalar, size: size, rotation: rotation)
        if let known = glyphs[key] { return known }
        setSize(size, on: face)

        let (cosine, sine) = rotation.cosineAndSine
        var matrix = FT_Matrix(xx: FT_Fixed((cosine * 65536).rounded()), xy: FT_Fixed((-sine * 65536).rounded()),
                               yx: FT_Fixed((sine * 65536).rounded()), yy: FT_Fixed((cosine * 65536).rounded()))
        var origin = FT_Vector(x: 0, y: 0)
        FT_Set_Transform(face, &matrix, &origin)
        defer { FT_Set_Transform(face, nil, nil) }

        let index = FT_Get_Char_Index(face, FT_ULong(scalar))
        let loaded = FT_Load_Glyph(face, index, Self.loadRender | Self.loadNoBitmap | Self.loadTargetLight) == 0
        var result = Glyph(index: index, width: 0, height: 0, left: 0, top: 0, coverage: [], advance: 0)
        if loaded, let slot = face.pointee.glyph {
            let bitmap = slot.pointee.bitmap
            let width = Int(bitmap.width), height = Int(bitmap.rows), pitch = Int(bitmap.pitch)
            var coverage = [UInt8](repeating: 0, count: width * height)
            if let buffer = bitmap.buffer {
                for row in 0..<height {
                    let line = buffer + row * pitch
                    for column in 0..<width {
                        if bitmap.pixel_mode == Self.pixelModeMono {
                            let bit = (line[column >> 3] >> (7 - UInt8(column & 7))) & 1
                            coverage[row * width + column] = bit == 1 ? 255 : 0
                        } else {
                            coverage[row * width + column] = line[column]
                        }
                    }
                }
            }
            result = Glyph(index: index, width: width, height: height,
                           left: Int(slot.pointee.bitmap_left), top: Int(slot.pointee.bitmap_top),
                           coverage: coverage, advance: Double(slot.pointee.linearHoriAdvance) / 65536)
        }
        glyphs[key] = result
        return result
    }
}
