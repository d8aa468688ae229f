// PNG files through libpng's "simplified" API: encode in memory, write atomically, read back.

import CPNG
import _Support

// NOTE: libpng reports errors by longjmp, which Swift cannot catch. Its simplified API
// (`png_image`) catches them inside libpng and returns 0 with a message in `png_image.message`,
// so it is the part of libpng that Swift can call safely.

/// `PNG_IMAGE_VERSION` and `PNG_FORMAT_RGBA` are C macros that Swift does not import.
private let pngImageVersion: png_uint_32 = 1
private let pngFormatRGBA: png_uint_32 = 0x01 | 0x02  // PNG_FORMAT_FLAG_ALPHA | PNG_FORMAT_FLAG_COLOR

extension Canvas {
    /// The canvas encoded as a PNG file (8-bit RGBA), in memory.
    ///
    /// The same pixels always give the same bytes: libpng's simplified writer stores no time
    /// stamp, so figures are reproducible byte for byte.
    ///
    ///     let bytes = try canvas.pngData()
    ///     bytes.prefix(4)   // [0x89, 0x50, 0x4E, 0x47]: "\u{89}PNG"
    ///
    /// - Throws: `FigureError` with libpng's message if encoding fails.
    public func pngData() throws -> [UInt8] {
        guard width > 0, height > 0 else { throw FigureError("cannot encode an empty \(width)×\(height) canvas as PNG") }
        var image = png_image()
        image.version = pngImageVersion
        image.width = png_uint_32(width)
        image.height = png_uint_32(height)
        image.format = pngFormatRGBA

        // A first guess large enough for almost any figure (compressed data plus headers); if
        // libpng needs more it says how much, and we try once more with that.
        var capacity = pixels.count + pixels.count / 64 + 4096
        for _ in 0..<2 {
            var output = [UInt8](repeating: 0, count: capacity)
            var size = png_alloc_size_t(capacity)
            let ok = pixels.withUnsafeBytes { source in
                output.withUnsafeMutableBytes { destination in
                    png_image_write_to_memory(&image, destination.baseAddress, &size, 0, source.baseAddress, 0, nil)
                }
            }
            if ok != 0 {
                output.removeSubrange(Int(size)...)
                return output
            }
            guard Int(size) > capacity else { break }
            capacity = Int(size)
            image.warning_or_error = 0
        }
        throw FigureError("cannot encode PNG: \(libpngMessage(image))")
    }

    /// The canvas encoded as a PNG file that says its resolution: a `pHYs` chunk after the
    /// header gives `dpi` as pixels per metre, so that Keynote, PowerPoint and word processors
    /// place the image at `width / dpi` inches. With `dpi` nil, exactly `pngData()`.
    ///
    ///     let bytes = try canvas.pngData(dpi: 288)   // placed at width / 288 inches
    ///
    /// - Throws: `FigureError` with libpng's message if encoding fails.
    public func pngData(dpi: Double?) throws -> [UInt8] {
        let bytes = try pngData()
        guard let dpi, dpi > 0, dpi.isFinite else { return bytes }
        // The signature (8 bytes) and the IHDR chunk (4 + 4 + 13 + 4 bytes) come first; pHYs
        // must come before the image data, so right after IHDR is always a valid place.
        let perMetre = UInt32((dpi / 0.0254).rounded())
        var chunk: [UInt8] = Array("pHYs".utf8)
        for _ in 0..<2 { chunk += bigEndian(perMetre) }
        chunk.append(1)   // unit: the metre
        let inserted = bigEndian(UInt32(chunk.count - 4)) + chunk + bigEndian(crc32(chunk))
        return Array(bytes[..<33]) + inserted + Array(bytes[33...])
    }

    /// Writes the canvas as a PNG file, atomically: a reader sees the old file or the whole new
    /// one, never a half-written one.
    ///
    ///     try canvas.writePNG(to: "Output/positional-encoding/pe.png")
    ///
    /// - Parameter path: where to write; its folder must exist.
    /// - Throws: `FigureError` naming the path and the reason.
    public func writePNG(to path: String) throws {
        let bytes = try pngData()
        do {
            try AtomicFile.write(bytes, to: path)
        } catch {
            throw FigureError("\(error)")
        }
    }

    /// Reads a PNG file into a canvas, converting any PNG format to 8-bit RGBA.
    ///
    /// Figures never need this; tests use it to check what was written.
    ///
    ///     let back = try Canvas(pngFile: "/tmp/figure.png")
    ///
    /// - Parameter path: the PNG file.
    /// - Throws: `FigureError` with libpng's message if the file is missing or not a PNG.
    public init(pngFile path: String) throws {
        var image = png_image()
        image.version = pngImageVersion
        guard png_image_begin_read_from_file(&image, path) != 0 else {
            let reason = libpngMessage(image)
            png_image_free(&image)
            throw FigureError("cannot read PNG \(path): \(reason)")
        }
        image.format = pngFormatRGBA
        let width = Int(image.width), height = Int(image.height)
        var pixels = [UInt8](repeating: 0, count: 4 * width * height)
        let ok = pixels.withUnsafeMutableBytes { buffer in
            png_image_finish_read(&image, nil, buffer.baseAddress, 0, nil)
        }
        guard ok != 0 else {
            let reason = libpngMessage(image)
            png_image_free(&image)
            throw FigureError("cannot read PNG \(path): \(reason)")
        }
        self.init(width: width, height: height, pixels: pixels)
    }
}

/// The NUL-terminated `message` field of a `png_image`, as a Swift string.
private func libpngMessage(_ image: png_image) -> String {
    var message = image.message
    let text = withUnsafeBytes(of: &message) { raw in
        String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
    }
    return text.isEmpty ? "unknown libpng error" : text
}

private func bigEndian(_ value: UInt32) -> [UInt8] {
    [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
}

/// The CRC-32 that PNG chunks end with (ISO 3309, polynomial 0xEDB88320 reflected), over the
/// chunk's type and data.
func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return crc ^ 0xFFFF_FFFF
}
